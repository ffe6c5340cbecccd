// @vitest-environment node
/**
 * A callback reminder handled on one phone is handled on all of the agent's phones: the call
 * record's `callbackHandled` (the `callbackAt` whose reminder was dismissed or called from) is
 * part of the wrap-up a phone may change (docs/WORKSPACE_API.md "Call records"). Through the real
 * server on both drivers: the field syncs to the agent's other sessions, is validated like a
 * callback time, never reaches or changes another agent's records, and survives pushes at once.
 */
import { describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import type { Database } from '../src/db'
import { pushChanges } from '../src/db/workspace'
import { AGENT1, AGENT2, answeredCallData, callPushes, login } from './helpers'
import { BOTH_DRIVERS, freshBackendPerTest } from './backendPerDriver'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)
const A = AGENT1.username
const AT = NOW + 3_600_000
const DAY = 86_400_000

interface Pulled {
  kind: string
  id: string
  deleted: boolean
  data: Record<string, unknown> | null
}

describe.each(BOTH_DRIVERS)('callback reminders handled across phones on $name', (driver) => {
  let db: Database
  let app: FastifyInstance
  let token: string

  freshBackendPerTest(driver, () => NOW, async (openedDb, started) => {
    db = openedDb
    app = started
    token = (await login(app, AGENT1)).body.accessToken
  })

  const { push, upsert, reasons, stored } = callPushes(() => app, () => token)
  const pulledCalls = async (bearer: string): Promise<Pulled[]> => {
    const res = await app.inject({ method: 'GET', url: '/api/workspace/changes?since=0&limit=1000', headers: { authorization: `Bearer ${bearer}` } })
    expect(res.statusCode).toBe(200)
    return (res.json() as { changes: Pulled[] }).changes.filter((c) => c.kind === 'call')
  }
  const booked = () => answeredCallData(NOW, { disposition: 'callback', callbackAt: AT })

  it("a phone marks a callback's reminder handled (a partial upsert); the agent's other phone pulls it, and a later wrap-up re-send keeps it", async () => {
    expect(await reasons([upsert('k1', booked())])).toEqual(['applied'])
    const otherPhone = (await login(app, AGENT1)).body.accessToken
    const before = (await pulledCalls(otherPhone)).find((c) => c.id === 'k1')
    expect(before?.data?.callbackHandled).toBeUndefined()

    expect(await reasons([upsert('k1', { callbackHandled: AT })])).toEqual(['applied'])
    const after = (await pulledCalls(otherPhone)).find((c) => c.id === 'k1')
    expect(after?.data).toEqual({ ...booked(), callbackHandled: AT })

    // The other phone edits the note (partial) and re-sends the record in full without the field:
    // absent changes nothing, so the reminder stays handled everywhere.
    expect(await reasons([upsert('k1', { note: 'asked for Friday' }), upsert('k1', { ...booked(), note: 'asked for Friday' })], otherPhone)).toEqual(['applied', 'applied'])
    expect(await stored('k1')).toEqual({ ...booked(), note: 'asked for Friday', callbackHandled: AT })

    // A moved callback is a new promise: the record keeps the old handled time, which no longer matches.
    expect(await reasons([upsert('k1', { callbackAt: AT + DAY })], otherPhone)).toEqual(['applied'])
    expect(await stored('k1')).toMatchObject({ callbackAt: AT + DAY, callbackHandled: AT })
    // null takes it back (the wire allows it as for callbackAt; the app never sends it).
    expect(await reasons([upsert('k1', { callbackHandled: null })])).toEqual(['applied'])
    expect((await stored('k1'))?.callbackHandled).toBeNull()
  })

  it('a new call carrying it (a full re-send of a record storage could not queue) is applied with it', async () => {
    expect(await reasons([upsert('k2', { ...booked(), callbackHandled: AT })])).toEqual(['applied'])
    expect((await stored('k2'))?.callbackHandled).toBe(AT)
  })

  it.each([
    ['a string', String(AT)],
    ['a fraction', AT + 0.5],
    ['negative', -1],
    ['before 2020', Date.UTC(2019, 11, 31)],
    ['more than a year ahead', NOW + 367 * DAY],
    ['an object', { at: AT }],
    ['an array', [AT]],
    ['true', true],
    ['NaN as text', 'NaN'],
  ])('%s is refused INVALID_TIMESTAMP, alone and in a full record, and nothing of it applies', async (_what, value) => {
    await push([upsert('k1', booked())])
    const before = await stored('k1')
    expect(await reasons([upsert('k1', { callbackHandled: value }), upsert('k1', { ...booked(), note: 'x', callbackHandled: value }), upsert('new', { ...booked(), callbackHandled: value })])).toEqual([
      'INVALID_TIMESTAMP',
      'INVALID_TIMESTAMP',
      'INVALID_TIMESTAMP',
    ])
    expect(await stored('k1')).toEqual(before)
    expect(await stored('new')).toBeNull()
  })

  it('an unknown companion field is still refused (UNKNOWN_FIELD): only callbackHandled was added', async () => {
    await push([upsert('k1', booked())])
    expect(await reasons([upsert('k1', { callbackHandled: AT, handledBy: 'phone-a' }), upsert('k1', { reminderHandled: AT })])).toEqual(['UNKNOWN_FIELD', 'UNKNOWN_FIELD'])
    expect((await stored('k1'))?.callbackHandled).toBeUndefined()
  })

  it("another agent can neither see nor mark agent1's reminder: their upsert of the same id is their own (refused, no call), agent1's record is unchanged", async () => {
    await push([upsert('k1', booked())])
    const other = (await login(app, AGENT2)).body.accessToken
    expect(await stored('k1', other)).toBeNull()
    expect(await pulledCalls(other)).toEqual([])
    // Only the field: under agent2 the id names no call, so it is no call at all.
    expect(await reasons([upsert('k1', { callbackHandled: AT })], other)).toEqual(['INVALID_NUMBER'])
    expect((await stored('k1'))?.callbackHandled).toBeUndefined()
    // A whole record under the same id is agent2's own record; agent1's stays as it was.
    expect(await reasons([upsert('k1', { ...booked(), callbackHandled: AT })], other)).toEqual(['applied'])
    expect((await stored('k1'))?.callbackHandled).toBeUndefined()
    expect((await pulledCalls(token)).map((c) => c.data?.callbackHandled)).toEqual([undefined])
  })

  it('two phones handling the reminder while a third edits the wrap-up, all at once: every change applies and the record has both', async () => {
    await push([upsert('k1', booked())])
    const results = await Promise.all([
      pushChanges(db, A, [{ changeId: 'phone-a', kind: 'call', op: 'upsert', id: 'k1', data: { callbackHandled: AT } }], NOW),
      pushChanges(db, A, [{ changeId: 'phone-b', kind: 'call', op: 'upsert', id: 'k1', data: { callbackHandled: AT } }], NOW),
      pushChanges(db, A, [{ changeId: 'phone-c', kind: 'call', op: 'upsert', id: 'k1', data: { note: 'wrapped elsewhere' } }], NOW),
    ])
    expect(results.map((r) => r[0].status)).toEqual(['applied', 'applied', 'applied'])
    expect(await stored('k1')).toEqual({ ...booked(), note: 'wrapped elsewhere', callbackHandled: AT })
  })
})
