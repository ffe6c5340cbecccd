import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useThemeStore } from '@/store/theme'

function stubSystem(dark: boolean) {
  const listeners = new Set<(e: { matches: boolean }) => void>()
  const query = {
    matches: dark,
    addEventListener: (_: string, fn: (e: { matches: boolean }) => void) => listeners.add(fn),
    removeEventListener: (_: string, fn: (e: { matches: boolean }) => void) => listeners.delete(fn),
  }
  vi.stubGlobal('matchMedia', (q: string) => (q === '(prefers-color-scheme: dark)' ? query : { matches: false }))
  return {
    flip(next: boolean) {
      query.matches = next
      for (const fn of listeners) fn({ matches: next })
    },
    listeners,
  }
}

/** A fresh theme store whose idle callbacks wait in `idle` until the test runs them (cold start). */
function startCold(dark: boolean) {
  const idle: Array<() => void> = []
  vi.stubGlobal('requestIdleCallback', (cb: () => void) => idle.push(cb))
  const system = stubSystem(dark)
  setActivePinia(createPinia())
  return { idle, system, theme: useThemeStore() }
}

// Every test stubs matchMedia (and some requestIdleCallback): put the real ones back after each.
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('theme store', () => {
  it('starts in the system appearance and follows its changes', async () => {
    const system = stubSystem(true)
    setActivePinia(createPinia())
    const theme = useThemeStore()
    expect(theme.theme).toBe('dark')
    expect(theme.themeClass).toBe('theme-dark')
    await vi.waitFor(() => expect(system.listeners.size).toBe(1))
    system.flip(false)
    expect(theme.theme).toBe('light')
    expect(theme.themeClass).toBe('theme-light')
    theme.unfollow()
    expect(system.listeners.size).toBe(0)
  })
})

describe('theme store at cold start', () => {
  it('starts watching the system only once the first page is idle, and catches a change made before', async () => {
    const { idle, system, theme } = startCold(false)
    expect(theme.theme).toBe('light')
    await Promise.resolve()
    expect(system.listeners.size).toBe(0)
    expect(idle).toHaveLength(1)
    // The system turns dark before the watcher has loaded.
    system.flip(true)
    expect(theme.theme).toBe('light')
    idle[0]()
    await vi.waitFor(() => expect(system.listeners.size).toBe(1))
    expect(theme.theme).toBe('dark')
    theme.unfollow()
  })

  it('never starts when unfollowed before the first page is idle', async () => {
    const { idle, system, theme } = startCold(true)
    theme.unfollow()
    idle[0]()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(system.listeners.size).toBe(0)
  })
})

describe('theme store (mutation survivors)', () => {
  it('following again while already following asks for no second start and keeps one watcher', async () => {
    const { idle, system, theme } = startCold(false)
    theme.follow()
    expect(idle).toHaveLength(1)
    idle[0]()
    await vi.waitFor(() => expect(system.listeners.size).toBe(1))
    theme.follow()
    expect(idle).toHaveLength(1)
    theme.unfollow()
    expect(system.listeners.size).toBe(0)
  })

  it('keeps the appearance read at start, and says why, when the system cannot report changes', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    vi.stubGlobal('matchMedia', () => ({
      matches: true,
      addEventListener: () => {
        throw new Error('no change events')
      },
    }))
    setActivePinia(createPinia())
    const theme = useThemeStore()
    await vi.waitFor(() => expect(warn).toHaveBeenCalledWith('[theme] cannot follow the system appearance', expect.objectContaining({ message: 'no change events' })))
    expect(theme.theme).toBe('dark')
    theme.unfollow()
  })

  it('unfollowed while the watcher loads, it never starts and keeps the appearance read at start', async () => {
    const { idle, system, theme } = startCold(true)
    idle[0]()
    theme.unfollow()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(system.listeners.size).toBe(0)
    system.flip(false)
    expect(theme.theme).toBe('dark')
  })

  describe('loading the watcher', () => {
    const load = vi.fn(() => ({ watchTheme: () => () => undefined }))
    beforeEach(() => {
      load.mockClear()
      vi.doMock('@/platform/themeWatch', load)
    })
    afterEach(() => {
      vi.doUnmock('@/platform/themeWatch')
    })

    it('loads the watcher code once the first page is idle', async () => {
      const { idle } = startCold(false)
      idle[0]()
      await vi.waitFor(() => expect(load).toHaveBeenCalledTimes(1))
    })

    it('unfollowed before the first page is idle, does not even load the watcher code', async () => {
      const { idle, theme } = startCold(false)
      theme.unfollow()
      idle[0]()
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(load).not.toHaveBeenCalled()
    })
  })
})
