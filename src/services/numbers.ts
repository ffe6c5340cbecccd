/**
 * The agent's number list, as pure functions: normalising, validating, import parsing and search.
 * No storage and no UI here (the numbers store persists; the page shows `numbers.error.*` texts).
 */
import type { CallOutcome } from './callRecord'
import { dropUnstorableText } from './text'

/** One number the agent keeps to call. Treated as immutable: the store replaces, never mutates. */
export interface NumberEntry {
  /** Record id (random UUID, or the server's for an assigned number); the same on every phone. */
  id: string
  /** `assigned` by the business (its number cannot be edited here) or the agent's `own`. */
  source: NumberSource
  /** Normalised: digits with at most one leading `+`. */
  number: string
  remark: string
  /** Epoch ms. */
  createdAt: number
  lastCalledAt?: number
  lastOutcome?: CallOutcome
  callCount: number
}

export type NumberSource = 'own' | 'assigned'

/** A number without its China country prefix: `+8613900139003`, `008613900139003` and `13900139003` are one phone. */
export function nationalForm(number: string): string {
  return number.replace(/^(\+86|0086)/, '')
}

/** Every spelling of a (normalised) number that is the same phone: itself, national, `+86…`, `0086…`. */
export function samePhoneSpellings(number: string): string[] {
  const national = nationalForm(number)
  return [...new Set([number, national, `+86${national}`, `0086${national}`])]
}

export const NUMBER_MIN_DIGITS = 3
export const NUMBER_MAX_DIGITS = 20
export const REMARK_MAX_LENGTH = 50

/** Why a number or remark was refused; `numbers.error.<symbol>` is its message. */
export type NumberErrorSymbol =
  | 'NUMBER_EMPTY'
  | 'NUMBER_NOT_DIGITS'
  | 'NUMBER_HAS_EXTENSION'
  | 'NUMBER_TOO_SHORT'
  | 'NUMBER_TOO_LONG'
  | 'REMARK_TOO_LONG'
  | 'NUMBER_DUPLICATE'
  | 'NUMBER_NOT_FOUND'
  | 'ASSIGNED_READONLY'
  | 'SAVE_FAILED'

export class NumberError extends Error {
  readonly symbol: NumberErrorSymbol
  constructor(symbol: NumberErrorSymbol, detail = '') {
    super(detail ? `${symbol}: ${detail}` : symbol)
    this.name = 'NumberError'
    this.symbol = symbol
  }
}

export function isNumberError(value: unknown): value is NumberError {
  return value instanceof NumberError
}

export type Validated<T> = { ok: true; value: T } | { ok: false; reason: NumberErrorSymbol }

// Separators people type or paste inside phone numbers: ASCII and full-width spaces, dashes,
// dots and brackets. `+` is handled separately (only one, only leading).
const SEPARATORS = /[\s\u00a0\u3000\-\u2010-\u2015\u2212\uff0d.\uff0e\u3002()\uff08\uff09[\]\u3010\u3011{}/]/g
const FULL_WIDTH_DIGITS = /[\uff10-\uff19]/g
const FULL_WIDTH_PLUS = /\uff0b/g
/** What `normalizeNumber` leaves unchanged: ASCII digits, at most one leading `+`. */
const CANONICAL_NUMBER = /^\+?[0-9]*$/
/** Whitespace `validateRemark` would change: any but a plain space, or two spaces in a row. */
const REMARK_SPACE_TO_FOLD = /[^\S ]| {2}/

/**
 * `+86 (138) 0013-8000` -> `+8613800138000`. Idempotent. Letters and other signs are kept so
 * `validateNumber` can refuse them instead of silently dialling something else.
 */
export function normalizeNumber(input: string): string {
  // Already normalised (a stored or pulled number, nearly every call): four replaces would each
  // copy it for nothing, and a first pull of 10,000 numbers normalises each once.
  if (CANONICAL_NUMBER.test(input)) return input
  const compact = input
    .replace(FULL_WIDTH_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30))
    .replace(FULL_WIDTH_PLUS, '+')
    .replace(SEPARATORS, '')
  // A run of leading pluses is one typo, not a different number.
  return compact.replace(/^\++/, '+')
}

