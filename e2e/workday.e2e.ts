/**
 * Journeys of the field-sales day: the wrap-up after each call (every default outcome, the
 * note, a callback time, the required outcome), a half-filled wrap-up across a restart with an
 * incoming call arriving over it, and "save and call next" through a 5-number list.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, sim, simLog } from './harness'
import { addNumber, callsTo, expectAttr, expectText, listedNumbers, serverWorkspace, signedInPhone, simReady, useStack, zh } from './journey'

const { phone, stack } = useStack()

const row = (page: Page, number: string) => page.locator(`[data-testid="number-item"][data-number="${number}"]`)
const OUTCOMES = ['interested', 'not-interested', 'callback', 'wrong-number', 'no-answer', 'deal'] as const

/** Calls a listed number from its row, lets the far end answer, and hangs up. */
async function talkTo(page: Page, number: string): Promise<void> {
  await row(page, number).locator('[data-testid="number-call"]').click()
  await expectAttr(page, 'call-status', 'data-state', 'ringing')
  await sim(page, 'answerOutbound')
  await expectAttr(page, 'call-status', 'data-state', 'active')
  await byId(page, 'call-hangup').click()
  await expectAttr(page, 'call-status', 'data-state', 'ended')
}

async function typeNote(page: Page, text: string): Promise<void> {
  const field = byId(page, 'wrapup-note').locator('textarea')
  await field.fill(text)
}

