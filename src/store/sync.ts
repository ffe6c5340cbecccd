/**
 * The sync state the shell shows, and the agent's workspace lifecycle: opens the engine and the
 * numbers/history caches for the signed-in agent. The engine's `SyncEvent`s reach this store and
 * the numbers/history stores through the event router (`src/store/eventRouter.ts`).
 *
 * The session store opens it for the signed-in agent (`open`) and closes it on sign-out; App.vue
 * calls `onForeground`; the platform's network watcher calls `setOnline`.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { watchNetwork } from '@/platform/network'
import { agentKeyOf } from '@/services/storage'
import { getSync, type SyncState } from '@/services/sync'
import { createWorkspaceTransport } from '@/services/workspaceClient'
import { connectBackend } from '@/services/cccClient'
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
  /**
   * Refusals the agent is told about (the shell's sync line): all but a duplicate number, whose
   * server copy simply replaces the phone's, and a reconcile's copy superseded by a newer write. `clockRefused`: one was for a time the server
   * cannot believe (INVALID_TIMESTAMP), i.e. the phone's clock is off.
   */
  const refused = ref(0)
  const clockRefused = ref(false)
  /**
   * One was over a cap of the agent's on the server (QUOTA_EXCEEDED): `numbers`, the live
   * numbers (deleting some makes room), or `records`, everything stored (only the business can
   * raise it). The refused change stays on this phone and in its rejected log.
   */
  const quotaRefused = ref<'numbers' | 'records' | null>(null)
  /** The last pull's records could not be saved here (storage full): the shell says so. */
  const storageFull = ref(false)

  let unwatchNetwork: (() => void) | null = null

  /** From the engine (via the event router). */
  function applyStatus(next: SyncState, unsent: number): void {
    state.value = next
    pending.value = unsent
    // Each sync starts clean; a pull that cannot save says so again before it fails.
    if (next === 'syncing') storageFull.value = false
  }

  /** From the event router: a store could not save the pulled records. */
  function pulledNotSaved(): void {
    storageFull.value = true
    getSync().keepCursor()
  }

  function noteRejected(reason = 'UNKNOWN', quota?: string): void {
    rejectedCount.value += 1
    // A copy put back after a reconcile that another phone had written since: the newer stands.
    if (reason === 'DUPLICATE_NUMBER' || reason === 'SUPERSEDED') return
    refused.value += 1
    if (reason === 'INVALID_TIMESTAMP') clockRefused.value = true
    // The records cap wins: deleting numbers cannot help there. A cap not named: the business's.
    if (reason === 'QUOTA_EXCEEDED') quotaRefused.value = quota === 'numbers' && quotaRefused.value !== 'records' ? 'numbers' : 'records'
  }

  /** Sign-in: load the agent's cache (migrating the old device-global lists once), then sync. */
  function open(userId: string, accessToken: () => string | null, baseUrl: () => string): void {
    const key = agentKeyOf(userId)
    const engine = getSync()
    engine.setTransport(createWorkspaceTransport(accessToken, baseUrl))
    // Caller numbers and call detail go to the same backend with the same session.
    connectBackend(accessToken, baseUrl)
    if (agentKey.value === key && engine.agentKey === key) {
      engine.kick()
      return
    }
    rejectedCount.value = 0
    refused.value = 0
    clockRefused.value = false
    quotaRefused.value = null
    // The engine first, so changes the stores queue while opening land in this agent's outbox.
    engine.open(key)
    agentKey.value = key
    const numbers = useNumbersStore()
    const history = useHistoryStore()
    numbers.open(key)
    history.open(key)
    // What a reconcile lists and puts back: the numbers listed and the calls in the history.
    engine.setLocalRecords({
      held: () => [...numbers.heldRecords(), ...history.heldRecords()],
      copyOf: (lost) => (lost.kind === 'number' ? numbers.restoreCopy(lost) : history.restoreCopy(lost)),
    })
    unwatchNetwork ??= watchNetwork((online) => engine.setOnline(online))
    engine.kick()
  }

  /** Sign-out: nothing of this agent stays in memory; the outbox stays stored for next time. */
  function close(): void {
    unwatchNetwork?.()
    unwatchNetwork = null
    getSync().close()
    connectBackend(null)
    agentKey.value = null
    rejectedCount.value = 0
    refused.value = 0
    clockRefused.value = false
    quotaRefused.value = null
    storageFull.value = false
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

  return { state, pending, agentKey, rejectedCount, refused, clockRefused, quotaRefused, storageFull, applyStatus, pulledNotSaved, noteRejected, open, close, onForeground, drain }
})
