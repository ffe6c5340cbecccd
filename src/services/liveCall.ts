/**
 * The customer call in progress, as the phone keeps it while it lasts: if the app is closed or
 * killed mid-call (the SDK's call goes with it), the next start records the call from it and
 * tells the agent, instead of losing it without a trace.
 */
import type { CallDirection } from '@/platform/types'
import { outcomeOf, type CallRecord } from './callRecord'

export interface LiveCallSnapshot {
  sessionId: string | null
  direction: CallDirection
  peer: string
  remark: string
  startedAt: number
  answeredAt: number | null
  /** The last moment the app saw the call going (updated every `LIVE_CALL_HEARTBEAT_MS`). */
  seenAt: number
}

/** How often a live call's `seenAt` is stored: the interrupted call's end is known to this. */
export const LIVE_CALL_HEARTBEAT_MS = 15_000

const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0

export function isLiveCallSnapshot(value: unknown): value is LiveCallSnapshot {
  if (typeof value !== 'object' || value === null) return false
  const s = value as Record<string, unknown>
  return (
    (s.sessionId === null || typeof s.sessionId === 'string') &&
    (s.direction === 'in' || s.direction === 'out') &&
    typeof s.peer === 'string' &&
    s.peer !== '' &&
    typeof s.remark === 'string' &&
    isTime(s.startedAt) &&
    (s.answeredAt === null || isTime(s.answeredAt)) &&
    isTime(s.seenAt)
  )
}

/**
 * The record of a call the app lost mid-way: ended when it was last seen (never before it was
 * answered or started), reason `unknown`, answered if it had been.
 */
export function interruptedCallRecord(snapshot: LiveCallSnapshot, id: string): CallRecord {
  const { direction, answeredAt, startedAt } = snapshot
  const endedAt = Math.max(snapshot.seenAt, answeredAt ?? startedAt)
  const record: CallRecord = {
    id,
    number: snapshot.peer,
    direction,
    outcome: outcomeOf(direction, answeredAt !== null, 'unknown'),
    startedAt,
    endedAt,
    durationSec: answeredAt === null ? 0 : Math.floor((endedAt - answeredAt) / 1000),
    endReason: 'unknown',
  }
  if (snapshot.sessionId !== null) record.sessionId = snapshot.sessionId
  if (snapshot.remark !== '') record.remark = snapshot.remark
  if (answeredAt !== null) record.answeredAt = answeredAt
  return record
}
