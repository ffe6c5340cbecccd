/**
 * Journey of the offline start: the app restarts while the backend is out of reach (a lift, a
 * basement). The agent's workspace opens from the phone's cache, calls are refused and the shell
 * says why; once the backend answers again the app registers and syncs by itself, no reload.
 */
import { describe, expect, it } from 'vitest'
import { AGENT1, byId, inputOf, simLog } from './harness'
import { addNumber, callsTo, closeCall, connectedCall, dialAndRing, expectAttr, expectText, listedNumbers, openDialPad, serverWorkspace, signedInPhone, simReady, useStack, zh, zhError } from './journey'

const { phone, stack } = useStack()

describe('an app start while the backend is out of reach', () => {
  it("opens the agent's cached workspace offline, refuses calls, and signs in fully once the backend answers", async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800138000', '张三')
    await connectedCall(page, '13800138000')
    await byId(page, 'call-hangup').click()
    await closeCall(page)
    await expectAttr(page, 'sync-status', 'data-state', 'synced')
    await expectAttr(page, 'sync-status', 'data-pending', '0')

    // The restart, with every backend request refused.
    await page.route('**/api/**', (route) => route.abort('connectionrefused'))
    await page.reload()
    await byId(page, 'session-offline').waitFor({ state: 'visible', timeout: 20_000 })
    await expectText(page, 'session-offline', zh('shell.banner.offline'))
    await expectText(page, 'agent-status', AGENT1.username)
    expect(await byId(page, 'login-submit').count()).toBe(0)
    await expectAttr(page, 'agent-state', 'data-state', 'offline')
    await expectAttr(page, 'connection-dot', 'data-state', 'offline')
    await byId(page, 'nav-numbers').click()
    await expect.poll(() => listedNumbers(page)).toEqual(['13800138000'])
    await simReady(page)
    expect(callsTo(await simLog(page), 'login')).toHaveLength(0)

    await byId(page, 'nav-history').click()
    await byId(page, 'history-item').first().waitFor({ state: 'visible' })
    expect(await byId(page, 'history-item').count()).toBe(1)
    expect(await byId(page, 'history-item').first().getAttribute('data-disposition')).toBe('interested')

    // A dial is refused, saying why; the SDK is not asked.
    await openDialPad(page)
    await inputOf(page, 'dial-input').fill('13900001111')
    await byId(page, 'dial-call').click()
    await expectText(page, 'call-error', zhError('TCCC_OFFLINE'))
    expect(callsTo(await simLog(page), 'call')).toHaveLength(0)
    await closeCall(page)

    // Work done offline waits in the outbox.
    await byId(page, 'nav-numbers').click()
    await addNumber(page, '13700007777', '王五')
    await expect.poll(() => listedNumbers(page)).toEqual(['13700007777', '13800138000'])
    await expect.poll(async () => Number(await byId(page, 'sync-status').getAttribute('data-pending'))).toBeGreaterThan(0)

    // The backend answers again: the retry registers the SDK and the outbox goes out.
    await page.unroute('**/api/**')
    await byId(page, 'session-offline').waitFor({ state: 'detached', timeout: 45_000 })
    expect(callsTo(await simLog(page), 'login')).toHaveLength(1)
    await expectAttr(page, 'sync-status', 'data-pending', '0', 20_000)
    await expect.poll(async () => (await serverWorkspace(stack(), AGENT1)).numbers.map((n) => String(n.data.number)).sort()).toEqual(['13700007777', '13800138000'])
    await dialAndRing(page, '13700007777')
  })

  it('signs out while offline, at once, to the login page', async () => {
    const page = await signedInPhone(phone)
    await page.route('**/api/**', (route) => route.abort('connectionrefused'))
    await page.reload()
    await byId(page, 'session-offline').waitFor({ state: 'visible', timeout: 20_000 })
    await byId(page, 'logout').click()
    await byId(page, 'login-submit').waitFor({ state: 'visible' })
    await expectText(page, 'login-notice', zh('login.reason.logged-out'))
    expect(await byId(page, 'login-retrying').count()).toBe(0)
    await page.unroute('**/api/**')
    await page.waitForTimeout(3_000)
    expect(await byId(page, 'agent-status').count()).toBe(0)
  })
})
