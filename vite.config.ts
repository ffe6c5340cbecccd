import { defineConfig } from 'vite'
import uni from '@dcloudio/vite-plugin-uni'

export default defineConfig({
  plugins: [uni()],
  server: { port: Number(process.env.PORT ?? 5173), strictPort: true },
})
