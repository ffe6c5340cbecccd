/**
 * The simulated TCCC's commands from checkLogin to stopRinging, pinned where the surviving
 * mutants of issue 13 showed the platform tests let them change unseen (docs/mutation/simulated-2.md).
 */
import { describe, expect, it } from 'vitest'
import { rejection } from '../__tests__/rejection'
import { RING_TIMEOUT_MS, STATS_INTERVAL_MS } from './index'
import { audioContexts, clock, ended, events, sdk, seats, setUpSimulated, signIn, types, USER } from './__tests__/harness'

setUpSimulated()

/** Runs `command` with `failNext(method, 12345)` armed: it rejects with that code, once. */
async function failsOnce(method: string, command: () => Promise<void>): Promise<void> {
  sdk.sim.failNext(method, 12345)
  const err = await rejection(command())
  expect(err).toMatchObject({ symbol: 'UNKNOWN', code: 12345, detail: `simulated failure of ${method}` })
}

describe('failNext on checkLogin, logout, answer, terminate, sendDTMF and the audio commands (mutation survivors)', () => {
  it('checkLogin rejects with the injected code once, then succeeds', async () => {
    await signIn()
    await failsOnce('checkLogin', () => sdk.checkLogin())
    await expect(sdk.checkLogin()).resolves.toBeUndefined()
  })

  it('a failed logout keeps the agent signed in and the seat free', async () => {
    await signIn()
    await failsOnce('logout', () => sdk.logout())
    await Promise.resolve()
    await expect(sdk.checkLogin()).resolves.toBeUndefined()
    expect(seats.map((e) => e.status)).toEqual(['free'])
  })

  it('a failed answer leaves the call ringing; the next answer connects it', async () => {
    await signIn()
    const id = sdk.sim.incomingCall({ from: '13900139000' })
    await failsOnce('answer', () => sdk.answer())
    await Promise.resolve()
    expect(types()).toEqual(['newSession'])
    await sdk.answer()
    expect(events.at(-1)).toEqual({ type: 'accepted', sessionId: id })
  })

  it('a failed terminate leaves the call up', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    await failsOnce('terminate', () => sdk.terminate())
    await Promise.resolve()
    expect(ended()).toEqual([])
    expect(sdk.sim.answerOutbound()).toBe(true)
  })

  it('sendDTMF and setAudioRoute reject with the injected code', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    await failsOnce('sendDTMF', () => sdk.sendDTMF('1'))
    await expect(sdk.sendDTMF('1')).resolves.toBeUndefined()
    await failsOnce('setAudioRoute', () => sdk.setAudioRoute('speakerphone'))
    await expect(sdk.setAudioRoute('speakerphone')).resolves.toBeUndefined()
  })

  it('a failed startRinging plays nothing; a failed stopRinging keeps it ringing', async () => {
    await failsOnce('startRinging', () => sdk.startRinging('/static/ringtone.wav'))
    expect(audioContexts()).toEqual([])
    await sdk.startRinging('/static/ringtone.wav')
    const [audio] = audioContexts()
    await failsOnce('stopRinging', () => sdk.stopRinging())
    expect(audio.stop).not.toHaveBeenCalled()
    await sdk.stopRinging()
    expect(audio.stop).toHaveBeenCalledTimes(1)
  })
})

describe('the log and logout (mutation survivors)', () => {
  it('logs logout, answer, mute, unmute, startRinging and stopRinging with their arguments', async () => {
    await signIn()
    sdk.sim.incomingCall({ from: '13900139000' })
    await sdk.answer()
    await sdk.mute()
    await sdk.unmute()
    await sdk.startRinging('/static/ringtone.wav')
    await sdk.stopRinging()
    await sdk.logout()
    expect(sdk.sim.log().slice(1)).toEqual([
      { method: 'answer', args: [] },
      { method: 'mute', args: [] },
      { method: 'unmute', args: [] },
      { method: 'startRinging', args: ['/static/ringtone.wav'] },
      { method: 'stopRinging', args: [] },
      { method: 'logout', args: [] },
    ])
  })

  it('reports the seat offline once: not for a logout before any login, nor for a second logout', async () => {
    await sdk.logout()
    await Promise.resolve()
    expect(seats).toEqual([])
    await signIn()
    await sdk.logout()
    await sdk.logout()
    await Promise.resolve()
    expect(seats.map((e) => e.status)).toEqual(['free', 'offline'])
  })
})

