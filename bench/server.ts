/**
 * Backend benchmark: `node --import tsx bench/server.ts` (part of `npm run bench`). On PGlite and,
 * when installed, on a throwaway PostgreSQL cluster, each figure a ratio against a baseline
 * measured in the same run (never an absolute pass/fail time):
 * (a) first pull of 10,000 numbers end to end (HTTP, pages of 1,000, JSON) vs a plain SELECT of
 *     the same rows. Goal <= 3x.
 * (b) push of 1,000 changes (2 batches of 500 over HTTP) vs one multi-row INSERT of the same rows.
 * (c) /api/tccc/token throughput (session check as requests make it: held in memory on PGlite,
 *     read from the database on PostgreSQL; mock issuer) vs a bare Fastify route answering the
 *     same JSON, both warmed, then three alternating 1 s rounds. Goal >= 0.5x.
 * (d) the revocation (session) check at 200,000 sessions vs at 1,000. Goal: about 1x (indexed).
 * (e) a push of 100 new numbers by an agent storing 10,000 records vs one storing 100: the caps
 *     (WORKSPACE_NUMBERS_MAX, WORKSPACE_RECORDS_MAX) read one row of kept totals, not a count of
 *     the agent's records. Goal: about 1x (gate <= 2x); a count per push is printed beside it.
 */
import Fastify from 'fastify'
import type { AddressInfo } from 'node:net'
import { buildServer } from '../server/src/app'
import { loadConfig } from '../server/src/config'
import type { Database } from '../server/src/db'
import { assignNumbers, pushChanges } from '../server/src/db/workspace'
import { lookupSession } from '../server/src/db/sessions'
import { benchOnBothDrivers } from './bothDrivers'
import { goal } from './goals'

const KEY = 'bench-signing-key-0123456789-abcdefghijklmnop'

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
async function timeIt(fn: () => Promise<unknown>, runs: number): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await fn()
    times.push(performance.now() - t)
  }
  return median(times)
}

/** Requests per second with `concurrency` loops for `ms`. */
async function throughput(request: () => Promise<Response>, ms: number, concurrency = 16): Promise<number> {
  let done = 0
  const end = performance.now() + ms
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const res = await request()
        await res.arrayBuffer()
        if (res.status !== 200) throw new Error(`status ${res.status}`)
        done++
      }
    }),
  )
  return done / (ms / 1000)
}

