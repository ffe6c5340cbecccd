/**
 * The agent's workspace (docs/WORKSPACE_API.md): numbers and call records per agent, plus the
 * business's shared outcome catalogue and settings (agent ''). Every write takes one global
 * advisory lock, so revisions commit in the order they are numbered and a pull never skips a
 * change that commits later with a lower revision.
 */
import { randomUUID } from 'node:crypto'
import { mergedRemark, nationalForm, samePhoneSpellings, validateListNumber, validateNumber, validateRemark } from '../../../src/services/numbers'
import { hasUnstorableText } from '../../../src/services/text'
import type { Database, Queryable } from './driver'
import { beforeSequenceRead, checkSequence, HIGHEST_HANDED_OUT, lockWorkspaceWrites, noteHandedOut, readSequence, revisionWrite, sequenceReadForPull } from './revisions'

export { lockWorkspaceWrites } from './revisions'

export const PULL_LIMIT_MAX = 1000
export const PUSH_CHANGES_MAX = 500
/** Records one reconcile request may list (`reconcileRecords`). */
export const RECONCILE_RECORDS_MAX = 1000
/**
 * The request's session ended (sign-out, password change, the agent removed) after its access
 * token was checked and before its write got its turn: nothing is written, since the seat may
 * already be someone else's.
 */
export class SessionEndedError extends Error {
  override name = 'SessionEndedError'
}

/** After the write lock: the session the write comes from is still live (see SessionEndedError). */
async function checkSessionLive(tx: Queryable, sessionId: string | undefined): Promise<void> {
  if (sessionId === undefined) return
  const rows = await tx.query('SELECT 1 FROM sessions WHERE id = $1 AND ended_at IS NULL', [sessionId])
  if (rows.length === 0) throw new SessionEndedError('the session ended before the write')
}

export type Kind = 'number' | 'call' | 'outcome' | 'setting'
const AGENT_KINDS = ['number', 'call'] as const
const SHARED_KINDS = ['outcome', 'setting'] as const

export interface PulledChange {
  kind: Kind
  id: string
  rev: string
  deleted: boolean
  data: Record<string, unknown> | null
  /** Put back by a phone's reconcile: the rev that phone had seen (its copy is that version). */
  seenRev?: string
}

export type RejectReason =
  | 'INVALID_NUMBER'
  | 'INVALID_REMARK'
  | 'INVALID_FIELD'
  | 'UNKNOWN_FIELD'
  | 'UNKNOWN_KIND'
  | 'INVALID_ID'
  | 'INVALID_TIMESTAMP'
  | 'DUPLICATE_NUMBER'
  | 'ASSIGNED_READONLY'
  | 'READ_ONLY_KIND'
  | 'NOT_FOUND'
  | 'CALL_RECORD_PERMANENT'
  | 'CALL_RECORD_READONLY'
  | 'SUPERSEDED'
  | 'QUOTA_EXCEEDED'

/** Which of the agent's stored totals a change would take over its cap (`QUOTA_EXCEEDED`). */
export type Quota = 'numbers' | 'records'

/**
 * What one agent may store (WORKSPACE_NUMBERS_MAX, WORKSPACE_RECORDS_MAX): live numbers, and rows
 * of every kind (numbers, calls, tombstones). Before, a token could fill the database with pushes
 * of 500 changes, deletes of made-up ids included (each leaves a tombstone).
 */
export interface WorkspaceCaps {
  numbers: number
  records: number
}

export const DEFAULT_WORKSPACE_CAPS: WorkspaceCaps = { numbers: 20_000, records: 200_000 }

export interface ChangeResult {
  changeId: string
  status: 'applied' | 'duplicate' | 'rejected'
  reason?: RejectReason
  rev?: string
  /** A `DUPLICATE_NUMBER` add whose remark was kept in the agent's entry for that phone (`mergedRemark`). */
  merged?: true
  /** With `QUOTA_EXCEEDED`: the cap the change would have gone over. */
  quota?: Quota
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
/** The ids of assigned numbers; the phone's own ids are UUIDs, which never start so. */
const ASSIGNED_ID_PREFIX = 'a-'
/** Each kind as a JSON string (the table's CHECK allows no other). */
const KIND_JSON: Record<Kind, string> = { number: '"number"', call: '"call"', outcome: '"outcome"', setting: '"setting"' }
const CHANGE_KEYS = new Set(['changeId', 'kind', 'op', 'id', 'data', 'ifRev', 'seenRev'])
/** A rev as the wire writes it (a bigint's digits; `0` = none). */
const REV_PATTERN = /^\d{1,18}$/
const EARLIEST = Date.UTC(2020, 0, 1)
const DAY = 86_400_000
const CALL_DIRECTIONS = ['in', 'out']
const CALL_OUTCOMES = ['answered', 'rejected', 'missed', 'cancelled', 'no-answer', 'failed']
const NOTE_MAX = 500

class Rejected extends Error {
  constructor(
    readonly reason: RejectReason,
    /** The refused change still left something behind: its remark merged into the live entry. */
    readonly merged = false,
    readonly quota?: Quota,
  ) {
    super(reason)
  }
}
const reject = (reason: RejectReason): never => {
  throw new Rejected(reason)
}

type Data = Record<string, unknown>

/**
 * The agent's stored totals during one push: read once under the write lock (`workspace_totals`,
 * migration 8), followed here change by change and written once at the end (the triggers count
 * every other writer), so a push costs one primary-key read and one write whatever it stores. Every writer of an agent's records holds the write
 * lock, so no other push (this backend or another on the same PostgreSQL) moves them meanwhile.
 */
interface Totals {
  numbers: number
  records: number
  caps: WorkspaceCaps
}

async function readTotals(tx: Queryable, agent: string, caps: WorkspaceCaps): Promise<Totals> {
  // This transaction's writes skip the triggers' function (migration 8): the push counts them here.
  await tx.query(`SELECT set_config('tccc.totals_by_push', 'on', true)`)
  const rows = await tx.query<{ numbers: string | number; records: string | number }>('SELECT numbers, records FROM workspace_totals WHERE agent = $1', [agent])
  return { numbers: Number(rows[0]?.numbers ?? 0), records: Number(rows[0]?.records ?? 0), caps }
}

/** The push's totals, written once at its end (still under the write lock). */
async function writeTotals(tx: Queryable, agent: string, totals: Totals): Promise<void> {
  await tx.query(
    `INSERT INTO workspace_totals (agent, numbers, records) VALUES ($1, $2, $3)
     ON CONFLICT (agent) DO UPDATE SET numbers = EXCLUDED.numbers, records = EXCLUDED.records`,
    [agent, totals.numbers, totals.records],
  )
  await tx.query(`SELECT set_config('tccc.totals_by_push', 'off', true)`)
}

/**
 * A write about to add a row (`row`) and/or a live number (`liveNumber`): refused when either
 * total is at its cap (the rows first: deleting numbers leaves their tombstones, so only a higher
 * cap helps there), else counted. Edits and deletes of existing records add neither and never
 * come here.
 */
function take(totals: Totals, { row, liveNumber }: { row: boolean; liveNumber: boolean }): void {
  if (row && totals.records >= totals.caps.records) throw new Rejected('QUOTA_EXCEEDED', false, 'records')
  if (liveNumber && totals.numbers >= totals.caps.numbers) throw new Rejected('QUOTA_EXCEEDED', false, 'numbers')
  if (row) totals.records++
  if (liveNumber) totals.numbers++
}

const isObject = (v: unknown): v is Data => typeof v === 'object' && v !== null && !Array.isArray(v)

function timestamp(value: unknown, now: number, { nullable = false, horizon = DAY } = {}): number | null {
  if (value === null && nullable) return null
  if (typeof value !== 'number' || !Number.isInteger(value)) return reject('INVALID_TIMESTAMP')
  if (value < EARLIEST || value > now + horizon) return reject('INVALID_TIMESTAMP')
  return value
}

function shortString(value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length > max) return reject('INVALID_FIELD')
  return value
}

