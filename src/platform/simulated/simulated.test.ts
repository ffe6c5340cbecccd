import { beforeEach, describe, expect, it } from 'vitest'
import { fn } from 'jest-mock'
import type { TcccError } from '../errors'
import type { TcccEvent } from '../types'
import { rejection } from '../__tests__/rejection'
import {
  createManualClock,
  createSimulatedTccc,
  RING_TIMEOUT_MS,
  simListenerCount,
  STATS_INTERVAL_MS,
} from './index'
import {
  audioContexts,
  clock,
  ended,
  events,
  sdk,
  SDK_APP_ID,
  seats,
  setUpSimulated,
  signIn,
  tokenFor,
  types,
  USER,
} from './__tests__/harness'

setUpSimulated()

describe('login', () => {
  it('accepts a valid mock token for this agent', async () => {
    await expect(signIn()).resolves.toBeUndefined()
    await expect(sdk.checkLogin()).resolves.toBeUndefined()
  })

  it.each([
    ['empty', () => ''],
    ['malformed', () => 'not-a-token'],
    ['bad payload', () => 'sim.!!!.sig'],
    ['another agent', () => tokenFor({ userId: 'agent2@example.com' })],
    ['another app', () => tokenFor({ sdkAppId: 1400000002 })],
    ['expired', () => tokenFor({ exp: Math.floor(clock.now() / 1000) - 1 })],
  ])('rejects -10002 for a %s token', async (_label, token) => {
    const err = await rejection(sdk.login({ sdkAppId: SDK_APP_ID, userId: USER, token: token() }))
    expect(err.code).toBe(-10002)
    expect(err.symbol).toBe('ERR_HTTP_TOKEN_ERROR')
    await expect(rejection(sdk.checkLogin())).resolves.toMatchObject({ code: 400 })
  })

  it('rejects a token that expires while the clock runs', async () => {
    const token = tokenFor({ exp: Math.floor(clock.now() / 1000) + 10 })
    clock.advance(10_000)
    const err = await rejection(sdk.login({ sdkAppId: SDK_APP_ID, userId: USER, token }))
    expect(err.code).toBe(-10002)
  })

  it('rejects 400 "not logged in" before any login and -10005 after logout', async () => {
    for (const op of [() => sdk.checkLogin(), () => sdk.call({ to: '10086' }), () => sdk.answer(), () => sdk.mute(), () => sdk.sendDTMF('1')]) {
      const err = await rejection(op())
      expect(err.code).toBe(400)
      expect(err.symbol).toBe('ERR_SIP_BAD_REQUEST')
      expect(err.detail).toBe('not logged in')
    }
    await signIn()
    await sdk.logout()
    expect((await rejection(sdk.call({ to: '10086' }))).code).toBe(-10005)
    expect((await rejection(sdk.checkLogin())).code).toBe(-10005)
  })

  it('terminate is fire-and-forget like the native one: it resolves logged out too', async () => {
    await expect(sdk.terminate()).resolves.toBeUndefined()
    await signIn()
    await sdk.logout()
    await expect(sdk.terminate()).resolves.toBeUndefined()
    expect(sdk.sim.log().filter((e) => e.method === 'terminate')).toHaveLength(2)
  })

  it('after kick() checkLogin answers 403 (signed in elsewhere) until the next login; other commands -10005', async () => {
    await signIn()
    sdk.sim.kick()
    expect((await rejection(sdk.checkLogin())).code).toBe(403)
    expect((await rejection(sdk.call({ to: '10086' }))).code).toBe(-10005)
    await signIn()
    await expect(sdk.checkLogin()).resolves.toBeUndefined()
    await sdk.logout()
    expect((await rejection(sdk.checkLogin())).code).toBe(-10005)
  })

  it('logout ends the current call and is idempotent', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    await sdk.logout()
    expect(ended()).toEqual([{ type: 'ended', sessionId: 'sim-1', reason: 'local-bye', message: 'Logged out' }])
    await expect(sdk.logout()).resolves.toBeUndefined()
  })
})

