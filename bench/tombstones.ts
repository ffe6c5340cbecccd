/**
 * Tombstones forgotten: `node --import tsx bench/tombstones.ts` (part of `npm run bench`). On
 * PGlite and, when installed, a throwaway PostgreSQL cluster, each figure a ratio against a
 * baseline measured in the same run, never an absolute time:
 * (a) one maintenance batch (1,000 tombstones forgotten, the totals and the watermark with them)
 *     in a table of 200,000 records vs one of 23,000 or fewer: the tombstones' own index by age
 *     and the rows' addresses, so a batch costs about the same whatever the table holds. Goal:
 *     about 1x (gate <= 3x: a batch takes milliseconds; the table scan the first version's
 *     `(agent, kind, id) IN (…)` was planned as measured 4.3x on PGlite, 6.9x on PostgreSQL).
 * (b) how long that batch holds the write lock vs a push of 500 new numbers (what one phone's
 *     push holds it for): every push waits behind a batch. Goal <= 1x.
 * (c) a pull of 10,000 numbers in pages of 1,000, the watermark read in each page's statement, vs
 *     the page statement without it (as before migration 11). Goal: about 1x (gate <= 1.5x).
 */
import type { Database } from '../server/src/db'
import { pruneTombstones, pullChanges, pushChanges, TOMBSTONE_PRUNE_BATCH } from '../server/src/db/workspace'
import { benchOnBothDrivers } from './bothDrivers'
import { goal } from './goals'

const DAY = 86_400_000
const KEEP = 90 * DAY
const NOW = Date.now()

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return performance.now() - t
}

/**
 * `live` numbers and `dead` tombstones deleted 100 days ago for `agent`, written in one statement
 * each (the totals set once, not by a trigger per row), then analysed as a running table would be.
 */
async function stock(db: Database, agent: string, live: number, dead: number, from = 1): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('tccc.totals_by_push', 'on', true)`)
    if (live > 0) {
      await tx.query(
        `INSERT INTO workspace_records (agent, kind, id, rev, deleted, data)
         SELECT $1, 'number', 'live' || g, nextval('workspace_rev'), false, jsonb_build_object('number', '139' || lpad(g::text, 8, '0'), 'remark', '', 'source', 'own', 'createdAt', 1764000000000)
           FROM generate_series($2::int, $3::int) g`,
        [agent, from, from + live - 1],
      )
    }
    if (dead > 0) {
      await tx.query(
        `INSERT INTO workspace_records (agent, kind, id, rev, deleted, data, deleted_at)
         SELECT $1, 'number', 'dead' || g, nextval('workspace_rev'), true, NULL, $4::bigint
           FROM generate_series($2::int, $3::int) g`,
        [agent, from, from + dead - 1, NOW - 100 * DAY],
      )
    }
    await tx.query(
      `INSERT INTO workspace_totals (agent, numbers, records)
       SELECT $1, count(*) FILTER (WHERE kind = 'number' AND NOT deleted), count(*) FROM workspace_records WHERE agent = $1
       ON CONFLICT (agent) DO UPDATE SET numbers = EXCLUDED.numbers, records = EXCLUDED.records`,
      [agent],
    )
  })
}

/** The bench's agents gone, in one statement each (not a trigger call per row). */
async function clear(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('tccc.totals_by_push', 'on', true)`)
    await tx.query(`DELETE FROM workspace_records WHERE agent LIKE 'bench-%'`)
    await tx.query(`DELETE FROM workspace_totals WHERE agent LIKE 'bench-%'`)
    await tx.query(`DELETE FROM workspace_pruned WHERE agent LIKE 'bench-%'`)
  })
}

