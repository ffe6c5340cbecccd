import { describe, expect, it } from 'vitest'
import type { CallRecord } from './callRecord'
import { groupByDay } from './historyView'
import type { NumberEntry } from './numbers'
import {
  callStatsByPhone,
  callbackInOneHour,
  callbackTomorrowAt10,
  checkCallbackAt,
  finalOutcomeCodes,
  nextInWorkOrder,
  noteLength,
  planDay,
  progressFor,
  rowCallStats,
  nextLocalDay,
  previousLocalDay,
  startOfLocalDay,
  DEFAULT_OUTCOMES,
  deviceZone,
  type LocalZone,
} from './workday'

// A fixed clock: Tuesday 2026-03-10 15:30 in China (UTC+8, offset -480).
const CHINA = -480
const NOW = Date.UTC(2026, 2, 10, 7, 30)
const MIN = 60_000
const HOUR = 60 * MIN

function entry(number: string, remark = number): NumberEntry {
  return { id: `id-${number}`, source: 'own', number, remark, createdAt: NOW - 30 * 24 * HOUR, callCount: 0 }
}

let seq = 0
function call(number: string, endedAt: number, extra: Partial<CallRecord> = {}): CallRecord {
  const answered = extra.outcome === undefined || extra.outcome === 'answered'
  const durationSec = extra.durationSec ?? (answered ? 60 : 0)
  return {
    id: `r${++seq}`,
    number,
    direction: 'out',
    outcome: 'answered',
    startedAt: endedAt - durationSec * 1000 - 5000,
    answeredAt: answered ? endedAt - durationSec * 1000 : undefined,
    endedAt,
    durationSec,
    endReason: 'local-bye',
    ...extra,
  }
}

const plan = (entries: NumberEntry[], records: CallRecord[], now = NOW) => planDay(entries, records, { now, zone: CHINA })

