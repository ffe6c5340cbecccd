/**
 * Sessions: every access token names one row (its jti). Logout, a password change and agent
 * removal set ended_at, which every instance sees at its next request. The check is one
 * primary-key lookup joined to the agent, so its cost does not grow with history; requests
 * check through sessionCache.ts, which skips it where that cannot hide a revocation.
 */
import type { AgentRecord } from '../agents'
import type { Database, Queryable } from './driver'

export async function startSession(db: Queryable, session: { id: string; userId: string; issuedAt: number; expiresAt: number }): Promise<void> {
  await db.query('INSERT INTO sessions (id, user_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)', [
    session.id,
    session.userId,
    session.issuedAt,
    session.expiresAt,
  ])
}

/**
 * A sign-in's session, started only if the agent is still the one whose password was checked
 * (same username, seat and password hash), with that row share-locked until the session is in:
 * a password change or a removal that came during the check, or the seat given to someone else,
 * leaves no session behind (a removal or change that comes after ends it, as it ends the others).
 * False when the agent changed meanwhile.
 */
export async function startSessionIfUnchanged(
  db: Database,
  session: { id: string; userId: string; issuedAt: number; expiresAt: number },
  checked: { usernameKey: string; passwordHash: string },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx.query('SELECT 1 FROM agents WHERE username_key = $1 AND user_id = $2 AND password_hash = $3 FOR SHARE', [
      checked.usernameKey,
      session.userId,
      checked.passwordHash,
    ])
    if (rows.length === 0) return false
    await startSession(tx, session)
    return true
  })
}

export type SessionLookup = { state: 'live'; agent: AgentRecord } | { state: 'ended' } | { state: 'unknown' }

/** `unknown` also when the agent is gone (removed from the directory). */
export async function lookupSession(db: Queryable, id: string): Promise<SessionLookup> {
  const rows = await db.query<{ ended_at: number | null; username: string; user_id: string; password_hash: string }>(
    `SELECT s.ended_at, a.username, a.user_id, a.password_hash
       FROM sessions s JOIN agents a ON a.user_id = s.user_id
      WHERE s.id = $1`,
    [id],
    { name: 'lookup_session' },
  )
  const row = rows[0]
  if (!row) return { state: 'unknown' }
  if (row.ended_at !== null) return { state: 'ended' }
  return { state: 'live', agent: { username: row.username, userId: row.user_id, passwordHash: row.password_hash } }
}

/** Several sessions in one statement (the batched check on PostgreSQL); every id gets an answer. */
export async function lookupSessions(db: Queryable, ids: readonly string[]): Promise<Map<string, SessionLookup>> {
  const rows = await db.query<{ id: string; ended_at: number | null; username: string; user_id: string; password_hash: string }>(
    `SELECT s.id, s.ended_at, a.username, a.user_id, a.password_hash
       FROM sessions s JOIN agents a ON a.user_id = s.user_id
      WHERE s.id = ANY($1::text[])`,
    [ids],
    { name: 'lookup_sessions' },
  )
  const found = new Map<string, SessionLookup>(ids.map((id) => [id, { state: 'unknown' }]))
  for (const row of rows) {
    found.set(row.id, row.ended_at !== null ? { state: 'ended' } : { state: 'live', agent: { username: row.username, userId: row.user_id, passwordHash: row.password_hash } })
  }
  return found
}

export async function endSession(db: Queryable, id: string, now: number): Promise<void> {
  await db.query('UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL', [id, now])
}

/** Drops sessions that expired more than a day ago (their tokens are refused on expiry anyway). */
export async function pruneSessions(db: Queryable, now: number): Promise<void> {
  await db.query('DELETE FROM sessions WHERE expires_at < $1', [now - 86_400_000])
}
