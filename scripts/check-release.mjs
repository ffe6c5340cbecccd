#!/usr/bin/env node
/**
 * Release guard: the development token generator (debug/) and anything holding a Tencent Cloud
 * SecretKey must never ship. Scans every text file of the release bundles for its traces.
 *
 *   node scripts/check-release.mjs              # scans dist/build/h5 and dist/build/app
 *   node scripts/check-release.mjs <dir> ...    # scans the given folders instead
 *
 * Exit 0: all folders exist, are non-empty and clean. Exit 1: a trace was found (each is printed
 * as file:line:column) or a folder is missing or empty (build first).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_DIRS = [path.join(root, 'dist/build/h5'), path.join(root, 'dist/build/app')]

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
    for (const { label, pattern } of FORBIDDEN) {
      let index = text.indexOf(pattern)
      while (index !== -1) {
        findings.push({ file, ...position(text, index), label, pattern, excerpt: excerpt(text, index, pattern.length) })
        index = text.indexOf(pattern, index + pattern.length)
      }
    }
  }
  return { findings, scanned }
}

export function checkRelease(dirs, log = console.info, error = console.error) {
  let failed = false
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
  const dirs = args.length > 0 ? args.map((d) => path.resolve(d)) : DEFAULT_DIRS
  process.exit(checkRelease(dirs))
}
