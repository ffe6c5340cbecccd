import { afterEach, describe, expect, it } from 'vitest'
import { fn } from 'jest-mock'
import { initVueI18n as uniInitVueI18n } from '@dcloudio/uni-i18n'
import { followUniLocale, initVueI18n } from './i18n'

const messages = { en: { 'picker.ok': 'ok' }, 'zh-Hans': { 'picker.ok': '确定' } }

function setUniLocale(locale: string): void {
  uni.getLocale = (() => locale) as typeof uni.getLocale
}

describe("uni-ui's uni-i18n, following uni's locale", () => {
  const global = globalThis as { uni?: unknown }
  const realUni = global.uni
  afterEach(() => {
    global.uni = realUni
    setUniLocale('zh-Hans')
  })

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

  it('sets the locale only when uni has one and it differs', () => {
    const i18n = { getLocale: fn(() => 'en'), setLocale: fn() }
    setUniLocale('en')
    followUniLocale(i18n)
    setUniLocale('')
    followUniLocale(i18n)
    expect(i18n.setLocale).not.toHaveBeenCalled()
    setUniLocale('zh-Hans')
    followUniLocale(i18n)
    expect(i18n.setLocale.mock.calls).toEqual([['zh-Hans']])
  })

  it('leaves the locale alone without uni, without getLocale, or when getLocale throws', () => {
    const i18n = { getLocale: fn(() => 'en'), setLocale: fn() }
    uni.getLocale = undefined as unknown as typeof uni.getLocale
    followUniLocale(i18n)
    uni.getLocale = (() => undefined) as unknown as typeof uni.getLocale
    followUniLocale(i18n)
    uni.getLocale = (() => {
      throw new Error('no app yet')
    }) as typeof uni.getLocale
    followUniLocale(i18n)
    global.uni = undefined
    followUniLocale(i18n)
    expect(i18n.setLocale).not.toHaveBeenCalled()
  })

  it("writes the date picker's English in sentence case (uni-ui ships 'select date', 'ok'), leaving Chinese and uni-ui's own messages alone", () => {
    setUniLocale('en')
    // As uni-ui's picker ships them (lib/uni-datetime-picker/i18n/en.json, zh-Hans.json).
    const pickerMessages = {
      en: { 'uni-datetime-picker.selectDate': 'select date', 'uni-datetime-picker.selectTime': 'select time', 'uni-datetime-picker.clear': 'clear', 'uni-datetime-picker.cancel': 'cancel', 'uni-datetime-picker.ok': 'ok', 'uni-calender.MON': 'MON' },
      'zh-Hans': { 'uni-datetime-picker.ok': '确定' },
    }
    const { t } = initVueI18n(pickerMessages)
    expect(['selectDate', 'selectTime', 'clear', 'cancel', 'ok'].map((k) => t(`uni-datetime-picker.${k}`))).toEqual(['Select date', 'Select time', 'Clear', 'Cancel', 'OK'])
    expect(t('uni-calender.MON')).toBe('Mon')
    expect((pickerMessages as { en: Record<string, string> }).en['uni-datetime-picker.ok']).toBe('ok')
    setUniLocale('zh-Hans')
    expect(t('uni-datetime-picker.ok')).toBe('确定')
  })
})
