// @vitest-environment node
/**
 * Tombstones forgotten (docs/WORKSPACE_API.md, "Tombstones forgotten"): the maintenance forgets
 * deletes older than WORKSPACE_TOMBSTONE_DAYS in bounded batches, the agent's totals and watermark
 * follow, a pull from below the watermark gets a full listing (`resync`), and a reconcile never
 * puts back what was forgotten. Both drivers; two backends on one PostgreSQL; a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../src/app'
import { advanceRevisions, noteWorkspaceStart, openMigrated, type Database } from '../src/db'
import { putAgent, removeAgent } from '../src/db/agents'
import { forgetOldTombstones, prunedRev, pruneTombstones, pullChanges, pushChanges, TOMBSTONE_PRUNE_BATCH, TOMBSTONE_PRUNE_ROUNDS } from '../src/db/workspace'
import { AGENT1, AGENT2, answeredCallData, configError, fileDatabase, login, mockConfig, type PulledChange } from './helpers'
import { BOTH_DRIVERS, freshBackendPerTest, twoInstancesPerBlock } from './backendPerDriver'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)
const DAY = 86_400_000
const KEEP = 90 * DAY
const A = AGENT1.username
const B = AGENT2.username

let counter = 0
const numberAdd = (id: string, number: string) => ({ changeId: `t${++counter}`, kind: 'number', op: 'upsert', id, data: { number, remark: '', source: 'own', createdAt: Date.UTC(2025, 0, 1) } })
const del = (id: string, kind = 'number') => ({ changeId: `t${++counter}`, kind, op: 'delete', id })
const phone = (i: number) => `1380013${String(i).padStart(4, '0')}`

async function totalsOf(db: Database, agent: string) {
  const stored = await db.query<{ numbers: number | string; records: number | string }>('SELECT numbers, records FROM workspace_totals WHERE agent = $1', [agent])
  const counted = await db.query<{ numbers: number | string; records: number | string }>(
    `SELECT count(*) FILTER (WHERE kind = 'number' AND NOT deleted) AS numbers, count(*) AS records FROM workspace_records WHERE agent = $1`,
    [agent],
  )
  return {
    stored: { numbers: Number(stored[0]?.numbers ?? 0), records: Number(stored[0]?.records ?? 0) },
    counted: { numbers: Number(counted[0].numbers), records: Number(counted[0].records) },
  }
}

const tombstones = async (db: Database, agent: string) =>
  (await db.query<{ id: string }>('SELECT id FROM workspace_records WHERE agent = $1 AND deleted ORDER BY id', [agent])).map((r) => r.id)

describe('WORKSPACE_TOMBSTONE_DAYS', () => {
  it('keeps tombstones 90 days unless set, in days from 1 to 3650', () => {
    expect(mockConfig().workspaceTombstoneMs).toBe(90 * DAY)
    expect(mockConfig({ WORKSPACE_TOMBSTONE_DAYS: ' 30 ' }).workspaceTombstoneMs).toBe(30 * DAY)
    expect(mockConfig({ WORKSPACE_TOMBSTONE_DAYS: '1' }).workspaceTombstoneMs).toBe(DAY)
    expect(mockConfig({ WORKSPACE_TOMBSTONE_DAYS: '3650' }).workspaceTombstoneMs).toBe(3650 * DAY)
  })

  it.each([
    ['90d', /WORKSPACE_TOMBSTONE_DAYS must be a whole number \(got "90d"\)/],
    ['1.5', /WORKSPACE_TOMBSTONE_DAYS must be a whole number \(got "1.5"\)/],
    ['-1', /WORKSPACE_TOMBSTONE_DAYS must be a whole number/],
    ['0', /WORKSPACE_TOMBSTONE_DAYS must be between 1 and 3650/],
    ['3651', /WORKSPACE_TOMBSTONE_DAYS must be between 1 and 3650/],
  ])('WORKSPACE_TOMBSTONE_DAYS=%s refuses to start, naming it', (value, message) => {
    expect(configError({ WORKSPACE_TOMBSTONE_DAYS: value }).message).toMatch(message)
  })
})

describe.each(BOTH_DRIVERS)('tombstones forgotten on $name', (driver) => {
  let db: Database
  let app: FastifyInstance
  let token: string

  const backend = freshBackendPerTest(driver, () => NOW, async (openedDb, started) => {
    db = openedDb
    app = started
    token = (await login(app, AGENT1)).body.accessToken
  })

  const auth = () => ({ authorization: `Bearer ${token}` })
  const pull = async (since: string, limit = 1000) => {
    const res = await app.inject({ method: 'GET', url: `/api/workspace/changes?since=${since}&limit=${limit}`, headers: auth() })
    expect(res.statusCode).toBe(200)
    return res.json() as { changes: PulledChange[]; cursor: string; more: boolean; resync?: boolean; pruned?: string }
  }
  const agentIds = (changes: PulledChange[]) => changes.filter((c) => c.kind === 'number' || c.kind === 'call').map((c) => `${c.deleted ? '-' : ''}${c.id}`)
  /** Every page from `since` as a phone follows the cursors, understanding `resync` or not. */
  const pullToEnd = async (since: string, limit: number) => {
    const pages: Awaited<ReturnType<typeof pull>>[] = []
    let cursor = since
    for (;;) {
      const page = await pull(cursor, limit)
      pages.push(page)
      cursor = page.cursor
      if (!page.more) return { pages, cursor }
    }
  }

  it('forgets tombstones deleted more than the horizon ago, not one at its edge, never a live record nor the shared ones', async () => {
    await pushChanges(db, A, [numberAdd('n1', phone(1)), numberAdd('n2', phone(2)), numberAdd('n3', phone(3))], NOW - 10 * DAY)
    await pushChanges(db, A, [del('n1'), del('x-old')], NOW - 10 * DAY)
    await pushChanges(db, A, [del('n2')], NOW)
    await db.query(`INSERT INTO workspace_records (agent, kind, id, rev, deleted, deleted_at) VALUES ('', 'outcome', 'retired', nextval('workspace_rev'), true, $1)`, [NOW - 1000 * DAY])
    const edge = NOW - 10 * DAY + KEEP
    expect(await pruneTombstones(db, edge, KEEP)).toEqual({ forgotten: 0, stamped: 0 })
    expect(await tombstones(db, A)).toEqual(['n1', 'n2', 'x-old'])
    expect(await pruneTombstones(db, edge + 1, KEEP)).toEqual({ forgotten: 2, stamped: 0 })
    expect(await tombstones(db, A)).toEqual(['n2'])
    expect(await pruneTombstones(db, NOW + KEEP + 1, KEEP)).toEqual({ forgotten: 1, stamped: 0 })
    expect(await tombstones(db, A)).toEqual([])
    const live = await db.query<{ id: string }>(`SELECT id FROM workspace_records WHERE agent = $1`, [A])
    expect(live.map((r) => r.id)).toEqual(['n3'])
    // The business's deleted outcome stays: every agent pulls it, no agent's watermark covers it.
    expect(await db.query(`DELETE FROM workspace_records WHERE agent = '' AND id = 'retired' RETURNING 1`)).toHaveLength(1)
  })

  it('a tombstone revived and deleted again is aged from its last delete; one deleted again while a tombstone keeps its first', async () => {
    await pushChanges(db, A, [numberAdd('n1', phone(1)), numberAdd('n2', phone(2))], NOW - 50 * DAY)
    await pushChanges(db, A, [del('n1'), del('n2')], NOW - 50 * DAY)
    await pushChanges(db, A, [numberAdd('n1', phone(1))], NOW - 40 * DAY)
    await pushChanges(db, A, [del('n1'), del('n2')], NOW)
    const at = await db.query<{ id: string; deleted_at: string | number }>('SELECT id, deleted_at FROM workspace_records WHERE agent = $1 ORDER BY id', [A])
    expect(at.map((r) => [r.id, Number(r.deleted_at)])).toEqual([
      ['n1', NOW],
      ['n2', NOW - 50 * DAY],
    ])
    await pushChanges(db, A, [numberAdd('n1', phone(1))], NOW)
    expect((await db.query<{ deleted_at: unknown }>(`SELECT deleted_at FROM workspace_records WHERE agent = $1 AND id = 'n1'`, [A]))[0].deleted_at).toBeNull()
    expect(await pruneTombstones(db, NOW - 50 * DAY + KEEP + 1, KEEP)).toEqual({ forgotten: 1, stamped: 0 })
    expect(await tombstones(db, A)).toEqual([])
    expect((await pruneTombstones(db, NOW + 10 * KEEP, KEEP)).forgotten).toBe(0) // n1 is live
  })

  it('tombstones without a time (before migration 11, an operator\'s SQL, the development clear without a clock) are stamped when first seen and forgotten a horizon later', async () => {
    await pushChanges(db, A, [numberAdd('n1', phone(1)), numberAdd('n2', phone(2)), numberAdd('n3', phone(3))], NOW)
    await db.query(`UPDATE workspace_records SET deleted = true, data = NULL WHERE agent = $1 AND id IN ('n1', 'n2')`, [A])
    expect(await pruneTombstones(db, NOW + 5 * KEEP, KEEP, 1)).toEqual({ forgotten: 0, stamped: 1 })
    expect(await forgetOldTombstones(db, NOW + 5 * KEEP, KEEP)).toBe(0)
    const stamped = await db.query<{ deleted_at: string | number }>(`SELECT deleted_at FROM workspace_records WHERE agent = $1 AND deleted`, [A])
    expect(stamped.map((r) => Number(r.deleted_at))).toEqual([NOW + 5 * KEEP, NOW + 5 * KEEP])
    expect(await forgetOldTombstones(db, NOW + 6 * KEEP, KEEP)).toBe(0)
    expect(await forgetOldTombstones(db, NOW + 6 * KEEP + 1, KEEP)).toBe(2)
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 1, records: 1 }, counted: { numbers: 1, records: 1 } })
  })

  it('goes in batches, oldest first, each its own transaction; a run stops after its rounds and the next goes on', async () => {
    for (let i = 0; i < 25; i += 1) await pushChanges(db, A, [del(`x${String(i).padStart(2, '0')}`)], NOW - (100 - i) * 60_000)
    expect(await pruneTombstones(db, NOW + KEEP, KEEP, 10)).toEqual({ forgotten: 10, stamped: 0 })
    expect((await tombstones(db, A))[0]).toBe('x10')
    expect(await forgetOldTombstones(db, NOW + KEEP, KEEP, { batch: 4, rounds: 2 })).toBe(8)
    expect((await tombstones(db, A))[0]).toBe('x18')
    expect(await forgetOldTombstones(db, NOW + KEEP, KEEP, { batch: 4, rounds: 10 })).toBe(7)
    expect(await tombstones(db, A)).toEqual([])
    expect([TOMBSTONE_PRUNE_BATCH, TOMBSTONE_PRUNE_ROUNDS]).toEqual([1_000, 5])
  })

  it('oldest first by the time of the delete, not by when the row was written; a run stamps every tombstone without a time, a batch at a time', async () => {
    // Written newest first: a scan in the table's order would take the newest.
    for (let i = 0; i < 6; i += 1) await pushChanges(db, A, [del(`y${i}`)], NOW - (10 + i) * 60_000)
    expect(await pruneTombstones(db, NOW + KEEP, KEEP, 2)).toEqual({ forgotten: 2, stamped: 0 })
    expect(await tombstones(db, A)).toEqual(['y0', 'y1', 'y2', 'y3'])
    await db.query(`UPDATE workspace_records SET deleted_at = NULL WHERE agent = $1`, [A])
    // Four without a time, batches of one: the run goes on while it stamps full batches.
    expect(await forgetOldTombstones(db, NOW, KEEP, { batch: 1, rounds: 10 })).toBe(0)
    const unstamped = await db.query(`SELECT id FROM workspace_records WHERE agent = $1 AND deleted_at IS NULL`, [A])
    expect(unstamped).toEqual([])
  })

  it("the agent's totals follow (a forgotten tombstone is a record less), so deletes alone no longer hold an agent at the records cap", async () => {
    const caps = { numbers: 10, records: 4 }
    await pushChanges(db, A, [1, 2, 3].map((i) => numberAdd(`n${i}`, phone(i))), NOW, undefined, caps)
    await pushChanges(db, A, [del('n1'), del('n2'), del('x1')], NOW, undefined, caps)
    expect((await pushChanges(db, A, [numberAdd('n4', phone(4))], NOW, undefined, caps)).map((r) => r.reason)).toEqual(['QUOTA_EXCEEDED'])
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 1, records: 4 }, counted: { numbers: 1, records: 4 } })
    expect((await pruneTombstones(db, NOW + KEEP + 1, KEEP)).forgotten).toBe(3)
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 1, records: 1 }, counted: { numbers: 1, records: 1 } })
    expect((await pushChanges(db, A, [numberAdd('n4', phone(4)), del('x2'), del('x3')], NOW + KEEP + 1, undefined, caps)).map((r) => r.status)).toEqual(['applied', 'applied', 'applied'])
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 2, records: 4 }, counted: { numbers: 2, records: 4 } })
  })

  it("pruning's skip of the totals triggers ends with its transaction: a write after it by another path (an operator's SQL) is counted", async () => {
    await pushChanges(db, A, [numberAdd('n1', phone(1)), numberAdd('n2', phone(2))], NOW)
    await pushChanges(db, A, [del('n1')], NOW)
    expect((await pruneTombstones(db, NOW + KEEP + 1, KEEP)).forgotten).toBe(1)
    await db.query(`DELETE FROM workspace_records WHERE agent = $1 AND id = 'n2'`, [A])
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 0, records: 0 }, counted: { numbers: 0, records: 0 } })
  })

  it('keeps per agent the highest rev it forgot (the watermark), which never goes back', async () => {
    expect(await prunedRev(db, A)).toBe('0')
    await pushChanges(db, A, [numberAdd('n1', phone(1)), numberAdd('n2', phone(2))], NOW)
    const first = await pushChanges(db, A, [del('n1')], NOW)
    const later = await pushChanges(db, A, [del('n2')], NOW + DAY)
    const other = await pushChanges(db, B, [del('b1')], NOW)
    expect((await pruneTombstones(db, NOW + KEEP + 1, KEEP)).forgotten).toBe(2)
    expect(await prunedRev(db, A)).toBe(first[0].rev)
    expect(await prunedRev(db, B)).toBe(other[0].rev)
    // A tombstone with a lower rev but deleted later (the clock stepped back) does not lower it.
    await pushChanges(db, A, [numberAdd('n3', phone(3))], NOW)
    await pushChanges(db, A, [del('n3')], NOW + 2 * DAY)
    await db.query(`UPDATE workspace_records SET rev = $2::bigint - 1 WHERE agent = $1 AND id = 'n3'`, [A, first[0].rev])
    expect((await pruneTombstones(db, NOW + 2 * DAY + KEEP + 1, KEEP)).forgotten).toBe(2)
    expect(await prunedRev(db, A)).toBe(later[0].rev)
  })

  it('a later batch that forgets only lower revs (deleted later, the clock stepped back) leaves the watermark where it was', async () => {
    await pushChanges(db, A, [numberAdd('n1', phone(1)), numberAdd('n2', phone(2))], NOW)
    const first = await pushChanges(db, A, [del('n1')], NOW)
    const later = await pushChanges(db, A, [del('n2')], NOW)
    expect((await pruneTombstones(db, NOW + KEEP + 1, KEEP)).forgotten).toBe(2)
    expect(await prunedRev(db, A)).toBe(later[0].rev)
    await pushChanges(db, A, [numberAdd('n3', phone(3))], NOW)
    await pushChanges(db, A, [del('n3')], NOW + DAY)
    await db.query(`UPDATE workspace_records SET rev = $2::bigint - 1 WHERE agent = $1 AND id = 'n3'`, [A, first[0].rev])
    expect((await pruneTombstones(db, NOW + DAY + KEEP + 1, KEEP)).forgotten).toBe(1)
    expect(await prunedRev(db, A)).toBe(later[0].rev)
  })

  it('a pull from below the watermark gets a full listing (resync) whose pages go on and end at or above it; a fresh cursor does not', async () => {
    await pushChanges(db, A, [1, 2, 3, 4, 5].map((i) => numberAdd(`n${i}`, phone(i))), NOW - 100 * DAY)
    const shared = (await pull('0')).changes.filter((c) => c.kind !== 'number').length
    const phoneA = (await pull('0')).cursor // a phone that synced then, and went quiet
    await pushChanges(db, A, [del('n1'), del('n2')], NOW - 95 * DAY)
    await pushChanges(db, A, [del('n3')], NOW)
    const phoneB = (await pull(phoneA)).cursor // a phone that pulled the deletes
    expect((await pruneTombstones(db, NOW, KEEP)).forgotten).toBe(2)
    const watermark = await prunedRev(db, A)

    const fresh = await pull(phoneB)
    expect(fresh).toEqual({ changes: [], cursor: phoneB, more: false })
    const stale = await pull(phoneA)
    expect(stale.resync).toBe(true)
    expect(stale.pruned).toBe(watermark)
    // From the start: every live record and tombstone kept, the shared ones; n1 and n2 are in none.
    expect(agentIds(stale.changes)).toEqual(['n4', 'n5', '-n3'])
    expect(stale.changes.length).toBe(3 + shared)
    expect(BigInt(stale.cursor) >= BigInt(watermark)).toBe(true)
    expect(stale.more).toBe(false)
    // Cursor 0 (a new phone) is below it too: a listing it can take as one.
    expect((await pull('0')).resync).toBe(true)

    // Paged (two a page): the listing's cursors go on with `s…`, only its first page says resync,
    // and the last hands out a plain cursor at or above the watermark: the next pull is incremental.
    const paged = await pullToEnd(phoneA, 2)
    expect(paged.pages.map((p) => p.resync ?? false)).toEqual(paged.pages.map((_, i) => i === 0))
    expect(paged.pages.slice(0, -1).every((p) => p.cursor === `s${p.changes[p.changes.length - 1].rev}w${watermark}`)).toBe(true)
    expect(agentIds(paged.pages.flatMap((p) => p.changes))).toEqual(['n4', 'n5', '-n3'])
    expect(paged.cursor).toBe(stale.cursor)
    expect(await pull(paged.cursor)).toEqual({ changes: [], cursor: paged.cursor, more: false })
    await pushChanges(db, A, [del('n4')], NOW)
    expect(agentIds((await pull(paged.cursor)).changes)).toEqual(['-n4'])
  })

  it('a listing whose last record lies below the watermark still ends at it (no listing again at the next pull)', async () => {
    await pushChanges(db, A, [numberAdd('n1', phone(1))], NOW - 100 * DAY)
    await pushChanges(db, A, [del('x1'), del('x2')], NOW - 100 * DAY)
    expect((await pruneTombstones(db, NOW, KEEP)).forgotten).toBe(2)
    const watermark = await prunedRev(db, A)
    const listing = await pull('0')
    expect(listing.resync).toBe(true)
    expect(agentIds(listing.changes)).toEqual(['n1'])
    expect(listing.cursor).toBe(watermark)
    expect(await pull(listing.cursor)).toEqual({ changes: [], cursor: watermark, more: false })
  })

  it('a backend start (the revs moved on to the clock, the start noted, a new instance) keeps the watermark: a stale cursor still gets the listing, a fresh one not', async () => {
    await pushChanges(db, A, [numberAdd('n1', phone(1)), numberAdd('n2', phone(2))], NOW - 100 * DAY)
    const stale = (await pull('0')).cursor
    await pushChanges(db, A, [del('n1')], NOW - 100 * DAY)
    expect((await pruneTombstones(db, NOW, KEEP)).forgotten).toBe(1)
    const fresh = (await pull(stale)).cursor
    // What openMigrated does at each start, then a new backend over the database.
    await advanceRevisions(db, Date.now())
    await noteWorkspaceStart(db, NOW)
    app = await backend.restart()
    token = (await login(app, AGENT1)).body.accessToken
    expect(await prunedRev(db, A)).not.toBe('0')
    const listing = await pull(stale)
    expect(listing.resync).toBe(true)
    expect(agentIds(listing.changes)).toEqual(['n2'])
    expect(await pull(fresh)).toEqual({ changes: [], cursor: fresh, more: false })
    await pushChanges(db, A, [del('n2')], NOW)
    const after = await pull(fresh)
    expect(after.resync).toBeUndefined()
    expect(agentIds(after.changes)).toEqual(['-n2'])
  })

  it("a listing's first page and the watermark it names come from one snapshot: a prune committing between the cursor's check and the page does not leave a record the page omits above the named watermark", async () => {
    await pushChanges(db, A, [numberAdd('n0', phone(0))], NOW - 200 * DAY)
    const cursor = (await pullChanges(db, A, 0n, 1000)).cursor // the phone pulled, then went quiet
    await pushChanges(db, A, [del('x1')], NOW - 100 * DAY)
    const added = await pushChanges(db, A, [numberAdd('n1', phone(1))], NOW - 99 * DAY) // the phone's own add: seen at its rev
    await pushChanges(db, A, [del('n1')], NOW - 95 * DAY) // deleted on another phone
    expect((await pruneTombstones(db, NOW - 100 * DAY + KEEP + 1, KEEP)).forgotten).toBe(1) // x1 only
    expect(BigInt(added[0].rev as string) > BigInt(await prunedRev(db, A))).toBe(true)
    // The maintenance forgets n1's tombstone right after the pull read the watermark.
    let raced = false
    const racing: Database = Object.create(db, {
      query: {
        value: async (sql: string, params?: unknown[], options?: { name?: string }) => {
          const rows = await db.query(sql, params, options)
          if (!raced && options?.name === 'pull_page_rows') {
            raced = true
            expect((await pruneTombstones(db, NOW, KEEP)).forgotten).toBe(1)
          }
          return rows
        },
      },
    })
    const page = await pullChanges(racing, A, BigInt(cursor), 1000)
    expect(page.resync).toBe(true)
    expect(agentIds(page.changes)).toEqual(['n0'])
    // n1 is not named: the watermark said must cover the phone's rev of it, so the phone drops it.
    expect(page.pruned).toBe(await prunedRev(db, A))
    expect(BigInt(page.pruned as string) >= BigInt(added[0].rev as string)).toBe(true)
  })

  it('a listing under way when the watermark rises starts again with the new one, so the phone drops by the watermark the whole listing was read under', async () => {
    await pushChanges(db, A, [0, 1, 2, 3].map((i) => numberAdd(`n${i}`, phone(i))), NOW - 200 * DAY)
    const cursor = (await pullChanges(db, A, 0n, 1000)).cursor
    await pushChanges(db, A, [del('x1')], NOW - 100 * DAY)
    const added = await pushChanges(db, A, [numberAdd('n9', phone(9))], NOW - 99 * DAY) // the phone's own add
    await pushChanges(db, A, [del('n9')], NOW - 95 * DAY) // deleted on another phone
    expect((await pruneTombstones(db, NOW - 100 * DAY + KEEP + 1, KEEP)).forgotten).toBe(1) // x1 only
    const first = await pull(cursor, 2)
    expect(first).toMatchObject({ resync: true, pruned: await prunedRev(db, A), more: true })
    // n9's tombstone is forgotten while the phone pages on: no later page names n9.
    expect((await pruneTombstones(db, NOW, KEEP)).forgotten).toBe(1)
    const rest = await pullToEnd(first.cursor, 2)
    const restarts = rest.pages.filter((p) => p.resync === true)
    expect(restarts.map((p) => p.pruned)).toEqual([await prunedRev(db, A)])
    expect(BigInt(restarts[0].pruned as string) >= BigInt(added[0].rev as string)).toBe(true)
    // From the restart on, the listing is whole again and ends incremental.
    const fromRestart = rest.pages.slice(rest.pages.indexOf(restarts[0]))
    expect(agentIds(fromRestart.flatMap((p) => p.changes))).toEqual(['n0', 'n1', 'n2', 'n3'])
    expect(await pull(rest.cursor)).toEqual({ changes: [], cursor: rest.cursor, more: false })
    // Once only: the restarted listing's cursors carry no watermark, so it ends whatever ages meanwhile.
    expect(fromRestart.slice(0, -1).every((p) => /^s\d+$/.test(p.cursor))).toBe(true)
  })

  it('a listing is not started over for deletes forgotten behind its position (it named them already)', async () => {
    await pushChanges(db, A, [del('x1')], NOW - 100 * DAY)
    await pushChanges(db, A, [del('x2')], NOW - 95 * DAY)
    await pushChanges(db, A, [0, 1, 2, 3].map((i) => numberAdd(`n${i}`, phone(i))), NOW - 50 * DAY)
    expect((await pruneTombstones(db, NOW - 100 * DAY + KEEP + 1, KEEP)).forgotten).toBe(1)
    const shared = (await pull('0')).changes.filter((c) => c.kind !== 'number').length
    const first = await pull('0', shared + 2)
    expect(agentIds(first.changes)).toEqual(['-x2', 'n0'])
    expect((await pruneTombstones(db, NOW, KEEP)).forgotten).toBe(1) // x2, named on the first page
    const rest = await pullToEnd(first.cursor, 2)
    expect(rest.pages.some((p) => p.resync === true)).toBe(false)
  })

  it('refuses a cursor that is neither a rev nor a listing\'s', async () => {
    for (const since of ['s', 'x12', 's-1', 'S12', '1s', `s${'9'.repeat(19)}`, 's1w', 's1w2w3', '1w2', 'w2', 's1W2', `s1w${'9'.repeat(19)}`]) {
      const res = await app.inject({ method: 'GET', url: `/api/workspace/changes?since=${since}`, headers: auth() })
      expect(res.statusCode, since).toBe(400)
    }
    expect((await pull('s0')).more).toBe(false)
    expect((await pull('s0w0')).more).toBe(false)
  })

  it('a reconcile answers a record seen at or below the watermark and gone as deleted (never lost), and one held deleted as in step', async () => {
    await pushChanges(db, A, [numberAdd('n1', phone(1)), numberAdd('n2', phone(2)), numberAdd('n3', phone(3))], NOW - 100 * DAY)
    const revs = Object.fromEntries((await pullChanges(db, A, 0n, 1000)).changes.map((c) => [c.id, c.rev]))
    const gone = await pushChanges(db, A, [del('n1'), del('n2')], NOW - 100 * DAY)
    expect((await pruneTombstones(db, NOW, KEEP)).forgotten).toBe(2)
    const watermark = await prunedRev(db, A)
    const res = await app.inject({
      method: 'POST',
      url: '/api/workspace/reconcile',
      headers: auth(),
      payload: {
        records: [
          { kind: 'number', id: 'n1', rev: revs.n1 }, // held alive, deleted elsewhere and forgotten
          { kind: 'number', id: 'n2', rev: gone[1].rev, deleted: true }, // held deleted
          { kind: 'number', id: 'n3', rev: revs.n3 },
          { kind: 'number', id: 'lost', rev: String(BigInt(watermark) + 1n) }, // above it: a restore's loss
          { kind: 'number', id: 'never', rev: '0' },
        ],
      },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      lost: [
        { kind: 'number', id: 'lost', rev: '0', state: 'missing' },
        { kind: 'number', id: 'never', rev: '0', state: 'missing' },
      ],
      newer: [{ kind: 'number', id: 'n1', rev: watermark, deleted: true, data: null }],
    })
  })

  it('pushes at the same time as pruning: every change lands, the totals stay exact, a phone following its cursor misses no delete', async () => {
    await pushChanges(db, A, Array.from({ length: 60 }, (_, i) => numberAdd(`n${i}`, phone(i))), NOW - 200 * DAY)
    const cursor = (await pullChanges(db, A, 0n, 1000)).cursor
    await pushChanges(db, A, Array.from({ length: 30 }, (_, i) => del(`n${i}`)), NOW - 100 * DAY)
    const work: Promise<unknown>[] = []
    for (let round = 0; round < 6; round += 1) {
      work.push(pruneTombstones(db, NOW, KEEP, 5))
      work.push(pushChanges(db, A, [numberAdd(`m${round}`, phone(100 + round)), del(`n${30 + round}`), del(`x${round}`)], NOW))
    }
    await Promise.all(work)
    await forgetOldTombstones(db, NOW, KEEP)
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 30, records: 42 }, counted: { numbers: 30, records: 42 } })
    // The old phone: a listing (it missed forgotten deletes), in which n0-n29 appear nowhere.
    const first = await pullChanges(db, A, BigInt(cursor), 1000)
    expect(first.resync).toBe(true)
    const listed = first.changes.filter((c) => c.kind === 'number')
    expect(listed.filter((c) => !c.deleted).map((c) => c.id).sort()).toEqual([...Array.from({ length: 24 }, (_, i) => `n${36 + i}`), ...Array.from({ length: 6 }, (_, i) => `m${i}`)].sort())
    expect(listed.filter((c) => c.deleted).map((c) => c.id).sort()).toEqual([...Array.from({ length: 6 }, (_, i) => `n${30 + i}`), ...Array.from({ length: 6 }, (_, i) => `x${i}`)].sort())
  })

  it("a seat moved to another agent row takes its watermark along; a removed agent's is set aside with the records", async () => {
    await pushChanges(db, A, [numberAdd('n1', phone(1))], NOW - 100 * DAY)
    await pushChanges(db, A, [del('x1')], NOW - 100 * DAY)
    await pruneTombstones(db, NOW, KEEP)
    const watermark = await prunedRev(db, A)
    const row = (await db.query<{ password_hash: string }>('SELECT password_hash FROM agents WHERE user_id = $1', [A]))[0]
    await db.transaction((tx) => putAgent(tx, { username: A, userId: 'seat-9', passwordHash: row.password_hash }, { replace: true, now: NOW }))
    expect(await prunedRev(db, A)).toBe('0')
    expect(await prunedRev(db, 'seat-9')).toBe(watermark)
    await db.transaction((tx) => removeAgent(tx, A, NOW).then(() => undefined))
    expect(await prunedRev(db, 'seat-9')).toBe('0')
    expect(await prunedRev(db, `removed:seat-9:${NOW}`)).toBe(watermark)
  })

  it('the development clear stamps its tombstones with the backend clock, so they are forgotten a horizon later', async () => {
    await pushChanges(db, A, [numberAdd('n1', phone(1)), { changeId: `t${++counter}`, kind: 'call', op: 'upsert', id: 'k1', data: answeredCallData(NOW - DAY) }], NOW - DAY)
    const adminKey = 'x'.repeat(40)
    app = await backend.restart({ ADMIN_KEY: adminKey })
    const res = await app.inject({ method: 'POST', url: '/api/admin/workspace/clear', headers: { 'x-admin-key': adminKey }, payload: { agent: A } })
    expect(res.json()).toEqual({ cleared: { numbers: 1, calls: 1 } })
    const at = await db.query<{ deleted_at: string | number }>('SELECT deleted_at FROM workspace_records WHERE agent = $1', [A])
    expect(at.map((r) => Number(r.deleted_at))).toEqual([NOW, NOW])
    expect((await pruneTombstones(db, NOW + KEEP, KEEP)).forgotten).toBe(0)
    expect((await pruneTombstones(db, NOW + KEEP + 1, KEEP)).forgotten).toBe(2)
  })
})

