/**
 * A 360×640 Android phone in English (the longest labels): what an agent taps or reads is on
 * screen, above the bottom bar, and not cut off. Found by using the app at this size: the
 * header wrapped the title and laid the sync chip over it when offline, the ended call's "save
 * to the list" sat below the bottom bar, history rows cut the outcome ("Answered · Inter"), and
 * the wrap-up's "Save and call next" wrapped into a 96 px button, and with the keyboard up the
 * wrap-up's note box was squeezed to 0 px. And a phone held sideways (844×390) in a browser, where
 * the number list got 0 px under the controls above it.
 */
import { describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { byId, inputOf, signIn, sim } from './harness'
import { addNumber, connectedCall, expectAttr, simReady, useStack } from './journey'

const { stack } = useStack()
const WIDTH = 360
const HEIGHT = 640

interface Box {
  x: number
  y: number
  width: number
  height: number
}

async function box(target: Locator): Promise<Box> {
  const b = await target.boundingBox()
  if (!b) throw new Error('not rendered')
  return b
}

const overlaps = (a: Box, b: Box): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

/** The top of the bottom navigation bar: everything tappable ends above it. */
async function navTop(page: Page): Promise<number> {
  return (await box(byId(page, 'nav-numbers'))).y
}

/**
 * How the element is cut: 'ellipsis' (its own text overflows) or the ancestor that clips it
 * (an `overflow` other than visible whose box it leaves); '' when fully shown.
 */
function clipped(target: Locator): Promise<string> {
  return target.evaluate((el) => {
    if (el.scrollWidth > el.clientWidth + 1) return 'ellipsis'
    const r = el.getBoundingClientRect()
    for (let a = el.parentElement; a; a = a.parentElement) {
      const style = getComputedStyle(a)
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue
      const c = a.getBoundingClientRect()
      if (r.left < c.left - 1 || r.right > c.right + 1 || r.top < c.top - 1 || r.bottom > c.bottom + 1) return a.className || a.tagName
    }
    return ''
  })
}

async function smallPhone(width = WIDTH, height = HEIGHT): Promise<Page> {
  const context = await stack().browser.newContext({ viewport: { width, height }, locale: 'en-US', deviceScaleFactor: 1 })
  const page = await context.newPage()
  await page.goto(stack().baseUrl)
  await signIn(page)
  await simReady(page)
  return page
}

describe('a 360×640 phone in English', () => {
  it('keeps the header, the call screens, the wrap-up and history readable and on screen', async () => {
    const page = await smallPhone()
    try {
      await byId(page, 'nav-numbers').click()
      await addNumber(page, '13900139001', 'Zhang Wei, Longgang branch manager')

      // Search keeps room for its placeholder next to add and import.
      expect((await box(inputOf(page, 'numbers-search'))).width).toBeGreaterThanOrEqual(150)
      // ... and the placeholder is read whole ("Search number or rema" was cut).
      const placeholder = page.locator('[data-testid="numbers-search"] .uni-input-placeholder').first()
      expect(await placeholder.innerText()).toBe('Number or remark')
      expect(await clipped(placeholder)).toBe('')

      // A connected call, wrapped up with the longest outcome label.
      await byId(page, 'number-call').first().click()
      await expectAttr(page, 'call-status', 'data-state', 'ringing')
      await sim(page, 'answerOutbound')
      await expectAttr(page, 'call-status', 'data-state', 'active')
      const hangup = await box(byId(page, 'call-hangup'))
      expect(hangup.y + hangup.height).toBeLessThanOrEqual(await navTop(page))
      await byId(page, 'call-hangup').click()
      await byId(page, 'wrapup-sheet').waitFor()
      await byId(page, 'wrapup-outcome-not-interested').click()
      const saveNext = await box(byId(page, 'wrapup-save-next'))
      expect(saveNext.height).toBeLessThanOrEqual(64)
      expect(saveNext.y + saveNext.height).toBeLessThanOrEqual(HEIGHT)
      // The keyboard up (about half the screen): the sheet scrolls, the note box keeps its size.
      await page.setViewportSize({ width: WIDTH, height: 330 })
      await expect.poll(async () => (await box(inputOf(page, 'wrapup-note'))).height).toBeGreaterThanOrEqual(48)
      // The panel scrolls (as the phone does for the focused field) and the whole box shows.
      await inputOf(page, 'wrapup-note').scrollIntoViewIfNeeded()
      const note = await box(inputOf(page, 'wrapup-note'))
      expect(note.y + note.height).toBeLessThanOrEqual(330)
      await page.setViewportSize({ width: WIDTH, height: HEIGHT })
      await byId(page, 'wrapup-save').click()
      await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
      await byId(page, 'call-close').click()

      // A declined call to a number not on the list: "save to the list" shows with the reason.
      await byId(page, 'nav-dial').click()
      await inputOf(page, 'dial-input').fill('13700137000')
      const dial = await box(byId(page, 'dial-call'))
      expect(dial.y + dial.height).toBeLessThanOrEqual(await navTop(page))
      await byId(page, 'dial-call').click()
      await expectAttr(page, 'call-status', 'data-state', 'ringing')
      await sim(page, 'rejectOutbound')
      await expectAttr(page, 'call-status', 'data-state', 'ended')
      const optional = byId(page, 'wrapup-skip')
      if (await optional.isVisible().catch(() => false)) await optional.click()
      const save = await box(byId(page, 'call-save-number'))
      expect(save.y + save.height).toBeLessThanOrEqual(await navTop(page))
      await byId(page, 'call-close').click()

      // History: title on one line, every row's outcome and wrap-up shown in full.
      await byId(page, 'nav-history').click()
      await expect.poll(() => byId(page, 'history-item').count()).toBe(2)
      expect(await page.locator('.shell__title').innerText()).toBe('Call history')
      expect(await clipped(page.locator('.shell__title'))).toBe('')
      expect((await box(page.locator('.shell__title'))).height).toBeLessThan(34)
      const rows = await byId(page, 'history-item').all()
      for (const row of rows) {
        for (const text of await row.locator('.item__meta > *').all()) expect(await clipped(text), await text.innerText()).toBe('')
      }
      expect(await byId(page, 'history-disposition').innerText()).toBe('Not interested')

      // Offline with a change waiting: the sync chip stays clear of the title.
      await page.context().setOffline(true)
      await byId(page, 'nav-numbers').click()
      await addNumber(page, '13900139002')
      await expectAttr(page, 'sync-status', 'data-state', 'offline')
      expect(await clipped(page.locator('.shell__title'))).toBe('')
      const title = await box(page.locator('.shell__title'))
      for (const id of ['sync-status', 'agent-state', 'logout']) {
        const chip = await box(byId(page, id))
        expect(overlaps(title, chip), `${id} over the title`).toBe(false)
        expect(chip.x + chip.width, `${id} inside the screen`).toBeLessThanOrEqual(WIDTH)
      }
      expect(await clipped(byId(page, 'sync-status'))).toBe('')
    } finally {
      await page.context().close()
    }
  })

  /** Every key of the in-call pad lies between the top of the screen and the hang-up row. */
  async function expectWholeKeypad(page: Page): Promise<void> {
    const bar = await box(page.locator('.call__bottom'))
    for (const key of ['1', '2', '3', 'star', '0', 'hash']) {
      const k = await box(byId(page, `dial-key-${key}`))
      expect(k.y, `key ${key} below the top`).toBeGreaterThanOrEqual(0)
      expect(k.y + k.height, `key ${key} clear of the hang-up row`).toBeLessThanOrEqual(bar.y)
    }
    for (const id of ['call-peer', 'call-status', 'call-timer']) expect((await box(byId(page, id))).y).toBeGreaterThanOrEqual(0)
  }

  it('shows the whole in-call keypad, * 0 # included, above the hang-up row', async () => {
    const page = await smallPhone()
    try {
      await connectedCall(page, '13800000092')
      await byId(page, 'call-keypad').click()
      await byId(page, 'dial-key-hash').waitFor()
      await expectWholeKeypad(page)
      await byId(page, 'dial-key-0').click()
      await expect.poll(() => byId(page, 'call-dtmf-sent').innerText()).toBe('0')
    } finally {
      await page.context().close()
    }
  })

  it('a 390×844 phone shows the whole keypad under a connection banner', async () => {
    const page = await smallPhone(390, 844)
    try {
      await connectedCall(page, '13800000093')
      await byId(page, 'call-keypad').click()
      await sim(page, 'dropConnection')
      await expectAttr(page, 'connection-banner', 'data-state', 'lost')
      await expectWholeKeypad(page)
    } finally {
      await page.context().close()
    }
  })

  it('keeps hang-up on screen above the bottom bar when banners and the keypad crowd the call', async () => {
    const page = await smallPhone()
    try {
      await connectedCall(page, '13800000091')
      await byId(page, 'call-keypad').click()
      await sim(page, 'incomingCall', { from: '13700001111', remark: 'Wang Wu, a caller waiting' })
      await byId(page, 'call-waiting').waitFor()
      await sim(page, 'dropConnection')
      await expectAttr(page, 'connection-banner', 'data-state', 'lost')
      const hangup = await box(byId(page, 'call-hangup'))
      expect(hangup.y).toBeGreaterThanOrEqual(0)
      expect(hangup.y + hangup.height).toBeLessThanOrEqual(await navTop(page))
      // Nothing lies over it: a tap at its centre reaches it.
      const hit = await page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.closest('[data-testid]')?.getAttribute('data-testid'), [
        hangup.x + hangup.width / 2,
        hangup.y + hangup.height / 2,
      ])
      expect(hit).toBe('call-hangup')
    } finally {
      await page.context().close()
    }
  })

  it('keeps a long caller remark to two lines, clear of answer and decline', async () => {
    const page = await smallPhone()
    try {
      await sim(page, 'incomingCall', { from: '13700001111', remark: 'Zhang Wei, regional purchasing head, Longgang 0755' })
      await byId(page, 'incoming-call').waitFor()
      const remark = await box(page.locator('.incoming__remark'))
      expect(remark.height).toBeLessThanOrEqual(2 * 30 * 1.5)
      const caller = await box(byId(page, 'incoming-caller'))
      const answer = await box(byId(page, 'incoming-answer'))
      expect(caller.y + caller.height).toBeLessThanOrEqual(answer.y - 16)
      expect(answer.y + answer.height).toBeLessThanOrEqual(HEIGHT)
    } finally {
      await page.context().close()
    }
  })

  it('keeps the title and the agent readable with a long rest reason in the status chip', async () => {
    const page = await smallPhone()
    try {
      await byId(page, 'agent-state').click()
      await inputOf(page, 'agent-rest-reason').fill('Lunch, then a client visit in Longgang')
      await byId(page, 'agent-state-rest').click()
      await expectAttr(page, 'agent-state', 'data-state', 'rest')
      expect(await clipped(page.locator('.shell__title'))).toBe('')
      expect((await box(byId(page, 'agent-status'))).width).toBeGreaterThanOrEqual(90)
      const chip = await box(byId(page, 'agent-state'))
      // One line: the reason is cut, not wrapped. The drawn chip (clientHeight: without the
      // transparent border that makes its 44 px target).
      expect(await byId(page, 'agent-state').evaluate((el) => el.clientHeight)).toBeLessThanOrEqual(30)
      expect(chip.x + chip.width).toBeLessThanOrEqual((await box(byId(page, 'sync-status'))).x)
    } finally {
      await page.context().close()
    }
  })
})

