/**
 * The cold-start baselines, built with the same uni CLI and vite.config.ts as the app:
 * - `one-page`: bench/minimal-app, one page with one button. The baseline of the goal
 *   (cold start <= 1.5x this page).
 * - `two-page`: the same app with a second, empty page (generated). With more than one page uni
 *   compiles in its multi-page runtime (vue-router, the page stack: `__UNI_FEATURE_PAGES__`),
 *   which a one-page app leaves out. For information only: it tells how much of the app's
 *   cold start is that runtime, which any uni-app with two pages pays.
 * uni takes the current directory as the Vite root (the repository's index.html and main.ts);
 * VITE_ROOT_DIR and UNI_INPUT_DIR (absolute) point both at the minimal app instead.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { ROOT } from '../e2e/harness'

export type MinimalKind = 'one-page' | 'two-page'

/** Built baselines, relative to the repository (as bench/browser.ts and serve-h5 take them). */
export const MINIMAL_DIRS: Record<MinimalKind, string> = {
  'one-page': 'dist/bench/minimal',
  'two-page': 'dist/bench/minimal-two-page',
}

const SOURCE = path.join(ROOT, 'bench/minimal-app')

/** Newest modification time of the files under `dir` (0 when missing). */
export function newest(dir: string): number {
  if (!existsSync(dir)) return 0
  return Math.max(0, ...readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => statSync(path.join(dir, f)).mtimeMs))
}

/** bench/minimal-app plus an empty second page, written under dist/bench (never committed). */
function twoPageSource(): string {
  const dir = path.join(ROOT, 'dist/bench/minimal-two-page-src')
  rmSync(dir, { recursive: true, force: true })
  cpSync(SOURCE, dir, { recursive: true })
  mkdirSync(path.join(dir, 'pages/other'), { recursive: true })
  writeFileSync(path.join(dir, 'pages/other/index.vue'), '<template>\n  <view>other</view>\n</template>\n<script setup lang="ts"></script>\n')
  const pages = JSON.parse(readFileSync(path.join(SOURCE, 'pages.json'), 'utf8')) as { pages: Array<{ path: string }> }
  pages.pages.push({ ...pages.pages[0], path: 'pages/other/index' })
  writeFileSync(path.join(dir, 'pages.json'), JSON.stringify(pages, null, 2))
  return dir
}

/** Builds the baseline unless an up-to-date build is there; returns its directory (relative). */
export function buildMinimal(kind: MinimalKind): string {
  const out = MINIMAL_DIRS[kind]
  const index = path.join(ROOT, out, 'index.html')
  const built = existsSync(index) && readFileSync(index, 'utf8').includes('/assets/') && newest(SOURCE) < statSync(index).mtimeMs
  if (built && readdirSync(path.join(ROOT, out, 'assets')).some((f) => f.startsWith('pages-index'))) return out
  console.log(`building the ${kind} minimal uni-app into ${out} ...`)
  rmSync(path.join(ROOT, out), { recursive: true, force: true })
  const source = kind === 'one-page' ? SOURCE : twoPageSource()
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/@dcloudio/vite-plugin-uni/bin/uni.js'), 'build', '-c', path.join(ROOT, 'vite.config.ts')], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, VITE_ROOT_DIR: source, UNI_INPUT_DIR: source, UNI_OUTPUT_DIR: path.join(ROOT, out) },
  })
  if (r.status !== 0) throw new Error(`${kind} minimal uni-app build failed`)
  return out
}
