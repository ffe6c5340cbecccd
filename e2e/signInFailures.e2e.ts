/**
 * Journeys of the failed sign-ins told to the agent: two wrong passwords, then the right one on
 * the same phone; the shell says how many and when the last was, until dismissed (a reload keeps
 * it until then, never after), the account panel shows it again, a sign-in whose answer was
 * lost loses nothing, and another agent of the phone never sees it. Against the real backend,
 * which counts the failures (server/src/db/signInFailures.ts).
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { AGENT1, AGENT2, byId, inputOf, signIn } from './harness'
import { expectAttr, expectText, simReady, useStack, zh, zhError } from './journey'

const { phone } = useStack()

/** A wrong password, sent and answered (the backend counted it) before the next try. */
async function wrongPassword(page: Page, username: string, password: string): Promise<void> {
  await inputOf(page, 'login-username').fill(username)
  await inputOf(page, 'login-password').fill(password)
  const answered = page.waitForResponse((res) => res.url().endsWith('/api/auth/login'))
  await byId(page, 'login-submit').click()
  expect((await answered).status()).toBe(401)
  await expectText(page, 'login-error', zhError('BAD_CREDENTIALS'))
  await expect.poll(() => byId(page, 'login-submit').isEnabled()).toBe(true)
}

/** As the shell words a time this year: `MM-DD HH:mm`, the phone's local time (the journey's machine). */
function shownTime(ts: number): string {
  const d = new Date(ts)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

describe('failed sign-ins at the account', () => {
  it('wrong twice then right: the notice says 2 and when; a reload keeps it until dismissed, never after', async () => {
    const page = await phone()
    const before = Date.now()
    await wrongPassword(page, AGENT1.username, 'not-it-1')
    await wrongPassword(page, AGENT1.username, 'not-it-2')
    await inputOf(page, 'login-password').fill(AGENT1.password)
    await byId(page, 'login-submit').click()
    await byId(page, 'agent-status').first().waitFor({ state: 'visible', timeout: 20_000 })
    await simReady(page)

    await expectAttr(page, 'signin-failures', 'data-count', '2')
    await expectAttr(page, 'signin-failures', 'data-locked', 'false')
    const at = Number(await byId(page, 'signin-failures').getAttribute('data-at'))
    expect(at).toBeGreaterThanOrEqual(before - 1_000)
    expect(at).toBeLessThanOrEqual(Date.now())
    await expectText(page, 'signin-failures', zh('notices.signInFailures', { n: 2, when: shownTime(at) }))
    await expectText(page, 'signin-failures', zh('notices.signInFailuresHint'))

    // An app restart before it is dismissed: the silent sign-in shows it again (on any page).
    await page.reload()
    await byId(page, 'agent-status').first().waitFor({ state: 'visible', timeout: 20_000 })
    await expectAttr(page, 'signin-failures', 'data-count', '2')
    await byId(page, 'nav-history').click()
    await byId(page, 'history-empty').waitFor({ state: 'visible' })
    await expectAttr(page, 'signin-failures', 'data-count', '2')

    await byId(page, 'signin-failures-dismiss').click()
    await byId(page, 'signin-failures').waitFor({ state: 'detached' })
    await page.reload()
    await byId(page, 'agent-status').first().waitFor({ state: 'visible', timeout: 20_000 })
    await simReady(page)
    // Give a notice that would come back the time to: the workspace is open, the page settled.
    await byId(page, 'history-empty').waitFor({ state: 'visible' })
    expect(await byId(page, 'signin-failures').count()).toBe(0)

    // The last one is there to read again: a tap on who is signed in.
    await byId(page, 'shell-account').click()
    await expectAttr(page, 'signin-failures-last', 'data-count', '2')
    await expectText(page, 'signin-failures-last', zh('notices.signInFailures', { n: 2, when: shownTime(at) }))
    await byId(page, 'shell-account').click()
    await byId(page, 'shell-account-panel').waitFor({ state: 'detached' })
  })

  it('a sign-in whose answer never arrived loses nothing: the next one shows it, and once confirmed it does not come back', async () => {
    const page = await phone()
    await wrongPassword(page, AGENT1.username, 'not-it')
    // The backend signs the agent in and tells the report, but the answer is lost on the way.
    const signedIn: number[] = []
    await page.route('**/api/auth/login', async (route) => {
      signedIn.push((await route.fetch()).status())
      await route.abort('connectionreset')
    })
    await inputOf(page, 'login-password').fill(AGENT1.password)
    await byId(page, 'login-submit').click()
    await expectText(page, 'login-error', zhError('BACKEND_UNREACHABLE'))
    expect(signedIn).toEqual([200])
    await page.unroute('**/api/auth/login')

    const confirmed = page.waitForResponse((res) => res.url().endsWith('/api/auth/sign-in-failures/ack'))
    await inputOf(page, 'login-password').fill(AGENT1.password)
    await byId(page, 'login-submit').click()
    await expectAttr(page, 'signin-failures', 'data-count', '1', 20_000)
    expect((await confirmed).status()).toBe(204)
    await byId(page, 'signin-failures-dismiss').click()
    await byId(page, 'signin-failures').waitFor({ state: 'detached' })

    // Confirmed: the sign-in after is told nothing, and the dismissed notice stays dismissed.
    await byId(page, 'logout').click()
    await byId(page, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
    const told = page.waitForResponse((res) => res.url().endsWith('/api/auth/login'))
    await signIn(page, AGENT1)
    expect(((await (await told).json()) as { signInFailures: { failures: number } }).signInFailures.failures).toBe(0)
    await simReady(page)
    await byId(page, 'numbers-add').waitFor({ state: 'visible' })
    expect(await byId(page, 'signin-failures').count()).toBe(0)
  })

  it('another agent of the same phone never sees it; the agent does again after signing back in', async () => {
    const page = await phone()
    await wrongPassword(page, AGENT1.username, 'not-it')
    await inputOf(page, 'login-password').fill(AGENT1.password)
    await byId(page, 'login-submit').click()
    await expectAttr(page, 'signin-failures', 'data-count', '1', 20_000)

    // Signed out without dismissing it; the next agent on this phone.
    await byId(page, 'logout').click()
    await byId(page, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
    await signIn(page, AGENT2)
    await simReady(page)
    await byId(page, 'numbers-add').waitFor({ state: 'visible' })
    expect(await byId(page, 'signin-failures').count()).toBe(0)
    await byId(page, 'shell-account').click()
    await expectText(page, 'signin-failures-none', zh('shell.account.none'))

    await byId(page, 'logout').click()
    await byId(page, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
    await signIn(page, AGENT1)
    // Nothing new to tell: the notice not dismissed is still there.
    await expectAttr(page, 'signin-failures', 'data-count', '1', 20_000)
  })
})
