import { defineConfig } from 'vite'
import uni from '@dcloudio/vite-plugin-uni'
import { tcccSdkResolver } from './build/tcccSdkResolver'

// The H5 app calls the token backend same-origin (/api); in development we proxy to it.
const backend = `http://127.0.0.1:${process.env.TOKEN_PORT ?? 8787}`

export default defineConfig({
  plugins: [uni(), tcccSdkResolver()],
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
