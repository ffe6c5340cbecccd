// `npm test`: the whole suite a newcomer and CI run. Type check, lint, unit tests, the three
// bundles (H5 simulated, H5 web, App), the release scan, then the browser journeys in Chromium.
// Ends with one line "total: N passed, M failed" and exits non-zero on any failure.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, mkdirSync } from 'node:fs'
import { relative } from 'node:path'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const results = []
let passed = 0
let failed = 0
/** Tests that failed, and journeys that passed only on their retry: named again under the summary. */
const failedTests = []
const retriedTests = []

function run(name, command, args, env = {}) {
  const started = Date.now()
  console.log(`\n▶ ${name}: ${command} ${args.join(' ')}`)
  const r = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } })
  const ok = r.status === 0
  results.push({ name, ok, seconds: ((Date.now() - started) / 1000).toFixed(1) })
  return ok
}

/** Runs vitest with a JSON report beside the console one, and counts its tests. */
function vitest(name, args) {
  mkdirSync('test-results', { recursive: true })
  const file = `test-results/${name}.json`
  const ok = run(name, 'npx', ['vitest', 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${file}`])
  if (existsSync(file)) {
    const report = JSON.parse(readFileSync(file, 'utf8'))
    passed += report.numPassedTests
    failed += report.numFailedTests
    for (const file of report.testResults) {
      // A file whose hooks failed (its tests then count as skipped, not failed).
      if (file.status === 'failed' && file.message) failedTests.push(`${name}: ${relative(process.cwd(), file.name)} (the file)\n      ${file.message.split('\n')[0].slice(0, 300)}`)
      for (const test of file.assertionResults) {
        // A test that passed keeps the failures of its earlier attempts (vitest's `retry`).
        if (test.status === 'passed' && test.failureMessages.length === 0) continue
        if (test.status !== 'passed' && test.status !== 'failed') continue
        const where = `${relative(process.cwd(), file.name)} > ${test.fullName}`
        const lines = (test.failureMessages[0] ?? '').split('\n')
        const first = lines.find((line) => line.trim() !== '') ?? ''
        // The line of the test itself, below the helpers it called.
        const at = lines.find((line) => /\.(e2e|test)\.ts:\d+/.test(line))?.trim() ?? ''
        ;(test.status === 'passed' ? retriedTests : failedTests).push(`${name}: ${where}\n      ${first.slice(0, 300)}${at ? `\n      ${at}` : ''}`)
      }
    }
  } else if (!ok) failed += 1
  return ok
}

const steps = [
  () => run('typecheck', 'npx', ['vue-tsc', '--noEmit', '-p', 'tsconfig.json']),
  () => run('typecheck:server', 'npx', ['tsc', '-p', 'server/tsconfig.json']),
  () => run('lint', 'npx', ['eslint', '.', '--max-warnings=0']),
  () => vitest('unit', []),
  () => run('build:h5', 'npm', ['run', 'build:h5']),
  () => run('build:h5-web', 'npm', ['run', 'build:h5-web']),
  () => run('build:app', 'npm', ['run', 'build:app']),
  () => run('release-scan', 'node', ['scripts/check-release.mjs']),
  () => {
    if (!existsSync(CHROMIUM)) {
      console.error(`Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH).`)
      results.push({ name: 'e2e', ok: false, seconds: '0' })
      failed += 1
      return false
    }
    return vitest('e2e', ['-c', 'vitest.e2e.config.ts'])
  },
]

let allOk = true
for (const step of steps) allOk = step() && allOk

console.log('\nSummary')
for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds}s)`)
if (failedTests.length > 0) console.log(`\nFailed tests\n${failedTests.map((t) => `  ${t}`).join('\n')}`)
if (retriedTests.length > 0) console.log(`\nPassed on the retry (flaky: look into these)\n${retriedTests.map((t) => `  ${t}`).join('\n')}`)
const stepFailures = results.filter((r) => !r.ok).length
console.log(`\ntotal: ${passed} passed, ${failed + (failed === 0 ? stepFailures : 0)} failed`)
process.exit(allOk ? 0 : 1)
