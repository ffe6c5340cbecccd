import { afterEach, describe, expect, it } from 'vitest'
import { initVueI18n as uniInitVueI18n } from '@dcloudio/uni-i18n'
import { initVueI18n } from './i18n'

const messages = { en: { 'picker.ok': 'ok' }, 'zh-Hans': { 'picker.ok': '确定' } }

function setUniLocale(locale: string): void {
  uni.getLocale = (() => locale) as typeof uni.getLocale
}

describe("uni-ui's uni-i18n, following uni's locale", () => {
  afterEach(() => setUniLocale('zh-Hans'))

  it('translates by the locale uni has now, not the one it had when the component loaded', () => {
    setUniLocale('zh-Hans')
    const { t } = initVueI18n(messages)
    // uni-ui's own call, messages first (accepted at run time, not by the package's types).
    const plain = (uniInitVueI18n as unknown as (messages: object) => ReturnType<typeof uniInitVueI18n>)(messages)
    setUniLocale('en') // the agent picked English after the picker's module loaded
    expect(plain.t('picker.ok')).toBe('确定') // uni-i18n as it is: the defect
    expect(t('picker.ok')).toBe('ok')
    setUniLocale('zh-Hans')
    expect(t('picker.ok')).toBe('确定')
  })

  it('keeps its locale where uni has none to give', () => {
    setUniLocale('en')
    const i18n = initVueI18n(messages)
    setUniLocale('')
    expect(i18n.t('picker.ok')).toBe('ok')
    expect(i18n.getLocale()).toBe('en')
  })
})
