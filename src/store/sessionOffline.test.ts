/**
 * The offline start: the app restarts while the backend or TCCC is out of reach, and the agent
 * works from this phone's cache (session `offline`) until the retry registers the SDK.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, getActivePinia, setActivePinia } from 'pinia'
import { mount } from '@vue/test-utils'
import { defineComponent } from 'vue'
import { agentKeyOf, workspaceValue } from '@/services/storage'
import { getWorkstation } from '@/services/workstation'
import { useAgentStore } from '@/store/agent'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSyncStore } from '@/store/sync'
import { useWrapupStore } from '@/store/wrapup'
import { ACCESS_TOKEN_MARGIN_MS, backendSessionStorage, RESTORE_RETRY_MS, useSessionStore } from '@/store/session'
import { AGENT, PASSWORD, callsOf, closeSyncAndRestore, coreWithWorkspace, methods, settle, type Core, type FakeBackend } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

let core: Core
let backend: FakeBackend

beforeEach(() => {
  ;({ core, backend } = coreWithWorkspace())
})

/**
 * A store as the app first makes it after a reload on the dial page: in a component's setup (the
 * call panel makes the call store, the shell's wrap-up sheet the wrap-up store later). Vue runs
 * the watchers of an earlier component first, so the call store's watch of the status runs
 * before the wrap-up store's watch of the agent when both change in one tick.
 */
function madeInAComponent<S>(useStore: () => S): S {
  let store: S | undefined
  const pinia = getActivePinia()
  if (!pinia) throw new Error('no pinia')
  mount(
    defineComponent({
      setup() {
        store = useStore()
        return () => null
      },
    }),
    { global: { plugins: [pinia] } },
  )
  if (store === undefined) throw new Error('no store')
  return store
}

afterEach(closeSyncAndRestore)

/**
 * A day's work on this phone: one listed number and one connected call with its wrap-up, all on
 * the server; then the app restarts (new pinia, storage kept) with the backend out of reach.
 */
async function workedThenRestartOffline(clock: 'timers' | 'timers and date' = 'timers'): Promise<ReturnType<typeof useSessionStore>> {
  const session = useSessionStore()
  await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
  useNumbersStore().add('13800138000', 'Ms Wang')
  const call = useCallStore()
  await call.placeCall({ to: '13800138000' })
  core.sim.answerOutbound()
  await settle()
  await call.hangUp()
  call.close()
  const wrapup = useWrapupStore()
  wrapup.choose('interested')
  expect(wrapup.save()).toBe(true)
  await expect(useSyncStore().drain()).resolves.toBe(true)
  setActivePinia(createPinia())
  backend.setReachable(false)
  vi.useFakeTimers({ toFake: clock === 'timers' ? ['setTimeout', 'clearTimeout'] : ['setTimeout', 'clearTimeout', 'Date'] })
  return useSessionStore()
}

