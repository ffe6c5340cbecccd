// @vitest-environment node
/**
 * Per-agent stored-total caps (docs/WORKSPACE_API.md "Caps"): WORKSPACE_NUMBERS_MAX live numbers
 * and WORKSPACE_RECORDS_MAX rows of every kind (tombstones and call records included). A change
 * that would go over one is `rejected` `QUOTA_EXCEEDED` naming the cap (`quota`), the rest of the
 * push applies; edits and deletes of stored records are never refused. On both drivers, through
 * the route and at once: pushes of one agent together, and two backends over one PostgreSQL,
 * never end above the cap.
 */
import { describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { type Database } from '../src/db'
import { removeAgent } from '../src/db/agents'
import { openPglite } from '../src/db/driver'
import { MIGRATIONS, migrate } from '../src/db/migrations'
import { assignNumbers, clearAgentWorkspace, pushChanges, type ChangeResult } from '../src/db/workspace'
import { AGENT1, AGENT2, answeredCallData, configError, login, mockConfig } from './helpers'
import { BOTH_DRIVERS, freshBackendPerTest, twoInstancesPerBlock } from './backendPerDriver'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)
const A = AGENT1.username

describe('WORKSPACE_NUMBERS_MAX, WORKSPACE_RECORDS_MAX', () => {
  it('default to 20,000 live numbers and 200,000 records (room for the 10,000 numbers of the bench and tests)', () => {
    expect(mockConfig().workspaceCaps).toEqual({ numbers: 20_000, records: 200_000 })
    expect(mockConfig({ WORKSPACE_NUMBERS_MAX: '5', WORKSPACE_RECORDS_MAX: ' 8 ' }).workspaceCaps).toEqual({ numbers: 5, records: 8 })
  })

  it.each([
    ['WORKSPACE_NUMBERS_MAX', 'lots', /WORKSPACE_NUMBERS_MAX must be a whole number \(got "lots"\)/],
    ['WORKSPACE_NUMBERS_MAX', '-5', /WORKSPACE_NUMBERS_MAX must be a whole number/],
    ['WORKSPACE_RECORDS_MAX', '2e5', /WORKSPACE_RECORDS_MAX must be a whole number \(got "2e5"\)/],
    ['WORKSPACE_RECORDS_MAX', '1.5', /WORKSPACE_RECORDS_MAX must be a whole number/],
    ['WORKSPACE_NUMBERS_MAX', '0', /WORKSPACE_NUMBERS_MAX must be between 1 and/],
    ['WORKSPACE_RECORDS_MAX', '0', /WORKSPACE_RECORDS_MAX must be between 1 and/],
  ])('%s=%s refuses to start, naming it', (name, value, message) => {
    expect(configError({ [name]: value }).message).toMatch(message)
  })

  it('a numbers cap above the records cap refuses to start (it could never be reached)', () => {
    expect(configError({ WORKSPACE_NUMBERS_MAX: '300000' }).message).toMatch(/WORKSPACE_NUMBERS_MAX \(300000\) must not be higher than WORKSPACE_RECORDS_MAX \(200000\)/)
    expect(configError({ WORKSPACE_NUMBERS_MAX: '101', WORKSPACE_RECORDS_MAX: '100' }).message).toMatch(/WORKSPACE_NUMBERS_MAX \(101\) must not be higher than WORKSPACE_RECORDS_MAX \(100\)/)
    expect(mockConfig({ WORKSPACE_NUMBERS_MAX: '300000', WORKSPACE_RECORDS_MAX: '300000' }).workspaceCaps).toEqual({ numbers: 300_000, records: 300_000 })
    // Unset, the numbers cap follows a records cap set below its default.
    expect(mockConfig({ WORKSPACE_RECORDS_MAX: '5000' }).workspaceCaps).toEqual({ numbers: 5_000, records: 5_000 })
  })
})

let counter = 0
const numberAdd = (id: string, number: string, remark = '') => ({ changeId: `q${++counter}`, kind: 'number', op: 'upsert', id, data: { number, remark, source: 'own', createdAt: NOW } })
const numberEdit = (id: string, remark: string) => ({ changeId: `q${++counter}`, kind: 'number', op: 'upsert', id, data: { remark } })
const del = (id: string, kind = 'number') => ({ changeId: `q${++counter}`, kind, op: 'delete', id })
const callAdd = (id: string) => ({ changeId: `q${++counter}`, kind: 'call', op: 'upsert', id, data: answeredCallData(NOW) })
const phone = (i: number) => `1380013${String(i).padStart(4, '0')}`
const outcome = (r: { status: string; reason?: string; quota?: string }) => (r.status === 'rejected' ? `${r.reason}${r.quota ? `:${r.quota}` : ''}` : r.status)

