import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import type { Mock } from 'jest-mock'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import { fetchCallerNumbers } from '@/services/cccClient'
import { getWorkstation } from '@/services/workstation'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSyncStore } from '@/store/sync'
import { useWrapupStore } from '@/store/wrapup'
import { backendSessionStorage, lastUsernameStorage, RESTORE_RETRY_MS, useSessionStore } from '@/store/session'
import { useSettingsStore } from '@/store/settings'
import { AGENT, PASSWORD, callsOf, installFakeBackend, methods, settle, setupCore, signedInOnCall, tcccTokenFor, type Core, type FakeBackend } from './__tests__/harness'

// The platform selector needs uni's conditional compilation; these tests run over the simulator.
vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

let core: Core
let backend: FakeBackend

function storedText(): string {
  return JSON.stringify(uni.getStorageInfoSync().keys.map((key) => [key, uni.getStorageSync(key)]))
}

beforeEach(() => {
  core = setupCore()
  backend = installFakeBackend(core.clock)
})

describe('signIn', () => {
  it('signs in through the backend and the SDK, persisting only the access token', async () => {
    const session = useSessionStore()
    expect(session.status).toBe('signed-out')
    const pending = session.signIn(` ${AGENT.userId} `, PASSWORD)
    expect(session.status).toBe('signing-in')
    await expect(pending).resolves.toBe(true)
    expect(session.status).toBe('signed-in')
    expect(session.agent).toEqual(AGENT)
    expect(session.error).toBeNull()
    // Signed in, the agent's workspace syncs at once (nothing to push yet: a pull), same token.
    expect(backend.requests.map((r) => r.path)).toEqual(['/api/auth/login', '/api/tccc/token', '/api/workspace/changes?since=0&limit=1000'])
    expect(backend.requests[2].bearer).toBe(backend.issuedAccessTokens[0])
    expect(callsOf(core, 'login')).toEqual([[{ sdkAppId: AGENT.sdkAppId, userId: AGENT.userId, token: '<redacted>' }]])

    expect(backendSessionStorage.load()).toMatchObject({ accessToken: backend.issuedAccessTokens[0] })
    expect(backendSessionStorage.load()?.expiresAt).toBeGreaterThan(Date.now() + 3500_000)
    expect(lastUsernameStorage.load()).toBe(AGENT.userId)
    expect(session.lastUsername).toBe(AGENT.userId)
    // The TCCC token and the password are never persisted.
    expect(storedText()).not.toContain(backend.issuedTcccTokens[0])
    expect(storedText()).not.toContain(PASSWORD)
  })

  it('asks the token backend the agent set in the settings, for every request', async () => {
    expect(useSettingsStore().setBackendUrl('https://192.168.1.20:8787/')).toBe(true)
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    await session.signOut()
    const urls = (uni.request as unknown as Mock<(options: UniNamespace.RequestOptions) => unknown>).mock.calls.map(([options]) => options.url)
    expect(urls).toEqual([
      'https://192.168.1.20:8787/api/auth/login',
      'https://192.168.1.20:8787/api/tccc/token',
      // The workspace sync talks to the same backend.
      'https://192.168.1.20:8787/api/workspace/changes?since=0&limit=1000',
      'https://192.168.1.20:8787/api/auth/logout',
    ])
  })

  it('shows BAD_CREDENTIALS and persists nothing on a wrong password', async () => {
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, 'wrong')).resolves.toBe(false)
    expect(session.status).toBe('signed-out')
    expect(session.error?.symbol).toBe('BAD_CREDENTIALS')
    expect(session.error?.localized('zh')).toBe('用户名或密码错误')
    expect(backendSessionStorage.load()).toBeNull()
    expect(methods(core)).not.toContain('login')
  })

  it('refuses empty credentials without calling the backend', async () => {
    const session = useSessionStore()
    await expect(session.signIn('  ', PASSWORD)).resolves.toBe(false)
    expect(session.error?.symbol).toBe('BAD_CREDENTIALS')
    expect(backend.requests).toHaveLength(0)
  })

  it('shows the SDK refusal and drops (and revokes) the backend session when the SDK login fails', async () => {
    const session = useSessionStore()
    core.sim.failNext('login', 402)
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(false)
    await settle()
    expect(session.status).toBe('signed-out')
    expect(session.error?.symbol).toBe('ERR_SIP_PAYMENTREQUIRED')
    expect(backendSessionStorage.load()).toBeNull()
    expect(backend.requests.at(-1)).toEqual({ path: '/api/auth/logout', bearer: backend.issuedAccessTokens[0] })
  })

  it('shows TCCC_REFUSED when the backend cannot get a TCCC token', async () => {
    const session = useSessionStore()
    backend.failNextToken(502, { error: { code: 'TCCC_REFUSED', message: 'seat not found' } })
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(false)
    expect(session.error?.symbol).toBe('TCCC_REFUSED')
  })

  it('shows BACKEND_UNREACHABLE when the network is down', async () => {
    backend.setReachable(false)
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(false)
    expect(session.error?.symbol).toBe('BACKEND_UNREACHABLE')
  })

  it('ignores a second signIn while the first is running', async () => {
    const session = useSessionStore()
    const first = session.signIn(AGENT.userId, PASSWORD)
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(false)
    await expect(first).resolves.toBe(true)
    expect(backend.requests.filter((r) => r.path === '/api/auth/login')).toHaveLength(1)
  })
})

