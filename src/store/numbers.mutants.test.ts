/**
 * Mutation survivors of src/store/numbers.ts (issue 13): the Stryker run at 9bd801a,
 * docs/mutation/storenum.md. Each test asserts what the agent or the server observes: the list,
 * the stored rows, the outbox, the log lines.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { storage } from '../../tests/setup/uni'
import { getSync, type RemoteChange } from '@/services/sync'
import { numbersStorageFor, useNumbersStore } from './numbers'

const AGENT_KEY = 'agent1'
const numbersStorage = numbersStorageFor(AGENT_KEY)

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
})