function onlyKnown(data: Data, allowed: readonly string[]): void {
  for (const key of Object.keys(data)) if (!allowed.includes(key)) reject('UNKNOWN_FIELD')
}

const NUMBER_FIELDS = ['number', 'remark', 'source', 'createdAt'] as const

/** The number record after applying a (partial) upsert to what exists. */
function mergeNumber(existing: Data | null, patch: Data, now: number): Data {
  onlyKnown(patch, NUMBER_FIELDS)
  const assigned = existing?.source === 'assigned'
  let number = existing?.number as string | undefined
  if ('number' in patch) {
    if (typeof patch.number !== 'string') return reject('INVALID_NUMBER')
    const checked = validateListNumber(patch.number)
    if (!checked.ok) return reject('INVALID_NUMBER')
    if (assigned && checked.value !== number) return reject('ASSIGNED_READONLY')
    number = checked.value
  }
  if (number === undefined) return reject('INVALID_NUMBER')
  if ('source' in patch) {
    if (patch.source !== 'own' && patch.source !== 'assigned') return reject('INVALID_FIELD')
    // The phone always writes `own`; only the business assigns.
    if (assigned ? patch.source !== 'assigned' : patch.source !== 'own') return reject('ASSIGNED_READONLY')
  }
  let remark = (existing?.remark as string | undefined) ?? ''
  if ('remark' in patch) {
    if (typeof patch.remark !== 'string') return reject('INVALID_REMARK')
    remark = patch.remark
  }
  const checkedRemark = validateRemark(remark, number)
  if (!checkedRemark.ok) return reject('INVALID_REMARK')
  const createdAt = 'createdAt' in patch ? timestamp(patch.createdAt, now) : ((existing?.createdAt as number | undefined) ?? now)
  return { number, remark: checkedRemark.value, source: existing?.source ?? 'own', createdAt }
}

const CALL_FIELDS = [
  'number',
  'remark',
  'direction',
  'outcome',
  'startedAt',
  'answeredAt',
  'endedAt',
  'durationSec',
  'endReason',
  'sessionId',
  'disposition',
  'note',
  'callbackAt',
  'callbackHandled',
] as const

/**
 * Written by the backend from TCCC's call detail record (`attachCallDetail`), never by a phone:
 * a push that carries them back (a phone echoing a pulled record) has them ignored, not rejected.
 */
export const CALL_DETAIL_FIELDS = ['tcccDurationSec', 'recordingUrl', 'tcccEndStatus', 'detailAt'] as const

/**
 * What the call was: set when the record is created and never changed by a phone after it
 * (`CALL_RECORD_READONLY`). The records are the business's: an agent's token had moved a call's
 * start and end and made its 50 s of talk 7,000 s, straight into `export-calls`. A phone may
 * still send them again unchanged (a full re-send of the record: `history` re-queues records it
 * could not queue when storage was full), and change the wrap-up (`disposition`, `note`,
 * `callbackAt`) and the reminder's `callbackHandled` at any time.
 */
const CALL_RECORD_FIELDS = ['number', 'remark', 'direction', 'startedAt', 'answeredAt', 'endedAt', 'durationSec', 'outcome', 'endReason', 'sessionId'] as const
/** What a provisional end (`isProvisionalEnd`) may still get: when and how the ring ended. */
const PROVISIONAL_END_FIELDS: readonly string[] = ['endedAt', 'endReason', 'outcome']

/** null and absent are one "none" (a phone may send `answeredAt: null` for a record without). */
const sameValue = (a: unknown, b: unknown): boolean => (a === undefined || a === null ? b === undefined || b === null : a === b)

/** Unanswered by every field the record has: no answer time, no talk time, not `answered`. */
const unanswered = (call: Data): boolean => (call.answeredAt === undefined || call.answeredAt === null) && call.durationSec === 0 && call.outcome !== 'answered'

/**
 * A record the phone wrote before it knew how the call ended: a second caller still ringing when
 * the agent's own call ended is recorded missed at once with reason `unknown`, and the record is
 * replaced (same id) when that caller's own end arrives (`src/store/call.ts`
 * `recordWaitingAsMissed`, `onEnded`). Only an unanswered inbound call with reason `unknown` is
 * one, and filling in its end keeps it unanswered: it never gains an answer or talk time.
 */
const isProvisionalEnd = (call: Data): boolean => call.direction === 'in' && call.endReason === 'unknown' && unanswered(call)

/**
 * Refuses a change of what an existing call was (`CALL_RECORD_FIELDS`), but for a provisional
 * end filled in: each field the change names must equal the stored one, both normalised as when
 * the record was created, so a re-send passes.
 */
function checkCallUnchanged(existing: Data, patch: Data, call: Data): void {
  const stored: Data = { ...existing }
  const number = typeof existing.number === 'string' ? validateNumber(existing.number) : null
  if (number?.ok) stored.number = number.value
  const remark = typeof existing.remark === 'string' ? validateRemark(existing.remark, stored.number as string) : null
  if (remark?.ok) stored.remark = remark.value
  const changed = CALL_RECORD_FIELDS.filter((field) => field in patch && !sameValue(stored[field], call[field]))
  if (changed.length === 0) return
  const endFilledIn = isProvisionalEnd(stored) && unanswered(call) && changed.every((field) => PROVISIONAL_END_FIELDS.includes(field))
  if (!endFilledIn) reject('CALL_RECORD_READONLY')
}

