/**
 * Statuses and callbacks outlive the phone's history: the newest HISTORY_LIMIT calls are kept,
 * and the agent can clear them, but each customer's latest outcome and callback stay in the
 * history store's standing (`foldStanding`), across restarts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { CallRecord } from '@/services/callRecord'
import { remindersFrom } from '@/services/callbackReminders'
import { foldStanding, STANDING_LIMIT } from '@/services/workday'
import { HISTORY_LIMIT, useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useWorkdayStore } from '@/store/workday'
import { AGENT, loginSdk, setupCore } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

const T0 = Date.parse('2026-03-10T07:30:00Z') // 15:30 in China
const MIN = 60_000
const DAY = 24 * 60 * MIN

function rec(id: string, number: string, endedAt: number, extra: Partial<CallRecord> = {}): CallRecord {
  return { id, number, direction: 'out', outcome: 'answered', startedAt: endedAt - 65_000, answeredAt: endedAt - 60_000, endedAt, durationSec: 60, endReason: 'local-bye', ...extra }
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 })
  const core = setupCore()
  useSessionStore().agent = { userId: AGENT.userId, sdkAppId: AGENT.sdkAppId }
  await loginSdk(core)
  vi.spyOn(console, 'info').mockImplementation(() => undefined)
})
afterEach(() => vi.useRealTimers())

/** Two customers worked days ago, then HISTORY_LIMIT - 2 calls to others: the history is full. */
function workedLongAgo() {
  const numbers = useNumbersStore()
  numbers.add('13900000001', 'Said never call again')
  numbers.add('13900000002', 'Call back in 2 weeks')
  numbers.add('13900000003', 'Tried once')
  const history = useHistoryStore()
  history.open('standing-test')
  const others = Array.from({ length: HISTORY_LIMIT - 3 }, (_, i) => rec(`n${i}`, `1370000${String(i).padStart(4, '0')}`, T0 - 2 * DAY + i * MIN)).reverse()
  history.records = [
    ...others,
    rec('w', '13900000003', T0 - 3 * DAY, { outcome: 'no-answer', answeredAt: undefined, durationSec: 0 }),
    rec('y', '+8613900000002', T0 - 4 * DAY, { disposition: 'callback', callbackAt: T0 + 14 * DAY }),
    rec('x', '13900000001', T0 - 5 * DAY, { disposition: 'not-interested' }),
  ]
  const workday = useWorkdayStore()
  return { history, workday }
}

describe('the standing of calls beyond the history', () => {
  it('calls that fall off the newest 1,000 keep their customers done, due a callback (with its reminder) and in progress', () => {
    const { history, workday } = workedLongAgo()
    history.record(rec('z1', '13700009998', T0 - MIN))
    history.record(rec('z2', '13700009999', T0))
    history.record(rec('z3', '13700009997', T0))
    expect(history.records).toHaveLength(HISTORY_LIMIT)
    expect(history.records.some((r) => ['x', 'y', 'w'].includes(r.id))).toBe(false)
    expect(['13900000001', '13900000002', '13900000003'].map((n) => workday.statusOf(n))).toEqual(['done', 'callback', 'in-progress'])
    expect(remindersFrom(history.statusRecords).map((r) => [r.number, r.at])).toEqual([['+8613900000002', T0 + 14 * DAY]])
    // "Call next" has only the one tried once: the others are done or not due.
    expect(workday.peekNext()?.number).toBe('13900000003')
  })

  it('clearing the history keeps every standing; a restart keeps it too', () => {
    const { history, workday } = workedLongAgo()
    history.clear()
    expect(history.records).toEqual([])
    expect(['13900000001', '13900000002', '13900000003'].map((n) => workday.statusOf(n))).toEqual(['done', 'callback', 'in-progress'])
    history.close()
    expect(workday.statusOf('13900000001')).toBe('new')
    history.open('standing-test')
    expect(['13900000001', '13900000002', '13900000003'].map((n) => workday.statusOf(n))).toEqual(['done', 'callback', 'in-progress'])
    // The slim copies carry no note, and nothing shows in the history itself.
    expect(history.standing.every((r) => r.note === undefined)).toBe(true)
    expect(history.visible).toEqual([])
  })

  it('a newer call in the history wins over the standing', () => {
    const { history, workday } = workedLongAgo()
    history.clear()
    history.record(rec('again', '13900000002', T0, { disposition: 'deal' }))
    expect(workday.statusOf('13900000002')).toBe('done')
    expect(remindersFrom(history.statusRecords)).toEqual([])
  })
})

