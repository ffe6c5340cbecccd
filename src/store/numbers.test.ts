import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import fc from 'fast-check'
import { storage } from '../../tests/setup/uni'
import type { CallRecord } from '@/services/callRecord'
import { NumberError, type NumberErrorSymbol } from '@/services/numbers'
import { numbersStorageFor, useNumbersStore } from './numbers'

const AGENT_KEY = 'agent1'
const numbersStorage = numbersStorageFor(AGENT_KEY)

/** A new pinia with the agent's workspace open: what a restarted, signed-in app gets. */
function freshStore() {
  setActivePinia(createPinia())
  const store = useNumbersStore()
  store.open(AGENT_KEY)
  return store
}

function stored(): unknown {
  const raw = storage.get(numbersStorage.key)
  return typeof raw === 'string' ? JSON.parse(raw) : raw
}

function errorOf(action: () => unknown): NumberErrorSymbol | undefined {
  try {
    action()
  } catch (err) {
    if (err instanceof NumberError) return err.symbol
    throw err
  }
  return undefined
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
        { line: 5, text: '12,short', reason: 'NUMBER_TOO_SHORT' },
        { line: 8, text: 'abc', reason: 'NUMBER_NOT_DIGITS' },
      ],
      duplicateLines: [
        { line: 3, text: '110,again', number: '110' },
        { line: 7, text: '1 2 0,dup in paste', number: '120' },
      ],
    })
    // The paste lands on top in pasted order.
    expect(store.entries.map((e) => e.number)).toEqual(['120', '119', '110'])
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
    uni.setStorageSync = (() => {
      throw new Error('quota exceeded')
    }) as typeof uni.setStorageSync
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