describe('local day and callback times', () => {
  it('starts the day at local midnight, not UTC midnight', () => {
    expect(startOfLocalDay(NOW, CHINA)).toBe(Date.UTC(2026, 2, 9, 16, 0))
    expect(startOfLocalDay(NOW, 0)).toBe(Date.UTC(2026, 2, 10))
    // 00:10 local is already the new day; 23:59 local is still the old one.
    expect(startOfLocalDay(Date.UTC(2026, 2, 9, 16, 10), CHINA)).toBe(Date.UTC(2026, 2, 9, 16))
    expect(startOfLocalDay(Date.UTC(2026, 2, 9, 15, 59), CHINA)).toBe(Date.UTC(2026, 2, 8, 16))
    // West of UTC (New York winter, +300).
    expect(startOfLocalDay(Date.UTC(2026, 0, 5, 3, 0), 300)).toBe(Date.UTC(2026, 0, 4, 5, 0))
  })

  it('offers "in 1 hour" and "tomorrow 10:00" local time', () => {
    expect(callbackInOneHour(NOW)).toBe(NOW + HOUR)
    expect(callbackTomorrowAt10(NOW, CHINA)).toBe(Date.UTC(2026, 2, 11, 2, 0)) // 10:00 in China
    // Just after local midnight "tomorrow" is the next calendar day, not later the same day.
    expect(callbackTomorrowAt10(Date.UTC(2026, 2, 9, 16, 5), CHINA)).toBe(Date.UTC(2026, 2, 11, 2, 0))
  })

  describe('a zone with daylight saving (London 2026: BST from 29 March 01:00 UTC to 25 October 01:00 UTC)', () => {
    const BST_FROM = Date.UTC(2026, 2, 29, 1)
    const BST_TO = Date.UTC(2026, 9, 25, 1)
    const LONDON: LocalZone = (at) => (at >= BST_FROM && at < BST_TO ? -60 : 0)

    it('starts the 23-hour day at midnight GMT and the 25-hour day at midnight BST', () => {
      // Noon BST on the day the clocks go forward: midnight was still GMT (one fixed offset said 23:00 the day before).
      expect(startOfLocalDay(Date.UTC(2026, 2, 29, 11), LONDON)).toBe(Date.UTC(2026, 2, 29, 0))
      expect(nextLocalDay(Date.UTC(2026, 2, 29, 0), LONDON)).toBe(Date.UTC(2026, 2, 29, 23))
      // Noon GMT on the day they go back: midnight was BST (one fixed offset said 00:00 UTC).
      expect(startOfLocalDay(Date.UTC(2026, 9, 25, 12), LONDON)).toBe(Date.UTC(2026, 9, 24, 23))
      expect(nextLocalDay(Date.UTC(2026, 9, 24, 23), LONDON)).toBe(Date.UTC(2026, 9, 26, 0))
      expect(previousLocalDay(Date.UTC(2026, 9, 26, 0), LONDON)).toBe(Date.UTC(2026, 9, 24, 23))
      expect(previousLocalDay(Date.UTC(2026, 2, 29, 23), LONDON)).toBe(Date.UTC(2026, 2, 29, 0))
      // The hour that repeats (01:00–02:00 local on 25 October) is in that day either time.
      expect(startOfLocalDay(Date.UTC(2026, 9, 25, 0, 30), LONDON)).toBe(Date.UTC(2026, 9, 24, 23))
      expect(startOfLocalDay(Date.UTC(2026, 9, 25, 1, 30), LONDON)).toBe(Date.UTC(2026, 9, 24, 23))
      // A fixed offset still works as before.
      expect(nextLocalDay(Date.UTC(2026, 2, 9, 16), CHINA)).toBe(Date.UTC(2026, 2, 10, 16))
    })

    it("the phone's zone reads the offset at each instant", () => {
      const saved = process.env.TZ
      process.env.TZ = 'Europe/London'
      try {
        expect(typeof deviceZone === 'function' && deviceZone(Date.UTC(2026, 5, 1))).toBe(-60)
        expect(typeof deviceZone === 'function' && deviceZone(Date.UTC(2026, 0, 1))).toBe(0)
        expect(startOfLocalDay(Date.UTC(2026, 9, 25, 12), deviceZone)).toBe(Date.UTC(2026, 9, 24, 23))
      } finally {
        if (saved === undefined) delete process.env.TZ
        else process.env.TZ = saved
      }
    })

    it('"tomorrow 10:00" is 10:00 on the clock across the change', () => {
      expect(callbackTomorrowAt10(Date.UTC(2026, 2, 28, 15), LONDON)).toBe(Date.UTC(2026, 2, 29, 9)) // 10:00 BST
      expect(callbackTomorrowAt10(Date.UTC(2026, 9, 24, 15), LONDON)).toBe(Date.UTC(2026, 9, 25, 10)) // 10:00 GMT
      expect(callbackTomorrowAt10(Date.UTC(2026, 5, 1, 15), LONDON)).toBe(Date.UTC(2026, 5, 2, 9))
    })

    it("today's figures count the 25th hour of the day the clocks go back, and not the day before's last hour", () => {
      const now = Date.UTC(2026, 9, 25, 23, 40) // 23:40 GMT, the day's 25th hour
      const records = [
        call('1', Date.UTC(2026, 9, 25, 23, 30), { durationSec: 60 }), // 23:30 GMT, this day
        call('2', Date.UTC(2026, 9, 24, 23, 10), { durationSec: 60 }), // 00:10 BST, this day
        call('3', Date.UTC(2026, 9, 24, 22, 50), { durationSec: 60 }), // 23:50 BST the day before
      ]
      expect(planDay([], records, { now, zone: LONDON }).today.calls).toBe(2)
      // And on the short day, 23:30 BST is that day's, 00:10 BST the next one's.
      const spring = Date.UTC(2026, 2, 29, 22, 40)
      const springRecords = [call('4', Date.UTC(2026, 2, 29, 22, 30), { durationSec: 60 }), call('5', Date.UTC(2026, 2, 28, 23, 50), { durationSec: 60 })]
      expect(planDay([], springRecords, { now: spring, zone: LONDON }).today.calls).toBe(1)
      expect(planDay([], [call('6', Date.UTC(2026, 2, 29, 23, 10), { durationSec: 60 })], { now: spring, zone: LONDON }).today.calls).toBe(0)
    })

    it('history groups by the local day and names yesterday across the change', () => {
      const records = [
        call('1', Date.UTC(2026, 9, 26, 9)), // Monday 09:00 GMT
        call('2', Date.UTC(2026, 9, 25, 23, 30)), // Sunday 23:30 GMT (the long day)
        call('3', Date.UTC(2026, 9, 24, 23, 10)), // Sunday 00:10 BST
        call('4', Date.UTC(2026, 9, 24, 22, 50)), // Saturday 23:50 BST
      ]
      const days = groupByDay(records, Date.UTC(2026, 9, 26, 12), LONDON)
      expect(days.map((d) => [d.day, d.relative, d.records.map((r) => r.number)])).toEqual([
        ['2026-10-26', 'today', ['1']],
        ['2026-10-25', 'yesterday', ['2', '3']],
        ['2026-10-24', 'date', ['4']],
      ])
    })
  })

  it('refuses callback times that are missing, past or more than a year ahead', () => {
    expect(checkCallbackAt(null, NOW)).toBe('CALLBACK_REQUIRED')
    expect(checkCallbackAt(Number.NaN, NOW)).toBe('CALLBACK_REQUIRED')
    expect(checkCallbackAt(NOW, NOW)).toBe('CALLBACK_IN_PAST')
    expect(checkCallbackAt(NOW - MIN, NOW)).toBe('CALLBACK_IN_PAST')
    expect(checkCallbackAt(NOW + 400 * 24 * HOUR, NOW)).toBe('CALLBACK_TOO_FAR')
    expect(checkCallbackAt(NOW + MIN, NOW)).toBeNull()
  })

  it('counts note characters as code points', () => {
    expect(noteLength('好的👍')).toBe(3)
    expect(noteLength('')).toBe(0)
  })
})

