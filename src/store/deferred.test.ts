import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { stopEventRouter } from '@/store/eventRouter'
import { useCallStore } from '@/store/call'
import { useSessionStore } from '@/store/session'
import { startEventRouting, whenStartupIdle } from '@/store/deferred'
import { AGENT, PASSWORD, installFakeBackend, settle, setupCore, type Core } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

let core: Core

beforeEach(() => {
  core = setupCore()
  installFakeBackend(core.clock)
  // As at app start: nothing routes SDK events until the deferred router is loaded, and
  // App.vue makes every sign-in wait for it.
  stopEventRouter()
  useSessionStore().joinSignIn(startEventRouting)
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('deferred event routing', () => {
  it('sign-in starts the router before the SDK login, so the agent’s calls reach the call store', async () => {
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    const sessionId = core.sim.incomingCall({ from: '13800138000' })
    await settle()
    const call = useCallStore()
    expect(call.state).toBe('incoming')
    expect(call.sessionId).toBe(sessionId)
  })

  it('signs out after a deferred sign-in and ends at signed-out', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    await session.signOut()
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('logged-out')
    expect(useCallStore().state).toBe('idle')
  })
})

describe('whenStartupIdle', () => {
  it('waits for the browser’s idle callback where there is one', () => {
    const callbacks: Array<() => void> = []
    vi.stubGlobal('requestIdleCallback', (cb: () => void) => callbacks.push(cb))
    const task = vi.fn()
    whenStartupIdle(task)
    expect(task).not.toHaveBeenCalled()
    callbacks.forEach((cb) => cb())
    expect(task).toHaveBeenCalledTimes(1)
  })

  it('runs the task at most 300 ms late even when the browser never idles', () => {
    const idle = vi.fn()
    vi.stubGlobal('requestIdleCallback', idle)
    const task = vi.fn()
    whenStartupIdle(task)
    expect(idle).toHaveBeenCalledWith(task, { timeout: 300 })
  })

  it('runs on the next turn of the event loop elsewhere', async () => {
    vi.stubGlobal('requestIdleCallback', undefined)
    const task = vi.fn()
    whenStartupIdle(task)
    expect(task).not.toHaveBeenCalled()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(task).toHaveBeenCalledTimes(1)
  })
})

describe('the signed-in pages fetched ahead', () => {
  it('asks uni for the numbers, dial and history pages once, and again only after a sign-in where none came', async () => {
    vi.resetModules()
    const { preloadSignedInPages } = await import('@/store/deferred')
    const preloadPage = vi.fn((_options: { url: string }): Promise<void> => Promise.reject(new Error('offline')))
    vi.stubGlobal('uni', { ...uni, preloadPage })
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    await preloadSignedInPages()
    await vi.waitFor(() => expect(preloadPage).toHaveBeenCalledTimes(3))
    await settle()
    preloadPage.mockImplementation(() => Promise.resolve())
    await preloadSignedInPages()
    await vi.waitFor(() => expect(preloadPage).toHaveBeenCalledTimes(6))
    await settle()
    await preloadSignedInPages()
    await settle()
    expect(preloadPage).toHaveBeenCalledTimes(6)
    expect(preloadPage.mock.calls.slice(3).map(([o]) => o.url)).toEqual(['/src/pages/numbers/index', '/src/pages/dial/index', '/src/pages/history/index'])
    vi.unstubAllGlobals()
  })
})
