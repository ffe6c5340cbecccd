import { describe, expect, it } from 'vitest'
import { fn } from 'jest-mock'
import { createManualClock } from '@/platform/simulated/clock'
import type { CallRecord } from './callRecord'
import { createReminderScheduler, MAX_TIMER_MS, remindersFrom, REMINDER_STALE_MS, type CallbackReminder } from './callbackReminders'

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
      { key: `${b.id}@${NOW + HOUR}`, number: '13800000002', at: NOW + HOUR },
      { key: `${a.id}@${NOW + 2 * HOUR}`, number: '13800000001', remark: '张伟', at: NOW + 2 * HOUR },
    ])
  })

  it('honours the business\'s final outcomes', () => {
    const r = wrapped('13800000005', NOW, 'interested', NOW + HOUR)
    expect(remindersFrom([r])).toHaveLength(1)
    expect(remindersFrom([r], new Set(['interested']))).toEqual([])
  })
})

describe('reminder scheduler (manual clock)', () => {
  const reminder = (key: string, at: number): CallbackReminder => ({ key, number: `1380000${key.padStart(4, '0')}`, at })

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