/** Two backend instances (two pools on one PostgreSQL; PGlite: the one database twice) pruning and pushing at once. */
describe.each(BOTH_DRIVERS)('two backends pruning at once on $name', (driver) => {
  const instances = twoInstancesPerBlock(driver)

  it('each tombstone is forgotten once: the totals and the watermark come out exact, with pushes landing between', async () => {
    const { db, other } = instances()
    for (const agent of [A, B]) {
      await pushChanges(db, agent, Array.from({ length: 40 }, (_, i) => numberAdd(`n${i}`, phone(i))), NOW - 200 * DAY)
      await pushChanges(db, agent, Array.from({ length: 40 }, (_, i) => del(`n${i}`)), NOW - 100 * DAY)
    }
    const highest = await db.query<{ agent: string; rev: string }>(`SELECT agent, max(rev)::text AS rev FROM workspace_records WHERE deleted GROUP BY agent ORDER BY agent`)
    const runs = await Promise.all([
      forgetOldTombstones(db, NOW, KEEP, { batch: 7, rounds: 20 }),
      forgetOldTombstones(other, NOW, KEEP, { batch: 7, rounds: 20 }),
      pushChanges(other, A, [numberAdd('m1', phone(200)), del('y1')], NOW),
      forgetOldTombstones(other, NOW, KEEP, { batch: 5, rounds: 20 }),
      pushChanges(db, B, [numberAdd('m1', phone(200))], NOW),
    ])
    expect((runs[0] as number) + (runs[1] as number) + (runs[3] as number)).toBe(80)
    for (const agent of [A, B]) {
      const t = await totalsOf(db, agent)
      expect(t.stored).toEqual(t.counted)
      expect(await prunedRev(other, agent)).toBe(highest.find((h) => h.agent === agent)?.rev)
    }
    expect(await tombstones(db, A)).toEqual(['y1'])
    console.info(`[tombstones] ${driver.name}: two instances forgot ${runs[0]} + ${runs[1]} + ${runs[3]} of 80`)
  })
})

