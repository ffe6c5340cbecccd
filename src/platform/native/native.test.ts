import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn, type Mock } from 'jest-mock'
import { SDK_ERRORS, TcccError } from '../errors'
import type { TcccAgentSdk, TcccEvent } from '../types'
import { createNativeTccc, RINGTONE_LOOP_COUNT, ringtonePath, type TcccSdkModule } from './index'
import { rejection } from '../__tests__/rejection'

type Callback = (code: number | string, message: string) => void
type Handler = (...args: unknown[]) => void

/**
 * A jest-mock double of `tccc-sdk-uniapp`. Enum values are deliberately unlike any real ones,
 * so a test passes only if the adapter reads them from the package.
 */
function createSdkDouble() {
  const handlers = new Map<string, Handler>()
  const deviceManager = { setAudioRoute: fn() }
  const workstation = {
    on: fn((name: string, handler: Handler) => {
      handlers.set(name, handler)
    }),
    off: fn((name: string) => {
      handlers.delete(name)
    }),
    login: fn<(params: unknown, cb: Callback) => void>(),
    checkLogin: fn<(cb: Callback) => void>(),
    logout: fn<(cb: Callback) => void>(),
    call: fn<(params: unknown, cb: Callback) => void>(),
    answer: fn<(cb: Callback) => void>(),
    terminate: fn(),
    sendDTMF: fn<(digit: string, cb: Callback) => void>(),
    mute: fn(),
    unmute: fn() as Mock | undefined,
    unMute: fn(),
    startPlayMusic: fn(),
    stopPlayMusic: fn(),
    getDeviceManager: fn(() => deviceManager),
    setLogLevel: fn(),
    setConsoleEnabled: fn(),
  }
  const module = {
    TcccWorkstation: { sharedInstance: fn(() => workstation), destroyInstance: fn(), getSDKVersion: fn(() => '1.12.13') },
    TCCCLoginType: { Agent: 31 },
    TCCCAudioRoute: { Speakerphone: 21, Earpiece: 22 },
    TCCCEndReason: { Error: 11, Timeout: 12, LocalBye: 13, RemoteBye: 14, Rejected: 15, RemoteCancel: 16 },
    TCCCSessionDirection: { CallIn: 41, CallOut: 42 },
    TcccErrorCode: { ERR_NONE: 0, ERR_HTTP_TOKEN_ERROR: -10002 },
  }
  /** Simulate the native side firing an event. */
  function fire(name: string, ...args: unknown[]): void {
    const handler = handlers.get(name)
    if (!handler) throw new Error(`no handler for ${name}`)
    handler(...args)
  }
  return { module, workstation, deviceManager, handlers, fire, asModule: module as unknown as TcccSdkModule }
}

let double: ReturnType<typeof createSdkDouble>
let sdk: TcccAgentSdk
let events: TcccEvent[]

beforeEach(() => {
  double = createSdkDouble()
  sdk = createNativeTccc(double.asModule)
  events = []
  sdk.subscribe((e) => events.push(e))
})

/** Answer the last callback-taking invocation of `mock` with `(code, message)`. */
/** Any jest-mock fn, whatever its signature: only its recorded calls are read. */
interface RecordedCalls {
  mock: { calls: unknown[][] }
}

function respond(mock: RecordedCalls, code: number | string, message = ''): void {
  const args = mock.mock.calls.at(-1) as unknown[]
  ;(args.at(-1) as Callback)(code, message)
}


