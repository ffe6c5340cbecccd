import type { CallDirection, EndReason } from '@/platform/types'

/** How a call turned out, from the agent's point of view (history `data-outcome`). */
export type CallOutcome = 'answered' | 'rejected' | 'missed' | 'cancelled' | 'no-answer' | 'failed'

/** One finished call, as history keeps it (and the workspace `call` record, docs/WORKSPACE_API.md). */
export interface CallRecord {
  /** Record id: a random UUID, the same on the server and every phone of the agent. */
  id: string
  /** The SDK session id, when the call got one. */
  sessionId?: string
  number: string
  remark?: string
  direction: CallDirection
  outcome: CallOutcome
  startedAt: number
  answeredAt?: number
  endedAt: number
  durationSec: number
  endReason: EndReason
  /** The catalogue message (English) when the call failed. Stays on this phone. */
  errorSymbol?: string
  /** Wrap-up outcome code from the business's catalogue (null: none chosen). */
  disposition?: string | null
  /** Wrap-up note, at most 500 characters. */
  note?: string
  /** When to call back (epoch ms), or null. */
  callbackAt?: number | null
  /**
   * The `callbackAt` whose reminder the agent dismissed or called from, on any of their phones
   * (synced with the record): the reminder is handled while this equals `callbackAt`.
   */
  callbackHandled?: number | null
  /** From TCCC's call detail record (the backend attaches it): seconds talked as TCCC counted. */
  tcccDurationSec?: number
  /** From TCCC's call detail record: the recording link, null when the call was not recorded. */
  recordingUrl?: string | null
}

/** The call detail fields only the backend writes (docs/WORKSPACE_API.md). */
export type CallDetailFields = Pick<CallRecord, 'tcccDurationSec' | 'recordingUrl'>

/** The wire `data` of a call upsert: every field but the phone-only `errorSymbol` and the backend's detail. */
export function callWireData(record: CallRecord): Record<string, unknown> {
  const { id: _id, errorSymbol: _errorSymbol, tcccDurationSec: _duration, recordingUrl: _recording, ...data } = record
  return data
}

/** The detail fields of a record the backend answered, when well-formed (http(s) links only). */
export function callDetailOf(data: Record<string, unknown>): CallDetailFields | null {
  const duration = data.tcccDurationSec
  const url = data.recordingUrl
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) return null
  const recordingUrl = typeof url === 'string' && /^https?:\/\//.test(url) ? url : null
  return { tcccDurationSec: Math.round(duration), recordingUrl }
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