describe('number status', () => {
  const list = [entry('13800000001'), entry('13800000002'), entry('13800000003'), entry('13800000004'), entry('13800000005')]

  it('is new with no records, and a missed inbound call does not change that', () => {
    const p = plan(list, [call('13800000001', NOW - HOUR, { direction: 'in', outcome: 'missed' })])
    expect(progressFor(p, '13800000001').status).toBe('new')
    expect(p.counts).toEqual({ new: 5, callback: 0, 'in-progress': 0, done: 0 })
  })

  it('is in-progress after a call without a wrap-up or with a non-final outcome', () => {
    const p = plan(list, [
      call('13800000001', NOW - HOUR, { outcome: 'no-answer' }),
      call('13800000002', NOW - HOUR, { disposition: 'interested' }),
      call('13800000003', NOW - HOUR, { direction: 'in', outcome: 'answered' }),
    ])
    expect(['13800000001', '13800000002', '13800000003'].map((n) => progressFor(p, n).status)).toEqual(['in-progress', 'in-progress', 'in-progress'])
    expect(progressFor(p, '13800000002').disposition).toBe('interested')
  })

  it('is done after a final outcome, and follows the latest wrap-up only', () => {
    const p = plan(list, [
      call('13800000001', NOW - 2 * HOUR, { disposition: 'deal' }),
      call('13800000001', NOW - HOUR, { outcome: 'no-answer' }), // a later call without wrap-up
      call('13800000002', NOW - 3 * HOUR, { disposition: 'wrong-number' }),
      call('13800000002', NOW - HOUR, { disposition: 'interested' }), // reconsidered
      call('13800000003', NOW - HOUR, { disposition: 'not-interested' }),
    ])
    expect(progressFor(p, '13800000001')).toMatchObject({ status: 'done', disposition: 'deal', lastContactAt: NOW - HOUR })
    expect(progressFor(p, '13800000002').status).toBe('in-progress')
    expect(progressFor(p, '13800000003').status).toBe('done')
  })

  it('is callback while a callback is scheduled or due', () => {
    const p = plan(list, [
      call('13800000001', NOW - HOUR, { disposition: 'callback', callbackAt: NOW + HOUR }),
      call('13800000002', NOW - 2 * HOUR, { disposition: 'callback', callbackAt: NOW - MIN }),
    ])
    expect(progressFor(p, '13800000001')).toMatchObject({ status: 'callback', callbackAt: NOW + HOUR })
    expect(progressFor(p, '13800000002')).toMatchObject({ status: 'callback', callbackAt: NOW - MIN })
    expect(p.counts.callback).toBe(2)
  })

  it('matches formatted inbound numbers to the list', () => {
    const p = plan(list, [call('138-0000-0004', NOW - HOUR, { direction: 'in', disposition: 'deal' })])
    expect(progressFor(p, '13800000004').status).toBe('done')
  })

  it('uses the business catalogue for what is final', () => {
    const catalogue = [...DEFAULT_OUTCOMES, { code: 'sent-quote', labelZh: '已报价', labelEn: 'Quote sent', final: true, position: 7 }]
    const records = [call('13800000001', NOW - HOUR, { disposition: 'sent-quote' })]
    expect(progressFor(plan(list, records), '13800000001').status).toBe('in-progress')
    const p = planDay(list, records, { now: NOW, zone: CHINA, finalOutcomes: finalOutcomeCodes(catalogue) })
    expect(progressFor(p, '13800000001').status).toBe('done')
  })
})

