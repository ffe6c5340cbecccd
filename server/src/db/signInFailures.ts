/**
 * Failed sign-ins against an agent's username, told to the agent at their next successful
 * sign-in (the login response's `signInFailures`): how many password checks failed since their
 * last successful sign-in, when the last one was, and whether failures filled a limit of the
 * username meanwhile (which then held it). Nothing secret is kept: the time and the client address as the limits count
 * it (`limitAddress`), never a password tried.
 *
 * Bounded: per agent one report row and the newest FAILURES_KEPT failures; both pruned by age
 * (FAILURES_KEEP_MS) in the minute's maintenance, and forgotten when the agent is removed. A
 * username without an agent stores nothing of its own, whatever an attacker tries: its failure
 * does the same writes into one of DECOYS rows no sign-in reads, so neither the answer nor its
 * time (a commit that writes waits for the disk; one that only reads does not) tells which exist.
 */
import { randomInt } from 'node:crypto'
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
  /** Failed checks filled a limit of the username (at one address, or across addresses). */
  locked: boolean
  /** Which report it is (the same until the app confirms it), absent when there is none. */
  id?: string
}

/** Report rows shared by the failures at usernames without an agent (bounded, never told). */
export const DECOYS = 16
/** A leading space: no agent's key has one (`normaliseUsername` trims). */
export const decoyKey = (n: number): string => ` no agent ${n}`

/**
 * A wrong password, or a username without an agent (then into a decoy, without the address).
 * `fills`: this check filled a limit of the username (`Reservation.fills`), which holds it now.
 */
