/**
 * Behaviour the first half of `call.ts` (lines 1–500) promises and the main suite left open:
 * written against the surviving mutants of issue 13 (see CALL-SURVIVORS-A.md).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SDK_ERRORS, TcccError } from '@/platform/errors'
import { t } from '@/i18n'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useWrapupStore } from '@/store/wrapup'
import { AGENT, loginSdk, methods, settle, setupCore, type Core } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

const device = vi.hoisted(() => ({
  pending: null as Promise<'granted' | 'denied'> | null,
  keepAlive: [] as unknown[][],
}))
vi.mock('@/platform/device', () => ({
  ensureMicrophonePermission: () => device.pending ?? Promise.resolve('granted'),
  canOpenMicrophoneSettings: () => false,
  openMicrophoneSettings: () => undefined,
  keepScreenOn: () => undefined,
}))
vi.mock('@/platform/callKeepAlive', () => ({
  keepCallAudioAlive: (...args: unknown[]) => {
    device.keepAlive.push(args)
  },
}))

let core: Core
let warn: ReturnType<typeof vi.spyOn>
let error: ReturnType<typeof vi.spyOn>

const MIC_FAIL = SDK_ERRORS.ERR_MIC_START_FAIL.code
const TOKEN_EXPIRED = SDK_ERRORS.ERR_HTTP_TOKEN_ERROR.code
const OTHER_CODE = SDK_ERRORS.ERR_SPEAKER_START_FAIL.code

beforeEach(async () => {
  device.pending = null
  device.keepAlive = []
  core = setupCore()
  await loginSdk(core)
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2026-03-01T10:00:00Z'))
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
})

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

function warned(text: string): boolean {
  return warn.mock.calls.some((args: unknown[]) => String(args[0]).includes(text))
}

async function activeCall(): Promise<ReturnType<typeof useCallStore>> {
  const call = useCallStore()
  await call.placeCall({ to: '13800138000' })
  core.sim.answerOutbound()
  return call
}

/** A call stuck at the microphone prompt: `dialing`, no session id yet. */
function dialingWithoutSession(): ReturnType<typeof useCallStore> {
  device.pending = new Promise(() => undefined)
  const call = useCallStore()
  void call.placeCall({ to: '13800138000' })
  expect(call.state).toBe('dialing')
  expect(call.sessionId).toBeNull()
  return call
}

describe('a fresh call store', () => {
  it('starts as no call: not internal, no peer', () => {
    const call = useCallStore()
    expect(call.internal).toBe(false)
    expect(call.peer).toBe('')
    expect(call.durationAt(Date.now())).toBe(0)
  })

  it('an outbound session this app did not start is ignored and not terminated', () => {
    const call = useCallStore()
    call.applyEvent({ type: 'newSession', sessionId: 'stray', direction: 'out', peer: '1', remark: '' })
    expect(call.state).toBe('idle')
    expect(call.sessionId).toBeNull()
    expect(methods(core)).not.toContain('terminate')
    expect(warn).toHaveBeenCalledWith('[call] outbound session this app did not start; ignored')
  })
})

describe('call record details', () => {
  it('an unanswered call talks 0 seconds while ringing and its record has no answeredAt', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    vi.setSystemTime(new Date('2026-03-01T10:00:30Z'))
    expect(call.durationAt(Date.now())).toBe(0)
    core.sim.rejectOutbound()
    const record = useHistoryStore().records[0]
    expect(record).toBeDefined()
    expect(record).not.toHaveProperty('answeredAt')
    expect(record?.durationSec).toBe(0)
  })

  it('keeps the call screen alive with the notification texts while live', async () => {
    await activeCall()
    expect(device.keepAlive[0]).toEqual([true, { title: t('call.keepAlive.title'), text: t('call.keepAlive.text') }])
  })

  it('an incoming call with no remark anywhere has an empty remark', () => {
    const call = useCallStore()
    call.applyEvent({ type: 'newSession', sessionId: 'in-1', direction: 'in', peer: '13700137000', remark: '' })
    expect(call.state).toBe('incoming')
    expect(call.remark).toBe('')
  })
})

