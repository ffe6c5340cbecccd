/**
 * Failed sign-ins against an agent's username, told to the agent at their next successful
 * sign-in (the login response's `signInFailures`): how many password checks failed since their
 * last successful sign-in, when the last one was, and whether a limit of the username refused
 * attempts meanwhile. Nothing secret is kept: the time and the client address as the limits count
 * it (`limitAddress`), never a password tried.
 *
 * Bounded: per agent one report row and the newest FAILURES_KEPT failures; both pruned by age
 * (FAILURES_KEEP_MS) in the minute's maintenance, and forgotten when the agent is removed. A
 * username without an agent stores nothing, whatever an attacker tries, and runs the same
 * statements as one with an agent, so neither the answer nor its time tells which exist.
 */
import type { Database, Queryable } from './driver'

/** Failed checks kept per agent (the report's count goes on past it). */
export const FAILURES_KEPT = 50
/** How long a failure, and a report no sign-in took, are kept. */
export const FAILURES_KEEP_MS = 30 * 86_400_000

/** Since the agent's previous successful sign-in. */
export interface SignInFailureReport {
  failures: number
  /** Epoch ms of the last failed check; null when none. */
  lastFailureAt: number | null
  /** A limit of the username (at one address, or across addresses) refused attempts. */
  locked: boolean
}

/** A wrong password (or a username without an agent: then nothing is stored). */
export async function recordFailure(db: Database, usernameKey: string, address: string, now: number): Promise<void> {
  await db.transaction(async (tx) => {
    // The report row first: its lock takes one agent's failures one at a time, so the trim below
    // keeps exactly the newest FAILURES_KEPT however many fail at once, on any instance.
    await tx.query(
      `INSERT INTO login_failure_reports AS r (username_key, failures, last_failure_at, locked_at, changed_at)
         SELECT username_key, 1, $2, NULL, $2 FROM agents WHERE username_key = $1
       ON CONFLICT (username_key) DO UPDATE SET
         failures = r.failures + 1, last_failure_at = GREATEST(r.last_failure_at, $2), changed_at = $2`,
      [usernameKey, now],
    )
    await tx.query('INSERT INTO login_failures (username_key, at, address) SELECT username_key, $2, $3 FROM agents WHERE username_key = $1', [usernameKey, now, address])
    await tx.query(
      `DELETE FROM login_failures WHERE username_key = $1
         AND id <= (SELECT id FROM login_failures WHERE username_key = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [usernameKey, FAILURES_KEPT],
    )
  })
}

/**
 * A limit of the username refused an attempt. Written once per report (the first refusal), so a
 * flood of refused attempts costs no write each.
 */
export async function recordLocked(db: Queryable, usernameKey: string, now: number): Promise<void> {
  await db.query(
    `INSERT INTO login_failure_reports AS r (username_key, failures, last_failure_at, locked_at, changed_at)
       SELECT username_key, 0, NULL, $2, $2 FROM agents WHERE username_key = $1
     ON CONFLICT (username_key) DO UPDATE SET locked_at = $2, changed_at = $2 WHERE r.locked_at IS NULL`,
    [usernameKey, now],
  )
}

/**
 * At a successful sign-in: the report since the previous one, taken in one statement, so two
 * sign-ins at once (two phones, two instances) never both tell the same failures.
 */
export async function takeFailureReport(db: Queryable, usernameKey: string): Promise<SignInFailureReport> {
  const [row] = await db.query<{ failures: number; last_failure_at: number | null; locked_at: number | null }>(
    'DELETE FROM login_failure_reports WHERE username_key = $1 RETURNING failures, last_failure_at, locked_at',
    [usernameKey],
  )
  if (!row) return { failures: 0, lastFailureAt: null, locked: false }
  return { failures: Number(row.failures), lastFailureAt: row.last_failure_at === null ? null : Number(row.last_failure_at), locked: row.locked_at !== null }
}

/** The agent was removed: whoever is given the username next inherits none of it. */
export async function forgetSignInFailures(db: Queryable, usernameKey: string): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE username_key = $1', [usernameKey])
  await db.query('DELETE FROM login_failure_reports WHERE username_key = $1', [usernameKey])
}

export async function pruneSignInFailures(db: Queryable, now: number): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE at <= $1', [now - FAILURES_KEEP_MS])
  await db.query('DELETE FROM login_failure_reports WHERE changed_at <= $1', [now - FAILURES_KEEP_MS])
}
