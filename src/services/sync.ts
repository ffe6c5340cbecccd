/**
 * Offline-first sync of the agent's workspace with the backend (docs/WORKSPACE_API.md).
 *
 * Every local change becomes an outbox entry, persisted under `tccc.a.<agentKey>.outbox` before
 * the store shows it. The outbox is flushed ~500 ms after a change (debounced), on `open()`
 * (sign-in), on `kick()` (foreground, network back) and on retries with backoff (1 s doubling to
 * 60 s). An entry leaves the outbox only when the server answered for it (`applied`, `duplicate`
 * or `rejected`); rejected ones are logged and kept in `tccc.a.<agentKey>.rejected`, except a
 * duplicate add whose remark the server merged into its entry (`merged`), which is not lost.
 * After each flush the engine pulls (paged, cursor in `tccc.a.<agentKey>.cursor`). A cursor from
 * before the server forgot some deletes is answered with a full listing (`resync`): once it has
 * ended, what the phone holds that it did not name is dropped (`dropUnlisted`), never a change
 * still in the outbox or a record never sent.
 *
 * A record refused over a cap of the agent's (`QUOTA_EXCEEDED`) is also held in
 * `tccc.a.<agentKey>.overCap` until there is room (or until a change of it is refused for another
 * reason: then only the rejected log keeps it): the phone's latest copy of each goes out again,
 * as a new change and in the order they were refused, once the agent deleted numbers (the numbers
 * cap; as many as the deletes made room for), at the next sign-in (from one tab of the browser:
 * `overCapResent`), and when the agent asks (`retryOverCap`; the records cap only the
 * business can raise).
 *
 * Reconcile (anti-entropy, docs/WORKSPACE_API.md): the engine keeps the server rev it last saw of
 * each of the agent's records (`tccc.a.<agentKey>.revs`, from pulls and push answers). After each
 * sign-in's first full sync (and every RECONCILE_EVERY_MS after it) it asks whether the backend
 * started since its last reconcile and the lowest rev a start found (a restored backup starts
 * below revs phones saw); then it lists the records the phone holds (the store layer's
 * `LocalRecords`) that it saw above that floor, every one once per RECONCILE_FULL_MS, in pages.
 * The server answers which it lost, and the phone's copies of exactly those go back into the
 * outbox, each applied only over the version the server had (`ifRev`), so a newer write by
 * another phone always stands.
 *
 * Another browser tab of the same agent runs its own engine over the same storage. Each tab pushes
 * what it holds (its own changes, and the other's it merged at its own writes; a change sent by
 * both is answered `duplicate` by its id). What the other tab writes (`watchStorage`) only
 * changes what this one says: its outbox counts as pending here, its held set and its new refusals
 * as they are there (`refusedElsewhere`); nothing is queued or sent because of it (only "wait"
 * before a sign-out, `drain`, takes the other tab's unsent changes: every tab signs out).
 *
 * It never imports a store: it publishes typed `SyncEvent`s on `syncEvents`, which the store
 * layer's event router (`src/store/eventRouter.ts`) turns into store actions.
 */
import { toTcccError } from '@/platform/errors'
import { watchStorage, type StorageWatch } from '@/platform/storageWatch'
import { createEventChannel, type EventStream, type Unsubscribe } from '@/services/eventStream'
import { newId } from '@/services/ids'
import { workspaceValue, type StoredValue } from '@/services/storage'

export type SyncState = 'synced' | 'syncing' | 'pending' | 'offline' | 'error'
/** Record kinds the phone writes. */
export type LocalKind = 'number' | 'call'
export type RecordKind = LocalKind | 'outcome' | 'setting'
/**
 * A cap of the agent's on the server (`QUOTA_EXCEEDED`): `numbers`, the live numbers (deleting
 * some makes room), or `records`, everything stored (only the business can raise it).
 */
export type Quota = 'numbers' | 'records'

/** A change waiting for the server, exactly as it is pushed (plus when it was queued). */
export interface OutboxEntry {
  changeId: string
  kind: LocalKind
  op: 'upsert' | 'delete'
  id: string
  data?: Record<string, unknown>
  /**
   * A copy put back after a reconcile: the server applies it only while the record is still at
   * this rev ('0': absent), else refuses it `SUPERSEDED` (a newer write stands and is pulled).
   */
  ifRev?: string
  /**
   * With `ifRev`: the rev this phone had last seen of the record it puts back. The server keeps
   * it, so another phone that saw a later rev before the restore puts its copy back over this one.
   */
  seenRev?: string
  queuedAt: number
}

export type LocalChange = Omit<OutboxEntry, 'changeId' | 'queuedAt'>

/** One record of a pull page; tombstones have `deleted: true` and `data: null`. */
export interface RemoteChange {
  kind: string
  id: string
  rev: string
  deleted: boolean
  data: Record<string, unknown> | null
  /**
   * Put back by another phone's reconcile: the rev that phone had seen, i.e. the version its copy
   * is. This phone, holding a later version, does not take it (its own reconcile puts it back).
   */
  seenRev?: string
}

export interface PullPage {
  changes: RemoteChange[]
  cursor: string
  more: boolean
  /**
   * The cursor was below the agent's watermark (the server forgot deletes since): this page
   * starts a full listing, and what the phone holds that the listing does not name is gone
   * (docs/WORKSPACE_API.md, Tombstones forgotten). With it, `pruned`: the watermark.
   */
  resync?: boolean
  pruned?: string
}

export interface PushResult {
  changeId: string
  status: 'applied' | 'duplicate' | 'rejected'
  reason?: string
  rev?: string
  /**
   * With `DUPLICATE_NUMBER`: the refused add's remark was kept in the server's entry for that
   * phone, which the next pull brings. Not a refusal for the phone: it is neither logged nor
   * kept as rejected, only the local copy is dropped (`merged` event).
   */
  merged?: boolean
  /**
   * With `QUOTA_EXCEEDED`: the agent's cap on the server the change would have gone over,
   * `numbers` (live numbers: deleting some makes room) or `records` (everything stored,
   * tombstones included: only the business can raise it).
   */
  quota?: string
}

/** One record the phone holds, as a reconcile lists it: the server rev it last saw ('0': none). */
export interface ReconcileRecord {
  kind: LocalKind
  id: string
  rev: string
  /** A number this phone holds deleted (it, or another phone of the agent, deleted it). */
  deleted?: boolean
}

/** A record the server lost: its state there now (`missing`: no record at all, rev '0'). */
export interface LostRecord {
  kind: LocalKind
  id: string
  rev: string
  state: 'missing' | 'alive' | 'deleted'
}

export interface ReconcileFloor {
  floor: string | null
  at: number
}

export interface ReconcileAnswer {
  lost: LostRecord[]
  /** Written since the phone saw them: the server's copies, applied like a pull. */
  newer: RemoteChange[]
}

/** The wire contract's routes; rejects with a `TcccError` on any failure. */
export interface WorkspaceTransport {
  pull(since: string, limit: number): Promise<PullPage>
  push(changes: Array<Omit<OutboxEntry, 'queuedAt'>>): Promise<PushResult[]>
  /** The server's copy of one of the agent's records, null when it has none (after a refused change). */
  record?(kind: 'number', id: string): Promise<RemoteChange | null>
  /** One page (≤ RECONCILE_PAGE) of the records the phone holds: which the server lost or has newer. */
  reconcile?(records: ReconcileRecord[]): Promise<ReconcileAnswer>
  /**
   * Whether the backend started since `since` (its `at` of an earlier answer, 0: ever): the lowest
   * rev such a start found as the highest (`floor`; records seen at or below it were not lost),
   * null when there was none; `at`, the server's time now.
   */
  reconcileFloor?(since: number): Promise<ReconcileFloor>
}

/**
 * What the phone holds of the agent's records, for a reconcile. The store layer provides it
 * (`src/store/sync.ts`): the engine never imports a store.
 */
export interface LocalRecords {
  /**
   * The records this phone holds a copy of (numbers listed, calls in its history); `unsent`: one
   * never queued for the server (a call storage could not queue), kept whatever a listing says.
   */
  held(): Array<{ kind: LocalKind; id: string; unsent?: boolean }>
  /**
   * The upsert that puts this phone's copy of a lost record back; null when it holds none any
   * more, or the phone may not write it (an assigned number the server no longer has).
   */
  copyOf(record: LostRecord): LocalChange | null
  /**
   * The upserts that send this phone's latest copies of records the server refused over a cap, in
   * the order given: none for one it no longer holds (deleted) or a number now listed under
   * another id. Without it nothing refused over a cap is sent again.
   */
  resend?(records: ReadonlyArray<{ kind: LocalKind; id: string }>): LocalChange[]
}