describe('failures around history, numbers, wrap-up and the SDK after a call', () => {
  it('a failing wrap-up offer is logged and the call still ends', async () => {
    const boom = new Error('wrapup down')
    vi.spyOn(useWrapupStore(), 'offer').mockImplementation(() => {
      throw boom
    })
    const call = await activeCall()
    await call.hangUp()
    expect(call.state).toBe('ended')
    expect(error).toHaveBeenCalledWith('[call] wrapup.offer failed', boom)
  })

  it('failing history and numbers are logged and do not break the call', async () => {
    const h = new Error('history down')
    const n = new Error('numbers down')
    vi.spyOn(useHistoryStore(), 'record').mockImplementation(() => {
      throw h
    })
    vi.spyOn(useNumbersStore(), 'noteCall').mockImplementation(() => {
      throw n
    })
    const call = await activeCall()
    await call.hangUp()
    expect(call.state).toBe('ended')
    expect(error).toHaveBeenCalledWith('[call] history.record failed', h)
    expect(error).toHaveBeenCalledWith('[call] numbers.noteCall failed', n)
  })

  it('an unmute failure after a muted call is logged with its symbol', async () => {
    const call = await activeCall()
    await call.toggleMute()
    core.sim.failNext('unmute', MIC_FAIL)
    core.sim.remoteHangup()
    await settle()
    expect(warn).toHaveBeenCalledWith('[call] unmute after the call failed', 'ERR_MIC_START_FAIL')
  })

  it('an SDK that already reset the mute (NO_ACTIVE_CALL) is not a failure worth a warning', async () => {
    const call = await activeCall()
    await call.toggleMute()
    vi.spyOn(core.sdk, 'unmute').mockRejectedValue(new TcccError('NO_ACTIVE_CALL'))
    core.sim.remoteHangup()
    await settle()
    expect(warned('unmute after the call failed')).toBe(false)
  })

  it('a stopRinging failure is logged with its symbol', async () => {
    const call = useCallStore()
    call.applyEvent({ type: 'newSession', sessionId: 'in-1', direction: 'in', peer: '13700137000', remark: '' })
    await settle()
    core.sim.failNext('stopRinging', OTHER_CODE)
    await call.rejectIncoming()
    await settle()
    expect(warn).toHaveBeenCalledWith('[call] stopRinging failed', 'ERR_SPEAKER_START_FAIL')
  })

  it('a preferred-route failure at call start is logged and the call goes on', async () => {
    core.sim.failNext('setAudioRoute', OTHER_CODE)
    const call = await activeCall()
    await settle()
    expect(call.state).toBe('active')
    expect(warn).toHaveBeenCalledWith('[call] could not apply the preferred audio route', 'ERR_SPEAKER_START_FAIL')
  })

  it('a platform without audio routes is never asked for one', async () => {
    ;(core.sdk.capabilities as { audioRoute: boolean }).audioRoute = false
    await activeCall()
    await settle()
    expect(methods(core)).not.toContain('setAudioRoute')
  })
})

describe('token expiry on a command', () => {
  it('a command failing with -10002 asks the session to renew; another code does not', async () => {
    const session = useSessionStore()
    const renew = vi.spyOn(session, 'onTokenExpired').mockResolvedValue(false)
    const call = useCallStore()
    call.applyEvent({ type: 'newSession', sessionId: 'in-1', direction: 'in', peer: '13700137000', remark: '' })
    core.sim.failNext('terminate', OTHER_CODE)
    await expect(call.rejectIncoming()).resolves.toBe(false)
    expect(renew).not.toHaveBeenCalled()
    core.sim.failNext('terminate', TOKEN_EXPIRED)
    await expect(call.rejectIncoming()).resolves.toBe(false)
    expect(renew).toHaveBeenCalledTimes(1)
  })
})

