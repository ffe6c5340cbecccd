/**
 * The tabs of one browser in a test: every link made from one bus hears the others' messages (a
 * task later, as a BroadcastChannel delivers them), never its own. `close(link)` is the tab going
 * away: its leaving listeners run, then it hears nothing more. The tabs have Web Locks (`locks`)
 * unless the bus is made without (`{ locks: false }`: an older browser, a plain http page).
 */
import type { TabLink, TabLocks, TabMessageListener } from '@/platform/tabLink'

export interface FakeTabBus {
  link(tabId: string): TabLink
  /** The tab is closed (or reloaded): `onLeaving` runs, then it is off the bus. */
  close(link: TabLink): void
  /** The page went into the back-forward cache: `onLeaving` runs, and it hears nothing meanwhile. */
  hide(link: TabLink): void
  /** The page came back from the back-forward cache: it hears again, `onBack` runs. */
  back(link: TabLink): void
  /** The tab dies without a word (crashed, killed, discarded): no page event, its locks let go. */
  crash(link: TabLink): void
  /** Every message posted, in order, with who posted it. */
  readonly posted: Array<{ from: string; message: unknown }>
}

export function createFakeTabBus(options: { locks?: boolean } = {}): FakeTabBus {
  const tabs = new Map<TabLink, { listeners: Set<TabMessageListener>; leaving: Set<() => void>; back: Set<() => void>; hidden: boolean }>()
  const posted: FakeTabBus['posted'] = []
  /** Lock name -> the tab holding it; the tabs waiting for it to be free. */
  const dead = new WeakSet<TabLink>()
  const lockHolders = new Map<string, string>()
  const freeWaiters = new Map<string, Set<() => void>>()
  const letGo = (name: string) => {
    lockHolders.delete(name)
    const waiters = freeWaiters.get(name)
    freeWaiters.delete(name)
    for (const waiter of waiters ?? []) setTimeout(waiter, 0)
  }
  const letGoAllOf = (tabId: string) => {
    for (const [name, holder] of [...lockHolders]) if (holder === tabId) letGo(name)
  }
  const locksOf = (tabId: string): TabLocks => ({
    hold(name) {
      lockHolders.set(name, tabId)
      let released = false
      return () => {
        if (released || lockHolders.get(name) !== tabId) return
        released = true
        letGo(name)
      }
    },
    whenFree(name, free) {
      let cancelled = false
      const waiter = () => {
        if (!cancelled) free()
      }
      if (!lockHolders.has(name)) setTimeout(waiter, 0)
      else {
        if (!freeWaiters.has(name)) freeWaiters.set(name, new Set())
        freeWaiters.get(name)?.add(waiter)
      }
      return () => {
        cancelled = true
      }
    },
  })
  return {
    posted,
    link(tabId) {
      const own = { listeners: new Set<TabMessageListener>(), leaving: new Set<() => void>(), back: new Set<() => void>(), hidden: false }
      const link: TabLink = {
        tabId,
        ...(options.locks === false ? {} : { locks: locksOf(tabId) }),
        post(message) {
          // A crashed tab says nothing more.
          if (dead.has(link)) return
          posted.push({ from: tabId, message })
          const copy: unknown = JSON.parse(JSON.stringify(message))
          for (const [other, state] of tabs) {
            if (other === link) continue
            setTimeout(() => {
              if (state.hidden) return
              for (const listener of [...state.listeners]) listener(copy)
            }, 0)
          }
        },
        listen(listener) {
          own.listeners.add(listener)
          return () => own.listeners.delete(listener)
        },
        onLeaving(listener) {
          own.leaving.add(listener)
          return () => own.leaving.delete(listener)
        },
        onBack(listener) {
          own.back.add(listener)
          return () => own.back.delete(listener)
        },
      }
      tabs.set(link, own)
      return link
    },
    close(link) {
      const state = tabs.get(link)
      if (!state) return
      for (const listener of [...state.leaving]) listener()
      state.listeners.clear()
      tabs.delete(link)
      letGoAllOf(link.tabId)
    },
    crash(link) {
      const state = tabs.get(link)
      if (!state) return
      state.listeners.clear()
      tabs.delete(link)
      dead.add(link)
      letGoAllOf(link.tabId)
    },
    hide(link) {
      const state = tabs.get(link)
      if (!state) return
      for (const listener of [...state.leaving]) listener()
      state.hidden = true
    },
    back(link) {
      const state = tabs.get(link)
      if (!state) return
      state.hidden = false
      for (const listener of [...state.back]) listener()
    },
  }
}