async function totalsOf(db: Database, agent: string): Promise<{ stored: { numbers: number; records: number }; counted: { numbers: number; records: number } }> {
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

describe.each(BOTH_DRIVERS)('stored-total caps on $name', (driver) => {
  let db: Database
  let app: FastifyInstance
  let token: string
  const caps = { WORKSPACE_NUMBERS_MAX: '5', WORKSPACE_RECORDS_MAX: '8' }

  freshBackendPerTest(
    driver,
    () => NOW,
    async (openedDb, started) => {
      db = openedDb
      app = started
      token = (await login(app, AGENT1)).body.accessToken
    },
    caps,
  )

  const push = async (changes: unknown[], bearer = token): Promise<string[]> => {
    const res = await app.inject({ method: 'POST', url: '/api/workspace/changes', headers: { authorization: `Bearer ${bearer}` }, payload: { changes } })
    expect(res.statusCode).toBe(200)
    return (res.json() as { results: ChangeResult[] }).results.map(outcome)
  }

  it('an agent exactly at the numbers cap: an add is refused naming the cap, the rest of the push applies; edits and deletes are never refused, and a delete makes room', async () => {
    expect(await push([1, 2, 3, 4].map((i) => numberAdd(`n${i}`, phone(i))))).toEqual(['applied', 'applied', 'applied', 'applied'])
    // One below the cap: the first add fits, the next is over.
    expect(await push([numberAdd('n5', phone(5)), numberAdd('n6', phone(6))])).toEqual(['applied', 'QUOTA_EXCEEDED:numbers'])
    // At the cap: an edit, a delete, then the add that now fits, and one more that does not.
    expect(await push([numberAdd('n7', phone(7)), numberEdit('n1', 'edited at the cap'), del('n2'), numberAdd('n8', phone(8)), numberAdd('n9', phone(9))])).toEqual([
      'QUOTA_EXCEEDED:numbers',
      'applied',
      'applied',
      'applied',
      'QUOTA_EXCEEDED:numbers',
    ])
    const live = await db.query<{ id: string; remark: string }>(`SELECT id, data->>'remark' AS remark FROM workspace_records WHERE agent = $1 AND kind = 'number' AND NOT deleted ORDER BY id`, [A])
    expect(live.map((r) => r.id)).toEqual(['n1', 'n3', 'n4', 'n5', 'n8'])
    expect(live[0].remark).toBe('edited at the cap')
    // Refused, then sent again (a new change: the phone keeps the refused one in its log) once room was made.
    expect(await push([numberAdd('n9', phone(9))])).toEqual(['QUOTA_EXCEEDED:numbers'])
    expect(await push([del('n3')])).toEqual(['applied'])
    expect(await push([numberAdd('n9', phone(9))])).toEqual(['applied'])
    // An add of a number the agent has is a duplicate (its remark merged), not over the cap: it adds nothing.
    expect(await push([numberAdd('n10', phone(1), 'second phone')])).toEqual(['DUPLICATE_NUMBER'])
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 5, records: 7 }, counted: { numbers: 5, records: 7 } })
  })

  it('the records cap counts tombstones and call records: deletes of unknown ids and new calls are refused at it, a tombstone revived is not a new record', async () => {
    expect(await push([numberAdd('n1', phone(1)), numberAdd('n2', phone(2)), callAdd('k1'), callAdd('k2')])).toEqual(['applied', 'applied', 'applied', 'applied'])
    expect(await push([del('x1'), del('x2'), del('n2'), del('x3')])).toEqual(['applied', 'applied', 'applied', 'applied'])
    // 7 rows (n1, n2 tombstone, k1, k2, x1-x3): one more row fits.
    expect(await push([del('x4'), del('x5'), callAdd('k3'), numberAdd('n3', phone(3))])).toEqual(['applied', 'QUOTA_EXCEEDED:records', 'QUOTA_EXCEEDED:records', 'QUOTA_EXCEEDED:records'])
    // At the records cap: a tombstone revived and a live number deleted apply (no new row), a wrap-up of a stored call too.
    const wrapUp = { changeId: `q${++counter}`, kind: 'call', op: 'upsert', id: 'k1', data: { note: 'at the cap' } }
    expect(await push([numberAdd('x1', phone(11)), del('n1'), wrapUp, del('x2'), callAdd('k4')])).toEqual(['applied', 'applied', 'applied', 'applied', 'QUOTA_EXCEEDED:records'])
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 1, records: 8 }, counted: { numbers: 1, records: 8 } })
    // Another agent is not held by this one's totals.
    const other = (await login(app, AGENT2)).body.accessToken
    expect(await push([numberAdd('n1', phone(1)), callAdd('k1')], other)).toEqual(['applied', 'applied'])
  })

  it('business-assigned numbers count towards the caps but are not refused by them: past the cap the agent edits and deletes, their own adds wait for room', async () => {
    expect(await push([numberAdd('n1', phone(1)), numberAdd('n2', phone(2)), numberAdd('n3', phone(3))])).toEqual(['applied', 'applied', 'applied'])
    const report = await assignNumbers(db, A, [4, 5, 6, 7].map((i) => ({ line: i, number: phone(i), remark: '' })), NOW)
    expect(report).toEqual({ added: 4, duplicate: 0, invalid: [] })
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 7, records: 7 }, counted: { numbers: 7, records: 7 } })
    const assigned = (await db.query<{ id: string }>(`SELECT id FROM workspace_records WHERE agent = $1 AND id LIKE 'a-%' ORDER BY id LIMIT 1`, [A]))[0].id
    // 7 live of 5: adds wait until the agent is under the cap again (two deletes are not enough).
    expect(await push([numberAdd('n8', phone(8)), numberEdit(assigned, 'remark of an assigned one'), del('n1'), del('n2'), numberAdd('n9', phone(9)), del('n3'), numberAdd('n10', phone(10))])).toEqual([
      'QUOTA_EXCEEDED:numbers',
      'applied',
      'applied',
      'applied',
      'QUOTA_EXCEEDED:numbers',
      'applied',
      'applied',
    ])
    // 5 live, 8 rows (both caps): a tombstone revived needs a place in the list but no row.
    expect(await push([numberAdd('n1', phone(1)), del(assigned), numberAdd('n1', phone(1)), numberAdd('n11', phone(11))])).toEqual([
      'QUOTA_EXCEEDED:numbers',
      'applied',
      'applied',
      'QUOTA_EXCEEDED:records',
    ])
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 5, records: 8 }, counted: { numbers: 5, records: 8 } })
  })

  it('the totals follow every writer: the development clear, a removed agent set aside, deletes by SQL', async () => {
    await push([numberAdd('n1', phone(1)), numberAdd('n2', phone(2)), callAdd('k1'), del('x1')])
    expect((await totalsOf(db, A)).stored).toEqual({ numbers: 2, records: 4 })
    await clearAgentWorkspace(db, A)
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 0, records: 4 }, counted: { numbers: 0, records: 4 } })
    await push([numberAdd('n3', phone(3))])
    await db.transaction((tx) => removeAgent(tx, A, NOW).then(() => undefined))
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 0, records: 0 }, counted: { numbers: 0, records: 0 } })
    const aside = await db.query<{ agent: string; numbers: string | number; records: string | number }>(`SELECT agent, numbers, records FROM workspace_totals WHERE agent LIKE 'removed:%' AND records > 0`)
    expect(aside.map((r) => [Number(r.numbers), Number(r.records)])).toEqual([[1, 5]])
    await db.query(`DELETE FROM workspace_records WHERE agent = $1`, [aside[0].agent])
    expect((await totalsOf(db, aside[0].agent)).stored).toEqual({ numbers: 0, records: 0 })
  })

  it('two pushes of one agent at once (two phones) never end above the cap', async () => {
    const second = (await login(app, AGENT1)).body.accessToken
    const batch = (from: number) => Array.from({ length: 4 }, (_, i) => numberAdd(`p${from + i}`, phone(from + i)))
    const [one, two] = await Promise.all([push(batch(0)), push(batch(100), second)])
    expect([...one, ...two].filter((r) => r === 'applied')).toHaveLength(5)
    expect([...one, ...two].filter((r) => r === 'QUOTA_EXCEEDED:numbers')).toHaveLength(3)
    expect((await totalsOf(db, A)).counted.numbers).toBe(5)
  })
})