async function signInThenRestart(): Promise<ReturnType<typeof useSessionStore>> {
  await useSessionStore().signIn(AGENT.userId, PASSWORD)
  // A restart: new pinia, new SDK instance; storage survives.
  setActivePinia(createPinia())
  return useSessionStore()
}

describe("the seat's cache on this phone", () => {
  /** Agent X adds two customers while the backend is out of reach, and signs out anyway. */
  async function leaveWithUnsentChanges(): Promise<void> {
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    await settle()
    backend.setReachable(false)
    useNumbersStore().add('13855550001', 'X-secret')
    useNumbersStore().add('13855550002', 'X-pending')
    expect(useSyncStore().pending).toBe(2)
    await session.signOut()
    backend.setReachable(true)
  }

  it("is dropped, unsent changes and all, when another agent signs in on the seat; the agent's own is kept", async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    backend.workspaceId = 'ws-x'
    await leaveWithUnsentChanges()
    // X is removed and Y gets the seat: a new, empty workspace on the backend.
    backend.newWorkspace()
    backend.workspaceId = 'ws-y'
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    await settle()
    expect(useNumbersStore().entries).toEqual([])
    expect(backend.workspace.live('number')).toEqual([])
    expect(storedText()).not.toContain('X-')
    expect(console.warn).toHaveBeenCalledWith("[session] the seat's cache on this phone was another agent's: removed (2 change(s) never sent)")

    useNumbersStore().add('13800000009', 'Y-own')
    await settle()
    await session.signOut()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    expect(useNumbersStore().entries.map((e) => e.remark)).toEqual(['Y-own'])
  })

  it('is kept as it was when the backend names no workspace (a backend from before)', async () => {
    await leaveWithUnsentChanges()
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    await settle()
    expect(useNumbersStore().entries.map((e) => e.remark).sort()).toEqual(['X-pending', 'X-secret'])
    expect(backend.workspace.live('number')).toHaveLength(2)
  })
})

describe('restore (app start)', () => {
  it('signs in again without the password while the access token is valid', async () => {
    const session = await signInThenRestart()
    expect(session.status).toBe('restoring')
    expect(session.lastUsername).toBe(AGENT.userId)
    const before = backend.requests.length
    await expect(session.restore()).resolves.toBe(true)
    expect(session.status).toBe('signed-in')
    expect(session.agent).toEqual(AGENT)
    expect(backend.requests.slice(before).map((r) => r.path)).toEqual(['/api/tccc/token', '/api/workspace/changes?since=0&limit=1000'])
    expect(callsOf(core, 'login')).toHaveLength(2)
  })

  it('starts signed out and asks nothing when no access token is stored', async () => {
    const session = useSessionStore()
    await expect(session.restore()).resolves.toBe(false)
    expect(session.status).toBe('signed-out')
    expect(backend.requests).toHaveLength(0)
  })

  it('drops an access token that has expired locally', async () => {
    backendSessionStorage.save({ accessToken: 'acc-old', expiresAt: Date.now() - 1000 })
    setActivePinia(createPinia())
    const session = useSessionStore()
    expect(session.status).toBe('signed-out')
    await expect(session.restore()).resolves.toBe(false)
    expect(backend.requests).toHaveLength(0)
    expect(backendSessionStorage.load()).toBeNull()
  })

  // The stored token is treated as expired 30 s early, so it never lapses mid-request (literal 30 s).
  it('drops a stored access token within 30 seconds of its expiry, and keeps one just outside', async () => {
    await useSessionStore().signIn(AGENT.userId, PASSWORD)
    const accessToken = backendSessionStorage.load()?.accessToken ?? ''
    const now = Date.now()
    vi.spyOn(Date, 'now').mockReturnValue(now)

    backendSessionStorage.save({ accessToken, expiresAt: now + 30_000 })
    setActivePinia(createPinia())
    const before = backend.requests.length
    await expect(useSessionStore().restore()).resolves.toBe(false)
    expect(backend.requests).toHaveLength(before)
    expect(backendSessionStorage.load()).toBeNull()

    backendSessionStorage.save({ accessToken, expiresAt: now + 30_001 })
    setActivePinia(createPinia())
    const session = useSessionStore()
    expect(session.status).toBe('restoring')
    await expect(session.restore()).resolves.toBe(true)
    expect(session.status).toBe('signed-in')
    expect(backendSessionStorage.load()?.accessToken).toBe(accessToken)
  })

  it('signs out with session-expired when the backend no longer knows the token', async () => {
    const session = await signInThenRestart()
    backend.expireSessions()
    await expect(session.restore()).resolves.toBe(false)
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('session-expired')
    expect(session.error?.symbol).toBe('SESSION_EXPIRED')
    expect(backendSessionStorage.load()).toBeNull()
  })

  it('keeps the access token when only the network failed, so a later start can retry', async () => {
    const session = await signInThenRestart()
    backend.setReachable(false)
    await expect(session.restore()).resolves.toBe(false)
    expect(session.status).toBe('signed-out')
    expect(session.error?.symbol).toBe('BACKEND_UNREACHABLE')
    expect(backendSessionStorage.load()).not.toBeNull()
  })
})