describe('commands', () => {
  it('login passes sdkAppID (capital ID) and the Agent login type from the package', async () => {
    const pending = sdk.login({ sdkAppId: 1400000001, userId: 'agent1@example.com', token: 'tok' })
    expect(double.workstation.login.mock.calls[0][0]).toEqual({
      sdkAppID: 1400000001,
      userId: 'agent1@example.com',
      token: 'tok',
      type: 31,
    })
    respond(double.workstation.login, 0)
    await expect(pending).resolves.toBeUndefined()
  })

  it('checkLogin, logout, answer take a callback', async () => {
    for (const [method, mock] of [
      [() => sdk.checkLogin(), double.workstation.checkLogin],
      [() => sdk.logout(), double.workstation.logout],
      [() => sdk.answer(), double.workstation.answer],
    ] as const) {
      const pending = method()
      expect(mock).toHaveBeenCalledTimes(1)
      respond(mock, 0)
      await expect(pending).resolves.toBeUndefined()
    }
  })

  it('call sends {to, remark, uui}, omitting what was not given', async () => {
    const first = sdk.call({ to: '13800138000', remark: 'Alice', uui: 'order-7' })
    expect(double.workstation.call.mock.calls[0][0]).toEqual({ to: '13800138000', remark: 'Alice', uui: 'order-7' })
    respond(double.workstation.call, 0)
    await first
    const second = sdk.call({ to: '10086' })
    expect(double.workstation.call.mock.calls[1][0]).toEqual({ to: '10086' })
    respond(double.workstation.call, 0)
    await second
  })

  it('has no internal call nor caller number: capabilities say so and callSeat rejects without a native call', async () => {
    expect(sdk.capabilities).toMatchObject({ internalCall: false, callerNumber: false })
    expect((await rejection(sdk.callSeat({ userId: 'agent2@example.com' }))).symbol).toBe('UNSUPPORTED_ON_PLATFORM')
    expect(double.workstation.call).not.toHaveBeenCalled()
  })

  it('sendDTMF passes the digit; refuses anything but one of 0-9*# without calling the SDK', async () => {
    const pending = sdk.sendDTMF('#')
    expect(double.workstation.sendDTMF.mock.calls[0][0]).toBe('#')
    respond(double.workstation.sendDTMF, 0)
    await pending
    expect((await rejection(sdk.sendDTMF('12'))).symbol).toBe('INVALID_DTMF')
    expect(double.workstation.sendDTMF).toHaveBeenCalledTimes(1)
  })

  it('terminate, mute and unmute resolve once the SDK returned', async () => {
    await sdk.terminate()
    await sdk.mute()
    await sdk.unmute()
    expect(double.workstation.terminate).toHaveBeenCalledTimes(1)
    expect(double.workstation.mute).toHaveBeenCalledTimes(1)
    expect(double.workstation.unmute).toHaveBeenCalledTimes(1)
    expect(double.workstation.unMute).not.toHaveBeenCalled()
  })

  it('unmute falls back to the demo’s unMute spelling', async () => {
    double.workstation.unmute = undefined
    await sdk.unmute()
    expect(double.workstation.unMute).toHaveBeenCalledTimes(1)
  })

  it('setAudioRoute maps to TCCCAudioRoute values through the device manager', async () => {
    await sdk.setAudioRoute('speakerphone')
    await sdk.setAudioRoute('earpiece')
    expect(double.deviceManager.setAudioRoute.mock.calls).toEqual([[21], [22]])
  })

  it('startRinging plays the file through startPlayMusic with the loop count; stopRinging stops', async () => {
    await sdk.startRinging('https://example.com/ring.wav')
    expect(double.workstation.startPlayMusic).toHaveBeenCalledWith('https://example.com/ring.wav', RINGTONE_LOOP_COUNT)
    await sdk.stopRinging()
    expect(double.workstation.stopPlayMusic).toHaveBeenCalledTimes(1)
  })

  it('has no seat status in the SDK: declares it through the backend and refuses setAgentStatus', async () => {
    expect(sdk.capabilities).toMatchObject({ agentStatus: false, agentStatusViaBackend: true, hold: false, transfer: false })
    expect((await rejection(sdk.setAgentStatus('free'))).symbol).toBe('UNSUPPORTED_ON_PLATFORM')
  })

  it('version comes from TcccWorkstation.getSDKVersion()', () => {
    expect(sdk.version()).toBe('1.12.13')
  })

  it('a method that throws rejects with a TcccError instead of throwing', async () => {
    double.workstation.terminate.mockImplementation(() => {
      throw new Error('bridge gone')
    })
    const err = await rejection(sdk.terminate())
    expect(err.symbol).toBe('UNKNOWN')
    expect(err.detail).toBe('bridge gone')
  })
})

