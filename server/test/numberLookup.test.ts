// @vitest-environment node
/**
 * The duplicate-number check on a long list: planned on the `workspace_live_numbers` index on a
 * table without statistics (PGlite never collects them), where `= ANY(spellings)` scanned every
 * record of the agent (7–10 s per 500-number push at 16,000 numbers in the audit).
 */
import { describe, expect, it } from 'vitest'
import { liveNumberQuery, pushChanges } from '../src/db/workspace'
import { samePhoneSpellings } from '../../src/services/numbers'
import { databasePerFile } from './helpers'

const A = 'agent1@example.com'
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)

describe('the duplicate-number check on a long list', () => {
  const db = databasePerFile()

  async function seed(count: number): Promise<void> {
    await db.query(
      `INSERT INTO workspace_records (agent, kind, id, rev, deleted, data)
       SELECT $1, 'number', 'n' || g, nextval('workspace_rev'), false, jsonb_build_object('number', '139' || lpad(g::text, 8, '0'), 'remark', 'r')
       FROM generate_series(1, $2::int) g`,
      [A, count],
    )
  }

  it.each([1, 2, 3, 4])('with %i spelling(s) it reads the live-number index, not the agent\'s records', async (count) => {
    await seed(5_000)
    const spellings = samePhoneSpellings('13900001234').concat(['0861390000123', '13900009999']).slice(0, count)
    const plan = (await db.query<Record<string, string>>(`EXPLAIN ${liveNumberQuery(count)}`, [A, 'x', ...spellings])).map((row) => Object.values(row)[0]).join('\n')
    expect(plan.match(/Index Scan using workspace_live_numbers/g)).toHaveLength(count)
    expect(plan).not.toContain('workspace_records_pkey')
    expect(plan).not.toContain('Seq Scan')
  })

  it('finds a number stored in any of its spellings, skips the record itself and deleted numbers', async () => {
    await seed(2_000)
    const results = await pushChanges(
      db,
      A,
      [
        { changeId: 'c1', kind: 'number', op: 'upsert', id: 'p1', data: { number: '+8613900001234', remark: 'same phone' } },
        { changeId: 'c2', kind: 'number', op: 'upsert', id: 'n1234', data: { number: '13900001234', remark: 'edit of itself' } },
        { changeId: 'c3', kind: 'number', op: 'delete', id: 'n1235' },
        { changeId: 'c4', kind: 'number', op: 'upsert', id: 'p2', data: { number: '008613900001235', remark: 'after the delete' } },
        { changeId: 'c5', kind: 'number', op: 'upsert', id: 'p3', data: { number: '13900099999', remark: 'new' } },
      ],
      NOW,
    )
    expect(results.map((r) => [r.changeId, r.status, r.reason])).toEqual([
      ['c1', 'rejected', 'DUPLICATE_NUMBER'],
      ['c2', 'applied', undefined],
      ['c3', 'applied', undefined],
      ['c4', 'applied', undefined],
      ['c5', 'applied', undefined],
    ])
  })
})
