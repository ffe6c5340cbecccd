import { describe, expect, it } from 'vitest'
import { createManualClock } from './clock'

describe('manual clock (mutation survivors)', () => {
  it('runs the earlier timer first whatever the scheduling order', () => {
    const c = createManualClock(0)
    const order: string[] = []
    c.setTimeout(() => order.push('first@10'), 10)
    c.setTimeout(() => order.push('second@20'), 20)
    c.setTimeout(() => order.push('third@15'), 15)
    c.advance(20)
    expect(order).toEqual(['first@10', 'third@15', 'second@20'])
  })

  it('runs timers due at the same time in scheduling order', () => {
    const c = createManualClock(0)
    const order: string[] = []
    for (const name of ['a', 'b', 'c']) c.setTimeout(() => order.push(name), 5)
    c.advance(5)
    expect(order).toEqual(['a', 'b', 'c'])
  })

  it('advance(0) runs what is due now; a negative or NaN step is refused, naming it, and runs nothing', () => {
    const c = createManualClock(100)
    const ran: number[] = []
    c.setTimeout(() => ran.push(c.now()), 0)
    c.setTimeout(() => ran.push(c.now()), -50)
    c.advance(0)
    expect(ran).toEqual([100, 100])
    c.setTimeout(() => ran.push(c.now()), 0)
    expect(() => c.advance(-1)).toThrow(new RangeError('advance(ms) needs a non-negative number, got -1'))
    expect(() => c.advance(NaN)).toThrow(RangeError)
    expect(ran).toEqual([100, 100])
    expect(c.now()).toBe(100)
    expect(c.pendingTimers()).toBe(1)
  })
})
