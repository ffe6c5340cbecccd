/**
 * Where the call's sound goes on the phone: earpiece, speaker, a wired headset or a Bluetooth
 * headset. The TCCC SDK only switches speaker/earpiece (`setAudioRoute`); agents wear headsets,
 * so this reads and moves the route through the system audio APIs:
 *
 * - Android (`plus.android`, Native.js): `AudioManager` from `runtimeMainActivity()
 *   .getSystemService(Context.AUDIO_SERVICE)`. Headsets: `getDevices(GET_DEVICES_OUTPUTS)` on
 *   API 23+ (AudioDeviceInfo types), else `isWiredHeadsetOn()` / `isBluetoothScoOn()` /
 *   `isBluetoothA2dpOn()`. Moving: `setSpeakerphoneOn`, `startBluetoothSco` +
 *   `setBluetoothScoOn(true)` for Bluetooth, `stopBluetoothSco` + `setBluetoothScoOn(false)` to
 *   leave it (Android then uses the wired headset when one is plugged, else the earpiece).
 * - iOS (`plus.ios`): `AVAudioSession.sharedInstance()`: `currentRoute().outputs()[i].portType()`
 *   says what carries the call, `availableInputs()` which headsets are there; moving:
 *   `overrideOutputAudioPort:error:` (speaker / none) and `setPreferredInput:error:` (the
 *   headset's or the built-in microphone, which takes the output with it).
 * - Simulated (H5 / tests): an in-memory route set the simulator's `setAudioRoutes` changes.
 *
 * Nothing here can be verified without a phone: the unit tests drive doubles built from the
 * documented signatures (src/platform/native/README.md lists what needs a device).
 */
import type { AudioOutput, AudioOutputs, AudioRouter, Unsubscribe } from './types'
import { TcccError } from './errors'

export const AUDIO_OUTPUTS: readonly AudioOutput[] = ['earpiece', 'speaker', 'wired', 'bluetooth']
/** How often a watched route set is read again (no headset events without a native plugin). */
export const AUDIO_ROUTE_POLL_MS = 1500

export function isAudioOutput(value: unknown): value is AudioOutput {
  return typeof value === 'string' && (AUDIO_OUTPUTS as readonly string[]).includes(value)
}

/** Always in the order of AUDIO_OUTPUTS, so a chooser lists them the same way every time. */
function ordered(outputs: Iterable<AudioOutput>): AudioOutput[] {
  const set = new Set(outputs)
  return AUDIO_OUTPUTS.filter((o) => set.has(o))
}

function sameOutputs(a: AudioOutputs | null, b: AudioOutputs): boolean {
  return !!a && a.current === b.current && a.available.join() === b.available.join()
}

/** Polls `read` while someone watches and tells them when the route set or the route changed. */
function polledWatch(read: () => AudioOutputs, intervalMs: number): (listener: (o: AudioOutputs) => void) => Unsubscribe {
  const listeners = new Set<(o: AudioOutputs) => void>()
  let timer: ReturnType<typeof setInterval> | undefined
  let last: AudioOutputs | null = null
  function tick(): void {
    let now: AudioOutputs
    try {
      now = read()
    } catch (error) {
      console.warn('[audio-route] could not read the audio route', error)
      return
    }
    if (sameOutputs(last, now)) return
    last = now
    for (const listener of [...listeners]) listener(now)
  }
  return (listener) => {
    listeners.add(listener)
    if (timer === undefined) {
      try {
        last = read()
      } catch {
        last = null
      }
      timer = setInterval(tick, intervalMs)
    }
    return () => {
      listeners.delete(listener)
      if (listeners.size === 0 && timer !== undefined) {
        clearInterval(timer)
        timer = undefined
      }
    }
  }
}

function notAvailable(output: AudioOutput, available: AudioOutput[]): TcccError {
  return new TcccError('UNSUPPORTED_ON_PLATFORM', `audio route ${output} is not available (${available.join(', ')})`)
}

// ---------------------------------------------------------------------------------------------
// Android

