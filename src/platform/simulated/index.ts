/**
 * The simulated TCCC: an in-memory agent SDK that behaves as the TCCC documents describe, for
 * H5 development, the end-to-end tests (`window.__tcccSim`) and the store/service unit tests.
 * Deterministic: all time comes from an injectable `SimClock` (tests: `createManualClock()`).
 *
 * Event timing (what tests can rely on):
 * - Commands (`login`, `call`, `terminate`...) settle their promise synchronously: the promise
 *   they return is already resolved/rejected, like the SDK's `(code, message)` callback.
 * - Events caused by a command are queued and delivered, in order, in ONE microtask queued when
 *   the command settles. So they are delivered before any code awaiting the command resumes:
 *   after `await sdk.call(...)` the `newSession` event has already reached the listeners.
 *   A failed command emits nothing.
 * - Far-end controls (`sim.answerOutbound()`, `sim.incomingCall()`, `sim.kick()`...) deliver
 *   their events synchronously before they return (after flushing any still-queued ones, so
 *   the order is always the order things happened).
 * - Clock-driven events (ring timeout after 60 s, `autoAnswerMs`, the 2 s `networkQuality` +
 *   `audioVolume` ticks) are delivered synchronously inside the clock's timer, i.e. inside
 *   `clock.advance(ms)` with the manual clock.
 *
 * Rules modelled (see tccc-sdk.md):
 * - `login` checks the mock token (empty, malformed, other agent/app, expired: -10002).
 * - checkLogin/call/answer/mute/unmute/sendDTMF reject 400 "not logged in" (ERR_SIP_BAD_REQUEST)
 *   before the first login, and -10005 (ERR_HAD_LOGGEDOUT) after logout or `kick()` (checkLogin
 *   after `kick()`: 403, the seat is taken elsewhere); after
 *   `expireToken()` checkLogin/call/callSeat/answer/sendDTMF and the server-side setStatus/hold/
 *   unhold/transfer reject -10002 until the next successful login (hang-up, mute and audio, which
 *   stay on the phone, keep working). `terminate` is fire-and-forget like the
 *   native `terminate()`: it resolves when there is nothing to end, logged out too. `logout` is idempotent;
 *   setAudioRoute/startRinging/stopRinging need no login.
 * - The agent rejecting a ringing incoming call (`terminate`) ends it as 'local-bye', as the
 *   native SDK reports `TCCCEndReason.LocalBye` for every hang-up from this side.
 * - While the connection is down (`dropConnection()` until `restoreConnection()`), commands that
 *   need the server (checkLogin, call, answer, sendDTMF) reject 408 ERR_SIP_REQUESTTIMEOUT.
 * - `neverAnswer(method)`: the next login/checkLogin/logout/call/answer/sendDTMF never calls
 *   back, so it settles only through its deadline (`src/platform/deadline.ts`) as
 *   `SDK_NO_RESPONSE`, like the native adapter. `deviceError(code)` fires `onError`; media
 *   codes (-3301, -3307, -3308) also end the call with 'error', microphone codes keep it.
 * - A second `call` while the agent has a call (ringing or active) rejects -10004; a callee
 *   that is not digits (optional leading +) rejects 20003.
 * - `remoteHangup()`: active -> 'remote-bye'; ringing incoming -> 'remote-cancel'; ringing
 *   outbound -> 'rejected'. `kick()`: error 403, then every session ends with 'error'.
 * - An incoming call that arrives while the agent has a call gets its own `newSession` and
 *   only rings out ('timeout' after 60 s); the agent's commands keep acting on the first call.
 * - Seat status: `login` makes it free, `logout`/`kick` offline; a call that becomes active makes a
 *   free seat busy and its end frees it again (`agentStatus` events). `setAgentStatus` is logged
 *   as `setStatus` (the Web SDK's name); `hold`, `unhold`, `transfer` need the active call
 *   (hold mutes the agent, unhold opens the microphone again; mute/unmute need an answered call);
 *   `transfer` ends it here ('local-bye', "Transferred to …"). `sim.setAgentStatus(s)` is the
 *   contact center changing it.
 * - `callSeat({ userId })` (the Web SDK's internal call) is logged as `callSeat` and rings like an
 *   outbound call to that seat (peer = the account; the far-end controls answer it); calling your
 *   own seat or a malformed account rejects INVALID_NUMBER. `call` logs `callerNumber` when given.
 * - `sim.log()` lists every command (not version/subscribe/dispose), rejected ones included,
 *   with the token and the web SDK URL replaced by '<redacted>'; `sim.clearLog()` empties it.
 */
