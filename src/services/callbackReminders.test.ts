import { describe, expect, it } from 'vitest'
import { fn } from 'jest-mock'
import { createManualClock } from '@/platform/simulated/clock'
import type { CallRecord } from './callRecord'
import { planDay } from './workday'
import { createReminderScheduler, handledOnRecords, MAX_TIMER_MS, remindersFrom, REMINDER_STALE_MS, type CallbackReminder } from './callbackReminders'

const NOW = Date.UTC(2026, 2, 10, 7, 30)
const MIN = 60_000
const HOUR = 60 * MIN

let seq = 0
function wrapped(number: string, endedAt: number, disposition: string | null, callbackAt: number | null = null, remark?: string): CallRecord {
  return {
    id: `r${++seq}`,
    number,
    ...(remark ? { remark } : {}),
    direction: 'out',
    outcome: 'answered',
    startedAt: endedAt - 60_000,
    endedAt,
    durationSec: 50,
    endReason: 'local-bye',
    disposition,
    callbackAt,
  }
}

describe('remindersFrom', () => {
  it('takes each number\'s latest wrap-up: a callback time that is not final, soonest first, with the remark', () => {
    const a = wrapped('13800000001', NOW - HOUR, 'callback', NOW + 2 * HOUR, '张伟')
    const b = wrapped('13800000002', NOW - HOUR, 'callback', NOW + HOUR)
    const superseded = wrapped('13800000003', NOW - 2 * HOUR, 'callback', NOW + HOUR)
    const later = wrapped('13800000003', NOW - HOUR, 'deal')
    const noWrapup = wrapped('13800000001', NOW - 10 * MIN, null)
    const final = wrapped('13800000004', NOW - HOUR, 'wrong-number', NOW + HOUR)
    expect(remindersFrom([noWrapup, a, b, later, superseded, final])).toEqual([
      { key: `${b.id}@${NOW + HOUR}`, recordId: b.id, number: '13800000002', at: NOW + HOUR },
      { key: `${a.id}@${NOW + 2 * HOUR}`, recordId: a.id, number: '13800000001', remark: '张伟', at: NOW + 2 * HOUR },
    ])
  })

  it('honours the business\'s final outcomes', () => {
    const r = wrapped('13800000005', NOW, 'interested', NOW + HOUR)
    expect(remindersFrom([r])).toHaveLength(1)
    expect(remindersFrom([r], new Set(['interested']))).toEqual([])
  })
})

