/**
 * Call history: every finished call, newest first, the newest 1,000 kept (and, after them, the
 * calls whose only full copy is this list until the server has them). A per-agent cache under
 * `tccc.a.<agentKey>.history` while that agent is signed in (`open`/`close`). The call store
 * records a `CallRecord` when a call ends (saved, queued for the server, then shown); calls from
 * the agent's other phones arrive through `applyRemote`. The history page only reads and clears.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { callDetailOf, callWireData, type CallDetailFields, type CallRecord } from '@/services/callRecord'
import { fetchCallDetail } from '@/services/cccClient'
import { getWorkstation } from '@/services/workstation'
import { toTcccError } from '@/platform/errors'
import { openExternalUrl } from '@/platform/device'
import {
  EMPTY_QUERY,
  filterHistory,
  groupByDay,
  historyFilterCounts,
  kindOfQuery,
  queryForKind,
  type HistoryDay,
  type HistoryFilterKind,
  type HistoryQuery,
} from '@/services/historyView'
import { foldStanding, deviceZone } from '@/services/workday'
import { newId } from '@/services/ids'
import { hasStored, storedValue, workspaceValue, type StoredValue } from '@/services/storage'
import { getSync, type LocalChange, type LostRecord, type RemoteChange } from '@/services/sync'

/** Enough for weeks of calls while keeping the storage entry small (uni storage is ~10 MB). */
export const HISTORY_LIMIT = 1000

/**
 * When to ask the backend for a call's TCCC detail after it ended (ms after the previous try):
 * TCCC writes the record a little after the call; a lookup that finds none is tried again.
 */
export const CALL_DETAIL_DELAYS_MS = [2_000, 15_000, 60_000] as const

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
    (r.sessionId === undefined || typeof r.sessionId === 'string') &&
    (r.disposition === undefined || r.disposition === null || typeof r.disposition === 'string') &&
    (r.note === undefined || typeof r.note === 'string') &&
    (r.callbackAt === undefined || r.callbackAt === null || isFiniteNumber(r.callbackAt)) &&
    (r.callbackHandled === undefined || r.callbackHandled === null || isFiniteNumber(r.callbackHandled)) &&
    (r.tcccDurationSec === undefined || isFiniteNumber(r.tcccDurationSec)) &&
    (r.recordingUrl === undefined || r.recordingUrl === null || typeof r.recordingUrl === 'string')
  )
}

const HISTORY_STORAGE = {
  version: 1,
  fallback: (): CallRecord[] => [],
  validate: (data: unknown): data is CallRecord[] => Array.isArray(data),
}

export function historyStorageFor(agentKey: string): StoredValue<CallRecord[]> {
  return workspaceValue(agentKey, 'history', HISTORY_STORAGE)
}

/** Ids of records this phone has not managed to put in the outbox yet (storage was full). */
function unqueuedStorageFor(agentKey: string): StoredValue<string[]> {
  return workspaceValue(agentKey, 'history-unqueued', {
    version: 1,
    fallback: (): string[] => [],
    validate: (data: unknown): data is string[] => Array.isArray(data) && data.every((id) => typeof id === 'string'),
  })
}

/** The device-global history from before per-agent storage; migrated once, then removed. */
export const legacyHistoryStorage = storedValue<CallRecord[]>('history', HISTORY_STORAGE)

/** Drops malformed rows one by one, so one bad record does not cost the whole history. Newest first. */
function toRecords(rows: unknown[]): CallRecord[] {
  const records = rows.filter(isCallRecord)
  if (records.length !== rows.length) console.warn(`[history] dropped ${rows.length - records.length} malformed record(s)`)
  return sortNewestFirst(records)
}

/** Per agent: the standing of calls beyond the history (`foldStanding`), slim records. */
function standingStorageFor(agentKey: string): StoredValue<CallRecord[]> {
  return workspaceValue(agentKey, 'standing', HISTORY_STORAGE)
}

/**
 * A record from before sync had the SDK session id (or `local-…`) as its id: unique on one phone
 * only (the simulator counts from 1 on every phone), so it gets a record id and keeps the session id.
 */
function withRecordId(record: CallRecord): CallRecord {
  const sessionId = record.sessionId ?? (record.id.startsWith('local-') ? undefined : record.id)
  return { ...record, id: newId(), ...(sessionId !== undefined ? { sessionId } : {}) }
}

function fromRemote(id: string, data: Record<string, unknown>, previous: CallRecord | undefined): CallRecord | null {
  const merged: Record<string, unknown> = { ...(previous ?? {}), ...data, id }
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key]
  return isCallRecord(merged) ? merged : null
}

