/**
 * The one interface every TCCC agent SDK implementation satisfies (native App plugin,
 * Web SDK, simulated TCCC). Everything above `src/platform` talks to this, never to an SDK.
 *
 * Data flows one way: SDK event -> adapter (normalises into `TcccEvent`) -> workstation
 * service (republishes on its stream) -> store event router -> store. Commands flow back as promise-returning methods that reject with
 * `TcccError` (see `src/platform/errors.ts`).
 */

export type PlatformKind = 'native' | 'web' | 'simulated'

/** Who started the session, from the agent's point of view. */
export type CallDirection = 'in' | 'out'

export type AudioRoute = 'speakerphone' | 'earpiece'

/** Where the phone plays the call: the SDK's two routes plus the headsets (audioRoutes.ts). */
export type AudioOutput = 'earpiece' | 'speaker' | 'wired' | 'bluetooth'
export interface AudioOutputs {
  /** What the phone offers now (a plugged wired headset replaces the earpiece). */
  available: AudioOutput[]
  /** What carries the call now. */
  current: AudioOutput
}
/** Reads and moves the call's audio route among what the phone offers (`src/platform/audioRoutes.ts`). */
export interface AudioRouter {
  read(): AudioOutputs
  /** Rejects with TcccError UNSUPPORTED_ON_PLATFORM when `output` is not available. */
  select(output: AudioOutput): Promise<void>
  /** Told when the routes or the current route change (headset plugged / unplugged). */
  watch(listener: (outputs: AudioOutputs) => void): Unsubscribe
}

/**
 * Why a session ended, normalised from `TCCCEndReason` (native), `closeBy` (web) or the simulator.
 * - local-bye: the agent hung up; remote-bye: the other side hung up after answering
 * - rejected: the callee (or the agent, for an incoming call) declined
 * - remote-cancel: the caller gave up before it was answered
 * - timeout: nobody answered in time; error: the SDK ended it because something failed
 * - admin: an administrator ended it (web `closeBy: admin`)
 */
export type EndReason = 'local-bye' | 'remote-bye' | 'rejected' | 'remote-cancel' | 'timeout' | 'error' | 'admin' | 'unknown'

/** Network quality on the TRTC scale: 0 unknown, 1 excellent, 2 good, 3 poor, 4 bad, 5 very bad, 6 down. */
export type NetworkQuality = 0 | 1 | 2 | 3 | 4 | 5 | 6

export interface LoginParams {
  sdkAppId: number
  userId: string
  token: string
  /** Web SDK only: the one-time script URL from CreateSDKLoginToken (`SdkURL`). */
  sdkUrl?: string
}

export interface CallParams {
  /** The number to dial, already normalised (digits, optional leading +). */
  to: string
  /** Shown in the call bar instead of the number. */
  remark?: string
  /** Custom data echoed back in call detail records. */
  uui?: string
  /** The business number the customer sees (Web `callerPhoneNumber`; capability `callerNumber`). */
  callerNumber?: string
}

/** An internal call to a colleague's seat (Web `Call.startInternalCall`; capability `internalCall`). */
export interface SeatCallParams {
  /** The colleague's TCCC seat account (`calleeUserId`), e.g. an e-mail address. */
  userId: string
}

/**
 * The agent's seat status in TCCC: free (空闲), busy (示忙 / in a call), rest (小休, with a
 * reason), arrange (话后整理, after-call work), offline (not signed in).
 */
export type AgentStatus = 'free' | 'busy' | 'rest' | 'arrange' | 'offline'
/** What the agent may choose; busy/offline follow from calls and sign-in. */
export type SettableAgentStatus = 'free' | 'rest' | 'arrange' | 'busy'

/** Where a call goes when transferred: a skill group or a colleague's seat. */
export type TransferTarget = { skillGroupId: string } | { userId: string }