describe('(code, message) callbacks', () => {
  const callbackCommands: [string, () => Promise<void>, () => RecordedCalls][] = [
    ['login', () => sdk.login({ sdkAppId: 1, userId: 'u', token: 't' }), () => double.workstation.login],
    ['checkLogin', () => sdk.checkLogin(), () => double.workstation.checkLogin],
    ['logout', () => sdk.logout(), () => double.workstation.logout],
    ['call', () => sdk.call({ to: '10086' }), () => double.workstation.call],
    ['answer', () => sdk.answer(), () => double.workstation.answer],
    ['sendDTMF', () => sdk.sendDTMF('1'), () => double.workstation.sendDTMF],
  ]

  it.each(callbackCommands)('%s: every catalogue code rejects with its entry and the SDK message', async (_name, command, mock) => {
    for (const [symbol, entry] of Object.entries(SDK_ERRORS)) {
      const pending = command()
      respond(mock(), entry.code, `sdk says ${symbol}`)
      const err = await rejection(pending)
      expect(err.symbol).toBe(symbol)
      expect(err.code).toBe(entry.code)
      expect(err.detail).toBe(`sdk says ${symbol}`)
    }
  })

  it.each(callbackCommands)('%s: an unknown code rejects UNKNOWN keeping the number', async (_name, command, mock) => {
    const pending = command()
    respond(mock(), 777, 'strange')
    const err = await rejection(pending)
    expect(err.symbol).toBe('UNKNOWN')
    expect(err.code).toBe(777)
  })

  it('ERR_NONE is read from the package (a bridge-delivered "0" string also succeeds)', async () => {
    double.module.TcccErrorCode.ERR_NONE = 5
    const pending = sdk.checkLogin()
    respond(double.workstation.checkLogin, 5)
    await expect(pending).resolves.toBeUndefined()
    double.module.TcccErrorCode.ERR_NONE = 0
    const again = sdk.checkLogin()
    respond(double.workstation.checkLogin, '0')
    await expect(again).resolves.toBeUndefined()
  })

  it('200 (ERR_SIP_SUCCESS in the Android/iOS tables the plugin wraps) is a success, not an unknown error', async () => {
    const pending = sdk.checkLogin()
    respond(double.workstation.checkLogin, 200, 'OK')
    await expect(pending).resolves.toBeUndefined()
  })

  it('a string error code from the bridge is still mapped', async () => {
    const pending = sdk.checkLogin()
    respond(double.workstation.checkLogin, '-10002', 'expired')
    expect((await rejection(pending)).symbol).toBe('ERR_HTTP_TOKEN_ERROR')
  })
})

