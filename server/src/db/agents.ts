/**
 * The agent directory in the database: who may sign in and which TCCC seat (userId) each login
 * maps to. Usernames are unique case-insensitively and each seat belongs to one agent (SQL
 * constraints, so concurrent add-agent runs cannot lose or double anything).
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { normaliseUsername, parseAgentsJson, type AgentRecord } from '../agents'
import type { Queryable } from './driver'
import { forgetSignInFailures } from './signInFailures'
import { lockWorkspaceWrites } from './workspace'

/** The two published development accounts: seeded in mock mode, never present in real mode. */
export const DEVELOPMENT_ACCOUNTS: readonly AgentRecord[] = [
  {
    username: 'agent1@example.com',
    userId: 'agent1@example.com',
    passwordHash: 'scrypt$16384$8$1$5lFZeQRHt6rEWGP5M5DeBw$LaC3vrZKaiFPNDQ3Ty6WVXdqt59bqW0bStaF9p9TSwA',
  },
  {
    username: 'agent2@example.com',
    userId: 'agent2@example.com',
    passwordHash: 'scrypt$16384$8$1$u7vR8lrQJa14ZfzzSfFImw$McXOMROVfgrrq4uhHkU1K5TIjPg-nGNHow1iVWWBVEs',
  },
]
const DEVELOPMENT_KEYS = DEVELOPMENT_ACCOUNTS.map((a) => normaliseUsername(a.username))

export class AgentConflictError extends Error {
  override name = 'AgentConflictError'
}

interface AgentRow {
  username: string
  user_id: string
  password_hash: string
}
const toRecord = (r: AgentRow): AgentRecord => ({ username: r.username, userId: r.user_id, passwordHash: r.password_hash })

/**
 * Which workspace a phone's cache of this agent belongs to. It changes when the agent row is made
 * again (removed and added, or the seat given to someone else), never on a password change or a
 * move to another seat (the workspace moves with the agent): a phone that finds another id beside
 * its cache of the seat drops that cache, so the next agent on the seat never sees the last one's
 * numbers nor pushes their unsent changes. Derived from the row, so there is nothing to migrate.
 */
export function workspaceIdOf(usernameKey: string, createdAt: number): string {
  return createHash('sha256').update(`${usernameKey}\n${createdAt}`).digest('base64url').slice(0, 22)
}

/** The agent signing in, with their workspace id. */
export async function findAgentByUsername(db: Queryable, username: string): Promise<(AgentRecord & { workspaceId: string }) | null> {
  const key = normaliseUsername(username)
  const rows = await db.query<AgentRow & { created_at: number }>('SELECT username, user_id, password_hash, created_at FROM agents WHERE username_key = $1', [key])
  return rows[0] ? { ...toRecord(rows[0]), workspaceId: workspaceIdOf(key, Number(rows[0].created_at)) } : null
}

export async function findAgentByUserId(db: Queryable, userId: string): Promise<AgentRecord | null> {
  const rows = await db.query<AgentRow>('SELECT username, user_id, password_hash FROM agents WHERE user_id = $1', [userId])
  return rows[0] ? toRecord(rows[0]) : null
}

export async function countAgents(db: Queryable): Promise<number> {
  return Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM agents'))[0].n)
}

/**
 * Adds an agent, or with `replace` changes an existing one's seat/password (ending its sessions:
 * a changed password signs every phone out). Throws AgentConflictError naming the clash.
 */
