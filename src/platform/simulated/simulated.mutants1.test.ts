/**
 * Surviving mutants of src/platform/simulated/index.ts up to line 425 (issue 13,
 * docs/mutation/simulated-1.md): listener bookkeeping, network quality bounds, the command log,
 * event delivery order, stats ticks, seat status, error details and capabilities.
 */
import { describe, expect, it } from 'vitest'
import { fn } from 'jest-mock'
import type { TcccEvent } from '../types'
import { rejection } from '../__tests__/rejection'
import { createSimulatedTccc, RING_TIMEOUT_MS, simListenerCount, STATS_INTERVAL_MS, type SimulatedTccc } from './index'
import { clock, ended, events, sdk, SDK_APP_ID, seats, setUpSimulated, signIn, tokenFor, types, USER } from './__tests__/harness'

setUpSimulated()

function volumes(): number[] {
  return events.filter((e): e is Extract<TcccEvent, { type: 'audioVolume' }> => e.type === 'audioVolume').map((e) => e.volume)
}

async function answeredCall(): Promise<void> {
  await sdk.call({ to: '10086' })
  sdk.sim.answerOutbound()
}

describe('listeners and event delivery (mutation survivors)', () => {
  it('counts no listeners for an SDK object the simulator did not create', () => {
    expect(simListenerCount({} as SimulatedTccc)).toBe(0)
  })

  it('logs a failing listener with the event type and its error', async () => {
    const consoleError = console.error
    const logged = fn()
    console.error = logged
    const boom = new Error('boom')
    try {
      sdk.subscribe(() => {
        throw boom
      })
      await signIn()
      sdk.sim.dropConnection()
      expect(logged).toHaveBeenCalledWith('[tccc-sim] listener failed on', 'connectionLost', boom)
    } finally {
      console.error = consoleError
    }
  })

  it('delivers an event a listener causes after the current event has reached every listener', async () => {
    await signIn()
    const seenByLast: string[] = []
    sdk.subscribe((e) => {
      if (e.type === 'accepted') sdk.sim.dropConnection()
    })
    sdk.subscribe((e) => (e.type === 'agentStatus' ? undefined : seenByLast.push(e.type)))
    await sdk.call({ to: '10086' })
    sdk.sim.answerOutbound()
    expect(seenByLast).toEqual(['newSession', 'accepted', 'connectionLost'])
    expect(types()).toEqual(['newSession', 'accepted', 'connectionLost'])
  })
})

describe('network quality and the stats ticks (mutation survivors)', () => {
  it('accepts the bounds 0 and 6 and refuses -1', async () => {
    await signIn()
    await answeredCall()
    sdk.sim.setNetworkQuality(0)
    sdk.sim.setNetworkQuality(6)
    expect(events.slice(-2)).toEqual([
      { type: 'networkQuality', quality: 0 },
      { type: 'networkQuality', quality: 6 },
    ])
    expect(() => sdk.sim.setNetworkQuality(-1)).toThrow('network quality must be 0..6, got -1')
  })

  it('reports speech volume on the first call, and on the next call after a muted, held one', async () => {
    await signIn()
    await answeredCall()
    clock.advance(STATS_INTERVAL_MS)
    expect(volumes()).toHaveLength(1)
    expect(volumes()[0]).toBeGreaterThan(0)
    await sdk.mute()
    await sdk.hold()
    clock.advance(STATS_INTERVAL_MS)
    expect(volumes()[1]).toBe(0)
    await sdk.terminate()
    await answeredCall()
    clock.advance(STATS_INTERVAL_MS)
    expect(volumes()).toHaveLength(3)
    expect(volumes()[2]).toBeGreaterThan(0)
  })

  it('stops the ticks when a listener hangs up on a network report, also while the next call rings', async () => {
    await signIn()
    sdk.subscribe((e) => {
      if (e.type === 'networkQuality') void sdk.terminate()
    })
    await answeredCall()
    clock.advance(STATS_INTERVAL_MS)
    expect(types().filter((t) => t === 'networkQuality')).toHaveLength(1)
    expect(ended()).toEqual([{ type: 'ended', sessionId: 'sim-1', reason: 'local-bye', message: 'Hung up by the agent' }])
    await sdk.call({ to: '10010' })
    clock.advance(STATS_INTERVAL_MS * 3)
    expect(types().filter((t) => t === 'networkQuality')).toHaveLength(1)
    expect(types().at(-1)).toBe('newSession')
  })

  it('a tick under way when a listener signs out stops at ended', async () => {
    await signIn()
    sdk.subscribe((e) => {
      if (e.type === 'networkQuality') void sdk.logout()
    })
    await answeredCall()
    expect(() => clock.advance(STATS_INTERVAL_MS)).not.toThrow()
    // Was: one more audioVolume (naming no agent) after the call had ended.
    expect(events.slice(2)).toEqual([
      { type: 'networkQuality', quality: 2 },
      { type: 'ended', sessionId: 'sim-1', reason: 'local-bye', message: 'Logged out' },
    ])
    expect(seats.at(-1)).toEqual({ type: 'agentStatus', status: 'offline' })
    clock.advance(STATS_INTERVAL_MS * 3)
    expect(events).toHaveLength(4)
  })
})

