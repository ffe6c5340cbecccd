// @vitest-environment node
/**
 * The data layer's edges that server/test/store.test.ts leaves out (issue 13, mutation
 * survivors of server/src/db: agents, sessions, loginLimits, driver, index, migrations):
 * seat lookups, the add-agent race and database failures, the import report, the operator's
 * start-up messages, an on-disk PGlite store, and the maintenance prunes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { openMigrated, StoreStartError, type Database } from '../src/db'
import {
  AgentConflictError,
  findAgentByUserId,
  findAgentByUsername,
  formatImportReport,
  importAgentsFileOnce,
  putAgent,
  readAgentsFileStrict,
} from '../src/db/agents'
import { describeTarget, openPglite, type Queryable } from '../src/db/driver'
import { createLoginLimiter } from '../src/db/loginLimits'
import { migrate } from '../src/db/migrations'
import { pruneSessions, startSession } from '../src/db/sessions'
import { fileDatabase, resetDatabase } from './helpers'

// PGlite stores on a shared 2-core machine: generous limits.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const HASH = 'scrypt$16384$8$1$5lFZeQRHt6rEWGP5M5DeBw$LaC3vrZKaiFPNDQ3Ty6WVXdqt59bqW0bStaF9p9TSwA'
const NOW = Date.UTC(2026, 11, 3, 6)
const DAY = 86_400_000

/** The database as another instance racing us would leave it, or as a failing server answers. */
function intercept(db: Queryable, answer: (sql: string) => unknown[] | Error | undefined): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      const a = answer(sql)
      if (a instanceof Error) throw a
      return a ? (a as T[]) : db.query<T>(sql, params)
    },
    exec: (sql) => db.exec(sql),
  }
}

const tempDirs: string[] = []
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  tempDirs.push(dir)
  return dir
}

let db: Database
beforeAll(async () => {
  db = await fileDatabase()
})
afterAll(async () => {
  await db?.close()
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})
beforeEach(async () => {
  await resetDatabase(db)
})