export async function putAgent(db: Queryable, agent: AgentRecord, options: { replace: boolean; now: number }): Promise<'added' | 'replaced'> {
  const key = normaliseUsername(agent.username)
  // Seats are compared without case, as phones key their caches (`agentKeyOf`): AGENT1@… beside
  // agent1@… would share one phone cache.
  const seat = await db.query<{ username: string; username_key: string; user_id: string }>('SELECT username, username_key, user_id FROM agents WHERE lower(user_id) = lower($1)', [agent.userId])
  const taken = seat.find((row) => row.username_key !== key)
  if (taken) throw new AgentConflictError(`TCCC userId ${agent.userId} already belongs to ${taken.username}${taken.user_id === agent.userId ? '' : ` (as ${taken.user_id}; seats are compared without case)`}`)
  const inserted = await db.query(
    `INSERT INTO agents (username_key, username, user_id, password_hash, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (username_key) DO NOTHING RETURNING username_key`,
    [key, agent.username.trim(), agent.userId, agent.passwordHash, options.now],
  ).catch((err: unknown) => {
    // Lost a race for the seat against another add-agent between the check and the insert.
    if ((err as { code?: string }).code === '23505') throw new AgentConflictError(`TCCC userId ${agent.userId} is already taken`)
    throw err
  })
  if (inserted.length > 0) {
    // A sign-in that was under way as the username's previous agent was removed can land after
    // the removal: the new agent inherits neither its address nor its failure.
    await forgetKnownAddresses(db, key)
    await forgetSignInFailures(db, key)
    return 'added'
  }
  if (!options.replace) throw new AgentConflictError(`${agent.username} already exists (use --replace to change it)`)
  const old = await db.query<{ user_id: string; password_hash: string }>('SELECT user_id, password_hash FROM agents WHERE username_key = $1 FOR UPDATE', [key])
  // Another instance removed the agent since the insert found the name taken: the UPDATE would
  // change nothing, so add it again (the operator asked for this agent to exist).
  if (!old[0]) return putAgent(db, agent, options)
  await db.query('UPDATE agents SET username = $2, user_id = $3, password_hash = $4, updated_at = $5 WHERE username_key = $1', [
    key,
    agent.username.trim(),
    agent.userId,
    agent.passwordHash,
    options.now,
  ])
  await endSessionsOf(db, old[0].user_id, options.now)
  // A new password (perhaps because the old one leaked): the addresses that signed in with the old
  // one are no longer the agent's, so they lose their pass through the per-username cap.
  if (old[0].password_hash !== agent.passwordHash) await forgetKnownAddresses(db, key)
  // The person moved to another seat: their workspace goes with them (it is kept per seat).
  if (old[0].user_id !== agent.userId) await moveWorkspace(db, old[0].user_id, agent.userId, options.now)
  return 'replaced'
}

/**
 * Removes an agent and ends all their sessions at once. Their workspace (numbers, calls, notes)
 * is set aside under `removed:<seat>:<time>`: kept for the business (export-calls lists it), but
 * out of reach of whoever gets the seat next.
 */
export async function removeAgent(db: Queryable, username: string, now: number): Promise<boolean> {
  const rows = await db.query<{ user_id: string }>('DELETE FROM agents WHERE username_key = $1 RETURNING user_id', [normaliseUsername(username)])
  if (!rows[0]) return false
  await endSessionsOf(db, rows[0].user_id, now)
  // Whoever is given this username next inherits neither the addresses it signed in from nor its failed sign-ins.
  await forgetKnownAddresses(db, normaliseUsername(username))
  await forgetSignInFailures(db, normaliseUsername(username))
  await moveWorkspace(db, rows[0].user_id, `removed:${rows[0].user_id}:${now}`, now)
  return true
}

/** Re-keys a seat's workspace; when the new seat already has records, the old ones are set aside instead. */
async function moveWorkspace(db: Queryable, from: string, to: string, now: number): Promise<void> {
  // After any write under way (a push the leaver's phone sent just before): it lands, then moves
  // with the rest; a write that waits checks its session, which this transaction ended.
  await lockWorkspaceWrites(db)
  const taken = await db.query('SELECT 1 FROM workspace_records WHERE agent = $1 LIMIT 1', [to])
  const target = taken.length > 0 ? `removed:${from}:${now}` : to
  await db.query('UPDATE workspace_records SET agent = $2 WHERE agent = $1', [from, target])
  await db.query('UPDATE workspace_changes SET agent = $2 WHERE agent = $1', [from, target])
  // The watermark goes with the records: the phones moving with them hold cursors of this feed.
  await db.query(
    `INSERT INTO workspace_pruned AS p (agent, rev) SELECT $2, rev FROM workspace_pruned WHERE agent = $1
     ON CONFLICT (agent) DO UPDATE SET rev = GREATEST(p.rev, EXCLUDED.rev)`,
    [from, target],
  )
  await db.query('DELETE FROM workspace_pruned WHERE agent = $1', [from])
}

