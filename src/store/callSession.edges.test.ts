/**
 * Ways a call and a sign-in meet that a day of dialling hits: a token that expires mid-call, a
 * sign-out by any path with a call on screen (kicked, renewal refused), the resume check during
 * a TCCC outage, a second caller who outlasts our call, a wrap-up storage cannot take.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Mock } from 'jest-mock'
import { RING_TIMEOUT_MS } from '@/platform/simulated/index'
import { getSync } from '@/services/sync'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useWrapupStore } from '@/store/wrapup'
import { storage } from '../../tests/setup/uni'
import { AGENT, PASSWORD, callsOf, installFakeBackend, settle, setupCore, tcccTokenFor, type Core, type FakeBackend } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

let core: Core
let backend: FakeBackend

const AGENT2 = { userId: 'agent2@example.com', sdkAppId: AGENT.sdkAppId }

/** Adds a second agent (agent2) to the fake backend: own access token, own TCCC token, empty workspace. */
function addSecondAgent(): void {
  const request = uni.request as unknown as Mock<(options: UniNamespace.RequestOptions) => unknown>
  const first = request.getMockImplementation()!
  request.mockImplementation((options) => {
    const path = options.url.replace(/^https?:\/\/[^/]+/, '')
    const auth = (options.header as Record<string, string> | undefined)?.Authorization ?? ''
    const reply = (statusCode: number, data: unknown) =>
      queueMicrotask(() => options.success?.({ statusCode, data: data as string, header: {}, cookies: [] }))
    const body = options.data as { username?: string; password?: string } | undefined
    if (path === '/api/auth/login' && body?.username === AGENT2.userId) {
      reply(200, { accessToken: 'acc-agent2', expiresIn: 3600, agent: AGENT2 })
      return { abort: () => undefined }
    }
    if (auth === 'Bearer acc-agent2') {
      if (path === '/api/tccc/token') reply(200, { ...AGENT2, token: tcccTokenFor(core.clock, AGENT2.userId), expiresAt: Math.floor(core.clock.now() / 1000) + 600, sdkUrl: '' })
      else if (path.startsWith('/api/workspace/changes') && options.method === 'GET') reply(200, { changes: [], cursor: '0', more: false })
      else reply(200, { results: [] })
      return { abort: () => undefined }
    }
    return first(options)
  })
}

beforeEach(() => {
  // The sync engine is one per process, as in the app; each test is a fresh phone.
  getSync().close()
  storage.clear()
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  vi.spyOn(console, 'error').mockImplementation(() => undefined)
  core = setupCore()
  backend = installFakeBackend(core.clock)
})

afterEach(() => {
  vi.useRealTimers()
})

async function answeredCall(remark?: string) {
  const session = useSessionStore()
  await session.signIn(AGENT.userId, PASSWORD)
  const call = useCallStore()
  await call.placeCall(remark ? { to: '13800138000', remark } : { to: '13800138000' })
  core.sim.answerOutbound()
  expect(call.state).toBe('active')
  return { session, call }
}

describe('a TCCC token that expires during an answered call', () => {
  it('a key press refused with -10002 keeps the agent signed in and the customer on the line; the message says it renews after the call', async () => {
    const { session, call } = await answeredCall()
    core.sim.expireToken()
    backend.setReachable(false) // the backend is out of reach too: a renewal now would sign out
    const logins = callsOf(core, 'login').length
    await expect(call.sendDigit('1')).resolves.toBe(false)
    await settle()
    expect(session.status).toBe('signed-in')
    expect(call.state).toBe('active')
    expect(session.renewAfterCall).toBe(true)
    expect(call.error?.symbol).toBe('TOKEN_RENEWS_AFTER_CALL')
    expect(call.error?.localized('zh')).toBe('登录凭证已过期，本次操作未生效；通话结束后将自动续期，无需重新登录')
    // No SDK login in the middle of the call.
    expect(callsOf(core, 'login')).toHaveLength(logins)
  })

  it('the call is recorded with its real end and length, then the token is renewed without the agent noticing', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-03-02T02:00:00Z'))
    const { session, call } = await answeredCall()
    core.sim.expireToken()
    await session.recheck() // the app came back during the call: its check waits too
    expect(session.recheckAfterCall).toBe(true)
    await call.sendDigit('1')
    await settle()
    const logins = callsOf(core, 'login').length
    vi.setSystemTime(Date.now() + 30_000)
    core.sim.remoteHangup()
    await settle()
    await settle()
    const record = useHistoryStore().records.find((r) => r.number === '13800138000')
    expect({ endReason: record?.endReason, durationSec: record?.durationSec }).toEqual({ endReason: 'remote-bye', durationSec: 30 })
    expect(callsOf(core, 'login')).toHaveLength(logins + 1)
    expect(session.status).toBe('signed-in')
    expect(session.renewAfterCall).toBe(false)
    // The renewal re-registered: no resume check is left waiting for the next call.
    expect(session.recheckAfterCall).toBe(false)
  })

  it('an SDK -10002 event during the call waits the same way; a renewal that then fails signs out after the call, which is on record', async () => {
    const { session, call } = await answeredCall()
    core.sim.expireToken()
    core.sim.deviceError(-10002, 'token expired')
    await settle()
    expect(session.status).toBe('signed-in')
    backend.setReachable(false)
    core.sim.remoteHangup()
    await settle()
    await settle()
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('token-expired')
    expect(useHistoryStore().records).toEqual([])
    // Back in, the call is in the agent's history: it was stored before the sign-out.
    backend.setReachable(true)
    await session.signIn(AGENT.userId, PASSWORD)
    expect(useHistoryStore().records.map((r) => [r.number, r.endReason])).toEqual([['13800138000', 'remote-bye']])
    expect(call.state).toBe('idle')
  })

  it('a hang-up refused with -10002 renews at once (the agent wants the call over)', async () => {
    const { session, call } = await answeredCall()
    core.sim.expireToken()
    core.sim.failNext('terminate', -10002)
    const logins = callsOf(core, 'login').length
    await expect(call.hangUp()).resolves.toBe(false)
    await settle()
    expect(callsOf(core, 'login')).toHaveLength(logins + 1)
    expect(session.status).toBe('signed-in')
    expect(session.renewAfterCall).toBe(false)
  })
})