describe('the command log (mutation survivors)', () => {
  it('clearLog forgets what was logged; later commands are logged again', async () => {
    await signIn()
    sdk.sim.clearLog()
    expect(sdk.sim.log()).toEqual([])
    await sdk.call({ to: '10086' })
    expect(sdk.sim.log()).toEqual([{ method: 'call', args: [{ to: '10086' }] }])
  })

  it('logs a login without a web SDK URL with only the token redacted', async () => {
    await signIn()
    expect(sdk.sim.log()).toEqual([{ method: 'login', args: [{ sdkAppId: SDK_APP_ID, userId: USER, token: '<redacted>' }] }])
  })

  it('keeps what was called even when the caller changes its arguments afterwards', async () => {
    await signIn()
    const params = { to: '10086', remark: 'Alice' }
    await sdk.call(params)
    params.to = '99999'
    expect(sdk.sim.log().at(-1)).toEqual({ method: 'call', args: [{ to: '10086', remark: 'Alice' }] })
  })

  it('refuses a missing route from an untyped caller and logs it as missing', async () => {
    const err = await rejection(sdk.setAudioRoute(undefined as never))
    expect(err.symbol).toBe('UNSUPPORTED_ON_PLATFORM')
    expect(sdk.sim.log()).toEqual([{ method: 'setAudioRoute', args: [undefined] }])
  })

  it('logs checkLogin with no arguments', async () => {
    await signIn()
    await sdk.checkLogin()
    expect(sdk.sim.log().at(-1)).toEqual({ method: 'checkLogin', args: [] })
  })

  it('logs each audio output choice, and failNext refuses the next one', async () => {
    await sdk.audioRouter?.select('speaker')
    expect(sdk.sim.audioRoutes().current).toBe('speaker')
    sdk.sim.failNext('selectAudioOutput', 402)
    const err = await rejection(sdk.audioRouter?.select('earpiece') ?? Promise.resolve())
    expect(err.code).toBe(402)
    expect(err.detail).toBe('simulated failure of selectAudioOutput')
    expect(sdk.sim.audioRoutes().current).toBe('speaker')
    expect(sdk.sim.log()).toEqual([
      { method: 'selectAudioOutput', args: ['speaker'] },
      { method: 'selectAudioOutput', args: ['earpiece'] },
    ])
  })
})

describe('deadlines (mutation survivors)', () => {
  it('a lost login callback rejects at the deadline given in the options', async () => {
    const app = createSimulatedTccc({ clock, deadlines: { login: 3_000 } })
    app.sim.neverAnswer('login')
    let settled = false
    const result = app.login({ sdkAppId: SDK_APP_ID, userId: USER, token: tokenFor() }).finally(() => {
      settled = true
    })
    clock.advance(2_999)
    await Promise.resolve()
    expect(settled).toBe(false)
    clock.advance(1)
    await Promise.resolve()
    await Promise.resolve()
    expect(settled).toBe(true)
    expect((await rejection(result)).detail).toBe('login: no callback within 3000 ms')
    app.dispose()
  })
})

describe('seat status around calls and sign-in (mutation survivors)', () => {
  it('a call that ends while the agent is resting leaves the seat resting', async () => {
    await signIn()
    await answeredCall()
    await sdk.setAgentStatus('rest', 'lunch')
    await sdk.terminate()
    await Promise.resolve()
    expect(seats.map((e) => e.status)).toEqual(['free', 'busy', 'rest'])
  })

  it('a call answered while the seat is in after-call work does not make it busy', async () => {
    await signIn()
    await sdk.setAgentStatus('arrange')
    await answeredCall()
    await Promise.resolve()
    expect(seats.map((e) => e.status)).toEqual(['free', 'arrange'])
  })

  it('signing in again while resting keeps the seat resting', async () => {
    await signIn()
    await sdk.setAgentStatus('rest', 'lunch')
    await signIn()
    await Promise.resolve()
    expect(seats.map((e) => e.status)).toEqual(['free', 'rest'])
  })

  it('logout also ends the incoming call waiting behind the current one', async () => {
    await signIn()
    await answeredCall()
    const waiting = sdk.sim.incomingCall({ from: '13900139000' })
    await sdk.logout()
    expect(ended()).toEqual([
      { type: 'ended', sessionId: 'sim-1', reason: 'local-bye', message: 'Logged out' },
      { type: 'ended', sessionId: waiting, reason: 'local-bye', message: 'Logged out' },
    ])
  })

  it('an unanswered call ends with the message "No answer"', async () => {
    await signIn()
    await sdk.call({ to: '10086' })
    clock.advance(RING_TIMEOUT_MS)
    expect(ended()).toEqual([{ type: 'ended', sessionId: 'sim-1', reason: 'timeout', message: 'No answer' }])
  })
})

describe('error details (mutation survivors)', () => {
  it.each([
    ['an empty token', () => '', 'empty token'],
    ['a malformed token', () => 'not-a-token', 'malformed token'],
    ['a token for another agent', () => tokenFor({ userId: 'agent2@example.com' }), 'token issued for another agent'],
    ['an expired token', () => tokenFor({ exp: Math.floor(clock.now() / 1000) - 1 }), 'token expired'],
  ])('login with %s says why', async (_label, token, detail) => {
    expect((await rejection(sdk.login({ sdkAppId: SDK_APP_ID, userId: USER, token: token() }))).detail).toBe(detail)
  })

  it('says why a command was refused: injected, logged out, token expired, no connection', async () => {
    await signIn()
    sdk.sim.failNext('call', -1317)
    expect((await rejection(sdk.call({ to: '10086' }))).detail).toBe('simulated failure of call')
    sdk.sim.expireToken()
    expect((await rejection(sdk.call({ to: '10086' }))).detail).toBe('token expired')
    await signIn()
    sdk.sim.dropConnection()
    expect((await rejection(sdk.call({ to: '10086' }))).detail).toBe('no connection to the server')
    await sdk.logout()
    expect((await rejection(sdk.call({ to: '10086' }))).detail).toBe('already logged out')
  })
})

describe('capabilities (mutation survivors)', () => {
  it('offers audio routes and incoming calls, and rings through the app, not the SDK', () => {
    expect(sdk.capabilities).toMatchObject({ audioRoute: true, sdkRinging: false, incomingCalls: true })
  })
})