describe('work order', () => {
  const list = ['A', 'B', 'C', 'D', 'E', 'F', 'G'].map((_, i) => entry(`1390000000${i}`, `customer ${i}`))
  const n = (i: number) => `1390000000${i}`

  it('puts callbacks due first (oldest first), then new in list order, then in-progress', () => {
    const p = plan(list, [
      call(n(0), NOW - 5 * HOUR, { disposition: 'interested' }), // in-progress, contacted earlier
      call(n(1), NOW - 4 * HOUR, { disposition: 'callback', callbackAt: NOW - 10 * MIN }), // due, newer
      call(n(2), NOW - 4 * HOUR, { disposition: 'callback', callbackAt: NOW - 30 * MIN }), // due, oldest
      call(n(3), NOW - 4 * HOUR, { disposition: 'callback', callbackAt: NOW + 30 * MIN }), // not yet due
      call(n(4), NOW - 4 * HOUR, { disposition: 'deal' }), // done
      call(n(6), NOW - 6 * HOUR, { outcome: 'no-answer' }), // in-progress, contacted earliest
    ])
    expect(p.workOrder.map((e) => e.number)).toEqual([n(2), n(1), n(5), n(6), n(0)])
    expect(nextInWorkOrder(p)?.number).toBe(n(2))
    expect(nextInWorkOrder(p, n(2))?.number).toBe(n(1))
  })

  it('a number TCCC refused as malformed (20003) moves behind the others, not counted as a call; a microphone refusal keeps its place', () => {
    const two = list.slice(0, 2)
    const refused = call(n(0), NOW - MIN, { outcome: 'failed', endReason: 'error', durationSec: 0, errorSymbol: 'ERR_SIPURI_WRONGFORMAT' })
    const p = plan(two, [refused])
    expect(p.status(n(0))).toBe('in-progress')
    expect(p.workOrder.map((e) => e.number)).toEqual([n(1), n(0)])
    expect(p.today.calls).toBe(0)
    const mic = call(n(0), NOW - MIN, { outcome: 'failed', endReason: 'error', durationSec: 0, errorSymbol: 'ERR_MIC_NOT_AUTHORIZED' })
    expect(plan(two, [mic]).workOrder.map((e) => e.number)).toEqual([n(0), n(1)])
  })

  it('a due callback tried since it fell due and left without a new wrap-up goes after everyone else, still a callback', () => {
    const three = list.slice(0, 3)
    const promised = call(n(0), NOW - 24 * HOUR, { disposition: 'callback', callbackAt: NOW - 30 * MIN })
    const inProgress = call(n(1), NOW - 5 * HOUR, { disposition: 'interested' })
    // The customer did not pick up the callback: no wrap-up (an optional one, only offered).
    const tried = call(n(0), NOW - 2 * MIN, { outcome: 'no-answer' })
    const p = plan(three, [tried, inProgress, promised])
    expect(p.status(n(0))).toBe('callback')
    expect(p.counts).toMatchObject({ callback: 1, 'in-progress': 1, new: 1 })
    expect(p.workOrder.map((e) => e.number)).toEqual([n(2), n(1), n(0)])
    // A contact before it fell due (the agent rang early) leaves it due at its time.
    const early = call(n(0), NOW - 40 * MIN, { outcome: 'no-answer' })
    expect(plan(three, [early, inProgress, promised]).workOrder.map((e) => e.number)).toEqual([n(0), n(2), n(1)])
    // Two tried callbacks: the one tried longest ago first.
    const otherPromise = call(n(2), NOW - 24 * HOUR, { disposition: 'callback', callbackAt: NOW - 20 * MIN })
    const triedEarlier = call(n(2), NOW - 3 * MIN, { outcome: 'no-answer' })
    expect(plan(three, [tried, triedEarlier, otherPromise, inProgress, promised]).workOrder.map((e) => e.number)).toEqual([n(1), n(2), n(0)])
    // A new wrap-up with a new time is a new promise.
    const again = call(n(0), NOW - MIN, { disposition: 'callback', callbackAt: NOW - 1 })
    expect(plan(three, [again, tried, inProgress, promised]).workOrder.map((e) => e.number)).toEqual([n(0), n(2), n(1)])
  })

  it('a dial that failed before it had a session (microphone denied, refused) leaves a new number new and first; one with a session works it', () => {
    const two = list.slice(0, 2)
    const failedEarly = call(n(0), NOW - MIN, { outcome: 'failed', endReason: 'error', durationSec: 0 })
    const p = plan(two, [failedEarly])
    expect(p.status(n(0))).toBe('new')
    expect(p.workOrder.map((e) => e.number)).toEqual([n(0), n(1)])
    expect(p.today.calls).toBe(0)
    const reachedTccc = call(n(0), NOW - MIN, { outcome: 'failed', endReason: 'error', durationSec: 0, sessionId: 's-1' })
    const q = plan(two, [reachedTccc])
    expect(q.status(n(0))).toBe('in-progress')
    expect(q.workOrder.map((e) => e.number)).toEqual([n(1), n(0)])
    // Nor is a dial cancelled before it had a session (the agent changed their mind at once);
    // one cancelled while it rang is.
    const cancelledAtOnce = call(n(0), NOW - MIN, { outcome: 'cancelled', endReason: 'local-bye', durationSec: 0 })
    expect(plan(two, [cancelledAtOnce]).status(n(0))).toBe('new')
    expect(plan(two, [cancelledAtOnce]).today.calls).toBe(0)
    expect(plan(two, [{ ...cancelledAtOnce, sessionId: 's-2' }]).status(n(0))).toBe('in-progress')
    // An inbound call the agent missed is not working the number either; one answered is.
    expect(plan(two, [call(n(0), NOW - MIN, { direction: 'in', outcome: 'missed', durationSec: 0 })]).status(n(0))).toBe('new')
    expect(plan(two, [call(n(0), NOW - MIN, { direction: 'in' })]).status(n(0))).toBe('in-progress')
  })

  it('sorts the in-progress part when a walk first reaches it, the same on every walk', () => {
    // Every number called: the walk starts with the in-progress part (nothing due, nothing new).
    const p = plan(list.slice(0, 3), [
      call(n(0), NOW - 1 * HOUR, { disposition: 'interested' }),
      call(n(1), NOW - 3 * HOUR, { outcome: 'no-answer' }),
      call(n(2), NOW - 2 * HOUR, { disposition: 'interested' }),
    ])
    expect(nextInWorkOrder(p)?.number).toBe(n(1))
    expect(nextInWorkOrder(p, n(1))?.number).toBe(n(2))
    expect([...p.walkWorkOrder()].map((e) => e.number)).toEqual([n(1), n(2), n(0)])
    expect(p.workOrder.map((e) => e.number)).toEqual([n(1), n(2), n(0)])
  })

  it('counts each status over the list, a number listed twice twice', () => {
    const twice = [...list, entry(n(0), 'customer 0, assigned list')]
    const p = plan(twice, [
      call(n(0), NOW - HOUR, { disposition: 'interested' }),
      call(n(1), NOW - HOUR, { disposition: 'callback', callbackAt: NOW + HOUR }),
      call(n(2), NOW - HOUR, { disposition: 'callback', callbackAt: NOW - HOUR }),
      call(n(3), NOW - HOUR, { disposition: 'deal' }),
      call('13999999999', NOW - HOUR, { disposition: 'deal' }), // not on the list
    ])
    expect(p.counts).toEqual({ new: 3, callback: 2, 'in-progress': 2, done: 1 })
  })

  it('moves a listed row for a call under another spelling of its phone (+86, 0086, dashes)', () => {
    const rows = [entry('13800000001'), entry('+8613800000002'), entry('13800000003'), entry('13800000004'), entry('02161234567')]
    const p = plan(rows, [
      call('+8613800000001', NOW - HOUR, { disposition: 'interested' }),
      call('13800000002', NOW - HOUR, { disposition: 'deal' }),
      call('0086 138-0000-0003', NOW - HOUR, { disposition: 'callback', callbackAt: NOW - MIN }),
      // A leading 0 that is not 0086 stays as it is: 02161234567 is not 2161234567.
      call('2161234567', NOW - HOUR, { disposition: 'deal' }),
    ])
    expect(rows.map((r) => p.status(r.number))).toEqual(['in-progress', 'done', 'callback', 'new', 'new'])
    expect(p.status('+8613800000001')).toBe('in-progress')
    expect(p.progress('0086-13800000003')).toMatchObject({ status: 'callback', callbackAt: NOW - MIN })
    expect(p.counts).toEqual({ new: 2, callback: 1, 'in-progress': 1, done: 1 })
    expect(p.workOrder.map((r) => r.number)).toEqual(['13800000003', '13800000004', '02161234567', '13800000001'])
  })

  it('works a phone listed under two spellings once, and counts both listings', () => {
    const rows = [entry('13800000001'), entry('+8613800000001'), entry('13800000005'), entry('008613800000005')]
    const p = plan(rows, [
      call('13800000001', NOW - HOUR, { disposition: 'interested' }),
      call('13800000005', NOW - 2 * HOUR, { disposition: 'callback', callbackAt: NOW - MIN }),
    ])
    expect(p.counts).toEqual({ new: 0, callback: 2, 'in-progress': 2, done: 0 })
    expect(p.workOrder.map((r) => r.number)).toEqual(['13800000005', '13800000001'])
  })

  it('lets a scheduled callback in once it is due', () => {
    const records = [call(n(3), NOW - HOUR, { disposition: 'callback', callbackAt: NOW + 30 * MIN })]
    expect(plan(list, records).workOrder[0].number).toBe(n(0))
    expect(plan(list, records, NOW + 30 * MIN).workOrder[0].number).toBe(n(3))
  })

  it('is empty when every number is done', () => {
    const p = plan(list.slice(0, 2), [call(n(0), NOW - HOUR, { disposition: 'deal' }), call(n(1), NOW - HOUR, { disposition: 'wrong-number' })])
    expect(p.workOrder).toEqual([])
    expect(nextInWorkOrder(p)).toBeUndefined()
  })
})

