/**
 * The filter chip rows (FilterTabs) on a 390 px phone in English, the widest labels: how wide
 * the chips are side by side against the row (the figures behind FilterTabs' header comment on
 * uni-segmented-control), that the row scrolls sideways to its last chip, and both themes.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, newPhone, signIn } from './harness'
import { simReady, useStack } from './journey'

const { stack } = useStack()

interface RowSize {
  natural: number
  row: number
  widest: number
  count: number
  scrolls: boolean
}

/** Chips side by side (first left edge to last right edge) against the scrolling row's width. */
function measure(page: Page, prefix: string): Promise<RowSize> {
  return page.evaluate((p) => {
    const tabs = Array.from(document.querySelectorAll<HTMLElement>(`[data-testid^="${p}-"][role="tab"]`))
    let scroller: HTMLElement | null = tabs[0].parentElement
    while (scroller && !/(auto|scroll)/.test(getComputedStyle(scroller).overflowX)) scroller = scroller.parentElement
    if (!scroller) throw new Error('no scrolling row')
    const first = tabs[0].getBoundingClientRect()
    const last = tabs[tabs.length - 1].getBoundingClientRect()
    return {
      natural: Math.round(last.right - first.left),
      row: scroller.clientWidth,
      widest: Math.round(Math.max(...tabs.map((t) => t.getBoundingClientRect().width))),
      count: tabs.length,
      scrolls: scroller.scrollWidth > scroller.clientWidth,
    }
  }, prefix)
}

describe('filter tabs', () => {
  it('fit a phone only by scrolling sideways; the last chip is reachable and selectable; both themes', async () => {
    const { context, page } = await newPhone(stack(), 'en-US')
    try {
      await signIn(page)
      await simReady(page)
      await byId(page, 'numbers-filter-done').waitFor({ state: 'attached' })
      const numbers = await measure(page, 'numbers-filter')
      console.log(
        `[filter tabs] numbers (en, 390 px): ${numbers.count} chips need ${numbers.natural} px side by side, the row has ${numbers.row} px; an even split gives ${Math.floor(numbers.row / numbers.count)} px each, the widest chip needs ${numbers.widest} px`,
      )
      expect(numbers.count).toBe(5)
      expect(numbers.natural).toBeGreaterThan(numbers.row)
      expect(numbers.widest).toBeGreaterThan(Math.floor(numbers.row / numbers.count))
      expect(numbers.scrolls).toBe(true)

      // The last chip scrolls into view and selects.
      await byId(page, 'numbers-filter-done').click()
      await expect.poll(() => byId(page, 'numbers-filter-done').getAttribute('data-selected')).toBe('true')
      expect(await byId(page, 'numbers-filter-all').getAttribute('data-selected')).toBe('false')
      expect(await byId(page, 'numbers-filter-done').getAttribute('aria-selected')).toBe('true')
      expect(await byId(page, 'numbers-filter-done').getAttribute('data-count')).toBe('0')

      // Dark: an unselected chip is the dark card, not white; the selected one is brand blue.
      const colours = () =>
        page.evaluate(() => ['numbers-filter-all', 'numbers-filter-done'].map((id) => getComputedStyle(document.querySelector(`[data-testid="${id}"]`) as Element).backgroundColor))
      const light = await colours()
      await page.emulateMedia({ colorScheme: 'dark' })
      const dark = await colours()
      expect(light[0]).toBe('rgb(255, 255, 255)')
      expect(dark[0]).not.toBe('rgb(255, 255, 255)')
      expect(dark[1]).not.toBe(light[1])
    } finally {
      await context.close()
    }
  })
})
