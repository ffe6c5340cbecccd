/**
 * The number list is the numbers page's main content on a phone. At 360×740 (a common Android
 * size) the search, today's figures, the status chips, "call next" and auto-advance took the top
 * and left room for 4 rows of 76 px. Measured here: rows wholly shown between the page's header
 * and the bottom bar, where a tap at the row's call button lands on it.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, inputOf, signIn } from './harness'
import { expectAttr, simReady, useStack, zh } from './journey'

const { stack } = useStack()

async function phoneOf(width: number, height: number, { touch = true } = {}): Promise<Page> {
  // A touch screen: the agent's finger is what folds the controls (touchDrag).
  const context = await stack().browser.newContext({ viewport: { width, height }, locale: 'zh-CN', deviceScaleFactor: 1, hasTouch: touch })
  const page = await context.newPage()
  await page.goto(stack().baseUrl)
  await signIn(page)
  await simReady(page)
  return page
}

/** Signed in on a screen of this size with 30 imported numbers: runs `use`, then closes the page's browser context. */
async function withThirtyNumbers<T>(width: number, height: number, use: (page: Page) => Promise<T>, options: { touch?: boolean } = {}): Promise<T> {
  const page = await phoneOf(width, height, options)
  try {
    await importNumbers(page, 30)
    return await use(page)
  } finally {
    await page.context().close()
  }
}

/** The test id of the element with the keyboard focus. */
function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid') ?? '')
}

/** Imports `n` numbers through the import sheet and closes it. */
async function importNumbers(page: Page, n: number): Promise<void> {
  await byId(page, 'numbers-import').click()
  await inputOf(page, 'import-text').fill(Array.from({ length: n }, (_, i) => `1390014${String(1000 + i)},Customer ${i}`).join('\n'))
  await byId(page, 'import-submit').click()
  await expectAttr(page, 'import-result', 'data-added', String(n))
  await byId(page, 'import-close').click()
  await byId(page, 'import-panel').waitFor({ state: 'detached' })
}

/**
 * Number rows wholly inside the list's visible box and above the bottom bar, whose call button
 * takes a tap at its centre (nothing laid over it).
 */
function fullyVisibleRows(page: Page): Promise<number> {
  return page.evaluate(() => {
    const list = document.querySelector('[data-testid="virtual-list"]')
    const nav = document.querySelector('[data-testid="nav-numbers"]')
    if (!list) return 0
    const view = list.getBoundingClientRect()
    const bottom = Math.min(view.bottom, nav ? nav.getBoundingClientRect().top : innerHeight, innerHeight)
    const top = Math.max(view.top, 0)
    let n = 0
    for (const row of Array.from(document.querySelectorAll('[data-testid="number-item"]'))) {
      const r = row.getBoundingClientRect()
      if (r.top < top - 0.5 || r.bottom > bottom + 0.5) continue
      const call = row.querySelector('[data-testid="number-call"]')
      if (!call) continue
      const c = call.getBoundingClientRect()
      const hit = document.elementFromPoint(c.left + c.width / 2, c.top + c.height / 2)
      if (hit && call.contains(hit)) n++
    }
    return n
  })
}

/**
 * A finger dragged over the list by `dy` px, up to scroll down (touch events the browser scrolls
 * by, as on a phone; it may fling further). Over a row, whose swipe item keeps its touchmove to itself.
 */
async function touchDrag(page: Page, dy: number): Promise<void> {
  const b = await byId(page, 'virtual-list').boundingBox()
  if (!b) throw new Error('no list')
  const cdp = await page.context().newCDPSession(page)
  const x = Math.round(b.x + b.width / 2)
  const step = dy > 0 ? -10 : 10
  let y = Math.round(dy > 0 ? b.y + Math.min(b.height - 10, dy + 20) : b.y + 10)
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] })
  for (let moved = 0; moved < Math.abs(dy); moved += 10) {
    y += step
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y }] })
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
  await cdp.detach()
}

