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

/**
 * The date picker's English as the rest of the app writes it: uni-ui ships "select date",
 * "clear", "cancel", "ok" in lower case (and "ok" as a 17 px word the agent taps).
 */
export const PICKER_ENGLISH: Readonly<Record<string, string>> = {
  'uni-datetime-picker.selectDate': 'Select date',
  'uni-datetime-picker.selectTime': 'Select time',
  'uni-datetime-picker.selectDateTime': 'Select date and time',
  'uni-datetime-picker.startDate': 'Start date',
  'uni-datetime-picker.endDate': 'End date',
  'uni-datetime-picker.startTime': 'Start time',
  'uni-datetime-picker.endTime': 'End time',
  'uni-datetime-picker.ok': 'OK',
  'uni-datetime-picker.clear': 'Clear',
  'uni-datetime-picker.cancel': 'Cancel',
  'uni-calender.confirm': 'Confirm',
  'uni-calender.MON': 'Mon',
  'uni-calender.TUE': 'Tue',
  'uni-calender.WED': 'Wed',
  'uni-calender.THU': 'Thu',
  'uni-calender.FRI': 'Fri',
  'uni-calender.SAT': 'Sat',
  'uni-calender.SUN': 'Sun',
}

/** The messages with our English for the keys uni-ui's picker has (a copy; uni-ui's stay as shipped). */
function withPickerEnglish(value: string | LocaleMessages | undefined): string | LocaleMessages | undefined {
  if (!value || typeof value === 'string') return value
  const en = (value as Record<string, Record<string, string> | undefined>).en
  if (!en) return value
  const fixed: Record<string, string> = { ...en }
  for (const key of Object.keys(PICKER_ENGLISH)) if (key in fixed) fixed[key] = PICKER_ENGLISH[key]
  return { ...value, en: fixed } as LocaleMessages
}

/** uni-ui passes the messages first (uni-i18n's older order, which it still accepts). */
export function initVueI18n(
  localeOrMessages?: string | LocaleMessages,
  messages?: LocaleMessages | string,
  fallbackLocale?: string,
  watcher?: (locale: string) => void,
): VueI18n {
  const i18n = (uniInitVueI18n as (...args: unknown[]) => VueI18n)(withPickerEnglish(localeOrMessages), withPickerEnglish(messages), fallbackLocale, watcher)
  const translate = i18n.t
  return {
    ...i18n,
    t(key, values) {
      followUniLocale(i18n)
      return translate(key, values)
    },
  }
}
