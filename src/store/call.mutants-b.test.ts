/**
 * Behaviour pinned by mutation testing (issue 13): call.ts from placeCall on (lines 501–end).
 * Same harness as call.test.ts: the simulated TCCC on a manual clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { COMMAND_DEADLINE_MS } from '@/platform/deadline'
import { useCallStore } from '@/store/call'
import type { Mock } from 'jest-mock'
import { useHistoryStore } from '@/store/history'
import { useSessionStore } from '@/store/session'
import { AGENT, PASSWORD, callsOf, installFakeBackend, loginSdk, methods, settle, setupCore, type Core } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

const device = vi.hoisted(() => ({
  permission: 'granted' as 'granted' | 'denied',
  pending: null as Promise<'granted' | 'denied'> | null,
}))
vi.mock('@/platform/device', () => ({
  ensureMicrophonePermission: () => device.pending ?? Promise.resolve(device.permission),
  canOpenMicrophoneSettings: () => false,
  openMicrophoneSettings: () => undefined,
  keepScreenOn: () => undefined,
}))

let core: Core
let warn: ReturnType<typeof vi.spyOn>

/** console.warn lines about illegal state machine moves (none in any normal flow). */
function illegalMoves(): unknown[] {
  return warn.mock.calls.map((c) => c[0]).filter((m) => typeof m === 'string' && m.includes('illegal move'))
}

function deferredPermission(): (value: 'granted' | 'denied') => void {
  let settleIt: (value: 'granted' | 'denied') => void = () => undefined
  device.pending = new Promise((resolve) => (settleIt = resolve))
  return settleIt
}

async function activeCall() {
  const call = useCallStore()
  await call.placeCall({ to: '13800138000' })
  core.sim.answerOutbound()
  return call
}

beforeEach(async () => {
  device.permission = 'granted'
  device.pending = null
  core = setupCore()
  await loginSdk(core)
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})

afterEach(() => {
  warn.mockRestore()
})

/** The agent ended the call: one SDK terminate, one `local-bye` record, no illegal move. */
function expectEndedOnceByAgent(call: ReturnType<typeof useCallStore>): void {
  expect(callsOf(core, 'terminate')).toHaveLength(1)
  expect(call.state).toBe('ended')
  expect(call.endReason).toBe('local-bye')
  expect(useHistoryStore().records).toHaveLength(1)
  expect(illegalMoves()).toEqual([])
}

describe('placeCall and placeSeatCall', () => {
  it('trims the number and the remark before dialling', async () => {
    const call = useCallStore()
    await expect(call.placeCall({ to: ' 13800138000 ', remark: '  Alice  ' })).resolves.toBe(true)
    expect(callsOf(core, 'call')).toEqual([[{ to: '13800138000', remark: 'Alice' }]])
    expect(call.peer).toBe('13800138000')
    expect(call.remark).toBe('Alice')
  })

  it('says why a number was refused', async () => {
    const call = useCallStore()
    await expect(call.placeCall({ to: 'abc' })).resolves.toBe(false)
    expect(call.error?.symbol).toBe('INVALID_NUMBER')
    expect(call.error?.detail).toBe('not diallable')
    await expect(call.placeSeatCall('two words')).resolves.toBe(false)
    expect(call.error?.detail).toBe('not a seat account')
  })

  it('a seat call has no remark', async () => {
    const call = useCallStore()
    await expect(call.placeSeatCall('agent2@example.com')).resolves.toBe(true)
    expect(call.remark).toBe('')
  })

  it('a seat call where the platform cannot make one is refused without asking the SDK', async () => {
    Object.assign(core.sdk.capabilities, { internalCall: false })
    const call = useCallStore()
    await expect(call.placeSeatCall('agent2@example.com')).resolves.toBe(false)
    expect(call.error?.symbol).toBe('UNSUPPORTED_ON_PLATFORM')
    expect(call.error?.detail).toBe('internal call')
    expect(call.state).toBe('ended')
    expect(callsOf(core, 'callSeat')).toEqual([])
  })

  it('logs why a placeCall was refused', async () => {
    const call = useCallStore()
    const first = call.placeCall({ to: '13800138000' })
    await expect(call.placeCall({ to: '13900139000' })).resolves.toBe(false)
    expect(warn).toHaveBeenLastCalledWith('[call] placeCall refused in state dialing (busy)')
    await first
    await expect(call.placeCall({ to: '13900139000' })).resolves.toBe(false)
    expect(warn).toHaveBeenLastCalledWith('[call] placeCall refused in state ringing')
  })

  it('a dial that times out after the agent hung up shows no error', async () => {
    core.sim.neverAnswer('call')
    const call = useCallStore()
    const placing = call.placeCall({ to: '13800138000' })
    await settle()
    await expect(call.hangUp()).resolves.toBe(true)
    expect(call.state).toBe('ended')
    core.clock.advance(COMMAND_DEADLINE_MS.call + 1)
    await expect(placing).resolves.toBe(false)
    expect(call.error).toBeNull()
    expect(call.endReason).toBe('local-bye')
  })

  it('a refused dial (an answer, unlike no answer) leaves a later unknown outbound session alone', async () => {
    const call = useCallStore()
    core.sim.failNext('call', -10004)
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(false)
    call.applyEvent({ type: 'newSession', sessionId: 'elsewhere-1', direction: 'out', peer: '13800138000' })
    await settle()
    expect(methods(core)).not.toContain('terminate')
    expect(warn).toHaveBeenLastCalledWith('[call] outbound session this app did not start; ignored')
  })

  it('a call after a refused dial still rings (the refusal cancels nothing later)', async () => {
    const call = useCallStore()
    core.sim.failNext('call', -10004)
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(false)
    core.sim.incomingCall({ from: '13700137000' })
    await settle()
    expect(call.state).toBe('incoming')
    expect(methods(core)).not.toContain('terminate')
  })
})

