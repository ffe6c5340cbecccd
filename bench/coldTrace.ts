/**
 * One cold load of a built page in Chromium, timed to the moment a test id is visible and enabled,
 * optionally under a Chromium trace: the main thread's CPU time until then (trace thread time,
 * robust to other load on the machine, unlike wall-clock time) and, with `profile`, where it went.
 * Used by bench/browser.ts (cold start) and bench/coldProfile.ts (diagnostics).
 */
import type { Browser, CDPSession } from 'playwright-core'

/**
 * tsx compiles with esbuild's keepNames, wrapping inner functions in `__name(...)`; functions we
 * hand to the page (init scripts, evaluate) need that helper there too.
 */
export const KEEP_NAMES_SHIM = { content: 'globalThis.__name = globalThis.__name || ((fn) => fn);' }

/** The user-timing mark the probe sets when ready; the trace is cut there. */
const READY_MARK = 'bench-ready'

/**
 * Installed before any page script: records `performance.now()` (ms since navigation start) the
 * first time the element is visible and enabled, checked on every DOM change and every frame.
 */
export function readyProbe(testId: string): void {
  const w = window as unknown as { __readyAt?: number }
  const check = (): boolean => {
    if (w.__readyAt !== undefined) return true
    const el = document.querySelector(`[data-testid="${testId}"]`)
    if (!el) return false
    const disabled = el.getAttribute('disabled')
    if (disabled !== null && disabled !== 'false') return false
    const box = el.getBoundingClientRect()
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === 'hidden') return false
    w.__readyAt = performance.now()
    performance.mark('bench-ready')
    return true
  }
  const frame = (): void => {
    if (!check()) requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)
  new MutationObserver((_, observer) => {
    if (check()) observer.disconnect()
  }).observe(document, { childList: true, subtree: true, attributes: true })
}

export interface TracedStart {
  /** ms since navigation start, in the page. */
  readyAt: number
  /** Paths of the scripts whose fetch started before the probe fired. */
  scripts: string[]
  /** Main-thread CPU time (thread time of the top-level tasks) until ready; NaN untraced. */
  threadMs: number
  /** With `profile`: self thread time and self wall time by trace event name. */
  byEvent: Map<string, number>
  byEventWall: Map<string, number>
  /** With `profile`: CPU profile self time by script file and by function. */
  byFile: Map<string, number>
  byFunction: Map<string, number>
  /** With `profile`: CPU profile total time (self and callees) by function of the page's own scripts. */
  inclusive: Map<string, number>
  /** With `profile` and source maps: self and total time by source module. */
  byModule: Map<string, number>
  byModuleTotal: Map<string, number>
}

interface TraceEvent {
  name: string
  cat: string
  ph: string
  pid: number
  tid: number
  ts: number
  dur?: number
  tdur?: number
  id?: string
  args?: {
    name?: string
    data?: {
      startTime?: number
      cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }
      timeDeltas?: number[]
    }
  }
}

interface ProfileNode {
  id: number
  parent?: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number }
}

