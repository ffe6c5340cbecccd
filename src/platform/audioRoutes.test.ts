import { afterEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import {
  ANDROID,
  AUDIO_ROUTE_POLL_MS,
  IOS_OVERRIDE_NONE,
  IOS_OVERRIDE_SPEAKER,
  IOS_PORT,
  createAndroidAudioRouter,
  createIosAudioRouter,
  createSimulatedAudioRouter,
  deviceAudioRouter,
  type PlusAndroidLike,
  type PlusIosLike,
} from './audioRoutes'
import { TcccError } from './errors'
import type { AudioOutputs } from './types'

/**
 * A double of Android's AudioManager as Native.js exposes it (android.media.AudioManager:
 * isWiredHeadsetOn, isBluetoothScoOn, isBluetoothA2dpOn, isSpeakerphoneOn, setSpeakerphoneOn,
 * startBluetoothSco, stopBluetoothSco, setBluetoothScoOn, getDevices(int) -> AudioDeviceInfo[]).
 */
function androidDouble(sdkInt: number) {
  const phone = { wired: false, bluetooth: false, speaker: false, sco: false }
  const am = {
    isWiredHeadsetOn: fn(() => phone.wired),
    isBluetoothScoOn: fn(() => phone.sco),
    isBluetoothA2dpOn: fn(() => phone.bluetooth && !phone.sco),
    isSpeakerphoneOn: fn(() => phone.speaker),
    setSpeakerphoneOn: fn((on: boolean) => void (phone.speaker = on)),
    startBluetoothSco: fn(() => void (phone.sco = phone.bluetooth)),
    stopBluetoothSco: fn(() => void (phone.sco = false)),
    setBluetoothScoOn: fn((_on: boolean) => undefined),
    getDevices: fn((flags: number) => {
      if (flags !== ANDROID.GET_DEVICES_OUTPUTS) throw new Error('only outputs are asked for')
      const types = [ANDROID.TYPE_BUILTIN_EARPIECE, 2]
      if (phone.wired) types.push(ANDROID.TYPE_WIRED_HEADSET)
      if (phone.bluetooth) types.push(ANDROID.TYPE_BLUETOOTH_SCO, 8)
      return types.map((type) => ({ getType: () => type }))
    }),
  }
  const activity = { getSystemService: fn((name: string) => (name === 'audio' ? am : null)) }
  const classes: Record<string, unknown> = {
    'android.os.Build$VERSION': { SDK_INT: sdkInt },
    'android.content.Context': { AUDIO_SERVICE: 'audio' },
  }
  const invoke = fn((obj: Record<string, (...a: unknown[]) => unknown>, method: string, ...args: unknown[]) => obj[method](...args))
  const plusApi: PlusAndroidLike = {
    os: { name: 'Android' },
    android: { importClass: (name: string | object) => (typeof name === 'string' ? classes[name] : name), runtimeMainActivity: () => activity, invoke },
  }
  return { phone, am, activity, invoke, plusApi }
}

describe('Android (AudioManager through plus.android)', () => {
  it('reads the AudioManager from the main activity with Context.AUDIO_SERVICE', () => {
    const d = androidDouble(30)
    expect(createAndroidAudioRouter(d.plusApi).read()).toEqual({ available: ['earpiece', 'speaker'], current: 'earpiece' })
    expect(d.activity.getSystemService).toHaveBeenCalledWith('audio')
  })

  it('API 23+: finds headsets with getDevices(GET_DEVICES_OUTPUTS); a wired one replaces the earpiece', () => {
    const d = androidDouble(31)
    d.phone.wired = true
    d.phone.bluetooth = true
    const router = createAndroidAudioRouter(d.plusApi)
    expect(router.read()).toEqual({ available: ['speaker', 'wired', 'bluetooth'], current: 'wired' })
    expect(d.am.getDevices).toHaveBeenCalledWith(ANDROID.GET_DEVICES_OUTPUTS)
    expect(d.am.isWiredHeadsetOn).not.toHaveBeenCalled()
  })

  it('before API 23: isWiredHeadsetOn and isBluetoothScoOn / isBluetoothA2dpOn', () => {
    const d = androidDouble(22)
    d.phone.bluetooth = true
    const router = createAndroidAudioRouter(d.plusApi)
    expect(router.read()).toEqual({ available: ['earpiece', 'speaker', 'bluetooth'], current: 'earpiece' })
    expect(d.am.getDevices).not.toHaveBeenCalled()
    expect(d.am.isWiredHeadsetOn).toHaveBeenCalled()
  })

  it('bluetooth: speaker off, startBluetoothSco, setBluetoothScoOn(true); then it carries the call', async () => {
    const d = androidDouble(31)
    d.phone.bluetooth = true
    const router = createAndroidAudioRouter(d.plusApi)
    await router.select('bluetooth')
    expect(d.am.setSpeakerphoneOn).toHaveBeenCalledWith(false)
    expect(d.am.startBluetoothSco).toHaveBeenCalledTimes(1)
    expect(d.am.setBluetoothScoOn).toHaveBeenCalledWith(true)
    expect(router.read().current).toBe('bluetooth')
  })

  it('speaker and earpiece leave Bluetooth SCO first, then set the speakerphone', async () => {
    const d = androidDouble(31)
    d.phone.bluetooth = true
    const router = createAndroidAudioRouter(d.plusApi)
    await router.select('bluetooth')
    await router.select('speaker')
    expect(d.am.setBluetoothScoOn).toHaveBeenLastCalledWith(false)
    expect(d.am.stopBluetoothSco).toHaveBeenCalledTimes(1)
    expect(d.am.setSpeakerphoneOn).toHaveBeenLastCalledWith(true)
    expect(router.read().current).toBe('speaker')
    await router.select('earpiece')
    expect(d.am.setSpeakerphoneOn).toHaveBeenLastCalledWith(false)
    expect(router.read().current).toBe('earpiece')
  })

  it('refuses a route the phone does not offer, without touching the AudioManager', async () => {
    const d = androidDouble(31)
    const router = createAndroidAudioRouter(d.plusApi)
    const err = await router.select('bluetooth').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TcccError)
    expect((err as TcccError).symbol).toBe('UNSUPPORTED_ON_PLATFORM')
    expect(d.am.startBluetoothSco).not.toHaveBeenCalled()
    expect(d.am.setSpeakerphoneOn).not.toHaveBeenCalled()
  })
})