/** The data layer at once: many pushes of one agent, and (PostgreSQL) two backends' pools on one database. */
describe.each(BOTH_DRIVERS)('pushes at once against the caps on $name', (driver) => {
  const instances = twoInstancesPerBlock(driver)

  it('40 pushes of 5 new numbers at once against a cap of 100 live numbers store exactly 100', async () => {
    const { db, other } = instances()
    const caps = { numbers: 100, records: 1_000 }
    const pushes = Array.from({ length: 40 }, (_, p) =>
      pushChanges(p % 2 === 0 ? db : other, A, Array.from({ length: 5 }, (_, i) => numberAdd(`r${p}-${i}`, phone(p * 5 + i))), NOW, undefined, caps),
    )
    const results = (await Promise.all(pushes)).flat()
    expect(results.filter((r) => r.status === 'applied')).toHaveLength(100)
    expect(results.filter((r) => r.reason === 'QUOTA_EXCEEDED' && r.quota === 'numbers')).toHaveLength(100)
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 100, records: 100 }, counted: { numbers: 100, records: 100 } })
    console.info(`[caps] ${driver.name}: 40 concurrent pushes of 5 against a cap of 100 numbers: ${results.filter((r) => r.status === 'applied').length} stored`)
  })

  it('40 pushes of 5 unknown-id deletes at once against a cap of 100 records store exactly 100 tombstones; a cap of 1 holds one', async () => {
    const { db, other } = instances()
    const pushes = Array.from({ length: 40 }, (_, p) =>
      pushChanges(p % 2 === 0 ? db : other, A, Array.from({ length: 5 }, (_, i) => del(`t${p}-${i}`)), NOW, undefined, { numbers: 100, records: 100 }),
    )
    const results = (await Promise.all(pushes)).flat()
    expect(results.filter((r) => r.status === 'applied')).toHaveLength(100)
    expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 0, records: 100 }, counted: { numbers: 0, records: 100 } })
    const one = await Promise.all([1, 2, 3].map((p) => pushChanges(p % 2 ? db : other, AGENT2.username, [numberAdd(`o${p}`, phone(p))], NOW, undefined, { numbers: 1, records: 1 })))
    expect(one.flat().map(outcome).sort()).toEqual(['QUOTA_EXCEEDED:records', 'QUOTA_EXCEEDED:records', 'applied'])
  })
})

