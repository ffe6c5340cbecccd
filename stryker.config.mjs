// @ts-check
/**
 * Mutation testing: `npm run mutate` (not part of `npm test`: hours on two shared cores).
 * Run it per module group, e.g. `npm run mutate -- store` (scripts/mutate.mjs). Each group's
 * incremental file, `reports/stryker-incremental.<group>.json`, is committed: a re-run only tests
 * mutants in changed code or covered by changed tests. Scores and survivors: README.md,
 * "Mutation testing", and docs/MUTATION.md.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const group = process.env.STRYKER_GROUP

export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  // STRYKER_CHECKERS=none skips the type check of each mutant (it took most of the CPU on the
  // loaded shared machine); a mutant that would not compile is then judged by the tests alone.
  checkers: process.env.STRYKER_CHECKERS === 'none' ? [] : ['typescript'],
  tsconfigFile: 'tsconfig.stryker.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  mutate: [
    'src/store/**/*.ts',
    'src/services/**/*.ts',
    'src/platform/**/*.ts',
    'server/src/**/*.ts',
    'scripts/check-release.mjs',
    '!**/*.test.ts',
    '!**/__tests__/**',
    // Entry points with no logic worth mutating (wiring, CLI argument parsing, process start).
    '!server/src/main.ts',
    '!server/src/cli.ts',
  ],
  ignorePatterns: ['dist', 'unpackage', 'coverage', 'test-results', 'reports/mutation', '.stryker-tmp*', 'e2e', 'bench'],
  // Per-group file names (scripts/mutate.mjs sets STRYKER_GROUP), so two groups can run at once.
  // The event recorder writes each tested mutant as it finishes: a run stopped early still leaves
  // its results (`node scripts/mutation-summary.mjs <group> --events`).
  reporters: ['clear-text', 'progress', 'html', 'json', 'event-recorder'],
  htmlReporter: { fileName: `reports/mutation/${group ?? 'index'}.html` },
  jsonReporter: { fileName: `reports/mutation/${group ?? 'mutation'}.json` },
  eventReporter: { baseDir: `reports/mutation/events-${group ?? 'all'}` },
  thresholds: { high: 80, low: 60, break: null },
  // Module-level constants (static mutants) would need the whole suite re-run per mutant; on two
  // shared cores that is hours. They are reported as ignored instead.
  ignoreStatic: true,
  // Generous: on a loaded machine a slow worker must not count as a killed (timed-out) mutant.
  timeoutMS: 30000,
  timeoutFactor: 2,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
}
