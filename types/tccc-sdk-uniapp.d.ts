/**
 * Types for `tccc-sdk-uniapp` (the JS wrapper of the TCCC uni-app native plugin), written from
 * the Tencent Cloud uni-app API guide and the official demo (tccc-agent-uniapp-example).
 * The package ships no types and is not on the registry these machines reach: when it is
 * missing, `build/tcccSdkResolver.ts` supplies a stub with the same exports.
 *
 * Enum values are deliberately typed as plain `number` (not literal values): the app must read
 * them from the package at run time, never assume them.
 */
declare module 'tccc-sdk-uniapp' {
  /** Node-less SDK callback: `code === TcccErrorCode.ERR_NONE` means success. */
  export type TcccCallback = (code: number, message: string) => void

  export interface TcccLoginParams {
    /** Note the capital `ID`. */
    sdkAppID: number
    userId: string
    token: string
    /** `TCCCLoginType.Agent` for an agent. */
    type: number
  }

  export interface TcccCallParams {
    /** Callee number. */
    to: string
    /** Shown instead of the number in the call bar. */
    remark?: string
    /** Custom data returned in call detail records. */
    uui?: string
  }

  /** `onNewSession` payload. */
  export interface TcccSessionInfo {
    sessionId: string
    /** Compare with `TCCCSessionDirection.CallIn` / `.CallOut`. */
    sessionDirection: number
    /** The caller (the customer's number on an incoming call). */
    fromUserId: string
    /** The callee, where the plugin reports it (the native SDKs have it). */
    toUserId?: string
    customHeaderJson?: string
  }

  /** `onNetworkQuality` payload. `quality`: 0 unknown, 1 excellent ... 6 down (TRTC scale). */
  export interface TcccLocalQuality {
    quality: number
    userId?: string
  }

  export interface TcccEventHandlers {
    onNewSession: (info: TcccSessionInfo) => void
    onAccepted: (sessionId: string) => void
    /** `reason`: a `TCCCEndReason` value. */
    onEnded: (reason: number, reasonMessage: string, sessionId: string) => void
    onNetworkQuality: (localQuality: TcccLocalQuality) => void
    /** `volume` 0..100. */
    onAudioVolume: (userId: string, volume: number) => void
    onConnectionLost: (serverType: number | string) => void
    onTryToReconnect: (serverType: number | string) => void
    onConnectionRecovery: (serverType: number | string) => void
    onError: (errCode: number, errMsg: string) => void
    onWarning: (warningCode: number, warningMsg: string) => void
  }

  export type TcccEventName = keyof TcccEventHandlers

  export interface TcccDeviceManager {
    /** A `TCCCAudioRoute` value. */
    setAudioRoute(route: number): void
    setAudioCaptureVolume(volume: number): void
    getAudioCaptureVolume(): number
    setAudioPlayoutVolume(volume: number): void
    getAudioPlayoutVolume(): number
  }

  /** The shared workstation instance (`TcccWorkstation.sharedInstance()`). */
  export interface TcccWorkstationInstance {
    on<K extends TcccEventName>(event: K, handler: TcccEventHandlers[K]): void
    /** Removes the handler of one event; `'*'` removes every handler (avoid: it is global). */
    off(event: TcccEventName | '*'): void
    login(params: TcccLoginParams, callback: TcccCallback): void
    /** Call on app/page show: the OS may have dropped the SIP registration. */
    checkLogin(callback: TcccCallback): void
    logout(callback?: TcccCallback | null): void
    call(params: TcccCallParams, callback?: TcccCallback | null): void
    answer(callback?: TcccCallback | null): void
    terminate(): void
    sendDTMF(digit: string, callback?: TcccCallback | null): void
    mute(): void
    unmute(): void
    /** The official demo calls this spelling; the API guide documents `unmute`. */
    unMute?(): void
    /** Plays a local file (absolute path) or URL `loopCount` times. */
    startPlayMusic(path: string, loopCount: number): void
    stopPlayMusic(): void
    getDeviceManager(): TcccDeviceManager
    setLogLevel(level: number): void
    setConsoleEnabled(enabled: boolean): void
  }

  export interface TcccWorkstationStatic {
    sharedInstance(): TcccWorkstationInstance
    destroyInstance(): void
    getSDKVersion(): string
  }

  export const TcccWorkstation: TcccWorkstationStatic

  export const TCCCLoginType: { readonly Agent: number }
  export const TCCCAudioRoute: { readonly Speakerphone: number; readonly Earpiece: number }
  export const TCCCEndReason: {
    readonly Error: number
    readonly Timeout: number
    readonly LocalBye: number
    readonly RemoteBye: number
    readonly Rejected: number
    readonly RemoteCancel: number
  }
  export const TCCCSessionDirection: { readonly CallIn: number; readonly CallOut: number }
  /** Every symbol of the error table (see src/platform/errors.ts), `ERR_NONE` = success. */
  export const TcccErrorCode: { readonly ERR_NONE: number; readonly [symbol: string]: number }
}
