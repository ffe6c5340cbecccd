/**
 * The field-sales day as pure functions: each number's status from its call records, the work
 * order ("call next"), today's figures and callback times. No storage, no UI, no clock of its
 * own: every function takes `now` (epoch ms) and the agent's time-zone offset, so tests run on
 * a fixed clock and the numbers page recomputes from store snapshots.
 */
import type { CallOutcome, CallRecord } from './callRecord'
import { nationalForm, type NumberEntry } from './numbers'

/** Where a number stands in the agent's work (`number-item` `data-status`). */
export type NumberStatus = 'new' | 'callback' | 'in-progress' | 'done'

export const NUMBER_STATUSES: readonly NumberStatus[] = ['new', 'callback', 'in-progress', 'done']

/** One wrap-up outcome of the business's catalogue (workspace record kind `outcome`). */
export interface OutcomeDefinition {
  code: string
  labelZh: string
  labelEn: string
  /** True: the number is done after this outcome (no more calls planned). */
  final: boolean
  position: number
}

/** The wrap-up outcome that asks for a callback time. */
export const CALLBACK_OUTCOME = 'callback'
/** The outcome today's `deals` counts. */
export const DEAL_OUTCOME = 'deal'

/** Built in until the backend's catalogue arrives through sync. */
export const DEFAULT_OUTCOMES: readonly OutcomeDefinition[] = [
  { code: 'interested', labelZh: '有意向', labelEn: 'Interested', final: false, position: 1 },
  { code: 'not-interested', labelZh: '无意向', labelEn: 'Not interested', final: true, position: 2 },
  { code: CALLBACK_OUTCOME, labelZh: '预约回拨', labelEn: 'Call back', final: false, position: 3 },
  { code: 'wrong-number', labelZh: '号码错误', labelEn: 'Wrong number', final: true, position: 4 },
  { code: 'no-answer', labelZh: '未接通', labelEn: 'No answer', final: false, position: 5 },
  { code: DEAL_OUTCOME, labelZh: '成交', labelEn: 'Deal', final: true, position: 6 },
]

export const WRAPUP_NOTE_MAX_LENGTH = 500

/** Characters as the agent counts them (code points: an emoji is one). */
export function noteLength(note: string): number {
  let count = 0
  for (const _ of note) count++
  return count
}

// ---------------------------------------------------------------------------------------------
// Local day and callback times

const HOUR_MS = 3_600_000
export const DAY_MS = 24 * HOUR_MS

/**
 * The agent's time zone as `Date#getTimezoneOffset` gives it (minutes, UTC minus local: China is
 * -480): one fixed offset (tests, zones without daylight saving), or the offset at any instant,
 * so a day that is 23 or 25 hours long around a clock change still starts and ends at midnight.
 * Passed explicitly everywhere so tests do not depend on the machine's zone.
 */
export type LocalZone = number | ((at: number) => number)

/** The phone's own zone, daylight saving included. */
export const deviceZone: LocalZone = (at) => new Date(at).getTimezoneOffset()

function offsetAt(zone: LocalZone, at: number): number {
  return typeof zone === 'number' ? zone : zone(at)
}

/** Epoch ms of the local midnight that starts the day `now` falls in. */
export function startOfLocalDay(now: number, zone: LocalZone): number {
  const offset = offsetAt(zone, now)
  // The local date of `now`, its 00:00 written as if it were UTC.
  const local = now - offset * 60_000
  const midnight = local - (((local % DAY_MS) + DAY_MS) % DAY_MS)
  const start = midnight + offset * 60_000
  // The clocks changed between midnight and now: midnight had the other offset.
  const atStart = offsetAt(zone, start)
  if (atStart === offset) return start
  const again = midnight + atStart * 60_000
  return offsetAt(zone, again) === atStart ? again : start
}

/** The midnight that ends the day starting at `dayStart` (23 to 25 hours later). */
export function nextLocalDay(dayStart: number, zone: LocalZone): number {
  return startOfLocalDay(dayStart + DAY_MS + 2 * HOUR_MS, zone)
}

/** The midnight that started the day before the one starting at `dayStart`. */
export function previousLocalDay(dayStart: number, zone: LocalZone): number {
  return startOfLocalDay(dayStart - HOUR_MS, zone)
}

/** Quick pick "in 1 hour". */
export function callbackInOneHour(now: number): number {
  return now + HOUR_MS
}

/** Quick pick "tomorrow 10:00" in the agent's local time (10:00 on the clock, across a clock change too). */
export function callbackTomorrowAt10(now: number, zone: LocalZone): number {
  const tomorrow = nextLocalDay(startOfLocalDay(now, zone), zone)
  const at = tomorrow + 10 * HOUR_MS
  return at + (offsetAt(zone, at) - offsetAt(zone, tomorrow)) * 60_000
}

