import { createSSRApp } from 'vue'
import App from './App.vue'

// The smallest uni-app built the same way as the real one: the cold-start baseline.
export function createApp() {
  return { app: createSSRApp(App) }
}