describe('event timing', () => {
  it('delivers a command’s events in a microtask, before the awaiting caller resumes', async () => {
    await signIn()
    const pending = sdk.call({ to: '10086' })
    expect(events).toEqual([])
    await pending
    expect(types()).toEqual(['newSession'])
  })

  it('delivers far-end events synchronously, after any queued command events', async () => {
    await signIn()
    void sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    expect(types()).toEqual(['newSession', 'accepted'])
  })

  it('a failed command emits nothing', async () => {
    await signIn()
    await rejection(sdk.call({ to: 'abc' }))
    await Promise.resolve()
    expect(events).toEqual([])
  })

  it('keeps delivering to other listeners when one throws', async () => {
    const consoleError = console.error
    console.error = fn()
    try {
      sdk.subscribe(() => {
        throw new Error('boom')
      })
      await signIn()
      sdk.sim.dropConnection()
      expect(types()).toEqual(['connectionLost'])
    } finally {
      console.error = consoleError
    }
  })
})

describe('outbound calls', () => {
  beforeEach(signIn)

  it('call -> newSession(out) -> far end answers -> accepted', async () => {
    await sdk.call({ to: '13800138000', remark: 'Alice' })
    expect(events).toEqual([{ type: 'newSession', sessionId: 'sim-1', direction: 'out', peer: '13800138000', remark: 'Alice' }])
    expect(sdk.sim.answerOutbound()).toBe(true)
    expect(events[1]).toEqual({ type: 'accepted', sessionId: 'sim-1' })
  })

  it('omits remark when none was given', async () => {
    await sdk.call({ to: '10086' })
    expect(events[0]).toEqual({ type: 'newSession', sessionId: 'sim-1', direction: 'out', peer: '10086' })
  })

  it('far end rejects -> ended rejected', async () => {
    await sdk.call({ to: '10086' })
    expect(sdk.sim.rejectOutbound()).toBe(true)
    expect(ended()).toEqual([{ type: 'ended', sessionId: 'sim-1', reason: 'rejected', message: expect.any(String) }])
  })

  it('agent terminates before answer -> ended local-bye', async () => {
    await sdk.call({ to: '10086' })
    await sdk.terminate()
    expect(ended()[0]).toMatchObject({ sessionId: 'sim-1', reason: 'local-bye' })
  })

  it('no answer within 60 s -> ended timeout', async () => {
    await sdk.call({ to: '10086' })
    clock.advance(RING_TIMEOUT_MS - 1)
    expect(ended()).toEqual([])
    clock.advance(1)
    expect(ended()[0]).toMatchObject({ sessionId: 'sim-1', reason: 'timeout' })
  })

  it('remote hangup during an active call -> remote-bye; terminate while active -> local-bye', async () => {
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    expect(sdk.sim.remoteHangup()).toBe(true)
    expect(ended()[0]).toMatchObject({ reason: 'remote-bye' })
    await sdk.call({ to: '10010' })
    sdk.sim.answerOutbound()
    await sdk.terminate()
    expect(ended()[1]).toMatchObject({ sessionId: 'sim-2', reason: 'local-bye' })
  })

  it('remote hangup while the callee is still ringing counts as rejected', async () => {
    await sdk.call({ to: '10086' })
    sdk.sim.remoteHangup()
    expect(ended()[0]).toMatchObject({ reason: 'rejected' })
  })

  it('an answered call does not time out', async () => {
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    clock.advance(RING_TIMEOUT_MS * 2)
    expect(ended()).toEqual([])
  })

  it('rejects -10004 when calling during a call, and 20003 for a bad number', async () => {
    await sdk.call({ to: '10086' })
    expect((await rejection(sdk.call({ to: '10010' }))).code).toBe(-10004)
    await sdk.terminate()
    expect((await rejection(sdk.call({ to: '' }))).code).toBe(20003)
  })

  it('far-end controls report false when there is nothing to act on', () => {
    expect(sdk.sim.answerOutbound()).toBe(false)
    expect(sdk.sim.rejectOutbound()).toBe(false)
    expect(sdk.sim.remoteHangup()).toBe(false)
    expect(events).toEqual([])
  })

  it('terminate without a call resolves and emits nothing, like the native fire-and-forget terminate()', async () => {
    await expect(sdk.terminate()).resolves.toBeUndefined()
    await Promise.resolve()
    expect(events).toEqual([])
  })

  it('autoAnswerMs answers after the delay; null turns it off', async () => {
    sdk.sim.autoAnswerMs(1500)
    await sdk.call({ to: '10086' })
    clock.advance(1499)
    expect(types()).toEqual(['newSession'])
    clock.advance(1)
    expect(types()).toEqual(['newSession', 'accepted'])
    await sdk.terminate()
    sdk.sim.autoAnswerMs(null)
    await sdk.call({ to: '10086' })
    clock.advance(RING_TIMEOUT_MS)
    expect(ended()[1]).toMatchObject({ sessionId: 'sim-2', reason: 'timeout' })
  })

  it('auto answer does not fire after the call was cancelled', async () => {
    sdk.sim.autoAnswerMs(1000)
    await sdk.call({ to: '10086' })
    await sdk.terminate()
    clock.advance(5000)
    expect(types()).toEqual(['newSession', 'ended'])
  })
})