function sortNewestFirst(records: CallRecord[]): CallRecord[] {
  return [...records].sort((a, b) => b.endedAt - a.endedAt || b.startedAt - a.startedAt)
}

export type { HistoryDay, HistoryFilterKind, HistoryQuery }
export { HISTORY_FILTER_KINDS } from '@/services/historyView'

export const useHistoryStore = defineStore('history', () => {
  const records = ref<CallRecord[]>([])
  /**
   * Slim copies of the latest wrap-up and contact per phone among calls that left `records`
   * (beyond HISTORY_LIMIT, or cleared): statuses and callbacks outlive the list (`foldStanding`).
   */
  const standing = ref<CallRecord[]>([])
  let standingStorage: StoredValue<CallRecord[]> | null = null
  let standingUnsaved = false
  /** What statuses, "call next" and reminders read: the history, then the standing beyond it. */
  const statusRecords = computed<readonly CallRecord[]>(() => {
    if (standing.value.length === 0) return records.value
    const shown = new Set(records.value.map((r) => r.id))
    return [...records.value, ...standing.value.filter((r) => !shown.has(r.id))]
  })

  /**
   * The newest HISTORY_LIMIT of a newest-first list; what falls off goes into the standing, but
   * a call whose only copy is here (`onlyHere`) stays after them until the server has it.
   */
  function keep(list: CallRecord[], isOnlyHere?: (r: CallRecord) => boolean): CallRecord[] {
    if (list.length <= HISTORY_LIMIT) return list
    const beyond = list.slice(HISTORY_LIMIT)
    const stay = beyond.filter(isOnlyHere ?? onlyHereTest())
    const stayIds = new Set(stay.map((r) => r.id))
    absorb(beyond.filter((r) => !stayIds.has(r.id)))
    return [...list.slice(0, HISTORY_LIMIT), ...stay]
  }

  function absorb(dropped: CallRecord[]): void {
    if (dropped.length === 0) return
    standing.value = foldStanding(standing.value, dropped)
    standingUnsaved = true
  }

  /** Derived data: a failure to store it is logged, never a failed history write. */
  function saveStanding(): void {
    if (!standingStorage || !standingUnsaved) return
    try {
      standingStorage.save(standing.value)
      standingUnsaved = false
    } catch (e) {
      console.warn('[history] could not keep the standing of older calls', e instanceof Error ? e.message : e)
    }
  }

  // ---- what the page shows: search, filters, day groups ------------------------------------
  const query = ref<HistoryQuery>({ ...EMPTY_QUERY })
  let clock: () => number = () => Date.now()
  /** Moves on `tick` (page shown, each minute there) so "today" turns into "yesterday" at midnight. */
  const now = ref(clock())
  const visible = computed(() => filterHistory(records.value, query.value))
  const days = computed<HistoryDay[]>(() => groupByDay(visible.value, now.value, deviceZone))
  const filterKind = computed<HistoryFilterKind>(() => kindOfQuery(query.value))
  const filterCounts = computed(() => historyFilterCounts(records.value))

  function setSearch(text: string): void {
    query.value = { ...query.value, text }
  }
  function setFilterKind(kind: HistoryFilterKind): void {
    query.value = queryForKind(query.value, kind)
  }
  /** Chooses a wrap-up outcome to filter by; choosing the chosen one again (or null) shows all. */
  function toggleDisposition(code: string | null): void {
    query.value = { ...query.value, disposition: code === query.value.disposition ? null : code }
  }
  function tick(): void {
    now.value = clock()
  }
  /** Tests: a fixed clock. */
  function useClock(next: () => number): void {
    clock = next
    tick()
  }
  /** The open agent's storage; null while nobody is signed in. */
  let storage: StoredValue<CallRecord[]> | null = null
  let unqueuedStorage: StoredValue<string[]> | null = null
  /** Pulled pages applied since the history was last saved (saved once per pull: `savePulled`). */
  let pulledUnsaved = false

  /** Every list saved is built on the one shown, so it holds what was pulled so far. */
  function save(next: CallRecord[]): void {
    if (!storage) return
    storage.save(next)
    pulledUnsaved = false
    saveStanding()
  }

  /** Loads an agent's history; the device-global one from before goes to the first agent, once. */
  function open(agentKey: string): void {
    storage = historyStorageFor(agentKey)
    unqueuedStorage = unqueuedStorageFor(agentKey)
    unqueued.clear()
    for (const id of unqueuedStorage.load()) unqueued.add(id)
    standingStorage = standingStorageFor(agentKey)
    standing.value = toRecords(standingStorage.load())
    standingUnsaved = false
    let loaded = keep(toRecords(storage.load()))
    if (hasStored('history')) {
      const legacy = toRecords(legacyHistoryStorage.load()).map(withRecordId)
      if (legacy.length > 0) {
        loaded = keep(sortNewestFirst([...loaded, ...legacy]))
        storage.save(loaded)
        getSync().enqueue(legacy.map((r) => ({ kind: 'call', op: 'upsert', id: r.id, data: callWireData(r) })))
      }
      legacyHistoryStorage.clear()
      console.info(`[history] migrated ${legacy.length} call(s) from the device-global history`)
    }
    records.value = loaded
    if (unqueued.size > 0) {
      // Calls the last run could not queue (storage was full): queued now, or with the next write.
      try {
        writeThrough(loaded, [])
      } catch (e) {
        console.warn('[history] calls still waiting for storage', e instanceof Error ? e.message : e)
      }
    }
  }

  function close(): void {
    storage = null
    pulledUnsaved = false
    unqueuedStorage = null
    unqueued.clear()
    records.value = []
    standingStorage = null
    standing.value = []
    standingUnsaved = false
    query.value = { ...EMPTY_QUERY }
  }

  function insert(list: CallRecord[], r: CallRecord, isOnlyHere?: (r: CallRecord) => boolean): CallRecord[] {
    const others = list.filter((existing) => existing.id !== r.id)
    // Records normally arrive in end order, so the new one goes first; sort if it is not newer (ties: by start).
    const next = others.length > 0 && others[0].endedAt >= r.endedAt ? sortNewestFirst([r, ...others]) : [r, ...others]
    return keep(next, isOnlyHere)
  }

  /**
   * Records shown but not yet in the outbox because storing failed (storage full): every later
   * write, and the next sign-in (their ids are kept), queues them in full, so a finished call is
   * never silently left off the server.
   */
  const unqueued = new Set<string>()

  /**
   * The upsert of a change to a call: only the changed fields, or the whole record when the server
   * may not have it yet (still queued, or refused over the records cap and waiting for room). The
   * fields alone had nothing to apply to there: refused on their own (`INVALID_NUMBER`), counted on
   * the sync line beside the call and still after the call went in. The whole record too for a
   * call the server refused outright (`refusedOutright`: for another reason than a cap, never had):
   * the wrap-up may be what it refused (an outcome the business dropped), so the corrected one can
   * still bring the call in; refused again, it is said again.
   */
  function changeOf(record: CallRecord, fields: Record<string, unknown>): LocalChange[] {
    const sync = getSync()
    const whole = sync.mayLack('call', record.id) || sync.refusedOutright('call', record.id)
    return [{ kind: 'call', op: 'upsert', id: record.id, data: whole ? callWireData(record) : fields }]
  }

  /** Saves the list and queues the unqueued records in full, then `extra`. Throws when storage fails. */
  function writeThrough(next: CallRecord[], extra: LocalChange[]): void {
    save(next)
    const again = next.filter((r) => unqueued.has(r.id)).map((r): LocalChange => ({ kind: 'call', op: 'upsert', id: r.id, data: callWireData(r) }))
    getSync().enqueue([...again, ...extra])
    if (unqueued.size === 0) return
    unqueued.clear()
    try {
      unqueuedStorage?.clear()
    } catch {
      // queued now: a stale id only queues its record once more (the server answers duplicate-safe)
    }
  }

  /**
   * Adds a finished call (a repeated id replaces the earlier row), persists, queues it for the
   * server. Shown even when storing fails: then it throws, and the next write or sign-in stores it.
   */
  function record(r: CallRecord): void {
    // Before the newest 1,000 are cut: one that ends older than them (the clock stepped back) is
    // this list's only copy until it is queued, so it stays (`onlyHere`) and the write queues it.
    unqueued.add(r.id)
    const next = insert(records.value, r)
    records.value = next
    if (r.sessionId) void requestDetail(r.id)
    try {
      writeThrough(next, [])
    } catch (e) {
      try {
        unqueuedStorage?.save([...unqueued])
      } catch {
        // storage refuses even a list of ids: the record lives in memory until the next write
      }
      throw e
    }
  }

  /**
   * Asks the backend for TCCC's detail of a call (duration, recording link) once the record is on
   * the server; a few tries, since TCCC writes it a little after the call. Best effort: history
   * works without it, and a later pull brings a detail another phone asked for.
   */
  async function requestDetail(id: string): Promise<boolean> {
    const owner = storage
    const agentKey = getSync().agentKey
    // The workstation stands for this sign-in's SDK: a new one (tests, a platform switch) ends the tries.
    const workstation = getWorkstation()
    if (!owner || agentKey === null) return false
    for (const delay of CALL_DETAIL_DELAYS_MS) {
      await new Promise((resolve) => setTimeout(resolve, delay))
      // Signed out, another agent, or another workstation meanwhile: not this agent's to ask.
      if (storage !== owner || getSync().agentKey !== agentKey || getWorkstation() !== workstation) return false
      if (!(await getSync().drain())) continue // the record is not on the server yet
      try {
        const change = await fetchCallDetail(id)
        const detail = change?.data ? callDetailOf(change.data) : null
        if (detail && storage === owner) return applyDetail(id, detail)
      } catch (e) {
        const failure = toTcccError(e)
        console.warn('[history] call detail not available', failure.symbol)
        if (failure.symbol === 'SESSION_EXPIRED') return false
      }
    }
    return false
  }

  /** Only the detail fields: a wrap-up still in the outbox keeps its own. */
  function applyDetail(id: string, detail: CallDetailFields): boolean {
    const index = records.value.findIndex((r) => r.id === id)
    if (index < 0) return false
    const next = [...records.value]
    next[index] = { ...next[index], ...detail }
    save(next)
    records.value = next
    return true
  }

  /** Calls pulled from the server (other phones, wrap-ups); local pending changes keep theirs. */
  function applyRemote(changes: RemoteChange[], pendingIds: ReadonlySet<string>): void {
    let next = records.value
    let changed = false
    // Read once for the page (the held set and the outbox do not change while it is applied): once
    // a page of 1,000 calls onto a full history parsed the stored held set 1,000 times.
    let test: ((r: CallRecord) => boolean) | null = null
    const isOnlyHere = (r: CallRecord): boolean => (test ??= onlyHereTest())(r)
    for (const change of changes) {
      if (change.kind !== 'call' || pendingIds.has(change.id)) continue
      const previous = next.find((r) => r.id === change.id)
      if (change.deleted || change.data === null) {
        if (!previous) continue
        next = next.filter((r) => r.id !== change.id)
      } else {
        const merged = fromRemote(change.id, change.data, previous)
        if (!merged) {
          console.warn(`[history] remote call ${change.id} is malformed; skipped`)
          continue
        }
        next = insert(next, merged, isOnlyHere)
      }
      changed = true
    }
    if (!changed) return
    // Shown now, saved when the pull ends (`savePulled`): before the engine stores its cursor.
    records.value = next
    pulledUnsaved = true
  }

  /**
   * The pull ended: saves the history once if its pages changed it. False when that failed: the
   * calls stay shown and the engine keeps its cursor, so the next pull brings them again.
   */
  function savePulled(): boolean {
    if (!pulledUnsaved) return true
    try {
      save(records.value)
      return true
    } catch (err) {
      console.warn('[history] could not save pulled calls', err instanceof Error ? err.message : err)
      return false
    }
  }

  /** Writes a wrap-up (outcome, note, callback time) into a call's record, persists, queues it. */
  /** Writes a wrap-up into its call record: `not-saved` when storage failed (nothing changed). */
  function updateWrapup(id: string, fields: Pick<CallRecord, 'disposition' | 'note' | 'callbackAt'>): 'saved' | 'no-record' | 'not-saved' {
    const index = records.value.findIndex((r) => r.id === id)
    if (index < 0) return 'no-record'
    const next = [...records.value]
    next[index] = { ...next[index], ...fields }
    try {
      // A partial upsert: the server updates only the wrap-up fields of the record it has (a
      // record not queued yet goes in full, with them).
      writeThrough(next, unqueued.has(id) ? [] : changeOf(next[index], { ...fields }))
    } catch (e) {
      console.warn('[history] wrap-up not saved', e instanceof Error ? e.message : e)
      return 'not-saved'
    }
    records.value = next
    return 'saved'
  }

  /**
   * The agent dismissed or called from the reminder of call `id`'s callback `at`: kept in the
   * record (`callbackHandled`) and queued as a partial upsert, so every phone of the agent drops
   * that reminder at its next pull. A call beyond the history is marked in its standing copy.
   * `not-saved` when storage failed (nothing changed; the reminders store keeps its own key).
   */
  function markCallbackHandled(id: string, at: number): 'saved' | 'no-record' | 'not-saved' {
    const change: LocalChange = { kind: 'call', op: 'upsert', id, data: { callbackHandled: at } }
    const index = records.value.findIndex((r) => r.id === id)
    if (index >= 0) {
      if (records.value[index].callbackHandled === at) return 'saved'
      const next = [...records.value]
      next[index] = { ...next[index], callbackHandled: at }
      try {
        writeThrough(next, unqueued.has(id) ? [] : changeOf(next[index], { callbackHandled: at }))
      } catch (e) {
        console.warn('[history] handled reminder not saved', e instanceof Error ? e.message : e)
        return 'not-saved'
      }
      records.value = next
      return 'saved'
    }
    const slot = standing.value.findIndex((r) => r.id === id)
    if (slot < 0) return 'no-record'
    if (standing.value[slot].callbackHandled === at) return 'saved'
    try {
      getSync().enqueue([change])
    } catch (e) {
      console.warn('[history] handled reminder not saved', e instanceof Error ? e.message : e)
      return 'not-saved'
    }
    const kept = [...standing.value]
    kept[slot] = { ...kept[slot], callbackHandled: at }
    standing.value = kept
    standingUnsaved = true
    saveStanding()
    return 'saved'
  }

  /**
   * The calls this phone holds in full, for a reconcile and a full listing (the standing's slim
   * copies are not); one not queued yet (storage was full) is `unsent`: a listing never drops it.
   */
  function heldRecords(): Array<{ kind: 'call'; id: string; unsent?: true }> {
    return records.value.map((r) => (unqueued.has(r.id) ? { kind: 'call', id: r.id, unsent: true } : { kind: 'call', id: r.id }))
  }

  /** The full record of a call the server lost, with its wrap-up, to put back (`LocalRecords.copyOf`). */
  function restoreCopy(lost: LostRecord): LocalChange | null {
    const record = records.value.find((r) => r.id === lost.id)
    return record ? { kind: 'call', op: 'upsert', id: record.id, data: callWireData(record) } : null
  }

  /** Plays a call's TCCC recording (opens its link outside the app). */
  function openRecording(id: string): boolean {
    const url = records.value.find((r) => r.id === id)?.recordingUrl
    return url ? openExternalUrl(url) : false
  }

  /**
   * Calls whose only full copy is this list: never queued (storage was full) or refused over the
   * records cap and held until there is room (the engine re-sends the copy it finds here). A call
   * whose whole record still waits in the outbox is one too: refused over the records cap there,
   * it is held, and what goes out again is this copy (without it the held call was let go).
   */
  function onlyHereTest(): (r: CallRecord) => boolean {
    const sync = getSync()
    const ids = new Set(sync.overCapRecords().filter((r) => r.kind === 'call').map((r) => r.id))
    for (const e of sync.outbox()) if (e.kind === 'call' && e.op === 'upsert' && e.data?.number !== undefined) ids.add(e.id)
    // Refused outright: a corrected wrap-up goes with this copy and can still bring the call in.
    for (const id of sync.refusedOutrightIds('call')) ids.add(id)
    return (r) => unqueued.has(r.id) || ids.has(r.id)
  }

  function onlyHere(list: readonly CallRecord[]): CallRecord[] {
    return list.filter(onlyHereTest())
  }

  /** How many calls a `clear` keeps (the page says so before the agent confirms). */
  function keptByClear(): number {
    return onlyHere(records.value).length
  }

  /**
   * Clears this phone's copy only: the records stay on the server, they belong to the business.
   * Their standing stays (each customer's latest outcome and callback), or clearing the history
   * would put every "not interested" back into "call next". Calls the server does not have yet
   * stay (`onlyHere`): clearing them would lose them for good. Returns how many stayed. Throws
   * when the list cannot be stored, before anything changed.
   */
  function clear(): number {
    const kept = onlyHere(records.value)
    if (kept.length === 0) storage?.clear()
    else storage?.save(kept)
    const keptIds = new Set(kept.map((r) => r.id))
    absorb(records.value.filter((r) => !keptIds.has(r.id)))
    records.value = kept
    saveStanding()
    return kept.length
  }

  return {
    records,
    standing,
    statusRecords,
    query,
    now,
    visible,
    days,
    filterKind,
    filterCounts,
    open,
    close,
    record,
    requestDetail,
    applyRemote,
    savePulled,
    updateWrapup,
    markCallbackHandled,
    heldRecords,
    keptByClear,
    restoreCopy,
    openRecording,
    clear,
    setSearch,
    setFilterKind,
    toggleDisposition,
    tick,
    useClock,
  }
})
