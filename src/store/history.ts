/**
 * Call history: every finished call, newest first, persisted, the newest 1,000 kept.
 * The call store records a `CallRecord` when a call ends; the history page only reads and clears.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { CallRecord } from '@/services/callRecord'
import { storedValue } from '@/services/storage'

/** Enough for weeks of calls while keeping the storage entry small (uni storage is ~10 MB). */
export const HISTORY_LIMIT = 1000

const DIRECTIONS: ReadonlySet<string> = new Set(['in', 'out'])
const OUTCOMES: ReadonlySet<string> = new Set(['answered', 'rejected', 'missed', 'cancelled', 'no-answer', 'failed'])

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

export function isCallRecord(value: unknown): value is CallRecord {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  return (
    typeof r.id === 'string' &&
    typeof r.number === 'string' &&
    (r.remark === undefined || typeof r.remark === 'string') &&
    typeof r.direction === 'string' &&
    DIRECTIONS.has(r.direction) &&
    typeof r.outcome === 'string' &&
    OUTCOMES.has(r.outcome) &&
    isFiniteNumber(r.startedAt) &&
    (r.answeredAt === undefined || isFiniteNumber(r.answeredAt)) &&
    isFiniteNumber(r.endedAt) &&
    isFiniteNumber(r.durationSec) &&
    typeof r.endReason === 'string' &&
    (r.disposition === undefined || r.disposition === null || typeof r.disposition === 'string') &&
    (r.note === undefined || typeof r.note === 'string') &&
    (r.callbackAt === undefined || r.callbackAt === null || isFiniteNumber(r.callbackAt))
  )
}

const historyStorage = storedValue<CallRecord[]>('history', {
  version: 1,
  fallback: () => [],
  validate: (data): data is CallRecord[] => Array.isArray(data),
})

/** Drops malformed rows one by one, so one bad record does not cost the whole history. */
function loadRecords(): CallRecord[] {
  const rows: unknown[] = historyStorage.load()
  const records = rows.filter(isCallRecord)
  if (records.length !== rows.length) console.warn(`[history] dropped ${rows.length - records.length} malformed record(s)`)
  return sortNewestFirst(records).slice(0, HISTORY_LIMIT)
}

function sortNewestFirst(records: CallRecord[]): CallRecord[] {
  return [...records].sort((a, b) => b.endedAt - a.endedAt || b.startedAt - a.startedAt)
}

export const useHistoryStore = defineStore('history', () => {
  const records = ref<CallRecord[]>(loadRecords())

  /** Adds a finished call (a repeated id replaces the earlier row) and persists. */
  function record(r: CallRecord): void {
    const others = records.value.filter((existing) => existing.id !== r.id)
    // Records normally arrive in end order, so the new one goes first; sort only if it is older.
    const next = others.length > 0 && others[0].endedAt > r.endedAt ? sortNewestFirst([r, ...others]) : [r, ...others]
    records.value = next.slice(0, HISTORY_LIMIT)
    historyStorage.save(records.value)
  }

  /** Writes a wrap-up (outcome, note, callback time) into a call's record and persists. */
  function updateWrapup(id: string, fields: Pick<CallRecord, 'disposition' | 'note' | 'callbackAt'>): boolean {
    const index = records.value.findIndex((r) => r.id === id)
    if (index < 0) return false
    const next = [...records.value]
    next[index] = { ...next[index], ...fields }
    records.value = next
    historyStorage.save(records.value)
    return true
  }

  function clear(): void {
    records.value = []
    historyStorage.clear()
  }

  return { records, record, updateWrapup, clear }
})