describe('watching (polls; no headset events without a native plugin)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('tells listeners when a headset is plugged or unplugged, not on every poll; stops polling when nobody listens', () => {
    vi.useFakeTimers()
    const d = androidDouble(31)
    const router = createAndroidAudioRouter(d.plusApi)
    const seen: AudioOutputs[] = []
    const stop = router.watch((o) => seen.push(o))
    vi.advanceTimersByTime(AUDIO_ROUTE_POLL_MS * 3)
    expect(seen).toEqual([])
    d.phone.wired = true
    vi.advanceTimersByTime(AUDIO_ROUTE_POLL_MS)
    expect(seen).toEqual([{ available: ['speaker', 'wired'], current: 'wired' }])
    d.phone.wired = false
    vi.advanceTimersByTime(AUDIO_ROUTE_POLL_MS)
    expect(seen.at(-1)).toEqual({ available: ['earpiece', 'speaker'], current: 'earpiece' })
    stop()
    const reads = d.am.getDevices.mock.calls.length
    vi.advanceTimersByTime(AUDIO_ROUTE_POLL_MS * 5)
    expect(d.am.getDevices.mock.calls.length).toBe(reads)
    expect(vi.getTimerCount()).toBe(0)
  })
})

/**
 * A double of AVAudioSession as plus.ios exposes it: sharedInstance, currentRoute().outputs()
 * (NSArray: count, objectAtIndex:) of AVAudioSessionPortDescription (portType), availableInputs,
 * overrideOutputAudioPort:error:, setPreferredInput:error:.
 */