/** The addresses a username signed in from (spared by the per-username cap, loginLimits.ts). */
async function forgetKnownAddresses(db: Queryable, usernameKey: string): Promise<void> {
  await db.query('DELETE FROM login_known_addresses WHERE username_key = $1', [usernameKey])
}

export async function endSessionsOf(db: Queryable, userId: string, now: number): Promise<void> {
  await db.query('UPDATE sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL', [userId, now])
}

/** Mock mode: the development accounts exist (added when missing, never overwritten). */
export async function seedDevelopmentAccounts(db: Queryable, now: number): Promise<void> {
  for (const agent of DEVELOPMENT_ACCOUNTS) {
    await db.query(
      `INSERT INTO agents (username_key, username, user_id, password_hash, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING`,
      [normaliseUsername(agent.username), agent.username, agent.userId, agent.passwordHash, now],
    )
  }
}

/** Real mode: the published development accounts must not sign in; returns how many were removed. */
export async function removeDevelopmentAccounts(db: Queryable, now: number): Promise<number> {
  let removed = 0
  for (const key of DEVELOPMENT_KEYS) if (await removeAgent(db, key, now)) removed++
  return removed
}

export interface ImportReport {
  file: string
  added: string[]
  alreadyPresent: string[]
  skipped: { username: string; reason: string }[]
}

export class AgentStoreError extends Error {
  override name = 'AgentStoreError'
}

/** Reads an agents file for import; throws AgentStoreError saying exactly what is wrong. */
export function readAgentsFileStrict(file: string): { agents: AgentRecord[]; digest: string } {
  let text: string
  try {
    if (statSync(file).isDirectory()) throw new AgentStoreError(`${file} is a directory, not an agents file`)
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if (err instanceof AgentStoreError) throw err
    throw new AgentStoreError(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).name})`)
  }
  return { agents: parseAgentsJson(text, file), digest: createHash('sha256').update(text).digest('hex') }
}

/**
 * Imports an agents file into the database once (remembered per absolute path in `meta`).
 * Returns null when it was imported before or (for the default file) does not exist.
 * `required` (AGENTS_FILE set explicitly): a missing file is an error, not "no agents".
 */
export async function importAgentsFileOnce(
  db: Queryable,
  file: string,
  options: { required: boolean; skipDevelopmentAccounts: boolean; now: number },
): Promise<ImportReport | null> {
  const absolute = path.resolve(file)
  if (!existsSync(absolute)) {
    if (options.required) throw new AgentStoreError(`AGENTS_FILE ${absolute} does not exist`)
    return null
  }
  const { agents } = readAgentsFileStrict(absolute)
  const marker = `agents-file-imported:${absolute}`
  const claimed = await db.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING key', [marker, new Date(options.now).toISOString()])
  if (claimed.length === 0) return null
  const report: ImportReport = { file: absolute, added: [], alreadyPresent: [], skipped: [] }
  for (const agent of agents) {
    if (options.skipDevelopmentAccounts && DEVELOPMENT_KEYS.includes(normaliseUsername(agent.username))) {
      report.skipped.push({ username: agent.username, reason: 'development account (real mode)' })
      continue
    }
    try {
      await putAgent(db, agent, { replace: false, now: options.now })
      report.added.push(agent.username)
    } catch (err) {
      if (!(err instanceof AgentConflictError)) throw err
      if (/already exists/.test(err.message)) report.alreadyPresent.push(agent.username)
      else report.skipped.push({ username: agent.username, reason: err.message })
    }
  }
  return report
}

export function formatImportReport(r: ImportReport): string {
  const skipped = r.skipped.map((s) => `${s.username}: ${s.reason}`).join('; ')
  return (
    `Imported agents from ${r.file}: ${r.added.length} added, ${r.alreadyPresent.length} already present, ` +
    `${r.skipped.length} skipped${skipped ? ` (${skipped})` : ''}. The database is the agent directory from now on.`
  )
}
