/**
 * `@dcloudio/uni-i18n` as uni-ui's components see it (build/uniUiI18n.ts points their import
 * here): the same module, except that each text first takes uni's current locale.
 *
 * Why: uni-i18n's `initVueI18n` takes uni's locale when the component's module loads and follows
 * uni's changes only after its first text. The wrap-up's date picker loads with the signed-in
 * pages, so an agent who signed in in Chinese, signed out and picked English on the login page
 * saw the picker in Chinese (its weekdays, its buttons), whatever `uni.setLocale` said.
 */
import { initVueI18n as uniInitVueI18n, type LocaleMessages } from '@dcloudio/uni-i18n'

export * from '@dcloudio/uni-i18n'

type VueI18n = ReturnType<typeof uniInitVueI18n>

/** uni's locale now; '' where there is none to read (no uni, no app yet: uni throws). */
function uniLocale(): string {
  try {
    return uni.getLocale() ?? ''
  } catch {
    return ''
  }
}

/** Brings one uni-i18n instance to uni's locale when they differ (nothing to do nearly always). */
export function followUniLocale(i18n: Pick<VueI18n, 'getLocale' | 'setLocale'>): void {
  const now = uniLocale()
  if (now !== '' && i18n.getLocale() !== now) i18n.setLocale(now)
}

/** uni-ui passes the messages first (uni-i18n's older order, which it still accepts). */
export function initVueI18n(
  localeOrMessages?: string | LocaleMessages,
  messages?: LocaleMessages | string,
  fallbackLocale?: string,
  watcher?: (locale: string) => void,
): VueI18n {
  const i18n = (uniInitVueI18n as (...args: unknown[]) => VueI18n)(localeOrMessages, messages, fallbackLocale, watcher)
  const translate = i18n.t
  return {
    ...i18n,
    t(key, values) {
      followUniLocale(i18n)
      return translate(key, values)
    },
  }
}