describe('restore retried on its own (app start while the backend is out of reach)', () => {
  afterEach(() => vi.useRealTimers())

  it('tries again after 2 s, then 5 s, ... and signs in once the backend answers; the login page is told meanwhile', async () => {
    const session = await signInThenRestart()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    backend.setReachable(false)
    await expect(session.restore()).resolves.toBe(false)
    expect({ status: session.status, retrying: session.restoreRetrying }).toEqual({ status: 'signed-out', retrying: true })
    const logins = backend.requests.length
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[0] - 1)
    expect(backend.requests.length).toBe(logins)
    await vi.advanceTimersByTimeAsync(1)
    expect(backend.requests.length).toBeGreaterThan(logins)
    expect(session.status).toBe('signed-out')
    backend.setReachable(true)
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[1])
    expect({ status: session.status, retrying: session.restoreRetrying, error: session.error }).toEqual({ status: 'signed-in', retrying: false, error: null })
  })

  it('waits longer each time, then every minute, never less', async () => {
    const session = await signInThenRestart()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    backend.setReachable(false)
    await session.restore()
    const waits: number[] = []
    for (let attempt = 0; attempt < RESTORE_RETRY_MS.length + 2; attempt++) {
      const asked = backend.requests.length
      let waited = 0
      while (backend.requests.length === asked && waited < 120_000) {
        await vi.advanceTimersByTimeAsync(500)
        waited += 500
      }
      waits.push(waited)
    }
    expect(waits).toEqual([...RESTORE_RETRY_MS, 60_000, 60_000])
    expect(session.restoreRetrying).toBe(true)
  })

  it('a TCCC that answers "busy, try again" (503) is retried; a refusal that will not pass (no seats) is not, and ends the retries', async () => {
    const session = await signInThenRestart()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    core.sim.failNext('login', 503)
    await session.restore()
    expect({ status: session.status, retrying: session.restoreRetrying, error: session.error?.symbol }).toEqual({ status: 'signed-out', retrying: true, error: 'ERR_SIP_SERVICE_UNAVAILABLE' })
    core.sim.failNext('login', 402)
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[0])
    expect({ status: session.status, retrying: session.restoreRetrying, error: session.error?.symbol }).toEqual({ status: 'signed-out', retrying: false, error: 'ERR_SIP_PAYMENTREQUIRED' })
    const logins = callsOf(core, 'login').length
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[RESTORE_RETRY_MS.length - 1])
    expect(callsOf(core, 'login')).toHaveLength(logins)
  })

  it('a session the backend refuses (SESSION_EXPIRED) is not retried', async () => {
    const session = await signInThenRestart()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    backend.expireSessions()
    await session.restore()
    expect({ status: session.status, retrying: session.restoreRetrying }).toEqual({ status: 'signed-out', retrying: false })
    const asked = backend.requests.length
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[RESTORE_RETRY_MS.length - 1])
    expect(backend.requests.length).toBe(asked)
  })

  it('signing in by hand stops the retries', async () => {
    const session = await signInThenRestart()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    backend.setReachable(false)
    await session.restore()
    expect(session.restoreRetrying).toBe(true)
    backend.setReachable(true)
    await session.signIn(AGENT.userId, PASSWORD)
    expect({ status: session.status, retrying: session.restoreRetrying }).toEqual({ status: 'signed-in', retrying: false })
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[0])
    expect(session.status).toBe('signed-in')
  })
})

describe('recheck (app shown again)', () => {
  it('only asks checkLogin while the registration is alive', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    await session.recheck()
    expect(methods(core).at(-1)).toBe('checkLogin')
    expect(callsOf(core, 'login')).toHaveLength(1)
    expect(session.status).toBe('signed-in')
  })

  it('re-registers silently with the stored access token when checkLogin fails', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    core.sim.expireToken()
    await session.recheck()
    expect(session.status).toBe('signed-in')
    expect(methods(core).slice(-2)).toEqual(['checkLogin', 'login'])
    expect(backend.requests.filter((r) => r.path === '/api/auth/login')).toHaveLength(1)
  })

  it('signs out with session-expired when the silent re-login is refused', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    core.sim.expireToken()
    backend.expireSessions()
    await session.recheck()
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('session-expired')
  })

  it('signs out with token-expired when the SDK keeps refusing', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    core.sim.failNext('checkLogin', -10002)
    core.sim.failNext('login', -10002)
    await session.recheck()
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('token-expired')
    expect(session.error?.symbol).toBe('ERR_HTTP_TOKEN_ERROR')
  })
})