describe('second callers during a call', () => {
  it('a second caller answered elsewhere leaves the waiting list, is not missed, and is recorded as answered with its talk time', async () => {
    const call = await activeCall()
    const a = core.sim.incomingCall({ from: '13700137000' })
    const b = core.sim.incomingCall({ from: '13600136000' })
    expect(call.waiting.map((w) => w.sessionId)).toEqual([a, b])
    vi.setSystemTime(new Date('2026-03-01T10:00:10Z'))
    call.applyEvent({ type: 'accepted', sessionId: a })
    expect(call.waiting.map((w) => w.sessionId)).toEqual([b])
    await call.hangUp()
    // Only b rang unanswered when our call ended.
    expect(useHistoryStore().records.filter((r) => r.sessionId === a)).toEqual([])
    vi.setSystemTime(new Date('2026-03-01T10:00:52Z'))
    call.applyEvent({ type: 'ended', sessionId: a, reason: 'remote-bye', message: '' })
    const rec = useHistoryStore().records.find((r) => r.sessionId === a)
    expect(rec).toMatchObject({ outcome: 'answered', durationSec: 42, answeredAt: Date.parse('2026-03-01T10:00:10Z') })
    expect(rec).not.toHaveProperty('remark')
  })

  it('a second caller missed during the call gets its own id, its listed remark, 0 seconds and no answeredAt', async () => {
    useNumbersStore().add('13700137000', 'Bob')
    const call = await activeCall()
    const a = core.sim.incomingCall({ from: '13700137000' })
    const b = core.sim.incomingCall({ from: '13600136000' })
    expect(call.waiting).toEqual([
      { sessionId: a, number: '13700137000', remark: 'Bob' },
      { sessionId: b, number: '13600136000', remark: '' },
    ])
    call.applyEvent({ type: 'ended', sessionId: a, reason: 'remote-cancel', message: '' })
    expect(call.waiting.map((w) => w.sessionId)).toEqual([b])
    const rec = useHistoryStore().records.find((r) => r.sessionId === a)
    expect(rec?.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(rec).toMatchObject({ outcome: 'missed', durationSec: 0, remark: 'Bob' })
    expect(rec).not.toHaveProperty('answeredAt')
    call.applyEvent({ type: 'ended', sessionId: b, reason: 'remote-cancel', message: '' })
    expect(useHistoryStore().records.find((r) => r.sessionId === b)).not.toHaveProperty('remark')
  })

  it('a second caller recorded missed when our call ended and accepted after keeps its record unanswered; its end fills in the reason', async () => {
    const call = await activeCall()
    const a = core.sim.incomingCall({ from: '13700137000' })
    await call.hangUp()
    const missed = useHistoryStore().records.find((r) => r.sessionId === a)
    expect(missed).toMatchObject({ outcome: 'missed', endReason: 'unknown' })
    vi.setSystemTime(new Date('2026-03-01T10:00:10Z'))
    call.applyEvent({ type: 'accepted', sessionId: a })
    vi.setSystemTime(new Date('2026-03-01T10:00:52Z'))
    call.applyEvent({ type: 'ended', sessionId: a, reason: 'remote-bye', message: '' })
    const records = useHistoryStore().records.filter((r) => r.sessionId === a)
    // The backend never lets a phone add an answer or talk time to a call record.
    expect(records).toEqual([expect.objectContaining({ id: missed?.id, outcome: 'missed', durationSec: 0, endReason: 'remote-bye', endedAt: Date.parse('2026-03-01T10:00:52Z') })])
    expect(records[0]).not.toHaveProperty('answeredAt')
  })

  it('a second caller still ringing when our call ends is recorded missed with reason unknown, once', async () => {
    const call = await activeCall()
    const a = core.sim.incomingCall({ from: '13700137000' })
    const noted = vi.spyOn(useNumbersStore(), 'noteCall')
    await call.hangUp()
    expect(useHistoryStore().records.find((r) => r.sessionId === a)).toMatchObject({ outcome: 'missed', endReason: 'unknown' })
    // The next call ends while a still rings: it is not noted a second time.
    call.close()
    await call.placeCall({ to: '13900139000' })
    core.sim.rejectOutbound()
    expect(noted.mock.calls.filter(([r]) => r.sessionId === a)).toHaveLength(1)
  })
})

describe('events of the current session', () => {
  it('an accepted event after the answer already moved the call changes nothing', async () => {
    const call = await activeCall()
    const answered = call.answeredAt
    vi.setSystemTime(new Date('2026-03-01T10:00:09Z'))
    call.applyEvent({ type: 'accepted', sessionId: call.sessionId as string })
    expect(call.answeredAt).toBe(answered)
    expect(warned('illegal move')).toBe(false)
  })

  it('a late accepted event of the ended call is refused by the machine and changes nothing', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.rejectOutbound()
    expect(call.state).toBe('ended')
    call.applyEvent({ type: 'accepted', sessionId: call.sessionId as string })
    expect(call.state).toBe('ended')
    expect(call.answeredAt).toBeNull()
  })

  it('the SDK end of a call the agent already hung up is dropped quietly', async () => {
    const call = await activeCall()
    await call.hangUp()
    await settle()
    call.applyEvent({ type: 'ended', sessionId: call.sessionId as string, reason: 'remote-bye', message: '' })
    expect(call.endReason).toBe('local-bye')
    expect(warned('illegal move')).toBe(false)
  })

  it('an end while dialing, before the session id came, is ours and names the session', () => {
    const call = dialingWithoutSession()
    call.applyEvent({ type: 'ended', sessionId: 'sdk-1', reason: 'rejected', message: '' })
    expect(call.state).toBe('ended')
    expect(call.sessionId).toBe('sdk-1')
    expect(useHistoryStore().records[0]).toMatchObject({ sessionId: 'sdk-1', outcome: 'rejected' })
  })

  it('while dialing, the late end of a finished call is not ours', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    const first = call.sessionId as string
    core.sim.rejectOutbound()
    const next = dialingWithoutSession()
    next.applyEvent({ type: 'ended', sessionId: first, reason: 'remote-bye', message: '' })
    expect(next.state).toBe('dialing')
  })

  it('the end of an outbound session this app ignored does not end the current call', async () => {
    const call = await activeCall()
    call.applyEvent({ type: 'newSession', sessionId: 'stray', direction: 'out', peer: '1', remark: '' })
    call.applyEvent({ type: 'ended', sessionId: 'stray', reason: 'remote-bye', message: '' })
    expect(call.state).toBe('active')
    expect(useHistoryStore().records).toEqual([])
  })

  it('remembers the last 20 finished sessions, and only those', async () => {
    const call = useCallStore()
    const ids: string[] = []
    for (let i = 0; i < 21; i += 1) {
      await call.placeCall({ to: '13800138000' })
      ids.push(call.sessionId as string)
      core.sim.rejectOutbound()
    }
    dialingWithoutSession()
    // The 2nd oldest (20th from the end) is still known: its late end is dropped.
    call.applyEvent({ type: 'ended', sessionId: ids[1] as string, reason: 'remote-bye', message: '' })
    expect(call.state).toBe('dialing')
    call.applyEvent({ type: 'ended', sessionId: ids[20] as string, reason: 'remote-bye', message: '' })
    expect(call.state).toBe('dialing')
    // The oldest is forgotten: an end with its id while dialing is taken as this dial's.
    call.applyEvent({ type: 'ended', sessionId: ids[0] as string, reason: 'remote-bye', message: '' })
    expect(call.state).toBe('ended')
  })

  it('a cancelled dial terminates its late session once; a later stray session is not terminated', async () => {
    core.sim.neverAnswer('call')
    const call = useCallStore()
    const placing = call.placeCall({ to: '13800138000' })
    await settle()
    core.clock.advance(60_000)
    await expect(placing).resolves.toBe(false)
    expect(call.error?.symbol).toBe('SDK_NO_RESPONSE')
    core.sim.failNext('terminate', OTHER_CODE)
    call.applyEvent({ type: 'newSession', sessionId: 'late-1', direction: 'out', peer: '13800138000', remark: '' })
    await settle()
    expect(methods(core).filter((m) => m === 'terminate')).toHaveLength(1)
    expect(warn).toHaveBeenCalledWith('[call] terminating a cancelled dial failed', 'ERR_SPEAKER_START_FAIL')
    call.applyEvent({ type: 'newSession', sessionId: 'late-2', direction: 'out', peer: '13800138000', remark: '' })
    await settle()
    expect(methods(core).filter((m) => m === 'terminate')).toHaveLength(1)
  })
})