/** Callback times the sheet accepts: later than now, within a year. */
export const CALLBACK_MAX_AHEAD_MS = 366 * DAY_MS

export type CallbackProblem = 'CALLBACK_REQUIRED' | 'CALLBACK_IN_PAST' | 'CALLBACK_TOO_FAR'

/** Why a callback time cannot be saved, or null when it can. */
export function checkCallbackAt(at: number | null | undefined, now: number): CallbackProblem | null {
  if (at === null || at === undefined || !Number.isFinite(at)) return 'CALLBACK_REQUIRED'
  if (at <= now) return 'CALLBACK_IN_PAST'
  if (at - now > CALLBACK_MAX_AHEAD_MS) return 'CALLBACK_TOO_FAR'
  return null
}

// ---------------------------------------------------------------------------------------------
// Statuses, work order and today's figures, in one pass over each array

/** What a number's records say, for its row and the work order. */
export interface NumberProgress {
  status: NumberStatus
  /** Scheduled callback (epoch ms) when the status is `callback`. */
  callbackAt?: number
  /** The latest wrap-up outcome code, for the row. */
  disposition?: string
  /** The latest call with the agent taking part (epoch ms). */
  lastContactAt?: number
}

export interface TodayStats {
  calls: number
  connected: number
  /** connected / calls, 0..1 (0 with no calls). */
  connectRate: number
  talkSeconds: number
  deals: number
}

export interface DayPlan {
  /** A number's progress (`new` when it has no records); also for callers not on the list. */
  progress(number: string): NumberProgress
  /** Just the status of a listed (normalised) number, without building its progress. */
  status(number: string): NumberStatus
  /**
   * Entries in the order "call next" walks them: callbacks due, new, in-progress. Built on first
   * read: "call next" only needs its head (`nextInWorkOrder`), and copying 10,000 entries after
   * every call would cost more than the whole plan.
   */
  readonly workOrder: readonly NumberEntry[]
  /** The work order, walked without building the array. */
  walkWorkOrder(): Generator<NumberEntry>
  /** How many list entries have each status (the filter chips). */
  counts: Record<NumberStatus, number>
  today: TodayStats
  /** The earliest scheduled callback still ahead of the plan's `now` (Infinity: none): until then the work order stands. */
  nextDueAt: number
}

const NEW_PROGRESS: NumberProgress = Object.freeze({ status: 'new' }) as NumberProgress

/** Digits with at most one leading `+` (`isPlainNumber`): list calls' records are; inbound may not be. */
const NOT_DIALLABLE = /[^0-9+]/g

/** The number a record counts for: its dialable form (`138-0000-0001` is `13800000001`). */
export function recordKey(number: string): string {
  return isPlainNumber(number) ? number : number.replace(NOT_DIALLABLE, '').replace(/^\++/, '+')
}

/**
 * The phone a dialable number is: `+8613800000001`, `008613800000001` and `13800000001` are one,
 * so a call dialled or received under another spelling than the listed one moves that row's
 * status. Only a leading `+` or `0` can be a prefix: other numbers are returned as they are.
 */
export function phoneKey(number: string): string {
  const first = number.charCodeAt(0)
  return first === 43 /* + */ || first === 48 /* 0 */ ? nationalForm(number) : number
}

