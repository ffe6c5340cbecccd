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
  /** Callers ringing during the call (`call-waiting`): recorded as missed if the app is lost. */
  waiting?: WaitingSnapshot[]
}

export interface WaitingSnapshot {
  sessionId: string
  peer: string
  remark: string
  startedAt: number
}

function isWaitingSnapshot(value: unknown): value is WaitingSnapshot {
  if (typeof value !== 'object' || value === null) return false
  const w = value as Record<string, unknown>
  return typeof w.sessionId === 'string' && typeof w.peer === 'string' && w.peer !== '' && typeof w.remark === 'string' && isTime(w.startedAt)
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
    isTime(s.seenAt) &&
    (s.waiting === undefined || (Array.isArray(s.waiting) && s.waiting.every(isWaitingSnapshot)))
  )
}

/**
 * The callers who were waiting when the app was lost: missed (the agent never took them), ended
 * when the call was last seen, as the call-waiting notice promised ("…will be recorded as missed").
 */
export function interruptedWaitingRecords(snapshot: LiveCallSnapshot, newId: () => string): CallRecord[] {
  return (snapshot.waiting ?? []).map((w) => {
    const record: CallRecord = {
      id: newId(),
      sessionId: w.sessionId,
      number: w.peer,
      direction: 'in',
      outcome: 'missed',
      startedAt: w.startedAt,
      endedAt: Math.max(snapshot.seenAt, w.startedAt),
      durationSec: 0,
      endReason: 'unknown',
    }
    if (w.remark !== '') record.remark = w.remark
    return record
  })
}

/**
 * The record of a call the app lost mid-way: ended when it was last seen (never before it was
 * answered or started), reason `unknown`, answered if it had been; failed if it never had a session.
 */
export function interruptedCallRecord(snapshot: LiveCallSnapshot, id: string): CallRecord {
  const { direction, answeredAt, startedAt } = snapshot
  const endedAt = Math.max(snapshot.seenAt, answeredAt ?? startedAt)
  // An outbound call the SDK had not given a session yet (the app closed while dialling) never
  // rang: failed, not "no answer", so it counts as no call and the number keeps its place.
  const neverWentOut = direction === 'out' && snapshot.sessionId === null && answeredAt === null
  const record: CallRecord = {
    id,
    number: snapshot.peer,
    direction,
    outcome: neverWentOut ? 'failed' : outcomeOf(direction, answeredAt !== null, 'unknown'),
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