function mergeCall(existing: Data | null, received: Data, now: number, outcomeCodes: Set<string>): Data {
  const patch: Data = { ...received }
  for (const field of CALL_DETAIL_FIELDS) delete patch[field]
  onlyKnown(patch, CALL_FIELDS)
  const call: Data = { ...(existing ?? {}), ...patch }
  if (typeof call.number !== 'string') return reject('INVALID_NUMBER')
  const number = validateNumber(call.number)
  if (!number.ok) return reject('INVALID_NUMBER')
  call.number = number.value
  if (call.remark !== undefined && call.remark !== null) {
    if (typeof call.remark !== 'string') return reject('INVALID_REMARK')
    const remark = validateRemark(call.remark, number.value)
    if (!remark.ok) return reject('INVALID_REMARK')
    call.remark = remark.value
  }
  if (!CALL_DIRECTIONS.includes(call.direction as string)) return reject('INVALID_FIELD')
  if (!CALL_OUTCOMES.includes(call.outcome as string)) return reject('INVALID_FIELD')
  const startedAt = timestamp(call.startedAt, now) as number
  const endedAt = timestamp(call.endedAt, now) as number
  if (endedAt < startedAt) return reject('INVALID_TIMESTAMP')
  if (call.answeredAt !== undefined) timestamp(call.answeredAt, now, { nullable: true })
  // A callback may be booked days ahead.
  if (call.callbackAt !== undefined) timestamp(call.callbackAt, now, { nullable: true, horizon: 366 * DAY })
  // The `callbackAt` whose reminder the agent dismissed or called from, on any of their phones:
  // the same range, never checked against the stored `callbackAt` (a phone may handle the
  // reminder of a time another phone has moved since; it then no longer matches and reminds).
  if (call.callbackHandled !== undefined) timestamp(call.callbackHandled, now, { nullable: true, horizon: 366 * DAY })
  if (typeof call.durationSec !== 'number' || !Number.isInteger(call.durationSec) || call.durationSec < 0 || call.durationSec > 7 * 86_400) {
    return reject('INVALID_FIELD')
  }
  shortString(call.endReason, 64)
  if (call.sessionId !== undefined && call.sessionId !== null) shortString(call.sessionId, 128)
  if (existing === null) {
    // The times fit together: answered within the call, talk time within it (a second of
    // rounding), and none without an answer. A 1 ms unanswered call carrying 604,800 s counted a
    // week of talk.
    const answeredAt = typeof call.answeredAt === 'number' ? call.answeredAt : null
    if (answeredAt !== null && (answeredAt < startedAt || answeredAt > endedAt)) return reject('INVALID_TIMESTAMP')
    if (answeredAt === null && call.outcome !== 'answered' && call.durationSec !== 0) return reject('INVALID_FIELD')
    if (call.durationSec > Math.ceil((endedAt - (answeredAt ?? startedAt)) / 1000) + 1) return reject('INVALID_FIELD')
  } else {
    // Then only the wrap-up changes (and a provisional end is filled in, unanswered): a re-send
    // or a wrap-up of a record stored before the times were checked is not refused for them.
    checkCallUnchanged(existing, patch, call)
  }
  if (call.disposition !== undefined && call.disposition !== null && !outcomeCodes.has(call.disposition as string)) return reject('INVALID_FIELD')
  if (call.note !== undefined && call.note !== null) {
    if (typeof call.note !== 'string' || Array.from(call.note).length > NOTE_MAX) return reject('INVALID_FIELD')
  }
  return call
}

interface RecordRow {
  kind: Kind
  id: string
  rev: string
  deleted: boolean
  data: Data | null
  seen_rev?: string | null
}

const toChange = (r: RecordRow): PulledChange => ({
  kind: r.kind,
  id: r.id,
  rev: String(r.rev),
  deleted: r.deleted,
  data: r.deleted ? null : r.data,
  ...(r.seen_rev !== undefined && r.seen_rev !== null ? { seenRev: String(r.seen_rev) } : {}),
})

/**
 * Where a pull starts (the `since` of `GET /api/workspace/changes`): after `rev`, either the
 * change feed (a cursor the phone holds: its digits) or the rest of a full listing under way
 * (`s<rev>`: a cursor only a listing's pages hand out, so the pages after its first are never
 * taken for a stale cursor and restarted).
 */
export interface PullCursor {
  rev: bigint
  listing: boolean
  /** A listing's: the watermark it began under (`s<rev>w<watermark>`; none in `s<rev>` of before). */
  under?: bigint
}

/** A cursor as the wire writes it, or null when it is not one. */
export function parseCursor(text: string): PullCursor | null {
  const match = /^(?:(\d{1,18})|s(\d{1,18})(?:w(\d{1,18}))?)$/.exec(text)
  if (!match) return null
  if (match[1] !== undefined) return { rev: BigInt(match[1]), listing: false }
  return match[3] === undefined ? { rev: BigInt(match[2]), listing: true } : { rev: BigInt(match[2]), listing: true, under: BigInt(match[3]) }
}

/**
 * One page of the change feed: the agent's records and the shared ones ('') merged in rev order,
 * and (same statement, so the same snapshot) the highest rev of the agent's forgotten tombstones.
 * One ordered range scan of the (agent, rev) index per owner, each stopped at the page size:
 * `agent IN ($1, '') ORDER BY rev` made PostgreSQL read and sort every record after the cursor for
 * each page (a first pull of 10,000 numbers read ~55,000 rows; bench/server.ts).
 */
async function pullPage<Row extends { rev: string }>(
  db: Queryable,
  agent: string,
  since: bigint,
  limit: number,
  data: 'data' | 'data::text',
): Promise<{ page: Row[]; more: boolean; pruned: bigint }> {
  // One row even when the page is empty (its columns NULL), carrying the watermark.
  const rows = await db.query<Row & { pruned: string | null; kind: Kind | null }>(
    `SELECT w.pruned, page.kind, page.id, page.rev::text AS rev, page.deleted, page.${data} AS data, page.seen_rev::text AS seen_rev
       FROM (SELECT (SELECT rev::text FROM workspace_pruned WHERE agent = $1) AS pruned) w
       LEFT JOIN LATERAL (
         SELECT * FROM (
           (SELECT kind, id, rev, deleted, data, seen_rev FROM workspace_records WHERE agent = $1 AND rev > $2 ORDER BY rev LIMIT $3)
           UNION ALL
           (SELECT kind, id, rev, deleted, data, seen_rev FROM workspace_records WHERE agent = '' AND rev > $2 ORDER BY rev LIMIT $3)
         ) u ORDER BY u.rev LIMIT $3
       ) page ON true
      ORDER BY page.rev`,
    [agent, since.toString(), limit + 1],
    // Named: planned once per PostgreSQL connection, not for each page (bench/server.ts (a)).
    { name: `pull_page_${data === 'data' ? 'rows' : 'json'}` },
  )
  const pruned = BigInt(rows[0]?.pruned ?? '0')
  const found = rows.filter((r) => r.kind !== null)
  const more = found.length > limit
  return { page: more ? found.slice(0, limit) : found, more, pruned }
}

