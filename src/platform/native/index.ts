/**
 * The App platform: `TcccAgentSdk` over `tccc-sdk-uniapp` (the TCCC uni-app native plugin).
 *
 * The package module is a parameter (`src/platform/native/sdkModule.ts` passes the real one,
 * tests a jest-mock double), so this file never imports the package itself. Enum values
 * (`TCCCEndReason`, `TCCCSessionDirection`, `TCCCAudioRoute`, `TCCCLoginType`,
 * `TcccErrorCode.ERR_NONE`) are read from the package at run time, never assumed.
 *
 * When the package (or the native plugin behind it: standard base, H5) is missing,
 * `createNativeTccc` still returns a platform, and every command rejects with
 * `TcccError('SDK_NOT_INSTALLED')`, so the login page can say what to do instead of crashing.
 */
import { TcccError, toTcccError } from '../errors'
import { deviceAudioRouter } from '../audioRoutes'
import { COMMAND_DEADLINE_MS, systemTimers, withDeadline, type CallbackCommand, type DeadlineTimers } from '../deadline'
import type {
  AudioRoute,
  CallDirection,
  CallParams,
  EndReason,
  LoginParams,
  NetworkQuality,
  PlatformCapabilities,
  TcccAgentSdk,
  TcccEvent,
  TcccListener,
  Unsubscribe,
} from '../types'

type SdkPackage = typeof import('tccc-sdk-uniapp')
type Workstation = import('tccc-sdk-uniapp').TcccWorkstationInstance
type SdkCallback = import('tccc-sdk-uniapp').TcccCallback
type SdkHandlers = import('tccc-sdk-uniapp').TcccEventHandlers
type SdkEventName = import('tccc-sdk-uniapp').TcccEventName

/** The parts of the `tccc-sdk-uniapp` module this adapter uses. */
export type TcccSdkModule = Pick<
  SdkPackage,
  'TcccWorkstation' | 'TCCCLoginType' | 'TCCCAudioRoute' | 'TCCCEndReason' | 'TCCCSessionDirection' | 'TcccErrorCode'
>

/**
 * `startPlayMusic` loop count for the ringtone: the official demo rings with 9999 (the API
 * guide does not document -1 as "forever"); `stopRinging` ends it long before.
 */
export const RINGTONE_LOOP_COUNT = 9999

const DTMF_DIGIT = /^[0-9*#]$/
/** Success in the Android/iOS error tables (`ERR_SIP_SUCCESS`); the uni-app table names only ERR_NONE. */
const ERR_SIP_SUCCESS = 200

/**
 * Enum comparison that tolerates the bridge delivering a number as a string
 * (the official demo compares with `==` for the same reason).
 */
function sameValue(actual: unknown, expected: unknown): boolean {
  return actual === expected || (actual !== undefined && actual !== null && String(actual) === String(expected))
}

function toQuality(value: unknown): NetworkQuality {
  const raw = typeof value === 'object' && value !== null ? (value as { quality?: unknown }).quality : value
  const quality = Number(raw)
  return Number.isInteger(quality) && quality >= 0 && quality <= 6 ? (quality as NetworkQuality) : 0
}

function toVolume(value: unknown): number {
  const volume = Number(value)
  return Number.isFinite(volume) ? Math.min(100, Math.max(0, volume)) : 0
}

/**
 * `startPlayMusic` needs an absolute local path: a bundled '/static/x.wav' lives under the
 * App's `_www` directory. Remote URLs and non-App runtimes keep the URL as given.
 */
export function ringtonePath(url: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || typeof plus === 'undefined' || !plus.io) return url
  return plus.io.convertLocalFileSystemURL(`_www${url.startsWith('/') ? url : `/${url}`}`)
}

export interface NativeTcccOptions {
  /** Per-command bound on the `(code, message)` callback (default `COMMAND_DEADLINE_MS`). */
  deadlines?: Partial<Record<CallbackCommand, number>>
  timers?: DeadlineTimers
  /** Whether the base carries the native plugin (default: asks `uni.requireNativePlugin`). */
  nativePluginPresent?: () => boolean
}

/** The DCloud native plugin `tccc-sdk-uniapp` wraps (manifest.json `nativePlugins`). */
export const TCCC_NATIVE_PLUGIN = 'TcccWorkstationUniPlugin-TcccWorkstationImpl'

/**
 * The standard base, or a custom base built without the plugin, answers
 * `requireNativePlugin` with nothing while the package's JS wrapper still hands out an object:
 * without this check the first command failed as "something went wrong, try again" instead of
 * saying to install the plugin and use the custom base. Unknown (no such API): assumed present.
 */
function basePluginPresent(): boolean {
  const api = (globalThis as { uni?: { requireNativePlugin?: (name: string) => unknown } }).uni
  if (typeof api?.requireNativePlugin !== 'function') return true
  try {
    return Boolean(api.requireNativePlugin(TCCC_NATIVE_PLUGIN))
  } catch {
    return false
  }
}

