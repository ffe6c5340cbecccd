/**
 * Light or dark, as the system says (src/platform/theme.ts). Pages put `themeClass` on their
 * root so the CSS variables of App.vue switch (in a browser the media query does it as well).
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { watchTheme, type Theme } from '@/platform/theme'

export type { Theme }

export const useThemeStore = defineStore('theme', () => {
  const theme = ref<Theme>('light')
  const themeClass = computed(() => `theme-${theme.value}`)
  let stop: (() => void) | null = null

  /** Starts following the system once (idempotent). */
  function follow(): void {
    if (stop) return
    stop = watchTheme((next) => {
      theme.value = next
    })
  }

  follow()

  return { theme, themeClass, follow }
})
