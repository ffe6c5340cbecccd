import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { storage } from '../../tests/setup/uni'
import type { CallRecord } from '@/services/callRecord'
import { SyncEngine, setSyncEngine, type RemoteChange } from '@/services/sync'
import { ManualTimers } from '@/services/__tests__/fakeWorkspace'
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

  it('a clear that cannot store the calls it keeps changes nothing (it throws): the list, its storage and the standing stay as they were', () => {
    const history = useHistoryStore()
    history.record(makeRecord(1))
    const realSet = uni.setStorageSync
    uni.setStorageSync = () => {
      throw new Error('quota')
    }
    try {
      // Not stored, so not queued: the only copy is the list, and a clear keeps it.
      expect(() => history.record(makeRecord(2))).toThrow('quota')
      expect(() => history.clear()).toThrow('quota')
    } finally {
      uni.setStorageSync = realSet
    }
    // Was: the list showed only the kept call (and the standing had the cleared one) while the
    // storage still held both; a restart brought the cleared call back.
    expect(history.records.map((r) => r.id)).toEqual(['s-2', 's-1'])
    expect(history.standing).toEqual([])
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

describe('isCallRecord, field by field', () => {
  const valid = makeRecord(1)

  it('accepts every direction and outcome, and each optional field absent or in its allowed form', () => {
    for (const direction of ['in', 'out']) expect(isCallRecord({ ...valid, direction })).toBe(true)
    for (const outcome of ['answered', 'rejected', 'missed', 'cancelled', 'no-answer', 'failed']) expect(isCallRecord({ ...valid, outcome })).toBe(true)
    const { answeredAt: _a, ...unanswered } = valid
    expect(isCallRecord(unanswered)).toBe(true)
    expect(isCallRecord({ ...valid, remark: '张三', sessionId: 's-9', note: 'call back', disposition: 'sale', callbackAt: 1_700_000_999_000 })).toBe(true)
    expect(isCallRecord({ ...valid, disposition: null, callbackAt: null })).toBe(true)
    expect(isCallRecord({ ...valid, tcccDurationSec: 31, recordingUrl: 'https://rec.example/1.mp3' })).toBe(true)
    expect(isCallRecord({ ...valid, recordingUrl: null })).toBe(true)
  })

  it.each<[string, unknown]>([
    ['id', 7],
    ['id', undefined],
    ['number', 13800000000],
    ['number', undefined],
    ['remark', null],
    ['direction', undefined],
    ['direction', 1],
    ['outcome', 'won'],
    ['outcome', undefined],
    ['startedAt', undefined],
    ['startedAt', '1700000000000'],
    ['startedAt', Number.NaN],
    ['startedAt', Number.POSITIVE_INFINITY],
    ['answeredAt', null],
    ['answeredAt', 'soon'],
    ['endedAt', undefined],
    ['endedAt', Number.NaN],
    ['durationSec', undefined],
    ['durationSec', '30'],
    ['endReason', undefined],
    ['endReason', 3],
    ['sessionId', 42],
    ['sessionId', null],
    ['disposition', 3],
    ['note', null],
    ['note', 12],
    ['callbackAt', 'tomorrow'],
    ['callbackAt', Number.NaN],
    ['tcccDurationSec', null],
    ['tcccDurationSec', '12'],
    ['recordingUrl', 5],
  ])('rejects %s = %s', (field, value) => {
    expect(isCallRecord({ ...valid, [field]: value })).toBe(false)
  })

  it('rejects what is not an object', () => {
    for (const value of [null, undefined, 'record', 5, true]) expect(isCallRecord(value)).toBe(false)
  })
})

describe('history store and the outbox', () => {
  let sync: SyncEngine

  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    vi.spyOn(console, 'info').mockImplementation(() => undefined)
    sync = new SyncEngine(null, new ManualTimers())
    setSyncEngine(sync)
    sync.open(AGENT_KEY)
  })

  function queued() {
    return sync.outbox().map(({ kind, op, id, data }) => ({ kind, op, id, data }))
  }

  function storedIds(): string[] {
    const raw = storage.get(STORAGE_KEY)
    return typeof raw === 'string' ? (JSON.parse(raw) as { data: CallRecord[] }).data.map((r) => r.id) : []
  }

  it('queues a finished call as an upsert of its wire data (no id, no errorSymbol)', () => {
    const history = freshStore()
    history.record(makeRecord(1, { errorSymbol: 'NETWORK' }))
    const { id: _id, errorSymbol: _e, ...data } = makeRecord(1)
    expect(queued()).toEqual([{ kind: 'call', op: 'upsert', id: 's-1', data }])
    expect(storedIds()).toEqual(['s-1'])
  })

  it('sorts a record older than the newest by end time, ties by start time', () => {
    const history = freshStore()
    history.record(makeRecord(5))
    history.record(makeRecord(1))
    history.record(makeRecord(3))
    history.record(makeRecord(4, { id: 'same-end-later-start', endedAt: makeRecord(3).endedAt, startedAt: makeRecord(3).startedAt + 1 }))
    expect(history.records.map((r) => r.id)).toEqual(['s-5', 'same-end-later-start', 's-3', 's-1'])
  })

  it('warns with the number of malformed rows it dropped, and only then', () => {
    storage.set(STORAGE_KEY, JSON.stringify({ v: 1, data: [makeRecord(1), { id: 'x' }, 7] }))
    freshStore()
    expect(console.warn).toHaveBeenCalledWith('[history] dropped 2 malformed record(s)')
    vi.mocked(console.warn).mockClear()
    storage.set(STORAGE_KEY, JSON.stringify({ v: 1, data: [makeRecord(1)] }))
    freshStore()
    expect(console.warn).not.toHaveBeenCalled()
  })

  describe('updateWrapup', () => {
    it('writes the wrap-up fields into the record, persists it and queues only those fields', () => {
      const history = freshStore()
      history.record(makeRecord(1))
      history.record(makeRecord(2))
      sync.close()
      // Sent: the server has both calls.
      storage.delete(`tccc.a.${AGENT_KEY}.outbox`)
      sync.open(AGENT_KEY)
      const fields = { disposition: 'sale', note: 'wants a demo', callbackAt: 1_800_000_000_000 }
      expect(history.updateWrapup('s-1', fields)).toBe('saved')
      expect(history.records[1]).toMatchObject({ id: 's-1', number: makeRecord(1).number, ...fields })
      expect(history.records[0]).not.toHaveProperty('note')
      expect(freshStore().records[1]).toMatchObject(fields)
      expect(queued()).toEqual([{ kind: 'call', op: 'upsert', id: 's-1', data: fields }])
    })

    it('a call the server may not have yet (its own upsert still queued, or held over the records cap) takes its wrap-up whole: the fields alone would be refused there', () => {
      const history = freshStore()
      history.record(makeRecord(1))
      history.record(makeRecord(2))
      sync.close()
      storage.delete(`tccc.a.${AGENT_KEY}.outbox`)
      storage.set(`tccc.a.${AGENT_KEY}.overCap`, JSON.stringify({ v: 1, data: [{ kind: 'call', id: 's-2', quota: 'records' }] }))
      sync.open(AGENT_KEY)
      history.record(makeRecord(3))
      const fields = { disposition: 'sale', note: '', callbackAt: null }
      for (const id of ['s-3', 's-2', 's-1']) expect(history.updateWrapup(id, fields)).toBe('saved')
      const whole = (n: number, wrapup = {}) => {
        const { id, ...data } = makeRecord(n, wrapup)
        return { kind: 'call', op: 'upsert', id, data }
      }
      // The call queued, its wrap-up whole; the held one whole; the one on the server, the fields.
      expect(queued()).toEqual([whole(3), whole(3, fields), whole(2, fields), { kind: 'call', op: 'upsert', id: 's-1', data: fields }])
    })

    it('refuses an unknown call without saving or queueing anything', () => {
      const history = freshStore()
      history.record(makeRecord(1))
      const before = queued().length
      expect(history.updateWrapup('nope', { disposition: 'sale', note: '', callbackAt: null })).toBe('no-record')
      expect(queued()).toHaveLength(before)
      expect(history.records).toEqual([makeRecord(1)])
    })
  })

  describe('applyRemote', () => {
    function change(id: string, data: Record<string, unknown> | null, extra: Partial<RemoteChange> = {}): RemoteChange {
      return { kind: 'call', id, rev: '1', data, deleted: data === null, ...extra }
    }

    it('adds a new remote call in order at once, and saves it when the pull ends (once, not per page)', () => {
      const history = freshStore()
      history.record(makeRecord(3))
      const { id: _id, ...data } = makeRecord(2)
      history.applyRemote([change('remote-2', data)], new Set())
      expect(history.records.map((r) => r.id)).toEqual(['s-3', 'remote-2'])
      expect(storedIds()).toEqual(['s-3'])
      const { id: _id1, ...data1 } = makeRecord(1)
      history.applyRemote([change('remote-1', data1)], new Set())
      vi.mocked(uni.setStorageSync).mockClear()
      history.savePulled()
      expect(storedIds()).toEqual(['s-3', 'remote-2', 'remote-1'])
      expect(uni.setStorageSync).toHaveBeenCalledTimes(1)
      history.savePulled() // nothing pulled since: nothing written
      expect(uni.setStorageSync).toHaveBeenCalledTimes(1)
    })

    it('a local save after a pulled page writes the pulled calls too; the pull’s save then writes nothing', () => {
      const history = freshStore()
      const { id: _id, ...data } = makeRecord(2)
      history.applyRemote([change('remote-2', data)], new Set())
      history.record(makeRecord(3))
      expect(storedIds()).toEqual(['s-3', 'remote-2'])
      vi.mocked(uni.setStorageSync).mockClear()
      history.savePulled()
      expect(uni.setStorageSync).not.toHaveBeenCalled()
    })

    it('merges a partial remote change into the record it has (a wrap-up from another phone); an undefined field is dropped', () => {
      const history = freshStore()
      history.record(makeRecord(1, { remark: 'Zhang', note: 'old' }))
      history.applyRemote([change('s-1', { note: 'from the tablet', disposition: 'sale', remark: undefined })], new Set())
      expect(history.records[0]).toEqual({ ...makeRecord(1), note: 'from the tablet', disposition: 'sale' })
      expect(Object.keys(history.records[0])).not.toContain('remark')
    })

    it('skips a partial change for a call it does not have (not a whole record) with a warning', () => {
      const history = freshStore()
      history.applyRemote([change('unknown', { note: 'x' })], new Set())
      expect(history.records).toEqual([])
      expect(console.warn).toHaveBeenCalledWith('[history] remote call unknown is malformed; skipped')
      expect(storage.has(STORAGE_KEY)).toBe(false)
    })

    it('removes a deleted call (by flag or by null data) and persists; an unknown delete changes nothing', () => {
      const history = freshStore()
      history.record(makeRecord(1))
      history.record(makeRecord(2))
      history.record(makeRecord(3))
      const { id: _id, ...data } = makeRecord(2)
      history.applyRemote([change('s-1', null), change('s-2', data, { deleted: true })], new Set())
      expect(history.records.map((r) => r.id)).toEqual(['s-3'])
      history.savePulled()
      expect(storedIds()).toEqual(['s-3'])
      const records = history.records
      storage.delete(STORAGE_KEY)
      history.applyRemote([change('gone', null)], new Set())
      history.savePulled()
      expect(history.records).toBe(records)
      expect(storage.has(STORAGE_KEY)).toBe(false)
    })

    it('removes a call whose pulled data is null even without the deleted flag', () => {
      const history = freshStore()
      history.record(makeRecord(1))
      history.record(makeRecord(2))
      history.applyRemote([change('s-1', null, { deleted: false })], new Set())
      history.savePulled()
      expect(history.records.map((r) => r.id)).toEqual(['s-2'])
      expect(storedIds()).toEqual(['s-2'])
    })

    it('while nobody is signed in shows pulled calls without saving them or warning', () => {
      const history = freshStore()
      history.close()
      const { id: _id, ...data } = makeRecord(4)
      history.applyRemote([change('r-4', data)], new Set())
      history.savePulled()
      expect(history.records.map((r) => r.id)).toEqual(['r-4'])
      expect(storage.has(STORAGE_KEY)).toBe(false)
      expect(console.warn).not.toHaveBeenCalled()
    })

    it('ignores other kinds and calls with a local change still waiting', () => {
      const history = freshStore()
      history.record(makeRecord(1))
      storage.delete(STORAGE_KEY)
      const { id: _id, ...data } = makeRecord(9)
      history.applyRemote([{ ...change('n-1', data), kind: 'number' }, change('s-1', null)], new Set(['s-1']))
      expect(history.records.map((r) => r.id)).toEqual(['s-1'])
      expect(storage.has(STORAGE_KEY)).toBe(false)
    })

    it('still shows pulled calls when saving them fails, and saves them at the next pull’s end', () => {
      const history = freshStore()
      vi.mocked(uni.setStorageSync).mockImplementationOnce(() => {
        throw new Error('quota')
      })
      const { id: _id, ...data } = makeRecord(4)
      expect(history.savePulled()).toBe(true) // nothing pulled yet
      history.applyRemote([change('r-4', data)], new Set())
      // False: the sync engine then keeps its cursor, so the pull brings the call again.
      expect(history.savePulled()).toBe(false)
      expect(history.records.map((r) => r.id)).toEqual(['r-4'])
      expect(console.warn).toHaveBeenCalledWith('[history] could not save pulled calls', 'quota')
      expect(history.savePulled()).toBe(true)
      expect(storedIds()).toEqual(['r-4'])
    })
  })

  describe('the device-global history from before per-agent storage', () => {
    it('goes to the first agent with record ids, session ids kept, merged newest first, queued, then removed', () => {
      storage.set(STORAGE_KEY, JSON.stringify({ v: 1, data: [makeRecord(2, { id: 'mine' })] }))
      const legacy = [makeRecord(3, { id: 'sess-3' }), makeRecord(1, { id: 'local-1' }), makeRecord(4, { id: 'local-4', sessionId: 'sess-4' })]
      storage.set('tccc.history', JSON.stringify({ v: 1, data: legacy }))
      const history = freshStore()
      expect(storage.has('tccc.history')).toBe(false)
      const rows = history.records
      expect(rows.map((r) => r.number)).toEqual([makeRecord(4).number, makeRecord(3).number, makeRecord(2).number, makeRecord(1).number])
      expect(rows[2].id).toBe('mine')
      for (const r of [rows[0], rows[1], rows[3]]) expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      expect(rows.map((r) => r.sessionId)).toEqual(['sess-4', 'sess-3', undefined, undefined])
      expect(rows[3]).not.toHaveProperty('sessionId')
      expect(storedIds()).toEqual(rows.map((r) => r.id))
      expect(queued().map((q) => q.id).sort()).toEqual([rows[0].id, rows[1].id, rows[3].id].sort())
      expect(queued().every((q) => q.kind === 'call' && q.op === 'upsert')).toBe(true)
      expect(queued().find((q) => q.id === rows[1].id)?.data).toMatchObject({ sessionId: 'sess-3', number: makeRecord(3).number })
      expect(console.info).toHaveBeenCalledWith('[history] migrated 3 call(s) from the device-global history')
    })

    it('an empty or unreadable device-global history is removed without queueing or rewriting anything', () => {
      storage.set('tccc.history', JSON.stringify({ v: 1, data: [{ id: 'broken' }] }))
      const history = freshStore()
      expect(storage.has('tccc.history')).toBe(false)
      expect(history.records).toEqual([])
      expect(queued()).toEqual([])
      expect(storage.has(STORAGE_KEY)).toBe(false)
    })

    it('keeps the newest 1,000 of both together', () => {
      storage.set(STORAGE_KEY, JSON.stringify({ v: 1, data: Array.from({ length: 600 }, (_, i) => makeRecord(2 * i + 1)) }))
      storage.set('tccc.history', JSON.stringify({ v: 1, data: Array.from({ length: 600 }, (_, i) => makeRecord(2 * i + 2, { sessionId: `x-${i}` })) }))
      const records = freshStore().records
      expect(records).toHaveLength(1000)
      expect(records[0].number).toBe(makeRecord(1200).number)
      expect(records[999].number).toBe(makeRecord(201).number)
      expect(storedIds()).toHaveLength(1000)
    })
  })

  it('close() forgets the records and stops saving to the agent\'s key', () => {
    const history = freshStore()
    history.record(makeRecord(1))
    history.close()
    expect(history.records).toEqual([])
    storage.delete(STORAGE_KEY)
    history.record(makeRecord(2))
    history.clear()
    expect(storage.has(STORAGE_KEY)).toBe(false)
  })
})

