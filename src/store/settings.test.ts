import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { normaliseBackendUrl, useSettingsStore } from '@/store/settings'

beforeEach(() => {
  setActivePinia(createPinia())
})

describe('settings store', () => {
  it('defaults to the earpiece and the same-origin backend', () => {
    const settings = useSettingsStore()
    expect(settings.audioRoute).toBe('earpiece')
    expect(settings.backendUrl).toBe('')
  })

  it('persists the preferred audio route across restarts', () => {
    useSettingsStore().setAudioRoute('speakerphone')
    setActivePinia(createPinia())
    expect(useSettingsStore().audioRoute).toBe('speakerphone')
  })

  it('persists a normalised backend URL and refuses anything else', () => {
    const settings = useSettingsStore()
    expect(settings.setBackendUrl(' https://tokens.example.com/ ')).toBe(true)
    expect(settings.backendUrl).toBe('https://tokens.example.com')
    expect(settings.setBackendUrl('ftp://x')).toBe(false)
    expect(settings.setBackendUrl('javascript:alert(1)')).toBe(false)
    expect(settings.backendUrl).toBe('https://tokens.example.com')
    setActivePinia(createPinia())
    expect(useSettingsStore().backendUrl).toBe('https://tokens.example.com')
    useSettingsStore().setBackendUrl('')
    setActivePinia(createPinia())
    expect(useSettingsStore().backendUrl).toBe('')
  })

  it('ignores a corrupted stored route', () => {
    uni.setStorageSync('tccc.settings.audioRoute', JSON.stringify({ v: 1, data: 'bluetooth' }))
    expect(useSettingsStore().audioRoute).toBe('earpiece')
  })

  it.each([
    ['', ''],
    ['http://192.168.1.2:8787', 'http://192.168.1.2:8787'],
    ['https://a.example.com/base/', 'https://a.example.com/base'],
    ['a.example.com', null],
    ['http://', null],
  ])('normaliseBackendUrl(%j) = %j', (input, expected) => {
    expect(normaliseBackendUrl(input)).toBe(expected)
  })
})