function iosDouble() {
  const port = (portType: string) => ({ portType })
  const phone = { outputs: [port(IOS_PORT.receiver)], inputs: [port(IOS_PORT.builtInMic)] }
  const nsArray = (items: unknown[]) => ({ items })
  const session = { calls: [] as Array<[string, unknown[]]> }
  const invoke = fn((obj: unknown, selector: string, ...args: unknown[]): unknown => {
    if (obj === session) session.calls.push([selector, args])
    switch (selector) {
      case 'currentRoute':
        return { route: true }
      case 'outputs':
        return nsArray(phone.outputs)
      case 'availableInputs':
        return nsArray(phone.inputs)
      case 'count':
        return (obj as { items: unknown[] }).items.length
      case 'objectAtIndex:':
        return (obj as { items: unknown[] }).items[args[0] as number]
      case 'portType':
        return (obj as { portType: string }).portType
      case 'overrideOutputAudioPort:error:':
        if (args[0] === IOS_OVERRIDE_SPEAKER) phone.outputs = [port(IOS_PORT.speaker)]
        else if (phone.outputs[0].portType === IOS_PORT.speaker) phone.outputs = [port(IOS_PORT.receiver)]
        return true
      case 'setPreferredInput:error:': {
        const type = (args[0] as { portType: string }).portType
        phone.outputs = [port(type === IOS_PORT.bluetoothHfp ? IOS_PORT.bluetoothHfp : type === IOS_PORT.headsetMic ? IOS_PORT.headphones : IOS_PORT.receiver)]
        return true
      }
      default:
        throw new Error(`unexpected selector ${selector}`)
    }
  })
  const plusApi: PlusIosLike = {
    os: { name: 'iOS' },
    ios: { importClass: (name: string) => (name === 'AVAudioSession' ? { sharedInstance: () => session } : null), invoke },
  }
  return { phone, port, session, plusApi }
}

describe('iOS (AVAudioSession through plus.ios)', () => {
  it('reads the current route and the headsets from availableInputs', () => {
    const d = iosDouble()
    d.phone.inputs.push(d.port(IOS_PORT.bluetoothHfp))
    expect(createIosAudioRouter(d.plusApi).read()).toEqual({ available: ['earpiece', 'speaker', 'bluetooth'], current: 'earpiece' })
  })

  it('a wired headset (HeadsetMicrophone / Headphones) replaces the receiver', () => {
    const d = iosDouble()
    d.phone.inputs = [d.port(IOS_PORT.builtInMic), d.port(IOS_PORT.headsetMic)]
    d.phone.outputs = [d.port(IOS_PORT.headphones)]
    expect(createIosAudioRouter(d.plusApi).read()).toEqual({ available: ['speaker', 'wired'], current: 'wired' })
  })

  it('speaker: overrideOutputAudioPort(Speaker); bluetooth: override none, then setPreferredInput(the HFP port)', async () => {
    const d = iosDouble()
    const hfp = d.port(IOS_PORT.bluetoothHfp)
    d.phone.inputs.push(hfp)
    const router = createIosAudioRouter(d.plusApi)
    await router.select('speaker')
    expect(d.session.calls.filter(([s]) => s === 'overrideOutputAudioPort:error:').at(-1)).toEqual(['overrideOutputAudioPort:error:', [IOS_OVERRIDE_SPEAKER, null]])
    expect(router.read().current).toBe('speaker')
    await router.select('bluetooth')
    expect(d.session.calls.filter(([s]) => s === 'overrideOutputAudioPort:error:').at(-1)?.[1]).toEqual([IOS_OVERRIDE_NONE, null])
    expect(d.session.calls.filter(([s]) => s === 'setPreferredInput:error:').at(-1)?.[1]).toEqual([hfp, null])
    expect(router.read().current).toBe('bluetooth')
    await router.select('earpiece')
    expect((d.session.calls.filter(([s]) => s === 'setPreferredInput:error:').at(-1)?.[1][0] as { portType: string }).portType).toBe(IOS_PORT.builtInMic)
    expect(router.read().current).toBe('earpiece')
  })
})

