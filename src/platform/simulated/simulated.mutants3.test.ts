/**
 * Mutation survivors of src/platform/simulated/index.ts from line 563 on (issue 13,
 * docs/mutation/simulated-3.md): seat status, hold/transfer, dispose and the far-end controls
 * (`window.__tcccSim`), with the exact errors, messages and events the app and the journeys see.
 */
import { describe, expect, it } from 'vitest'
import { rejection } from '../__tests__/rejection'
import { createSimulatedTccc, SIM_SDK_VERSION, STATS_INTERVAL_MS } from './index'
import { clock, ended, events, sdk, seats, setUpSimulated, signIn, types } from './__tests__/harness'

setUpSimulated()

/** Lets a command's queued events reach the listeners. */
async function flushed(): Promise<void> {
  await Promise.resolve()
}

/** The last `audioVolume` the simulator reported after one more stats tick. */
function nextVolume(): number | undefined {
  clock.advance(STATS_INTERVAL_MS)
  const last = events.filter((e) => e.type === 'audioVolume').at(-1)
  return last?.type === 'audioVolume' ? last.volume : undefined
}

async function answeredCall(): Promise<void> {
  await signIn()
  await sdk.call({ to: '10086' })
  sdk.sim.answerOutbound()
}

describe('setAgentStatus (mutation survivors)', () => {
  it("in 'backend' mode the refusal says the backend sets the seat status", async () => {
    const app = createSimulatedTccc({ clock, agentStatusVia: 'backend' })
    const err = await rejection(app.setAgentStatus('free'))
    expect(err.symbol).toBe('UNSUPPORTED_ON_PLATFORM')
    expect(err.detail).toBe('seat status is set through the backend on this platform')
    app.dispose()
  })

  it('needs a login: 400 before the first one, nothing reported', async () => {
    const err = await rejection(sdk.setAgentStatus('rest', 'lunch'))
    expect(err.code).toBe(400)
    expect(err.detail).toBe('not logged in')
    await flushed()
    expect(seats).toEqual([])
  })

  it('needs the server: 408 while the connection is down, the seat stays as it was', async () => {
    await signIn()
    sdk.sim.dropConnection()
    const err = await rejection(sdk.setAgentStatus('rest'))
    expect(err.code).toBe(408)
    await flushed()
    expect(seats.map((e) => e.status)).toEqual(['free'])
  })

  it('failNext("setStatus") makes the next setAgentStatus fail with that code', async () => {
    await signIn()
    sdk.sim.failNext('setStatus', 402)
    expect((await rejection(sdk.setAgentStatus('busy'))).code).toBe(402)
    await expect(sdk.setAgentStatus('busy')).resolves.toBeUndefined()
  })

  it.each(['free', 'rest', 'arrange', 'busy'] as const)('accepts %s and reports it', async (status) => {
    await signIn()
    await sdk.setAgentStatus(status)
    await flushed()
    expect(seats.at(-1)).toEqual({ type: 'agentStatus', status })
  })

  it('refuses a status the agent cannot set (offline, unknown) with UNSUPPORTED_ON_PLATFORM naming it', async () => {
    await signIn()
    for (const status of ['offline', 'dancing']) {
      const err = await rejection(sdk.setAgentStatus(status as never))
      expect(err.symbol).toBe('UNSUPPORTED_ON_PLATFORM')
      expect(err.detail).toBe(`status ${status}`)
    }
    await flushed()
    expect(seats.map((e) => e.status)).toEqual(['free'])
  })
})

describe('hold, unhold and transfer (mutation survivors)', () => {
  it('hold needs a login (400) and the server (408)', async () => {
    expect((await rejection(sdk.hold())).code).toBe(400)
    await answeredCall()
    sdk.sim.dropConnection()
    expect((await rejection(sdk.unhold())).code).toBe(408)
    expect((await rejection(sdk.transfer({ userId: 'agent2@example.com' }))).code).toBe(408)
    expect(ended()).toEqual([])
  })

  it('hold is refused while the call still rings', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    expect((await rejection(sdk.hold())).symbol).toBe('NO_ACTIVE_CALL')
  })

  it('logs hold and unhold without arguments', async () => {
    await answeredCall()
    await sdk.hold()
    await sdk.unhold()
    expect(sdk.sim.log().slice(-2)).toEqual([
      { method: 'hold', args: [] },
      { method: 'unhold', args: [] },
    ])
  })

  it('transfer without an active call rejects NO_ACTIVE_CALL and ends nothing', async () => {
    await signIn()
    expect((await rejection(sdk.transfer({ userId: 'agent2@example.com' }))).symbol).toBe('NO_ACTIVE_CALL')
    await flushed()
    expect(events).toEqual([])
  })

  it('transfer to an empty target rejects INVALID_NUMBER and keeps the call', async () => {
    await answeredCall()
    const err = await rejection(sdk.transfer({ userId: '' }))
    expect(err.symbol).toBe('INVALID_NUMBER')
    expect(err.detail).toBe('empty transfer target')
    await flushed()
    expect(ended()).toEqual([])
  })
})

