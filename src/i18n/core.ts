/**
 * Minimal i18n, first-paint part: the language, and the messages the login page shows (the
 * common and login domains). Chinese by default, English when the system language is English.
 * The signed-in domains (shell, numbers, call, history, wrap-up, workday) are added by
 * `@/i18n` (src/i18n/index.ts), which the signed-in pages import: the login page does not wait
 * for them (cold start). Here `t` takes only the first paint's keys, so the type checker refuses
 * a login-page text whose messages would not be loaded yet.
 */
import { ref } from 'vue'
import { entryFor, type ErrorSymbol, type Locale, TcccError } from '@/platform/errors'
import { systemLanguage } from '@/platform/language'
import common from './messages/common'
import login from './messages/login'

export type { Locale }

type KeysOf<D> = D extends { zh: infer Z } ? keyof Z & string : never
/** The keys `t` from this module can show: the domains loaded with the first page. */
export type FirstPaintKey = KeysOf<typeof common | typeof login>

export function detectLocale(): Locale {
  let lang = systemLanguage()
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

/** The loaded messages per language; `addMessages` merges the domains that load later. */
const tables: Record<Locale, Record<string, string>> = {
  zh: { ...common.zh, ...login.zh },
  en: { ...common.en, ...login.en },
}

export function addMessages(more: { zh: Record<string, string>; en: Record<string, string> }): void {
  Object.assign(tables.zh, more.zh)
  Object.assign(tables.en, more.en)
}

/**
 * A message with a count `{n}` may have two forms, `'{n} call | {n} calls'` (English; Chinese
 * needs one): the first when n is 1.
 */
export function t(key: FirstPaintKey, params?: Record<string, string | number>): string {
  let text = tables[locale.value][key] ?? tables.zh[key] ?? key
  const forms = text.split(' | ')
  if (forms.length === 2) text = params?.n === 1 ? forms[0] : forms[1]
  if (params) for (const [name, value] of Object.entries(params)) text = text.split(`{${name}}`).join(String(value))
  return text
}

/** The agent-facing text for an error in the current language. */
export function errorText(error: TcccError | ErrorSymbol): string {
  if (error instanceof TcccError) return error.localized(locale.value)
  return entryFor(error)[locale.value]
}

/**
 * The catalogue's next action for an error, to show under its message: empty when there is none
 * or when the message already ends with the same advice (most do, for the places that show the
 * message alone), so the agent never reads "try again" twice.
 */
export function errorAdvice(error: TcccError): string {
  if (error.action === 'none') return ''
  const advice = t(`error.action.${error.action}`)
  return errorText(error).includes(advice) ? '' : advice
}