describe('across a restart (PGlite in a data directory)', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tccc-tombstones-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('the watermark survives the restart: a stale cursor still gets the listing, and the next start forgets what has aged since', async () => {
    const target = { driver: 'pglite' as const, dataDir: dir }
    let db = await openMigrated(target)
    await pushChanges(db, A, [numberAdd('n1', phone(1)), numberAdd('n2', phone(2))], NOW - 200 * DAY)
    const cursor = (await pullChanges(db, A, 0n, 1000)).cursor
    await pushChanges(db, A, [del('n1')], NOW - 100 * DAY)
    await pushChanges(db, A, [del('n2')], NOW - 50 * DAY)
    expect((await pruneTombstones(db, NOW, KEEP)).forgotten).toBe(1)
    const watermark = await prunedRev(db, A)
    await db.close()

    db = await openMigrated(target)
    try {
      expect(await prunedRev(db, A)).toBe(watermark)
      const page = await pullChanges(db, A, BigInt(cursor), 1000)
      expect(page).toMatchObject({ resync: true, pruned: watermark })
      expect(page.changes.filter((c) => c.kind === 'number').map((c) => c.id)).toEqual(['n2'])
      expect((await pruneTombstones(db, NOW + 50 * DAY, KEEP)).forgotten).toBe(1)
      expect(BigInt(await prunedRev(db, A)) > BigInt(watermark)).toBe(true)
    } finally {
      await db.close()
    }
  })
})

describe('the backend maintenance', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('forgets tombstones past WORKSPACE_TOMBSTONE_DAYS every minute, and stops when closed', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const db = await fileDatabase()
    try {
      let now = NOW
      const server = await buildServer(mockConfig({ WORKSPACE_TOMBSTONE_DAYS: '1' }), { db, now: () => now, report: () => {} })
      await pushChanges(db, A, [del('x1'), del('x2')], NOW - 2 * DAY)
      await pushChanges(db, A, [del('x3')], NOW)
      vi.advanceTimersByTime(60_000)
      await vi.waitFor(async () => expect(await tombstones(db, A)).toEqual(['x3']))
      await server.close()
      now = NOW + 2 * DAY
      vi.advanceTimersByTime(120_000)
      await new Promise((r) => setTimeout(r, 300))
      expect(await tombstones(db, A)).toEqual(['x3'])
    } finally {
      await db.close()
    }
  })
})