describe('offline start (the backend out of reach, this phone holds the agent cache)', () => {
  it('opens the agent workspace from the cache, not registered with TCCC, and keeps retrying', async () => {
    const session = await workedThenRestartOffline()
    const loginsBefore = callsOf(core, 'login').length
    expect(session.status).toBe('restoring')
    await expect(session.restore()).resolves.toBe(false)
    expect(session.status).toBe('offline')
    expect(session.agent).toEqual(AGENT)
    expect(session.error?.symbol).toBe('BACKEND_UNREACHABLE')
    expect(session.signOutReason).toBeNull()
    expect(session.restoreRetrying).toBe(true)
    // The cached numbers and history are shown.
    expect(useNumbersStore().entries.map((e) => e.remark)).toEqual(['Ms Wang'])
    expect(useHistoryStore().records.map((r) => [r.number, r.disposition])).toEqual([['13800138000', 'interested']])
    // The SDK was never logged in.
    expect(callsOf(core, 'login')).toHaveLength(loginsBefore)
    expect(useAgentStore().shownStatus).toBe('offline')

    // Work done offline waits in the outbox.
    useNumbersStore().add('13900139000', 'Mr Li')
    await vi.advanceTimersByTimeAsync(1_000)
    expect(useSyncStore().pending).toBe(1)
    expect(session.status).toBe('offline')
  })

  // Online for comparison: the same call lost mid-way is recorded at the silent sign-in.
  it.each([
    { start: 'offline', reachable: false },
    { start: 'signed-in', reachable: true },
  ] as const)('a call the last run lost mid-way is recorded at a start that ends $start, and its wrap-up asked for', async ({ start, reachable }) => {
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    await useCallStore().placeCall({ to: '13800138000', remark: 'Ms Wang' })
    core.sim.answerOutbound()
    await settle()
    // The app is killed mid-call and started again.
    setActivePinia(createPinia())
    backend.setReachable(reachable)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const restarted = useSessionStore()
    // As the event router (a sign-in preparation) brings them in the app.
    const call = madeInAComponent(useCallStore)
    const wrapup = madeInAComponent(useWrapupStore)
    await expect(restarted.restore()).resolves.toBe(reachable)
    expect(restarted.status).toBe(start)
    expect(call.interrupted).toEqual({ peer: '13800138000', remark: 'Ms Wang' })
    expect(useHistoryStore().records.map((r) => [r.number, r.outcome])).toEqual([['13800138000', 'answered']])
    expect(wrapup.draft?.number).toBe('13800138000')
  })

  it('a retry that gets through registers the SDK and signs the agent in fully; the outbox syncs', async () => {
    const session = await workedThenRestartOffline()
    await session.restore()
    useNumbersStore().add('13900139000', 'Mr Li')
    const loginsBefore = callsOf(core, 'login').length
    // Still out of reach at the first retry: offline, and the next one is scheduled.
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[0])
    expect(session.status).toBe('offline')
    backend.setReachable(true)
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[1])
    await settle()
    expect({ status: session.status, retrying: session.restoreRetrying, error: session.error }).toEqual({ status: 'signed-in', retrying: false, error: null })
    expect(callsOf(core, 'login')).toHaveLength(loginsBefore + 1)
    await vi.advanceTimersByTimeAsync(1_000)
    await expect(useSyncStore().drain()).resolves.toBe(true)
    expect(useSyncStore().pending).toBe(0)
    expect(backend.workspace.live('number').map((n) => n.data.remark).sort()).toEqual(['Mr Li', 'Ms Wang'])
    // The same workspace stayed open: nothing reloaded.
    expect(useNumbersStore().entries).toHaveLength(2)
    // Calls work now.
    await expect(useCallStore().placeCall({ to: '13900139000' })).resolves.toBe(true)
  })

  it('the app shown again while offline tries at once, without waiting for the next retry', async () => {
    const session = await workedThenRestartOffline()
    await session.restore()
    backend.setReachable(true)
    await session.recheck()
    expect(session.status).toBe('signed-in')
  })

  it('a session the backend refuses ends the offline mode: signed out as session-expired, the cache closed', async () => {
    const session = await workedThenRestartOffline()
    await session.restore()
    expect(session.status).toBe('offline')
    backend.setReachable(true)
    backend.expireSessions()
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[0])
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('session-expired')
    expect(session.error?.symbol).toBe('SESSION_EXPIRED')
    expect(session.agent).toBeNull()
    expect(session.restoreRetrying).toBe(false)
    expect(backendSessionStorage.load()).toBeNull()
    expect(useNumbersStore().entries).toEqual([])
    const asked = backend.requests.length
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[RESTORE_RETRY_MS.length - 1])
    expect(backend.requests.length).toBe(asked)
  })

  it('an access token that expires while offline ends the offline mode at its expiry, between two retries, as a retry would', async () => {
    const session = await workedThenRestartOffline('timers and date')
    // Usable for 10.5 s more: past the retries at 2 s and 7 s, well before the one at 22 s.
    const stored = backendSessionStorage.load()!
    backendSessionStorage.save({ ...stored, expiresAt: Date.now() + ACCESS_TOKEN_MARGIN_MS + 10_500 })
    await session.restore()
    expect(session.status).toBe('offline')
    await vi.advanceTimersByTimeAsync(10_499)
    expect(session.status).toBe('offline')
    const asked = backend.requests.length
    await vi.advanceTimersByTimeAsync(1)
    expect({ status: session.status, reason: session.signOutReason, error: session.error?.symbol, retrying: session.restoreRetrying, agent: session.agent }).toEqual({
      status: 'signed-out',
      reason: 'session-expired',
      error: 'SESSION_EXPIRED',
      retrying: false,
      agent: null,
    })
    expect(backendSessionStorage.load()).toBeNull()
    expect(useNumbersStore().entries).toEqual([])
    // Nothing asked the backend for it, and no retry follows.
    expect(backend.requests.length).toBe(asked)
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[RESTORE_RETRY_MS.length - 1] * 2)
    expect(backend.requests.length).toBe(asked)
    expect(session.status).toBe('signed-out')
  })

  it('the expiry timer ends with the offline mode when a retry registers', async () => {
    const session = await workedThenRestartOffline('timers and date')
    const stored = backendSessionStorage.load()!
    backendSessionStorage.save({ ...stored, expiresAt: Date.now() + ACCESS_TOKEN_MARGIN_MS + 10_500 })
    await session.restore()
    expect(vi.getTimerCount()).toBeGreaterThanOrEqual(2) // the retry and the expiry
    backend.setReachable(true)
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[0])
    await settle()
    expect(session.status).toBe('signed-in')
    // Registered and synced: no timer is left waiting, the offline expiry's neither.
    expect(vi.getTimerCount()).toBe(0)
  })

  it('leaves no expiry timer behind when the agent signs out offline', async () => {
    const session = await workedThenRestartOffline()
    await session.restore()
    expect(vi.getTimerCount()).toBeGreaterThanOrEqual(2)
    await session.signOut()
    // The retry and the expiry timer both gone (the sync's own timers closed with it).
    expect(vi.getTimerCount()).toBe(0)
  })

  it('offline with a token another tab of this agent renewed meanwhile: the old expiry passes, the new one ends it', async () => {
    const session = await workedThenRestartOffline('timers and date')
    const stored = backendSessionStorage.load()!
    backendSessionStorage.save({ ...stored, expiresAt: Date.now() + ACCESS_TOKEN_MARGIN_MS + 10_500 })
    await session.restore()
    backendSessionStorage.save({ ...stored, accessToken: `${stored.accessToken}-renewed`, expiresAt: Date.now() + ACCESS_TOKEN_MARGIN_MS + 100_000 })
    await vi.advanceTimersByTimeAsync(10_500)
    expect(session.status).toBe('offline')
    await vi.advanceTimersByTimeAsync(100_000 - 10_500)
    expect({ status: session.status, reason: session.signOutReason }).toEqual({ status: 'signed-out', reason: 'session-expired' })
  })

  it('a token good for longer than a timer can wait (ACCESS_TOKEN_TTL of 30 days) does not end the offline mode at once', async () => {
    const session = await workedThenRestartOffline('timers and date')
    const stored = backendSessionStorage.load()!
    const day = 86_400_000
    backendSessionStorage.save({ ...stored, expiresAt: Date.now() + 30 * day })
    const timeout = vi.spyOn(globalThis, 'setTimeout')
    await session.restore()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(session.status).toBe('offline')
    // A browser runs a longer wait at once: the timer waits its longest, then looks again.
    expect(timeout.mock.calls.map(([, ms]) => ms)).toContain(2_147_483_647)
    expect(timeout.mock.calls.every(([, ms]) => (ms ?? 0) <= 2_147_483_647)).toBe(true)
  })

  it('a retry under way when the token runs out ends quietly: it registered late, and leaves TCCC again', async () => {
    const session = await workedThenRestartOffline('timers and date')
    const stored = backendSessionStorage.load()!
    backendSessionStorage.save({ ...stored, expiresAt: Date.now() + ACCESS_TOKEN_MARGIN_MS + 10_500 })
    await session.restore()
    backend.setReachable(true)
    // The retry starts just before the token's end and registers after it.
    let release: () => void = () => undefined
    session.joinSignIn(() => new Promise<void>((resolve) => (release = resolve)))
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[0] + RESTORE_RETRY_MS[1])
    expect(session.status).toBe('offline')
    await vi.advanceTimersByTimeAsync(10_500 - RESTORE_RETRY_MS[0] - RESTORE_RETRY_MS[1])
    expect(session.status).toBe('signed-out')
    const logouts = callsOf(core, 'logout').length
    release()
    await settle()
    await vi.advanceTimersByTimeAsync(0)
    expect({ status: session.status, reason: session.signOutReason, agent: session.agent }).toEqual({ status: 'signed-out', reason: 'session-expired', agent: null })
    expect(callsOf(core, 'logout').length).toBe(logouts + 1)
  })

  it('an access token found expired at a retry (the phone slept past its timer) ends the offline mode then', async () => {
    const session = await workedThenRestartOffline()
    await session.restore()
    const expiresAt = backendSessionStorage.load()?.expiresAt ?? 0
    vi.spyOn(Date, 'now').mockReturnValue(expiresAt)
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[0])
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('session-expired')
    expect(session.error?.symbol).toBe('SESSION_EXPIRED')
    expect(session.restoreRetrying).toBe(false)
    expect(useNumbersStore().entries).toEqual([])
  })

  it('a failure that will not pass (no seat) at a retry signs out with it, as at a start', async () => {
    const session = await workedThenRestartOffline()
    await session.restore()
    expect(session.status).toBe('offline')
    backend.setReachable(true)
    core.sim.failNext('login', 402)
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[0])
    expect({ status: session.status, retrying: session.restoreRetrying, error: session.error?.symbol }).toEqual({ status: 'signed-out', retrying: false, error: 'ERR_SIP_PAYMENTREQUIRED' })
  })

  it('refuses a dial while offline with the offline message, asking the SDK nothing', async () => {
    const session = await workedThenRestartOffline()
    await session.restore()
    const call = useCallStore()
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(false)
    expect(call.error?.symbol).toBe('TCCC_OFFLINE')
    expect(call.error?.localized('zh')).toBe('离线：尚未连接联络中心，暂时无法拨打、接听或更改状态；正在自动重连')
    expect(call.error?.localized('en')).toBe('Offline: not connected to the contact center yet, so calls and status changes are unavailable. Reconnecting automatically.')
    expect(callsOf(core, 'call')).toHaveLength(1) // the call of the day before the restart
    // The seat status cannot change either.
    const agent = useAgentStore()
    await expect(agent.setStatus('rest')).resolves.toBe(false)
    expect(agent.error?.symbol).toBe('TCCC_OFFLINE')
    expect(methods(core)).not.toContain('setStatus')
  })

  it('signs out at once while offline: local session cleared, the revoke tried in the background, no SDK logout', async () => {
    const session = await workedThenRestartOffline()
    await session.restore()
    const sdkCalls = methods(core).length
    await session.signOut()
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('logged-out')
    expect(session.restoreRetrying).toBe(false)
    expect(backendSessionStorage.load()).toBeNull()
    expect(methods(core)).toHaveLength(sdkCalls)
    expect(backend.requests.at(-1)?.path).toBe('/api/auth/logout')
    expect(useNumbersStore().entries).toEqual([])
    // No retry signs anyone back in.
    backend.setReachable(true)
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[RESTORE_RETRY_MS.length - 1])
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('logged-out')
  })

  it('a sign-out while the cache is being opened stays a sign-out (the reason on screen kept)', async () => {
    const session = await workedThenRestartOffline()
    let release: () => void = () => undefined
    let preparing = false
    session.joinSignIn(
      () =>
        new Promise<void>((resolve) => {
          preparing = true
          release = resolve
        }),
    )
    const restored = session.restore()
    await vi.waitFor(() => expect(preparing).toBe(true))
    await session.signOut()
    release()
    await expect(restored).resolves.toBe(false)
    expect({ status: session.status, reason: session.signOutReason, error: session.error, agent: session.agent }).toEqual({ status: 'signed-out', reason: 'logged-out', error: null, agent: null })
    expect(useNumbersStore().entries).toEqual([])
  })

  it('a retry under way when the agent signs out does not sign them back in', async () => {
    const session = await workedThenRestartOffline()
    await session.restore()
    backend.setReachable(true)
    const retry = session.restore()
    await session.signOut()
    await expect(retry).resolves.toBe(false)
    await settle()
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('logged-out')
    expect(session.agent).toBeNull()
  })
})

