/**
 * `node --expose-gc --import tsx bench/workday.ts` (run by `npm run bench`): the field-sales day
 * at 10,000 numbers and 1,000 call records.
 *
 * `planDay` (statuses + work order + chip counts + today's stats) as a ratio to one plain pass
 * over the same arrays, measured in the same run: the records indexed by number in a `Map`
 * (summing their talk time) and each number looked up once — the least any join of the two
 * arrays does. Goal: <= 2x. The ratio against a bare loop that only reads one field of each
 * element is printed too, for scale. Ratios only, never absolute verdicts.
 */
import type { CallRecord } from '../src/services/callRecord'
import type { NumberEntry } from '../src/services/numbers'
import { EMPTY_QUERY, filterHistory, groupByDay } from '../src/services/historyView'
import { DEFAULT_OUTCOMES, nextInWorkOrder, planDay } from '../src/services/workday'
import { goal } from './goals'

const NUMBERS = 10_000
const RECORDS = 1_000
const ROUNDS = 31
const REPEAT = 20
const GOAL = 2

let seed = 7
function random(): number {
  // Deterministic (mulberry32), so every run plans the same day.
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const now = Date.UTC(2026, 2, 10, 7, 30)
const zone = -480
const entries: NumberEntry[] = Array.from({ length: NUMBERS }, (_, i) => ({
  id: `n${i}`,
  source: 'own' as const,
  number: `139${String(i).padStart(8, '0')}`,
  remark: `customer ${i}`,
  createdAt: now - 86_400_000 * 30,
  callCount: 0,
}))
const codes = DEFAULT_OUTCOMES.map((o) => o.code)
const records: CallRecord[] = Array.from({ length: RECORDS }, (_, i) => {
  const endedAt = now - Math.floor(random() * 3 * 86_400_000)
  const answered = random() < 0.6
  const disposition = random() < 0.8 ? codes[Math.floor(random() * codes.length)] : null
  return {
    id: `r${i}`,
    // Some numbers get several calls, some records are for callers outside the list.
    number: random() < 0.9 ? entries[Math.floor(random() * NUMBERS)].number : `0755${String(i).padStart(8, '0')}`,
    direction: random() < 0.8 ? 'out' : 'in',
    outcome: answered ? 'answered' : 'no-answer',
    startedAt: endedAt - 90_000,
    answeredAt: answered ? endedAt - 60_000 : undefined,
    endedAt,
    durationSec: answered ? 60 : 0,
    endReason: 'local-bye',
    disposition,
    callbackAt: disposition === 'callback' ? endedAt + Math.floor(random() * 2 * 86_400_000) : null,
  }
})

let sink = 0

function plainJoin(): void {
  const byNumber = new Map<string, CallRecord>()
  let talk = 0
  for (const r of records) {
    byNumber.set(r.number, r)
    talk += r.durationSec
  }
  let found = 0
  for (const e of entries) if (byNumber.get(e.number) !== undefined) found++
  sink += found + talk
}

function bareLoop(): void {
  let total = 0
  for (const r of records) total += r.durationSec
  for (const e of entries) total += e.callCount
  sink += total
}

/** What the numbers page does after a call ends: plan, then the head of the work order. */
function plan(): void {
  const p = planDay(entries, records, { now, zone })
  sink += (nextInWorkOrder(p)?.remark.length ?? 0) + p.counts.new + p.today.calls
}

/** The same with the whole work order built as an array (a full list view of it). */
function planWithFullOrder(): void {
  const p = planDay(entries, records, { now, zone })
  sink += p.workOrder.length + p.today.calls
}

// History page: the 1,000 records searched (a note/remark word), filtered and the hits grouped by
// day, against one plain pass that tests the same three fields of every record and keeps the hits.
const HISTORY_GOAL = 2
const historyText = 'customer 1'
for (const r of records) if (r.disposition) r.note = `${r.disposition} note for customer ${r.id}`
// Newest first, as the history store keeps them.
const historyRecords = [...records].sort((a, b) => b.endedAt - a.endedAt)

function plainHistoryPass(): void {
  const hits: CallRecord[] = []
  for (const r of historyRecords) if (r.number.includes(historyText) || r.remark?.includes(historyText) || r.note?.includes(historyText)) hits.push(r)
  sink += hits.length
}

/** What the page computes while a search is typed: the matching records, grouped by day. */
function historyView(): void {
  const shown = filterHistory(historyRecords, { ...EMPTY_QUERY, text: historyText })
  sink += groupByDay(shown, now, zone).length
}

const gc = (globalThis as { gc?: () => void }).gc

function timeOf(fn: () => void): number {
  gc?.()
  const start = performance.now()
  for (let i = 0; i < REPEAT; i++) fn()
  return (performance.now() - start) / REPEAT
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

// Warm up all three, then interleave the rounds so machine load hits each alike.
for (let i = 0; i < 30; i++) {
  plainJoin()
  bareLoop()
  plan()
  planWithFullOrder()
  plainHistoryPass()
  historyView()
}
const times = { plan: [] as number[], full: [] as number[], join: [] as number[], bare: [] as number[] }
const historyTimes = { view: [] as number[], plain: [] as number[] }
for (let round = 0; round < ROUNDS; round++) {
  times.join.push(timeOf(plainJoin))
  times.plan.push(timeOf(plan))
  times.full.push(timeOf(planWithFullOrder))
  times.bare.push(timeOf(bareLoop))
  historyTimes.plain.push(timeOf(plainHistoryPass))
  historyTimes.view.push(timeOf(historyView))
}

const p = planDay(entries, records, { now, zone })
console.log(`day: ${NUMBERS} numbers, ${RECORDS} records -> statuses ${JSON.stringify(p.counts)}, work order ${p.workOrder.length}, today ${JSON.stringify(p.today)}`)
// Best-of-rounds is the figure least disturbed by other jobs on a shared machine; the median
// is printed next to it.
const best = (xs: number[]) => Math.min(...xs)

const show = (name: string, key: keyof typeof times, goal?: number) => {
  const r = best(times[key]) / best(times.join)
  const m = median(times[key]) / median(times.join)
  console.log(`${name}: ${r.toFixed(2)}x best, ${m.toFixed(2)}x median${goal ? ` (goal <= ${goal}x) ${r <= goal ? 'OK' : 'OVER'}` : ''}`)
}
show('planDay + next in work order vs one plain pass (Map join)', 'plan', GOAL)
show('planDay + the whole work order as an array vs the plain pass', 'full')
if (sink === -1) console.log('unreachable') // keeps the results live
for (const k of Object.keys(times) as Array<keyof typeof times>) if (process.env.BENCH_DEBUG) console.log(k, best(times[k]).toFixed(3), median(times[k]).toFixed(3))
console.log(`plain pass vs a bare field-reading loop: ${(best(times.join) / best(times.bare)).toFixed(1)}x (for scale)`)
{
  const r = best(historyTimes.view) / best(historyTimes.plain)
  const m = median(historyTimes.view) / median(historyTimes.plain)
  const met = goal('history search + day groups', r <= HISTORY_GOAL)
  console.log(`history: search (case-insensitive) + filters + day groups over ${RECORDS} records vs one plain (case-sensitive) pass over the same fields: ${r.toFixed(2)}x best, ${m.toFixed(2)}x median (goal <= ${HISTORY_GOAL}x) ${met ? 'OK' : 'OVER'}`)
}