describe('remindersFrom (mutation survivors)', () => {
  const callbackStatus = (records: CallRecord[], number: string) => planDay([], records, { now: NOW, zone: 0 }).status(number)

  it('a later call left without a wrap-up (empty outcome) keeps the callback the earlier wrap-up promised', () => {
    const promised = wrapped('13800000011', NOW - 2 * HOUR, 'callback', NOW + HOUR)
    const unwrapped = wrapped('13800000011', NOW - HOUR, '', NOW + 3 * HOUR)
    expect(remindersFrom([promised, unwrapped])).toStrictEqual([{ key: `${promised.id}@${NOW + HOUR}`, recordId: promised.id, number: '13800000011', at: NOW + HOUR }])
  })

  it('a later wrap-up replaces an earlier one whatever order the records come in', () => {
    const promised = wrapped('13800000012', NOW - 2 * HOUR, 'callback', NOW + HOUR)
    const closed = wrapped('13800000012', NOW - HOUR, 'deal')
    const moved = wrapped('13800000012', NOW - HOUR, 'callback', NOW + 5 * HOUR)
    expect(remindersFrom([promised, closed])).toEqual([])
    expect(remindersFrom([closed, promised])).toEqual([])
    expect(remindersFrom([promised, moved]).map((r) => r.at)).toEqual([NOW + 5 * HOUR])
  })

  it('on two wrap-ups ending at the same moment, agrees with the numbers page (the first recorded counts)', () => {
    const promised = wrapped('13800000013', NOW - HOUR, 'callback', NOW + HOUR)
    const closed = wrapped('13800000013', NOW - HOUR, 'deal')
    expect(callbackStatus([promised, closed], '13800000013')).toBe('callback')
    expect(remindersFrom([promised, closed]).map((r) => r.key)).toEqual([`${promised.id}@${NOW + HOUR}`])
    expect(callbackStatus([closed, promised], '13800000013')).toBe('done')
    expect(remindersFrom([closed, promised])).toEqual([])
  })

  it('counts an inbound call from the same number written otherwise (spaces, dashes) as that number, like the numbers page', () => {
    const promised = wrapped('13800000019', NOW - 2 * HOUR, 'callback', NOW + HOUR)
    const closedInbound = { ...wrapped('138-0000-0019', NOW - HOUR, 'deal'), direction: 'in' as const }
    expect(callbackStatus([promised, closedInbound], '13800000019')).toBe('done')
    expect(remindersFrom([promised, closedInbound])).toEqual([])
  })

  it('counts +86 and 0086 spellings of the number as that phone, like the numbers page: a deal closes the callback', () => {
    const promised = wrapped('13800000020', NOW - 3 * HOUR, 'callback', NOW + HOUR)
    for (const spelling of ['+8613800000020', '008613800000020']) {
      const closedInbound = { ...wrapped(spelling, NOW - HOUR, 'deal'), direction: 'in' as const }
      expect(callbackStatus([promised, closedInbound], '13800000020')).toBe('done')
      expect(remindersFrom([promised, closedInbound])).toEqual([])
    }
  })

  it('promises nothing without a usable callback time, even on an outcome that is not final', () => {
    const records = [
      wrapped('13800000014', NOW - HOUR, 'interested'),
      wrapped('13800000015', NOW - HOUR, 'callback', Number.NaN),
      wrapped('13800000016', NOW - HOUR, 'callback', Number.POSITIVE_INFINITY),
    ]
    expect(remindersFrom(records)).toEqual([])
  })

  it('shows no remark that only repeats the number, and no remark field at all without one', () => {
    const sameAsNumber = wrapped('13800000017', NOW - HOUR, 'callback', NOW + HOUR, '13800000017')
    const none = wrapped('13800000018', NOW - HOUR, 'callback', NOW + 2 * HOUR)
    expect(remindersFrom([sameAsNumber, none])).toStrictEqual([
      { key: `${sameAsNumber.id}@${NOW + HOUR}`, recordId: sameAsNumber.id, number: '13800000017', at: NOW + HOUR },
      { key: `${none.id}@${NOW + 2 * HOUR}`, recordId: none.id, number: '13800000018', at: NOW + 2 * HOUR },
    ])
  })
})

describe('handledOnRecords (a reminder handled on any phone, synced with its record)', () => {
  it("is each record's callbackHandled as the reminder's key, while it equals the callbackAt", () => {
    const handled = { ...wrapped('13800000021', NOW - HOUR, 'callback', NOW + HOUR), callbackHandled: NOW + HOUR }
    const moved = { ...wrapped('13800000022', NOW - HOUR, 'callback', NOW + 3 * HOUR), callbackHandled: NOW + HOUR }
    const never = wrapped('13800000023', NOW - HOUR, 'callback', NOW + HOUR)
    const cleared = { ...wrapped('13800000024', NOW - HOUR, 'callback', NOW + HOUR), callbackHandled: null }
    const noCallback = { ...wrapped('13800000025', NOW - HOUR, 'interested'), callbackHandled: NOW + HOUR }
    expect([...handledOnRecords([handled, moved, never, cleared, noCallback])]).toEqual([`${handled.id}@${NOW + HOUR}`])
    // The key is the reminder's: the scheduler and the banner skip exactly that one.
    expect(remindersFrom([handled, moved, never]).filter((r) => handledOnRecords([handled, moved, never]).has(r.key)).map((r) => r.number)).toEqual(['13800000021'])
  })

  it("is per promised callback, not per number: a later call's wrap-up booking a new callback for the same number still reminds", () => {
    const first = { ...wrapped('13800000026', NOW - 2 * HOUR, 'callback', NOW - HOUR), callbackHandled: NOW - HOUR }
    const rebooked = wrapped('13800000026', NOW - 10 * MIN, 'callback', NOW + HOUR)
    const reminders = remindersFrom([first, rebooked])
    expect(reminders.map((r) => r.recordId)).toEqual([rebooked.id])
    expect(handledOnRecords([first, rebooked]).has(reminders[0].key)).toBe(false)
  })
})

