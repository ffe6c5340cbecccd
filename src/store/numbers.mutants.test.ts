/**
 * Mutation survivors of src/store/numbers.ts (issue 13): the Stryker run at 9bd801a,
 * docs/mutation/storenum.md. Each test asserts what the agent or the server observes: the list,
 * the stored rows, the outbox, the log lines.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { storage } from '../../tests/setup/uni'
import type { RemoteChange } from '@/services/sync'
import { freshStore, numbersStorage, stored } from './__tests__/numbersHarness'

function remote(id: string, data: Record<string, unknown>): RemoteChange {
  return { kind: 'number', id, rev: '1', deleted: false, data }
}

describe('useNumbersStore (mutation survivors, storenum)', () => {
  let warn: ReturnType<typeof vi.spyOn>

  beforeEach(() => {
    setActivePinia(createPinia())
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })

  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('drops a stored row whose source is neither own nor assigned', () => {
    const good = { number: '110', remark: 'ok', createdAt: 1, callCount: 0 }
    storage.set(numbersStorage.key, JSON.stringify({ v: 1, data: [{ ...good, source: 'own' }, { ...good, number: '120', source: 'assigned' }, { ...good, number: '119', source: 'bogus' }] }))
    expect(freshStore().entries.map((e) => [e.number, e.source])).toEqual([
      ['110', 'own'],
      ['120', 'assigned'],
    ])
    expect(warn).toHaveBeenCalledWith('[numbers] dropped 1 malformed stored row(s)')
  })

  it('drops a stored row whose number is not text, and keeps the rest of the list', () => {
    const good = { number: '110', remark: 'ok', createdAt: 1, callCount: 0 }
    storage.set(numbersStorage.key, JSON.stringify({ v: 1, data: [good, { ...good, number: 13800138000 }] }))
    expect(freshStore().entries.map((e) => e.number)).toEqual(['110'])
    expect(warn).toHaveBeenCalledWith('[numbers] dropped 1 malformed stored row(s)')
  })

  it('opens an agent with nothing stored as an empty list, without a warning', () => {
    const store = freshStore()
    expect(store.entries).toEqual([])
    expect(warn).not.toHaveBeenCalled()
  })

  it('loads a well-formed stored list without a warning', () => {
    storage.set(numbersStorage.key, JSON.stringify({ v: 1, data: [{ id: 'n1', source: 'own', number: '110', remark: 'ok', createdAt: 1, callCount: 0 }] }))
    expect(freshStore().entries.map((e) => e.number)).toEqual(['110'])
    expect(warn).not.toHaveBeenCalled()
  })

  it('matches a caller id with 0086 inside its digits (not as a prefix) to the number saved with +86', () => {
    const store = freshStore()
    store.add('+8613800861234', 'Zhao')
    expect(store.lookup('13800861234')?.remark).toBe('Zhao')
  })

  it('a remove whose save fails keeps the number listed and found by search; a saved remove updates the search', () => {
    const store = freshStore()
    store.add('110', 'Police')
    store.add('120', 'Ambulance')
    expect(store.filtered.map((e) => e.number)).toEqual(['120', '110'])
    store.remove('120')
    expect(store.filtered.map((e) => e.number)).toEqual(['110'])
    uni.setStorageSync = (() => {
      throw new Error('quota exceeded')
    }) as typeof uni.setStorageSync
    expect(() => store.remove('110')).toThrow('SAVE_FAILED')
    expect(store.entries.map((e) => e.number)).toEqual(['110'])
    expect(store.lookup('110')?.remark).toBe('Police')
  })

  it('a pulled delete removes only that number', () => {
    const store = freshStore()
    store.applyRemote([remote('srv1', { number: '110' }), remote('srv2', { number: '120' }), remote('srv3', { number: '119' })], new Set())
    store.applyRemote([{ kind: 'number', id: 'srv2', rev: '2', deleted: true, data: null }], new Set())
    store.savePulled()
    expect(store.entries.map((e) => e.id)).toEqual(['srv3', 'srv1'])
    expect((stored() as { data: Array<{ id: string }> }).data.map((e) => e.id)).toEqual(['srv3', 'srv1'])
  })

  it('a pulled record replaces a local entry of the same number once that entry is no longer waiting in the outbox', () => {
    const store = freshStore()
    const mine = store.add('130', 'mine')
    store.add('110', 'Police')
    store.applyRemote([remote('srv3', { number: '130', remark: 'server' })], new Set())
    store.savePulled()
    expect(store.entries.map((e) => [e.number, e.remark])).toEqual([
      ['130', 'server'],
      ['110', 'Police'],
    ])
    expect(store.entries.some((e) => e.id === mine.id)).toBe(false)
    expect(store.lookup('130')?.id).toBe('srv3')
    expect((stored() as { data: Array<{ number: string }> }).data.map((e) => e.number)).toEqual(['130', '110'])
  })
})