describe('a call that ends as soon as it started', () => {
  /** Runs `action` synchronously the first time the call store enters `state`. */
  function onFirst(state: string, action: () => void): void {
    const call = useCallStore()
    let done = false
    call.$subscribe(
      () => {
        if (!done && call.state === state) {
          done = true
          action()
        }
      },
      { flush: 'sync' },
    )
  }

  it('an outbound call the callee rejected at once gets no audio route', async () => {
    const call = useCallStore()
    onFirst('ringing', () => core.sim.rejectOutbound())
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(true)
    await settle()
    expect(call.state).toBe('ended')
    expect(callsOf(core, 'setAudioRoute')).toEqual([])
  })

  it('an answered call the caller left at once gets no audio route', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    await settle()
    onFirst('active', () => core.sim.remoteHangup())
    await expect(call.answerIncoming()).resolves.toBe(true)
    await settle()
    expect(call.state).toBe('ended')
    expect(callsOf(core, 'setAudioRoute')).toEqual([])
    expect(illegalMoves()).toEqual([])
  })
})

describe('answerIncoming', () => {
  it('is refused with no incoming call, without even asking for the microphone', async () => {
    const call = useCallStore()
    const answering = call.answerIncoming()
    expect(call.busy).toBe(false)
    await expect(answering).resolves.toBe(false)
    expect(methods(core)).not.toContain('answer')
  })

  it('answers only once when tapped twice', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    const grant = deferredPermission()
    const first = call.answerIncoming()
    expect(call.busy).toBe(true)
    await expect(call.answerIncoming()).resolves.toBe(false)
    grant('granted')
    await expect(first).resolves.toBe(true)
    expect(call.busy).toBe(false)
    expect(call.state).toBe('active')
    expect(callsOf(core, 'answer')).toHaveLength(1)
    expect(illegalMoves()).toEqual([])
  })

  it('does not answer when the caller gave up during the microphone prompt', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    const grant = deferredPermission()
    const answering = call.answerIncoming()
    core.sim.remoteHangup()
    await settle()
    grant('granted')
    await expect(answering).resolves.toBe(false)
    expect(methods(core)).not.toContain('answer')
    expect(call.error).toBeNull()
    expect(call.state).toBe('ended')
  })

  it('does not answer a different caller who rang during the microphone prompt', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    const grant = deferredPermission()
    const answering = call.answerIncoming()
    core.sim.remoteHangup()
    await settle()
    core.sim.incomingCall({ from: '13600136000' })
    await settle()
    expect(call.state).toBe('incoming')
    grant('granted')
    await expect(answering).resolves.toBe(false)
    expect(methods(core)).not.toContain('answer')
    expect(call.state).toBe('incoming')
    expect(call.peer).toBe('13600136000')
  })

  it('a denied microphone keeps the call ringing with the error shown', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    device.permission = 'denied'
    await expect(call.answerIncoming()).resolves.toBe(false)
    expect(call.error?.symbol).toBe('ERR_MIC_NOT_AUTHORIZED')
    expect(call.state).toBe('incoming')
    expect(methods(core)).not.toContain('answer')
  })

  it('answering moves to active once, with the answer time and the preferred route', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    await expect(call.answerIncoming()).resolves.toBe(true)
    expect(call.state).toBe('active')
    expect(call.answeredAt).not.toBeNull()
    expect(callsOf(core, 'setAudioRoute')).toHaveLength(1)
    expect(illegalMoves()).toEqual([])
  })
})