describe('call and callSeat (mutation survivors)', () => {
  it('says why a call is refused: a call in progress, a bad callee, a bad caller number', async () => {
    await signIn()
    expect(await rejection(sdk.call({ to: 'abc' }))).toMatchObject({ code: 20003, detail: 'bad callee' })
    expect(await rejection(sdk.call({ to: '10086', callerNumber: 'main' }))).toMatchObject({ code: 20003, detail: 'bad caller number' })
    await sdk.call({ to: '10086' })
    expect(await rejection(sdk.call({ to: '10010' }))).toMatchObject({ code: -10004, detail: 'a call is in progress' })
    expect(await rejection(sdk.callSeat({ userId: 'agent2@example.com' }))).toMatchObject({ code: -10004, detail: 'a call is in progress' })
  })

  it('a newSession without a remark has no remark key at all (call and callSeat)', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    await sdk.terminate()
    await sdk.callSeat({ userId: 'agent2@example.com' })
    const sessions = events.filter((e) => e.type === 'newSession')
    expect(sessions).toHaveLength(2)
    for (const session of sessions) expect(Object.keys(session)).toEqual(['type', 'sessionId', 'direction', 'peer'])
  })

  it('an auto-answer delay at or past the ring timeout sets no timer: the call just times out', async () => {
    await signIn()
    for (const delay of [RING_TIMEOUT_MS, RING_TIMEOUT_MS * 2]) {
      sdk.sim.autoAnswerMs(delay)
      await sdk.call({ to: '10086' })
      // Only the ring timeout is pending, no auto-answer that could never come first.
      expect(clock.pendingTimers()).toBe(1)
      clock.advance(RING_TIMEOUT_MS)
      expect(ended().at(-1)).toMatchObject({ reason: 'timeout' })
      expect(clock.pendingTimers()).toBe(0)
    }
    expect(types()).not.toContain('accepted')
  })

  it('neverAnswer("call") also loses the callback of callSeat: only the call deadline ends it', async () => {
    await signIn()
    sdk.sim.neverAnswer('call')
    let settled = false
    const result = sdk.callSeat({ userId: 'agent2@example.com' }).finally(() => {
      settled = true
    })
    clock.advance(1_000)
    await Promise.resolve()
    expect(settled).toBe(false)
    expect(types()).toEqual([])
    clock.advance(60_000)
    expect((await rejection(result)).symbol).toBe('SDK_NO_RESPONSE')
  })

  it('callSeat rejects -10002 with an expired token and 408 while the connection is down', async () => {
    await signIn()
    sdk.sim.dropConnection()
    expect((await rejection(sdk.callSeat({ userId: 'agent2@example.com' }))).code).toBe(408)
    sdk.sim.restoreConnection()
    sdk.sim.expireToken()
    expect((await rejection(sdk.callSeat({ userId: 'agent2@example.com' }))).code).toBe(-10002)
    await Promise.resolve()
    expect(types()).not.toContain('newSession')
  })

  it('callSeat trims the account, refuses a non-text one, and says why', async () => {
    await signIn()
    expect(await rejection(sdk.callSeat({ userId: 42 as unknown as string }))).toMatchObject({ symbol: 'INVALID_NUMBER', detail: 'bad seat account' })
    expect(await rejection(sdk.callSeat({ userId: 'no spaces' }))).toMatchObject({ symbol: 'INVALID_NUMBER', detail: 'bad seat account' })
    expect(await rejection(sdk.callSeat({ userId: ` ${USER} ` }))).toMatchObject({ symbol: 'INVALID_NUMBER', detail: 'cannot call your own seat' })
    await sdk.callSeat({ userId: '  agent2@example.com ' })
    expect(events).toEqual([{ type: 'newSession', sessionId: 'sim-1', direction: 'out', peer: 'agent2@example.com' }])
  })
})

describe('answer, terminate and mute (mutation survivors)', () => {
  it('answer rejects -10002 with an expired token and 408 while the connection is down; the call keeps ringing', async () => {
    await signIn()
    sdk.sim.incomingCall({ from: '13900139000' })
    sdk.sim.dropConnection()
    expect((await rejection(sdk.answer())).code).toBe(408)
    sdk.sim.restoreConnection()
    sdk.sim.expireToken()
    expect((await rejection(sdk.answer())).code).toBe(-10002)
    await Promise.resolve()
    expect(types()).not.toContain('accepted')
  })

  it('answer refuses an outbound call still ringing and an incoming call already answered', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    expect((await rejection(sdk.answer())).symbol).toBe('NO_INCOMING_CALL')
    await sdk.terminate()
    sdk.sim.incomingCall({ from: '13900139000' })
    await sdk.answer()
    expect((await rejection(sdk.answer())).symbol).toBe('NO_INCOMING_CALL')
    await Promise.resolve()
    expect(types().filter((t) => t === 'accepted')).toHaveLength(1)
  })

  it('hanging up anything but a ringing incoming call is "Hung up by the agent"', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    await sdk.terminate()
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    await sdk.terminate()
    sdk.sim.incomingCall({ from: '13900139000' })
    await sdk.answer()
    await sdk.terminate()
    expect(ended().map((e) => [e.reason, e.message])).toEqual([
      ['local-bye', 'Hung up by the agent'],
      ['local-bye', 'Hung up by the agent'],
      ['local-bye', 'Hung up by the agent'],
    ])
  })

  it('mute is refused while an incoming call rings and works once it is answered (volume 0)', async () => {
    await signIn()
    sdk.sim.incomingCall({ from: '13900139000' })
    expect((await rejection(sdk.mute())).symbol).toBe('NO_ACTIVE_CALL')
    expect((await rejection(sdk.unmute())).symbol).toBe('NO_ACTIVE_CALL')
    await sdk.answer()
    await sdk.mute()
    clock.advance(STATS_INTERVAL_MS)
    expect(events.at(-1)).toEqual({ type: 'audioVolume', userId: USER, volume: 0 })
  })
})

describe('sendDTMF and setAudioRoute (mutation survivors)', () => {
  it('sendDTMF rejects 408 while the connection is down, names a bad digit, and rejects -10002 once the token expired', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    sdk.sim.dropConnection()
    expect((await rejection(sdk.sendDTMF('1'))).code).toBe(408)
    sdk.sim.restoreConnection()
    expect(await rejection(sdk.sendDTMF('a'))).toMatchObject({ symbol: 'INVALID_DTMF', detail: 'digit "a"' })
    sdk.sim.expireToken()
    expect((await rejection(sdk.sendDTMF('1'))).code).toBe(-10002)
  })

  it('setAudioRoute refuses a route other than speakerphone or earpiece, naming it', async () => {
    expect(await rejection(sdk.setAudioRoute('bluetooth' as never))).toMatchObject({ symbol: 'UNSUPPORTED_ON_PLATFORM', detail: 'route bluetooth' })
  })
})
