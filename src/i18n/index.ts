/**
 * Minimal i18n: Chinese by default, English when the system language is English.
 * Messages live per domain in `./messages/*.ts` ({ zh, en } with the same keys); errors come
 * from the error catalogue. `t('numbers.add')`, `t('numbers.count', { n: 3 })`.
 *
 * This module adds every domain's messages, so importing `t` from here guarantees they are
 * loaded. The login page and the stores it runs use `./core` instead, which holds the first
 * paint's messages only (see there).
 */
import { watch } from 'vue'
import { addMessages, locale, t as firstPaintT } from './core'
import { messages, type MessageKey } from './messages'

export type { MessageKey }
export { detectLocale, errorAdvice, errorText, locale, setLocale, syncDocumentLanguage, type Locale } from './core'

addMessages(messages)

// uni's own components (uni-ui's date picker: its buttons, months and weekdays) translate by uni's
// locale, not ours: keep it on the app's language from the first signed-in page on.
watch(
  locale,
  (next) => {
    try {
      uni.setLocale?.(next === 'en' ? 'en' : 'zh-Hans') // a no-op when it is already that
    } catch {
      // No app instance yet (uni returns false) or no uni at all: the picker keeps the system's language.
    }
  },
  { immediate: true },
)

/** Same function as `./core`'s `t`: with every domain added, any key shows its message. */
export const t = firstPaintT as (key: MessageKey, params?: Record<string, string | number>) => string