/**
 * A page of the feed after `since`. A cursor below the agent's watermark (tombstones forgotten
 * above it, `pruneTombstones`) cannot be answered with the changes since: the phone would never
 * hear of those deletes. It gets a full listing from the start instead (`resync`, with the
 * watermark); the listing's later pages go on with `s<rev>` cursors and its last one hands out a
 * plain cursor at or above the watermark, so the next pull is incremental again.
 */
async function pullFeed<Row extends { rev: string }>(
  db: Queryable,
  agent: string,
  since: PullCursor | bigint,
  limit: number,
  data: 'data' | 'data::text',
): Promise<{ page: Row[]; cursor: string; more: boolean; resync?: { pruned: string } }> {
  const from = typeof since === 'bigint' ? { rev: since, listing: false } : since
  const before = sequenceReadForPull(db, from.rev)
  const feed = await pullPage<Row>(db, agent, from.rev, limit, data)
  // Before answering: a database gone back under the backend is moved on first (revisions.ts), so
  // no rev handed out after this answer lies at or below the cursor it gives or the phone's.
  if (before !== null) await checkSequence(db, before, await readSequence(db), from.rev)
  // A listing under way when deletes past its position were forgotten (the watermark rose above
  // both) will never name them, and the phone drops by the watermark it began under: it starts
  // again under the new one, once (its cursors then carry none), so a large listing on a slow
  // network is never started over for good by tombstones aging every minute.
  const stale = from.listing ? from.under !== undefined && from.under < feed.pruned && from.rev < feed.pruned : from.rev < feed.pruned
  // A listing's own statement names its watermark: a prune committing since the check above
  // forgot deletes this page no longer shows, and the phone drops by the watermark it is told.
  const { page, more, pruned } = stale ? await pullPage<Row>(db, agent, 0n, limit, data) : feed
  const last = page.length > 0 ? BigInt(page[page.length - 1].rev) : stale ? 0n : from.rev
  const under = stale ? (from.listing ? undefined : pruned) : from.under
  const cursor = more ? (stale || from.listing ? `s${last}${under === undefined ? '' : `w${under}`}` : `${last}`) : (last > pruned ? last : pruned).toString()
  return stale ? { page, cursor, more, resync: { pruned: pruned.toString() } } : { page, cursor, more }
}

export interface PullAnswer {
  changes: PulledChange[]
  cursor: string
  more: boolean
  /** The cursor was below what was forgotten: this is the first page of a full listing. */
  resync?: true
  /** With `resync`: the agent's watermark (the highest rev of a tombstone forgotten). */
  pruned?: string
}

export async function pullChanges(db: Queryable, agent: string, since: PullCursor | bigint, limit: number): Promise<PullAnswer> {
  const { page, cursor, more, resync } = await pullFeed<RecordRow>(db, agent, since, limit, 'data')
  const answer: PullAnswer = { changes: page.map(toChange), cursor, more }
  return resync ? { ...answer, resync: true, pruned: resync.pruned } : answer
}

/**
 * The same page as `pullChanges`, as the response body: each record's data goes out as the
 * database's own JSON text, so a page of 1,000 records is not parsed and stringified again
 * (about a third of a first pull's time on PostgreSQL; bench/server.ts).
 */
export async function pullChangesJson(db: Queryable, agent: string, since: PullCursor | bigint, limit: number): Promise<string> {
  const { page, cursor, more, resync } = await pullFeed<{ kind: Kind; id: string; rev: string; deleted: boolean; data: string | null; seen_rev: string | null }>(db, agent, since, limit, 'data::text')
  let body = '{"changes":['
  for (let i = 0; i < page.length; i++) {
    const r = page[i]
    // Kinds, ids that pass ID_PATTERN and revs (a bigint's digits) need no escaping: one string
    // built in a loop, about a third of the time of a JSON.stringify per field and a join.
    const id = ID_PATTERN.test(r.id) ? `"${r.id}"` : JSON.stringify(r.id)
    const seenRev = r.seen_rev === null ? '' : `,"seenRev":"${r.seen_rev}"`
    body += `${i === 0 ? '' : ','}{"kind":${KIND_JSON[r.kind]},"id":${id},"rev":"${r.rev}","deleted":${r.deleted ? 'true' : 'false'},"data":${r.deleted || r.data === null ? 'null' : r.data}${seenRev}}`
  }
  const listing = resync ? `,"resync":true,"pruned":"${resync.pruned}"` : ''
  return `${body}],"cursor":${JSON.stringify(cursor)},"more":${more ? 'true' : 'false'}${listing}}`
}

export async function getRecord(db: Queryable, agent: string, kind: 'number' | 'call', id: string): Promise<PulledChange | null> {
  if (!ID_PATTERN.test(id)) return null
  const rows = await db.query<RecordRow>(
    `SELECT kind, id, rev::text AS rev, deleted, data FROM workspace_records WHERE agent = $1 AND kind = $2 AND id = $3 AND NOT deleted`,
    [agent, kind, id],
  )
  return rows[0] ? toChange(rows[0]) : null
}

/** One record a phone holds, as it lists it for a reconcile: the server rev it last saw ('0': none). */
export interface HeldRecord {
  kind: 'number' | 'call'
  id: string
  rev: string
  /** The phone holds it deleted (a number it or another phone of the agent deleted). */
  deleted: boolean
}

/** A phone's record the server lost: its state here now (`missing`: no row; rev '0'). */
export interface LostRecord {
  kind: 'number' | 'call'
  id: string
  rev: string
  state: 'missing' | 'alive' | 'deleted'
}

export interface ReconcileAnswer {
  /** The phone saw a later write than the server holds (or the server has none): put back by the phone. */
  lost: LostRecord[]
  /** Written after the phone's view of it: the server's copy, as a pull would bring it (never overwritten). */
  newer: PulledChange[]
}

/**
 * Anti-entropy after a restore: which of the records a phone lists does this server hold at an
 * older rev than the phone saw, or not at all (writes the restore lost), and which at a newer one.
 * Only the agent's own rows are read: another agent's id is answered as one that never existed.
 * A read: it takes no write lock (a push landing meanwhile is caught by `ifRev` on the re-send).
 */