describe('simulated', () => {
  it('starts with earpiece and speaker; a plugged headset takes the call, unplugged falls back', async () => {
    const router = createSimulatedAudioRouter()
    const seen: AudioOutputs[] = []
    router.watch((o) => seen.push(o))
    expect(router.read()).toEqual({ available: ['earpiece', 'speaker'], current: 'earpiece' })
    router.setRoutes(['bluetooth', 'earpiece', 'speaker'])
    expect(router.read()).toEqual({ available: ['earpiece', 'speaker', 'bluetooth'], current: 'bluetooth' })
    await router.select('speaker')
    router.setRoutes(['earpiece', 'speaker'])
    expect(router.read().current).toBe('speaker')
    expect(seen.map((o) => o.current)).toEqual(['bluetooth', 'speaker', 'speaker'])
    expect(() => router.setRoutes(['radio' as never])).toThrow(RangeError)
    expect(() => router.setRoutes([])).toThrow(RangeError)
  })

  it('refuses an absent route; the onSelect hook sees every move and may fail it', async () => {
    const onSelect = fn((_o: string): TcccError | null => null)
    const router = createSimulatedAudioRouter(onSelect)
    await expect(router.select('wired')).rejects.toBeInstanceOf(TcccError)
    onSelect.mockReturnValueOnce(new TcccError('UNKNOWN', 'injected'))
    await expect(router.select('speaker')).rejects.toMatchObject({ detail: 'injected' })
    expect(router.read().current).toBe('earpiece')
    expect(onSelect.mock.calls.map((c) => c[0])).toEqual(['wired', 'speaker'])
  })
})

describe('deviceAudioRouter', () => {
  it('picks by plus.os.name, and none without plus', () => {
    expect(deviceAudioRouter(undefined)).toBeNull()
    expect(deviceAudioRouter({ os: { name: 'Windows' } })).toBeNull()
    expect(deviceAudioRouter(androidDouble(30).plusApi)?.read().available).toEqual(['earpiece', 'speaker'])
    expect(deviceAudioRouter(iosDouble().plusApi)?.read().current).toBe('earpiece')
  })
})

