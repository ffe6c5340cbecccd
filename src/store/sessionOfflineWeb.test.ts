/**
 * The offline start on the Web platform: the TCCC Web SDK's script that never reports `ready`
 * (`SDK_LOAD_TIMEOUT`, the adapter's own 15 s wait) is a passing failure like an unreachable
 * backend: a start with the agent's cache opens it offline and keeps retrying, and the retry that
 * finds the SDK ready signs the agent in. A failure that will not pass (no secure context) still
 * lands on the login page.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createWebTccc, type WebHost } from '@/platform/web/index'
import type { TcccWebSdk } from '@/platform/web/webSdk'
import { setWorkstationPlatform } from '@/services/workstation'
import { useNumbersStore } from '@/store/numbers'
import { useSyncStore } from '@/store/sync'
import { RESTORE_RETRY_MS, useSessionStore } from '@/store/session'
import { AGENT, PASSWORD, closeSyncAndRestore, coreWithWorkspace, settle, type FakeBackend } from './__tests__/harness'

vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

const SDK_URL = 'https://tccc.qcloud.com/assets/tccc-sdk.js?sdkAppId=1400000001'
/** The adapter's default wait for `ready` (15 s, src/platform/web/README.md). */
const READY_WAIT_MS = 15_000

/** A page with a stand-in Web SDK whose `ready` comes only when the test says (`sdkReady`). */
function webPage(secure = true) {
  let readyWhenLoaded = false
  const handlers = new Map<string, (payload?: unknown) => void>()
  const loads: string[] = []
  const result = () => Promise.resolve({ code: 0 })
  const tccc: TcccWebSdk = {
    on: (event, handler) => void handlers.set(event, handler),
    off: (event) => void handlers.delete(event),
    Call: { startOutboundCall: result, accept: result, hungUp: result, muteMic: result, unmuteMic: result, isMicMuted: () => false, sendDigits: result },
    Agent: { online: result, offline: result },
    Devices: { isBrowserSupported: () => true },
  }
  const host: WebHost = { isSecureContext: secure, location: { protocol: secure ? 'https:' : 'http:', hostname: 'agent.example.com', origin: 'https://agent.example.com' }, document }
  const sdk = createWebTccc({
    host,
    sdkUrlPolicy: { hosts: ['tccc.qcloud.com'], mockOrigins: [] },
    loadScript: (src) => {
      loads.push(src)
      host.tccc = tccc
      // The script runs, then (if the SDK gets through this time) reports ready, a moment later.
      if (readyWhenLoaded) setTimeout(() => handlers.get('ready')?.(), 0)
      return Promise.resolve({ remove: () => undefined })
    },
  })
  return {
    sdk,
    loads,
    /** From the next load on, the SDK reports `ready` (its servers reached). */
    sdkReady: () => {
      readyWhenLoaded = true
    },
  }
}

let backend: FakeBackend

beforeEach(() => {
  ;({ backend } = coreWithWorkspace())
  backend.sdkUrl = SDK_URL
})

afterEach(closeSyncAndRestore)

/** Signed in on the Web SDK with one listed number, then a restart on a page whose SDK never gets ready. */
async function workedThenRestart(page: ReturnType<typeof webPage>, nextPage: ReturnType<typeof webPage>) {
  page.sdkReady()
  setWorkstationPlatform(page.sdk)
  const session = useSessionStore()
  await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
  useNumbersStore().add('13800138000', 'Ms Wang')
  await expect(useSyncStore().drain()).resolves.toBe(true)
  await session.recheck()
  // The app restarts (new pinia, storage kept) on a fresh page.
  useSyncStore().close()
  setActivePinia(createPinia())
  setWorkstationPlatform(nextPage.sdk)
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  return useSessionStore()
}

describe('offline start on the Web SDK', () => {
  it('SDK_LOAD_TIMEOUT at the start opens the cached workspace offline, as a network failure does, and the retry that finds the SDK ready signs in', async () => {
    const restarted = webPage()
    const session = await workedThenRestart(webPage(), restarted)
    expect(session.status).toBe('restoring')
    const restoring = session.restore()
    await vi.advanceTimersByTimeAsync(READY_WAIT_MS - 1)
    expect(session.status).toBe('restoring')
    await vi.advanceTimersByTimeAsync(1)
    await expect(restoring).resolves.toBe(false)
    expect({ status: session.status, error: session.error?.symbol, reason: session.signOutReason, retrying: session.restoreRetrying, agent: session.agent }).toEqual({
      status: 'offline',
      error: 'SDK_LOAD_TIMEOUT',
      reason: null,
      retrying: true,
      agent: AGENT,
    })
    expect(restarted.loads).toEqual([SDK_URL])
    expect(useNumbersStore().entries.map((e) => e.remark)).toEqual(['Ms Wang'])
    // The next retry's load times out again: still offline, retrying.
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[0] + READY_WAIT_MS)
    expect({ status: session.status, error: session.error?.symbol, retrying: session.restoreRetrying }).toEqual({ status: 'offline', error: 'SDK_LOAD_TIMEOUT', retrying: true })
    expect(restarted.loads).toHaveLength(2)
    // The SDK's servers come back: the retry after that registers and signs the agent in fully.
    restarted.sdkReady()
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[1])
    await settle()
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    expect({ status: session.status, error: session.error, retrying: session.restoreRetrying }).toEqual({ status: 'signed-in', error: null, retrying: false })
    expect(restarted.loads).toHaveLength(3)
    expect(useNumbersStore().entries.map((e) => e.remark)).toEqual(['Ms Wang'])
  })

  it('the same start with the backend out of reach opens it offline the same way (for comparison)', async () => {
    const restarted = webPage()
    const session = await workedThenRestart(webPage(), restarted)
    backend.setReachable(false)
    await expect(session.restore()).resolves.toBe(false)
    expect({ status: session.status, error: session.error?.symbol, retrying: session.restoreRetrying }).toEqual({ status: 'offline', error: 'BACKEND_UNREACHABLE', retrying: true })
    expect(restarted.loads).toEqual([])
  })

  it('a failure that will not pass (a page without HTTPS) is not opened offline: the login page says why', async () => {
    const session = await workedThenRestart(webPage(), webPage(false))
    await expect(session.restore()).resolves.toBe(false)
    expect({ status: session.status, error: session.error?.symbol, retrying: session.restoreRetrying }).toEqual({ status: 'signed-out', error: 'INSECURE_CONTEXT', retrying: false })
  })
})