/**
 * Scrolls the number list by `dy` px as the agent does: a finger on it (a touchmove on a row,
 * with no fling after it), then the wheel for an exact distance; waits for it to settle.
 */
async function scrollList(page: Page, dy: number): Promise<void> {
  await byId(page, 'number-item').first().dispatchEvent('touchmove')
  const b = await byId(page, 'virtual-list').boundingBox()
  if (!b) throw new Error('no list')
  await page.mouse.move(b.x + b.width / 2, b.y + Math.min(b.height / 2, 40))
  await page.mouse.wheel(0, dy)
  await page.waitForTimeout(400)
}

async function rowsAt(width: number, height: number): Promise<{ top: number; scrolled: number }> {
  return withThirtyNumbers(width, height, async (page) => {
    await page.waitForTimeout(300)
    const top = await fullyVisibleRows(page)
    await scrollList(page, 400)
    const scrolled = await fullyVisibleRows(page)
    console.info(`[list room] ${width}×${height}: ${top} rows at the top, ${scrolled} scrolled`)
    return { top, scrolled }
  })
}

describe('the number list on a small phone', () => {
  // Before: 4 rows at the top and 3 once scrolled (the controls kept their 256 px).
  it('shows at least 5 whole rows at 360×740 at the top, and 6 once the list scrolls', async () => {
    const { top, scrolled } = await rowsAt(360, 740)
    expect(top).toBeGreaterThanOrEqual(5)
    expect(scrolled).toBeGreaterThanOrEqual(6)
  })

  // Before: 5 and 5.
  it('shows 6 at 390×844, and 7 once the list scrolls', async () => {
    const { top, scrolled } = await rowsAt(390, 844)
    expect(top).toBeGreaterThanOrEqual(6)
    expect(scrolled).toBeGreaterThanOrEqual(7)
  })

  // Before: 8 and 7.
  it('gives a 768×1024 tablet no fewer rows', async () => {
    const { top, scrolled } = await rowsAt(768, 1024)
    expect(top).toBeGreaterThanOrEqual(8)
    expect(scrolled).toBeGreaterThanOrEqual(9)
  })

  it('folds into a compact bar while scrolled, keeps every control reachable, and unfolds at the top, by its button or by Tab', async () => {
    await withThirtyNumbers(360, 740, async (page) => {
      await expectAttr(page, 'numbers-page', 'data-folded', 'false')
      await scrollList(page, 400)
      await expectAttr(page, 'numbers-page', 'data-folded', 'true')
      // The compact bar: "call next" and the unfold button, each a 44 px target the tap reaches.
      for (const id of ['numbers-call-next', 'numbers-unfold']) {
        const b = await byId(page, id).boundingBox()
        if (!b) throw new Error(`${id} not shown`)
        expect(b.height, id).toBeGreaterThanOrEqual(44)
        const hit = await page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.closest('[data-testid]')?.getAttribute('data-testid'), [b.x + b.width / 2, b.y + b.height / 2])
        expect(hit, id).toBe(id)
      }
      expect(await page.getByRole('button', { name: zh('numbers.unfold') }).getAttribute('aria-expanded')).toBe('false')
      // Nothing left the page: the folded controls are attached and named for a screen reader.
      for (const id of ['numbers-search', 'numbers-add', 'numbers-import', 'today-stats', 'numbers-filter-all', 'numbers-count', 'autoadvance-toggle']) {
        expect(await byId(page, id).count(), id).toBe(1)
      }
      expect(await page.getByRole('switch', { name: zh('autoAdvance.toggle') }).count()).toBe(1)

      // The button brings them back where the list is; the search takes typing.
      await byId(page, 'numbers-unfold').click()
      await expectAttr(page, 'numbers-page', 'data-folded', 'false')
      await inputOf(page, 'numbers-search').fill('Customer 2')
      await expect.poll(() => byId(page, 'number-item').count()).toBeGreaterThan(0)
      await byId(page, 'numbers-search-clear').click()

      // Scrolled back to the top: unfolded.
      await scrollList(page, 600)
      await expectAttr(page, 'numbers-page', 'data-folded', 'true')
      await scrollList(page, -5000)
      await expectAttr(page, 'numbers-page', 'data-folded', 'false')

      // Tab backwards from "call next" reaches the folded auto-advance switch, which unfolds.
      await scrollList(page, 600)
      await expectAttr(page, 'numbers-page', 'data-folded', 'true')
      await byId(page, 'numbers-call-next').focus()
      await page.keyboard.press('Shift+Tab')
      await expectAttr(page, 'numbers-page', 'data-folded', 'false')
      expect(await focusedId(page)).toBe('autoadvance-toggle')
      const toggle = await byId(page, 'autoadvance-toggle').boundingBox()
      expect(toggle && toggle.height).toBeGreaterThanOrEqual(44)
      // On up to the search box: on screen, below the shell's header, where it was before folding.
      for (let i = 0; i < 6 && (await focusedId(page)) !== 'numbers-search'; i++) await page.keyboard.press('Shift+Tab')
      expect(await focusedId(page)).toBe('numbers-search')
      const search = await byId(page, 'numbers-search').boundingBox()
      const header = await page.locator('.shell__header').boundingBox()
      expect(search && header && search.y).toBeGreaterThanOrEqual((header?.y ?? 0) + (header?.height ?? 0))
    })
  })

  it("a finger's scroll of the list folds the controls (the rows' swipe items keep the touchmove to themselves)", async () => {
    await withThirtyNumbers(360, 740, async (page) => {
      await expectAttr(page, 'numbers-page', 'data-folded', 'false')
      await touchDrag(page, 200)
      await expectAttr(page, 'numbers-page', 'data-folded', 'true')
    })
  })

  it('the mouse wheel scrolls the list without folding: at 1280×720 the chips, add and import still take a click', async () => {
    await withThirtyNumbers(
      1280,
      720,
      async (page) => {
        const b = await byId(page, 'virtual-list').boundingBox()
        if (!b) throw new Error('no list')
        await page.mouse.move(b.x + b.width / 2, b.y + 40)
        await page.mouse.wheel(0, 600)
        await page.waitForTimeout(400)
        await expect.poll(() => page.evaluate(() => Math.max(...Array.from(document.querySelectorAll('[data-testid="virtual-list"] *'), (el) => el.scrollTop)))).toBeGreaterThan(48)
        await expectAttr(page, 'numbers-page', 'data-folded', 'false')
        await byId(page, 'numbers-filter-new').click({ timeout: 5_000 })
        await expectAttr(page, 'numbers-filter-new', 'data-selected', 'true')
        await byId(page, 'numbers-add').click({ timeout: 5_000 })
        await inputOf(page, 'number-form-number').waitFor({ state: 'visible' })
      },
      { touch: false },
    )
  })

  it('a scroll the agent did not make (a row brought into view for a click) folds nothing: the search stays usable', async () => {
    await withThirtyNumbers(360, 740, async (page) => {
      // Playwright scrolls a row into view before its click, as a focus does: no finger, no wheel.
      await byId(page, 'number-item').nth(9).scrollIntoViewIfNeeded()
      const scrolled = await page.evaluate(() => Math.max(...Array.from(document.querySelectorAll('[data-testid="virtual-list"] *'), (el) => el.scrollTop)))
      expect(scrolled).toBeGreaterThan(48)
      await page.waitForTimeout(300)
      await expectAttr(page, 'numbers-page', 'data-folded', 'false')
      await inputOf(page, 'numbers-search').fill('Customer 2')
      await expect.poll(() => byId(page, 'number-item').count()).toBeGreaterThan(0)
      await byId(page, 'numbers-add').click()
      await inputOf(page, 'number-form-number').waitFor({ state: 'visible' })
    })
  })
})
