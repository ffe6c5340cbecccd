/**
 * Minimal i18n: Chinese by default, English when the system language is English.
 * Messages live per domain in `./messages/*.ts` ({ zh, en } with the same keys); errors come
 * from the error catalogue. `t('numbers.add')`, `t('call.timer', { n: 3 })`.
 */
import { ref } from 'vue'
import { entryFor, type ErrorSymbol, type Locale, TcccError } from '@/platform/errors'
import { messages, type MessageKey } from './messages'

export type { Locale, MessageKey }

export function detectLocale(): Locale {
  let lang = ''
  try {
    lang = (typeof uni !== 'undefined' && (uni.getLocale?.() || uni.getSystemInfoSync?.().language)) || ''
  } catch {
    lang = ''
  }
  if (!lang && typeof navigator !== 'undefined') lang = navigator.language
  return /^en/i.test(lang) ? 'en' : 'zh'
}

export const locale = ref<Locale>(detectLocale())

export function setLocale(next: Locale): void {
  locale.value = next
}

/** Keeps `<html lang>` right for screen readers and fonts in the H5 build. */
export function syncDocumentLanguage(): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale.value === 'en' ? 'en' : 'zh-CN'
}

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const table = messages[locale.value] as Record<string, string>
  let text = table[key] ?? (messages.zh as Record<string, string>)[key] ?? key
  if (params) for (const [name, value] of Object.entries(params)) text = text.split(`{${name}}`).join(String(value))
  return text
}

/** The agent-facing text for an error in the current language. */
export function errorText(error: TcccError | ErrorSymbol): string {
  if (error instanceof TcccError) return error.localized(locale.value)
  return entryFor(error)[locale.value]
}
