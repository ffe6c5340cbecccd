import { describe, expect, it } from 'vitest'
import type { CallRecord } from './callRecord'
import { EMPTY_QUERY, filterHistory, groupByDay, historyFilterCounts, isMissed, kindOfQuery, queryForKind, type HistoryQuery } from './historyView'

// A fixed clock: Tuesday 2026-03-10 15:30 in China (UTC+8, offset -480).
const CHINA = -480
const NEW_YORK = 300
const NOW = Date.UTC(2026, 2, 10, 7, 30)
const HOUR = 3_600_000

let seq = 0
function rec(endedAt: number, extra: Partial<CallRecord> = {}): CallRecord {
  return {
    id: `r${++seq}`,
    number: '13800138000',
    direction: 'out',
    outcome: 'answered',
    startedAt: endedAt - 60_000,
    endedAt,
    durationSec: 50,
    endReason: 'local-bye',
    ...extra,
  }
}

const q = (over: Partial<HistoryQuery>): HistoryQuery => ({ ...EMPTY_QUERY, ...over })

describe('filterHistory', () => {
  const zhang = rec(NOW - HOUR, { number: '13912345678', remark: '张伟', disposition: 'deal', note: 'Wants the Pro plan' })
  const missed = rec(NOW - 2 * HOUR, { number: '13700001111', direction: 'in', outcome: 'missed', endReason: 'remote-cancel' })
  const declined = rec(NOW - 3 * HOUR, { number: '13700002222', direction: 'in', outcome: 'rejected', endReason: 'local-bye' })
  const answeredIn = rec(NOW - 4 * HOUR, { number: '13600003333', direction: 'in', remark: 'Ms Wang', disposition: 'callback', note: '周四再打' })
  const all = [zhang, missed, declined, answeredIn]

  it('returns everything, in order, for the empty query', () => {
    expect(filterHistory(all, EMPTY_QUERY)).toEqual(all)
  })

  const plus = rec(NOW - 5 * HOUR, { number: '+8613500001234', remark: 'ＺＨＡＯ Ｌｅｉ' })
  const none: CallRecord[] = []
  it.each([
    // The number, separators ignored; remark and note, case-insensitively.
    ['1234', [zhang, plus]],
    [' 139 1234-5678 ', [zhang]],
    ['张', [zhang]],
    ['ms wang', [answeredIn]],
    ['PRO PLAN', [zhang]],
    ['周四', [answeredIn]],
    ['nobody', none],
    ['   ', [...all, plus]],
    // Typed text is text, never a pattern.
    ['pro.plan', none],
    ['plan(', none],
    // As the numbers page searches: +86 / 0086, full-width digits and letters, the form's separators.
    ['+86 139 1234 5678', [zhang]],
    ['0086 13912345678', [zhang]],
    ['13500001234', [plus]],
    ['１３９１２３４', [zhang]],
    ['139/1234', [zhang]],
    ['【139】1234', [zhang]],
    ['ＰＲＯ ｐｌａｎ', [zhang]],
    ['zhao lei', [plus]],
  ] as const)('searching %j finds the calls it names', (text, found) => {
    expect(filterHistory([...all, plus], q({ text }))).toEqual(found)
  })

  it('filters by direction, by missed (not declined) and by wrap-up outcome, combined with the text', () => {
    expect(filterHistory(all, q({ direction: 'in' }))).toEqual([missed, declined, answeredIn])
    expect(filterHistory(all, q({ direction: 'out' }))).toEqual([zhang])
    expect(filterHistory(all, q({ missedOnly: true }))).toEqual([missed])
    expect(filterHistory(all, q({ disposition: 'callback' }))).toEqual([answeredIn])
    expect(filterHistory(all, q({ disposition: 'callback', text: '张伟' }))).toEqual([])
    expect(filterHistory(all, q({ direction: 'in', text: '137' }))).toEqual([missed, declined])
  })

  it('counts each which-calls chip over all records', () => {
    expect(historyFilterCounts(all)).toEqual({ all: 4, in: 3, out: 1, missed: 1 })
    expect(historyFilterCounts([])).toEqual({ all: 0, in: 0, out: 0, missed: 0 })
    expect(isMissed(declined)).toBe(false)
  })

  it('maps a chip to its query and back, keeping the text and outcome', () => {
    const base = q({ text: 'x', disposition: 'deal' })
    for (const kind of ['all', 'in', 'out', 'missed'] as const) {
      const next = queryForKind(base, kind)
      expect(kindOfQuery(next)).toBe(kind)
      expect([next.text, next.disposition]).toEqual(['x', 'deal'])
    }
    expect(queryForKind(q({ missedOnly: true }), 'out')).toMatchObject({ direction: 'out', missedOnly: false })
  })
})

