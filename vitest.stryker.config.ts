import { defineConfig } from 'vitest/config'
import base from './vitest.config'

/**
 * The unit suite as Stryker runs it (`npm run mutate`). Left out: tests that spawn a child
 * process (the server, the release-scan CLI). A child runs the file from disk without Stryker's
 * active-mutant switch, so those tests cannot kill a mutant and only slow every run down; the
 * same code is covered in-process (server/test/api.test.ts, tests/unit/checkRelease.test.ts).
 */
// `npm run mutate -- <group>` sets STRYKER_TESTS to that group's tests (scripts/mutate.mjs).
const only = process.env.STRYKER_TESTS?.split(',').filter(Boolean)

// Spread, not mergeConfig: that would append `include` to the base list instead of replacing it.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: only ?? base.test?.include,
    // Tests that need no DOM run in node: setting up happy-dom for each file of each mutant run
    // was most of a platform mutant's time (~30 s of overhead per run on the loaded machine).
    environmentMatchGlobs: [
      ['server/**', 'node'],
      ['src/platform/errors.test.ts', 'node'],
      ['src/platform/ringtone.test.ts', 'node'],
      ['src/services/{callRecord,wrapup,workstation}.test.ts', 'node'],
      ['src/store/{history,connection,callMachine,eventRouter}.test.ts', 'node'],
    ],
    exclude: ['**/node_modules/**', 'server/test/process.test.ts', 'server/test/cluster.test.ts', 'src/services/tokenClient.backend.test.ts', 'debug/tokenGenerator/releaseGuard.test.ts'],
    // One worker: the machine is shared; Stryker runs one test process per concurrency slot.
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
  },
})
