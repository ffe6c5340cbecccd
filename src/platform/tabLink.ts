/**
 * The tabs of one browser talking to each other: the transport under the one-registration-per-
 * agent rule (`src/services/tabRegistration.ts` holds the protocol). A browser has several tabs
 * over one storage; the App has one instance, so there it is a no-op (no other tab ever answers).
 *
 * H5: a `BroadcastChannel`, or where there is none, a key written to `localStorage` and heard as
 * the other tabs' `storage` event. The tab's id survives its own reload (kept in `sessionStorage`
 * while the page goes away) but not a duplicated tab: the id is taken out of `sessionStorage` as
 * soon as it is read, so a copy made of the live tab starts with a new one.
 */
export type TabMessageListener = (message: unknown) => void

/**
 * Locks that die with the tab (the browser's Web Locks, `navigator.locks`): a lock a tab holds is
 * let go by the browser when that tab is closed, crashes, is killed or discarded, without any
 * page event; it stays held while the tab lives, hidden, throttled or frozen.
 */
export interface TabLocks {
  /** Holds `name` until the returned release runs, or this tab dies. */
  hold(name: string): () => void
  /** Runs `free` once `name` is not held (at once when nobody holds it); returns the cancel. */
  whenFree(name: string, free: () => void): () => void
}

export interface TabLink {
  /** This tab's id: the same after a reload of this tab, another in every other tab. */
  readonly tabId: string
  /** To every other tab of this browser (never to this one). */
  post(message: unknown): void
  /** Messages from the other tabs; returns the unsubscribe. */
  listen(listener: TabMessageListener): () => void
  /** This tab is going away (closed, reloaded, navigated off); returns the unsubscribe. */
  onLeaving(listener: () => void): () => void
  /**
   * This page came back from the back-forward cache (its state as it was at `onLeaving`, which ran
   * as it went in); returns the unsubscribe.
   */
  onBack(listener: () => void): () => void
  /** Where the browser has Web Locks (a secure context, a recent browser); else absent. */
  readonly locks?: TabLocks
  /** No other tab can ever be there (the App, a browser refusing storage): nothing to watch or tell. */
  readonly alone?: true
}

const CHANNEL_NAME = 'tccc.tabs'
/** The fallback's message key in `localStorage` (written and removed at once). */
export const TAB_MESSAGE_KEY = 'tccc.tabs.message'
/** Where the id waits in `sessionStorage` while the page reloads. */
export const TAB_ID_KEY = 'tccc.tabs.id'

export function newTabId(): string {
  const random = typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
  return `tab-${random}`
}

/** One tab alone (the App): nothing to tell, nobody to hear. */
export function createLoneTabLink(): TabLink {
  const tabId = newTabId()
  return {
    tabId,
    alone: true,
    post: () => undefined,
    listen: () => () => undefined,
    onLeaving: () => () => undefined,
    onBack: () => () => undefined,
  }
}

/** What the browser link needs from the window (tests pass their own). */
export interface BrowserTabEnv {
  sessionStorage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
  localStorage: Pick<Storage, 'setItem' | 'removeItem'>
  addEventListener(type: string, listener: (event: Event) => void): void
  removeEventListener(type: string, listener: (event: Event) => void): void
  BroadcastChannel?: typeof BroadcastChannel
  locks?: Pick<LockManager, 'request'>
}

/** The browser's Web Locks as `TabLocks`. */
export function webTabLocks(manager: Pick<LockManager, 'request'>): TabLocks {
  return {
    hold(name) {
      let release = () => undefined as void
      const held = new Promise<void>((resolve) => (release = resolve))
      manager.request(name, () => held).catch(() => undefined)
      return () => release()
    },
    whenFree(name, free) {
      const abort = new AbortController()
      // Shared: the tabs waiting on one holder do not queue behind each other; granted, let go at once.
      manager
        .request(name, { mode: 'shared', signal: abort.signal }, () => {
          if (!abort.signal.aborted) free()
        })
        .catch(() => undefined)
      return () => abort.abort()
    },
  }
}

export function createBrowserTabLink(env: BrowserTabEnv): TabLink {
  let tabId: string
  try {
    tabId = env.sessionStorage.getItem(TAB_ID_KEY) ?? newTabId()
    env.sessionStorage.removeItem(TAB_ID_KEY)
  } catch {
    tabId = newTabId()
  }
  const listeners = new Set<TabMessageListener>()
  const deliver = (message: unknown) => {
    for (const listener of [...listeners]) listener(message)
  }
  let post: (message: unknown) => void
  if (typeof env.BroadcastChannel === 'function') {
    const channel = new env.BroadcastChannel(CHANNEL_NAME)
    channel.onmessage = (event: MessageEvent) => deliver(event.data)
    // Node's channel (unit tests) would keep the process alive.
    ;(channel as unknown as { unref?: () => void }).unref?.()
    post = (message) => channel.postMessage(message)
  } else {
    let sent = 0
    env.addEventListener('storage', (event: Event) => {
      const { key, newValue } = event as StorageEvent
      if (key !== TAB_MESSAGE_KEY || !newValue) return
      try {
        deliver((JSON.parse(newValue) as { message: unknown }).message)
      } catch {
        // not ours
      }
    })
    post = (message) => {
      try {
        // A counter and the id make every write a change, so the same message twice is heard twice.
        env.localStorage.setItem(TAB_MESSAGE_KEY, JSON.stringify({ message, from: tabId, n: (sent += 1) }))
        env.localStorage.removeItem(TAB_MESSAGE_KEY)
      } catch {
        // storage full or refused: the other tabs learn it at their next start
      }
    }
  }
  // The id waits for this tab's reload; a page brought back from the back-forward cache takes it out again.
  env.addEventListener('pagehide', () => {
    try {
      env.sessionStorage.setItem(TAB_ID_KEY, tabId)
    } catch {
      // a new id after the reload: the tab then asks like any other
    }
  })
  env.addEventListener('pageshow', () => {
    try {
      env.sessionStorage.removeItem(TAB_ID_KEY)
    } catch {
      // nothing to take out
    }
  })
  const locks = env.locks ? webTabLocks(env.locks) : undefined
  return {
    tabId,
    ...(locks ? { locks } : {}),
    post: (message) => post(message),
    listen(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    onLeaving(listener) {
      const onHide = () => listener()
      env.addEventListener('pagehide', onHide)
      return () => env.removeEventListener('pagehide', onHide)
    },
    onBack(listener) {
      const onShow = (event: Event) => {
        if ((event as PageTransitionEvent).persisted) listener()
      }
      env.addEventListener('pageshow', onShow)
      return () => env.removeEventListener('pageshow', onShow)
    },
  }
}

/** This build's link: the browser's tabs in H5, one lone tab in the App. */
export function createTabLink(): TabLink {
  // #ifdef H5
  if (typeof window !== 'undefined' && typeof window.addEventListener === 'function') {
    try {
      return createBrowserTabLink({
        sessionStorage: window.sessionStorage,
        localStorage: window.localStorage,
        addEventListener: (type, listener) => window.addEventListener(type, listener),
        removeEventListener: (type, listener) => window.removeEventListener(type, listener),
        BroadcastChannel: typeof BroadcastChannel === 'function' ? BroadcastChannel : undefined,
        // Absent outside a secure context (plain http on a LAN address) and in older browsers.
        locks: typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : undefined,
      })
    } catch {
      // storage refused (a private mode): this tab on its own
    }
  }
  // #endif
  return createLoneTabLink()
}
