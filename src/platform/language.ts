/**
 * The system's language tag, from which the app picks its default language (`detectLocale`).
 * - H5: the browser's (`navigator.language`). uni answers the same there (the manifest's locale
 *   is `auto`), but asking it builds uni's own i18n during the cold start, about 2 ms of main-thread
 *   CPU before the login page is usable, for nothing the login page shows.
 * - App: uni's locale (the phone's language), else the system info's.
 */
export function systemLanguage(): string {
  // #ifdef H5
  if (typeof navigator !== 'undefined' && navigator.language) return navigator.language
  // #endif
  try {
    return (typeof uni !== 'undefined' && (uni.getLocale?.() || uni.getSystemInfoSync?.().language)) || ''
  } catch {
    return ''
  }
}
