/**
 * Failed sign-ins at the agent's username, as the backend tells them at a successful sign-in
 * (`signInFailures`: since the previous one), kept per agent on the phone
 * (`tccc.a.<agentKey>.signInNotice`) until the agent dismisses the notice, across restarts; the
 * last one stays afterwards so the agent can read it again. Per agent, so another agent of the
 * phone never sees it, and a seat's next agent loses it with the seat's cache (`claimAgentCache`).
 * The backend tells a report at every sign-in until the app confirms it kept it (by its `id`),
 * so an answer lost on the way loses nothing; a report told again adds only what it gained.
 */
import { agentKeyOf, workspaceValue, type StoredValue } from '@/services/storage'

/** The login answer's `signInFailures` (server/src/db/signInFailures.ts). */
export interface SignInFailures {
  failures: number
  /** Epoch ms of the last failed attempt; null when none. */
  lastFailureAt: number | null
  /** Failed attempts filled a limit of the username meanwhile, which held it. */
  locked: boolean
  /** Which report (the same until the app confirms it); absent from backends before it was added. */
  id?: string
}

/** The last report kept into the notice, as it was told: told again, only what it gained is new. */
export interface ToldReport {
  id: string
  failures: number
  locked: boolean
}

export interface SignInNotice extends SignInFailures {
  /** When the sign-in that was told it happened (epoch ms). */
  reportedAt: number
  dismissed: boolean
  told?: ToldReport
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
    typeof v.locked === 'boolean' &&
    (v.id === undefined || isReportId(v.id))
  )
}

function isReportId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9]{1,18}$/.test(value)
}

function isToldReport(value: unknown): value is ToldReport {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return isReportId(v.id) && typeof v.failures === 'number' && Number.isSafeInteger(v.failures) && v.failures >= 0 && typeof v.locked === 'boolean'
}

function isSignInNotice(value: unknown): value is SignInNotice | null {
  if (value === null) return true
  if (!isSignInFailures(value)) return false
  const v = value as unknown as Record<string, unknown>
  return typeof v.reportedAt === 'number' && Number.isFinite(v.reportedAt) && typeof v.dismissed === 'boolean' && (v.told === undefined || isToldReport(v.told))
}

export function signInNoticeStorage(userId: string): StoredValue<SignInNotice | null> {
  return workspaceValue<SignInNotice | null>(agentKeyOf(userId), 'signInNotice', { version: 1, fallback: () => null, validate: isSignInNotice })
}

/**
 * After a successful sign-in: keeps what the backend told, when there is something. A notice the
 * agent has not dismissed yet (an earlier sign-in's, perhaps on a phone closed before it showed)
 * is added to, not replaced: its attempts were never seen. The report kept last, told again (the
 * app's confirmation never arrived, or two tabs signed in at once), adds only what it gained
 * since. Nothing to tell changes nothing, so the notice of the sign-in before stays until
 * dismissed. False when storage refused it: then the backend must not be told it was kept.
 */
export function keepSignInFailures(userId: string, report: SignInFailures, now: number): boolean {
  if (!hasSignInFailures(report)) return true
  try {
    const storage = signInNoticeStorage(userId)
    const earlier = storage.load()
    const before = report.id !== undefined && earlier?.told?.id === report.id ? earlier.told : null
    const failures = Math.max(0, report.failures - (before?.failures ?? 0))
    const locked = report.locked && !before?.locked
    const told = report.id !== undefined ? { told: { id: report.id, failures: report.failures, locked: report.locked } } : {}
    if (earlier && failures === 0 && !locked) {
      // Nothing new; what was told is remembered, so a later telling is counted from it.
      if (report.id !== undefined) storage.save({ ...earlier, ...told })
      return true
    }
    const unseen = earlier && !earlier.dismissed ? earlier : null
    storage.save({
      failures: failures + (unseen?.failures ?? 0),
      lastFailureAt: failures > 0 ? latest(report.lastFailureAt, unseen?.lastFailureAt ?? null) : (unseen?.lastFailureAt ?? null),
      locked: locked || (unseen?.locked ?? false),
      reportedAt: now,
      dismissed: false,
      ...told,
    })
    return true
  } catch (e) {
    console.warn('[signInFailures] could not keep the notice', e instanceof Error ? e.message : e)
    return false
  }
}

function latest(a: number | null, b: number | null): number | null {
  if (a === null) return b
  if (b === null) return a
  return Math.max(a, b)
}
