import { afterEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { watchNetwork } from './network'

describe('watchNetwork (browser)', () => {
  it('reports the state now, then the window going offline and back online, until unsubscribed', () => {
    const seen: boolean[] = []
    const stop = watchNetwork((online) => seen.push(online))
    window.dispatchEvent(new Event('offline'))
    window.dispatchEvent(new Event('online'))
    stop()
    window.dispatchEvent(new Event('offline'))
    expect(seen).toEqual([true, false, true])
  })

  describe('at its edges (mutation survivors)', () => {
    afterEach(() => {
      vi.unstubAllGlobals()
    })

    it('reports offline at once when the browser is offline as the watch starts', () => {
      vi.stubGlobal('navigator', { onLine: false })
      const seen: boolean[] = []
      const stop = watchNetwork((online) => seen.push(online))
      stop()
      expect(seen).toEqual([false])
    })

    it('counts a browser without navigator as online', () => {
      vi.stubGlobal('navigator', undefined)
      const seen: boolean[] = []
      const stop = watchNetwork((online) => seen.push(online))
      stop()
      expect(seen).toEqual([true])
    })

    it('hears no "online" after unsubscribing either', () => {
      const seen: boolean[] = []
      const stop = watchNetwork((online) => seen.push(online))
      stop()
      window.dispatchEvent(new Event('online'))
      expect(seen).toEqual([true])
    })

    it("uses uni's network status where a window exists without addEventListener", () => {
      vi.stubGlobal('window', {})
      const app = uni as unknown as Record<string, unknown>
      const changes: Array<(result: { isConnected: boolean }) => void> = []
      app.onNetworkStatusChange = fn((callback: (result: { isConnected: boolean }) => void) => changes.push(callback))
      app.getNetworkType = fn()
      const seen: boolean[] = []
      watchNetwork((online) => seen.push(online))
      changes.forEach((callback) => callback({ isConnected: false }))
      expect(seen).toEqual([false])
    })
  })
})

describe('watchNetwork in the App (no window; mutation survivors)', () => {
  type StatusChange = { isConnected: boolean }
  type NetworkTypeOptions = { success: (result: { networkType: string }) => void; fail: () => void }

  /** uni with onNetworkStatusChange; getNetworkType answers `networkType` (or never, or throws). */
  function appNetwork(networkType: string | 'throws' | 'silent') {
    vi.stubGlobal('window', undefined)
    const callbacks = new Set<(result: StatusChange) => void>()
    const app = uni as unknown as Record<string, unknown>
    app.onNetworkStatusChange = fn((callback: (result: StatusChange) => void) => callbacks.add(callback))
    app.offNetworkStatusChange = fn((callback: (result: StatusChange) => void) => callbacks.delete(callback))
    app.getNetworkType = fn((options: NetworkTypeOptions) => {
      if (networkType === 'throws') throw new Error('getNetworkType is not supported')
      if (networkType !== 'silent') options.success({ networkType })
    })
    return {
      change(isConnected: boolean) {
        for (const callback of callbacks) callback({ isConnected })
      },
      watching: () => callbacks.size,
    }
  }

  function follow(): { seen: boolean[]; stop: () => void } {
    const seen: boolean[] = []
    const stop = watchNetwork((online) => seen.push(online))
    return { seen, stop }
  }

  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('reports the network type now (none = offline) and each status change, until unsubscribed', () => {
    const app = appNetwork('none')
    const { seen, stop } = follow()
    expect(seen).toEqual([false])
    app.change(true)
    app.change(false)
    expect(seen).toEqual([false, true, false])
    stop()
    expect(app.watching()).toBe(0)
    app.change(true)
    expect(seen).toEqual([false, true, false])
  })

  it('reads any network type but none as online', () => {
    appNetwork('wifi')
    expect(follow().seen).toEqual([true])
    appNetwork('4g')
    expect(follow().seen).toEqual([true])
  })

  it('still follows changes where the network type cannot be read now', () => {
    const app = appNetwork('throws')
    const { seen } = follow()
    expect(seen).toEqual([])
    app.change(false)
    expect(seen).toEqual([false])
    const failing = appNetwork('silent')
    const later = follow()
    failing.change(true)
    expect(later.seen).toEqual([true])
    const options = (uni.getNetworkType as unknown as ReturnType<typeof fn>).mock.calls[0][0] as NetworkTypeOptions
    expect(() => options.fail()).not.toThrow()
  })

  it('unsubscribes quietly where uni cannot', () => {
    const app = appNetwork('wifi')
    ;(uni as unknown as Record<string, unknown>).offNetworkStatusChange = () => {
      throw new Error('offNetworkStatusChange is not supported')
    }
    const { seen, stop } = follow()
    expect(() => stop()).not.toThrow()
    app.change(false)
    expect(seen).toEqual([true, false])
  })

  it('reports nothing and returns a no-op where uni has no network status, or there is no uni', () => {
    vi.stubGlobal('window', undefined)
    const withoutStatus = follow()
    expect(() => withoutStatus.stop()).not.toThrow()
    expect(withoutStatus.seen).toEqual([])
    vi.stubGlobal('uni', undefined)
    const withoutUni = follow()
    expect(() => withoutUni.stop()).not.toThrow()
    expect(withoutUni.seen).toEqual([])
  })
})