/** A record the server refused over a cap, held (`tccc.a.<agentKey>.overCap`) until it goes through. */
export interface OverCapRecord {
  kind: LocalKind
  id: string
  quota: Quota
}

const overCapKey = (r: { kind: string; id: string }): string => `${r.kind}:${r.id}`

function isOverCapRecord(value: unknown): value is OverCapRecord {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  return (r.kind === 'number' || r.kind === 'call') && typeof r.id === 'string' && (r.quota === 'numbers' || r.quota === 'records')
}

/** Which cap a `QUOTA_EXCEEDED` answer names; one not named is the records cap (only the business helps). */
function quotaOf(result: PushResult): Quota {
  return result.quota === 'numbers' ? 'numbers' : 'records'
}

/**
 * The records held over a cap when none were stored yet: the adds the rejected log has as refused
 * over a cap (kept there by versions before the held set), each once, in the order refused.
 */
function overCapFromLog(log: readonly RejectedChange[]): OverCapRecord[] {
  const held = new Map<string, OverCapRecord>()
  for (const r of log) {
    const e = r?.entry as OutboxEntry | undefined
    if (r?.reason !== 'QUOTA_EXCEEDED' || !isOutboxEntry(e) || e.op !== 'upsert') continue
    const key = overCapKey(e)
    if (!held.has(key)) held.set(key, { kind: e.kind, id: e.id, quota: r.quota === 'numbers' ? 'numbers' : 'records' })
  }
  return [...held.values()]
}

/**
 * The rejected log trimmed to its last REJECTED_KEEP rows, the over-a-cap refusals of records still
 * held going first (the held set keeps those): the held adds refused again at each sign-in pushed
 * out the rows that keep a reconcile from putting back what the server refused for another reason.
 */
function trimRejected(log: readonly RejectedChange[], held: ReadonlySet<string>): RejectedChange[] {
  let over = log.length - REJECTED_KEEP
  const kept = log.filter((r) => {
    if (over <= 0 || r?.reason !== 'QUOTA_EXCEEDED' || !held.has(`${String(r?.entry?.kind)}:${String(r?.entry?.id)}`)) return true
    over -= 1
    return false
  })
  return kept.slice(-REJECTED_KEEP)
}

/** A stored held set's rows that are held records, each once (a bad row is dropped alone). */
/** A log of refusals read row by row: an unreadable row is skipped, the others kept. */
function rowByRow(rows: StoredValue<unknown[]>): StoredValue<RejectedChange[]> {
  return { key: rows.key, load: () => rows.load().filter(isRejectedChange), save: (log) => rows.save(log), clear: () => rows.clear() }
}

/** A row of the rejected log as this version writes it (anything else is skipped, not trusted). */
function isRejectedChange(r: unknown): r is RejectedChange {
  const row = r as Partial<RejectedChange> | null
  return typeof row === 'object' && row !== null && isOutboxEntry(row.entry) && typeof row.reason === 'string' && typeof row.at === 'number'
}

function soundOverCap(rows: readonly unknown[]): OverCapRecord[] {
  const held = new Map<string, OverCapRecord>()
  for (const r of rows) if (isOverCapRecord(r) && !held.has(overCapKey(r))) held.set(overCapKey(r), { kind: r.kind, id: r.id, quota: r.quota })
  return [...held.values()]
}

export interface RejectedChange {
  entry: OutboxEntry
  reason: string
  at: number
  /** With `QUOTA_EXCEEDED`: which of the agent's caps (PushResult.quota). */
  quota?: string
}

/**
 * A refused add of a number whose remark the server kept in its own entry for that phone: only
 * an add of a number (the server merges nothing else), and only when the server says so.
 */
function isMerged(entry: OutboxEntry, result: PushResult): boolean {
  return result.merged === true && result.reason === 'DUPLICATE_NUMBER' && entry.kind === 'number' && entry.op === 'upsert'
}

/**
 * Refusals of a whole record that say the server holds it (or a newer one), or that room would
 * let it in: not a record the server refused outright (`refusedOutright`).
 */
const SERVER_HOLDS_IT: ReadonlySet<string> = new Set(['QUOTA_EXCEEDED', 'DUPLICATE_NUMBER', 'SUPERSEDED', 'CALL_RECORD_READONLY', 'ASSIGNED_READONLY'])

/** `serverCopyAfterRejection`: the server could not be asked; asked again at the next sync. */
const READ_FAILED = Symbol('read-back failed')

export type SyncEvent =
  | { type: 'status'; state: SyncState; pending: number }
  /**
   * Remote records to apply in memory; `pendingIds` are records with local changes still in the
   * outbox. Saved at the pull's `pulled`, not per page.
   */
  | { type: 'remote'; changes: RemoteChange[]; pendingIds: ReadonlySet<string> }
  /**
   * The pull ended (or stopped at a failed page) after pages with changes: stores save what they
   * applied, once. The engine stores the cursor right after, so it never runs ahead of the data;
   * a store that could not save says so with `keepCursor()` while this is delivered.
   */
  | { type: 'pulled' }
  /**
   * The server refused a change. For a number's upsert the engine asks for the server's copy:
   * `serverCopy` is that record (an edit refused: the phone takes the server's version back,
   * since the pull already passed it), null when the server has none (an add refused), absent
   * when it could not be asked.
   */
  | { type: 'rejected'; entry: OutboxEntry; reason: string; serverCopy?: RemoteChange | null; quota?: string }
  /**
   * The server's copy of a number whose refused edit could not be read back at the time (a
   * network drop, a 429): asked again at each sync until it came. Without it the phone kept the
   * refused edit, and the next pull's duplicate dropped that customer from this phone for good.
   */
  | { type: 'serverCopy'; copy: RemoteChange }
  /**
   * An add of a number the server already held (`DUPLICATE_NUMBER`, `merged: true`): its remark
   * now lives in the server's entry, which the pull brings. Not a refusal: the phone drops its
   * copy, and nothing is logged, kept or counted as rejected.
   */
  | { type: 'merged'; entry: OutboxEntry }
  /**
   * The backend refused the access token (401): a backend restarted with a new signing key, the
   * password changed, the agent removed. Retrying cannot help; the outbox waits for a sign-in.
   */
  | { type: 'sessionEnded' }
  /**
   * How many records are held refused over each cap (`OverCapRecord`): at open (they are stored)
   * and whenever that changes (refused, sent again, gone through, deleted; also in another tab).
   */
  | { type: 'overCap'; numbers: number; records: number }
  /**
   * Refusals another tab of the agent got (new rows of the rejected log it wrote), by reason:
   * counted on this tab's sync line as its own are; that tab's stores did the rest.
   */
  | { type: 'refusedElsewhere'; reasons: string[] }

export type SyncListener = (event: SyncEvent) => void

const channel = createEventChannel<SyncEvent>('sync')

/** What every sync engine publishes (one stream, whichever engine instance runs). */
export const syncEvents: EventStream<SyncEvent> = channel

export interface SyncTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  now(): number
}

export const DEBOUNCE_MS = 500
export const BACKOFF_START_MS = 1000
export const BACKOFF_MAX_MS = 60_000
export const PUSH_BATCH = 500
export const PULL_LIMIT = 1000
/** Rejected changes kept for diagnosis (newest last). */
export const REJECTED_KEEP = 200
/** A reconcile runs after each sign-in's first full sync, and again after this long signed in. */
export const RECONCILE_EVERY_MS = 6 * 3_600_000
/** Every record held is listed (not only those above the floor) at most this often, per agent and device. */
export const RECONCILE_FULL_MS = 24 * 3_600_000
/** After a failed reconcile, the next try waits this long (not at every sync). */
export const RECONCILE_RETRY_MS = 10 * 60_000
/** Records per reconcile request (the server's limit). */
export const RECONCILE_PAGE = 1000
/**
 * A sign-in's re-send of what is held over a cap is skipped when another tab of the agent made one
 * this recently (both tabs open the workspace at one sign-in): sent twice, refused twice.
 */
export const OVER_CAP_RESEND_CLAIM_MS = 60_000
/** A number deleted is listed in reconciles this long, so a restore older than that may bring it back. */
export const TOMBSTONE_KEEP_MS = 30 * 86_400_000

const realTimers: SyncTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
}

