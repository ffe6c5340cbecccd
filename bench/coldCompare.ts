/**
 * Compares cold starts of several H5 builds in one interleaved run (diagnostics, not a gate):
 *   node --import tsx bench/coldCompare.ts <rounds> <build dir> [<build dir> ...]
 * Each round loads the one-page minimal uni-app, the two-page one (bench/minimal.ts) and every
 * build once, in alternating order, each in a fresh context with the cache disabled and once the
 * CPUs are idle (as bench/browser.ts). Prints per build the median time to `login-submit` usable,
 * its ratio to the minimal page's median (the goal's statistic) and the median of the per-round
 * ratios (paired: the build against the minimal page loaded next to it, which cancels slow drift
 * of the machine). COMPARE_TRACE=1 also prints the main thread's CPU ratio (traced loads).
 *
 * Why: a single `npm run bench` moves by 0.1-0.2x from run to run on this 2-core machine, more
 * than the candidates for the cold-start goal differ by; 31-41 paired rounds, repeated, tell them
 * apart (docs/BENCHMARKS.md, "Cold start, ninth pass"). Build a candidate with
 * `UNI_OUTPUT_DIR=dist/build/<name> npm run build:h5`.
 */
import path from 'node:path'
import { ROOT, startStack } from '../e2e/harness'
// @ts-expect-error plain ESM helper shared with the scripts
import { serveH5 } from '../scripts/serve-h5.mjs'
import { tracedColdStart } from './coldTrace'
import { MINIMAL_DIRS, buildMinimal } from './minimal'
import { cpuQuiet, median } from './stats'

interface Subject {
  name: string
  url: string
  testId: string
  wall: number[]
  cpu: number[]
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2])
  const builds = process.argv.slice(3).map((d) => path.relative(ROOT, path.resolve(ROOT, d)))
  if (!Number.isInteger(rounds) || rounds < 1 || builds.length === 0) {
    console.error('usage: node --import tsx bench/coldCompare.ts <rounds> <build dir> [<build dir> ...]')
    process.exit(2)
  }
  const trace = process.env.COMPARE_TRACE === '1'
  buildMinimal('one-page')
  buildMinimal('two-page')
  const stack = await startStack(builds[0])
  const servers: Array<{ close(): Promise<void> }> = []
  const serve = async (dir: string): Promise<string> => {
    const server = (await serveH5({ dir: path.join(ROOT, dir), port: 0, backendPort: stack.backend.port })) as { url: string; close(): Promise<void> }
    servers.push(server)
    return server.url
  }
  try {
    const subjects: Subject[] = [
      { name: 'minimal uni-app (one page)', url: await serve(MINIMAL_DIRS['one-page']), testId: 'minimal-button', wall: [], cpu: [] },
      { name: 'minimal uni-app (two pages)', url: await serve(MINIMAL_DIRS['two-page']), testId: 'minimal-button', wall: [], cpu: [] },
    ]
    for (const dir of builds) subjects.push({ name: dir, url: await serve(dir), testId: 'login-submit', wall: [], cpu: [] })
    for (const s of subjects) await tracedColdStart(stack.browser, s.url, s.testId) // warm-up, unmeasured
    for (let round = 0; round < rounds; round++) {
      for (const s of round % 2 === 0 ? subjects : [...subjects].reverse()) {
        await cpuQuiet()
        const start = await tracedColdStart(stack.browser, s.url, s.testId, { trace })
        s.wall.push(start.readyAt)
        s.cpu.push(start.threadMs)
      }
    }
    const [minimal] = subjects
    const m = median(minimal.wall)
    console.log(`${rounds} rounds; ratios against the one-page minimal uni-app (${m.toFixed(0)} ms median)`)
    for (const s of subjects) {
      const paired = median(s.wall.map((w, i) => w / minimal.wall[i]))
      const cpu = trace ? `  CPU ${(median(s.cpu) / median(minimal.cpu)).toFixed(2)}x` : ''
      console.log(`  ${s.name.padEnd(36)} ${median(s.wall).toFixed(0).padStart(5)} ms  ${(median(s.wall) / m).toFixed(2)}x  paired ${paired.toFixed(2)}x${cpu}`)
    }
  } finally {
    for (const server of servers) await server.close()
    await stack.close()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