describe('recheck never re-logs in or out during a call', () => {
  async function liveCall(): Promise<ReturnType<typeof useCallStore>> {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    expect(call.state).toBe('active')
    return call
  }

  it('defers the whole check while a call is live, and runs it once the call ends', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const call = await liveCall()
    core.sim.expireToken()
    await session.recheck()
    expect(methods(core)).not.toContain('checkLogin')
    expect(session.recheckAfterCall).toBe(true)
    expect(callsOf(core, 'login')).toHaveLength(1)

    await call.hangUp()
    await settle()
    expect(methods(core).filter((m) => m === 'checkLogin' || m === 'login').slice(-2)).toEqual(['checkLogin', 'login'])
    expect(session.status).toBe('signed-in')
    expect(session.recheckAfterCall).toBe(false)
  })

  it('-10004 (in a call) from checkLogin neither re-logs in nor signs out: it waits for the call', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    core.sim.failNext('checkLogin', -10004)
    await session.recheck()
    expect(session.status).toBe('signed-in')
    expect(callsOf(core, 'login')).toHaveLength(1)
    expect(session.recheckAfterCall).toBe(true)
  })

  it('a checkLogin that never answers settles as SDK_NO_RESPONSE and keeps the agent signed in', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    core.sim.neverAnswer('checkLogin')
    let done = false
    const check = session.recheck().then(() => {
      done = true
    })
    await settle()
    expect(done).toBe(false)
    core.clock.advance(10_000)
    await check
    expect(session.status).toBe('signed-in')
    expect(callsOf(core, 'login')).toHaveLength(1)
    // The next check is not stuck behind the lost one.
    await session.recheck()
    expect(methods(core).filter((m) => m === 'checkLogin')).toHaveLength(2)
  })

  it('a lost connection (408) is not a reason to re-login or sign out', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    core.sim.dropConnection()
    await session.recheck()
    expect(session.status).toBe('signed-in')
    expect(callsOf(core, 'login')).toHaveLength(1)
  })
})

describe('sign-out when the SDK never answers', () => {
  it('completes locally after the logout deadline', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    core.sim.neverAnswer('logout')
    const out = session.signOut()
    await settle()
    expect(session.status).toBe('signed-in')
    core.clock.advance(5_000)
    await out
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('logged-out')
    expect(backendSessionStorage.load()).toBeNull()
  })
})

describe('kicked and token expiry (SDK events)', () => {
  it('403 signs the agent out as kicked, ends the call and forgets the access token', async () => {
    const { session, call } = await signedInOnCall(core)
    core.sim.kick()
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('kicked')
    expect(session.error?.symbol).toBe('KICKED')
    expect(session.error?.localized('zh')).toBe('账号已在其他设备登录，您已被下线')
    // Ended and recorded, then closed: the next agent to sign in here never sees this customer.
    expect(call.state).toBe('idle')
    expect(call.peer).toBe('')
    expect(backendSessionStorage.load()).toBeNull()
    await settle()
    expect(backend.requests.at(-1)?.path).toBe('/api/auth/logout')
    // Never fight the other device: a restart does not sign in silently.
    setActivePinia(createPinia())
    await expect(useSessionStore().restore()).resolves.toBe(false)
    // Signing in again, the answered call is on record with why it ended, and its wrap-up
    // waits (both were lost when the sign-out came before the SDK ended the call).
    await useSessionStore().signIn(AGENT.userId, PASSWORD)
    await settle()
    expect(useHistoryStore().records[0]).toMatchObject({ number: '13800138000', outcome: 'answered', endReason: 'error', errorSymbol: 'KICKED' })
    expect(useWrapupStore().draft?.number).toBe('13800138000')
  })

  it('-10002 renews the TCCC token once silently, and signs out if it comes straight back', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const call = useCallStore()

    core.sim.expireToken()
    // The call meets the expired token, the session renews it, and the same call goes out.
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(true)
    expect(call.error).toBeNull()
    expect(call.state).toBe('ringing')
    expect(session.status).toBe('signed-in')
    expect(callsOf(core, 'login')).toHaveLength(2)
    expect(methods(core).slice(-4)).toEqual(['call', 'login', 'call', 'setAudioRoute'])

    await call.hangUp()
    call.close()
    core.sim.expireToken()
    await call.placeCall({ to: '13800138000' })
    await settle()
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('token-expired')
    expect(callsOf(core, 'login')).toHaveLength(2)
  })
})

/** Runs `action` when the session asks the backend for a new TCCC token (mid-renewal). */
function duringTokenRenewal(action: () => void): void {
  const request = uni.request as unknown as Mock<(options: UniNamespace.RequestOptions) => unknown>
  const backendReply = request.getMockImplementation()
  if (!backendReply) throw new Error('install the fake backend first')
  let done = false
  request.mockImplementation((options) => {
    if (!done && options.url.endsWith('/api/tccc/token')) {
      done = true
      action()
    }
    return backendReply(options)
  })
}

