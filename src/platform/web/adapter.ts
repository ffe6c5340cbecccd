/**
 * `TcccAgentSdk` over the TCCC Web SDK (H5 builds with `VITE_TCCC_PLATFORM=web`).
 *
 * Login injects the one-time `sdkUrl` script (token, sdkAppId and userid in its dataset, as the
 * docs show), waits for `tccc.events.ready`, then checks `Devices.isBrowserSupported()`.
 * Re-login follows the docs: the SDK never renews its token ("SDK 初始化完成后，不需要续期
 * Token") and is re-initialised by loading the script again with a fresh token ("重新使用不同的
 * UserId初始化SDK" / tokenExpired: "重新初始化SDK"). So:
 * - logout only takes the seat offline (`tccc.Agent.offline()`); the SDK stays loaded;
 * - login for the same agent while the loaded SDK is ready and its token not expired just
 *   calls `tccc.Agent.online()` and injects nothing (the fresh sdkUrl is left unused);
 * - login for another agent, after `tokenExpired`, or after a failed load replaces the script
 *   (old handlers off, old `<script>` removed, the new one injected): never two SDK scripts.
 */
import { TcccError, toTcccError } from '../errors'
import { withDeadline } from '../deadline'
import { createRingtonePlayer, type RingtonePlayer, startRingtone } from '../ringtone'
import type {
  AgentStatus,
  CallDirection,
  CallParams,
  EndReason,
  LoginParams,
  PlatformCapabilities,
  SeatCallParams,
  SettableAgentStatus,
  TcccAgentSdk,
  TcccEvent,
  TcccListener,
  TransferTarget,
  Unsubscribe,
} from '../types'
import { isSdkUrlAllowed, mockSdkAllowed, sdkHostsFromBuild, type SdkUrlPolicy } from './sdkUrl'
import { WEB_SDK_EVENTS, type TcccWebSdk, type WebHost, type WebSdkEventName, type WebSdkHandler } from './webSdk'

export const DEFAULT_READY_TIMEOUT_MS = 15_000
/** The script element carries this attribute so a re-login finds and replaces it. */
export const SDK_SCRIPT_MARKER = 'data-tccc-web-sdk'
/** `ERR_HTTP_TOKEN_ERROR`: what `tokenExpired` becomes (the session store renews on it). */
const TOKEN_ERROR_CODE = -10002

