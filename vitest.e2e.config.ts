import { defineConfig } from 'vitest/config'

// Browser journeys: real Chromium against the built H5 bundle, one file at a time (2 cores).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 240_000,
    reporters: ['default'],
  },
})