function isOutboxEntry(value: unknown): value is OutboxEntry {
  if (typeof value !== 'object' || value === null) return false
  const e = value as Record<string, unknown>
  return (
    typeof e.changeId === 'string' &&
    (e.kind === 'number' || e.kind === 'call') &&
    (e.op === 'upsert' || e.op === 'delete') &&
    typeof e.id === 'string' &&
    (e.data === undefined || (typeof e.data === 'object' && e.data !== null)) &&
    (e.ifRev === undefined || typeof e.ifRev === 'string') &&
    (e.seenRev === undefined || typeof e.seenRev === 'string') &&
    typeof e.queuedAt === 'number'
  )
}

/**
 * Stored revs: `n`/`c` [id, rev] of numbers and calls held; `d` [id, rev, deletedAt] of numbers
 * deleted; `p` [`kind:id`, seenRev] of those whose rev is a copy put back after a reconcile.
 */
interface StoredRevs {
  n: Array<[string, string]>
  c: Array<[string, string]>
  d: Array<[string, string, number]>
  p?: Array<[string, string]>
}

const isPair = (p: unknown): p is [string, string] => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string'

function isStoredRevs(d: unknown): d is StoredRevs {
  if (typeof d !== 'object' || d === null) return false
  const r = d as Record<string, unknown>
  return (
    Array.isArray(r.n) &&
    r.n.every(isPair) &&
    Array.isArray(r.c) &&
    r.c.every(isPair) &&
    Array.isArray(r.d) &&
    r.d.every((t: unknown) => isPair(t) && typeof (t as unknown[])[2] === 'number') &&
    (r.p === undefined || (Array.isArray(r.p) && r.p.every(isPair)))
  )
}

/** The server rev this phone last saw of each record (pulls, push answers); what a reconcile lists. */
export class RevLedger {
  /** `number:<id>` / `call:<id>` -> rev, records seen live. */
  readonly live = new Map<string, string>()
  /** Numbers seen deleted: id -> [rev, when (this device's clock)]. */
  readonly deleted = new Map<string, [string, number]>()
  /** `kind:id` -> the version (a rev seen before a restore) a put-back copy at the noted rev is. */
  readonly asOf = new Map<string, string>()
  dirty = false

  static from(stored: StoredRevs): RevLedger {
    const ledger = new RevLedger()
    for (const [id, rev] of stored.n) ledger.live.set(`number:${id}`, rev)
    for (const [id, rev] of stored.c) ledger.live.set(`call:${id}`, rev)
    for (const [id, rev, at] of stored.d) ledger.deleted.set(id, [rev, at])
    for (const [key, seen] of stored.p ?? []) ledger.asOf.set(key, seen)
    return ledger
  }

  toStored(): StoredRevs {
    const stored: StoredRevs = { n: [], c: [], d: [] }
    for (const [key, rev] of this.live) {
      if (key.startsWith('number:')) stored.n.push([key.slice(7), rev])
      else stored.c.push([key.slice(5), rev])
    }
    for (const [id, [rev, at]] of this.deleted) stored.d.push([id, rev, at])
    if (this.asOf.size > 0) stored.p = [...this.asOf]
    return stored
  }

  /** The server holds `kind`/`id` at `rev` (deleted or not), as a pull or a push answer says. */
  note(kind: string, id: string, rev: string, deleted: boolean, now: number, seenRev?: string): void {
    if (kind !== 'number' && kind !== 'call') return
    const key = `${kind}:${id}`
    if (seenRev !== undefined) this.asOf.set(key, seenRev)
    else this.asOf.delete(key)
    if (deleted) {
      this.live.delete(key)
      // Calls are never deleted by a phone: one gone (a development clear) is simply forgotten.
      if (kind === 'number') this.deleted.set(id, [rev, now])
    } else {
      this.live.set(key, rev)
      if (kind === 'number') this.deleted.delete(id)
    }
    this.dirty = true
  }

  /**
   * What a reconcile lists: every record held (at the rev last seen, '0' when none was), then the
   * numbers deleted within TOMBSTONE_KEEP_MS that are not held again. Forgets what is neither
   * held nor a recent delete (a call that left the history, a number dropped), so it stays the
   * size of the workspace on this phone.
   */
  listFor(held: ReadonlyArray<{ kind: LocalKind; id: string }>, now: number, skip: ReadonlySet<string>): ReconcileRecord[] {
    const list: ReconcileRecord[] = []
    const keys = new Set<string>()
    for (const h of held) {
      const key = `${h.kind}:${h.id}`
      if (keys.has(key)) continue
      keys.add(key)
      const rev = this.live.get(key)
      // Never on the server as far as this phone knows, and refused there: not the server's loss.
      if (rev === undefined && skip.has(key)) continue
      list.push({ kind: h.kind, id: h.id, rev: rev ?? '0' })
    }
    for (const key of [...this.live.keys()]) {
      if (!keys.has(key)) {
        this.live.delete(key)
        this.dirty = true
      }
    }
    for (const [id, [rev, at]] of [...this.deleted]) {
      if (keys.has(`number:${id}`)) continue
      if (now - at > TOMBSTONE_KEEP_MS) {
        this.deleted.delete(id)
        this.dirty = true
        continue
      }
      list.push({ kind: 'number', id, rev, deleted: true })
    }
    for (const key of [...this.asOf.keys()]) {
      if (!this.live.has(key) && !(key.startsWith('number:') && this.deleted.has(key.slice(7)))) {
        this.asOf.delete(key)
        this.dirty = true
      }
    }
    return list
  }

  /**
   * A copy another phone put back (`seenRev`: the version it is) that is older than the version
   * this phone holds: not to be taken; this phone's reconcile puts its own back over it.
   */
  olderPutBack(c: RemoteChange): boolean {
    if (c.seenRev === undefined || (c.kind !== 'number' && c.kind !== 'call')) return false
    const key = `${c.kind}:${c.id}`
    const mine = this.asOf.get(key) ?? this.live.get(key) ?? (c.kind === 'number' ? this.deleted.get(c.id)?.[0] : undefined)
    return mine !== undefined && revAbove(mine, c.seenRev)
  }
}

interface ReconcileStamp {
  at: number
  fullAt: number
}

/** `a` is a later rev than `b` (decimal strings of a bigint, no BigInt needed on older phones). */
export function revAbove(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b
}

interface Workspace {
  agentKey: string
  revs: StoredValue<StoredRevs>
  ledger: RevLedger
  /** The last reconcile that finished: the server's `at` then, and when it last listed everything (this device's clock). */
  reconciled: StoredValue<ReconcileStamp>
  outbox: StoredValue<OutboxEntry[]>
  cursor: StoredValue<string>
  rejected: StoredValue<RejectedChange[]>
  /** Refused number edits whose server copy is still to be read (`serverCopy` events). */
  readBacks: StoredValue<RejectedChange[]>
  /** Records refused over a cap, in the order refused, until they go through (`OverCapRecord`). */
  overCap: StoredValue<OverCapRecord[]>
  /** When and from which tab (engine) of this browser the held set last went out again at a sign-in (`OVER_CAP_RESEND_CLAIM_MS`). */
  overCapResent: StoredValue<OverCapResent | null>
  entries: OutboxEntry[]
  /** Changes the server answered since the outbox was last written (not taken back from it). */
  answered: Set<string>
  /** Another tab's unsent changes in the stored outbox that this one does not hold (shown as pending). */
  elsewhere: number
  /**
   * Changes this tab had answered that another tab may still store (merged here, sent from here):
   * not pending, and never taken back into this outbox.
   */
  sentHere: Set<string>
  /** The rejected log's rows this tab knows of (`rejectedKey`): a row not among them came from another tab. */
  rejectedSeen: Set<string>
}

/** A sign-in's re-send of the held set: when (this device's clock) and from which tab's engine. */
interface OverCapResent {
  at: number
  tab: string
}

/** How many of the changes this tab sent it remembers, to tell them from another tab's unsent ones. */
const SENT_HERE_KEEP = 10_000

/** One rejected log row, to tell another tab's new refusals from those already counted. */
const rejectedKey = (r: RejectedChange): string => `${String(r?.entry?.changeId)}@${String(r?.at)}`

/**
 * The outbox to write: this engine's entries, plus the stored ones it neither holds nor had
 * answered: another browser tab of the same agent wrote them (each tab keeps its outbox in memory
 * and wrote the whole list, so the last writer dropped the other's unsent changes). Queue order
 * (each side's own order kept, the two interleaved by time);
 * a change that then goes out twice is answered `duplicate` by its change id.
 */