describe('rejectIncoming and hangUp', () => {
  it('reject is refused with no incoming call', async () => {
    const call = useCallStore()
    await expect(call.rejectIncoming()).resolves.toBe(false)
    expect(call.busy).toBe(false)
    expect(methods(core)).not.toContain('terminate')
  })

  it('a double reject terminates once', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    const first = call.rejectIncoming()
    expect(call.busy).toBe(true)
    await expect(call.rejectIncoming()).resolves.toBe(false)
    await expect(first).resolves.toBe(true)
    expectEndedOnceByAgent(call)
  })

  it('a failed reject keeps the call ringing, shows the error, and can be tried again', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    await settle()
    core.sim.failNext('terminate', -10004)
    await expect(call.rejectIncoming()).resolves.toBe(false)
    expect(call.error?.symbol).toBe('ERR_NETWORK_CANNOT_RESET')
    expect(call.state).toBe('incoming')
    expect(call.busy).toBe(false)
    expect(methods(core).filter((m) => m === 'startRinging' || m === 'stopRinging')).toEqual(['startRinging', 'stopRinging', 'startRinging'])
    await expect(call.rejectIncoming()).resolves.toBe(true)
    expect(call.state).toBe('ended')
    expect(illegalMoves()).toEqual([])
  })

  it('a failed reject of a caller who already left does not ring again', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    await settle()
    core.sim.failNext('terminate', -10004)
    const rejecting = call.rejectIncoming()
    core.sim.remoteHangup()
    await expect(rejecting).resolves.toBe(false)
    expect(call.state).toBe('ended')
    expect(methods(core).filter((m) => m === 'startRinging')).toHaveLength(1)
  })

  it('hangUp of an incoming call rejects it', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    await expect(call.hangUp()).resolves.toBe(true)
    expect(call.state).toBe('ended')
    expect(callsOf(core, 'terminate')).toHaveLength(1)
    expect(useHistoryStore().records[0]).toMatchObject({ outcome: 'rejected' })
  })

  it('hangUp with no call does nothing', async () => {
    const call = useCallStore()
    await expect(call.hangUp()).resolves.toBe(false)
    expect(call.state).toBe('idle')
    expect(methods(core)).not.toContain('terminate')
  })

  it('a double hangUp terminates once and ends the call once', async () => {
    const call = await activeCall()
    const first = call.hangUp()
    await expect(call.hangUp()).resolves.toBe(false)
    await expect(first).resolves.toBe(true)
    expectEndedOnceByAgent(call)
  })

  it('hanging up while ringing ends once, with no illegal move', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    expect(call.state).toBe('ringing')
    await expect(call.hangUp()).resolves.toBe(true)
    expect(call.state).toBe('ended')
    expect(call.endReason).toBe('local-bye')
    expect(illegalMoves()).toEqual([])
  })

  it('hanging up before the SDK reported the session terminates nothing', async () => {
    core.sim.neverAnswer('call')
    const call = useCallStore()
    void call.placeCall({ to: '13800138000' })
    await settle()
    await expect(call.hangUp()).resolves.toBe(true)
    expect(methods(core)).not.toContain('terminate')
    expect(call.state).toBe('ended')
  })

  it('a failed hang-up keeps the call and shows the error', async () => {
    const call = await activeCall()
    core.sim.failNext('terminate', -10004)
    await expect(call.hangUp()).resolves.toBe(false)
    expect(call.state).toBe('active')
    expect(call.error?.symbol).toBe('ERR_NETWORK_CANNOT_RESET')
  })

  it('hanging up a ringing call that the callee answered meanwhile ends it', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    const id = call.sessionId
    const hanging = call.hangUp()
    core.sim.answerOutbound()
    await expect(hanging).resolves.toBe(true)
    expect(call.sessionId).toBe(id)
    expect(call.state).toBe('ended')
    expect(illegalMoves()).toEqual([])
  })
})

