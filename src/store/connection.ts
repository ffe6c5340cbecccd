/**
 * The SDK's connection to TCCC as the banner shows it: lost -> reconnecting -> recovered, and
 * back to ok a moment after recovery so the agent sees that it came back.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'

export type ConnectionState = 'ok' | 'lost' | 'reconnecting' | 'recovered'

/** How long "recovered" stays on screen before the banner goes away. */
export const RECOVERED_DISPLAY_MS = 3000

/** The timer functions the store uses; a test or the simulator clock can replace them. */
export interface ConnectionTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const realTimers: ConnectionTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

let timers: ConnectionTimers = realTimers

/** Pass `null` to go back to the real timers. Applies to timers started afterwards. */
export function setConnectionTimers(next: ConnectionTimers | null): void {
  timers = next ?? realTimers
}

export const useConnectionStore = defineStore('connection', () => {
  // state
  const state = ref<ConnectionState>('ok')
  /** Which server the SDK reported (signalling/media), for diagnostics only. */
  const server = ref('')

  let recoveredTimer: { handle: unknown; timers: ConnectionTimers } | null = null

  function cancelRecoveredTimer(): void {
    if (!recoveredTimer) return
    recoveredTimer.timers.clearTimeout(recoveredTimer.handle)
    recoveredTimer = null
  }

  // actions (called by the workstation service)
  function markLost(from = ''): void {
    cancelRecoveredTimer()
    server.value = from
    state.value = 'lost'
  }

  function markReconnecting(from = ''): void {
    cancelRecoveredTimer()
    server.value = from
    state.value = 'reconnecting'
  }

  function markRecovered(from = ''): void {
    // Nothing was lost as far as the agent knows: no banner to show.
    if (state.value === 'ok') return
    cancelRecoveredTimer()
    server.value = from
    state.value = 'recovered'
    const owner = timers
    recoveredTimer = {
      timers: owner,
      handle: owner.setTimeout(() => {
        recoveredTimer = null
        if (state.value === 'recovered') state.value = 'ok'
      }, RECOVERED_DISPLAY_MS),
    }
  }

  /** Back to ok at once (sign-out, new sign-in). */
  function reset(): void {
    cancelRecoveredTimer()
    server.value = ''
    state.value = 'ok'
  }

  return { state, server, markLost, markReconnecting, markRecovered, reset }
})