async function benchTarget(name: string, db: Database): Promise<void> {
  console.log(`\n== ${name}`)
  const config = loadConfig({ TOKEN_SIGNING_KEY: KEY, TOKEN_RATE_LIMIT: '100000000', LOGIN_RATE_LIMIT: '1000' })
  const app = await buildServer(config, { db, report: () => {} })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'agent1@example.com', password: 'agent1-pass' }),
  })
  const { accessToken } = (await login.json()) as { accessToken: string }
  const auth = { authorization: `Bearer ${accessToken}` }

  // (a) first pull of 10,000 numbers
  await db.query(`DELETE FROM workspace_records WHERE agent = 'agent1@example.com'`)
  const lines = Array.from({ length: 10_000 }, (_, i) => ({ line: i + 1, number: `1390${String(i).padStart(7, '0')}`, remark: `Lead ${i}` }))
  await assignNumbers(db, 'agent1@example.com', lines, Date.now())
  const pullAll = async () => {
    let cursor = '0'
    let count = 0
    for (;;) {
      const page = (await (await fetch(`${base}/api/workspace/changes?since=${cursor}&limit=1000`, { headers: auth })).json()) as {
        changes: unknown[]
        cursor: string
        more: boolean
      }
      count += page.changes.length
      cursor = page.cursor
      if (!page.more) return count
    }
  }
  const select = () =>
    db.query(`SELECT kind, id, rev::text AS rev, deleted, data FROM workspace_records WHERE agent IN ($1, '') ORDER BY workspace_records.rev`, ['agent1@example.com'])
  const pulled = await pullAll()
  const tPull = await timeIt(pullAll, 5)
  const tSelect = await timeIt(select, 5)
  console.log(`(a) first pull of ${pulled} records end to end: ${(tPull / tSelect).toFixed(2)}x a plain SELECT of the same rows (goal <= 3x) ${goal('first pull <= 3x a plain SELECT', tPull / tSelect <= 3) ? 'ok' : 'OVER GOAL'}`)

  // (b) push of 1,000 changes
  let round = 0
  const push = async () => {
    round++
    for (let b = 0; b < 2; b++) {
      const changes = Array.from({ length: 500 }, (_, i) => ({
        changeId: `r${round}-${b}-${i}`,
        kind: 'number',
        op: 'upsert',
        id: `own-${round}-${b}-${i}`,
        data: { number: `+86${round}${b}${String(i).padStart(6, '0')}`, remark: 'x', createdAt: Date.now() - 1000 },
      }))
      const res = await fetch(`${base}/api/workspace/changes`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ changes }) })
      await res.arrayBuffer()
    }
  }
  let ins = 0
  const insert = () =>
    db.transaction(async (tx) => {
      ins++
      const values = Array.from({ length: 1000 }, (_, i) => `('bench', 'number', 'b${ins}-${i}', nextval('workspace_rev'), false, '{"number":"${ins}${i}"}'::jsonb)`)
      await tx.exec(`INSERT INTO workspace_records (agent, kind, id, rev, deleted, data) VALUES ${values.join(',')}`)
    })
  const tPush = await timeIt(push, 3)
  const tInsert = await timeIt(insert, 3)
  console.log(`(b) push of 1,000 changes (2 x 500, validated, idempotency recorded): ${(tPush / tInsert).toFixed(2)}x one bare multi-row INSERT of 1,000 rows`)

  // (c) /api/tccc/token throughput vs a bare Fastify route
  const bare = Fastify()
  const sample = await (await fetch(`${base}/api/tccc/token`, { method: 'POST', headers: auth })).json()
  bare.post('/api/tccc/token', async () => sample)
  await bare.listen({ port: 0, host: '127.0.0.1' })
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/api/tccc/token`
  const token = () => fetch(`${base}/api/tccc/token`, { method: 'POST', headers: auth })
  const bareToken = () => fetch(bareUrl, { method: 'POST', headers: auth })
  // Both warmed first, then measured in alternating rounds (3 s each in all), so neither side gets
  // the JIT's or the collector's better moment.
  await throughput(token, 500)
  await throughput(bareToken, 500)
  let rToken = 0
  let rBare = 0
  for (let i = 0; i < 3; i++) {
    rToken += (await throughput(token, 1000)) / 3
    rBare += (await throughput(bareToken, 1000)) / 3
  }
  console.log(`(c) /api/tccc/token throughput: ${(rToken / rBare).toFixed(2)}x a bare Fastify route (goal >= 0.5x) ${goal('token route >= 0.5x a bare route', rToken / rBare >= 0.5) ? 'ok' : 'UNDER GOAL'}`)
  await bare.close()
  await app.close()

  // (d) revocation check at 200k sessions vs 1k
  await db.exec(`TRUNCATE sessions`)
  const fill = (from: number, to: number) =>
    db.query(
      `INSERT INTO sessions (id, user_id, issued_at, expires_at, ended_at)
       SELECT 'bench-' || g, 'agent1@example.com', 0, 9999999999999, CASE WHEN g % 2 = 0 THEN 1 ELSE NULL END FROM generate_series($1::int, $2::int) g`,
      [from, to],
    )
  const lookups = async (n: number) => {
    for (let i = 0; i < 500; i++) await lookupSession(db, `bench-${1 + Math.floor(Math.random() * n)}`)
  }
  await fill(1, 1000)
  await db.exec('ANALYZE sessions')
  const t1k = await timeIt(() => lookups(1000), 5)
  await fill(1001, 200_000)
  await db.exec('ANALYZE sessions')
  const t200k = await timeIt(() => lookups(200_000), 5)
  console.log(`(d) revocation check at 200,000 sessions: ${(t200k / t1k).toFixed(2)}x at 1,000 (indexed: goal about 1x, gate <= 3x) ${goal('revocation check at 200k <= 3x at 1k', t200k / t1k <= 3) ? 'ok' : 'OVER GOAL'}`)
  await db.exec(`TRUNCATE sessions; DELETE FROM workspace_records WHERE agent = 'bench'`)

  // (e) a push against the caps at 10,000 stored records vs 100
  const stock = (agent: string, n: number) =>
    db.query(
      `INSERT INTO workspace_records (agent, kind, id, rev, deleted, data)
       SELECT $1, 'number', 's' || g, nextval('workspace_rev'), false, jsonb_build_object('number', '1370' || lpad(g::text, 7, '0'), 'remark', '', 'source', 'own', 'createdAt', 1764000000000)
         FROM generate_series(1, $2::int) g`,
      [agent, n],
    )
  const SMALL = 'bench-caps-100'
  const BIG = 'bench-caps-10000'
  await stock(SMALL, 100)
  await stock(BIG, 10_000)
  await db.exec('VACUUM ANALYZE workspace_records')
  let capRound = 0
  const capPush = (agent: string) => {
    capRound++
    const changes = Array.from({ length: 100 }, (_, i) => ({
      changeId: `cap${capRound}-${i}`,
      kind: 'number',
      op: 'upsert',
      id: `cap${capRound}-${i}`,
      data: { number: `1360${String(capRound).padStart(3, '0')}${String(i).padStart(4, '0')}`, remark: '', createdAt: Date.now() - 1000 },
    }))
    return pushChanges(db, agent, changes, Date.now())
  }
  const count = (agent: string) => db.query(`SELECT count(*) FILTER (WHERE kind = 'number' AND NOT deleted), count(*) FROM workspace_records WHERE agent = $1`, [agent])
  await capPush(SMALL)
  await capPush(BIG)
  // Alternating rounds, so neither side gets the better moment.
  const small: number[] = []
  const big: number[] = []
  for (let i = 0; i < 5; i++) {
    small.push(await timeIt(() => capPush(SMALL), 1))
    big.push(await timeIt(() => capPush(BIG), 1))
  }
  const tCount100 = await timeIt(() => count(SMALL), 9)
  const tCount10k = await timeIt(() => count(BIG), 9)
  const ratio = median(big) / median(small)
  console.log(
    `(e) push of 100 new numbers (caps checked) at 10,000 stored records: ${ratio.toFixed(2)}x at 100 (kept totals: goal about 1x, gate <= 2x) ${goal('push at 10,000 stored <= 2x at 100', ratio <= 2) ? 'ok' : 'OVER GOAL'}; ` +
      `a COUNT of the agent's records would cost ${(tCount10k / tCount100).toFixed(1)}x at 10,000 vs 100, ${((tCount10k / median(big)) * 100).toFixed(1)}% of the push`,
  )
  await db.query(`DELETE FROM workspace_records WHERE agent = ANY($1::text[])`, [[SMALL, BIG]])
}

benchOnBothDrivers(benchTarget)
