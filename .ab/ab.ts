// Local A/B: interleaved cold starts of several H5 builds and the minimal page (bench method, no idle wait).
import path from 'node:path'
import { chromium } from 'playwright-core'
// @ts-expect-error esm helper
import { serveH5 } from '../scripts/serve-h5.mjs'
import { CHROMIUM, CHROMIUM_ARGS, ROOT } from '../e2e/harness'

const dirs = (process.env.DIRS ?? 'dist/build/h5').split(',')
const RUNS = Number(process.env.RUNS ?? 9)
const LOCALE = process.env.LOC ?? 'zh-CN'
function probe(testId: string): void {
  const w = window as any
  const check = (): boolean => {
    if (w.__readyAt !== undefined) return true
    const el = document.querySelector(`[data-testid="${testId}"]`)
    if (!el) return false
    const d = el.getAttribute('disabled')
    if (d !== null && d !== 'false') return false
    const b = el.getBoundingClientRect()
    if (b.width === 0 || b.height === 0 || getComputedStyle(el).visibility === 'hidden') return false
    w.__readyAt = performance.now()
    return true
  }
  const f = (): void => { if (!check()) requestAnimationFrame(f) }
  requestAnimationFrame(f)
  new MutationObserver((_, o) => { if (check()) o.disconnect() }).observe(document, { childList: true, subtree: true, attributes: true })
}
async function main(): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
  const targets = [...dirs.map((d) => ({ name: d, dir: d, id: 'login-submit' })), { name: 'minimal', dir: 'dist/bench/minimal', id: 'minimal-button' }]
  const servers = await Promise.all(targets.map((t) => serveH5({ dir: path.resolve(ROOT, t.dir), port: 0 })))
  const samples = targets.map(() => [] as number[])
  for (let r = -1; r < RUNS; r++) {
    const order = targets.map((_, i) => i)
    if (r % 2) order.reverse()
    for (const i of order) {
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: LOCALE, serviceWorkers: 'block' })
      await ctx.addInitScript({ content: 'globalThis.__name = globalThis.__name || ((fn) => fn);' })
      await ctx.addInitScript(probe, targets[i].id)
      const page = await ctx.newPage()
      const cdp = await ctx.newCDPSession(page)
      await cdp.send('Network.enable')
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
      await page.goto(servers[i].url, { waitUntil: 'commit' })
      await page.waitForFunction(() => (window as any).__readyAt !== undefined, undefined, { timeout: 60_000 })
      const t = await page.evaluate(() => (window as any).__readyAt as number)
      if (r >= 0) samples[i].push(t)
      await ctx.close()
    }
  }
  const med = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
  const m = med(samples[samples.length - 1])
  targets.forEach((t, i) => console.log(t.name.padEnd(28), (med(samples[i]) / m).toFixed(2) + 'x', 'median', med(samples[i]).toFixed(0), 'min', Math.min(...samples[i]).toFixed(0), 'minratio', (Math.min(...samples[i]) / Math.min(...samples[samples.length - 1])).toFixed(2)))
  await Promise.all(servers.map((s: any) => s.close()))
  await browser.close()
}
main().catch((e) => { console.error(e); process.exit(1) })