describe('volumes and device errors', () => {
  it("the agent's own volume is the microphone's, others are the peer's", async () => {
    const call = await activeCall()
    useSessionStore().agent = { userId: AGENT.userId, sdkAppId: AGENT.sdkAppId }
    call.applyEvent({ type: 'audioVolume', userId: AGENT.userId, volume: 40 })
    call.applyEvent({ type: 'audioVolume', userId: 'customer', volume: 70 })
    expect(call.micVolume).toBe(40)
    expect(call.peerVolume).toBe(70)
  })

  it('an empty user id is the peer even for an agent without one', async () => {
    const call = await activeCall()
    useSessionStore().agent = { userId: '', sdkAppId: AGENT.sdkAppId }
    call.applyEvent({ type: 'audioVolume', userId: '', volume: 55 })
    expect(call.peerVolume).toBe(55)
    expect(call.micVolume).toBe(0)
  })

  it('reportSdkError says the call screen took a device error during the call', async () => {
    const call = await activeCall()
    expect(call.reportSdkError(MIC_FAIL, 'mic')).toBe(true)
    expect(call.error?.symbol).toBe('ERR_MIC_START_FAIL')
  })

  it('after an end without a cause, a device error explains it; a known cause is kept', async () => {
    const call = await activeCall()
    core.sim.remoteHangup()
    expect(call.error).toBeNull()
    expect(call.reportSdkError(MIC_FAIL, 'mic')).toBe(true)
    expect(call.error?.symbol).toBe('ERR_MIC_START_FAIL')
    expect(call.reportSdkError(SDK_ERRORS.ERR_MIC_OCCUPY.code, 'occupied')).toBe(false)
    expect(call.error?.symbol).toBe('ERR_MIC_START_FAIL')
  })
})
