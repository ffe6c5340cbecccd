// @vitest-environment node
/**
 * Reconcile (docs/WORKSPACE_API.md, Reconcile) on both drivers: the database goes back to a
 * backup behind the server's back, the backend starts again, and a phone's records come back by
 * listing what it holds with the rev it last saw and pushing again exactly what the server lost.
 */
import { describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { advanceRevisions, noteWorkspaceStart, type Database } from '../src/db'
import { RECONCILE_RECORDS_MAX } from '../src/db/workspace'
import { AGENT1, AGENT2, answeredCallData, login } from './helpers'
import { BOTH_DRIVERS, freshBackendPerTest } from './backendPerDriver'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)

interface Change {
  kind: 'number' | 'call'
  id: string
  rev: string
  deleted: boolean
  data: Record<string, unknown> | null
}
interface Lost {
  kind: 'number' | 'call'
  id: string
  rev: string
  state: 'missing' | 'alive' | 'deleted'
}
interface Held {
  kind: 'number' | 'call'
  id: string
  rev: string
  deleted?: boolean
}

describe.each(BOTH_DRIVERS)('reconcile on $name', (driver) => {
  let db: Database
  let app: FastifyInstance
  let token1: string
  let token2: string

  const backend = freshBackendPerTest(driver, () => NOW, async (openedDb, started) => {
    db = openedDb
    app = started
    token1 = (await login(app, AGENT1)).body.accessToken
    token2 = (await login(app, AGENT2)).body.accessToken
  })

  const auth = (token: string) => ({ authorization: `Bearer ${token}` })
  let changeSeq = 0
  const nextChangeId = () => `ch-${++changeSeq}`
  const push = async (token: string, changes: unknown[]) => {
    const res = await app.inject({ method: 'POST', url: '/api/workspace/changes', headers: auth(token), payload: { changes } })
    expect(res.statusCode).toBe(200)
    return (res.json() as { results: { changeId: string; status: string; reason?: string; rev?: string }[] }).results
  }
  const reconcileRaw = (token: string, payload: unknown) => app.inject({ method: 'POST', url: '/api/workspace/reconcile', headers: auth(token), payload: payload as object })
  const reconcile = async (token: string, records: Held[]) => {
    const res = await reconcileRaw(token, { records })
    expect(res.statusCode).toBe(200)
    return res.json() as { lost: Lost[]; newer: Change[] }
  }
  const pullAll = async (token: string) => {
    const res = await app.inject({ method: 'GET', url: '/api/workspace/changes?since=0&limit=1000', headers: auth(token) })
    expect(res.statusCode).toBe(200)
    return (res.json() as { changes: Change[] }).changes.filter((c) => c.kind === 'number' || c.kind === 'call')
  }
  /**
   * A phone as the sync engine keeps it: its copy of each record and the rev it last saw (from a
   * push's answer or a pull). `deleted`: it deleted the record (a number).
   */
  class Phone {
    copies = new Map<string, { kind: 'number' | 'call'; rev: string; deleted: boolean; data: Record<string, unknown> | null }>()
    constructor(readonly token: () => string) {}
    async write(kind: 'number' | 'call', id: string, op: 'upsert' | 'delete', data?: Record<string, unknown>, ifRev?: string, seenRev?: string) {
      const changeId = nextChangeId()
      const [result] = await push(this.token(), [{ changeId, kind, op, id, ...(data ? { data } : {}), ...(ifRev ? { ifRev } : {}), ...(seenRev ? { seenRev } : {}) }])
      if (result.status === 'applied' && result.rev) {
        const before = this.copies.get(`${kind}:${id}`)
        const merged = op === 'delete' ? null : { ...(before?.data ?? {}), ...data }
        this.copies.set(`${kind}:${id}`, { kind, rev: result.rev, deleted: op === 'delete', data: merged })
      }
      return result
    }
    held(): Held[] {
      return [...this.copies.entries()].map(([key, c]) => ({ kind: c.kind, id: key.slice(key.indexOf(':') + 1), rev: c.rev, deleted: c.deleted }))
    }
    /** Reconciles and pushes its copies of what was lost (the engine's step, by hand). */
    async restoreLost(): Promise<{ lost: Lost[]; results: { status: string; reason?: string }[] }> {
      const { lost } = await reconcile(this.token(), this.held())
      const results = []
      for (const l of lost) {
        const copy = this.copies.get(`${l.kind}:${l.id}`)
        if (!copy) continue
        results.push(await this.write(l.kind, l.id, copy.deleted ? 'delete' : 'upsert', copy.deleted ? undefined : (copy.data ?? {}), l.rev, copy.rev))
      }
      return { lost, results }
    }
  }

  /** Every row of the agents' workspaces and the sequence, as a backup holds them. */
  async function backup() {
    const rows = await db.query<{ agent: string; kind: string; id: string; rev: string; deleted: boolean; data: string | null }>(
      `SELECT agent, kind, id, rev::text AS rev, deleted, data::text AS data FROM workspace_records WHERE agent <> ''`,
    )
    return rows
  }
  /** Puts the backup's rows back behind the server's back, then starts the backend again. */
  async function restore(rows: Awaited<ReturnType<typeof backup>>) {
    await db.exec(`DELETE FROM workspace_records WHERE agent <> ''`)
    for (const r of rows) {
      await db.query(`INSERT INTO workspace_records (agent, kind, id, rev, deleted, data) VALUES ($1, $2, $3, $4::bigint, $5, $6::jsonb)`, [r.agent, r.kind, r.id, r.rev, r.deleted, r.data])
    }
    // What a start does (openMigrated): the sequence moves on, never handing out a rev again, and
    // the start is noted with the highest rev the database now holds.
    await advanceRevisions(db, Date.now())
    await noteWorkspaceStart(db, NOW)
    app = await backend.restart()
    // The restore kept the sessions (tokens still valid); sign in again anyway, as after a restart.
    token1 = (await login(app, AGENT1)).body.accessToken
    token2 = (await login(app, AGENT2)).body.accessToken
  }

  const numberData = (n: string, remark: string) => ({ number: n, remark, source: 'own', createdAt: NOW - 60_000 })

  it('after a restore, every number, call, wrap-up and delete made after the backup comes back from the phone', async () => {
    const phone = new Phone(() => token1)
    expect((await phone.write('number', 'n-edit', 'upsert', numberData('13900000001', 'before'))).status).toBe('applied')
    await phone.write('number', 'n-gone', 'upsert', numberData('13900000002', 'to delete'))
    await phone.write('number', 'n-same', 'upsert', numberData('13900000003', 'unchanged'))
    await phone.write('call', 'c-wrap', 'upsert', answeredCallData(NOW - 120_000))
    const saved = await backup()

    await phone.write('number', 'n-edit', 'upsert', { remark: 'edited after the backup' })
    await phone.write('number', 'n-gone', 'delete')
    await phone.write('number', 'n-new', 'upsert', numberData('13900000004', 'added after the backup'))
    await phone.write('call', 'c-wrap', 'upsert', { disposition: null, note: 'wrap-up after the backup', callbackAt: NOW + 86_400_000 })
    await phone.write('call', 'c-new', 'upsert', answeredCallData(NOW - 30_000))
    const before = await pullAll(token1)

    await restore(saved)
    // The server lost them: a pull from the start no longer has them.
    expect((await pullAll(token1)).find((c) => c.id === 'n-new')).toBeUndefined()

    const { lost, results } = await phone.restoreLost()
    expect(lost.map((l) => [l.kind, l.id, l.state]).sort()).toEqual(
      [
        ['call', 'c-new', 'missing'],
        ['call', 'c-wrap', 'alive'],
        ['number', 'n-edit', 'alive'],
        ['number', 'n-gone', 'alive'],
        ['number', 'n-new', 'missing'],
      ].sort(),
    )
    expect(lost.find((l) => l.id === 'n-new')?.rev).toBe('0')
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied'])

    // The server holds what it held before the restore (new revs), and has nothing more to ask for.
    const after = await pullAll(token1)
    const state = (list: Change[]) => Object.fromEntries(list.map((c) => [`${c.kind}:${c.id}`, { deleted: c.deleted, data: c.data }]))
    expect(state(after)).toEqual(state(before))
    expect(await reconcile(token1, phone.held())).toEqual({ lost: [], newer: [] })
  })

  it('GET /api/workspace/reconcile: null without a start since, else the lowest rev a start since found', async () => {
    const floor = async (since: string, token = token1) => {
      const res = await app.inject({ method: 'GET', url: `/api/workspace/reconcile?since=${since}`, headers: auth(token) })
      expect(res.statusCode).toBe(200)
      return res.json() as { floor: string | null; at: number }
    }
    await noteWorkspaceStart(db, NOW - 60_000)
    const [{ max }] = await db.query<{ max: string }>('SELECT max(rev)::text AS max FROM workspace_records')
    expect(await floor('0')).toEqual({ floor: max, at: NOW })
    expect(await floor(String(NOW))).toEqual({ floor: null, at: NOW })
    const phone = new Phone(() => token1)
    await phone.write('number', 'n1', 'upsert', numberData('13900000051', 'a'))
    const saved = await backup()
    await phone.write('number', 'n2', 'upsert', numberData('13900000052', 'b'))
    await noteWorkspaceStart(db, NOW - 1_000) // a restart, no restore
    const n1 = phone.copies.get('number:n1')?.rev ?? ''
    const n2 = phone.copies.get('number:n2')?.rev ?? ''
    expect((await floor(String(NOW - 2_000))).floor).toBe(n2)
    await restore(saved)
    // Since before both starts: the lower (the restore's), the highest rev the backup held.
    expect((await floor(String(NOW - 2_000))).floor).toBe(n1)
    // The same for another agent: a start is the backend's, nothing of agent 1's records.
    expect((await floor(String(NOW - 2_000), token2)).floor).toBe(n1)
    for (const bad of ['-1', 'x', '1'.repeat(17), '1.5']) {
      const res = await app.inject({ method: 'GET', url: `/api/workspace/reconcile?since=${bad}`, headers: auth(token1) })
      expect(res.statusCode).toBe(400)
      expect(res.json().error.message).toMatch(/"since"/)
    }
  })

  it('never pushes over a newer write: a record written since the phone saw it comes back in full as newer', async () => {
    const phone = new Phone(() => token1)
    await phone.write('number', 'n1', 'upsert', numberData('13900000011', 'phone A'))
    const other = new Phone(() => token1)
    await other.write('number', 'n1', 'upsert', { remark: 'phone B, later' })
    const answer = await reconcile(token1, phone.held())
    expect(answer.lost).toEqual([])
    expect(answer.newer).toHaveLength(1)
    expect(answer.newer[0]).toMatchObject({ kind: 'number', id: 'n1', deleted: false, data: { remark: 'phone B, later' } })
    expect(answer.newer[0].rev).toBe(other.copies.get('number:n1')?.rev)

    // A newer delete comes as a tombstone (no data), never as lost.
    await other.write('number', 'n1', 'delete')
    expect(await reconcile(token1, phone.held())).toEqual({ lost: [], newer: [{ kind: 'number', id: 'n1', rev: other.copies.get('number:n1')?.rev, deleted: true, data: null }] })
  })

  it('a re-send whose record another phone wrote after the reconcile is refused SUPERSEDED; the newer write stands', async () => {
    const phone = new Phone(() => token1)
    await phone.write('number', 'n1', 'upsert', numberData('13900000021', 'base'))
    const saved = await backup()
    await phone.write('number', 'n1', 'upsert', { remark: 'lost by the restore' })
    await phone.write('number', 'n2', 'upsert', numberData('13900000022', 'lost too'))
    await restore(saved)

    const { lost } = await reconcile(token1, phone.held())
    expect(lost.map((l) => l.id).sort()).toEqual(['n1', 'n2'])
    // Another phone of the agent writes both after the reconcile answered, before the re-sends.
    const other = new Phone(() => token1)
    await other.write('number', 'n1', 'upsert', { remark: 'phone B after the restore' })
    await other.write('number', 'n2', 'upsert', numberData('13900000022', 'phone B created it'))
    const results = await push(
      token1,
      lost.map((l) => ({ changeId: nextChangeId(), kind: l.kind, op: 'upsert', id: l.id, data: phone.copies.get(`number:${l.id}`)?.data, ifRev: l.rev })),
    )
    expect(results.map((r) => [r.status, r.reason])).toEqual([
      ['rejected', 'SUPERSEDED'],
      ['rejected', 'SUPERSEDED'],
    ])
    const remarks = Object.fromEntries((await pullAll(token1)).map((c) => [c.id, c.data?.remark]))
    expect(remarks).toEqual({ n1: 'phone B after the restore', n2: 'phone B created it' })
  })

  it('a number another phone deletes after a restore lost it stays deleted: the re-send of the phone that added it does not bring it back', async () => {
    const phoneA = new Phone(() => token1)
    await phoneA.write('number', 'n-base', 'upsert', numberData('13900000061', 'in the backup'))
    const saved = await backup()
    await phoneA.write('number', 'n-lost', 'upsert', numberData('13900000062', 'added after the backup'))
    await restore(saved)
    // Phone B had pulled it; after the restore the agent deletes it there, before phone A reconciles.
    const deleted = await push(token1, [{ changeId: nextChangeId(), kind: 'number', op: 'delete', id: 'n-lost' }])
    expect(deleted.map((r) => r.status)).toEqual(['applied'])
    const { lost, results } = await phoneA.restoreLost()
    expect(lost).toEqual([])
    expect(results).toEqual([])
    // Either order: phone A re-sending its copy as a reconcile does, over what it found missing.
    const resend = await push(token1, [{ changeId: nextChangeId(), kind: 'number', op: 'upsert', id: 'n-lost', data: numberData('13900000062', 'added after the backup'), ifRev: '0' }])
    expect(resend.map((r) => [r.status, r.reason])).toEqual([['rejected', 'SUPERSEDED']])
    expect((await pullAll(token1)).find((c) => c.id === 'n-lost')).toMatchObject({ deleted: true, data: null })
  })

  it("two phones putting back one record the restore lost: the copy of the later rev wins whichever reconciles first (a wrap-up and callbackHandled, an add and a delete)", async () => {
    for (const first of ['stale', 'later'] as const) {
      const phoneA = new Phone(() => token1)
      const phoneB = new Phone(() => token1)
      const callId = `c-${first}`
      const numberId = `n-${first}`
      await phoneA.write('call', callId, 'upsert', answeredCallData(NOW - 120_000))
      const saved = await backup()
      const callbackAt = NOW + 3_600_000
      // Phone A wraps the call up and adds a number; phone B pulls both, then marks the callback
      // handled and deletes the number. Phone A, off the network, never pulls B's writes.
      await phoneA.write('call', callId, 'upsert', { disposition: null, note: 'wrap-up on A', callbackAt })
      await phoneA.write('number', numberId, 'upsert', numberData(first === 'stale' ? '13900000071' : '13900000072', 'added on A'))
      for (const key of [`call:${callId}`, `number:${numberId}`]) phoneB.copies.set(key, { ...(phoneA.copies.get(key) as NonNullable<ReturnType<typeof phoneA.copies.get>>) })
      expect((await phoneB.write('call', callId, 'upsert', { callbackHandled: callbackAt })).status).toBe('applied')
      expect((await phoneB.write('number', numberId, 'delete')).status).toBe('applied')
      const later = Object.fromEntries((await pullAll(token1)).filter((c) => c.id === callId || c.id === numberId).map((c) => [c.id, { deleted: c.deleted, data: c.data }]))
      await restore(saved)

      const order = first === 'stale' ? [phoneA, phoneB] : [phoneB, phoneA]
      for (const phone of order) {
        const { lost, results } = await phone.restoreLost()
        expect(results.every((r) => r.status === 'applied'), `${first}: ${JSON.stringify({ lost, results })}`).toBe(true)
      }
      // What the server held before the restore: B's handled reminder on A's wrap-up, the number deleted.
      const after = Object.fromEntries((await pullAll(token1)).filter((c) => c.id === callId || c.id === numberId).map((c) => [c.id, { deleted: c.deleted, data: c.data }]))
      expect(after, first).toEqual(later)
    }
  })

  it('a reconcile racing another phone pushing the same record never lets the older copy win', async () => {
    for (let round = 0; round < 6; round += 1) {
      const id = `race-${round}`
      const phone = new Phone(() => token1)
      await phone.write('number', id, 'upsert', numberData(`1390000${String(100 + round).padStart(4, '0')}`, 'phone A'))
      const saved = await backup()
      await phone.write('number', id, 'upsert', { remark: 'phone A, lost' })
      await restore(saved)
      const other = new Phone(() => token1)
      // Both at once: the reconcile's read and the other phone's write, in either order.
      const [answer] = await Promise.all([reconcile(token1, phone.held()), other.write('number', id, 'upsert', { remark: `phone B ${round}` })])
      for (const l of answer.lost) {
        const copy = phone.copies.get(`number:${l.id}`)
        await phone.write('number', l.id, 'upsert', copy?.data ?? {}, l.rev)
      }
      const mine = (await pullAll(token1)).find((c) => c.id === id)
      expect(mine?.data?.remark).toBe(`phone B ${round}`)
      await db.exec(`DELETE FROM workspace_records WHERE agent <> ''`)
    }
  })

  it("another agent's ids and revs reveal nothing: answered as ids that never existed, and nothing of theirs changes", async () => {
    const owner = new Phone(() => token1)
    await owner.write('number', 'secret-n', 'upsert', numberData('13900000031', 'agent 1 only'))
    await owner.write('call', 'secret-c', 'upsert', answeredCallData(NOW - 60_000))
    await owner.write('number', 'secret-d', 'upsert', numberData('13900000032', 'deleted'))
    await owner.write('number', 'secret-d', 'delete')
    const theirs = owner.held()
    const stranger = await reconcile(token2, theirs)
    const never = await reconcile(token2, theirs.map((h) => ({ ...h, id: `${h.id}-never` })))
    // The same answer as for ids nobody has: no rev, no state, no data of agent 1's.
    expect(stranger.newer).toEqual([])
    expect(stranger.lost).toEqual(never.lost.map((l) => ({ ...l, id: l.id.replace(/-never$/, '') })))
    expect(stranger.lost.every((l) => l.state === 'missing' && l.rev === '0')).toBe(true)
    // Listed at rev 0 (never seen): still nothing but "missing".
    expect((await reconcile(token2, theirs.map((h) => ({ ...h, rev: '0' })))).newer).toEqual([])
    // `?agent=` naming the other agent is a 404, as on every workspace route.
    const named = await app.inject({ method: 'POST', url: '/api/workspace/reconcile?agent=someone-else', headers: auth(token2), payload: { records: [] } })
    expect(named.statusCode).toBe(404)
    // Agent 1's records are as they were.
    expect((await pullAll(token1)).map((c) => [c.id, c.rev]).sort()).toEqual(theirs.map((h) => [h.id, h.rev]).sort())
  })

  it('answers malformed bodies with a 400 naming the fault, an oversized one with 413, and no token with 401', async () => {
    const good = { kind: 'number', id: 'n1', rev: '12' }
    const cases: Array<[unknown, RegExp]> = [
      [[], /JSON object/],
      [{ records: 'x' }, /"records" must be an array/],
      [{ records: [], extra: 1 }, /Unknown field/],
      [{ records: Array.from({ length: RECONCILE_RECORDS_MAX + 1 }, (_, i) => ({ ...good, id: `n${i}` })) }, /At most 1000/],
      [{ records: [null] }, /records\[0\]: must be an object/],
      [{ records: [good, { ...good, kind: 'outcome' }] }, /records\[1\]: "kind"/],
      [{ records: [{ ...good, id: 'a b' }] }, /"id"/],
      [{ records: [{ ...good, id: 'x'.repeat(65) }] }, /"id"/],
      [{ records: [{ ...good, rev: 12 }] }, /"rev"/],
      [{ records: [{ ...good, rev: '-1' }] }, /"rev"/],
      [{ records: [{ ...good, rev: '1'.repeat(19) }] }, /"rev"/],
      [{ records: [{ ...good, deleted: 'yes' }] }, /"deleted"/],
      [{ records: [{ ...good, data: {} }] }, /unknown field "data"/],
      [{ records: [good, { ...good, rev: '13' }] }, /listed twice/],
    ]
    for (const [payload, message] of cases) {
      const res = await reconcileRaw(token1, payload)
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400)
      expect(res.json().error.code).toBe('BAD_REQUEST')
      expect(res.json().error.message).toMatch(message)
    }
    const proto = await app.inject({ method: 'POST', url: '/api/workspace/reconcile', headers: { ...auth(token1), 'content-type': 'application/json' }, payload: '{"records":[{"__proto__":{"x":1}}]}' })
    expect(proto.statusCode).toBe(400)
    expect(proto.json().error.code).toBe('FORBIDDEN_KEY')
    const huge = { records: [{ ...good, id: 'x'.repeat(300_000) }] }
    expect((await reconcileRaw(token1, huge)).statusCode).toBe(413)
    expect((await app.inject({ method: 'POST', url: '/api/workspace/reconcile', payload: { records: [] } })).statusCode).toBe(401)
    expect(await reconcile(token1, [])).toEqual({ lost: [], newer: [] })
    // A malformed ifRev on a push is that change's INVALID_FIELD alone.
    const results = await push(token1, [
      { changeId: nextChangeId(), kind: 'number', op: 'upsert', id: 'n1', data: numberData('13900000041', 'x'), ifRev: 'abc' },
      { changeId: nextChangeId(), kind: 'number', op: 'upsert', id: 'n2', data: numberData('13900000042', 'y'), ifRev: '0' },
      // seenRev (the rev a re-sending phone had seen) is a rev string, and only beside ifRev.
      { changeId: nextChangeId(), kind: 'number', op: 'upsert', id: 'n3', data: numberData('13900000043', 'z'), ifRev: '0', seenRev: 12 },
      { changeId: nextChangeId(), kind: 'number', op: 'upsert', id: 'n3', data: numberData('13900000043', 'z'), seenRev: '12' },
      { changeId: nextChangeId(), kind: 'number', op: 'upsert', id: 'n3', data: numberData('13900000043', 'z'), ifRev: '0', seenRev: '12' },
    ])
    expect(results.map((r) => [r.status, r.reason])).toEqual([
      ['rejected', 'INVALID_FIELD'],
      ['applied', undefined],
      ['rejected', 'INVALID_FIELD'],
      ['rejected', 'INVALID_FIELD'],
      ['applied', undefined],
    ])
  })

  it('a page of 1,000 records is answered in one read', async () => {
    const phone = new Phone(() => token1)
    const changes = Array.from({ length: 500 }, (_, i) => ({ changeId: nextChangeId(), kind: 'number', op: 'upsert', id: `bulk-${i}`, data: numberData(`1380000${String(i).padStart(4, '0')}`, `r${i}`) }))
    const results = await push(token1, changes)
    results.forEach((r, i) => phone.copies.set(`number:bulk-${i}`, { kind: 'number', rev: r.rev ?? '0', deleted: false, data: changes[i].data }))
    const held = [...phone.held(), ...Array.from({ length: 500 }, (_, i) => ({ kind: 'call' as const, id: `never-${i}`, rev: '5' }))]
    const answer = await reconcile(token1, held)
    expect(answer.newer).toEqual([])
    expect(answer.lost).toHaveLength(500)
    expect(answer.lost.every((l) => l.kind === 'call' && l.state === 'missing')).toBe(true)
  })
})