describe('events', () => {
  it('registers one handler per documented event by name', () => {
    expect([...double.handlers.keys()].sort()).toEqual(
      [
        'onAccepted',
        'onAudioVolume',
        'onConnectionLost',
        'onConnectionRecovery',
        'onEnded',
        'onError',
        'onNetworkQuality',
        'onNewSession',
        'onTryToReconnect',
        'onWarning',
      ].sort(),
    )
    sdk.subscribe(() => undefined)
    expect(double.workstation.on).toHaveBeenCalledTimes(10)
  })

  it('onNewSession CallIn -> newSession in with the caller', () => {
    double.fire('onNewSession', { sessionId: 's1', sessionDirection: 41, fromUserId: '13900139000' })
    expect(events).toEqual([{ type: 'newSession', sessionId: 's1', direction: 'in', peer: '13900139000' }])
  })

  it('onNewSession CallOut -> newSession out with the callee and remark of the call placed', async () => {
    const pending = sdk.call({ to: '13800138000', remark: 'Alice' })
    respond(double.workstation.call, 0)
    await pending
    double.fire('onNewSession', { sessionId: 's2', sessionDirection: 42, fromUserId: 'agent1@example.com' })
    expect(events).toEqual([{ type: 'newSession', sessionId: 's2', direction: 'out', peer: '13800138000', remark: 'Alice' }])
  })

  it('takes the toUserId the SDK reports only for an outbound session this app did not place', () => {
    double.fire('onNewSession', { sessionId: 's3', sessionDirection: '42', fromUserId: 'a', toUserId: '10086' })
    expect(events[0]).toEqual({ type: 'newSession', sessionId: 's3', direction: 'out', peer: '10086' })
  })

  it('keeps the number the app dialled when the SDK reports the callee as a SIP URI', async () => {
    const pending = sdk.call({ to: '13800138000' })
    respond(double.workstation.call, 0)
    await pending
    double.fire('onNewSession', { sessionId: 's6', sessionDirection: 42, toUserId: 'sip:13800138000@1400000001.tccc.qcloud.com' })
    expect(events).toEqual([{ type: 'newSession', sessionId: 's6', direction: 'out', peer: '13800138000' }])
  })

  it('an unknown direction is outbound only while a call is being placed', () => {
    double.fire('onNewSession', { sessionId: 's4', sessionDirection: 99, fromUserId: '1' })
    void sdk.call({ to: '10086' })
    double.fire('onNewSession', { sessionId: 's5', sessionDirection: 99, fromUserId: 'me' })
    expect(events.map((e) => (e.type === 'newSession' ? [e.direction, e.peer] : null))).toEqual([
      ['in', '1'],
      ['out', '10086'],
    ])
  })

  it('a failed call forgets the pending callee', async () => {
    const pending = sdk.call({ to: '10086' })
    respond(double.workstation.call, -10004)
    await rejection(pending)
    double.fire('onNewSession', { sessionId: 's6', sessionDirection: 99, fromUserId: '555' })
    expect(events[0]).toMatchObject({ direction: 'in', peer: '555' })
  })

  it('onAccepted -> accepted', () => {
    double.fire('onAccepted', 's1')
    expect(events).toEqual([{ type: 'accepted', sessionId: 's1' }])
  })

  it.each([
    [11, 'error'],
    [12, 'timeout'],
    [13, 'local-bye'],
    [14, 'remote-bye'],
    [15, 'rejected'],
    [16, 'remote-cancel'],
    [99, 'unknown'],
  ])('onEnded reason %s -> %s', (reason, expected) => {
    double.fire('onEnded', reason, 'why', 's1')
    expect(events).toEqual([{ type: 'ended', sessionId: 's1', reason: expected, message: 'why' }])
  })

  it('onNetworkQuality -> networkQuality (0..6, anything else unknown)', () => {
    double.fire('onNetworkQuality', { quality: 4 })
    double.fire('onNetworkQuality', { quality: 9 })
    double.fire('onNetworkQuality', 3)
    expect(events).toEqual([
      { type: 'networkQuality', quality: 4 },
      { type: 'networkQuality', quality: 0 },
      { type: 'networkQuality', quality: 3 },
    ])
  })

  it('onAudioVolume -> audioVolume clamped to 0..100', () => {
    double.fire('onAudioVolume', 'agent1', 42)
    double.fire('onAudioVolume', 'agent1', 140)
    expect(events).toEqual([
      { type: 'audioVolume', userId: 'agent1', volume: 42 },
      { type: 'audioVolume', userId: 'agent1', volume: 100 },
    ])
  })

  it('connection callbacks -> connectionLost / reconnecting / connectionRecovered', () => {
    double.fire('onConnectionLost', 1)
    double.fire('onTryToReconnect', 1)
    double.fire('onConnectionRecovery', 1)
    expect(events).toEqual([
      { type: 'connectionLost', server: '1' },
      { type: 'reconnecting', server: '1' },
      { type: 'connectionRecovered', server: '1' },
    ])
  })

  it('onError / onWarning -> error / warning with numeric codes', () => {
    double.fire('onError', 403, 'kicked')
    double.fire('onWarning', '1103', 'weak')
    expect(events).toEqual([
      { type: 'error', code: 403, message: 'kicked' },
      { type: 'warning', code: 1103, message: 'weak' },
    ])
  })

  it('unsubscribe stops delivery to that listener', () => {
    const other = fn()
    const unsubscribe = sdk.subscribe(other)
    unsubscribe()
    double.fire('onAccepted', 's1')
    expect(other).not.toHaveBeenCalled()
    expect(events).toHaveLength(1)
  })

  it('dispose removes exactly the registered handlers, never with "*"', () => {
    sdk.dispose()
    expect(double.handlers.size).toBe(0)
    expect(double.workstation.off).toHaveBeenCalledTimes(10)
    expect(double.workstation.off.mock.calls.map(([name]) => name)).not.toContain('*')
    sdk.dispose()
    expect(double.workstation.off).toHaveBeenCalledTimes(10)
  })
})