describe('reminder scheduler (manual clock)', () => {
  const reminder = (key: string, at: number): CallbackReminder => ({ key, recordId: key, number: `1380000${key.padStart(4, '0')}`, at })

  function setup() {
    const clock = createManualClock(NOW)
    const onDue = fn<(due: CallbackReminder[]) => void>()
    const scheduler = createReminderScheduler(clock, onDue)
    const keys = () => onDue.mock.calls.map((c) => c[0].map((r) => r.key))
    return { clock, onDue, scheduler, keys }
  }

  it('announces each reminder once, at its time, and not before', () => {
    const { clock, scheduler, keys } = setup()
    scheduler.plan([reminder('1', NOW + 10 * MIN), reminder('2', NOW + 30 * MIN), reminder('3', NOW + 30 * MIN)], new Set())
    clock.advance(10 * MIN - 1)
    expect(keys()).toEqual([])
    clock.advance(1)
    expect(keys()).toEqual([['1']])
    clock.advance(20 * MIN)
    expect(keys()).toEqual([['1'], ['2', '3']])
    clock.advance(5 * HOUR)
    expect(keys()).toHaveLength(2)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('announces due ones at once on (re)start, skipping handled and stale ones and repeats in this run', () => {
    const { scheduler, keys } = setup()
    const list = [reminder('old', NOW - REMINDER_STALE_MS - 1), reminder('due', NOW - HOUR), reminder('done', NOW - MIN), reminder('now', NOW)]
    scheduler.plan(list, new Set(['done']))
    expect(keys()).toEqual([['due', 'now']])
    scheduler.plan(list, new Set(['done']))
    expect(keys()).toHaveLength(1)
  })

  it('announces a callback exactly at the staleness limit, and not one a moment older', () => {
    const { scheduler, keys } = setup()
    scheduler.plan([reminder('edge', NOW - REMINDER_STALE_MS), reminder('older', NOW - REMINDER_STALE_MS - 1)], new Set())
    expect(keys()).toEqual([['edge']])
  })

  it('re-plans when the records change: a moved callback fires at its new time only', () => {
    const { clock, scheduler, keys } = setup()
    scheduler.plan([reminder('a', NOW + HOUR)], new Set())
    scheduler.plan([reminder('b', NOW + 2 * HOUR)], new Set())
    clock.advance(HOUR)
    expect(keys()).toEqual([])
    expect(clock.pendingTimers()).toBe(1)
    clock.advance(HOUR)
    expect(keys()).toEqual([['b']])
  })

  it('keeps a far-away reminder on short timers (no overflow) and fires it on time', () => {
    const { clock, scheduler, keys } = setup()
    scheduler.plan([reminder('far', NOW + 30 * 24 * HOUR)], new Set())
    clock.advance(MAX_TIMER_MS)
    expect(clock.pendingTimers()).toBe(1)
    clock.advance(30 * 24 * HOUR - MAX_TIMER_MS)
    expect(keys()).toEqual([['far']])
  })

  it('stop clears the timer; reset also forgets what was announced', () => {
    const { clock, scheduler, keys } = setup()
    const list = [reminder('x', NOW), reminder('y', NOW + HOUR)]
    scheduler.plan(list, new Set())
    scheduler.stop()
    expect(clock.pendingTimers()).toBe(0)
    clock.advance(2 * HOUR)
    expect(keys()).toEqual([['x']])
    scheduler.reset()
    scheduler.plan([reminder('x', clock.now())], new Set())
    expect(keys()).toEqual([['x'], ['x']])
  })
})
