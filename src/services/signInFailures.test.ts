import { describe, expect, it, vi } from 'vitest'
import { storage } from '../../tests/setup/uni'
import { claimAgentCache } from './storage'
import { hasSignInFailures, isSignInFailures, keepSignInFailures, signInNoticeStorage } from './signInFailures'

const AGENT = 'agent1@example.com'
const T = Date.UTC(2026, 10, 21, 12, 0, 0)

describe('the sign-in failures kept on the phone', () => {
  it('keeps what a sign-in was told, per agent, until dismissed', () => {
    keepSignInFailures(AGENT, { failures: 2, lastFailureAt: T - 60_000, locked: false }, T)
    expect(signInNoticeStorage(AGENT).load()).toEqual({ failures: 2, lastFailureAt: T - 60_000, locked: false, reportedAt: T, dismissed: false })
    expect(storage.has('tccc.a.agent1%40example%2Ecom.signInNotice')).toBe(true)
    // Another agent of the phone has none.
    expect(signInNoticeStorage('agent2@example.com').load()).toBeNull()
  })

  it('nothing to tell changes nothing: the notice of the sign-in before stays', () => {
    keepSignInFailures(AGENT, { failures: 1, lastFailureAt: T, locked: false }, T)
    keepSignInFailures(AGENT, { failures: 0, lastFailureAt: null, locked: false }, T + 1000)
    expect(signInNoticeStorage(AGENT).load()).toMatchObject({ failures: 1, reportedAt: T, dismissed: false })
  })

  it('adds to a notice not dismissed yet, and starts anew after one was', () => {
    keepSignInFailures(AGENT, { failures: 2, lastFailureAt: T - 5000, locked: true }, T)
    keepSignInFailures(AGENT, { failures: 3, lastFailureAt: T + 5000, locked: false }, T + 10_000)
    expect(signInNoticeStorage(AGENT).load()).toEqual({ failures: 5, lastFailureAt: T + 5000, locked: true, reportedAt: T + 10_000, dismissed: false })
    // A lock told alone (no failed check) keeps the last failure's time.
    keepSignInFailures(AGENT, { failures: 0, lastFailureAt: null, locked: true }, T + 20_000)
    expect(signInNoticeStorage(AGENT).load()).toEqual({ failures: 5, lastFailureAt: T + 5000, locked: true, reportedAt: T + 20_000, dismissed: false })
    const stored = signInNoticeStorage(AGENT)
    stored.save({ ...stored.load()!, dismissed: true })
    keepSignInFailures(AGENT, { failures: 1, lastFailureAt: T + 30_000, locked: false }, T + 40_000)
    expect(stored.load()).toEqual({ failures: 1, lastFailureAt: T + 30_000, locked: false, reportedAt: T + 40_000, dismissed: false })
  })

  it('a report told again (its confirmation lost, or two tabs signing in at once) adds only what it gained', () => {
    const stored = signInNoticeStorage(AGENT)
    expect(keepSignInFailures(AGENT, { failures: 2, lastFailureAt: T - 5000, locked: false, id: '7' }, T)).toBe(true)
    expect(keepSignInFailures(AGENT, { failures: 2, lastFailureAt: T - 5000, locked: false, id: '7' }, T + 1000)).toBe(true)
    expect(stored.load()).toEqual({ failures: 2, lastFailureAt: T - 5000, locked: false, reportedAt: T, dismissed: false, told: { id: '7', failures: 2, locked: false } })
    // One more failure before the confirmation arrived: told with the same id, one is new.
    keepSignInFailures(AGENT, { failures: 3, lastFailureAt: T + 2000, locked: true, id: '7' }, T + 3000)
    expect(stored.load()).toEqual({ failures: 3, lastFailureAt: T + 2000, locked: true, reportedAt: T + 3000, dismissed: false, told: { id: '7', failures: 3, locked: true } })
    // Dismissed, then told the same again: not shown again.
    stored.save({ ...stored.load()!, dismissed: true })
    keepSignInFailures(AGENT, { failures: 3, lastFailureAt: T + 2000, locked: true, id: '7' }, T + 4000)
    expect(stored.load()).toMatchObject({ failures: 3, reportedAt: T + 3000, dismissed: true })
    // ... but what it gained since is.
    keepSignInFailures(AGENT, { failures: 5, lastFailureAt: T + 4500, locked: true, id: '7' }, T + 5000)
    expect(stored.load()).toEqual({ failures: 2, lastFailureAt: T + 4500, locked: false, reportedAt: T + 5000, dismissed: false, told: { id: '7', failures: 5, locked: true } })
    // Another report counts whole.
    keepSignInFailures(AGENT, { failures: 1, lastFailureAt: T + 6000, locked: false, id: '8' }, T + 7000)
    expect(stored.load()).toMatchObject({ failures: 3, lastFailureAt: T + 6000, told: { id: '8', failures: 1 } })
  })

  it("goes with the seat's cache when the seat passes to another agent", () => {
    claimAgentCache('agent1%40example%2Ecom', 'workspace-a')
    keepSignInFailures(AGENT, { failures: 2, lastFailureAt: T, locked: false }, T)
    claimAgentCache('agent1%40example%2Ecom', 'workspace-b')
    expect(signInNoticeStorage(AGENT).load()).toBeNull()
  })

  it('storage that refuses the write loses only the notice', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    vi.mocked(uni.setStorageSync).mockImplementationOnce(() => {
      throw new Error('setStorage:fail exceed storage max size')
    })
    // False: the backend is not told it was kept, so the next sign-in is told it again.
    expect(keepSignInFailures(AGENT, { failures: 2, lastFailureAt: T, locked: false, id: '7' }, T)).toBe(false)
    expect(warn).toHaveBeenCalled()
    expect(signInNoticeStorage(AGENT).load()).toBeNull()
  })

  it('reads a stored notice of the wrong shape as none', () => {
    storage.set('tccc.a.agent1%40example%2Ecom.signInNotice', JSON.stringify({ v: 1, data: { failures: 'two', lastFailureAt: T, locked: false, reportedAt: T, dismissed: false } }))
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(signInNoticeStorage(AGENT).load()).toBeNull()
  })

  it('a report is something to tell when attempts failed or the username was held', () => {
    expect(hasSignInFailures({ failures: 0, lastFailureAt: null, locked: false })).toBe(false)
    expect(hasSignInFailures({ failures: 1, lastFailureAt: T, locked: false })).toBe(true)
    expect(hasSignInFailures({ failures: 0, lastFailureAt: null, locked: true })).toBe(true)
    expect(isSignInFailures({ failures: 0, lastFailureAt: null, locked: false })).toBe(true)
    expect(isSignInFailures({ failures: -1, lastFailureAt: null, locked: false })).toBe(false)
    expect(isSignInFailures({ failures: 1, lastFailureAt: Number.POSITIVE_INFINITY, locked: false })).toBe(false)
    expect(isSignInFailures({ failures: 1, lastFailureAt: T, locked: false, id: '12' })).toBe(true)
    for (const id of [12, '', 'x1', '1'.repeat(19)]) expect(isSignInFailures({ failures: 1, lastFailureAt: T, locked: false, id })).toBe(false)
  })
})
