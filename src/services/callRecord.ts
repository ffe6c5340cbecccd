import type { CallDirection, EndReason } from '@/platform/types'

/** How a call turned out, from the agent's point of view (history `data-outcome`). */
export type CallOutcome = 'answered' | 'rejected' | 'missed' | 'cancelled' | 'no-answer' | 'failed'

/** One finished call, as history keeps it. */
export interface CallRecord {
  /** The SDK session id, or a local id when the call failed before a session existed. */
  id: string
  number: string
  remark?: string
  direction: CallDirection
  outcome: CallOutcome
  startedAt: number
  answeredAt?: number
  endedAt: number
  durationSec: number
  endReason: EndReason
  /** The catalogue message (English) when the call failed. */
  errorSymbol?: string
  /** Wrap-up outcome code from the outcome catalogue (`deal`, `callback`, ...); null/absent: none yet. */
  disposition?: string | null
  /** Wrap-up note, at most 500 characters. */
  note?: string
  /** When to call back (epoch ms), for the `callback` outcome. */
  callbackAt?: number | null
}

/** Outcome from how the call ended and whether it was ever answered. */
export function outcomeOf(direction: CallDirection, answered: boolean, reason: EndReason): CallOutcome {
  if (answered) return 'answered'
  switch (reason) {
    case 'rejected':
      return 'rejected'
    case 'remote-cancel':
      return direction === 'in' ? 'missed' : 'cancelled'
    case 'local-bye':
      return direction === 'in' ? 'rejected' : 'cancelled'
    case 'timeout':
      return direction === 'in' ? 'missed' : 'no-answer'
    case 'error':
      return 'failed'
    default:
      return direction === 'in' ? 'missed' : 'no-answer'
  }
}
