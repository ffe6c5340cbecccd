/**
 * Journey of two tabs of one browser (one context: one storage) signed in as the same agent.
 * TCCC keeps one registration per seat, so only one tab registers: the newest tab takes it (the
 * other logs out of TCCC and stands by), unless the holder has a call. Standing by, a tab keeps
 * the page, the navigation, sign-out and the agent's workspace under an "active in another tab"
 * banner with "use here"; only calls are refused. A sign-out in either tab signs out both (asking
 * first when the holder is on a call); a kick of the holder signs out both. When the holder is
 * closed, a standing-by tab takes over by itself after the wait for a reload. Each tab runs its
 * own simulated TCCC, so a tab's `__tcccSim.log()` shows whether that tab logged in.
 */
import { describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { AGENT1, byId, inputOf, sim, signIn, simLog } from './harness'
import { addNumber, callsTo, closeCall, connectedCall, expectAttr, expectText, openDialPad, signedInPhone, simReady, useStack, zh, zhError } from './journey'

const { phone, stack } = useStack()

/** TAKEOVER_GRACE_MS (src/services/tabRegistration.ts): the wait for a reload before a take-over. */
const GRACE_MS = 5_000

/** A second tab in the same browser context as `page` (same localStorage, same stored session). */
async function secondTab(page: Page): Promise<Page> {
  return tabIn(page.context())
}

async function tabIn(context: BrowserContext): Promise<Page> {
  const tab = await context.newPage()
  tab.on('pageerror', (err) => console.error('[page error]', err.message))
  await tab.goto(stack().baseUrl)
  await simReady(tab)
  return tab
}

const logins = async (page: Page): Promise<number> => callsTo(await simLog(page), 'login').length
const logouts = async (page: Page): Promise<number> => callsTo(await simLog(page), 'logout').length

/** The banner over a usable page: the agent, the navigation, sign-out and the list are there. */
async function standsBy(page: Page): Promise<void> {
  await byId(page, 'tab-elsewhere').waitFor({ state: 'visible', timeout: 20_000 })
  await expectText(page, 'tab-elsewhere', zh('shell.elsewhere.title'))
  await expectText(page, 'agent-status', AGENT1.username)
  for (const id of ['logout', 'nav-numbers', 'nav-dial', 'nav-history', 'sync-status']) expect(await byId(page, id).count(), id).toBe(1)
  expect(await byId(page, 'login-submit').count()).toBe(0)
}

async function registeredHere(page: Page): Promise<void> {
  await byId(page, 'tab-elsewhere').waitFor({ state: 'detached', timeout: 20_000 })
  await byId(page, 'nav-numbers').waitFor({ state: 'visible', timeout: 20_000 })
  await expectAttr(page, 'connection-dot', 'data-state', 'online', 20_000)
}

/** Three tabs: the newest (third) holds, the first two stand by for it. */
async function twoStandingBy(): Promise<{ first: Page; second: Page; third: Page }> {
  const first = await signedInPhone(phone)
  const second = await secondTab(first)
  await registeredHere(second)
  const third = await secondTab(first)
  await registeredHere(third)
  await standsBy(first)
  await standsBy(second)
  return { first, second, third }
}

/** A second tab holds the registration and is on a live call; the first stands by and knows it. */
async function holderOnCall(): Promise<{ first: Page; second: Page }> {
  const first = await signedInPhone(phone)
  const second = await secondTab(first)
  await registeredHere(second)
  await standsBy(first)
  await connectedCall(second, '13800138000')
  await expectAttr(first, 'tab-elsewhere', 'data-holder-call', 'true')
  return { first, second }
}

const row = (page: Page, number: string) => page.locator(`[data-testid="number-item"][data-number="${number}"]`)

describe('two tabs of one agent in one browser', () => {
  it('the newest tab takes the registration; the other stands by with its workspace usable; "use here" moves it back; a reload keeps the holder', async () => {
    const first = await signedInPhone(phone)
    await addNumber(first, '13800138001', 'Before')
    const second = await secondTab(first)
    await registeredHere(second)
    await standsBy(first)
    expect(await logins(first)).toBe(1)
    expect(await logouts(first)).toBe(1)
    expect(await logins(second)).toBe(1)
    // Not the login page, not a sign-out: no kick, no reason.
    expect(await byId(first, 'login-notice').count()).toBe(0)

    // Standing by, the list works from the shared workspace and syncs.
    await row(first, '13800138001').waitFor({ state: 'visible' })
    await addNumber(first, '13800138002', 'Standing by')
    await row(first, '13800138002').waitFor({ state: 'visible' })
    await expectAttr(first, 'sync-status', 'data-pending', '0', 20_000)
    // Only what needs TCCC is refused, saying how to get it back.
    await openDialPad(first)
    await inputOf(first, 'dial-input').fill('13900001111')
    await byId(first, 'dial-call').click()
    await expectText(first, 'call-error', zhError('TAB_ELSEWHERE'))
    expect(callsTo(await simLog(first), 'call')).toHaveLength(0)
    await closeCall(first)
    await byId(first, 'nav-history').click()
    await byId(first, 'tab-elsewhere').waitFor({ state: 'visible' })

    // The holder reloaded stays the holder (its tab id survives the reload) and has the new number;
    // the standing-by tab heard it leave but never takes over, not even after the wait.
    const reloadedAt = Date.now()
    await second.reload()
    await simReady(second)
    await registeredHere(second)
    await row(second, '13800138002').waitFor({ state: 'visible', timeout: 20_000 })
    expect(await logins(second)).toBe(1)
    await first.waitForTimeout(Math.max(0, reloadedAt + GRACE_MS + 2_000 - Date.now()))
    await standsBy(first)
    await expectAttr(first, 'tab-elsewhere', 'data-left', 'false')
    expect(await logins(first)).toBe(1)
    expect(await logins(second)).toBe(1)

    // "Use here" in the first tab: the second logs out of TCCC and stands by, with its own button.
    await byId(first, 'tab-use-here').click()
    await registeredHere(first)
    await standsBy(second)
    expect(await logins(first)).toBe(2)
    expect(await logouts(second)).toBe(1)
  })

  it('a tab opened while the holder is on a call stands by and says why, until the call ends; the call goes on; after it, "use here" works', async () => {
    const first = await signedInPhone(phone)
    await connectedCall(first, '13800138000')
    const second = await secondTab(first)
    await standsBy(second)
    await expectText(second, 'tab-elsewhere-error', zhError('TAB_IN_CALL'))
    await expectAttr(first, 'call-status', 'data-state', 'active')
    expect(await logouts(first)).toBe(0)
    expect(await logins(second)).toBe(0)

    await expectAttr(second, 'tab-elsewhere', 'data-holder-call', 'true')
    await byId(first, 'call-hangup').click()
    // Ended: the other tab is no longer said to be on a call.
    await expectAttr(second, 'tab-elsewhere', 'data-holder-call', 'false')
    await byId(second, 'tab-elsewhere-error').waitFor({ state: 'detached', timeout: 10_000 })
    await closeCall(first)
    await byId(second, 'tab-use-here').click()
    await registeredHere(second)
    await standsBy(first)
  })

  it('a sign-out in the standing-by tab signs the holder out too, at once, saying why', async () => {
    const first = await signedInPhone(phone)
    const second = await secondTab(first)
    await registeredHere(second)
    await standsBy(first)
    await byId(first, 'logout').click()
    await byId(first, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
    await byId(second, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
    await expectText(second, 'login-notice', zh('login.reason.other-tab'))
    expect(await logouts(second)).toBe(1)
  })

  it('a sign-out in the holding tab sends the standing-by tab to the login page', async () => {
    const first = await signedInPhone(phone)
    const second = await secondTab(first)
    await registeredHere(second)
    await standsBy(first)
    await byId(second, 'logout').click()
    await byId(first, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
    await expectText(first, 'login-notice', zh('login.reason.other-tab'))
  })

  it('after the holding tab is closed, the other takes over by itself once the wait for a reload is over, and calls reach it', async () => {
    const first = await signedInPhone(phone)
    const second = await secondTab(first)
    await registeredHere(second)
    await standsBy(first)
    const closedAt = Date.now()
    await second.close()
    await expectAttr(first, 'tab-elsewhere', 'data-left', 'true')
    await expectText(first, 'tab-elsewhere', zh('shell.elsewhere.left'))
    expect(await logins(first)).toBe(1)
    await registeredHere(first)
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 1_000)
    expect(await logins(first)).toBe(2)
    await sim(first, 'incomingCall', { from: '13900002222' })
    await byId(first, 'incoming-call').waitFor({ state: 'visible', timeout: 10_000 })
  })

  it('after the holding tab dies without a word (its renderer crashed: no page event, no "closed"), the other finds out by the lock the browser let go, says so, and takes over after the wait', async () => {
    const first = await signedInPhone(phone)
    expect(await first.evaluate(() => typeof navigator.locks?.request)).toBe('function')
    const second = await secondTab(first)
    await registeredHere(second)
    await standsBy(first)
    const cdp = await second.context().newCDPSession(second)
    const crashed = new Promise((resolve) => second.once('crash', resolve))
    const crashedAt = Date.now()
    // No answer comes back from a crashed renderer: not awaited.
    void cdp.send('Page.crash').catch(() => undefined)
    await crashed
    // The standing-by tab lives on (its own renderer).
    await expectText(first, 'agent-status', AGENT1.username)
    await expectAttr(first, 'tab-elsewhere', 'data-left', 'true', 15_000)
    await expectText(first, 'tab-elsewhere', zh('shell.elsewhere.left'))
    expect(await logins(first)).toBe(1)
    await registeredHere(first)
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(GRACE_MS - 1_000)
    expect(await logins(first)).toBe(2)
    await sim(first, 'incomingCall', { from: '13900002222' })
    await byId(first, 'incoming-call').waitFor({ state: 'visible', timeout: 10_000 })
  })

  it('"use here" in a tab standing by after the holder closed takes over at once, without the wait', async () => {
    const first = await signedInPhone(phone)
    const second = await secondTab(first)
    await registeredHere(second)
    await standsBy(first)
    await second.close()
    await expectAttr(first, 'tab-elsewhere', 'data-left', 'true')
    const tappedAt = Date.now()
    await byId(first, 'tab-use-here').click()
    await registeredHere(first)
    expect(Date.now() - tappedAt).toBeLessThan(GRACE_MS)
    expect(await logins(first)).toBe(2)
  })

  it('with two tabs standing by, exactly one takes over when the holder is closed; the other stands by for it', async () => {
    const { first, second, third } = await twoStandingBy()
    await third.close()
    const standing = [first, second]
    // Whichever has the lower tab id; the other hears its held and no longer says "closed".
    await expect.poll(async () => (await Promise.all(standing.map((page) => byId(page, 'tab-elsewhere').count()))).join(','), { timeout: 20_000 }).toMatch(/^(0,1|1,0)$/)
    await first.waitForTimeout(GRACE_MS)
    const banners = await Promise.all(standing.map((page) => byId(page, 'tab-elsewhere').count()))
    expect([...banners].sort()).toEqual([0, 1])
    const [taker, other] = banners[0] === 0 ? [first, second] : [second, first]
    await registeredHere(taker)
    await standsBy(other)
    await expectAttr(other, 'tab-elsewhere', 'data-left', 'false')
    // first: its sign-in, then the take-over if it took it; second: its start, then maybe the take-over.
    expect((await logins(first)) + (await logins(second))).toBe(3)
  })

  it('the tab that takes over and cannot register says why on the login page; the tab still standing by says the take-over failed and why, not that the other tab was closed', async () => {
    const { first, second, third } = await twoStandingBy()
    // Whichever is chosen, its TCCC login is refused (no seat configuration).
    for (const page of [first, second]) await sim(page, 'failNext', 'login', -10003)
    await third.close()
    const standing = [first, second]
    await expect.poll(async () => (await Promise.all(standing.map((page) => byId(page, 'login-submit').count()))).join(','), { timeout: 20_000 }).toMatch(/^(0,1|1,0)$/)
    const [failed, other] = (await byId(first, 'login-submit').count()) === 1 ? [first, second] : [second, first]
    await expectText(failed, 'login-error', zhError('ERR_HTTP_GETSIPINFO_ERROR'))
    await expectAttr(other, 'tab-elsewhere', 'data-left', 'true')
    await expectText(other, 'tab-holder-failed', zhError('ERR_HTTP_GETSIPINFO_ERROR'))
    expect(await byId(other, 'tab-elsewhere').innerText()).not.toContain(zh('shell.elsewhere.left'))
  })

  it("the holder's renewal fails (its TCCC login refused after the token expired): it goes to the login page saying why, and the standing-by tab hears it at once, says why, and takes over after the wait", async () => {
    const first = await signedInPhone(phone)
    const second = await secondTab(first)
    await registeredHere(second)
    await standsBy(first)
    await sim(second, 'expireToken')
    await sim(second, 'failNext', 'login', -10003)
    // The next action meets the expired token; the renewal's login is refused.
    await openDialPad(second)
    await inputOf(second, 'dial-input').fill('13800138000')
    await byId(second, 'dial-call').click()
    await byId(second, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
    await expectText(second, 'login-error', zhError('ERR_HTTP_GETSIPINFO_ERROR'))
    await expectText(first, 'tab-holder-failed', zhError('ERR_HTTP_GETSIPINFO_ERROR'))
    await registeredHere(first)
    expect(await logins(first)).toBe(2)
  })

  it('a tab opened after the holding tab was closed registers by itself', async () => {
    const first = await signedInPhone(phone)
    const context = first.context()
    await first.close()
    const next = await tabIn(context)
    await registeredHere(next)
    await expectText(next, 'agent-status', AGENT1.username)
    expect(await logins(next)).toBe(1)
  })

  it('works the same without a BroadcastChannel (the storage-event fallback)', async () => {
    const first = await phone()
    await first.context().addInitScript(() => {
      delete (window as unknown as { BroadcastChannel?: unknown }).BroadcastChannel
    })
    await first.reload()
    await signIn(first)
    await simReady(first)
    expect(await first.evaluate(() => typeof (window as unknown as { BroadcastChannel?: unknown }).BroadcastChannel)).toBe('undefined')
    const second = await secondTab(first)
    await registeredHere(second)
    await standsBy(first)
    expect(await logouts(first)).toBe(1)
    await byId(first, 'tab-use-here').click()
    await registeredHere(first)
    await standsBy(second)
    expect(await logouts(second)).toBe(1)
  })

  it("without a BroadcastChannel the take-over's messages get through too: a reload of the holder moves nothing, its call is known, once it is closed the other takes over after the wait, and a kick of the holder reaches the tab standing by", async () => {
    const first = await phone()
    await first.context().addInitScript(() => {
      delete (window as unknown as { BroadcastChannel?: unknown }).BroadcastChannel
    })
    await first.reload()
    await signIn(first)
    await simReady(first)
    const second = await secondTab(first)
    expect(await second.evaluate(() => typeof (window as unknown as { BroadcastChannel?: unknown }).BroadcastChannel)).toBe('undefined')
    await registeredHere(second)
    await standsBy(first)

    // left, then back: the reloaded holder keeps the registration, even past the wait.
    const reloadedAt = Date.now()
    await second.reload()
    await simReady(second)
    await registeredHere(second)
    await first.waitForTimeout(Math.max(0, reloadedAt + GRACE_MS + 2_000 - Date.now()))
    await standsBy(first)
    await expectAttr(first, 'tab-elsewhere', 'data-left', 'false')
    expect(await logins(first)).toBe(1)
    expect(await logins(second)).toBe(1)

    // call, live then ended.
    await connectedCall(second, '13800138000')
    await expectAttr(first, 'tab-elsewhere', 'data-holder-call', 'true')
    await byId(second, 'call-hangup').click()
    await expectAttr(first, 'tab-elsewhere', 'data-holder-call', 'false')

    // left for good: taken over by itself after the wait.
    const closedAt = Date.now()
    await second.close()
    await expectAttr(first, 'tab-elsewhere', 'data-left', 'true')
    await registeredHere(first)
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 1_000)
    expect(await logins(first)).toBe(2)

    // kicked: a newer tab holds, and its kick sends the standing-by tab to the login page.
    const third = await secondTab(first)
    await registeredHere(third)
    await standsBy(first)
    await sim(third, 'kick')
    await byId(first, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
    await expectText(first, 'login-error', zhError('KICKED'))
  })

  it('a kick from another browser or device signs the holding tab out as before, and the standing-by tab with it at once, saying the same', async () => {
    const first = await signedInPhone(phone)
    const second = await secondTab(first)
    await registeredHere(second)
    await standsBy(first)
    await sim(second, 'kick')
    await expectText(second, 'login-error', zhError('KICKED'))
    await byId(first, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
    await expectText(first, 'login-error', zhError('KICKED'))
    // Not registered there: no logout, and no take-over of the kicked seat.
    expect(await logins(first)).toBe(1)
    expect(await logouts(first)).toBe(1)
  })

  it("a sign-out in the standing-by tab while the holder is on a call asks first: 'stay' keeps the call, 'hang up and sign out' signs both out", async () => {
    const { first, second } = await holderOnCall()
    await byId(first, 'logout').click()
    await expectAttr(first, 'confirm-dialog', 'data-kind', 'logout-holder-call')
    await expectText(first, 'confirm-dialog', zh('notices.logoutHolderCall.message'))
    await byId(first, 'confirm-cancel').click()
    await byId(first, 'confirm-dialog').waitFor({ state: 'detached' })
    await standsBy(first)
    await expectAttr(second, 'call-status', 'data-state', 'active')

    await byId(first, 'logout').click()
    await byId(first, 'confirm-ok').click()
    await byId(first, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
    await byId(second, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
    await expectText(second, 'login-notice', zh('login.reason.other-tab'))
    expect(callsTo(await simLog(second), 'terminate')).toHaveLength(1)
  })

  it('a sign-out in the standing-by tab asks nothing once the call in the holding tab has ended', async () => {
    const { first, second } = await holderOnCall()
    await byId(second, 'call-hangup').click()
    await expectAttr(first, 'tab-elsewhere', 'data-holder-call', 'false')
    await byId(first, 'logout').click()
    await byId(first, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
    expect(await byId(first, 'confirm-dialog').count()).toBe(0)
    await byId(second, 'login-submit').waitFor({ state: 'visible', timeout: 20_000 })
  })
})