export async function reconcileRecords(db: Queryable, agent: string, held: readonly HeldRecord[]): Promise<ReconcileAnswer> {
  if (held.length === 0) return { lost: [], newer: [] }
  const rows = await db.query<{ i: number; rev: string | null; seen_rev: string | null; deleted: boolean | null; data: Data | null; pruned: string | null }>(
    `SELECT p.i, r.rev::text AS rev, r.seen_rev::text AS seen_rev, r.deleted, CASE WHEN r.rev > p.seen AND NOT r.deleted THEN r.data END AS data,
            (SELECT rev::text FROM workspace_pruned WHERE agent = $1) AS pruned
       FROM unnest($2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS p(kind, id, seen, i)
       LEFT JOIN workspace_records r ON r.agent = $1 AND r.kind = p.kind AND r.id = p.id
      ORDER BY p.i`,
    [agent, held.map((h) => h.kind), held.map((h) => h.id), held.map((h) => h.rev)],
    { name: 'reconcile_page' },
  )
  const answer: ReconcileAnswer = { lost: [], newer: [] }
  for (const row of rows) {
    const h = held[Number(row.i) - 1]
    const seen = BigInt(h.rev)
    if (row.rev === null) {
      const pruned = BigInt(row.pruned ?? '0')
      if (seen > 0n && seen <= pruned) {
        // Seen at or below the agent's watermark and gone since: deleted, and its tombstone
        // forgotten (pruneTombstones), not lost by a restore (whose losses lie above the revs the
        // backup held, the watermark among them). A copy held alive is answered deleted, as the
        // pull that no longer lists the tombstone would have; one held deleted is in step.
        if (!h.deleted) answer.newer.push({ kind: h.kind, id: h.id, rev: pruned.toString(), deleted: true, data: null })
        continue
      }
      // A delete the phone saw on the server (a rev) is lost too: put back as a tombstone, so a
      // copy of the number another phone re-sends (ifRev '0') finds the delete newer.
      if (!h.deleted || seen > 0n) answer.lost.push({ kind: h.kind, id: h.id, rev: '0', state: 'missing' })
      continue
    }
    const rev = BigInt(row.rev)
    // Written after the phone saw it, but by another phone's reconcile putting back an older copy
    // than this phone saw (both writes lost by the restore): this phone's copy is the later one.
    const putBackOlder = row.seen_rev !== null && BigInt(row.seen_rev) < seen
    if (rev < seen || (rev > seen && putBackOlder)) {
      if (!(h.deleted && row.deleted)) answer.lost.push({ kind: h.kind, id: h.id, rev: row.rev, state: row.deleted ? 'deleted' : 'alive' })
    } else if (rev > seen) {
      answer.newer.push(toChange({ kind: h.kind, id: h.id, rev: row.rev, deleted: row.deleted === true, data: row.data, seen_rev: row.seen_rev }))
    }
  }
  return answer
}

/**
 * The reconcile floor (docs/WORKSPACE_API.md): the lowest rev any start since `since` (server
 * time, ms) found as the database's highest. A phone's record last seen at or below it cannot
 * have been lost by a restore since then; null when there was no start since, so no restore.
 */
export async function reconcileFloor(db: Queryable, since: number): Promise<string | null> {
  const read = async () => {
    const before = beforeSequenceRead(db)
    const [row] = await db.query<{ floor: string | null; sequence: string }>(
      `SELECT (SELECT min(max_rev) FROM workspace_starts WHERE started_at >= $1::bigint)::text AS floor, ${HIGHEST_HANDED_OUT}::text AS sequence`,
      [since],
    )
    return { ...row, before }
  }
  const first = await read()
  // A restore under the running backend: the start it notes is the floor (revisions.ts).
  if (await checkSequence(db, first.before, first.sequence)) return (await read()).floor
  return first.floor
}

/** `deletedAt`: when a delete made this tombstone (its age for pruneTombstones); null for a live record. */
async function writeRecord(tx: Queryable, agent: string, kind: Kind, id: string, deleted: boolean, data: Data | null, seenRev: string | null = null, deletedAt: number | null = null): Promise<string> {
  const rows = await tx.query<{ rev: string }>(
    `INSERT INTO workspace_records (agent, kind, id, rev, deleted, data, seen_rev, deleted_at)
     VALUES ($1, $2, $3, nextval('workspace_rev'), $4, $5::jsonb, $6::bigint, $7::bigint)
     ON CONFLICT (agent, kind, id) DO UPDATE SET rev = EXCLUDED.rev, deleted = EXCLUDED.deleted, data = EXCLUDED.data, seen_rev = EXCLUDED.seen_rev, deleted_at = EXCLUDED.deleted_at
     RETURNING rev::text AS rev`,
    [agent, kind, id, deleted, data === null ? null : JSON.stringify(data), seenRev, deleted ? deletedAt : null],
  )
  noteHandedOut(tx, rows[0].rev)
  return String(rows[0].rev)
}

