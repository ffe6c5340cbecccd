/**
 * Reconcile benchmark: `node --import tsx bench/reconcile.ts` (part of `npm run bench`). The app's
 * sync engine, with 10,000 numbers it pushed itself, against the backend over HTTP on PGlite and,
 * when installed, a throwaway PostgreSQL cluster. Figures are requests, bytes and ratios against
 * baselines measured in the same run, never absolute pass/fail times:
 * (a) a reconcile with nothing lost (the case of every sign-in, at most every 6 hours) vs the
 *     first pull of the same 10,000 numbers (pages of 1,000). Goal: time <= 1x, bytes down <= 0.1x.
 * (b) after a restore that lost all 10,000: the reconcile and the re-sends it queues vs the first
 *     sync of the 10,000 (push in pages of 500, pull, first reconcile). Goal: <= 2x.
 * (c) on the phone: the revs kept (`tccc.a.<agentKey>.revs`) vs the stored number list, in bytes.
 */
import type { AddressInfo } from 'node:net'
import { buildServer } from '../server/src/app'
import { loadConfig } from '../server/src/config'
import { openMigrated, type Database } from '../server/src/db'
import { findPgBin, startPostgres } from '../server/test/pgHarness'
import { PULL_LIMIT, RECONCILE_EVERY_MS, SyncEngine, type LocalChange, type SyncTimers, type WorkspaceTransport } from '../src/services/sync'
import { goal, reportGoals } from './goals'

const memory = new Map<string, unknown>()
;(globalThis as unknown as { uni: unknown }).uni = {
  getStorageSync: (key: string) => (memory.has(key) ? memory.get(key) : ''),
  setStorageSync: (key: string, value: unknown) => void memory.set(key, value),
  removeStorageSync: (key: string) => void memory.delete(key),
}

const KEY = 'bench-signing-key-0123456789-abcdefghijklmnop'
const AGENT = 'agent1@example.com'
const COUNT = 10_000

interface Traffic {
  requests: number
  up: number
  down: number
}

/** The app's transport over fetch, counting requests and body bytes each way per route. */
function httpTransport(base: string, token: string, traffic: Record<string, Traffic>): WorkspaceTransport {
  async function call(route: string, method: string, path: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, body: payload })
    const text = await res.text()
    if (res.status !== 200) throw new Error(`${route}: HTTP ${res.status} ${text.slice(0, 200)}`)
    const t = (traffic[route] ??= { requests: 0, up: 0, down: 0 })
    t.requests += 1
    t.up += payload ? Buffer.byteLength(payload) : 0
    t.down += Buffer.byteLength(text)
    return JSON.parse(text)
  }
  return {
    pull: async (since, limit) => (await call('pull', 'GET', `/api/workspace/changes?since=${since}&limit=${limit}`)) as Awaited<ReturnType<WorkspaceTransport['pull']>>,
    push: async (changes) => ((await call('push', 'POST', '/api/workspace/changes', { changes })) as { results: Awaited<ReturnType<WorkspaceTransport['push']>> }).results,
    reconcile: async (records) => (await call('reconcile', 'POST', '/api/workspace/reconcile', { records })) as Awaited<ReturnType<NonNullable<WorkspaceTransport['reconcile']>>>,
  }
}

