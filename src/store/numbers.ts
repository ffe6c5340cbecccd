/**
 * The agent's number list: add, edit, delete, bulk import, search, and per-number call stats.
 * Persisted under `tccc.numbers` (see storage.ts), no size cap.
 *
 * Order: newest first. `add` puts the entry on top; an import puts its new entries on top in
 * the order they were pasted; editing keeps an entry's place.
 *
 * Entries are frozen plain objects in a `shallowRef` array that is replaced on every change, so
 * 10,000 entries cost no deep reactivity and search can cache its keys per entry object.
 * Every change is written to storage first and only then shown, so a failed save (storage full)
 * changes nothing.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { CallOutcome, CallRecord } from '@/services/callRecord'
import {
  NumberError,
  type NumberEntry,
  type NumberErrorSymbol,
  REMARK_MAX_LENGTH,
  normalizeNumber,
  parseImport,
  searchEntries,
  validateNumber,
  validateRemark,
} from '@/services/numbers'
import { storedValue } from '@/services/storage'

// What pages need of the numbers domain besides the store: the type, the error the actions
// throw and the remark limit the form shows, so pages import the store module only.
export type { NumberEntry, NumberErrorSymbol } from '@/services/numbers'
export { isNumberError, REMARK_MAX_LENGTH } from '@/services/numbers'

export interface ImportSummary {
  added: number
  duplicates: number
  invalid: number
  invalidLines: Array<{ line: number; text: string; reason: NumberErrorSymbol }>
  /** Lines whose number is already listed, or repeats an earlier line of the same paste. */
  duplicateLines: Array<{ line: number; text: string; number: string }>
}

const OUTCOMES: ReadonlySet<string> = new Set<CallOutcome>(['answered', 'rejected', 'missed', 'cancelled', 'no-answer', 'failed'])

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

export function isNumberEntry(value: unknown): value is NumberEntry {
  if (typeof value !== 'object' || value === null) return false
  const e = value as Record<string, unknown>
  return (
    typeof e.number === 'string' &&
    typeof e.remark === 'string' &&
    isFiniteNumber(e.createdAt) &&
    isFiniteNumber(e.callCount) &&
    (e.lastCalledAt === undefined || isFiniteNumber(e.lastCalledAt)) &&
    (e.lastOutcome === undefined || (typeof e.lastOutcome === 'string' && OUTCOMES.has(e.lastOutcome)))
  )
}

/** Storage format v1: `{ v: 1, data: NumberEntry[] }` as JSON under `tccc.numbers`. */
export const numbersStorage = storedValue<unknown[]>('numbers', {
  version: 1,
  fallback: () => [],
  validate: (data): data is unknown[] => Array.isArray(data),
})

function freeze(entry: NumberEntry): NumberEntry {
  return Object.freeze(entry)
}

/** Keeps every well-formed, valid, not yet seen entry, so one bad row never costs the list. */
function loadEntries(): NumberEntry[] {
  const rows = numbersStorage.load()
  const seen = new Set<string>()
  const entries: NumberEntry[] = []
  for (const row of rows) {
    if (!isNumberEntry(row)) continue
    const number = validateNumber(row.number)
    if (!number.ok || seen.has(number.value)) continue
    seen.add(number.value)
    const remark = validateRemark(row.remark, number.value)
    entries.push(
      freeze({
        number: number.value,
        remark: remark.ok ? remark.value : Array.from(row.remark).slice(0, REMARK_MAX_LENGTH).join(''),
        createdAt: row.createdAt,
        callCount: row.callCount,
        ...(row.lastCalledAt !== undefined ? { lastCalledAt: row.lastCalledAt } : {}),
        ...(row.lastOutcome !== undefined ? { lastOutcome: row.lastOutcome } : {}),
      }),
    )
  }
  if (entries.length !== rows.length) console.warn(`[numbers] dropped ${rows.length - entries.length} malformed stored row(s)`)
  return entries
}

function validated(number: string, remark: string | undefined): { number: string; remark: string } {
  const n = validateNumber(number)
  if (!n.ok) throw new NumberError(n.reason)
  const r = validateRemark(remark, n.value)
  if (!r.ok) throw new NumberError(r.reason)
  return { number: n.value, remark: r.value }
}

/**
 * Other spellings of the same Chinese number, for matching caller ids: `+8613800138000`,
 * `008613800138000` and `13800138000` are one phone.
 */
function alternateForms(number: string): string[] {
  const national = number.replace(/^(\+86|0086)/, '')
  if (national !== number) return [national, `+86${national}`]
  return [`+86${number}`, `0086${number}`]
}