describe('agent directory (mutation survivors)', () => {
  it('finds an agent by TCCC seat, and nobody for an unknown seat', async () => {
    await putAgent(db, { username: 'Carol@corp.example', userId: 'seat-c', passwordHash: HASH }, { replace: false, now: NOW })
    expect(await findAgentByUserId(db, 'seat-c')).toEqual({ username: 'Carol@corp.example', userId: 'seat-c', passwordHash: HASH })
    expect(await findAgentByUserId(db, 'seat-x')).toBeNull()
  })

  it('stores a new agent under the trimmed username', async () => {
    expect(await putAgent(db, { username: '  Dave@corp.example ', userId: 'seat-d', passwordHash: HASH }, { replace: false, now: NOW })).toBe('added')
    expect(await db.query('SELECT username, username_key FROM agents')).toEqual([{ username: 'Dave@corp.example', username_key: 'dave@corp.example' }])
    expect(await putAgent(db, { username: ' DAVE@corp.example  ', userId: 'seat-d2', passwordHash: HASH }, { replace: true, now: NOW })).toBe('replaced')
    expect(await db.query('SELECT username, user_id FROM agents')).toEqual([{ username: 'DAVE@corp.example', user_id: 'seat-d2' }])
  })

  it('a replace that races another instance removing the agent adds the agent again: it exists afterwards', async () => {
    await putAgent(db, { username: 'h@corp.example', userId: 'seat-h', passwordHash: HASH }, { replace: false, now: NOW })
    // The other instance's remove-agent lands between the insert that found the username taken
    // and the row lock.
    let removedOnce = false
    const racing: Queryable = {
      async query<T>(sql: string, params?: unknown[]) {
        if (!removedOnce && sql.startsWith('SELECT user_id, password_hash FROM agents WHERE username_key = $1 FOR UPDATE')) {
          removedOnce = true
          await db.query('DELETE FROM agents WHERE username_key = $1', params)
        }
        return db.query<T>(sql, params)
      },
      exec: (sql) => db.exec(sql),
    }
    expect(await putAgent(racing, { username: 'h@corp.example', userId: 'seat-h2', passwordHash: HASH }, { replace: true, now: NOW })).toBe('added')
    expect(removedOnce).toBe(true)
    expect(await db.query('SELECT user_id FROM agents WHERE username_key = $1', ['h@corp.example'])).toEqual([{ user_id: 'seat-h2' }])
  })

  it('losing the race for a seat between the check and the insert is a conflict naming the seat', async () => {
    await putAgent(db, { username: 'first@corp.example', userId: 'seat-r', passwordHash: HASH }, { replace: false, now: NOW })
    // The seat check ran before the other add-agent's insert landed: it saw the seat free.
    const raced = intercept(db, (sql) => (sql.startsWith('SELECT username, username_key, user_id FROM agents WHERE lower(user_id)') ? [] : undefined))
    const err = await putAgent(raced, { username: 'second@corp.example', userId: 'seat-r', passwordHash: HASH }, { replace: false, now: NOW }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AgentConflictError)
    expect(String(err)).toBe('AgentConflictError: TCCC userId seat-r is already taken')
    expect(await countRows('agents')).toBe(1)
  })

  it('a database failure while adding is passed on as it is, not reported as a conflict', async () => {
    const down = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })
    const failing = intercept(db, (sql) => (sql.startsWith('INSERT INTO agents') ? down : undefined))
    await expect(putAgent(failing, { username: 'e@corp.example', userId: 'seat-e', passwordHash: HASH }, { replace: false, now: NOW })).rejects.toBe(down)
  })

  it('an import reports who was added, who was already present and whose seat is taken', async () => {
    await putAgent(db, { username: 'present@corp.example', userId: 'seat-p', passwordHash: HASH }, { replace: false, now: NOW })
    const file = path.join(tempDir('agents-report-'), 'agents.json')
    writeFileSync(
      file,
      JSON.stringify({
        agents: [
          { username: 'new@corp.example', userId: 'seat-n', passwordHash: HASH },
          { username: 'PRESENT@corp.example', userId: 'seat-p', passwordHash: HASH },
          { username: 'thief@corp.example', userId: 'seat-p2', passwordHash: HASH },
        ],
      }),
    )
    await putAgent(db, { username: 'owner@corp.example', userId: 'seat-p2', passwordHash: HASH }, { replace: false, now: NOW })
    const report = await importAgentsFileOnce(db, file, { required: true, skipDevelopmentAccounts: true, now: NOW })
    expect(report).toEqual({
      file,
      added: ['new@corp.example'],
      alreadyPresent: ['PRESENT@corp.example'],
      skipped: [{ username: 'thief@corp.example', reason: 'TCCC userId seat-p2 already belongs to owner@corp.example' }],
    })
    expect(formatImportReport(report!)).toBe(
      `Imported agents from ${file}: 1 added, 1 already present, 1 skipped (thief@corp.example: TCCC userId seat-p2 already belongs to owner@corp.example). ` +
        'The database is the agent directory from now on.',
    )
    expect(await findAgentByUsername(db, 'thief@corp.example')).toBeNull()
  })

  it('an import stops at a database failure instead of skipping the agent', async () => {
    const file = path.join(tempDir('agents-dbfail-'), 'agents.json')
    writeFileSync(file, JSON.stringify({ agents: [{ username: 'f@corp.example', userId: 'seat-f', passwordHash: HASH }] }))
    const down = Object.assign(new Error('could not extend file: No space left on device'), { code: '53100' })
    const failing = intercept(db, (sql) => (sql.startsWith('INSERT INTO agents') ? down : undefined))
    await expect(importAgentsFileOnce(failing, file, { required: true, skipDevelopmentAccounts: false, now: NOW })).rejects.toBe(down)
  })

  it('a missing default agents file imports nothing; a missing AGENTS_FILE that was set is an error', async () => {
    const file = path.join(tempDir('agents-missing-'), 'agents.json')
    expect(await importAgentsFileOnce(db, file, { required: false, skipDevelopmentAccounts: false, now: NOW })).toBeNull()
    await expect(importAgentsFileOnce(db, file, { required: true, skipDevelopmentAccounts: false, now: NOW })).rejects.toThrow(`AGENTS_FILE ${file} does not exist`)
  })

  it('an agents file that cannot be read names the file and the system error code', () => {
    const file = path.join(tempDir('agents-unread-'), 'gone.json')
    const err = (() => {
      try {
        readAgentsFileStrict(file)
      } catch (e) {
        return e
      }
    })()
    expect(err).toMatchObject({ name: 'AgentStoreError', message: `${file} cannot be read (ENOENT)` })
  })
})

