// @vitest-environment node
/**
 * A backup restored under running backends (server/src/db/revisions.ts): no backend restarts, yet
 * no rev is handed out at or below a cursor a phone holds, and a start is noted for the phones'
 * reconcile. On both drivers the restore is simulated in one transaction (the sequence set back,
 * the rows written since the backup deleted: what the backend sees of a restore); PGlite cannot
 * be restored under a running backend at all (one process owns DATA_DIR, a restore needs a stop),
 * so the real pg_dump / pg_restore under two running instances is PostgreSQL only.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it, vi } from 'vitest'
import { buildServer } from '../src/app'
import { openMigrated, type Database } from '../src/db'
import { checkRevisions } from '../src/db/revisions'
import { assignNumbers, pullChanges, pushChanges } from '../src/db/workspace'
import { AGENT1, login, mockConfig } from './helpers'
import { BOTH_DRIVERS, freshBackendPerTest, twoInstancesPerBlock } from './backendPerDriver'
import { findPgBin, startPostgres } from './pgHarness'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

/** The sequence's clock (advanceRevisions): the real one, as at every start. */
const now = () => Date.now()
const AGENT = 'agent1@example.com'

interface Change {
  kind: string
  id: string
  rev: string
}

/** The database as a backup holds it: the sequence, the highest rev, the change ids answered. */
async function backup(db: Database) {
  const [{ sequence, top }] = await db.query<{ sequence: string; top: string }>(
    `SELECT (SELECT last_value FROM workspace_rev)::text AS sequence, (SELECT max(rev) FROM workspace_records)::text AS top`,
  )
  const changeIds = (await db.query<{ id: string }>(`SELECT agent || '/' || change_id AS id FROM workspace_changes`)).map((r) => r.id)
  return { sequence, top, changeIds }
}

/** What a restore does, as one transaction behind the backends' backs. */
async function restore(db: Database, saved: Awaited<ReturnType<typeof backup>>) {
  await db.transaction(async (tx) => {
    await tx.query(`DELETE FROM workspace_records WHERE rev > $1::bigint`, [saved.top])
    await tx.query(`DELETE FROM workspace_changes WHERE NOT (agent || '/' || change_id = ANY($1::text[]))`, [saved.changeIds])
    await tx.query(`SELECT setval('workspace_rev', $1::bigint)`, [saved.sequence])
  })
}

