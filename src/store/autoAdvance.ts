/**
 * Auto-advance through the list: when the agent turned it on (a per-agent setting), saving a
 * wrap-up starts a 5-second countdown to the next number in work order, which one tap cancels.
 * It never starts, and a running one stops, while a call is live or an incoming call rings.
 * Timers are injectable (`useTimers`) so tests step through the seconds.
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { agentKeyOf, workspaceValue, type StoredValue } from '@/services/storage'
import { useAgentStore } from '@/store/agent'
import { useCallStore } from '@/store/call'
import { useConnectionStore } from '@/store/connection'
import { useSessionStore } from '@/store/session'
import { useWorkdayStore } from '@/store/workday'
import { useWrapupStore } from '@/store/wrapup'

/** Seconds from "save" to the next call. */
export const AUTO_ADVANCE_SECONDS = 5

export interface AutoAdvanceTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const realTimers: AutoAdvanceTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** The next call counting down: who, and the whole seconds left. */
export interface AutoAdvanceCountdown {
  number: string
  name: string
  seconds: number
}

function settingStorage(userId: string): StoredValue<boolean> {
  return workspaceValue(agentKeyOf(userId), 'autoadvance', {
    version: 1,
    fallback: () => false,
    validate: (data): data is boolean => typeof data === 'boolean',
  })
}

export const useAutoAdvanceStore = defineStore('autoAdvance', () => {
  const session = useSessionStore()
  const call = useCallStore()
  const workday = useWorkdayStore()
  const wrapup = useWrapupStore()

  const enabled = ref(false)
  const countdown = ref<AutoAdvanceCountdown | null>(null)
  /** Counts the calls auto-advance placed, so the page on screen can follow to the call. */
  const placedCount = ref(0)
  const isCounting = computed(() => countdown.value !== null)
  const agent = useAgentStore()
  const connection = useConnectionStore()
  /**
   * Dialling now would reach a customer from a seat on a break or signed out of the contact
   * centre, or fail on a lost connection or offline: the countdown neither starts nor dials then.
   */
  const mayDial = computed(() => {
    // Offline while signed in is the contact centre's word (the SDK's status); signed out, the
    // countdown is already gone with the agent.
    // Offline from the cache (session `offline`), the SDK is not registered: no dial would go out.
    // Standing by (`elsewhere`), another tab holds the registration: no dial would go out here either.
    const seatAway = agent.shownStatus === 'rest' || session.status === 'offline' || session.status === 'elsewhere' || (session.status === 'signed-in' && agent.shownStatus === 'offline')
    return !seatAway && connection.state !== 'lost' && connection.state !== 'reconnecting'
  })

  let timers: AutoAdvanceTimers = realTimers
  let handle: unknown = null
  let storage: StoredValue<boolean> | null = null

  watch(
    () => session.agent?.userId ?? null,
    (userId) => {
      cancel()
      storage = userId ? settingStorage(userId) : null
      enabled.value = storage ? storage.load() : false
    },
    { immediate: true },
  )

  // A call going live (an incoming one ringing included) stops the countdown: it never dials over it.
  watch(
    () => call.isLive,
    (live) => {
      if (live) cancel()
    },
    { flush: 'sync' },
  )

  watch(mayDial, (ok) => {
    if (!ok) cancel()
  }, { flush: 'sync' })

  // A wrap-up opening meanwhile (a correction from history) stops it, as one open never lets it
  // start: the sheet is modal, and the countdown drawn over it was inert there, a tap on its
  // cancel landing on the sheet under it while it went on to dial.
  watch(
    () => wrapup.isOpen,
    (open) => {
      if (open) cancel()
    },
    { flush: 'sync' },
  )

  function setEnabled(next: boolean): void {
    enabled.value = next
    if (!next) cancel()
    try {
      storage?.save(next)
    } catch (e) {
      console.warn('[autoAdvance] could not keep the setting', e)
    }
  }

  function clearTimer(): void {
    if (handle !== null) timers.clearTimeout(handle)
    handle = null
  }

  /** One tap: no call this time (the setting stays). */
  function cancel(): void {
    clearTimer()
    countdown.value = null
  }

  /**
   * After a saved wrap-up of `justCalled`: starts the countdown when the setting is on, there is
   * a next number, no call is live and no other wrap-up is still open. Returns whether it started.
   */
  function start(justCalled?: string): boolean {
    cancel()
    if (!enabled.value || call.isLive || wrapup.isOpen || !mayDial.value) return false
    const next = workday.peekNext(justCalled)
    if (!next) return false
    const name = next.remark && next.remark !== next.number ? next.remark : next.number
    countdown.value = { number: next.number, name, seconds: AUTO_ADVANCE_SECONDS }
    schedule()
    return true
  }

  function schedule(): void {
    clearTimer()
    const owner = timers
    handle = owner.setTimeout(() => {
      handle = null
      void tick()
    }, 1000)
  }

  async function tick(): Promise<void> {
    const current = countdown.value
    if (!current) return
    if (current.seconds > 1) {
      countdown.value = { ...current, seconds: current.seconds - 1 }
      schedule()
      return
    }
    countdown.value = null
    if (call.isLive || !mayDial.value) return
    // The customer the countdown named, never another: a pull during the countdown can put new
    // numbers first, and the named one may have been deleted or closed meanwhile.
    const pending = workday.callIfStillNext(current.number)
    // The store is dialling already (synchronously): the page can show the call screen now.
    if (call.state === 'dialing') placedCount.value += 1
    await pending
  }

  /** "Save" on the wrap-up sheet: saves, then counts down to the next call where it applies. */
  function saveWrapup(): boolean {
    const just = wrapup.draft?.number
    // A wrap-up corrected from history is not the end of a call: nothing to advance from.
    const correcting = wrapup.isCorrection
    if (!wrapup.save()) return false
    if (!correcting) start(just)
    return true
  }

  /** Pass null to go back to the real timers. */
  function useTimers(next: AutoAdvanceTimers | null): void {
    cancel()
    timers = next ?? realTimers
  }

  return { enabled, countdown, isCounting, placedCount, setEnabled, start, cancel, saveWrapup, useTimers }
})