describe('mute, route, DTMF, hold and transfer', () => {
  it('mute is refused with no call', async () => {
    await expect(useCallStore().toggleMute()).resolves.toBe(false)
    expect(methods(core)).not.toContain('mute')
  })

  it('no route switch where the platform has none', async () => {
    Object.assign(core.sdk.capabilities, { audioRoute: false })
    await expect(useCallStore().setAudioRoute('speakerphone')).resolves.toBe(false)
  })

  it('one route switch at a time during a call', async () => {
    const call = await activeCall()
    const first = call.setAudioRoute('speakerphone')
    await expect(call.setAudioRoute('earpiece')).resolves.toBe(false)
    await expect(first).resolves.toBe(true)
    expect(call.audioRoute).toBe('speakerphone')
  })

  it('a DTMF digit the SDK refuses is reported and not remembered', async () => {
    const call = await activeCall()
    core.sim.failNext('sendDTMF', -10004)
    await expect(call.sendDigit('1')).resolves.toBe(false)
    expect(call.error?.symbol).toBe('ERR_NETWORK_CANNOT_RESET')
    expect(call.dtmfSent).toBe('')
  })

  it('a hold the SDK refuses is reported and the call is not held', async () => {
    const call = await activeCall()
    core.sim.failNext('hold', -10004)
    await expect(call.toggleHold()).resolves.toBe(false)
    expect(call.error?.symbol).toBe('ERR_NETWORK_CANNOT_RESET')
    expect(call.held).toBe(false)
  })

  it('transfer: refused with no call, to a skill group by id, failures reported', async () => {
    const call = useCallStore()
    await expect(call.transferCall({ skillGroupId: 'g1' })).resolves.toBe(false)
    expect(methods(core)).not.toContain('transfer')
    await activeCall()
    core.sim.failNext('transfer', -10004)
    await expect(call.transferCall({ skillGroupId: ' g1 ' })).resolves.toBe(false)
    expect(call.error?.symbol).toBe('ERR_NETWORK_CANNOT_RESET')
    expect(call.state).toBe('active')
    await expect(call.transferCall({ skillGroupId: ' g1 ' })).resolves.toBe(true)
    expect(callsOf(core, 'transfer')).toEqual([[{ skillGroupId: 'g1' }], [{ skillGroupId: 'g1' }]])
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

describe('commands that meet an expired token (-10002)', () => {
  beforeEach(async () => {
    installFakeBackend(core.clock)
    await useSessionStore().signIn(AGENT.userId, PASSWORD)
  })

  it('a retried call that fails otherwise shows that error and keeps the agent signed in', async () => {
    const session = useSessionStore()
    const call = useCallStore()
    core.sim.expireToken()
    duringTokenRenewal(() => core.sim.failNext('call', -10004))
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(false)
    await settle()
    expect(call.error?.symbol).toBe('ERR_NETWORK_CANNOT_RESET')
    expect(callsOf(core, 'call')).toHaveLength(2)
    expect(session.status).toBe('signed-in')
  })

  it('the answer is not repeated for another caller who rang during the renewal', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    await settle()
    core.sim.expireToken()
    duringTokenRenewal(() => {
      core.sim.remoteHangup()
      core.sim.incomingCall({ from: '13600136000' })
    })
    await expect(call.answerIncoming()).resolves.toBe(false)
    await settle()
    expect(callsOf(core, 'answer')).toHaveLength(1)
    expect(call.state).toBe('incoming')
    expect(call.peer).toBe('13600136000')
  })
})

/** The SDK's next `method` succeeds only when the returned function is called, and reports no event. */
function holdBack(method: 'answer' | 'call' | 'terminate' | 'mute' | 'hold' | 'sendDTMF'): () => void {
  let release: () => void = () => undefined
  vi.spyOn(core.sdk, method).mockImplementationOnce(() => new Promise<void>((resolve) => (release = resolve)))
  return () => release()
}

describe('an SDK that confirms a command but reports nothing, or confirms it late (mutation survivors)', () => {
  it('an answer confirmed without an accepted event still makes the call active, with its answer time and route', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    vi.spyOn(core.sdk, 'answer').mockResolvedValue(undefined)
    await expect(call.answerIncoming()).resolves.toBe(true)
    expect(call.state).toBe('active')
    expect(call.answeredAt).not.toBeNull()
    expect(callsOf(core, 'setAudioRoute')).toHaveLength(1)
    expect(illegalMoves()).toEqual([])
  })

  it('an answer confirmed after the caller left and another rang does not answer the new caller', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    const release = holdBack('answer')
    const answering = call.answerIncoming()
    await settle()
    core.sim.remoteHangup()
    core.sim.incomingCall({ from: '13600136000' })
    release()
    await answering
    expect(call.state).toBe('incoming')
    expect(call.peer).toBe('13600136000')
    expect(call.answeredAt).toBeNull()
    expect(illegalMoves()).toEqual([])
  })

  it('a reject confirmed without the end reported still ends the call as rejected by the agent', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    vi.spyOn(core.sdk, 'terminate').mockResolvedValue(undefined)
    await expect(call.rejectIncoming()).resolves.toBe(true)
    expect(call.state).toBe('ended')
    expect(call.endReason).toBe('local-bye')
    expect(useHistoryStore().records).toEqual([expect.objectContaining({ outcome: 'rejected', endReason: 'local-bye' })])
    expect(illegalMoves()).toEqual([])
  })

  it('a reject confirmed after the caller left and another rang leaves the new caller ringing', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    const release = holdBack('terminate')
    const rejecting = call.rejectIncoming()
    core.sim.remoteHangup()
    core.sim.incomingCall({ from: '13600136000' })
    release()
    await expect(rejecting).resolves.toBe(true)
    expect(call.state).toBe('incoming')
    expect(call.peer).toBe('13600136000')
    expect(illegalMoves()).toEqual([])
  })

  it.each(['ringing', 'active'] as const)('a hang-up while %s, confirmed without the end reported, still ends the call and cancels nothing later', async (state) => {
    const terminate = vi.spyOn(core.sdk, 'terminate').mockResolvedValue(undefined)
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    if (state === 'active') core.sim.answerOutbound()
    expect(call.state).toBe(state)
    await expect(call.hangUp()).resolves.toBe(true)
    expect(call.state).toBe('ended')
    expect(call.endReason).toBe('local-bye')
    expect(illegalMoves()).toEqual([])
    // Not a dial cancelled before its session: an outbound session reported later is left alone.
    call.applyEvent({ type: 'newSession', sessionId: 'elsewhere-1', direction: 'out', peer: '13800138000' })
    await settle()
    expect(terminate).toHaveBeenCalledTimes(1)
  })

  it('a hang-up confirmed after the call ended and the next one was placed leaves the next call alone', async () => {
    const call = await activeCall()
    const release = holdBack('terminate')
    const hanging = call.hangUp()
    core.sim.remoteHangup()
    await expect(call.placeCall({ to: '13900139000' })).resolves.toBe(true)
    release()
    await expect(hanging).resolves.toBe(true)
    expect(call.state).toBe('ringing')
    expect(call.peer).toBe('13900139000')
    expect(illegalMoves()).toEqual([])
  })

  it('a dial hung up before the SDK reported its session ends that session when it is reported', async () => {
    const release = holdBack('call')
    const call = useCallStore()
    const placing = call.placeCall({ to: '13800138000' })
    await settle()
    expect(call.state).toBe('dialing')
    await expect(call.hangUp()).resolves.toBe(true)
    expect(call.state).toBe('ended')
    call.applyEvent({ type: 'newSession', sessionId: 'late-1', direction: 'out', peer: '13800138000' })
    await settle()
    expect(callsOf(core, 'terminate')).toHaveLength(1)
    release()
    await placing
    expect(call.state).toBe('ended')
  })

  type Call = ReturnType<typeof useCallStore>
  const lateCommands: Array<['mute' | 'hold' | 'sendDTMF', (call: Call) => Promise<boolean>, (call: Call) => unknown]> = [
    ['mute', (call) => call.toggleMute(), (call) => call.muted],
    ['hold', (call) => call.toggleHold(), (call) => call.held],
    ['sendDTMF', (call) => call.sendDigit('5'), (call) => call.dtmfSent],
  ]
  it.each(lateCommands)('a %s confirmed after the call ended does not touch the next call', async (method, act, shown) => {
    const call = await activeCall()
    const before = shown(call)
    const release = holdBack(method)
    const acting = act(call)
    core.sim.remoteHangup()
    await call.placeCall({ to: '13900139000' })
    release()
    await acting
    expect(call.peer).toBe('13900139000')
    expect(shown(call)).toEqual(before)
  })
})

