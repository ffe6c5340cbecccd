// @vitest-environment node
/**
 * The data layer's edges that store.test.ts and dbStore.mutants.test.ts leave out (issue 13,
 * mutation survivors of server/src/db: driver, index, loginLimits, migrations, sessions, agents,
 * measured at 5f64796): the sign-in limit counters as the sign-in route reads them, the start-up
 * errors the operator reads, and the driver's promises (a closed store refuses queries).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { prepareAgentDirectory, StoreStartError, type Database } from '../src/db'
import { formatImportReport, importAgentsFileOnce } from '../src/db/agents'
import { openPostgres } from '../src/db/driver'
import { createLoginLimiter, limitAddress, type LoginLimitPolicy } from '../src/db/loginLimits'
import { databasePerFile } from './helpers'
import { createDatabase, findPgBin, startPostgres, type TestPostgres } from './pgHarness'

// PGlite stores on a shared 2-core machine: generous limits.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const HASH = 'scrypt$16384$8$1$5lFZeQRHt6rEWGP5M5DeBw$LaC3vrZKaiFPNDQ3Ty6WVXdqt59bqW0bStaF9p9TSwA'
const NOW = Date.UTC(2026, 11, 3, 9)
const POLICY: LoginLimitPolicy = { max: 5, maxUsernames: 5, maxSuccesses: 5, windowMs: 60_000 }

const db = databasePerFile()

const tempDirs: string[] = []
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  tempDirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})

/** The store as another instance racing us, or a failing server, would answer one statement. */
function intercept(inner: Database, answer: (sql: string) => unknown[] | Error | undefined): Database {
  const wrap = (q: { query: Database['query'] }) => async <T,>(sql: string, params?: unknown[]): Promise<T[]> => {
    const a = answer(sql)
    if (a instanceof Error) throw a
    return a ? (a as T[]) : q.query<T>(sql, params)
  }
  return {
    driver: inner.driver,
    query: wrap(inner),
    exec: (sql) => inner.exec(sql),
    transaction: (fn) => inner.transaction((tx) => fn({ query: wrap(tx), exec: (sql) => tx.exec(sql) })),
    close: () => inner.close(),
    listenInline: inner.listenInline,
  }
}

/** A password check that failed: reserved, then recorded as a failure at the address. */
async function failedAttempt(limiter: ReturnType<typeof createLoginLimiter>, username: string, at: number) {
  const reservation = await limiter.reserve(username, 'office', at)
  if (reservation.ok) await limiter.failed(username, 'office', at)
  return reservation
}

