/**
 * The language the agent picked on the login page, remembered across starts. Without a choice
 * the app follows the system language (`detectLocale` in src/i18n).
 */
import { locale, setLocale, type Locale } from '@/i18n'
import { storedValue } from '@/services/storage'

const preference = storedValue<Locale | null>('locale', {
  version: 1,
  fallback: () => null,
  validate: (value): value is Locale | null => value === null || value === 'zh' || value === 'en',
})

/** Applies a remembered choice (app start). */
export function applyLocalePreference(): void {
  const chosen = preference.load()
  if (chosen) setLocale(chosen)
}

export function chooseLocale(next: Locale): void {
  setLocale(next)
  preference.save(next)
  syncDocumentLanguage()
}

/** Keeps `<html lang>` right for screen readers and fonts in the H5 build. */
export function syncDocumentLanguage(): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale.value === 'en' ? 'en' : 'zh-CN'
}
