// `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same
// run (never absolute pass/fail times). Browser benchmarks build the bundles they need first.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const benches = [
  { file: 'bench/core.ts', args: ['--expose-gc'] },
  { file: 'bench/numbers.ts', args: ['--expose-gc'] },
  { file: 'bench/browser.ts', args: [] },
  { file: 'bench/server.ts', args: [] },
]

let failures = 0
for (const { file, args } of benches) {
  if (!existsSync(file)) continue
  console.log(`\n▶ ${file}`)
  const r = spawnSync(process.execPath, [...args, '--import', 'tsx', file], { stdio: 'inherit' })
  if (r.status !== 0) failures += 1
}
process.exit(failures ? 1 : 0)
