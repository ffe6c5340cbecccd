/**
 * The workspace revision sequence (`workspace_rev`): the write lock that makes revs commit in
 * order, what a backend start does to it, and how a running backend notices that the database
 * went back to a backup underneath it (a pg_restore while instances keep running) and does the same.
 *
 * How a restore is noticed (docs/WORKSPACE_API.md, Reconcile). Each backend instance (one
 * `Database` handle) remembers the highest rev it has handed out and the highest it has read off
 * the sequence. The sequence never goes back by itself, so finding it below either means a restore:
 * - a write: a rev `nextval` gives at or below that memory (`noteHandedOut`). No statement is
 *   added to a write: the rev it was handed is checked, the transaction rolled back and tried again
 *   after the catch-up, so the wrong rev never commits;
 * - a pull (the sequence read by one statement more, when the phone's cursor lies above the memory
 *   or the instance has not read it for a second; the page's own statement is as before: read in
 *   it on every pull, an empty pull on PGlite ran at 0.77x, bench/revisionCheck.ts): the sequence
 *   below the memory, or below the phone's cursor. A pull answered between two reads is right (a
 *   write still checks every rev it is handed).
 *   A cursor is the phone's word, so it counts only up to the clock in microseconds (what a start
 *   sets the sequence to) and only while the sequence lies more than CURSOR_LAG_US behind the
 *   clock: a made-up cursor moves the sequence at most to the clock, as a start does, and adds at
 *   most one start every CURSOR_LAG_US, while a restored sequence (set at the last start before
 *   the backup, plus the changes since) lies that far behind unless the backup and the restore both
 *   came within that time of a start;
 * - the reconcile check (its floor would otherwise miss the restore) and a check every minute, which
 *   also keeps the memory of an instance that serves little up to date.
 * The catch-up takes the write lock and checks again, so of several instances (or requests) that
 * notice one restore the first moves the sequence on and notes a start, the others find it done.
 * Not caught: an instance that has read nothing off the sequence since the backup was taken (so a
 * backup at most a minute old, with the minute's check) handing out a rev before another instance
 * or a phone's pull notices the restore.
 */
import type { Database, Queryable } from './driver'

const WRITE_LOCK = 0x74636302

/** Every write to workspaces queues here (pushes, assignments, call detail, moving a seat's workspace). */
export async function lockWorkspaceWrites(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK])
}

/**
 * Workspace revisions never go back, even after a backup is restored. Phones keep the last rev
 * they pulled as their cursor; a restored sequence handed out those revs again, and phones skipped
 * the new changes (a lead assigned after the restore never arrived; the phone said "synced").
 * At each start the sequence moves on to the clock in microseconds when it is behind it: changes
 * come far slower than a million a second, so every rev handed out before a backup, and every
 * cursor a phone holds, is below it. It only ever moves forward, by at least a second's worth, so
 * an instance starting beside another that is handing out revs never sets it below one of them.
 */
export async function advanceRevisions(db: Queryable, now: number): Promise<void> {
  await db.query(`SELECT setval('workspace_rev', $1::bigint) FROM workspace_rev WHERE last_value < $1::bigint - 1000000`, [now * 1000])
}

/** Starts remembered; a phone that has not reconciled for longer lists everything it holds. */
export const WORKSPACE_STARTS_KEEP_MS = 400 * 86_400_000

/**
 * Notes this start and the highest rev the database holds now (after a restore: the backup's).
 * Every write a restore lost had a higher rev, so a phone asking for the starts since it last
 * reconciled (`reconcileFloor`) lists only what it saw above the lowest of them.
 */
export async function noteWorkspaceStart(db: Queryable, now: number): Promise<void> {
  await db.query(`INSERT INTO workspace_starts (started_at, max_rev) SELECT $1::bigint, coalesce(max(rev), 0) FROM workspace_records`, [now])
  await db.query(`DELETE FROM workspace_starts WHERE started_at < $1::bigint`, [now - WORKSPACE_STARTS_KEEP_MS])
}