export function mergeOutbox(mine: readonly OutboxEntry[], stored: readonly unknown[], answered: { has(changeId: string): boolean }): OutboxEntry[] {
  const held = new Set(mine.map((e) => e.changeId))
  const theirs = stored.filter((e): e is OutboxEntry => isOutboxEntry(e) && !held.has(e.changeId) && !answered.has(e.changeId))
  if (theirs.length === 0) return mine.slice()
  // Merged, not sorted: each tab's own queue order stays as it was even when the clock stepped
  // back between two of its changes (a sort put a later edit of a number before an earlier one).
  const merged: OutboxEntry[] = []
  let i = 0
  let j = 0
  while (i < mine.length || j < theirs.length) {
    if (j >= theirs.length || (i < mine.length && mine[i].queuedAt <= theirs[j].queuedAt)) merged.push(mine[i++])
    else merged.push(theirs[j++])
  }
  return merged
}

/**
 * What the badge says while a failed round waits for its retry: offline when the server cannot be
 * reached, still pending (or syncing) when the server only asked to come back shortly (429 with
 * the agent's other phone syncing too, 503 busy): nothing is wrong that the agent must look at.
 */
export function stateAfterFailure(symbol: string, pending: number): SyncState {
  if (symbol === 'BACKEND_UNREACHABLE' || symbol === 'BACKEND_TIMEOUT') return 'offline'
  if (symbol === 'RATE_LIMITED' || symbol === 'BACKEND_BUSY') return pending > 0 ? 'pending' : 'syncing'
  return 'error'
}

export function backoffDelay(failures: number): number {
  return Math.min(BACKOFF_START_MS * 2 ** Math.max(0, failures - 1), BACKOFF_MAX_MS)
}

export class SyncEngine {
  private ws: Workspace | null = null
  /** Bumped on every open/close, so a request of the previous agent lands nowhere. */
  private generation = 0
  private state: SyncState = 'synced'
  private online = true
  private running: Promise<void> | null = null
  private again = false
  private failures = 0
  private timer: unknown = null
  /** Set by `keepCursor()` while `pulled` is delivered. */
  private pulledNotSaved = false
  /** Stops hearing the other tabs' writes (set while a workspace is open). */
  private unwatch: (() => void) | null = null
  /** What the phone holds, for a reconcile (the store layer's; none: no reconcile). */
  private local: LocalRecords | null = null
  /** When a reconcile last failed in this sign-in (retried after RECONCILE_RETRY_MS). */
  private reconcileFailedAt: number | null = null
  /** When a reconcile last finished in this sign-in (null: not yet, so the first full sync runs one). */
  private reconciledThisOpen: number | null = null
  /** Records whose put-back by another phone was older than this phone's copy: listed at the next reconcile. */
  private putBackOwed = new Set<string>()
  /** The records held over a cap go out again once in each sign-in, at its first sync. */
  private overCapRetryDue = false
  /** This tab's engine, in `overCapResent`: its own earlier sign-in is no other tab's. */
  private readonly tabId = newId()

  constructor(
    private transport: WorkspaceTransport | null = null,
    private readonly timers: SyncTimers = realTimers,
    /** The other tabs' storage writes (tests pass one per simulated tab). */
    private readonly watch: StorageWatch = watchStorage,
  ) {}

  /** The engine's events (the shared `syncEvents` stream). */
  subscribe(listener: SyncListener): Unsubscribe {
    return channel.subscribe(listener)
  }

  setTransport(transport: WorkspaceTransport | null): void {
    this.transport = transport
  }

  /** The store layer's view of what the phone holds (`LocalRecords`), for reconciles. */
  setLocalRecords(local: LocalRecords | null): void {
    this.local = local
  }

  get agentKey(): string | null {
    return this.ws?.agentKey ?? null
  }

  get pending(): number {
    return this.ws?.entries.length ?? 0
  }

  get status(): SyncState {
    return this.state
  }

  /** Unsent changes, oldest first (a copy). */
  outbox(): OutboxEntry[] {
    return this.ws ? this.ws.entries.slice() : []
  }

  rejectedChanges(): RejectedChange[] {
    return this.ws ? this.ws.rejected.load() : []
  }

  /**
   * Whether the server may not hold this record yet: it waits refused over a cap, or a change of
   * it waits to be sent. A partial change of such a record (a call's wrap-up) has nothing there
   * to apply to: the stores send it whole.
   */
  mayLack(kind: LocalKind, id: string): boolean {
    const ws = this.ws
    if (!ws) return false
    return ws.entries.some((e) => e.kind === kind && e.id === id) || ws.overCap.load().some((r) => r.kind === kind && r.id === id)
  }

  /**
   * Whether the server refused this record itself and has never had it, as far as this phone
   * knows: its whole upsert is in the rejected log for a reason no room fixes, and it is neither
   * held over a cap, nor queued, nor seen on the server. A partial change of it (a call's wrap-up)
   * has nothing there to apply to: the stores send the whole record instead.
   */
  refusedOutright(kind: LocalKind, id: string): boolean {
    return this.refusedOutrightIds(kind).has(id)
  }

  /** The ids of `kind` the server refused outright (`refusedOutright`), read once for a whole list. */
  refusedOutrightIds(kind: LocalKind): Set<string> {
    const ws = this.ws
    if (!ws) return new Set()
    const ids = new Set(ws.rejected.load().filter((r) => r.entry.kind === kind && r.entry.op === 'upsert' && r.entry.data?.number !== undefined && !SERVER_HOLDS_IT.has(r.reason)).map((r) => r.entry.id))
    for (const e of ws.entries) if (e.kind === kind) ids.delete(e.id)
    for (const r of ws.overCap.load()) if (r.kind === kind) ids.delete(r.id)
    for (const id of [...ids]) if (ws.ledger.live.has(`${kind}:${id}`)) ids.delete(id)
    return ids
  }

  /** The records held refused over a cap, in the order refused (a copy). */
  overCapRecords(): OverCapRecord[] {
    return this.ws ? this.ws.overCap.load() : []
  }

  /**
   * The agent asks to send what was refused over a cap again (the business raised it): the latest
   * copies of all of them are queued and sent now. Refused again, they are held again.
   */
  retryOverCap(): void {
    const ws = this.ws
    if (!ws) return
    this.requeueOverCap(ws, null)
    this.kick()
  }

  /** Opens an agent's outbox and cursor; `kick()` then starts the first flush + pull. */
  open(agentKey: string): void {
    if (this.ws?.agentKey === agentKey) return
    this.close()
    const outbox = workspaceValue<OutboxEntry[]>(agentKey, 'outbox', {
      version: 1,
      fallback: () => [],
      validate: (data): data is OutboxEntry[] => Array.isArray(data),
    })
    const rows: unknown[] = outbox.load()
    const entries = rows.filter(isOutboxEntry)
    if (entries.length !== rows.length) console.warn(`[sync] ${rows.length - entries.length} unreadable outbox entr(ies) skipped`)
    // Read row by row, as the outbox: one unreadable row (a corrupted or later version's value)
    // threw in every cycle that looked the log up, so the sync failed and retried for ever.
    const rejected = rowByRow(workspaceValue<unknown[]>(agentKey, 'rejected', { version: 1, fallback: () => [], validate: (d): d is unknown[] => Array.isArray(d) }))
    const revs = workspaceValue<StoredRevs>(agentKey, 'revs', { version: 1, fallback: () => ({ n: [], c: [], d: [] }), validate: isStoredRevs })
    const ledger = RevLedger.from(revs.load())
    const heldRows = workspaceValue<unknown[] | null>(agentKey, 'overCap', { version: 1, fallback: () => null, validate: (d): d is unknown[] => Array.isArray(d) })
    // Read row by row: one bad row (a later version's kind) had emptied the whole set, unsaid.
    const overCap: StoredValue<OverCapRecord[]> = { key: heldRows.key, load: () => soundOverCap(heldRows.load() ?? []), save: (held) => heldRows.save(held), clear: () => heldRows.clear() }
    // None stored (an earlier version only logged them) or none readable: worked out from the log,
    // once, without what the server holds since (sent again at the sign-in, before the pull, such
    // a copy overwrote a later edit made on another phone).
    if (heldRows.load() === null) this.saveOverCapIn(overCap, overCapFromLog(rejected.load()).filter((r) => !ledger.live.has(overCapKey(r))))
    this.ws = {
      agentKey,
      revs,
      ledger,
      reconciled: workspaceValue<ReconcileStamp>(agentKey, 'reconcile', {
        version: 1,
        fallback: () => ({ at: 0, fullAt: 0 }),
        validate: (d): d is ReconcileStamp => typeof d === 'object' && d !== null && typeof (d as ReconcileStamp).at === 'number' && typeof (d as ReconcileStamp).fullAt === 'number',
      }),
      outbox,
      entries,
      answered: new Set(),
      elsewhere: 0,
      sentHere: new Set(),
      rejectedSeen: new Set(rejected.load().map(rejectedKey)),
      cursor: workspaceValue<string>(agentKey, 'cursor', { version: 1, fallback: () => '0', validate: (d): d is string => typeof d === 'string' }),
      rejected,
      readBacks: rowByRow(workspaceValue<unknown[]>(agentKey, 'readBack', { version: 1, fallback: () => [], validate: (d): d is unknown[] => Array.isArray(d) })),
      overCap,
      overCapResent: workspaceValue<OverCapResent | null>(agentKey, 'overCapResent', {
        version: 2,
        fallback: () => null,
        validate: (d): d is OverCapResent => typeof d === 'object' && d !== null && typeof (d as OverCapResent).at === 'number' && typeof (d as OverCapResent).tab === 'string',
      }),
    }
    this.failures = 0
    this.overCapRetryDue = true
    this.reconcileFailedAt = null
    this.reconciledThisOpen = null
    this.putBackOwed = new Set()
    this.setState(this.online ? 'synced' : 'offline')
    this.emitOverCap(this.ws.overCap.load())
    this.unwatch = this.watch((key) => this.otherTabWrote(key))
  }