/** `PLAIN_NUMBER.test` by hand: this runs once per record on every plan. */
function isPlainNumber(number: string): boolean {
  const length = number.length
  const start = number.charCodeAt(0) === 43 /* + */ ? 1 : 0
  if (length <= start) return false
  for (let i = start; i < length; i++) {
    const c = number.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/** Failures that are the number's own (TCCC or the app refused it): dialling again cannot help. */
const NUMBER_REFUSED: ReadonlySet<string> = new Set(['ERR_SIPURI_WRONGFORMAT', 'INVALID_NUMBER'])

/**
 * A missed or refused inbound call is not the agent working the number, nor is a dial that
 * failed before the SDK gave it a session (microphone denied, no network): the customer never
 * heard it ring, so the number keeps its place (the same rule as today's calls). A number TCCC
 * refused as malformed is worked, though (in progress, after the others): left first, every
 * "call next" dialled it again.
 */
export function isContact(record: CallRecord): boolean {
  if (record.outcome === 'answered') return true
  if (record.direction !== 'out') return false
  // Cancelled before the SDK gave it a session (a change of mind within the second) is no
  // contact either: the customer's phone never rang.
  const neverWentOut = record.sessionId === undefined && (record.outcome === 'failed' || record.outcome === 'cancelled')
  return !neverWentOut || NUMBER_REFUSED.has(record.errorSymbol ?? '')
}

export interface PlanOptions {
  now: number
  zone: LocalZone
  /** Codes of final outcomes; defaults to the built-in catalogue's. */
  finalOutcomes?: ReadonlySet<string>
}

const DEFAULT_FINAL: ReadonlySet<string> = new Set(DEFAULT_OUTCOMES.filter((o) => o.final).map((o) => o.code))

export function finalOutcomeCodes(catalogue: readonly OutcomeDefinition[]): ReadonlySet<string> {
  return new Set(catalogue.filter((o) => o.final).map((o) => o.code))
}

// Status codes in the typed per-number columns below.
const CALLBACK = 1
const IN_PROGRESS = 2
const DONE = 3
const STATUS_NAMES: readonly NumberStatus[] = ['new', 'callback', 'in-progress', 'done']

/**
 * Statuses, work order, chip counts and today's figures in one pass over the records and one
 * over the list (the numbers page recomputes this whenever either changes).
 *
 * Status: no contact yet -> `new`; the latest wrap-up's outcome is final -> `done`; it set a
 * callback time -> `callback`; otherwise `in-progress`. Work order: callbacks due (time <= now),
 * oldest first; then `new` in list order; then `in-progress`, least recently contacted first;
 * then due callbacks already tried since they fell due (no new wrap-up), least recently first.
 * Scheduled callbacks that are not yet due and `done` numbers are not in it.
 *
 * The facts per number live in typed columns indexed by a slot (one per distinct number in the
 * records) rather than one object per number: on a phone's shared GC this is the difference
 * between ~1x and several times a plain pass (bench/workday.ts).
 */
export function planDay(entries: readonly NumberEntry[], records: readonly CallRecord[], options: PlanOptions): DayPlan {
  const { now, zone } = options
  const finalCodes = options.finalOutcomes ?? DEFAULT_FINAL
  const dayStart = startOfLocalDay(now, zone)
  const dayEnd = nextLocalDay(dayStart, zone)

  // Plain arrays, not typed ones: small typed arrays cost an off-heap allocation each.
  const slotOf = new Map<string, number>()
  const contactAt: number[] = []
  const wrapupAt: number[] = []
  const callbackAt: number[] = [] // NaN: none
  const dispositions: Array<string | undefined> = []
  let calls = 0
  let connected = 0
  let talkSeconds = 0
  let deals = 0
  for (const record of records) {
    // The day a call ended, as history groups it (groupByDay): a call across midnight is in the
    // same day in both, so today's figures match history's "today".
    const at = record.endedAt
    if (at >= dayStart && at < dayEnd) {
      const answered = record.answeredAt !== undefined || record.outcome === 'answered'
      // A dial that failed, or was cancelled, before the SDK gave it a session (microphone denied,
      // a refused number, a change of mind) never reached the customer: counting it would lower
      // the connect rate for nothing.
      if (answered || record.sessionId !== undefined || (record.outcome !== 'failed' && record.outcome !== 'cancelled')) calls++
      if (answered) {
        connected++
        talkSeconds += record.durationSec
      }
      if (record.disposition === DEAL_OUTCOME) deals++
    }
    const disposition = record.disposition
    const hasWrapup = typeof disposition === 'string' && disposition !== ''
    if (!hasWrapup && !isContact(record)) continue
    const key = phoneKey(recordKey(record.number))
    let slot = slotOf.get(key)
    if (slot === undefined) {
      slot = dispositions.length
      slotOf.set(key, slot)
      dispositions.push(undefined)
      contactAt.push(-Infinity)
      wrapupAt.push(-Infinity)
      callbackAt.push(NaN)
    }
    if (record.endedAt > contactAt[slot]) contactAt[slot] = record.endedAt
    if (hasWrapup && record.endedAt > wrapupAt[slot]) {
      wrapupAt[slot] = record.endedAt
      dispositions[slot] = disposition
      callbackAt[slot] = typeof record.callbackAt === 'number' ? record.callbackAt : NaN
    }
  }

  const slots = dispositions.length
  const status: number[] = []
  for (let slot = 0; slot < slots; slot++) {
    const disposition = dispositions[slot]
    if (disposition === undefined) status.push(IN_PROGRESS)
    else if (finalCodes.has(disposition)) status.push(DONE)
    else status.push(Number.isNaN(callbackAt[slot]) ? IN_PROGRESS : CALLBACK)
  }

  // One lookup per entry and no allocation per entry: the list is 10,000 long and this runs
  // after every call.
  const listIndex: number[] = new Array<number>(slots).fill(-1)
  let listed = 0
  let callbacks = 0
  let done = 0
  const due: number[] = []
  const triedDue: number[] = []
  let nextDueAt = Infinity
  const working: number[] = []
  const length = entries.length
  /** Listed in progress beyond the first listing of their phone (counted, not worked twice). */
  let repeatedInProgress = 0
  for (let index = 0; index < length; index++) {
    const slot = slotOf.get(phoneKey(entries[index].number))
    if (slot === undefined) continue
    listed++
    // A phone listed twice (a list from before duplicates were refused) counts twice in the
    // chips but is worked once: the work order holds its first listing.
    const first = listIndex[slot] === -1
    if (first) listIndex[slot] = index
    const code = status[slot]
    if (code === DONE) done++
    else if (code === CALLBACK) {
      callbacks++
      if (!first) continue
      if (callbackAt[slot] > now) {
        if (callbackAt[slot] < nextDueAt) nextDueAt = callbackAt[slot]
      } else if (contactAt[slot] > wrapupAt[slot] && contactAt[slot] >= callbackAt[slot]) {
        // Tried since it fell due and left without a new wrap-up (no answer, declined): still
        // owed, but behind everyone else, or "call next" would ring the same customer again.
        triedDue.push(slot)
      } else due.push(slot)
    } else if (first) working.push(slot) // IN_PROGRESS: a slot is never `new`
    else repeatedInProgress++
  }
  const counts: Record<NumberStatus, number> = { new: length - listed, callback: callbacks, 'in-progress': working.length + repeatedInProgress, done }
  // Equal times keep list order: both parts are filled in list order and the sort is stable
  // (ES2019), so a list-index tie-break would never decide anything.
  due.sort((a, b) => callbackAt[a] - callbackAt[b])
  triedDue.sort((a, b) => contactAt[a] - contactAt[b])
  // The in-progress part is sorted when a walk first gets there: "call next" after a call
  // needs only the head, which is almost always a due callback or a new number.
  let workingSorted = false

  function* walkWorkOrder(): Generator<NumberEntry> {
    for (const slot of due) yield entries[listIndex[slot]]
    for (const entry of entries) if (!slotOf.has(phoneKey(entry.number))) yield entry
    if (!workingSorted) {
      working.sort((a, b) => contactAt[a] - contactAt[b])
      workingSorted = true
    }
    for (const slot of working) yield entries[listIndex[slot]]
    for (const slot of triedDue) yield entries[listIndex[slot]]
  }
  let workOrder: NumberEntry[] | undefined

  function progress(number: string): NumberProgress {
    const slot = slotOf.get(phoneKey(recordKey(number)))
    if (slot === undefined) return NEW_PROGRESS
    const code = status[slot]
    const item: NumberProgress = { status: STATUS_NAMES[code], lastContactAt: contactAt[slot] }
    const disposition = dispositions[slot]
    if (disposition !== undefined) item.disposition = disposition
    if (code === CALLBACK) item.callbackAt = callbackAt[slot]
    return item
  }

  function statusOfNumber(number: string): NumberStatus {
    const slot = slotOf.get(phoneKey(recordKey(number)))
    return slot === undefined ? 'new' : STATUS_NAMES[status[slot]]
  }

  return {
    progress,
    status: statusOfNumber,
    get workOrder() {
      workOrder ??= Array.from(walkWorkOrder())
      return workOrder
    },
    walkWorkOrder,
    counts,
    nextDueAt,
    today: { calls, connected, connectRate: calls === 0 ? 0 : connected / calls, talkSeconds, deals },
  }
}

/** A number's progress from a plan (`new` when it has no records). */
export function progressFor(plan: DayPlan, number: string): NumberProgress {
  return plan.progress(number)
}

/** The first number in work order, skipping `skip` (the number just called). */
export function nextInWorkOrder(plan: DayPlan, skip?: string): NumberEntry | undefined {
  for (const entry of plan.walkWorkOrder()) if (entry.number !== skip) return entry
  return undefined
}

/** What a number row says about its calls: how many, and the latest's time and outcome. */
export interface CallStats {
  callCount: number
  lastCalledAt?: number
  lastOutcome?: CallOutcome
}

/**
 * Call stats per phone (`nationalForm` of the dialable number) from the synced history: calls
 * made on the agent's other phones count too. Every record counts, as `noteCall` counts them.
 */
export function callStatsByPhone(records: readonly CallRecord[]): Map<string, CallStats> {
  const stats = new Map<string, Required<CallStats>>()
  for (const record of records) {
    const phone = nationalForm(recordKey(record.number))
    const known = stats.get(phone)
    if (known === undefined) {
      stats.set(phone, { callCount: 1, lastCalledAt: record.startedAt, lastOutcome: record.outcome })
      continue
    }
    known.callCount++
    // Strictly later: of two calls started in one millisecond the first listed (newest first) stays.
    if (record.startedAt > known.lastCalledAt) {
      known.lastCalledAt = record.startedAt
      known.lastOutcome = record.outcome
    }
  }
  return stats
}

/**
 * A row's stats: the entry's own (this phone's calls, kept past the history's limit) or the
 * history's (every phone's), the larger count and the later call. Neither is ever counted twice:
 * the history holds this phone's calls as well, so its count is the larger until it drops old ones.
 */
export function rowCallStats(entry: NumberEntry, fromHistory: CallStats | undefined): CallStats {
  if (fromHistory === undefined) return entry
  const latest = (fromHistory.lastCalledAt ?? -Infinity) > (entry.lastCalledAt ?? -Infinity) ? fromHistory : entry
  const stats: CallStats = { callCount: Math.max(entry.callCount, fromHistory.callCount) }
  if (latest.lastCalledAt !== undefined) stats.lastCalledAt = latest.lastCalledAt
  if (latest.lastOutcome !== undefined) stats.lastOutcome = latest.lastOutcome
  return stats
}

/**
 * What the statuses and callbacks need of calls that left the phone's history (the newest
 * HISTORY_LIMIT are kept, and the agent can clear them): per phone, its latest wrap-up and its
 * latest contact, as slimmed copies of those records (no note, no detail). Fed to `planDay` and
 * the reminders after the history itself, so a "not interested" from two weeks and 1,000 calls
 * ago still keeps that customer out of "call next", and a callback booked for next month keeps
 * its status and reminder.
 */
export function foldStanding(standing: readonly CallRecord[], dropped: readonly CallRecord[], limit = STANDING_LIMIT): CallRecord[] {
  const byPhone = new Map<string, { wrapup?: CallRecord; contact?: CallRecord }>()
  const take = (record: CallRecord) => {
    const hasWrapup = typeof record.disposition === 'string' && record.disposition !== ''
    const key = phoneKey(recordKey(record.number))
    const facts = byPhone.get(key) ?? {}
    // A later copy of the same call (`dropped` comes after `standing`: a pulled change of a call
    // beyond the history, e.g. another phone's callbackHandled or corrected wrap-up) replaces it.
    if (facts.wrapup?.id === record.id) delete facts.wrapup
    if (facts.contact?.id === record.id) delete facts.contact
    if (!hasWrapup && !isContact(record)) return
    if (hasWrapup && (!facts.wrapup || record.endedAt > facts.wrapup.endedAt)) facts.wrapup = slim(record)
    if (isContact(record) && (!facts.contact || record.endedAt > facts.contact.endedAt)) facts.contact = slim(record)
    byPhone.set(key, facts)
  }
  for (const record of standing) take(record)
  for (const record of dropped) take(record)
  const phones = [...byPhone.values()].map((f) => ({ ...f, last: Math.max(f.wrapup?.endedAt ?? -Infinity, f.contact?.endedAt ?? -Infinity) }))
  // The phones heard from longest ago go first when there are too many to keep.
  phones.sort((a, b) => b.last - a.last)
  const kept: CallRecord[] = []
  for (const { wrapup, contact } of phones.slice(0, limit)) {
    if (wrapup) kept.push(wrapup)
    if (contact && contact.id !== wrapup?.id) kept.push(contact)
  }
  return kept
}

/** Phones whose standing is kept beyond the history (two slim records at most each). */
export const STANDING_LIMIT = 5_000

function slim(record: CallRecord): CallRecord {
  const kept: CallRecord = {
    id: record.id,
    number: record.number,
    direction: record.direction,
    outcome: record.outcome,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    durationSec: record.durationSec,
    endReason: record.endReason,
  }
  if (record.remark) kept.remark = record.remark
  if (record.sessionId !== undefined) kept.sessionId = record.sessionId
  if (record.answeredAt !== undefined) kept.answeredAt = record.answeredAt
  if (typeof record.disposition === 'string' && record.disposition !== '') kept.disposition = record.disposition
  if (typeof record.callbackAt === 'number') kept.callbackAt = record.callbackAt
  // A reminder handled on any phone stays handled for a call beyond the history.
  if (typeof record.callbackHandled === 'number') kept.callbackHandled = record.callbackHandled
  return kept
}
