/**
 * What the history page shows: the records that match a search and the chosen filters, grouped
 * by the agent's local day (newest day first). Pure functions over store snapshots; `now` and the
 * time-zone offset come in, so tests run on a fixed clock in any zone.
 */
import type { CallRecord } from './callRecord'
import { fold, nationalForm, normalizeNumber } from './numbers'
import { nextLocalDay, previousLocalDay, startOfLocalDay, type LocalZone } from './workday'

/** The which-calls chips (`history-filter-<kind>`), one chosen at a time; outcome chips are apart. */
export type HistoryFilterKind = 'all' | 'in' | 'out' | 'missed'
export const HISTORY_FILTER_KINDS: readonly HistoryFilterKind[] = ['all', 'in', 'out', 'missed']

/** The query a which-calls chip sets (text and outcome stay as they are). */
export function queryForKind(query: HistoryQuery, kind: HistoryFilterKind): HistoryQuery {
  const direction = kind === 'in' || kind === 'out' ? kind : 'all'
  return { ...query, direction, missedOnly: kind === 'missed' }
}

/** Which which-calls chip a query selects. */
export function kindOfQuery(query: HistoryQuery): HistoryFilterKind {
  return query.missedOnly ? 'missed' : query.direction
}

export interface HistoryQuery {
  /** Free text: part of the number (digits as typed, separators ignored), remark or note. */
  text: string
  direction: 'all' | 'in' | 'out'
  /** Only inbound calls nobody answered (a call the agent declined is not missed). */
  missedOnly: boolean
  /** Wrap-up outcome code, or null for any. */
  disposition: string | null
}

export const EMPTY_QUERY: HistoryQuery = Object.freeze({ text: '', direction: 'all', missedOnly: false, disposition: null }) as HistoryQuery

export interface HistoryDay {
  /** Local date `YYYY-MM-DD` (`history-day` `data-day`). */
  day: string
  /** Epoch ms of that day's local midnight. */
  start: number
  /** 'today' | 'yesterday' | 'date': how the header names it. */
  relative: 'today' | 'yesterday' | 'date'
  records: CallRecord[]
}

const SEPARATORS = /[\s\-()]/g

/** A missed call as the filter means it: an inbound call nobody answered (not one the agent declined). */
export function isMissed(record: CallRecord): boolean {
  return record.direction === 'in' && record.outcome === 'missed'
}

interface Needle {
  /** For the number: without separators (`138 0013-8000` finds `13800138000`). */
  digits: string
  /** The same without +86 / 0086 (`+86 138…` finds a stored `138…`); '' when there was none. */
  national: string
  /** For remark and note: folded for width and case (`ＺＨＡＮＧ` finds `Zhang`). */
  words: string
}

/** Remark and note folded, once per record object (records are replaced, never changed). */
const wordsOf = new WeakMap<CallRecord, string>()

function recordWords(record: CallRecord): string {
  let words = wordsOf.get(record)
  if (words === undefined) {
    // `\n` is never in a trimmed single-line query: a match never spans the two fields.
    words = fold(record.remark ?? '') + '\n' + fold(record.note ?? '')
    wordsOf.set(record, words)
  }
  return words
}

function prepareText(text: string): Needle | null {
  const plain = fold(text.trim())
  if (!plain) return null
  // Every separator the number form accepts (`021/5555`, `【021】5555`), a leading + optional.
  const normalized = normalizeNumber(plain)
  const digits = /^\+?[0-9]+$/.test(normalized) ? normalized.replace(/^\+/, '') : plain.replace(SEPARATORS, '')
  const national = nationalForm(normalized).replace(/^\+/, '')
  return { digits, national: national !== digits ? national : '', words: plain }
}

function matchesText(record: CallRecord, needle: Needle): boolean {
  if (needle.digits && record.number.includes(needle.digits)) return true
  if (needle.national && record.number.includes(needle.national)) return true
  return recordWords(record).includes(needle.words)
}

/** The records (kept in their order, newest first) that match the query. */
export function filterHistory(records: readonly CallRecord[], query: HistoryQuery): CallRecord[] {
  const needle = prepareText(query.text)
  const { direction, missedOnly, disposition } = query
  const out: CallRecord[] = []
  for (const record of records) {
    if (direction !== 'all' && record.direction !== direction) continue
    if (missedOnly && !isMissed(record)) continue
    if (disposition !== null && record.disposition !== disposition) continue
    if (needle && !matchesText(record, needle)) continue
    out.push(record)
  }
  return out
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** `YYYY-MM-DD` of a local midnight (the offset applied by hand, not by the machine's zone). */
function localDate(start: number, zone: LocalZone): string {
  const d = new Date(start - (typeof zone === 'number' ? zone : zone(start)) * 60_000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

/**
 * Groups records (newest first) by local day of their end. One pass: records arrive sorted, so a
 * new group starts whenever the day changes; an out-of-order record joins its day's group.
 */
export function groupByDay(records: readonly CallRecord[], now: number, zone: LocalZone): HistoryDay[] {
  const today = startOfLocalDay(now, zone)
  const yesterday = previousLocalDay(today, zone)
  const groups: HistoryDay[] = []
  const byStart = new Map<number, HistoryDay>()
  let current: HistoryDay | null = null
  // Where the current day ends: 24 hours after its start but on a clock change.
  let currentEnd = 0
  for (const record of records) {
    // Inside the current day: no date arithmetic (the common case).
    if (current && record.endedAt >= current.start && record.endedAt < currentEnd) {
      current.records.push(record)
      continue
    }
    const start = startOfLocalDay(record.endedAt, zone)
    let group = byStart.get(start)
    if (!group) {
      group = {
        day: localDate(start, zone),
        start,
        relative: start === today ? 'today' : start === yesterday ? 'yesterday' : 'date',
        records: [],
      }
      byStart.set(start, group)
      groups.push(group)
    }
    group.records.push(record)
    current = group
    currentEnd = nextLocalDay(start, zone)
  }
  groups.sort((a, b) => b.start - a.start)
  return groups
}

/** Counts per filter chip over all records (not the filtered ones: a chip says what it would show). */
export function historyFilterCounts(records: readonly CallRecord[]): Record<HistoryFilterKind, number> {
  let inbound = 0
  let missed = 0
  for (const record of records) {
    if (record.direction === 'in') {
      inbound++
      if (record.outcome === 'missed') missed++
    }
  }
  return { all: records.length, in: inbound, out: records.length - inbound, missed }
}
