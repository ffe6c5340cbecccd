import { describe, expect, it } from 'vitest'
import { TcccError } from '@/platform/errors'
import { errorText, locale, setLocale, t } from './index'
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
})
