/**
 * One TCCC registration per agent per browser. TCCC keeps one registration per seat, so two tabs
 * of one agent that both log in kick each other; instead the tabs agree which one holds it.
 *
 * The holder is recorded in shared storage (`tccc.tabs.holder.<seat>`, one key per seat: the tab's
 * id, last writer wins; marked `left` when the holder's page goes, so a tab opened afterwards does
 * not wait for an answer, and `call` while the holder's call is live) and the tabs talk over the
 * platform's `TabLink`:
 *
 *   ping     "does the recorded holder of this seat still live?"  ─► holding (from the holder)
 *   request  "use here": the holder gives it up                   ─► releasing … released
 *                                                                   | refused (a live call; busy)
 *   held     a tab registered: the others of the seat stand by
 *   left     the holder's page went away (closed, reloading, or into the back-forward cache), or
 *            a tab that took the seat over could not register (`abandon`): "use here" need not
 *            ask, and after TAKEOVER_GRACE_MS one standing-by tab takes over
 *   back     the holder that left is back (it reloaded): it claims its record again, its TCCC
 *            login follows (then held); the tabs standing by no longer wait to take over
 *   candidate  a tab standing by for a holder that left: the lowest id of those heard takes over
 *   signed-out  the agent signed out in a tab: every other tab of the seat signs out too
 *   kicked   the holder was kicked by a sign-in on another browser or device: the session is
 *            revoked, so every other tab of the seat signs out too, saying so
 *   expired  the holder found the agent's session refused (expired, revoked) as it renewed its
 *            registration: every tab of the seat shares that session, so all sign out, saying so
 *            (a failure only the holder met is `left` with `failed`: one standing by takes over)
 *   call     the holder's call went live or ended: a standing-by tab asks before its sign-out
 *            (which signs the holder out too) hangs that call up; the record says it too
 *            (`call`), for a tab that did not hear it (back from the back-forward cache)
 *
 * How a seat's session last ended (`tccc.tabs.ended.<seat>`: signed-out, kicked, expired, and
 * when) stays until a tab claims the seat again, for a tab standing by that was in the back-forward
 * cache and heard none of it: back, it signs out as it would have then.
 *
 * The session store asks with `takeOver` at every sign-in, start and "use here": the newest tab
 * of an agent takes the registration, unless the holder refuses (a live call, or still signing in).
 *
 * A tab that asks and hears nothing within `ANSWER_MS` takes the holder for gone (closed, crashed)
 * and claims the seat.
 *
 * The holder's page went (`left`): calls must keep reaching the agent, so a tab standing by takes
 * the registration over by itself, but only after `TAKEOVER_GRACE_MS`. A page cannot tell a close
 * from a reload as it goes; a reloading holder claims the record back at its start (its id
 * survives the reload), well within the wait, and says `back`: the standing-by tabs stay as they
 * are, and it keeps the registration. (The messages decide, not the record's `left` mark: another
 * tab's storage write can reach this tab after a channel message sent later.) (A reload slower than
 * the wait comes back as the newest tab: it takes the registration back from the tab that took
 * over, or stands by when that one is on a call or still signing in.) Several tabs standing by:
 * each says so (`candidate`) as it hears `left`, and when the wait is over the lowest tab id of
 * those heard, the same in every tab, takes over; the others keep waiting `ANSWER_MS` for its
 * claim, and if the record still names the tab that left then (the chosen one went too) the next
 * lowest takes over. A tab that goes into the back-forward cache stops waiting, and starts again
 * from the record when it is back (what was said meanwhile it did not hear). The session store
 * decides what holding means (`serve`); this module never imports a store.
 */
import { createTabLink, type TabLink } from '@/platform/tabLink'
import { hasStored, storedNamesUnder, storedValue } from '@/services/storage'

/**
 * How long a live holder has to answer a ping or a request (its answer is immediate; a busy
 * machine delays it). Waited only for a holder that went without a word (crashed, killed): a
 * closed or reloading one marks the record `left`.
 */
export const ANSWER_MS = 3_000
/** How long a releasing holder has to log out of TCCC (the SDK's logout deadline is 5 s). */
export const RELEASE_MS = 10_000
/**
 * After the holder's page went (`left`), how long the tabs standing by wait before one takes the
 * registration over: a reload of the holder claims the record back in about a second (its start,
 * before its token request and TCCC login); the rest covers a loaded machine and the 1 s timer
 * throttling of background tabs. Meanwhile incoming calls do not reach the agent.
 */
export const TAKEOVER_GRACE_MS = 5_000
/**
 * A holder that dies without a page event (crashed, killed, its tab discarded) says no `left`.
 * Where the browser has Web Locks, the holder holds a lock named after it, which the browser lets
 * go only when the tab dies (never while it lives hidden, throttled or frozen): a tab standing by
 * waits on it, and when it is free asks the holder (a ping) and, with no answer within ANSWER_MS,
 * takes it for gone as if it said `left`. Without Web Locks (older browsers, plain http), the
 * holder writes a heartbeat (`beat`) into its record every HEARTBEAT_MS and the tabs standing by
 * look at it as often; a heartbeat older than HEARTBEAT_STALE_MS makes them ask the same way. A
 * hidden holder's timers may run only once a minute (Chrome's throttling of background tabs), so
 * the bound is well above that, and the ping decides: a live holder answers it (messages are not
 * throttled), however old its heartbeat.
 */
export const HEARTBEAT_MS = 10_000
export const HEARTBEAT_STALE_MS = 150_000