describe('a retry that outlives a sign-out and a new sign-in', () => {
  it("registers late and leaves TCCC again without taking the new sign-in's registration with it", async () => {
    const session = await workedThenRestartOffline()
    await session.restore()
    backend.setReachable(true)
    // TCCC slow to answer the retry's SDK login (the reason the app started offline).
    const workstation = getWorkstation()
    const login = workstation.login.bind(workstation)
    let releaseFirst: () => void = () => undefined
    let held = 0
    vi.spyOn(workstation, 'login').mockImplementation((params) => {
      held += 1
      if (held > 1) return login(params)
      return new Promise<void>((resolve, reject) => {
        releaseFirst = () => login(params).then(resolve, reject)
      })
    })
    const retry = session.restore()
    await vi.waitFor(() => expect(held).toBe(1))
    // The agent signs out, and straight back in with the password.
    await session.signOut()
    const signedIn = session.signIn(AGENT.userId, PASSWORD)
    await settle()
    releaseFirst()
    await expect(retry).resolves.toBe(false)
    await expect(signedIn).resolves.toBe(true)
    await settle()
    expect(session.status).toBe('signed-in')
    // The SDK is registered for the new sign-in: the last SDK command is its login, not a logout.
    expect(methods(core).filter((m) => m === 'login' || m === 'logout').slice(-2)).toEqual(['logout', 'login'])
    await expect(useCallStore().placeCall({ to: '13800138000' })).resolves.toBe(true)
  })
})