describe('incoming calls', () => {
  beforeEach(signIn)

  it('incomingCall -> newSession(in) -> answer -> accepted', async () => {
    const id = sdk.sim.incomingCall({ from: '13900139000', remark: 'Bob' })
    expect(events).toEqual([{ type: 'newSession', sessionId: id, direction: 'in', peer: '13900139000', remark: 'Bob' }])
    await sdk.answer()
    expect(events[1]).toEqual({ type: 'accepted', sessionId: id })
  })

  it('the agent rejecting a ringing call (terminate) -> local-bye, as the native SDK reports it', async () => {
    const id = sdk.sim.incomingCall({ from: '13900139000' })
    await sdk.terminate()
    expect(ended()).toEqual([{ type: 'ended', sessionId: id, reason: 'local-bye', message: 'Rejected by the agent' }])
  })

  it('caller gives up (remoteHangup while ringing) -> remote-cancel', () => {
    const id = sdk.sim.incomingCall({ from: '13900139000' })
    sdk.sim.remoteHangup()
    expect(ended()[0]).toMatchObject({ sessionId: id, reason: 'remote-cancel' })
  })

  it('unanswered for 60 s -> timeout', () => {
    const id = sdk.sim.incomingCall({ from: '13900139000' })
    clock.advance(RING_TIMEOUT_MS)
    expect(ended()[0]).toMatchObject({ sessionId: id, reason: 'timeout' })
  })

  it('answer without a ringing incoming call rejects NO_INCOMING_CALL', async () => {
    expect((await rejection(sdk.answer())).symbol).toBe('NO_INCOMING_CALL')
  })

  it('a second incoming call during a call gets its own session and only times out', async () => {
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    const second = sdk.sim.incomingCall({ from: '13900139000' })
    expect(second).not.toBe('sim-1')
    expect(events.filter((e) => e.type === 'newSession')).toHaveLength(2)
    // The agent's commands still act on the first call.
    await sdk.mute()
    expect((await rejection(sdk.answer())).symbol).toBe('NO_INCOMING_CALL')
    clock.advance(RING_TIMEOUT_MS)
    expect(ended()).toEqual([{ type: 'ended', sessionId: second, reason: 'timeout', message: expect.any(String) }])
    await sdk.sendDTMF('5')
    await sdk.terminate()
    expect(ended()[1]).toMatchObject({ sessionId: 'sim-1', reason: 'local-bye' })
  })

  it('refuses to ring an agent who is not logged in', async () => {
    await sdk.logout()
    expect(() => sdk.sim.incomingCall({ from: '1' })).toThrow(/not logged in/)
  })
})