export interface TabHolder {
  seat: string
  tabId: string
  /** The holder's page went away (closed, or reloading: it claims again when it is back). */
  left?: boolean
  /** The holder has a live call (it says so as the call goes live and ends). */
  call?: boolean
  /** With `left`: the tab took the seat over and could not register, for this reason (an error symbol). */
  failed?: string
  /** Without Web Locks: when the holder last said it lives (epoch ms; see HEARTBEAT_MS). */
  beat?: number
}

export type RefusalReason = 'call' | 'busy'
/** How a seat's session ended in a tab (`signed-out`, `kicked`, `expired`): what the other tabs are told. */
export type SessionEnd = 'kicked' | 'signed-out' | 'expired'
/**
 * `ended`: the seat's session ended in another tab while this one asked (a sign-out, a kick, a
 * refused session): nothing was claimed, and this tab must not register with that session.
 */
export type TakeOver = { kind: 'taken' } | { kind: 'refused'; reason: RefusalReason } | { kind: 'ended'; how: SessionEnd }

/** What the session store answers for this tab. */
export interface TabRegistrationHandlers {
  /** This tab holds (or is taking) the seat's registration now. */
  holds(seat: string): boolean
  /**
   * Another tab of the seat asks for the registration: refuse it (a live call here must never be
   * lost), or give it up, resolving once this tab left TCCC.
   */
  release(seat: string): { refused: RefusalReason } | { released: Promise<void> }
  /** Another tab of this browser claimed the seat and registered (or the recorded holder left). */
  changed(seat: string): void
  /**
   * The agent of `seat` signed out in another tab of this browser (its session is revoked); `how`
   * when a holder back from the back-forward cache finds its seat ended otherwise meanwhile (the
   * tab that took over was kicked, or its session refused), so it says what happened.
   */
  signedOut(seat: string, how?: 'kicked' | 'expired'): void
  /**
   * The tab holding `seat` was kicked by a sign-in on another browser or device (its session is
   * revoked): a tab standing by for it signs out as the holder did.
   */
  kicked(seat: string): void
  /**
   * The tab holding `seat` found the agent's session refused (expired, revoked) as it renewed its
   * registration: a tab standing by for it signs out as the holder did (its session is the same).
   */
  sessionExpired(seat: string): void
  /** This tab stands by for `seat`'s holder (it may take the registration over). */
  standsBy(seat: string): boolean
  /**
   * The holder of `seat` went and was not back within the grace, and this tab is the one of those
   * standing by that takes the registration over (`takeOver` finds the holder gone, asks nobody).
   */
  holderGone(seat: string): void
  /** The tab holding `seat` has a live call now, or no longer (only its holder is heard). */
  holderCall(seat: string, live: boolean): void
}

type Message =
  | { kind: 'ping' | 'request' | 'held' | 'back' | 'candidate' | 'signed-out' | 'kicked' | 'expired'; seat: string; from: string }
  | { kind: 'left'; seat: string; from: string; failed?: string }
  | { kind: 'holding' | 'releasing' | 'released'; seat: string; from: string; to: string }
  | { kind: 'refused'; seat: string; from: string; to: string; reason: RefusalReason }
  | { kind: 'call'; seat: string; from: string; live: boolean }

const KINDS = new Set(['ping', 'request', 'held', 'left', 'back', 'candidate', 'signed-out', 'kicked', 'expired', 'call', 'holding', 'releasing', 'released', 'refused'])

function isMessage(value: unknown): value is Message {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  if (v.kind === 'call' && typeof v.live !== 'boolean') return false
  if (v.kind === 'left' && v.failed !== undefined && typeof v.failed !== 'string') return false
  return typeof v.kind === 'string' && KINDS.has(v.kind) && typeof v.seat === 'string' && typeof v.from === 'string'
}

function isTabHolder(value: unknown): value is TabHolder {
  return typeof value === 'object' && value !== null && typeof (value as TabHolder).seat === 'string' && typeof (value as TabHolder).tabId === 'string' && [undefined, true].includes((value as TabHolder).left) && [undefined, true].includes((value as TabHolder).call) && ['undefined', 'string'].includes(typeof (value as TabHolder).failed) && ['undefined', 'number'].includes(typeof (value as TabHolder).beat)
}

/** A seat's end: how and when its session last ended in a tab. */
interface SeatEnd {
  how: SessionEnd
  at: number
}

function isSeatEnd(value: unknown): value is SeatEnd {
  return typeof value === 'object' && value !== null && ['kicked', 'signed-out', 'expired'].includes((value as { how: unknown }).how as string) && typeof (value as { at: unknown }).at === 'number'
}

/** Records kept per seat (agent key), one storage key each. */
interface SeatRecords<T> {
  load(seat: string): T | null
  save(seat: string, value: T | null): void
  /** Every seat's record. */
  all(): Map<string, T>
}

/**
 * One key per seat (`tccc.tabs.<name>.<seat>`): localStorage has no lock over a read and a write,
 * so tabs of two agents that read-modified-wrote one shared map overwrote each other's entries
 * (without Web Locks, the heartbeat writes every HEARTBEAT_MS); each now writes its own seat's key
 * only. The shared map of older versions (`tccc.tabs.<name>`) is what a tab of the older version
 * still open (an upgrade) reads and writes: an entry there written by such a tab (no `MIRRORED`
 * mark) is the seat's newest word, over the seat's own key; a seat that has an entry has it
 * replaced, marked, as its key is written (not at a heartbeat alone), so that tab still sees who
 * holds the seat (it asks before "use here", takes over when that one leaves), and removed with
 * the record. A marked entry is never read here: a lost write to the map cannot mislead this version.
 */
