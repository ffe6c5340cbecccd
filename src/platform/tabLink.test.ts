/**
 * The browser's tab link: a BroadcastChannel where there is one, else a localStorage key heard as
 * the other tabs' storage event; a tab id that survives this tab's reload, not a duplicated tab.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createBrowserTabLink, createLoneTabLink, createTabLink, TAB_ID_KEY, TAB_MESSAGE_KEY, webTabLocks, type BrowserTabEnv } from './tabLink'

/** One browser: shared localStorage and channel, one sessionStorage and window per tab. */
function browser() {
  const channels = new Set<FakeChannel>()
  const windows = new Set<FakeWindow>()
  const local = new Map<string, string>()
  class FakeChannel {
    onmessage: ((event: MessageEvent) => void) | null = null
    constructor(readonly name: string) {
      channels.add(this)
    }
    postMessage(data: unknown): void {
      for (const other of channels) if (other !== this && other.name === this.name) other.onmessage?.({ data: structuredClone(data) } as MessageEvent)
    }
  }
  class FakeWindow {
    listeners = new Map<string, Set<(event: Event) => void>>()
    session = new Map<string, string>()
    constructor() {
      windows.add(this)
    }
    fire(type: string, event: Partial<StorageEvent> = {}): void {
      for (const listener of [...(this.listeners.get(type) ?? [])]) listener(event as Event)
    }
    env(withChannel: boolean): BrowserTabEnv {
      const session = this.session
      const own = this as FakeWindow
      return {
        sessionStorage: {
          getItem: (k) => session.get(k) ?? null,
          setItem: (k, v) => void session.set(k, v),
          removeItem: (k) => void session.delete(k),
        },
        localStorage: {
          setItem(k, v) {
            local.set(k, v)
            // The storage event reaches every other tab, never the writer.
            for (const w of windows) if (w !== own) w.fire('storage', { key: k, newValue: v })
          },
          removeItem(k) {
            local.delete(k)
            for (const w of windows) if (w !== own) w.fire('storage', { key: k, newValue: null })
          },
        },
        addEventListener: (type, listener) => {
          if (!own.listeners.has(type)) own.listeners.set(type, new Set())
          own.listeners.get(type)?.add(listener)
        },
        removeEventListener: (type, listener) => own.listeners.get(type)?.delete(listener),
        ...(withChannel ? { BroadcastChannel: FakeChannel as unknown as typeof BroadcastChannel } : {}),
      }
    }
  }
  return { tab: () => new FakeWindow(), local }
}

describe.each([
  ['a BroadcastChannel', true],
  ['the storage-event fallback', false],
])('the tabs of one browser talk over %s', (_name, withChannel) => {
  it("delivers a tab's message to every other tab, never back to itself, twice when sent twice", () => {
    const b = browser()
    const [one, two, three] = [b.tab(), b.tab(), b.tab()]
    const links = [one, two, three].map((w) => createBrowserTabLink(w.env(withChannel)))
    const heard = links.map(() => [] as unknown[])
    links.forEach((link, i) => link.listen((m) => heard[i].push(m)))
    links[0].post({ kind: 'ping', seat: 's' })
    links[0].post({ kind: 'ping', seat: 's' })
    expect(heard[0]).toEqual([])
    expect(heard[1]).toEqual([{ kind: 'ping', seat: 's' }, { kind: 'ping', seat: 's' }])
    expect(heard[2]).toEqual(heard[1])
    // The fallback leaves nothing behind in localStorage.
    expect(b.local.has(TAB_MESSAGE_KEY)).toBe(false)
  })

  it('stops delivering to a listener that unsubscribed', () => {
    const b = browser()
    const [one, two] = [b.tab(), b.tab()].map((w) => createBrowserTabLink(w.env(withChannel)))
    const heard: unknown[] = []
    const off = two.listen((m) => heard.push(m))
    off()
    one.post({ kind: 'held' })
    expect(heard).toEqual([])
  })
})