describe("today's stats", () => {
  it('counts calls, connected, connect rate, talk time and deals of the local day only', () => {
    const midnight = startOfLocalDay(NOW, CHINA)
    const p = plan(
      [],
      [
        call('1', NOW - HOUR, { durationSec: 120, disposition: 'deal' }),
        call('2', NOW - 2 * HOUR, { durationSec: 30, disposition: 'interested' }),
        call('3', NOW - 3 * HOUR, { outcome: 'no-answer' }),
        call('4', NOW - 4 * HOUR, { direction: 'in', outcome: 'missed' }),
        call('5', midnight + 2 * MIN, { durationSec: 10, disposition: 'deal' }), // just after midnight
        call('6', midnight - MIN, { durationSec: 300, disposition: 'deal' }), // yesterday, 23:59
      ],
    )
    expect(p.today).toEqual({ calls: 5, connected: 3, connectRate: 3 / 5, talkSeconds: 160, deals: 2 })
  })

  it('counts a call across midnight in the day it ended, the day history groups it under', () => {
    const midnight = startOfLocalDay(NOW, CHINA)
    const records = [
      call('1', midnight + 3 * MIN, { startedAt: midnight - 2 * MIN, durationSec: 240, answeredAt: midnight - MIN }), // 23:58 to 00:03
      call('2', midnight - MIN, { startedAt: midnight - 9 * MIN, durationSec: 300, answeredAt: midnight - 6 * MIN }), // 23:51 to 23:59
    ]
    expect(plan([], records).today).toMatchObject({ calls: 1, connected: 1, talkSeconds: 240 })
    const [today, yesterday] = groupByDay(records, NOW, CHINA)
    expect([today.relative, today.records.map((r) => r.number)]).toEqual(['today', ['1']])
    expect([yesterday.relative, yesterday.records.map((r) => r.number)]).toEqual(['yesterday', ['2']])
  })

  it('is all zero with no calls today', () => {
    expect(plan([], []).today).toEqual({ calls: 0, connected: 0, connectRate: 0, talkSeconds: 0, deals: 0 })
  })
})