describe('foldStanding', () => {
  it('keeps per phone (any spelling) the latest wrap-up and the latest contact, slimmed; drops what is neither', () => {
    const folded = foldStanding(
      [],
      [
        rec('a1', '13800000001', 100, { disposition: 'callback', callbackAt: 999, note: 'long note' }),
        rec('a2', '+8613800000001', 200, { outcome: 'no-answer', answeredAt: undefined }),
        rec('a3', '008613800000001', 50, { disposition: 'interested' }),
        rec('m', '13700000000', 300, { direction: 'in', outcome: 'missed', answeredAt: undefined }),
      ],
    )
    expect(folded.map((r) => r.id)).toEqual(['a1', 'a2'])
    expect(folded[0]).toEqual({ id: 'a1', number: '13800000001', direction: 'out', outcome: 'answered', startedAt: 100 - 65_000, answeredAt: 100 - 60_000, endedAt: 100, durationSec: 60, endReason: 'local-bye', disposition: 'callback', callbackAt: 999 })
  })

  it('folds into what it already keeps: newer wins per phone whatever the order; an empty outcome is no wrap-up', () => {
    const kept = foldStanding([], [rec('w1', '13800000001', 100, { disposition: 'interested' }), rec('c1', '13800000001', 150, { outcome: 'no-answer', answeredAt: undefined })])
    const again = foldStanding(kept, [
      rec('w0', '13800000001', 50, { disposition: 'deal' }),
      rec('c0', '13800000001', 60, { outcome: 'no-answer', answeredAt: undefined }),
      rec('w2', '13800000001', 200, { disposition: 'callback', callbackAt: 999 }),
      rec('e', '13900000009', 300, { direction: 'in', outcome: 'missed', answeredAt: undefined, disposition: '' }),
    ])
    // w2 is both the latest wrap-up and the latest contact: kept once.
    expect(again.map((r) => r.id)).toEqual(['w2'])
    expect(foldStanding(kept, [rec('c2', '13800000001', 120, { outcome: 'cancelled', answeredAt: undefined })]).map((r) => r.id)).toEqual(['w1', 'c1'])
  })

  it('slims each record to what statuses and reminders read', () => {
    const [full] = foldStanding([], [rec('s1', '13800000001', 100, { remark: 'Zhang', sessionId: 'sess', disposition: 'callback', callbackAt: 500, note: 'x', tcccDurationSec: 40, recordingUrl: 'https://r' })])
    expect(full).toEqual({ id: 's1', number: '13800000001', remark: 'Zhang', direction: 'out', outcome: 'answered', startedAt: 100 - 65_000, answeredAt: 100 - 60_000, endedAt: 100, durationSec: 60, endReason: 'local-bye', sessionId: 'sess', disposition: 'callback', callbackAt: 500 })
    const [bare] = foldStanding([], [rec('s2', '13800000002', 100, { outcome: 'no-answer', answeredAt: undefined, disposition: null, callbackAt: null, remark: '' })])
    expect(Object.keys(bare).sort()).toEqual(['direction', 'durationSec', 'endReason', 'endedAt', 'id', 'number', 'outcome', 'startedAt'])
  })

  it('orders phones by their latest wrap-up or contact, whichever it has; on a tie the first one seen stays', () => {
    const onlyWrapup = rec('a', '13800000001', 120, { direction: 'in', outcome: 'missed', answeredAt: undefined, disposition: 'interested' })
    const onlyContact = rec('b', '13800000002', 200, { outcome: 'no-answer', answeredAt: undefined })
    const both = [rec('c', '13800000003', 100, { disposition: 'interested' }), rec('d', '13800000003', 250, { outcome: 'no-answer', answeredAt: undefined })]
    expect(foldStanding([], [onlyContact, ...both, onlyWrapup], 2).map((r) => r.id)).toEqual(['c', 'd', 'b'])
    expect(foldStanding([], [onlyWrapup, onlyContact, ...both], 3).map((r) => r.id)).toEqual(['c', 'd', 'b', 'a'])
    const first = rec('t1', '13800000004', 400, { disposition: 'interested' })
    const tie = rec('t2', '13800000004', 400, { disposition: 'deal' })
    expect(foldStanding([first], [tie]).map((r) => r.id)).toEqual(['t1'])
    // A contact whose outcome was left empty carries none.
    const [contact] = foldStanding([], [rec('e1', '13800000005', 10, { outcome: 'no-answer', answeredAt: undefined, disposition: '' })])
    expect('disposition' in contact).toBe(false)
  })

  it('keeps the phones heard from most recently when there are more than its limit', () => {
    const many = Array.from({ length: 5 }, (_, i) => rec(`p${i}`, `1380000000${i}`, i * 10, { disposition: 'interested' }))
    expect(foldStanding([], many, 3).map((r) => r.id)).toEqual(['p4', 'p3', 'p2'])
    expect(STANDING_LIMIT).toBeGreaterThanOrEqual(5_000)
  })
})
