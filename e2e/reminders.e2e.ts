/**
 * Callback reminders with the page's clock moved by Playwright (`page.clock`): the in-app banner
 * and the browser notification (a recording stand-in, permission granted) at the callback time,
 * "call now" dialing the customer with the remark, and after a restart the reminder rescheduled
 * from the records; "later" dismisses it for good. Two phones of one agent: a reminder dismissed
 * on one (offline: it waits in the outbox) leaves the other's banner at that phone's next sync,
 * is never notified there again, and stays gone after its restart.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, sim, signIn, simLog } from './harness'
import { addNumber, callsTo, closeCall, expectAttr, listedNumbers, serverWorkspace, simReady, useStack } from './journey'

const { phone, stack } = useStack()

/** A Notification stand-in that records what the app shows (granted, as after the agent allowed it). */
function recordNotifications(): void {
  const shown: Array<{ title: string; body?: string }> = []
  class RecordingNotification {
    static permission = 'granted'
    static requestPermission = async () => 'granted'
    onclick: (() => void) | null = null
    constructor(title: string, options?: { body?: string }) {
      shown.push({ title, body: options?.body })
    }
    close(): void {}
  }
  ;(window as unknown as { Notification: unknown }).Notification = RecordingNotification
  ;(window as unknown as { __notifications: unknown }).__notifications = shown
}

const notifications = (page: Page) => page.evaluate(() => (window as unknown as { __notifications: Array<{ title: string; body?: string }> }).__notifications)

async function callbackInOneHour(page: Page, number: string): Promise<void> {
  await page.locator(`[data-testid="number-item"][data-number="${number}"] [data-testid="number-call"]`).click()
  await expectAttr(page, 'call-status', 'data-state', 'ringing')
  await sim(page, 'answerOutbound')
  await expectAttr(page, 'call-status', 'data-state', 'active')
  await byId(page, 'call-hangup').click()
  await byId(page, 'wrapup-outcome-callback').click()
  await byId(page, 'wrapup-callback-1h').click()
  await byId(page, 'wrapup-save').click()
  await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
  await byId(page, 'call-close').click()
}

/**
 * Reloads the app. The page's clock ran ahead of the backend's, so the stored sign-in may be
 * past its expiry on the phone: sign in again then (the agent's records stay on the phone).
 */
async function restart(page: Page): Promise<void> {
  await page.reload()
  const signedIn = byId(page, 'agent-status').first()
  const login = byId(page, 'login-username')
  await signedIn.or(login).first().waitFor({ state: 'visible', timeout: 20_000 })
  if (await login.isVisible()) await signIn(page)
  await simReady(page)
}