describe('the day plan (mutation survivors)', () => {
  const n = (i: number) => `1370000000${i}`
  const list = [0, 1, 2, 3].map((i) => entry(n(i)))

  it('accepts a callback exactly 366 days ahead, not a millisecond more, and refuses a missing one', () => {
    expect(checkCallbackAt(NOW + 366 * 24 * HOUR, NOW)).toBeNull()
    expect(checkCallbackAt(NOW + 366 * 24 * HOUR + 1, NOW)).toBe('CALLBACK_TOO_FAR')
    expect(checkCallbackAt(undefined, NOW)).toBe('CALLBACK_REQUIRED')
    expect(checkCallbackAt(Number.POSITIVE_INFINITY, NOW)).toBe('CALLBACK_REQUIRED')
  })

  it('matches caller IDs with doubled pluses, a leading space or a tel: prefix to the listed number', () => {
    const listed = [entry('+8613800000001'), entry('13800000002'), entry('13800000003')]
    const p = plan(listed, [
      call('++8613800000001', NOW - HOUR, { direction: 'in', disposition: 'deal' }),
      call(' 13800000002', NOW - HOUR, { direction: 'in', disposition: 'deal' }),
      call('tel:13800000003', NOW - HOUR, { direction: 'in', disposition: 'deal' }),
    ])
    expect(listed.map((e) => p.status(e.number))).toEqual(['done', 'done', 'done'])
    expect(p.counts).toEqual({ new: 0, callback: 0, 'in-progress': 0, done: 3 })
    expect(progressFor(p, '+86 138 0000 0001').status).toBe('done')
  })

  it('folds only leading pluses: a doubled plus inside a caller ID stays as it is', () => {
    const p = plan([], [call('86++13800000004', NOW - HOUR, { direction: 'in', disposition: 'deal' })])
    expect(progressFor(p, '86++13800000004').status).toBe('done')
    expect(progressFor(p, '86+13800000004').status).toBe('new')
  })

  it('reads a caller ID without digits ("Anonymous", "-") as the empty number', () => {
    expect(progressFor(plan([], []), '').status).toBe('new')
    for (const shown of ['Anonymous', '-']) {
      const p = plan([], [call(shown, NOW - HOUR, { direction: 'in' })])
      expect(progressFor(p, '')).toMatchObject({ status: 'in-progress', lastContactAt: NOW - HOUR })
    }
  })

  it('takes only the final outcomes of the catalogue as final', () => {
    expect([...finalOutcomeCodes(DEFAULT_OUTCOMES)].sort()).toEqual(['deal', 'not-interested', 'wrong-number'])
    const finals = finalOutcomeCodes(DEFAULT_OUTCOMES)
    const p = planDay(list, [call(n(0), NOW - HOUR, { disposition: 'interested' }), call(n(1), NOW - HOUR, { disposition: 'no-answer' })], { now: NOW, zone: CHINA, finalOutcomes: finals })
    expect([p.status(n(0)), p.status(n(1))]).toEqual(['in-progress', 'in-progress'])
  })

  it('counts a call that starts exactly at local midnight as today, one starting at the next midnight not', () => {
    const midnight = startOfLocalDay(NOW, CHINA)
    const late = midnight + 24 * HOUR - MIN // 23:59
    const p = planDay([], [
      call('1', midnight + 65_000, { durationSec: 60 }), // started 00:00:00.000
      call('2', midnight + 24 * HOUR + 65_000, { durationSec: 60 }), // started at the next midnight
    ], { now: late, zone: CHINA })
    expect(p.today).toMatchObject({ calls: 1, connected: 1, talkSeconds: 60 })
  })

  it('counts a call as connected when either its answer time or its outcome says so', () => {
    const p = plan([], [
      call('1', NOW - HOUR, { durationSec: 40, answeredAt: undefined }), // answered, no answer time kept
      call('2', NOW - HOUR, { outcome: 'failed', answeredAt: NOW - HOUR - 20_000, durationSec: 20 }), // answered, then failed
      call('3', NOW - HOUR, { outcome: 'no-answer' }),
    ])
    expect(p.today).toEqual({ calls: 3, connected: 2, connectRate: 2 / 3, talkSeconds: 60, deals: 0 })
  })

  it('does not count a dial that failed before it had a session as a call of the day', () => {
    const p = plan([], [
      call('1', NOW - HOUR, { outcome: 'failed', answeredAt: undefined, durationSec: 0 }), // microphone denied: no session
      call('2', NOW - HOUR, { outcome: 'failed', answeredAt: undefined, durationSec: 0, sessionId: 'sim-2' }), // failed while ringing
      call('3', NOW - HOUR, { outcome: 'no-answer', answeredAt: undefined, durationSec: 0 }),
      call('4', NOW - HOUR, { durationSec: 30 }),
    ])
    expect(p.today).toEqual({ calls: 3, connected: 1, connectRate: 1 / 3, talkSeconds: 30, deals: 0 })
  })

  it('does not take an empty outcome for a wrap-up', () => {
    const p = plan(list, [
      call(n(0), NOW - HOUR, { disposition: '' }), // newest: a call whose wrap-up was left empty
      call(n(0), NOW - 2 * HOUR, { disposition: 'deal' }),
      call(n(1), NOW - HOUR, { direction: 'in', outcome: 'missed', disposition: '' }),
    ])
    expect(progressFor(p, n(0))).toEqual({ status: 'done', disposition: 'deal', lastContactAt: NOW - HOUR })
    expect(p.status(n(1))).toBe('new')
  })

  it('follows the newest call and the newest wrap-up when history lists them newest first', () => {
    const p = plan(list, [
      call(n(0), NOW - HOUR, { outcome: 'no-answer' }),
      call(n(0), NOW - 2 * HOUR, { disposition: 'interested' }),
      call(n(0), NOW - 3 * HOUR, { disposition: 'deal' }),
    ])
    expect(progressFor(p, n(0))).toEqual({ status: 'in-progress', disposition: 'interested', lastContactAt: NOW - HOUR })
  })

  it('of two wrap-ups ending at the same moment, keeps the one history lists first', () => {
    const p = plan(list, [
      call(n(0), NOW - HOUR, { disposition: 'interested', startedAt: NOW - HOUR - 30_000 }),
      call(n(0), NOW - HOUR, { disposition: 'deal', startedAt: NOW - HOUR - 90_000 }),
    ])
    expect(progressFor(p, n(0))).toMatchObject({ status: 'in-progress', disposition: 'interested' })
  })

  it('keeps the work order until the earliest scheduled callback is due', () => {
    const scheduled = (i: number, at: number) => call(n(i), NOW - HOUR, { disposition: 'callback', callbackAt: at })
    expect(plan(list, [scheduled(0, NOW + HOUR), scheduled(1, NOW + 2 * HOUR), scheduled(2, NOW - MIN)]).nextDueAt).toBe(NOW + HOUR)
    expect(plan(list, [scheduled(0, NOW + 2 * HOUR), scheduled(1, NOW + HOUR)]).nextDueAt).toBe(NOW + HOUR)
    expect(plan(list, [scheduled(2, NOW - MIN)]).nextDueAt).toBe(Infinity)
  })

  it('keeps list order among callbacks due at the same time', () => {
    const at = NOW - 10 * MIN
    const p = plan(list, [3, 1, 2, 0].map((i) => call(n(i), NOW - HOUR, { disposition: 'callback', callbackAt: at })))
    expect(p.workOrder.map((e) => e.number)).toEqual([n(0), n(1), n(2), n(3)])
  })

  it('keeps list order among in-progress numbers last called at the same time', () => {
    const at = NOW - HOUR
    const p = plan(list, [3, 1, 2, 0].map((i) => call(n(i), at, { disposition: 'interested' })))
    const inProgress = p.workOrder.filter((e) => p.status(e.number) === 'in-progress').map((e) => e.number)
    expect(inProgress).toEqual([n(0), n(1), n(2), n(3)])
  })

  it('gives the status "new" to a number without records', () => {
    const p = plan(list, [call(n(0), NOW - HOUR, { disposition: 'deal' })])
    expect([p.status(n(0)), p.status(n(1)), p.status('13999999999')]).toEqual(['done', 'new', 'new'])
  })
})

