/**
 * The system's light or dark appearance, read once: `prefers-color-scheme` in a browser,
 * `uni.getSystemInfoSync().theme` in the App. Following its changes is `./themeWatch`, loaded
 * lazily so the first page's chunk gains no uni API it would not load otherwise.
 */
export type Theme = 'light' | 'dark'
export type ThemeListener = (theme: Theme) => void

export const DARK_QUERY = '(prefers-color-scheme: dark)'

export function systemTheme(): Theme {
  // #ifdef H5
  if (typeof window !== 'undefined' && typeof window.matchMedia === 'function') return window.matchMedia(DARK_QUERY).matches ? 'dark' : 'light'
  // #endif
  try {
    const info = uni.getSystemInfoSync() as { theme?: string }
    return info.theme === 'dark' ? 'dark' : 'light'
  } catch {
    return 'light'
  }
}
