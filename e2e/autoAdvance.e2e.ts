/**
 * Journeys of auto-advance (issue 9): the setting on the numbers page (kept across a reload),
 * save -> countdown with the next customer's name -> cancel, and save -> countdown -> the next
 * number in work order is dialled with its remark.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, sim, simLog } from './harness'
import { addNumber, callsTo, expectAttr, expectText, listedNumbers, signedInPhone, simReady, useStack, zh } from './journey'

const { phone } = useStack()

const row = (page: Page, number: string) => page.locator(`[data-testid="number-item"][data-number="${number}"]`)

/** Calls a listed number from its row, lets the far end answer, hangs up, and picks `deal`. */
async function talkAndChooseDeal(page: Page, number: string): Promise<void> {
  await row(page, number).locator('[data-testid="number-call"]').click()
  await expectAttr(page, 'call-status', 'data-state', 'ringing')
  await sim(page, 'answerOutbound')
  await expectAttr(page, 'call-status', 'data-state', 'active')
  await byId(page, 'call-hangup').click()
  await expectAttr(page, 'call-status', 'data-state', 'ended')
  await byId(page, 'wrapup-outcome-deal').click()
}

describe('auto-advance', () => {
  it('save -> countdown with the next name -> one tap cancels; save -> countdown -> dials the next in work order', async () => {
    const page = await signedInPhone(phone)
    const people: Array<[string, string]> = [
      ['13800000031', '客户甲'],
      ['13800000032', '客户乙'],
      ['13800000033', '客户丙'],
    ]
    for (const [number, remark] of people) await addNumber(page, number, remark)
    const remarkOf = new Map(people)
    const order = await listedNumbers(page)

    await expectText(page, 'autoadvance-toggle', zh('autoAdvance.toggle'))
    await expectAttr(page, 'autoadvance-toggle', 'data-checked', 'false')
    await byId(page, 'autoadvance-toggle').click()
    await expectAttr(page, 'autoadvance-toggle', 'data-checked', 'true')
    // The setting is the agent's and survives a reload.
    await page.reload()
    await simReady(page)
    await expectAttr(page, 'autoadvance-toggle', 'data-checked', 'true')

    // Save -> countdown naming the next customer -> cancel: nothing is dialled.
    await talkAndChooseDeal(page, order[0])
    await byId(page, 'wrapup-save').click()
    await byId(page, 'autoadvance-countdown').waitFor({ state: 'visible' })
    expect(Number(await byId(page, 'autoadvance-countdown').getAttribute('data-seconds'))).toBeGreaterThanOrEqual(4)
    await expectAttr(page, 'autoadvance-countdown', 'data-number', order[1])
    await expectText(page, 'autoadvance-countdown', remarkOf.get(order[1]) as string)
    await byId(page, 'autoadvance-cancel').click()
    await byId(page, 'autoadvance-countdown').waitFor({ state: 'detached' })
    await page.waitForTimeout(5_500)
    expect(callsTo(await simLog(page), 'call')).toHaveLength(1)
    await expectAttr(page, 'call-status', 'data-state', 'ended')

    // Save -> countdown runs out -> the next number is dialled with its remark.
    await byId(page, 'call-close').click()
    await byId(page, 'nav-numbers').click()
    await talkAndChooseDeal(page, order[1])
    await byId(page, 'wrapup-save').click()
    await expectAttr(page, 'autoadvance-countdown', 'data-number', order[2])
    await expect.poll(() => byId(page, 'autoadvance-countdown').getAttribute('data-seconds', { timeout: 1_000 }).catch(() => null), { timeout: 5_000 }).toBe('3')
    await expectAttr(page, 'call-status', 'data-state', 'ringing', 8_000)
    await expectText(page, 'call-peer', remarkOf.get(order[2]) as string)
    expect(callsTo(await simLog(page), 'call').map((c) => c.args[0])).toEqual([
      { to: order[0], remark: remarkOf.get(order[0]) },
      { to: order[1], remark: remarkOf.get(order[1]) },
      { to: order[2], remark: remarkOf.get(order[2]) },
    ])
    expect(await byId(page, 'autoadvance-countdown').count()).toBe(0)
  })

  it('an incoming call stops the countdown; nothing is dialled over it', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800000041', '甲')
    await addNumber(page, '13800000042', '乙')
    const order = await listedNumbers(page)
    await byId(page, 'autoadvance-toggle').click()
    await talkAndChooseDeal(page, order[0])
    await byId(page, 'wrapup-save').click()
    await byId(page, 'autoadvance-countdown').waitFor({ state: 'visible' })
    await sim(page, 'incomingCall', { from: '13900000077' })
    await byId(page, 'incoming-call').waitFor({ state: 'visible' })
    await byId(page, 'autoadvance-countdown').waitFor({ state: 'detached' })
    await page.waitForTimeout(5_500)
    expect(callsTo(await simLog(page), 'call')).toHaveLength(1)
    await expectAttr(page, 'call-status', 'data-state', 'incoming')
  })

  it('a wrap-up reopened from history during the countdown stops it: nothing is dialled under the sheet, whose page behind is inert', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800000051', '甲')
    await addNumber(page, '13800000052', '乙')
    const order = await listedNumbers(page)
    await byId(page, 'autoadvance-toggle').click()
    await talkAndChooseDeal(page, order[0])
    await byId(page, 'wrapup-save').click()
    await byId(page, 'autoadvance-countdown').waitFor({ state: 'visible' })
    await byId(page, 'nav-history').click()
    await byId(page, 'history-wrapup').first().click()
    await expectAttr(page, 'wrapup-sheet', 'data-correction', 'true')
    // Was: the countdown drawn over the sheet but inert (a tap on its cancel reached the sheet
    // under it), dialling the next customer from under the correction.
    await byId(page, 'autoadvance-countdown').waitFor({ state: 'detached' })
    await page.waitForTimeout(5_500)
    expect(callsTo(await simLog(page), 'call')).toHaveLength(1)
    await expectAttr(page, 'wrapup-sheet', 'data-correction', 'true')
    expect(await byId(page, 'nav-numbers').evaluate((el) => el.closest('[inert]') !== null)).toBe(true)
  })
})
