import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createManualClock } from '@/platform/simulated/clock'
import { RECOVERED_DISPLAY_MS, setConnectionTimers, useConnectionStore } from '@/store/connection'

beforeEach(() => {
  setActivePinia(createPinia())
})

afterEach(() => {
  setConnectionTimers(null)
  vi.useRealTimers()
})

describe('connection store', () => {
  it('starts ok and follows lost -> reconnecting -> recovered -> ok (injected clock)', () => {
    const clock = createManualClock()
    setConnectionTimers(clock)
    const connection = useConnectionStore()
    expect(connection.state).toBe('ok')
    connection.markLost('sip')
    expect(connection.state).toBe('lost')
    expect(connection.server).toBe('sip')
    connection.markReconnecting('sip')
    expect(connection.state).toBe('reconnecting')
    connection.markRecovered('sip')
    expect(connection.state).toBe('recovered')
    clock.advance(RECOVERED_DISPLAY_MS - 1)
    expect(connection.state).toBe('recovered')
    clock.advance(1)
    expect(connection.state).toBe('ok')
    expect(clock.pendingTimers()).toBe(0)
  })

  it('works with the real timers too (fake timers)', () => {
    vi.useFakeTimers()
    const connection = useConnectionStore()
    connection.markLost()
    connection.markRecovered()
    vi.advanceTimersByTime(RECOVERED_DISPLAY_MS)
    expect(connection.state).toBe('ok')
  })

  it('a new loss during "recovered" cancels the return to ok', () => {
    const clock = createManualClock()
    setConnectionTimers(clock)
    const connection = useConnectionStore()
    connection.markLost()
    connection.markRecovered()
    connection.markLost()
    clock.advance(RECOVERED_DISPLAY_MS * 2)
    expect(connection.state).toBe('lost')
    expect(clock.pendingTimers()).toBe(0)
  })

  it('ignores a recovery when nothing was lost', () => {
    const connection = useConnectionStore()
    connection.markRecovered()
    expect(connection.state).toBe('ok')
  })

  it('reset goes straight back to ok and cancels the timer', () => {
    const clock = createManualClock()
    setConnectionTimers(clock)
    const connection = useConnectionStore()
    connection.markLost()
    connection.markRecovered()
    connection.reset()
    expect(connection.state).toBe('ok')
    expect(clock.pendingTimers()).toBe(0)
  })
})
