import { afterEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { APP_ERRORS, SDK_ERRORS, TcccError, type ErrorSymbol } from '@/platform/errors'
import { detectLocale, errorAdvice, errorText, locale, setLocale, t } from './index'
import { messages } from './messages'

describe('i18n', () => {
  it('has the same keys in Chinese and English, none empty', () => {
    expect(Object.keys(messages.en).sort()).toEqual(Object.keys(messages.zh).sort())
    for (const [key, text] of Object.entries(messages.en)) expect(text, key).not.toBe('')
    for (const [key, text] of Object.entries(messages.zh)) expect(text, key).not.toBe('')
  })

  it('translates and substitutes parameters in the current language', () => {
    setLocale('en')
    expect(t('common.ok')).toBe('OK')
    setLocale('zh')
    expect(t('common.ok')).toBe('确定')
    expect(locale.value).toBe('zh')
  })

  it('shows errors from the catalogue in the current language', () => {
    setLocale('en')
    expect(errorText(TcccError.fromCode(402))).toMatch(/seats/)
    setLocale('zh')
    expect(errorText('KICKED')).toMatch(/其他设备/)
  })

  it('gives a next action under an error only when its message does not already say it', () => {
    setLocale('zh')
    // 20002's message ends with 请重试, the retry advice: shown once.
    expect(errorText(TcccError.fromCode(20002))).toMatch(/请重试$/)
    expect(errorAdvice(TcccError.fromCode(20002))).toBe('')
    expect(errorAdvice(TcccError.fromCode(-1319))).toBe('请结束占用麦克风的其他通话或应用')
    expect(errorAdvice(TcccError.fromCode(-1302))).toBe('请检查麦克风和扬声器，仍有问题请重启应用或手机')
    expect(errorAdvice(new TcccError('NO_ACTIVE_CALL'))).toBe('')
    setLocale('en')
    expect(errorAdvice(TcccError.fromCode(-10002))).toBe('')
    expect(errorAdvice(TcccError.fromCode(-1321))).toBe('Check the microphone and speaker; if it persists, restart the app or the phone.')
  })

  it('has advice text for every action of the catalogue, and no message says its advice twice', () => {
    const symbols = [...Object.keys(SDK_ERRORS), ...Object.keys(APP_ERRORS)] as ErrorSymbol[]
    for (const lang of ['zh', 'en'] as const) {
      setLocale(lang)
      for (const symbol of symbols) {
        const error = new TcccError(symbol)
        if (error.action === 'none') continue
        const advice = t(`error.action.${error.action}`)
        expect(advice, `${lang} ${error.action}`).not.toBe(`error.action.${error.action}`)
        expect(`${errorText(error)}\n${errorAdvice(error)}`.split(advice).length, `${lang} ${symbol}`).toBeLessThanOrEqual(2)
      }
    }
    setLocale('zh')
  })

  it('says one in the singular and other counts in the plural in English; Chinese has one form', () => {
    setLocale('en')
    expect(t('history.count', { n: 1 })).toBe('1 call')
    expect(t('history.count', { n: 0 })).toBe('0 calls')
    expect(t('history.count', { n: 2 })).toBe('2 calls')
    expect(t('notices.missedBadge', { n: 1 })).toBe('1 missed call')
    expect(t('shell.logoutPending.message', { n: 1 })).toMatch(/^1 change has not reached the server\. It stays/)
    setLocale('zh')
    expect(t('history.count', { n: 1 })).toBe('共 1 条')
  })

  it('gives two forms only to messages that count {n}, and Chinese never', () => {
    for (const [key, text] of Object.entries(messages.en)) {
      const forms = text.split(' | ')
      expect(forms.length, key).toBeLessThanOrEqual(2)
      if (forms.length === 2) for (const form of forms) expect(form, key).toMatch(/\{n\}|only/)
    }
    for (const [key, text] of Object.entries(messages.zh)) expect(text, key).not.toContain(' | ')
  })

  it("keeps uni's locale on the app's language, so uni-ui's date picker speaks it too", async () => {
    setLocale('en')
    await nextTick()
    expect(uni.setLocale).toHaveBeenCalledWith('en')
    setLocale('zh')
    await nextTick()
    expect(uni.setLocale).toHaveBeenLastCalledWith('zh-Hans')
  })
})

describe('detectLocale', () => {
  afterEach(() => {
    Object.defineProperty(navigator, 'language', { value: 'zh-CN', configurable: true })
  })

  it("follows the system's language: English for any English, Chinese otherwise", () => {
    for (const [lang, expected] of [['en-US', 'en'], ['EN', 'en'], ['zh-TW', 'zh'], ['zh-CN', 'zh'], ['fr-FR', 'zh']] as const) {
      Object.defineProperty(navigator, 'language', { value: lang, configurable: true })
      expect(detectLocale()).toBe(expected)
    }
  })
})
