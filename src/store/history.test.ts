import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { storage } from '../../tests/setup/uni'
import type { CallRecord } from '@/services/callRecord'
import { HISTORY_LIMIT, isCallRecord, useHistoryStore } from './history'

const AGENT_KEY = 'agent1'
const STORAGE_KEY = `tccc.a.${AGENT_KEY}.history`

function makeRecord(n: number, overrides: Partial<CallRecord> = {}): CallRecord {
  const startedAt = 1_700_000_000_000 + n * 60_000
  return {
    id: `s-${n}`,
    number: `1380000${String(n).padStart(4, '0')}`,
    direction: 'out',
    outcome: 'answered',
    startedAt,
    answeredAt: startedAt + 5_000,
    endedAt: startedAt + 35_000,
    durationSec: 30,
    endReason: 'local-bye',
    ...overrides,
  }
}

/** A new pinia is what a restarted app gets: the store loads from storage again. */
function freshStore() {
  setActivePinia(createPinia())
  const store = useHistoryStore()
  store.open(AGENT_KEY)
  return store
}

describe('history store', () => {
  beforeEach(() => {
    freshStore()
  })

  it('starts empty without stored history', () => {
    expect(useHistoryStore().records).toEqual([])
  })

  it('keeps records newest first', () => {
    const history = useHistoryStore()
    history.record(makeRecord(1))
    history.record(makeRecord(2, { direction: 'in', outcome: 'missed', endReason: 'remote-cancel' }))
    history.record(makeRecord(3))
    expect(history.records.map((r) => r.id)).toEqual(['s-3', 's-2', 's-1'])
  })

  it('places a record that ended earlier after the newer ones', () => {
    const history = useHistoryStore()
    history.record(makeRecord(5))
    history.record(makeRecord(2))
    expect(history.records.map((r) => r.id)).toEqual(['s-5', 's-2'])
  })

  it('replaces a record with the same id instead of duplicating it', () => {
    const history = useHistoryStore()
    history.record(makeRecord(1, { outcome: 'no-answer' }))
    history.record(makeRecord(1, { outcome: 'answered' }))
    expect(history.records).toHaveLength(1)
    expect(history.records[0].outcome).toBe('answered')
  })

  // Literal 1000 (the documented cap), not HISTORY_LIMIT: a changed constant must fail here.
  it('keeps only the newest 1,000 records', () => {
    // A full stored history (oldest first, as an older app version might have written it)...
    const full = Array.from({ length: 1000 }, (_, i) => makeRecord(i + 1))
    storage.set(STORAGE_KEY, JSON.stringify({ v: 1, data: full }))
    const history = freshStore()
    expect(history.records).toHaveLength(1000)
    expect(history.records[0].id).toBe('s-1000')
    // ...then five more calls push the five oldest out.
    for (let n = 1001; n <= 1005; n++) history.record(makeRecord(n))
    expect(history.records).toHaveLength(1000)
    expect(history.records[0].id).toBe('s-1005')
    expect(history.records[999].id).toBe('s-6')
    expect(freshStore().records).toHaveLength(1000)
    expect(HISTORY_LIMIT).toBe(1000)
  })

  it('trims an over-long stored history to the newest 1,000 when loading', () => {
    const stored = Array.from({ length: 1200 }, (_, i) => makeRecord(i + 1))
    storage.set(STORAGE_KEY, JSON.stringify({ v: 1, data: stored }))
    const records = freshStore().records
    expect(records).toHaveLength(1000)
    expect(records[0].id).toBe('s-1200')
    expect(records[999].id).toBe('s-201')
  })

  it('persists across a new pinia (app restart)', () => {
    const history = useHistoryStore()
    history.record(makeRecord(1, { remark: '张三' }))
    history.record(makeRecord(2, { direction: 'in', outcome: 'rejected', endReason: 'rejected' }))
    const restarted = freshStore()
    expect(restarted.records.map((r) => r.id)).toEqual(['s-2', 's-1'])
    expect(restarted.records[1].remark).toBe('张三')
    expect(restarted.records[0]).toMatchObject({ direction: 'in', outcome: 'rejected' })
  })

  it('clear() empties the list and the storage', () => {
    const history = useHistoryStore()
    history.record(makeRecord(1))
    history.clear()
    expect(history.records).toEqual([])
    expect(storage.has(STORAGE_KEY)).toBe(false)
    expect(freshStore().records).toEqual([])
  })

  it('falls back to an empty history when storage holds invalid JSON', () => {
    storage.set(STORAGE_KEY, '{not json')
    const history = freshStore()
    expect(history.records).toEqual([])
    history.record(makeRecord(1))
    expect(freshStore().records).toHaveLength(1)
  })

  it('falls back to an empty history when storage holds another shape or version', () => {
    storage.set(STORAGE_KEY, JSON.stringify({ v: 1, data: { not: 'a list' } }))
    expect(freshStore().records).toEqual([])
    storage.set(STORAGE_KEY, JSON.stringify({ v: 99, data: [makeRecord(1)] }))
    expect(freshStore().records).toEqual([])
  })

  it('drops only the malformed rows of a partly corrupted history', () => {
    const rows: unknown[] = [makeRecord(2), { id: 'broken' }, null, makeRecord(1, { outcome: 'bogus' as never }), makeRecord(1)]
    storage.set(STORAGE_KEY, JSON.stringify({ v: 1, data: rows }))
    expect(freshStore().records.map((r) => r.id)).toEqual(['s-2', 's-1'])
  })
})

describe('isCallRecord', () => {
  it('accepts a complete record and rejects missing or wrong fields', () => {
    expect(isCallRecord(makeRecord(1))).toBe(true)
    expect(isCallRecord({ ...makeRecord(1), direction: 'sideways' })).toBe(false)
    expect(isCallRecord({ ...makeRecord(1), endedAt: 'yesterday' })).toBe(false)
    expect(isCallRecord({ ...makeRecord(1), remark: 5 })).toBe(false)
  })
})