describe('in-call controls', () => {
  beforeEach(async () => {
    await signIn()
    await sdk.call({ to: '10086' })
  })

  it('mute/unmute during a call; refused while it rings and without one', async () => {
    expect((await rejection(sdk.mute())).symbol).toBe('NO_ACTIVE_CALL')
    sdk.sim.answerOutbound()
    await expect(sdk.mute()).resolves.toBeUndefined()
    await expect(sdk.unmute()).resolves.toBeUndefined()
    await sdk.terminate()
    expect((await rejection(sdk.mute())).symbol).toBe('NO_ACTIVE_CALL')
  })

  it('DTMF: only 0-9*# and only while active', async () => {
    expect((await rejection(sdk.sendDTMF('1'))).symbol).toBe('NO_ACTIVE_CALL')
    sdk.sim.answerOutbound()
    for (const digit of ['0', '9', '*', '#']) await expect(sdk.sendDTMF(digit)).resolves.toBeUndefined()
    for (const digit of ['a', '12', '', '+']) expect((await rejection(sdk.sendDTMF(digit))).symbol).toBe('INVALID_DTMF')
  })

  it('setAudioRoute accepts both routes', async () => {
    await expect(sdk.setAudioRoute('speakerphone')).resolves.toBeUndefined()
    await expect(sdk.setAudioRoute('earpiece')).resolves.toBeUndefined()
  })

  it('reports networkQuality and audioVolume every 2 s only while active', () => {
    clock.advance(STATS_INTERVAL_MS * 2)
    expect(types()).toEqual(['newSession'])
    sdk.sim.answerOutbound()
    clock.advance(STATS_INTERVAL_MS)
    expect(events.slice(2)).toEqual([
      { type: 'networkQuality', quality: 2 },
      { type: 'audioVolume', userId: USER, volume: expect.any(Number) },
    ])
    sdk.sim.setNetworkQuality(5)
    expect(events.at(-1)).toEqual({ type: 'networkQuality', quality: 5 })
    clock.advance(STATS_INTERVAL_MS)
    expect(events.filter((e) => e.type === 'networkQuality').map((e) => (e as { quality: number }).quality)).toEqual([2, 5, 5])
    sdk.sim.remoteHangup()
    const count = events.length
    clock.advance(STATS_INTERVAL_MS * 3)
    expect(events).toHaveLength(count)
  })

  it('reports volume 0 while muted', async () => {
    sdk.sim.answerOutbound()
    await sdk.mute()
    clock.advance(STATS_INTERVAL_MS)
    expect(events.at(-1)).toEqual({ type: 'audioVolume', userId: USER, volume: 0 })
  })

  it.each(['networkQuality', 'audioVolume'] as const)('sends nothing after ended when a listener hangs up on a %s tick', async (hangUpOn) => {
    // The same call hung up outside a tick: the timers a finished call leaves (none of them a stats tick).
    sdk.sim.answerOutbound()
    sdk.sim.remoteHangup()
    const armedAfterPlainHangup = clock.pendingTimers()

    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    const unsubscribe = sdk.subscribe((e) => {
      if (e.type === hangUpOn) sdk.sim.remoteHangup()
    })
    clock.advance(STATS_INTERVAL_MS)
    unsubscribe()
    expect(types().slice(-2)).toEqual([hangUpOn, 'ended'])
    expect(clock.pendingTimers()).toBe(armedAfterPlainHangup)
  })

  it('setNetworkQuality refuses values outside 0..6', () => {
    expect(() => sdk.sim.setNetworkQuality(7)).toThrow(RangeError)
    expect(() => sdk.sim.setNetworkQuality(1.5)).toThrow(RangeError)
  })
})

describe('ringing', () => {
  it('startRinging loops the file through an inner audio context; stopRinging stops it', async () => {
    await sdk.startRinging('/static/ringtone.wav')
    const [audio] = audioContexts()
    expect(audio.src).toBe('/static/ringtone.wav')
    expect(audio.loop).toBe(true)
    expect(audio.play).toHaveBeenCalledTimes(1)
    await sdk.stopRinging()
    expect(audio.stop).toHaveBeenCalledTimes(1)
    expect(audio.destroy).toHaveBeenCalledTimes(1)
  })
})

describe('connection, kick and token expiry', () => {
  beforeEach(signIn)

  it('runs the connection cycle', () => {
    sdk.sim.dropConnection()
    sdk.sim.startReconnect()
    sdk.sim.restoreConnection()
    expect(events).toEqual([
      { type: 'connectionLost', server: 'sip' },
      { type: 'reconnecting', server: 'sip' },
      { type: 'connectionRecovered', server: 'sip' },
    ])
  })

  it('kick emits error 403, ends the call, then checkLogin answers 403 and operations -10005', async () => {
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    sdk.sim.kick()
    expect(events.slice(2)).toEqual([
      { type: 'error', code: 403, message: expect.any(String) },
      { type: 'ended', sessionId: 'sim-1', reason: 'error', message: expect.any(String) },
    ])
    expect((await rejection(sdk.checkLogin())).code).toBe(403)
    expect((await rejection(sdk.call({ to: '10086' }))).code).toBe(-10005)
  })

  it('a listener reacting to the 403 already sees the seat taken elsewhere', async () => {
    const seen: number[] = []
    sdk.subscribe((e) => {
      if (e.type === 'error') sdk.checkLogin().catch((err: TcccError) => seen.push(err.code ?? 0))
    })
    sdk.sim.kick()
    await Promise.resolve()
    await Promise.resolve()
    expect(seen).toEqual([403])
  })

  it('expireToken: the next operation and checkLogin reject -10002 until a fresh login', async () => {
    sdk.sim.expireToken()
    expect((await rejection(sdk.call({ to: '10086' }))).code).toBe(-10002)
    expect((await rejection(sdk.checkLogin())).code).toBe(-10002)
    await signIn()
    await expect(sdk.checkLogin()).resolves.toBeUndefined()
  })

  it('expireToken: the server-side setStatus, hold, unhold and transfer reject -10002 too; mute and hang-up stay on the phone', async () => {
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    sdk.sim.expireToken()
    expect((await rejection(sdk.setAgentStatus('rest'))).code).toBe(-10002)
    expect((await rejection(sdk.hold())).code).toBe(-10002)
    expect((await rejection(sdk.unhold())).code).toBe(-10002)
    expect((await rejection(sdk.transfer({ userId: 'agent2@example.com' }))).code).toBe(-10002)
    await expect(sdk.mute()).resolves.toBeUndefined()
    await expect(sdk.terminate()).resolves.toBeUndefined()
  })
})

