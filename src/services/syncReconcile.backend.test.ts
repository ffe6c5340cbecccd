// @vitest-environment node
/**
 * The app's sync engine against the real backend (server/src, both drivers): the database goes
 * back to a backup behind the server's back, the backend starts again, and at the phone's next
 * sync everything it holds that the restore lost goes back, and nothing more
 * (docs/WORKSPACE_API.md, Reconcile).
 */
import { describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { storage } from '../../tests/setup/uni'
import { RECONCILE_EVERY_MS, SyncEngine, type LocalChange, type WorkspaceTransport } from '@/services/sync'
import { ManualTimers } from '@/services/__tests__/fakeWorkspace'
import { storedOn } from '@/services/__tests__/phoneStores'
import { advanceRevisions, noteWorkspaceStart, type Database } from '../../server/src/db'
import { AGENT1, answeredCallData, login, type PulledChange as Change } from '../../server/test/helpers'
import { BOTH_DRIVERS, freshBackendPerTest } from '../../server/test/backendPerDriver'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)

describe.each(BOTH_DRIVERS)('the sync engine against the backend on $name, across a restore', (driver) => {
  let db: Database
  let app: FastifyInstance
  let token1: string

  const backend = freshBackendPerTest(driver, () => NOW, async (openedDb, started) => {
    db = openedDb
    app = started
    token1 = (await login(app, AGENT1)).body.accessToken
  })

  const auth = (token: string) => ({ authorization: `Bearer ${token}` })
  const push = async (token: string, changes: unknown[]) => {
    const res = await app.inject({ method: 'POST', url: '/api/workspace/changes', headers: auth(token), payload: { changes } })
    expect(res.statusCode).toBe(200)
    return (res.json() as { results: unknown[] }).results
  }
  const reconcile = async (token: string, records: unknown[]) => {
    const res = await app.inject({ method: 'POST', url: '/api/workspace/reconcile', headers: auth(token), payload: { records } })
    expect(res.statusCode).toBe(200)
    return res.json()
  }
  const pullAll = async (token: string) => {
    const res = await app.inject({ method: 'GET', url: '/api/workspace/changes?since=0&limit=1000', headers: auth(token) })
    expect(res.statusCode).toBe(200)
    return (res.json() as { changes: Change[] }).changes.filter((c) => c.kind === 'number' || c.kind === 'call')
  }
  async function backup() {
    return db.query<{ agent: string; kind: string; id: string; rev: string; deleted: boolean; data: string | null }>(
      `SELECT agent, kind, id, rev::text AS rev, deleted, data::text AS data FROM workspace_records WHERE agent <> ''`,
    )
  }
  /** The backup's rows back behind the server's back, then a start (as openMigrated does it). */
  async function restore(rows: Awaited<ReturnType<typeof backup>>) {
    await db.exec(`DELETE FROM workspace_records WHERE agent <> ''`)
    for (const r of rows) {
      await db.query(`INSERT INTO workspace_records (agent, kind, id, rev, deleted, data) VALUES ($1, $2, $3, $4::bigint, $5, $6::jsonb)`, [r.agent, r.kind, r.id, r.rev, r.deleted, r.data])
    }
    await advanceRevisions(db, Date.now())
    await noteWorkspaceStart(db, NOW)
    app = await backend.restart()
    token1 = (await login(app, AGENT1)).body.accessToken
  }
  const numberData = (n: string, remark: string) => ({ number: n, remark, source: 'own', createdAt: NOW - 60_000 })

  it("the app's sync engine, signed in again after the restore, puts back everything it holds and nothing more", async () => {
    storage.clear()
    // The app's transport, over the real routes (the token is read at each request, as in the app).
    const transport: WorkspaceTransport = {
      pull: async (since, limit) => {
        const res = await app.inject({ method: 'GET', url: `/api/workspace/changes?since=${since}&limit=${limit}`, headers: auth(token1) })
        expect(res.statusCode).toBe(200)
        return res.json()
      },
      push: async (changes) => (await push(token1, changes)) as Awaited<ReturnType<WorkspaceTransport['push']>>,
      reconcile: async (records) => reconcile(token1, records),
      reconcileFloor: async (since) => {
        const res = await app.inject({ method: 'GET', url: `/api/workspace/reconcile?since=${since}`, headers: auth(token1) })
        expect(res.statusCode).toBe(200)
        return res.json()
      },
    }
    const timers = new ManualTimers()
    const engine = new SyncEngine(transport, timers)
    engine.open('agent1-key')
    const { write, sync: syncFully } = storedOn(engine)
    for (let i = 0; i < 120; i += 1) write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(`1380000${String(i).padStart(4, '0')}`, `before ${i}`) })
    for (let i = 0; i < 20; i += 1) write({ kind: 'call', op: 'upsert', id: `c${i}`, data: answeredCallData(NOW - 3_600_000 + i * 60_000) })
    await syncFully()
    const saved = await backup()
    for (let i = 0; i < 30; i += 1) write({ kind: 'number', op: 'upsert', id: `n${i}`, data: { remark: `after ${i}` } })
    for (let i = 30; i < 40; i += 1) write({ kind: 'number', op: 'delete', id: `n${i}` })
    for (let i = 120; i < 150; i += 1) write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(`1380000${String(i).padStart(4, '0')}`, `new ${i}`) })
    for (let i = 0; i < 10; i += 1) write({ kind: 'call', op: 'upsert', id: `c${i}`, data: { note: `wrap-up ${i}`, callbackAt: NOW + 86_400_000 } })
    for (let i = 20; i < 25; i += 1) write({ kind: 'call', op: 'upsert', id: `c${i}`, data: answeredCallData(NOW - 600_000 + i * 1000) })
    await syncFully()
    expect(engine.pending).toBe(0)
    const state = (list: Change[]) => Object.fromEntries(list.map((c) => [`${c.kind}:${c.id}`, { deleted: c.deleted, data: c.data }]))
    const before = state(await pullAll(token1))

    await restore(saved)
    await timers.advance(RECONCILE_EVERY_MS)
    await syncFully()
    expect(engine.pending).toBe(0)
    expect(state(await pullAll(token1))).toEqual(before)
    // Exactly the 30 edits, 10 deletes, 30 adds, 10 wrap-ups and 5 calls the restore lost went out
    // again (85), after the 140 + 85 changes before it; nothing refused.
    const resent = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM workspace_changes WHERE status = 'applied'`)
    expect(Number(resent[0].n)).toBe(140 + 85 + 85)
    expect(await db.query(`SELECT 1 FROM workspace_changes WHERE status <> 'applied'`)).toEqual([])
    engine.close()
  })

  it("two phones of the agent both put back what the restore lost: the later of their copies stands, whichever syncs first", async () => {
    storage.clear()
    const transport: WorkspaceTransport = {
      pull: async (since, limit) => (await app.inject({ method: 'GET', url: `/api/workspace/changes?since=${since}&limit=${limit}`, headers: auth(token1) })).json(),
      push: async (changes) => (await push(token1, changes)) as Awaited<ReturnType<WorkspaceTransport['push']>>,
      reconcile: async (records) => reconcile(token1, records),
      reconcileFloor: async (since) => (await app.inject({ method: 'GET', url: `/api/workspace/reconcile?since=${since}`, headers: auth(token1) })).json(),
    }
    const phone = (key: string) => {
      const timers = new ManualTimers()
      const engine = new SyncEngine(transport, timers)
      engine.open(key)
      const { copies, write, sync } = storedOn(engine)
      return { engine, timers, copies, write, sync }
    }
    const a = phone('phone-a')
    const b = phone('phone-b')
    const callbackAt = NOW + 3_600_000
    a.write({ kind: 'call', op: 'upsert', id: 'c1', data: answeredCallData(NOW - 600_000) })
    await a.sync()
    await b.sync()
    const saved = await backup()
    // Phone A wraps the call up and adds a number; phone B pulls both (its stores hold them), then
    // marks the callback handled and deletes the number. Phone A goes off before pulling those.
    a.write({ kind: 'call', op: 'upsert', id: 'c1', data: { disposition: null, note: 'wrap-up on A', callbackAt } })
    a.write({ kind: 'number', op: 'upsert', id: 'n1', data: numberData('13800009999', 'added on A') })
    await a.sync()
    await b.sync()
    for (const key of ['call:c1', 'number:n1']) b.copies.set(key, { ...(a.copies.get(key) as LocalChange) })
    b.write({ kind: 'call', op: 'upsert', id: 'c1', data: { callbackHandled: callbackAt } })
    b.write({ kind: 'number', op: 'delete', id: 'n1' })
    await b.sync()
    expect(b.engine.pending).toBe(0)
    const state = (list: Change[]) => Object.fromEntries(list.map((c) => [`${c.kind}:${c.id}`, { deleted: c.deleted, data: c.data }]))
    const before = state(await pullAll(token1))
    expect(before['call:c1'].data).toMatchObject({ note: 'wrap-up on A', callbackHandled: callbackAt })

    await restore(saved)
    // Phone A, with the older copies, syncs first; then phone B.
    for (const p of [a, b, a, b]) {
      await p.timers.advance(RECONCILE_EVERY_MS)
      await p.sync()
    }
    expect(state(await pullAll(token1))).toEqual(before)
    a.engine.close()
    b.engine.close()
  })
})
