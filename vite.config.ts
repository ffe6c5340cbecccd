import { resolve } from 'node:path'
import { defineConfig, type Plugin } from 'vite'
import uni from '@dcloudio/vite-plugin-uni'
import { contentSecurityPolicyPlugin } from './build/contentSecurityPolicy'
import { preloadFirstPage } from './build/preloadFirstPage'
import { splitUniH5 } from './build/splitUniH5'
import { tcccSdkResolver } from './build/tcccSdkResolver'
import { uniUiI18n } from './build/uniUiI18n'

// The H5 app calls the token backend same-origin (/api); in development we proxy to it.
const backend = `http://127.0.0.1:${process.env.TOKEN_PORT ?? 8787}`

// uni aliases '@/' to UNI_INPUT_DIR (the repository root here), but the code means src/ (as in
// tsconfig paths and vitest). A config hook of a plugin placed after uni() puts its alias first.
const srcAlias: Plugin = {
  name: 'src-alias',
  config: () => ({ resolve: { alias: [{ find: /^@\//, replacement: `${resolve(__dirname, 'src')}/` }] } }),
}

// The App bundle is one IIFE (uni app-plus), which cannot be split: the lazy imports that keep the
// H5 first paint small (src/store/deferred.ts, the sync store) are inlined there instead.
const appBundleInlinesLazyImports: Plugin = {
  name: 'app-inline-lazy-imports',
  enforce: 'post',
  configResolved(config) {
    if (process.env.UNI_PLATFORM !== 'app') return
    const outputs = config.build.rollupOptions.output
    for (const output of Array.isArray(outputs) ? outputs : outputs ? [outputs] : []) {
      // manualChunks means nothing in a single-chunk IIFE and rollup refuses it beside inlining.
      delete output.manualChunks
      output.inlineDynamicImports = true
    }
  },
}

export default defineConfig({
  plugins: [uni(), srcAlias, appBundleInlinesLazyImports, tcccSdkResolver(), uniUiI18n(), splitUniH5(), preloadFirstPage(), contentSecurityPolicyPlugin()],
  server: {
    host: 'localhost',
    port: Number(process.env.PORT ?? 5173),
    strictPort: true,
    proxy: {
      '/api': { target: backend, changeOrigin: true },
      '/healthz': { target: backend, changeOrigin: true },
      '/mock': { target: backend, changeOrigin: true },
    },
  },
})
