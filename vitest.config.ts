import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'
import { tcccSdkResolver } from './build/tcccSdkResolver'

// Unit tests run without the uni plugin: `tests/setup/uni.ts` installs an in-memory `uni`.
export default defineConfig({
  // The resolver stands in for tccc-sdk-uniapp when it is not installed, as in the App build.
  plugins: [vue(), tcccSdkResolver()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  test: {
    include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts', 'debug/**/*.test.ts', 'server/**/*.test.ts'],
    environment: 'happy-dom',
    setupFiles: ['tests/setup/uni.ts'],
    restoreMocks: true,
    testTimeout: 15000,
  },
})
