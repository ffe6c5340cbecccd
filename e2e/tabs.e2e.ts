/**
 * Journey of two tabs of one browser (one context: one storage) signed in as the same agent.
 * TCCC keeps one registration per seat, so only one tab registers; the other says "active in
 * another tab" with "use here", which moves the registration both ways, is refused while the
 * holding tab has a call, and survives reloads. Each tab runs its own simulated TCCC, so a tab's
 * `__tcccSim.log()` shows whether that tab logged in.
 */
import { describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { AGENT1, byId, sim, signIn, simLog } from './harness'
import { callsTo, closeCall, connectedCall, expectAttr, expectText, signedInPhone, simReady, useStack, zh, zhError } from './journey'

const { phone, stack } = useStack()

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

async function standsBy(page: Page): Promise<void> {
  await byId(page, 'tab-elsewhere').waitFor({ state: 'visible', timeout: 20_000 })
  await expectText(page, 'tab-elsewhere', zh('shell.elsewhere.title'))
  await expectText(page, 'agent-status', AGENT1.username)
  expect(await byId(page, 'login-submit').count()).toBe(0)
}

async function registeredHere(page: Page): Promise<void> {
  await byId(page, 'tab-elsewhere').waitFor({ state: 'detached', timeout: 20_000 })
  await byId(page, 'nav-numbers').waitFor({ state: 'visible', timeout: 20_000 })
  await expectAttr(page, 'connection-dot', 'data-state', 'online', 20_000)
}

describe('two tabs of one agent in one browser', () => {
  it('registers only one; "use here" moves the registration both ways, never signing out', async () => {
    const first = await signedInPhone(phone)
    const second = await secondTab(first)
    await standsBy(second)
    expect(await logins(first)).toBe(1)
    expect(await logins(second)).toBe(0)

    // "Use here" in the second tab: the first logs out of TCCC and stands by, with its own button.
    await byId(second, 'tab-use-here').click()
    await registeredHere(second)
    await standsBy(first)
    expect(await logouts(first)).toBe(1)
    expect(await logins(second)).toBe(1)
    // Not the login page, not a sign-out: no kick, no reason.
    expect(await byId(first, 'login-notice').count()).toBe(0)

    // And back.
    await byId(first, 'tab-use-here').click()
    await registeredHere(first)
    await standsBy(second)
    expect(await logins(first)).toBe(2)
    expect(await logouts(second)).toBe(1)
  })

  it('refuses "use here" while the holding tab is on a call, and the call goes on; after it, the move works', async () => {
    const first = await signedInPhone(phone)
    const second = await secondTab(first)
    await standsBy(second)
    await connectedCall(first, '13800138000')

    await byId(second, 'tab-use-here').click()
    await expectText(second, 'tab-elsewhere-error', zhError('TAB_IN_CALL'))
    await expectAttr(first, 'call-status', 'data-state', 'active')
    expect(await logouts(first)).toBe(0)
    expect(await logins(second)).toBe(0)

    await byId(first, 'call-hangup').click()
    await closeCall(first)
    await byId(second, 'tab-use-here').click()
    await registeredHere(second)
    await standsBy(first)
  })

  it('keeps each state across a reload of either tab', async () => {
    const first = await signedInPhone(phone)
    const second = await secondTab(first)
    await standsBy(second)

    await second.reload()
    await simReady(second)
    await standsBy(second)
    expect(await logins(second)).toBe(0)

    await first.reload()
    await simReady(first)
    await registeredHere(first)
    expect(await logins(first)).toBe(1)
    await standsBy(second)
  })

  it('after the holding tab is closed, the other takes over on "use here"', async () => {
    const first = await signedInPhone(phone)
    const second = await secondTab(first)
    await standsBy(second)
    await first.close()
    await expectAttr(second, 'tab-elsewhere', 'data-left', 'true')
    await byId(second, 'tab-use-here').click()
    await registeredHere(second)
    expect(await logins(second)).toBe(1)
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
    await standsBy(second)
    expect(await logins(second)).toBe(0)
    await byId(second, 'tab-use-here').click()
    await registeredHere(second)
    await standsBy(first)
    expect(await logouts(first)).toBe(1)
  })

  it('a kick from another browser or device still signs the holding tab out as before; the other tab stands by', async () => {
    const first = await signedInPhone(phone)
    const second = await secondTab(first)
    await standsBy(second)
    await sim(first, 'kick')
    await expectText(first, 'login-error', zhError('KICKED'))
    await byId(second, 'tab-elsewhere').waitFor({ state: 'visible' })
    expect(await logins(second)).toBe(0)
  })
})
