/**
 * Reconcile benchmark: `node --import tsx bench/reconcile.ts` (part of `npm run bench`). The app's
 * sync engine, with 10,000 numbers it pushed itself, against the backend over HTTP on PGlite and,
 * when installed, a throwaway PostgreSQL cluster. Figures are requests, bytes and ratios against
 * baselines measured in the same run (the first pull, the first sync), never absolute times:
 * (a) a sign-in with no backend start since the last reconcile: one check, nothing listed;
 * (a2) after a restart (no restore): only the records seen above its floor are listed;
 * (a3) the daily full listing of all 10,000 vs a first pull of them (goal <= 3x);
 * (b) a restore whose backup missed the last 500 added: those listed and sent again, no more;
 * (b2) a restore that lost everything vs the first sync of the numbers (goal <= 2x);
 * (c) on the phone: the revs kept (`tccc.a.<agentKey>.revs`) vs the stored number list, in bytes.
 */
import type { AddressInfo } from 'node:net'
import { buildServer } from '../server/src/app'
import { loadConfig } from '../server/src/config'
import { noteWorkspaceStart, type Database } from '../server/src/db'
import { PULL_LIMIT, RECONCILE_FULL_MS, SyncEngine, type LocalChange, type SyncTimers, type WorkspaceTransport } from '../src/services/sync'
import { benchOnBothDrivers } from './bothDrivers'
import { goal } from './goals'

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
    reconcileFloor: async (since) => (await call('check', 'GET', `/api/workspace/reconcile?since=${since}`)) as Awaited<ReturnType<NonNullable<WorkspaceTransport['reconcileFloor']>>>,
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
  const before = snapshot()
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

  const signInAgain = async () => {
    engine.close()
    engine.open('bench-agent')
    const before = snapshot()
    const ms = await measure(async () => {
      for (let i = 0; i < 3; i += 1) await engine.flush()
    })
    const after = snapshot()
    const sum = (routes: string[]): Traffic => routes.map((r) => delta(after, before, r)).reduce((a, t) => ({ requests: a.requests + t.requests, up: a.up + t.up, down: a.down + t.down }), { requests: 0, up: 0, down: 0 })
    return { ms, check: sum(['check']), listing: sum(['reconcile']), resent: sum(['push']), all: sum(['check', 'reconcile', 'push', 'pull']) }
  }
  const pulled = pullTraffic.pull
  const line = (t: Traffic) => `${t.requests} request(s), ${kb(t.up)} up, ${kb(t.down)} down`
  console.log(`baseline: first pull of ${COUNT} numbers ${line(pulled)}; first sync (push 20 x 500, pull, full reconcile) ${tFirstSync.toFixed(0)} ms here`)

  // (a) the next sign-in, the backend not restarted: one check, nothing listed.
  clock += 60_000
  const quiet = await signInAgain()
  console.log(
    `(a) sign-in, no start since: check ${line(quiet.check)}, listing ${quiet.listing.requests}; whole sync ${(quiet.ms / tPull).toFixed(2)}x a first pull ` +
      `${goal('a sign-in reconcile check lists nothing without a start', quiet.listing.requests === 0 && quiet.check.requests === 1) ? 'ok' : 'OVER GOAL'}`,
  )

  // (a2) the backend restarted (a deploy, no restore), 200 numbers edited since: only those listed.
  for (const c of changes.slice(0, 200)) engine.enqueue([{ ...c, data: { remark: 'edited' } }])
  await engine.flush()
  await noteWorkspaceStart(db, Date.now())
  for (const c of changes.slice(200, 400)) engine.enqueue([{ ...c, data: { remark: 'edited after the start' } }])
  await engine.flush()
  clock += 60_000
  const restarted = await signInAgain()
  console.log(
    `(a2) sign-in after a restart, 200 numbers edited since it: check ${line(restarted.check)}, listing ${line(restarted.listing)} ` +
      `${goal('after a restart only the records seen above its floor are listed', restarted.listing.requests === 1 && restarted.resent.requests === 0) ? 'ok' : 'OVER GOAL'}`,
  )

  // (a3) once a day: every record held is listed.
  clock += RECONCILE_FULL_MS
  const daily = await signInAgain()
  console.log(
    `(a3) the daily full listing of ${COUNT}: ${line(daily.listing)}; ${(daily.ms / tPull).toFixed(2)}x the time of a first pull, ` +
      `${(daily.listing.up / pulled.down).toFixed(2)}x its bytes (up vs its down) ${goal('daily full listing <= 3x a first pull', daily.ms <= 3 * tPull) ? 'ok' : 'OVER GOAL'}`,
  )

  // (b) a restore whose backup missed the last 500 numbers added: only what lies above it is listed.
  const extra: LocalChange[] = Array.from({ length: 500 }, (_, i) => ({
    kind: 'number',
    op: 'upsert',
    id: crypto.randomUUID(),
    data: { number: `1370${String(i).padStart(7, '0')}`, remark: `Late ${i}`, source: 'own', createdAt: Date.now() - 60_000 },
  }))
  const backupMax = (await db.query<{ m: string }>('SELECT max(rev)::text AS m FROM workspace_records'))[0].m
  for (const c of extra) copies.set(`number:${c.id}`, c)
  engine.enqueue(extra)
  await engine.flush()
  await db.query(`DELETE FROM workspace_records WHERE agent = $1 AND rev > $2::bigint`, [AGENT, backupMax])
  await noteWorkspaceStart(db, Date.now())
  clock += 60_000
  const partial = await signInAgain()
  const live = async () => Number((await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM workspace_records WHERE agent = $1 AND NOT deleted`, [AGENT]))[0].n)
  if ((await live()) !== COUNT + 500) throw new Error(`(b): ${await live()} of ${COUNT + 500} back`)
  console.log(
    `(b) restore missing the last 500 added: check ${partial.check.requests}, listing ${line(partial.listing)}, re-sends ${line(partial.resent)} ` +
      `${goal('a restore missing 500 lists and re-sends only those', partial.listing.requests === 1 && partial.resent.requests === 1) ? 'ok' : 'OVER GOAL'}`,
  )

  // (b2) the restore lost all of them: the reconcile, then the re-sends it queued.
  await db.query(`DELETE FROM workspace_records WHERE agent = $1`, [AGENT])
  await noteWorkspaceStart(db, Date.now())
  clock += 60_000
  const lostAll = await signInAgain()
  if ((await live()) !== COUNT + 500) throw new Error(`(b2): ${await live()} of ${COUNT + 500} back`)
  console.log(
    `(b2) restore that lost all ${COUNT + 500}: listing ${line(lostAll.listing)}, re-sends ${line(lostAll.resent)} (first push: ${line(firstPush)}); ` +
      `${(lostAll.ms / tFirstSync).toFixed(2)}x the first sync of them (goal <= 2x) ${goal('restore of 10,000 <= 2x their first sync', lostAll.ms <= 2 * tFirstSync) ? 'ok' : 'OVER GOAL'}`,
  )

  // (c) what the phone stores for it.
  const revs = String(memory.get('tccc.a.bench-agent.revs') ?? '')
  const list = JSON.stringify({ v: 1, data: [...copies.values()].map((c) => ({ id: c.id, source: 'own', ...c.data, callCount: 0 })) })
  console.log(`(c) revs kept on the phone for ${copies.size} numbers: ${kb(revs.length)}, ${(revs.length / list.length).toFixed(2)}x the stored number list (${kb(list.length)})`)
  engine.close()
  await app.close()
}

benchOnBothDrivers(benchTarget)