async function applyOne(tx: Queryable, agent: string, change: Data, now: number, outcomeCodes: Set<string>, totals: Totals): Promise<string | null> {
  for (const key of Object.keys(change)) if (!CHANGE_KEYS.has(key)) reject('UNKNOWN_FIELD')
  const kind = change.kind
  if ((SHARED_KINDS as readonly unknown[]).includes(kind)) reject('READ_ONLY_KIND')
  if (!(AGENT_KINDS as readonly unknown[]).includes(kind)) reject('UNKNOWN_KIND')
  if (typeof change.id !== 'string' || !ID_PATTERN.test(change.id)) reject('INVALID_ID')
  const id = change.id as string
  // The database would refuse it and fail the whole push: refuse this change alone.
  if (hasUnstorableText(change.data)) reject('INVALID_FIELD')
  const rows = await tx.query<{ deleted: boolean; data: Data | null; rev: string }>(
    'SELECT deleted, data, rev::text AS rev FROM workspace_records WHERE agent = $1 AND kind = $2 AND id = $3',
    [agent, kind, id],
  )
  const existing = rows[0] && !rows[0].deleted ? rows[0].data : null
  // A phone's copy put back after a reconcile (docs/WORKSPACE_API.md, Reconcile): only over the
  // version the reconcile found. Anything written since (another phone of the agent) is newer and
  // stands; the phone pulls it.
  if (change.ifRev !== undefined) {
    if (typeof change.ifRev !== 'string' || !REV_PATTERN.test(change.ifRev)) reject('INVALID_FIELD')
    if (BigInt(rows[0]?.rev ?? '0') > BigInt(change.ifRev as string)) reject('SUPERSEDED')
  }
  // The rev the re-sending phone had seen of the record (a reconcile's copy): kept with the write,
  // so a phone that saw a later one is answered lost rather than newer (reconcileRecords).
  if (change.seenRev !== undefined && (typeof change.seenRev !== 'string' || !REV_PATTERN.test(change.seenRev) || change.ifRev === undefined)) reject('INVALID_FIELD')
  const seenRev = (change.seenRev as string | undefined) ?? null
  if (change.op === 'delete') {
    // The business's records: an agent's token had deleted calls from the export (history's
    // "clear" empties the phone's copy only and never sends a delete).
    if (kind === 'call') reject('CALL_RECORD_PERMANENT')
    if (change.data !== undefined) reject('UNKNOWN_FIELD')
    // An id with no record (one a restore lost, or one never here) gets a tombstone all the same:
    // after a restore, a phone that added the number and re-sends it (a reconcile's copy, ifRev
    // '0') must find this delete newer than its copy, not an empty place to write it again.
    // Records are per agent: another agent's id is a tombstone of this agent's, theirs untouched.
    if (rows[0]?.deleted) return null // already a tombstone: nothing changes
    // A live number deleted frees its place; an id with no row is a new row (a tombstone).
    if (rows[0] === undefined) take(totals, { row: true, liveNumber: false })
    else if (kind === 'number') totals.numbers--
    return writeRecord(tx, agent, kind as Kind, id, true, null, seenRev, now)
  }
  if (change.op !== 'upsert') reject('INVALID_FIELD')
  if (!isObject(change.data)) reject('INVALID_FIELD')
  const patch = change.data as Data
  if (kind === 'number') {
    // `a-…` ids are the business's (assignNumbers): the phone never creates one, also not in
    // place of an assigned number it deleted.
    if (existing === null && id.startsWith(ASSIGNED_ID_PREFIX)) reject('ASSIGNED_READONLY')
    const number = mergeNumber(existing, patch, now)
    // `+8613900139003` and `13900139003` are one phone: listed twice it would be called twice.
    const spellings = samePhoneSpellings(number.number as string) // mergeNumber validated it
    const holder = await liveNumberHolder(tx, agent, spellings, id)
    if (holder) {
      // An add (no live record under this id) of a phone another phone of the agent's added
      // first: the phone drops its copy, so its remark is kept in the entry that stays, with a
      // new rev so every phone pulls it. A refused edit is the agent's own entry shown again.
      const remark = existing === null ? mergedRemark(holder.data.remark, number.remark as string, spellings) : null
      if (remark === null) return reject('DUPLICATE_NUMBER')
      await writeRecord(tx, agent, 'number', holder.id, false, { ...holder.data, remark })
      throw new Rejected('DUPLICATE_NUMBER', true)
    }
    // An add (a new id, or a tombstone revived) is one more live number; an edit never counts.
    if (existing === null) take(totals, { row: rows[0] === undefined, liveNumber: true })
    return writeRecord(tx, agent, 'number', id, false, number, seenRev)
  }
  const call = mergeCall(existing, patch, now, outcomeCodes)
  if (rows[0] === undefined) take(totals, { row: true, liveNumber: false })
  return writeRecord(tx, agent, 'call', id, false, call, seenRev)
}

/**
 * Whether one of these spellings is a live number of the agent's (other than record `exceptId`).
 * One equality per spelling on the unique `workspace_live_numbers` index, whatever the table's
 * statistics: `= ANY(spellings)` was planned as a scan of all the agent's records where none had
 * been collected (PGlite never runs ANALYZE), 6–10 s per 500-number push at 16,000 numbers,
 * holding every other request of the backend meanwhile.
 */
async function liveNumberTaken(tx: Queryable, agent: string, spellings: string[], exceptId: string): Promise<boolean> {
  return (await liveNumberHolder(tx, agent, spellings, exceptId)) !== null
}

/** The agent's live number record holding one of these spellings (other than `exceptId`), or null. */
async function liveNumberHolder(tx: Queryable, agent: string, spellings: string[], exceptId: string): Promise<{ id: string; data: Data } | null> {
  if (spellings.length === 0) return null
  const rows = await tx.query<{ id: string; data: Data }>(liveNumberQuery(spellings.length), [agent, exceptId, ...spellings])
  return rows[0] ?? null
}

/** The statement of `liveNumberHolder` for `count` spellings: $1 agent, $2 the record to skip, $3… spellings. */
export function liveNumberQuery(count: number): string {
  const branches = Array.from({ length: count }, (_, i) => `(SELECT id, data FROM workspace_records WHERE agent = $1 AND kind = 'number' AND NOT deleted AND data->>'number' = $${i + 3} AND id <> $2)`)
  return `${branches.join(' UNION ALL ')} LIMIT 1`
}

/** A change id is remembered this long: a phone repeats a push whose answer it lost within minutes. */
export const CHANGE_MEMORY_MS = 30 * DAY
/** Old change ids forgotten per maintenance run, so one run never holds the database long. */
const PRUNE_BATCH = 5_000

/** The changes the agent pushed in the 24 hours before `now` (refused ones too: each cost a row). */
export async function changesInLastDay(db: Queryable, agent: string, now: number): Promise<number> {
  const rows = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM workspace_changes WHERE agent = $1 AND received_at > $2', [agent, now - DAY])
  return Number(rows[0]?.n ?? 0)
}

/** Forgets up to PRUNE_BATCH change ids older than CHANGE_MEMORY_MS; returns how many. */
export async function pruneChangeIds(db: Queryable, now: number): Promise<number> {
  const rows = await db.query(
    `DELETE FROM workspace_changes WHERE (agent, change_id) IN (
       SELECT agent, change_id FROM workspace_changes WHERE received_at < $1 LIMIT ${PRUNE_BATCH}) RETURNING 1`,
    [now - CHANGE_MEMORY_MS],
  )
  return rows.length
}

/** Tombstones forgotten per transaction: each holds the write lock (every push waits) this long only. */
export const TOMBSTONE_PRUNE_BATCH = 1_000
/** Batches per maintenance run: up to 5,000 a minute, with other writes let in between them. */
export const TOMBSTONE_PRUNE_ROUNDS = 5

/**
 * Forgets up to `batch` of the agents' tombstones deleted before `now - keepMs` (oldest first),
 * and raises each agent's watermark (`workspace_pruned`) to the highest rev it forgot, in one
 * transaction under the write lock: no push lands between the two, and a pull sees both or
 * neither. Up to `batch` tombstones without a time (from before migration 11, or an operator's SQL)
 * are stamped `now` first, so they go a horizon later. The agents' totals follow in the same
 * statement (a forgotten tombstone is one record less). The business's shared records ('') are never
 * forgotten: every agent pulls them, and no watermark of one agent covers them.
 */
