import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import type { CallRecord } from '@/services/callRecord'
import { useHistoryStore } from '@/store/history'
import { useMissedStore } from '@/store/missed'
import { useSessionStore } from '@/store/session'

const record = (id: string, startedAt: number, over: Partial<CallRecord> = {}): CallRecord => ({
  id,
  number: `1370000000${id}`,
  direction: 'in',
  outcome: 'missed',
  startedAt,
  endedAt: startedAt + 1000,
  durationSec: 0,
  endReason: 'remote-cancel',
  ...over,
})

let now = 10_000

function signIn(userId = 'agent1@example.com'): void {
  useSessionStore().agent = { userId, sdkAppId: 1400000001 }
}

describe('missed calls', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    now = 10_000
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(now)
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('counts inbound missed calls after sign-in until seen, and keeps "seen" per agent', async () => {
    signIn()
    const missed = useMissedStore()
    missed.useClock(() => now)
    const history = useHistoryStore()
    history.records = [record('0', 5_000)] // before this phone's first sign-in: not announced
    expect(missed.count).toBe(0)
    history.records = [
      record('3', 12_000, { direction: 'out', outcome: 'no-answer' }),
      record('2', 11_500, { outcome: 'answered' }),
      record('1', 11_000),
      ...history.records,
    ]
    expect(missed.count).toBe(1)
    expect(missed.latest?.id).toBe('1')
    now = 13_000
    missed.markSeen()
    expect(missed.count).toBe(0)

    // A restart: seen stays seen; a new miss counts.
    setActivePinia(createPinia())
    signIn()
    const again = useMissedStore()
    const h2 = useHistoryStore()
    h2.records = [record('4', 14_000), record('1', 11_000)]
    expect(again.count).toBe(1)
    expect(again.latest?.id).toBe('4')

    // Another agent on this phone starts from their own sign-in.
    vi.setSystemTime(20_000)
    signIn('agent2@example.com')
    await nextTick()
    expect(again.count).toBe(0)
  })
})