describe('a call command that meets an expired TCCC token', () => {
  it('placeCall: the agent hangs up while the token is renewed; no second call, still signed in', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const call = useCallStore()
    core.sim.expireToken()
    duringTokenRenewal(() => void call.hangUp())
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(false)
    await settle()
    expect(callsOf(core, 'call')).toHaveLength(1)
    expect(call.state).toBe('ended')
    expect(session.status).toBe('signed-in')
    expect(callsOf(core, 'login')).toHaveLength(2)
  })

  it('answerIncoming: renews the token silently and answers the same ringing call once more', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const call = useCallStore()
    const id = core.sim.incomingCall({ from: '13700137000' })
    core.sim.expireToken()
    await expect(call.answerIncoming()).resolves.toBe(true)
    expect(call.state).toBe('active')
    expect(call.sessionId).toBe(id)
    expect(call.error).toBeNull()
    expect(session.status).toBe('signed-in')
    expect(backend.issuedTcccTokens).toHaveLength(2)
    const log = methods(core)
    expect(log.slice(log.indexOf('answer'))).toEqual(['answer', 'login', 'answer', 'setAudioRoute'])
  })

  it('answerIncoming: the caller gives up while the token is renewed; no second answer, still signed in', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    core.sim.expireToken()
    duringTokenRenewal(() => core.sim.remoteHangup())
    await expect(call.answerIncoming()).resolves.toBe(false)
    await settle()
    expect(callsOf(core, 'answer')).toHaveLength(1)
    expect(call.state).toBe('ended')
    expect(call.endReason).toBe('remote-cancel')
    expect(session.status).toBe('signed-in')
    expect(callsOf(core, 'login')).toHaveLength(2)
    expect(methods(core).filter((m) => m === 'startRinging')).toHaveLength(1)
  })

  it('answerIncoming: no second answer when the renewal is refused; the agent is signed out', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    core.sim.expireToken()
    backend.expireSessions()
    await expect(call.answerIncoming()).resolves.toBe(false)
    await settle()
    expect(callsOf(core, 'answer')).toHaveLength(1)
    expect(call.error?.symbol).toBe('ERR_HTTP_TOKEN_ERROR')
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('session-expired')
  })

  it('answerIncoming: a -10002 straight after the renewal is not retried again and signs out', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    core.sim.expireToken()
    duringTokenRenewal(() => core.sim.failNext('answer', -10002))
    await expect(call.answerIncoming()).resolves.toBe(false)
    await settle()
    expect(callsOf(core, 'answer')).toHaveLength(2)
    expect(call.error?.symbol).toBe('ERR_HTTP_TOKEN_ERROR')
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('token-expired')
  })

  async function onHoldWithExpiredToken() {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    await expect(call.toggleHold()).resolves.toBe(true)
    core.sim.expireToken()
    return { session, call }
  }

  it('unhold: renews the token at once and takes the customer back (they are not left on hold until the agent hangs up)', async () => {
    const { session, call } = await onHoldWithExpiredToken()
    await expect(call.toggleHold()).resolves.toBe(true)
    expect([call.held, call.state, call.error]).toEqual([false, 'active', null])
    expect(session.status).toBe('signed-in')
    const log = methods(core)
    expect(log.slice(log.lastIndexOf('hold'))).toEqual(['hold', 'unhold', 'login', 'unhold'])
  })

  it('unhold with the backend out of reach: the call goes on, on hold, and the renewal waits for its end', async () => {
    const { session, call } = await onHoldWithExpiredToken()
    backend.setReachable(false)
    await expect(call.toggleHold()).resolves.toBe(false)
    await settle()
    expect([session.status, call.state, call.held]).toEqual(['signed-in', 'active', true])
    expect(call.error?.symbol).toBe('TOKEN_RENEWS_AFTER_CALL')
    expect(session.renewAfterCall).toBe(true)
    // Reachable again: a second tap renews and takes the customer back.
    backend.setReachable(true)
    await expect(call.toggleHold()).resolves.toBe(true)
    expect([call.held, call.error, session.status]).toEqual([false, null, 'signed-in'])
  })

  it('transfer: renews the token at once and hands the call over', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    core.sim.expireToken()
    await expect(call.transferCall({ skillGroupId: '1001' })).resolves.toBe(true)
    expect(callsOf(core, 'transfer')).toEqual([[{ skillGroupId: '1001' }], [{ skillGroupId: '1001' }]])
    expect(session.status).toBe('signed-in')
  })

  it('answerIncoming: other failures are not retried and the call keeps ringing', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    core.sim.failNext('answer', 20002)
    await expect(call.answerIncoming()).resolves.toBe(false)
    expect(callsOf(core, 'answer')).toHaveLength(1)
    expect(callsOf(core, 'login')).toHaveLength(1)
    expect(call.state).toBe('incoming')
    expect(methods(core).at(-1)).toBe('startRinging')
  })
})

describe('a renewal between calls that cannot reach the backend', () => {
  it('lands on the login page retrying by itself, and signs back in once the backend answers', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    onTestFinished(() => void vi.useRealTimers())
    core.sim.expireToken()
    backend.setReachable(false)
    await expect(useCallStore().placeCall({ to: '13800138000' })).resolves.toBe(false)
    await settle()
    expect(session.status).toBe('signed-out')
    expect(session.restoreRetrying).toBe(true)
    backend.setReachable(true)
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[0])
    await settle()
    expect(session.status).toBe('signed-in')
    expect(session.restoreRetrying).toBe(false)
  })
})

