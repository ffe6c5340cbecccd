/**
 * Callback reminders with the page's clock moved by Playwright (`page.clock`): the in-app banner
 * and the browser notification (a recording stand-in, permission granted) at the callback time,
 * "call now" dialing the customer with the remark, and after a restart the reminder rescheduled
 * from the records; "later" dismisses it for good.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, sim, signIn, simLog } from './harness'
import { addNumber, callsTo, closeCall, expectAttr, simReady, useStack } from './journey'

const { phone } = useStack()

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
})
