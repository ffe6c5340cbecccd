#!/usr/bin/env node
/**
 * Release guard: the development token generator (debug/) and anything holding a Tencent Cloud
 * SecretKey must never ship. Scans every text file of the release bundles for its traces.
 *
 *   node scripts/check-release.mjs              # scans every build under dist/build/ (h5, h5-web, app, …)
 *   node scripts/check-release.mjs <dir> ...    # scans the given folders instead
 *
 * Exit 0: all folders exist, are non-empty and clean. Exit 1: a trace was found (each is printed
 * as file:line:column), a folder is missing or empty, or there is no build at all (build first).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Every build folder under `<projectRoot>/dist/build` (the CLI builds), then under
 * `<projectRoot>/unpackage/dist/build` (HBuilderX's 发行, the App that ships), each sorted: a new
 * target (h5-web is the bundle deployed to browsers) is scanned without anyone remembering it.
 */
export function defaultDirs(projectRoot = root) {
  return [path.join(projectRoot, 'dist', 'build'), path.join(projectRoot, 'unpackage', 'dist', 'build')].flatMap((builds) => {
    let entries = []
    try {
      entries = readdirSync(builds, { withFileTypes: true })
    } catch {
      return []
    }
    return entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(builds, entry.name))
      .sort()
  })
}

/**
 * What an App bundle (a folder named `app` or `app-plus`) must not hold besides: the simulator,
 * which a stray `VITE_TCCC_PLATFORM=simulated` would ship as a phone that calls nobody.
 */
export const FORBIDDEN_IN_APP = [{ label: 'simulated TCCC (VITE_TCCC_PLATFORM=simulated)', pattern: '__tcccSim' }]

function isAppBundle(dir) {
  return ['app', 'app-plus'].includes(path.basename(dir))
}

/** What gives the generator away. The first is the marker exported by debug/tokenGenerator/tc3.ts. */
export const FORBIDDEN = [
  { label: 'token generator marker', pattern: 'TCCC_DEBUG_TOKEN_GENERATOR' },
  { label: 'TC3 request signing', pattern: 'TC3-HMAC-SHA256' },
  { label: 'token generator function', pattern: 'createSdkLoginToken' },
  { label: 'TCCC login token API', pattern: 'CreateSDKLoginToken' },
  { label: 'Tencent Cloud secret key', pattern: 'SecretKey' },
  { label: 'Tencent Cloud secret key', pattern: 'secretKey' },
]

function* filesUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) yield* filesUnder(full)
    else if (entry.isFile()) yield full
  }
}

/** Binary files (images, audio, fonts) have NUL bytes early on; text files do not. */
function isText(buffer) {
  return !buffer.subarray(0, 8192).includes(0)
}

function position(text, index) {
  const before = text.slice(0, index)
  const line = before.split('\n').length
  return { line, column: index - before.lastIndexOf('\n') }
}

function excerpt(text, index, length) {
  const start = Math.max(0, index - 40)
  const end = Math.min(text.length, index + length + 40)
  return text.slice(start, end).replace(/\s+/g, ' ')
}

/** All findings in one folder: [{ file, line, column, label, pattern, excerpt }]. */
export function scanFolder(dir) {
  const findings = []
  let scanned = 0
  for (const file of filesUnder(dir)) {
    const buffer = readFileSync(file)
    if (!isText(buffer)) continue
    scanned++
    const text = buffer.toString('utf8')
    for (const { label, pattern } of isAppBundle(dir) ? [...FORBIDDEN, ...FORBIDDEN_IN_APP] : FORBIDDEN) {
      let index = text.indexOf(pattern)
      while (index !== -1) {
        findings.push({ file, ...position(text, index), label, pattern, excerpt: excerpt(text, index, pattern.length) })
        index = text.indexOf(pattern, index + pattern.length)
      }
    }
  }
  return { findings, scanned }
}

/**
 * A module specifier resolved the way the bundler would: `@/` is src/ (vite.config.ts), a leading
 * `/` is the project root (Vite), a bare `debug/…` is taken at the root too; other bare names are packages. Backslashes count as
 * separators, and `?query` / `#hash` suffixes are dropped.
 */
export function resolveSpecifier(specifier, fromFile, projectRoot = root) {
  const spec = specifier.replace(/\\/g, '/').replace(/[?#].*$/, '')
  if (spec.startsWith('@/')) return path.resolve(projectRoot, 'src', spec.slice(2))
  if (spec.startsWith('/')) return path.resolve(projectRoot, spec.slice(1))
  if (spec.startsWith('.')) return path.resolve(path.dirname(fromFile), spec)
  if (spec.startsWith('debug/')) return path.resolve(projectRoot, spec)
  return spec // a package (e.g. the npm `debug` package), never a file of this project
}

// Static and dynamic imports, re-exports, require(), import.meta.glob() and new URL(…).
const IMPORT_SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|import\.meta\.glob\s*\(\s*\[?\s*|new\s+URL\s*\(\s*)(['"`])([^'"`]+)\1/g

/**
 * App sources that import the development token generator (debug/), however the path is
 * spelled. The debug page may, inside its `if (import.meta.env.DEV) {` branch only (Vite drops
 * that branch from release builds). Returns `file: import` lines, relative to the root.
 */
export function findDebugImports(files, projectRoot = root, read = (file) => readFileSync(file, 'utf8')) {
  const debugDir = path.join(projectRoot, 'debug')
  const debugPage = path.join('src', 'pages', 'debug', 'index.vue')
  const offenders = []
  for (const file of files) {
    const text = read(file)
    for (const match of text.matchAll(IMPORT_SPECIFIER)) {
      const resolved = resolveSpecifier(match[2], file, projectRoot)
      if (resolved !== debugDir && !resolved.startsWith(debugDir + path.sep)) continue
      const rel = path.relative(projectRoot, file)
      const devBranch = text.lastIndexOf('if (import.meta.env.DEV) {', match.index)
      const allowed = rel === debugPage && devBranch !== -1 && !text.slice(devBranch, match.index).includes('\n}')
      if (!allowed) offenders.push(`${rel}: ${match[0]}`)
    }
  }
  return offenders
}

export function checkRelease(dirs, log = console.info, error = console.error) {
  let failed = false
  if (dirs.length === 0) {
    error('MISSING dist/build/*: no build to check (npm run build:h5 / build:h5-web / build:app)')
    failed = true
  }
  for (const dir of dirs) {
    let isDir = false
    try {
      isDir = statSync(dir).isDirectory()
    } catch {
      isDir = false
    }
    if (!isDir) {
      error(`MISSING ${dir}: build it first (npm run build:h5 / npm run build:app)`)
      failed = true
      continue
    }
    const { findings, scanned } = scanFolder(dir)
    if (scanned === 0) {
      error(`EMPTY ${dir}: no text files to check`)
      failed = true
      continue
    }
    for (const f of findings) {
      error(`FOUND ${f.label} "${f.pattern}" in ${path.relative(process.cwd(), f.file)}:${f.line}:${f.column}  …${f.excerpt}…`)
    }
    if (findings.length > 0) failed = true
    else log(`clean  ${dir} (${scanned} text files)`)
  }
  if (failed) error('Release check FAILED: debug token generator or secret handling code is in the bundle, or a bundle is missing.')
  else log('Release check passed: no debug token generator or secret-key code in the bundles.')
  return failed ? 1 : 0
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (invokedDirectly) {
  const args = process.argv.slice(2)
  const dirs = args.length > 0 ? args.map((d) => path.resolve(d)) : defaultDirs()
  process.exit(checkRelease(dirs))
}
