/**
 * The agent's number list: add, edit, delete, bulk import, search, and per-number call stats.
 * A per-agent cache: persisted under `tccc.a.<agentKey>.numbers` while that agent is signed in
 * (`open`/`close`), no size cap. Every change is saved, then written to the sync outbox, and only
 * then shown, so a failed save (storage full) changes nothing. Remote changes arrive through
 * `applyRemote` (the sync router), page by page, and are saved once when the pull ends
 * (`savePulled`); they never go back into the outbox.
 *
 * Order: newest first. `add` puts the entry on top; an import puts its new entries on top in
 * the order they were pasted; editing keeps an entry's place.
 *
 * Entries are frozen plain objects in a `shallowRef` array that is replaced on every change, so
 * 10,000 entries cost no deep reactivity and search can cache its keys per entry object.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { CallOutcome, CallRecord } from '@/services/callRecord'
import { newId } from '@/services/ids'
import {
  NumberError,
  type NumberEntry,
  type NumberErrorSymbol,
  REMARK_MAX_LENGTH,
  nationalForm,
  normalizeNumber,
  importHeader,
  isImportHeader,
  parseImport,
  searchEntries,
  validateListNumber,
  validateNumber,
  validateRemark,
} from '@/services/numbers'
import { hasStored, storedValue, workspaceValue, type StoredValue } from '@/services/storage'
import { getSync, type LocalChange, type LostRecord, type RemoteChange } from '@/services/sync'

// What pages need of the numbers domain besides the store: the type, the error the actions
// throw and the remark limit the form shows, so pages import the store module only.
export type { NumberEntry, NumberErrorSymbol } from '@/services/numbers'
export { isNumberError, REMARK_MAX_LENGTH } from '@/services/numbers'

export interface ImportSummary {
  added: number
  duplicates: number
  invalid: number
  /**
   * Refused lines: `line` in the imported text, `keptLine` in `keptText` (what the import box
   * holds afterwards, so the report names the line the agent sees there).
   */
  invalidLines: Array<{ line: number; keptLine: number; text: string; reason: NumberErrorSymbol }>
  /** Lines whose number is already listed, or repeats an earlier line of the same paste. */
  duplicateLines: Array<{ line: number; text: string; number: string }>
  /**
   * The refused lines, one per line in order, to fix and import again ('' when none). When the
   * first of them reads as a header, a header line goes in front (the import's own, or the one
   * given), so the next import judges that line again instead of skipping it unseen.
   */
  keptText: string
}

/** The header put in front of kept lines when the import had none (`importText`). */
export const IMPORT_HEADER = 'number,remark'

const OUTCOMES: ReadonlySet<string> = new Set<CallOutcome>(['answered', 'rejected', 'missed', 'cancelled', 'no-answer', 'failed'])

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** A stored row; `id` and `source` may be missing in rows from before sync (filled in on load). */
type StoredEntry = Omit<NumberEntry, 'id' | 'source'> & Partial<Pick<NumberEntry, 'id' | 'source'>>

export function isNumberEntry(value: unknown): value is StoredEntry {
  if (typeof value !== 'object' || value === null) return false
  const e = value as Record<string, unknown>
  return (
    (e.id === undefined || (typeof e.id === 'string' && e.id !== '')) &&
    (e.source === undefined || e.source === 'own' || e.source === 'assigned') &&
    typeof e.number === 'string' &&
    typeof e.remark === 'string' &&
    isFiniteNumber(e.createdAt) &&
    isFiniteNumber(e.callCount) &&
    (e.lastCalledAt === undefined || isFiniteNumber(e.lastCalledAt)) &&
    (e.lastOutcome === undefined || (typeof e.lastOutcome === 'string' && OUTCOMES.has(e.lastOutcome)))
  )
}

const NUMBERS_STORAGE = {
  version: 1,
  fallback: (): unknown[] => [],
  validate: (data: unknown): data is unknown[] => Array.isArray(data),
}

/** Storage format v1: `{ v: 1, data: NumberEntry[] }` as JSON under `tccc.a.<agentKey>.numbers`. */
export function numbersStorageFor(agentKey: string): StoredValue<unknown[]> {
  return workspaceValue(agentKey, 'numbers', NUMBERS_STORAGE)
}

/** The device-global list from before per-agent storage; migrated once, then removed. */
export const legacyNumbersStorage = storedValue<unknown[]>('numbers', NUMBERS_STORAGE)

