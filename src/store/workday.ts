/**
 * The day's work over the number list: statuses, work order, chip counts and today's figures
 * (`planDay` over the numbers and history stores), and "call next". Recomputed when the list,
 * the records or the catalogue change, and when the clock moves (`tick`, each minute on the
 * numbers page and before every "call next", so a callback that just fell due is first).
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { CALLBACK_MAX_AHEAD_MS, callStatsByPhone, DAY_MS, deviceZone, nextInWorkOrder, planDay, rowCallStats, type CallStats, type DayPlan, type NumberStatus } from '@/services/workday'

export type { CallStats, NumberStatus }
export type NumbersFilter = 'all' | NumberStatus
export const NUMBERS_FILTERS: readonly NumbersFilter[] = ['all', 'new', 'callback', 'in-progress', 'done']
import { nationalForm, type NumberEntry } from '@/services/numbers'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useWrapupStore } from '@/store/wrapup'

export const useWorkdayStore = defineStore('workday', () => {
  const numbers = useNumbersStore()
  const history = useHistoryStore()
  const wrapup = useWrapupStore()

  let clock: () => number = () => Date.now()
  const now = ref(clock())
  /** The latest callback time a picker offers: a day inside the year the save accepts (it checks against a later now). */
  const latestCallbackAt = computed(() => now.value + CALLBACK_MAX_AHEAD_MS - DAY_MS)

  const plan = computed<DayPlan>(() =>
    planDay(numbers.entries, history.statusRecords, { now: now.value, zone: deviceZone, finalOutcomes: wrapup.finalCodes }),
  )
  const counts = computed(() => plan.value.counts)
  const today = computed(() => plan.value.today)
  /**
   * What "call next" offers. During a call the number on the line is no longer next (it stayed
   * at the head of the order until its record came, and the button named the customer the agent
   * was talking to): the one after it is.
   */
  const nextEntry = computed(() => {
    const call = useCallStore()
    const onTheLine = call.isLive && call.peer ? numbers.lookup(call.peer)?.number : undefined
    return nextInWorkOrder(plan.value, onTheLine)
  })

  const filter = ref<NumbersFilter>('all')
  /** The search result narrowed to the chosen status. */
  const visible = computed<NumberEntry[]>(() => {
    const wanted = filter.value
    const searched = numbers.filtered
    if (wanted === 'all') return searched
    const p = plan.value
    return searched.filter((entry) => p.status(entry.number) === wanted)
  })
  /** Chip counts over the whole list; `all` is its length. */
  const filterCounts = computed<Record<NumbersFilter, number>>(() => ({ all: numbers.entries.length, ...plan.value.counts }))

  function setFilter(next: NumbersFilter): void {
    filter.value = next
  }

  function statusOf(number: string): NumberStatus {
    return plan.value.status(number)
  }

  /** When a number with a callback is to be called back (undefined: no callback waiting). */
  function callbackAtOf(number: string): number | undefined {
    return plan.value.progress(number).callbackAt
  }

  /** Kept apart from the plan: the rows in view read it, "call next" does not need it. */
  const historyStats = computed(() => callStatsByPhone(history.records))

  /** A row's call count and last call, counting the agent's calls on other phones (synced history). */
  function callStatsOf(entry: NumberEntry): CallStats {
    return rowCallStats(entry, historyStats.value.get(nationalForm(entry.number)))
  }

  function tick(): void {
    now.value = clock()
  }

  function useClock(next: () => number): void {
    clock = next
    tick()
  }

  /**
   * The entry "call next" would dial now, skipping `skip` (the number just called). The plan is
   * redone only when a scheduled callback fell due since it was made: the tap then costs no
   * re-plan of the whole list (bench/callNext.ts), and a callback due this minute still goes first.
   */
  function peekNext(skip?: string): NumberEntry | undefined {
    if (clock() >= plan.value.nextDueAt) tick()
    return nextInWorkOrder(plan.value, skip)
  }

  /** Dials the next number in work order with its remark. False when none or the call is refused. */
  async function callNext(skip?: string): Promise<boolean> {
    const next = peekNext(skip)
    if (!next) return false
    return dial(next)
  }

  /**
   * Dials `number` if the work order still holds it (listed, not done, not a callback that is
   * not due): what a countdown named is what is dialled, or nothing (it was deleted or closed).
   */
  async function callIfStillNext(number: string): Promise<boolean> {
    if (clock() >= plan.value.nextDueAt) tick()
    for (const entry of plan.value.walkWorkOrder()) if (entry.number === number) return dial(entry)
    return false
  }

  function dial(next: NumberEntry): Promise<boolean> {
    const call = useCallStore()
    if (call.state === 'ended') call.close()
    const remark = next.remark && next.remark !== next.number ? next.remark : undefined
    return call.placeCall(remark ? { to: next.number, remark } : { to: next.number })
  }

  /** "Save and call next" on the wrap-up sheet. */
  async function saveWrapupAndCallNext(): Promise<boolean> {
    const just = wrapup.draft?.number
    if (!wrapup.save()) return false
    return callNext(just)
  }

  return { now, latestCallbackAt, plan, counts, today, nextEntry, filter, visible, filterCounts, setFilter, statusOf, callbackAtOf, callStatsOf, tick, useClock, peekNext, callNext, callIfStillNext, saveWrapupAndCallNext }
})
