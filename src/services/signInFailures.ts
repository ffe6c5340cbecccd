/**
 * Failed sign-ins at the agent's username, as the backend tells them at a successful sign-in
 * (`signInFailures`: since the previous one), kept per agent on the phone
 * (`tccc.a.<agentKey>.signInNotice`) until the agent dismisses the notice, across restarts; the
 * last one stays afterwards so the agent can read it again. Per agent, so another agent of the
 * phone never sees it, and a seat's next agent loses it with the seat's cache (`claimAgentCache`).
 */
import { agentKeyOf, workspaceValue, type StoredValue } from '@/services/storage'

/** The login answer's `signInFailures` (server/src/db/signInFailures.ts). */
export interface SignInFailures {
  failures: number
  /** Epoch ms of the last failed attempt; null when none. */
  lastFailureAt: number | null
  /** A limit of the username refused attempts meanwhile. */
  locked: boolean
}

export interface SignInNotice extends SignInFailures {
  /** When the sign-in that was told it happened (epoch ms). */
  reportedAt: number
  dismissed: boolean
}

/** Anything to tell: failed attempts, or a lock without any (attempts refused before a check). */
export function hasSignInFailures(report: SignInFailures): boolean {
  return report.failures > 0 || report.locked
}

export function isSignInFailures(value: unknown): value is SignInFailures {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return (
    typeof v.failures === 'number' &&
    Number.isSafeInteger(v.failures) &&
    v.failures >= 0 &&
    (v.lastFailureAt === null || (typeof v.lastFailureAt === 'number' && Number.isFinite(v.lastFailureAt))) &&
    typeof v.locked === 'boolean'
  )
}

function isSignInNotice(value: unknown): value is SignInNotice | null {
  if (value === null) return true
  if (!isSignInFailures(value)) return false
  const v = value as unknown as Record<string, unknown>
  return typeof v.reportedAt === 'number' && Number.isFinite(v.reportedAt) && typeof v.dismissed === 'boolean'
}

export function signInNoticeStorage(userId: string): StoredValue<SignInNotice | null> {
  return workspaceValue<SignInNotice | null>(agentKeyOf(userId), 'signInNotice', { version: 1, fallback: () => null, validate: isSignInNotice })
}

/**
 * After a successful sign-in: keeps what the backend told, when there is something. A notice the
 * agent has not dismissed yet (an earlier sign-in's, perhaps on a phone closed before it showed)
 * is added to, not replaced: its attempts were never seen. Nothing to tell changes nothing, so
 * the notice of the sign-in before stays until dismissed. Storage that fails loses only the notice.
 */
export function keepSignInFailures(userId: string, report: SignInFailures, now: number): void {
  if (!hasSignInFailures(report)) return
  try {
    const storage = signInNoticeStorage(userId)
    const earlier = storage.load()
    const unseen = earlier && !earlier.dismissed ? earlier : null
    storage.save({
      failures: report.failures + (unseen?.failures ?? 0),
      lastFailureAt: latest(report.lastFailureAt, unseen?.lastFailureAt ?? null),
      locked: report.locked || (unseen?.locked ?? false),
      reportedAt: now,
      dismissed: false,
    })
  } catch (e) {
    console.warn('[signInFailures] could not keep the notice', e instanceof Error ? e.message : e)
  }
}

function latest(a: number | null, b: number | null): number | null {
  if (a === null) return b
  if (b === null) return a
  return Math.max(a, b)
}
