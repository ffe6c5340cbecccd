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
import { getSync, type LocalChange, type SyncState } from '@/services/sync'
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
   * server copy simply replaces the phone's, and a reconcile's copy superseded by a newer write:
   * those since sign-in, plus the changes refused over a cap still waiting for room (stored, so
   * also from before). `clockRefused`: one was for a time the server cannot believe
   * (INVALID_TIMESTAMP), i.e. the phone's clock is off.
   */
  const refused = ref(0)
  const clockRefused = ref(false)
  /**
   * Changes wait refused over a cap of the agent's on the server (QUOTA_EXCEEDED): `numbers`, the
   * live numbers (deleting some makes room, and they go out again), or `records`, everything
   * stored (only the business can raise it: `retryRefused`). They stay on this phone and in its
   * rejected log, and go out again at each sign-in; null once none waits.
   */
  const quotaRefused = ref<'numbers' | 'records' | null>(null)
  /** Refusals since sign-in that are not over a cap (those are counted by what waits: `applyOverCap`). */
  let refusedSinceOpen = 0
  let overCap = { numbers: 0, records: 0 }
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

  function noteRejected(reason = 'UNKNOWN'): void {
    rejectedCount.value += 1
    // A copy put back after a reconcile that another phone had written since: the newer stands.
    // Over a cap: counted while it waits for room (applyOverCap), not once per time it is refused.
    if (reason === 'DUPLICATE_NUMBER' || reason === 'SUPERSEDED' || reason === 'QUOTA_EXCEEDED') return
    refusedSinceOpen += 1
    if (reason === 'INVALID_TIMESTAMP') clockRefused.value = true
    showRefused()
  }

  /** From the engine: how many changes wait refused over each cap (at sign-in, and as that changes). */
  function applyOverCap(numbers: number, records: number): void {
    overCap = { numbers, records }
    showRefused()
  }

  function showRefused(): void {
    refused.value = refusedSinceOpen + overCap.numbers + overCap.records
    // The records cap wins: deleting numbers cannot help there.
    quotaRefused.value = overCap.records > 0 ? 'records' : overCap.numbers > 0 ? 'numbers' : null
  }

  /** The agent asks to send the changes refused over a cap again (the business raised it). */
  function retryRefused(): void {
    if (agentKey.value) getSync().retryOverCap()
  }

  function resetRefused(): void {
    rejectedCount.value = 0
    refusedSinceOpen = 0
    overCap = { numbers: 0, records: 0 }
    clockRefused.value = false
    showRefused()
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
    resetRefused()
    // The engine first (it says what waits over a cap), so changes the stores queue while opening land in this agent's outbox.
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
      resend: (records) => {
        const listed = numbers.resendCopies(records.filter((r) => r.kind === 'number').map((r) => r.id))
        const copies: LocalChange[] = []
        for (const r of records) {
          const copy = r.kind === 'number' ? listed.get(r.id) : history.restoreCopy({ kind: 'call', id: r.id, rev: '0', state: 'missing' })
          if (copy) copies.push(copy)
        }
        return copies
      },
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
    resetRefused()
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

  return { state, pending, agentKey, rejectedCount, refused, clockRefused, quotaRefused, storageFull, applyStatus, pulledNotSaved, noteRejected, applyOverCap, retryRefused, open, close, onForeground, drain }
})
