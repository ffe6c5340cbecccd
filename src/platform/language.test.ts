import { afterEach, describe, expect, it, vi } from 'vitest'
import { systemLanguage } from './language'

describe('systemLanguage', () => {
  afterEach(() => {
    Object.defineProperty(navigator, 'language', { value: 'zh-CN', configurable: true })
  })

  it("is the browser's language in a browser, without asking uni (that builds uni's i18n during the cold start)", () => {
    Object.defineProperty(navigator, 'language', { value: 'en-GB', configurable: true })
    expect(systemLanguage()).toBe('en-GB')
    expect(uni.getLocale).not.toHaveBeenCalled()
    expect(uni.getSystemInfoSync).not.toHaveBeenCalled()
  })

  it("is uni's locale where there is no browser language (the App), else the system info's, else empty", () => {
    Object.defineProperty(navigator, 'language', { value: '', configurable: true })
    expect(systemLanguage()).toBe('zh-Hans')
    vi.mocked(uni.getLocale).mockReturnValueOnce('')
    expect(systemLanguage()).toBe('zh-CN')
    vi.mocked(uni.getLocale).mockImplementationOnce(() => {
      throw new Error('no locale')
    })
    expect(systemLanguage()).toBe('')
  })
})
