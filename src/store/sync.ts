/**
 * The sync state the shell shows, and the router of the sync engine's events: the only place
 * that turns `SyncEvent`s into numbers/history store actions (the engine never imports a store).
 *
 * The session store opens it for the signed-in agent (`open`) and closes it on sign-out; App.vue
 * calls `onForeground`; the platform's network watcher calls `setOnline`.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { watchNetwork } from '@/platform/network'
import { agentKeyOf } from '@/services/storage'
import { getSync, type SyncEvent, type SyncState } from '@/services/sync'
import { createWorkspaceTransport } from '@/services/workspaceClient'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'

export type { SyncState } from '@/services/sync'

export const useSyncStore = defineStore('sync', () => {
  const state = ref<SyncState>('synced')
  /** Changes not yet on the server (`sync-status` `data-pending`). */
  const pending = ref(0)
  const agentKey = ref<string | null>(null)
  /** Server rejections since sign-in (each is logged and kept in `tccc.a.<agentKey>.rejected`). */
  const rejectedCount = ref(0)

  let unsubscribe: (() => void) | null = null
  let unwatchNetwork: (() => void) | null = null

  function route(event: SyncEvent): void {
    switch (event.type) {
      case 'status':
        state.value = event.state
        pending.value = event.pending
        return
      case 'remote':
        useNumbersStore().applyRemote(event.changes, event.pendingIds)
        useHistoryStore().applyRemote(event.changes, event.pendingIds)
        return
      case 'rejected':
        rejectedCount.value += 1
        // The server already holds this number under another id: drop our copy, the pull
        // brings the server's. Every other reason keeps the local data (logged, kept).
        if (event.reason === 'DUPLICATE_NUMBER' && event.entry.kind === 'number') useNumbersStore().dropLocal(event.entry.id)
        return
    }
  }

  /** Sign-in: load the agent's cache (migrating the old device-global lists once), then sync. */
  function open(userId: string, accessToken: () => string | null): void {
    const key = agentKeyOf(userId)
    const engine = getSync()
    unsubscribe ??= engine.subscribe(route)
    engine.setTransport(createWorkspaceTransport(accessToken))
    if (agentKey.value === key && engine.agentKey === key) {
      engine.kick()
      return
    }
    rejectedCount.value = 0
    // The engine first, so changes the stores queue while opening land in this agent's outbox.
    engine.open(key)
    agentKey.value = key
    useNumbersStore().open(key)
    useHistoryStore().open(key)
    unwatchNetwork ??= watchNetwork((online) => engine.setOnline(online))
    engine.kick()
  }

  /** Sign-out: nothing of this agent stays in memory; the outbox stays stored for next time. */
  function close(): void {
    unwatchNetwork?.()
    unwatchNetwork = null
    getSync().close()
    agentKey.value = null
    rejectedCount.value = 0
    useNumbersStore().close()
    useHistoryStore().close()
  }

  /** The app came back to the foreground. */
  function onForeground(): void {
    if (agentKey.value) getSync().kick()
  }

  /** Flush now and wait; true when nothing is left unsent. */
  function drain(): Promise<boolean> {
    if (!agentKey.value) return Promise.resolve(pending.value === 0)
    return getSync().drain()
  }

  return { state, pending, agentKey, rejectedCount, open, close, onForeground, drain }
})