export function createNativeTccc(sdk: TcccSdkModule, options: NativeTcccOptions = {}): TcccAgentSdk {
  const deadlines = { ...COMMAND_DEADLINE_MS, ...options.deadlines }
  const timers = options.timers ?? systemTimers
  let workstation: Workstation | null = null
  let unavailable: TcccError | null = null
  try {
    if (!(options.nativePluginPresent ?? basePluginPresent)()) {
      throw new TcccError('SDK_NOT_INSTALLED', `native plugin ${TCCC_NATIVE_PLUGIN} is not in this base`)
    }
    workstation = sdk.TcccWorkstation.sharedInstance()
    if (!workstation) throw new Error('TcccWorkstation.sharedInstance() returned nothing')
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err)
    unavailable = err instanceof TcccError && err.symbol === 'SDK_NOT_INSTALLED' ? err : new TcccError('SDK_NOT_INSTALLED', detail)
    workstation = null
  }

  const listeners = new Set<TcccListener>()
  let registered: SdkEventName[] = []
  /** The outbound call being placed: `onNewSession` may not carry the callee or the remark. */
  let pendingCall: CallParams | null = null

  function requireWorkstation(): Workstation {
    if (!workstation) throw unavailable ?? new TcccError('SDK_NOT_INSTALLED')
    return workstation
  }

  function emit(event: TcccEvent): void {
    for (const listener of [...listeners]) {
      try {
        listener(event)
      } catch (err) {
        console.error('[tccc-native] listener failed on', event.type, err)
      }
    }
  }

  /**
   * A command with a `(code, message)` callback: ERR_NONE (or ERR_SIP_SUCCESS) resolves, anything else rejects, and
   * no callback within the command's deadline rejects `SDK_NO_RESPONSE` (a late one is ignored).
   */
  function withCallback(command: CallbackCommand, invoke: (ws: Workstation, done: SdkCallback) => void): Promise<void> {
    const answered = new Promise<void>((resolve, reject) => {
      try {
        invoke(requireWorkstation(), (code, message) => {
          // The Android/iOS tables the plugin wraps also name 200 ERR_SIP_SUCCESS a success.
          if (sameValue(code, sdk.TcccErrorCode.ERR_NONE) || sameValue(code, ERR_SIP_SUCCESS)) resolve()
          else reject(TcccError.fromCode(Number(code), message == null ? '' : String(message)))
        })
      } catch (err) {
        reject(toTcccError(err))
      }
    })
    return withDeadline(command, answered, deadlines[command], timers)
  }

  /** A command the SDK offers without a callback: done once it returned without throwing. */
  function immediate(invoke: (ws: Workstation) => void): Promise<void> {
    try {
      invoke(requireWorkstation())
      return Promise.resolve()
    } catch (err) {
      return Promise.reject(toTcccError(err))
    }
  }

  function directionOf(value: unknown): CallDirection {
    if (sameValue(value, sdk.TCCCSessionDirection.CallIn)) return 'in'
    if (sameValue(value, sdk.TCCCSessionDirection.CallOut)) return 'out'
    // Unknown value: an outbound session is only plausible while we are placing a call.
    return pendingCall ? 'out' : 'in'
  }

  function endReasonOf(value: unknown): EndReason {
    const reasons = sdk.TCCCEndReason
    const table: [unknown, EndReason][] = [
      [reasons.Error, 'error'],
      [reasons.Timeout, 'timeout'],
      [reasons.LocalBye, 'local-bye'],
      [reasons.RemoteBye, 'remote-bye'],
      [reasons.Rejected, 'rejected'],
      [reasons.RemoteCancel, 'remote-cancel'],
    ]
    return table.find(([sdkValue]) => sameValue(value, sdkValue))?.[1] ?? 'unknown'
  }

  const handlers: SdkHandlers = {
    onNewSession(info) {
      const direction = directionOf(info?.sessionDirection)
      const sessionId = String(info?.sessionId ?? '')
      if (direction === 'out') {
        const placed = pendingCall
        pendingCall = null
        emit({
          type: 'newSession',
          sessionId,
          direction,
          // The number the app dialled: `toUserId` is not in the uni-app guide, and the Android
          // guide's callee is a SIP URI ("sip:1343xxxx@1400xxxx.tccc.qcloud.com"), which would key
          // history and number status by a URI. The SDK's value only for a call placed elsewhere.
          peer: String(placed?.to || info?.toUserId || ''),
          ...(placed?.remark !== undefined ? { remark: placed.remark } : {}),
        })
      } else {
        emit({ type: 'newSession', sessionId, direction, peer: String(info?.fromUserId ?? '') })
      }
    },
    onAccepted(sessionId) {
      emit({ type: 'accepted', sessionId: String(sessionId ?? '') })
    },
    onEnded(reason, reasonMessage, sessionId) {
      emit({ type: 'ended', sessionId: String(sessionId ?? ''), reason: endReasonOf(reason), message: String(reasonMessage ?? '') })
    },
    onNetworkQuality(localQuality) {
      emit({ type: 'networkQuality', quality: toQuality(localQuality) })
    },
    onAudioVolume(userId, volume) {
      emit({ type: 'audioVolume', userId: String(userId ?? ''), volume: toVolume(volume) })
    },
    onConnectionLost(serverType) {
      emit({ type: 'connectionLost', server: String(serverType ?? '') })
    },
    onTryToReconnect(serverType) {
      emit({ type: 'reconnecting', server: String(serverType ?? '') })
    },
    onConnectionRecovery(serverType) {
      emit({ type: 'connectionRecovered', server: String(serverType ?? '') })
    },
    onError(code, message) {
      emit({ type: 'error', code: Number(code), message: String(message ?? '') })
    },
    onWarning(code, message) {
      emit({ type: 'warning', code: Number(code), message: String(message ?? '') })
    },
  }

  function registerHandlers(): void {
    if (!workstation || registered.length > 0) return
    for (const name of Object.keys(handlers) as SdkEventName[]) {
      // Each handler is registered by name so dispose can remove exactly these (never '*').
      workstation.on(name, handlers[name] as never)
      registered.push(name)
    }
  }

  // tccc-sdk-uniapp has no hold, transfer, internal call, caller number or seat status API;
  // the seat status goes through the token backend instead (SetStaffStatus, server/README.md).
  const capabilities: PlatformCapabilities = {
    audioRoute: true,
    sdkRinging: true,
    incomingCalls: true,
    hold: false,
    transfer: false,
    internalCall: false,
    callerNumber: false,
    agentStatus: false,
    agentStatusViaBackend: true,
  }
  const unsupported = (what: string): Promise<void> => Promise.reject(new TcccError('UNSUPPORTED_ON_PLATFORM', `${what} is not in tccc-sdk-uniapp`))

  return {
    kind: 'native',
    capabilities,
    audioRouter: deviceAudioRouter(),

    login({ sdkAppId, userId, token }: LoginParams) {
      return withCallback('login', (ws, done) =>
        ws.login({ sdkAppID: sdkAppId, userId, token, type: sdk.TCCCLoginType.Agent }, done),
      )
    },
    checkLogin: () => withCallback('checkLogin', (ws, done) => ws.checkLogin(done)),
    logout: () => withCallback('logout', (ws, done) => ws.logout(done)),

    call(params: CallParams) {
      // Only the documented keys, and no `undefined` values crossing the native bridge.
      const request = {
        to: params.to,
        ...(params.remark !== undefined ? { remark: params.remark } : {}),
        ...(params.uui !== undefined ? { uui: params.uui } : {}),
      }
      pendingCall = { ...request }
      return withCallback('call', (ws, done) => ws.call(request, done)).catch((err: unknown) => {
        pendingCall = null
        throw err
      })
    },
    callSeat: () => unsupported('callSeat'),
    answer: () => withCallback('answer', (ws, done) => ws.answer(done)),
    terminate: () => immediate((ws) => ws.terminate()),
    mute: () => immediate((ws) => ws.mute()),
    unmute: () =>
      immediate((ws) => {
        if (typeof ws.unmute === 'function') ws.unmute()
        else if (typeof ws.unMute === 'function') ws.unMute()
        else throw new Error('the SDK offers neither unmute() nor unMute()')
      }),
    sendDTMF(digit: string) {
      if (!DTMF_DIGIT.test(digit)) return Promise.reject(new TcccError('INVALID_DTMF', `digit ${JSON.stringify(digit)}`))
      return withCallback('sendDTMF', (ws, done) => ws.sendDTMF(digit, done))
    },
    setAudioRoute(route: AudioRoute) {
      return immediate((ws) => {
        const routes = sdk.TCCCAudioRoute
        ws.getDeviceManager().setAudioRoute(route === 'speakerphone' ? routes.Speakerphone : routes.Earpiece)
      })
    },
    setAgentStatus: () => unsupported('setAgentStatus'),
    hold: () => unsupported('hold'),
    unhold: () => unsupported('unhold'),
    transfer: () => unsupported('transfer'),
    startRinging: (url: string) => immediate((ws) => ws.startPlayMusic(ringtonePath(url), RINGTONE_LOOP_COUNT)),
    stopRinging: () => immediate((ws) => ws.stopPlayMusic()),
    version() {
      try {
        return String(sdk.TcccWorkstation.getSDKVersion() ?? '')
      } catch {
        return ''
      }
    },

    subscribe(listener: TcccListener): Unsubscribe {
      registerHandlers()
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    dispose() {
      listeners.clear()
      if (workstation) for (const name of registered) workstation.off(name)
      registered = []
    },
  }
}
