import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { ConfigError, loadConfig } from '../src/config'
import { openMigrated, type Database } from '../src/db'

export const AGENT1 = { username: 'agent1@example.com', password: 'agent1-pass' }
export const AGENT2 = { username: 'agent2@example.com', password: 'agent2-pass' }
export const SIGNING_KEY = 'test-signing-key-0123456789-abcdefghijklmnop'

/** Mock-mode config from env-style overrides (exercises the real env parsing). */
export function mockConfig(env: Record<string, string> = {}) {
  return loadConfig({ TOKEN_SIGNING_KEY: SIGNING_KEY, ...env })
}

/**
 * The ConfigError an operator reads when the server refuses to start with this environment
 * (load: mockConfig, or loadConfig for the bare environment). Fails when nothing, or something
 * else, is thrown.
 */
export function configError(env: Record<string, string>, load: (env: Record<string, string>) => unknown = mockConfig): ConfigError {
  try {
    load(env)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

/** Collects every log line the server writes. */
export class LogCapture extends Writable {
  readonly lines: string[] = []
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
    callback()
  }
  get text(): string {
    return this.lines.join('\n')
  }
}

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2026, 10, 21, 12, 0, 0)) {
  let now = start
  return { now: () => now, advance: (ms: number) => void (now += ms) }
}

export async function login(app: FastifyInstance, credentials: { username: string; password: string }) {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: credentials })
  return { res, body: res.json() as { accessToken: string; expiresIn: number; agent: { userId: string; sdkAppId: number } } }
}

export function requestToken(app: FastifyInstance, accessToken: string | null, payload?: unknown) {
  return app.inject({
    method: 'POST',
    url: '/api/tccc/token',
    headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  })
}

export function decodeMockToken(token: string): { sdkAppId: number; userId: string; exp: number } {
  const [prefix, payload, signature] = token.split('.')
  if (prefix !== 'sim' || !payload || !signature) throw new Error(`not a sim token: ${token}`)
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
}

/** One in-memory PGlite database for a whole test file (starting one takes seconds). */
export async function fileDatabase(): Promise<Database> {
  return openMigrated({ driver: 'pglite', dataDir: null })
}

/** Back to a fresh store between tests: no agents, sessions, counters or agent records. */
export async function resetDatabase(db: Database): Promise<void> {
  await db.exec(`TRUNCATE agents, sessions, login_counters, login_address_users, meta, workspace_changes;
    DELETE FROM workspace_records WHERE agent <> '';`)
}