  /**
   * Another tab of this browser wrote one of the agent's keys (or cleared the storage: `null`):
   * the sync line follows it. Only what is said changes; this tab queues and sends nothing more.
   */
  private otherTabWrote(key: string | null): void {
    const ws = this.ws
    if (!ws) return
    if (key === null || key === ws.outbox.key) {
      const mine = new Set(ws.entries.map((e) => e.changeId))
      const stored = ws.outbox.load().filter(isOutboxEntry)
      // Not forgotten when this write lacks them (only SENT_HERE_KEEP bounds it): a third tab may
      // still hold one and store it again, and this tab's next write would take it back.
      ws.elsewhere = stored.filter((e) => !mine.has(e.changeId) && !ws.answered.has(e.changeId) && !ws.sentHere.has(e.changeId)).length
      this.emitStatus()
    }
    if (key === null || key === ws.overCap.key) this.emitOverCap(ws.overCap.load())
    if (key === null || key === ws.rejected.key) {
      const log = ws.rejected.load()
      const added = log.filter((r) => !ws.rejectedSeen.has(rejectedKey(r)))
      ws.rejectedSeen = new Set(log.map(rejectedKey))
      if (added.length > 0) this.emit({ type: 'refusedElsewhere', reasons: added.map((r) => (typeof r?.reason === 'string' ? r.reason : 'UNKNOWN')) })
    }
  }

  /** Stops syncing (sign-out). The outbox stays stored for this agent's next sign-in. */
  close(): void {
    this.unwatch?.()
    this.unwatch = null
    if (this.ws) this.saveLedger(this.ws)
    this.generation += 1
    this.clearTimer()
    this.ws = null
    this.running = null
    this.again = false
    this.failures = 0
    this.setState('synced')
  }

  /**
   * Persists local changes in the outbox. Throws when storage fails, so the caller can refuse
   * the change instead of showing something that would never be sent.
   */
  enqueue(changes: LocalChange[]): OutboxEntry[] {
    const ws = this.ws
    if (!ws) {
      // Only reachable without a signed-in agent (e.g. a unit test of a store alone).
      console.warn('[sync] change ignored: no workspace is open')
      return []
    }
    if (changes.length === 0) return []
    const now = this.timers.now()
    const added = changes.map((c): OutboxEntry => ({ ...c, changeId: newId(), queuedAt: now }))
    this.writeOutbox(ws, [...ws.entries, ...added])
    this.emitStatus()
    this.schedule(DEBOUNCE_MS)
    return added
  }

  /**
   * Writes `entries` with what another tab stored meanwhile (`mergeOutbox`), then holds the
   * result. Throws when storage fails, before anything in memory changed.
   */
  private writeOutbox(ws: Workspace, entries: OutboxEntry[]): void {
    const stored: unknown[] = ws.outbox.load()
    // Also what this tab sent in an earlier write: the other tab may still store it (it merged it
    // before the answer), and taking it back cost a duplicate push and a wrong pending count.
    const next = mergeOutbox(entries, stored, { has: (id) => ws.answered.has(id) || ws.sentHere.has(id) })
    ws.outbox.save(next)
    ws.entries = next
    ws.answered.clear()
    // Everything stored is held here now.
    ws.elsewhere = 0
  }

  /** Network state from the platform; coming back online flushes at once. */
  setOnline(online: boolean): void {
    if (this.online === online) return
    this.online = online
    if (!online) {
      this.clearTimer()
      this.setState('offline')
      return
    }
    this.failures = 0
    this.kick()
  }

  /** Flush now (sign-in, foreground, network back, "wait" before sign-out). */
  kick(): void {
    if (!this.ws) return
    this.clearTimer()
    this.failures = 0
    void this.flush()
  }

  /** Runs one flush + pull; a request while one runs makes it run again afterwards. */
  flush(): Promise<void> {
    if (!this.ws) return Promise.resolve()
    if (this.running) {
      this.again = true
      return this.running
    }
    const generation = this.generation
    const run = this.cycle(generation).finally(() => {
      if (generation !== this.generation) return
      this.running = null
      if (this.again) {
        this.again = false
        void this.flush()
      }
    })
    this.running = run
    return run
  }

  /** Resolves when the outbox is empty or the next attempt failed (for "wait" before sign-out). */
  async drain(): Promise<boolean> {
    const ws = this.ws
    // The other tab's unsent changes were counted in the question ("wait" signs out every tab):
    // taken into this outbox, so they are sent and waited for too.
    if (ws && ws.elsewhere > 0) {
      try {
        this.writeOutbox(ws, ws.entries)
      } catch (e) {
        console.warn('[sync] could not take the other tab\'s changes to send them', e instanceof Error ? e.message : e)
        return false
      }
    }
    this.kick()
    while (this.running) await this.running
    return this.pending === 0
  }

  /**
   * A store could not save what this pull applied (storage full), said while `pulled` is
   * delivered: the cursor stays where the pull began and the sync ends in `error`, retried with
   * backoff. The next pull brings the same records again (applying them twice changes nothing),
   * so none is lost if the app is closed before a save succeeds.
   */
  keepCursor(): void {
    this.pulledNotSaved = true
  }

  private async cycle(generation: number): Promise<void> {
    const transport = this.transport
    if (!this.ws || !transport) return
    if (!this.online) {
      this.setState('offline')
      return
    }
    this.setState('syncing')
    const ws = this.ws
    try {
      await this.readBack(transport, generation)
      if (generation !== this.generation) return
      // Once per sign-in: the cap may have been raised, or room made on another phone, since.
      if (this.overCapRetryDue && this.local) {
        this.overCapRetryDue = false
        if (this.claimSignInResend(ws)) this.requeueOverCap(ws, null, Number.POSITIVE_INFINITY, true)
      }
      await this.pushAll(transport, generation)
      if (generation !== this.generation) return
      await this.pullAll(transport, generation)
      if (generation !== this.generation) return
      await this.reconcile(transport, generation)
      if (generation !== this.generation) return
      this.failures = 0
      if (this.pending > 0) {
        this.setState('pending')
        this.schedule(DEBOUNCE_MS)
      } else {
        this.setState('synced')
      }
    } catch (e) {
      if (generation !== this.generation) return
      const failure = toTcccError(e)
      if (failure.symbol === 'SESSION_EXPIRED') {
        console.warn('[sync] the backend ended this session; changes wait for the next sign-in')
        this.setState('error')
        this.emit({ type: 'sessionEnded' })
        return
      }
      this.failures += 1
      const delay = backoffDelay(this.failures)
      console.warn(`[sync] failed (${failure.symbol}); retry in ${delay} ms`)
      this.setState(stateAfterFailure(failure.symbol, this.pending))
      if (this.online) this.schedule(delay, true)
    } finally {
      // The revs seen in this round, once (not per page or batch).
      this.saveLedger(ws)
    }
  }

  private saveLedger(ws: Workspace): void {
    if (!ws.ledger.dirty) return
    try {
      ws.revs.save(ws.ledger.toStored())
      ws.ledger.dirty = false
    } catch (e) {
      // Only a reconcile reads it: a rev not stored is listed as '0' or older, which never
      // overwrites anything (the server answers it newer, or lost only when it has none).
      console.warn('[sync] could not store the revs seen', e instanceof Error ? e.message : e)
    }
  }