const MIRRORED = 'mirrored'
type Mirrored<T> = T & { [MIRRORED]?: true }
const isMirrored = (value: unknown): boolean => typeof value === 'object' && value !== null && (value as Record<string, unknown>)[MIRRORED] === true
/** The same record but for its heartbeat: not written to the older versions' map again. */
function sameButBeat(a: object, b: object): boolean {
  const rest = (record: object) => Object.entries(record).filter(([key]) => key !== 'beat' && key !== MIRRORED)
  const [ra, rb] = [rest(a), rest(b)]
  return ra.length === rb.length && ra.every(([key, value]) => (b as Record<string, unknown>)[key] === value)
}
function seatRecords<T>(name: string, isRecord: (seat: string, value: unknown) => value is T, sharedVersion: number): SeatRecords<T> {
  const shared = storedValue<Record<string, Mirrored<T>>>(`tabs.${name}`, {
    version: sharedVersion,
    fallback: () => ({}),
    validate: (value): value is Record<string, Mirrored<T>> => typeof value === 'object' && value !== null && !Array.isArray(value) && Object.entries(value).every(([seat, record]) => isRecord(seat, record)),
  })
  const own = (seat: string) => storedValue<T | null>(`tabs.${name}.${seat}`, { version: 1, fallback: () => null, validate: (value): value is T => isRecord(seat, value) })
  const hasOwn = (seat: string) => hasStored(`tabs.${name}.${seat}`)
  /** The seat's entry in the older versions' map when a tab of an older version wrote it. */
  const olderWord = (entries: Record<string, Mirrored<T>>, seat: string): T | null => {
    const entry = entries[seat]
    return entry && !isMirrored(entry) ? entry : null
  }
  return {
    load: (seat) => olderWord(shared.load(), seat) ?? (hasOwn(seat) ? own(seat).load() : null),
    save(seat, value) {
      if (value) own(seat).save(value)
      else own(seat).clear()
      const older = shared.load()
      if (!(seat in older)) return
      if (value) {
        const entry = older[seat]
        if (isMirrored(entry) && sameButBeat(entry as object, value as object)) return
        shared.save({ ...older, [seat]: { ...value, [MIRRORED]: true } })
        return
      }
      const rest = Object.fromEntries(Object.entries(older).filter(([other]) => other !== seat))
      if (Object.keys(rest).length > 0) shared.save(rest)
      else shared.clear()
    },
    all() {
      const records = new Map<string, T>()
      const older = shared.load()
      for (const seat of Object.keys(older)) {
        const word = olderWord(older, seat)
        if (word) records.set(seat, word)
      }
      for (const seat of storedNamesUnder(`tabs.${name}.`)) {
        if (records.has(seat)) continue
        const record = own(seat).load()
        if (record) records.set(seat, record)
      }
      return records
    },
  }
}

/**
 * The holder of each seat (`tccc.tabs.holder.<seat>`). Per seat: another agent's sign-in in a tab
 * of this browser must not overwrite this agent's holder, or this agent's next tab would claim
 * without asking and register over the holder's live call.
 */
const holderRecords = seatRecords<TabHolder>('holder', (seat, value): value is TabHolder => isTabHolder(value) && value.seat === seat, 2)

/**
 * Per seat, how and when its session last ended (`signed-out`, `kicked`, `expired`), until a tab
 * claims the seat again (`tccc.tabs.ended.<seat>`): a tab back from the back-forward cache did not
 * hear the message, and the dropped record alone cannot say which it was.
 */
const endRecords = seatRecords<SeatEnd>('ended', (_seat, value): value is SeatEnd => isSeatEnd(value), 1)

