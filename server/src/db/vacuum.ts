/**
 * PGlite runs PostgreSQL in single-user mode: no autovacuum. Each rewrite of a record (every
 * pushed edit, wrap-up, call detail) leaves the old row version behind, and without a VACUUM the
 * space is never used again: 2,000 numbers re-saved 30 times grew `workspace_records` from 0.4 to
 * 12.4 MB, against 2.6 MB with a VACUUM every third round (server/README.md). PostgreSQL
 * servers vacuum themselves; this is for the embedded store only.
 */
import type { Database } from './driver'

/** How often the embedded store is vacuumed (a plain VACUUM: the file keeps its size, its free space is reused). */
export const PGLITE_VACUUM_INTERVAL_MS = 10 * 60_000

/**
 * A maintenance step for `db`: on PGlite, a VACUUM once `intervalMs` has passed since the last
 * (or since it was made); nothing on PostgreSQL. Resolves to the milliseconds it took, or null
 * when it did not run.
 */
export function pgliteVacuum(db: Pick<Database, 'driver' | 'exec'>, startedAt: number, intervalMs = PGLITE_VACUUM_INTERVAL_MS): (now: number) => Promise<number | null> {
  let last = startedAt
  return async (now) => {
    if (db.driver !== 'pglite' || now - last < intervalMs) return null
    last = now
    const began = Date.now()
    // Not in a transaction (VACUUM refuses one); PGlite runs it between the queued requests.
    await db.exec('VACUUM')
    return Date.now() - began
  }
}
