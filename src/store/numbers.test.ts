import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import fc from 'fast-check'
import { storage } from '../../tests/setup/uni'
import type { CallRecord } from '@/services/callRecord'
import { NumberError, type NumberErrorSymbol } from '@/services/numbers'
import { getSync, type RemoteChange } from '@/services/sync'
import { useNumbersStore } from './numbers'
import { freshStore, numbersStorage, stored } from './__tests__/numbersHarness'

function errorOf(action: () => unknown): NumberErrorSymbol | undefined {
  try {
    action()
  } catch (err) {
    if (err instanceof NumberError) return err.symbol
    throw err
  }
  return undefined
}

/** Every storage write fails from now on (storage full), until the next test. */
function failStorage(): void {
  uni.setStorageSync = (() => {
    throw new Error('quota exceeded')
  }) as typeof uni.setStorageSync
}

function callRecord(number: string, overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    id: 's1',
    number,
    direction: 'out',
    outcome: 'answered',
    startedAt: 1_700_000_000_000,
    answeredAt: 1_700_000_001_000,
    endedAt: 1_700_000_060_000,
    durationSec: 59,
    endReason: 'local-bye',
    ...overrides,
  }
}

describe('useNumbersStore', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
  })

  it('adds normalised numbers newest first, the remark defaulting to the number', () => {
    const store = freshStore()
    store.add('138 0013-8000', 'Zhang San')
    store.add('110')
    expect(store.entries.map((e) => [e.number, e.remark, e.callCount])).toEqual([
      ['110', '110', 0],
      ['13800138000', 'Zhang San', 0],
    ])
  })

  it('refuses invalid input and duplicates of the normalised form with typed errors', () => {
    const store = freshStore()
    store.add('13800138000')
    expect(errorOf(() => store.add('138-0013-8000'))).toBe('NUMBER_DUPLICATE')
    expect(errorOf(() => store.add('12'))).toBe('NUMBER_TOO_SHORT')
    expect(errorOf(() => store.add('abc'))).toBe('NUMBER_NOT_DIGITS')
    expect(errorOf(() => store.add('110', 'x'.repeat(51)))).toBe('REMARK_TOO_LONG')
    expect(store.entries).toHaveLength(1)
  })

  it('treats +86 and 0086 spellings as the listed phone: add, edit and import refuse the second copy', () => {
    const store = freshStore()
    store.add('13900139003', 'Plain')
    store.add('+8613900139004', 'Prefixed')
    expect(errorOf(() => store.add('+8613900139003'))).toBe('NUMBER_DUPLICATE')
    expect(errorOf(() => store.add('008613900139003'))).toBe('NUMBER_DUPLICATE')
    expect(errorOf(() => store.add('13900139004'))).toBe('NUMBER_DUPLICATE')
    // Another entry may not take the phone; the entry itself may change its spelling.
    expect(errorOf(() => store.update('13900139003', '13900139004', 'x'))).toBe('NUMBER_DUPLICATE')
    expect(store.update('13900139003', '+8613900139003', 'Plain').number).toBe('+8613900139003')
    const summary = store.importText('13900139005,a\n+8613900139005,b\n0086 13900139004,c\n13900139003,d')
    expect(summary).toMatchObject({ added: 1, duplicates: 3 })
    expect(summary.duplicateLines.map((l) => l.line)).toEqual([2, 3, 4])
    expect(store.entries.map((e) => e.number)).toEqual(['13900139005', '+8613900139004', '+8613900139003'])
  })

  it('edits in place; keeping its own number is fine, taking another listed one is not', () => {
    const store = freshStore()
    store.add('110', 'Police')
    store.add('120', 'Ambulance')
    store.noteCall(callRecord('120'))
    store.update('120', '1 2 0', 'Hospital')
    expect(store.entries[0]).toMatchObject({ number: '120', remark: 'Hospital', callCount: 1 })
    expect(errorOf(() => store.update('120', '110', 'x'))).toBe('NUMBER_DUPLICATE')
    expect(errorOf(() => store.update('999', '998', 'x'))).toBe('NUMBER_NOT_FOUND')
    expect(errorOf(() => store.update('120', '12', 'x'))).toBe('NUMBER_TOO_SHORT')
    // A new number keeps its place and creation time but starts fresh call stats.
    const createdAt = store.entries[0].createdAt
    store.update('120', '119', 'Fire')
    expect(store.entries.map((e) => e.number)).toEqual(['119', '110'])
    expect(store.entries[0]).toMatchObject({ remark: 'Fire', callCount: 0, createdAt })
    expect(store.entries[0].lastOutcome).toBeUndefined()
    expect(store.lookup('120')).toBeUndefined()
  })

  it('removes by any spelling of the number, and reports a second remove', () => {
    const store = freshStore()
    store.add('13800138000')
    expect(store.remove('138 0013 8000')).toBe(true)
    expect(store.remove('13800138000')).toBe(false)
    expect(store.entries).toEqual([])
    expect(stored()).toEqual({ v: 1, data: [] })
  })

  it('imports valid lines, counts duplicates (also within the paste) and invalid lines', () => {
    const store = freshStore()
    store.add('110', 'Police')
    const summary = store.importText('号码,备注\n120,Ambulance\n110,again\n\n12,short\n119,Fire\n1 2 0,dup in paste\nabc')
    expect(summary).toEqual({
      added: 2,
      duplicates: 2,
      invalid: 2,
      invalidLines: [
        { line: 5, keptLine: 1, text: '12,short', reason: 'NUMBER_TOO_SHORT' },
        { line: 8, keptLine: 2, text: 'abc', reason: 'NUMBER_NOT_DIGITS' },
      ],
      duplicateLines: [
        { line: 3, text: '110,again', number: '110' },
        { line: 7, text: '1 2 0,dup in paste', number: '120' },
      ],
      keptText: '12,short\nabc',
    })
    // The paste lands on top in pasted order.
    expect(store.entries.map((e) => e.number)).toEqual(['120', '119', '110'])
  })

  it('numbers each refused line by its place in the text kept for the box, import after import', () => {
    const store = freshStore()
    const first = store.importText('120,Ambulance\n\n12,short\n119,Fire\nabc\n  \n1,x')
    expect(first.keptText).toBe('12,short\nabc\n1,x')
    expect(first.invalidLines.map((l) => [l.line, l.keptLine])).toEqual([
      [3, 1],
      [5, 2],
      [7, 3],
    ])
    // The agent fixes the first kept line and imports the box again.
    const second = store.importText(first.keptText.replace('12,short', '112,fixed'))
    expect(second).toMatchObject({ added: 1, invalid: 2, keptText: 'abc\n1,x' })
    const keptLines = second.keptText.split('\n')
    for (const l of second.invalidLines) expect(keptLines[l.keptLine - 1]).toBe(l.text)
    expect(second.invalidLines.map((l) => l.keptLine)).toEqual([1, 2])
    // Nothing refused: an empty box.
    expect(store.importText('113,ok').keptText).toBe('')
  })

  it('a refused line that reads as a header is kept behind a header, so the next import refuses it again instead of skipping it unseen', () => {
    const store = freshStore()
    const first = store.importText('120,Ambulance\nphone,Zhang\nabc')
    expect(first).toMatchObject({ added: 1, invalid: 2, keptText: 'number,remark\nphone,Zhang\nabc' })
    expect(first.invalidLines.map((l) => [l.line, l.keptLine, l.text])).toEqual([
      [2, 2, 'phone,Zhang'],
      [3, 3, 'abc'],
    ])
    // Imported again as it was left in the box: the same two lines are refused, named at the same lines.
    const second = store.importText(first.keptText)
    expect(second).toMatchObject({ added: 0, invalid: 2, keptText: first.keptText })
    expect(second.invalidLines.map((l) => [l.line, l.keptLine])).toEqual([
      [2, 2],
      [3, 3],
    ])
    // Fixed in the box: imported, and nothing is left.
    const third = store.importText('number,remark\n13800138000,Zhang')
    expect(third).toMatchObject({ added: 1, invalid: 0, keptText: '' })
  })

  it('the header kept in front is the import\'s own when it had one, else the one given (a header), else number,remark', () => {
    const store = freshStore()
    expect(store.importText('号码,备注\n120,A\nTel,13800138000').keptText).toBe('号码,备注\nTel,13800138000')
    expect(store.importText('121,B\n手机,李四', '号码,备注').keptText).toBe('号码,备注\n手机,李四')
    expect(store.importText('122,C\nmobile,x', 'not a header').keptText).toBe('number,remark\nmobile,x')
    // Only the first kept line matters: a header-like line after another refused one is judged anyway.
    expect(store.importText('abc\nphone,x', '号码,备注').keptText).toBe('abc\nphone,x')
    // Whatever the box holds, every refused line comes back refused at the next import.
    for (const text of ['120,A\nphone,x', '号码\nphone,x\n123,B', 'tel\ntel', 'tel,x\nnumber']) {
      const first = store.importText(text)
      const again = store.importText(first.keptText)
      expect(again.invalidLines.map((l) => l.text), text).toEqual(first.invalidLines.map((l) => l.text))
      expect(again.keptText, text).toBe(first.keptText)
    }
  })

  it('writes an import with one save, and a failed save changes nothing', () => {
    const store = freshStore()
    store.add('110')
    const saves = (uni.setStorageSync as unknown as { mock: { calls: unknown[] } }).mock
    const before = saves.calls.length
    store.importText(Array.from({ length: 500 }, (_, i) => `${1000 + i},r${i}`).join('\n'))
    expect(saves.calls.length - before).toBe(1)
    expect(store.entries).toHaveLength(501)

    const snapshot = JSON.stringify(stored())
    failStorage()
    expect(errorOf(() => store.importText('555,new\n556,new'))).toBe('SAVE_FAILED')
    expect(errorOf(() => store.add('557'))).toBe('SAVE_FAILED')
    expect(store.entries).toHaveLength(501)
    expect(store.lookup('555')).toBeUndefined()
    expect(JSON.stringify(stored())).toBe(snapshot)
  })

  it('never adds an invalid line, whatever is pasted', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('1', '2', 'a', ',', ' ', '+', '-', '"', '，'), maxLength: 30 }), { maxLength: 15 }), (lines) => {
        setActivePinia(createPinia())
        storage.clear()
        const store = useNumbersStore()
        const summary = store.importText(lines.join('\n'))
        expect(store.entries).toHaveLength(summary.added)
        for (const entry of store.entries) expect(entry.number).toMatch(/^\+?[0-9]{3,20}$/)
        expect(new Set(store.entries.map((e) => e.number)).size).toBe(store.entries.length)
      }),
    )
  })

  it('survives a restart: a new pinia reloads everything from storage', () => {
    const store = freshStore()
    store.add('110', 'Police')
    store.importText('120,Ambulance\n119,Fire')
    store.noteCall(callRecord('119', { outcome: 'no-answer' }))
    const reloaded = freshStore()
    expect(reloaded).not.toBe(store)
    expect(reloaded.entries).toEqual(store.entries)
    expect(reloaded.lookup('119')).toMatchObject({ callCount: 1, lastOutcome: 'no-answer', lastCalledAt: 1_700_000_000_000 })
    expect(stored()).toMatchObject({ v: 1 })
  })

  it('keeps the good rows of a partly corrupted store and ignores another version', () => {
    storage.set(
      numbersStorage.key,
      JSON.stringify({ v: 1, data: [{ number: '110', remark: 'ok', createdAt: 1, callCount: 0 }, { number: 5 }, { number: '110', remark: 'dup', createdAt: 2, callCount: 0 }, null] }),
    )
    expect(freshStore().entries.map((e) => e.remark)).toEqual(['ok'])
    storage.set(numbersStorage.key, JSON.stringify({ v: 99, data: [{ number: '110', remark: 'ok', createdAt: 1, callCount: 0 }] }))
    expect(freshStore().entries).toEqual([])
    storage.set(numbersStorage.key, '{not json')
    expect(freshStore().entries).toEqual([])
  })

  it('notes calls to listed numbers only, matching +86 caller ids', () => {
    const store = freshStore()
    store.add('13800138000', 'Zhang')
    store.noteCall(callRecord('+8613800138000', { outcome: 'missed', direction: 'in', startedAt: 5 }))
    store.noteCall(callRecord('138 0013 8000', { outcome: 'answered', startedAt: 9 }))
    store.noteCall(callRecord('999'))
    expect(store.entries).toHaveLength(1)
    expect(store.entries[0]).toMatchObject({ callCount: 2, lastOutcome: 'answered', lastCalledAt: 9 })
  })

  it('looks numbers up by any spelling', () => {
    const store = freshStore()
    store.add('+8613900001111', 'Li')
    expect(store.lookup('139 0000 1111')?.remark).toBe('Li')
    expect(store.lookup('008613900001111')?.remark).toBe('Li')
    expect(store.lookup('')).toBeUndefined()
  })

  it('filters by query as it changes', () => {
    const store = freshStore()
    store.importText('13800138000,Zhang San\n13900001111,Li Si\n110,Police')
    expect(store.filtered).toHaveLength(3)
    store.setQuery('li')
    expect(store.filtered.map((e) => e.number)).toEqual(['13900001111', '110'])
    store.query = '138 0013'
    expect(store.filtered.map((e) => e.number)).toEqual(['13800138000'])
    store.add('13800138999', 'Zhang Jr')
    expect(store.filtered.map((e) => e.number)).toEqual(['13800138999', '13800138000'])
  })

  it('keeps entries immutable so search caches stay true', () => {
    const store = freshStore()
    const entry = store.add('110', 'Police')
    expect(() => {
      ;(entry as { remark: string }).remark = 'changed'
    }).toThrow(TypeError)
  })
})

