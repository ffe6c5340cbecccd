/**
 * Edit and delete live in each number row's `uni-swipe-action-item` (issue 9, uni-ui): swiping a
 * row left reveals them, delete at the far edge away from call. The contract's plain clicks on
 * `number-edit` / `number-delete` (no swipe, no force) must still reach the form and the confirm
 * dialog, and must not leave the row half open. One row is open at a time; scrolling closes it.
 */
import { describe, expect, it } from 'vitest'
import type { BrowserContext, Locator, Page } from 'playwright-core'
import { byId, inputOf, signIn } from './harness'
import { addNumber, callsTo, simReady, signedInPhone, swipeRowOpen, useStack, waitForLog, zh } from './journey'

const { stack, phone } = useStack()

const row = (page: Page, number: string): Locator => page.locator(`[data-testid="number-item"][data-number="${number}"]`)

async function box(target: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await target.boundingBox()
  if (!b) throw new Error('not rendered')
  return b
}

/** Whether the row's delete button lies inside the phone's 390 px wide screen. */
async function deleteShown(page: Page, number: string): Promise<boolean> {
  const del = await box(row(page, number).locator('[data-testid="number-delete"]'))
  return del.x + del.width <= 390 + 0.5
}

/** A phone with a touch screen and a phone's user agent (uni-ui then swipes on touch events). */
async function touchPhone(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await stack().browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: 'zh-CN',
    deviceScaleFactor: 1,
    hasTouch: true,
    isMobile: true,
    userAgent: 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  })
  const page = await context.newPage()
  await page.goto(stack().baseUrl)
  await signIn(page)
  await simReady(page)
  return { context, page }
}

/** A finger dragged across the row's text by `dx` px (negative: to the left), in small steps. */
async function touchSwipe(page: Page, number: string, dx: number): Promise<void> {
  const b = await box(row(page, number))
  const x = b.x + b.width * 0.6
  const y = b.y + b.height / 2
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] })
  for (let step = 1; step <= 10; step++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x + (dx * step) / 10, y }] })
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
  await cdp.detach()
}

async function importLines(page: Page, lines: string[]): Promise<void> {
  await byId(page, 'numbers-import').click()
  await inputOf(page, 'import-text').fill(lines.join('\n'))
  await byId(page, 'import-submit').click()
  await byId(page, 'import-result').waitFor()
  await byId(page, 'import-close').click()
  await byId(page, 'import-text').waitFor({ state: 'detached' })
}