describe('signOut', () => {
  it('logs out of the SDK and the backend and forgets the access token, keeping the username', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const accessToken = backend.issuedAccessTokens[0]
    await session.signOut()
    expect(methods(core).at(-1)).toBe('logout')
    expect(backend.requests.at(-1)).toEqual({ path: '/api/auth/logout', bearer: accessToken })
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('logged-out')
    expect(session.agent).toBeNull()
    expect(backendSessionStorage.load()).toBeNull()
    expect(lastUsernameStorage.load()).toBe(AGENT.userId)
  })

  it('hangs up a call in progress first', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    await session.signOut()
    expect(methods(core).slice(-2)).toEqual(['terminate', 'logout'])
    expect(call.state).toBe('idle')
  })

  it('still signs out locally when the network is down', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    backend.setReachable(false)
    await session.signOut()
    expect(session.status).toBe('signed-out')
    expect(backendSessionStorage.load()).toBeNull()
    expect(getWorkstation().disposed).toBe(false)
  })

  it('when already signed out does nothing: no SDK or backend call, and the reason on screen stays', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    core.sim.kick()
    await settle()
    const sdkCalls = methods(core).length
    const requests = backend.requests.length
    await session.signOut()
    expect(methods(core).length).toBe(sdkCalls)
    expect(backend.requests.length).toBe(requests)
    expect(session.signOutReason).toBe('kicked')
    expect(session.error?.symbol).toBe('KICKED')
  })

  it('a second tap while signing out joins the first: one SDK logout, one backend revoke', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const first = session.signOut()
    const second = session.signOut()
    await Promise.all([first, second])
    expect(methods(core).filter((m) => m === 'logout')).toHaveLength(1)
    expect(backend.requests.filter((r) => r.path === '/api/auth/logout')).toHaveLength(1)
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('logged-out')
  })
})

describe('calls that do nothing in the wrong state, and leaving sign-in / sign-out', () => {
  it('a second signIn while signed in is refused and logged, without asking the backend', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const before = backend.requests.length
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(false)
    expect(backend.requests).toHaveLength(before)
    expect(warn).toHaveBeenCalledWith('[session] signIn ignored: already signed in')
    expect(session.status).toBe('signed-in')
    warn.mockRestore()
  })

  it('restore is true when already signed in and false while a sign-in runs, asking nothing', async () => {
    const session = useSessionStore()
    const signingIn = session.signIn(AGENT.userId, PASSWORD)
    await expect(session.restore()).resolves.toBe(false)
    await signingIn
    const before = backend.requests.length
    await expect(session.restore()).resolves.toBe(true)
    expect(backend.requests).toHaveLength(before)
  })

  it('a token expiry reported while signed out renews nothing', async () => {
    const session = useSessionStore()
    await expect(session.onTokenExpired()).resolves.toBe(false)
    expect(backend.requests).toEqual([])
    expect(session.status).toBe('signed-out')
  })

  it('a token expiry without a stored backend session signs out as expired', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    backendSessionStorage.clear()
    await expect(session.onTokenExpired()).resolves.toBe(false)
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('session-expired')
    expect(session.error?.symbol).toBe('SESSION_EXPIRED')
  })

  it('a preparation or participant that left is not called any more', async () => {
    const session = useSessionStore()
    const prepare = vi.fn(() => Promise.resolve())
    const participant = { beforeLogout: vi.fn(() => Promise.resolve()), signedOut: vi.fn() }
    const leaveSignIn = session.joinSignIn(prepare)
    const leaveSignOut = session.joinSignOut(participant)
    await session.signIn(AGENT.userId, PASSWORD)
    await session.signOut()
    expect([prepare.mock.calls.length, participant.beforeLogout.mock.calls.length, participant.signedOut.mock.calls.length]).toEqual([1, 1, 1])
    leaveSignIn()
    leaveSignOut()
    await session.signIn(AGENT.userId, PASSWORD)
    await session.signOut()
    expect([prepare.mock.calls.length, participant.beforeLogout.mock.calls.length, participant.signedOut.mock.calls.length]).toEqual([1, 1, 1])
  })
})