export async function recordFailure(db: Database, usernameKey: string, address: string, now: number, { fills = false }: { fills?: boolean } = {}): Promise<void> {
  await db.transaction(async (tx) => {
    const [agent] = await tx.query<{ username_key: string }>('SELECT username_key FROM agents WHERE username_key = $1', [usernameKey])
    // A random decoy: guesses at many usernames at once do not queue on one row.
    const key = agent ? agent.username_key : decoyKey(randomInt(DECOYS))
    // The report row first: its lock takes one agent's failures one at a time, so the trim below
    // keeps exactly the newest FAILURES_KEPT however many fail at once, on any instance. (A decoy
    // is counted for ever: LEAST keeps its integer from overflowing.)
    await tx.query(
      `INSERT INTO login_failure_reports AS r (username_key, failures, last_failure_at, locked_at, changed_at)
         VALUES ($1, 1, $2, CASE WHEN $3::boolean THEN $2::bigint END, $2)
       ON CONFLICT (username_key) DO UPDATE SET
         failures = LEAST(r.failures, 2147483646) + 1, last_failure_at = GREATEST(r.last_failure_at, $2),
         locked_at = COALESCE(r.locked_at, EXCLUDED.locked_at), changed_at = $2`,
      [key, now, fills],
    )
    await tx.query('INSERT INTO login_failures (username_key, at, address) VALUES ($1, $2, $3)', [key, now, agent ? address : ''])
    await tx.query(
      `DELETE FROM login_failures WHERE username_key = $1
         AND id <= (SELECT id FROM login_failures WHERE username_key = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [key, FAILURES_KEPT],
    )
  })
}

/**
 * At a successful sign-in: the report since the agent's last confirmed one, left in place. It is
 * told at every sign-in (two at once are both told it) until the app confirms it kept it
 * (`confirmFailureReport`): an answer lost on the way (the phone's timeout, a dropped network, the
 * app closed) is told again, and the app counts a report it kept already only once (by its id).
 */
export async function readFailureReport(db: Queryable, usernameKey: string): Promise<SignInFailureReport> {
  const [row] = await db.query<{ report_id: number | string; failures: number; last_failure_at: number | null; locked_at: number | null }>(
    'SELECT report_id, failures, last_failure_at, locked_at FROM login_failure_reports WHERE username_key = $1',
    [usernameKey],
  )
  if (!row) return { failures: 0, lastFailureAt: null, locked: false }
  return {
    failures: Number(row.failures),
    lastFailureAt: row.last_failure_at === null ? null : Number(row.last_failure_at),
    locked: row.locked_at !== null,
    id: String(row.report_id),
  }
}

/**
 * The signed-in agent's app kept the report `id` as it was told it: it is done with. Only when
 * nothing was added since (the count and the lock as told): else the next sign-in tells it again,
 * and the app adds only what is new. True when it was removed.
 */
export async function confirmFailureReport(db: Queryable, userId: string, told: { id: string; failures: number; locked: boolean }): Promise<boolean> {
  const rows = await db.query(
    `DELETE FROM login_failure_reports r USING agents a
       WHERE a.user_id = $1 AND r.username_key = a.username_key
         AND r.report_id = $2 AND r.failures = $3 AND (r.locked_at IS NOT NULL) = $4
     RETURNING r.username_key`,
    [userId, told.id, told.failures, told.locked],
  )
  return rows.length > 0
}

/** The agent was removed: whoever is given the username next inherits none of it. */
export async function forgetSignInFailures(db: Queryable, usernameKey: string): Promise<void> {
  // The report row first, as recordFailure takes them: in the other order a failure under way
  // and the removal each held a row the other waited for (PostgreSQL ended one as a deadlock).
  await db.query('DELETE FROM login_failure_reports WHERE username_key = $1', [usernameKey])
  await db.query('DELETE FROM login_failures WHERE username_key = $1', [usernameKey])
}

export async function pruneSignInFailures(db: Queryable, now: number): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE at <= $1', [now - FAILURES_KEEP_MS])
  await db.query('DELETE FROM login_failure_reports WHERE changed_at <= $1', [now - FAILURES_KEEP_MS])
}

/** One agent's kept failures (the business's view: `sign-in-failures`, GET /api/admin/sign-in-failures). */
export interface AgentSignInFailures {
  username: string
  userId: string
  /** Kept failures since `since` (at most FAILURES_KEPT per agent, none older than FAILURES_KEEP_MS). */
  failures: number
  firstFailureAt: number
  lastFailureAt: number
  /** Where they came from as the limits count it (IPv4, or an IPv6 /64), most failures first. */
  addresses: Array<{ address: string; failures: number }>
  /** A limit of the username held it since the agent's last confirmed report. */
  held: boolean
}

/**
 * Who is failing to sign in, for the business: agents with kept failures since `since` (or one
 * agent by userId, compared without case as seats are), the latest failure first. Read only:
 * the agent's own report (told at their next sign-in) is not touched. Decoys are never listed.
 */
export async function listSignInFailures(db: Queryable, { since = 0, agent }: { since?: number; agent?: string } = {}): Promise<AgentSignInFailures[]> {
  const rows = await db.query<{ username: string; user_id: string; address: string; n: number; first_at: number | string; last_at: number | string; held: boolean }>(
    `SELECT a.username, a.user_id, f.address, count(*)::int AS n, min(f.at) AS first_at, max(f.at) AS last_at,
            bool_or(r.locked_at IS NOT NULL) AS held
       FROM login_failures f
       JOIN agents a ON a.username_key = f.username_key
       LEFT JOIN login_failure_reports r ON r.username_key = f.username_key
      WHERE f.at >= $1 AND ($2::text IS NULL OR lower(a.user_id) = lower($2::text))
      GROUP BY a.username, a.user_id, f.address`,
    [since, agent ?? null],
  )
  const byAgent = new Map<string, AgentSignInFailures>()
  for (const row of rows) {
    const first = Number(row.first_at)
    const last = Number(row.last_at)
    const entry = byAgent.get(row.user_id)
    if (!entry) {
      byAgent.set(row.user_id, { username: row.username, userId: row.user_id, failures: row.n, firstFailureAt: first, lastFailureAt: last, addresses: [{ address: row.address, failures: row.n }], held: row.held })
      continue
    }
    entry.failures += row.n
    entry.firstFailureAt = Math.min(entry.firstFailureAt, first)
    entry.lastFailureAt = Math.max(entry.lastFailureAt, last)
    entry.addresses.push({ address: row.address, failures: row.n })
  }
  const list = [...byAgent.values()]
  for (const entry of list) entry.addresses.sort((a, b) => b.failures - a.failures || a.address.localeCompare(b.address))
  return list.sort((a, b) => b.lastFailureAt - a.lastFailureAt || a.username.localeCompare(b.username))
}
