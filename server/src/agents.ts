/**
 * The agent directory: who may sign in, and which TCCC seat (userId) each login maps to.
 * Kept in a JSON file holding scrypt hashes only:
 * `{ "agents": [{ "username": "...", "userId": "...", "passwordHash": "scrypt$..." }] }`.
 */
import { readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs'
import { DUMMY_PASSWORD_HASH, isPasswordHash, verifyPassword } from './passwords'

export interface AgentRecord {
  /** The login name, compared case-insensitively. */
  username: string
  /** The TCCC seat account (SeatUserId) this login gets tokens for. */
  userId: string
  passwordHash: string
}

export interface AgentsFile {
  agents: AgentRecord[]
}

export class AgentsFileError extends Error {
  override name = 'AgentsFileError'
}

export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase()
}

function validate(data: unknown, file: string): AgentRecord[] {
  const agents = (data as Partial<AgentsFile> | null)?.agents
  if (!Array.isArray(agents)) throw new AgentsFileError(`${file}: expected {"agents": [...]}`)
  const seen = new Set<string>()
  const seats = new Set<string>()
  return agents.map((entry: unknown, index) => {
    const a = entry as Partial<AgentRecord> | null
    if (!a || typeof a.username !== 'string' || typeof a.userId !== 'string' || typeof a.passwordHash !== 'string') {
      throw new AgentsFileError(`${file}: agent #${index + 1} needs string username, userId and passwordHash`)
    }
    if (!a.username.trim() || !a.userId.trim()) throw new AgentsFileError(`${file}: agent #${index + 1} has an empty username or userId`)
    if (!isPasswordHash(a.passwordHash)) throw new AgentsFileError(`${file}: agent #${index + 1} has a passwordHash that is not a scrypt hash`)
    const key = normaliseUsername(a.username)
    if (seen.has(key)) throw new AgentsFileError(`${file}: username ${a.username} appears twice`)
    seen.add(key)
    if (seats.has(a.userId.trim())) throw new AgentsFileError(`${file}: TCCC userId ${a.userId} belongs to two usernames`)
    seats.add(a.userId.trim())
    return { username: a.username.trim(), userId: a.userId.trim(), passwordHash: a.passwordHash }
  })
}

export function readAgentsFile(file: string): AgentRecord[] {
  if (!existsSync(file)) return []
  return parseAgentsJson(readFileSync(file, 'utf8'), file)
}

/** Parses and checks the text of an agents file (`file` names it in messages). */
export function parseAgentsJson(text: string, file: string): AgentRecord[] {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new AgentsFileError(`${file}: not valid JSON (${(err as Error).name})`)
  }
  return validate(data, file)
}

/** Writes atomically (temp file + rename) so a crash never leaves a half-written directory. */
export function writeAgentsFile(file: string, agents: AgentRecord[]): void {
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, JSON.stringify({ agents }, null, 2) + '\n', { mode: 0o600 })
  renameSync(temp, file)
}

export interface AgentDirectory {
  /** The agent when the password matches; null otherwise (same cost whether or not the user exists). */
  authenticate(username: string, password: string): Promise<AgentRecord | null>
  byUserId(userId: string): AgentRecord | undefined
}

export function createAgentDirectory(agents: AgentRecord[]): AgentDirectory {
  const byUsername = new Map(agents.map((a) => [normaliseUsername(a.username), a]))
  const byUserId = new Map(agents.map((a) => [a.userId, a]))
  return {
    async authenticate(username, password) {
      const agent = byUsername.get(normaliseUsername(username))
      const ok = await verifyPassword(password, agent?.passwordHash ?? DUMMY_PASSWORD_HASH)
      return ok && agent ? agent : null
    },
    byUserId: (userId) => byUserId.get(userId),
  }
}