export async function pruneTombstones(db: Database, now: number, keepMs: number, batch = TOMBSTONE_PRUNE_BATCH): Promise<{ forgotten: number; stamped: number }> {
  return db.transaction(async (tx) => {
    await lockWorkspaceWrites(tx)
    // By the rows' own addresses (ctid, a TID scan): `(agent, kind, id) IN (…)` was planned as a
    // hash join over a scan of the whole table, a batch 4.3x (PGlite) and 6.9x (PostgreSQL) slower
    // among 200,000 records than among 23,000 (bench/tombstones.ts (a); now about 1x).
    const stamped = await tx.query(
      `UPDATE workspace_records SET deleted_at = $1 WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM workspace_records WHERE deleted AND deleted_at IS NULL AND agent <> '' LIMIT $2)) RETURNING 1`,
      [now, batch],
    )
    // The batch counts its agents' totals itself, once per agent (a tombstone is one record and
    // no live number): the triggers' call per row made a batch 20-40x slower on PGlite. Local to
    // this transaction (nothing of it runs after the batch), so it ends with the commit.
    await tx.query(`SELECT set_config('tccc.totals_by_push', 'on', true)`)
    const rows = await tx.query<{ n: string | number }>(
      `WITH gone AS (
         DELETE FROM workspace_records WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM workspace_records WHERE deleted AND deleted_at < $1 AND agent <> '' ORDER BY deleted_at LIMIT $2))
         RETURNING agent, rev),
       per_agent AS (SELECT agent, count(*) AS n, max(rev) AS top FROM gone GROUP BY agent),
       counted AS (
         UPDATE workspace_totals t SET records = t.records - per_agent.n FROM per_agent WHERE t.agent = per_agent.agent RETURNING 1),
       marked AS (
         INSERT INTO workspace_pruned AS p (agent, rev) SELECT agent, top FROM per_agent
         ON CONFLICT (agent) DO UPDATE SET rev = GREATEST(p.rev, EXCLUDED.rev) RETURNING 1)
       SELECT coalesce(sum(n), 0) AS n FROM per_agent`,
      [now - keepMs, batch],
    )
    return { forgotten: Number(rows[0]?.n ?? 0), stamped: stamped.length }
  })
}

/** The maintenance's share: up to TOMBSTONE_PRUNE_ROUNDS batches, each its own transaction; how many went. */
export async function forgetOldTombstones(db: Database, now: number, keepMs: number, { batch = TOMBSTONE_PRUNE_BATCH, rounds = TOMBSTONE_PRUNE_ROUNDS } = {}): Promise<number> {
  let total = 0
  for (let round = 0; round < rounds; round++) {
    const { forgotten, stamped } = await pruneTombstones(db, now, keepMs, batch)
    total += forgotten
    if (forgotten < batch && stamped < batch) break
  }
  return total
}

/** The agent's watermark: the highest rev of a tombstone of theirs forgotten ('0': none). */
export async function prunedRev(db: Queryable, agent: string): Promise<string> {
  const rows = await db.query<{ rev: string }>('SELECT rev::text AS rev FROM workspace_pruned WHERE agent = $1', [agent])
  return rows[0]?.rev ?? '0'
}

/** TCCC's detail of a call, as the backend attaches it to the agent's call record. */
export interface CallDetail {
  tcccDurationSec: number
  recordingUrl: string | null
  tcccEndStatus: string
}

/**
 * Attaches the detail to the agent's own call record (a new rev, so it reaches every phone at
 * its next pull). Null when the record is gone or no longer has this session id.
 */
export async function attachCallDetail(db: Database, agent: string, id: string, sessionId: string, detail: CallDetail, now: number, requestSession?: string): Promise<PulledChange | null> {
  return revisionWrite(db, async (tx) => {
    await lockWorkspaceWrites(tx)
    await checkSessionLive(tx, requestSession)
    const rows = await tx.query<{ data: Data | null }>(
      `SELECT data FROM workspace_records WHERE agent = $1 AND kind = 'call' AND id = $2 AND NOT deleted`,
      [agent, id],
    )
    const data = rows[0]?.data
    if (!data || data.sessionId !== sessionId) return null
    const next: Data = { ...data, ...detail, detailAt: now }
    const rev = await writeRecord(tx, agent, 'call', id, false, next)
    return { kind: 'call', id, rev, deleted: false, data: next }
  })
}

/** Applies a validated envelope's changes in one transaction (all recorded, or none on a crash). */
/** `requestSession`: the access token's session, checked once the write has its turn (SessionEndedError). */
/** `caps`: what the agent may store; a change that would go over one is `QUOTA_EXCEEDED` alone. */
export async function pushChanges(db: Database, agent: string, changes: unknown[], now: number, requestSession?: string, caps: WorkspaceCaps = DEFAULT_WORKSPACE_CAPS): Promise<ChangeResult[]> {
  return revisionWrite(db, async (tx) => {
    await lockWorkspaceWrites(tx)
    await checkSessionLive(tx, requestSession)
    // After the lock: every earlier writer has committed, and no later one starts before this ends.
    const totals = await readTotals(tx, agent, caps)
    const outcomeCodes = new Set(
      (await tx.query<{ id: string }>(`SELECT id FROM workspace_records WHERE agent = '' AND kind = 'outcome' AND NOT deleted`)).map((r) => r.id),
    )
    const results: ChangeResult[] = []
    for (const raw of changes) {
      const change = isObject(raw) ? raw : {}
      const changeId = typeof change.changeId === 'string' ? change.changeId : ''
      if (!ID_PATTERN.test(changeId)) {
        results.push({ changeId, status: 'rejected', reason: 'INVALID_ID' })
        continue
      }
      const seen = await tx.query('SELECT 1 FROM workspace_changes WHERE agent = $1 AND change_id = $2', [agent, changeId])
      if (seen.length > 0) {
        results.push({ changeId, status: 'duplicate' })
        continue
      }
      let result: ChangeResult
      try {
        if (!isObject(raw)) reject('INVALID_FIELD')
        const rev = await applyOne(tx, agent, change, now, outcomeCodes, totals)
        result = rev === null ? { changeId, status: 'applied' } : { changeId, status: 'applied', rev }
      } catch (err) {
        if (!(err instanceof Rejected)) throw err
        result = { changeId, status: 'rejected', reason: err.reason }
        if (err.merged) result.merged = true
        if (err.quota !== undefined) result.quota = err.quota
      }
      await tx.query('INSERT INTO workspace_changes (agent, change_id, status, received_at) VALUES ($1, $2, $3, $4)', [agent, changeId, result.status, now])
      results.push(result)
    }
    await writeTotals(tx, agent, totals)
    return results
  })
}