describe('failNext and the log', () => {
  it('failNext makes only the next call of that method reject with the catalogue error', async () => {
    await signIn()
    sdk.sim.failNext('call', -1317)
    const err = await rejection(sdk.call({ to: '10086' }))
    expect(err.symbol).toBe('ERR_MIC_NOT_AUTHORIZED')
    expect(err.code).toBe(-1317)
    await expect(sdk.call({ to: '10086' })).resolves.toBeUndefined()
  })

  it('failNext with an unknown code keeps the number', async () => {
    sdk.sim.failNext('login', 12345)
    const err = await rejection(sdk.login({ sdkAppId: SDK_APP_ID, userId: USER, token: tokenFor() }))
    expect(err.symbol).toBe('UNKNOWN')
    expect(err.code).toBe(12345)
  })

  it('failNext refuses a method name that does not exist', () => {
    expect(() => sdk.sim.failNext('dial', 1)).toThrow(/unknown method/)
  })

  it('log() lists every SDK call in order with the token redacted', async () => {
    await sdk.login({ sdkAppId: SDK_APP_ID, userId: USER, token: tokenFor(), sdkUrl: 'http://x/mock?token=secret' })
    await sdk.call({ to: '10086', remark: 'r', uui: 'u' })
    await rejection(sdk.sendDTMF('1'))
    await sdk.setAudioRoute('speakerphone')
    await sdk.terminate()
    const log = sdk.sim.log()
    expect(log).toEqual([
      { method: 'login', args: [{ sdkAppId: SDK_APP_ID, userId: USER, token: '<redacted>', sdkUrl: '<redacted>' }] },
      { method: 'call', args: [{ to: '10086', remark: 'r', uui: 'u' }] },
      { method: 'sendDTMF', args: ['1'] },
      { method: 'setAudioRoute', args: ['speakerphone'] },
      { method: 'terminate', args: [] },
    ])
    expect(JSON.stringify(log)).not.toContain('sim.')
    log.length = 0
    expect(sdk.sim.log()).toHaveLength(5)
  })
})

describe('subscription and dispose', () => {
  it('unsubscribe and dispose bring the listener count back to zero', async () => {
    expect(simListenerCount(sdk)).toBe(1)
    const unsubscribe = sdk.subscribe(() => undefined)
    expect(simListenerCount(sdk)).toBe(2)
    unsubscribe()
    expect(simListenerCount(sdk)).toBe(1)
    sdk.dispose()
    expect(simListenerCount(sdk)).toBe(0)
  })

  it('dispose stops timers, ringing and delivery', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    await sdk.startRinging('/static/ringtone.wav')
    const [audio] = audioContexts()
    const before = events.length
    sdk.dispose()
    expect(clock.pendingTimers()).toBe(0)
    expect(audio.stop).toHaveBeenCalled()
    sdk.sim.dropConnection()
    clock.advance(RING_TIMEOUT_MS)
    expect(events).toHaveLength(before)
  })
})