/** A normalised number, or why not: digits only (one leading `+` allowed), 3-20 digits. */
export function validateNumber(input: string): Validated<string> {
  const number = normalizeNumber(input)
  if (number === '' || number === '+') return { ok: false, reason: 'NUMBER_EMPTY' }
  const digits = number.startsWith('+') ? number.slice(1) : number
  if (!/^[0-9]+$/.test(digits)) return { ok: false, reason: 'NUMBER_NOT_DIGITS' }
  if (digits.length < NUMBER_MIN_DIGITS) return { ok: false, reason: 'NUMBER_TOO_SHORT' }
  if (digits.length > NUMBER_MAX_DIGITS) return { ok: false, reason: 'NUMBER_TOO_LONG' }
  return { ok: true, value: number }
}

/** A phone then an extension word and its digits: `… ext 12`, `… x12`, `…转8`, `…分机 203`, `…#22`. */
const EXTENSION_WORD = /\d\s*(?:ext\.?|x|转|分机|#)\s*\d{1,6}\s*$/i
/** A whole mainland mobile number (with or without +86 / 0086 / 86). */
const FULL_MOBILE = /^(?:\+86|0086|86)?1[3-9]\d{9}$/
/** `86` then a mainland mobile, without the +: the country code typed bare. */
const BARE_86_MOBILE = /^861[3-9]\d{9}$/

/**
 * True when the text is a phone followed by an extension. TCCC dials no extension, and the
 * separators were dropped silently: `13800138000-123` became the 14-digit `13800138000123`.
 */
export function hasExtension(input: string): boolean {
  const text = input.replace(FULL_WIDTH_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30))
  if (EXTENSION_WORD.test(text)) return true
  // A complete mobile number, then a separator and a few more digits.
  const tail = /^(.*?\d)[\s\u00a0\u3000\-\u2010-\u2015\u2212\uff0d]+(\d{1,6})\s*$/.exec(text)
  return tail !== null && FULL_MOBILE.test(normalizeNumber(tail[1]))
}

/**
 * A number for the agent's list (the form, an import, `assign-numbers`): `validateNumber`, an
 * extension refused with its own reason, and `86` typed before a mobile taken as +86 (it was
 * listed beside the same phone without it, and became "call next").
 */
export function validateListNumber(input: string): Validated<string> {
  if (hasExtension(input)) return { ok: false, reason: 'NUMBER_HAS_EXTENSION' }
  const checked = validateNumber(input)
  if (checked.ok && BARE_86_MOBILE.test(checked.value)) return { ok: true, value: `+${checked.value}` }
  return checked
}

/**
 * The remark to store: trimmed, inner whitespace (tabs, newlines) collapsed to one space,
 * at most 50 characters (code points, so an emoji counts once); the number when empty.
 */
export function validateRemark(input: string | undefined, number: string): Validated<string> {
  let remark = dropUnstorableText(input ?? '')
  // Folded only when needed: stored and pulled remarks already are (no copy per record).
  if (REMARK_SPACE_TO_FOLD.test(remark) || remark.startsWith(' ') || remark.endsWith(' ')) remark = remark.replace(/\s+/g, ' ').trim()
  if (remark === '') return { ok: true, value: number }
  // Code points are never more than UTF-16 units: only a long remark needs counting.
  if (remark.length > REMARK_MAX_LENGTH && Array.from(remark).length > REMARK_MAX_LENGTH) return { ok: false, reason: 'REMARK_TOO_LONG' }
  return { ok: true, value: remark }
}

/** Between an entry's remark and one kept from a refused duplicate add (`mergedRemark`). */
export const MERGED_REMARK_SEPARATOR = ' | '
const ELLIPSIS = '…'

/**
 * The remark of a live number after an add of the same phone (`spellings`) with remark `added`
 * was refused as a duplicate, or null when it stays as it is. `added` is appended after
 * MERGED_REMARK_SEPARATOR unless it is no remark (the phone stores the number itself then) or
 * the stored remark already contains it (the same add again under another change id); a stored
 * remark that is only the number is replaced. The result keeps REMARK_MAX_LENGTH (code points):
 * `added` is cut and ends with `…` to fit, and when not even one of its characters fits nothing
 * changes (the phone keeps the whole remark in its `rejected` log either way).
 * The backend's rule (server/src/db/workspace.ts, docs/WORKSPACE_API.md), here beside the
 * remark rules it keeps.
 */