/** A phone's cursor above the sequence is taken for a restore only while the sequence lies this far behind the clock (µs). */
export const CURSOR_LAG_US = 300_000_000n

/** The highest rev the sequence has handed out, as SQL (a fresh sequence has handed out none). */
export const HIGHEST_HANDED_OUT = `(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM workspace_rev)`

interface RevisionWatch {
  /** The highest rev this instance's writes were handed (writes hold the lock: they only go up). */
  handed: bigint
  /** The highest value this instance read off the sequence. */
  read: bigint
  /** A catch-up under way: later requests that notice the same restore wait for it. */
  catchingUp: Promise<boolean> | null
  /** Told when a catch-up moved the sequence on (the backend's log). */
  report: (line: string) => void
  /** The clock the sequence follows (ms). */
  clock: () => number
  /** When a pull last read the sequence (performance.now()). */
  pullReadAt: number
}

const watches = new WeakMap<object, RevisionWatch>()

function watchOf(db: Database): RevisionWatch {
  let watch = watches.get(db)
  if (!watch) {
    watch = { handed: 0n, read: 0n, catchingUp: null, report: () => {}, clock: Date.now, pullReadAt: -Infinity }
    watches.set(db, watch)
  }
  return watch
}

/** The backend's clock and log for this instance's checks (buildServer). */
export function configureRevisionChecks(db: Database, { clock, report }: { clock: () => number; report: (line: string) => void }): void {
  Object.assign(watchOf(db), { clock, report })
}

const larger = (a: bigint, b: bigint): bigint => (a > b ? a : b)

/** Taken before a statement that reads the sequence: what the instance knew to have been handed out, and when. */
export interface SequenceRead {
  known: bigint
  at?: number
}

export function beforeSequenceRead(db: Queryable): SequenceRead {
  const watch = watches.get(db)
  return watch ? { known: larger(watch.handed, watch.read), at: watch.clock() } : { known: 0n }
}

/** A pull reads the sequence at least this often (ms), and whenever the phone's cursor lies above what the instance knows. */
export const PULL_SEQUENCE_READ_MS = 1_000

/** Whether a pull from `cursor` reads the sequence: what to check it against, or null (not this time). */
export function sequenceReadForPull(db: Queryable, cursor: bigint): SequenceRead | null {
  if (!isDatabase(db)) return null
  const watch = watchOf(db)
  const known = larger(watch.handed, watch.read)
  const at = performance.now()
  if (cursor <= known && at - watch.pullReadAt < PULL_SEQUENCE_READ_MS) return null
  watch.pullReadAt = at
  return { known, at: watch.clock() }
}

/**
 * After a statement that read the sequence (`HIGHEST_HANDED_OUT`) as `sequence`: catches up first
 * when the database went back, seen by `known` (beforeSequenceRead) or by a phone's
 * `cursor`. True when it found the database behind (a catch-up, this one's or another's, noted a
 * start meanwhile: the caller reads again what depends on it).
 */
export async function checkSequence(db: Queryable, { known, at: foundAt }: SequenceRead, sequence: string | bigint, cursor?: bigint): Promise<boolean> {
  if (!isDatabase(db)) return false
  const watch = watchOf(db)
  const value = BigInt(sequence)
  watch.read = larger(watch.read, value)
  const now = foundAt ?? watch.clock()
  const clockUs = BigInt(now) * 1000n
  const byCursor = cursor !== undefined && cursor > value && cursor <= clockUs && value < clockUs - CURSOR_LAG_US
  if (value >= known && !byCursor) return false
  await catchUp(db, byCursor ? larger(known, cursor) : known, now)
  return true
}

/** The highest rev the sequence has handed out, read on its own (unnamed: a pull reads it at most about once a second). */
export async function readSequence(db: Queryable): Promise<string> {
  const [row] = await db.query<{ rev: string }>(`SELECT ${HIGHEST_HANDED_OUT}::text AS rev`)
  return row.rev
}

