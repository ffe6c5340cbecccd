/**
 * The other tabs' writes to the shared storage, as the browser's `storage` event: the key each
 * one names (null when the storage was cleared), until unsubscribed; nothing where there is no
 * window (the App).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { watchStorage } from './storageWatch'

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('watchStorage', () => {
  it('hears the key another tab wrote (null: it cleared the storage) until unsubscribed', () => {
    const heard: Array<string | null> = []
    const stop = watchStorage((key) => heard.push(key))
    window.dispatchEvent(new StorageEvent('storage', { key: 'tccc.a.agent1.outbox' }))
    window.dispatchEvent(new StorageEvent('storage', { key: null }))
    expect(heard).toEqual(['tccc.a.agent1.outbox', null])
    stop()
    window.dispatchEvent(new StorageEvent('storage', { key: 'tccc.a.agent1.rejected' }))
    expect(heard).toEqual(['tccc.a.agent1.outbox', null])
  })

  it.each([
    ['no window (the App)', undefined],
    ['a window without events', {}],
  ])('with %s hears nothing and fails nothing', (_what, win) => {
    vi.stubGlobal('window', win)
    const listener = vi.fn()
    const stop = watchStorage(listener)
    expect(() => stop()).not.toThrow()
    expect(listener).not.toHaveBeenCalled()
  })
})
