import { afterEach, describe, expect, it, vi } from 'vitest'
import { storage } from '../../tests/setup/uni'
import { backendSessionStorage } from '@/services/backendSession'

const KEY = 'tccc.session.backend'
const good = { accessToken: 'acc-123', expiresAt: 1_767_229_200_000 }

function stored(data: unknown): void {
  storage.set(KEY, JSON.stringify({ v: 1, data }))
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('backendSessionStorage', () => {
  it('keeps the access token and its expiry under session.backend, version 1', () => {
    backendSessionStorage.save(good)
    expect(JSON.parse(storage.get(KEY) as string)).toEqual({ v: 1, data: good })
    expect(backendSessionStorage.load()).toEqual(good)
  })

  it('reads nothing stored, and a stored null, as no session: a valid value, nothing to warn about', () => {
    const warn = vi.spyOn(console, 'warn')
    expect(backendSessionStorage.load()).toBeNull()
    backendSessionStorage.save(null)
    expect(backendSessionStorage.load()).toBeNull()
    expect(warn).not.toHaveBeenCalled()
  })

  it.each([
    ['text instead of a session', 'acc-123'],
    ['a number', 42],
    ['an empty access token', { accessToken: '', expiresAt: good.expiresAt }],
    ['an access token that is not text', { accessToken: 42, expiresAt: good.expiresAt }],
    ['no access token', { expiresAt: good.expiresAt }],
    ['an expiry as text', { accessToken: 'acc-123', expiresAt: '1767229200000' }],
    ['no expiry', { accessToken: 'acc-123' }],
    ['a null expiry (NaN or Infinity saved as JSON)', { accessToken: 'acc-123', expiresAt: null }],
    ['an array', [good]],
  ])('reads %s as no session (and says the stored value was unreadable)', (_name, data) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    stored(data)
    expect(backendSessionStorage.load()).toBeNull()
    expect(warn).toHaveBeenCalledWith('[storage] tccc.session.backend has an unexpected shape; using the default')
    expect(JSON.stringify(warn.mock.calls)).not.toContain('acc-123')
  })
})
