import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { locale, setLocale } from '@/i18n'
import { storage } from '../../tests/setup/uni'
import { backendHost, checkBackendUrl, normaliseBackendUrl, pageOrigin, useSettingsStore } from '@/store/settings'

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

  describe('which backend URLs are accepted', () => {
    afterEach(() => vi.unstubAllEnvs())

    it.each([
      ['https://tokens.example.com/', { url: 'https://tokens.example.com' }],
      ['HTTPS://Tokens.example.com:8443/base/', { url: 'HTTPS://Tokens.example.com:8443/base' }],
      ['', { url: '' }],
      ['http://tokens.example.com', { problem: 'insecure' }],
      ['http://10.0.0.5:8787', { problem: 'insecure' }],
      ['http://localhost:8787', { problem: 'insecure' }],
      ['http://127.0.0.1:9', { problem: 'insecure' }],
      ['https://user:pw@tokens.example.com', { problem: 'userinfo' }],
      ['https://user@tokens.example.com', { problem: 'userinfo' }],
      ['http://agent:secret@127.0.0.1:8787', { problem: 'userinfo' }],
      ['tokens.example.com', { problem: 'invalid' }],
      ['ftp://tokens.example.com', { problem: 'invalid' }],
      ['javascript:alert(1)', { problem: 'invalid' }],
      ['https://tokens.example.com/?next=x', { problem: 'invalid' }],
    ])('a release build: %s -> %o', (raw, expected) => {
      vi.stubEnv('DEV', false)
      expect(checkBackendUrl(raw)).toEqual(expected)
    })

    it.each([
      ['http://localhost:8787', { url: 'http://localhost:8787' }],
      ['http://127.0.0.1:9/', { url: 'http://127.0.0.1:9' }],
      ['http://10.0.0.5:8787', { problem: 'insecure' }],
      ['http://localhost.evil.example', { problem: 'insecure' }],
      ['http://u:p@localhost:8787', { problem: 'userinfo' }],
    ])('a development build allows plain http to this machine only: %s -> %o', (raw, expected) => {
      vi.stubEnv('DEV', true)
      expect(checkBackendUrl(raw)).toEqual(expected)
    })

    it('forgets the stored sign-in (access token) when the backend changes, not when it stays', () => {
      const session = JSON.stringify({ v: 1, data: { accessToken: 'at1.old', expiresAt: Date.now() + 3_600_000 } })
      storage.set('tccc.session.backend', session)
      const settings = useSettingsStore()
      expect(settings.setBackendUrl('https://tokens.example.com')).toBe(true)
      expect(storage.has('tccc.session.backend')).toBe(false)

      storage.set('tccc.session.backend', session)
      expect(settings.setBackendUrl('https://tokens.example.com/')).toBe(true)
      expect(storage.get('tccc.session.backend')).toBe(session)
      // A refused URL changes nothing.
      expect(settings.setBackendUrl('http://evil.example')).toBe(false)
      expect(storage.get('tccc.session.backend')).toBe(session)

      expect(settings.setBackendUrl('')).toBe(true)
      expect(storage.has('tccc.session.backend')).toBe(false)
    })

    it('names the host the password goes to only for an address the agent set', () => {
      const settings = useSettingsStore()
      expect(settings.customBackendHost).toBe('')
      settings.setBackendUrl('https://tokens.example.com:8443/base')
      expect(settings.customBackendHost).toBe('tokens.example.com:8443')
    })
  })

  describe('the backend URL in use', () => {
    afterEach(() => vi.unstubAllEnvs())

    it('is the same origin (the page\'s own) with neither a setting nor a build URL', () => {
      vi.stubEnv('VITE_TOKEN_BACKEND_URL', '')
      const settings = useSettingsStore()
      expect(settings.effectiveBackendUrl).toBe('')
      expect(settings.backendUrlSource).toBe('same-origin')
      expect(pageOrigin()).toBe(location.origin)
    })

    it('is the build URL (without trailing slash) until the agent sets one, and again after a reset', () => {
      vi.stubEnv('VITE_TOKEN_BACKEND_URL', ' https://build.example.com/ ')
      const settings = useSettingsStore()
      expect(settings.effectiveBackendUrl).toBe('https://build.example.com')
      expect(settings.backendUrlSource).toBe('build')
      settings.setBackendUrl('https://10.0.0.5:8787')
      expect(settings.effectiveBackendUrl).toBe('https://10.0.0.5:8787')
      expect(settings.backendUrlSource).toBe('custom')
      settings.setBackendUrl('')
      expect(settings.effectiveBackendUrl).toBe('https://build.example.com')
      expect(settings.backendUrlSource).toBe('build')
    })

    it('is nowhere in an App built without one (no http(s) page origin)', () => {
      vi.stubEnv('VITE_TOKEN_BACKEND_URL', '')
      vi.stubGlobal('location', { origin: 'null' })
      try {
        expect(pageOrigin()).toBe('')
        expect(useSettingsStore().backendUrlSource).toBe('none')
      } finally {
        vi.unstubAllGlobals()
      }
    })
  })

  it('ignores a corrupted stored route', () => {
    uni.setStorageSync('tccc.settings.audioRoute', JSON.stringify({ v: 1, data: 'bluetooth' }))
    expect(useSettingsStore().audioRoute).toBe('earpiece')
  })

  it.each([
    ['', ''],
    ['http://192.168.1.2:8787', null],
    ['https://192.168.1.2:8787', 'https://192.168.1.2:8787'],
    ['https://a.example.com/base/', 'https://a.example.com/base'],
    ['a.example.com', null],
    ['http://', null],
  ])('normaliseBackendUrl(%j) = %j', (input, expected) => {
    expect(normaliseBackendUrl(input)).toBe(expected)
  })
})

