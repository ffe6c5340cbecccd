/**
 * Mutation testing (issue 13): behaviour of src/store/settings.ts the Stryker run at 9bd801a
 * found untested (docs/mutation/storeset.md).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { storage } from '../../tests/setup/uni'
import { backendHost, useSettingsStore } from '@/store/settings'

beforeEach(() => {
  setActivePinia(createPinia())
})

describe('settings (mutation survivors, Stryker run at 9bd801a)', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('names the host a development build signs in at over plain http on this machine', () => {
    vi.stubEnv('DEV', true)
    expect(backendHost('http://localhost:8787/base')).toBe('localhost:8787')
    const settings = useSettingsStore()
    expect(settings.setBackendUrl('http://127.0.0.1:8787')).toBe(true)
    expect(settings.customBackendHost).toBe('127.0.0.1:8787')
  })

  it('reads a stored "no language chosen" as no choice, without a corrupted-storage warning', () => {
    storage.set('tccc.locale', JSON.stringify({ v: 1, data: null }))
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    expect(useSettingsStore().locale).toBeNull()
    expect(warn).not.toHaveBeenCalled()
  })
})
