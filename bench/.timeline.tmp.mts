import path from 'node:path'
import { chromium } from 'playwright-core'
import { KEEP_NAMES_SHIM, readyProbe } from './coldTrace'
import { CHROMIUM, CHROMIUM_ARGS, ROOT } from '../e2e/harness'
// @ts-expect-error
import { serveH5 } from '../scripts/serve-h5.mjs'
const dirs = process.argv.slice(2)
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
const servers = await Promise.all(dirs.map((d) => serveH5({ dir: path.resolve(d), port: 0, backendPort: 1 })))
const rows: Record<string, Record<string, number[]>> = {}
for (let run = 0; run < 9; run++) for (let i = 0; i < dirs.length; i++) {
  const testId = dirs[i].includes('minimal') ? 'minimal-button' : 'login-submit'
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', serviceWorkers: 'block' })
  await context.addInitScript(KEEP_NAMES_SHIM)
  await context.addInitScript(readyProbe, testId)
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable'); await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  await page.goto(servers[i].url, { waitUntil: 'commit' })
  await page.waitForFunction(() => (window as any).__readyAt !== undefined)
  const t = await page.evaluate(() => {
    const out: Record<string, number> = {}
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
    out['html.responseEnd'] = nav.responseEnd; out['domInteractive'] = nav.domInteractive; out['domContentLoaded'] = nav.domContentLoadedEventStart
    for (const e of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) { const n = new URL(e.name).pathname.replace(/.*\//, '').replace(/[-.][A-Za-z0-9_-]{8}\./, '.'); out[n + '.start'] = e.startTime; out[n + '.end'] = e.responseEnd }
    for (const e of performance.getEntriesByType('paint')) out[e.name] = e.startTime
    out.ready = (window as any).__readyAt
    return out
  })
  rows[dirs[i]] ??= {}
  for (const [k, v] of Object.entries(t)) (rows[dirs[i]][k] ??= []).push(v)
  await context.close()
}
const med = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)] }
for (const d of dirs) { console.log('==', d); for (const [k, v] of Object.entries(rows[d]).sort((a, b) => med(a[1]) - med(b[1]))) console.log(med(v).toFixed(0).padStart(6), k) }
await browser.close(); for (const s of servers) await s.close()