async function benchTarget(name: string, db: Database): Promise<void> {
  console.log(`\n== ${name}`)
  const started = performance.now()
  const lap = (what: string) => process.env.BENCH_LAPS && console.log(`   ${what} at ${((performance.now() - started) / 1000).toFixed(1)} s`)
  // (a) batches among at most 8,000 records (7,000 tombstones shrinking by a batch a round), then
  // the table grown to 200,000 (half tombstones): seven batches each after one that warms the
  // statement, medians. Each stocked at once and vacuumed, as a table the maintenance has seen.
  // A sample is three batches in a row (one alone takes a few milliseconds, within the noise);
  // seven samples, after a batch that warms the statement. Small first, then cleared.
  const samples = async () => {
    const times: number[] = []
    await pruneTombstones(db, NOW, KEEP, TOMBSTONE_PRUNE_BATCH)
    for (let round = 0; round < 7; round++) {
      times.push(
        await timed(async () => {
          for (let i = 0; i < 3; i++) await pruneTombstones(db, NOW, KEEP, TOMBSTONE_PRUNE_BATCH)
        }),
      )
    }
    return times
  }
  await stock(db, 'bench-small', 1_000, 22_000)
  await db.exec('VACUUM ANALYZE workspace_records')
  const small = await samples()
  await clear(db)
  await stock(db, 'bench-big', 100_000, 100_000)
  await db.exec('VACUUM ANALYZE workspace_records')
  lap('200,000 stocked')
  const big = await samples()
  lap('(a)')
  const ratioA = median(big) / median(small)
  console.log(
    `(a) a batch of ${TOMBSTONE_PRUNE_BATCH} tombstones forgotten (totals, watermark) among 200,000 records: ${ratioA.toFixed(2)}x among 23,000 or fewer (goal about 1x, gate <= 3x) ${goal('tombstone batch at 200,000 <= 3x at 23,000', ratioA <= 3) ? 'ok' : 'OVER GOAL'}`,
  )

  // (b) the batch's hold on the write lock vs a push of 500 new numbers.
  let pushRound = 0
  const push = () => {
    pushRound++
    const changes = Array.from({ length: 500 }, (_, i) => ({
      changeId: `tp${pushRound}-${i}`,
      kind: 'number',
      op: 'upsert',
      id: `tp${pushRound}-${i}`,
      data: { number: `1360${String(pushRound).padStart(3, '0')}${String(i).padStart(4, '0')}`, remark: '', createdAt: NOW - 1000 },
    }))
    return pushChanges(db, 'bench-push', changes, NOW)
  }
  await push()
  const pushes: number[] = []
  const batches: number[] = []
  for (let round = 0; round < 5; round++) {
    pushes.push(await timed(push))
    batches.push(await timed(() => pruneTombstones(db, NOW, KEEP, TOMBSTONE_PRUNE_BATCH)))
  }
  lap('(b)')
  const ratioB = median(batches) / median(pushes)
  console.log(
    `(b) the write lock held by one batch: ${ratioB.toFixed(3)}x a push of 500 new numbers (goal <= 1x) ${goal('tombstone batch <= 1x a 500-number push', ratioB <= 1) ? 'ok' : 'OVER GOAL'}`,
  )
  await clear(db)

  // (c) a pull page with the watermark vs the page statement before it.
  const AGENT = 'bench-pull'
  await stock(db, AGENT, 10_000, 0)
  await db.query(`INSERT INTO workspace_pruned (agent, rev) VALUES ($1, 1)`, [AGENT])
  await db.exec('VACUUM ANALYZE workspace_records')
  const before = async () => {
    let since = '0'
    for (;;) {
      const rows = await db.query<{ kind: string; id: string; rev: string; deleted: boolean; data: unknown }>(
        `SELECT kind, id, rev::text AS rev, deleted, data, seen_rev::text AS seen_rev FROM (
            (SELECT kind, id, rev, deleted, data, seen_rev FROM workspace_records WHERE agent = $1 AND rev > $2 ORDER BY rev LIMIT $3)
            UNION ALL
            (SELECT kind, id, rev, deleted, data, seen_rev FROM workspace_records WHERE agent = '' AND rev > $2 ORDER BY rev LIMIT $3)
          ) page ORDER BY page.rev LIMIT $3`,
        [AGENT, since, 1001],
        { name: 'bench_pull_before' },
      )
      // As pullChanges hands them out, so only the statements differ.
      const page = rows.slice(0, 1000).map((r) => ({ kind: r.kind, id: r.id, rev: r.rev, deleted: r.deleted, data: r.deleted ? null : r.data }))
      if (rows.length <= 1000) return
      since = page[999].rev
    }
  }
  const now = async () => {
    let since = 1n
    for (;;) {
      const page = await pullChanges(db, AGENT, since, 1000)
      if (!page.more) return
      since = BigInt(page.cursor)
    }
  }
  await before()
  await now()
  const tBefore: number[] = []
  const tNow: number[] = []
  // Alternating which goes first: on a loaded machine the first of a pair often gets the better moment.
  for (let round = 0; round < 10; round++) {
    if (round % 2 === 0) tBefore.push(await timed(before))
    tNow.push(await timed(now))
    if (round % 2 === 1) tBefore.push(await timed(before))
  }
  lap('(c)')
  const ratioC = median(tNow) / median(tBefore)
  console.log(
    `(c) a pull of 10,000 numbers in pages of 1,000, each with the watermark in its statement: ${ratioC.toFixed(2)}x the pages without it (goal about 1x, gate <= 1.5x) ${goal('pull pages with the watermark <= 1.5x without', ratioC <= 1.5) ? 'ok' : 'OVER GOAL'}`,
  )
  await clear(db)
}

benchOnBothDrivers(benchTarget)