/**
 * Empties an agent's workspace: every live number and call becomes a tombstone (phones drop them
 * at their next pull, `export-calls` no longer lists the calls). For development backends only
 * (`POST /api/admin/workspace/clear`, mock mode): a phone can never delete a call record.
 */
export async function clearAgentWorkspace(db: Database, agent: string, now?: number): Promise<{ numbers: number; calls: number }> {
  return revisionWrite(db, async (tx) => {
    await lockWorkspaceWrites(tx)
    const rows = await tx.query<{ kind: Kind; rev: string }>(
      `UPDATE workspace_records SET rev = nextval('workspace_rev'), deleted = true, data = NULL, deleted_at = $2::bigint
        WHERE agent = $1 AND kind IN ('number', 'call') AND NOT deleted RETURNING kind, rev::text AS rev`,
      [agent, now ?? null],
    )
    // One statement hands out many revs, returned in no set order: noted lowest first.
    for (const rev of rows.map((r) => BigInt(r.rev)).sort((a, b) => (a < b ? -1 : 1))) noteHandedOut(tx, rev.toString())
    return { numbers: rows.filter((r) => r.kind === 'number').length, calls: rows.filter((r) => r.kind === 'call').length }
  })
}

export interface AssignReport {
  added: number
  duplicate: number
  invalid: { line: number; reason: string }[]
}

/**
 * The business hands numbers to an agent: server ids, source `assigned`, skipping numbers they
 * have. Lines are checked in file order (of two spellings of one phone the first is kept) and
 * written last line first: a phone shows each pulled block newest first, so the file's first line
 * is on top of the agent's list and first in "call next" (written in file order, it was last).
 */
export async function assignNumbers(
  db: Database,
  agent: string,
  lines: { line: number; number: string; remark: string }[],
  now: number,
): Promise<AssignReport> {
  return revisionWrite(db, async (tx) => {
    await lockWorkspaceWrites(tx)
    const report: AssignReport = { added: 0, duplicate: 0, invalid: [] }
    const kept: { number: string; remark: string }[] = []
    /** National forms kept from this file so far. */
    const taken = new Set<string>()
    for (const entry of lines) {
      const number = validateListNumber(entry.number)
      if (!number.ok) {
        report.invalid.push({ line: entry.line, reason: number.reason })
        continue
      }
      const remark = validateRemark(entry.remark, number.value)
      if (!remark.ok) {
        report.invalid.push({ line: entry.line, reason: remark.reason })
        continue
      }
      const phone = nationalForm(number.value)
      if (taken.has(phone) || (await liveNumberTaken(tx, agent, samePhoneSpellings(number.value), ''))) {
        report.duplicate++
        continue
      }
      taken.add(phone)
      kept.push({ number: number.value, remark: remark.value })
    }
    for (let i = kept.length - 1; i >= 0; i--) {
      await writeRecord(tx, agent, 'number', `${ASSIGNED_ID_PREFIX}${randomUUID()}`, false, { number: kept[i].number, remark: kept[i].remark, source: 'assigned', createdAt: now })
    }
    report.added = kept.length
    return report
  })
}

export const CALL_CSV_HEADER = 'id,agent,number,remark,direction,started_at,answered_at,ended_at,duration_s,end_reason,outcome,note,callback_at'

export function csvField(value: unknown): string {
  if (value === undefined || value === null) return ''
  const text = String(value)
  // Quote when needed. A leading = + - @, tab or carriage return (OWASP's CSV-injection list) is
  // prefixed so spreadsheets show it as text; a signed phone number or amount stays as it is, but
  // only when that is all the text holds (`-2+3+cmd|…` starts like a number and is a formula).
  const safe = /^[=+\-@\t\r]/.test(text) && !/^[+-]?\d[\d .()-]*$/.test(text) ? `'${text}` : text
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

const iso = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString() : '')

/** Call records as CSV lines (header first), oldest first. */
/** Rows read per page of an export: the whole table never sits in memory at once. */
export const EXPORT_PAGE = 2_000

/**
 * The CSV lines of the call records (header first), a page at a time in start-time order. Each
 * page is its own statement that starts after the last row of the one before, so no transaction
 * is held open while a slow reader takes them (on PGlite that would hold every other request),
 * and memory stays one page whatever the history: 83,000 calls built as one string had taken the
 * backend from 585 MB to 1.9 GB and held `/healthz` 7.8 s.
 */
export async function* exportCallPages(db: Database, options: { agent?: string; since?: number }, pageSize = EXPORT_PAGE): AsyncGenerator<string[]> {
  yield [CALL_CSV_HEADER]
  let after: { startedAt: string; agent: string; id: string } | null = null
  for (;;) {
    // Only the conditions that apply, so each page is a range of `workspace_calls_by_start`
    // (migration 4) rather than a sort of every call ("$n IS NULL OR …" defeats the index).
    const params: unknown[] = [options.since ?? 0, pageSize]
    const where = [`kind = 'call'`, 'NOT deleted', `(data->>'startedAt')::bigint >= $1`]
    if (options.agent !== undefined) where.push(`agent = $${params.push(options.agent)}`)
    if (after) where.push(`((data->>'startedAt')::bigint, agent, id) > ($${params.push(after.startedAt)}::bigint, $${params.push(after.agent)}, $${params.push(after.id)})`)
    const rows = await db.transaction(async (tx) => {
      // Walk the index in order even without table statistics (PGlite collects none): planned
      // blind, each page had sorted every later call, 23 s for 83,000 calls instead of ~4.
      await tx.exec('SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off')
      return tx.query<{ agent: string; id: string; started: string; data: Data }>(
        `SELECT agent, id, (data->>'startedAt')::bigint AS started, data FROM workspace_records
          WHERE ${where.join(' AND ')}
          ORDER BY (data->>'startedAt')::bigint, agent, id
          LIMIT $2`,
        params,
      )
    })
    if (rows.length === 0) return
    yield rows.map(({ agent, id, data: d }) =>
      [id, agent, d.number, d.remark, d.direction, iso(d.startedAt), iso(d.answeredAt), iso(d.endedAt), d.durationSec, d.endReason, d.disposition, d.note, iso(d.callbackAt)]
        .map(csvField)
        .join(','),
    )
    if (rows.length < pageSize) return
    const last = rows[rows.length - 1]
    after = { startedAt: String(last.started), agent: last.agent, id: last.id }
  }
}

/** Every line of the export at once (tests and small exports; the CLI and the route stream it). */
export async function exportCalls(db: Database, options: { agent?: string; since?: number }, pageSize = EXPORT_PAGE): Promise<string[]> {
  const lines: string[] = []
  for await (const page of exportCallPages(db, options, pageSize)) lines.push(...page)
  return lines
}

