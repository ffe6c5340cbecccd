/**
 * The hot path of the restore check (server/src/db/revisions.ts), on both drivers:
 *   BASELINE=<a checkout without it> node --import tsx bench/revisionCheck.ts
 * (a) a push of one change (an edit of a number) and (b) an incremental pull that finds nothing new
 * (the phones' most frequent request), each through the data layer so nothing else dilutes the
 * figure, 4 at a time. Rounds of 2 s alternate between this tree's data layer and the baseline's
 * over one database (each first in turn), so the shared machine's load falls on both alike; printed: the medians per
 * second and this tree's over the baseline's (1.00 = no cost). Without BASELINE, this tree alone.
 */
import path from 'node:path'
import type { Database } from '../server/src/db'
import type { Queryable, QueryOptions } from '../server/src/db/driver'
import * as current from '../server/src/db/workspace'
import { benchOnBothDrivers } from './bothDrivers'

type Layer = Pick<typeof current, 'assignNumbers' | 'pullChangesJson' | 'pushChanges'>

const AGENT = 'bench-revisions'
const ROUNDS = 7
const ROUND_MS = 2_000
const CONCURRENCY = 4

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function perSecond(op: (i: number) => Promise<unknown>): Promise<number> {
  let done = 0
  const end = performance.now() + ROUND_MS
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) await op(done++)
    }),
  )
  return done / (ROUND_MS / 1000)
}

async function layers(db: Database): Promise<Array<{ name: string; layer: Layer; db: Database }>> {
  const baseline = process.env.BASELINE
  if (!baseline) return [{ name: 'this tree', layer: current, db }]
  const old = (await import(path.resolve(baseline, 'server/src/db/workspace.ts'))) as Layer
  return [
    { name: 'baseline', layer: old, db: renamed(db) },
    { name: 'this tree', layer: current, db },
  ]
}

/** The database with the baseline's named statements renamed: one name, one text per connection. */
function renamed(db: Database): Database {
  const wrap = <Q extends Queryable>(q: Q): Q => ({
    ...q,
    query: (sql: string, params?: unknown[], options?: QueryOptions) => q.query(sql, params, options?.name ? { name: `${options.name}_baseline` } : options),
  })
  return { ...wrap(db), transaction: (fn) => db.transaction((tx) => fn(wrap(tx))) }
}

async function benchTarget(name: string, db: Database): Promise<void> {
  const under = await layers(db)
  const starts = async () => (await db.query<{ n: string }>('SELECT count(*)::text AS n FROM workspace_starts'))[0].n
  const startsBefore = await starts()
  await current.assignNumbers(db, AGENT, Array.from({ length: 1_000 }, (_, i) => ({ line: i + 1, number: `1370${String(i).padStart(7, '0')}`, remark: '' })), Date.now())
  const ids = (await db.query<{ id: string }>(`SELECT id FROM workspace_records WHERE agent = $1 AND kind = 'number' ORDER BY rev`, [AGENT])).map((r) => r.id)
  let change = 0
  const figures = under.map(() => ({ pushes: [] as number[], pulls: [] as number[] }))
  for (let round = 0; round < ROUNDS; round++) {
    // Each first in turn: neither gains from following the other.
    const order = round % 2 === 0 ? [...under.entries()] : [...under.entries()].reverse()
    for (const [i, { layer, db }] of order) {
      figures[i].pushes.push(
        await perSecond((n) => layer.pushChanges(db, AGENT, [{ changeId: `c${++change}`, kind: 'number', op: 'upsert', id: ids[n % ids.length], data: { remark: `r${change}` } }], Date.now())),
      )
      const cursor = BigInt((JSON.parse(await layer.pullChangesJson(db, AGENT, 0n, 1000)) as { cursor: string }).cursor)
      figures[i].pulls.push(await perSecond(() => layer.pullChangesJson(db, AGENT, cursor, 1000)))
    }
  }
  console.log(`\n== ${name}`)
  for (const [i, { name: tree }] of under.entries()) {
    console.log(`${tree}: (a) push of one change ${median(figures[i].pushes).toFixed(0)}/s, (b) incremental pull ${median(figures[i].pulls).toFixed(0)}/s`)
  }
  if ((await starts()) !== startsBefore) throw new Error('a catch-up ran during the bench: no restore happened')
  if (under.length === 2) {
    const ratio = (key: 'pushes' | 'pulls') => (median(figures[1][key]) / median(figures[0][key])).toFixed(2)
    console.log(`this tree / baseline: (a) ${ratio('pushes')}x, (b) ${ratio('pulls')}x`)
  }
}

benchOnBothDrivers(benchTarget)