/** What this platform can really do, so the UI can say so instead of pretending. */
export interface PlatformCapabilities {
  /** Can switch between earpiece and speaker (false in a browser). */
  audioRoute: boolean
  /** Can play the ringtone through the SDK (native startPlayMusic); otherwise the UI plays it. */
  sdkRinging: boolean
  /** Incoming calls can reach the agent. */
  incomingCalls: boolean
  /** hold / unhold of the active call (Web `Call.hold` / `Call.unHold`). */
  hold: boolean
  /** transfer to a skill group or a seat (Web `Call.transfer`). */
  transfer: boolean
  /** call another seat (Web `Call.startInternalCall`). */
  internalCall: boolean
  /** choose the outbound caller number (Web `startOutboundCall({ callerPhoneNumber })`). */
  callerNumber: boolean
  /** read and set the seat status through the SDK (Web `Agent.setStatus` / `statusChanged`). */
  agentStatus: boolean
  /**
   * The SDK has no seat status, but the token backend reads and sets it for the agent's own seat
   * (`GET/PUT /api/agent/status`: DescribeStaffStatusMetrics / SetStaffStatus). Native App.
   */
  agentStatusViaBackend: boolean
}

export type TcccEvent =
  /** `internal`: a colleague's seat (peer = their account), not a customer: never recorded. */
  | { type: 'newSession'; sessionId: string; direction: CallDirection; peer: string; remark?: string; internal?: true }
  | { type: 'accepted'; sessionId: string }
  | { type: 'ended'; sessionId: string; reason: EndReason; message: string }
  | { type: 'networkQuality'; quality: NetworkQuality }
  | { type: 'audioVolume'; userId: string; volume: number }
  | { type: 'connectionLost'; server: string }
  | { type: 'reconnecting'; server: string }
  | { type: 'connectionRecovered'; server: string }
  /** SDK-level error not tied to a command (e.g. 403 kicked, -10002 token expired). */
  | { type: 'error'; code: number; message: string }
  | { type: 'warning'; code: number; message: string }
  /** The contact center changed the agent's seat status (Web `statusChanged`). */
  | { type: 'agentStatus'; status: AgentStatus; restReason?: string }

export type TcccEventType = TcccEvent['type']
export type TcccEventOf<T extends TcccEventType> = Extract<TcccEvent, { type: T }>
export type TcccListener = (event: TcccEvent) => void
export type Unsubscribe = () => void

export interface TcccAgentSdk {
  readonly kind: PlatformKind
  readonly capabilities: PlatformCapabilities
  /** The phone's audio routes incl. headsets; null/absent where the system picks (browser). */
  readonly audioRouter?: AudioRouter | null

  /** Register the agent. Rejects with TcccError (e.g. -10002 bad token, 402 no seats). */
  login(params: LoginParams): Promise<void>
  /** Is the SIP registration still alive (call on app show). Rejects when it is not. */
  checkLogin(): Promise<void>
  logout(): Promise<void>

  /** Start an outbound call. Resolves when the SDK accepted the request; the session id
   *  arrives with the `newSession` event (direction 'out'). */
  call(params: CallParams): Promise<void>
  /** Call a colleague's seat (capability `internalCall`). Like `call`: resolves when the SDK
   *  accepted the request; the session arrives as `newSession` (direction 'out', peer = userId). */
  callSeat(params: SeatCallParams): Promise<void>
  /** Answer the ringing incoming session. */
  answer(): Promise<void>
  /** Hang up / reject / cancel the current session. */
  terminate(): Promise<void>
  mute(): Promise<void>
  unmute(): Promise<void>
  /** One digit of `0-9*#`, only while a call is active. */
  sendDTMF(digit: string): Promise<void>
  setAudioRoute(route: AudioRoute): Promise<void>
  /** Set the seat status (capability `agentStatus`; otherwise rejects UNSUPPORTED_ON_PLATFORM). */
  setAgentStatus(status: SettableAgentStatus, restReason?: string): Promise<void>
  /** Hold / resume the active call (capability `hold`). */
  hold(): Promise<void>
  unhold(): Promise<void>
  /** Hand the active call to a skill group or a seat (capability `transfer`); it then ends here. */
  transfer(target: TransferTarget): Promise<void>
  /** Play the ringtone (a bundled file path) until stopRinging. */
  startRinging(url: string): Promise<void>
  stopRinging(): Promise<void>
  version(): string

  /** One owner (the workstation service) subscribes; returns the way to unsubscribe. */
  subscribe(listener: TcccListener): Unsubscribe
  /** Release SDK handlers (listener count must return to zero). */
  dispose(): void
}
