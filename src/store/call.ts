/**
 * The agent's current call: the effects around ONE explicit state machine (`./callMachine`,
 * where the diagram and the pure `transition` live). Fed by SDK events (the event router calls
 * `applyEvent`) and by the agent's commands; it owns ringing, history and number stats, the
 * microphone and audio route, and token renewal around commands.
 *
 * Events of sessions other than the current one never reach the machine: an incoming call
 * that arrives during a call is kept aside and recorded as missed when it ends.
 */
import { defineStore } from 'pinia'
import { computed, markRaw, ref, watch } from 'vue'
import {
  canOpenMicrophoneSettings as canOpenSystemMicrophoneSettings,
  ensureMicrophonePermission,
  keepScreenOn,
  openMicrophoneSettings as openSystemMicrophoneSettings,
} from '@/platform/device'
import { onAppHidden } from '@/platform/appLifecycle'
import { keepCallAudioAlive } from '@/platform/callKeepAlive'
import { SDK_ERRORS, TcccError, toTcccError } from '@/platform/errors'
import type { AudioRoute, CallDirection, CallParams, EndReason, NetworkQuality, TcccEvent, TcccEventOf, TransferTarget } from '@/platform/types'
import { outcomeOf, type CallRecord } from '@/services/callRecord'
import { newId } from '@/services/ids'
import { interruptedCallRecord, interruptedWaitingRecords, isLiveCallSnapshot, LIVE_CALL_HEARTBEAT_MS, type LiveCallSnapshot, type WaitingSnapshot } from '@/services/liveCall'
import { NUMBER_MAX_DIGITS, validateNumber, type Validated } from '@/services/numbers'
import { agentKeyOf, workspaceValue, type StoredValue } from '@/services/storage'
import { getWorkstation } from '@/services/workstation'
import { t } from '@/i18n'
import { useConnectionStore } from '@/store/connection'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useSettingsStore } from '@/store/settings'
import { useWrapupStore } from '@/store/wrapup'
import { useCallerNumbersStore } from '@/store/callerNumbers'
import { isLiveState, transition, type CallInput, type CallState } from '@/store/callMachine'

export type { CallInput, CallState } from '@/store/callMachine'