describe('opening the store (mutation survivors)', () => {
  it('describes each target for messages without the database password', () => {
    expect(describeTarget({ driver: 'pglite', dataDir: '/var/lib/tccc' })).toBe('PGlite in /var/lib/tccc')
    expect(describeTarget({ driver: 'pglite', dataDir: null })).toBe('PGlite in memory')
    expect(describeTarget({ driver: 'postgres', url: 'postgres://app:s3cret@db.corp.example:6432/tccc' })).toBe('PostgreSQL at db.corp.example:6432/tccc')
    expect(describeTarget({ driver: 'postgres', url: 'postgres://app:s3cret@db.corp.example/tccc' })).toBe('PostgreSQL at db.corp.example/tccc')
    expect(describeTarget({ driver: 'postgres', url: 'not a url s3cret' })).toBe('PostgreSQL (DATABASE_URL)')
  })

  it('a database that cannot be reached fails the start with the target and the cause', async () => {
    const err = await openMigrated({ driver: 'postgres', url: 'postgres://app:s3cret@127.0.0.1:1/tccc' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreStartError)
    expect((err as Error).message).toMatch(/^cannot open the database \(PostgreSQL at 127\.0\.0\.1:1\/tccc\): .*ECONNREFUSED/)
    expect((err as Error).message).not.toContain('s3cret')
  })

  it('applies new migrations in version order whatever order they are listed in', async () => {
    const later = [
      { version: 1003, name: 'second', sql: 'CREATE TABLE mig_test_b AS SELECT x FROM mig_test_a' },
      { version: 1002, name: 'first', sql: 'CREATE TABLE mig_test_a (x int)' },
    ]
    expect(await migrate(db, later)).toEqual([1002, 1003])
    expect(await migrate(db, later)).toEqual([])
    await db.exec('DROP TABLE mig_test_b; DROP TABLE mig_test_a; DELETE FROM schema_migrations WHERE version > 1000')
  })
})

describe('PGlite stores on disk and in memory (slow: each runs initdb)', () => {
  it('keeps a PGlite store in a data folder it creates, and refuses to start on one whose schema clashes', async () => {
    // A store that already has an `agents` table the migrations did not make; it lasts a restart.
    const dataDir = path.join(tempDir('pglite-store-'), 'nested', 'data')
    const raw = await openPglite(dataDir)
    await raw.exec('CREATE TABLE agents (x int)')
    await raw.close()
    const err = await openMigrated({ driver: 'pglite', dataDir }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreStartError)
    expect((err as Error).message).toBe(`cannot migrate the database (PGlite in ${dataDir}): relation "agents" already exists`)
  })

  it('opens PGlite in memory when no data folder is given', async () => {
    const memory = await openPglite(null)
    try {
      expect(await memory.query('SELECT 1 + 1 AS n')).toEqual([{ n: 2 }])
    } finally {
      await memory.close()
    }
  })
})

describe('maintenance prunes (mutation survivors)', () => {
  it('drops sessions that expired more than a day ago and keeps the rest', async () => {
    for (const [id, expiresAt] of [
      ['old', NOW - DAY - 1],
      ['day', NOW - DAY],
      ['live', NOW + 1000],
    ] as const) {
      await startSession(db, { id, userId: 'seat', issuedAt: expiresAt - 1000, expiresAt })
    }
    await pruneSessions(db, NOW)
    expect((await db.query<{ id: string }>('SELECT id FROM sessions ORDER BY id')).map((r) => r.id)).toEqual(['day', 'live'])
  })

  it('the limiter prune drops the counters and address entries whose window has ended', async () => {
    const limiter = createLoginLimiter(db, { max: 5, maxUsernames: 5, maxSuccesses: 5, windowMs: 60_000 })
    expect((await limiter.reserve('old@x', 'office', NOW)).ok).toBe(true)
    await limiter.failed('old@x', 'office', NOW)
    expect((await limiter.reserve('new@x', 'office', NOW + 30_000)).ok).toBe(true)
    await limiter.failed('new@x', 'office', NOW + 30_000)
    await limiter.prune(NOW + 60_000)
    expect(await db.query('SELECT key FROM login_counters')).toEqual([{ key: 'try|office|new@x' }])
    expect(await db.query('SELECT username_key FROM login_address_users')).toEqual([{ username_key: 'new@x' }])
  })
})

async function countRows(table: string): Promise<number> {
  return Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n)
}
