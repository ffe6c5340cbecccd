/**
 * An in-memory stand-in for the `uni` global so services and stores run under vitest.
 * Storage behaves like uni storage (sync, per key); `request` is a jest-mock fn tests program.
 */
import { fn } from 'jest-mock'
import { beforeEach } from 'vitest'
import { config } from '@vue/test-utils'
import { UniIconsStub } from './uniUiStubs'

export const storage = new Map<string, unknown>()

function makeUni() {
  return {
    getStorageSync: fn((key: string) => (storage.has(key) ? storage.get(key) : '')),
    setStorageSync: fn((key: string, value: unknown) => {
      storage.set(key, value)
    }),
    removeStorageSync: fn((key: string) => {
      storage.delete(key)
    }),
    getStorageInfoSync: fn(() => ({ keys: [...storage.keys()], currentSize: 0, limitSize: 10240 })),
    request: fn(),
    getLocale: fn(() => 'zh-Hans'),
    setLocale: fn(() => true),
    getSystemInfoSync: fn(() => ({ language: 'zh-CN', platform: 'devtools', uniPlatform: 'web' })),
    showToast: fn(),
    showModal: fn(),
    navigateTo: fn(),
    redirectTo: fn(),
    reLaunch: fn(),
    switchTab: fn(),
    setKeepScreenOn: fn(),
    createInnerAudioContext: fn(() => ({ src: '', loop: false, play: fn(), stop: fn(), destroy: fn() })),
  }
}

;(globalThis as unknown as { uni: ReturnType<typeof makeUni> }).uni = makeUni()
// The same Chinese phone as `getLocale` above, seen from a browser (the H5 build asks the browser).
if (typeof navigator !== 'undefined') Object.defineProperty(navigator, 'language', { value: 'zh-CN', configurable: true })

beforeEach(() => {
  storage.clear()
  ;(globalThis as unknown as { uni: ReturnType<typeof makeUni> }).uni = makeUni()
// The same Chinese phone as `getLocale` above, seen from a browser (the H5 build asks the browser).
if (typeof navigator !== 'undefined') Object.defineProperty(navigator, 'language', { value: 'zh-CN', configurable: true })
})

// AppIcon's `<uni-icons>` comes through easycom, which vitest does not have.
config.global.components = { ...config.global.components, 'uni-icons': UniIconsStub }