describe('a sign-out that does not come from the agent, with a call on screen', () => {
  it('kicked: the next agent who signs in on this phone sees no trace of the previous customer', async () => {
    const { session, call } = await answeredCall('Zhang Wei (agent1 customer)')
    core.sim.kick()
    expect(session.status).toBe('signed-out')
    await settle()
    addSecondAgent()
    await expect(session.signIn(AGENT2.userId, 'agent2-pass')).resolves.toBe(true)
    expect(session.agent?.userId).toBe(AGENT2.userId)
    expect({ state: call.state, peer: call.peer, remark: call.remark }).toEqual({ state: 'idle', peer: '', remark: '' })
    expect(useHistoryStore().records).toEqual([])
  })

  it('a renewal refused while dialling: the screen is left empty and nothing of the dial reaches the next agent', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const call = useCallStore()
    core.sim.expireToken()
    backend.setReachable(false)
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(false)
    await settle()
    expect(session.status).toBe('signed-out')
    expect(call.state).toBe('idle')
    backend.setReachable(true)
    addSecondAgent()
    await session.signIn(AGENT2.userId, 'agent2-pass')
    expect(useHistoryStore().records).toEqual([])
  })
})

describe('the resume check during a TCCC outage', () => {
  it.each([503, 504])('checkLogin answering %i (service busy: "try again shortly") keeps the agent signed in and checks again next time', async (code) => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const logins = callsOf(core, 'login').length
    core.sim.failNext('checkLogin', code)
    core.sim.failNext('login', code)
    await session.recheck()
    expect({ status: session.status, reason: session.signOutReason }).toEqual({ status: 'signed-in', reason: null })
    expect(callsOf(core, 'login')).toHaveLength(logins)
  })
})

describe('a second caller during a call', () => {
  it('a listed caller whose ring outlasts our call is one call on its number row, with its final outcome', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    const numbers = useNumbersStore()
    numbers.add('13700137000', 'Li Na')
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    const other = core.sim.incomingCall({ from: '13700137000' })
    await call.hangUp() // our call ends first: the waiting caller is recorded as missed
    expect(numbers.lookup('13700137000')?.callCount).toBe(1)
    core.clock.advance(RING_TIMEOUT_MS) // then its own ring times out: the same record replaced
    const records = useHistoryStore().records.filter((r) => r.sessionId === other)
    expect(records).toHaveLength(1)
    expect(numbers.lookup('13700137000')?.callCount).toBe(1)
    expect(numbers.lookup('13700137000')?.lastOutcome).toBe(records[0].outcome)
  })
})

describe('a waiting caller when the agent signs out', () => {
  it('stays a missed call: signing out ends it on this side, which is not the agent declining it', async () => {
    const { session, call } = await answeredCall()
    const other = core.sim.incomingCall({ from: '13700137000' })
    await call.hangUp()
    const missed = () => useHistoryStore().records.filter((r) => r.sessionId === other).map((r) => r.outcome)
    expect(missed()).toEqual(['missed'])
    let seen: string[] = []
    const history = useHistoryStore()
    const stop = history.$subscribe(() => {
      if (session.status === 'signed-in') seen = missed()
    })
    await session.signOut()
    stop()
    expect(seen).toEqual(['missed'])
    await session.signIn(AGENT.userId, PASSWORD)
    expect(missed()).toEqual(['missed'])
  })
})

describe('storage full at the end of a call', () => {
  function failOutbox(): () => void {
    const set = uni.setStorageSync as unknown as Mock<(key: string, value: unknown) => void>
    const real = set.getMockImplementation()!
    set.mockImplementation((key, value) => {
      if (key.endsWith('.outbox')) throw new Error('setStorageSync:fail exceed storage limit')
      real(key, value)
    })
    return () => set.mockImplementation(real)
  }

  it('the call stays in history; the wrap-up refuses to close while nothing can be written, keeps what was chosen, and saves once there is room', async () => {
    const { call } = await answeredCall()
    const restore = failOutbox()
    await call.hangUp()
    expect(useHistoryStore().records.map((r) => r.number)).toEqual(['13800138000'])
    const wrapup = useWrapupStore()
    expect(wrapup.draft?.number).toBe('13800138000')
    wrapup.choose('deal')
    expect(wrapup.save()).toBe(false)
    expect(wrapup.problem).toBe('SAVE_FAILED')
    expect(wrapup.draft?.disposition).toBe('deal')
    expect(useHistoryStore().records[0].disposition).toBeUndefined()
    restore()
    expect(wrapup.save()).toBe(true)
    expect(wrapup.draft).toBeNull()
    expect(useHistoryStore().records[0].disposition).toBe('deal')
  })
})