describe('missing package or plugin', () => {
  it('every command rejects SDK_NOT_INSTALLED; subscribe and version do not throw', async () => {
    const broken = createSdkDouble()
    broken.module.TcccWorkstation.sharedInstance.mockImplementation(() => {
      throw new Error('tccc-sdk-uniapp is not installed')
    })
    const platform = createNativeTccc(broken.asModule)
    const unsubscribe = platform.subscribe(() => undefined)
    for (const command of [
      () => platform.login({ sdkAppId: 1, userId: 'u', token: 't' }),
      () => platform.call({ to: '1' }),
      () => platform.terminate(),
      () => platform.setAudioRoute('earpiece'),
      () => platform.startRinging('/static/ringtone.wav'),
    ]) {
      const err = await rejection(command())
      expect(err.symbol).toBe('SDK_NOT_INSTALLED')
      expect(err.action).toBe('install-sdk')
    }
    unsubscribe()
    platform.dispose()
  })

  it('a module without TcccWorkstation also means not installed', async () => {
    const platform = createNativeTccc({} as TcccSdkModule)
    expect((await rejection(platform.checkLogin())).symbol).toBe('SDK_NOT_INSTALLED')
    expect(platform.version()).toBe('')
  })
})

describe('ringtonePath', () => {
  const convert = fn((path: string) => `/data/app/www/${path}`)

  afterEach(() => {
    delete (globalThis as { plus?: unknown }).plus
  })

  it('keeps the URL when there is no plus runtime (tests, H5)', () => {
    expect(ringtonePath('/static/ringtone.wav')).toBe('/static/ringtone.wav')
  })

  it('turns a bundled path into an absolute local path under _www in the App', async () => {
    ;(globalThis as { plus?: unknown }).plus = { io: { convertLocalFileSystemURL: convert } }
    expect(ringtonePath('/static/ringtone.wav')).toBe('/data/app/www/_www/static/ringtone.wav')
    expect(ringtonePath('static/x.wav')).toBe('/data/app/www/_www/static/x.wav')
    expect(ringtonePath('https://cdn.example.com/r.wav')).toBe('https://cdn.example.com/r.wav')
    await sdk.startRinging('/static/ringtone.wav')
    expect(double.workstation.startPlayMusic).toHaveBeenCalledWith('/data/app/www/_www/static/ringtone.wav', RINGTONE_LOOP_COUNT)
  })

  describe('ringtonePath (mutation survivors)', () => {
    it('a bundled file whose name holds a colon is still a local path, not a URL', () => {
      ;(globalThis as { plus?: unknown }).plus = { io: { convertLocalFileSystemURL: convert } }
      expect(ringtonePath('/static/ring:1.wav')).toBe('/data/app/www/_www/static/ring:1.wav')
    })
  })
})