/** The wire `data` of a number upsert (docs/WORKSPACE_API.md). */
export function numberWireData(entry: NumberEntry): Record<string, unknown> {
  // An assigned number's identity is the business's: only the remark may change.
  if (entry.source === 'assigned') return { remark: entry.remark }
  return { number: entry.number, remark: entry.remark, source: 'own', createdAt: entry.createdAt }
}

function upsertOf(entry: NumberEntry): LocalChange {
  return { kind: 'number', op: 'upsert', id: entry.id, data: numberWireData(entry) }
}

function freeze(entry: NumberEntry): NumberEntry {
  return Object.freeze(entry)
}

/**
 * Keeps every well-formed, valid, not yet seen entry, so one bad row never costs the list.
 * Rows from before sync get an id and `source: 'own'`.
 */
function toEntries(rows: unknown[]): NumberEntry[] {
  const seen = new Set<string>()
  const ids = new Set<string>()
  const entries: NumberEntry[] = []
  for (const row of rows) {
    if (!isNumberEntry(row)) continue
    const number = validateNumber(row.number)
    if (!number.ok || seen.has(number.value)) continue
    const id = row.id !== undefined && !ids.has(row.id) ? row.id : newId()
    seen.add(number.value)
    ids.add(id)
    const remark = validateRemark(row.remark, number.value)
    entries.push(
      freeze({
        id,
        source: row.source ?? 'own',
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
  const n = validateListNumber(number)
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
  const national = nationalForm(number)
  if (national !== number) return [national, `+86${national}`]
  return [`+86${number}`, `0086${number}`]
}

/** A remote `number` record as an entry, keeping the local call stats of `previous`. */
/** A list's entries by id and ids by number, as `applyRemote` looks them up. */
interface ListIndex {
  list: readonly NumberEntry[]
  byId: Map<string, NumberEntry>
  /** One id as itself (nearly every number): a Set only where a number has several. */
  idsByNumber: Map<string, string | Set<string>>
}

function addIdOf(idsByNumber: ListIndex['idsByNumber'], number: string, id: string): void {
  const ids = idsByNumber.get(number)
  if (ids === undefined || ids === id) idsByNumber.set(number, id)
  else if (typeof ids === 'string') idsByNumber.set(number, new Set([ids, id]))
  else ids.add(id)
}

function removeIdOf(idsByNumber: ListIndex['idsByNumber'], number: string, id: string): void {
  const ids = idsByNumber.get(number)
  if (ids === id) idsByNumber.delete(number)
  else if (typeof ids === 'object') ids.delete(id)
}

function indexOf(list: readonly NumberEntry[]): ListIndex {
  const byId = new Map<string, NumberEntry>()
  const idsByNumber: ListIndex['idsByNumber'] = new Map()
  for (const e of list) {
    byId.set(e.id, e)
    addIdOf(idsByNumber, e.number, e.id)
  }
  return { list, byId, idsByNumber }
}

function fromRemote(id: string, data: Record<string, unknown>, previous: NumberEntry | undefined): NumberEntry | null {
  const raw = typeof data.number === 'string' ? data.number : previous?.number
  if (raw === undefined) return null
  const number = validateNumber(raw)
  if (!number.ok) return null
  const remarkRaw = typeof data.remark === 'string' ? data.remark : (previous?.remark ?? '')
  const remark = validateRemark(remarkRaw, number.value)
  const renumbered = previous !== undefined && previous.number !== number.value
  const stats = previous && !renumbered ? previous : undefined
  return freeze({
    id,
    source: data.source === 'assigned' ? 'assigned' : data.source === 'own' ? 'own' : (previous?.source ?? 'own'),
    number: number.value,
    remark: remark.ok ? remark.value : Array.from(remarkRaw).slice(0, REMARK_MAX_LENGTH).join(''),
    createdAt: isFiniteNumber(data.createdAt) ? data.createdAt : (previous?.createdAt ?? Date.now()),
    callCount: stats?.callCount ?? 0,
    ...(stats?.lastCalledAt !== undefined ? { lastCalledAt: stats.lastCalledAt } : {}),
    ...(stats?.lastOutcome !== undefined ? { lastOutcome: stats.lastOutcome } : {}),
  })
}

export const useNumbersStore = defineStore('numbers', () => {
  const entries = shallowRef<NumberEntry[]>([])
  const query = ref('')
  const filtered = computed(() => searchEntries(entries.value, query.value))
  const byNumber = computed(() => {
    const map = new Map<string, NumberEntry>()
    for (const entry of entries.value) map.set(entry.number, entry)
    return map
  })
  /** The open agent's storage; null while nobody is signed in (changes then stay in memory). */
  let storage: StoredValue<unknown[]> | null = null
  /** Pulled pages applied since the list was last saved (saved once per pull: `savePulled`). */
  let pulledUnsaved = false
  /** `applyRemote`'s indexes of the list it last showed; any other change replaces the list. */
  let pullIndex: ListIndex | null = null

  /**
   * Loads an agent's list. The device-global list from before per-agent storage goes to the
   * first agent who opens one, once: it is copied, queued for the server and removed.
   */
  function open(agentKey: string): void {
    storage = numbersStorageFor(agentKey)
    query.value = ''
    let loaded = toEntries(storage.load())
    if (hasStored('numbers')) {
      const legacy = toEntries(legacyNumbersStorage.load())
      const known = new Set(loaded.map((e) => e.number))
      const adopted = legacy.filter((e) => !known.has(e.number))
      if (adopted.length > 0) {
        loaded = [...loaded, ...adopted]
        storage.save(loaded)
        getSync().enqueue(adopted.map(upsertOf))
      }
      legacyNumbersStorage.clear()
      console.info(`[numbers] migrated ${adopted.length} number(s) from the device-global list`)
    }
    entries.value = loaded
  }

  /** Sign-out: forget the list in memory (it stays stored for this agent). */
  function close(): void {
    storage = null
    pulledUnsaved = false
    entries.value = []
    query.value = ''
  }

  function save(next: NumberEntry[]): void {
    if (!storage) return
    try {
      storage.save(next)
    } catch (err) {
      throw new NumberError('SAVE_FAILED', err instanceof Error ? err.message : String(err))
    }
    // Every list saved holds what was pulled so far (it is built on the list shown).
    pulledUnsaved = false
  }

  /**
   * Saves the list, queues the changes for the server, then shows: a failed save or outbox
   * write leaves storage, outbox and the list as they were.
   */
  function commit(next: NumberEntry[], changes: LocalChange[]): void {
    const before = entries.value
    save(next)
    try {
      getSync().enqueue(changes)
    } catch (err) {
      try {
        save(before)
      } catch {
        // storage is failing anyway; the list shown stays the one stored before
      }
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
    // `+8613900139003` is `13900139003`: one phone listed twice would be called twice.
    if (lookup(input.number)) throw new NumberError('NUMBER_DUPLICATE', input.number)
    const entry = freeze({ id: newId(), source: 'own', ...input, createdAt: Date.now(), callCount: 0 })
    commit([entry, ...entries.value], [upsertOf(entry)])
    return entry
  }

  /**
   * Changes an entry's number and remark in place. Keeping its own number is fine; taking another
   * listed number is a duplicate; an assigned number keeps its number. A changed number starts
   * with fresh call stats: the old ones described calls to another phone.
   */
  function update(oldNumber: string, number: string, remark: string): NumberEntry {
    const index = indexOfNumber(oldNumber)
    if (index < 0) throw new NumberError('NUMBER_NOT_FOUND', oldNumber)
    const current = entries.value[index]
    const input = validated(number, remark)
    const renumbered = input.number !== current.number
    if (renumbered && current.source === 'assigned') throw new NumberError('ASSIGNED_READONLY', current.number)
    const listed = renumbered ? lookup(input.number) : undefined
    if (listed && listed.id !== current.id) throw new NumberError('NUMBER_DUPLICATE', input.number)
    const entry = freeze(
      renumbered
        ? { id: current.id, source: current.source, ...input, createdAt: current.createdAt, callCount: 0 }
        : { ...current, remark: input.remark },
    )
    const next = entries.value.slice()
    next[index] = entry
    commit(next, [upsertOf(entry)])
    return entry
  }

  /** Removes a number; false when it was not listed (e.g. already deleted by a double tap). */
  function remove(number: string): boolean {
    const index = indexOfNumber(number)
    if (index < 0) return false
    const next = entries.value.slice()
    const [gone] = next.splice(index, 1)
    commit(next, [{ kind: 'number', op: 'delete', id: gone.id }])
    return true
  }

  /**
   * Imports pasted text (see `parseImport`). Every line is judged first, then the new entries are
   * saved in one write: either all valid new lines are added or, if saving fails, none.
   */
  function importText(text: string, header = IMPORT_HEADER): ImportSummary {
    const summary: ImportSummary = { added: 0, duplicates: 0, invalid: 0, invalidLines: [], duplicateLines: [], keptText: '' }
    /** National forms of the lines taken so far: `+86…` and `…` on two lines are one phone. */
    const pasted = new Set<string>()
    const now = Date.now()
    const added: NumberEntry[] = []
    for (const line of parseImport(text)) {
      if (!line.ok) {
        summary.invalidLines.push({ line: line.line, keptLine: 0, text: line.text, reason: line.reason })
        continue
      }
      const phone = nationalForm(line.number)
      if (pasted.has(phone) || lookup(line.number)) {
        summary.duplicateLines.push({ line: line.line, text: line.text, number: line.number })
        continue
      }
      pasted.add(phone)
      added.push(freeze({ id: newId(), source: 'own', number: line.number, remark: line.remark, createdAt: now, callCount: 0 }))
    }
    // Queued last line first: another phone puts each pulled block newest first, so the pasted
    // order (first line on top) is the same there (queued in line order it came out reversed).
    if (added.length > 0) commit([...added, ...entries.value], added.map(upsertOf).reverse())
    summary.added = added.length
    summary.duplicates = summary.duplicateLines.length
    summary.invalid = summary.invalidLines.length
    // A refused line first in the box that reads as a header would be skipped by the next
    // import, silently: a header in front keeps it judged (and listed) until it is fixed.
    const kept = summary.invalidLines.map((l) => l.text)
    const lead = kept.length > 0 && isImportHeader(kept[0]) ? [importHeader(text) ?? (isImportHeader(header) ? header : IMPORT_HEADER)] : []
    summary.invalidLines.forEach((l, i) => (l.keptLine = lead.length + i + 1))
    summary.keptText = [...lead, ...kept].join('\n')
    return summary
  }

  /**
   * Applies records pulled from the server (remote wins, last writer by server order). Records
   * with local changes still in the outbox keep the local version: those changes are sent next
   * and win on the server too. A remote record takes its number from any other local entry.
   */
  function applyRemote(changes: RemoteChange[], pendingIds: ReadonlySet<string>): void {
    // One pass over the page: entries by id and ids by number, with the order rebuilt once at the
    // end. (Searching and copying the whole list for every change made a first pull of 10,000
    // numbers block the page for seconds; bench/numbers.ts.) The two indexes are kept for the
    // next page while the list is the one this call shows: rebuilding them for 10,000 entries on
    // every page was most of a first pull once the list was saved only at its end.
    const kept = entries.value
    const index = pullIndex?.list === kept ? pullIndex : indexOf(kept)
    pullIndex = null
    const { byId, idsByNumber } = index
    /** New entries go to the front, the latest first (as the list shows newest first). */
    const added: string[] = []
    const addedIds = new Set<string>()
    /** An entry of the list shown before was removed or replaced: its part must be rebuilt. */
    let keptChanged = false
    const remove = (id: string): void => {
      const entry = byId.get(id)
      if (!entry) return
      byId.delete(id)
      removeIdOf(idsByNumber, entry.number, id)
      if (!addedIds.has(id)) keptChanged = true
    }
    let changed = false
    for (const change of changes) {
      if (change.kind !== 'number' || pendingIds.has(change.id)) continue
      const previous = byId.get(change.id)
      if (change.deleted || change.data === null) {
        if (!previous) continue
        remove(change.id)
        changed = true
        continue
      }
      const entry = fromRemote(change.id, change.data, previous)
      if (!entry) {
        console.warn(`[numbers] remote number ${change.id} is not valid here; skipped`)
        continue
      }
      // One live record per number: the server's wins over a local entry with another id.
      const sameNumber = idsByNumber.get(entry.number)
      // (No array for the usual one id: a first pull makes 10,000 of them for the collector.)
      if (typeof sameNumber === 'string') {
        if (sameNumber !== change.id && !pendingIds.has(sameNumber)) remove(sameNumber)
      } else if (sameNumber !== undefined) {
        for (const other of [...sameNumber]) if (other !== change.id && !pendingIds.has(other)) remove(other)
      }
      if (previous) {
        removeIdOf(idsByNumber, previous.number, change.id)
        if (!addedIds.has(change.id)) keptChanged = true
      } else {
        added.push(change.id)
        addedIds.add(change.id)
      }
      byId.set(change.id, entry)
      addIdOf(idsByNumber, entry.number, change.id)
      changed = true
    }
    if (!changed) {
      pullIndex = index
      return
    }
    // An id removed and added again in this page sits once, where it was added last.
    const addedTwice = added.length !== addedIds.size
    const placed = new Set<string>()
    let next: NumberEntry[] = []
    for (let i = added.length - 1; i >= 0; i--) {
      const id = added[i]
      const entry = byId.get(id)
      if (!entry || (addedTwice && placed.has(id))) continue
      if (addedTwice) placed.add(id)
      next.push(entry)
    }
    // A page of new numbers only (a first pull): the list shown before follows unchanged.
    if (!keptChanged) next = next.concat(kept)
    else {
      for (const e of kept) {
        const entry = byId.get(e.id)
        if (entry && !addedIds.has(e.id)) next.push(entry)
      }
    }
    // Shown now, saved when the pull ends (`savePulled`): before the engine stores its cursor.
    entries.value = next
    pullIndex = { list: next, byId, idsByNumber }
    pulledUnsaved = true
  }

  /**
   * The pull ended: saves the list once if its pages changed it. False when that failed: the
   * numbers stay shown and the engine keeps its cursor, so the next pull brings them again.
   */
  function savePulled(): boolean {
    if (!pulledUnsaved) return true
    try {
      save(entries.value)
      return true
    } catch (err) {
      console.warn('[numbers] could not save pulled numbers', err instanceof Error ? err.message : err)
      return false
    }
  }

  /** The server refused a local copy (e.g. DUPLICATE_NUMBER): drop it; the server's comes by pull. */
  function dropLocal(id: string): void {
    const next = entries.value.filter((e) => e.id !== id)
    if (next.length === entries.value.length) return
    try {
      save(next)
    } catch (err) {
      console.warn('[numbers] could not save', err instanceof Error ? err.message : err)
    }
    entries.value = next
  }

  /** The server's copy of one number after it refused this phone's change to it: shown and saved. */
  function restoreRemote(change: RemoteChange): void {
    applyRemote([change], new Set())
    savePulled()
  }

  /** The numbers this phone holds, for a reconcile (`LocalRecords.held`). */
  function heldRecords(): Array<{ kind: 'number'; id: string }> {
    return entries.value.map((e) => ({ kind: 'number', id: e.id }))
  }

  /**
   * The upsert that puts this phone's copy of a number the server lost back (`LocalRecords.copyOf`).
   * An assigned number is the business's: only its remark goes back, and only while the server
   * still has the number (a phone may not create one; the business assigns it again).
   */
  function restoreCopy(lost: LostRecord): LocalChange | null {
    const entry = entries.value.find((e) => e.id === lost.id)
    if (!entry) return null
    if (entry.source === 'assigned' && lost.state !== 'alive') return null
    return upsertOf(entry)
  }

  /**
   * The upserts that send this phone's latest copies of numbers the server refused over a cap
   * (`LocalRecords.resend`), by id: none for one no longer listed (deleted, or dropped for the
   * server's entry of the same phone), whose phone is now also listed under another id (sent, it
   * would only duplicate that one), or assigned (the business's: a phone never adds one).
   */
  function resendCopies(ids: readonly string[]): Map<string, LocalChange> {
    const copies = new Map<string, LocalChange>()
    if (ids.length === 0) return copies
    const wanted = new Set(ids)
    /** Ids listed under each phone (national form: `+86…` and `…` are one phone). */
    const byPhone = new Map<string, number>()
    for (const e of entries.value) {
      const phone = nationalForm(e.number)
      byPhone.set(phone, (byPhone.get(phone) ?? 0) + 1)
    }
    for (const e of entries.value) {
      if (!wanted.has(e.id) || e.source === 'assigned' || (byPhone.get(nationalForm(e.number)) ?? 0) > 1) continue
      copies.set(e.id, upsertOf(e))
    }
    return copies
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
  /** A call with this number ended; `again`: the same call reported once more (a newer outcome), not counted twice. */
  function noteCall(record: CallRecord, again = false): void {
    const entry = lookup(record.number)
    if (!entry) return
    const index = entries.value.indexOf(entry)
    const next = entries.value.slice()
    next[index] = freeze({ ...entry, lastCalledAt: record.startedAt, lastOutcome: record.outcome, callCount: entry.callCount + (again ? 0 : 1) })
    try {
      // Call stats are this phone's view, derived from its calls: nothing to send.
      save(next)
      entries.value = next
    } catch (err) {
      // Called from the call store when a call ends: losing a statistic must not break that.
      console.warn('[numbers] could not save call stats', err instanceof Error ? err.message : err)
    }
  }

  function setQuery(value: string): void {
    query.value = value
  }

  return { entries, query, filtered, open, close, add, update, remove, importText, applyRemote, savePulled, restoreRemote, dropLocal, heldRecords, restoreCopy, resendCopies, lookup, noteCall, setQuery }
})