async function benchTarget(name: string, db: Database): Promise<void> {
  console.log(`\n== ${name}`)
  memory.clear()
  await db.query(`DELETE FROM workspace_records WHERE agent = $1`, [AGENT])
  await db.query(`DELETE FROM workspace_changes WHERE agent = $1`, [AGENT])
  const config = loadConfig({ TOKEN_SIGNING_KEY: KEY, LOGIN_RATE_LIMIT: '1000', WORKSPACE_CHANGES_PER_DAY: '1000000' })
  const app = await buildServer(config, { db, report: () => {} })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: AGENT, password: 'agent1-pass' }) })
  const { accessToken } = (await login.json()) as { accessToken: string }

  let clock = Date.now()
  const timers: SyncTimers = { setTimeout: () => null, clearTimeout: () => {}, now: () => clock }
  const traffic: Record<string, Traffic> = {}
  const engine = new SyncEngine(httpTransport(base, accessToken, traffic), timers)
  engine.open('bench-agent')
  const copies = new Map<string, LocalChange>()
  engine.setLocalRecords({ held: () => [...copies.values()].map((c) => ({ kind: c.kind, id: c.id })), copyOf: (l) => copies.get(`${l.kind}:${l.id}`) ?? null })
  const changes: LocalChange[] = Array.from({ length: COUNT }, (_, i) => ({
    kind: 'number',
    op: 'upsert',
    id: crypto.randomUUID(),
    data: { number: `1390${String(i).padStart(7, '0')}`, remark: `Lead ${i}`, source: 'own', createdAt: clock - 60_000 },
  }))
  for (const c of changes) copies.set(`number:${c.id}`, c)
  const measure = async (fn: () => Promise<unknown>) => {
    const t = performance.now()
    await fn()
    return performance.now() - t
  }
  const snapshot = (): Record<string, Traffic> => JSON.parse(JSON.stringify(traffic))
  const delta = (after: Record<string, Traffic>, before: Record<string, Traffic>, route: string): Traffic => ({
    requests: (after[route]?.requests ?? 0) - (before[route]?.requests ?? 0),
    up: (after[route]?.up ?? 0) - (before[route]?.up ?? 0),
    down: (after[route]?.down ?? 0) - (before[route]?.down ?? 0),
  })
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`

  // Baseline 1: the first sync of the 10,000: the push (20 x 500), the pull, the first reconcile.
  engine.enqueue(changes)
  let before = snapshot()
  const tFirstSync = await measure(() => engine.flush())
  const firstPush = delta(snapshot(), before, 'push')
  if (engine.pending !== 0) throw new Error('the first push did not go through')
  // Baseline 2: a first pull of the same 10,000 by a new phone of the agent (pages of 1,000).
  const pullTraffic: Record<string, Traffic> = {}
  const fresh = httpTransport(base, accessToken, pullTraffic)
  const tPull = await measure(async () => {
    let cursor = '0'
    for (;;) {
      const page = await fresh.pull(cursor, PULL_LIMIT)
      cursor = page.cursor
      if (!page.more) break
    }
  })

  // (a) a reconcile with nothing lost.
  clock += RECONCILE_EVERY_MS
  before = snapshot()
  const tSteady = await measure(() => engine.flush())
  const steady = delta(snapshot(), before, 'reconcile')
  if (steady.requests !== COUNT / 1000) throw new Error(`expected ${COUNT / 1000} reconcile pages, got ${steady.requests}`)
  const pulled = pullTraffic.pull
  console.log(
    `(a) reconcile of ${COUNT} numbers, nothing lost: ${steady.requests} requests, ${kb(steady.up)} up, ${kb(steady.down)} down; ` +
      `${(tSteady / tPull).toFixed(2)}x the time of a first pull of them (${pulled.requests} requests, ${kb(pulled.down)} down); ` +
      `bytes down ${(steady.down / pulled.down).toFixed(3)}x, up ${(steady.up / pulled.down).toFixed(2)}x the pull's down ` +
      `${goal('reconcile <= 1x a first pull', tSteady <= tPull) && goal('reconcile down <= 0.1x a pull', steady.down <= pulled.down * 0.1) ? 'ok' : 'OVER GOAL'}`,
  )

  // (b) the restore lost every one of them: the reconcile, then the re-sends it queued.
  await db.query(`DELETE FROM workspace_records WHERE agent = $1`, [AGENT])
  clock += RECONCILE_EVERY_MS
  before = snapshot()
  const tRestore = await measure(async () => {
    for (let i = 0; i < 3; i += 1) await engine.flush()
  })
  const lostReconcile = delta(snapshot(), before, 'reconcile')
  const resent = delta(snapshot(), before, 'push')
  const back = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM workspace_records WHERE agent = $1 AND NOT deleted`, [AGENT])
  if (Number(back[0].n) !== COUNT) throw new Error(`only ${back[0].n} of ${COUNT} came back`)
  console.log(
    `(b) after a restore that lost all ${COUNT}: reconcile ${lostReconcile.requests} requests (${kb(lostReconcile.up)} up, ${kb(lostReconcile.down)} down), ` +
      `re-sends ${resent.requests} pushes (${kb(resent.up)} up; the first push: ${firstPush.requests}, ${kb(firstPush.up)}); ` +
      `${(tRestore / tFirstSync).toFixed(2)}x the first sync of them (goal <= 2x) ${goal('restore of 10,000 <= 2x their first sync', tRestore <= 2 * tFirstSync) ? 'ok' : 'OVER GOAL'}`,
  )

  // (c) what the phone stores for it.
  const revs = String(memory.get('tccc.a.bench-agent.revs') ?? '')
  const list = JSON.stringify({ v: 1, data: changes.map((c) => ({ id: c.id, source: 'own', ...c.data, callCount: 0 })) })
  console.log(`(c) revs kept on the phone for ${COUNT} numbers: ${kb(revs.length)}, ${(revs.length / list.length).toFixed(2)}x the stored number list (${kb(list.length)})`)
  engine.close()
  await app.close()
}

async function main(): Promise<void> {
  const lite = await openMigrated({ driver: 'pglite', dataDir: null })
  await benchTarget('PGlite (in memory)', lite)
  await lite.close()
  if (!findPgBin()) {
    console.log('\n== PostgreSQL: not installed here (apt-get install postgresql), skipped')
    return
  }
  const pg = await startPostgres()
  try {
    const db = await openMigrated({ driver: 'postgres', url: pg.url })
    await benchTarget('PostgreSQL (throwaway cluster)', db)
    await db.close()
  } finally {
    await pg.stop()
  }
}

main().then(reportGoals, (err: unknown) => {
  console.error(err)
  process.exit(1)
})