export function mergedRemark(stored: unknown, added: string, spellings: string[]): string | null {
  if (added === '' || spellings.includes(added)) return null
  const current = typeof stored === 'string' ? stored : ''
  if (current === '' || spellings.includes(current)) return added
  if (current.includes(added)) return null
  const head = Array.from(current).length + MERGED_REMARK_SEPARATOR.length
  const chars = Array.from(added)
  if (head + chars.length <= REMARK_MAX_LENGTH) return current + MERGED_REMARK_SEPARATOR + added
  const room = REMARK_MAX_LENGTH - head - ELLIPSIS.length
  if (room < 1) return null
  return current + MERGED_REMARK_SEPARATOR + chars.slice(0, room).join('').trimEnd() + ELLIPSIS
}

/** One non-blank, non-header line of an import, 1-based `line` as the agent sees it. */
export type ImportLine =
  | { line: number; text: string; ok: true; number: string; remark: string }
  | { line: number; text: string; ok: false; reason: NumberErrorSymbol }

// Field separators accepted between number and remark: comma, Chinese comma, tab, semicolons.
const FIELD_SEPARATORS = new Set([',', '\uff0c', '\t', ';', '\uff1b'])
const HEADER_WORDS = /^(number|numbers|phone|phonenumber|phoneno|tel|telephone|mobile|号码|电话|电话号码|手机|手机号|手机号码)$/i

/** Splits at the first unquoted separator; a quoted field may hold separators and `""`. */
function splitLine(text: string): { first: string; rest: string | null } {
  let i = 0
  while (i < text.length && (text[i] === ' ' || text[i] === '\u3000')) i++
  let first = ''
  if (text[i] === '"') {
    const closed = readQuoted(text, i)
    first = closed.value
    i = closed.end
    // Anything between the closing quote and the separator belongs to the field (lenient CSV).
    while (i < text.length && !FIELD_SEPARATORS.has(text[i])) first += text[i++]
  } else {
    while (i < text.length && !FIELD_SEPARATORS.has(text[i])) first += text[i++]
  }
  if (i >= text.length) return { first, rest: null }
  return { first, rest: unquote(text.slice(i + 1)) }
}

function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = ''
  let i = start + 1
  while (i < text.length) {
    if (text[i] === '"') {
      if (text[i + 1] === '"') {
        value += '"'
        i += 2
        continue
      }
      return { value, end: i + 1 }
    }
    value += text[i++]
  }
  return { value, end: i } // unterminated quote: take the rest of the line
}

/**
 * The remark column: a quoted field is unquoted, and text after its closing quote is kept as
 * written (lenient CSV, like the number column); otherwise the raw rest of the line.
 */
function unquote(field: string): string {
  const trimmed = field.trim()
  if (!trimmed.startsWith('"')) return trimmed
  const quoted = readQuoted(trimmed, 0)
  return quoted.value + trimmed.slice(quoted.end)
}

