import { defineConfig } from 'vitest/config'

// Browser journeys: real Chromium against the built H5 bundle, one file at a time (2 cores).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 240_000,
    // One retry for a journey (each attempt starts on new phones and empty workspaces): a rare
    // timing miss on a loaded CI machine should not fail the run, and it is not hidden either:
    // `npm test` names every journey that passed only on its retry, with its first failure.
    retry: 1,
    // expect.poll waits 1 s by default, which a loaded 2-core machine can miss between a click
    // and its re-render; a journey's poll waits up to 5 s (a pass still returns at once).
    expect: { poll: { timeout: 5_000 } },
    reporters: ['default'],
  },
})
