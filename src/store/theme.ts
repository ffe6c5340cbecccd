/**
 * Light or dark, as the system says (src/platform/theme.ts). Pages put `themeClass` on their
 * root so the CSS variables of App.vue switch (in a browser the media query does it as well).
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { systemTheme, type Theme } from '@/platform/theme'
import { whenStartupIdle } from '@/store/deferred'

export type { Theme }

export const useThemeStore = defineStore('theme', () => {
  const theme = ref<Theme>(systemTheme())
  const themeClass = computed(() => `theme-${theme.value}`)
  let stop: (() => void) | null = null

  let following = false

  /**
   * Starts following the system once (idempotent). The watcher loads once the first page is
   * shown (cold start): until then the theme read at creation holds, and the watcher reports the
   * current appearance as soon as it starts, so a change in between is not lost.
   */
  function follow(): void {
    if (following) return
    following = true
    whenStartupIdle(() => {
      if (!following || stop) return
      // Stryker disable next-line StringLiteral: Vite fails to transform `import('')` (it reads the project folder), which crashes every test run
      void import('@/platform/themeWatch')
        .then(({ watchTheme }) => {
          // Unfollowed while loading: do not start.
          if (!following || stop) return
          stop = watchTheme((next) => {
            theme.value = next
          })
        })
        .catch((e: unknown) => console.warn('[theme] cannot follow the system appearance', e))
    })
  }

  /** Stops following (tests). */
  function unfollow(): void {
    stop?.()
    stop = null
    following = false
  }

  follow()

  return { theme, themeClass, follow, unfollow }
})
