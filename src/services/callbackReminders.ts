/**
 * Callback reminders: which callbacks the records promise (the same rule as the number's
 * `callback` status in workday.ts: the latest wrap-up of a number set a time and is not final),
 * and a scheduler that calls `onDue` when each falls due. The clock is injected (tests use the
 * simulator's manual clock); the store re-plans from the records whenever they change and at
 * sign-in, so a restart loses nothing: a callback that fell due while the app was closed is due
 * at once.
 */
import type { CallRecord } from './callRecord'
import { DEFAULT_OUTCOMES, phoneKey, recordKey } from './workday'

export interface CallbackReminder {
  /** `<record id>@<time>`: a new time for the same call is a new reminder. */
  key: string
  /** The call record whose wrap-up booked it (where `callbackHandled` is written). */
  recordId: string
  number: string
  /** The customer's name as the call recorded it, when it had one. */
  remark?: string
  at: number
}

export interface ReminderClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/**
 * A callback more than this overdue is not announced: the numbers page lists it as a due
 * callback, and a reminder from last week on opening the app is noise, not help.
 */
export const REMINDER_STALE_MS = 12 * 3_600_000
/** Timers are re-armed at least this often (browsers overflow past 2^31-1 ms; clocks drift). */
export const MAX_TIMER_MS = 3_600_000

const DEFAULT_FINAL: ReadonlySet<string> = new Set(DEFAULT_OUTCOMES.filter((o) => o.final).map((o) => o.code))

/**
 * The callbacks the records promise, soonest first: per number (as workday.ts keys it, so an
 * inbound `138-0000-0001` is `13800000001`), its latest wrap-up's time.
 */
export function remindersFrom(records: readonly CallRecord[], finalOutcomes: ReadonlySet<string> = DEFAULT_FINAL): CallbackReminder[] {
  const latest = new Map<string, CallRecord>()
  for (const record of records) {
    if (typeof record.disposition !== 'string' || record.disposition === '') continue
    // By phone, as the statuses are: a deal with +8613800000001 closes 13800000001's callback.
    const key = phoneKey(recordKey(record.number))
    const seen = latest.get(key)
    if (!seen || record.endedAt > seen.endedAt) latest.set(key, record)
  }
  const reminders: CallbackReminder[] = []
  for (const record of latest.values()) {
    const at = record.callbackAt
    if (typeof at !== 'number' || !Number.isFinite(at) || finalOutcomes.has(record.disposition as string)) continue
    const reminder: CallbackReminder = { key: reminderKey(record.id, at), recordId: record.id, number: record.number, at }
    if (record.remark && record.remark !== record.number) reminder.remark = record.remark
    reminders.push(reminder)
  }
  return reminders.sort((a, b) => a.at - b.at || a.number.localeCompare(b.number))
}

const reminderKey = (recordId: string, at: number): string => `${recordId}@${at}`

/**
 * The reminders the agent handled on any of their phones: each record's `callbackHandled` (synced
 * with the record, docs/WORKSPACE_API.md "Callback reminders") as a reminder key. It matches a
 * reminder only while it equals the record's `callbackAt`: a moved callback reminds again, and so
 * does a later call's wrap-up booking a new one for the same number (another record).
 */
export function handledOnRecords(records: readonly CallRecord[]): Set<string> {
  const keys = new Set<string>()
  for (const record of records) {
    const at = record.callbackHandled
    if (typeof at === 'number' && at === record.callbackAt) keys.add(reminderKey(record.id, at))
  }
  return keys
}

export interface ReminderScheduler {
  /**
   * Replaces the plan: reminders already due (and not stale, not `handled`, not announced in this
   * run) go to `onDue` at once; one timer waits for the next.
   */
  plan(reminders: readonly CallbackReminder[], handled: ReadonlySet<string>): void
  /** Clears the timer (sign-out). Keeps what was announced, so a re-plan does not repeat it. */
  stop(): void
  /** Forgets what was announced (another agent signs in). */
  reset(): void
}

export function createReminderScheduler(clock: ReminderClock, onDue: (due: CallbackReminder[]) => void): ReminderScheduler {
  let timer: unknown = null
  let current: readonly CallbackReminder[] = []
  let handled: ReadonlySet<string> = new Set()
  const announced = new Set<string>()

  function clearTimer(): void {
    if (timer !== null) clock.clearTimeout(timer)
    timer = null
  }

  function run(): void {
    clearTimer()
    const now = clock.now()
    const due: CallbackReminder[] = []
    let next = Infinity
    for (const reminder of current) {
      if (announced.has(reminder.key) || handled.has(reminder.key)) continue
      if (reminder.at > now) {
        next = Math.min(next, reminder.at)
        continue
      }
      if (now - reminder.at > REMINDER_STALE_MS) continue
      announced.add(reminder.key)
      due.push(reminder)
    }
    if (next !== Infinity) timer = clock.setTimeout(run, Math.min(next - now, MAX_TIMER_MS))
    if (due.length > 0) onDue(due)
  }

  return {
    plan(reminders, handledKeys) {
      current = reminders
      handled = handledKeys
      run()
    },
    stop() {
      clearTimer()
      current = []
    },
    reset() {
      clearTimer()
      current = []
      announced.clear()
    },
  }
}
