/**
 * Where the cold start's main-thread time goes (diagnostics, not a gate):
 *   node --import tsx bench/coldProfile.ts [appDir] [minimalDir] [runs]
 * Loads each build cold (fresh context, cache disabled) under a Chromium trace with the V8 CPU
 * profiler, cuts everything at the moment the ready element is visible and enabled, and prints
 * per build: main-thread CPU time (trace thread time) by phase, self time by script file and the
 * functions with the most self time. Build without minifying for readable names, e.g.
 * `UNI_OUTPUT_DIR=/tmp/h5-profile node scripts/uni.mjs build -c bench/profile.vite.config.ts` (source
 * maps: time by source module too). COLD_TASKS=1 lists the long main-thread tasks, COLD_CATEGORIES
 * adds trace categories (e.g. fonts,mojom), COLD_DUMP=<event name> prints those events,
 * COLD_COUNT=<regex> counts the matching events before ready per load (e.g. the synchronous font
 * calls: `COLD_CATEGORIES=fonts,mojom COLD_COUNT='MatchFamilyName$|RenderStyleForStrike|FallbackFontForCharacter$'`),
 * COLD_NO_SAMPLES=1 leaves the CPU profiler out (less overhead on the thread times).
 */
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { ROOT, startStack } from '../e2e/harness'
// @ts-expect-error plain ESM helper shared with the scripts
import { serveH5 } from '../scripts/serve-h5.mjs'
import { existsSync, readFileSync } from 'node:fs'
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import { attributeSources, tracedColdStart, type TracedStart } from './coldTrace'
import { median } from './stats'

const appDir = path.relative(ROOT, path.resolve(process.argv[2] ?? 'dist/build/h5'))
const minimalDir = path.relative(ROOT, path.resolve(process.argv[3] ?? 'dist/bench/minimal'))
const runs = Number(process.argv[4] ?? 5)

function mergeMaps(maps: Array<Map<string, number>>): Map<string, number> {
  const keys = new Set(maps.flatMap((m) => [...m.keys()]))
  return new Map([...keys].map((k) => [k, median(maps.map((m) => m.get(k) ?? 0))]))
}

function print(title: string, starts: TracedStart[]): void {
  console.log(`\n== ${title}: ready ${median(starts.map((s) => s.readyAt)).toFixed(0)} ms wall, main thread CPU ${median(starts.map((s) => s.threadMs)).toFixed(1)} ms (medians of ${starts.length})`)
  const show = (label: string, maps: Array<Map<string, number>>, limit: number): void => {
    console.log(`  ${label}:`)
    const merged = [...mergeMaps(maps)].sort((a, b) => b[1] - a[1]).slice(0, limit)
    for (const [key, ms] of merged) if (ms >= 0.3) console.log(`    ${ms.toFixed(1).padStart(7)} ms  ${key}`)
  }
  show('thread time by top-level event (self of the task runner = not inside one of these)', starts.map((s) => s.byEvent), 20)
  show('wall time by event (self)', starts.map((s) => s.byEventWall), 20)
  show('CPU profile self time by file', starts.map((s) => s.byFile), 20)
  show('CPU profile self time by source module (source maps)', starts.map((s) => s.byModule), 40)
  show('CPU profile total time by source module (source maps)', starts.map((s) => s.byModuleTotal), 40)
  show('CPU profile self time by function', starts.map((s) => s.byFunction), 30)
  show('CPU profile total time by function (page scripts)', starts.map((s) => s.inclusive), 70)
}

/** With `.map` files beside the scripts (a `build.sourcemap` build), time is also told by source module. */
function useSourceMaps(dirs: string[]): void {
  const maps = new Map<string, TraceMap | null>()
  attributeSources((url, line, column) => {
    if (!url.includes('/assets/')) return undefined
    const name = url.split('?')[0].split('/').pop() ?? ''
    if (!maps.has(name)) {
      const file = dirs.map((d) => path.join(ROOT, d, 'assets', `${name}.map`)).find((f) => existsSync(f))
      maps.set(name, file ? new TraceMap(readFileSync(file, 'utf8')) : null)
    }
    const map = maps.get(name)
    if (!map) return undefined
    const source = originalPositionFor(map, { line: line + 1, column }).source
    if (!source) return undefined
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(source)
    return pkg ? `${pkg[1]}/${pkg[2].split('/').pop()}` : source.replace(/^(\.\.\/)+/, '')
  })
}

async function main(): Promise<void> {
  useSourceMaps([appDir, minimalDir])
  const stack = await startStack(appDir)
  const minimal = await serveH5({ dir: path.join(ROOT, minimalDir), port: 0, backendPort: stack.backend.port })
  try {
    const browser: Browser = stack.browser
    const app: TracedStart[] = []
    const min: TracedStart[] = []
    await tracedColdStart(browser, stack.baseUrl, 'login-submit', { profile: true }) // warm-up
    await tracedColdStart(browser, minimal.url, 'minimal-button', { profile: true })
    for (let i = 0; i < runs; i++) {
      app.push(await tracedColdStart(browser, stack.baseUrl, 'login-submit', { profile: true }))
      min.push(await tracedColdStart(browser, minimal.url, 'minimal-button', { profile: true }))
    }
    print(`app (${appDir})`, app)
    print(`minimal (${minimalDir})`, min)
  } finally {
    await minimal.close()
    await stack.close()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