describe('manual clock', () => {
  it('runs due timers in time order, including ones scheduled while advancing', () => {
    const c = createManualClock(1000)
    const order: string[] = []
    c.setTimeout(() => order.push(`b@${c.now()}`), 20)
    c.setTimeout(() => {
      order.push(`a@${c.now()}`)
      c.setTimeout(() => order.push(`c@${c.now()}`), 5)
    }, 10)
    const cancelled = c.setTimeout(() => order.push('never'), 15)
    c.clearTimeout(cancelled)
    c.advance(30)
    expect(order).toEqual(['a@1010', 'c@1015', 'b@1020'])
    expect(c.now()).toBe(1030)
    expect(c.pendingTimers()).toBe(0)
  })
})

describe('injected failures from the device and the network', () => {
  it.each(['login', 'checkLogin', 'logout', 'call', 'answer', 'sendDTMF'] as const)(
    'neverAnswer(%s): the callback never comes, the deadline rejects SDK_NO_RESPONSE',
    async (method) => {
      await signIn()
      sdk.sim.incomingCall({ from: '13900139000' })
      if (method === 'sendDTMF') await sdk.answer()
      sdk.sim.neverAnswer(method)
      const run = {
        login: () => sdk.login({ sdkAppId: SDK_APP_ID, userId: USER, token: tokenFor() }),
        checkLogin: () => sdk.checkLogin(),
        logout: () => sdk.logout(),
        call: () => sdk.call({ to: '10086' }),
        answer: () => sdk.answer(),
        sendDTMF: () => sdk.sendDTMF('1'),
      }[method]
      let settled = false
      const result = run().finally(() => {
        settled = true
      })
      clock.advance(1_000)
      await Promise.resolve()
      expect(settled).toBe(false)
      clock.advance(60_000)
      const error = await rejection(result)
      expect(error.symbol).toBe('SDK_NO_RESPONSE')
      // Only the next call is lost.
      if (method === 'checkLogin') await expect(sdk.checkLogin()).resolves.toBeUndefined()
    },
  )

  it('neverAnswer refuses a command without a callback', () => {
    expect(() => sdk.sim.neverAnswer('terminate')).toThrow(/no callback/)
  })

  it('deviceError with a microphone code reports onError and keeps the call', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    sdk.sim.deviceError(-1317)
    expect(events.at(-1)).toEqual({ type: 'error', code: -1317, message: expect.any(String) })
    expect(ended()).toEqual([])
  })

  it.each([-3301, -3307, -3308])('deviceError %i (media) reports onError, then the call ends with error', async (code) => {
    await signIn()
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    sdk.sim.deviceError(code)
    expect(types().slice(-2)).toEqual(['error', 'ended'])
    expect(ended()[0]).toMatchObject({ sessionId: 'sim-1', reason: 'error' })
  })

  it('while the connection is down, server commands reject 408; hang-up and mute still work', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    sdk.sim.dropConnection()
    expect((await rejection(sdk.checkLogin())).code).toBe(408)
    expect((await rejection(sdk.sendDTMF('1'))).code).toBe(408)
    await expect(sdk.mute()).resolves.toBeUndefined()
    await expect(sdk.terminate()).resolves.toBeUndefined()
    expect((await rejection(sdk.call({ to: '10086' }))).code).toBe(408)
    sdk.sim.startReconnect()
    expect((await rejection(sdk.checkLogin())).code).toBe(408)
    sdk.sim.restoreConnection()
    await expect(sdk.checkLogin()).resolves.toBeUndefined()
  })
})

