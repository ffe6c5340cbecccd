/** How the shell words the failed sign-ins told at a sign-in (the notice and the account panel). */
import { locale, t } from '@/i18n'
import type { SignInFailures } from '@/services/signInFailures'

const pad = (n: number) => String(n).padStart(2, '0')

/** `11-21 09:05` in the phone's local time, with the year when it is not this year's. */
export function formatWhen(ts: number, now: number): string {
  const d = new Date(ts)
  const day = `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
  return d.getFullYear() === new Date(now).getFullYear() ? day : `${d.getFullYear()}-${day}`
}

/** The attempts and when the last was, the lock, and what to do when it was not the agent. */
export function signInFailuresText(report: SignInFailures, now: number): string {
  const sentences: string[] = []
  if (report.failures > 0) sentences.push(t('notices.signInFailures', { n: report.failures, when: report.lastFailureAt === null ? '—' : formatWhen(report.lastFailureAt, now) }))
  if (report.locked) sentences.push(t('notices.signInLocked'))
  sentences.push(t('notices.signInFailuresHint'))
  // Chinese sentences end in 。 and run on; English ones take a space.
  return sentences.join(locale.value === 'zh' ? '' : ' ')
}