const DTMF_DIGIT = /^[0-9*#]$/

export interface WebTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** A loaded SDK script; `remove()` takes its element out of the page. */
export interface ScriptHandle {
  remove(): void
}

/**
 * Loads `src` as a classic script with `dataset` on the element; resolves on `load`, rejects on
 * `error`. The default one appends a `<script>` to the host document.
 */
export type ScriptLoader = (src: string, dataset: Record<string, string>, host: WebHost) => Promise<ScriptHandle>

/** Injection points so unit tests run under happy-dom with a controlled page and clock. */
export interface WebTcccOptions {
  /** The page (default: the global `window`). */
  host?: WebHost
  loadScript?: ScriptLoader
  /** Milliseconds from injecting the script to `ready` (default 15 000). */
  readyTimeoutMs?: number
  timers?: WebTimers
  /** Default: `createRingtonePlayer()` from `src/platform/ringtone.ts`, made on first use. */
  ringtone?: RingtonePlayer
  /** Which sdkUrl may be injected (default: `defaultSdkUrlPolicy(host)`, see sdkUrl.ts). */
  sdkUrlPolicy?: SdkUrlPolicy
}

/** The build's policy: `VITE_TCCC_SDK_HOSTS`, and the fake SDK on the page's own origin unless `VITE_TCCC_MOCK_SDK=off`. */
export function defaultSdkUrlPolicy(host: WebHost): SdkUrlPolicy {
  const env = (import.meta.env ?? {}) as { VITE_TCCC_SDK_HOSTS?: string; VITE_TCCC_MOCK_SDK?: string }
  const origin = host.location.origin
  return {
    hosts: sdkHostsFromBuild(env.VITE_TCCC_SDK_HOSTS),
    mockOrigins: mockSdkAllowed(env.VITE_TCCC_MOCK_SDK) && origin ? [origin] : [],
  }
}

/** `sessionEnded.closeBy` (seat | client | admin | timer) to the app's end reason. */
export function endReasonFor(closeBy: unknown, direction: CallDirection, accepted: boolean): EndReason {
  switch (closeBy) {
    case 'seat':
      return 'local-bye'
    case 'client':
      if (accepted) return 'remote-bye'
      // Never answered: the callee declined our call, or the caller gave up on theirs.
      return direction === 'out' ? 'rejected' : 'remote-cancel'
    case 'admin':
      return 'admin'
    case 'timer':
      return 'timeout'
    default:
      return 'unknown'
  }
}

/** Default loader: one `<script async>` in the page (async: a dynamic script is async anyway). */
export const injectScript: ScriptLoader = (src, dataset, host) =>
  new Promise<ScriptHandle>((resolve, reject) => {
    const doc = host.document
    const script = doc.createElement('script')
    script.setAttribute(SDK_SCRIPT_MARKER, '')
    for (const [key, value] of Object.entries(dataset)) script.dataset[key] = value
    script.async = true
    const handle: ScriptHandle = { remove: () => script.remove() }
    script.onload = () => resolve(handle)
    script.onerror = () => {
      script.remove()
      reject(new Error('script error'))
    }
    script.src = src
    ;(doc.body ?? doc.head).appendChild(script)
  })

function hostOf(url: string): string {
  try {
    return new URL(url).host || '(none)'
  } catch {
    return '(not a URL)'
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/**
 * Event payload fields: the API tables list them flat (`{ sessionId, ... }`) while the
 * integration guide reads `response.data.sessionId`; accept both.
 */
function payloadOf(value: unknown): Record<string, unknown> {
  if (!isObject(value)) return {}
  if (isObject(value.data) && !('sessionId' in value)) return value.data
  return value
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** An SDK failure (`{ status: 'error', errorMsg }`, an Error, a code) as a `TcccError`. */
function sdkFailure(value: unknown): TcccError {
  if (value instanceof TcccError) return value
  if (isObject(value)) {
    const code = [value.code, value.errorCode].find((c): c is number => typeof c === 'number' && Number.isFinite(c))
    const message =
      [value.errorMsg, value.errMsg, value.message].find((m): m is string => typeof m === 'string') ?? ''
    return code !== undefined ? TcccError.fromCode(code, message) : TcccError.fromSdkMessage(message)
  }
  return toTcccError(value)
}

/** Await an SDK call; a resolved `{ status: 'error' }` is a failure too. */
async function settle(run: () => unknown): Promise<unknown> {
  let result: unknown
  try {
    result = await run()
  } catch (e) {
    throw sdkFailure(e)
  }
  if (isObject(result) && result.status === 'error') throw sdkFailure(result)
  return result
}

/**
 * `isMicMuted`: `000_*` documents a boolean, `003_*` a `Promise<CommonSDKResponse>` whose
 * documented fields are only `status`/`errorMsg`; some builds put the boolean in `data`.
 * Undefined when the answer carries no boolean (then the command's own success decides).
 */
export function mutedFrom(result: unknown): boolean | undefined {
  if (typeof result === 'boolean') return result
  if (isObject(result)) {
    if (typeof result.data === 'boolean') return result.data
    if (isObject(result.data)) {
      const flag = [result.data.muted, result.data.isMuted, result.data.isMicMuted].find((v) => typeof v === 'boolean')
      if (typeof flag === 'boolean') return flag
    }
  }
  return undefined
}

/**
 * The SDK's seat status (`statusChanged`, `getStatus()`) as the app's: `notReady` (示忙) and
 * anything call-like count as busy; unknown values too, so the agent is never shown free wrongly.
 */
export function agentStatusFrom(value: unknown): AgentStatus {
  const raw = isObject(value) ? (value.status ?? (isObject(value.data) ? value.data.status : undefined)) : value
  switch (raw) {
    case 'free':
    case 'rest':
    case 'arrange':
    case 'offline':
      return raw
    default:
      return 'busy'
  }
}

/** The app's choice as `Agent.setStatus` wants it (003: busy is `notReady`). */
function sdkStatusFor(status: SettableAgentStatus): string {
  return status === 'busy' ? 'notReady' : status
}

function isLocalhost(hostname: string): boolean {
  const name = hostname.replace(/^\[|\]$/g, '')
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127\./.test(name)
}

interface SessionInfo {
  direction: CallDirection
  accepted: boolean
  /** hungUp succeeded; `sessionEnded` is on its way, so no more commands go to the SDK. */
  closing?: boolean
}

interface PendingLogin {
  resolve(): void
  reject(error: TcccError): void
}

export function createWebTcccAdapter(options: WebTcccOptions = {}): TcccAgentSdk {
  const host = options.host ?? (globalThis as unknown as { window: WebHost }).window
  const loadScript = options.loadScript ?? injectScript
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  const timers: WebTimers = options.timers ?? {
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  }
  let ringtone = options.ringtone ?? null
  const sdkUrlPolicy = options.sdkUrlPolicy ?? defaultSdkUrlPolicy(host)

  const listeners = new Set<TcccListener>()
  /** Exactly what we passed to `tccc.on`, so `off` removes those and nothing else. */
  let registered: Array<[string, WebSdkHandler]> = []
  let sdk: TcccWebSdk | null = null
  let script: ScriptHandle | null = null
  let loadedFor: { userId: string; sdkAppId: number } | null = null
  let ready = false
  let tokenExpired = false
  let online = false
  let pendingLogin: PendingLogin | null = null
  let loginInFlight = false
  /** Outbound call requested, session id not known yet (`callOuted` may beat the promise). */
  let pendingOut: { to: string; remark?: string } | null = null
  const sessions = new Map<string, SessionInfo>()

  const capabilities: PlatformCapabilities = {
    audioRoute: false,
    sdkRinging: false,
    incomingCalls: true,
    hold: true,
    transfer: true,
    internalCall: true,
    callerNumber: true,
    agentStatus: true,
    agentStatusViaBackend: false,
  }

  function emit(event: TcccEvent): void {
    for (const listener of [...listeners]) {
      try {
        listener(event)
      } catch (e) {
        console.error('[web-tccc] listener failed', e)
      }
    }
  }

  // ---- SDK events -------------------------------------------------------------------------
  function addSession(sessionId: string, direction: CallDirection, peer: string, remark?: string, internal = false): void {
    sessions.set(sessionId, { direction, accepted: false })
    emit({ type: 'newSession', sessionId, direction, peer, ...(remark ? { remark } : {}), ...(internal ? { internal: true as const } : {}) })
  }

  function onAccepted(payload: unknown): void {
    const sessionId = stringField(payloadOf(payload), 'sessionId')
    const session = sessionId ? sessions.get(sessionId) : undefined
    if (!sessionId || !session || session.accepted) return
    session.accepted = true
    emit({ type: 'accepted', sessionId })
  }

  const handlers: Record<WebSdkEventName, WebSdkHandler> = {
    ready() {
      const waiting = pendingLogin
      pendingLogin = null
      waiting?.resolve()
    },
    tokenExpired() {
      tokenExpired = true
      const waiting = pendingLogin
      if (waiting) {
        // Expired at initialisation: the login itself fails (the store renews the token).
        pendingLogin = null
        waiting.reject(TcccError.fromCode(TOKEN_ERROR_CODE, 'tokenExpired'))
        return
      }
      emit({ type: 'error', code: TOKEN_ERROR_CODE, message: 'tokenExpired' })
    },
    callIn(payload) {
      const data = payloadOf(payload)
      const sessionId = stringField(data, 'sessionId')
      const type = data.type
      if (!sessionId || sessions.has(sessionId)) return
      // A call put through to the agent's mobile or desk phone rings there, not in this page.
      const serverType = stringField(data, 'serverType')
      if (serverType !== undefined && serverType.toLowerCase() !== 'staffseat') return
      if (type === 'internal') {
        // A colleague calling this seat (seed 003 "内部会话呼入"): `peerUserId` is their account.
        addSession(sessionId, 'in', stringField(data, 'peerUserId') ?? '', undefined, true)
        return
      }
      // Phone sessions only besides: im/voip/video sessions are not calls this app can take.
      if (type !== undefined && type !== 'phone') return
      const peer = stringField(data, 'callerPhoneNumber') ?? stringField(data, 'protectedCaller') ?? ''
      addSession(sessionId, 'in', peer, stringField(data, 'remark'))
    },
    callOuted(payload) {
      const data = payloadOf(payload)
      const sessionId = stringField(data, 'sessionId')
      if (!sessionId || sessions.has(sessionId)) return
      const peer = pendingOut?.to ?? stringField(data, 'calleePhoneNumber') ?? stringField(data, 'protectedCallee') ?? ''
      const remark = pendingOut ? pendingOut.remark : stringField(data, 'remark')
      pendingOut = null
      addSession(sessionId, 'out', peer, remark)
    },
    statusChanged(payload) {
      const data = payloadOf(payload)
      const restReason = stringField(data, 'restReason')
      emit({ type: 'agentStatus', status: agentStatusFrom(data.status ?? payload), ...(restReason ? { restReason } : {}) })
    },
    calloutAccepted: onAccepted,
    userAccessed: onAccepted,
    autoTransfer(payload) {
      // An unanswered incoming session went to another agent: over for this one.
      const sessionId = stringField(payloadOf(payload), 'sessionId')
      const session = sessionId ? sessions.get(sessionId) : undefined
      if (!sessionId || !session || session.accepted) return
      sessions.delete(sessionId)
      emit({ type: 'ended', sessionId, reason: 'timeout', message: 'autoTransfer' })
    },
    sessionEnded(payload) {
      const data = payloadOf(payload)
      const sessionId = stringField(data, 'sessionId')
      const session = sessionId ? sessions.get(sessionId) : undefined
      if (!sessionId || !session) return
      sessions.delete(sessionId)
      const closeBy = typeof data.closeBy === 'string' ? data.closeBy : ''
      const why = [stringField(data, 'mainReason'), stringField(data, 'subReason')].filter(Boolean).join(' / ')
      emit({
        type: 'ended',
        sessionId,
        reason: endReasonFor(closeBy, session.direction, session.accepted),
        message: `closeBy=${closeBy || 'unknown'}${why ? `: ${why}` : ''}`,
      })
    },
  }

  function attach(target: TcccWebSdk): void {
    // Set first: if on() throws part-way, detach() takes off the handlers already subscribed.
    sdk = target
    for (const name of WEB_SDK_EVENTS) {
      const eventName = target.events?.[name] ?? name
      const handler = handlers[name]
      target.on(eventName, handler)
      registered.push([eventName, handler])
    }
  }

  function detach(): void {
    if (sdk) for (const [eventName, handler] of registered) sdk.off(eventName, handler)
    registered = []
    sdk = null
  }

  /** Forget the loaded SDK (a fresh script comes with the next login). */
  function unload(why: string): void {
    detach()
    script?.remove()
    script = null
    loadedFor = null
    ready = false
    tokenExpired = false
    online = false
    pendingOut = null
    for (const sessionId of [...sessions.keys()]) {
      sessions.delete(sessionId)
      emit({ type: 'ended', sessionId, reason: 'error', message: why })
    }
  }

  // ---- login ------------------------------------------------------------------------------
  function isSecureContext(): boolean {
    if (host.isSecureContext === true || isLocalhost(host.location.hostname)) return true
    return host.isSecureContext === undefined && host.location.protocol === 'https:'
  }

  /** Inject the script and wait for `ready` (or `tokenExpired`, an error, the timeout). */
  function loadSdk(params: LoginParams, sdkUrl: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false
      let timer: unknown = null
      const finish = (error?: TcccError): void => {
        if (settled) return
        settled = true
        timers.clearTimeout(timer)
        pendingLogin = null
        if (error) reject(error)
        else resolve()
      }
      timer = timers.setTimeout(
        () => finish(new TcccError('SDK_LOAD_TIMEOUT', `no ready within ${readyTimeoutMs} ms`)),
        readyTimeoutMs,
      )
      pendingLogin = { resolve: () => finish(), reject: finish }
      const dataset = {
        token: params.token,
        sdkAppId: String(params.sdkAppId),
        userid: params.userId,
        // Our pages are the UI: do not open the SDK's own workbench.
        showWorkBenchAtFirstLogin: 'false',
      }
      loadScript(sdkUrl, dataset, host).then(
        (handle) => {
          if (settled) {
            handle.remove()
            return
          }
          script = handle
          const loaded = host.tccc
          if (!loaded || typeof loaded.on !== 'function') {
            finish(new TcccError('SDK_LOAD_FAILED', 'script loaded without window.tccc'))
            return
          }
          try {
            attach(loaded)
          } catch (error) {
            // An SDK that cannot take our listeners would never report ready: say so now.
            detach()
            finish(new TcccError('SDK_LOAD_FAILED', `tccc.on failed: ${error instanceof Error ? error.message : String(error)}`))
          }
        },
        () => finish(new TcccError('SDK_LOAD_FAILED', 'script failed to load')),
      )
    })
  }

  async function login(params: LoginParams): Promise<void> {
    if (!isSecureContext()) throw new TcccError('INSECURE_CONTEXT', host.location.protocol)
    if (loginInFlight) throw new TcccError('UNKNOWN', 'login already in progress')
    loginInFlight = true
    try {
      const reusable =
        sdk !== null && ready && !tokenExpired && loadedFor?.userId === params.userId && loadedFor.sdkAppId === params.sdkAppId
      if (reusable && sdk) {
        await settle(() => sdk?.Agent.online())
        online = true
        return
      }
      unload('SDK re-initialised')
      if (!params.sdkUrl) throw new TcccError('SDK_LOAD_FAILED', 'login without sdkUrl')
      // The host only: the URL's query carries the token.
      if (!isSdkUrlAllowed(params.sdkUrl, sdkUrlPolicy)) throw new TcccError('SDK_URL_REFUSED', `sdkUrl host ${hostOf(params.sdkUrl)}`)
      try {
        await loadSdk(params, params.sdkUrl)
        const loaded = sdk as TcccWebSdk | null
        if (!loaded) throw new TcccError('SDK_LOAD_FAILED', 'SDK went away during login')
        if (!loaded.Devices.isBrowserSupported()) throw new TcccError('BROWSER_UNSUPPORTED')
        loaded.UI?.hide?.()
      } catch (e) {
        unload('login failed')
        throw toTcccError(e)
      }
      loadedFor = { userId: params.userId, sdkAppId: params.sdkAppId }
      ready = true
      online = true
      reportSeatStatus()
    } finally {
      loginInFlight = false
    }
  }

  /**
   * The seat status right after sign-in: `ready` says nothing about it and `statusChanged` comes
   * only on a change, so read `Agent.getStatus()` (003 "获取座席状态") once; no answer, no event.
   */
  function reportSeatStatus(): void {
    const target = sdk
    const read = target?.Agent.getStatus
    if (!target || typeof read !== 'function') return
    Promise.resolve()
      .then(() => read.call(target.Agent))
      .then(
        (value) => {
          const raw = isObject(value) ? (value.status ?? (isObject(value.data) ? value.data.status : undefined)) : value
          if (typeof raw === 'string' && raw && sdk === target) emit({ type: 'agentStatus', status: agentStatusFrom(raw) })
        },
        () => undefined,
      )
  }

  function signedInSdk(): TcccWebSdk {
    if (!sdk || !ready || !online) throw new TcccError('NOT_SIGNED_IN')
    return sdk
  }

  async function checkLogin(): Promise<void> {
    if (tokenExpired) throw TcccError.fromCode(TOKEN_ERROR_CODE, 'tokenExpired')
    signedInSdk()
  }

  async function logout(): Promise<void> {
    if (!sdk || !ready || !online) return
    const target = sdk
    online = false
    // An expired SDK refuses everything; there is no seat to take offline.
    if (!tokenExpired) await withDeadline('logout', settle(() => target.Agent.offline()), undefined, timers)
  }

  // ---- calls ------------------------------------------------------------------------------
  /** The session commands act on: an accepted or outbound one first, else the newest incoming. */
  function currentSession(): [string, SessionInfo] | undefined {
    const all = [...sessions.entries()].filter(([, s]) => !s.closing)
    return all.find(([, s]) => s.accepted || s.direction === 'out') ?? all[all.length - 1]
  }

  async function call(params: CallParams): Promise<void> {
    const target = signedInSdk()
    if (sessions.size > 0 || pendingOut) throw TcccError.fromCode(-10004, 'a call is in progress')
    const request = {
      phoneNumber: params.to,
      ...(params.remark ? { phoneDesc: params.remark } : {}),
      ...(params.uui ? { uui: params.uui } : {}),
      ...(params.callerNumber ? { callerPhoneNumber: params.callerNumber } : {}),
    }
    pendingOut = { to: params.to, remark: params.remark }
    let result: unknown
    try {
      result = await withDeadline('call', settle(() => target.Call.startOutboundCall(request)), undefined, timers)
    } catch (e) {
      pendingOut = null
      throw e
    }
    const sessionId = stringField(payloadOf(result), 'sessionId')
    if (!sessionId) {
      pendingOut = null
      throw new TcccError('UNKNOWN', 'startOutboundCall returned no sessionId')
    }
    if (sessions.has(sessionId)) return // `callOuted` arrived first and announced it
    pendingOut = null
    addSession(sessionId, 'out', params.to, params.remark)
  }

  /**
   * `startInternalCall` is documented as `Promise<CommonSDKResponse>` (no session id): the
   * session is announced by `callOuted`, which `pendingOut` names after the colleague. A
   * `sessionId` in the answer (as `startOutboundCall` gives) is used when present.
   */
  async function callSeat(params: SeatCallParams): Promise<void> {
    const target = signedInSdk()
    const userId = params.userId.trim()
    if (!userId) throw new TcccError('INVALID_NUMBER', 'empty seat')
    const command = target.Call.startInternalCall
    if (typeof command !== 'function') throw new TcccError('UNSUPPORTED_ON_PLATFORM', 'Call.startInternalCall missing')
    if (sessions.size > 0 || pendingOut) throw TcccError.fromCode(-10004, 'a call is in progress')
    pendingOut = { to: userId }
    let result: unknown
    try {
      result = await withDeadline('call', settle(() => command.call(target.Call, { calleeUserId: userId })), undefined, timers)
    } catch (e) {
      pendingOut = null
      throw e
    }
    const sessionId = stringField(payloadOf(result), 'sessionId')
    if (!sessionId || sessions.has(sessionId)) return
    pendingOut = null
    addSession(sessionId, 'out', userId)
  }

  async function answer(): Promise<void> {
    const target = signedInSdk()
    const ringing = [...sessions.entries()].reverse().find(([, s]) => s.direction === 'in' && !s.accepted && !s.closing)
    if (!ringing) throw new TcccError('NO_INCOMING_CALL')
    await withDeadline('answer', settle(() => target.Call.accept({ sessionId: ringing[0] })), undefined, timers)
  }

  async function terminate(): Promise<void> {
    const target = signedInSdk()
    const current = currentSession()
    if (!current) {
      // A seat call whose `callOuted` never came must not block the next call forever.
      if (pendingOut) {
        pendingOut = null
        return
      }
      throw new TcccError('NO_ACTIVE_CALL')
    }
    await settle(() => target.Call.hungUp({ sessionId: current[0] }))
    current[1].closing = true
  }

  function activeSessionId(): string {
    const current = currentSession()
    if (!current || !current[1].accepted) throw new TcccError('NO_ACTIVE_CALL')
    return current[0]
  }

  async function setMuted(muted: boolean): Promise<void> {
    const target = signedInSdk()
    const sessionId = activeSessionId()
    await settle(() => (muted ? target.Call.muteMic({ sessionId }) : target.Call.unmuteMic({ sessionId })))
    // The SDK resolves without saying what happened: read the state back before reporting success.
    // A CommonSDKResponse without a boolean says nothing: muteMic succeeded, so trust it rather
    // than tell the agent "unmuted" while the customer hears nothing.
    // A failed read-back says nothing either: the command itself succeeded.
    const actual = mutedFrom(await settle(() => target.Call.isMicMuted({ sessionId })).catch(() => undefined))
    if (actual !== undefined && actual !== muted) {
      throw new TcccError('UNKNOWN', `microphone is ${actual ? 'muted' : 'unmuted'} after ${muted ? 'muteMic' : 'unmuteMic'}`)
    }
  }

  async function sendDTMF(digit: string): Promise<void> {
    if (!DTMF_DIGIT.test(digit)) throw new TcccError('INVALID_DTMF', JSON.stringify(digit))
    const target = signedInSdk()
    const sessionId = activeSessionId()
    await withDeadline('sendDTMF', settle(() => target.Call.sendDigits({ sessionId, dtmfText: digit })), undefined, timers)
  }

  async function setAgentStatus(status: SettableAgentStatus, restReason?: string): Promise<void> {
    const target = signedInSdk()
    const setStatus = target.Agent.setStatus
    if (typeof setStatus !== 'function') throw new TcccError('UNSUPPORTED_ON_PLATFORM', 'Agent.setStatus missing')
    const options = { status: sdkStatusFor(status), ...(status === 'rest' && restReason ? { restReason } : {}) }
    await settle(() => setStatus.call(target.Agent, options))
  }

  async function setHeld(held: boolean): Promise<void> {
    const target = signedInSdk()
    const sessionId = activeSessionId()
    const command = held ? target.Call.hold : target.Call.unHold
    if (typeof command !== 'function') throw new TcccError('UNSUPPORTED_ON_PLATFORM', held ? 'Call.hold missing' : 'Call.unHold missing')
    await settle(() => command.call(target.Call, { sessionId }))
  }

  async function transfer(to: TransferTarget): Promise<void> {
    const target = signedInSdk()
    const sessionId = activeSessionId()
    const command = target.Call.transfer
    if (typeof command !== 'function') throw new TcccError('UNSUPPORTED_ON_PLATFORM', 'Call.transfer missing')
    await settle(() => command.call(target.Call, { sessionId, ...to }))
  }

  function ringtonePlayer(): RingtonePlayer {
    ringtone ??= createRingtonePlayer()
    return ringtone
  }

  return {
    kind: 'web',
    capabilities,
    login,
    checkLogin,
    logout,
    call,
    callSeat,
    answer,
    terminate,
    mute: () => setMuted(true),
    unmute: () => setMuted(false),
    sendDTMF,
    setAudioRoute: () => Promise.reject(new TcccError('UNSUPPORTED_ON_PLATFORM', 'the browser picks the audio output')),
    setAgentStatus,
    hold: () => setHeld(true),
    unhold: () => setHeld(false),
    transfer,
    startRinging: (url: string) => startRingtone(ringtonePlayer(), url),
    async stopRinging() {
      ringtone?.stop()
    },
    version() {
      const v = host.tccc?.version
      return typeof v === 'string' && v ? `TCCC Web SDK ${v}` : 'TCCC Web SDK'
    },
    subscribe(listener: TcccListener): Unsubscribe {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    dispose() {
      pendingLogin?.reject(new TcccError('UNKNOWN', 'disposed'))
      pendingLogin = null
      detach()
      ringtone?.stop()
      listeners.clear()
      sessions.clear()
    },
  }
}