describe('callback reminders', () => {
  it('reminds at the time (banner + notification), dials on tap, and survives a restart', async () => {
    const page = await phone()
    await page.addInitScript(recordNotifications)
    await page.clock.install()
    await page.reload()
    await signIn(page)
    await simReady(page)
    await addNumber(page, '13800000041', '张伟')
    await addNumber(page, '13800000042', '李娜')

    await callbackInOneHour(page, '13800000041')
    await byId(page, 'nav-numbers').click()
    await page.clock.fastForward('59:00')
    expect(await byId(page, 'callback-reminder').count()).toBe(0)

    await page.clock.fastForward('01:30')
    await expectAttr(page, 'callback-reminder', 'data-number', '13800000041')
    expect(await byId(page, 'callback-reminder').innerText()).toContain('张伟')
    expect(await notifications(page)).toEqual([{ title: '回拨提醒', body: '回拨时间到：张伟' }])
    expect(await byId(page, 'callback-reminder-call').getAttribute('aria-label')).toBe('呼叫 张伟')

    await byId(page, 'callback-reminder-call').click()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    expect(callsTo(await simLog(page), 'call').at(-1)?.args[0]).toEqual({ to: '13800000041', remark: '张伟' })
    await byId(page, 'call-hangup').click()
    await closeCall(page)
    expect(await byId(page, 'callback-reminder').count()).toBe(0)

    // Back to the backend's time (the mock TCCC token is checked against the page's clock at
    // sign-in), then a second callback and a restart before it is due: rescheduled from the records.
    await page.clock.setSystemTime(Date.now())
    await byId(page, 'nav-numbers').click()
    await callbackInOneHour(page, '13800000042')
    await restart(page)
    await page.clock.fastForward('01:00:30')
    await expectAttr(page, 'callback-reminder', 'data-number', '13800000042')
    await byId(page, 'callback-reminder-dismiss').click()
    await byId(page, 'callback-reminder').waitFor({ state: 'detached' })

    // Dismissed stays dismissed (a second restart here would put the page's clock two hours
    // ahead of the backend's tokens; the store test covers handled reminders across a restart).
    await page.clock.fastForward('05:00')
    await byId(page, 'nav-history').click()
    expect(await byId(page, 'callback-reminder').count()).toBe(0)
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith('.reminders-handled')).length)).toBe(1)
  })

  it("a reminder dismissed on one phone (offline, sent later) leaves the agent's other phone's banner at its next sync, and stays gone there", async () => {
    const a = await phone()
    const b = await phone()
    for (const page of [a, b]) {
      await page.addInitScript(recordNotifications)
      await page.clock.install()
      await page.reload()
      await signIn(page)
      await simReady(page)
      await expectAttr(page, 'sync-status', 'data-state', 'synced', 20_000)
    }
    await addNumber(a, '13800000043', '周杰')
    await callbackInOneHour(a, '13800000043')
    await byId(a, 'nav-numbers').click()
    await expectAttr(a, 'sync-status', 'data-state', 'synced', 20_000)
    // Phone B pulls the number and the call with its callback (a tap on the sync line syncs now).
    await byId(b, 'sync-status').click()
    await expect.poll(() => listedNumbers(b), { timeout: 15_000 }).toContain('13800000043')

    await a.clock.fastForward('01:00:30')
    await b.clock.fastForward('01:00:30')
    for (const page of [a, b]) await expectAttr(page, 'callback-reminder', 'data-number', '13800000043')
    expect(await notifications(b)).toEqual([{ title: '回拨提醒', body: '回拨时间到：周杰' }])

    // Phone A dismisses it offline: it leaves A's banner at once and waits in A's outbox.
    await a.context().setOffline(true)
    await byId(a, 'callback-reminder-dismiss').click()
    await byId(a, 'callback-reminder').waitFor({ state: 'detached' })
    await expect.poll(() => byId(a, 'sync-status').getAttribute('data-pending')).toBe('1')
    const handledOnServer = async () => (await serverWorkspace(stack())).calls.map((c) => c.data.callbackHandled ?? null)
    expect(await handledOnServer()).toEqual([null])
    // B has not synced since: its banner still shows the reminder.
    expect(await byId(b, 'callback-reminder').getAttribute('data-number')).toBe('13800000043')

    await a.context().setOffline(false)
    await expectAttr(a, 'sync-status', 'data-state', 'synced', 20_000)
    const [call] = (await serverWorkspace(stack())).calls
    expect(call.data.callbackHandled).toBe(call.data.callbackAt)

    // B's next sync takes it off B's banner; no second notification, also after B restarts.
    await byId(b, 'sync-status').click()
    await byId(b, 'callback-reminder').waitFor({ state: 'detached', timeout: 15_000 })
    await b.clock.fastForward('05:00')
    expect(await byId(b, 'callback-reminder').count()).toBe(0)
    // Restarted at the backend's time (see the first journey), then on to the callback's time again.
    await b.clock.setSystemTime(Date.now())
    await restart(b)
    await expectAttr(b, 'sync-status', 'data-state', 'synced', 20_000)
    await b.clock.fastForward('01:00:30')
    expect(await byId(b, 'callback-reminder').count()).toBe(0)
    expect(await notifications(b)).toEqual([])
  })
})