import { TcccError } from '../errors'
import type {
  AgentStatus,
  AudioOutput,
  AudioOutputs,
  AudioRoute,
  CallDirection,
  CallParams,
  EndReason,
  LoginParams,
  NetworkQuality,
  PlatformCapabilities,
  SeatCallParams,
  SettableAgentStatus,
  TcccAgentSdk,
  TcccEvent,
  TcccListener,
  TransferTarget,
  Unsubscribe,
} from '../types'
import { createRingtonePlayer, startRingtone } from '../ringtone'
import { createSimulatedAudioRouter } from '../audioRoutes'
import { COMMAND_DEADLINE_MS, withDeadline, type CallbackCommand } from '../deadline'
import { realClock, type SimClock } from './clock'
import { decodeMockToken } from './mockToken'

export { createManualClock, MANUAL_CLOCK_EPOCH, type ManualClock, type SimClock } from './clock'
export { decodeMockToken, encodeMockToken, type MockTokenClaims } from './mockToken'

/** Nobody answered: the SDK gives up after this long (outbound and incoming). */
export const RING_TIMEOUT_MS = 60_000
/** How often the SDK reports network quality and volume during a call. */
export const STATS_INTERVAL_MS = 2_000
export const SIM_SDK_VERSION = 'simulated-1.0.0'

/** `SimControls.log()` entry: one SDK call the app made. */
export interface SimLogEntry {
  /** The `TcccAgentSdk` method name. */
  method: string
  args: unknown[]
}

/** Exactly CONTRACT.md's `window.__tcccSim`. Far-end actions return whether they applied. */
export interface SimControls {
  incomingCall(params: { from: string; remark?: string }): string
  answerOutbound(): boolean
  rejectOutbound(): boolean
  remoteHangup(): boolean
  autoAnswerMs(ms: number | null): void
  dropConnection(): void
  startReconnect(): void
  restoreConnection(): void
  kick(): void
  expireToken(): void
  setNetworkQuality(quality: number): void
  failNext(method: string, code: number): void
  log(): SimLogEntry[]
  /** Forgets what `log()` holds so far (it keeps every command: a long demo or a bench). */
  clearLog(): void
  /** The next `method` (login, checkLogin, logout, call, answer, sendDTMF) never calls back. */
  neverAnswer(method: string): void
  /** `onError(code)` from the device layer; media codes also end the call (see header). */
  deviceError(code: number, message?: string): void
  /** The contact center changes the agent's status (delivered as `statusChanged` would be). */
  setAgentStatus(status: AgentStatus, restReason?: string): void
  /** The phone now offers these audio routes (earpiece, speaker, wired, bluetooth): a headset plugged or unplugged. */
  setAudioRoutes(routes: AudioOutput[]): void
  /** What the simulated phone offers and plays through now. */
  audioRoutes(): AudioOutputs
}

export type SimulatedTccc = TcccAgentSdk & { readonly sim: SimControls }

export interface SimulatedTcccOptions {
  clock?: SimClock
  /** Bounds for commands whose callback never comes (default `COMMAND_DEADLINE_MS`). */
  deadlines?: Partial<Record<CallbackCommand, number>>
  /**
   * Put before each session number (default `sim-`). The app passes one unique per start, so
   * session ids (which become call record ids) never repeat across a reload, as real ones do not.
   */
  sessionPrefix?: string
  /**
   * Where the seat status lives: 'sdk' (default, like the Web SDK: `setStatus`, status events) or
   * 'backend' (like the native App: no seat status in the SDK, the app asks the token backend).
   */
  agentStatusVia?: 'sdk' | 'backend'
}