describe('the address the sign-in limits count', () => {
  it('IPv4 as it is (also IPv4-mapped), IPv6 by its /64, however it is written', () => {
    expect(limitAddress('203.0.113.7')).toBe('203.0.113.7')
    expect(limitAddress('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(limitAddress('::FFFF:203.0.113.7')).toBe('203.0.113.7')
    expect(limitAddress('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64')
    expect(limitAddress('2001:0db8:0001:0002::1')).toBe('2001:db8:1:2::/64')
    expect(limitAddress('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(limitAddress('2001:db8:1:2::')).toBe('2001:db8:1:2::/64')
    expect(limitAddress('::1')).toBe('0:0:0:0::/64')
    expect(limitAddress('2001:db8:1:3::1')).not.toBe(limitAddress('2001:db8:1:2::1'))
  })
})

describe('sign-in limits (mutation survivors)', () => {
  it('a username already counted at a full address may still try: only new usernames are refused', async () => {
    const limiter = createLoginLimiter(db, { ...POLICY, maxUsernames: 2 })
    expect(await failedAttempt(limiter, 'a@x', NOW)).toEqual({ ok: true })
    expect(await failedAttempt(limiter, 'b@x', NOW)).toEqual({ ok: true })
    expect(await failedAttempt(limiter, 'a@x', NOW + 1000)).toEqual({ ok: true })
    expect(await failedAttempt(limiter, 'c@x', NOW + 1000)).toEqual({ ok: false, scope: 'address', retryAfterSeconds: 59 })
  })

  it('a full address reopens when its oldest username leaves the window, and says when', async () => {
    const limiter = createLoginLimiter(db, { ...POLICY, maxUsernames: 2 })
    expect((await failedAttempt(limiter, 'a@x', NOW)).ok).toBe(true)
    expect((await failedAttempt(limiter, 'b@x', NOW + 10_000)).ok).toBe(true)
    expect(await failedAttempt(limiter, 'c@x', NOW + 20_000)).toEqual({ ok: false, scope: 'address', retryAfterSeconds: 40 })
    expect(await failedAttempt(limiter, 'c@x', NOW + 59_999)).toEqual({ ok: false, scope: 'address', retryAfterSeconds: 1 })
    expect(await failedAttempt(limiter, 'c@x', NOW + 60_000)).toEqual({ ok: true })
  })

  it('an address allowed no usernames at all refuses for a whole window', async () => {
    const limiter = createLoginLimiter(db, { ...POLICY, maxUsernames: 0 })
    expect(await failedAttempt(limiter, 'a@x', NOW)).toEqual({ ok: false, scope: 'address', retryAfterSeconds: 60 })
  })

  it('a refused password check says when its window reopens, counted from the first attempt', async () => {
    const limiter = createLoginLimiter(db, { ...POLICY, max: 2 })
    expect((await limiter.reserve('a@x', 'office', NOW)).ok).toBe(true)
    expect((await limiter.reserve('a@x', 'office', NOW + 5_000)).ok).toBe(true)
    expect(await limiter.reserve('a@x', 'office', NOW + 30_000)).toEqual({ ok: false, scope: 'username', retryAfterSeconds: 30 })
    expect(await limiter.reserve('a@x', 'office', NOW + 59_001)).toEqual({ ok: false, scope: 'username', retryAfterSeconds: 1 })
    expect(await limiter.reserve('a@x', 'office', NOW + 60_000)).toEqual({ ok: true })
  })

  it('a counter another instance pruned meanwhile refuses for a whole window instead of failing', async () => {
    const limiter = createLoginLimiter(db, { ...POLICY, max: 1 })
    expect((await limiter.reserve('a@x', 'office', NOW)).ok).toBe(true)
    const pruned = createLoginLimiter(
      intercept(db, (sql) => (sql.startsWith('SELECT window_start FROM login_counters') ? [] : undefined)),
      { ...POLICY, max: 1 },
    )
    expect(await pruned.reserve('a@x', 'office', NOW + 30_000)).toEqual({ ok: false, scope: 'username', retryAfterSeconds: 60 })
  })

  it('a successful sign-in gives its password-check slot back', async () => {
    const limiter = createLoginLimiter(db, { ...POLICY, max: 2 })
    expect((await limiter.reserve('a@x', 'office', NOW)).ok).toBe(true)
    expect((await limiter.reserve('a@x', 'office', NOW)).ok).toBe(true)
    expect(await limiter.succeeded('a@x', 'office', NOW)).toEqual({ ok: true })
    // The slot given back is the last again: should this check fail, the limit holds a@x.
    expect(await limiter.reserve('a@x', 'office', NOW)).toEqual({ ok: true, fills: true })
    expect(await limiter.reserve('a@x', 'office', NOW)).toEqual({ ok: false, scope: 'username', retryAfterSeconds: 60 })
    expect(await db.query('SELECT key, count FROM login_counters ORDER BY key')).toEqual([
      { key: 'ok|a@x', count: 1 },
      { key: 'try|office|a@x', count: 2 },
    ])
  })

  it('a username with failures left keeps its place at the address after a success; without, it leaves', async () => {
    const limiter = createLoginLimiter(db, { ...POLICY, maxUsernames: 2 })
    // a@x failed once, then signed in (that check's slot back): one failure is still counted.
    expect((await failedAttempt(limiter, 'a@x', NOW)).ok).toBe(true)
    expect((await limiter.reserve('a@x', 'office', NOW)).ok).toBe(true)
    expect((await limiter.succeeded('a@x', 'office', NOW)).ok).toBe(true)
    // b@x signed in at its first try: nothing counts against the office.
    expect((await limiter.reserve('b@x', 'office', NOW)).ok).toBe(true)
    expect((await limiter.succeeded('b@x', 'office', NOW)).ok).toBe(true)
    expect(await db.query('SELECT username_key FROM login_address_users ORDER BY username_key')).toEqual([{ username_key: 'a@x' }])
    expect((await failedAttempt(limiter, 'c@x', NOW)).ok).toBe(true)
    expect((await failedAttempt(limiter, 'd@x', NOW)).ok).toBe(false)
  })

  it('a success with no reservation counted (pruned meanwhile) still leaves the address set', async () => {
    const limiter = createLoginLimiter(db, POLICY)
    expect((await limiter.reserve('a@x', 'office', NOW)).ok).toBe(true)
    await db.query('DELETE FROM login_counters')
    expect(await limiter.succeeded('a@x', 'office', NOW)).toEqual({ ok: true })
    expect(await db.query('SELECT username_key FROM login_address_users')).toEqual([])
  })

  it('successes are counted per username, not shared', async () => {
    const limiter = createLoginLimiter(db, { ...POLICY, maxSuccesses: 1 })
    expect(await limiter.succeeded('a@x', 'office', NOW)).toEqual({ ok: true })
    expect(await limiter.succeeded('b@x', 'office', NOW)).toEqual({ ok: true })
    expect(await limiter.succeeded('a@x', 'home', NOW + 15_000)).toEqual({ ok: false, scope: 'username', retryAfterSeconds: 45 })
  })
})

describe('preparing the agent directory (mutation survivors)', () => {
  const base = { mode: 'real' as const, agentsFileExplicit: true, now: NOW, report: () => {} }

  it('an AGENTS_FILE that was set but is missing stops the start with a StoreStartError naming it', async () => {
    const file = path.join(tempDir('agents-gone-'), 'agents.json')
    const err = await prepareAgentDirectory(db, { ...base, agentsFile: file }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreStartError)
    expect((err as Error).message).toBe(`AGENTS_FILE ${file} does not exist`)
  })

  it('an agents file with a bad entry stops the start with a StoreStartError saying which entry', async () => {
    const file = path.join(tempDir('agents-bad-'), 'agents.json')
    writeFileSync(file, JSON.stringify({ agents: [{ username: 'a@corp.example', userId: 'seat-a', passwordHash: 'plain' }] }))
    const err = await prepareAgentDirectory(db, { ...base, agentsFile: file }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreStartError)
    expect((err as Error).message).toBe(`${file}: agent #1 has a passwordHash that is not a scrypt hash`)
  })

  it('a database failure during the import is passed on as it is', async () => {
    const file = path.join(tempDir('agents-dbfail-'), 'agents.json')
    writeFileSync(file, JSON.stringify({ agents: [{ username: 'a@corp.example', userId: 'seat-a', passwordHash: HASH }] }))
    const down = Object.assign(new Error('could not extend file: No space left on device'), { code: '53100' })
    const failing = intercept(db, (sql) => (sql.startsWith('INSERT INTO agents') ? down : undefined))
    await expect(prepareAgentDirectory(failing, { ...base, agentsFile: file })).rejects.toBe(down)
  })

  it('real mode with nobody to sign in tells the operator how to add an agent', async () => {
    const err = await prepareAgentDirectory(db, { ...base, agentsFileExplicit: false, agentsFile: path.join(tempDir('agents-none-'), 'agents.json') }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(StoreStartError)
    expect(String(err)).toBe('StoreStartError: the agent directory is empty: add an agent with `npm run add-agent` (same DATA_DIR / DATABASE_URL) first')
  })

  it('real mode imports the agents file, reports it, and does not seed the development accounts', async () => {
    const file = path.join(tempDir('agents-real-'), 'agents.json')
    writeFileSync(file, JSON.stringify({ agents: [{ username: 'a@corp.example', userId: 'seat-a', passwordHash: HASH }] }))
    const lines: string[] = []
    await prepareAgentDirectory(db, { ...base, agentsFile: file, report: (l) => lines.push(l) })
    expect(lines).toEqual([`Imported agents from ${file}: 1 added, 0 already present, 0 skipped. The database is the agent directory from now on.`])
    expect((await db.query<{ username: string }>('SELECT username FROM agents')).map((r) => r.username)).toEqual(['a@corp.example'])
  })

  it('each agents file is imported once: the same file again imports nothing, another file still imports', async () => {
    const dir = tempDir('agents-two-')
    const [first, second] = [path.join(dir, 'first.json'), path.join(dir, 'second.json')]
    writeFileSync(first, JSON.stringify({ agents: [{ username: 'a@corp.example', userId: 'seat-a', passwordHash: HASH }] }))
    writeFileSync(second, JSON.stringify({ agents: [{ username: 'b@corp.example', userId: 'seat-b', passwordHash: HASH }] }))
    const options = { required: true, skipDevelopmentAccounts: true, now: NOW }
    expect(await importAgentsFileOnce(db, first, options)).toEqual({ file: first, added: ['a@corp.example'], alreadyPresent: [], skipped: [] })
    expect(await importAgentsFileOnce(db, first, options)).toBeNull()
    expect(await importAgentsFileOnce(db, second, options)).toEqual({ file: second, added: ['b@corp.example'], alreadyPresent: [], skipped: [] })
    expect(await db.query('SELECT key FROM meta ORDER BY key')).toEqual([{ key: `agents-file-imported:${first}` }, { key: `agents-file-imported:${second}` }])
  })

  it('the import report lists every skipped agent with its reason, separated by semicolons', () => {
    const report = {
      file: '/srv/agents.json',
      added: [],
      alreadyPresent: [],
      skipped: [
        { username: 'agent1@example.com', reason: 'development account (real mode)' },
        { username: 'x@corp.example', reason: 'TCCC userId s1 already belongs to y@corp.example' },
      ],
    }
    expect(formatImportReport(report)).toBe(
      'Imported agents from /srv/agents.json: 0 added, 0 already present, 2 skipped (agent1@example.com: development account (real mode); ' +
        'x@corp.example: TCCC userId s1 already belongs to y@corp.example). The database is the agent directory from now on.',
    )
  })

  it('mock mode imports a development account from the agents file as it is given there', async () => {
    const file = path.join(tempDir('agents-mock-'), 'agents.json')
    writeFileSync(file, JSON.stringify({ agents: [{ username: 'agent1@example.com', userId: 'seat-dev1', passwordHash: HASH }] }))
    const lines: string[] = []
    await prepareAgentDirectory(db, { ...base, mode: 'mock', agentsFile: file, report: (l) => lines.push(l) })
    expect(lines).toEqual([`Imported agents from ${file}: 1 added, 0 already present, 0 skipped. The database is the agent directory from now on.`])
    expect(await db.query('SELECT username, user_id FROM agents ORDER BY username')).toEqual([
      { username: 'agent1@example.com', user_id: 'seat-dev1' },
      { username: 'agent2@example.com', user_id: 'agent2@example.com' },
    ])
  })
})

// Each pool here has ONE connection, so what a query sees is what the previous user of that
// connection left behind (an open or aborted transaction shows up at once).
describe.skipIf(findPgBin() === null)('the PostgreSQL driver (mutation survivors)', () => {
  let pg: TestPostgres
  let url: string
  let one: Database
  let other: Database
  beforeAll(async () => {
    pg = await startPostgres()
    url = await createDatabase(pg, 'dbag2')
    one = await openPostgres(url, 1)
    other = await openPostgres(url, 1)
    await one.exec('CREATE TABLE t (x int)')
  })
  afterAll(async () => {
    await one?.close().catch(() => {})
    await other?.close().catch(() => {})
    await pg?.stop()
  })

  const count = async (db: Database) => Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0].n)

  it('a transaction that throws leaves nothing behind, and its connection serves the next query', async () => {
    await one.exec('TRUNCATE t')
    const boom = new Error('boom')
    await expect(
      one.transaction(async (tx) => {
        await tx.query('INSERT INTO t (x) VALUES ($1)', [1])
        throw boom
      }),
    ).rejects.toBe(boom)
    expect(await count(one)).toBe(0)
    expect(await count(other)).toBe(0)
  })

  it('a transaction whose statement fails rolls back, and the connection is usable afterwards', async () => {
    await one.exec('TRUNCATE t')
    await expect(
      one.transaction(async (tx) => {
        await tx.query('INSERT INTO t (x) VALUES ($1)', [2])
        await tx.query('SELECT no_such_column FROM t')
      }),
    ).rejects.toThrow(/no_such_column/)
    expect(await one.query('SELECT 1 AS n')).toEqual([{ n: 1 }])
    expect(await count(one)).toBe(0)
  })

  it('a transaction that resolves is committed: another connection sees it, and the connection goes back to the pool', async () => {
    await one.exec('TRUNCATE t')
    for (const x of [3, 4]) {
      const result = await Promise.race([
        one.transaction(async (tx) => {
          await tx.query('INSERT INTO t (x) VALUES ($1)', [x])
          return `inserted ${x}`
        }),
        new Promise((resolve) => setTimeout(() => resolve('pool exhausted'), 20_000)),
      ])
      expect(result).toBe(`inserted ${x}`)
    }
    expect(await count(other)).toBe(2)
  })

  it('reads bigint (epoch-ms) columns as numbers', async () => {
    expect(await one.query('SELECT $1::bigint AS at', [Date.UTC(2026, 11, 3)])).toEqual([{ at: Date.UTC(2026, 11, 3) }])
  })

  it('an idle connection the server kills is dropped quietly and replaced at the next query', async () => {
    const [{ pid }] = await one.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
    expect(await other.query('SELECT pg_terminate_backend($1) AS done', [pid])).toEqual([{ done: true }])
    // The pool hears of the dead idle client; with no listener its 'error' event would throw.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await one.query('SELECT 1 AS n')).toEqual([{ n: 1 }])
  })

  it('a closed store refuses further queries', async () => {
    const db = await openPostgres(url, 1)
    await db.close()
    await expect(db.query('SELECT 1')).rejects.toThrow(/after calling end/)
  })
})