describe('callback deadlines', () => {
  /** Timers the test fires by hand: the adapter must not wait forever for a lost callback. */
  function manualTimers() {
    const pending = new Map<number, { fn: () => void; ms: number }>()
    let next = 1
    return {
      pending,
      timers: {
        setTimeout: (f: () => void, ms: number) => {
          pending.set(next, { fn: f, ms })
          return next++
        },
        clearTimeout: (handle: unknown) => {
          pending.delete(handle as number)
        },
      },
      fireAll() {
        for (const [id, timer] of [...pending]) {
          pending.delete(id)
          timer.fn()
        }
      },
    }
  }

  it.each([
    ['login', (s: TcccAgentSdk) => s.login({ sdkAppId: 1, userId: 'a', token: 't' })],
    ['checkLogin', (s: TcccAgentSdk) => s.checkLogin()],
    ['logout', (s: TcccAgentSdk) => s.logout()],
    ['call', (s: TcccAgentSdk) => s.call({ to: '10086' })],
    ['answer', (s: TcccAgentSdk) => s.answer()],
    ['sendDTMF', (s: TcccAgentSdk) => s.sendDTMF('1')],
  ] as const)('%s rejects SDK_NO_RESPONSE when the callback never comes', async (name, run) => {
    const clock = manualTimers()
    const native = createNativeTccc(double.asModule, { timers: clock.timers, deadlines: { [name]: 1234 } })
    const result = run(native)
    expect([...clock.pending.values()].map((t) => t.ms)).toEqual([1234])
    clock.fireAll()
    const error = await rejection(result)
    expect(error.symbol).toBe('SDK_NO_RESPONSE')
    expect(error.action).toBe('check-network')
    expect(error.detail).toContain(name)
  })

  it('a callback in time clears the deadline, and a late callback after it changes nothing', async () => {
    const clock = manualTimers()
    const native = createNativeTccc(double.asModule, { timers: clock.timers })
    const first = native.checkLogin()
    respond(double.workstation.checkLogin, 0)
    await expect(first).resolves.toBeUndefined()
    expect(clock.pending.size).toBe(0)
    const second = native.checkLogin()
    clock.fireAll()
    respond(double.workstation.checkLogin, 0)
    expect((await rejection(second)).symbol).toBe('SDK_NO_RESPONSE')
  })

  it('a call that timed out forgets the pending callee', async () => {
    const clock = manualTimers()
    const native = createNativeTccc(double.asModule, { timers: clock.timers })
    const seen: TcccEvent[] = []
    native.subscribe((e) => seen.push(e))
    const placing = native.call({ to: '10086', remark: 'Ann' })
    clock.fireAll()
    await rejection(placing)
    double.fire('onNewSession', { sessionId: 's9', sessionDirection: 41, fromUserId: '555' })
    expect(seen).toEqual([{ type: 'newSession', sessionId: 's9', direction: 'in', peer: '555' }])
  })
})

