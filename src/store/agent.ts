/**
 * The agent's seat status in the contact center (free / busy / rest with a reason / arrange /
 * offline). The SDK reports it (`agentStatus` events, routed by `eventRouter.ts`); the agent
 * changes it with `setStatus` where the platform can (`capabilities.agentStatus`).
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { AgentStatus, SettableAgentStatus } from '@/platform/types'
import { TcccError, toTcccError } from '@/platform/errors'
import { getWorkstation } from '@/services/workstation'
import { useCallStore } from '@/store/call'
import { useSessionStore } from '@/store/session'
import { useWrapupStore } from '@/store/wrapup'

export const useAgentStore = defineStore('agent', () => {
  const status = ref<AgentStatus>('offline')
  const restReason = ref('')
  const error = ref<TcccError | null>(null)
  const changing = ref(false)

  const canSetStatus = computed(() => getWorkstation().capabilities.agentStatus)
  /** The seat is held in after-call work for an open wrap-up (the business's `wrapup` setting). */
  const afterCallWork = ref(false)
  /**
   * What the shell shows: the SDK's word where it reports the seat; elsewhere (the App SDK has
   * no seat status) what sign-in and the call say: offline, busy during a call, else free.
   */
  const shownStatus = computed<AgentStatus>(() => {
    if (useSessionStore().status !== 'signed-in') return 'offline'
    if (canSetStatus.value) return status.value
    if (useCallStore().isLive) return 'busy'
    return afterCallWork.value ? 'arrange' : 'free'
  })

  /** From the SDK: the contact center says what the seat is now. */
  function applyStatus(next: AgentStatus, reason?: string): void {
    status.value = next
    restReason.value = next === 'rest' ? (reason ?? '') : ''
  }

  /** The agent's choice. Resolves whether the SDK accepted it; the SDK's event then confirms it. */
  async function setStatus(next: SettableAgentStatus, reason?: string): Promise<boolean> {
    if (changing.value) return false
    if (!canSetStatus.value) {
      error.value = new TcccError('UNSUPPORTED_ON_PLATFORM', 'agent status')
      return false
    }
    changing.value = true
    error.value = null
    try {
      await getWorkstation().setAgentStatus(next, next === 'rest' ? reason : undefined)
      applyStatus(next, reason)
      return true
    } catch (e) {
      error.value = toTcccError(e)
      return false
    } finally {
      changing.value = false
    }
  }

  /** Signed out: the seat is offline whatever the SDK said last. */
  function reset(): void {
    applyStatus('offline')
    error.value = null
    afterCallWork.value = false
  }

  /**
   * After-call work: while a wrap-up is open and the business's setting says so, the seat is
   * `arrange` (no new calls routed to it); saved or skipped, it is free again. A status the
   * agent or the contact center chose meanwhile (rest, busy) is left alone.
   */
  async function followWrapup(open: boolean): Promise<void> {
    if (open === afterCallWork.value) return
    if (open) {
      if (status.value === 'rest' || useSessionStore().status !== 'signed-in') return
      afterCallWork.value = true
      if (canSetStatus.value) await setStatus('arrange')
      return
    }
    afterCallWork.value = false
    if (canSetStatus.value && status.value === 'arrange') await setStatus('free')
  }
  watch(
    () => {
      const wrapup = useWrapupStore()
      return wrapup.isOpen && wrapup.setting.afterCallWork
    },
    (open) => void followWrapup(open),
  )
  // The session does not know this store (no import circle): follow its sign-out instead.
  watch(
    () => useSessionStore().status,
    (next) => {
      if (next === 'signed-out') reset()
    },
  )

  return { status, restReason, error, changing, canSetStatus, afterCallWork, shownStatus, applyStatus, setStatus, reset }
})
