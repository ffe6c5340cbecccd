// @vitest-environment node
/**
 * Mutation survivors of server/src/db/workspace.ts from line 96 on (each agent's numbers and
 * calls, the change envelope, call detail, the change feed, assign and CSV export), issue 13:
 * docs/mutation/dbws2.md. One PGlite database for the file, driven through the functions the
 * routes and the business CLIs call; what is asserted is what a phone or an operator gets back
 * (results, reasons, pulled changes, CSV lines) and the rows left in the database.
 */
import { describe, expect, it } from 'vitest'
import { assignNumbers, getRecord, pushChanges } from '../src/db/workspace'
import type { Database, Queryable } from '../src/db/driver'
import { answeredCallData, databasePerFile } from './helpers'

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)
const A = 'agent1@example.com'
const B = 'agent2@example.com'

describe('workspace records, second half (mutation survivors)', () => {
  const db = databasePerFile()

  const call = (changeId: string, id: string, data: Record<string, unknown> = {}) => ({ changeId, kind: 'call', op: 'upsert', id, data: answeredCallData(NOW, data) })
  const number = (changeId: string, id: string, data: Record<string, unknown>) => ({ changeId, kind: 'number', op: 'upsert', id, data })
  const reasons = async (agent: string, changes: unknown[]) => (await pushChanges(db, agent, changes, NOW)).map((r) => r.reason ?? r.status)
  const rows = async (agent: string) =>
    db.query<{ kind: string; id: string; deleted: boolean; data: Record<string, unknown> | null }>(
      `SELECT kind, id, deleted, data FROM workspace_records WHERE agent = $1 AND kind IN ('number', 'call') ORDER BY kind, id`,
      [agent],
    )

  it("a phone may only say source own of its own numbers and source assigned of the business's", async () => {
    await assignNumbers(db, A, [{ line: 1, number: '13900139000', remark: 'Lead' }], NOW)
    const assignedId = (await rows(A))[0].id
    expect(
      await reasons(A, [
        number('s1', 'mine', { number: '123456', source: 'own' }),
        number('s2', 'mine', { source: 'assigned' }),
        number('s3', 'x3', { number: '654321', source: 'assigned' }),
        number('s4', assignedId, { source: 'assigned', remark: 'Lead 2' }),
        number('s5', assignedId, { source: 'own' }),
        number('s6', 'x6', { number: '654321', source: '' }),
      ]),
    ).toEqual(['applied', 'ASSIGNED_READONLY', 'ASSIGNED_READONLY', 'applied', 'ASSIGNED_READONLY', 'INVALID_FIELD'])
    expect(await rows(A)).toEqual([
      { kind: 'number', id: assignedId, deleted: false, data: { number: '13900139000', remark: 'Lead 2', source: 'assigned', createdAt: NOW } },
      { kind: 'number', id: 'mine', deleted: false, data: { number: '123456', remark: '123456', source: 'own', createdAt: NOW } },
    ])
  })

  it('a partial number update keeps the stored remark; a new number without one gets the number as remark', async () => {
    expect(await reasons(A, [number('k1', 'n1', { number: '123456', remark: 'Boss' }), number('k2', 'n2', { number: '654321' })])).toEqual(['applied', 'applied'])
    expect(await reasons(A, [number('k3', 'n1', { createdAt: NOW - 1_000 }), number('k4', 'n1', { number: '123-457' })])).toEqual(['applied', 'applied'])
    expect((await rows(A)).map((r) => r.data)).toEqual([
      { number: '123457', remark: 'Boss', source: 'own', createdAt: NOW - 1_000 },
      { number: '654321', remark: '654321', source: 'own', createdAt: NOW },
    ])
  })

  it('a call update may carry only the changed fields: the stored ones are kept', async () => {
    await pushChanges(db, A, [call('w1', 'k1', { remark: 'Li', sessionId: 'sess-1' })], NOW)
    expect(await pushChanges(db, A, [{ changeId: 'w2', kind: 'call', op: 'upsert', id: 'k1', data: { note: 'call back Monday' } }], NOW)).toEqual([
      { changeId: 'w2', status: 'applied', rev: expect.stringMatching(/^\d+$/) },
    ])
    expect((await rows(A))[0].data).toEqual(answeredCallData(NOW, { remark: 'Li', sessionId: 'sess-1', note: 'call back Monday' }))
  })

  it('answers a too long remark of a number and an unknown disposition of a call with their reasons', async () => {
    expect(await reasons(A, [number('r1', 'n1', { number: '123456', remark: 'r'.repeat(51) }), call('r2', 'k2', { disposition: 'no-such-outcome' })])).toEqual([
      'INVALID_REMARK',
      'INVALID_FIELD',
    ])
    expect(await rows(A)).toEqual([])
  })

  it('rejects a malformed change envelope with the exact reason and records it as seen', async () => {
    const results = await pushChanges(
      db,
      A,
      [
        { changeId: 'e1', kind: 'number', op: 'upsert', id: 'n1', data: { number: '123456' }, extra: 1 },
        { changeId: 'e2', kind: 'outcome', op: 'upsert', id: 'o1', data: { label: 'x' } },
        { changeId: 'e3', kind: 'setting', op: 'upsert', id: 's1', data: {} },
        { changeId: 'e4', kind: 'thing', op: 'upsert', id: 't1', data: {} },
        { changeId: 'e5', kind: 'number', op: 'upsert', id: 'bad id', data: { number: '123456' } },
        { changeId: 'e6', kind: 'number', op: 'upsert', id: 7, data: { number: '123456' } },
        { changeId: 'e7', kind: 'number', op: 'patch', id: 'n1', data: { number: '123456' } },
      ],
      NOW,
    )
    expect(results).toEqual([
      { changeId: 'e1', status: 'rejected', reason: 'UNKNOWN_FIELD' },
      { changeId: 'e2', status: 'rejected', reason: 'READ_ONLY_KIND' },
      { changeId: 'e3', status: 'rejected', reason: 'READ_ONLY_KIND' },
      { changeId: 'e4', status: 'rejected', reason: 'UNKNOWN_KIND' },
      { changeId: 'e5', status: 'rejected', reason: 'INVALID_ID' },
      { changeId: 'e6', status: 'rejected', reason: 'INVALID_ID' },
      { changeId: 'e7', status: 'rejected', reason: 'INVALID_FIELD' },
    ])
    expect(await rows(A)).toEqual([])
    expect(await db.query(`SELECT change_id, status FROM workspace_changes WHERE agent = $1 ORDER BY change_id`, [A])).toEqual(
      ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'].map((id) => ({ change_id: id, status: 'rejected' })),
    )
  })

  it('answers a change without a usable change id as INVALID_ID with that id, and a repeated change id as duplicate', async () => {
    const results = await pushChanges(
      db,
      A,
      [
        5,
        null,
        { kind: 'number', op: 'upsert', id: 'n1', data: { number: '123456' } },
        { changeId: 42, kind: 'number', op: 'upsert', id: 'n1', data: { number: '123456' } },
        { changeId: 'bad id', kind: 'number', op: 'upsert', id: 'n1', data: { number: '123456' } },
        number('c1', 'n1', { number: '123456' }),
        number('c1', 'n2', { number: '654321' }),
      ],
      NOW,
    )
    expect(results).toEqual([
      { changeId: '', status: 'rejected', reason: 'INVALID_ID' },
      { changeId: '', status: 'rejected', reason: 'INVALID_ID' },
      { changeId: '', status: 'rejected', reason: 'INVALID_ID' },
      { changeId: '', status: 'rejected', reason: 'INVALID_ID' },
      { changeId: 'bad id', status: 'rejected', reason: 'INVALID_ID' },
      { changeId: 'c1', status: 'applied', rev: expect.stringMatching(/^\d+$/) },
      { changeId: 'c1', status: 'duplicate' },
    ])
    // Only the one applied change wrote a record; the unusable ids were not recorded as seen.
    expect((await rows(A)).map((r) => r.id)).toEqual(['n1'])
    expect(await db.query('SELECT change_id, status FROM workspace_changes WHERE agent = $1', [A])).toEqual([{ change_id: 'c1', status: 'applied' }])
    // A retry in a later push is a duplicate too, and changes nothing.
    expect(await pushChanges(db, A, [number('c1', 'n1', { number: '111111' })], NOW)).toEqual([{ changeId: 'c1', status: 'duplicate' }])
    expect((await rows(A))[0].data).toMatchObject({ number: '123456' })
    // The same change id from another agent is that agent's own first change.
    expect((await pushChanges(db, B, [number('c1', 'n1', { number: '111111' })], NOW))[0].status).toBe('applied')
  })

  it('reads no record for an id no record can have, without asking the database (a NUL byte would make it fail)', async () => {
    await pushChanges(db, A, [number('g1', 'n1', { number: '123456' })], NOW)
    expect(await getRecord(db, A, 'number', 'n1')).toMatchObject({ id: 'n1', data: { number: '123456' } })
    expect(await getRecord(db, A, 'number', 'n1\u0000')).toBeNull()
    expect(await getRecord(db, A, 'number', 'n'.repeat(65))).toBeNull()
  })

  it('a deleted record keeps no data: its row holds SQL NULL, not a JSON null (only an operator querying the table sees it)', async () => {
    await pushChanges(db, A, [number('t1', 'n1', { number: '123456' }), { changeId: 't2', kind: 'number', op: 'delete', id: 'n1' }], NOW)
    expect(await db.query(`SELECT deleted, data IS NULL AS empty FROM workspace_records WHERE agent = $1 AND id = 'n1'`, [A])).toEqual([{ deleted: true, empty: true }])
  })

  it('a failure that is no rejection (the database breaking while writing a record) fails the whole push and records nothing', async () => {
    const broken: Database = {
      ...db,
      query: db.query,
      close: db.close,
      transaction: (fn) =>
        db.transaction((tx) =>
          fn({
            query: (sql: string, params?: unknown[]) => (sql.includes('INSERT INTO workspace_records') ? Promise.reject(new Error('disk full')) : tx.query(sql, params)),
          } as Queryable),
        ),
    }
    await expect(pushChanges(broken, A, [number('f1', 'n1', { number: '123456' })], NOW)).rejects.toThrow('disk full')
    expect(await rows(A)).toEqual([])
    expect(await db.query('SELECT change_id FROM workspace_changes WHERE agent = $1', [A])).toEqual([])
  })
})