describe('session (mutation survivors)', () => {
  async function signedInSession(): Promise<ReturnType<typeof useSessionStore>> {
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    return session
  }

  function spyOnWarnings(): ReturnType<typeof vi.spyOn> {
    return vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  }

  const tcccTokenRequests = (): number => backend.requests.filter((r) => r.path === '/api/tccc/token').length

  describe('sign-in', () => {
    it('prefills no username on a first start, nor from an unreadable stored one', () => {
      expect(useSessionStore().lastUsername).toBe('')
      uni.setStorageSync(lastUsernameStorage.key, JSON.stringify({ v: 1, data: 42 }))
      setActivePinia(createPinia())
      expect(useSessionStore().lastUsername).toBe('')
    })

    it('prefills the username an earlier install stored under tccc.session.lastUsername', () => {
      uni.setStorageSync('tccc.session.lastUsername', JSON.stringify({ v: 1, data: 'agent7@example.com' }))
      setActivePinia(createPinia())
      expect(useSessionStore().lastUsername).toBe('agent7@example.com')
    })

    it('refuses an empty password without calling the backend', async () => {
      const session = useSessionStore()
      await expect(session.signIn(AGENT.userId, '')).resolves.toBe(false)
      expect(session.error?.symbol).toBe('BAD_CREDENTIALS')
      expect(backend.requests).toHaveLength(0)
    })

    it('ignores signIn while the stored session is being restored, asking the backend nothing', async () => {
      const session = await signInThenRestart()
      const before = backend.requests.length
      await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(false)
      expect(backend.requests).toHaveLength(before)
      expect(session.status).toBe('restoring')
    })

    it('hands the sdkUrl the backend sends on to the SDK login', async () => {
      const exp = Math.floor(core.clock.now() / 1000) + 600
      backend.failNextToken(200, { ...AGENT, token: tcccTokenFor(core.clock), expiresAt: exp, sdkUrl: 'https://tccc.qcloud.com/sdk.js' })
      await signedInSession()
      expect(callsOf(core, 'login')).toEqual([[{ sdkAppId: AGENT.sdkAppId, userId: AGENT.userId, token: '<redacted>', sdkUrl: '<redacted>' }]])
    })

    it('a failed first sign-in, before the sync store was ever loaded, signs out cleanly', async () => {
      vi.resetModules()
      const fresh = await import('@/store/session')
      const session = fresh.useSessionStore()
      await expect(session.signIn(AGENT.userId, 'wrong')).resolves.toBe(false)
      expect(session.status).toBe('signed-out')
      expect(session.error?.symbol).toBe('BAD_CREDENTIALS')
    })
  })

  describe('restore', () => {
    it('restore during a sign-in leaves the sign-in alone', async () => {
      const session = useSessionStore()
      const signingIn = session.signIn(AGENT.userId, PASSWORD)
      const restored = session.restore()
      expect(session.status).toBe('signing-in')
      await expect(restored).resolves.toBe(false)
      await expect(signingIn).resolves.toBe(true)
      expect(session.status).toBe('signed-in')
    })

    it('two restores at once share one silent sign-in', async () => {
      const session = await signInThenRestart()
      await expect(Promise.all([session.restore(), session.restore()])).resolves.toEqual([true, true])
      expect(tcccTokenRequests()).toBe(2)
      expect(callsOf(core, 'login')).toHaveLength(2)
    })

    it('a restore that failed on the network can be retried, showing restoring meanwhile', async () => {
      const session = await signInThenRestart()
      backend.setReachable(false)
      await expect(session.restore()).resolves.toBe(false)
      expect(session.status).toBe('signed-out')
      backend.setReachable(true)
      const retry = session.restore()
      expect(session.status).toBe('restoring')
      await expect(retry).resolves.toBe(true)
      expect(session.status).toBe('signed-in')
    })

    it('a successful restore forgets an earlier renewal: the next -10002 is renewed again', async () => {
      const session = await signedInSession()
      await expect(session.onTokenExpired()).resolves.toBe(true)
      // Straight back: signed out (the access token is kept), and the caller is told "not renewed".
      await expect(session.onTokenExpired()).resolves.toBe(false)
      expect(session.signOutReason).toBe('token-expired')
      await expect(session.restore()).resolves.toBe(true)
      await expect(session.onTokenExpired()).resolves.toBe(true)
      expect(session.status).toBe('signed-in')
      expect(backend.issuedTcccTokens).toHaveLength(4)
    })
  })

  describe('recheck', () => {
    it('asks the SDK nothing while signed out', async () => {
      const session = useSessionStore()
      await session.recheck()
      expect(methods(core)).not.toContain('checkLogin')
      expect(session.signOutReason).toBeNull()
    })

    it('two rechecks at once ask checkLogin once and re-register once', async () => {
      const session = await signedInSession()
      core.sim.expireToken()
      await Promise.all([session.recheck(), session.recheck()])
      expect(methods(core).filter((m) => m === 'checkLogin')).toHaveLength(1)
      expect(callsOf(core, 'login')).toHaveLength(2)
      expect(session.status).toBe('signed-in')
    })

    it('re-registers silently when checkLogin says the agent is logged out (-10005)', async () => {
      const session = await signedInSession()
      core.sim.failNext('checkLogin', -10005)
      await session.recheck()
      expect(methods(core).slice(-2)).toEqual(['checkLogin', 'login'])
      expect(session.status).toBe('signed-in')
    })

    it('checkLogin answering 403 signs out as kicked, without a silent re-login', async () => {
      const session = await signedInSession()
      core.sim.failNext('checkLogin', 403)
      await session.recheck()
      await settle()
      expect(session.status).toBe('signed-out')
      expect(session.signOutReason).toBe('kicked')
      expect(session.error?.symbol).toBe('KICKED')
      expect(callsOf(core, 'login')).toHaveLength(1)
      expect(backendSessionStorage.load()).toBeNull()
      expect(backend.requests.at(-1)?.path).toBe('/api/auth/logout')
    })

    it('a kick while checkLogin is pending leaves the agent signed out as kicked', async () => {
      const session = await signedInSession()
      core.sim.failNext('checkLogin', -10002)
      const check = session.recheck()
      core.sim.kick()
      await check
      expect(session.signOutReason).toBe('kicked')
      expect(session.error?.symbol).toBe('KICKED')
      expect(callsOf(core, 'login')).toHaveLength(1)
    })

    it('a check with no answer is logged and left for next time', async () => {
      const session = await signedInSession()
      const warn = spyOnWarnings()
      core.sim.dropConnection()
      await session.recheck()
      expect(warn).toHaveBeenCalledWith('[session] checkLogin got no answer; checking again next time', 'ERR_SIP_REQUESTTIMEOUT')
      expect(session.status).toBe('signed-in')
    })

    it('a check deferred for a call does not survive a sign-out', async () => {
      const session = await signedInSession()
      session.setCallLive(true)
      await session.recheck()
      expect(session.recheckAfterCall).toBe(true)
      await session.signOut()
      expect(session.recheckAfterCall).toBe(false)
      await signedInSession()
      session.setCallLive(false)
      await nextTick()
      await settle()
      expect(methods(core)).not.toContain('checkLogin')
    })
  })

  describe('kicked', () => {
    it('a 403 before the agent is signed in changes nothing: the restore still signs in', async () => {
      const session = await signInThenRestart()
      session.onKicked()
      expect(session.status).toBe('restoring')
      expect(backendSessionStorage.load()).not.toBeNull()
      await expect(session.restore()).resolves.toBe(true)
    })

    it('a kick with no stored backend session signs out as kicked and revokes nothing', async () => {
      const session = await signedInSession()
      backendSessionStorage.clear()
      const before = backend.requests.length
      core.sim.kick()
      await settle()
      expect(session.signOutReason).toBe('kicked')
      expect(backend.requests.slice(before).map((r) => r.path)).not.toContain('/api/auth/logout')
    })

    it('a kick while the backend is unreachable still signs out, and logs the failed revoke', async () => {
      const session = await signedInSession()
      backend.setReachable(false)
      const warn = spyOnWarnings()
      core.sim.kick()
      await settle()
      expect(session.signOutReason).toBe('kicked')
      expect(warn).toHaveBeenCalledWith('[session] backend sign-out failed', 'BACKEND_UNREACHABLE')
    })
  })

  describe('token expiry (-10002)', () => {
    it('a token expiry before any sign-in leaves the login page without a reason or an error', async () => {
      const session = useSessionStore()
      await expect(session.onTokenExpired()).resolves.toBe(false)
      expect(session.signOutReason).toBeNull()
      expect(session.error).toBeNull()
    })

    it('two -10002 at once share one renewal and keep the agent signed in', async () => {
      const session = await signedInSession()
      await expect(Promise.all([session.onTokenExpired(), session.onTokenExpired()])).resolves.toEqual([true, true])
      expect(session.status).toBe('signed-in')
      expect(backend.issuedTcccTokens).toHaveLength(2)
    })

    it('a -10002 a full minute after the last renewal is renewed again', async () => {
      const session = await signedInSession()
      const now = Date.now()
      const clock = vi.spyOn(Date, 'now').mockReturnValue(now)
      await expect(session.onTokenExpired()).resolves.toBe(true)
      clock.mockReturnValue(now + 60_000)
      await expect(session.onTokenExpired()).resolves.toBe(true)
      expect(session.status).toBe('signed-in')
      expect(backend.issuedTcccTokens).toHaveLength(3)
    })

    it('the first -10002 is renewed even on a device whose clock was reset to 1970', async () => {
      const session = await signedInSession()
      vi.spyOn(Date, 'now').mockReturnValue(30_000)
      await expect(session.onTokenExpired()).resolves.toBe(true)
      expect(session.status).toBe('signed-in')
      expect(backend.issuedTcccTokens).toHaveLength(2)
    })

    it('a renewal that cannot reach the backend signs out as token-expired, keeping the access token', async () => {
      const session = await signedInSession()
      backend.setReachable(false)
      await expect(session.onTokenExpired()).resolves.toBe(false)
      expect(session.status).toBe('signed-out')
      expect(session.signOutReason).toBe('token-expired')
      expect(session.error?.symbol).toBe('BACKEND_UNREACHABLE')
      expect(backendSessionStorage.load()).not.toBeNull()
    })
  })

  describe('sign-out', () => {
    it('while the sign-out waits for the SDK, backend reads fail as session-expired', async () => {
      const session = await signedInSession()
      core.sim.neverAnswer('logout')
      const out = session.signOut()
      await settle()
      await expect(fetchCallerNumbers()).rejects.toMatchObject({ symbol: 'SESSION_EXPIRED' })
      core.clock.advance(5_000)
      await out
      expect(session.status).toBe('signed-out')
    })

    it('an SDK logout failure is logged and the sign-out completes', async () => {
      const session = await signedInSession()
      core.sim.failNext('logout', 20001)
      const warn = spyOnWarnings()
      await session.signOut()
      expect(warn).toHaveBeenCalledWith('[session] SDK logout failed', 'ERR_UNRIGIST_FAILURE')
      expect(session.signOutReason).toBe('logged-out')
      expect(backend.requests.at(-1)?.path).toBe('/api/auth/logout')
    })

    it('a backend sign-out failure is logged and the sign-out completes', async () => {
      const session = await signedInSession()
      backend.setReachable(false)
      const warn = spyOnWarnings()
      await session.signOut()
      expect(warn).toHaveBeenCalledWith('[session] backend sign-out failed', 'BACKEND_UNREACHABLE')
      expect(session.signOutReason).toBe('logged-out')
    })

    it('without a stored backend session, revokes nothing and warns about nothing', async () => {
      const session = await signedInSession()
      backendSessionStorage.clear()
      const before = backend.requests.length
      const warn = spyOnWarnings()
      await session.signOut()
      expect(backend.requests.slice(before).map((r) => r.path)).not.toContain('/api/auth/logout')
      expect(warn).not.toHaveBeenCalled()
      expect(session.signOutReason).toBe('logged-out')
    })
  })
})
