/**
 * The parts of the TCCC Web SDK global (`window.tccc`) this adapter uses, as documented in
 * the seeds (`000_*`, `004_*`, Web part of `003_*`). The docs disagree on some return types
 * (`isMicMuted` is `boolean` in one guide, `Promise<CommonSDKResponse>` in the API reference),
 * so results the adapter reads are `unknown` and parsed defensively in `adapter.ts`.
 */

/** `CommonSDKResponse`: `status` 'success' | 'error', `errorMsg` on error (examples also read `errMsg`). */
export interface WebSdkResponse {
  status?: 'success' | 'error'
  errorMsg?: string
  errMsg?: string
  data?: unknown
}

export type WebSdkResult = Promise<unknown> | unknown

export interface WebSdkSessionOptions {
  sessionId: string
}

export interface WebSdkOutboundOptions {
  phoneNumber: string
  /** Shown in the SDK call bar instead of the number. */
  phoneDesc?: string
  /** Custom data echoed back in CDR pushes. */
  uui?: string
  /** 003/000: "callerPhoneNumber 指定外呼号码", the business number the customer sees. */
  callerPhoneNumber?: string
}

/** Event names the adapter listens to (`tccc.events.<name>` holds the string). */
export const WEB_SDK_EVENTS = [
  'ready',
  'tokenExpired',
  'callIn',
  'callOuted',
  'calloutAccepted',
  'userAccessed',
  'autoTransfer',
  'sessionEnded',
  'statusChanged',
] as const

export type WebSdkEventName = (typeof WEB_SDK_EVENTS)[number]

// The SDK hands every event a payload object whose shape differs per event; parsed in the adapter.
export type WebSdkHandler = (payload?: unknown) => void

export interface TcccWebSdk {
  on(event: string, handler: WebSdkHandler): void
  off(event: string, handler: WebSdkHandler): void
  events?: Partial<Record<WebSdkEventName, string>>
  Call: {
    startOutboundCall(options: WebSdkOutboundOptions): WebSdkResult
    accept(options: WebSdkSessionOptions): WebSdkResult
    hungUp(options: WebSdkSessionOptions): WebSdkResult
    muteMic(options: WebSdkSessionOptions): WebSdkResult
    unmuteMic(options: WebSdkSessionOptions): WebSdkResult
    isMicMuted(options: WebSdkSessionOptions): WebSdkResult
    /** The API reference names the digits field `dtmfText`. */
    sendDigits(options: WebSdkSessionOptions & { dtmfText: string }): WebSdkResult
    /** 003: `tccc.Call.hold({ sessionId })` / `tccc.Call.unHold({ sessionId })`. */
    hold?(options: WebSdkSessionOptions): WebSdkResult
    unHold?(options: WebSdkSessionOptions): WebSdkResult
    /** 000 "#### 内部通话" / 003 "发起内部通话": `startInternalCall({ calleeUserId, useMobile? })`. */
    startInternalCall?(options: { calleeUserId: string; useMobile?: boolean }): WebSdkResult
    /** 003/000: `tccc.Call.transfer({ sessionId, skillGroupId? , userId? })`. */
    transfer?(options: WebSdkSessionOptions & { skillGroupId?: string; userId?: string }): WebSdkResult
  }
  Agent: {
    online(): WebSdkResult
    offline(): WebSdkResult
    /** 003: `setStatus({ status: free|rest|arrange|notReady|stopNotReady, restReason? })`. */
    setStatus?(options: { status: string; restReason?: string }): WebSdkResult
    getStatus?(): unknown
  }
  Devices: {
    isBrowserSupported(): boolean
  }
  UI?: {
    hide?(): void
  }
  /** Not documented; read only for `version()` when present. */
  version?: unknown
}

/** What the adapter needs from the page: injectable so unit tests can pass a stand-in. */
export interface WebHost {
  /** Undefined in some test DOMs; then https or localhost counts as secure. */
  isSecureContext?: boolean
  /** `origin`: where the fake SDK may come from (sdkUrl.ts); absent means nowhere. */
  location: { protocol: string; hostname: string; origin?: string }
  document: Document
  tccc?: TcccWebSdk
}