/* eslint-disable @typescript-eslint/no-explicit-any -- Native.js hands out untyped Java proxies */
/** The part of `plus` (HTML5+) used on Android. */
export interface PlusAndroidLike {
  os: { name: string }
  android: {
    importClass(name: string | object): any
    runtimeMainActivity(): any
    invoke(obj: any, method: string, ...args: unknown[]): any
  }
}
/** The part of `plus` used on iOS. */
export interface PlusIosLike {
  os: { name: string }
  ios: {
    importClass(name: string): any
    invoke(obj: any, selector: string, ...args: unknown[]): any
    deleteObject?(obj: any): void
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** AudioManager.GET_DEVICES_OUTPUTS and the AudioDeviceInfo.TYPE_* values that matter here. */
export const ANDROID = {
  GET_DEVICES_OUTPUTS: 2,
  TYPE_BUILTIN_EARPIECE: 1,
  TYPE_WIRED_HEADSET: 3,
  TYPE_WIRED_HEADPHONES: 4,
  TYPE_BLUETOOTH_SCO: 7,
  TYPE_USB_HEADSET: 22,
  /** Build.VERSION_CODES.M: AudioManager.getDevices. */
  API_M: 23,
} as const

interface AndroidAudioManager {
  isWiredHeadsetOn(): boolean
  isBluetoothScoOn(): boolean
  isBluetoothA2dpOn(): boolean
  isSpeakerphoneOn(): boolean
  setSpeakerphoneOn(on: boolean): void
  startBluetoothSco(): void
  stopBluetoothSco(): void
  setBluetoothScoOn(on: boolean): void
}

export function createAndroidAudioRouter(plusApi: PlusAndroidLike, pollMs = AUDIO_ROUTE_POLL_MS): AudioRouter {
  const android = plusApi.android
  let manager: AndroidAudioManager | null = null
  function audioManager(): AndroidAudioManager {
    if (manager) return manager
    const Context = android.importClass('android.content.Context')
    const am = android.runtimeMainActivity().getSystemService(Context.AUDIO_SERVICE)
    // importClass on an instance makes its Java methods callable as JS methods.
    android.importClass(am)
    manager = am as AndroidAudioManager
    return manager
  }
  function sdkInt(): number {
    try {
      return Number(android.importClass('android.os.Build$VERSION').SDK_INT) || 0
    } catch {
      return 0
    }
  }
  /** Which headsets are connected (not which one plays). */
  function headsets(am: AndroidAudioManager): { wired: boolean; bluetooth: boolean } {
    if (sdkInt() >= ANDROID.API_M) {
      const devices = android.invoke(am, 'getDevices', ANDROID.GET_DEVICES_OUTPUTS) as ArrayLike<unknown> | null
      const types = Array.from(devices ?? [], (d) => Number(android.invoke(d, 'getType')))
      return {
        wired: types.some((t) => t === ANDROID.TYPE_WIRED_HEADSET || t === ANDROID.TYPE_WIRED_HEADPHONES || t === ANDROID.TYPE_USB_HEADSET),
        bluetooth: types.includes(ANDROID.TYPE_BLUETOOTH_SCO),
      }
    }
    return { wired: !!am.isWiredHeadsetOn(), bluetooth: !!am.isBluetoothScoOn() || !!am.isBluetoothA2dpOn() }
  }
  function read(): AudioOutputs {
    const am = audioManager()
    const { wired, bluetooth } = headsets(am)
    // A plugged wired headset takes the earpiece's place (Android routes voice to it).
    const available = ordered([wired ? 'wired' : 'earpiece', 'speaker', ...(bluetooth ? (['bluetooth'] as const) : [])])
    let current: AudioOutput
    if (am.isSpeakerphoneOn()) current = 'speaker'
    else if (bluetooth && am.isBluetoothScoOn()) current = 'bluetooth'
    else current = wired ? 'wired' : 'earpiece'
    return { available, current }
  }
  return {
    read,
    async select(output) {
      const { available } = read()
      if (!available.includes(output)) throw notAvailable(output, available)
      const am = audioManager()
      if (output === 'bluetooth') {
        am.setSpeakerphoneOn(false)
        am.startBluetoothSco()
        am.setBluetoothScoOn(true)
        return
      }
      if (am.isBluetoothScoOn()) {
        am.setBluetoothScoOn(false)
        am.stopBluetoothSco()
      }
      // earpiece and wired are the same command: with the speaker off Android picks the headset.
      am.setSpeakerphoneOn(output === 'speaker')
    },
    watch: polledWatch(read, pollMs),
  }
}

// ---------------------------------------------------------------------------------------------
// iOS

/** AVAudioSessionPort* values (their string values, which portType returns). */
export const IOS_PORT = {
  receiver: 'Receiver',
  speaker: 'Speaker',
  headphones: 'Headphones',
  headsetMic: 'HeadsetMicrophone',
  builtInMic: 'MicrophoneBuiltIn',
  bluetoothHfp: 'BluetoothHFP',
  bluetoothA2dp: 'BluetoothA2DPOutput',
  bluetoothLe: 'BluetoothLE',
  usbAudio: 'USBAudio',
} as const
/** AVAudioSessionPortOverrideSpeaker ('spkr' as a FourCC) and AVAudioSessionPortOverrideNone. */
export const IOS_OVERRIDE_SPEAKER = 0x73706b72
export const IOS_OVERRIDE_NONE = 0

function iosOutputOf(portType: string): AudioOutput | null {
  switch (portType) {
    case IOS_PORT.receiver:
      return 'earpiece'
    case IOS_PORT.speaker:
      return 'speaker'
    case IOS_PORT.headphones:
    case IOS_PORT.headsetMic:
    case IOS_PORT.usbAudio:
      return 'wired'
    case IOS_PORT.bluetoothHfp:
    case IOS_PORT.bluetoothA2dp:
    case IOS_PORT.bluetoothLe:
      return 'bluetooth'
    default:
      return null
  }
}

export function createIosAudioRouter(plusApi: PlusIosLike, pollMs = AUDIO_ROUTE_POLL_MS): AudioRouter {
  const ios = plusApi.ios
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ObjC proxy
  function session(): any {
    return ios.importClass('AVAudioSession').sharedInstance()
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ObjC proxies
  function each(array: any): any[] {
    if (!array) return []
    const count = Number(ios.invoke(array, 'count')) || 0
    return Array.from({ length: count }, (_, i) => ios.invoke(array, 'objectAtIndex:', i))
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ObjC proxy
  function portType(port: any): string {
    return String(ios.invoke(port, 'portType'))
  }
  /** Inputs are what can be chosen on iOS: a headset's microphone brings its output along. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ObjC proxies
  function inputs(s: any): any[] {
    return each(ios.invoke(s, 'availableInputs'))
  }
  function read(): AudioOutputs {
    const s = session()
    const route = ios.invoke(s, 'currentRoute')
    const outputs = each(ios.invoke(route, 'outputs'))
      .map((p) => iosOutputOf(portType(p)))
      .filter((o): o is AudioOutput => o !== null)
    const inputKinds = inputs(s).map((p) => iosOutputOf(portType(p)))
    const wired = inputKinds.includes('wired') || outputs.includes('wired')
    const bluetooth = inputKinds.includes('bluetooth') || outputs.includes('bluetooth')
    // With a wired headset in, iOS plays calls there, never through the receiver.
    const available = ordered([wired ? 'wired' : 'earpiece', 'speaker', ...(bluetooth ? (['bluetooth'] as const) : [])])
    const current = outputs[0] ?? (wired ? 'wired' : 'earpiece')
    return { available, current }
  }
  return {
    read,
    async select(output) {
      const { available } = read()
      if (!available.includes(output)) throw notAvailable(output, available)
      const s = session()
      if (output === 'speaker') {
        ios.invoke(s, 'overrideOutputAudioPort:error:', IOS_OVERRIDE_SPEAKER, null)
        return
      }
      ios.invoke(s, 'overrideOutputAudioPort:error:', IOS_OVERRIDE_NONE, null)
      const wanted = output === 'earpiece' ? IOS_PORT.builtInMic : null
      const port = inputs(s).find((p) => (wanted ? portType(p) === wanted : iosOutputOf(portType(p)) === output))
      if (port) ios.invoke(s, 'setPreferredInput:error:', port, null)
    },
    watch: polledWatch(read, pollMs),
  }
}

// ---------------------------------------------------------------------------------------------
// Simulated

export interface SimulatedAudioRouter extends AudioRouter {
  /** The phone now offers these routes (e.g. a headset was plugged); listeners hear at once. */
  setRoutes(available: AudioOutput[]): void
}

/** What a phone falls back to when the route in use disappears: a headset first. */
function fallback(available: AudioOutput[]): AudioOutput {
  return (['bluetooth', 'wired', 'earpiece', 'speaker'] as const).find((o) => available.includes(o)) ?? 'earpiece'
}

/** `onSelect` sees every move first; an error it returns is the move's failure (failNext). */
export function createSimulatedAudioRouter(onSelect?: (output: AudioOutput) => TcccError | null): SimulatedAudioRouter {
  let state: AudioOutputs = { available: ['earpiece', 'speaker'], current: 'earpiece' }
  const listeners = new Set<(o: AudioOutputs) => void>()
  const publish = () => {
    for (const listener of [...listeners]) listener({ ...state, available: [...state.available] })
  }
  return {
    read: () => ({ ...state, available: [...state.available] }),
    async select(output) {
      const refused = onSelect?.(output)
      if (refused) throw refused
      if (!state.available.includes(output)) throw notAvailable(output, state.available)
      if (state.current === output) return
      state = { ...state, current: output }
      publish()
    },
    watch(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    setRoutes(available) {
      const bad = available.filter((o) => !isAudioOutput(o))
      if (bad.length > 0 || available.length === 0) {
        throw new RangeError(`simulator: audio routes must be a non-empty list of ${AUDIO_OUTPUTS.join(', ')}, got ${JSON.stringify(available)}`)
      }
      const next = ordered(available)
      // A new headset takes the call, as phones do; a vanished route falls back.
      const added = next.filter((o) => !state.available.includes(o) && (o === 'wired' || o === 'bluetooth'))
      const current = added.length > 0 ? fallback(added) : next.includes(state.current) ? state.current : fallback(next)
      state = { available: next, current }
      publish()
    },
  }
}

// ---------------------------------------------------------------------------------------------

/** The router for this phone from the global `plus` (App), or null (browser, tests). */
export function deviceAudioRouter(plusApi: unknown = typeof plus !== 'undefined' ? plus : undefined): AudioRouter | null {
  const p = plusApi as { os?: { name?: string }; android?: unknown; ios?: unknown } | undefined
  if (!p?.os) return null
  if (p.os.name === 'Android' && p.android) return createAndroidAudioRouter(p as PlusAndroidLike)
  if (p.os.name === 'iOS' && p.ios) return createIosAudioRouter(p as PlusIosLike)
  return null
}