describe('mute, hold, DTMF, transfer and close guards (mutation survivors)', () => {
  // Mute while the outbound call rings: src/store/callSdkDocumented.test.ts.
  it.each([
    ['mute', 'toggleMute', 'muted', 'unmute'],
    ['hold', 'toggleHold', 'held', 'unhold'],
  ] as const)('two %s taps at once %s once', async (verb, action, flag, undo) => {
    const call = await activeCall()
    const first = call[action]()
    await expect(call[action]()).resolves.toBe(false)
    await expect(first).resolves.toBe(true)
    expect(call[flag]).toBe(true)
    expect(methods(core).filter((m) => m === verb || m === undo)).toEqual([verb])
  })

  it('a digit the SDK took resolves true', async () => {
    const call = await activeCall()
    await expect(call.sendDigit('5')).resolves.toBe(true)
  })

  it('hold is refused without an active call, without asking the SDK', async () => {
    const call = useCallStore()
    await expect(call.toggleHold()).resolves.toBe(false)
    await call.placeCall({ to: '13800138000' })
    await expect(call.toggleHold()).resolves.toBe(false)
    expect(methods(core)).not.toContain('hold')
    expect(call.held).toBe(false)
    expect(call.error).toBeNull()
  })

  it('an empty transfer target is refused with its reason, without asking the SDK', async () => {
    const call = await activeCall()
    await expect(call.transferCall({ userId: '  ' })).resolves.toBe(false)
    expect(call.error?.symbol).toBe('INVALID_NUMBER')
    expect(call.error?.detail).toBe('empty transfer target')
    expect(methods(core)).not.toContain('transfer')
    expect(call.state).toBe('active')
  })

  it('two transfer taps at once transfer once', async () => {
    const call = await activeCall()
    const first = call.transferCall({ userId: 'agent2@example.com' })
    await expect(call.transferCall({ userId: 'agent2@example.com' })).resolves.toBe(false)
    await expect(first).resolves.toBe(true)
    expect(callsOf(core, 'transfer')).toEqual([[{ userId: 'agent2@example.com' }]])
  })

  it('closing with no call changes nothing and asks the machine for no illegal move', () => {
    const call = useCallStore()
    call.close()
    expect(call.state).toBe('idle')
    expect(illegalMoves()).toEqual([])
  })

  it('closing the ended call clears its number, remark and direction', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000', remark: 'Alice' })
    await call.hangUp()
    call.close()
    expect(call.state).toBe('idle')
    expect(call.peer).toBe('')
    expect(call.remark).toBe('')
    expect(call.direction).toBeNull()
  })

  it('signing out when neither the hang-up nor the SDK logout worked leaves the live call as it is', async () => {
    const call = await activeCall()
    core.sim.failNext('terminate', -10004)
    core.sim.failNext('logout', -10004)
    await useSessionStore().signOut()
    expect(call.state).toBe('active')
    expect(illegalMoves()).toEqual([])
  })
})