export interface TabRegistration {
  readonly tabId: string
  /** The recorded holder of `seat` (shared storage). */
  holder(seat: string): TabHolder | null
  /** Whether another tab of this browser is recorded as holding `seat`. */
  heldElsewhere(seat: string): boolean
  /** Whether the recorded holder of `seat` went away since it registered (closed or reloading). */
  holderLeft(seat: string): boolean
  /**
   * Whether the live holder of `seat` (another tab) has a live call: as last heard from it (`call`,
   * a refusal for a call), else as its record says (nothing heard since this tab was back).
   */
  holderOnCall(seat: string): boolean
  /**
   * Whether the live holder of `seat` (another tab) is still signing in: it refused as `busy`, and
   * has not said since that it registered or went.
   */
  holderBusy(seat: string): boolean
  /**
   * Why the tab that took `seat` over could not register (an error symbol, from its `abandon`),
   * while the seat is left so; null when its page just went, or a tab holds it.
   */
  holderFailure(seat: string): string | null
  /**
   * Before registering on its own (a start, a sign-in): true when no other live tab holds `seat`,
   * and this tab is recorded as its holder; false when one does (this tab stands by).
   */
  mayRegister(seat: string): Promise<boolean>
  /**
   * "Use here": asks the holder to give the seat up; on `taken` this tab is the recorded holder. A
   * sign-out, kick or refused session of the seat heard meanwhile ends the asking (`ended`), and
   * nothing is claimed.
   */
  takeOver(seat: string): Promise<TakeOver>
  /** This tab registered (recorded as the holder): the others of the seat stand by. */
  announce(seat: string): void
  /**
   * This tab no longer holds `seat` (signed out): the record is dropped when it names this tab.
   * `retrying`: it tries again by itself (a passing failure); its page going before it claimed
   * again (nobody else did either) marks the seat left, so a tab standing by takes over.
   */
  drop(seat: string, retrying?: boolean): void
  /**
   * This tab took `seat` over ("use here", or as the chosen tab) and could not register, signed out
   * with no retry to come: unless another tab claimed it since, the seat is left as by a page that
   * went (`left`), so a tab standing by takes over after the grace, or finds out why it cannot.
   * `failed`: why (an error symbol), which the tabs standing by show.
   */
  abandon(seat: string, failed?: string): void
  /** The agent signed out in this tab: the record is dropped and the seat's other tabs sign out. */
  signOut(seat: string): void
  /**
   * This tab, holding `seat`, was kicked by a sign-in elsewhere: the record is dropped and the
   * seat's other tabs sign out as kicked too.
   */
  kickedOut(seat: string): void
  /**
   * This tab, holding `seat`, found the agent's session refused as it renewed its registration:
   * the record is dropped and the seat's other tabs sign out as expired too.
   */
  sessionExpired(seat: string): void
  /** This tab holds `seat` and its call went live or ended: the tabs standing by hear it, and the record says it. */
  callState(seat: string, live: boolean): void
  /**
   * This tab stands by for `seat` (`elsewhere`): its holder is looked at (its lock, or its
   * heartbeat) every HEARTBEAT_MS, as for a seat this tab holds, until it neither holds nor stands
   * by for any seat (signed out): then nothing is read on a timer.
   */
  standBy(seat: string): void
  /** The session store's answers (a new store replaces the previous one's). */
  serve(handlers: TabRegistrationHandlers): void
  /**
   * This tab's agreement ends for good: no timer runs on, nothing heard is acted on, its locks go.
   * A page that goes ends it anyway; tests end their tabs with it, so one test's tab standing by
   * never takes the next test's holder (on another bus, silent to it) for a dead one.
   */
  stop(): void
}

