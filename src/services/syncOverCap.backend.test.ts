// @vitest-environment node
/**
 * The app's sync engine against the real backend with small caps (server/src, both drivers;
 * docs/WORKSPACE_API.md, Caps): what the server refused over a cap goes in once there is room:
 * behind the agent's deletes (the numbers cap), once at the next sign-in, and on the agent's
 * retry after the business raised the records cap (the backend started again with a higher one).
 */
import { describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { storage } from '../../tests/setup/uni'
import { SyncEngine, type WorkspaceTransport } from '@/services/sync'
import { ManualTimers } from '@/services/__tests__/fakeWorkspace'
import { storedOn } from '@/services/__tests__/phoneStores'
import { AGENT1, answeredCallData, login, type PulledChange as Change } from '../../server/test/helpers'
import { BOTH_DRIVERS, freshBackendPerTest } from '../../server/test/backendPerDriver'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)
const numberData = (i: number, remark = `number ${i}`) => ({ number: `1380013${String(i).padStart(4, '0')}`, remark, source: 'own', createdAt: NOW - 60_000 })

describe.each(BOTH_DRIVERS)('changes refused over a cap, the sync engine against the backend on $name', (driver) => {
  let app: FastifyInstance
  let token: string

  const backend = freshBackendPerTest(
    driver,
    () => NOW,
    async (_db, started) => {
      app = started
      token = (await login(app, AGENT1)).body.accessToken
    },
    { WORKSPACE_NUMBERS_MAX: '3', WORKSPACE_RECORDS_MAX: '6' },
  )

  const auth = () => ({ authorization: `Bearer ${token}` })
  /** Every push's changes as `op id`, and how many numbers were read back. */
  const pushed: string[][] = []
  let readBacks = 0
  // The app's transport over the real routes (the token read at each request, as in the app).
  const transport: WorkspaceTransport = {
    pull: async (since, limit) => (await app.inject({ method: 'GET', url: `/api/workspace/changes?since=${since}&limit=${limit}`, headers: auth() })).json(),
    push: async (changes) => {
      pushed.push(changes.map((c) => `${c.op} ${c.id}`))
      const res = await app.inject({ method: 'POST', url: '/api/workspace/changes', headers: auth(), payload: { changes } })
      expect(res.statusCode).toBe(200)
      return (res.json() as { results: Awaited<ReturnType<WorkspaceTransport['push']>> }).results
    },
    record: async (_kind, id) => {
      readBacks += 1
      const res = await app.inject({ method: 'GET', url: `/api/workspace/numbers/${id}`, headers: auth() })
      return res.statusCode === 404 ? null : res.json()
    },
  }
  const live = async () => {
    const res = await app.inject({ method: 'GET', url: '/api/workspace/changes?since=0&limit=1000', headers: auth() })
    return (res.json() as { changes: Change[] }).changes.filter((c) => !c.deleted && (c.kind === 'number' || c.kind === 'call')).map((c) => `${c.kind} ${c.id} ${String(c.data?.remark ?? '')}`.trim()).sort()
  }
  const phone = () => {
    const engine = new SyncEngine(transport, new ManualTimers())
    engine.open('agent1-key')
    return { engine, ...storedOn(engine) }
  }

  it('the numbers cap: deleting numbers sends the refused adds in, in their order and latest version; one still over waits, is sent once at the next sign-in, and goes in after the next delete', async () => {
    storage.clear()
    pushed.length = 0
    readBacks = 0
    const a = phone()
    for (const i of [1, 2, 3, 4, 5]) a.write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(i) })
    await a.sync()
    a.write({ kind: 'number', op: 'upsert', id: 'n5', data: numberData(5, 'the latest') })
    await a.sync()
    expect(a.engine.overCapRecords()).toEqual([
      { kind: 'number', id: 'n4', quota: 'numbers' },
      { kind: 'number', id: 'n5', quota: 'numbers' },
    ])
    // A refused add has nothing on the server to read back.
    expect(readBacks).toBe(0)
    pushed.length = 0
    a.write({ kind: 'number', op: 'delete', id: 'n1' })
    await a.sync()
    // As many as the delete made room for: n5 waits, not sent to be refused again.
    expect(pushed).toEqual([['delete n1'], ['upsert n4']])
    expect(await live()).toEqual(['number n2 number 2', 'number n3 number 3', 'number n4 number 4'])
    expect(a.engine.overCapRecords()).toEqual([{ kind: 'number', id: 'n5', quota: 'numbers' }])

    // The app restarts: the one still over is sent once at the sign-in, refused again, and held.
    a.engine.close()
    const b = phone()
    for (const [key, copy] of a.copies) b.copies.set(key, copy)
    pushed.length = 0
    await b.sync()
    expect(pushed).toEqual([['upsert n5']])
    expect(b.engine.overCapRecords()).toEqual([{ kind: 'number', id: 'n5', quota: 'numbers' }])
    b.write({ kind: 'number', op: 'delete', id: 'n2' })
    await b.sync()
    expect(await live()).toEqual(['number n3 number 3', 'number n4 number 4', 'number n5 the latest'])
    expect(b.engine.overCapRecords()).toEqual([])
    expect(b.engine.pending).toBe(0)
    b.engine.close()
  })

  it('the records cap: a retry while still full is refused again and held; once the business raised it (the backend started with a higher cap) the retry goes in', async () => {
    storage.clear()
    const a = phone()
    for (const i of [1, 2, 3]) a.write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(i) })
    for (const i of [1, 2, 3]) a.write({ kind: 'call', op: 'upsert', id: `c${i}`, data: answeredCallData(NOW - i * 600_000) })
    await a.sync()
    // Six rows: a delete leaves a tombstone (no room in rows), the next add is over the records cap.
    a.write({ kind: 'number', op: 'delete', id: 'n1' })
    a.write({ kind: 'number', op: 'upsert', id: 'n4', data: numberData(4) })
    a.write({ kind: 'call', op: 'upsert', id: 'c4', data: answeredCallData(NOW - 60_000) })
    await a.sync()
    expect(a.engine.overCapRecords()).toEqual([
      { kind: 'number', id: 'n4', quota: 'records' },
      { kind: 'call', id: 'c4', quota: 'records' },
    ])
    pushed.length = 0
    a.engine.retryOverCap()
    await a.sync()
    expect(pushed).toEqual([['upsert n4', 'upsert c4']])
    expect(a.engine.overCapRecords().map((r) => r.id)).toEqual(['n4', 'c4'])

    app = await backend.restart({ WORKSPACE_RECORDS_MAX: '10' })
    token = (await login(app, AGENT1)).body.accessToken
    a.engine.retryOverCap()
    await a.sync()
    expect(a.engine.overCapRecords()).toEqual([])
    expect(await live()).toEqual(['call c1', 'call c2', 'call c3', 'call c4', 'number n2 number 2', 'number n3 number 3', 'number n4 number 4'])
    a.engine.close()
  })
})