export const RINGTONE_URL = '/static/ringtone.wav'
const DTMF_DIGIT = /^[0-9*#]$/
/** Digits with an optional leading + (the numbers service normalises before this). */
const DIALLABLE = /^\+?[0-9*#]{1,32}$/
const TOKEN_EXPIRED_CODE = SDK_ERRORS.ERR_HTTP_TOKEN_ERROR.code
/**
 * `onError` codes that break the call's audio: the microphone could not start, is not allowed,
 * is taken or cannot be set up (-1302, -1317, -1319, -1306, -1318), the speaker could not start
 * or be set up (-1321, -1322: the agent hears nothing), or the media session failed or was
 * refused (-3301, -3307, -3308, -3340).
 */
export const CALL_DEVICE_ERROR_CODES: ReadonlySet<number> = new Set(
  [
    SDK_ERRORS.ERR_MIC_START_FAIL,
    SDK_ERRORS.ERR_MIC_NOT_AUTHORIZED,
    SDK_ERRORS.ERR_MIC_OCCUPY,
    SDK_ERRORS.ERR_UNSUPPORTED_SAMPLERATE,
    SDK_ERRORS.ERR_MIC_SET_PARAM_FAIL,
    SDK_ERRORS.ERR_SPEAKER_START_FAIL,
    SDK_ERRORS.ERR_SPEAKER_SET_PARAM_FAIL,
    SDK_ERRORS.ERR_RTC_ENTER_ROOM_FAILED,
    SDK_ERRORS.ERR_RTC_REQUEST_IP_TIMEOUT,
    SDK_ERRORS.ERR_RTC_CONNECT_SERVER_TIMEOUT,
    SDK_ERRORS.ERR_RTC_ENTER_ROOM_REFUSED,
  ].map((entry) => entry.code),
)
/** Finished session ids remembered so their late events are dropped quietly. */
const FINISHED_MEMORY = 20
/** An `onError` this recent explains an error end that came without words of its own. */
const CAUSE_WINDOW_MS = 10_000

const LIVE_CALL_STORAGE = {
  version: 1,
  fallback: (): LiveCallSnapshot | null => null,
  validate: (data: unknown): data is LiveCallSnapshot | null => data === null || isLiveCallSnapshot(data),
}

interface SideSession {
  peer: string
  remark: string
  startedAt: number
  answeredAt: number | null
  /** The call record's id once it is written (when our call ended first), so its end replaces it. */
  recordId: string | null
  /** A colleague's seat: shown while it rings, never recorded. */
  internal: boolean
}

/** A second caller ringing during the agent's call (the `call-waiting` notice). */
export interface WaitingCaller {
  sessionId: string
  number: string
  remark: string
}

export interface PlaceCallParams {
  to: string
  remark?: string
}

/** A colleague's TCCC seat account, as `placeSeatCall` takes it. */
const SEAT_ACCOUNT = /^[A-Za-z0-9@._+-]{1,64}$/

/** The seat account the agent typed, trimmed, or null when it cannot be one. */
export function validateSeatAccount(text: string): string | null {
  const account = text.trim()
  return SEAT_ACCOUNT.test(account) ? account : null
}

/**
 * What the agent typed on the dial pad, as the number `placeCall` should get, or why it cannot
 * be dialled (`numbers.error.<reason>` says it). Pure, and outside the store so a page can check
 * every keystroke without an action (and test doubles of the store do not stub it away).
 */
export function validateDialNumber(text: string): Validated<string> {
  return validateNumber(text)
}

/** Whether the dial pad may add another digit: no number is longer than this. */
export function dialPadFull(text: string): boolean {
  let digits = 0
  for (const ch of text) if (ch >= '0' && ch <= '9') digits++
  return digits >= NUMBER_MAX_DIGITS
}

export const useCallStore = defineStore('call', () => {
  const settings = useSettingsStore()

  // ---- state ------------------------------------------------------------------------------
  const state = ref<CallState>('idle')
  const sessionId = ref<string | null>(null)
  const direction = ref<CallDirection | null>(null)
  /** A call to a colleague's seat (capability `internalCall`): not a customer call, not recorded. */
  const internal = ref(false)
  const peer = ref('')
  const remark = ref('')
  const startedAt = ref<number | null>(null)
  const answeredAt = ref<number | null>(null)
  const endedAt = ref<number | null>(null)
  const muted = ref(false)
  /** The customer is on hold (capability `hold`). */
  const held = ref(false)
  const audioRoute = ref<AudioRoute>(settings.audioRoute)
  const dtmfSent = ref('')
  const quality = ref<NetworkQuality>(0)
  /** Last reported volumes (0..100) of the agent's microphone and of the other side. */
  const micVolume = ref(0)
  const peerVolume = ref(0)
  const endReason = ref<EndReason | null>(null)
  /** Where `transferCall` handed the call (a colleague or skill group), for the ended screen. */
  const transferredTo = ref<string | null>(null)
  const error = ref<TcccError | null>(null)
  /** RINGTONE_BLOCKED while the browser refuses to autoplay the ringtone (no user gesture yet). */
  const ringtoneError = ref<TcccError | null>(null)
  const busy = ref(false)
  /** Callers ringing while the agent is on a call: shown, never answered over the call, recorded as missed. */
  const waiting = ref<WaitingCaller[]>([])

  // Bookkeeping that no page shows: kept out of the reactive state.
  let ringing = false
  let muteInFlight = false
  /**
   * Whether our `mute()` holds the SDK's microphone shut. The agent's choice (`muted`) can run
   * ahead of it: before the answer (the Web SDK refuses to mute a ringing call) and on hold (the
   * SDK mutes for the hold and opens the microphone again at unhold); it is applied then.
   */
  let sdkMuted = false
  /** An `onError` of the live call that did not go on screen: the cause if the SDK then ends it. */
  let pendingCause: { error: TcccError; at: number } | null = null
  /**
   * The notice the last failed command left on the call screen: cleared when a later command
   * works, and never taken for why the call ended (a hold refused once and then done did not
   * make a call the customer hung up "failed").
   */
  let commandNotice: TcccError | null = null
  let holdInFlight = false
  let routeInFlight = false
  let hangingUp = false
  /** The agent hung up before the SDK reported the outbound session: end it when it comes. */
  let dialCancelled = false
  const sideSessions = new Map<string, SideSession>()
  const finished: string[] = []

  // ---- getters ----------------------------------------------------------------------------
  const isLive = computed(() => isLiveState(state.value))
  /** Whole seconds talked: to now while active (pass the UI's clock), to the end once ended. */
  function durationAt(now: number): number {
    if (answeredAt.value === null) return 0
    const end = endedAt.value ?? now
    return Math.max(0, Math.floor((end - answeredAt.value) / 1000))
  }
  const durationSec = computed(() => (endedAt.value === null ? 0 : durationAt(endedAt.value)))
  /**
   * The quality the call screen shows: "down" (6) while the SDK's connection is lost or
   * reconnecting, whatever TRTC last reported, so it agrees with the connection banner.
   */
  const linkQuality = computed<NetworkQuality>(() => {
    const link = useConnectionStore().state
    return link === 'lost' || link === 'reconnecting' ? 6 : quality.value
  })
  const canSwitchAudioRoute = computed(() => getWorkstation().capabilities.audioRoute)
  /** Hold and transfer exist only where the platform has them (never a hidden failure). */
  const canHold = computed(() => getWorkstation().capabilities.hold)
  const canTransfer = computed(() => getWorkstation().capabilities.transfer)
  const canCallSeat = computed(() => getWorkstation().capabilities.internalCall)
  /** True where `openMicrophoneSettings` really opens something (the App, not a browser). */
  const canOpenMicrophoneSettings = computed(() => canOpenSystemMicrophoneSettings())

  // A live call keeps the display awake on whichever page the agent is (Android mutes the
  // microphone of an app whose screen went off). Sync: on at the very move that made it live.
  // Android also needs an ongoing notification while the agent is in another app (seed 003 FAQ).
  const callNotice = () => ({ title: t('call.keepAlive.title'), text: t('call.keepAlive.text') })
  /**
   * Posted again once the permissions are answered: on the first call the notification went up
   * before Android had asked for POST_NOTIFICATIONS (with the microphone), and was dropped.
   */
  function renewCallNotice(): void {
    if (isLive.value) keepCallAudioAlive(true, callNotice())
  }
  watch(
    isLive,
    (live) => {
      keepScreenOn(live)
      keepCallAudioAlive(live, callNotice())
      // The session's resume check must not re-login or sign out in the middle of a call.
      useSessionStore().setCallLive(live)
    },
    { flush: 'sync' },
  )

  // ---- a call the app lost (closed or killed mid-call) ------------------------------------
  /** The call the last app run lost, recorded at this start: the shell says so until dismissed. */
  const interrupted = ref<{ peer: string; remark: string } | null>(null)
  let liveCallStorage: StoredValue<LiveCallSnapshot | null> | null = null
  let heartbeat: ReturnType<typeof setInterval> | null = null

  /** Keeps the customer call in progress on the phone (or forgets it once it is over). */
  function rememberLiveCall(): void {
    if (!liveCallStorage) return
    try {
      if (isLive.value && !internal.value && peer.value !== '' && startedAt.value !== null) {
        liveCallStorage.save({
          sessionId: sessionId.value,
          direction: direction.value ?? 'out',
          peer: peer.value,
          remark: remark.value,
          startedAt: startedAt.value,
          answeredAt: answeredAt.value,
          seenAt: Date.now(),
          ...waitingSnapshot(),
        })
      } else {
        liveCallStorage.clear()
      }
    } catch (e) {
      console.warn('[call] could not keep the live call', e instanceof Error ? e.message : e)
    }
  }

  /** The customers ringing during the call, unanswered and not yet recorded. */
  function waitingSnapshot(): { waiting?: WaitingSnapshot[] } {
    const list: WaitingSnapshot[] = []
    for (const [id, side] of sideSessions) {
      if (side.internal || side.answeredAt !== null || side.recordId !== null) continue
      list.push({ sessionId: id, peer: side.peer, remark: side.remark, startedAt: side.startedAt })
    }
    return list.length > 0 ? { waiting: list } : {}
  }

  // Sync: the snapshot is gone by the time `finish` records the call, so no run records it twice.
  watch([state, sessionId, answeredAt, internal, waiting], rememberLiveCall, { flush: 'sync' })
  watch(isLive, (live) => {
    if (heartbeat) clearInterval(heartbeat)
    heartbeat = live ? setInterval(rememberLiveCall, LIVE_CALL_HEARTBEAT_MS) : null
  })
  // Leaving the app (or a reload, in a browser) may be the last moment this run sees the call:
  // the snapshot's time is now, so the talk time up to here is not lost with the heartbeat's gap.
  onAppHidden(() => {
    if (isLive.value) rememberLiveCall()
  })

  // Each agent's own snapshot, like their wrap-up drafts.
  watch(
    () => useSessionStore().agent?.userId ?? null,
    (userId) => {
      liveCallStorage = userId ? workspaceValue(agentKeyOf(userId), 'liveCall', LIVE_CALL_STORAGE) : null
      if (!userId) interrupted.value = null
      else if (isLive.value) rememberLiveCall()
    },
    { immediate: true },
  )
  // Once signed in (history and the list open, also offline): a call the last run lost goes into history.
  watch(
    () => useSessionStore().status === 'signed-in' || useSessionStore().status === 'offline',
    (signedIn) => {
      if (signedIn && !isLive.value) recordInterruptedCall()
    },
    { immediate: true },
  )

  function recordInterruptedCall(): void {
    const snapshot = liveCallStorage?.load() ?? null
    if (!snapshot) return
    liveCallStorage?.clear()
    const record = interruptedCallRecord(snapshot, newId())
    notifyEnded(record)
    for (const missed of interruptedWaitingRecords(snapshot, newId)) notifyEnded(missed)
    try {
      useWrapupStore().offer(record)
    } catch (e) {
      console.error('[call] wrapup.offer failed', e)
    }
    interrupted.value = { peer: snapshot.peer, remark: snapshot.remark }
  }

  function dismissInterrupted(): void {
    interrupted.value = null
  }

  // ---- the machine ------------------------------------------------------------------------
  /** Read through a call so TypeScript does not keep a narrowing across awaits and moves. */
  function stateNow(): CallState {
    return state.value
  }

  function move(input: CallInput): boolean {
    const next = transition(state.value, input)
    if (next === null) {
      console.warn(`[call] illegal move ignored: ${state.value} --${input}-->`)
      return false
    }
    state.value = next
    return true
  }

  function begin(dir: CallDirection, number: string, note: string, id: string | null): void {
    sessionId.value = id
    direction.value = dir
    internal.value = false
    peer.value = number
    remark.value = note
    startedAt.value = Date.now()
    answeredAt.value = null
    endedAt.value = null
    muted.value = false
    held.value = false
    dtmfSent.value = ''
    quality.value = 0
    micVolume.value = 0
    peerVolume.value = 0
    endReason.value = null
    transferredTo.value = null
    error.value = null
    pendingCause = null
    dialCancelled = false
  }

  function rememberFinished(id: string): void {
    finished.push(id)
    if (finished.length > FINISHED_MEMORY) finished.shift()
  }

  /** After the machine entered `ended`: stop ringing, record, restore the microphone. */
  function finish(reason: EndReason): void {
    endedAt.value = Date.now()
    endReason.value = reason
    // A call that ended well did not fail: a command's notice (hold refused, a key not sent) or
    // "renewed after the call" says nothing about it any more.
    if (reason !== 'error') error.value = null
    commandNotice = null
    stopRing()
    if (sessionId.value) rememberFinished(sessionId.value)
    if (internal.value) {
      // A colleague is not a customer: no history row, no number status, no wrap-up.
      restoreMicrophone()
      return
    }
    const dir = direction.value ?? 'out'
    const started = startedAt.value ?? endedAt.value
    const record: CallRecord = {
      id: newId(),
      number: peer.value,
      direction: dir,
      outcome: outcomeOf(dir, answeredAt.value !== null, reason),
      startedAt: started,
      endedAt: endedAt.value,
      durationSec: durationAt(endedAt.value),
      endReason: reason,
    }
    if (sessionId.value) record.sessionId = sessionId.value
    if (remark.value) record.remark = remark.value
    if (answeredAt.value !== null) record.answeredAt = answeredAt.value
    if (error.value) record.errorSymbol = error.value.symbol
    notifyEnded(record)
    recordWaitingAsMissed()
    try {
      useWrapupStore().offer(record)
    } catch (e) {
      console.error('[call] wrapup.offer failed', e)
    }
    restoreMicrophone()
  }

  function restoreMicrophone(): void {
    // The SDK's mute can outlive the session (TRTC keeps it): open the microphone for the next
    // call. SDKs that reset it themselves answer NO_ACTIVE_CALL, which is fine.
    if (sdkMuted) {
      sdkMuted = false
      getWorkstation()
        .unmute()
        .catch((e: unknown) => {
          const symbol = toTcccError(e).symbol
          if (symbol !== 'NO_ACTIVE_CALL') console.warn('[call] unmute after the call failed', symbol)
        })
    }
  }

  /**
   * The side session's call record: missed (or answered elsewhere) as far as the app knows now.
   * The agent has no way to decline a waiting caller, so a local end (the app signing out, the
   * SDK dropping it) is a missed call, never "declined".
   */
  function sideRecord(id: string, side: SideSession, reason: EndReason, endedTime: number): CallRecord {
    const record: CallRecord = {
      id: side.recordId ?? newId(),
      sessionId: id,
      number: side.peer,
      direction: 'in',
      outcome: side.answeredAt === null && reason === 'local-bye' ? 'missed' : outcomeOf('in', side.answeredAt !== null, reason),
      startedAt: side.startedAt,
      endedAt: endedTime,
      durationSec: side.answeredAt === null ? 0 : Math.max(0, Math.floor((endedTime - side.answeredAt) / 1000)),
      endReason: reason,
    }
    if (side.remark) record.remark = side.remark
    if (side.answeredAt !== null) record.answeredAt = side.answeredAt
    return record
  }

  /**
   * Our call ended while second callers still ring: they were missed, and history says so now
   * (reason unknown until their own end arrives, which then replaces the record).
   */
  function recordWaitingAsMissed(): void {
    waiting.value = []
    const now = Date.now()
    for (const [id, side] of sideSessions) {
      if (side.recordId !== null || side.answeredAt !== null || side.internal) continue
      const record = sideRecord(id, side, 'unknown', now)
      side.recordId = record.id
      notifyEnded(record)
    }
  }

  function notifyEnded(record: CallRecord, again = false): void {
    // History and numbers must never be able to break the call screen.
    try {
      useHistoryStore().record(record)
    } catch (e) {
      console.error('[call] history.record failed', e)
    }
    try {
      useNumbersStore().noteCall(record, again)
    } catch (e) {
      console.error('[call] numbers.noteCall failed', e)
    }
  }

  function startRing(): void {
    if (ringing) return
    ringing = true
    ringOnce()
  }

  function ringOnce(): void {
    getWorkstation()
      .startRinging(RINGTONE_URL)
      .then(
        () => {
          ringtoneError.value = null
        },
        (e: unknown) => {
          const failure = toTcccError(e)
          // Blocked autoplay: the overlay says so and the agent's next tap rings (retryRingtone).
          if (failure.symbol === 'RINGTONE_BLOCKED') ringtoneError.value = ringing ? failure : null
          else console.warn('[call] startRinging failed', failure.symbol)
        },
      )
  }

  /** A user gesture lets the browser play audio: ring now if autoplay was refused before. */
  function retryRingtone(): void {
    if (ringing && ringtoneError.value) ringOnce()
  }

  function stopRing(): void {
    ringtoneError.value = null
    if (!ringing) return
    ringing = false
    getWorkstation()
      .stopRinging()
      .catch((e: unknown) => console.warn('[call] stopRinging failed', toTcccError(e).symbol))
  }

  /**
   * A command's failure; -10002 also asks the session to renew the TCCC token. During a call the
   * renewal waits for its end (session.onTokenExpired), and the agent is told so rather than to
   * sign in again; `now` renews at once (hanging up: the agent wants the call over).
   */
  function noteFailure(e: unknown, now = false): TcccError {
    const failure = toTcccError(e)
    error.value = failure
    if (failure.code === TOKEN_EXPIRED_CODE) {
      const session = useSessionStore()
      void session.onTokenExpired({ now })
      if (session.renewAfterCall) error.value = new TcccError('TOKEN_RENEWS_AFTER_CALL')
    }
    commandNotice = error.value
    return failure
  }

  /** A command's failure after `renewingToken`, which already took any -10002 to the session. */
  function noteRenewedFailure(e: unknown): void {
    const failure = toTcccError(e)
    error.value = failure.code === TOKEN_EXPIRED_CODE && useSessionStore().renewAfterCall ? new TcccError('TOKEN_RENEWS_AFTER_CALL') : failure
    commandNotice = error.value
  }

  /**
   * A command worked: the notice an earlier one left ("service unavailable, try again") is over.
   * An error the SDK reported on its own (the microphone) stays.
   */
  function commandSucceeded(): void {
    if (commandNotice !== null && error.value === commandNotice) error.value = null
    commandNotice = null
  }

  function failDial(failure: TcccError): void {
    error.value = failure
    // The dial never had a session: the line is free, and a caller who rang meanwhile (shown as
    // waiting) still rings. They become the incoming call instead of a missed one.
    const caller = sessionId.value === null ? takeWaitingCaller() : null
    if (move('dialFailed')) finish('error')
    if (caller) ringAgain(caller.id, caller.side)
  }

  /** The first caller still ringing beside the call, taken out of the waiting list. */
  function takeWaitingCaller(): { id: string; side: SideSession } | null {
    for (const [id, side] of sideSessions) {
      if (side.answeredAt !== null || side.recordId !== null) continue
      sideSessions.delete(id)
      waiting.value = waiting.value.filter((w) => w.sessionId !== id)
      return { id, side }
    }
    return null
  }

  function ringAgain(id: string, side: SideSession): void {
    if (state.value !== 'ended') return
    begin('in', side.peer, side.remark, id)
    startedAt.value = side.startedAt
    internal.value = side.internal
    if (move('incomingSession')) startRing()
  }

  async function applyPreferredRoute(): Promise<void> {
    const workstation = getWorkstation()
    if (!workstation.capabilities.audioRoute) return
    const preferred = settings.audioRoute
    try {
      await workstation.setAudioRoute(preferred)
      audioRoute.value = preferred
    } catch (e) {
      console.warn('[call] could not apply the preferred audio route', toTcccError(e).symbol)
    }
  }

  // ---- SDK events (from the event router) ---------------------------------------------------
  function applyEvent(event: TcccEvent): void {
    switch (event.type) {
      case 'newSession':
        onNewSession(event)
        return
      case 'accepted':
        onAccepted(event)
        return
      case 'ended':
        onEnded(event)
        return
      case 'networkQuality':
        quality.value = event.quality
        return
      case 'audioVolume':
        if (event.userId !== '' && event.userId === useSessionStore().agent?.userId) micVolume.value = event.volume
        else peerVolume.value = event.volume
        return
      default:
        // Connection and error events go to other stores (src/store/eventRouter.ts).
        return
    }
  }

  function onNewSession(event: TcccEventOf<'newSession'>): void {
    // A repeat of a session we already have (the native adapter passes every one on) is not a
    // second caller, and must not become a second "missed" record.
    const known = event.sessionId === sessionId.value || sideSessions.has(event.sessionId) || finished.includes(event.sessionId)
    if (known) return
    if (event.direction === 'in') {
      if (state.value === 'idle' || state.value === 'ended') {
        const listed = event.internal ? undefined : useNumbersStore().lookup(event.peer)
        begin('in', event.peer, listed?.remark || event.remark || '', event.sessionId)
        internal.value = event.internal === true
        if (move('incomingSession')) startRing()
        return
      }
      // Busy with another call: never disturb it; tell the agent, and remember it for history.
      const side: SideSession = {
        peer: event.peer,
        remark: useNumbersStore().lookup(event.peer)?.remark || event.remark || '',
        startedAt: Date.now(),
        answeredAt: null,
        recordId: null,
        internal: event.internal === true,
      }
      sideSessions.set(event.sessionId, side)
      waiting.value = [...waiting.value, { sessionId: event.sessionId, number: side.peer, remark: side.remark }]
      return
    }
    if (state.value === 'dialing' && sessionId.value === null && !dialCancelled) {
      sessionId.value = event.sessionId
      move('outgoingSession')
      return
    }
    if (dialCancelled) {
      // The agent already hung up: end the session the SDK has just created.
      dialCancelled = false
      rememberFinished(event.sessionId)
      getWorkstation()
        .terminate()
        .catch((e: unknown) => console.warn('[call] terminating a cancelled dial failed', toTcccError(e).symbol))
      return
    }
    console.warn('[call] outbound session this app did not start; ignored')
  }

  function onAccepted(event: TcccEventOf<'accepted'>): void {
    if (event.sessionId === sessionId.value) {
      if (state.value === 'active') return // the answer() result already moved us
      if (move('accepted')) {
        answeredAt.value = Date.now()
        error.value = null
        stopRing()
        // Muted while it rang: the SDK's microphone is shut now the call is live.
        if (muted.value) void applyMute()
      }
      return
    }
    const side = sideSessions.get(event.sessionId)
    if (side) {
      // Already recorded as missed (our call ended while it rang): its record keeps no answer or
      // talk time, which the backend never lets a phone add to a call record (CALL_RECORD_READONLY);
      // its own end still fills in when and how it ended, and TCCC's detail any talk time.
      if (side.recordId === null) side.answeredAt = Date.now()
      waiting.value = waiting.value.filter((w) => w.sessionId !== event.sessionId)
    }
  }

  function onEnded(event: TcccEventOf<'ended'>): void {
    const id = event.sessionId
    const ours = id === sessionId.value || (state.value === 'dialing' && sessionId.value === null && !sideSessions.has(id) && !finished.includes(id))
    if (ours) {
      if (state.value === 'ended' || state.value === 'idle') return // already ended locally
      if (sessionId.value === null) sessionId.value = id
      // The SDK's own words (seed 003 shows "系统异常" + reasonMessage), or the error it reported
      // during the call when it gave none.
      if (event.reason === 'error' && (!error.value || error.value === commandNotice)) {
        const cause = pendingCause && Date.now() - pendingCause.at <= CAUSE_WINDOW_MS ? pendingCause.error : null
        error.value = cause ?? (event.message ? TcccError.fromSdkMessage(event.message) : (error.value ?? new TcccError('UNKNOWN')))
      }
      if (move('ended')) finish(event.reason)
      return
    }
    const side = sideSessions.get(id)
    if (side) {
      sideSessions.delete(id)
      waiting.value = waiting.value.filter((w) => w.sessionId !== id)
      // Already recorded as missed when our call ended: this replaces that record, one call.
      if (!side.internal) notifyEnded(sideRecord(id, side, event.reason, Date.now()), side.recordId !== null)
    }
    // Otherwise a late event of a call we already finished: nothing to do.
  }

  /**
   * The agent is being signed out under a live call (kicked: signed in elsewhere). The SDK ends
   * the call after the 403, when the agent's stores are no longer theirs: the record (and its
   * wrap-up) would go nowhere. So the call ends here first, with the reason, and the SDK's late
   * `ended` is dropped as one already handled.
   */
  function endBeforeSignOut(why: TcccError): void {
    if (!isLive.value) return
    error.value = why
    if (move('ended')) finish('error')
  }

  /**
   * An SDK `onError` outside any command. Microphone and media codes go on the call screen with
   * their catalogue message and next action; the call itself moves only when the SDK ends it
   * (`ended`), never on our guess. Returns whether the call screen took it.
   */
  function reportSdkError(code: number, message: string): boolean {
    const failure = TcccError.fromCode(code, message)
    if (!CALL_DEVICE_ERROR_CODES.has(code)) {
      // Not shown while the call goes on (487 and the like may pass), but it is the likely cause
      // if the SDK ends the call with an error and no words.
      if (isLive.value) pendingCause = { error: failure, at: Date.now() }
      return false
    }
    if (isLive.value) {
      error.value = failure
      return true
    }
    // Right after the SDK ended the call because of it: explain the end, unless a cause is known.
    if (state.value === 'ended' && (error.value === null || error.value.symbol === 'UNKNOWN')) {
      error.value = failure
      return true
    }
    return false
  }

  // ---- commands (from pages) ----------------------------------------------------------------
  /**
   * An SDK command that may meet an expired TCCC token (-10002): the session renews it silently
   * and, if that worked and `stillWanted()` (the call the agent acted on is still there), the
   * command runs once more, so the agent is neither told to sign in again while still signed in
   * nor made to tap twice. Every -10002 goes to the session exactly once, here (a second one
   * right after the renewal signs the agent out): callers report other failures only.
   */
  async function renewingToken(command: () => Promise<void>, stillWanted: () => boolean): Promise<void> {
    try {
      await command()
      return
    } catch (e) {
      const failure = toTcccError(e)
      if (failure.code !== TOKEN_EXPIRED_CODE) throw failure
      const renewed = await useSessionStore().onTokenExpired({ now: true })
      if (!renewed || !stillWanted()) throw failure
    }
    try {
      await command()
    } catch (e) {
      const failure = toTcccError(e)
      if (failure.code === TOKEN_EXPIRED_CODE) void useSessionStore().onTokenExpired({ now: true })
      throw failure
    }
  }

  /**
   * Signed in from the cache without TCCC (session `offline`), or standing by while another tab
   * of this browser holds the registration (`elsewhere`): no call can be made or taken.
   */
  function offlineRefusal(): TcccError | null {
    const status = useSessionStore().status
    if (status === 'elsewhere') return new TcccError('TAB_ELSEWHERE')
    return status === 'offline' ? new TcccError('TCCC_OFFLINE') : null
  }

  /** Resolves true when the SDK accepted the call. Refused while another call or command runs. */
  function placeCall(params: PlaceCallParams): Promise<boolean> {
    const to = params.to.trim()
    const note = (params.remark ?? '').trim()
    const callerNumber = useCallerNumbersStore().effective
    const callParams: CallParams = { to, ...(note ? { remark: note } : {}), ...(callerNumber ? { callerNumber } : {}) }
    return dial(to, note, false, () => (DIALLABLE.test(to) ? null : new TcccError('INVALID_NUMBER', 'not diallable')), () => getWorkstation().call(callParams))
  }

  /** Calls a colleague's seat (capability `internalCall`) through the same machine as any call. */
  function placeSeatCall(account: string): Promise<boolean> {
    const userId = account.trim()
    return dial(
      userId,
      '',
      true,
      () => {
        if (!getWorkstation().capabilities.internalCall) return new TcccError('UNSUPPORTED_ON_PLATFORM', 'internal call')
        return validateSeatAccount(userId) ? null : new TcccError('INVALID_NUMBER', 'not a seat account')
      },
      () => getWorkstation().callSeat({ userId }),
    )
  }

  async function dial(to: string, note: string, toSeat: boolean, check: () => TcccError | null, command: () => Promise<void>): Promise<boolean> {
    if (busy.value || (stateNow() !== 'idle' && stateNow() !== 'ended')) {
      console.warn(`[call] placeCall refused in state ${state.value}${busy.value ? ' (busy)' : ''}`)
      return false
    }
    busy.value = true
    try {
      begin('out', to, note, null)
      internal.value = toSeat
      if (!move('dial')) return false
      // The SDK would take the call and time out on it ("request timed out"): say why instead.
      // Offline (started from the cache) the SDK is not even registered.
      const link = useConnectionStore().state
      const refused = offlineRefusal() ?? (link === 'lost' || link === 'reconnecting' ? new TcccError('CONNECTION_LOST') : check())
      if (refused) {
        failDial(refused)
        return false
      }
      const permission = await ensureMicrophonePermission()
      if (stateNow() !== 'dialing') return false // the agent hung up meanwhile
      if (permission !== 'granted') {
        failDial(new TcccError('ERR_MIC_NOT_AUTHORIZED'))
        return false
      }
      renewCallNotice()
      try {
        await renewingToken(command, () => stateNow() === 'dialing')
      } catch (e) {
        const failure = toTcccError(e)
        if (stateNow() === 'dialing') failDial(failure)
        // No answer is not a refusal: the SDK may still create the session, which is then ended.
        dialCancelled = failure.symbol === 'SDK_NO_RESPONSE'
        return false
      }
      if (isLive.value) await applyPreferredRoute()
      return true
    } finally {
      busy.value = false
    }
  }

  async function answerIncoming(): Promise<boolean> {
    if (stateNow() !== 'incoming' || busy.value) return false
    const offline = offlineRefusal()
    if (offline) {
      error.value = offline
      return false
    }
    const id = sessionId.value
    busy.value = true
    try {
      const permission = await ensureMicrophonePermission()
      if (stateNow() !== 'incoming' || sessionId.value !== id) return false
      if (permission !== 'granted') {
        error.value = new TcccError('ERR_MIC_NOT_AUTHORIZED')
        return false
      }
      renewCallNotice()
      stopRing()
      const stillRinging = (): boolean => stateNow() === 'incoming' && sessionId.value === id
      try {
        // Answered once more only while the same caller still waits (see renewingToken).
        await renewingToken(() => getWorkstation().answer(), stillRinging)
      } catch (e) {
        error.value = toTcccError(e) // a -10002 already went to the session
        if (stillRinging()) startRing()
        return false
      }
      if (stateNow() === 'incoming' && sessionId.value === id && move('accepted')) {
        answeredAt.value = Date.now()
        // A failed first try ("request timed out") is over once the caller is connected.
        error.value = null
      }
      if (stateNow() === 'active' && sessionId.value === id) await applyPreferredRoute()
      return true
    } finally {
      busy.value = false
    }
  }

  async function rejectIncoming(): Promise<boolean> {
    if (stateNow() !== 'incoming' || busy.value) return false
    const id = sessionId.value
    busy.value = true
    stopRing()
    try {
      await getWorkstation().terminate()
    } catch (e) {
      noteFailure(e)
      if (stateNow() === 'incoming' && sessionId.value === id) startRing()
      return false
    } finally {
      busy.value = false
    }
    // The SDK normally reports the end itself (LocalBye); if it did not, end it the same way.
    if (stateNow() === 'incoming' && sessionId.value === id && move('ended')) finish('local-bye')
    return true
  }

  /** Hang up / cancel the current call (rejects an incoming one). Allowed while placeCall runs. */
  async function hangUp(): Promise<boolean> {
    if (stateNow() === 'incoming') return rejectIncoming()
    if (hangingUp || (stateNow() !== 'dialing' && stateNow() !== 'ringing' && stateNow() !== 'active')) return false
    const id = sessionId.value
    hangingUp = true
    try {
      // Before the SDK reported the session there is nothing it could terminate yet.
      if (id !== null) await getWorkstation().terminate()
    } catch (e) {
      noteFailure(e, true)
      return false
    } finally {
      hangingUp = false
    }
    if (sessionId.value === id && (stateNow() === 'dialing' || stateNow() === 'ringing' || stateNow() === 'active')) {
      if (id === null) dialCancelled = true
      if (move('ended')) finish('local-bye')
    }
    return true
  }

  async function toggleMute(): Promise<boolean> {
    const now = stateNow()
    if (muteInFlight || (now !== 'ringing' && now !== 'active')) return false
    const id = sessionId.value
    const target = !muted.value
    // Before the answer and on hold the choice waits for the live call (see `sdkMuted`).
    if (now === 'ringing' || held.value) {
      muted.value = target
      return true
    }
    muteInFlight = true
    try {
      const workstation = getWorkstation()
      await (target ? workstation.mute() : workstation.unmute())
      if (sessionId.value === id) {
        muted.value = target
        sdkMuted = target
      }
      commandSucceeded()
      return true
    } catch (e) {
      noteFailure(e)
      return false
    } finally {
      muteInFlight = false
    }
  }

  /**
   * The agent chose mute while the SDK could not take it (ringing, on hold): shut the microphone
   * now. If the SDK refuses, the screen says so and shows the microphone open, as it is.
   */
  async function applyMute(): Promise<void> {
    const id = sessionId.value
    muteInFlight = true
    try {
      await getWorkstation().mute()
      if (sessionId.value === id) sdkMuted = true
    } catch (e) {
      if (sessionId.value !== id) return
      muted.value = false
      noteFailure(e)
    } finally {
      muteInFlight = false
    }
  }

  /** During a call: switch once the SDK accepted, and remember it. Otherwise: the preference. */
  async function setAudioRoute(next: AudioRoute): Promise<boolean> {
    const workstation = getWorkstation()
    if (!workstation.capabilities.audioRoute) return false
    if (!isLive.value) {
      settings.setAudioRoute(next)
      audioRoute.value = next
      return true
    }
    if (routeInFlight) return false
    routeInFlight = true
    try {
      await workstation.setAudioRoute(next)
      audioRoute.value = next
      settings.setAudioRoute(next)
      commandSucceeded()
      return true
    } catch (e) {
      noteFailure(e)
      return false
    } finally {
      routeInFlight = false
    }
  }

  function toggleAudioRoute(): Promise<boolean> {
    return setAudioRoute(audioRoute.value === 'speakerphone' ? 'earpiece' : 'speakerphone')
  }

  async function sendDigit(digit: string): Promise<boolean> {
    if (!DTMF_DIGIT.test(digit)) {
      error.value = new TcccError('INVALID_DTMF')
      return false
    }
    if (stateNow() !== 'active') {
      error.value = new TcccError('NO_ACTIVE_CALL')
      return false
    }
    const id = sessionId.value
    try {
      // Never repeated after a token renewal (unlike call and answer): digits pressed meanwhile
      // could go out in another order, and the far end's menu may have moved on.
      await getWorkstation().sendDTMF(digit)
      if (sessionId.value === id) dtmfSent.value += digit
      commandSucceeded()
      return true
    } catch (e) {
      noteFailure(e)
      return false
    }
  }

  /** Put the customer on hold or take them back (active call only). */
  async function toggleHold(): Promise<boolean> {
    if (!canHold.value || stateNow() !== 'active' || holdInFlight) return false
    const id = sessionId.value
    const target = !held.value
    holdInFlight = true
    try {
      const workstation = getWorkstation()
      if (target) await workstation.hold()
      // Taking the customer back cannot wait for the end of the call: with an expired token the
      // customer would stay on hold until the agent hung up. Renewed now, then tried once more.
      else await renewingToken(() => workstation.unhold(), () => sessionId.value === id && stateNow() === 'active' && held.value)
      if (sessionId.value === id) held.value = target
      commandSucceeded()
      // Unhold opens the SDK's microphone (seed 000: "取消呼叫保持 … 坐席取消静音"): an agent
      // who is muted stays muted.
      if (!target && sessionId.value === id) {
        sdkMuted = false
        if (muted.value) {
          holdInFlight = false
          await applyMute()
        }
      }
      return true
    } catch (e) {
      if (target) noteFailure(e)
      else noteRenewedFailure(e)
      return false
    } finally {
      holdInFlight = false
    }
  }

  /**
   * Hand the active call to a skill group or a colleague. The SDK then ends the session here
   * (its `ended` event moves the machine); the call record keeps it as answered.
   */
  async function transferCall(target: TransferTarget): Promise<boolean> {
    if (!canTransfer.value || stateNow() !== 'active' || busy.value) return false
    const to = 'userId' in target ? target.userId.trim() : target.skillGroupId.trim()
    if (to === '') {
      error.value = new TcccError('INVALID_NUMBER', 'empty transfer target')
      return false
    }
    busy.value = true
    try {
      const id = sessionId.value
      // Renewed at once on an expired token, as unhold is: the agent is handing the call over now.
      await renewingToken(
        () => getWorkstation().transfer('userId' in target ? { userId: to } : { skillGroupId: to }),
        () => sessionId.value === id && stateNow() === 'active',
      )
      // The SDK ends the session here as a hang-up: the ended screen says where it went instead.
      if (sessionId.value === id) transferredTo.value = to
      commandSucceeded()
      return true
    } catch (e) {
      noteRenewedFailure(e)
      return false
    } finally {
      busy.value = false
    }
  }

  /** After the agent denied the microphone: the system page where it can be allowed again. */
  function openMicrophoneSettings(): void {
    openSystemMicrophoneSettings()
  }

  /** Leave the ended call (back to idle). */
  function close(): void {
    if (stateNow() === 'idle') return
    if (!move('close')) return
    begin('out', '', '', null)
    direction.value = null
    startedAt.value = null
  }

  // Signing out hangs up a live call first. Any way out (also kicked, or a token that could not
  // be renewed) records what is still live while the stores are the agent's, then closes the
  // ended call, so the next agent who signs in on this phone never sees the customer.
  useSessionStore().joinSignOut({
    beforeLogout: async () => {
      if (isLive.value) await hangUp()
    },
    signedOut: (why) => {
      endBeforeSignOut(why ?? new TcccError('NOT_SIGNED_IN'))
      if (stateNow() === 'ended') close()
    },
  })

  /**
   * The event router's entry point for SDK events: the same `applyEvent`, without pinia's action
   * bookkeeping (`$onAction` arrays and closures per call), because quality and volume events
   * keep arriving during every call. markRaw: not state, not an action.
   */
  const eventSink = markRaw({ apply: applyEvent, reportSdkError, endBeforeSignOut })

  return {
    // state
    state,
    sessionId,
    direction,
    internal,
    peer,
    remark,
    startedAt,
    answeredAt,
    endedAt,
    muted,
    held,
    audioRoute,
    dtmfSent,
    quality,
    micVolume,
    peerVolume,
    endReason,
    transferredTo,
    error,
    ringtoneError,
    busy,
    waiting,
    interrupted,
    // getters
    isLive,
    linkQuality,
    durationSec,
    canSwitchAudioRoute,
    canHold,
    canTransfer,
    canCallSeat,
    canOpenMicrophoneSettings,
    durationAt,
    // actions
    placeCall,
    placeSeatCall,
    answerIncoming,
    rejectIncoming,
    hangUp,
    toggleMute,
    setAudioRoute,
    toggleAudioRoute,
    toggleHold,
    transferCall,
    sendDigit,
    openMicrophoneSettings,
    retryRingtone,
    close,
    dismissInterrupted,
    applyEvent,
    reportSdkError,
    endBeforeSignOut,
    // for the event router
    eventSink,
  }
})
