/**
 * The browser-journey harness: starts the real token backend (mock mode) and a static server
 * for a built H5 bundle that proxies /api like production, then drives Debian's Chromium with
 * playwright-core. Bundles are built by `npm test` (or `npm run build:h5`) beforehand.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
// @ts-expect-error plain ESM helper shared with the scripts
import { serveH5 } from '../scripts/serve-h5.mjs'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
]

export const AGENT1 = { username: 'agent1@example.com', password: 'agent1-pass' }
export const AGENT2 = { username: 'agent2@example.com', password: 'agent2-pass' }

export interface Backend {
  port: number
  /** Its `/api/admin/*` key (`X-Admin-Key`): journeys empty workspaces through it (`resetWorkspace`). */
  adminKey: string
  /** The embedded database folder this backend runs on (for the business CLIs in journeys). */
  dataDir: string | null
  stop(): Promise<void>
}

// One embedded database per journey file (kept across backend restarts within it), never the
// developer's server/data/db.
const JOURNEY_DATA_DIR = path.join(mkdtempSync(path.join(tmpdir(), 'tccc-e2e-')), 'db')

/** Starts `server/src/main.ts` on a free port and waits for its "listening" line. */
export function startBackend(env: Record<string, string> = {}): Promise<Backend> {
  const adminKey = env.ADMIN_KEY ?? randomBytes(32).toString('base64url')
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, TOKEN_PORT: '0', LOGIN_RATE_LIMIT: '1000', TOKEN_RATE_LIMIT: '1000', DATA_DIR: JOURNEY_DATA_DIR, ADMIN_KEY: adminKey, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let output = ''
    // Opening (or first creating) the embedded database takes seconds on a busy machine.
    const timer = setTimeout(() => reject(new Error(`token backend did not start:\n${output}`)), 110_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve({
          port: Number(match[1]),
          adminKey,
          dataDir: env.DATABASE_URL !== undefined ? null : (env.DATA_DIR ?? JOURNEY_DATA_DIR),
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done()
              child.once('exit', () => done())
              child.kill('SIGTERM')
            }),
        })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`token backend exited (${code}):\n${output}`))
    })
  })
}

export interface Stack {
  baseUrl: string
  backend: Backend
  browser: Browser
  close(): Promise<void>
}

export async function startStack(bundle = 'dist/build/h5', backendEnv: Record<string, string> = {}): Promise<Stack> {
  const dir = path.join(ROOT, bundle)
  if (!existsSync(path.join(dir, 'index.html'))) throw new Error(`${bundle} is missing: run the H5 build first`)
  // The backend is reached through the page's own origin, as behind a production reverse proxy,
  // so the mock sdkUrl it hands out is same-origin: the only place the web build's sdkUrl
  // allowlist (src/platform/web/sdkUrl.ts) and its CSP accept the fake SDK from.
  // The page's server listens first (port 0) and learns the backend's port after: a port picked
  // free and bound later could be taken in between (EADDRINUSE, once, under load).
  let backendPort: number | null = null
  const web = await serveH5({ dir, port: 0, backendPort: () => backendPort })
  const backend = await startBackend({ PUBLIC_URL: `http://localhost:${web.port}`, ...backendEnv }).catch(async (error: unknown) => {
    await web.close()
    throw error
  })
  backendPort = backend.port
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
  return {
    baseUrl: web.url,
    backend,
    browser,
    async close() {
      await browser.close()
      await web.close()
      await backend.stop()
    },
  }
}

/** A fresh phone-sized context (its own storage), Chinese by default. */
export async function newPhone(stack: Stack, locale = 'zh-CN'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await stack.browser.newContext({ viewport: { width: 390, height: 844 }, locale, deviceScaleFactor: 1 })
  const page = await context.newPage()
  page.on('pageerror', (err) => console.error('[page error]', err.message))
  await page.goto(stack.baseUrl)
  return { context, page }
}

export const byId = (page: Page | Locator, id: string): Locator => page.locator(`[data-testid="${id}"]`)

/** The real <input>/<textarea> inside a uni input component carrying the test id. */
export const inputOf = (page: Page | Locator, id: string): Locator =>
  page.locator(`input[data-testid="${id}"], textarea[data-testid="${id}"], [data-testid="${id}"] input, [data-testid="${id}"] textarea`).first()

export async function signIn(page: Page, agent = AGENT1): Promise<void> {
  await inputOf(page, 'login-username').fill(agent.username)
  await inputOf(page, 'login-password').fill(agent.password)
  await byId(page, 'login-submit').click()
  await byId(page, 'agent-status').first().waitFor({ state: 'visible', timeout: 20_000 })
}

/** Calls a `window.__tcccSim` control in the page. */
export function sim<T = unknown>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([m, a]) => {
      const controls = (window as unknown as { __tcccSim: Record<string, (...x: unknown[]) => unknown> }).__tcccSim
      return controls[m as string](...(a as unknown[])) as T
    },
    [method, args] as const,
  )
}

export type SdkCall = { method: string; args: unknown[] }
export const simLog = (page: Page): Promise<SdkCall[]> => sim<SdkCall[]>(page, 'log')