describe('native adapter (mutation survivors)', () => {
  it('matches enum values by identity first: a package whose ERR_NONE is null succeeds on a null code', async () => {
    ;(double.module.TcccErrorCode as { ERR_NONE: unknown }).ERR_NONE = null
    const pending = sdk.checkLogin()
    respond(double.workstation.checkLogin, null as unknown as number)
    await expect(pending).resolves.toBeUndefined()
  })

  it('a missing value never matches an enum by its text, even one that reads "undefined" or "null"', () => {
    Object.assign(double.module.TCCCEndReason, { Error: 'undefined', Timeout: 'null' })
    double.fire('onEnded', undefined, 'a', 's1')
    double.fire('onEnded', null, 'b', 's2')
    expect(events.map((e) => (e.type === 'ended' ? e.reason : e.type))).toEqual(['unknown', 'unknown'])
  })

  it('onNetworkQuality keeps only whole numbers 0..6: 6 stays, -1, 2.5 and null read as unknown (0)', () => {
    for (const value of [6, -1, { quality: 2.5 }, null, { quality: 0 }]) double.fire('onNetworkQuality', value)
    expect(events.map((e) => (e.type === 'networkQuality' ? e.quality : e.type))).toEqual([6, 0, 0, 0, 0])
  })

  it('an inbound session while a call is being placed stays inbound with the caller', () => {
    void sdk.call({ to: '10086', remark: 'Ann' })
    double.fire('onNewSession', { sessionId: 's7', sessionDirection: 41, fromUserId: '13900139000' })
    expect(events).toEqual([{ type: 'newSession', sessionId: 's7', direction: 'in', peer: '13900139000' }])
  })

  it('onNewSession without any info: inbound from nobody, or the call being placed', () => {
    double.fire('onNewSession')
    void sdk.call({ to: '10086', remark: 'Ann' })
    double.fire('onNewSession')
    expect(events).toEqual([
      { type: 'newSession', sessionId: '', direction: 'in', peer: '' },
      { type: 'newSession', sessionId: '', direction: 'out', peer: '10086', remark: 'Ann' },
    ])
  })

  it('an outbound session with no callee and no call being placed has an empty peer', () => {
    double.fire('onNewSession', { sessionId: 's8', sessionDirection: 42 })
    expect(events).toEqual([{ type: 'newSession', sessionId: 's8', direction: 'out', peer: '' }])
  })

  it('events without arguments carry empty texts, never "undefined"', () => {
    for (const name of ['onAccepted', 'onEnded', 'onAudioVolume', 'onConnectionLost', 'onTryToReconnect', 'onConnectionRecovery', 'onError', 'onWarning']) {
      double.fire(name)
    }
    expect(events).toEqual([
      { type: 'accepted', sessionId: '' },
      { type: 'ended', sessionId: '', reason: 'unknown', message: '' },
      { type: 'audioVolume', userId: '', volume: 0 },
      { type: 'connectionLost', server: '' },
      { type: 'reconnecting', server: '' },
      { type: 'connectionRecovered', server: '' },
      { type: 'error', code: NaN, message: '' },
      { type: 'warning', code: NaN, message: '' },
    ])
  })

  it('a failing callback without a message rejects with an empty detail', async () => {
    const pending = sdk.checkLogin()
    respond(double.workstation.checkLogin, -10002, null as unknown as string)
    const err = await rejection(pending)
    expect(err.symbol).toBe('ERR_HTTP_TOKEN_ERROR')
    expect(err.detail).toBe('')
  })

  it('a listener that throws is reported on the console and the others still hear the event', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const boom = new Error('listener broke')
    sdk.subscribe(() => {
      throw boom
    })
    const later = fn()
    sdk.subscribe(later)
    double.fire('onAccepted', 's1')
    expect(later).toHaveBeenCalledWith({ type: 'accepted', sessionId: 's1' })
    expect(events).toHaveLength(1)
    expect(spy).toHaveBeenCalledWith('[tccc-native] listener failed on', 'accepted', boom)
    spy.mockRestore()
  })

  it('capabilities: audio route, SDK ringing and incoming calls, nothing the package lacks', () => {
    expect(sdk.capabilities).toEqual({
      audioRoute: true,
      sdkRinging: true,
      incomingCalls: true,
      hold: false,
      transfer: false,
      internalCall: false,
      callerNumber: false,
      agentStatus: false,
      agentStatusViaBackend: true,
    })
  })

  it('each unsupported command rejects UNSUPPORTED_ON_PLATFORM naming itself', async () => {
    const commands: [string, () => Promise<void>][] = [
      ['callSeat', () => sdk.callSeat({ userId: 'agent2@example.com' })],
      ['setAgentStatus', () => sdk.setAgentStatus('free')],
      ['hold', () => sdk.hold()],
      ['unhold', () => sdk.unhold()],
      ['transfer', () => sdk.transfer({ to: '10086' } as never)],
    ]
    for (const [name, command] of commands) {
      const err = await rejection(command())
      expect(err.symbol).toBe('UNSUPPORTED_ON_PLATFORM')
      expect(err.detail).toBe(`${name} is not in tccc-sdk-uniapp`)
    }
  })

  it('call leaves out remark and uui entirely when not given (no undefined keys over the bridge)', () => {
    void sdk.call({ to: '10086' })
    expect(Object.keys(double.workstation.call.mock.calls[0][0] as object)).toEqual(['to'])
  })

  it('unmute where the SDK has neither spelling rejects saying so', async () => {
    const bare = double.workstation as { unmute?: unknown; unMute?: unknown }
    delete bare.unmute
    delete bare.unMute
    const err = await rejection(sdk.unmute())
    expect(err.symbol).toBe('UNKNOWN')
    expect(err.detail).toBe('the SDK offers neither unmute() nor unMute()')
  })

  it('a refused DTMF digit is named in the error', async () => {
    expect((await rejection(sdk.sendDTMF('12'))).detail).toBe('digit "12"')
  })

  it('version is empty when the package reports none', () => {
    double.module.TcccWorkstation.getSDKVersion.mockReturnValue(undefined as unknown as string)
    expect(sdk.version()).toBe('')
  })
})