  /** Due after a full sync: not yet in this sign-in, or RECONCILE_EVERY_MS ago (or the clock went back). */
  private reconcileDue(now: number): boolean {
    if (this.reconcileFailedAt !== null && now >= this.reconcileFailedAt && now - this.reconcileFailedAt < RECONCILE_RETRY_MS) return false
    const last = this.reconciledThisOpen
    return last === null || now < last || now - last >= RECONCILE_EVERY_MS
  }

  /**
   * Anti-entropy after a full sync (nothing waiting to be sent): lists what the phone holds with
   * the revs it saw, a page at a time, and puts its copies of what the server lost first in the
   * outbox (so a change queued meanwhile lands on top of them), each with `ifRev`. A failure
   * never fails the sync: what was found so far is queued and the rest waits RECONCILE_RETRY_MS.
   */
  private async reconcile(transport: WorkspaceTransport, generation: number): Promise<void> {
    const ws = this.ws
    const local = this.local
    if (!ws || !local || !transport.reconcile || ws.entries.length > 0) return
    const now = this.timers.now()
    if (!this.reconcileDue(now)) return
    // Held over a cap too: the log keeps the last REJECTED_KEEP refusals, so the 201st add held
    // was listed as lost and put back at every reconcile, ahead of the agent's own changes.
    const refused = new Set([...ws.rejected.load().map((r) => `${r.entry.kind}:${r.entry.id}`), ...ws.overCap.load().map(overCapKey)])
    const all = ws.ledger.listFor(local.held(), now, refused)
    if (all.length === 0) {
      // Nothing held that the server could have lost: not even the check is asked.
      this.reconciledThisOpen = now
      return
    }
    const stamp = ws.reconciled.load()
    const full = now < stamp.fullAt || now - stamp.fullAt >= RECONCILE_FULL_MS
    let floor: ReconcileFloor = { floor: '0', at: stamp.at }
    if (transport.reconcileFloor) {
      try {
        floor = await transport.reconcileFloor(stamp.at)
      } catch (e) {
        if (generation !== this.generation || this.ws !== ws) return
        console.warn('[sync] reconcile check failed; tried again later', toTcccError(e).symbol)
        this.reconcileFailedAt = now
        return
      }
      if (generation !== this.generation || this.ws !== ws) return
    }
    // No start since the last reconcile (so no restore) and everything listed lately: done.
    const above = full ? '0' : floor.floor
    // Never seen at a rev ('0'): always listed; the server answers with its copy or as lost.
    const owed = this.putBackOwed
    const list = all.filter((r) => owed.has(`${r.kind}:${r.id}`) || (above !== null && (r.rev === '0' || revAbove(r.rev, above))))
    const lost: LostRecord[] = []
    let failed = false
    for (let i = 0; i < list.length; i += RECONCILE_PAGE) {
      let answer: ReconcileAnswer
      try {
        answer = await transport.reconcile(list.slice(i, i + RECONCILE_PAGE))
      } catch (e) {
        if (generation !== this.generation || this.ws !== ws) return
        console.warn('[sync] reconcile failed; tried again later', toTcccError(e).symbol)
        failed = true
        break
      }
      if (generation !== this.generation || this.ws !== ws) return
      lost.push(...answer.lost)
      if (answer.newer.length > 0) {
        // Written since this phone saw them (another phone): taken like a pull, never pushed over.
        this.emit({ type: 'remote', changes: answer.newer, pendingIds: new Set(ws.entries.map((e) => e.id)) })
        this.pulledNotSaved = false
        this.emit({ type: 'pulled' })
        if (this.pulledNotSaved) {
          // Not stored on this device (storage full): the revs stay as the phone's stored copies
          // are, so the next reconcile (RECONCILE_RETRY_MS) answers them newer again.
          this.pulledNotSaved = false
          console.warn('[sync] reconcile: newer records could not be saved on this device; tried again later')
          failed = true
          break
        }
        for (const c of answer.newer) ws.ledger.note(c.kind, c.id, c.rev, c.deleted, now, c.seenRev)
      }
    }
    const deletedHere = new Set(list.filter((r) => r.deleted).map((r) => r.id))
    const seen = new Map(list.map((r) => [`${r.kind}:${r.id}`, r.rev]))
    const changes: LocalChange[] = []
    for (const l of lost) {
      // The rev this phone saw: a copy older than another phone's is not left standing over it.
      const seenRev = seen.get(`${l.kind}:${l.id}`)
      const asSeen = seenRev !== undefined && seenRev !== '0' ? { seenRev } : {}
      if (l.kind === 'number' && deletedHere.has(l.id)) {
        // A delete the restore lost: this phone holds the number deleted, the server alive or
        // not at all (a tombstone then, so another phone's copy of the number does not return).
        if (l.state !== 'deleted') changes.push({ kind: 'number', op: 'delete', id: l.id, ifRev: l.rev, ...asSeen })
        continue
      }
      const copy = local.copyOf(l)
      if (copy) changes.push({ ...copy, ifRev: l.rev, ...asSeen })
    }
    if (changes.length > 0) {
      console.warn(`[sync] reconcile: the server lost ${changes.length} record(s) of this phone's; sending them again`)
      const added = changes.map((c): OutboxEntry => ({ ...c, changeId: newId(), queuedAt: now }))
      try {
        this.writeOutbox(ws, [...added, ...ws.entries])
      } catch (e) {
        console.warn('[sync] reconcile: could not queue the lost records; tried again later', e instanceof Error ? e.message : e)
        failed = true
      }
      this.emitStatus()
    }
    if (failed) this.reconcileFailedAt = now
    else {
      this.reconcileFailedAt = null
      this.reconciledThisOpen = now
      for (const r of list) owed.delete(`${r.kind}:${r.id}`)
      try {
        ws.reconciled.save({ at: floor.at, fullAt: full ? now : stamp.fullAt })
      } catch {
        // not stored: the next sign-in lists more than it needs, which changes nothing
      }
    }
  }

  private async pushAll(transport: WorkspaceTransport, generation: number): Promise<void> {
    // The outbox is written once when the push ends (also on a failure or a sign-out), not after
    // every batch: a first push of 10,000 changes rewrote the whole shrinking list 20 times on
    // the UI thread. A crash in between leaves sent changes stored; they go out again and the
    // server drops them as already applied (the change id).
    const sent = new Set<Workspace>()
    try {
      await this.pushBatches(transport, generation, (ws) => sent.add(ws))
    } finally {
      // Another tab's changes found in the outbox are pending now: they go out in the next round.
      for (const ws of sent) this.writeOutbox(ws, ws.entries)
    }
  }

  private async pushBatches(transport: WorkspaceTransport, generation: number, onSent: (ws: Workspace) => void): Promise<void> {
    for (;;) {
      const ws = this.ws
      if (!ws || ws.entries.length === 0) return
      const batch = ws.entries.slice(0, PUSH_BATCH)
      const results = await transport.push(batch.map(({ queuedAt: _queuedAt, ...wire }) => wire))
      if (generation !== this.generation) return
      const answered = new Map(results.map((r) => [r.changeId, r]))
      const rejected: RejectedChange[] = []
      const merged: OutboxEntry[] = []
      for (const entry of batch) {
        const result = answered.get(entry.changeId)
        if (result?.status !== 'rejected') continue
        if (isMerged(entry, result)) merged.push(entry)
        else if (typeof result.quota === 'string') rejected.push({ entry, reason: result.reason ?? 'UNKNOWN', at: this.timers.now(), quota: result.quota })
        else rejected.push({ entry, reason: result.reason ?? 'UNKNOWN', at: this.timers.now() })
      }
      const now = this.timers.now()
      // Before the answers are noted: the numbers the server had live as far as this phone knows.
      const wasLive = new Set(batch.map(overCapKey).filter((key) => ws.ledger.live.has(key)))
      for (const entry of batch) {
        const result = answered.get(entry.changeId)
        if (result?.status === 'applied' && result.rev !== undefined) ws.ledger.note(entry.kind, entry.id, result.rev, entry.op === 'delete', now, entry.seenRev)
      }
      const done = new Set(batch.filter((e) => answered.has(e.changeId)).map((e) => e.changeId))
      if (done.size === 0) throw new Error('the server answered none of the pushed changes')
      if (rejected.length > 0) {
        const heldNow = new Set([...ws.overCap.load().map(overCapKey), ...rejected.filter((r) => r.reason === 'QUOTA_EXCEEDED' && r.entry.op === 'upsert').map((r) => overCapKey(r.entry))])
        const log = trimRejected([...ws.rejected.load(), ...rejected], heldNow)
        ws.rejected.save(log)
        // Its own rows are known; another tab's stored meanwhile are still to be said at their storage event.
        const own = new Set(rejected.map(rejectedKey))
        ws.rejectedSeen = new Set(log.map(rejectedKey).filter((key) => own.has(key) || ws.rejectedSeen.has(key)))
      }
      const room = this.noteOverCap(ws, batch, answered, wasLive)
      ws.entries = ws.entries.filter((e) => !done.has(e.changeId))
      for (const id of done) {
        ws.answered.add(id)
        ws.sentHere.add(id)
      }
      // The latest only: another tab stores at most its own unsent list.
      for (const id of ws.sentHere) {
        if (ws.sentHere.size <= SENT_HERE_KEEP) break
        ws.sentHere.delete(id)
      }
      onSent(ws)
      this.emitStatus()
      for (const entry of merged) this.emit({ type: 'merged', entry })
      for (const r of rejected) {
        console.warn(`[sync] ${r.entry.kind} ${r.entry.op} ${r.entry.id} rejected: ${r.reason}`)
        const serverCopy = await this.serverCopyAfterRejection(transport, ws, r.entry, r.reason)
        if (generation !== this.generation) return
        if (serverCopy === READ_FAILED) ws.readBacks.save([...ws.readBacks.load().filter((w) => w.entry.id !== r.entry.id), r].slice(-REJECTED_KEEP))
        const quota = r.quota === undefined ? {} : { quota: r.quota }
        this.emit(serverCopy === undefined || serverCopy === READ_FAILED ? { type: 'rejected', entry: r.entry, reason: r.reason, ...quota } : { type: 'rejected', entry: r.entry, reason: r.reason, serverCopy, ...quota })
      }
      if (generation !== this.generation) return
      // Numbers deleted on the server: as many adds refused over the numbers cap follow in this push.
      if (room > 0) this.requeueOverCap(ws, 'numbers', room)
      // Some changes unanswered: do not loop on them now; the next flush tries again.
      if (done.size < batch.length) throw new Error(`${batch.length - done.size} pushed change(s) got no result`)
    }
  }