describe('useNumbersStore (mutation survivors)', () => {
  let warn: ReturnType<typeof vi.spyOn>

  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })

  afterEach(() => {
    vi.restoreAllMocks()
  })

  /** A pulled `number` record, as the sync router hands it over. */
  function remote(id: string, data: Record<string, unknown>): RemoteChange {
    return { kind: 'number', id, rev: '1', deleted: false, data }
  }

  const LONG_REMARK = '\u{1F600}'.repeat(60)
  const CUT_REMARK = '\u{1F600}'.repeat(50)

  it('keeps an assigned number assigned across a restart, once the pull that brought it has ended', () => {
    const store = freshStore()
    store.applyRemote([remote('srv1', { number: '13900139000', remark: 'Lead A', source: 'assigned', createdAt: 5 })], new Set())
    expect(freshStore().entries).toEqual([]) // saved when the pull ends, before its cursor
    store.savePulled()
    expect(freshStore().entries).toEqual([{ id: 'srv1', source: 'assigned', number: '13900139000', remark: 'Lead A', createdAt: 5, callCount: 0 }])
  })

  it('saves pulled pages once when the pull ends; a local change saves them with it, and then the pull’s end writes nothing', () => {
    const store = freshStore()
    const writes = () => vi.mocked(uni.setStorageSync).mock.calls.filter(([key]) => key === numbersStorage.key).length
    const before = writes()
    store.applyRemote([remote('srv1', { number: '110' })], new Set())
    store.applyRemote([remote('srv2', { number: '120' })], new Set())
    expect(writes()).toBe(before)
    store.savePulled()
    store.savePulled()
    expect(writes()).toBe(before + 1)
    expect(freshStore().entries.map((e) => e.id)).toEqual(['srv2', 'srv1'])

    store.applyRemote([remote('srv3', { number: '119' })], new Set())
    store.add('130')
    const afterAdd = writes()
    expect(freshStore().entries.map((e) => e.number)).toEqual(['130', '119', '120', '110'])
    store.savePulled()
    expect(writes()).toBe(afterAdd)
  })

  it('cuts an over-long stored remark to the limit (in characters) instead of dropping the row', () => {
    storage.set(numbersStorage.key, JSON.stringify({ v: 1, data: [{ number: '110', remark: LONG_REMARK, createdAt: 1, callCount: 0 }] }))
    expect(freshStore().entries.map((e) => e.remark)).toEqual([CUT_REMARK])
  })

  it('takes a pulled record with only a number as an own entry, remarked by its number, created now', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000)
    const store = freshStore()
    store.applyRemote([remote('srv1', { number: '13900139000' })], new Set())
    expect(store.entries).toEqual([{ id: 'srv1', source: 'own', number: '13900139000', remark: '13900139000', createdAt: 1_800_000_000_000, callCount: 0 }])
  })

  it('a pulled partial record keeps what it leaves out: number, remark, source, creation time and call stats', () => {
    const store = freshStore()
    store.applyRemote([remote('srv1', { number: '13900139000', remark: 'Lead A', source: 'assigned', createdAt: 5 })], new Set())
    store.noteCall(callRecord('13900139000', { outcome: 'no-answer', startedAt: 7 }))
    store.applyRemote([remote('srv1', { remark: 'Lead A (VIP)' })], new Set())
    store.applyRemote([remote('srv1', { number: '13900139000' })], new Set())
    expect(store.entries).toEqual([
      { id: 'srv1', source: 'assigned', number: '13900139000', remark: 'Lead A (VIP)', createdAt: 5, callCount: 1, lastCalledAt: 7, lastOutcome: 'no-answer' },
    ])
  })

  it('skips a pulled record it cannot use, says which, and applies the rest of the page', () => {
    const store = freshStore()
    store.applyRemote([remote('srvX', { remark: 'no number' }), remote('srvY', { number: 'abc' }), remote('srv3', { number: '110' })], new Set())
    expect(store.entries.map((e) => e.id)).toEqual(['srv3'])
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('srvX'))
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('srvY'))
  })

  it('cuts an over-long pulled remark to the limit (in characters)', () => {
    const store = freshStore()
    store.applyRemote([remote('srv1', { number: '110', remark: LONG_REMARK })], new Set())
    expect(store.entries.map((e) => e.remark)).toEqual([CUT_REMARK])
  })

  it("lists an import in the same order on another phone: the outbox carries it last line first", () => {
    const store = freshStore()
    const enqueue = vi.spyOn(getSync(), 'enqueue')
    store.add('110', 'Older')
    store.importText('13900000001,First\n13900000002,Second\n13900000003,Third')
    expect(store.entries.map((e) => e.remark)).toEqual(['First', 'Second', 'Third', 'Older'])
    const queued = enqueue.mock.calls.flatMap(([changes]) => changes)
    expect(queued.map((c) => c.data?.remark ?? c.op)).toEqual(['Older', 'Third', 'Second', 'First'])
    // Phone B pulls what the server stored, in the order it was sent (rev order).
    const sent: RemoteChange[] = queued.map((c, i) => ({ kind: 'number', id: c.id, rev: String(i + 1), deleted: false, data: c.data ?? null }))
    storage.clear()
    setActivePinia(createPinia())
    const phoneB = useNumbersStore()
    phoneB.open('agent1-phone-b')
    phoneB.applyRemote(sent, new Set())
    expect(phoneB.entries.map((e) => e.remark)).toEqual(['First', 'Second', 'Third', 'Older'])
  })

  it('refuses a change whose outbox write fails: storage, outbox and list stay as they were', () => {
    const store = freshStore()
    store.add('110')
    const before = stored()
    vi.spyOn(getSync(), 'enqueue').mockImplementation(() => {
      throw new Error('outbox full')
    })
    expect(() => store.add('120')).toThrow('SAVE_FAILED: outbox full')
    expect(store.entries.map((e) => e.number)).toEqual(['110'])
    expect(stored()).toEqual(before)
  })

  it('shows pulled numbers even when saving them fails, and says why', () => {
    const store = freshStore()
    const write = uni.setStorageSync
    failStorage()
    expect(store.savePulled()).toBe(true) // nothing pulled yet
    store.applyRemote([remote('srv1', { number: '110' })], new Set())
    // False: the sync engine then keeps its cursor, so the pull brings the number again.
    expect(store.savePulled()).toBe(false)
    expect(store.entries.map((e) => e.id)).toEqual(['srv1'])
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not save pulled numbers'), expect.stringContaining('quota exceeded'))
    // Room again: the next pull's end saves them and says so.
    uni.setStorageSync = write
    expect(store.savePulled()).toBe(true)
    expect(stored()).toMatchObject({ data: [expect.objectContaining({ id: 'srv1', number: '110' })] })
  })

  it('drops a refused local copy even when saving fails, and says why', () => {
    const store = freshStore()
    const entry = store.add('110')
    failStorage()
    store.dropLocal(entry.id)
    expect(store.entries).toEqual([])
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not save'), expect.stringContaining('quota exceeded'))
  })

  it('keeps the call stats unchanged when saving them fails, and says why', () => {
    const store = freshStore()
    store.add('110')
    failStorage()
    store.noteCall(callRecord('110'))
    expect(store.entries[0]).toMatchObject({ callCount: 0 })
    expect(store.entries[0].lastCalledAt).toBeUndefined()
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not save call stats'), 'SAVE_FAILED: quota exceeded')
  })

  it('keeps the call stats of every outcome across a restart', () => {
    const outcomes = ['answered', 'rejected', 'missed', 'cancelled', 'no-answer', 'failed'] as const
    const store = freshStore()
    outcomes.forEach((outcome, i) => {
      store.add(`11${i}`)
      store.noteCall(callRecord(`11${i}`, { outcome }))
    })
    expect(freshStore().entries.map((e) => e.lastOutcome)).toEqual([...outcomes].reverse())
  })

  it('drops every stored row that is not well-formed, keeps the others, and says how many', () => {
    const good = { number: '110', remark: 'ok', createdAt: 1, callCount: 0 }
    const rows = [
      good,
      { ...good, number: '111', id: '' },
      { ...good, number: '112', id: 5 },
      { ...good, number: '113', remark: 5 },
      { number: '114', remark: 'x', callCount: 0 },
      { ...good, number: '115', callCount: '1' },
      { ...good, number: '116', createdAt: 'INFINITY' },
      { ...good, number: '117', lastCalledAt: 'x' },
      { ...good, number: '118', lastOutcome: 'bogus' },
    ]
    storage.set(numbersStorage.key, JSON.stringify({ v: 1, data: rows }).replace('"INFINITY"', '1e999'))
    expect(freshStore().entries.map((e) => e.number)).toEqual(['110'])
    expect(warn).toHaveBeenCalledWith('[numbers] dropped 8 malformed stored row(s)')
  })

  it('reads a stored list that is no list as empty', () => {
    storage.set(numbersStorage.key, JSON.stringify({ v: 1, data: { number: '110' } }))
    expect(freshStore().entries).toEqual([])
  })

  it('gives stored rows without an id, or with one already taken, an id of their own, and rows from before sync the source own', () => {
    const row = { remark: 'r', createdAt: 1, callCount: 0 }
    storage.set(numbersStorage.key, JSON.stringify({ v: 1, data: [{ ...row, id: 'n1', number: '110' }, { ...row, id: 'n1', number: '120' }, { ...row, number: '119' }] }))
    const entries = freshStore().entries
    expect(entries[0].id).toBe('n1')
    for (const entry of entries) expect(entry).toMatchObject({ id: expect.any(String), source: 'own' })
    expect(new Set(entries.map((e) => e.id)).size).toBe(3)
  })

  it('matches a caller id to a number saved with 0086, and a withheld (empty) caller id to nothing', () => {
    const store = freshStore()
    store.add('008613700001111', 'Wang')
    store.add('0086')
    expect(store.lookup('13700001111')?.remark).toBe('Wang')
    expect(store.lookup('')).toBeUndefined()
  })

  it('a pulled new number for an entry starts fresh call stats, and a pulled source wins', () => {
    const store = freshStore()
    store.applyRemote([remote('srv1', { number: '13900139000', remark: 'A', source: 'assigned', createdAt: 5 })], new Set())
    store.noteCall(callRecord('13900139000'))
    store.applyRemote([remote('srv1', { number: '13900139001', source: 'own' })], new Set())
    expect(store.entries).toEqual([{ id: 'srv1', source: 'own', number: '13900139001', remark: 'A', createdAt: 5, callCount: 0 }])
  })

  it('clears the search when the list closes or another agent opens one', () => {
    const store = freshStore()
    store.setQuery('110')
    store.close()
    expect(store.query).toBe('')
    store.setQuery('110')
    store.open('agent2')
    expect(store.query).toBe('')
  })

  it('an import with nothing new writes nothing, so it works while storage is failing', () => {
    const store = freshStore()
    store.add('110')
    failStorage()
    expect(store.importText('110\n12')).toMatchObject({ added: 0, duplicates: 1, invalid: 1 })
  })

  it('removes a pulled record that is deleted or has no data', () => {
    const store = freshStore()
    store.applyRemote([remote('srv1', { number: '110' }), remote('srv2', { number: '120' })], new Set())
    store.applyRemote(
      [
        { kind: 'number', id: 'srv1', rev: '2', deleted: false, data: null },
        { kind: 'number', id: 'srv2', rev: '2', deleted: true, data: { number: '120' } },
      ],
      new Set(),
    )
    expect(store.entries).toEqual([])
  })

  it('a pulled edit keeps the entry in its place; an entry waiting in the outbox keeps its number until the server answers', () => {
    const store = freshStore()
    store.applyRemote([remote('srv1', { number: '110' }), remote('srv2', { number: '120' })], new Set())
    store.applyRemote([remote('srv1', { number: '110', remark: 'edited' })], new Set())
    expect(store.entries.map((e) => [e.id, e.remark])).toEqual([
      ['srv2', '120'],
      ['srv1', 'edited'],
    ])
    const mine = store.add('130', 'mine')
    store.applyRemote([remote('srv3', { number: '130' })], new Set([mine.id]))
    expect(store.entries.map((e) => e.id)).toEqual(['srv3', mine.id, 'srv2', 'srv1'])
  })

  it('writes nothing for a pull, a remote delete or a refused copy that changes no number', () => {
    const store = freshStore()
    store.add('110')
    const saves = (uni.setStorageSync as unknown as { mock: { calls: unknown[] } }).mock
    const before = saves.calls.length
    store.applyRemote([], new Set())
    store.applyRemote([{ kind: 'number', id: 'gone', rev: '1', deleted: true, data: null }], new Set())
    store.dropLocal('gone')
    expect(saves.calls.length).toBe(before)
    expect(store.entries.map((e) => e.number)).toEqual(['110'])
  })

  it('removes a device-global list that brings nothing new without writing the agent\'s list (sign-in works while storage is failing)', () => {
    const rows = JSON.stringify({ v: 1, data: [{ number: '110', remark: 'r', createdAt: 1, callCount: 0 }] })
    storage.set(numbersStorage.key, rows)
    storage.set('tccc.numbers', rows)
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined)
    failStorage()
    expect(freshStore().entries.map((e) => e.number)).toEqual(['110'])
    expect(storage.has('tccc.numbers')).toBe(false)
    expect(info).toHaveBeenCalledWith(expect.stringContaining('migrated 0 number(s)'))
  })

  it('reports no migration when there is no device-global list', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined)
    freshStore()
    expect(info).not.toHaveBeenCalled()
  })
})