describe('migration 8 on a database that already holds workspaces', () => {
  it('counts what each agent stores when it is applied, and keeps counting after', async () => {
    const db = await openPglite(null)
    try {
      await migrate(db, MIGRATIONS.filter((m) => m.version < 8))
      // As the code before it wrote them (its pushChanges knew no totals).
      await db.query(
        `INSERT INTO workspace_records (agent, kind, id, rev, deleted, data) VALUES
           ($1, 'number', 'n1', nextval('workspace_rev'), false, '{"number":"13800130001","remark":"","source":"own","createdAt":1}'),
           ($1, 'number', 'n2', nextval('workspace_rev'), true, NULL),
           ($1, 'number', 'x1', nextval('workspace_rev'), true, NULL),
           ($1, 'call', 'k1', nextval('workspace_rev'), false, '{}'),
           ($2, 'number', 'n1', nextval('workspace_rev'), false, '{"number":"13800130001","remark":"","source":"own","createdAt":1}')`,
        [A, AGENT2.username],
      )
      expect(await migrate(db, MIGRATIONS.filter((m) => m.version <= 8))).toEqual([8])
      expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 1, records: 4 }, counted: { numbers: 1, records: 4 } })
      expect((await totalsOf(db, AGENT2.username)).stored).toEqual({ numbers: 1, records: 1 })
      await migrate(db) // the later ones, as today's pushes write them
      await pushChanges(db, A, [numberAdd('n3', phone(3)), del('n1')], NOW)
      expect(await totalsOf(db, A)).toEqual({ stored: { numbers: 1, records: 5 }, counted: { numbers: 1, records: 5 } })
    } finally {
      await db.close()
    }
  })
})
