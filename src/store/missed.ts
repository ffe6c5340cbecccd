/**
 * Missed inbound calls the agent has not seen yet: the shell's notice and the count on the
 * history tab. "Seen" is a per-agent moment (`tccc.a.<agentKey>.missedSeen`): every missed call
 * that started after it is unseen; opening history (or dismissing the notice) moves it.
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { CallRecord } from '@/services/callRecord'
import { agentKeyOf, workspaceValue, type StoredValue } from '@/services/storage'
import { useHistoryStore } from '@/store/history'
import { useSessionStore } from '@/store/session'

function seenStorage(userId: string): StoredValue<number | null> {
  return workspaceValue<number | null>(agentKeyOf(userId), 'missedSeen', {
    version: 1,
    fallback: () => null,
    validate: (data): data is number | null => data === null || (typeof data === 'number' && Number.isFinite(data)),
  })
}

export function isMissedInbound(record: CallRecord): boolean {
  return record.direction === 'in' && record.outcome === 'missed'
}

export const useMissedStore = defineStore('missed', () => {
  const session = useSessionStore()
  const history = useHistoryStore()

  /** Missed calls that started after this moment are unseen. */
  const seenAt = ref(0)
  let storage: StoredValue<number | null> | null = null
  let clock: () => number = () => Date.now()

  watch(
    () => session.agent?.userId ?? null,
    (userId) => {
      storage = userId ? seenStorage(userId) : null
      const stored = storage ? storage.load() : null
      // First sign-in on this phone: calls missed before it were never this phone's to announce.
      seenAt.value = stored ?? clock()
      if (storage && stored === null) storage.save(seenAt.value)
    },
    { immediate: true },
  )

  /** Unseen missed calls, newest first. */
  const unseen = computed<CallRecord[]>(() => history.records.filter((r) => isMissedInbound(r) && r.startedAt > seenAt.value))
  const count = computed(() => unseen.value.length)
  const latest = computed<CallRecord | null>(() => unseen.value[0] ?? null)

  /** History opened or the notice dismissed: everything missed so far is seen. */
  function markSeen(): void {
    if (count.value === 0) return
    const newest = Math.max(clock(), ...unseen.value.map((r) => r.startedAt))
    seenAt.value = newest
    try {
      storage?.save(newest)
    } catch (e) {
      console.warn('[missed] could not keep the seen time', e)
    }
  }

  function useClock(next: () => number): void {
    clock = next
  }

  return { seenAt, unseen, count, latest, markSeen, useClock }
})