const CALLBACK_COMMANDS: readonly CallbackCommand[] = ['login', 'checkLogin', 'logout', 'call', 'answer', 'sendDTMF']
/** onError codes after which the SDK has no media for the call: it ends. */
const MEDIA_FAILURE_CODES: ReadonlySet<number> = new Set([-3301, -3307, -3308])

type SessionState = 'ringing' | 'active'

interface SimSession {
  id: string
  direction: CallDirection
  peer: string
  state: SessionState
  /** Ring timeout / auto-answer timer while ringing. */
  timers: unknown[]
}

/** Methods the app can call, so `failNext` can refuse names that would never match. */
const SDK_METHODS = [
  'login',
  'checkLogin',
  'logout',
  'call',
  'callSeat',
  'answer',
  'terminate',
  'mute',
  'unmute',
  'sendDTMF',
  'setAudioRoute',
  'startRinging',
  'stopRinging',
  'setStatus',
  'hold',
  'unhold',
  'transfer',
  'selectAudioOutput',
] as const
type SdkMethod = (typeof SDK_METHODS)[number]

const DTMF_DIGIT = /^[0-9*#]$/
/** What the SIP layer accepts as a callee: digits with an optional leading +. */
const DIALLABLE = /^\+?[0-9*#]{1,32}$/
/** A TCCC seat account (`calleeUserId`): usually an e-mail address. */
const SEAT_ACCOUNT = /^[A-Za-z0-9@._+-]{1,64}$/
/** A deterministic speech-like volume pattern for `audioVolume` ticks. */
const VOLUME_PATTERN = [32, 58, 41, 70, 25, 63]
const SERVER = 'sip'

const listenerCounts = new WeakMap<SimulatedTccc, () => number>()

/** Test helper: how many listeners are subscribed (must return to 0 after dispose). */
export function simListenerCount(sdk: SimulatedTccc): number {
  return listenerCounts.get(sdk)?.() ?? 0
}

function isNetworkQuality(value: number): value is NetworkQuality {
  return Number.isInteger(value) && value >= 0 && value <= 6
}

function redactLogin(params: LoginParams): LoginParams {
  // Never keep the token (nor the web SDK URL, which carries it) in the inspectable log.
  return { ...params, token: '<redacted>', ...(params.sdkUrl !== undefined ? { sdkUrl: '<redacted>' } : {}) }
}

function copyArg(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? JSON.parse(JSON.stringify(value)) : value
}

export function createSimulatedTccc(options: SimulatedTcccOptions = {}): SimulatedTccc {
  const clock = options.clock ?? realClock
  const viaBackend = options.agentStatusVia === 'backend'
  const ringtone = createRingtonePlayer()
  const listeners = new Set<TcccListener>()
  const callLog: SimLogEntry[] = []
  const failures = new Map<string, number>()
  const deadlines = { ...COMMAND_DEADLINE_MS, ...options.deadlines }
  const silenced = new Set<CallbackCommand>()
  let everLoggedIn = false
  /** Logged out by `kick()`: checkLogin then answers 403, as the SDK does for a seat taken elsewhere. */
  let kicked = false
  let connectionDown = false

  let agent: { sdkAppId: number; userId: string } | null = null
  let tokenExpired = false
  let nextSessionNumber = 1
  const sessionPrefix = options.sessionPrefix ?? 'sim-'
  /** The agent's own call: outbound, or the incoming call that rang while the agent was free. */
  let current: SimSession | null = null
  /** Incoming calls that arrived while the agent was busy; they only ring out. */
  const waiting = new Map<string, SimSession>()
  let muted = false
  let held = false
  let seatStatus: AgentStatus = 'offline'
  let quality: NetworkQuality = 2
  let autoAnswerAfter: number | null = null
  let statsTimer: unknown = null
  let statsTick = 0
  let disposed = false

  // ---- event delivery -------------------------------------------------------------------
  const queue: TcccEvent[] = []
  let drainScheduled = false
  let draining = false

  function deliver(listener: TcccListener, event: TcccEvent): void {
    try {
      listener(event)
    } catch (err) {
      // One failing listener must not starve the others or break the simulator's state.
      console.error('[tccc-sim] listener failed on', event.type, err)
    }
  }

  function drain(): void {
    drainScheduled = false
    // A listener that triggers more events (a command, a control) appends to the queue;
    // this loop delivers them after the current event, never nested inside it.
    if (draining) return
    draining = true
    try {
      while (queue.length > 0) {
        const event = queue.shift() as TcccEvent
        // Copy: a listener that unsubscribes during delivery must not skip the next one.
        for (const listener of [...listeners]) deliver(listener, event)
      }
    } finally {
      draining = false
    }
  }

  /** Events caused by a command: delivered in one microtask after the command settles. */
  function emitAfterCommand(event: TcccEvent): void {
    queue.push(event)
    if (!drainScheduled) {
      drainScheduled = true
      queueMicrotask(drain)
    }
  }

  /** Events from the far end / the clock: delivered now (after anything still queued). */
  function emitNow(event: TcccEvent): void {
    queue.push(event)
    drain()
  }

  // ---- sessions -------------------------------------------------------------------------
  function newSessionId(): string {
    return `${sessionPrefix}${nextSessionNumber++}`
  }

  function startStats(): void {
    stopStats()
    const tick = (): void => {
      const session = current
      if (!session || session.state !== 'active') return
      statsTick += 1
      emitNow({ type: 'networkQuality', quality })
      // A listener may have hung up (or logged out) inside that event: nothing after `ended`.
      if (current !== session || session.state !== 'active') return
      const volume = muted || held ? 0 : VOLUME_PATTERN[statsTick % VOLUME_PATTERN.length]
      emitNow({ type: 'audioVolume', userId: agent?.userId ?? '', volume })
      if (current !== session || session.state !== 'active') return
      statsTimer = clock.setTimeout(tick, STATS_INTERVAL_MS)
    }
    statsTimer = clock.setTimeout(tick, STATS_INTERVAL_MS)
  }

  function stopStats(): void {
    if (statsTimer !== null) clock.clearTimeout(statsTimer)
    statsTimer = null
  }

  function clearSessionTimers(session: SimSession): void {
    for (const timer of session.timers) clock.clearTimeout(timer)
    session.timers = []
  }

  function setSeat(status: AgentStatus, emit: (e: TcccEvent) => void, restReason?: string): void {
    seatStatus = status
    // Like tccc-sdk-uniapp: an SDK without seat status reports none.
    if (!viaBackend) emit({ type: 'agentStatus', status, ...(restReason ? { restReason } : {}) })
  }

  function endSession(session: SimSession, reason: EndReason, message: string, emit: (e: TcccEvent) => void): void {
    clearSessionTimers(session)
    if (current === session) {
      current = null
      muted = false
      held = false
      stopStats()
      // A call makes the seat busy; TCCC frees it when the call is over.
      if (seatStatus === 'busy' && agent) setSeat('free', emit)
    }
    waiting.delete(session.id)
    emit({ type: 'ended', sessionId: session.id, reason, message })
  }

  function activate(session: SimSession, emit: (e: TcccEvent) => void): void {
    clearSessionTimers(session)
    session.state = 'active'
    emit({ type: 'accepted', sessionId: session.id })
    if (session === current && seatStatus === 'free') setSeat('busy', emit)
    startStats()
  }

  function ringTimeout(session: SimSession): unknown {
    return clock.setTimeout(() => {
      if (session.state === 'ringing') endSession(session, 'timeout', 'No answer', emitNow)
    }, RING_TIMEOUT_MS)
  }

  function endEverything(reason: EndReason, message: string, emit: (e: TcccEvent) => void): void {
    if (current) endSession(current, reason, message, emit)
    for (const session of [...waiting.values()]) endSession(session, reason, message, emit)
  }

  // ---- command plumbing -----------------------------------------------------------------
  function record(method: SdkMethod, args: unknown[]): void {
    callLog.push({ method, args: args.map(copyArg) })
  }

  /** Checks every command makes first: an injected failure, then the login state. */
  function precheck(method: SdkMethod, needs: { login?: boolean; token?: boolean; server?: boolean }): TcccError | null {
    const injected = failures.get(method)
    if (injected !== undefined) {
      failures.delete(method)
      return TcccError.fromCode(injected, `simulated failure of ${method}`)
    }
    if (needs.login && !agent) {
      return everLoggedIn ? TcccError.fromCode(-10005, 'already logged out') : TcccError.fromCode(400, 'not logged in')
    }
    if (needs.token && tokenExpired) return TcccError.fromCode(-10002, 'token expired')
    if (needs.server && connectionDown) return TcccError.fromCode(408, 'no connection to the server')
    return null
  }

  /** `neverAnswer(method)` was armed: this call's callback is lost; only the deadline ends it. */
  function lostCallback(method: CallbackCommand): Promise<void> | null {
    if (!silenced.delete(method)) return null
    return withDeadline(method, new Promise<void>(() => undefined), deadlines[method], clock)
  }

  function ok(): Promise<void> {
    return Promise.resolve()
  }

  function fail(error: TcccError): Promise<void> {
    return Promise.reject(error)
  }

  // ---- the TcccAgentSdk ------------------------------------------------------------------
  // Rings through the shared uni audio player like the web platform, not through an SDK.
  // Offers every control the app has, so each can be tried in `npm run dev` and tested.
  // The phone's routes incl. headsets; each move is logged like an SDK call.
  const audioRouter = createSimulatedAudioRouter((output) => {
    record('selectAudioOutput', [output])
    return precheck('selectAudioOutput', {})
  })

  const capabilities: PlatformCapabilities = {
    audioRoute: true,
    sdkRinging: false,
    incomingCalls: true,
    hold: true,
    transfer: true,
    internalCall: true,
    callerNumber: true,
    agentStatus: !viaBackend,
    agentStatusViaBackend: viaBackend,
  }

  function login(params: LoginParams): Promise<void> {
    record('login', [redactLogin(params)])
    const error = precheck('login', {})
    if (error) return fail(error)
    const lost = lostCallback('login')
    if (lost) return lost
    const claims = params.token ? decodeMockToken(params.token) : null
    if (!claims) return fail(TcccError.fromCode(-10002, params.token ? 'malformed token' : 'empty token'))
    if (claims.userId !== params.userId || claims.sdkAppId !== params.sdkAppId) {
      return fail(TcccError.fromCode(-10002, 'token issued for another agent'))
    }
    if (claims.exp * 1000 <= clock.now()) return fail(TcccError.fromCode(-10002, 'token expired'))
    agent = { sdkAppId: params.sdkAppId, userId: params.userId }
    everLoggedIn = true
    kicked = false
    tokenExpired = false
    // Signing in puts the seat online as free (the Web SDK's Agent.online does the same).
    if (seatStatus === 'offline') setSeat('free', emitAfterCommand)
    return ok()
  }

  function checkLogin(): Promise<void> {
    record('checkLogin', [])
    const lost = lostCallback('checkLogin')
    if (lost) return lost
    if (kicked && !failures.has('checkLogin')) return fail(TcccError.fromCode(403, 'signed in on another device'))
    const error = precheck('checkLogin', { login: true, token: true, server: true })
    return error ? fail(error) : ok()
  }

  function logout(): Promise<void> {
    record('logout', [])
    const error = precheck('logout', {})
    if (error) return fail(error)
    const lost = lostCallback('logout')
    if (lost) return lost
    // Idempotent: signing out twice is not an error worth showing.
    endEverything('local-bye', 'Logged out', emitAfterCommand)
    agent = null
    kicked = false
    tokenExpired = false
    if (seatStatus !== 'offline') setSeat('offline', emitAfterCommand)
    return ok()
  }

  function call(params: CallParams): Promise<void> {
    record('call', [params])
    const lost = lostCallback('call')
    if (lost) return lost
    const error = precheck('call', { login: true, token: true, server: true })
    if (error) return fail(error)
    if (current) return fail(TcccError.fromCode(-10004, 'a call is in progress'))
    if (!DIALLABLE.test(params.to)) return fail(TcccError.fromCode(20003, 'bad callee'))
    if (params.callerNumber !== undefined && !DIALLABLE.test(params.callerNumber)) {
      return fail(TcccError.fromCode(20003, 'bad caller number'))
    }
    startOutbound(params.to, params.remark)
    return ok()
  }

  /** Starts an outbound session to `peer`; the far-end controls and timers treat it like any call. */
  function startOutbound(peer: string, remark: string | undefined): void {
    const session: SimSession = { id: newSessionId(), direction: 'out', peer, state: 'ringing', timers: [] }
    current = session
    session.timers.push(ringTimeout(session))
    if (autoAnswerAfter !== null && autoAnswerAfter < RING_TIMEOUT_MS) {
      session.timers.push(
        clock.setTimeout(() => {
          if (current === session && session.state === 'ringing') activate(session, emitNow)
        }, autoAnswerAfter),
      )
    }
    emitAfterCommand({
      type: 'newSession',
      sessionId: session.id,
      direction: 'out',
      peer,
      ...(remark !== undefined ? { remark } : {}),
    })
  }

  function callSeat(params: SeatCallParams): Promise<void> {
    record('callSeat', [params])
    const lost = lostCallback('call')
    if (lost) return lost
    const error = precheck('callSeat', { login: true, token: true, server: true })
    if (error) return fail(error)
    if (current) return fail(TcccError.fromCode(-10004, 'a call is in progress'))
    const userId = typeof params.userId === 'string' ? params.userId.trim() : ''
    if (!SEAT_ACCOUNT.test(userId)) return fail(new TcccError('INVALID_NUMBER', 'bad seat account'))
    if (userId === agent?.userId) return fail(new TcccError('INVALID_NUMBER', 'cannot call your own seat'))
    startOutbound(userId, undefined)
    return ok()
  }

  function answer(): Promise<void> {
    record('answer', [])
    const lost = lostCallback('answer')
    if (lost) return lost
    const error = precheck('answer', { login: true, token: true, server: true })
    if (error) return fail(error)
    if (!current || current.direction !== 'in' || current.state !== 'ringing') {
      return fail(new TcccError('NO_INCOMING_CALL'))
    }
    activate(current, emitAfterCommand)
    return ok()
  }

  function terminate(): Promise<void> {
    record('terminate', [])
    // Like the native terminate() (no callback): refused only by an injected failure.
    const error = precheck('terminate', {})
    if (error) return fail(error)
    // Native terminate() has no callback and nothing to refuse: idle is simply done.
    if (!current) return ok()
    const rejecting = current.direction === 'in' && current.state === 'ringing'
    endSession(current, 'local-bye', rejecting ? 'Rejected by the agent' : 'Hung up by the agent', emitAfterCommand)
    return ok()
  }

  function setMuted(method: 'mute' | 'unmute', value: boolean): Promise<void> {
    record(method, [])
    const error = precheck(method, { login: true })
    if (error) return fail(error)
    // Like the Web SDK: the microphone of a call not yet answered cannot be muted.
    if (!current || current.state !== 'active') return fail(new TcccError('NO_ACTIVE_CALL'))
    muted = value
    return ok()
  }

  function sendDTMF(digit: string): Promise<void> {
    record('sendDTMF', [digit])
    const lost = lostCallback('sendDTMF')
    if (lost) return lost
    const error = precheck('sendDTMF', { login: true, token: true, server: true })
    if (error) return fail(error)
    if (!DTMF_DIGIT.test(digit)) return fail(new TcccError('INVALID_DTMF', `digit ${JSON.stringify(digit)}`))
    if (!current || current.state !== 'active') return fail(new TcccError('NO_ACTIVE_CALL'))
    return ok()
  }

  function setAudioRoute(route: AudioRoute): Promise<void> {
    record('setAudioRoute', [route])
    const error = precheck('setAudioRoute', {})
    if (error) return fail(error)
    if (route !== 'speakerphone' && route !== 'earpiece') {
      return fail(new TcccError('UNSUPPORTED_ON_PLATFORM', `route ${String(route)}`))
    }
    return ok()
  }

  function startRinging(url: string): Promise<void> {
    record('startRinging', [url])
    const error = precheck('startRinging', {})
    if (error) return fail(error)
    return startRingtone(ringtone, url)
  }

  function stopRinging(): Promise<void> {
    record('stopRinging', [])
    const error = precheck('stopRinging', {})
    if (error) return fail(error)
    ringtone.stop()
    return ok()
  }

  function setAgentStatus(status: SettableAgentStatus, restReason?: string): Promise<void> {
    record('setStatus', [{ status, ...(restReason ? { restReason } : {}) }])
    if (viaBackend) return fail(new TcccError('UNSUPPORTED_ON_PLATFORM', 'seat status is set through the backend on this platform'))
    const error = precheck('setStatus', { login: true, token: true, server: true })
    if (error) return fail(error)
    if (!['free', 'rest', 'arrange', 'busy'].includes(status)) {
      return fail(new TcccError('UNSUPPORTED_ON_PLATFORM', `status ${String(status)}`))
    }
    setSeat(status, emitAfterCommand, status === 'rest' ? restReason : undefined)
    return ok()
  }

  function activeSession(method: SdkMethod, args: unknown[]): TcccError | SimSession {
    record(method, args)
    const error = precheck(method, { login: true, token: true, server: true })
    if (error) return error
    if (!current || current.state !== 'active') return new TcccError('NO_ACTIVE_CALL')
    return current
  }

  function setHeld(method: 'hold' | 'unhold', value: boolean): Promise<void> {
    const session = activeSession(method, [])
    if (session instanceof TcccError) return fail(session)
    // Hold mutes the agent and unhold opens the microphone again (seed 000), whatever the agent
    // had muted before.
    held = value
    muted = value
    return ok()
  }

  function transfer(target: TransferTarget): Promise<void> {
    const session = activeSession('transfer', [target])
    if (session instanceof TcccError) return fail(session)
    const to = 'userId' in target ? target.userId : target.skillGroupId
    if (!to) return fail(new TcccError('INVALID_NUMBER', 'empty transfer target'))
    // The call now belongs to the colleague or group: it ends for this agent.
    endSession(session, 'local-bye', `Transferred to ${to}`, emitAfterCommand)
    return ok()
  }

  function subscribe(listener: TcccListener): Unsubscribe {
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
    }
  }

  function dispose(): void {
    disposed = true
    listeners.clear()
    queue.length = 0
    if (current) clearSessionTimers(current)
    for (const session of waiting.values()) clearSessionTimers(session)
    stopStats()
    ringtone.stop()
  }

  // ---- the far end and the network (window.__tcccSim) -----------------------------------
  const sim: SimControls = {
    incomingCall({ from, remark }) {
      if (disposed) throw new Error('simulator: disposed')
      if (!agent) throw new Error('simulator: the agent is not logged in, so no call can reach it')
      const session: SimSession = { id: newSessionId(), direction: 'in', peer: from, state: 'ringing', timers: [] }
      if (current) waiting.set(session.id, session)
      else current = session
      session.timers.push(ringTimeout(session))
      emitNow({
        type: 'newSession',
        sessionId: session.id,
        direction: 'in',
        peer: from,
        ...(remark !== undefined ? { remark } : {}),
      })
      return session.id
    },
    answerOutbound() {
      if (!current || current.direction !== 'out' || current.state !== 'ringing') return false
      activate(current, emitNow)
      return true
    },
    rejectOutbound() {
      if (!current || current.direction !== 'out' || current.state !== 'ringing') return false
      endSession(current, 'rejected', 'Rejected by the callee', emitNow)
      return true
    },
    remoteHangup() {
      if (!current) return false
      if (current.state === 'active') endSession(current, 'remote-bye', 'Hung up by the other side', emitNow)
      else if (current.direction === 'in') endSession(current, 'remote-cancel', 'The caller gave up', emitNow)
      else endSession(current, 'rejected', 'Rejected by the callee', emitNow)
      return true
    },
    autoAnswerMs(ms) {
      if (ms !== null && !(ms >= 0)) throw new RangeError(`autoAnswerMs needs ms >= 0 or null, got ${ms}`)
      autoAnswerAfter = ms
    },
    dropConnection() {
      connectionDown = true
      emitNow({ type: 'connectionLost', server: SERVER })
    },
    startReconnect() {
      emitNow({ type: 'reconnecting', server: SERVER })
    },
    restoreConnection() {
      connectionDown = false
      emitNow({ type: 'connectionRecovered', server: SERVER })
    },
    kick() {
      // Logged out first, so a listener reacting to the 403 sees -10005 from any command.
      agent = null
      kicked = true
      tokenExpired = false
      emitNow({ type: 'error', code: 403, message: 'Signed in on another device' })
      endEverything('error', 'Signed in on another device', emitNow)
      if (seatStatus !== 'offline') setSeat('offline', emitNow)
    },
    expireToken() {
      if (agent) tokenExpired = true
    },
    setNetworkQuality(value) {
      if (!isNetworkQuality(value)) throw new RangeError(`network quality must be 0..6, got ${value}`)
      quality = value
      // Show the change at once instead of at the next 2 s tick.
      if (current?.state === 'active') emitNow({ type: 'networkQuality', quality })
    },
    failNext(method, code) {
      if (!(SDK_METHODS as readonly string[]).includes(method)) {
        throw new Error(`simulator: unknown method ${method}; one of ${SDK_METHODS.join(', ')}`)
      }
      failures.set(method, code)
    },
    log: () => callLog.map((entry) => ({ method: entry.method, args: entry.args.map(copyArg) })),
    clearLog() {
      callLog.length = 0
    },
    neverAnswer(method) {
      if (!(CALLBACK_COMMANDS as readonly string[]).includes(method)) {
        throw new Error(`simulator: ${method} has no callback; one of ${CALLBACK_COMMANDS.join(', ')}`)
      }
      silenced.add(method as CallbackCommand)
    },
    setAudioRoutes(routes) {
      audioRouter.setRoutes(routes)
    },
    audioRoutes: () => audioRouter.read(),
    setAgentStatus(status, restReason) {
      if (!['free', 'busy', 'rest', 'arrange', 'offline'].includes(status)) {
        throw new RangeError(`simulator: status must be free, busy, rest, arrange or offline, got ${status}`)
      }
      setSeat(status, emitNow, status === 'rest' ? restReason : undefined)
    },
    deviceError(code, message) {
      if (!Number.isInteger(code)) throw new RangeError(`deviceError needs an integer code, got ${code}`)
      emitNow({ type: 'error', code, message: message ?? `simulated device error ${code}` })
      if (MEDIA_FAILURE_CODES.has(code) && current) endSession(current, 'error', `media failure ${code}`, emitNow)
    },
  }

  const sdk: SimulatedTccc = {
    kind: 'simulated',
    capabilities,
    audioRouter,
    login,
    checkLogin,
    logout,
    call,
    callSeat,
    answer,
    terminate,
    mute: () => setMuted('mute', true),
    unmute: () => setMuted('unmute', false),
    sendDTMF,
    setAudioRoute,
    setAgentStatus,
    hold: () => setHeld('hold', true),
    unhold: () => setHeld('unhold', false),
    transfer,
    startRinging,
    stopRinging,
    version: () => SIM_SDK_VERSION,
    subscribe,
    dispose,
    sim,
  }
  listenerCounts.set(sdk, () => listeners.size)
  return sdk
}