// No separator at all: `138 0000 0000 Zhang Wei` is a number followed by a remark.
const NUMBER_THEN_TEXT = /^([+\uff0b]?[0-9\uff10-\uff19][0-9\uff10-\uff19\s\-.()\uff08\uff09]*?)\s+([^\s0-9\uff10-\uff19+\-.(].*)$/

function isHeader(first: string): boolean {
  return HEADER_WORDS.test(first.replace(/[\s_\-"'#]/g, ''))
}

/** Whether `parseImport` takes this line, first in a paste, as a header and skips it. */
export function isImportHeader(line: string): boolean {
  return isHeader(splitLine(line.trim()).first)
}

/** The header line `parseImport` skips in this text (its first non-blank line), or null. */
export function importHeader(text: string): string | null {
  const first = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/).find((line) => line.trim() !== '')
  return first !== undefined && isImportHeader(first) ? first.trim() : null
}

/**
 * Parses pasted text, one `number,remark` per line. Blank lines are skipped, and a header line
 * (`number,remark`, `号码,备注`) is skipped when it is the first non-blank line. Duplicates are
 * not judged here: the store knows the existing list.
 */
export function parseImport(text: string): ImportLine[] {
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/)
  const results: ImportLine[] = []
  let seenContent = false
  lines.forEach((raw, index) => {
    const lineText = raw.trim()
    if (lineText === '') return
    let { first, rest } = splitLine(lineText)
    if (!seenContent) {
      seenContent = true
      if (isHeader(first)) return
    }
    if (rest === null) {
      const spaced = NUMBER_THEN_TEXT.exec(lineText)
      if (spaced) {
        first = spaced[1]
        rest = spaced[2]
      }
    }
    const line = index + 1
    const number = validateListNumber(first)
    if (!number.ok) {
      results.push({ line, text: lineText, ok: false, reason: number.reason })
      return
    }
    const remark = validateRemark(rest ?? '', number.value)
    if (!remark.ok) {
      results.push({ line, text: lineText, ok: false, reason: remark.reason })
      return
    }
    results.push({ line, text: lineText, ok: true, number: number.value, remark: remark.value })
  })
  return results
}

/** One CSV line for an entry (export, and the round-trip tests): quotes the remark when needed. */
export function formatCsvLine(entry: Pick<NumberEntry, 'number' | 'remark'>): string {
  const remark = /[",\uff0c\t;\uff1b]|^\s|\s$/.test(entry.remark) ? `"${entry.remark.replace(/"/g, '""')}"` : entry.remark
  return `${entry.number},${remark}`
}

// ---------------------------------------------------------------------------------------------
// Search

/** Folds full-width letters/digits to ASCII and case, so `ＺＨＡＮＧ` finds `zhang` (also history's search). */
export function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase()
}

/** Search keys computed once per entry object (entries are immutable). */
const keyOf = new WeakMap<NumberEntry, string>()

function searchKey(entry: NumberEntry): string {
  let key = keyOf.get(entry)
  if (key === undefined) {
    // `\n` can never be in a (single-line, trimmed) query, so a match never spans both fields.
    key = entry.number + '\n' + fold(entry.remark)
    keyOf.set(entry, key)
  }
  return key
}

/** Per list: the keys side by side with the entries they were made for (one lookup per search). */
interface KeyIndex {
  entries: NumberEntry[]
  keys: string[]
}
const indexOf = new WeakMap<NumberEntry[], KeyIndex>()

function keyIndex(entries: NumberEntry[]): KeyIndex {
  let index = indexOf.get(entries)
  if (!index) {
    index = { entries: [], keys: [] }
    indexOf.set(entries, index)
  }
  // Re-key only the slots that changed, so an in-place edit of the array cannot return stale hits.
  const { entries: seen, keys } = index
  if (seen.length !== entries.length) {
    seen.length = entries.length
    keys.length = entries.length
  }
  return index
}

/** A number after `normalizeNumber`: digits with at most one leading `+`. */
const NORMALIZED_PHONE = /^\+?[0-9]*$/

/**
 * Entries whose number or remark contains `query` (case- and width-insensitive). A query that
 * `normalizeNumber` turns into digits (`138 0013-8`, `021/5555`, `【021】5555`) also matches the
 * number ignoring the separators typed: every separator the number form accepts works here too.
 * Keeps the order of `entries`; returns `entries` itself for an empty query.
 */
export function searchEntries(entries: NumberEntry[], query: string): NumberEntry[] {
  const q = fold(query.trim())
  if (q === '') return entries
  let digits: string | null = null
  let national: string | null = null
  const normalized = normalizeNumber(q)
  if (NORMALIZED_PHONE.test(normalized)) {
    // A leading + is optional in a search: `+86138` and `86138` both find `+8613800000000`.
    const bare = normalized.replace(/^\+/, '')
    if (bare !== q && bare !== '') digits = bare
    // And +86 / 0086 too, as adding and importing treat them: `+86 138 0013 8000` finds `13800138000`.
    const withoutCountry = nationalForm(normalized)
    if (withoutCountry !== normalized && withoutCountry !== '') national = withoutCountry
  }
  const index = keyIndex(entries)
  const { entries: seen, keys } = index
  const hits: NumberEntry[] = []
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]
    let key = keys[i]
    if (seen[i] !== entry) {
      key = searchKey(entry)
      seen[i] = entry
      keys[i] = key
    }
    if (key.includes(q) || (digits !== null && entry.number.includes(digits)) || (national !== null && entry.number.includes(national))) hits.push(entry)
  }
  return hits
}