const LIGHT = ['toplevel', 'blink.user_timing']
const DETAILED = [...LIGHT, ...(process.env.COLD_CATEGORIES?.split(',') ?? []), 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.execute', 'blink', 'loading', ...(process.env.COLD_NO_SAMPLES ? [] : ['disabled-by-default-v8.cpu_profiler'])]

async function readTrace(cdp: CDPSession): Promise<TraceEvent[]> {
  const done = new Promise<string>((resolve) => cdp.once('Tracing.tracingComplete', (e: { stream?: string }) => resolve(e.stream ?? '')))
  await cdp.send('Tracing.end')
  const stream = await done
  let text = ''
  for (let i = 0; i < 100_000; i++) {
    const chunk = await cdp.send('IO.read', { handle: stream, size: 1 << 20 })
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data
    if (chunk.eof) break
  }
  await cdp.send('IO.close', { handle: stream })
  const parsed = JSON.parse(text) as TraceEvent[] | { traceEvents: TraceEvent[] }
  return Array.isArray(parsed) ? parsed : parsed.traceEvents
}

/** Maps a script URL and a 0-based line/column to a source module name (set by coldProfile with source maps). */
export type SourceOf = (url: string, line: number, column: number) => string | undefined
let sourceOf: SourceOf | undefined
export function attributeSources(fn: SourceOf): void {
  sourceOf = fn
}

const add = (map: Map<string, number>, key: string, ms: number): void => {
  map.set(key, (map.get(key) ?? 0) + ms)
}

/** Main-thread CPU until the ready mark, and with `detailed` where it went. */
function analyse(events: TraceEvent[], detailed: boolean): Pick<TracedStart, 'threadMs' | 'byEvent' | 'byEventWall' | 'byFile' | 'byFunction' | 'inclusive' | 'byModule' | 'byModuleTotal'> {
  const mark = events.find((e) => e.name === READY_MARK && e.cat.includes('blink.user_timing'))
  const result = { threadMs: Number.NaN, byEvent: new Map<string, number>(), byEventWall: new Map<string, number>(), byFile: new Map<string, number>(), byFunction: new Map<string, number>(), inclusive: new Map<string, number>(), byModule: new Map<string, number>(), byModuleTotal: new Map<string, number>() }
  if (!mark) return result
  const readyTs = mark.ts
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === mark.pid && e.args?.name === 'CrRendererMain')
  const tid = main?.tid ?? mark.tid
  const onMain = events.filter((e) => e.pid === mark.pid && e.tid === tid && e.ph === 'X' && e.ts < readyTs).sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0))
  // Thread time of an event, the part before the mark only (thread time scaled like wall time).
  const cpu = (e: TraceEvent): number => {
    const tdur = e.tdur ?? 0
    const dur = e.dur ?? 0
    if (dur <= 0 || e.ts + dur <= readyTs) return tdur / 1000
    return ((tdur * (readyTs - e.ts)) / dur) / 1000
  }
  let threadMs = 0
  let topEnd = -1
  const stack: Array<{ e: TraceEvent; end: number; childCpu: number; childWall: number }> = []
  const wall = (e: TraceEvent): number => (Math.min(e.ts + (e.dur ?? 0), readyTs) - e.ts) / 1000
  const close = (until: number): void => {
    while (stack.length && stack[stack.length - 1].end <= until) {
      const top = stack.pop()!
      add(result.byEvent, top.e.name, cpu(top.e) - top.childCpu)
      add(result.byEventWall, top.e.name, wall(top.e) - top.childWall)
      if (stack.length) {
        stack[stack.length - 1].childCpu += cpu(top.e)
        stack[stack.length - 1].childWall += wall(top.e)
      }
    }
  }
  // COLD_COUNT=<regex>: how many events of each matching name ran before ready, and their wall time.
  if (process.env.COLD_COUNT) {
    const pattern = new RegExp(process.env.COLD_COUNT)
    const counts = new Map<string, { n: number; ms: number }>()
    for (const e of onMain) {
      if (!pattern.test(e.name)) continue
      const c = counts.get(e.name) ?? { n: 0, ms: 0 }
      c.n += 1
      c.ms += wall(e)
      counts.set(e.name, c)
    }
    console.log(`  counts: ${[...counts].sort((a, b) => b[1].ms - a[1].ms).map(([name, c]) => `${name} ${c.n}x ${c.ms.toFixed(1)} ms`).join(', ')}`)
  }
  if (process.env.COLD_DUMP) for (const e of onMain) if (e.name === process.env.COLD_DUMP) console.log(`    ${((e.ts - onMain[0].ts) / 1000).toFixed(1)} +${((e.dur ?? 0) / 1000).toFixed(1)} ms`, JSON.stringify(e.args))
  for (const e of onMain) {
    const end = e.ts + (e.dur ?? 0)
    if (e.ts >= topEnd) {
      // A new top-level task: its thread time counts once, nested events are inside it.
      threadMs += cpu(e)
      if (process.env.COLD_TASKS && (e.dur ?? 0) > 2000) {
        const kids = onMain.filter((k) => k !== e && k.ts >= e.ts && k.ts < end && (k.dur ?? 0) > 1000).map((k) => `${k.name} ${((k.dur ?? 0) / 1000).toFixed(0)}/${((k.tdur ?? 0) / 1000).toFixed(0)}`)
        console.log(`  @${((e.ts - onMain[0].ts) / 1000).toFixed(0).padStart(5)} wall ${((e.dur ?? 0) / 1000).toFixed(1).padStart(6)} cpu ${((e.tdur ?? 0) / 1000).toFixed(1).padStart(6)}  ${kids.slice(0, 12).join(' | ')}`)
      }
      topEnd = end
    }
    if (!detailed) continue
    close(e.ts)
    stack.push({ e, end, childCpu: 0, childWall: 0 })
  }
  close(Number.POSITIVE_INFINITY)
  result.threadMs = threadMs
  if (!detailed) return result

  // CPU profile samples of the page's main isolate, until the mark.
  const starts = new Map<string, number>()
  for (const e of events) if (e.name === 'Profile' && e.pid === mark.pid && e.id !== undefined) starts.set(e.id, e.args?.data?.startTime ?? 0)
  const nodes = new Map<string, ProfileNode>()
  const times = new Map<string, number>()
  for (const e of events) {
    if (e.name !== 'ProfileChunk' || e.pid !== mark.pid || e.id === undefined) continue
    const data = e.args?.data
    for (const n of data?.cpuProfile?.nodes ?? []) nodes.set(`${e.id}:${n.id}`, n)
    const samples = data?.cpuProfile?.samples ?? []
    const deltas = data?.timeDeltas ?? []
    let t = times.get(e.id) ?? starts.get(e.id) ?? 0
    samples.forEach((id, i) => {
      t += deltas[i] ?? 0
      const next = t + (deltas[i + 1] ?? 0)
      if (t >= readyTs) return
      const n = nodes.get(`${e.id}:${id}`)
      if (!n) return
      const ms = (Math.min(next, readyTs) - t) / 1000
      const file = n.callFrame.url ? n.callFrame.url.split('/').pop()!.replace(/[-.][\w-]{8}\.js$/, '.js') : `(${n.callFrame.functionName || 'native'})`
      add(result.byFile, file, ms)
      add(result.byFunction, `${n.callFrame.functionName || '(anonymous)'}  ${file}:${n.callFrame.lineNumber + 1}`, ms)
      if (sourceOf) {
        const own = n.callFrame.url ? sourceOf(n.callFrame.url, n.callFrame.lineNumber, n.callFrame.columnNumber ?? 0) : undefined
        add(result.byModule, own ?? file, ms)
        const modules = new Set<string>()
        for (let p: ProfileNode | undefined = n, k = 0; p && k < 200; k++, p = p.parent !== undefined ? nodes.get(`${e.id}:${p.parent}`) : undefined) {
          const m = p.callFrame.url ? sourceOf(p.callFrame.url, p.callFrame.lineNumber, p.callFrame.columnNumber ?? 0) : undefined
          if (m && !modules.has(m)) add(result.byModuleTotal, m, ms)
          if (m) modules.add(m)
        }
      }
      // Inclusive time: once for every distinct function on the sample's stack.
      const seen = new Set<string>()
      for (let p: ProfileNode | undefined = n, k = 0; p && k < 200; k++, p = p.parent !== undefined ? nodes.get(`${e.id}:${p.parent}`) : undefined) {
        const url = p.callFrame.url ?? ''
        if (!url.includes('/assets/')) continue
        const key = `${p.callFrame.functionName || '(anonymous)'}  ${url.split('/').pop()!.replace(/[-.][\w-]{8}\.js$/, '.js')}:${p.callFrame.lineNumber + 1}`
        if (!seen.has(key)) add(result.inclusive, key, ms)
        seen.add(key)
      }
    })
    times.set(e.id, t)
  }
  return result
}