  /**
   * Keeps the held set (`overCap`) in step with a push's answers, in the batch's order: an add
   * refused over a cap is held (once, where it was first refused), a record that went through,
   * was deleted or was refused for another reason (kept in the rejected log) is not any more. Returns the room under the numbers cap the batch left: a place
   * for each number the server deleted that was not itself held (one it had live as far as this
   * phone knows), none once an add was refused over that cap after it (the room was taken: the
   * adds held then went out again at once and were refused twice in one sync).
   */
  private noteOverCap(ws: Workspace, batch: readonly OutboxEntry[], answered: ReadonlyMap<string, PushResult>, wasLive: ReadonlySet<string>): number {
    const before = ws.overCap.load()
    const held = new Map(before.map((r) => [overCapKey(r), r]))
    // Refused there and never seen live: a delete of one frees nothing (a held number refused for
    // another reason leaves the held set, but the server never had it either).
    const refusedThere = new Set(ws.rejected.load().map((r) => `${String(r?.entry?.kind)}:${String(r?.entry?.id)}`))
    let room = 0
    for (const entry of batch) {
      const result = answered.get(entry.changeId)
      const key = overCapKey(entry)
      if (result?.status === 'rejected' && result.reason === 'QUOTA_EXCEEDED' && entry.op === 'upsert') {
        if (!held.has(key)) held.set(key, { kind: entry.kind, id: entry.id, quota: quotaOf(result) })
        if (result.quota === 'numbers') room = 0
      } else if (result?.status === 'applied') {
        if (entry.op === 'delete' && entry.kind === 'number' && !held.has(key) && (wasLive.has(key) || !refusedThere.has(key))) room += 1
        held.delete(key)
      } else if (result?.status === 'rejected') {
        // Refused for another reason (an edit the server finds invalid): room would not help, so
        // it is let go into the rejected log under that reason instead of going out again.
        held.delete(key)
      }
    }
    const after = [...held.values()]
    if (after.length !== before.length || after.some((r, i) => r !== before[i])) {
      this.saveOverCap(ws, after)
      this.emitOverCap(after)
    }
    return room
  }

  /**
   * Queues the phone's latest copies of the records held over `quota` (null: both caps) again, as
   * new changes in the order they were refused, at most `limit` of them (the room deletes made;
   * the rest stay held where they are), and lets them go from the held set: refused again, they
   * are held again. Ones that would duplicate a listed number are let go without a change (they
   * stay in the rejected log), and so, at a sign-in (`signIn`: the stores were just loaded), are
   * ones the phone no longer holds. Otherwise one the stores do not hold stays held: another tab
   * may have held it after these stores were loaded (they do not follow its writes), and letting
   * it go here lost it for good.
   */
  private requeueOverCap(ws: Workspace, quota: Quota | null, limit = Number.POSITIVE_INFINITY, signIn = false): void {
    const local = this.local
    if (!local?.resend || limit <= 0) return
    const held = ws.overCap.load()
    const due = held.filter((r) => quota === null || r.quota === quota)
    if (due.length === 0) return
    const latest = new Map(local.resend(due.map(({ kind, id }) => ({ kind, id }))).map((c) => [overCapKey(c), c]))
    // Each delete re-sent every held add: 2,000 numbers over the cap cost 2,000 changes a delete,
    // and 25 deletes the agent's day of changes (WORKSPACE_CHANGES_PER_DAY), call records too.
    const copies: LocalChange[] = []
    const taken = new Set<string>()
    const stores = signIn ? null : new Set(local.held().map(overCapKey))
    for (const r of due) {
      if (copies.length >= limit) break
      const key = overCapKey(r)
      const copy = latest.get(key)
      if (copy) copies.push(copy)
      if (copy || stores === null || stores.has(key)) taken.add(key)
    }
    if (copies.length > 0) {
      const now = this.timers.now()
      try {
        this.writeOutbox(ws, [...ws.entries, ...copies.map((c): OutboxEntry => ({ ...c, changeId: newId(), queuedAt: now }))])
      } catch (e) {
        // Still held: tried again at the next room made, sign-in or retry.
        console.warn('[sync] could not queue the changes refused over a cap again', e instanceof Error ? e.message : e)
        return
      }
      console.info(`[sync] sending ${copies.length} change(s) refused over a cap again`)
    }
    this.saveOverCap(ws, held.filter((r) => !taken.has(overCapKey(r))))
    this.emitOverCap(ws.overCap.load())
    this.emitStatus()
  }

  /**
   * Whether this tab sends the held set again for its sign-in: not when another tab of the agent
   * did so within OVER_CAP_RESEND_CLAIM_MS (either way of the clock); else it claims that it does.
   * This tab's own claim is an earlier sign-in (signed out and in again within the minute: it
   * had skipped that sign-in's re-send, after the business raised the cap, say).
   */
  private claimSignInResend(ws: Workspace): boolean {
    if (ws.overCap.load().length === 0) return false
    const now = this.timers.now()
    const last = ws.overCapResent.load()
    if (last !== null && last.tab !== this.tabId && Math.abs(now - last.at) < OVER_CAP_RESEND_CLAIM_MS) {
      console.info('[sync] the changes refused over a cap were just sent again by another tab; not sent from this one')
      return false
    }
    try {
      ws.overCapResent.save({ at: now, tab: this.tabId })
    } catch {
      // Not claimed: another tab signing in now may send them too (refused twice), as before.
    }
    return true
  }

  /**
   * After a pull: records the stores held as it began and no longer hold (a duplicate the pull
   * brought replaced one) are let go. Not one they never held: another tab held it after these
   * stores were loaded (they do not follow its writes), and letting it go here lost it for good.
   */
  private pruneOverCap(ws: Workspace, before: ReadonlySet<string>): void {
    const local = this.local
    const held = ws.overCap.load()
    if (!local || held.length === 0) return
    const kept = new Set(local.held().map(overCapKey))
    const left = held.filter((r) => !before.has(overCapKey(r)) || kept.has(overCapKey(r)))
    if (left.length === held.length) return
    this.saveOverCap(ws, left)
    this.emitOverCap(left)
  }

  private saveOverCap(ws: Workspace, records: OverCapRecord[]): void {
    this.saveOverCapIn(ws.overCap, records)
  }

  private saveOverCapIn(stored: StoredValue<OverCapRecord[]>, records: OverCapRecord[]): void {
    try {
      stored.save(records)
    } catch (e) {
      // The refusals stay in the rejected log and the records on the phone; only the retry waits.
      console.warn('[sync] could not store the changes refused over a cap', e instanceof Error ? e.message : e)
    }
  }

  private emitOverCap(records: readonly OverCapRecord[]): void {
    const numbers = records.filter((r) => r.quota === 'numbers').length
    this.emit({ type: 'overCap', numbers, records: records.length - numbers })
  }