describe('audio routes (mutation survivors)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('watching: a move to the speaker alone, or a headset appearing alone, is news', async () => {
    vi.useFakeTimers()
    const d = androidDouble(31)
    const router = createAndroidAudioRouter(d.plusApi)
    const seen: AudioOutputs[] = []
    router.watch((o) => seen.push(o))
    await router.select('speaker')
    vi.advanceTimersByTime(AUDIO_ROUTE_POLL_MS)
    expect(seen).toEqual([{ available: ['earpiece', 'speaker'], current: 'speaker' }])
    await router.select('earpiece')
    vi.advanceTimersByTime(AUDIO_ROUTE_POLL_MS)
    d.phone.bluetooth = true
    vi.advanceTimersByTime(AUDIO_ROUTE_POLL_MS)
    expect(seen.slice(1)).toEqual([
      { available: ['earpiece', 'speaker'], current: 'earpiece' },
      { available: ['earpiece', 'speaker', 'bluetooth'], current: 'earpiece' },
    ])
  })

  it('watching: a failed read is logged and skipped, polling goes on; a watcher that started unreadable hears the route', () => {
    vi.useFakeTimers()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const d = androidDouble(31)
    const router = createAndroidAudioRouter(d.plusApi)
    const first: AudioOutputs[] = []
    router.watch((o) => first.push(o))()
    d.am.isSpeakerphoneOn.mockImplementation(() => {
      throw new Error('dead object')
    })
    const seen: AudioOutputs[] = []
    router.watch((o) => seen.push(o))
    vi.advanceTimersByTime(AUDIO_ROUTE_POLL_MS)
    expect(seen).toEqual([])
    expect(warn).toHaveBeenCalledWith('[audio-route] could not read the audio route', expect.any(Error))
    d.am.isSpeakerphoneOn.mockImplementation(() => d.phone.speaker)
    vi.advanceTimersByTime(AUDIO_ROUTE_POLL_MS)
    expect(seen).toEqual([{ available: ['earpiece', 'speaker'], current: 'earpiece' }])
    expect(first).toEqual([])
  })

  it('watching: two watchers share one poll; one leaving keeps the other informed; both leaving stops it', () => {
    vi.useFakeTimers()
    const d = androidDouble(31)
    const router = createAndroidAudioRouter(d.plusApi)
    const a: AudioOutputs[] = []
    const b: AudioOutputs[] = []
    const stopA = router.watch((o) => a.push(o))
    const stopB = router.watch((o) => b.push(o))
    expect(vi.getTimerCount()).toBe(1)
    stopA()
    d.phone.wired = true
    vi.advanceTimersByTime(AUDIO_ROUTE_POLL_MS)
    expect(a).toEqual([])
    expect(b).toEqual([{ available: ['speaker', 'wired'], current: 'wired' }])
    stopB()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a refused route says which one and what the phone offers', async () => {
    const d = androidDouble(31)
    const err = await createAndroidAudioRouter(d.plusApi).select('wired').catch((e: unknown) => e)
    expect((err as TcccError).detail).toBe('audio route wired is not available (earpiece, speaker)')
  })

  it('Android: the AudioManager is looked up once, not on every read', () => {
    const d = androidDouble(31)
    const router = createAndroidAudioRouter(d.plusApi)
    router.read()
    router.read()
    expect(d.activity.getSystemService).toHaveBeenCalledTimes(1)
  })

  it('Android: API 23 itself uses getDevices; headphones and USB headsets count as wired; no device list is no headset', () => {
    const d = androidDouble(23)
    d.phone.wired = true
    expect(createAndroidAudioRouter(d.plusApi).read().available).toEqual(['speaker', 'wired'])
    expect(d.am.isWiredHeadsetOn).not.toHaveBeenCalled()
    for (const type of [ANDROID.TYPE_WIRED_HEADPHONES, ANDROID.TYPE_USB_HEADSET]) {
      const e = androidDouble(31)
      e.am.getDevices.mockImplementation(() => [{ getType: () => type }])
      expect(createAndroidAudioRouter(e.plusApi).read()).toEqual({ available: ['speaker', 'wired'], current: 'wired' })
    }
    const none = androidDouble(31)
    none.am.getDevices.mockImplementation(() => null as never)
    expect(createAndroidAudioRouter(none.plusApi).read()).toEqual({ available: ['earpiece', 'speaker'], current: 'earpiece' })
  })

  it('Android before API 23: no SCO and no A2DP means no Bluetooth route', () => {
    const d = androidDouble(22)
    expect(createAndroidAudioRouter(d.plusApi).read().available).toEqual(['earpiece', 'speaker'])
  })

  it('iOS: with no outputs reported the call is on the wired headset if one is in, else the receiver; nil inputs are none', () => {
    const d = iosDouble()
    d.phone.outputs = []
    expect(createIosAudioRouter(d.plusApi).read().current).toBe('earpiece')
    d.phone.inputs = [d.port(IOS_PORT.headsetMic)]
    expect(createIosAudioRouter(d.plusApi).read()).toEqual({ available: ['speaker', 'wired'], current: 'wired' })

    const nil = iosDouble()
    const invoke = nil.plusApi.ios.invoke
    nil.plusApi.ios.invoke = (obj: unknown, selector: string, ...args: unknown[]) => {
      if (selector === 'availableInputs') return null
      if (typeof obj !== 'object' || obj === null) throw new Error(`${selector} sent to a non-object`)
      return invoke(obj, selector, ...args)
    }
    expect(createIosAudioRouter(nil.plusApi).read()).toEqual({ available: ['earpiece', 'speaker'], current: 'earpiece' })
  })
})

