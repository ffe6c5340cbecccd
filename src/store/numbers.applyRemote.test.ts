/**
 * `applyRemote` against the straightforward algorithm it replaced (search and copy the whole list
 * for every change): same entries in the same order for any list and page, including deletes,
 * re-adds, renumbering onto another entry's number and changes still in the outbox. The speed of
 * the one-pass version is measured in bench/numbers.ts, never here.
 */
import { afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { storage } from '../../tests/setup/uni'
import type { RemoteChange } from '@/services/sync'
import { freshStore, numbersStorage } from './__tests__/numbersHarness'

interface Row {
  id: string
  number: string
  remark: string
}

/** The replaced algorithm, on what the comparison needs (every upsert here carries number and remark). */
function reference(list: Row[], changes: RemoteChange[], pending: ReadonlySet<string>): Row[] {
  let next = list
  for (const change of changes) {
    if (change.kind !== 'number' || pending.has(change.id)) continue
    const index = next.findIndex((e) => e.id === change.id)
    if (change.deleted || change.data === null) {
      if (index >= 0) next = next.filter((_, i) => i !== index)
      continue
    }
    const entry = { id: change.id, number: change.data.number as string, remark: change.data.remark as string }
    next = next.filter((e) => e.id === change.id || e.number !== entry.number || pending.has(e.id))
    const at = next.findIndex((e) => e.id === change.id)
    next = at >= 0 ? next.map((e, i) => (i === at ? entry : e)) : [entry, ...next]
  }
  return next
}

const NUMBERS = Array.from({ length: 8 }, (_, i) => `1390013900${i}`)
const IDS = Array.from({ length: 12 }, (_, i) => `id${i}`)

const listArb = fc.uniqueArray(fc.record({ id: fc.constantFrom(...IDS), number: fc.constantFrom(...NUMBERS), remark: fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom('a', 'b', 'c') }) }), {
  maxLength: 8,
  selector: (r) => r.number, // a stored list has one entry per number
}).filter((rows) => new Set(rows.map((r) => r.id)).size === rows.length)

const changeArb: fc.Arbitrary<RemoteChange> = fc.oneof(
  fc.record({ id: fc.constantFrom(...IDS), number: fc.constantFrom(...NUMBERS), remark: fc.constantFrom('x', 'y', 'z') }).map(({ id, number, remark }) => ({ kind: 'number', id, rev: '1', deleted: false, data: { number, remark } })),
  fc.constantFrom(...IDS).map((id) => ({ kind: 'number', id, rev: '1', deleted: true, data: null })),
  fc.constantFrom(...IDS).map((id) => ({ kind: 'call', id, rev: '1', deleted: true, data: null })),
)

describe('numbers store: applyRemote in one pass', () => {
  afterEach(() => storage.clear())

  it('gives the same list, in the same order, as searching the whole list for every change', () => {
    fc.assert(
      fc.property(listArb, fc.array(changeArb, { maxLength: 16 }), fc.subarray(IDS, { maxLength: 3 }), (list, changes, pendingList) => {
        storage.clear()
        storage.set(numbersStorage.key, JSON.stringify({ v: 1, data: list.map((r, i) => ({ ...r, source: 'own', createdAt: i, callCount: 0 })) }))
        const store = freshStore()
        const pending = new Set(pendingList)
        const before = store.entries.map((e) => ({ id: e.id, number: e.number, remark: e.remark }))
        expect(before).toEqual(list)
        store.applyRemote(changes, pending)
        expect(store.entries.map((e) => ({ id: e.id, number: e.number, remark: e.remark }))).toEqual(reference(list, changes, pending))
      }),
      { numRuns: 400, seed: 20261203 },
    )
  })

  it('gives the same list over several pages, its indexes kept from one page to the next', () => {
    fc.assert(
      fc.property(listArb, fc.array(fc.array(changeArb, { maxLength: 6 }), { minLength: 2, maxLength: 4 }), fc.subarray(IDS, { maxLength: 3 }), (list, pages, pendingList) => {
        storage.clear()
        storage.set(numbersStorage.key, JSON.stringify({ v: 1, data: list.map((r, i) => ({ ...r, source: 'own', createdAt: i, callCount: 0 })) }))
        const store = freshStore()
        const pending = new Set(pendingList)
        for (const page of pages) store.applyRemote(page, pending)
        expect(store.entries.map((e) => ({ id: e.id, number: e.number, remark: e.remark }))).toEqual(reference(list, pages.flat(), pending))
      }),
      { numRuns: 300, seed: 20261203 },
    )
  })

  it('reads the list again after a local change between pages (the kept indexes describe the list it showed)', () => {
    const store = freshStore()
    store.applyRemote([{ kind: 'number', id: 'srv1', rev: '1', deleted: false, data: { number: '13900139001', remark: 'a' } }], new Set())
    const mine = store.add('13900139002', 'mine')
    // The server's record of the same number wins once the local one is no longer waiting.
    store.applyRemote([{ kind: 'number', id: 'srv2', rev: '2', deleted: false, data: { number: '13900139002', remark: 'server' } }], new Set())
    expect(store.entries.map((e) => [e.id, e.remark])).toEqual([
      ['srv2', 'server'],
      ['srv1', 'a'],
    ])
    expect(store.entries.some((e) => e.id === mine.id)).toBe(false)
  })
})
