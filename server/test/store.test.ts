// @vitest-environment node
/**
 * The data layer on both drivers (PGlite in memory, a throwaway PostgreSQL cluster): migrations,
 * the agent directory, sessions and the sign-in limits, including what must hold under
 * concurrency (PostgreSQL runs the concurrent cases on separate pooled connections).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { buildServer } from '../src/app'
import { addAgent, directStore } from '../src/cli'
import { advanceRevisions, noteWorkspaceStart, openMigrated, WORKSPACE_STARTS_KEEP_MS, prepareAgentDirectory, StoreStartError, type Database } from '../src/db'
import { countAgents, findAgentByUsername, putAgent, removeAgent } from '../src/db/agents'
import { migrate } from '../src/db/migrations'
import { createLoginLimiter } from '../src/db/loginLimits'
import { endSession, lookupSession, lookupSessions, startSession } from '../src/db/sessions'
import { exportCalls, pullChanges, pullChangesJson, pushChanges, reconcileFloor } from '../src/db/workspace'
import { verifyPassword } from '../src/passwords'
import { AGENT1, fileDatabase, login, mockConfig, resetDatabase } from './helpers'
import { createDatabase, findPgBin, startPostgres, type TestPostgres } from './pgHarness'

// Sign-ins (scrypt) and databases on a shared 2-core machine: generous limits.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const HASH = 'scrypt$16384$8$1$5lFZeQRHt6rEWGP5M5DeBw$LaC3vrZKaiFPNDQ3Ty6WVXdqt59bqW0bStaF9p9TSwA' // agent1-pass
const NOW = Date.UTC(2026, 10, 21, 12)

let pg: TestPostgres | null = null
const drivers = [
  { name: 'PGlite', skip: false, open: () => fileDatabase() },
  {
    name: 'PostgreSQL',
    skip: findPgBin() === null,
    open: async () => {
      pg = await startPostgres()
      return openMigrated({ driver: 'postgres', url: pg.url })
    },
  },
]

describe.each(drivers)('data layer on $name', ({ name, open, skip }) => {
  let db: Database
  beforeAll(async () => {
    if (!skip) db = await open()
  }, 120_000)
  afterAll(async () => {
    if (skip) return
    await db.close()
    await pg?.stop()
    pg = null
  })
  beforeEach(async (ctx) => {
    if (skip) return ctx.skip()
    await resetDatabase(db)
  })

  it('migrations are versioned and idempotent', async () => {
    expect(await migrate(db)).toEqual([])
    const versions = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
    expect(versions.map((v) => Number(v.version))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
  })

  it('two instances migrating a fresh database at once apply each migration exactly once', async (ctx) => {
    if (name !== 'PostgreSQL' || !pg) return ctx.skip()
    const url = await createDatabase(pg, 'fresh_migrate')
    const [a, b] = await Promise.all([openMigratedRaw(url), openMigratedRaw(url)])
    const applied = await Promise.all([migrate(a), migrate(b)])
    expect(applied.flat().sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    expect((await a.query('SELECT id FROM workspace_records WHERE kind = $1', ['outcome'])).length).toBe(6)
    await Promise.all([a.close(), b.close()])
  })

  it('one seat per agent; usernames unique in any case; replace and removal end sessions at once', async () => {
    expect(await putAgent(db, { username: 'Alice@corp.example', userId: 'seat-a', passwordHash: HASH }, { replace: false, now: NOW })).toBe('added')
    await expect(putAgent(db, { username: 'alice@CORP.example', userId: 'seat-b', passwordHash: HASH }, { replace: false, now: NOW })).rejects.toThrow(/already exists/)
    await expect(putAgent(db, { username: 'bob@corp.example', userId: 'seat-a', passwordHash: HASH }, { replace: false, now: NOW })).rejects.toThrow(
      /seat-a already belongs to Alice@corp.example/,
    )
    await startSession(db, { id: 's1', userId: 'seat-a', issuedAt: NOW, expiresAt: NOW + 3600_000 })
    expect((await lookupSession(db, 's1')).state).toBe('live')
    expect(await putAgent(db, { username: 'alice@corp.example', userId: 'seat-a', passwordHash: HASH }, { replace: true, now: NOW })).toBe('replaced')
    expect((await lookupSession(db, 's1')).state).toBe('ended')
    await startSession(db, { id: 's2', userId: 'seat-a', issuedAt: NOW, expiresAt: NOW + 3600_000 })
    expect(await removeAgent(db, 'ALICE@corp.example', NOW)).toBe(true)
    expect((await lookupSession(db, 's2')).state).toBe('unknown')
    expect(await db.query('SELECT ended_at FROM sessions WHERE id = $1', ['s2'])).toEqual([{ ended_at: NOW }])
  })

  it("a seat handed to someone else does not hand over the workspace; a person moved to another seat keeps theirs", async () => {
    const note = (id: string, text: string) => ({ changeId: `c-${id}`, kind: 'call', op: 'upsert', id, data: { number: '13800138000', direction: 'out', outcome: 'answered', startedAt: NOW - 60_000, answeredAt: NOW - 50_000, endedAt: NOW - 1_000, durationSec: 49, endReason: 'local-bye', note: text } })
    const mine = async (seat: string) => (await pullChanges(db, seat, 0n, 1000)).changes.filter((c) => c.kind === 'call').map((c) => c.data?.note)
    await putAgent(db, { username: 'alice@corp.example', userId: 'seat-a', passwordHash: HASH }, { replace: false, now: NOW })
    await pushChanges(db, 'seat-a', [note('k1', 'ALICE PRIVATE')], NOW)
    expect(await removeAgent(db, 'alice@corp.example', NOW)).toBe(true)
    await putAgent(db, { username: 'bob@corp.example', userId: 'seat-a', passwordHash: HASH }, { replace: false, now: NOW })
    expect(await mine('seat-a')).toEqual([])
    // Kept for the business, under the removed agent's name for it.
    expect((await exportCalls(db, {})).join('\n')).toContain(`removed:seat-a:${NOW},13800138000`)

    await pushChanges(db, 'seat-a', [note('k2', 'bob')], NOW)
    expect(await putAgent(db, { username: 'bob@corp.example', userId: 'seat-b', passwordHash: HASH }, { replace: true, now: NOW })).toBe('replaced')
    expect(await mine('seat-b')).toEqual(['bob'])
    expect(await mine('seat-a')).toEqual([])
  })

  it("an agent's workspace id: new when the seat's agent is made again, the same across a password change or a move", async () => {
    const idOf = async (username: string) => (await findAgentByUsername(db, username))?.workspaceId
    await putAgent(db, { username: 'alice@corp.example', userId: 'seat-a', passwordHash: HASH }, { replace: false, now: NOW })
    const first = await idOf('ALICE@corp.example')
    expect(first).toMatch(/^[A-Za-z0-9_-]{22}$/)
    await putAgent(db, { username: 'alice@corp.example', userId: 'seat-a', passwordHash: HASH }, { replace: true, now: NOW + 1 })
    await putAgent(db, { username: 'alice@corp.example', userId: 'seat-b', passwordHash: HASH }, { replace: true, now: NOW + 2 })
    expect(await idOf('alice@corp.example')).toBe(first)
    await removeAgent(db, 'alice@corp.example', NOW + 3)
    await putAgent(db, { username: 'alice@corp.example', userId: 'seat-b', passwordHash: HASH }, { replace: false, now: NOW + 4 })
    const again = await idOf('alice@corp.example')
    await putAgent(db, { username: 'bob@corp.example', userId: 'seat-a', passwordHash: HASH }, { replace: false, now: NOW + 4 })
    expect(new Set([first, again, await idOf('bob@corp.example')]).size).toBe(3)
  })

  it('seats are compared without case, as phones key their caches', async () => {
    await putAgent(db, { username: 'alice@corp.example', userId: 'Seat-A@corp.example', passwordHash: HASH }, { replace: false, now: NOW })
    await expect(putAgent(db, { username: 'bob@corp.example', userId: 'seat-a@CORP.example', passwordHash: HASH }, { replace: false, now: NOW })).rejects.toThrow(
      'TCCC userId seat-a@CORP.example already belongs to alice@corp.example (as Seat-A@corp.example; seats are compared without case)',
    )
    // The agent's own seat in another case is no clash.
    expect(await putAgent(db, { username: 'alice@corp.example', userId: 'seat-a@corp.example', passwordHash: HASH }, { replace: true, now: NOW })).toBe('replaced')
  })

  it('revisions never go back: a start moves the sequence on to the clock (a restored backup handed old revs out again)', async () => {
    const pulled = async () => (await pullChanges(db, 'seat-r', 0n, 1000)).cursor
    const numberChange = (id: string, number: string) => ({ changeId: `c-${id}`, kind: 'number', op: 'upsert', id, data: { number, remark: id, source: 'own', createdAt: NOW } })
    // The backup: the sequence as it was; then a phone pulls past it.
    const [{ v: backup }] = await db.query<{ v: string }>(`SELECT last_value::text AS v FROM workspace_rev`)
    await pushChanges(db, 'seat-r', [numberChange('n1', '13500000001')], NOW)
    const phoneCursor = BigInt(await pulled())
    // Restored: the sequence goes back; the start after it moves it on to the clock.
    await db.query(`SELECT setval('workspace_rev', $1::bigint)`, [backup])
    const restartedAt = Date.now() + 60_000 // the restore takes a minute
    await advanceRevisions(db, restartedAt)
    await pushChanges(db, 'seat-r', [numberChange('n2', '13500000002')], NOW)
    const after = await pullChanges(db, 'seat-r', phoneCursor, 1000)
    expect(after.changes.map((c) => c.id)).toEqual(['n2'])
    // Never backwards, and a second start within the second changes nothing.
    const [{ v: moved }] = await db.query<{ v: string }>(`SELECT last_value::text AS v FROM workspace_rev`)
    await advanceRevisions(db, restartedAt + 500)
    await advanceRevisions(db, 1_000)
    const [{ v: again }] = await db.query<{ v: string }>(`SELECT last_value::text AS v FROM workspace_rev`)
    expect(again).toBe(moved)
  })

  it('each start notes the highest rev its database holds, and forgets starts older than 400 days (the reconcile floor)', async () => {
    await pushChanges(db, 'seat-s', [{ changeId: 'c-s1', kind: 'number', op: 'upsert', id: 's1', data: { number: '13500000011', remark: 's', source: 'own', createdAt: NOW } }], NOW)
    const [{ max }] = await db.query<{ max: string }>('SELECT max(rev)::text AS max FROM workspace_records')
    await noteWorkspaceStart(db, NOW - WORKSPACE_STARTS_KEEP_MS - 1)
    await noteWorkspaceStart(db, NOW)
    const starts = await db.query<{ at: string; rev: string }>('SELECT started_at::text AS at, max_rev::text AS rev FROM workspace_starts ORDER BY started_at')
    expect(starts).toEqual([{ at: String(NOW), rev: max }])
    expect(await reconcileFloor(db, NOW)).toBe(max)
    expect(await reconcileFloor(db, NOW + 1)).toBeNull()
  })

  it('a start (openMigrated) notes itself', async (ctx) => {
    if (name !== 'PGlite') return ctx.skip()
    const fresh = await openMigrated({ driver: 'pglite', dataDir: null })
    try {
      const rows = await fresh.query<{ rev: string }>('SELECT max_rev::text AS rev FROM workspace_starts')
      const [{ max }] = await fresh.query<{ max: string }>('SELECT max(rev)::text AS max FROM workspace_records')
      expect(rows).toEqual([{ rev: max }])
    } finally {
      await fresh.close()
    }
  })

  it('logout ends one session; the check stays a primary-key lookup', async () => {
    await putAgent(db, { username: 'a@x', userId: 'a', passwordHash: HASH }, { replace: false, now: NOW })
    await startSession(db, { id: 'x1', userId: 'a', issuedAt: NOW, expiresAt: NOW + 1000 })
    await startSession(db, { id: 'x2', userId: 'a', issuedAt: NOW, expiresAt: NOW + 1000 })
    await endSession(db, 'x1', NOW)
    expect((await lookupSession(db, 'x1')).state).toBe('ended')
    expect((await lookupSession(db, 'x2')).state).toBe('live')
    expect((await lookupSession(db, 'nope')).state).toBe('unknown')
    const plan = (await db.query<Record<string, string>>(
      `EXPLAIN SELECT s.ended_at FROM sessions s JOIN agents a ON a.user_id = s.user_id WHERE s.id = 'x1'`,
    )).map((r) => Object.values(r)[0]).join('\n')
    expect(plan).toMatch(/Index Scan using sessions_pkey|Index Cond: \(id = /)
  })

  it('10 concurrent add-agent runs lose nothing; the same seat twice keeps exactly one', async () => {
    const store = directStore(db, 'test', () => {})
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => addAgent(store, { username: `c${i}@corp.example`, userId: `seat-${i}`, replace: false }, `password-${i}`)),
    )
    expect(results.map((r) => r.status)).toEqual(Array(10).fill('fulfilled'))
    expect(await countAgents(db)).toBe(10)
    expect(await verifyPassword('password-7', (await findAgentByUsername(db, 'c7@corp.example'))?.passwordHash ?? '')).toBe(true)
    const clash = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => db.transaction((tx) => putAgent(tx, { username: `d${i}@corp.example`, userId: 'same-seat', passwordHash: HASH }, { replace: false, now: NOW }))),
    )
    expect(clash.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(clash.filter((r) => r.status === 'rejected').every((r) => /same-seat/.test(String((r as PromiseRejectedResult).reason)))).toBe(true)
  })

  it('login limits: at most max reservations per (username, client) however many arrive at once', async () => {
    const limiter = createLoginLimiter(db, { max: 5, maxUsernames: 30, maxSuccesses: 30, windowMs: 60_000 })
    const results = await Promise.all(Array.from({ length: 30 }, () => limiter.reserve('agent1@example.com', '10.0.0.1', NOW)))
    expect(results.filter((r) => r.ok)).toHaveLength(5)
    const refused = results.find((r) => !r.ok)
    expect(refused).toEqual({ ok: false, scope: 'username', retryAfterSeconds: 60 })
    // Another client address is counted separately; the window reopens after windowMs.
    expect((await limiter.reserve('agent1@example.com', '10.0.0.2', NOW)).ok).toBe(true)
    expect((await limiter.reserve('agent1@example.com', '10.0.0.1', NOW + 60_000)).ok).toBe(true)
  })

  it('login limits per address count distinct usernames whose check failed, not failures nor checks under way', async () => {
    const limiter = createLoginLimiter(db, { max: 3, maxUsernames: 2, maxSuccesses: 2, windowMs: 60_000 })
    const fail = async (username: string) => {
      const reservation = await limiter.reserve(username, 'office', NOW)
      if (reservation.ok) await limiter.failed(username, 'office', NOW)
      return reservation.ok
    }
    // One agent's typos: the office address stays open for the others.
    for (let i = 0; i < 3; i++) expect(await fail('typo@x')).toBe(true)
    expect((await limiter.reserve('typo@x', 'office', NOW)).ok).toBe(false)
    // Checks under way do not count against the address (a shift signing in at once) ...
    expect((await limiter.reserve('other@x', 'office', NOW)).ok).toBe(true)
    expect((await limiter.reserve('third@x', 'office', NOW)).ok).toBe(true)
    expect((await limiter.succeeded('third@x', 'office', NOW)).ok).toBe(true)
    // ... failed ones do: a second failing username fills it, a third new one is spraying.
    await limiter.failed('other@x', 'office', NOW)
    expect((await limiter.reserve('fourth@x', 'office', NOW)).ok).toBe(false)
    // The address is full: a username without failures there waits for it to reopen, unless it
    // signed in from there (third@x did above: a colleague behind the office's NAT).
    expect((await limiter.reserve('new@x', 'office', NOW)).ok).toBe(false)
    expect((await limiter.reserve('third@x', 'office', NOW)).ok).toBe(true)
    // Successes are bounded too (third@x had one above).
    expect((await limiter.succeeded('third@x', 'office', NOW)).ok).toBe(true)
    expect((await limiter.succeeded('third@x', 'office', NOW)).ok).toBe(false)
  })

  it('30 concurrent wrong guesses through the API: at most the limit checked, the rest 429, then the right password is refused', async () => {
    const app = await buildServer(mockConfig({ LOGIN_RATE_LIMIT: '5' }), { db, report: () => {} })
    try {
      const burst = await Promise.all(Array.from({ length: 30 }, () => login(app, { username: AGENT1.username, password: 'wrong-guess' })))
      const codes = burst.map((b) => b.res.statusCode)
      expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(5)
      expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(25)
      expect(codes.filter((c) => c !== 401 && c !== 429)).toEqual([])
      expect((await login(app, AGENT1)).res.statusCode).toBe(429)
      console.info(`[figures] ${name}: 30 concurrent wrong guesses -> ${codes.filter((c) => c === 401).length} checked (401), ${codes.filter((c) => c === 429).length} refused (429)`)
    } finally {
      await app.close()
    }
  })

  it('imports an agents file once with a report; real mode skips and removes the development accounts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agents-import-'))
    const file = path.join(dir, 'agents.json')
    writeFileSync(
      file,
      JSON.stringify({
        agents: [
          { username: 'agent1@example.com', userId: 'agent1@example.com', passwordHash: HASH },
          { username: 'real@corp.example', userId: 'seat-real', passwordHash: HASH },
        ],
      }),
    )
    const lines: string[] = []
    const options = { mode: 'real' as const, agentsFile: file, agentsFileExplicit: true, now: NOW, report: (l: string) => lines.push(l) }
    await prepareAgentDirectory(db, options)
    expect(lines[0]).toMatch(/Imported agents from .*agents\.json: 1 added, 0 already present, 1 skipped \(agent1@example\.com: development account \(real mode\)\)/)
    await prepareAgentDirectory(db, options)
    expect(lines).toHaveLength(1) // once
    expect(await findAgentByUsername(db, 'agent1@example.com')).toBeNull()
    // Mock mode seeds them; switching the same database to real mode removes them.
    await prepareAgentDirectory(db, { ...options, mode: 'mock' })
    expect(await findAgentByUsername(db, 'agent2@example.com')).not.toBeNull()
    await prepareAgentDirectory(db, options)
    expect(await findAgentByUsername(db, 'agent2@example.com')).toBeNull()
    expect(lines.at(-1)).toMatch(/Removed 2 development account/)
  })

  it('a missing, unreadable or empty agent store fails loudly', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agents-bad-'))
    const base = { mode: 'real' as const, agentsFileExplicit: true, now: NOW, report: () => {} }
    await expect(prepareAgentDirectory(db, { ...base, agentsFile: path.join(dir, 'missing.json') })).rejects.toThrow(/does not exist/)
    mkdirSync(path.join(dir, 'adir'))
    await expect(prepareAgentDirectory(db, { ...base, agentsFile: path.join(dir, 'adir') })).rejects.toThrow(/is a directory/)
    writeFileSync(path.join(dir, 'broken.json'), '{')
    await expect(prepareAgentDirectory(db, { ...base, agentsFile: path.join(dir, 'broken.json') })).rejects.toThrow(/not valid JSON/)
    const twoForOneSeat = path.join(dir, 'seat.json')
    writeFileSync(twoForOneSeat, JSON.stringify({ agents: [{ username: 'a', userId: 's', passwordHash: HASH }, { username: 'b', userId: 's', passwordHash: HASH }] }))
    await expect(prepareAgentDirectory(db, { ...base, agentsFile: twoForOneSeat })).rejects.toThrow(/belongs to two usernames/)
    // Real mode with nobody to sign in is refused, not "zero agents".
    await expect(prepareAgentDirectory(db, { ...base, agentsFileExplicit: false, agentsFile: path.join(dir, 'missing.json') })).rejects.toThrow(StoreStartError)
  })
})

describe.skipIf(findPgBin() === null)('statements on PostgreSQL', () => {
  it('the statements every request runs (session checks, pull pages) are named, so each connection plans them once', async () => {
    const server = await startPostgres()
    try {
      const url = await createDatabase(server, 'named_statements')
      await openMigrated({ driver: 'postgres', url }).then((db) => db.close())
      const one = await openMigratedRaw(url, 1)
      for (let i = 0; i < 2; i++) {
        await lookupSession(one, 'none')
        await lookupSessions(one, ['none', 'other'])
        await pullChanges(one, 'agent', 0n, 10)
        await pullChangesJson(one, 'agent', 0n, 10)
      }
      const prepared = await one.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements ORDER BY name')
      expect(prepared.map((p) => p.name)).toEqual(['lookup_session', 'lookup_sessions', 'pull_page_json', 'pull_page_rows'])
      expect(prepared[0].statement).toContain('FROM sessions s JOIN agents')
      expect(prepared[1].statement).toContain('s.id = ANY($1::text[])')
      expect(prepared[2].statement).toContain('data::text AS data')
      await one.close()
    } finally {
      await server.stop()
    }
  })
})

async function openMigratedRaw(url: string, connections = 2): Promise<Database> {
  const { openPostgres } = await import('../src/db/driver')
  return openPostgres(url, connections)
}