describe('no offline start without the agent cache (as before: the login page, retrying)', () => {
  it('the stored session names its agent and workspace; without them (stored before), the login page retries', async () => {
    const session = await workedThenRestartOffline()
    const stored = backendSessionStorage.load()
    expect(stored).toMatchObject({ userId: AGENT.userId, sdkAppId: AGENT.sdkAppId, workspaceId: 'ws-1' })
    backendSessionStorage.save({ accessToken: stored?.accessToken ?? '', expiresAt: stored?.expiresAt ?? 0 })
    setActivePinia(createPinia())
    const restarted = useSessionStore()
    await expect(restarted.restore()).resolves.toBe(false)
    expect({ status: restarted.status, retrying: restarted.restoreRetrying, agent: restarted.agent }).toEqual({ status: 'signed-out', retrying: true, agent: null })
    expect(useNumbersStore().entries).toEqual([])
    expect(session).not.toBe(restarted)
  })

  it("another workspace's cache on this seat never opens", async () => {
    const session = await workedThenRestartOffline()
    expect(backendSessionStorage.load()?.workspaceId).toBe('ws-1')
    // The seat's cache is claimed by another workspace (another agent signed in on the seat).
    workspaceValue<string>(agentKeyOf(AGENT.userId), 'owner', { version: 1, fallback: () => '' }).save('ws-2')
    await expect(session.restore()).resolves.toBe(false)
    expect({ status: session.status, retrying: session.restoreRetrying, agent: session.agent }).toEqual({ status: 'signed-out', retrying: true, agent: null })
    expect(useNumbersStore().entries).toEqual([])
  })

  it('a kicked agent finds the login page: the session is gone', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    expect(backendSessionStorage.load()?.userId).toBe(AGENT.userId)
    core.sim.kick()
    await settle()
    expect(backendSessionStorage.load()).toBeNull()
    setActivePinia(createPinia())
    backend.setReachable(false)
    const restarted = useSessionStore()
    expect(restarted.status).toBe('signed-out')
    await expect(restarted.restore()).resolves.toBe(false)
    expect(restarted.status).toBe('signed-out')
    expect(restarted.agent).toBeNull()
    expect(useNumbersStore().entries).toEqual([])
  })
})
