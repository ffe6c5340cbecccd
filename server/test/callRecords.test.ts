// @vitest-environment node
/**
 * Call records are the business's (docs/WORKSPACE_API.md "Call records"): an agent's token had
 * deleted calls from `export-calls` and rewritten one into 7,000 s of talk. Through the real
 * server on both drivers, PGlite in memory and a throwaway PostgreSQL cluster (where concurrent
 * pushes really interleave up to the write lock).
 */
import { describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import type { Database } from '../src/db'
import { attachCallDetail, exportCalls, pushChanges } from '../src/db/workspace'
import { AGENT1, answeredCallData, callPushes, login } from './helpers'
import { BOTH_DRIVERS, freshBackendPerTest } from './backendPerDriver'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)
const A = AGENT1.username

/** A second caller still ringing when the agent's call ended: recorded missed at once, reason unknown. */
const waitingMissed = (over: Record<string, unknown> = {}) => ({
  number: '13700137000',
  direction: 'in',
  outcome: 'missed',
  startedAt: NOW - 40_000,
  endedAt: NOW - 20_000,
  durationSec: 0,
  endReason: 'unknown',
  sessionId: 'sess-wait',
  ...over,
})

describe.each(BOTH_DRIVERS)('call records on $name', (driver) => {
  let db: Database
  let app: FastifyInstance
  let token: string

  freshBackendPerTest(driver, () => NOW, async (openedDb, started) => {
    db = openedDb
    app = started
    token = (await login(app, AGENT1)).body.accessToken
  })

  const { push, upsert, reasons, stored } = callPushes(() => app, () => token)
  /** The business's export for the agent, header left off. */
  const exported = async () => (await exportCalls(db, { agent: A })).slice(1)

  it('an agent cannot delete a call: CALL_RECORD_PERMANENT, and the export and every phone keep it', async () => {
    expect(await reasons([upsert('k1', answeredCallData(NOW))])).toEqual(['applied'])
    const line = await exported()
    expect(line).toHaveLength(1)
    const results = await push([
      { changeId: 'del-1', kind: 'call', op: 'delete', id: 'k1' },
      { changeId: 'del-2', kind: 'call', op: 'delete', id: 'never-had' },
      { changeId: 'del-3', kind: 'call', op: 'delete', id: 'k1', data: {} },
    ])
    expect(results).toEqual([
      { changeId: 'del-1', status: 'rejected', reason: 'CALL_RECORD_PERMANENT' },
      { changeId: 'del-2', status: 'rejected', reason: 'CALL_RECORD_PERMANENT' },
      { changeId: 'del-3', status: 'rejected', reason: 'CALL_RECORD_PERMANENT' },
    ])
    expect(await exported()).toEqual(line)
    const pulled = await app.inject({ method: 'GET', url: '/api/workspace/changes', headers: { authorization: `Bearer ${token}` } })
    const calls = (pulled.json() as { changes: { kind: string; id: string; deleted: boolean }[] }).changes.filter((c) => c.kind === 'call')
    expect(calls.map((c) => [c.id, c.deleted])).toEqual([['k1', false]])
    // Numbers are the agent's own list: deleting one still works.
    expect(await reasons([{ changeId: 'n1', kind: 'number', op: 'upsert', id: 'n1', data: { number: '13900139000' } }, { changeId: 'n2', kind: 'number', op: 'delete', id: 'n1' }])).toEqual(['applied', 'applied'])
  })

  it("the audit's rewrite (7,000 s, new start and end) is refused, CALL_RECORD_READONLY, and the export keeps the call as it was", async () => {
    await push([upsert('k1', answeredCallData(NOW))])
    const before = await exported()
    const rewrite = answeredCallData(NOW, { startedAt: NOW - 7_100_000, answeredAt: NOW - 7_050_000, endedAt: NOW - 50_000, durationSec: 7000 })
    expect(await reasons([upsert('k1', rewrite)])).toEqual(['CALL_RECORD_READONLY'])
    expect(await exported()).toEqual(before)
    expect(await stored('k1')).toEqual(answeredCallData(NOW))
  })

  it.each([
    ['number', { number: '13900139000' }],
    ['remark', { remark: 'someone else' }],
    ['direction', { direction: 'in' }],
    ['outcome', { outcome: 'failed', answeredAt: null, durationSec: 0 }],
    ['startedAt', { startedAt: NOW - 59_000 }],
    ['answeredAt', { answeredAt: NOW - 54_000 }],
    ['answeredAt removed', { answeredAt: null }],
    ['endedAt', { endedAt: NOW - 4_000 }],
    ['durationSec', { durationSec: 49 }],
    ['endReason', { endReason: 'remote-bye' }],
    ['sessionId', { sessionId: 'sess-other' }],
  ])('a change of its %s is refused, alone or as a partial upsert', async (_field, change) => {
    await push([upsert('k1', answeredCallData(NOW, { sessionId: 'sess-1', remark: 'Alice' }))])
    const before = await stored('k1')
    expect(await reasons([upsert('k1', answeredCallData(NOW, { sessionId: 'sess-1', remark: 'Alice', ...change })), upsert('k1', { ...change, note: 'with a wrap-up' })])).toEqual([
      'CALL_RECORD_READONLY',
      'CALL_RECORD_READONLY',
    ])
    expect(await stored('k1')).toEqual(before)
  })

  it('the wrap-up changes at any time: a partial upsert, a correction, a full re-send carrying it', async () => {
    await push([upsert('k1', answeredCallData(NOW))])
    expect(await reasons([upsert('k1', { disposition: 'callback', note: 'after 6', callbackAt: NOW + 86_400_000 })])).toEqual(['applied'])
    expect(await reasons([upsert('k1', { disposition: 'deal', note: 'signed', callbackAt: null })])).toEqual(['applied'])
    expect(await reasons([upsert('k1', answeredCallData(NOW, { disposition: 'interested', note: 'full', callbackAt: null }))])).toEqual(['applied'])
    expect(await stored('k1')).toEqual({ ...answeredCallData(NOW), disposition: 'interested', note: 'full', callbackAt: null })
    // Still checked as before: an unknown outcome code, an over-long note.
    expect(await reasons([upsert('k1', { disposition: 'nope' }), upsert('k1', { note: 'n'.repeat(501) })])).toEqual(['INVALID_FIELD', 'INVALID_FIELD'])
  })

  it('an identical re-send of the record is applied (idempotent): the number as typed or as stored, null for none, detail fields echoed', async () => {
    const unanswered = { number: '+86 138-0013-8000', remark: '  Li  Na ', direction: 'out', outcome: 'no-answer', startedAt: NOW - 30_000, endedAt: NOW - 2_000, durationSec: 0, endReason: 'timeout', sessionId: 'sess-1' }
    expect(await reasons([{ ...upsert('k1', unanswered), changeId: 'first' }])).toEqual(['applied'])
    const first = await stored('k1')
    expect(first).toMatchObject({ number: '+8613800138000', remark: 'Li Na' })
    const detail = await attachCallDetail(db, A, 'k1', 'sess-1', { tcccDurationSec: 0, recordingUrl: null, tcccEndStatus: 'noAnswer' }, NOW)
    const again = [
      unanswered,
      { ...unanswered, number: '+8613800138000', remark: 'Li Na' },
      { ...unanswered, number: '+86 (138) 0013 8000', answeredAt: null },
      // A phone echoing what it pulled: the backend's detail fields are ignored, not refused.
      { ...first, ...detail?.data, tcccDurationSec: 999 },
    ]
    expect(await reasons(again.map((data) => upsert('k1', data)))).toEqual(['applied', 'applied', 'applied', 'applied'])
    expect(await stored('k1')).toMatchObject({ ...first, tcccDurationSec: 0, tcccEndStatus: 'noAnswer', detailAt: NOW })
    // A changeId seen before is still a duplicate, whatever it carries.
    expect((await push([{ changeId: 'first', kind: 'call', op: 'upsert', id: 'k1', data: { durationSec: 7000 } }]))[0]).toEqual({ changeId: 'first', status: 'duplicate' })
    expect(await exported()).toHaveLength(1)
    // Another spelling of the phone is another number in the export: not a re-send.
    expect(await reasons([upsert('k1', { number: '13800138000' }), upsert('k1', { number: '008613800138000' })])).toEqual(['CALL_RECORD_READONLY', 'CALL_RECORD_READONLY'])
  })

  it("an identical re-send of a record stored before the times were checked is applied, not refused for the old record's times", async () => {
    await push([upsert('k1', answeredCallData(NOW))])
    // Stored by an earlier version without the check: 50 s of talk with no answer.
    await db.query(`UPDATE workspace_records SET data = data - 'answeredAt' || '{"outcome":"no-answer"}'::jsonb WHERE agent = $1 AND id = 'k1'`, [A])
    const old = await stored('k1')
    expect(await reasons([upsert('k1', old as Record<string, unknown>)])).toEqual(['applied'])
    expect(await reasons([upsert('k1', { ...old, durationSec: 0 })])).toEqual(['CALL_RECORD_READONLY'])
  })

  it('a second caller recorded missed with reason unknown gets its real end once (the same record id), still unanswered', async () => {
    expect(await reasons([upsert('w1', waitingMissed())])).toEqual(['applied'])
    const final = waitingMissed({ endedAt: NOW - 5_000, endReason: 'timeout' })
    expect(await reasons([upsert('w1', final)])).toEqual(['applied'])
    expect(await stored('w1')).toEqual(final)
    // Complete now: its end is what it is, also when re-sent.
    expect(await reasons([upsert('w1', waitingMissed({ endedAt: NOW - 1_000, endReason: 'timeout' })), upsert('w1', final)])).toEqual(['CALL_RECORD_READONLY', 'applied'])
    // Signing out ends it on this side: still missed, reason local-bye. A declined one is rejected.
    await push([upsert('w2', waitingMissed()), upsert('w3', waitingMissed())])
    expect(await reasons([upsert('w2', waitingMissed({ endedAt: NOW - 3_000, endReason: 'local-bye' })), upsert('w3', waitingMissed({ outcome: 'rejected', endReason: 'rejected' }))])).toEqual(['applied', 'applied'])
    expect(await exported()).toHaveLength(3)
  })

  it('the first record and its real end in one push (the end came before the debounce) are both applied', async () => {
    const final = waitingMissed({ endedAt: NOW - 10_000, endReason: 'remote-cancel' })
    expect(await reasons([upsert('w1', waitingMissed()), upsert('w1', final)])).toEqual(['applied', 'applied'])
    expect(await stored('w1')).toEqual(final)
  })

  it('a provisional end never gains an answer or talk time, another caller, another start or another session', async () => {
    await push([upsert('w1', waitingMissed())])
    const before = await stored('w1')
    const tries = [
      waitingMissed({ outcome: 'answered', answeredAt: NOW - 19_000, endedAt: NOW - 1_000, durationSec: 18, endReason: 'remote-bye' }),
      waitingMissed({ answeredAt: NOW - 19_000, endedAt: NOW - 1_000, endReason: 'remote-bye' }),
      waitingMissed({ outcome: 'answered', endedAt: NOW - 1_000, durationSec: 7000, endReason: 'remote-bye' }),
      waitingMissed({ endedAt: NOW - 5_000, endReason: 'timeout', number: '13600136000' }),
      waitingMissed({ endedAt: NOW - 5_000, endReason: 'timeout', startedAt: NOW - 39_000 }),
      waitingMissed({ endedAt: NOW - 5_000, endReason: 'timeout', sessionId: 'sess-other' }),
    ]
    expect(await reasons(tries.map((data) => upsert('w1', data)))).toEqual(tries.map(() => 'CALL_RECORD_READONLY'))
    expect(await stored('w1')).toEqual(before)
    // An answered call or an outbound one lost with the app (reason unknown) is never provisional.
    const lostAnswered = waitingMissed({ outcome: 'answered', answeredAt: NOW - 35_000, durationSec: 15 })
    const lostOutbound = waitingMissed({ direction: 'out', outcome: 'no-answer' })
    await push([upsert('i1', lostAnswered), upsert('o1', lostOutbound)])
    expect(
      await reasons([upsert('i1', { ...lostAnswered, endedAt: NOW - 1_000, durationSec: 34, endReason: 'remote-bye' }), upsert('o1', { ...lostOutbound, endedAt: NOW - 1_000, endReason: 'timeout' })]),
    ).toEqual(['CALL_RECORD_READONLY', 'CALL_RECORD_READONLY'])
  })

  it('two pushes at once rewriting the same call: both refused, the record and the export unchanged', async () => {
    await push([upsert('k1', answeredCallData(NOW))])
    const before = await exported()
    const second = (await login(app, AGENT1)).body.accessToken
    const [one, two] = await Promise.all([
      push([upsert('k1', answeredCallData(NOW, { startedAt: NOW - 7_100_000, answeredAt: NOW - 7_050_000, durationSec: 7000 }))]),
      push([upsert('k1', answeredCallData(NOW, { durationSec: 1 }))], second),
    ])
    expect([one[0].reason, two[0].reason]).toEqual(['CALL_RECORD_READONLY', 'CALL_RECORD_READONLY'])
    expect(await stored('k1')).toEqual(answeredCallData(NOW))
    expect(await exported()).toEqual(before)
  })

  it('eight pushes at once completing one provisional end differently: exactly one applies, the rest are refused', async () => {
    await push([upsert('w1', waitingMissed())])
    const ends = Array.from({ length: 8 }, (_, i) => waitingMissed({ endedAt: NOW - 10_000 + i * 1000, endReason: 'timeout' }))
    // Straight to the data layer: the routes let one agent have two pushes in progress.
    const results = await Promise.all(ends.map((data, i) => pushChanges(db, A, [{ changeId: `race-${i}`, kind: 'call', op: 'upsert', id: 'w1', data }], NOW)))
    const applied = results.flatMap((r, i) => (r[0].status === 'applied' ? [i] : []))
    expect(applied).toHaveLength(1)
    expect(results.filter((r) => r[0].reason === 'CALL_RECORD_READONLY')).toHaveLength(7)
    expect(await stored('w1')).toEqual(ends[applied[0]])
  })

  it('an identical re-send and a rewrite at once: the re-send applies, the rewrite is refused', async () => {
    await push([upsert('k1', answeredCallData(NOW))])
    const [resend, rewrite] = await Promise.all([
      pushChanges(db, A, [{ changeId: 'same', kind: 'call', op: 'upsert', id: 'k1', data: answeredCallData(NOW, { note: 'wrapped' }) }], NOW),
      pushChanges(db, A, [{ changeId: 'longer', kind: 'call', op: 'upsert', id: 'k1', data: answeredCallData(NOW, { endedAt: NOW, durationSec: 55 }) }], NOW),
    ])
    expect([resend[0].status, rewrite[0].reason]).toEqual(['applied', 'CALL_RECORD_READONLY'])
    expect(await stored('k1')).toEqual(answeredCallData(NOW, { note: 'wrapped' }))
  })
})
