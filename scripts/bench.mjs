// `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same
// run (never absolute pass/fail times). Browser benchmarks build the bundles they need first.
// Exits non-zero when any bench misses a goal (bench/goals.ts) or fails to run.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const benches = [
  { file: 'bench/core.ts', args: ['--expose-gc'] },
  { file: 'bench/numbers.ts', args: ['--expose-gc'] },
  { file: 'bench/workday.ts', args: ['--expose-gc'] },
  { file: 'bench/callNext.ts', args: ['--expose-gc'] },
  { file: 'bench/login.ts', args: [] },
  { file: 'bench/browser.ts', args: [] },
  { file: 'bench/server.ts', args: [] },
  { file: 'bench/reconcile.ts', args: [] },
  { file: 'bench/tombstones.ts', args: [] },
]

// `npm run bench -- numbers core` runs only the benches whose file name contains an argument.
const only = process.argv.slice(2)
let failures = 0
for (const { file, args } of benches) {
  if (!existsSync(file)) continue
  if (only.length > 0 && !only.some((name) => file.includes(name))) continue
  console.log(`\n▶ ${file}`)
  const r = spawnSync(process.execPath, [...args, '--import', 'tsx', file], { stdio: 'inherit' })
  if (r.status !== 0) {
    failures += 1
    console.log(`✗ ${file} missed a goal or failed (exit ${r.status})`)
  }
}
process.exit(failures ? 1 : 0)