  /**
   * A refused upsert of a number: the server's copy of it (undefined when it cannot be asked, or
   * when a later local change of the same number waits in the outbox and will be judged itself).
   */
  private async serverCopyAfterRejection(transport: WorkspaceTransport, ws: Workspace, entry: OutboxEntry, reason: string): Promise<RemoteChange | null | undefined | typeof READ_FAILED> {
    if (entry.kind !== 'number' || entry.op !== 'upsert' || !transport.record) return undefined
    // Over a cap only an add is refused: the server holds no copy to read (one read per number
    // refused, at every retry of a large import, for nothing).
    if (reason === 'QUOTA_EXCEEDED') return undefined
    if (ws.entries.some((e) => e.id === entry.id)) return undefined
    try {
      return await transport.record('number', entry.id)
    } catch (e) {
      console.warn(`[sync] could not read number ${entry.id} back after its rejection; asked again at the next sync`, toTcccError(e).symbol)
      return READ_FAILED
    }
  }

  /** The server copies still owed for refused number edits (see `serverCopy`); one that fails waits for the next sync. */
  private async readBack(transport: WorkspaceTransport, generation: number): Promise<void> {
    const ws = this.ws
    if (!ws || !transport.record) return
    const owed = ws.readBacks.load()
    if (owed.length === 0) return
    const left: RejectedChange[] = []
    for (const r of owed) {
      // A later local change of the number waits in the outbox: it is judged by itself.
      if (ws.entries.some((e) => e.id === r.entry.id)) continue
      try {
        const copy = await transport.record('number', r.entry.id)
        if (generation !== this.generation || this.ws !== ws) return
        if (copy) this.emit({ type: 'serverCopy', copy })
      } catch (e) {
        if (generation !== this.generation || this.ws !== ws) return
        console.warn(`[sync] number ${r.entry.id} still not read back`, toTcccError(e).symbol)
        left.push(r)
      }
    }
    if (left.length > 0) ws.readBacks.save(left)
    else ws.readBacks.clear()
  }

  private async pullAll(transport: WorkspaceTransport, generation: number): Promise<void> {
    const ws = this.ws
    if (!ws) return
    /** The cursor after the last page the stores applied; stored once, when the pull ends. */
    let applied: string | null = null
    /** The cursor the next page is asked with (a full listing's own, until it ends). */
    let next: string | null = null
    /** A full listing under way (the server's `resync`): what it named so far, and the watermark. */
    let listing: { named: Set<string>; pruned: string } | null = null
    let changed = false
    let room = 0
    let failure: { error: unknown } | null = null
    // What the stores hold of the held set as the pull begins: only what the pull then drops is let go.
    const storesHeld = this.local && ws.overCap.load().length > 0 ? new Set(this.local.held().map(overCapKey)) : null
    try {
      for (let pages = 0; pages < 10_000; pages += 1) {
        const page = await transport.pull(next ?? ws.cursor.load(), PULL_LIMIT)
        if (generation !== this.generation || this.ws !== ws) break
        // Also mid-listing: deletes forgotten meanwhile start it over, so what it named is counted anew.
        if (page.resync === true && page.pruned !== undefined) listing = { named: new Set(), pruned: page.pruned }
        if (listing) for (const c of page.changes) listing.named.add(`${c.kind}:${c.id}`)
        // Another phone's reconcile put back a copy older than this phone's: not taken, and this
        // phone's next reconcile (due now) lists the record, so its later copy goes back over it.
        const changes = page.changes.filter((c) => {
          // A number the server had live deleted by another phone: room under the numbers cap.
          if (c.kind === 'number' && c.deleted && ws.ledger.live.has(`number:${c.id}`)) room += 1
          if (!ws.ledger.olderPutBack(c)) return true
          this.putBackOwed.add(`${c.kind}:${c.id}`)
          this.reconciledThisOpen = null
          return false
        })
        if (changes.length > 0) {
          changed = true
          const now = this.timers.now()
          for (const c of changes) ws.ledger.note(c.kind, c.id, c.rev, c.deleted, now, c.seenRev)
          this.emit({ type: 'remote', changes, pendingIds: new Set(ws.entries.map((e) => e.id)) })
        }
        next = page.cursor
        // A listing's cursor is stored only once it has ended: one cut short starts again from
        // the old cursor (so from the start), since only a whole listing says what is gone.
        if (!listing) applied = page.cursor
        if (!page.more) {
          if (listing) {
            if (this.dropUnlisted(ws, listing)) changed = true
            applied = page.cursor
          }
          break
        }
      }
    } catch (error) {
      failure = { error }
    }
    // Also after a failed page: what was applied is saved (a first pull of 10,000 numbers saved
    // the whole list after each of its 10 pages). The data first, then the cursor: a crash in
    // between pulls those pages again, and applying a page twice changes nothing.
    if (applied !== null && generation === this.generation && this.ws === ws) {
      this.pulledNotSaved = false
      if (changed) this.emit({ type: 'pulled' })
      // Before a failed page's error: either way the cycle fails and is retried.
      if (this.pulledNotSaved) throw new Error('pulled records could not be saved on this device; the cursor stays')
      ws.cursor.save(applied)
      if (changed && storesHeld) this.pruneOverCap(ws, storesHeld)
      // Queued now, sent by the next round (the cycle sees them pending).
      if (room > 0) this.requeueOverCap(ws, 'numbers', room)
    }
    if (failure) throw failure.error
  }

  /**
   * A full listing ended: the records this phone holds that it did not name were deleted on the
   * server and their tombstones forgotten, so they are dropped here as a pull of those tombstones
   * would have (a `remote` of deletes at the watermark's rev, noted in the ledger). Kept: a record
   * with a change in the outbox or held over a cap (`overCap`), one never queued (`unsent`), one
   * the server refused and never had (the `rejected` log), and one this phone saw above the watermark (its delete would still be
   * listed: a restore lost it, and the reconcile puts it back). True when something was dropped.
   */
  private dropUnlisted(ws: Workspace, listing: { named: ReadonlySet<string>; pruned: string }): boolean {
    const local = this.local
    if (!local) return false
    const pendingIds = new Set(ws.entries.map((e) => e.id))
    const refused = new Set(ws.rejected.load().map((r) => `${r.entry.kind}:${r.entry.id}`))
    // A write waiting for room under a cap goes out again, like one in the outbox, whatever rev the
    // phone saw before (an edit of a number deleted elsewhere is an add). Held apart from the
    // rejected log, which keeps only the last REJECTED_KEEP.
    const held = new Set(ws.overCap.load().map(overCapKey))
    const gone = new Map<string, RemoteChange>()
    for (const h of local.held()) {
      const key = `${h.kind}:${h.id}`
      if (listing.named.has(key) || pendingIds.has(h.id) || h.unsent === true || held.has(key)) continue
      const rev = ws.ledger.live.get(key)
      if (rev === undefined ? refused.has(key) : revAbove(rev, listing.pruned)) continue
      gone.set(key, { kind: h.kind, id: h.id, rev: listing.pruned, deleted: true, data: null })
    }
    if (gone.size === 0) return false
    console.info(`[sync] a full listing (the server forgot deletes since this phone's last pull): ${gone.size} record(s) deleted elsewhere dropped`)
    const now = this.timers.now()
    for (const c of gone.values()) ws.ledger.note(c.kind, c.id, c.rev, true, now)
    this.emit({ type: 'remote', changes: [...gone.values()], pendingIds })
    return true
  }

  private schedule(ms: number, retry = false): void {
    if (!this.ws || (!retry && this.timer !== null && this.failures > 0)) return
    this.clearTimer()
    this.timer = this.timers.setTimeout(() => {
      this.timer = null
      void this.flush()
    }, ms)
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer)
    this.timer = null
  }

  private setState(state: SyncState): void {
    this.state = state
    this.emitStatus()
  }

  private emitStatus(): void {
    let state = this.state
    // Another tab's unsent changes count too: they are not on the server either.
    const pending = this.pending + (this.ws?.elsewhere ?? 0)
    // Not syncing right now but changes are waiting: say so (unless offline or failing).
    if (state === 'synced' && pending > 0) state = 'pending'
    this.emit({ type: 'status', state, pending })
  }

  private emit(event: SyncEvent): void {
    channel.publish(event)
  }
}

let engine: SyncEngine | null = null

/** The app's one sync engine. */
export function getSync(): SyncEngine {
  engine ??= new SyncEngine()
  return engine
}

/** Tests: a fresh engine (with a fake transport and timers). */
export function setSyncEngine(next: SyncEngine | null): void {
  engine?.close()
  engine = next
}
