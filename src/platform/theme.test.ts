import { afterEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { systemTheme, type Theme } from './theme'
import { watchTheme } from './themeWatch'

type MediaChange = { matches: boolean }

/** A browser whose `prefers-color-scheme: dark` query says `dark`; other queries never match. */
function browserScheme(dark: boolean, { withEvents = true } = {}) {
  const handlers = new Map<string, Set<(event: MediaChange) => void>>()
  const query: Record<string, unknown> = { matches: dark }
  if (withEvents) {
    query.addEventListener = (type: string, handler: (event: MediaChange) => void) => {
      if (!handlers.has(type)) handlers.set(type, new Set())
      handlers.get(type)?.add(handler)
    }
    query.removeEventListener = (type: string, handler: (event: MediaChange) => void) => handlers.get(type)?.delete(handler)
  }
  vi.stubGlobal('matchMedia', (media: string) => (media === '(prefers-color-scheme: dark)' ? query : { matches: false }))
  return {
    change(next: boolean) {
      query.matches = next
      for (const handler of handlers.get('change') ?? []) handler({ matches: next })
    },
    watching: () => handlers.get('change')?.size ?? 0,
  }
}

/** The App: no matchMedia; uni reports `theme` and, when asked, its changes. */
function appTheme(theme: string | undefined, { canFollow = true, canUnfollow = true } = {}) {
  vi.stubGlobal('matchMedia', undefined)
  const callbacks = new Set<(result: { theme: string }) => void>()
  const app = uni as unknown as Record<string, unknown>
  app.getSystemInfoSync = fn(() => ({ platform: 'android', theme }))
  if (canFollow) app.onThemeChange = fn((callback: (result: { theme: string }) => void) => callbacks.add(callback))
  else delete app.onThemeChange
  if (canUnfollow) app.offThemeChange = fn((callback: (result: { theme: string }) => void) => callbacks.delete(callback))
  else delete app.offThemeChange
  return {
    change(next: string) {
      for (const callback of callbacks) callback({ theme: next })
    },
    watching: () => callbacks.size,
  }
}

function follow(): { seen: Theme[]; stop: () => void } {
  const seen: Theme[] = []
  const stop = watchTheme((theme) => seen.push(theme))
  return { seen, stop }
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('systemTheme in a browser', () => {
  it('reads dark or light from prefers-color-scheme, whatever uni says', () => {
    appTheme('light')
    browserScheme(true)
    expect(systemTheme()).toBe('dark')
    appTheme('dark')
    browserScheme(false)
    expect(systemTheme()).toBe('light')
  })
})

describe('systemTheme in the App (no matchMedia)', () => {
  it('reads the theme uni reports: dark, light, or light when it says nothing', () => {
    appTheme('dark')
    expect(systemTheme()).toBe('dark')
    appTheme('light')
    expect(systemTheme()).toBe('light')
    appTheme(undefined)
    expect(systemTheme()).toBe('light')
  })

  it('asks uni also where there is no window at all', () => {
    appTheme('dark')
    vi.stubGlobal('window', undefined)
    expect(systemTheme()).toBe('dark')
  })

  it('says light when uni cannot report the system', () => {
    appTheme('dark')
    ;(uni as unknown as Record<string, unknown>).getSystemInfoSync = () => {
      throw new Error('getSystemInfoSync:fail')
    }
    expect(systemTheme()).toBe('light')
  })
})

describe('watchTheme in a browser', () => {
  it('reports the appearance now and each change, until unsubscribed', () => {
    appTheme('light')
    const scheme = browserScheme(true)
    const { seen, stop } = follow()
    expect(seen).toEqual(['dark'])
    scheme.change(false)
    scheme.change(true)
    expect(seen).toEqual(['dark', 'light', 'dark'])
    stop()
    expect(scheme.watching()).toBe(0)
    scheme.change(false)
    expect(seen).toEqual(['dark', 'light', 'dark'])
  })

  it('starts light, and gives the appearance now where the query cannot report changes', () => {
    browserScheme(false, { withEvents: false })
    const { seen, stop } = follow()
    expect(seen).toEqual(['light'])
    expect(() => stop()).not.toThrow()
  })
})

describe('watchTheme in the App (no matchMedia)', () => {
  it('reports the theme now and each uni theme change, until unsubscribed', () => {
    const app = appTheme('dark')
    const { seen, stop } = follow()
    expect(seen).toEqual(['dark'])
    app.change('light')
    app.change('dark')
    app.change('unknown')
    expect(seen).toEqual(['dark', 'light', 'dark', 'light'])
    stop()
    expect(app.watching()).toBe(0)
    expect(uni.offThemeChange).toHaveBeenCalledWith((uni.onThemeChange as unknown as ReturnType<typeof fn>).mock.calls[0][0])
    app.change('dark')
    expect(seen).toHaveLength(4)
  })

  it('follows uni also where there is no window at all', () => {
    const app = appTheme('light')
    vi.stubGlobal('window', undefined)
    const { seen, stop } = follow()
    app.change('dark')
    expect(seen).toEqual(['light', 'dark'])
    stop()
    expect(app.watching()).toBe(0)
  })

  it('gives the theme now where uni cannot report changes, and unsubscribing is a no-op', () => {
    appTheme('dark', { canFollow: false, canUnfollow: false })
    const { seen, stop } = follow()
    expect(seen).toEqual(['dark'])
    expect(() => stop()).not.toThrow()
  })

  it('keeps following quietly where uni cannot unsubscribe', () => {
    const app = appTheme('light', { canUnfollow: false })
    const { seen, stop } = follow()
    expect(() => stop()).not.toThrow()
    app.change('dark')
    expect(seen).toEqual(['light', 'dark'])
  })

  it('reports nothing and returns a no-op where there is no uni either', () => {
    appTheme('dark')
    vi.stubGlobal('uni', undefined)
    const { seen, stop } = follow()
    expect(() => stop()).not.toThrow()
    expect(seen).toEqual([])
  })
})
