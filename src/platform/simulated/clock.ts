/**
 * The simulator's notion of time. Production uses the real clock; tests use a manual clock
 * whose `advance(ms)` runs every timer that falls due, in order, synchronously.
 */

export interface SimClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface ManualClock extends SimClock {
  /** Move time forward, running each timer that falls due (timers it schedules too). */
  advance(ms: number): void
  /** How many timers are still scheduled (tests check that dispose clears them). */
  pendingTimers(): number
}

export const realClock: SimClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** 2026-01-01T00:00:00Z: a fixed, realistic epoch so mock tokens' `exp` compare sensibly. */
export const MANUAL_CLOCK_EPOCH = Date.UTC(2026, 0, 1)

interface ManualTimer {
  id: number
  due: number
  fn: () => void
}

export function createManualClock(start: number = MANUAL_CLOCK_EPOCH): ManualClock {
  let now = start
  let nextId = 1
  let timers: ManualTimer[] = []

  function nextDue(limit: number): ManualTimer | undefined {
    let best: ManualTimer | undefined
    for (const timer of timers) {
      // Earliest due first; equal due times run in scheduling order (lower id first).
      if (timer.due <= limit && (!best || timer.due < best.due || (timer.due === best.due && timer.id < best.id))) best = timer
    }
    return best
  }

  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++
      timers.push({ id, due: now + Math.max(0, ms), fn })
      return id
    },
    clearTimeout(handle) {
      timers = timers.filter((timer) => timer.id !== handle)
    },
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`advance(ms) needs a non-negative number, got ${ms}`)
      const target = now + ms
      for (let timer = nextDue(target); timer; timer = nextDue(target)) {
        timers = timers.filter((t) => t !== timer)
        now = timer.due
        timer.fn()
      }
      now = target
    },
    pendingTimers: () => timers.length,
  }
}