describe('history store (mutation survivors)', () => {
  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })

  /** One outbound answered call, one missed inbound call, one outbound call wrapped up as a sale. */
  function threeCalls() {
    const history = freshStore()
    history.record(makeRecord(1))
    history.record(makeRecord(2, { direction: 'in', outcome: 'missed', endReason: 'remote-cancel' }))
    history.record(makeRecord(3, { disposition: 'sale', remark: 'Zhang' }))
    return history
  }
  const shownIds = (history: ReturnType<typeof useHistoryStore>) => history.visible.map((r) => r.id)

  it('a new agent with nothing stored starts empty without a warning about dropped records', () => {
    expect(freshStore().records).toEqual([])
    expect(console.warn).not.toHaveBeenCalled()
  })

  it('orders a loaded history by end time, not start time, and equal ends by the later start', () => {
    const long = makeRecord(1, { id: 'long', endedAt: makeRecord(9).endedAt }) // started first, ended last
    const short = makeRecord(5, { id: 'short' })
    storage.set(STORAGE_KEY, JSON.stringify({ v: 1, data: [short, long] }))
    expect(freshStore().records.map((r) => r.id)).toEqual(['long', 'short'])
    const early = makeRecord(3, { id: 'early', endedAt: makeRecord(8).endedAt })
    const late = makeRecord(4, { id: 'late', endedAt: makeRecord(8).endedAt })
    for (const data of [[early, late], [late, early]]) {
      storage.set(STORAGE_KEY, JSON.stringify({ v: 1, data }))
      expect(freshStore().records.map((r) => r.id)).toEqual(['late', 'early'])
    }
  })

  it('shows every call, wrapped up or not, until the agent searches or filters', () => {
    const history = threeCalls()
    expect(history.query).toEqual({ text: '', direction: 'all', missedOnly: false, disposition: null })
    expect(history.filterKind).toBe('all')
    expect(shownIds(history)).toEqual(['s-3', 's-2', 's-1'])
  })

  it('search and the which-calls chip narrow together, and each keeps the other', () => {
    const history = threeCalls()
    history.setFilterKind('out')
    expect(history.filterKind).toBe('out')
    expect(shownIds(history)).toEqual(['s-3', 's-1'])
    history.setSearch('zhang')
    expect(shownIds(history)).toEqual(['s-3'])
    history.setFilterKind('missed')
    expect(history.filterKind).toBe('missed')
    expect(history.query).toMatchObject({ text: 'zhang', missedOnly: true })
    expect(shownIds(history)).toEqual([])
    history.setSearch('')
    expect(shownIds(history)).toEqual(['s-2'])
  })

  it('a tapped outcome filters by it; the same one again, or none, shows all', () => {
    const history = threeCalls()
    history.setSearch('1380000')
    history.toggleDisposition('sale')
    expect(history.query).toMatchObject({ text: '1380000', disposition: 'sale' })
    expect(shownIds(history)).toEqual(['s-3'])
    history.toggleDisposition('sale')
    expect(history.query.disposition).toBeNull()
    expect(shownIds(history)).toEqual(['s-3', 's-2', 's-1'])
    history.toggleDisposition('deal')
    expect(shownIds(history)).toEqual([])
    history.toggleDisposition(null)
    expect(history.query.disposition).toBeNull()
    expect(shownIds(history)).toEqual(['s-3', 's-2', 's-1'])
  })

  it('names the day of a call by the real clock, moves on a tick, and takes a test clock', () => {
    const endedAt = makeRecord(1).endedAt
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(endedAt + 60_000)
      const history = freshStore()
      history.record(makeRecord(1))
      expect(history.days.map((d) => d.relative)).toEqual(['today'])
      vi.setSystemTime(endedAt + 86_400_000)
      expect(history.days.map((d) => d.relative)).toEqual(['today']) // not before the page ticks
      history.tick()
      expect(history.days.map((d) => d.relative)).toEqual(['yesterday'])
      history.useClock(() => endedAt + 5 * 86_400_000)
      expect(history.days.map((d) => d.relative)).toEqual(['date'])
    } finally {
      vi.useRealTimers()
    }
  })

  it("plays the asked call's recording, and nothing for a call without one or an unknown call", () => {
    const open = vi.fn()
    vi.stubGlobal('open', open)
    try {
      const history = freshStore()
      history.record(makeRecord(1, { recordingUrl: 'https://rec.example/1.mp3' }))
      history.record(makeRecord(2))
      history.record(makeRecord(3, { recordingUrl: 'https://rec.example/3.mp3' }))
      expect(history.openRecording('s-1')).toBe(true)
      expect(open.mock.calls).toEqual([['https://rec.example/1.mp3', '_blank', 'noopener']])
      expect(history.openRecording('s-2')).toBe(false)
      expect(history.openRecording('nope')).toBe(false)
      expect(open).toHaveBeenCalledTimes(1)
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('counts the calls behind each which-calls chip', () => {
    expect(threeCalls().filterCounts).toEqual({ all: 3, in: 1, out: 2, missed: 1 })
  })

  it('an ordinary sign-in reports no migration from the device-global history', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined)
    freshStore()
    expect(info).not.toHaveBeenCalled()
  })

  it('signing out forgets the search and filters, so the next agent sees every call', () => {
    const history = threeCalls()
    history.setSearch('zhang')
    history.setFilterKind('missed')
    history.toggleDisposition('sale')
    history.close()
    expect(history.query).toEqual({ text: '', direction: 'all', missedOnly: false, disposition: null })
    history.open(AGENT_KEY)
    expect(shownIds(history)).toEqual(['s-3', 's-2', 's-1'])
  })

  it('a call that ended with the newest but started earlier goes after it, as it does after a restart', () => {
    const endedAt = makeRecord(8).endedAt
    const history = freshStore()
    history.record(makeRecord(4, { id: 'late', endedAt }))
    history.record(makeRecord(3, { id: 'early', endedAt }))
    expect(history.records.map((r) => r.id)).toEqual(['late', 'early'])
    expect(freshStore().records.map((r) => r.id)).toEqual(['late', 'early'])
  })
})