describe('groupByDay', () => {
  it('groups by the local day: today, yesterday, then dates, newest first', () => {
    const today1 = rec(NOW - HOUR) // 14:30 local
    const today2 = rec(Date.UTC(2026, 2, 9, 16, 0)) // 00:00 local on the 10th: still today
    const yesterday = rec(Date.UTC(2026, 2, 9, 15, 59)) // 23:59 local on the 9th
    const older = rec(Date.UTC(2026, 1, 28, 2, 0)) // 10:00 local on 28 Feb
    const groups = groupByDay([today1, today2, yesterday, older], NOW, CHINA)
    expect(groups.map((g) => [g.day, g.relative, g.records.map((r) => r.id)])).toEqual([
      ['2026-03-10', 'today', [today1.id, today2.id]],
      ['2026-03-09', 'yesterday', [yesterday.id]],
      ['2026-02-28', 'date', [older.id]],
    ])
    expect(groups[0].start).toBe(Date.UTC(2026, 2, 9, 16, 0))
  })

  it('uses the agent offset, not the machine zone: the same instants fall on other days in New York', () => {
    const a = rec(Date.UTC(2026, 2, 10, 3, 0)) // 22:00 on the 9th in New York
    const b = rec(Date.UTC(2026, 2, 9, 15, 0)) // 10:00 on the 9th in New York, 23:00 in China
    expect(groupByDay([a, b], NOW, NEW_YORK).map((g) => [g.day, g.relative, g.records.length])).toEqual([['2026-03-09', 'yesterday', 2]])
    expect(groupByDay([a, b], NOW, CHINA).map((g) => [g.day, g.records.length])).toEqual([
      ['2026-03-10', 1],
      ['2026-03-09', 1],
    ])
  })

  it('puts an out-of-order record into its own day group and keeps days sorted', () => {
    const t = rec(NOW - HOUR)
    const y = rec(NOW - 24 * HOUR)
    const t2 = rec(NOW - 2 * HOUR)
    const groups = groupByDay([t, y, t2], NOW, CHINA)
    expect(groups.map((g) => g.records.map((r) => r.id))).toEqual([[t.id, t2.id], [y.id]])
  })

  it('is empty without records', () => {
    expect(groupByDay([], NOW, CHINA)).toEqual([])
  })
})

describe('history view (mutation survivors)', () => {
  it('does not take an outbound call marked missed (as a synced record may be) for a missed call', () => {
    const odd = rec(NOW - HOUR, { outcome: 'missed', endReason: 'timeout' })
    expect(isMissed(odd)).toBe(false)
    expect(filterHistory([odd], q({ missedOnly: true }))).toEqual([])
    expect(historyFilterCounts([odd]).missed).toBe(0)
  })

  it('starts the next day for an out-of-order record that ends exactly at the next local midnight', () => {
    const lateYesterday = rec(Date.UTC(2026, 2, 9, 15, 0)) // 23:00 local on the 9th
    const midnight = rec(Date.UTC(2026, 2, 9, 16, 0)) // 00:00 local on the 10th
    const groups = groupByDay([lateYesterday, midnight], NOW, CHINA)
    expect(groups.map((g) => [g.day, g.relative, g.records.map((r) => r.id)])).toEqual([
      ['2026-03-10', 'today', [midnight.id]],
      ['2026-03-09', 'yesterday', [lateYesterday.id]],
    ])
  })

  it('lists the days newest first when the records come oldest first', () => {
    const days = [Date.UTC(2026, 2, 1, 2), Date.UTC(2026, 2, 5, 2), Date.UTC(2026, 2, 9, 2), NOW - HOUR].map((at) => rec(at))
    expect(groupByDay(days, NOW, CHINA).map((g) => g.day)).toEqual(['2026-03-10', '2026-03-09', '2026-03-05', '2026-03-01'])
  })
})