describe('language preference', () => {
  afterEach(() => setLocale('zh'))

  it('has no choice at first: applying keeps the system language and tells the document', () => {
    setLocale('en') // as if the system were English
    const settings = useSettingsStore()
    expect(settings.locale).toBeNull()
    settings.applyLocale()
    expect(locale.value).toBe('en')
    expect(document.documentElement.lang).toBe('en')
  })

  it('shows and remembers a choice under the key and format earlier versions used', () => {
    const settings = useSettingsStore()
    settings.setLocale('en')
    expect(settings.locale).toBe('en')
    expect(locale.value).toBe('en')
    expect(document.documentElement.lang).toBe('en')
    expect(JSON.parse(storage.get('tccc.locale') as string)).toEqual({ v: 1, data: 'en' })
    settings.setLocale('zh')
    expect(document.documentElement.lang).toBe('zh-CN')
    expect(JSON.parse(storage.get('tccc.locale') as string)).toEqual({ v: 1, data: 'zh' })
  })

  it('applies a choice stored by an earlier version at start', () => {
    uni.setStorageSync('tccc.locale', JSON.stringify({ v: 1, data: 'en' }))
    const settings = useSettingsStore()
    expect(settings.locale).toBe('en')
    expect(locale.value).toBe('zh') // nothing changes before the app applies it
    settings.applyLocale()
    expect(locale.value).toBe('en')
    expect(document.documentElement.lang).toBe('en')
  })

  it('ignores a corrupted stored language and refuses an unknown one', () => {
    uni.setStorageSync('tccc.locale', JSON.stringify({ v: 1, data: 'fr' }))
    const settings = useSettingsStore()
    expect(settings.locale).toBeNull()
    settings.setLocale('fr' as never)
    expect(settings.locale).toBeNull()
    expect(locale.value).toBe('zh')
    expect(storage.get('tccc.locale')).toBe(JSON.stringify({ v: 1, data: 'fr' }))
  })
})

describe('settings (mutation survivors)', () => {
  it('refuses a URL of the right shape that is still no URL (a port that is not one)', () => {
    expect(checkBackendUrl('https://tokens.example.com:99999')).toEqual({ problem: 'invalid' })
    expect(checkBackendUrl('https://tokens.example.com:port/base')).toEqual({ problem: 'invalid' })
  })

  it('names no host for anything but an absolute http(s) URL', () => {
    expect(backendHost('https://tokens.example.com:8443/base')).toBe('tokens.example.com:8443')
    expect(backendHost('ftp://tokens.example.com')).toBe('')
    expect(backendHost('https://')).toBe('')
  })

  it('takes off every trailing slash, and refuses a URL with anything before the scheme', () => {
    expect(checkBackendUrl('https://tokens.example.com//')).toEqual({ url: 'https://tokens.example.com' })
    expect(checkBackendUrl('xhttps://tokens.example.com')).toEqual({ problem: 'invalid' })
  })

  it('names no host for a URL that only contains an http(s) URL', () => {
    expect(backendHost('ftp://tokens.example.com/https://other.example.com')).toBe('')
  })

  it('has no page origin where there is no page (App)', () => {
    vi.stubGlobal('location', undefined)
    try {
      expect(pageOrigin()).toBe('')
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it.each([['http://evil.example'], ['https://tokens.example.com/'], [5]])('ignores a stored backend URL it would refuse now: %j', (data) => {
    uni.setStorageSync('tccc.settings.backendUrl', JSON.stringify({ v: 1, data }))
    expect(useSettingsStore().backendUrl).toBe('')
  })

  it('reads the route and backend URL stored by an earlier version of the app', () => {
    uni.setStorageSync('tccc.settings.audioRoute', JSON.stringify({ v: 1, data: 'speakerphone' }))
    uni.setStorageSync('tccc.settings.backendUrl', JSON.stringify({ v: 1, data: 'https://tokens.example.com' }))
    const settings = useSettingsStore()
    expect(settings.audioRoute).toBe('speakerphone')
    expect(settings.backendUrl).toBe('https://tokens.example.com')
  })

  it('refuses an unknown audio route: the route and the stored one stay', () => {
    const settings = useSettingsStore()
    settings.setAudioRoute('speakerphone')
    settings.setAudioRoute('bluetooth' as never)
    expect(settings.audioRoute).toBe('speakerphone')
    expect(JSON.parse(storage.get('tccc.settings.audioRoute') as string)).toEqual({ v: 1, data: 'speakerphone' })
    settings.setAudioRoute('earpiece')
    expect(settings.audioRoute).toBe('earpiece')
  })

  it('a reset to the same origin removes the stored backend URL', () => {
    const settings = useSettingsStore()
    settings.setBackendUrl('https://tokens.example.com')
    expect(storage.has('tccc.settings.backendUrl')).toBe(true)
    settings.setBackendUrl('')
    expect(storage.has('tccc.settings.backendUrl')).toBe(false)
  })
})
