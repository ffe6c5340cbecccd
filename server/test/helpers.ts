import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, expect } from 'vitest'
import { ConfigError, loadConfig } from '../src/config'
import { type Database } from '../src/db'
import { pgliteDatabase } from '../src/db/driver'
import { MIGRATIONS, migrate } from '../src/db/migrations'

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
  return {
    res,
    body: res.json() as {
      accessToken: string
      expiresIn: number
      agent: { userId: string; sdkAppId: number; workspaceId?: string }
      signInFailures: { failures: number; lastFailureAt: number | null; locked: boolean; id?: string }
    },
  }
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

/**
 * One in-memory PGlite database for a whole test file. A new PGlite runs initdb and the
 * migrations (~5 s); loading a saved image of that migrated store takes ~1.5 s, and every test
 * file (and every Stryker mutant run) starts one. The image is saved once per machine in the
 * temp folder, keyed by the PGlite version and the migrations' SQL, so a changed migration makes
 * a new one; `migrate` still runs after loading (a no-op when the image is current).
 */
export async function fileDatabase(): Promise<Database> {
  const image = await migratedImage()
  const { PGlite } = await import('@electric-sql/pglite')
  const db = pgliteDatabase(await PGlite.create({ loadDataDir: image }))
  await migrate(db)
  return db
}

async function migratedImage(): Promise<Blob> {
  const pglitePackage = new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url)
  const { version } = JSON.parse(readFileSync(pglitePackage, 'utf8')) as { version: string }
  const key = createHash('sha256').update(version).update(JSON.stringify(MIGRATIONS)).digest('hex').slice(0, 16)
  const file = path.join(tmpdir(), `tccc-test-pglite-${key}.tar`)
  if (existsSync(file)) return new Blob([readFileSync(file)])
  const { PGlite } = await import('@electric-sql/pglite')
  const pg = await PGlite.create()
  await migrate(pgliteDatabase(pg))
  const image = await pg.dumpDataDir('none')
  await pg.close()
  // Several test workers may make it at once: each writes its own file and renames it into place.
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
  writeFileSync(partial, Buffer.from(await image.arrayBuffer()))
  renameSync(partial, file)
  return image
}

/**
 * The database hooks every in-process server test file (or describe block) needs: one
 * `fileDatabase()` opened before its tests, emptied before each (`resetDatabase`), closed after.
 * Returns a stand-in that forwards to that database once it is open, so the caller can pass it to
 * `buildServer` and query it directly as `db` without a `let` set in a hook.
 */
export function databasePerFile(): Database {
  let open: Database | null = null
  beforeAll(async () => {
    open = await fileDatabase()
  }, 120_000)
  afterAll(async () => {
    await open?.close()
  })
  beforeEach(async () => {
    if (open) await resetDatabase(open)
  })
  return new Proxy({} as Database, {
    get(_target, key) {
      if (!open) throw new Error('databasePerFile(): the database is opened in beforeAll; use it in a test or hook')
      const value: unknown = Reflect.get(open, key)
      return typeof value === 'function' ? value.bind(open) : value
    },
  })
}

/** A call record's data as the app pushes it: an answered outbound call of 50 s ending 5 s before `now`. */
export function answeredCallData(now: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    number: '13800138000',
    direction: 'out',
    outcome: 'answered',
    startedAt: now - 60_000,
    answeredAt: now - 55_000,
    endedAt: now - 5_000,
    durationSec: 50,
    endReason: 'local-hangup',
    ...over,
  }
}

/** A call record's data as the CCC tests push it: an answered outbound call of 60 s from `started`. */
export function cccCallData(started: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    number: '13800000000',
    direction: 'out',
    outcome: 'answered',
    startedAt: started,
    answeredAt: started + 5000,
    endedAt: started + 65_000,
    durationSec: 60,
    endReason: 'local-bye',
    ...over,
  }
}

/** Back to a fresh store between tests: no agents, sessions, counters or agent records. */
export async function resetDatabase(db: Database): Promise<void> {
  await db.exec(`TRUNCATE agents, sessions, login_counters, login_address_users, login_known_addresses, login_failures, login_failure_reports, meta, workspace_changes, workspace_starts, workspace_pruned;
    DELETE FROM workspace_records WHERE agent <> '';`)
}

/** A push result as the route answers it. */
export interface PushResult {
  changeId: string
  status: string
  reason?: string
  rev?: string
}

/**
 * An agent's phone pushing call records through the real route: `push` (answered 200),
 * `upsert` (a call change with a fresh change id), `reasons` (each result's reason, else its
 * status) and `stored` (the call as `GET /api/workspace/calls/:id` answers it, null when not).
 * Getters, since the per-test hooks start a new app and sign in again.
 */
export function callPushes(app: () => FastifyInstance, token: () => string) {
  let counter = 0
  const push = async (changes: unknown[], bearer = token()): Promise<PushResult[]> => {
    const res = await app().inject({ method: 'POST', url: '/api/workspace/changes', headers: { authorization: `Bearer ${bearer}` }, payload: { changes } })
    expect(res.statusCode).toBe(200)
    return (res.json() as { results: PushResult[] }).results
  }
  const upsert = (id: string, data: Record<string, unknown>) => ({ changeId: `c${++counter}`, kind: 'call', op: 'upsert', id, data })
  const reasons = async (changes: unknown[], bearer = token()) => (await push(changes, bearer)).map((r) => r.reason ?? r.status)
  const stored = async (id: string, bearer = token()) => {
    const res = await app().inject({ method: 'GET', url: `/api/workspace/calls/${id}`, headers: { authorization: `Bearer ${bearer}` } })
    return res.statusCode === 200 ? (res.json() as { data: Record<string, unknown> }).data : null
  }
  return { push, upsert, reasons, stored }
}

/** A change as a pull answers it. */
export interface PulledChange {
  kind: string
  id: string
  rev: string
  deleted: boolean
  data: Record<string, unknown> | null
}
