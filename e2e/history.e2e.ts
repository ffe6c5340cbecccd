/**
 * Journeys of the history page: search by number, remark and note; the which-calls and outcome
 * filters; the day headers; and saving an unknown caller to the list from the ended-call screen
 * and from a history row.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, inputOf, sim } from './harness'
import { addNumber, closeCall, expectAttr, signedInPhone, useStack, zh } from './journey'

const { phone } = useStack()

const historyNumbers = (page: Page): Promise<string[]> =>
  byId(page, 'history-item').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-number') ?? ''))

const localDay = (): string => {
  const d = new Date()
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

describe('history', () => {
  it('saves an unknown caller from the ended call and from history; searches and filters; groups by day', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800000031', '张伟')

    // An outbound call to a listed customer, wrapped up as a deal with a note.
    await page.locator('[data-testid="number-item"][data-number="13800000031"] [data-testid="number-call"]').click()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')
    await byId(page, 'call-hangup').click()
    await expectAttr(page, 'call-status', 'data-state', 'ended')
    expect(await byId(page, 'call-save-number').count()).toBe(0)
    await byId(page, 'wrapup-outcome-deal').click()
    await byId(page, 'wrapup-note').locator('textarea').fill('Wants the Pro plan')
    await byId(page, 'wrapup-save').click()
    await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
    await byId(page, 'call-close').click()

    // An unknown caller, answered: "save to the list" on the ended call, prefilled.
    await sim(page, 'incomingCall', { from: '13900000099' })
    await byId(page, 'incoming-answer').click()
    await expectAttr(page, 'call-status', 'data-state', 'active')
    await sim(page, 'remoteHangup')
    await expectAttr(page, 'call-status', 'data-state', 'ended')
    await byId(page, 'wrapup-outcome-interested').click()
    await byId(page, 'wrapup-save').click()
    await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
    await byId(page, 'call-save-number').click()
    expect(await inputOf(page, 'number-form-number').inputValue()).toBe('13900000099')
    await inputOf(page, 'number-form-remark').fill('新客户')
    await byId(page, 'number-form-save').click()
    await byId(page, 'number-form-save').waitFor({ state: 'detached' })
    await byId(page, 'call-save-number').waitFor({ state: 'detached' })
    await closeCall(page)

    // A missed call from another unknown number.
    await sim(page, 'incomingCall', { from: '13700000077' })
    await byId(page, 'incoming-call').waitFor({ state: 'visible' })
    await sim(page, 'remoteHangup')
    await byId(page, 'incoming-call').waitFor({ state: 'detached' })

    await byId(page, 'nav-history').click()
    await expect.poll(() => historyNumbers(page)).toEqual(['13700000077', '13900000099', '13800000031'])
    await expectAttr(page, 'history-day', 'data-day', localDay())
    expect(await byId(page, 'history-day').count()).toBe(1)
    expect(await byId(page, 'history-day').innerText()).toContain(zh('history.today'))

    // Counts and filters.
    await expectAttr(page, 'history-filter-all', 'data-count', '3')
    await expectAttr(page, 'history-filter-in', 'data-count', '2')
    await expectAttr(page, 'history-filter-missed', 'data-count', '1')
    await byId(page, 'history-filter-missed').click()
    await expectAttr(page, 'history-filter-missed', 'data-selected', 'true')
    await expect.poll(() => historyNumbers(page)).toEqual(['13700000077'])
    await byId(page, 'history-filter-out').click()
    await expect.poll(() => historyNumbers(page)).toEqual(['13800000031'])
    await byId(page, 'history-filter-in').click()
    await expect.poll(() => historyNumbers(page)).toEqual(['13700000077', '13900000099'])
    await byId(page, 'history-filter-all').click()
    await byId(page, 'history-filter-outcome-deal').click()
    await expectAttr(page, 'history-filter-outcome-deal', 'data-selected', 'true')
    await expect.poll(() => historyNumbers(page)).toEqual(['13800000031'])
    await byId(page, 'history-filter-outcome-deal').click()
    await expect.poll(() => historyNumbers(page)).toHaveLength(3)

    // Search: note, remark (kept in the record), digits.
    await inputOf(page, 'history-search').fill('pro plan')
    await expect.poll(() => historyNumbers(page)).toEqual(['13800000031'])
    await inputOf(page, 'history-search').fill('张伟')
    await expect.poll(() => historyNumbers(page)).toEqual(['13800000031'])
    await inputOf(page, 'history-search').fill('0077')
    await expect.poll(() => historyNumbers(page)).toEqual(['13700000077'])
    await inputOf(page, 'history-search').fill('')
    await expect.poll(() => historyNumbers(page)).toHaveLength(3)

    // Only the missed caller is still unknown: save it from its row.
    const offered = page.locator('[data-testid="history-item"]:has([data-testid="history-save-number"])')
    await expect.poll(() => offered.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-number')))).toEqual(['13700000077'])
    await offered.locator('[data-testid="history-save-number"]').click()
    expect(await inputOf(page, 'number-form-number').inputValue()).toBe('13700000077')
    await byId(page, 'number-form-save').click()
    await byId(page, 'number-form-save').waitFor({ state: 'detached' })
    await expect.poll(() => byId(page, 'history-save-number').count()).toBe(0)

    await byId(page, 'nav-numbers').click()
    await expect.poll(() => byId(page, 'number-item').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-number')).sort())).toEqual(['13700000077', '13800000031', '13900000099'])
    await expect.poll(() => page.locator('[data-testid="number-item"][data-number="13900000099"]').innerText()).toContain('新客户')
  })
})