export const useNumbersStore = defineStore('numbers', () => {
  const entries = shallowRef<NumberEntry[]>(loadEntries())
  const query = ref('')
  const filtered = computed(() => searchEntries(entries.value, query.value))
  const byNumber = computed(() => {
    const map = new Map<string, NumberEntry>()
    for (const entry of entries.value) map.set(entry.number, entry)
    return map
  })

  /** Saves first, then shows: a failed save leaves both storage and the list as they were. */
  function commit(next: NumberEntry[]): void {
    try {
      numbersStorage.save(next)
    } catch (err) {
      throw new NumberError('SAVE_FAILED', err instanceof Error ? err.message : String(err))
    }
    entries.value = next
  }

  function indexOfNumber(number: string): number {
    const wanted = normalizeNumber(number)
    return entries.value.findIndex((entry) => entry.number === wanted)
  }

  /** Adds a number on top of the list. Throws `NumberError` (invalid input, duplicate). */
  function add(number: string, remark?: string): NumberEntry {
    const input = validated(number, remark)
    if (byNumber.value.has(input.number)) throw new NumberError('NUMBER_DUPLICATE', input.number)
    const entry = freeze({ ...input, createdAt: Date.now(), callCount: 0 })
    commit([entry, ...entries.value])
    return entry
  }

  /**
   * Changes an entry's number and remark in place. Keeping its own number is fine; taking another
   * listed number is a duplicate. A changed number starts with fresh call stats: the old ones
   * described calls to another phone.
   */
  function update(oldNumber: string, number: string, remark: string): NumberEntry {
    const index = indexOfNumber(oldNumber)
    if (index < 0) throw new NumberError('NUMBER_NOT_FOUND', oldNumber)
    const current = entries.value[index]
    const input = validated(number, remark)
    const renumbered = input.number !== current.number
    if (renumbered && byNumber.value.has(input.number)) throw new NumberError('NUMBER_DUPLICATE', input.number)
    const entry = freeze(renumbered ? { ...input, createdAt: current.createdAt, callCount: 0 } : { ...current, remark: input.remark })
    const next = entries.value.slice()
    next[index] = entry
    commit(next)
    return entry
  }

  /** Removes a number; false when it was not listed (e.g. already deleted by a double tap). */
  function remove(number: string): boolean {
    const index = indexOfNumber(number)
    if (index < 0) return false
    const next = entries.value.slice()
    next.splice(index, 1)
    commit(next)
    return true
  }

  /**
   * Imports pasted text (see `parseImport`). Every line is judged first, then the new entries are
   * saved in one write: either all valid new lines are added or, if saving fails, none.
   */
  function importText(text: string): ImportSummary {
    const summary: ImportSummary = { added: 0, duplicates: 0, invalid: 0, invalidLines: [], duplicateLines: [] }
    const existing = byNumber.value
    const pasted = new Set<string>()
    const now = Date.now()
    const added: NumberEntry[] = []
    for (const line of parseImport(text)) {
      if (!line.ok) {
        summary.invalidLines.push({ line: line.line, text: line.text, reason: line.reason })
        continue
      }
      if (existing.has(line.number) || pasted.has(line.number)) {
        summary.duplicateLines.push({ line: line.line, text: line.text, number: line.number })
        continue
      }
      pasted.add(line.number)
      added.push(freeze({ number: line.number, remark: line.remark, createdAt: now, callCount: 0 }))
    }
    if (added.length > 0) commit([...added, ...entries.value])
    summary.added = added.length
    summary.duplicates = summary.duplicateLines.length
    summary.invalid = summary.invalidLines.length
    return summary
  }

  /** The listed entry for a number as typed or as a caller id arrives (`+86` or not). */
  function lookup(number: string): NumberEntry | undefined {
    const wanted = normalizeNumber(number)
    const map = byNumber.value
    const exact = map.get(wanted)
    if (exact || wanted === '') return exact
    for (const form of alternateForms(wanted)) {
      const entry = map.get(form)
      if (entry) return entry
    }
    return undefined
  }

  /** Records a finished call against its listed number (time, outcome, count); no-op otherwise. */
  function noteCall(record: CallRecord): void {
    const entry = lookup(record.number)
    if (!entry) return
    const index = entries.value.indexOf(entry)
    const next = entries.value.slice()
    next[index] = freeze({ ...entry, lastCalledAt: record.startedAt, lastOutcome: record.outcome, callCount: entry.callCount + 1 })
    try {
      commit(next)
    } catch (err) {
      // Called from the call store when a call ends: losing a statistic must not break that.
      console.warn('[numbers] could not save call stats', err instanceof Error ? err.message : err)
    }
  }

  function setQuery(value: string): void {
    query.value = value
  }

  return { entries, query, filtered, add, update, remove, importText, lookup, noteCall, setQuery }
})