describe('wrap-up', () => {
  it('records each default outcome with its note (and a callback time), shown in history', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800000001', '张伟')

    for (const code of OUTCOMES) {
      await talkTo(page, '13800000001')
      await byId(page, 'wrapup-sheet').waitFor({ state: 'visible' })
      await expectAttr(page, 'wrapup-sheet', 'data-required', 'true')
      if (code === 'interested') {
        // Required after a connected call: no outcome, no save.
        await byId(page, 'wrapup-save').click()
        await expectText(page, 'wrapup-error', zh('wrapup.error.OUTCOME_REQUIRED'))
        expect(await byId(page, 'wrapup-skip').count()).toBe(0)
      }
      await byId(page, `wrapup-outcome-${code}`).click()
      await expectAttr(page, `wrapup-outcome-${code}`, 'data-selected', 'true')
      expect(await byId(page, 'wrapup-outcome-deal').getAttribute('data-selected')).toBe(code === 'deal' ? 'true' : 'false')
      if (code === 'callback') {
        await byId(page, 'wrapup-save').click()
        await expectText(page, 'wrapup-error', zh('wrapup.error.CALLBACK_REQUIRED'))
        const before = Date.now()
        await byId(page, 'wrapup-callback-1h').click()
        const at = Number(await byId(page, 'wrapup-callback-at').getAttribute('data-at'))
        expect(at).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000)
        expect(at).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1_000)
        await byId(page, 'wrapup-callback-tomorrow').click()
        const tomorrow = new Date(Number(await byId(page, 'wrapup-callback-at').getAttribute('data-at')))
        expect([tomorrow.getHours(), tomorrow.getMinutes()]).toEqual([10, 0])
      }
      await typeNote(page, `note ${code}`)
      await expectText(page, 'wrapup-note-count', `${`note ${code}`.length}/500`)
      await byId(page, 'wrapup-save').click()
      await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
      await byId(page, 'call-close').click()
      await byId(page, 'nav-numbers').click()
    }

    await byId(page, 'nav-history').click()
    const items = byId(page, 'history-item')
    await expect.poll(() => items.count()).toBe(OUTCOMES.length)
    const dispositions = await items.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-disposition')))
    expect(dispositions).toEqual([...OUTCOMES].reverse())
    await expectText(page, 'history-note', 'note deal')
    expect(await byId(page, 'history-note').allInnerTexts()).toEqual([...OUTCOMES].reverse().map((c) => `note ${c}`))
  })

  it('a saved wrap-up is corrected from history: the row, the number\'s status and the server follow, across a reload', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800000003', '王芳')
    await talkTo(page, '13800000003')
    await byId(page, 'wrapup-outcome-not-interested').click()
    await typeNote(page, 'too expensive')
    await byId(page, 'wrapup-save').click()
    await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
    await byId(page, 'call-close').click()
    await byId(page, 'nav-numbers').click()
    await expectAttr(page, 'number-item', 'data-status', 'done')

    await byId(page, 'nav-history').click()
    await expectAttr(page, 'history-item', 'data-disposition', 'not-interested')
    await byId(page, 'history-wrapup').click()
    await expectAttr(page, 'wrapup-sheet', 'data-correction', 'true')
    await expectAttr(page, 'wrapup-outcome-not-interested', 'data-selected', 'true')
    expect(await byId(page, 'wrapup-note').locator('textarea').inputValue()).toBe('too expensive')
    expect(await byId(page, 'wrapup-save-next').count()).toBe(0)
    // Cancel changes nothing; the second time the agent means it.
    await byId(page, 'wrapup-outcome-deal').click()
    await byId(page, 'wrapup-skip').click()
    await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
    await expectAttr(page, 'history-item', 'data-disposition', 'not-interested')
    await byId(page, 'history-wrapup').click()
    await byId(page, 'wrapup-outcome-interested').click()
    await typeNote(page, 'asked for a quote after all')
    await byId(page, 'wrapup-save').click()
    await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
    await expectAttr(page, 'history-item', 'data-disposition', 'interested')
    await expectText(page, 'history-note', 'asked for a quote after all')

    await expectAttr(page, 'sync-status', 'data-state', 'synced', 20_000)
    await expect
      .poll(async () => (await serverWorkspace(stack())).calls.map((c) => [c.data.number, c.data.disposition, c.data.note]))
      .toEqual([['13800000003', 'interested', 'asked for a quote after all']])
    await page.reload()
    await simReady(page)
    await expectAttr(page, 'history-item', 'data-disposition', 'interested')
    await byId(page, 'nav-numbers').click()
    // Worked again: no longer done, so "call next" comes back to this customer.
    await expectAttr(page, 'number-item', 'data-status', 'in-progress')
  })

  it('stops the note at 500 characters while counting', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800000002', '李娜')
    await talkTo(page, '13800000002')
    await typeNote(page, '好'.repeat(520))
    await expectText(page, 'wrapup-note-count', '500/500')
    expect(await byId(page, 'wrapup-note').locator('textarea').inputValue()).toHaveLength(500)
  })

  it('is only offered after an unanswered call, never in the way of leaving it; opened, it can be skipped', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800000003', '王芳')
    await row(page, '13800000003').locator('[data-testid="number-call"]').click()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    await byId(page, 'call-hangup').click()
    await expectText(page, 'wrapup-offer', '记录与 王芳 的通话结果？')
    expect(await byId(page, 'wrapup-sheet').count()).toBe(0)
    // The ended call can be left and the next page reached with the offer standing.
    await byId(page, 'call-close').click({ timeout: 3_000 })
    await byId(page, 'nav-numbers').click({ timeout: 3_000 })
    await byId(page, 'wrapup-open').click()
    await expectAttr(page, 'wrapup-sheet', 'data-required', 'false')
    await byId(page, 'wrapup-skip').click()
    await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
    expect(await byId(page, 'wrapup-offer').count()).toBe(0)
    await byId(page, 'nav-history').click()
    await expectAttr(page, 'history-item', 'data-disposition', '')
  })

  it('an offered wrap-up left alone is passed over by the next call; one opened and recorded is saved', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800000004', '赵六')
    await addNumber(page, '13800000005', '钱七')
    for (const number of ['13800000004', '13800000005']) {
      await row(page, number).locator('[data-testid="number-call"]').click()
      await expectAttr(page, 'call-status', 'data-state', 'ringing')
      await byId(page, 'call-hangup').click()
      await byId(page, 'wrapup-offer').waitFor({ state: 'visible' })
      await byId(page, 'call-close').click()
      await byId(page, 'nav-numbers').click()
    }
    await expectText(page, 'wrapup-offer', '记录与 钱七 的通话结果？')
    await byId(page, 'wrapup-open').click()
    await byId(page, 'wrapup-outcome-no-answer').click()
    await byId(page, 'wrapup-save').click()
    await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
    // The first one's offer was passed over when the second call ended: nothing more to record.
    expect(await byId(page, 'wrapup-offer').count()).toBe(0)
    await byId(page, 'nav-history').click()
    await expect.poll(() => byId(page, 'history-item').evaluateAll((rows) => rows.map((el) => [el.getAttribute('data-number'), el.getAttribute('data-disposition')]))).toEqual([
      ['13800000005', 'no-answer'],
      ['13800000004', ''],
    ])
  })

  it('keeps a half-filled wrap-up across a restart, and an incoming call is never blocked by it', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800000004', '赵敏')
    await talkTo(page, '13800000004')
    await byId(page, 'wrapup-outcome-interested').click()
    await typeNote(page, 'half done')

    await page.reload()
    await simReady(page)
    await byId(page, 'wrapup-sheet').waitFor({ state: 'visible' })
    await expectAttr(page, 'wrapup-outcome-interested', 'data-selected', 'true')
    expect(await byId(page, 'wrapup-note').locator('textarea').inputValue()).toBe('half done')

    // A customer calls while the sheet is open: answering works at once.
    await sim(page, 'incomingCall', { from: '13900000009' })
    await byId(page, 'incoming-answer').click()
    await expectAttr(page, 'call-status', 'data-state', 'active')
    expect(await byId(page, 'wrapup-sheet').count()).toBe(0)
    await sim(page, 'remoteHangup')
    await expectAttr(page, 'call-status', 'data-state', 'ended')

    // The inbound call's wrap-up comes first; the half-filled one is still there after it.
    await byId(page, 'wrapup-sheet').waitFor({ state: 'visible' })
    await expectText(page, 'wrapup-sheet', '13900000009')
    await byId(page, 'wrapup-outcome-not-interested').click()
    await byId(page, 'wrapup-save').click()
    await expectText(page, 'wrapup-sheet', '赵敏')
    await expectAttr(page, 'wrapup-outcome-interested', 'data-selected', 'true')
    await byId(page, 'wrapup-save').click()
    await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })

    await byId(page, 'nav-history').click()
    await expect.poll(() => byId(page, 'history-item').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-disposition')))).toEqual(['not-interested', 'interested'])
  })
})