/** The periodic check (and the first read at start): the sequence against what this instance knows; true when it was behind. */
export async function checkRevisions(db: Database): Promise<boolean> {
  const before = beforeSequenceRead(db)
  return checkSequence(db, before, await readSequence(db))
}

const isDatabase = (db: Queryable): db is Database => typeof (db as Partial<Database>).transaction === 'function'

/**
 * What a start does, once: under the write lock, unless someone moved the sequence on since it was
 * found behind (it is then at or past the evidence and the clock when it was found: a restored
 * sequence lies far behind the clock, the changes since a backup are far fewer than a million a
 * second), the start is noted (the highest rev the database holds: the backup's) and the sequence
 * set forward to the clock, and past every rev known to have been handed out. Two instances that
 * find one restore within the same millisecond or so may both note it: the floor is the lower of
 * the two, the same; a start never missed is worth that.
 */
async function catchUp(db: Database, evidence: bigint, foundAt: number): Promise<boolean> {
  const watch = watchOf(db)
  watch.catchingUp ??= db
    .transaction(async (tx) => {
      await lockWorkspaceWrites(tx)
      const [{ rev }] = await tx.query<{ rev: string }>(`SELECT ${HIGHEST_HANDED_OUT}::text AS rev`)
      const sequence = BigInt(rev)
      if (sequence >= evidence && sequence >= BigInt(foundAt) * 1000n) {
        watch.read = larger(watch.read, sequence)
        return false
      }
      const now = watch.clock()
      const target = larger(BigInt(now) * 1000n, evidence + 1n)
      await noteWorkspaceStart(tx, now)
      await tx.query(`SELECT setval('workspace_rev', $1::bigint) FROM workspace_rev WHERE last_value < $1::bigint`, [target.toString()])
      watch.read = larger(watch.read, target)
      watch.report(`workspace revisions had gone back to ${sequence}, below ${evidence} (a restored backup?): moved on to ${target} and noted a start, as a backend start does`)
      return true
    })
    .finally(() => {
      watch.catchingUp = null
    })
  return watch.catchingUp
}

/** Thrown inside a write handed a rev at or below one this instance knows was handed out before. */
class RevisionsWentBack extends Error {
  override name = 'RevisionsWentBack'
  constructor(readonly evidence: bigint) {
    super(`workspace_rev handed out a rev at or below ${evidence}`)
  }
}

const turns = new WeakMap<Queryable, { watch: RevisionWatch; readBefore: bigint }>()

/** Attempts of one write: the first finds the restore, the second runs after the catch-up. */
const WRITE_ATTEMPTS = 3

/**
 * A workspace write transaction (the caller takes the write lock first) whose revs are checked by
 * `noteHandedOut`: when the sequence went back it is rolled back, the catch-up runs, and it is run
 * again, so none of its revs lies at or below one a phone may hold.
 */
export async function revisionWrite<T>(db: Database, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const watch = watchOf(db)
  for (let attempt = 1; ; attempt++) {
    // Read before the transaction: every value read so far lies below any rev it is handed.
    const readBefore = watch.read
    const startedAt = watch.clock()
    try {
      return await db.transaction(async (tx) => {
        turns.set(tx, { watch, readBefore })
        return work(tx)
      })
    } catch (err) {
      if (!(err instanceof RevisionsWentBack) || attempt === WRITE_ATTEMPTS) throw err
      await catchUp(db, err.evidence, startedAt)
    }
  }
}

/** Each rev a write inside `revisionWrite` was handed (`nextval`), before anything else uses it. */
export function noteHandedOut(tx: Queryable, rev: string): void {
  const turn = turns.get(tx)
  if (!turn) return
  const value = BigInt(rev)
  const known = larger(turn.watch.handed, turn.readBefore)
  if (value <= known) throw new RevisionsWentBack(known)
  turn.watch.handed = value
}