describe("a tab's id", () => {
  it('is kept across this tab\'s reload (written at pagehide), and taken out of sessionStorage as it is read', () => {
    const b = browser()
    const tab = b.tab()
    const first = createBrowserTabLink(tab.env(true))
    expect(tab.session.has(TAB_ID_KEY)).toBe(false)
    tab.fire('pagehide')
    expect(tab.session.get(TAB_ID_KEY)).toBe(first.tabId)
    // The reload: a new page in the same tab.
    const reloaded = createBrowserTabLink(tab.env(true))
    expect(reloaded.tabId).toBe(first.tabId)
    expect(tab.session.has(TAB_ID_KEY)).toBe(false)
  })

  it('is new in a duplicated tab (its sessionStorage is a copy made while the original lives)', () => {
    const b = browser()
    const tab = b.tab()
    const original = createBrowserTabLink(tab.env(true))
    const copy = b.tab()
    copy.session = new Map(tab.session)
    expect(createBrowserTabLink(copy.env(true)).tabId).not.toBe(original.tabId)
  })

  it('is taken out again when the page comes back from the back-forward cache', () => {
    const b = browser()
    const tab = b.tab()
    createBrowserTabLink(tab.env(true))
    tab.fire('pagehide')
    tab.fire('pageshow')
    expect(tab.session.has(TAB_ID_KEY)).toBe(false)
  })

  it('runs the leaving listeners at pagehide until unsubscribed', () => {
    const tab = browser().tab()
    const link = createBrowserTabLink(tab.env(true))
    let left = 0
    const off = link.onLeaving(() => (left += 1))
    tab.fire('pagehide')
    off()
    tab.fire('pagehide')
    expect(left).toBe(1)
  })
  it('runs the back listeners only when the page comes back from the back-forward cache', () => {
    const tab = browser().tab()
    const link = createBrowserTabLink(tab.env(true))
    let back = 0
    link.onBack(() => (back += 1))
    tab.fire('pageshow', { persisted: false } as Partial<StorageEvent>)
    tab.fire('pageshow', { persisted: true } as Partial<StorageEvent>)
    expect(back).toBe(1)
  })
})

describe("the browser's Web Locks (a tab's liveness)", () => {
  /** A lock manager as the browser's: exclusive holds, shared requests granted once no exclusive one is held. */
  function lockManager() {
    const held = new Map<string, Promise<unknown>>()
    const request = ((name: string, ...rest: unknown[]) => {
      const [options, callback] = (rest.length === 1 ? [{}, rest[0]] : rest) as [LockOptions, (lock: unknown) => unknown]
      const granted = (held.get(name) ?? Promise.resolve()).then(() => {
        if (options.signal?.aborted) throw new DOMException('aborted', 'AbortError')
        return callback({ name })
      })
      if (options.mode !== 'shared') {
        const done = granted.catch(() => undefined)
        held.set(name, done)
      }
      return granted
    }) as unknown as LockManager['request']
    return { request }
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

  it('whenFree runs once the holder lets go (the tab died: the browser lets go), not before; cancelled, never', async () => {
    const manager = lockManager()
    const holder = webTabLocks(manager)
    const watcher = webTabLocks(manager)
    const release = holder.hold('seat:tab-a')
    let free = 0
    let cancelledFree = 0
    watcher.whenFree('seat:tab-a', () => (free += 1))
    const cancel = watcher.whenFree('seat:tab-a', () => (cancelledFree += 1))
    await settle()
    expect(free).toBe(0)
    cancel()
    release()
    await settle()
    await settle()
    expect(free).toBe(1)
    expect(cancelledFree).toBe(0)
  })

  it('whenFree asks for the lock shared (the tabs waiting on one holder do not queue behind each other) and its cancel aborts the request; a grant after the cancel runs nothing', async () => {
    const asked: Array<{ name: string; options: LockOptions; grant: () => unknown }> = []
    const manager = {
      request: ((name: string, options: LockOptions, callback: () => unknown) => {
        asked.push({ name, options, grant: callback })
        return Promise.resolve()
      }) as unknown as LockManager['request'],
    }
    let free = 0
    const cancel = webTabLocks(manager).whenFree('seat:tab-a', () => (free += 1))
    expect(asked).toHaveLength(1)
    expect(asked[0].name).toBe('seat:tab-a')
    expect(asked[0].options.mode).toBe('shared')
    expect(asked[0].options.signal?.aborted).toBe(false)
    cancel()
    expect(asked[0].options.signal?.aborted).toBe(true)
    asked[0].grant()
    expect(free).toBe(0)
  })

  it('is on the link where the browser has it, and absent where it does not', () => {
    const tab = browser().tab()
    expect(createBrowserTabLink(tab.env(true)).locks).toBeUndefined()
    expect(createBrowserTabLink({ ...tab.env(true), locks: lockManager() }).locks).toBeDefined()
  })
})

describe('the App (one instance)', () => {
  it('has a lone tab: nothing is sent or heard', () => {
    const link = createLoneTabLink()
    const heard: unknown[] = []
    link.listen((m) => heard.push(m))
    link.post({ kind: 'ping' })
    expect(heard).toEqual([])
    expect(link.tabId).toMatch(/^tab-/)
    // Nothing to watch: the agreement runs no timer for it.
    expect(link.alone).toBe(true)
  })
})

describe("this build's link (H5)", () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it("has the browser's Web Locks where navigator has them, and none where it does not (the heartbeat then runs)", () => {
    vi.stubGlobal('navigator', { ...navigator, locks: undefined })
    expect(createTabLink().locks).toBeUndefined()
    vi.stubGlobal('navigator', { ...navigator, locks: { request: () => Promise.resolve() } })
    expect(createTabLink().locks).toBeDefined()
  })
})