describe('markCallbackHandled (a reminder handled on one phone, for the agent\'s others)', () => {
  let sync: SyncEngine
  const AT = 1_800_000_000_000

  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    sync = new SyncEngine(null, new ManualTimers())
    setSyncEngine(sync)
    sync.open(AGENT_KEY)
  })

  const queued = () => sync.outbox().map(({ kind, op, id, data }) => ({ kind, op, id, data }))
  const booked = (n: number) => makeRecord(n, { disposition: 'callback', callbackAt: AT })

  it('writes callbackHandled into the record, keeps it across a restart, and queues only that field (once)', () => {
    const history = freshStore()
    history.record(booked(1))
    history.record(booked(2))
    // Sent: the server has both calls (one it may not have takes the change whole, as a wrap-up).
    sync.close()
    storage.delete(`tccc.a.${AGENT_KEY}.outbox`)
    sync.open(AGENT_KEY)
    const before = queued().length
    expect(history.markCallbackHandled('s-1', AT)).toBe('saved')
    expect(history.records.find((r) => r.id === 's-1')?.callbackHandled).toBe(AT)
    expect(history.records.find((r) => r.id === 's-2')).not.toHaveProperty('callbackHandled')
    expect(queued().slice(before)).toEqual([{ kind: 'call', op: 'upsert', id: 's-1', data: { callbackHandled: AT } }])
    expect(history.markCallbackHandled('s-1', AT)).toBe('saved')
    expect(queued().slice(before)).toHaveLength(1)
    // Offline the change waits in the stored outbox; a restart has both the record and the change.
    expect(freshStore().records.find((r) => r.id === 's-1')?.callbackHandled).toBe(AT)
    const again = new SyncEngine(null, new ManualTimers())
    again.open(AGENT_KEY)
    expect(again.outbox().map(({ id, data }) => ({ id, data })).slice(before)).toEqual([{ id: 's-1', data: { callbackHandled: AT } }])
  })

  it('a call not queued yet (storage was full when it ended) goes in full, with the field', () => {
    const history = freshStore()
    const realSet = uni.setStorageSync
    uni.setStorageSync = () => {
      throw new Error('quota')
    }
    expect(() => history.record(booked(3))).toThrow('quota')
    uni.setStorageSync = realSet
    const before = queued().length
    expect(history.markCallbackHandled('s-3', AT)).toBe('saved')
    const { id: _id, ...data } = { ...booked(3), callbackHandled: AT }
    expect(queued().slice(before)).toEqual([{ kind: 'call', op: 'upsert', id: 's-3', data }])
  })

  it('a failed write changes nothing and says so; an unknown call is no-record', () => {
    const history = freshStore()
    history.record(booked(4))
    const before = queued().length
    const realSet = uni.setStorageSync
    uni.setStorageSync = () => {
      throw new Error('quota')
    }
    try {
      expect(history.markCallbackHandled('s-4', AT)).toBe('not-saved')
    } finally {
      uni.setStorageSync = realSet
    }
    expect(history.records[0]).not.toHaveProperty('callbackHandled')
    expect(queued()).toHaveLength(before)
    expect(history.markCallbackHandled('nope', AT)).toBe('no-record')
  })

  it('a call beyond the history (its standing copy) is marked there and queued', () => {
    const history = freshStore()
    history.record(booked(5))
    // Sent: the server has the call (one still queued whole stays at a clear).
    sync.close()
    storage.delete(`tccc.a.${AGENT_KEY}.outbox`)
    sync.open(AGENT_KEY)
    history.clear()
    expect(history.records).toEqual([])
    const before = queued().length
    expect(history.markCallbackHandled('s-5', AT)).toBe('saved')
    expect(history.statusRecords.find((r) => r.id === 's-5')?.callbackHandled).toBe(AT)
    expect(queued().slice(before)).toEqual([{ kind: 'call', op: 'upsert', id: 's-5', data: { callbackHandled: AT } }])
    // Kept in the stored standing, so a restart still knows it.
    expect(freshStore().statusRecords.find((r) => r.id === 's-5')?.callbackHandled).toBe(AT)
  })

  it('a handled reminder stays handled for a call that leaves the history (the standing keeps callbackHandled)', () => {
    const history = freshStore()
    history.record({ ...booked(7), callbackHandled: AT })
    history.clear()
    expect(history.statusRecords.find((r) => r.id === 's-7')?.callbackHandled).toBe(AT)
  })

  it('a pull brings another phone\'s callbackHandled into the record; a malformed one is skipped', () => {
    const history = freshStore()
    history.record(booked(6))
    const { id: _id, ...data } = booked(6)
    history.applyRemote([{ kind: 'call', id: 's-6', rev: '9', deleted: false, data: { ...data, callbackHandled: AT } } as RemoteChange], new Set())
    expect(history.records[0].callbackHandled).toBe(AT)
    expect(isCallRecord({ ...booked(6), callbackHandled: null })).toBe(true)
    for (const bad of ['1800000000000', {}, true]) expect(isCallRecord({ ...booked(6), callbackHandled: bad })).toBe(false)
  })
})