describe('a phone held sideways (844×390) in a browser', () => {
  // The App is portrait-locked (manifest), a phone's browser is not: the controls above the list
  // (search, today's figures, chips, call next) left the number list 0 px tall.
  it('scrolls the controls above the number list away and gives the list the screen', async () => {
    const page = await smallPhone(844, 390)
    try {
      await byId(page, 'numbers-import').click()
      await inputOf(page, 'import-text').fill(Array.from({ length: 12 }, (_, i) => `1390013${9100 + i},Customer ${i}`).join('\n'))
      await byId(page, 'import-submit').click()
      await expectAttr(page, 'import-result', 'data-added', '12')
      await byId(page, 'import-close').click()
      await byId(page, 'import-panel').waitFor({ state: 'detached' })

      const list = byId(page, 'virtual-list')
      await list.scrollIntoViewIfNeeded()
      const shown = await box(list)
      const bar = await navTop(page)
      // At least three rows (76 px each) between the header and the bottom bar.
      expect(shown.height).toBeGreaterThanOrEqual(3 * 76)
      expect(shown.y + shown.height).toBeLessThanOrEqual(bar + 1)
      // The third row's call button takes the tap.
      const third = page.locator('[data-testid="number-item"]').nth(2)
      await third.locator('[data-testid="number-call"]').click({ timeout: 5_000 })
      await expectAttr(page, 'call-status', 'data-state', 'ringing')
    } finally {
      await page.context().close()
    }
  })
})
