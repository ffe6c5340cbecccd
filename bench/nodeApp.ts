/**
 * What the Node benches need to load the app's stores outside uni-app: an in-memory `uni` (like
 * tests/setup/uni.ts, without vitest), a granted microphone, and the platform selector pointed at
 * the simulator (its conditional compilation only runs in the uni build).
 */
import Module from 'node:module'
import path from 'node:path'

/** Installs the global `uni` and `navigator` stand-ins; call before any app module loads. */
export function installNodeUni(bench: string): void {
  const storage = new Map<string, unknown>()
  const noop = (): void => undefined
  const uniStub = {
    getStorageSync: (key: string) => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync: (key: string, value: unknown) => void storage.set(key, value),
    removeStorageSync: (key: string) => void storage.delete(key),
    getStorageInfoSync: () => ({ keys: [...storage.keys()], currentSize: 0, limitSize: 10240 }),
    request: () => {
      throw new Error(`no network in the ${bench} bench`)
    },
    getLocale: () => 'zh-Hans',
    getSystemInfoSync: () => ({ language: 'zh-CN', platform: 'devtools', uniPlatform: 'web' }),
    showToast: noop,
    setKeepScreenOn: noop,
    createInnerAudioContext: () => ({ src: '', loop: false, play: noop, stop: noop, destroy: noop, onError: noop, offError: noop }),
  }
  ;(globalThis as unknown as { uni: typeof uniStub }).uni = uniStub
  // A granted microphone, for the permission probe when the platform module is not the simulator.
  if (typeof navigator === 'undefined' || !navigator.mediaDevices) {
    Object.defineProperty(globalThis, 'navigator', {
      configurable: true,
      value: { language: 'zh-CN', mediaDevices: { getUserMedia: async () => ({ getTracks: () => [] }) } },
    })
  }
}

/** Makes `src/platform/index.ts` resolve to the simulator without running its uni-only code. */
export function stubPlatformSelector(createSimulated: () => unknown): void {
  const file = path.resolve(__dirname, '../src/platform/index.ts')
  const stub = new Module(file)
  stub.filename = file
  stub.loaded = true
  stub.exports = { platformKind: 'simulated', createPlatform: createSimulated }
  require.cache[file] = stub
}
