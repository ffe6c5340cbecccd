import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import type { CallRecord } from '@/services/callRecord'
import { useHistoryStore } from '@/store/history'
import { isMissedInbound, useMissedStore } from '@/store/missed'
import { storage } from '../../tests/setup/uni'
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

  describe('the seen moment (edges)', () => {
    const KEY = 'tccc.a.agent1%40example%2Ecom.missedSeen'
    const stored = (): unknown => (storage.has(KEY) ? JSON.parse(storage.get(KEY) as string) : undefined)
    const uniMock = (): { setStorageSync: { mock: { calls: unknown[][] } } } => (globalThis as unknown as { uni: { setStorageSync: { mock: { calls: unknown[][] } } } }).uni

    it('keeps the first sign-in on this phone as the seen moment under the agent\'s own key', () => {
      signIn()
      useMissedStore()
      expect(stored()).toEqual({ v: 1, data: 10_000 })
    })

    it('does not write a stored seen moment again at sign-in', () => {
      storage.set(KEY, JSON.stringify({ v: 1, data: 4_000 }))
      signIn()
      const missed = useMissedStore()
      expect(missed.seenAt).toBe(4_000)
      expect(uniMock().setStorageSync.mock.calls.filter(([key]) => key === KEY)).toEqual([])
    })

    it('a restart keeps the first sign-in: a call missed in between still counts', () => {
      signIn()
      useMissedStore()
      setActivePinia(createPinia())
      vi.setSystemTime(20_000)
      signIn()
      const missed = useMissedStore()
      useHistoryStore().records = [record('1', 15_000)]
      expect(missed.seenAt).toBe(10_000)
      expect(missed.count).toBe(1)
    })

    it.each([
      ['text', 'x'],
      ['not a finite number', null],
    ])('reads an unreadable stored moment (%s) as none and starts from now', (_, data) => {
      storage.set(KEY, data === null ? '{"v":1,"data":1e999}' : JSON.stringify({ v: 1, data }))
      signIn()
      const missed = useMissedStore()
      useHistoryStore().records = [record('1', 11_000)]
      expect(missed.seenAt).toBe(10_000)
      expect(missed.count).toBe(1)
      expect(stored()).toEqual({ v: 1, data: 10_000 })
    })

    it('works signed out: nothing stored, nothing missed from before the store started', () => {
      const missed = useMissedStore()
      useHistoryStore().records = [record('1', 5_000)]
      expect(missed.seenAt).toBe(10_000)
      expect(missed.count).toBe(0)
      expect(storage.size).toBe(0)
    })

    it('a call that started exactly at the seen moment is not new', () => {
      signIn()
      const missed = useMissedStore()
      useHistoryStore().records = [record('1', 10_000)]
      expect(missed.count).toBe(0)
    })

    it('counts only inbound missed calls', () => {
      expect(isMissedInbound(record('1', 1, { direction: 'out', outcome: 'missed' }))).toBe(false)
      expect(isMissedInbound(record('1', 1, { outcome: 'answered' }))).toBe(false)
      expect(isMissedInbound(record('1', 1))).toBe(true)
    })

    it('marking seen moves past every unseen call, and past a call that started after the clock', () => {
      signIn()
      const missed = useMissedStore()
      missed.useClock(() => 12_500)
      useHistoryStore().records = [record('3', 13_000), record('2', 12_000), record('1', 11_000)]
      expect(missed.count).toBe(3)
      missed.markSeen()
      expect(missed.seenAt).toBe(13_000)
      expect(missed.count).toBe(0)
      expect(stored()).toEqual({ v: 1, data: 13_000 })
    })

    it('marking seen uses the store\'s clock', () => {
      signIn()
      const missed = useMissedStore()
      missed.useClock(() => 50_000)
      useHistoryStore().records = [record('1', 11_000)]
      missed.markSeen()
      expect(missed.seenAt).toBe(50_000)
    })

    it('marking seen with nothing unseen moves nothing (a call synced later with an earlier start still counts)', () => {
      signIn()
      const missed = useMissedStore()
      missed.useClock(() => 30_000)
      missed.markSeen()
      expect(missed.seenAt).toBe(10_000)
      expect(stored()).toEqual({ v: 1, data: 10_000 })
      useHistoryStore().records = [record('1', 20_000)]
      expect(missed.count).toBe(1)
    })

    it('a failed save still marks the calls seen for now, and says why', () => {
      signIn()
      const missed = useMissedStore()
      useHistoryStore().records = [record('1', 11_000)]
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
      ;(globalThis as unknown as { uni: { setStorageSync: () => void } }).uni.setStorageSync = () => {
        throw new Error('quota')
      }
      missed.markSeen()
      expect(missed.count).toBe(0)
      expect(warn).toHaveBeenCalledWith('[missed] could not keep the seen time', expect.objectContaining({ message: 'quota' }))
      warn.mockRestore()
    })

    it('marking seen while signed out keeps nothing and warns about nothing', () => {
      const missed = useMissedStore()
      useHistoryStore().records = [record('1', 11_000)]
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
      missed.markSeen()
      expect(missed.count).toBe(0)
      expect(warn).not.toHaveBeenCalled()
      expect(storage.size).toBe(0)
      warn.mockRestore()
    })
  })
})