describe('swipe actions on number rows', () => {
  it('plain clicks on edit, delete and call work without a swipe, and leave the row closed', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800000071', '张伟')
    await addNumber(page, '13800000072', '李娜')
    const callAt = await box(row(page, '13800000071').locator('[data-testid="number-call"]'))
    // Hidden until swiped: edit and delete are off the right edge of the screen.
    expect(await deleteShown(page, '13800000071')).toBe(false)

    await row(page, '13800000071').locator('[data-testid="number-edit"]').click()
    expect(await inputOf(page, 'number-form-number').inputValue()).toBe('13800000071')
    await byId(page, 'number-form-cancel').click()
    await byId(page, 'number-form-save').waitFor({ state: 'detached' })
    expect(await deleteShown(page, '13800000071')).toBe(false)
    expect((await box(row(page, '13800000071').locator('[data-testid="number-call"]'))).x).toBeCloseTo(callAt.x, 0)

    await row(page, '13800000071').locator('[data-testid="number-delete"]').click()
    await expect.poll(() => byId(page, 'confirm-ok').count()).toBe(1)
    await byId(page, 'confirm-cancel').click()
    await expect.poll(() => byId(page, 'confirm-ok').count()).toBe(0)
    expect(await deleteShown(page, '13800000071')).toBe(false)

    await row(page, '13800000072').locator('[data-testid="number-delete"]').click()
    await byId(page, 'confirm-ok').click()
    await expect.poll(() => row(page, '13800000072').count()).toBe(0)
    expect(await deleteShown(page, '13800000071')).toBe(false)

    await row(page, '13800000071').locator('[data-testid="number-call"]').click()
    const log = await waitForLog(page, (entries) => callsTo(entries, 'call').length === 1)
    expect(JSON.stringify(callsTo(log, 'call')[0].args)).toContain('13800000071')
  })

  it('a finger swipe reveals edit and delete (delete at the far edge), one row at a time; tapping delete asks first', async () => {
    const { context, page } = await touchPhone()
    try {
      await importLines(page, ['13800000081,张伟', '13800000082,李娜', '13800000083,王芳'])
      await expect.poll(() => byId(page, 'number-item').count()).toBe(3)

      await touchSwipe(page, '13800000081', -220)
      await expect.poll(() => row(page, '13800000081').getAttribute('data-open')).toBe('true')
      await expect.poll(() => deleteShown(page, '13800000081')).toBe(true)
      const call = await box(row(page, '13800000081').locator('[data-testid="number-call"]'))
      const edit = await box(row(page, '13800000081').locator('[data-testid="number-edit"]'))
      const del = await box(row(page, '13800000081').locator('[data-testid="number-delete"]'))
      // call | edit | delete: the whole edit button between call and delete.
      expect(edit.x).toBeGreaterThanOrEqual(call.x + call.width)
      expect(del.x - (call.x + call.width)).toBeGreaterThanOrEqual(44)
      expect(Math.min(del.width, del.height, edit.width, edit.height)).toBeGreaterThanOrEqual(44)

      // Swiping another row closes the first.
      await touchSwipe(page, '13800000082', -220)
      await expect.poll(() => row(page, '13800000082').getAttribute('data-open')).toBe('true')
      await expect.poll(() => row(page, '13800000081').getAttribute('data-open')).toBe('false')
      await expect.poll(() => deleteShown(page, '13800000081')).toBe(false)

      // A short swipe back to the right closes it.
      await touchSwipe(page, '13800000082', 200)
      await expect.poll(() => row(page, '13800000082').getAttribute('data-open')).toBe('false')
      await expect.poll(() => deleteShown(page, '13800000082')).toBe(false)

      await touchSwipe(page, '13800000083', -220)
      await expect.poll(() => deleteShown(page, '13800000083')).toBe(true)
      await row(page, '13800000083').locator('[data-testid="number-delete"]').tap()
      await expect.poll(() => byId(page, 'confirm-ok').count()).toBe(1)
      expect(await page.locator('body').innerText()).toContain(zh('numbers.delete.message', { number: '13800000083', remark: '王芳' }))
      await byId(page, 'confirm-ok').tap()
      await expect.poll(() => row(page, '13800000083').count()).toBe(0)
      expect(await byId(page, 'number-item').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-open')))).toEqual(['false', 'false'])
    } finally {
      await context.close()
    }
  })

  it('a mouse drag opens a row too; scrolling the list closes it and a recycled row never shows it', async () => {
    const page = await signedInPhone(phone)
    const lines = Array.from({ length: 40 }, (_, i) => `138000001${String(i).padStart(2, '0')},客户${i}`)
    await importLines(page, lines)
    await expect.poll(() => byId(page, 'virtual-list').getAttribute('data-total')).toBe('40')
    const first = (await byId(page, 'number-item').first().getAttribute('data-number')) ?? ''

    await swipeRowOpen(page, first)
    await expect.poll(() => deleteShown(page, first)).toBe(true)

    // Scroll far down and back: the row's component is recycled for other numbers meanwhile.
    const scrollListTo = (top: number) =>
      byId(page, 'virtual-list').evaluate((root, to) => {
        const scroller = Array.from(root.querySelectorAll('*')).find((el) => el.scrollHeight > el.clientHeight + 10 && getComputedStyle(el).overflowY !== 'hidden')
        if (!scroller) throw new Error('no scroller')
        scroller.scrollTop = to
      }, top)
    await scrollListTo(1500)
    await expect.poll(() => row(page, first).count()).toBe(0)
    expect(await byId(page, 'number-item').evaluateAll((rows) => rows.filter((r) => r.getAttribute('data-open') === 'true').length)).toBe(0)
    await scrollListTo(0)
    await expect.poll(() => row(page, first).count()).toBe(1)
    expect(await row(page, first).getAttribute('data-open')).toBe('false')
    await expect.poll(() => deleteShown(page, first)).toBe(false)
  })
})