export function createTabRegistration(link: TabLink, timing: { answerMs?: number; releaseMs?: number; graceMs?: number; heartbeatMs?: number; staleMs?: number } = {}): TabRegistration {
  const answerMs = timing.answerMs ?? ANSWER_MS
  const releaseMs = timing.releaseMs ?? RELEASE_MS
  const graceMs = timing.graceMs ?? TAKEOVER_GRACE_MS
  const heartbeatMs = timing.heartbeatMs ?? HEARTBEAT_MS
  const staleMs = timing.staleMs ?? HEARTBEAT_STALE_MS
  const me = link.tabId
  let handlers: TabRegistrationHandlers | null = null
  /** `stop`ped: the page is gone as far as this agreement goes. */
  let stopped = false
  /** Tabs that said they left; a `held` from one takes it back (it reloaded). */
  const left = new Set<string>()
  /**
   * Per seat, the holder's call as last heard (`call`, or a refusal for a call), even while this
   * tab's store was not standing by yet: a call that ends between a refusal and standing by.
   */
  const heardCalls = new Map<string, { tabId: string; live: boolean }>()
  /**
   * Per seat, the holder that refused as still signing in (`busy`), until it says it registered
   * (`held`) or went (`left`): "the other tab is still signing in" is true only meanwhile.
   */
  const busyHolders = new Map<string, string>()
  /** Per seat, why the tab that left could not register, as its `left` said (none: its page went). */
  const heardFailures = new Map<string, { tabId: string; failed: string | null }>()
  const waiters = new Set<(message: Message) => void>()

  const send = (message: Message) => link.post(message)
  const record = (seat: string): TabHolder | null => holderRecords.load(seat)
  const write = (seat: string, holder: TabHolder | null) => holderRecords.save(seat, holder)
  const markEnd = (seat: string, how: SessionEnd | null) => {
    if (how) endRecords.save(seat, { how, at: Date.now() })
    else if (endRecords.load(seat)) endRecords.save(seat, null)
  }
  /** Seats whose call is live in this tab, as it last said (`callState`). */
  const ownCalls = new Set<string>()
  /** Seats this tab dropped to retry by itself (`drop(seat, true)`), not claimed again since. */
  const retryingSeats = new Set<string>()
  const claim = (seat: string) => {
    retryingSeats.delete(seat)
    markEnd(seat, null)
    // This tab's own live call stays recorded (a renewal during a call registers and announces again).
    const call = record(seat)?.tabId === me && record(seat)?.call === true
    write(seat, { seat, tabId: me, ...(call ? { call } : {}), ...beatNow() })
    settled(seat)
    holdLock(seat)
    lookFor(seat)
  }

  // ---- liveness of a holder that may die without a word (HEARTBEAT_MS) ----
  const lockName = (seat: string, tabId: string) => `tccc.tabs.holder:${seat}:${tabId}`
  /** Per seat, the release of this tab's holder lock. */
  const heldLocks = new Map<string, () => void>()
  /** Per seat, the holder this tab waits on (its lock), and the cancel. */
  const watched = new Map<string, { tabId: string; cancel: () => void }>()
  /** Seats whose holder this tab is asking now (ping) whether it lives. */
  const confirming = new Set<string>()
  /** When each other tab was last heard (any message): a word while it was asked is an answer. */
  const lastHeard = new Map<string, number>()
  /** The heartbeat for a record this tab writes as holder; none with Web Locks. */
  const beatNow = (): { beat?: number } => (link.locks || link.alone ? {} : { beat: Date.now() })
  function holdLock(seat: string): void {
    if (link.locks && !heldLocks.has(seat)) heldLocks.set(seat, link.locks.hold(lockName(seat, me)))
  }
  function releaseLock(seat: string): void {
    heldLocks.get(seat)?.()
    heldLocks.delete(seat)
  }
  function unwatch(seat: string): void {
    watched.get(seat)?.cancel()
    watched.delete(seat)
  }

  /**
   * Holding: the heartbeat (no Web Locks), and the lock let go once another tab holds the seat.
   * Standing by: wait on the holder's lock, or look at its heartbeat. Only the seats this tab holds,
   * stands by for or watches are read: listing the storage (every HEARTBEAT_MS) reads every value
   * in it in H5 (uni's getStorageInfoSync), the agents' workspace caches among them.
   */
  function lookAtHolders(): void {
    for (const seat of [...heldLocks.keys()]) {
      const holder = record(seat)
      if (holder?.tabId !== me || holder.left) releaseLock(seat)
    }
    for (const seat of new Set([...lookedAt, ...watched.keys()])) {
      const holder = record(seat)
      if (!holder) {
        unwatch(seat)
        continue
      }
      if (holder.tabId === me) {
        if (!link.locks && !holder.left && handlers?.holds(seat)) write(seat, { ...holder, beat: Date.now() })
        continue
      }
      if (holder.left || left.has(holder.tabId) || !handlers?.standsBy(seat)) {
        unwatch(seat)
        continue
      }
      const tabId = holder.tabId
      if (link.locks) {
        if (watched.get(seat)?.tabId === tabId) continue
        unwatch(seat)
        const cancel = link.locks.whenFree(lockName(seat, tabId), () => {
          if (watched.get(seat)?.tabId !== tabId) return
          watched.delete(seat)
          void confirmGone(seat, tabId)
        })
        watched.set(seat, { tabId, cancel })
      } else if (holder.beat !== undefined && Date.now() - holder.beat > staleMs) {
        void confirmGone(seat, tabId)
      }
    }
  }

  /** The holder's lock is free, or its heartbeat stale: gone, unless it answers now. */
  async function confirmGone(seat: string, tabId: string): Promise<void> {
    // It said it left: the `left` rules decide (a reload's lock goes too).
    if (confirming.has(seat) || record(seat)?.left || left.has(tabId)) return
    confirming.add(seat)
    const askedAt = Date.now()
    const answered = waitFor((m) => m.kind === 'holding' && m.seat === seat && m.from === tabId, answerMs)
    send({ kind: 'ping', seat, from: me })
    const alive = await answered
    confirming.delete(seat)
    // Any word from it meanwhile (`back`, `held`: it reloaded, and did not answer while it did) says it lives.
    const heard = (lastHeard.get(tabId) ?? -1) >= askedAt
    const holder = record(seat)
    if (alive || heard || holder?.tabId !== tabId || holder.left || left.has(tabId) || !handlers?.standsBy(seat)) return
    // Gone without a word: as if it said `left` (the record says so too, for a tab opened later).
    write(seat, { seat, tabId, left: true })
    left.add(tabId)
    heardCalls.delete(seat)
    heardFailures.set(seat, { tabId, failed: null })
    handlers.changed(seat)
    awaitTakeOver(seat, tabId)
  }

  /** The seat's session ended here: the record dropped, the end recorded, the others told. */
  function endSession(seat: string, how: SessionEnd, anyRecord: boolean): void {
    retryingSeats.delete(seat)
    if (anyRecord ? record(seat) : record(seat)?.tabId === me) write(seat, null)
    markEnd(seat, how)
    releaseLock(seat)
    send({ kind: how, seat, from: me })
  }

  let lookTimer: ReturnType<typeof setTimeout> | undefined
  /** The seats this tab holds or stands by for, as last claimed or told (`standBy`): what the look timer is for. */
  const lookedAt = new Set<string>()
  /** Holding or standing by for `seat`: the holders are looked at every HEARTBEAT_MS from now on. */
  function lookFor(seat: string): void {
    lookedAt.add(seat)
    // Alone (the App), no holder can die unseen: no timer runs, nothing is written every HEARTBEAT_MS.
    if (lookTimer === undefined && handlers && !link.alone) lookAgainLater()
  }
  function lookAgainLater(): void {
    lookTimer = setTimeout(() => {
      lookTimer = undefined
      // Signed out (nothing held, nothing stood by for): the timer stops, and reads no storage until a claim or `standBy`.
      for (const seat of [...lookedAt]) if (!handlers?.holds(seat) && !handlers?.standsBy(seat)) lookedAt.delete(seat)
      if (lookedAt.size === 0) return
      lookAtHolders()
      lookAgainLater()
    }, heartbeatMs)
    // Node's timer (unit tests) would keep the process alive.
    ;(lookTimer as unknown as { unref?: () => void }).unref?.()
  }
  /** Claims `seat` to register; a record that named this tab is its own reload: it is back. */
  const claimAtStart = (seat: string) => {
    const reloaded = record(seat)?.tabId === me
    claim(seat)
    if (reloaded) send({ kind: 'back', seat, from: me })
  }

  /** Per seat, the tabs heard standing by for a holder that left (this one included). */
  const candidates = new Map<string, Set<string>>()
  /** Per seat, this tab's wait before it decides whether it takes over. */
  const takeOverTimers = new Map<string, ReturnType<typeof setTimeout>>()
  /** Per seat, the holder that left which that wait is for. */
  const waitingFor = new Map<string, string>()
  const candidatesOf = (seat: string): Set<string> => {
    let tabs = candidates.get(seat)
    if (!tabs) candidates.set(seat, (tabs = new Set()))
    return tabs
  }
  /** A tab holds the seat again (or is taking it): no take-over is waited for. */
  function settled(seat: string): void {
    candidates.delete(seat)
    const timer = takeOverTimers.get(seat)
    if (timer !== undefined) clearTimeout(timer)
    takeOverTimers.delete(seat)
    waitingFor.delete(seat)
  }

  /** Standing by for `seat`, whose holder `holderId` left: say so, and decide after the grace. */
  function awaitTakeOver(seat: string, holderId: string): void {
    if (!handlers?.standsBy(seat)) return
    const waiting = takeOverTimers.get(seat)
    if (waiting !== undefined) {
      if (waitingFor.get(seat) === holderId) return
      // The chosen tab claimed and left (could not register) while this tab still waited for its
      // claim: that wait, for the holder before it, would end in nothing. The candidates stay.
      clearTimeout(waiting)
    }
    waitingFor.set(seat, holderId)
    candidatesOf(seat).add(me)
    send({ kind: 'candidate', seat, from: me })
    takeOverTimers.set(seat, setTimeout(() => decideTakeOver(seat, holderId), graceMs))
  }

  function decideTakeOver(seat: string, holderId: string): void {
    takeOverTimers.delete(seat)
    // Claimed meanwhile (the holder back from its reload, a tab opened since, the chosen one), or
    // this tab no longer stands by: nothing to take over.
    const holder = record(seat)
    if (!handlers?.standsBy(seat) || !left.has(holderId) || holder?.tabId !== holderId) {
      // Claimed by the chosen one, which left since (it could not register; its left came before
      // its claim's write reached this tab): that one is waited for in turn.
      if (handlers?.standsBy(seat) && holder && holder.tabId !== me && left.has(holder.tabId)) {
        awaitTakeOver(seat, holder.tabId)
        return
      }
      candidates.delete(seat)
      return
    }
    // Every tab standing by heard the same candidates long before the grace ended: one choice.
    const [first] = [...candidatesOf(seat)].sort()
    if (first === me) {
      candidates.delete(seat)
      handlers.holderGone(seat)
      return
    }
    // The chosen tab claims the record as it decides; not claimed by then, it went too.
    candidatesOf(seat).delete(first)
    takeOverTimers.set(seat, setTimeout(() => decideTakeOver(seat, holderId), answerMs))
  }

  /**
   * Holding `seat` as this tab answers a ping, maybe too late (frozen or throttled past the
   * asker's ANSWER_MS, without Web Locks): the asker then took it for gone and ignores the answer.
   * Another tab claimed the seat since: this tab lost it, and its store is told now (it stands by,
   * as at that tab's `held`, instead of keeping a registration TCCC will kick). Only marked left,
   * nobody claimed yet: it claims again and says `held`, so nobody takes over a live holder.
   */
  function stillHolding(seat: string, h: TabRegistrationHandlers): void {
    const holder = record(seat)
    // Dropped (a sign-out, heard as such), or this page went (it marked the record itself).
    if (!holder || leftSeat === seat || (holder.tabId === me && !holder.left)) return
    if (holder.tabId !== me) {
      h.changed(seat)
      return
    }
    claim(seat)
    // The mark that said left dropped this tab's call: the tabs standing by must still ask before hanging it up.
    if (ownCalls.has(seat)) write(seat, { seat, tabId: me, call: true, ...beatNow() })
    send({ kind: 'held', seat, from: me })
  }

  link.listen((value) => {
    if (stopped || !isMessage(value) || value.from === me) return
    const message = value
    lastHeard.set(message.from, Date.now())
    if ('to' in message && message.to !== me) return
    for (const waiter of [...waiters]) waiter(message)
    const h = handlers
    switch (message.kind) {
      case 'ping':
        if (!h?.holds(message.seat)) return
        send({ kind: 'holding', seat: message.seat, from: me, to: message.from })
        stillHolding(message.seat, h)
        return
      case 'request': {
        if (!h?.holds(message.seat)) return
        const answer = h.release(message.seat)
        if ('refused' in answer) {
          send({ kind: 'refused', seat: message.seat, from: me, to: message.from, reason: answer.refused })
          return
        }
        send({ kind: 'releasing', seat: message.seat, from: me, to: message.from })
        void answer.released.finally(() => send({ kind: 'released', seat: message.seat, from: me, to: message.from }))
        return
      }
      case 'refused':
        if (message.reason === 'call') heardCalls.set(message.seat, { tabId: message.from, live: true })
        if (message.reason === 'busy') busyHolders.set(message.seat, message.from)
        return
      case 'held':
      case 'back':
        // `back`: a reload signing in again; `held`: it registered.
        if (message.kind === 'held' && busyHolders.get(message.seat) === message.from) busyHolders.delete(message.seat)
        left.delete(message.from)
        heardCalls.delete(message.seat)
        heardFailures.delete(message.seat)
        settled(message.seat)
        h?.changed(message.seat)
        lookAtHolders()
        return
      case 'left':
        left.add(message.from)
        heardCalls.delete(message.seat)
        heardFailures.set(message.seat, { tabId: message.from, failed: message.failed ?? null })
        if (busyHolders.get(message.seat) === message.from) busyHolders.delete(message.seat)
        candidatesOf(message.seat).delete(message.from)
        h?.changed(message.seat)
        // The message, not the record's `left` mark: that write may reach this tab later.
        if (record(message.seat)?.tabId === message.from) awaitTakeOver(message.seat, message.from)
        return
      case 'candidate':
        candidatesOf(message.seat).add(message.from)
        return
      case 'signed-out':
        retryingSeats.delete(message.seat)
        h?.signedOut(message.seat)
        return
      case 'kicked':
        retryingSeats.delete(message.seat)
        h?.kicked(message.seat)
        return
      case 'expired':
        retryingSeats.delete(message.seat)
        h?.sessionExpired(message.seat)
        return
      case 'call':
        // Only the recorded holder's word: a tab that yielded or stands by has no call to lose.
        if (record(message.seat)?.tabId !== message.from) return
        heardCalls.set(message.seat, { tabId: message.from, live: message.live })
        h?.holderCall(message.seat, message.live)
        return
      default:
    }
  })

  /** The seat whose record this tab marked left as its page went (it may come back from the cache). */
  let leftSeat: string | null = null
  /** When this page last went (into the back-forward cache): the ends since it did not hear. */
  let awayAt = 0
  /** Back from the cache: the session ends of `seat` this tab did not hear, told as if heard. */
  function endedWhileAway(seat: string): boolean {
    const end = endRecords.load(seat)
    if (!end || end.at < awayAt || !handlers) return false
    if (end.how === 'kicked') handlers.kicked(seat)
    else if (end.how === 'expired') handlers.sessionExpired(seat)
    else handlers.signedOut(seat)
    return true
  }
  link.onLeaving(() => {
    if (stopped) return
    awayAt = Date.now()
    // Away, this tab hears nothing (a holder's `back` among it): its waits to take over end here,
    // and `onBack` starts them again from the record.
    for (const waiting of [...takeOverTimers.keys()]) settled(waiting)
    for (const seat of [...watched.keys()]) unwatch(seat)
    for (const seat of [...heldLocks.keys()]) releaseLock(seat)
    // Retrying by itself (on its login page), no tab claimed since: its retry goes with the page,
    // so the seat is left as by a holder's page, and a tab standing by takes over.
    for (const seat of [...retryingSeats]) {
      retryingSeats.delete(seat)
      if (record(seat)) continue
      write(seat, { seat, tabId: me, left: true })
      send({ kind: 'left', seat, from: me })
    }
    const holder = [...holderRecords.all().values()].find((h) => h.tabId === me && handlers?.holds(h.seat))
    if (!holder) return
    leftSeat = holder.seat
    // Its call, if any, goes with the page.
    write(holder.seat, { seat: holder.seat, tabId: me, left: true })
    send({ kind: 'left', seat: holder.seat, from: me })
  })

  // Back from the back-forward cache, still holding: the record says this tab left, so a tab opened
  // now would claim the seat without asking (over a call here). It holds again, unless another tab
  // claimed the seat meanwhile (its "held" was not heard in the cache): then the store is told; or
  // the record is gone: the agent signed out in another tab (its "signed-out" was not heard either).
  link.onBack(() => {
    if (stopped) return
    const seat = leftSeat
    leftSeat = null
    if (!seat) {
      // Standing by, back from the cache: a session that ended meanwhile (kicked, expired, signed
      // out: `tccc.tabs.ended.<seat>`) ends here too, as if its word came now. A holder that left meanwhile
      // (its word not heard) is waited for and taken over as if its `left` came now. A live one (its `back` or `held` maybe
      // not heard) is no longer taken for gone, and its call is as its record says.
      heardCalls.clear()
      heardFailures.clear()
      // Kicked, expired or signed out meanwhile (the record dropped, the word not heard).
      for (const seat of endRecords.all().keys()) if (handlers?.standsBy(seat)) endedWhileAway(seat)
      for (const holder of holderRecords.all().values()) {
        if (holder.tabId === me || !handlers?.standsBy(holder.seat)) continue
        if (holder.left !== true) {
          if (left.delete(holder.tabId)) handlers.changed(holder.seat)
          handlers.holderCall(holder.seat, holder.call === true)
          continue
        }
        left.add(holder.tabId)
        handlers.changed(holder.seat)
        awaitTakeOver(holder.seat, holder.tabId)
      }
      lookAtHolders()
      return
    }
    if (!handlers?.holds(seat)) return
    const holder = record(seat)
    if (!holder) {
      // Whichever way it ended, this tab, registered, leaves TCCC as at a sign-out elsewhere; it
      // says how (before: "signed out in another tab" after a kick or an expired session too).
      const end = endRecords.load(seat)
      handlers.signedOut(seat, end && end.at >= awayAt && end.how !== 'signed-out' ? end.how : undefined)
      return
    }
    if (holder.tabId === me) {
      claim(seat)
      send({ kind: 'held', seat, from: me })
      return
    }
    handlers.changed(seat)
  })

  /** The first message that `accept` takes within `ms`, else null. */
  function waitFor(accept: (message: Message) => boolean, ms: number): Promise<Message | null> {
    return new Promise((resolve) => {
      const waiter = (message: Message) => {
        if (!accept(message)) return
        clearTimeout(timer)
        waiters.delete(waiter)
        resolve(message)
      }
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        resolve(null)
      }, ms)
      waiters.add(waiter)
    })
  }

  function otherHolder(seat: string): TabHolder | null {
    const holder = record(seat)
    return holder && holder.tabId !== me ? holder : null
  }

  /** The other holder of `seat` while it may still live (it did not say it left). */
  function liveOtherHolder(seat: string): TabHolder | null {
    const holder = otherHolder(seat)
    return holder && !holder.left && !left.has(holder.tabId) ? holder : null
  }

  return {
    tabId: me,
    holder: record,
    heldElsewhere: (seat) => otherHolder(seat) !== null,
    holderLeft(seat) {
      return otherHolder(seat) !== null && liveOtherHolder(seat) === null
    },
    holderOnCall(seat) {
      const holder = liveOtherHolder(seat)
      if (!holder) return false
      const heard = heardCalls.get(seat)
      return heard?.tabId === holder.tabId ? heard.live : holder.call === true
    },
    holderFailure(seat) {
      const holder = otherHolder(seat)
      if (!holder || liveOtherHolder(seat)) return null
      const heard = heardFailures.get(seat)
      return heard?.tabId === holder.tabId ? heard.failed : (holder.failed ?? null)
    },
    holderBusy(seat) {
      const holder = liveOtherHolder(seat)
      return !!holder && busyHolders.get(seat) === holder.tabId
    },
    async mayRegister(seat) {
      const holder = liveOtherHolder(seat)
      if (holder) {
        const answered = waitFor((m) => m.kind === 'holding' && m.seat === seat && m.from === holder.tabId, answerMs)
        send({ kind: 'ping', seat, from: me })
        if (await answered) return false
      }
      claimAtStart(seat)
      return true
    },
    async takeOver(seat) {
      const holder = liveOtherHolder(seat)
      if (holder) {
        const from = holder.tabId
        // The session's end, from any tab of the seat: claimed after it, the record would name a
        // signed-out tab (the next tab's sign-in would wait ANSWER_MS for it) and forget the end.
        const ended = (m: Message): boolean => m.seat === seat && (m.kind === 'signed-out' || m.kind === 'kicked' || m.kind === 'expired')
        const first = waitFor((m) => ended(m) || (m.seat === seat && m.from === from && (m.kind === 'refused' || m.kind === 'releasing' || m.kind === 'released')), answerMs)
        send({ kind: 'request', seat, from: me })
        let answer = await first
        if (answer?.kind === 'refused') return { kind: 'refused', reason: answer.reason }
        if (answer?.kind === 'releasing') answer = await waitFor((m) => ended(m) || (m.kind === 'released' && m.seat === seat && m.from === from), releaseMs)
        if (answer?.kind === 'signed-out' || answer?.kind === 'kicked' || answer?.kind === 'expired') return { kind: 'ended', how: answer.kind }
      }
      claimAtStart(seat)
      return { kind: 'taken' }
    },
    announce(seat) {
      // Recorded as the holder too: two tabs that started at once both claimed, and TCCC keeps the
      // later login, which is the later announce. The other one hears `held` from the tab the
      // record names and stands by; kicked first, it is not taken for a sign-in elsewhere.
      claim(seat)
      send({ kind: 'held', seat, from: me })
    },
    drop(seat, retrying) {
      if (record(seat)?.tabId === me) write(seat, null)
      releaseLock(seat)
      if (retrying) retryingSeats.add(seat)
      else retryingSeats.delete(seat)
    },
    abandon(seat, failed) {
      retryingSeats.delete(seat)
      const holder = record(seat)
      if (holder && holder.tabId !== me) return
      write(seat, { seat, tabId: me, left: true, ...(failed ? { failed } : {}) })
      releaseLock(seat)
      send({ kind: 'left', seat, from: me, ...(failed ? { failed } : {}) })
    },
    // A sign-out drops whoever's record (every tab's session is revoked); a kick or a refused
    // session only this tab's own (another tab may hold the seat by then).
    signOut: (seat) => endSession(seat, 'signed-out', true),
    kickedOut: (seat) => endSession(seat, 'kicked', false),
    sessionExpired: (seat) => endSession(seat, 'expired', false),
    callState(seat, live) {
      if (live) ownCalls.add(seat)
      else ownCalls.delete(seat)
      if (record(seat)?.tabId === me) write(seat, { seat, tabId: me, ...(live ? { call: true } : {}), ...beatNow() })
      send({ kind: 'call', seat, from: me, live })
    },
    standBy: (seat) => lookFor(seat),
    serve(next) {
      handlers = next
      for (const seat of [...lookedAt]) lookFor(seat)
    },
    stop() {
      stopped = true
      handlers = null
      retryingSeats.clear()
      if (lookTimer !== undefined) clearTimeout(lookTimer)
      lookTimer = undefined
      lookedAt.clear()
      for (const timer of takeOverTimers.values()) clearTimeout(timer)
      takeOverTimers.clear()
      for (const seat of [...watched.keys()]) unwatch(seat)
      for (const seat of [...heldLocks.keys()]) releaseLock(seat)
    },
  }
}

let current: TabRegistration | undefined

/** This tab's registration agreement (one per page: the platform's link). */
export function tabRegistration(): TabRegistration {
  current ??= createTabRegistration(createTabLink())
  return current
}

/** Tests: the next `tabRegistration()` is this one (a tab of a fake bus). */
export function useTabRegistration(registration: TabRegistration | undefined): void {
  current = registration
}