describe('missing package or plugin (mutation survivors)', () => {
  it('keeps why the workstation is missing: what was thrown, or that sharedInstance returned nothing', async () => {
    const throwing = createSdkDouble()
    throwing.module.TcccWorkstation.sharedInstance.mockImplementation(() => {
      throw new Error('tccc-sdk-uniapp is not installed')
    })
    const empty = createSdkDouble()
    empty.module.TcccWorkstation.sharedInstance.mockReturnValue(null as never)
    for (const [broken, detail] of [
      [throwing, 'tccc-sdk-uniapp is not installed'],
      [empty, 'TcccWorkstation.sharedInstance() returned nothing'],
    ] as const) {
      const err = await rejection(createNativeTccc(broken.asModule).checkLogin())
      expect(err.symbol).toBe('SDK_NOT_INSTALLED')
      expect(err.detail).toBe(detail)
    }
  })

  it('a base without the native plugin (requireNativePlugin answers nothing) says to install it, though the package hands out a workstation', async () => {
    const double = createSdkDouble()
    const requireNativePlugin = vi.fn((_name: string): unknown => undefined)
    vi.stubGlobal('uni', { ...uni, requireNativePlugin })
    try {
      const err = await rejection(createNativeTccc(double.asModule).checkLogin())
      expect(err.symbol).toBe('SDK_NOT_INSTALLED')
      expect(err.action).toBe('install-sdk')
      expect(requireNativePlugin).toHaveBeenCalledWith('TcccWorkstationUniPlugin-TcccWorkstationImpl')
      expect(double.module.TcccWorkstation.sharedInstance).not.toHaveBeenCalled()
      // With the plugin in the base, the workstation is used.
      requireNativePlugin.mockReturnValue({})
      const platform = createNativeTccc(double.asModule)
      expect(double.module.TcccWorkstation.sharedInstance).toHaveBeenCalledTimes(1)
      const checking = platform.checkLogin()
      respond(double.workstation.checkLogin, 0)
      await expect(checking).resolves.toBeUndefined()
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('passes on a SDK_NOT_INSTALLED thrown by the package as is, and wraps any other TcccError', async () => {
    const notInstalled = new TcccError('SDK_NOT_INSTALLED', 'plugin missing from the base')
    const other = new TcccError('UNKNOWN', 'bridge says no')
    for (const [thrown, expected] of [
      [notInstalled, { symbol: 'SDK_NOT_INSTALLED', detail: 'plugin missing from the base' }],
      [other, { symbol: 'SDK_NOT_INSTALLED', detail: other.message }],
    ] as const) {
      const broken = createSdkDouble()
      broken.module.TcccWorkstation.sharedInstance.mockImplementation(() => {
        throw thrown
      })
      const err = await rejection(createNativeTccc(broken.asModule).logout())
      expect(err).toMatchObject(expected)
      if (thrown === notInstalled) expect(err).toBe(notInstalled)
    }
  })
})