/**
 * Loads `url` in a fresh phone-sized context (HTTP cache disabled) and waits for `testId`.
 * `trace`: measure main-thread CPU (light trace); `profile`: also the detailed trace with the CPU
 * profiler (slower, for diagnostics).
 */
export async function tracedColdStart(browser: Browser, url: string, testId: string, options: { trace?: boolean; profile?: boolean } = {}): Promise<TracedStart> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', serviceWorkers: 'block' })
  try {
    await context.addInitScript(KEEP_NAMES_SHIM)
    await context.addInitScript(readyProbe, testId)
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
    const traced = options.trace || options.profile
    if (traced) {
      await cdp.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: options.profile ? DETAILED : LIGHT } })
    }
    await page.goto(url, { waitUntil: 'commit' })
    await page.waitForFunction(() => (window as unknown as { __readyAt?: number }).__readyAt !== undefined, undefined, { timeout: 30_000 })
    const measured = await page.evaluate(() => {
      const readyAt = (window as unknown as { __readyAt: number }).__readyAt
      const scripts = performance
        .getEntriesByType('resource')
        .filter((entry) => entry.startTime < readyAt && /\.m?js(\?|$)/.test(entry.name))
        .map((entry) => new URL(entry.name).pathname)
      return { readyAt, scripts }
    })
    const cpu = traced ? analyse(await readTrace(cdp), Boolean(options.profile)) : { threadMs: Number.NaN, byEvent: new Map(), byEventWall: new Map(), byFile: new Map(), byFunction: new Map(), inclusive: new Map(), byModule: new Map(), byModuleTotal: new Map() }
    return { ...measured, ...cpu }
  } finally {
    await context.close()
  }
}
