import { afterEach, describe, expect, it } from 'vitest'
import { setLocale } from '@/i18n'
import { formatWhen, signInFailuresText } from './signInText'

describe('how the shell words failed sign-ins', () => {
  afterEach(() => setLocale('zh'))
  const now = new Date(2026, 10, 21, 12, 0).getTime()

  it('names the time in the phone\'s local time, with the year when it is another year\'s', () => {
    expect(formatWhen(new Date(2026, 0, 2, 9, 5).getTime(), now)).toBe('01-02 09:05')
    expect(formatWhen(new Date(2025, 11, 31, 23, 59).getTime(), now)).toBe('2025-12-31 23:59')
  })

  it('a lock without any failed check says only the lock and what to do', () => {
    setLocale('en')
    expect(signInFailuresText({ failures: 0, lastFailureAt: null, locked: true }, now)).toBe(
      'After too many attempts, signing in to your account was paused for a while. If it was not you, tell your administrator.',
    )
    setLocale('zh')
    expect(signInFailuresText({ failures: 3, lastFailureAt: new Date(2026, 10, 21, 11, 58).getTime(), locked: false }, now)).toBe(
      '自您上次登录以来，您的账号有 3 次登录失败，最近一次在 11-21 11:58。如果不是您本人，请告知管理员。',
    )
  })
})