describe('working through the list', () => {
  it('"save and call next" dials a 5-number list in work order, each with its remark', async () => {
    const page = await signedInPhone(phone)
    const people: Array<[string, string]> = [
      ['13800000011', '客户一'],
      ['13800000012', '客户二'],
      ['13800000013', '客户三'],
      ['13800000014', '客户四'],
      ['13800000015', '客户五'],
    ]
    for (const [number, remark] of people) await addNumber(page, number, remark)
    const order = await listedNumbers(page)
    expect(order).toHaveLength(5)
    const remarkOf = new Map(people)

    await talkTo(page, order[0])
    for (let i = 1; i < order.length; i++) {
      await byId(page, 'wrapup-outcome-deal').click()
      await byId(page, 'wrapup-save-next').click()
      await expectAttr(page, 'call-status', 'data-state', 'ringing')
      await expectText(page, 'call-peer', remarkOf.get(order[i]) as string)
      await sim(page, 'answerOutbound')
      await expectAttr(page, 'call-status', 'data-state', 'active')
      await byId(page, 'call-hangup').click()
      await expectAttr(page, 'call-status', 'data-state', 'ended')
    }
    const calls = callsTo(await simLog(page), 'call').map((c) => c.args[0])
    expect(calls).toEqual(order.map((number) => ({ to: number, remark: remarkOf.get(number) })))
  })
})

describe('the numbers page over the day', () => {
  it('calls next in work order, and statuses, chip counts and today stats follow each call', async () => {
    const page = await signedInPhone(phone)
    for (const [number, remark] of [
      ['13800000021', '甲'],
      ['13800000022', '乙'],
      ['13800000023', '丙'],
    ] as const)
      await addNumber(page, number, remark)
    const order = await listedNumbers(page)
    await expectAttr(page, 'numbers-filter-new', 'data-count', '3')
    await expectAttr(page, 'numbers-filter-all', 'data-selected', 'true')
    await expectAttr(page, 'today-stats', 'data-calls', '0')

    // First in order: a deal.
    await byId(page, 'numbers-call-next').click()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    expect(callsTo(await simLog(page), 'call').at(-1)?.args[0]).toMatchObject({ to: order[0] })
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')
    await page.waitForTimeout(1_100)
    await byId(page, 'call-hangup').click()
    await byId(page, 'wrapup-outcome-deal').click()
    await byId(page, 'wrapup-save').click()
    await byId(page, 'call-close').click()
    await byId(page, 'nav-numbers').click()
    await expectAttr(page, 'today-stats', 'data-calls', '1')
    await expectAttr(page, 'today-stats', 'data-connected', '1')
    await expectAttr(page, 'today-stats', 'data-deals', '1')
    expect(Number(await byId(page, 'today-stats').getAttribute('data-talk-seconds'))).toBeGreaterThanOrEqual(1)
    await expect.poll(() => row(page, order[0]).getAttribute('data-status')).toBe('done')
    await expectAttr(page, 'numbers-filter-done', 'data-count', '1')
    await expectAttr(page, 'numbers-filter-new', 'data-count', '2')

    // Next: unanswered, wrap-up skipped -> in progress; the third stays new.
    await byId(page, 'numbers-call-next').click()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    expect(callsTo(await simLog(page), 'call').at(-1)?.args[0]).toMatchObject({ to: order[1] })
    await byId(page, 'call-hangup').click()
    await byId(page, 'wrapup-skip').click()
    await byId(page, 'call-close').click()
    await byId(page, 'nav-numbers').click()
    await expect.poll(() => row(page, order[1]).getAttribute('data-status')).toBe('in-progress')
    await expectAttr(page, 'today-stats', 'data-calls', '2')
    await expectAttr(page, 'today-stats', 'data-connected', '1')

    // The filter shows only the new one; call next now goes to it (new before in-progress).
    await byId(page, 'numbers-filter-new').click()
    await expectAttr(page, 'numbers-filter-new', 'data-selected', 'true')
    await expect.poll(() => listedNumbers(page)).toEqual([order[2]])
    await byId(page, 'numbers-call-next').click()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    expect(callsTo(await simLog(page), 'call').at(-1)?.args[0]).toMatchObject({ to: order[2] })
  })
})
