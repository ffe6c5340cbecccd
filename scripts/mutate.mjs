// `npm run mutate [-- <group>|--mutate <glob>] [other stryker options]`: Stryker over the core
// modules (stryker.config.mjs). Groups: store, services, platform, server, release (each runs
// only the tests that can kill its mutants; STRYKER_TESTS=<globs> overrides, `--mutate` runs all).
// A `--mutate` glob from the command line replaces the config's list, exclusions included, so
// the test files and entry points are excluded again here: a mutated test proves nothing.
// Each group keeps its own incremental file, reports/stryker-incremental.<group>.json, so groups
// measured on different branches at the same time do not conflict in one file; `--incrementalFile`
// overrides it. With a group, a later `--mutate <glob>` narrows that group's run.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const GROUPS = {
  store: 'src/store/**/*.ts',
  services: 'src/services/**/*.ts',
  platform: 'src/platform/**/*.ts',
  server: 'server/src/**/*.ts',
  release: 'scripts/check-release.mjs',
}
// The tests that can kill a group's mutants (vitest.stryker.config.ts reads STRYKER_TESTS), so
// the initial coverage run of a group does not run the whole suite on two shared cores.
const GROUP_TESTS = {
  store: 'src/store/**/*.test.ts',
  services: 'src/services/**/*.test.ts,src/store/**/*.test.ts',
  platform: 'src/platform/**/*.test.ts',
  server: 'server/test/**/*.test.ts',
  release: 'tests/unit/checkRelease.test.ts',
}
const EXCLUDE = ['!**/*.test.ts', '!**/__tests__/**', '!server/src/main.ts', '!server/src/cli.ts']

const args = process.argv.slice(2)
const out = []
let group
let mutate
for (let i = 0; i < args.length; i++) {
  const arg = args[i]
  if (arg === '--mutate' || arg === '-m') mutate = args[++i]
  else if (arg in GROUPS) group = arg
  else out.push(arg)
}
if (group) {
  process.env.STRYKER_GROUP = group
  process.env.STRYKER_TESTS ??= GROUP_TESTS[group]
  if (!out.includes('--incrementalFile')) out.push('--incrementalFile', `reports/stryker-incremental.${group}.json`)
}
mutate ??= group && GROUPS[group]
if (mutate) out.push('--mutate', [mutate, ...EXCLUDE].join(','))
const cli = fileURLToPath(new URL('../node_modules/@stryker-mutator/core/bin/stryker.js', import.meta.url))
const r = spawnSync(process.execPath, [cli, 'run', 'stryker.config.mjs', ...out], { stdio: 'inherit' })
// reports/mutation/<group>.json (stryker.config.mjs) -> the committed per-group summary.
if (group && r.status === 0) spawnSync(process.execPath, [fileURLToPath(new URL('./mutation-summary.mjs', import.meta.url)), group], { stdio: 'inherit' })
process.exit(r.status ?? 1)
