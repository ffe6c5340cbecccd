/**
 * Failed sign-ins at the agent's username since their previous sign-in, as the backend told the
 * last sign-in that had any (`src/services/signInFailures.ts`, kept per agent by the session
 * store): a notice on the signed-in pages until dismissed, across restarts, and the last one to
 * read again afterwards (the shell's account panel). Only the signed-in agent's is ever loaded;
 * the agent's other tabs of this browser follow its dismissal and a new report (`watchStorage`).
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { watchStorage } from '@/platform/storageWatch'
import { signInNoticeStorage, type SignInNotice } from '@/services/signInFailures'
import type { StoredValue } from '@/services/storage'
import { useSessionStore } from '@/store/session'

export const useSignInNoticeStore = defineStore('signInNotice', () => {
  const session = useSessionStore()

  /** The last notice kept for the signed-in agent, dismissed or not; null when none. */
  const last = ref<SignInNotice | null>(null)
  let storage: StoredValue<SignInNotice | null> | null = null

  let unwatch: (() => void) | null = null

  // The session keeps the notice before it names the agent, so it is here once they are.
  watch(
    () => session.agent?.userId ?? null,
    (userId) => {
      storage = userId ? signInNoticeStorage(userId) : null
      last.value = storage ? storage.load() : null
      // Another tab of the agent dismissed it, or kept a new report: this tab follows at once
      // (before, it showed the dismissed notice until it was reloaded).
      unwatch?.()
      unwatch = storage
        ? watchStorage((key) => {
            if (storage && (key === null || key === storage.key)) last.value = storage.load()
          })
        : null
    },
    { immediate: true },
  )

  /** Shown on the signed-in pages until the agent dismisses it. */
  const shown = computed<SignInNotice | null>(() => (last.value && !last.value.dismissed ? last.value : null))

  function dismiss(): void {
    if (!last.value || last.value.dismissed) return
    // Another tab may have kept a newer report whose storage event is not here yet: that one is
    // shown, not written over with this one dismissed (its failures were never seen).
    const stored = storage?.load() ?? null
    if (stored && (stored.reportedAt !== last.value.reportedAt || stored.failures !== last.value.failures || stored.locked !== last.value.locked)) {
      last.value = stored
      return
    }
    last.value = { ...(stored ?? last.value), dismissed: true }
    try {
      storage?.save(last.value)
    } catch (e) {
      // Dismissed for this run; the next start shows it again rather than losing it.
      console.warn('[signInNotice] could not keep the dismissal', e instanceof Error ? e.message : e)
    }
  }

  return { last, shown, dismiss }
})