describe('row call stats from the synced history', () => {
  it('counts every call to a phone in any spelling, keeping the latest call\'s time and outcome', () => {
    const records = [
      call('+8613900139003', NOW - HOUR, { outcome: 'no-answer' }),
      call('13900139003', NOW - 3 * HOUR),
      call('139-0013-9003', NOW - 2 * HOUR, { outcome: 'rejected' }),
      call('13800138000', NOW - 4 * HOUR, { direction: 'in', outcome: 'missed' }),
    ]
    const stats = callStatsByPhone(records)
    expect(stats.get('13900139003')).toEqual({ callCount: 3, lastCalledAt: records[0].startedAt, lastOutcome: 'no-answer' })
    expect(stats.get('13800138000')).toEqual({ callCount: 1, lastCalledAt: records[3].startedAt, lastOutcome: 'missed' })
    expect(stats.size).toBe(2)
  })

  it('finds the latest call in any order, the first listed of two at the same moment', () => {
    const early = call('13900139003', NOW - 3 * HOUR, { outcome: 'rejected' })
    const late = call('13900139003', NOW - HOUR, { outcome: 'no-answer' })
    expect(callStatsByPhone([early, late]).get('13900139003')).toEqual({ callCount: 2, lastCalledAt: late.startedAt, lastOutcome: 'no-answer' })
    const twin = { ...late, id: 'twin', outcome: 'answered' as const }
    expect(callStatsByPhone([late, twin]).get('13900139003')?.lastOutcome).toBe('no-answer')
    expect(callStatsByPhone([twin, late]).get('13900139003')?.lastOutcome).toBe('answered')
  })

  it('shows the larger count and the later call of the entry\'s own stats and the history\'s', () => {
    const own: NumberEntry = { ...entry('13900139003'), callCount: 5, lastCalledAt: NOW - 2 * HOUR, lastOutcome: 'answered' }
    // Another phone called later: its call is the last one; the count stays this phone's larger one.
    expect(rowCallStats(own, { callCount: 2, lastCalledAt: NOW - HOUR, lastOutcome: 'rejected' })).toEqual({
      callCount: 5,
      lastCalledAt: NOW - HOUR,
      lastOutcome: 'rejected',
    })
    // The history holds more calls than this phone made, all earlier than its last.
    expect(rowCallStats(own, { callCount: 7, lastCalledAt: NOW - 3 * HOUR, lastOutcome: 'no-answer' })).toEqual({
      callCount: 7,
      lastCalledAt: NOW - 2 * HOUR,
      lastOutcome: 'answered',
    })
    // Never called on this phone: the history's alone.
    expect(rowCallStats(entry('13900139004'), { callCount: 1, lastCalledAt: NOW, lastOutcome: 'answered' })).toEqual({
      callCount: 1,
      lastCalledAt: NOW,
      lastOutcome: 'answered',
    })
    expect(rowCallStats(entry('13900139004'), undefined)).toEqual(entry('13900139004'))
    // The same moment on both sides is this phone's own call: the entry's words stand.
    expect(rowCallStats(own, { callCount: 5, lastCalledAt: NOW - 2 * HOUR, lastOutcome: 'rejected' }).lastOutcome).toBe('answered')
    // No call on either side: no time or outcome keys at all (the row says "not called yet").
    expect(rowCallStats(entry('13900139004'), { callCount: 0 })).toStrictEqual({ callCount: 0 })
    expect(rowCallStats(own, { callCount: 0 })).toStrictEqual({ callCount: 5, lastCalledAt: NOW - 2 * HOUR, lastOutcome: 'answered' })
  })
})
