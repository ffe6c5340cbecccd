/**
 * Following the system's appearance: `prefers-color-scheme` changes in a browser, and
 * `uni.onThemeChange` in the App (manifest `darkmode`). Loaded lazily by the theme store.
 */
import { DARK_QUERY, systemTheme, type ThemeListener } from './theme'

/** Calls `listener` once with the current theme and on every change; returns the unsubscribe. */
export function watchTheme(listener: ThemeListener): () => void {
  // #ifdef H5
  if (typeof window !== 'undefined' && typeof window.matchMedia === 'function') return watchMedia(listener)
  // #endif
  return watchUni(listener)
}

function watchMedia(listener: ThemeListener): () => void {
  const query = window.matchMedia(DARK_QUERY)
  const onChange = (event: { matches: boolean }) => listener(event.matches ? 'dark' : 'light')
  listener(query.matches ? 'dark' : 'light')
  query.addEventListener?.('change', onChange)
  return () => query.removeEventListener?.('change', onChange)
}

function watchUni(listener: ThemeListener): () => void {
  if (typeof uni === 'undefined') return () => undefined
  listener(systemTheme())
  if (typeof uni.onThemeChange !== 'function') return () => undefined
  const onChange = (result: { theme: string }) => listener(result.theme === 'dark' ? 'dark' : 'light')
  uni.onThemeChange(onChange)
  return () => {
    try {
      uni.offThemeChange?.(onChange)
    } catch {
      // older runtimes cannot unsubscribe
    }
  }
}
