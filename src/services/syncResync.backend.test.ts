// @vitest-environment node
/**
 * The app's sync engine against the real backend (server/src, both drivers) after the backend
 * forgot deletes (docs/WORKSPACE_API.md, Tombstones forgotten): a phone away longer than the
 * horizon gets a full listing in pages, drops the numbers another phone deleted, keeps what it
 * has not sent, and its reconcile puts nothing back.
 */
import { describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { storage } from '../../tests/setup/uni'
import { RECONCILE_FULL_MS, SyncEngine, type LocalChange, type WorkspaceTransport } from '@/services/sync'
import { ManualTimers } from '@/services/__tests__/fakeWorkspace'
import type { Database } from '../../server/src/db'
import { prunedRev, pruneTombstones, pushChanges } from '../../server/src/db/workspace'
import { AGENT1, login } from '../../server/test/helpers'
import { BOTH_DRIVERS, freshBackendPerTest } from '../../server/test/backendPerDriver'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)
const DAY = 86_400_000
/** Pages of this many records instead of PULL_LIMIT, so a listing of ~120 records has several. */
const PAGE = 25

describe.each(BOTH_DRIVERS)('a full listing from the backend on $name', (driver) => {
  let db: Database
  let app: FastifyInstance
  let token: string

  freshBackendPerTest(driver, () => NOW, async (openedDb, started) => {
    db = openedDb
    app = started
    token = (await login(app, AGENT1)).body.accessToken
  })

  const auth = () => ({ authorization: `Bearer ${token}` })
  const cursors: string[] = []
  /** Runs after each page has come (the agent typing meanwhile). */
  let afterPull = (): void | Promise<void> => undefined
  const transport: WorkspaceTransport = {
    pull: async (since) => {
      cursors.push(since)
      const res = await app.inject({ method: 'GET', url: `/api/workspace/changes?since=${since}&limit=${PAGE}`, headers: auth() })
      expect(res.statusCode).toBe(200)
      await afterPull()
      return res.json()
    },
    push: async (changes) => {
      const res = await app.inject({ method: 'POST', url: '/api/workspace/changes', headers: auth(), payload: { changes } })
      expect(res.statusCode).toBe(200)
      return res.json().results
    },
    reconcile: async (records) => (await app.inject({ method: 'POST', url: '/api/workspace/reconcile', headers: auth(), payload: { records } })).json(),
    reconcileFloor: async (since) => (await app.inject({ method: 'GET', url: `/api/workspace/reconcile?since=${since}`, headers: auth() })).json(),
  }
  const numberData = (i: number) => ({ number: `1380000${String(i).padStart(4, '0')}`, remark: `lead ${i}`, source: 'own', createdAt: NOW - 200 * DAY })

  /** A phone: its stores' copies, kept by the engine's events as the stores keep them. */
  function phone(engine: SyncEngine) {
    const copies = new Map<string, LocalChange>()
    engine.setLocalRecords({
      held: () => [...copies.values()].map((c) => ({ kind: c.kind, id: c.id })),
      copyOf: (lost) => copies.get(`${lost.kind}:${lost.id}`) ?? null,
    })
    const unsubscribe = engine.subscribe((e) => {
      if (e.type !== 'remote') return
      for (const c of e.changes) {
        if ((c.kind !== 'number' && c.kind !== 'call') || e.pendingIds.has(c.id)) continue
        if (c.deleted) copies.delete(`${c.kind}:${c.id}`)
        else copies.set(`${c.kind}:${c.id}`, { kind: c.kind, op: 'upsert', id: c.id, data: c.data ?? {} })
      }
    })
    const write = (c: LocalChange) => {
      if (c.op === 'delete') copies.delete(`${c.kind}:${c.id}`)
      else copies.set(`${c.kind}:${c.id}`, c)
      engine.enqueue([c])
    }
    const sync = async () => {
      for (let i = 0; i < 4; i += 1) await engine.flush()
    }
    return { copies, write, sync, unsubscribe }
  }

  it('a phone away past the horizon lists everything in pages, drops the numbers deleted elsewhere, keeps its unsent edit, and its reconcile puts nothing back', async () => {
    storage.clear()
    const timers = new ManualTimers()
    const a = new SyncEngine(transport, timers)
    a.open('phone-a')
    const pa = phone(a)
    for (let i = 0; i < 120; i += 1) pa.write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(i) })
    await pa.sync()
    expect(a.pending).toBe(0)
    a.close()
    pa.unsubscribe()

    // Phone B deletes 30 numbers (and one phone A will edit); the backend forgets the deletes 100 days on.
    const b = new SyncEngine(transport, new ManualTimers())
    b.open('phone-b')
    const pb = phone(b)
    await pb.sync()
    for (let i = 0; i < 30; i += 1) pb.write({ kind: 'number', op: 'delete', id: `n${i * 4}` })
    await pb.sync()
    b.close()
    pb.unsubscribe()
    expect((await pruneTombstones(db, NOW + 100 * DAY, 90 * DAY)).forgotten).toBe(30)
    const watermark = await prunedRev(db, AGENT1.username)

    // Phone A comes back: an edit typed offline of n0 (deleted elsewhere) waits in its outbox.
    a.open('phone-a')
    const back = phone(a)
    for (let i = 0; i < 120; i += 1) back.copies.set(`number:n${i}`, { kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(i) })
    cursors.length = 0
    // The edit is typed while the listing's first page comes in.
    afterPull = () => {
      afterPull = () => undefined
      back.write({ kind: 'number', op: 'upsert', id: 'n0', data: { ...numberData(0), remark: 'typed offline' } })
    }
    await a.flush()
    expect(cursors[0]).not.toMatch(/^s/)
    expect(cursors.filter((c) => c.startsWith('s')).length).toBeGreaterThanOrEqual(3)
    const kept = [...back.copies.keys()].map((k) => k.slice(7))
    expect(kept).toHaveLength(91)
    expect(kept).toContain('n0')
    for (let i = 1; i < 30; i += 1) expect(kept).not.toContain(`n${i * 4}`)
    const revs = JSON.parse(storage.get('tccc.a.phone-a.revs') as string).data as { n: [string, string][]; d: [string, string, number][] }
    expect(revs.d.map(([id, rev]) => [id, rev]).sort()).toEqual(Array.from({ length: 29 }, (_, i) => [`n${(i + 1) * 4}`, watermark]).sort())
    expect(BigInt(JSON.parse(storage.get('tccc.a.phone-a.cursor') as string).data as string) >= BigInt(watermark)).toBe(true)

    // The edit goes out (the number is back, as typed); the daily reconcile puts nothing else back.
    await back.sync()
    await timers.advance(RECONCILE_FULL_MS)
    await back.sync()
    const live = await db.query<{ id: string; remark: string }>(`SELECT id, data->>'remark' AS remark FROM workspace_records WHERE agent = $1 AND NOT deleted`, [AGENT1.username])
    expect(live).toHaveLength(91)
    expect(live.find((r) => r.id === 'n0')?.remark).toBe('typed offline')
    expect(await db.query(`SELECT 1 FROM workspace_records WHERE agent = $1 AND deleted`, [AGENT1.username])).toEqual([])
    const resent = await db.query(`SELECT 1 FROM workspace_changes WHERE agent = $1 AND status <> 'applied'`, [AGENT1.username])
    expect(resent).toEqual([])
    a.close()
    back.unsubscribe()
  })

  it('a number named on a page already applied, deleted elsewhere and forgotten while the listing goes on, is dropped: the listing starts over', async () => {
    storage.clear()
    const a = new SyncEngine(transport, new ManualTimers())
    a.open('phone-a')
    const pa = phone(a)
    for (let i = 0; i < 60; i += 1) pa.write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(i) })
    await pa.sync()
    await pushChanges(db, AGENT1.username, [{ changeId: 'gone-1', kind: 'number', op: 'delete', id: 'n59' }], NOW)
    expect((await pruneTombstones(db, NOW + 100 * DAY, 90 * DAY)).forgotten).toBe(1)
    a.close()
    pa.unsubscribe()

    a.open('phone-a')
    const back = phone(a)
    for (let i = 0; i < 60; i += 1) back.copies.set(`number:n${i}`, { kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(i) })
    cursors.length = 0
    // After the listing's first page (n0 named on it): another phone deletes n0 and the delete is forgotten.
    afterPull = async () => {
      afterPull = () => undefined
      await pushChanges(db, AGENT1.username, [{ changeId: 'gone-2', kind: 'number', op: 'delete', id: 'n0' }], NOW + 100 * DAY)
      expect((await pruneTombstones(db, NOW + 200 * DAY, 90 * DAY)).forgotten).toBe(1)
    }
    await a.flush()
    expect(cursors.filter((c) => c.startsWith('s')).length).toBeGreaterThanOrEqual(2)
    const kept = [...back.copies.keys()].map((k) => k.slice(7))
    expect(kept).toHaveLength(58)
    expect(kept).not.toContain('n0')
    expect(kept).not.toContain('n59')
    a.close()
    back.unsubscribe()
  })
})
