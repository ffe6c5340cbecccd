/**
 * Callback reminders for the signed-in agent: the scheduler (services/callbackReminders.ts)
 * planned from the call records whenever they change, the reminders now due (the in-app banner)
 * and a system notification for each (App: local push; H5: the browser's Notification where
 * granted). Calling or dismissing marks a reminder handled in the call record (`callbackHandled`,
 * synced: the agent's other phones drop it at their next pull and never notify it) and in this
 * phone's per-agent list (respected before any sync; keys kept there from before the record
 * field are written into their records once), so a restart re-plans from the records without
 * repeating what the agent already dealt with.
 * `start()` is idempotent; the banner (on every signed-in page) calls it.
 */
import { defineStore } from 'pinia'
import { effectScope, ref, watch } from 'vue'
import { t } from '@/i18n'
import { localNotifier } from '@/platform/localNotification'
import { createReminderScheduler, handledOnRecords, remindersFrom, type CallbackReminder, type ReminderClock, type ReminderScheduler } from '@/services/callbackReminders'
import { workspaceValue, type StoredValue } from '@/services/storage'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useSyncStore } from '@/store/sync'
import { useWrapupStore } from '@/store/wrapup'

export type { CallbackReminder }

/** Handled keys kept: enough for months of callbacks, small in storage. */
const HANDLED_LIMIT = 500

const realClock: ReminderClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

function handledStorageFor(agentKey: string): StoredValue<string[]> {
  return workspaceValue(agentKey, 'reminders-handled', {
    version: 1,
    fallback: (): string[] => [],
    validate: (data: unknown): data is string[] => Array.isArray(data) && data.every((k) => typeof k === 'string'),
  })
}

export const useRemindersStore = defineStore('reminders', () => {
  /** Due and not yet handled, oldest first (the banner shows the first). */
  const due = ref<CallbackReminder[]>([])

  let clock: ReminderClock = realClock
  let scheduler: ReminderScheduler | null = null
  let storage: StoredValue<string[]> | null = null
  let handled: string[] = []
  /** The agent whose handled keys `handled` holds (the sync store's agent once `openAgent` ran). */
  let openedAgent: string | null = null
  let stopWatching: (() => void) | null = null

  function announce(reminders: CallbackReminder[]): void {
    const known = new Set(due.value.map((r) => r.key))
    due.value = [...due.value, ...reminders.filter((r) => !known.has(r.key))]
    // Two tabs of the agent in one browser both show the banner; the system notification comes
    // from the tab that holds the registration only (the one standing by stays quiet), never twice.
    // Once the holding tab was closed, nobody else sends it: the tab standing by does.
    const session = useSessionStore()
    if (session.status === 'elsewhere' && !session.holderLeft) return
    const notifier = localNotifier()
    for (const reminder of reminders) {
      const name = reminder.remark || reminder.number
      notifier.show({ title: t('workday.reminder.title'), body: t('workday.reminder.body', { name }), payload: reminder.number })
    }
  }

  function replan(): void {
    // Another agent signed in and `openAgent` has not run yet: never this agent's keys on their records.
    if (!scheduler || openedAgent !== useSyncStore().agentKey) return
    const reminders = promisedCallbacks()
    const synced = handledOnRecords(useHistoryStore().statusRecords)
    // A callback the records no longer promise (moved, or a later wrap-up) leaves the banner, and
    // so does one handled on another phone of the agent's (pulled with its record).
    const live = new Set(reminders.filter((r) => !synced.has(r.key)).map((r) => r.key))
    if (due.value.some((r) => !live.has(r.key))) due.value = due.value.filter((r) => live.has(r.key))
    scheduler.plan(reminders, new Set([...handled, ...synced]))
    // Handled on this phone only (before the record field, or its write failed): into the record,
    // once, so the agent's other phones learn it too.
    for (const reminder of reminders) {
      if (handled.includes(reminder.key) && !synced.has(reminder.key)) useHistoryStore().markCallbackHandled(reminder.recordId, reminder.at)
    }
  }

  /**
   * The callbacks the agent's records promise, for numbers still on the list: one deleted (often
   * at the customer's "don't call me") is never announced nor dialled from a reminder.
   */
  function promisedCallbacks(): CallbackReminder[] {
    const numbers = useNumbersStore()
    return remindersFrom(useHistoryStore().statusRecords, useWrapupStore().finalCodes).filter((r) => numbers.lookup(r.number) !== undefined)
  }

  /** Loads the agent's handled keys and forgets the previous agent's reminders. */
  function openAgent(agentKey: string | null): void {
    scheduler?.reset()
    due.value = []
    storage = agentKey ? handledStorageFor(agentKey) : null
    handled = storage?.load() ?? []
    openedAgent = agentKey
    if (agentKey) replan()
  }

  function start(): void {
    if (stopWatching) return
    scheduler = createReminderScheduler(clock, announce)
    const sync = useSyncStore()
    const history = useHistoryStore()
    const wrapup = useWrapupStore()
    // A detached scope: `start` runs from a page's hook, and watchers made there would stop
    // with that page (every navigation is a reLaunch).
    const scope = effectScope(true)
    scope.run(() => {
      watch(() => sync.agentKey, openAgent, { immediate: true })
      watch([() => history.statusRecords, () => wrapup.finalCodes, () => useNumbersStore().entries], replan)
    })
    const offTap = localNotifier().onTap((number) => {
      const reminder = due.value.find((r) => r.number === number)
      if (reminder) {
        void callNow(reminder.key)
        return
      }
      // Handled already, yet tapped in the tray: dial it only while the signed-in agent's own
      // records promise that callback. A notification left from another agent (or from before a
      // sign-out) opens the app and dials nobody: never another agent's customer from this seat.
      const promised = promisedCallbacks().find((r) => r.number === number)
      if (promised) void useCallStore().placeCall(promised.remark ? { to: number, remark: promised.remark } : { to: number })
    })
    stopWatching = () => {
      scope.stop()
      offTap()
    }
  }

  function stop(): void {
    stopWatching?.()
    stopWatching = null
    scheduler?.reset()
    scheduler = null
    due.value = []
  }

  /** Tests: another clock (the simulator's manual clock); restarts the scheduler on it. */
  function useClock(next: ReminderClock): void {
    clock = next
    if (stopWatching) {
      stop()
      start()
    }
  }

  function markHandled(key: string): CallbackReminder | undefined {
    const reminder = due.value.find((r) => r.key === key)
    due.value = due.value.filter((r) => r.key !== key)
    if (!handled.includes(key)) {
      handled = [...handled, key].slice(-HANDLED_LIMIT)
      try {
        storage?.save(handled)
      } catch (err) {
        console.warn('[reminders] could not keep a handled reminder', err instanceof Error ? err.message : err)
      }
    }
    // The agent's other phones: through the record, in the outbox until the server has it.
    if (reminder) useHistoryStore().markCallbackHandled(reminder.recordId, reminder.at)
    return reminder
  }

  function dismiss(key: string): void {
    markHandled(key)
  }

  /** Dials the reminder's customer with the remark; the reminder is handled once the call is placed. */
  async function callNow(key: string): Promise<boolean> {
    const reminder = due.value.find((r) => r.key === key)
    if (!reminder) return false
    const call = useCallStore()
    if (call.state === 'ended') call.close()
    const placed = await call.placeCall(reminder.remark ? { to: reminder.number, remark: reminder.remark } : { to: reminder.number })
    if (placed) markHandled(key)
    return placed
  }

  return { due, start, stop, useClock, dismiss, callNow }
})
