/**
 * The tabs of one browser in a test: every link made from one bus hears the others' messages (a
 * task later, as a BroadcastChannel delivers them), never its own. `close(link)` is the tab going
 * away: its leaving listeners run, then it hears nothing more.
 */
import type { TabLink, TabMessageListener } from '@/platform/tabLink'

export interface FakeTabBus {
  link(tabId: string): TabLink
  /** The tab is closed (or reloaded): `onLeaving` runs, then it is off the bus. */
  close(link: TabLink): void
  /** The page went into the back-forward cache: `onLeaving` runs, and it hears nothing meanwhile. */
  hide(link: TabLink): void
  /** The page came back from the back-forward cache: it hears again, `onBack` runs. */
  back(link: TabLink): void
  /** Every message posted, in order, with who posted it. */
  readonly posted: Array<{ from: string; message: unknown }>
}

export function createFakeTabBus(): FakeTabBus {
  const tabs = new Map<TabLink, { listeners: Set<TabMessageListener>; leaving: Set<() => void>; back: Set<() => void>; hidden: boolean }>()
  const posted: FakeTabBus['posted'] = []
  return {
    posted,
    link(tabId) {
      const own = { listeners: new Set<TabMessageListener>(), leaving: new Set<() => void>(), back: new Set<() => void>(), hidden: false }
      const link: TabLink = {
        tabId,
        post(message) {
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