describe('seat status, hold and transfer', () => {
  it('login frees the seat, an active call makes it busy, its end frees it, logout takes it offline', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    await sdk.terminate()
    await sdk.logout()
    await Promise.resolve()
    expect(seats.map((e) => e.status)).toEqual(['free', 'busy', 'free', 'offline'])
  })

  it('setAgentStatus is logged as setStatus with the rest reason, and reported back', async () => {
    await signIn()
    await sdk.setAgentStatus('rest', 'lunch')
    await sdk.setAgentStatus('free', 'ignored')
    await Promise.resolve()
    expect(seats.slice(-2)).toEqual([
      { type: 'agentStatus', status: 'rest', restReason: 'lunch' },
      { type: 'agentStatus', status: 'free' },
    ])
    expect(sdk.sim.log().filter((e) => e.method === 'setStatus').map((e) => e.args)).toEqual([
      [{ status: 'rest', restReason: 'lunch' }],
      [{ status: 'free', restReason: 'ignored' }],
    ])
  })

  it('sim.setAgentStatus is the contact center changing the status', async () => {
    await signIn()
    sdk.sim.setAgentStatus('arrange')
    expect(seats.at(-1)).toEqual({ type: 'agentStatus', status: 'arrange' })
    expect(() => sdk.sim.setAgentStatus('dancing' as never)).toThrow(RangeError)
  })

  it('hold and unhold need the active call; transfer ends it here as local-bye', async () => {
    await signIn()
    expect((await rejection(sdk.hold())).symbol).toBe('NO_ACTIVE_CALL')
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    await sdk.hold()
    await sdk.unhold()
    await sdk.transfer({ userId: 'agent2@example.com' })
    await Promise.resolve()
    expect(ended()).toEqual([{ type: 'ended', sessionId: 'sim-1', reason: 'local-bye', message: 'Transferred to agent2@example.com' }])
    expect(sdk.sim.log().map((e) => e.method).slice(-3)).toEqual(['hold', 'unhold', 'transfer'])
    expect(sdk.sim.log().at(-1)?.args).toEqual([{ userId: 'agent2@example.com' }])
  })

  it('declares hold, transfer, agent status, internal calls and the caller number among its capabilities', () => {
    expect(sdk.capabilities).toMatchObject({ hold: true, transfer: true, agentStatus: true, agentStatusViaBackend: false, internalCall: true, callerNumber: true })
  })

  it("in 'backend' mode it is like tccc-sdk-uniapp: no seat status events, setAgentStatus refused", async () => {
    const app = createSimulatedTccc({ clock, agentStatusVia: 'backend' })
    const seen: TcccEvent[] = []
    app.subscribe((e) => seen.push(e))
    expect(app.capabilities).toMatchObject({ agentStatus: false, agentStatusViaBackend: true })
    await app.login({ sdkAppId: SDK_APP_ID, userId: USER, token: tokenFor() })
    await app.call({ to: '10086' })
    app.sim.answerOutbound()
    app.sim.setAgentStatus('rest')
    await app.terminate()
    await Promise.resolve()
    expect(seen.filter((e) => e.type === 'agentStatus')).toEqual([])
    expect((await rejection(app.setAgentStatus('free'))).symbol).toBe('UNSUPPORTED_ON_PLATFORM')
    app.dispose()
  })
})

describe('internal calls and the caller number', () => {
  it('callSeat rings the colleague like an outbound call; the far end answers and hangs up', async () => {
    await signIn()
    await sdk.callSeat({ userId: 'agent2@example.com' })
    await Promise.resolve()
    expect(events.filter((e) => e.type === 'newSession')).toEqual([{ type: 'newSession', sessionId: 'sim-1', direction: 'out', peer: 'agent2@example.com' }])
    expect(sdk.sim.answerOutbound()).toBe(true)
    expect(sdk.sim.remoteHangup()).toBe(true)
    expect(ended()).toEqual([{ type: 'ended', sessionId: 'sim-1', reason: 'remote-bye', message: 'Hung up by the other side' }])
    expect(sdk.sim.log().filter((e) => e.method === 'callSeat')).toEqual([{ method: 'callSeat', args: [{ userId: 'agent2@example.com' }] }])
  })

  it('callSeat refuses your own seat, a malformed account, a second call, and before login', async () => {
    expect((await rejection(sdk.callSeat({ userId: 'agent2@example.com' }))).code).toBe(400)
    await signIn()
    expect((await rejection(sdk.callSeat({ userId: USER }))).symbol).toBe('INVALID_NUMBER')
    expect((await rejection(sdk.callSeat({ userId: 'no spaces allowed' }))).symbol).toBe('INVALID_NUMBER')
    await sdk.call({ to: '10086' })
    expect((await rejection(sdk.callSeat({ userId: 'agent2@example.com' }))).code).toBe(-10004)
    sdk.sim.failNext('callSeat', 402)
    await sdk.terminate()
    expect((await rejection(sdk.callSeat({ userId: 'agent2@example.com' }))).code).toBe(402)
  })

  it('logs the caller number with the call and refuses one that is not a number', async () => {
    await signIn()
    await sdk.call({ to: '10086', callerNumber: '075512345678' })
    expect(sdk.sim.log().filter((e) => e.method === 'call').map((e) => e.args)).toEqual([[{ to: '10086', callerNumber: '075512345678' }]])
    await sdk.terminate()
    expect((await rejection(sdk.call({ to: '10086', callerNumber: 'main line' }))).code).toBe(20003)
  })
})
