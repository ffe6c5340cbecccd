/**
 * Journeys of the sheets and the confirmation dialog (BottomSheet / ConfirmDialog on uni-popup):
 * the content is in the page before the next frame after the tap that opens it (never absent
 * for a frame), is usable once its open animation settles, a tap on the backdrop dismisses or
 * cancels, the panel follows the dark theme and stays above the shell.
 * It prints, per popup, the median time from the tap to the content being in the DOM, to it
 * having settled (fully opaque, not moving) and to Playwright being able to click it; run it
 * with `E2E_H5_DIR` against another bundle to compare (the figures are in the components' header
 * comments).
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, inputOf } from './harness'
import { addNumber, cancelCall, closeCall, dialAndRing, listedNumbers, signedInPhone, useStack } from './journey'

const { phone } = useStack()

interface Probe {
  clickAt: number
  presentAt: number
  presentBeforeFrame: boolean | null
  settledAt: number
}

/** Watches for `id` from the next click on: when it enters the DOM and when it stops animating. */
function armProbe(page: Page, id: string): Promise<void> {
  return page.evaluate((testId) => {
    const selector = `[data-testid="${testId}"]`
    const probe: Probe = { clickAt: 0, presentAt: -1, presentBeforeFrame: null, settledAt: -1 }
    ;(window as unknown as { __probe: Probe }).__probe = probe
    const observer = new MutationObserver(() => {
      if (probe.presentAt < 0 && document.querySelector(selector)) {
        probe.presentAt = performance.now()
        observer.disconnect()
      }
    })
    observer.observe(document.body, { subtree: true, childList: true, attributes: true })
    // Opacity of the element and every ancestor (uni-popup fades its wrapper, not the content).
    const opacity = (el: Element | null): number => {
      let o = 1
      for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity)
      return o
    }
    let last = ''
    const watch = (): void => {
      const el = document.querySelector(selector)
      if (el) {
        const r = el.getBoundingClientRect()
        const box = `${r.x},${r.y},${r.width},${r.height}`
        const inView = r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight + 1
        if (opacity(el) > 0.99 && inView && box === last) {
          probe.settledAt = performance.now()
          return
        }
        last = box
      }
      if (performance.now() - probe.clickAt < 5_000) requestAnimationFrame(watch)
    }
    document.addEventListener(
      'click',
      () => {
        probe.clickAt = performance.now()
        requestAnimationFrame(() => {
          probe.presentBeforeFrame = !!document.querySelector(selector)
          watch()
        })
      },
      { capture: true, once: true },
    )
  }, id)
}

interface Timing {
  present: number
  settled: number
  clickable: number
  presentBeforeFrame: boolean
}