describe('audio routes, more (mutation survivors)', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('Android: leaving the speaker for the earpiece does not touch Bluetooth SCO when it is not on', async () => {
    const d = androidDouble(31)
    const router = createAndroidAudioRouter(d.plusApi)
    await router.select('speaker')
    await router.select('earpiece')
    expect(d.am.setBluetoothScoOn).not.toHaveBeenCalled()
    expect(d.am.stopBluetoothSco).not.toHaveBeenCalled()
  })

  it('iOS: an output port of another kind (CarPlay, AirPlay) is not a route: the next output carries the call, else the receiver', () => {
    const d = iosDouble()
    d.phone.outputs = [d.port('CarAudio')]
    expect(createIosAudioRouter(d.plusApi).read()).toEqual({ available: ['earpiece', 'speaker'], current: 'earpiece' })
    d.phone.outputs = [d.port('AirPlay'), d.port(IOS_PORT.speaker)]
    expect(createIosAudioRouter(d.plusApi).read()).toEqual({ available: ['earpiece', 'speaker'], current: 'speaker' })
  })

  it('iOS: a headset found only among the inputs or only among the outputs still counts', () => {
    const micOnly = iosDouble()
    micOnly.phone.inputs = [micOnly.port(IOS_PORT.builtInMic), micOnly.port(IOS_PORT.headsetMic)]
    micOnly.phone.outputs = [micOnly.port(IOS_PORT.speaker)]
    expect(createIosAudioRouter(micOnly.plusApi).read()).toEqual({ available: ['speaker', 'wired'], current: 'speaker' })
    const headphones = iosDouble()
    headphones.phone.outputs = [headphones.port(IOS_PORT.headphones)]
    expect(createIosAudioRouter(headphones.plusApi).read()).toEqual({ available: ['speaker', 'wired'], current: 'wired' })
    const a2dp = iosDouble()
    a2dp.phone.outputs = [a2dp.port(IOS_PORT.bluetoothA2dp)]
    expect(createIosAudioRouter(a2dp.plusApi).read()).toEqual({ available: ['earpiece', 'speaker', 'bluetooth'], current: 'bluetooth' })
  })

  it('iOS: refuses an absent route without touching the session; earpiece picks the built-in mic, or nothing without one', async () => {
    const d = iosDouble()
    const router = createIosAudioRouter(d.plusApi)
    const err = await router.select('wired').catch((e: unknown) => e)
    expect((err as TcccError).symbol).toBe('UNSUPPORTED_ON_PLATFORM')
    expect(d.session.calls.filter(([s]) => s.startsWith('overrideOutputAudioPort') || s.startsWith('setPreferredInput'))).toEqual([])
    const builtIn = d.phone.inputs[0]
    d.phone.inputs = [d.port(IOS_PORT.bluetoothHfp), builtIn]
    await router.select('earpiece')
    expect(d.session.calls.filter(([s]) => s === 'setPreferredInput:error:').map(([, args]) => args)).toEqual([[builtIn, null]])
    d.phone.inputs = [d.port(IOS_PORT.bluetoothHfp)]
    await router.select('earpiece')
    expect(d.session.calls.filter(([s]) => s === 'setPreferredInput:error:')).toHaveLength(1)
  })

  it('simulated: watchers get the route list, hear nothing for a move to the current route or after leaving', async () => {
    const router = createSimulatedAudioRouter()
    const seen: AudioOutputs[] = []
    const stop = router.watch((o) => seen.push(o))
    await router.select('earpiece')
    expect(seen).toEqual([])
    await router.select('speaker')
    expect(seen).toEqual([{ available: ['earpiece', 'speaker'], current: 'speaker' }])
    stop()
    router.setRoutes(['earpiece', 'speaker', 'wired'])
    expect(seen).toHaveLength(1)
  })

  it('simulated: only a newly plugged headset takes the call; a route already there or a new non-headset does not', async () => {
    const router = createSimulatedAudioRouter()
    router.setRoutes(['earpiece', 'speaker', 'wired'])
    expect(router.read().current).toBe('wired')
    await router.select('speaker')
    router.setRoutes(['earpiece', 'speaker', 'wired'])
    expect(router.read().current).toBe('speaker')
    router.setRoutes(['earpiece'])
    expect(router.read().current).toBe('earpiece')
    router.setRoutes(['earpiece', 'speaker'])
    expect(router.read().current).toBe('earpiece')
    expect(() => router.setRoutes(['radio' as never])).toThrow('simulator: audio routes must be a non-empty list of earpiece, speaker, wired, bluetooth, got ["radio"]')
  })

  it('deviceAudioRouter: the global plus by default; needs both the OS name and its native bridge', () => {
    vi.stubGlobal('plus', androidDouble(30).plusApi)
    expect(deviceAudioRouter()?.read().available).toEqual(['earpiece', 'speaker'])
    expect(deviceAudioRouter({ os: { name: 'Android' } })).toBeNull()
    expect(deviceAudioRouter({ os: { name: 'iOS' } })).toBeNull()
    expect(deviceAudioRouter({ os: { name: 'Windows' }, android: {}, ios: {} })).toBeNull()
  })
})
