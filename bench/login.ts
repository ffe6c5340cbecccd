/**
 * Sign-in burst benchmark (pure Node): `node --import tsx bench/login.ts`.
 *
 * 100 concurrent `POST /api/auth/login` (right password, real loopback HTTP) against the token
 * backend twice in one run: with the password-check queue at its defaults (SCRYPT_CONCURRENCY 2,
 * SCRYPT_QUEUE 32) and with it effectively unbounded (64 running, 10,000 waiting: every request
 * goes straight to libuv's thread pool, as before the queue). Prints for each: answers by
 * status, sign-ins per second, p50/p99 latency, and the queue's figures as ratios to the
 * unbounded ones. Never asserts absolute times.
 */
import type { AddressInfo } from 'node:net'
import { buildServer } from '../server/src/app'
import { loadConfig } from '../server/src/config'
import { openMigrated } from '../server/src/db'

const CONCURRENT = 100
const SIGNING_KEY = 'bench-signing-key-0123456789-abcdefghijklmnop'

interface Round {
  statuses: Record<number, number>
  seconds: number
  /** Successful sign-ins per second of the whole burst. */
  throughput: number
  p50: number
  p99: number
  p99Ok: number
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

async function burst(env: Record<string, string>): Promise<Round> {
  // An in-memory database: the bench never touches a developer's DATA_DIR.
  const db = await openMigrated({ driver: 'pglite', dataDir: null })
  const app = await buildServer(loadConfig({ TOKEN_SIGNING_KEY: SIGNING_KEY, LOGIN_RATE_LIMIT: '100000', ...env }), { db, report: () => {} })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}/api/auth/login`
  const body = JSON.stringify({ username: 'agent1@example.com', password: 'agent1-pass' })
  try {
    const started = performance.now()
    const results = await Promise.all(
      Array.from({ length: CONCURRENT }, async () => {
        const t0 = performance.now()
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        await res.arrayBuffer()
        return { status: res.status, ms: performance.now() - t0 }
      }),
    )
    const seconds = (performance.now() - started) / 1000
    const statuses: Record<number, number> = {}
    for (const { status } of results) statuses[status] = (statuses[status] ?? 0) + 1
    const all = results.map((r) => r.ms).sort((a, b) => a - b)
    const ok = results.filter((r) => r.status === 200).map((r) => r.ms).sort((a, b) => a - b)
    return { statuses, seconds, throughput: (statuses[200] ?? 0) / seconds, p50: percentile(all, 50), p99: percentile(all, 99), p99Ok: percentile(ok, 99) }
  } finally {
    await app.close()
    await db.close()
  }
}

function show(label: string, round: Round): void {
  const statuses = Object.entries(round.statuses)
    .map(([status, n]) => `${n}×${status}`)
    .join(' ')
  console.log(
    `${label.padEnd(26)} ${statuses.padEnd(16)} burst ${round.seconds.toFixed(2)} s, ${round.throughput.toFixed(1)} sign-ins/s, p50 ${round.p50.toFixed(0)} ms, p99 ${round.p99.toFixed(0)} ms (p99 of 200s ${round.p99Ok.toFixed(0)} ms)`,
  )
}

async function main(): Promise<void> {
  const unboundedEnv = { SCRYPT_CONCURRENCY: '64', SCRYPT_QUEUE: '10000' }
  // Warm-up: JIT, the scrypt path, the HTTP client.
  await burst(unboundedEnv)
  const unbounded = await burst(unboundedEnv)
  const queued = await burst({})
  console.log(`${CONCURRENT} concurrent sign-ins (right password), one run:`)
  show('without queue (unbounded)', unbounded)
  show('with queue (2 + 32)', queued)
  console.log(
    `ratios queue/unbounded: throughput ${(queued.throughput / unbounded.throughput).toFixed(2)}x, ` +
      `p99 (all answers) ${(queued.p99 / unbounded.p99).toFixed(2)}x, p99 of successful ${(queued.p99Ok / unbounded.p99Ok).toFixed(2)}x`,
  )
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