const startsSince = async (db: Database, at: number) => Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM workspace_starts WHERE started_at >= $1::bigint`, [at]))[0].n)
const sequenceOf = async (db: Database) => BigInt((await db.query<{ v: string }>(`SELECT last_value::text AS v FROM workspace_rev`))[0].v)
const numberChange = (id: string, digits: string) => ({ changeId: `c-${id}`, kind: 'number', op: 'upsert', id, data: { number: `139${digits.padStart(8, '0')}`, remark: id, source: 'own', createdAt: now() } })

describe.each(BOTH_DRIVERS)('a restore under running backends on $name', (driver) => {
  let db: Database
  let app: FastifyInstance
  /**
   * The backends' clock ahead of the sequence: a phone's cursor counts only while the sequence lies
   * 5 minutes behind the clock (revisions.ts, CURSOR_LAG_US), and every test runs within minutes
   * of the database's start.
   */
  let ahead = 0
  const clock = () => now() + ahead
  const backend = freshBackendPerTest(driver, clock, async (openedDb, started) => {
    db = openedDb
    app = started
  })

  const auth = (token: string) => ({ authorization: `Bearer ${token}` })
  const push = async (on: FastifyInstance, token: string, change: unknown) => {
    const res = await on.inject({ method: 'POST', url: '/api/workspace/changes', headers: auth(token), payload: { changes: [change] } })
    expect(res.statusCode).toBe(200)
    const [result] = (res.json() as { results: { status: string; rev: string }[] }).results
    expect(result.status).toBe('applied')
    return BigInt(result.rev)
  }
  const pull = async (on: FastifyInstance, token: string, since: string) => {
    const res = await on.inject({ method: 'GET', url: `/api/workspace/changes?since=${since}`, headers: auth(token) })
    expect(res.statusCode).toBe(200)
    return res.json() as { changes: Change[]; cursor: string }
  }
  const floor = async (on: FastifyInstance, token: string, since: number) => {
    const res = await on.inject({ method: 'GET', url: `/api/workspace/reconcile?since=${since}`, headers: auth(token) })
    expect(res.statusCode).toBe(200)
    return (res.json() as { floor: string | null }).floor
  }

  it('a push after the restore gets a rev above every cursor, the phone pulls it, the reconcile check answers the backup as its floor, and a second instance sees the same', async () => {
    ahead = 0
    const second = await backend.secondInstance()
    const phoneA = (await login(app, AGENT1)).body.accessToken as string
    const phoneB = (await login(app, AGENT1)).body.accessToken as string
    await push(app, phoneA, numberChange('n0', '1'))
    const saved = await backup(db)
    await push(app, phoneA, numberChange('n1', '2'))
    const cursor = (await pull(app, phoneA, '0')).cursor
    const restoredAt = now()
    await restore(db, saved)

    // Phone B's push, the first request after the restore.
    const rev = await push(app, phoneB, numberChange('n2', '3'))
    expect(rev).toBeGreaterThan(BigInt(cursor))
    expect((await pull(app, phoneA, cursor)).changes.map((c) => c.id)).toEqual(['n2'])
    expect(await floor(app, phoneA, restoredAt)).toBe(saved.top)
    expect(await startsSince(db, restoredAt)).toBe(1)

    // The second instance: its revs go on above, the same floor, no start of its own.
    const onSecond = (await login(second, AGENT1)).body.accessToken as string
    const revOnSecond = await push(second, onSecond, numberChange('n3', '4'))
    expect(revOnSecond).toBeGreaterThan(rev)
    expect((await pull(second, phoneA, cursor)).changes.map((c) => c.id)).toEqual(['n2', 'n3'])
    expect(await floor(second, onSecond, restoredAt)).toBe(saved.top)
    expect(await startsSince(db, restoredAt)).toBe(1)
  })

  it("an instance that saw none of the lost revs notices the restore by a phone's cursor before it hands out a rev", async () => {
    ahead = 10 * 60_000
    // Started before the backup and idle since: only the phone knows how far the revs had gone.
    const second = await backend.secondInstance()
    const phoneA = (await login(app, AGENT1)).body.accessToken as string
    const onSecond = (await login(second, AGENT1)).body.accessToken as string
    const saved = await backup(db)
    await push(app, phoneA, numberChange('n1', '2'))
    const cursor = (await pull(app, phoneA, '0')).cursor
    const restoredAt = clock()
    await restore(db, saved)

    expect((await pull(second, phoneA, cursor)).changes).toEqual([])
    const rev = await push(second, onSecond, numberChange('n2', '3'))
    expect(rev).toBeGreaterThan(BigInt(cursor))
    expect((await pull(second, phoneA, cursor)).changes.map((c) => c.id)).toEqual(['n2'])
    expect(await floor(second, onSecond, restoredAt)).toBe(saved.top)
    expect(await startsSince(db, restoredAt)).toBe(1)
  })

  it('made-up cursors: one beyond the clock moves nothing; ones up to the clock one start at most per 5 minutes, the sequence no further than the clock; a real restore after them is still caught', async () => {
    ahead = 30 * 60_000
    const phone = (await login(app, AGENT1)).body.accessToken as string
    await push(app, phone, numberChange('n0', '1'))
    const before = await sequenceOf(db)
    const since = clock()
    for (const bogus of ['999999999999999999', String(clock() * 1000 + 10_000_000), `s${clock() * 1000 + 10_000_000}`]) await pull(app, phone, bogus)
    expect(await sequenceOf(db)).toBe(before)
    expect(await startsSince(db, since)).toBe(0)

    for (let i = 0; i < 20; i++) await pull(app, phone, String(clock() * 1000 - 1))
    expect(await startsSince(db, since)).toBe(1)
    expect(await sequenceOf(db)).toBeLessThanOrEqual(BigInt(clock()) * 1000n)

    // The same made-up cursors do not hide a restore that follows.
    const saved = await backup(db)
    await push(app, phone, numberChange('n1', '2'))
    const cursor = (await pull(app, phone, '0')).cursor
    const restoredAt = clock()
    await restore(db, saved)
    for (let i = 0; i < 3; i++) await pull(app, phone, String(clock() * 1000 - 1))
    const rev = await push(app, phone, numberChange('n2', '3'))
    expect(rev).toBeGreaterThan(BigInt(cursor))
    expect(await startsSince(db, restoredAt)).toBe(1)
  })
})

describe.each(BOTH_DRIVERS)('many writes at once right after a restore, on two instances, on $name', (driver) => {
  const instances = twoInstancesPerBlock(driver)

  it('every push lands once, above every cursor, and one start is noted', async () => {
    const { db, other } = instances()
    await pushChanges(db, AGENT, [numberChange('n0', '1')], now())
    const saved = await backup(db)
    await pushChanges(db, AGENT, [numberChange('n1', '2')], now())
    // Both instances serve the phones: each has read the sequence since the backup.
    const cursor = (await pullChanges(db, AGENT, 0n, 1000)).cursor
    expect((await pullChanges(other, AGENT, 0n, 1000)).cursor).toBe(cursor)
    const restoredAt = now()
    await restore(db, saved)

    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => pushChanges(i % 2 === 0 ? db : other, AGENT, [numberChange(`m${i}`, String(100 + i))], now())),
    )
    const revs = results.map(([r]) => {
      expect(r.status).toBe('applied')
      return BigInt(r.rev ?? '0')
    })
    expect(new Set(revs).size).toBe(24)
    for (const rev of revs) expect(rev).toBeGreaterThan(BigInt(cursor))
    const pulled = (await pullChanges(other, AGENT, BigInt(cursor), 1000)).changes.map((c) => c.id)
    expect(pulled.sort()).toEqual(Array.from({ length: 24 }, (_, i) => `m${i}`).sort())
    expect(await startsSince(db, restoredAt)).toBe(1)
  })

  it('a lead the business assigns right after the restore (assign-numbers) reaches the phone', async () => {
    const { db, other } = instances()
    const saved = await backup(db)
    await pushChanges(db, AGENT, [numberChange('n1', '2')], now())
    const cursor = (await pullChanges(db, AGENT, 0n, 1000)).cursor
    await restore(db, saved)
    await assignNumbers(db, AGENT, [{ line: 1, number: '13912345678', remark: 'lead' }], now())
    const pulled = (await pullChanges(other, AGENT, BigInt(cursor), 1000)).changes
    expect(pulled.map((c) => c.data?.remark)).toEqual(['lead'])
  })

  it('the check every minute: both instances run it after the restore, one start is noted, and nothing moves without a restore', async () => {
    const { db, other } = instances()
    await checkRevisions(db)
    await checkRevisions(other)
    const since = now()
    expect(await checkRevisions(db)).toBe(false)
    expect(await startsSince(db, since)).toBe(0)
    const saved = await backup(db)
    await pushChanges(db, AGENT, [numberChange('n1', '2')], now())
    await checkRevisions(other)
    await restore(db, saved)
    const [a, b] = await Promise.all([checkRevisions(db), checkRevisions(other)])
    expect(a || b).toBe(true)
    expect(await startsSince(db, since)).toBe(1)
    expect(await checkRevisions(other)).toBe(false)
  })
})

describe('pg_restore of a pg_dump under two running backends (PostgreSQL only: PGlite needs a stop to restore)', () => {
  const bin = findPgBin()
  it.skipIf(bin === null)('the next push gets a rev above the phone\'s cursor, the phone pulls it, and the reconcile check answers the backup as its floor', async () => {
    const pg = await startPostgres()
    const dir = mkdtempSync(path.join(tmpdir(), 'tccc-dump-'))
    const dump = path.join(dir, 'backup.dump')
    const run = (tool: string, args: string[]) => {
      const r = spawnSync(path.join(bin as string, tool), [...args, `--dbname=${pg.url}`], { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr}`)
    }
    const dbs: Database[] = []
    const apps: FastifyInstance[] = []
    try {
      for (let i = 0; i < 2; i++) {
        const db = await openMigrated({ driver: 'postgres', url: pg.url })
        dbs.push(db)
        apps.push(await buildServer(mockConfig(), { db, now, report: () => {} }))
      }
      const [one, two] = apps
      const tokenOf = async (on: FastifyInstance) => (await login(on, AGENT1)).body.accessToken as string
      const phoneA = await tokenOf(one)
      const phoneB = await tokenOf(two)
      const pushOn = async (on: FastifyInstance, token: string, change: unknown) => {
        const res = await on.inject({ method: 'POST', url: '/api/workspace/changes', headers: { authorization: `Bearer ${token}` }, payload: { changes: [change] } })
        expect(res.statusCode).toBe(200)
        return BigInt((res.json() as { results: { rev: string }[] }).results[0].rev)
      }
      const pullOn = async (on: FastifyInstance, token: string, since: string) =>
        (await on.inject({ method: 'GET', url: `/api/workspace/changes?since=${since}`, headers: { authorization: `Bearer ${token}` } })).json() as { changes: Change[]; cursor: string }

      await pushOn(one, phoneA, numberChange('n0', '1'))
      const [{ top }] = await dbs[0].query<{ top: string }>('SELECT max(rev)::text AS top FROM workspace_records')
      run('pg_dump', ['--format=custom', `--file=${dump}`])
      await pushOn(one, phoneA, numberChange('n1', '2'))
      const cursor = (await pullOn(one, phoneA, '0')).cursor
      await pullOn(two, phoneB, '0')
      const restoredAt = now()
      run('pg_restore', ['--clean', '--if-exists', '--single-transaction', dump])

      const rev = await pushOn(two, phoneB, numberChange('n2', '3'))
      expect(rev).toBeGreaterThan(BigInt(cursor))
      expect((await pullOn(one, phoneA, cursor)).changes.map((c) => c.id)).toEqual(['n2'])
      for (const on of apps) {
        const res = await on.inject({ method: 'GET', url: `/api/workspace/reconcile?since=${restoredAt}`, headers: { authorization: `Bearer ${phoneA}` } })
        expect(res.json()).toMatchObject({ floor: top })
      }
      expect(await startsSince(dbs[0], restoredAt)).toBe(1)
    } finally {
      for (const on of apps) await on.close()
      for (const db of dbs) await db.close()
      await pg.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