describe('mute and unmute (mutation survivors)', () => {
  it('are logged under their own names and failNext reaches each', async () => {
    await answeredCall()
    sdk.sim.failNext('mute', 402)
    expect((await rejection(sdk.mute())).code).toBe(402)
    sdk.sim.failNext('unmute', 402)
    expect((await rejection(sdk.unmute())).code).toBe(402)
    expect(sdk.sim.log().slice(-2).map((e) => e.method)).toEqual(['mute', 'unmute'])
  })
})

describe('version and dispose (mutation survivors)', () => {
  it('reports the simulator version', () => {
    expect(sdk.version()).toBe(SIM_SDK_VERSION)
  })

  it('dispose clears the timers of a call still ringing, and no call can ring afterwards', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    sdk.dispose()
    expect(clock.pendingTimers()).toBe(0)
    expect(() => sdk.sim.incomingCall({ from: '13900139000' })).toThrow(new Error('simulator: disposed'))
  })
})

describe('far-end controls (mutation survivors)', () => {
  it('an incoming call without a remark sends no remark key', async () => {
    await signIn()
    const id = sdk.sim.incomingCall({ from: '13900139000' })
    expect(events).toStrictEqual([{ type: 'newSession', sessionId: id, direction: 'in', peer: '13900139000' }])
  })

  it('answerOutbound and rejectOutbound leave a ringing incoming call alone', async () => {
    await signIn()
    sdk.sim.incomingCall({ from: '13900139000' })
    expect(sdk.sim.answerOutbound()).toBe(false)
    expect(sdk.sim.rejectOutbound()).toBe(false)
    expect(types()).toEqual(['newSession'])
  })

  it('answerOutbound and rejectOutbound leave an answered outbound call alone', async () => {
    await answeredCall()
    expect(sdk.sim.answerOutbound()).toBe(false)
    expect(sdk.sim.rejectOutbound()).toBe(false)
    expect(types()).toEqual(['newSession', 'accepted'])
  })

  it('rejectOutbound ends the call "Rejected by the callee"', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    sdk.sim.rejectOutbound()
    expect(ended()).toEqual([{ type: 'ended', sessionId: 'sim-1', reason: 'rejected', message: 'Rejected by the callee' }])
  })

  it('remoteHangup says why: the caller gave up, or the callee rejected', async () => {
    await signIn()
    const id = sdk.sim.incomingCall({ from: '13900139000' })
    sdk.sim.remoteHangup()
    await sdk.call({ to: '10086' })
    sdk.sim.remoteHangup()
    expect(ended()).toEqual([
      { type: 'ended', sessionId: id, reason: 'remote-cancel', message: 'The caller gave up' },
      { type: 'ended', sessionId: 'sim-2', reason: 'rejected', message: 'Rejected by the callee' },
    ])
  })

  it('autoAnswerMs takes 0 (answer at once) and refuses negative or not-a-number delays', async () => {
    expect(() => sdk.sim.autoAnswerMs(-1)).toThrow(new RangeError('autoAnswerMs needs ms >= 0 or null, got -1'))
    expect(() => sdk.sim.autoAnswerMs(Number.NaN)).toThrow(RangeError)
    sdk.sim.autoAnswerMs(0)
    await signIn()
    await sdk.call({ to: '10086' })
    clock.advance(0)
    expect(types()).toEqual(['newSession', 'accepted'])
  })

  it('kick tells why, and takes a signed-in seat offline', async () => {
    await answeredCall()
    sdk.sim.kick()
    expect(events.slice(2)).toEqual([
      { type: 'error', code: 403, message: 'Signed in on another device' },
      { type: 'ended', sessionId: 'sim-1', reason: 'error', message: 'Signed in on another device' },
    ])
    expect(seats.map((e) => e.status)).toEqual(['free', 'busy', 'offline'])
  })

  it('kick reports no seat change when the seat is already offline', async () => {
    sdk.sim.kick()
    await signIn()
    sdk.sim.setAgentStatus('offline')
    sdk.sim.kick()
    await flushed()
    expect(seats.map((e) => e.status)).toEqual(['free', 'offline'])
    expect(types()).toEqual(['error', 'error'])
  })

  it('setNetworkQuality names the bad value, and reports nothing without an active call', async () => {
    expect(() => sdk.sim.setNetworkQuality(7)).toThrow(new RangeError('network quality must be 0..6, got 7'))
    sdk.sim.setNetworkQuality(4)
    await signIn()
    await sdk.call({ to: '10086' })
    sdk.sim.setNetworkQuality(5)
    expect(types()).toEqual(['newSession'])
  })

  it('failNext and neverAnswer list the names they accept', () => {
    expect(() => sdk.sim.failNext('dial', 1)).toThrow(
      'simulator: unknown method dial; one of login, checkLogin, logout, call, callSeat, answer, terminate, mute, unmute, sendDTMF, setAudioRoute, startRinging, stopRinging, setStatus, hold, unhold, transfer, selectAudioOutput',
    )
    expect(() => sdk.sim.neverAnswer('terminate')).toThrow('simulator: terminate has no callback; one of login, checkLogin, logout, call, answer, sendDTMF')
  })

  it('setAudioRoutes is a headset plugged in: audioRoutes() and the router show it taking the call', () => {
    sdk.sim.setAudioRoutes(['earpiece', 'speaker', 'wired'])
    const expected = { available: ['earpiece', 'speaker', 'wired'], current: 'wired' }
    expect(sdk.sim.audioRoutes()).toEqual(expected)
    expect(sdk.audioRouter?.read()).toEqual(expected)
  })

  it('sim.setAgentStatus takes free, busy and offline; the rest reason only with rest', async () => {
    await signIn()
    for (const status of ['busy', 'free', 'offline'] as const) sdk.sim.setAgentStatus(status, 'ignored')
    sdk.sim.setAgentStatus('rest', 'lunch')
    expect(seats.slice(1)).toEqual([
      { type: 'agentStatus', status: 'busy' },
      { type: 'agentStatus', status: 'free' },
      { type: 'agentStatus', status: 'offline' },
      { type: 'agentStatus', status: 'rest', restReason: 'lunch' },
    ])
    expect(() => sdk.sim.setAgentStatus('dancing' as never)).toThrow(
      new RangeError('simulator: status must be free, busy, rest, arrange or offline, got dancing'),
    )
  })

  it('deviceError refuses a code that is not a whole number and names it', () => {
    expect(() => sdk.sim.deviceError(1.5)).toThrow(new RangeError('deviceError needs an integer code, got 1.5'))
    expect(events).toEqual([])
  })

  it('deviceError without a message says which code; a media failure ends the call naming it', async () => {
    await answeredCall()
    sdk.sim.deviceError(-1317)
    sdk.sim.deviceError(-3301)
    expect(events.slice(2)).toEqual([
      { type: 'error', code: -1317, message: 'simulated device error -1317' },
      { type: 'error', code: -3301, message: 'simulated device error -3301' },
      { type: 'ended', sessionId: 'sim-1', reason: 'error', message: 'media failure -3301' },
    ])
  })
})

describe('silencing the volume reports (mutation survivors)', () => {
  it.each([
    ['hold', 'unhold'],
    ['mute', 'unmute'],
  ] as const)('%s silences the volume reports and %s brings them back', async (silence, restore) => {
    await answeredCall()
    await sdk[silence]()
    expect(nextVolume()).toBe(0)
    await sdk[restore]()
    expect(nextVolume()).toBeGreaterThan(0)
  })

  it('unhold opens the microphone even when the agent muted before the hold (seed 000: "坐席取消静音")', async () => {
    await answeredCall()
    await sdk.mute()
    await sdk.hold()
    expect(nextVolume()).toBe(0)
    await sdk.unhold()
    expect(nextVolume()).toBeGreaterThan(0)
  })

  it('mute needs an answered call: an outbound call that still rings is refused, like the Web SDK', async () => {
    await signIn()
    await sdk.call({ to: '13800138000' })
    expect((await rejection(sdk.mute())).symbol).toBe('NO_ACTIVE_CALL')
    sdk.sim.answerOutbound()
    await expect(sdk.mute()).resolves.toBeUndefined()
  })
})
