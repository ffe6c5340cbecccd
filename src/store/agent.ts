/**
 * The agent's seat status in the contact center (free / busy / rest with a reason / arrange /
 * offline). Where the SDK has it (`capabilities.agentStatus`, Web) the SDK reports it
 * (`agentStatus` events, routed by `eventRouter.ts`) and `setStatus` goes to the SDK. Where it
 * has not but the backend can (`capabilities.agentStatusViaBackend`, the native App), the status
 * is read from the token backend at sign-in, after each call and when the agent opens the chooser
 * (`refresh`), and set through it (SetStaffStatus for the agent's own seat).
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { AgentStatus, SettableAgentStatus } from '@/platform/types'
import { SDK_ERRORS, TcccError, toTcccError } from '@/platform/errors'
import { getWorkstation } from '@/services/workstation'
import { fetchSeatStatus, putSeatStatus, type SeatStatus } from '@/services/agentStatusClient'
import { useSettingsStore } from '@/store/settings'
import { useCallStore } from '@/store/call'
import { useSessionStore } from '@/store/session'
import { useWrapupStore } from '@/store/wrapup'

const TOKEN_EXPIRED_CODE = SDK_ERRORS.ERR_HTTP_TOKEN_ERROR.code

export const useAgentStore = defineStore('agent', () => {
  const status = ref<AgentStatus>('offline')
  const restReason = ref('')
  const error = ref<TcccError | null>(null)
  const changing = ref(false)

  const viaSdk = computed(() => getWorkstation().capabilities.agentStatus)
  const viaBackend = computed(() => !viaSdk.value && getWorkstation().capabilities.agentStatusViaBackend)
  const canSetStatus = computed(() => viaSdk.value || viaBackend.value)
  /** The chooser's entries: SetStaffStatus cannot enter after-call work (TCCC does, after a call). */
  const settableStatuses = computed<SettableAgentStatus[]>(() => (viaBackend.value ? ['free', 'rest', 'busy'] : ['free', 'rest', 'arrange', 'busy']))
  /** The seat is held in after-call work for an open wrap-up (the business's `wrapup` setting). */
  const afterCallWork = ref(false)
  /**
   * What the shell shows: the SDK's word where it reports the seat; the backend's word where it
   * reads it (busy while a call is live: the backend is not asked during a call); elsewhere
   * what sign-in and the call say: offline, busy during a call, else free.
   */
  const shownStatus = computed<AgentStatus>(() => {
    if (useSessionStore().status !== 'signed-in') return 'offline'
    if (viaSdk.value) return status.value
    if (useCallStore().isLive) return 'busy'
    if (afterCallWork.value) return 'arrange'
    if (viaBackend.value) return status.value === 'offline' ? 'free' : status.value
    return 'free'
  })

  function backend(): { accessToken: string; baseUrl: string } {
    // This agent's session only: another tab may have signed in as someone else since.
    const accessToken = useSessionStore().backendAccessToken()
    if (!accessToken) throw new TcccError('SESSION_EXPIRED', 'no backend session for the seat status')
    return { accessToken, baseUrl: useSettingsStore().effectiveBackendUrl }
  }

  function applySeat(seat: SeatStatus): void {
    applyStatus(seat.status, seat.restReason)
  }

  let refreshing: Promise<void> | null = null
  /** Backend platforms: read the seat from TCCC (through the backend). A failure keeps the last word. */
  function refresh(): Promise<void> {
    if (!viaBackend.value || useSessionStore().status !== 'signed-in') return Promise.resolve()
    refreshing ??= (async () => {
      try {
        const { accessToken, baseUrl } = backend()
        const seat = await fetchSeatStatus(accessToken, baseUrl)
        if (useSessionStore().status === 'signed-in' && !changing.value) applySeat(seat)
      } catch (e) {
        console.warn('[agent] seat status not read', toTcccError(e).symbol)
      } finally {
        refreshing = null
      }
    })()
    return refreshing
  }

  /** From the SDK: the contact center says what the seat is now. */
  function applyStatus(next: AgentStatus, reason?: string): void {
    status.value = next
    restReason.value = next === 'rest' ? (reason ?? '') : ''
  }

  /** The agent's choice. Resolves whether the SDK accepted it; the SDK's event then confirms it. */
  async function setStatus(next: SettableAgentStatus, reason?: string): Promise<boolean> {
    if (changing.value) return false
    // Offline (started from the cache): TCCC is not reached, so the seat cannot change.
    if (useSessionStore().status === 'offline') {
      error.value = new TcccError('TCCC_OFFLINE')
      return false
    }
    // Standing by: another tab of this browser holds the registration ("use here" moves it).
    if (useSessionStore().status === 'elsewhere') {
      error.value = new TcccError('TAB_ELSEWHERE')
      return false
    }
    if (!canSetStatus.value) {
      error.value = new TcccError('UNSUPPORTED_ON_PLATFORM', 'agent status')
      return false
    }
    changing.value = true
    error.value = null
    try {
      if (viaSdk.value) {
        const set = () => getWorkstation().setAgentStatus(next, next === 'rest' ? reason : undefined)
        try {
          await set()
        } catch (e) {
          // An expired TCCC token (-10002): renewed silently and the choice sent once more, as a
          // dial is; the session signs out itself when the renewal is refused.
          if (toTcccError(e).code !== TOKEN_EXPIRED_CODE || !(await useSessionStore().onTokenExpired({ now: true }))) throw e
          await set()
        }
        applyStatus(next, reason)
      } else if (next === 'arrange') {
        // SetStaffStatus cannot enter after-call work; TCCC puts the seat there itself when a
        // call ends (the console's 话后整理 setting), which is when the app asks for it.
        applyStatus('arrange')
      } else {
        const { accessToken, baseUrl } = backend()
        applySeat(await putSeatStatus(accessToken, baseUrl, next, next === 'rest' ? reason : undefined))
      }
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
  function wrapupHoldsSeat(): boolean {
    const wrapup = useWrapupStore()
    return wrapup.isOpen && wrapup.setting.afterCallWork
  }
  watch(wrapupHoldsSeat, (open) => void followWrapup(open))
  // The session does not know this store (no import circle): follow its sign-out instead.
  watch(
    () => useSessionStore().status,
    (next) => {
      if (next === 'signed-out') reset()
      if (next === 'signed-in') {
        void refresh()
        // A wrap-up restored at sign-in (opened while signing in) holds the seat from now on.
        void followWrapup(wrapupHoldsSeat())
      }
    },
    { immediate: true },
  )
  // After a call TCCC may have moved the seat (busy → free, or after-call work): read it again.
  watch(
    () => useCallStore().isLive,
    (live, was) => {
      if (was && !live) void refresh()
    },
  )

  return { status, restReason, error, changing, canSetStatus, settableStatuses, afterCallWork, shownStatus, applyStatus, setStatus, refresh, reset }
})