/** Taps `opener`, waits until `target` can be clicked; the in-page and Playwright timings. */
async function timeOpen(page: Page, opener: string, target: string): Promise<Timing> {
  await armProbe(page, target)
  const t0 = Date.now()
  await byId(page, opener).click()
  await byId(page, target).click({ trial: true })
  const clickable = Date.now() - t0
  await expect.poll(() => page.evaluate(() => (window as unknown as { __probe: Probe }).__probe.settledAt), { timeout: 6_000 }).toBeGreaterThan(0)
  const probe = await page.evaluate(() => (window as unknown as { __probe: Probe }).__probe)
  return {
    present: probe.presentAt - probe.clickAt,
    settled: probe.settledAt - probe.clickAt,
    clickable,
    presentBeforeFrame: probe.presentBeforeFrame === true,
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function report(name: string, runs: Timing[]): void {
  const f = (xs: number[]) => median(xs).toFixed(0)
  console.log(
    `[popup timing] ${name}: median of ${runs.length} — in DOM ${f(runs.map((r) => r.present))} ms, settled ${f(runs.map((r) => r.settled))} ms, Playwright-clickable ${f(runs.map((r) => r.clickable))} ms after the tap`,
  )
}

/** A tap on the dimmed backdrop, above any panel (top of the phone screen). */
const tapBackdrop = (page: Page) => page.mouse.click(195, 30)

/**
 * A backdrop tap that must ask before discarding. It flaked twice in CI (the question never came,
 * not reproduced alone or under a CPU burn): when it does not come, the failure says what the tap
 * hit and what the sheet held, so the next flake names its cause instead of a bare timeout.
 */
async function tapBackdropAsksFirst(page: Page): Promise<void> {
  const describeAt = () =>
    page.evaluate(() => {
      const el = document.elementFromPoint(195, 30)
      const field = document.querySelector('[data-testid="number-form-number"] input') as HTMLInputElement | null
      return {
        hit: el ? `${el.tagName.toLowerCase()}.${(el.getAttribute('class') ?? '').trim().split(/\s+/).join('.')}` : 'nothing',
        sheet: !!document.querySelector('[data-testid="number-form"]'),
        field: field ? field.value : null,
        focus: document.activeElement ? document.activeElement.tagName.toLowerCase() : null,
      }
    })
  const before = await describeAt()
  await tapBackdrop(page)
  try {
    await byId(page, 'discard-question').waitFor({ state: 'visible', timeout: 10_000 })
  } catch {
    throw new Error(`no discard question after a backdrop tap: before ${JSON.stringify(before)}, after ${JSON.stringify(await describeAt())}`)
  }
}

const RUNS = 5

describe('sheets and dialogs', () => {
  it('number form and import sheet: content before the next frame, backdrop dismisses, above the shell', async () => {
    const page = await signedInPhone(phone)
    const form: Timing[] = []
    for (let i = 0; i < RUNS; i += 1) {
      form.push(await timeOpen(page, 'numbers-add', 'number-form-save'))
      await tapBackdrop(page)
      await byId(page, 'number-form-save').waitFor({ state: 'detached' })
    }
    report('number form (numbers-add → number-form-save)', form)
    expect(form.every((r) => r.presentBeforeFrame)).toBe(true)

    // Dismissed with the backdrop: a typed number is asked about first (DiscardBar), then nothing
    // is saved; saved with the button: listed. One tap is enough after a tap inside the sheet.
    await byId(page, 'numbers-add').click()
    await inputOf(page, 'number-form-number').click()
    await inputOf(page, 'number-form-number').fill('13800000071')
    // uni hands typing to the page up to 100 ms late: the tap comes once the draft holds it.
    await expect
      .poll(() => page.evaluate(() => Object.keys(localStorage).some((k) => k.endsWith('.numberDrafts') && (localStorage.getItem(k) ?? '').includes('13800000071'))))
      .toBe(true)
    await tapBackdropAsksFirst(page)
    await byId(page, 'discard-ok').click()
    await byId(page, 'number-form').waitFor({ state: 'detached' })
    expect(await listedNumbers(page)).toEqual([])
    await addNumber(page, '13800000072', '王芳')
    expect(await listedNumbers(page)).toEqual(['13800000072'])

    // The sheet is what a tap in its middle hits: nothing of the shell or the page lies above it.
    await byId(page, 'numbers-add').click()
    await byId(page, 'number-form-save').click({ trial: true })
    const hit = await byId(page, 'number-form-save').evaluate((el) => {
      const r = el.getBoundingClientRect()
      const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
      return !!top && (el === top || el.contains(top))
    })
    expect(hit).toBe(true)
    await byId(page, 'number-form-cancel').click()
    await byId(page, 'number-form').waitFor({ state: 'detached' })

    const sheet: Timing[] = []
    for (let i = 0; i < RUNS; i += 1) {
      sheet.push(await timeOpen(page, 'numbers-import', 'import-submit'))
      await tapBackdrop(page)
      await byId(page, 'import-submit').waitFor({ state: 'detached' })
    }
    report('import sheet (numbers-import → import-submit)', sheet)
    expect(sheet.every((r) => r.presentBeforeFrame)).toBe(true)
  })

  it('confirmation dialog: content before the next frame, backdrop cancels, OK confirms, dark panel', async () => {
    const page = await signedInPhone(phone)
    // One unanswered call, so history has something to clear.
    await dialAndRing(page, '13800000073')
    await cancelCall(page)
    await closeCall(page)
    await byId(page, 'nav-history').first().click()
    await byId(page, 'history-clear').waitFor({ state: 'visible' })
    const confirm: Timing[] = []
    for (let i = 0; i < RUNS; i += 1) {
      confirm.push(await timeOpen(page, 'history-clear', 'confirm-ok'))
      await tapBackdrop(page)
      await byId(page, 'confirm-dialog').waitFor({ state: 'detached' })
    }
    report('confirm dialog (history-clear → confirm-ok)', confirm)
    expect(confirm.every((r) => r.presentBeforeFrame)).toBe(true)

    await byId(page, 'history-clear').click()
    await expect.poll(() => byId(page, 'confirm-dialog').getAttribute('role')).toBe('alertdialog')
    expect(await byId(page, 'confirm-dialog').getAttribute('aria-modal')).toBe('true')
    await byId(page, 'confirm-cancel').click()
    await byId(page, 'confirm-dialog').waitFor({ state: 'detached' })

    // Dark theme: the panel is the dark card colour, not uni-popup's white.
    await page.emulateMedia({ colorScheme: 'dark' })
    await byId(page, 'history-clear').click()
    await byId(page, 'confirm-ok').click({ trial: true })
    const bg = await byId(page, 'confirm-dialog').evaluate((el) => getComputedStyle(el).backgroundColor)
    expect(bg).not.toBe('rgb(255, 255, 255)')
    expect(bg).not.toBe('rgba(0, 0, 0, 0)')
    await byId(page, 'confirm-ok').click()
    await byId(page, 'confirm-dialog').waitFor({ state: 'detached' })
  })
})