describe('a pulled change to a call beyond the history (its standing copy)', () => {
  const AT = 1_800_000_000_000

  it("another phone's callbackHandled replaces the standing copy of the same call, so the reminder stops here too", () => {
    // The booked call, then 1,000 newer ones: it lives only in the standing.
    const booked = makeRecord(1, { disposition: 'callback', callbackAt: AT })
    const newer = Array.from({ length: 1000 }, (_, i) => makeRecord(i + 10))
    storage.set(STORAGE_KEY, JSON.stringify({ v: 1, data: [...newer].reverse() }))
    storage.set(`tccc.a.${AGENT_KEY}.standing`, JSON.stringify({ v: 1, data: [booked] }))
    const history = freshStore()
    expect(history.records.map((r) => r.id)).not.toContain('s-1')
    expect(history.statusRecords.find((r) => r.id === 's-1')).not.toHaveProperty('callbackHandled')
    const { id: _id, ...data } = booked
    history.applyRemote([{ kind: 'call', id: 's-1', rev: '9', deleted: false, data: { ...data, callbackHandled: AT } } as RemoteChange], new Set())
    expect(history.statusRecords.filter((r) => r.id === 's-1').map((r) => r.callbackHandled)).toEqual([AT])
    expect(history.savePulled()).toBe(true)
    expect(freshStore().statusRecords.find((r) => r.id === 's-1')?.callbackHandled).toBe(AT)
  })

  it("another phone's corrected wrap-up of that call replaces its standing copy (a callback moved, or closed as final)", () => {
    const booked = makeRecord(1, { disposition: 'callback', callbackAt: AT })
    const newer = Array.from({ length: 1000 }, (_, i) => makeRecord(i + 10))
    storage.set(STORAGE_KEY, JSON.stringify({ v: 1, data: [...newer].reverse() }))
    storage.set(`tccc.a.${AGENT_KEY}.standing`, JSON.stringify({ v: 1, data: [booked] }))
    const history = freshStore()
    const { id: _id, ...data } = booked
    history.applyRemote([{ kind: 'call', id: 's-1', rev: '9', deleted: false, data: { ...data, disposition: 'not-interested', callbackAt: null } } as RemoteChange], new Set())
    expect(history.statusRecords.filter((r) => r.id === 's-1').map((r) => r.disposition)).toEqual(['not-interested'])
  })
})
