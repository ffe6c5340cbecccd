/**
 * The signed-in pages with the keyboard alone, and what a screen reader is told (roles and names
 * through Playwright's `getByRole`, which reads the accessibility tree). uni renders `<button>` as
 * `<uni-button>`: no role and no Tab stop, so Tab went search -> chips -> list -> body and Add,
 * Import, sign-out, the row buttons and every dialog's buttons were out of reach; dialogs took no
 * focus (Enter did nothing, Tab wandered behind the mask) and Esc closed no menu
 * (src/components/a11y.ts is the fix).
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, inputOf, sim } from './harness'
import { connectedCall, expectAttr, expectText, useStack, zh } from './journey'

const { phone } = useStack()

/** The test id of the element with the keyboard focus, or its tag when it has none. */
function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement
    return el?.closest('[data-testid]')?.getAttribute('data-testid') ?? el?.tagName ?? ''
  })
}

/** The focused element's accessible name where it carries one as an attribute (row buttons). */
function focusedLabel(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '')
}

/** Presses Tab until the focus is on `id` (and `label`, when given); fails with the path it took. */
async function tabTo(page: Page, id: string, label?: string, max = 40): Promise<string[]> {
  const path: string[] = []
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    const now = await focusedId(page)
    path.push(now)
    if (now === id && (label === undefined || (await focusedLabel(page)) === label)) return path
  }
  throw new Error(`Tab never reached ${id}${label ? ` "${label}"` : ''}: ${path.join(' > ')}`)
}

/** Signs in with the keyboard: Tab to the account, type, Tab to the password, type, Enter. */
async function keyboardSignIn(page: Page): Promise<void> {
  await inputOf(page, 'login-username').waitFor({ state: 'visible' })
  await tabTo(page, 'login-username')
  await page.keyboard.type('agent1@example.com')
  await tabTo(page, 'login-password')
  await page.keyboard.type('agent1-pass')
  await page.keyboard.press('Enter')
  await byId(page, 'agent-status').waitFor({ state: 'visible', timeout: 20_000 })
  await page.waitForFunction(() => !!(window as unknown as { __tcccSim?: unknown }).__tcccSim, undefined, { timeout: 15_000 })
}

describe('the numbers page with the keyboard alone', () => {
  it('signs in, adds a number with Enter, and deletes it through the confirmation, never leaving the dialog', async () => {
    const page = await phone()
    // The login fields are named by their labels (the placeholder is a separate element in uni).
    await expect.poll(() => page.getByRole('textbox', { name: zh('login.username') }).count()).toBe(1)
    expect(await page.getByRole('button', { name: zh('lang.en') }).getAttribute('aria-pressed')).toBe('false')
    expect(await page.getByRole('button', { name: zh('lang.zh') }).getAttribute('aria-pressed')).toBe('true')
    await keyboardSignIn(page)

    // What a screen reader finds on the page: every control a button, tab, switch or link, named.
    for (const name of [zh('numbers.add'), zh('numbers.import'), zh('shell.logout'), zh('shell.switchLanguage')]) {
      expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(1)
    }
    expect(await page.getByRole('switch', { name: zh('autoAdvance.toggle') }).count()).toBe(1)
    expect(await page.getByRole('tab', { selected: true }).count()).toBe(1)
    expect(await page.getByRole('link', { name: zh('shell.nav.dial') }).count()).toBe(1)
    expect(await page.getByRole('searchbox', { name: zh('numbers.searchPlaceholder') }).count()).toBe(1)

    // Tab reaches Add (it went search -> chips -> list -> body); Enter opens the form in its first field.
    const trail = await tabTo(page, 'numbers-add')
    expect(trail).toContain('numbers-search')
    await page.keyboard.press('Enter')
    const form = page.getByRole('dialog', { name: zh('numbers.form.addTitle') })
    await form.waitFor({ state: 'visible' })
    await expect.poll(() => focusedId(page)).toBe('number-form-number')
    expect(await form.getByRole('textbox', { name: zh('numbers.form.number') }).count()).toBe(1)
    expect(await form.getByRole('textbox', { name: zh('numbers.form.remark') }).count()).toBe(1)

    // Tab stays in the sheet: number, remark, cancel, save, and round to the number again.
    const inForm: string[] = []
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab')
      inForm.push(await focusedId(page))
    }
    expect(inForm).toEqual(['number-form-remark', 'number-form-cancel', 'number-form-save', 'number-form-number', 'number-form-remark'])

    // A wrong number: the error is read with the field it is about.
    await inputOf(page, 'number-form-number').focus()
    await page.keyboard.type('13')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await byId(page, 'number-form-error').waitFor({ state: 'visible' })
    const described = await inputOf(page, 'number-form-number').evaluate((input) => {
      const ids = (input.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean)
      return ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ')
    })
    expect(described).toBe(zh('numbers.error.NUMBER_TOO_SHORT'))

    // The keyboard is back in the number; fix it, Tab to the remark, type, Enter saves.
    await expect.poll(() => focusedId(page)).toBe('number-form-number')
    await page.keyboard.press('End')
    await page.keyboard.type('800000061')
    await page.keyboard.press('Tab')
    expect(await focusedId(page)).toBe('number-form-remark')
    await page.keyboard.type('张伟')
    await page.keyboard.press('Enter')
    await byId(page, 'number-form').waitFor({ state: 'detached' })
    await expect.poll(() => page.locator('[data-testid="number-item"][data-number="13800000061"]').count()).toBe(1)
    // The focus is back on Add, where the agent left for the form.
    expect(await focusedId(page)).toBe('numbers-add')

    // The row's buttons name the customer.
    expect(await page.getByRole('button', { name: zh('numbers.callName', { name: '张伟' }) }).count()).toBe(1)
    expect(await page.getByRole('button', { name: zh('numbers.editName', { name: '张伟' }) }).count()).toBe(1)

    // Tab to the row's delete, Enter: the confirmation takes the focus on cancel, named by its title.
    await tabTo(page, 'number-delete', zh('numbers.deleteName', { name: '张伟' }))
    await page.keyboard.press('Enter')
    const confirm = page.getByRole('alertdialog', { name: zh('numbers.delete.title') })
    await confirm.waitFor({ state: 'visible' })
    await expect.poll(() => focusedId(page)).toBe('confirm-cancel')
    // Enter on cancel cancels (the harmless answer the focus starts on), and the focus comes back.
    await page.keyboard.press('Enter')
    await byId(page, 'confirm-dialog').waitFor({ state: 'detached' })
    expect(await page.locator('[data-testid="number-item"]').count()).toBe(1)
    expect(await focusedId(page)).toBe('number-delete')

    // Again; Tab goes round the two buttons only; confirm with Enter on the delete button.
    await page.keyboard.press('Enter')
    await confirm.waitFor({ state: 'visible' })
    await expect.poll(() => focusedId(page)).toBe('confirm-cancel')
    const inDialog: string[] = []
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab')
      inDialog.push(await focusedId(page))
    }
    expect(inDialog).toEqual(['confirm-ok', 'confirm-cancel', 'confirm-ok'])
    expect(await confirm.getByRole('button', { name: zh('numbers.delete.confirm') }).count()).toBe(1)
    await page.keyboard.press('Enter')
    await byId(page, 'confirm-dialog').waitFor({ state: 'detached' })
    await byId(page, 'numbers-empty').waitFor({ state: 'visible' })
  })

  it('opens and closes the import sheet, the status chooser and the filter chips from the keyboard', async () => {
    const page = await phone()
    await keyboardSignIn(page)

    // Import: the box takes the focus, Tab stays in the sheet (close, box, submit), Esc closes,
    // and the focus is back on Import.
    await tabTo(page, 'numbers-import')
    await page.keyboard.press('Enter')
    const sheet = page.getByRole('dialog', { name: zh('numbers.import.title') })
    await sheet.waitFor({ state: 'visible' })
    await expect.poll(() => focusedId(page)).toBe('import-text')
    const inSheet: string[] = []
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab')
      inSheet.push(await focusedId(page))
    }
    expect(inSheet).toEqual(['import-submit', 'import-close', 'import-text'])
    await page.keyboard.type('13800000062,李娜')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await expect.poll(() => byId(page, 'import-result').getAttribute('data-added')).toBe('1')
    expect(await byId(page, 'import-result').getAttribute('role')).toBe('status')
    await page.keyboard.press('Escape')
    await byId(page, 'import-panel').waitFor({ state: 'detached' })
    await expect.poll(() => focusedId(page)).toBe('numbers-import')

    // The chips are one Tab stop; the arrows move along and Enter selects.
    await tabTo(page, 'numbers-filter-all')
    await page.keyboard.press('ArrowRight')
    expect(await focusedId(page)).toBe('numbers-filter-new')
    await page.keyboard.press('Enter')
    await expectAttr(page, 'numbers-filter-new', 'data-selected', 'true')
    expect(await page.getByRole('tab', { selected: true }).getAttribute('data-testid')).toBe('numbers-filter-new')

    // The auto-advance switch toggles with Space.
    await tabTo(page, 'autoadvance-toggle')
    await page.keyboard.press('Space')
    await expectAttr(page, 'autoadvance-toggle', 'aria-checked', 'true')
    await page.keyboard.press('Space')
    await expectAttr(page, 'autoadvance-toggle', 'aria-checked', 'false')

    // The seat status chooser: Enter opens it, Esc closes it and the focus is back on the chip.
    await byId(page, 'agent-state').focus()
    await page.keyboard.press('Enter')
    await byId(page, 'agent-state-menu').waitFor({ state: 'visible' })
    expect(await byId(page, 'agent-state').getAttribute('aria-expanded')).toBe('true')
    await tabTo(page, 'agent-state-rest')
    await page.keyboard.press('Escape')
    await byId(page, 'agent-state-menu').waitFor({ state: 'detached' })
    expect(await focusedId(page)).toBe('agent-state')
    // And Enter chooses: a break.
    await page.keyboard.press('Enter')
    await tabTo(page, 'agent-state-rest')
    await page.keyboard.press('Enter')
    await expectAttr(page, 'agent-state', 'data-state', 'rest')

    // The nav links follow Enter.
    await tabTo(page, 'nav-history')
    await page.keyboard.press('Enter')
    await byId(page, 'history-search').waitFor({ state: 'visible' })
  })

  it('a sheet hides the page behind it (inert, aria-hidden): Tab, focus and the accessibility tree never reach it, a call ringing over the sheet hides the sheet too, and the page is as it was after', async () => {
    const page = await phone()
    await keyboardSignIn(page)
    await expectAttr(page, 'sync-status', 'data-state', 'synced', 20_000)
    /** Every element carrying inert or aria-hidden, with their values: the page's own before any modal. */
    const marked = () =>
      page.evaluate(() =>
        Array.from(document.querySelectorAll('[inert], [aria-hidden]')).map((el) => `${el.tagName.toLowerCase()}.${Array.from(el.classList).join('.')}[${el.getAttribute('data-testid') ?? ''}] inert=${el.hasAttribute('inert')} aria-hidden=${el.getAttribute('aria-hidden')}`),
      )
    /** Whether each test id's element sits in something inert, and in something aria-hidden. */
    const behind = (ids: string[]) =>
      page.evaluate((list) => Object.fromEntries(list.map((id) => {
        const el = document.querySelector(`[data-testid="${id}"]`)
        return [id, el ? `${el.closest('[inert]') ? 'inert' : '-'}/${el.closest('[aria-hidden="true"]') ? 'hidden' : '-'}` : 'absent']
      })), ids)
    const page_ = ['logout', 'sync-status', 'agent-state', 'numbers-add', 'numbers-import', 'nav-history']
    const before = await marked()
    expect(await behind(page_)).toEqual(Object.fromEntries(page_.map((id) => [id, '-/-'])))

    await byId(page, 'numbers-add').focus()
    await page.keyboard.press('Enter')
    const sheet = page.getByRole('dialog', { name: zh('numbers.form.addTitle') })
    await sheet.waitFor({ state: 'visible' })
    await expect.poll(() => focusedId(page)).toBe('number-form-number')
    expect(await behind([...page_, 'number-form', 'number-form-save'])).toEqual({ ...Object.fromEntries(page_.map((id) => [id, 'inert/hidden'])), 'number-form': '-/-', 'number-form-save': '-/-' })
    // Out of the accessibility tree: the header's sign-out is not a button a screen reader finds.
    expect(await page.getByRole('button', { name: zh('shell.logout') }).count()).toBe(0)
    // Tab (and Shift+Tab) go round the sheet only.
    const inside = () => page.evaluate(() => !!document.activeElement?.closest('[data-testid="number-form"]'))
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press(i < 4 ? 'Tab' : 'Shift+Tab')
      expect(await inside()).toBe(true)
    }
    // Not even a script's focus() lands behind it (inert).
    expect(await page.evaluate(() => {
      const logout = document.querySelector('[data-testid="logout"]') as HTMLElement
      logout.focus()
      return document.activeElement === logout
    })).toBe(false)

    // A call rings over the sheet: the sheet is behind it now; declined, the sheet is back.
    await sim(page, 'incomingCall', { from: '13900001111' })
    await byId(page, 'incoming-call').waitFor({ state: 'visible' })
    await expect.poll(() => behind(['number-form', 'incoming-reject', 'logout'])).toEqual({ 'number-form': 'inert/hidden', 'incoming-reject': '-/-', logout: 'inert/hidden' })
    await byId(page, 'incoming-reject').click()
    await byId(page, 'incoming-call').waitFor({ state: 'detached' })
    await expect.poll(() => behind(['number-form', 'logout'])).toEqual({ 'number-form': '-/-', logout: 'inert/hidden' })

    await page.keyboard.press('Escape')
    await byId(page, 'number-form').waitFor({ state: 'detached' })
    // Exactly as before, and the keyboard reaches the page again.
    await expect.poll(marked).toEqual(before)
    expect(await behind(page_)).toEqual(Object.fromEntries(page_.map((id) => [id, '-/-'])))
    await expect.poll(() => focusedId(page)).toBe('numbers-add')
    await tabTo(page, 'logout')
  })

  it('what the page says while a sheet is open is heard: the connection lost behind the number form is said in the app\'s live region, which no modal hides; the focus stays in the form', async () => {
    const page = await phone()
    await keyboardSignIn(page)
    await expectAttr(page, 'sync-status', 'data-state', 'synced', 20_000)
    await byId(page, 'numbers-add').focus()
    await page.keyboard.press('Enter')
    await page.getByRole('dialog', { name: zh('numbers.form.addTitle') }).waitFor({ state: 'visible' })
    await expect.poll(() => focusedId(page)).toBe('number-form-number')

    await sim(page, 'dropConnection')
    await expectAttr(page, 'connection-banner', 'data-state', 'lost')
    // The banner itself is behind the sheet: out of the accessibility tree, so not heard there.
    expect(await page.evaluate(() => !!document.querySelector('[data-testid="connection-banner"]')?.closest('[aria-hidden="true"]'))).toBe(true)
    // Was: nothing else said it. Now the app's live region does, in the accessibility tree.
    await expectText(page, 'a11y-live-polite', zh('shell.banner.lost'))
    expect(await page.evaluate(() => document.querySelector('[data-testid="a11y-live"]')?.closest('[inert], [aria-hidden="true"]') ?? null)).toBeNull()
    await expect.poll(() => page.getByRole('status').filter({ hasText: zh('shell.banner.lost') }).count()).toBe(1)
    expect(await focusedId(page)).toBe('number-form-number')

    await sim(page, 'startReconnect')
    await expectText(page, 'a11y-live-polite', zh('shell.banner.reconnecting'))
    await page.keyboard.press('Escape')
    await byId(page, 'number-form').waitFor({ state: 'detached' })
    // No modal: the banner is heard where it is; the app's region does not say it again.
    await sim(page, 'restoreConnection')
    // Recovered (for 3 s), or already gone: either way no longer reconnecting.
    await expect.poll(() => page.evaluate(() => document.querySelector('[data-testid="connection-banner"]')?.getAttribute('data-state') ?? 'gone')).not.toBe('reconnecting')
    expect(await page.evaluate(() => document.querySelector('[data-testid="a11y-live-polite"]')?.textContent)).toBe(zh('shell.banner.reconnecting'))
  })

  it('a call ending while the number form is open: the form, drawn over the wrap-up, stays the modal on top (a tap on its Save saves the number, not the wrap-up under it), and the wrap-up takes the focus after', async () => {
    const page = await phone()
    await keyboardSignIn(page)
    await connectedCall(page, '13800000061')
    await byId(page, 'nav-numbers').click()
    await byId(page, 'numbers-add').click()
    await inputOf(page, 'number-form-number').fill('13800000062')
    await expect.poll(() => focusedId(page)).toBe('number-form-number')
    // The far end hangs up: the wrap-up (a required one) opens, drawn under uni-popup's form.
    await sim(page, 'remoteHangup')
    await byId(page, 'wrapup-sheet').waitFor({ state: 'attached' })
    const state = () =>
      page.evaluate(() => {
        const save = document.querySelector('[data-testid="number-form-save"]') as HTMLElement
        const box = save.getBoundingClientRect()
        return {
          formInert: !!save.closest('[inert]'),
          wrapupInert: !!document.querySelector('[data-testid="wrapup-sheet"]')?.closest('[inert]'),
          // What a finger on the form's Save reaches: was the wrap-up's "save and call next" under it.
          tapped: document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2)?.closest('[data-testid]')?.getAttribute('data-testid'),
        }
      })
    await expect.poll(state).toEqual({ formInert: false, wrapupInert: true, tapped: 'number-form-save' })
    expect(await focusedId(page)).toBe('number-form-number')
    await byId(page, 'number-form-save').click()
    await byId(page, 'number-form').waitFor({ state: 'detached' })
    await byId(page, 'number-item').first().waitFor({ state: 'attached' })
    await expect.poll(() => page.evaluate(() => !!document.querySelector('[data-testid="wrapup-sheet"]')?.closest('[inert]'))).toBe(false)
    await expect.poll(() => focusedId(page)).toMatch(/^wrapup-outcome-/)
  })

  it('runs a call from the keyboard: transfer form closes on Esc, hang-up, the wrap-up takes the focus, a callback time from the keyboard', async () => {
    const page = await phone()
    await keyboardSignIn(page)
    await connectedCall(page, '13900000063')

    // Transfer opens with Enter, closes with Esc, the focus back on the transfer button.
    await byId(page, 'call-transfer').focus()
    expect(await byId(page, 'call-transfer').getAttribute('aria-expanded')).toBe('false')
    await page.keyboard.press('Enter')
    await byId(page, 'transfer-form').waitFor({ state: 'visible' })
    await tabTo(page, 'transfer-target')
    await page.keyboard.press('Escape')
    await byId(page, 'transfer-form').waitFor({ state: 'detached' })
    expect(await focusedId(page)).toBe('call-transfer')

    // Mute with Space, hang up with Enter.
    await byId(page, 'call-mute').focus()
    await page.keyboard.press('Space')
    await expectAttr(page, 'call-mute', 'data-active', 'true')
    await byId(page, 'call-hangup').focus()
    await page.keyboard.press('Enter')
    await expectAttr(page, 'call-status', 'data-state', 'ended')

    // The wrap-up (required after a connected call) takes the focus on the first outcome. The
    // outcomes are one radio group: the arrows move along them and choose; one Tab leaves them.
    const wrapup = page.getByRole('dialog', { name: zh('wrapup.title') })
    await wrapup.waitFor({ state: 'visible' })
    await expect.poll(() => focusedId(page)).toBe('wrapup-outcome-interested')
    await page.keyboard.press('ArrowRight')
    expect(await focusedId(page)).toBe('wrapup-outcome-not-interested')
    await expectAttr(page, 'wrapup-outcome-not-interested', 'aria-checked', 'true')
    await page.keyboard.press('ArrowLeft')
    expect(await focusedId(page)).toBe('wrapup-outcome-interested')
    await expectAttr(page, 'wrapup-outcome-interested', 'aria-checked', 'true')
    await expectAttr(page, 'wrapup-outcome-not-interested', 'aria-checked', 'false')

    // A callback at a time of the agent's own, with uni's datetime picker from the keyboard: its
    // field is a named button; Enter opens date, hour and minute spin buttons; Esc leaves the
    // time (and the sheet) as they were, Enter sets it; the focus comes back to the field.
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('ArrowRight')
    expect(await focusedId(page)).toBe('wrapup-outcome-callback')
    await expectAttr(page, 'wrapup-outcome-callback', 'aria-checked', 'true')
    await tabTo(page, 'wrapup-callback-field')
    const field = wrapup.getByRole('button', { name: zh('wrapup.callbackField', { value: zh('wrapup.callbackNone') }) })
    expect(await field.getAttribute('aria-expanded')).toBe('false')
    await page.keyboard.press('Enter')
    const keys = wrapup.getByRole('dialog', { name: zh('wrapup.callbackDialog') })
    await keys.waitFor({ state: 'visible' })
    const day = keys.getByRole('spinbutton', { name: zh('wrapup.callbackDay') })
    const hour = keys.getByRole('spinbutton', { name: zh('wrapup.callbackHour') })
    const minute = keys.getByRole('spinbutton', { name: zh('wrapup.callbackMinute') })
    await expect.poll(() => focusedId(page)).toBe('wrapup-callback-day')
    await page.keyboard.press('ArrowUp')
    await page.keyboard.press('Escape')
    await keys.waitFor({ state: 'detached' })
    expect(await focusedId(page)).toBe('wrapup-callback-field')
    expect(await byId(page, 'wrapup-sheet').isVisible()).toBe(true)
    await expectAttr(page, 'wrapup-callback-at', 'data-at', '')
    // uni's own popup never opened for the keys.
    expect(await page.locator('.uni-date-single--x, .uni-calendar__content').first().isVisible()).toBe(false)
    await page.keyboard.press('Enter')
    await keys.waitFor({ state: 'visible' })
    await expect.poll(() => focusedId(page)).toBe('wrapup-callback-day')
    await page.keyboard.press('ArrowUp') // tomorrow
    await page.keyboard.press('ArrowRight')
    expect(await focusedId(page)).toBe('wrapup-callback-hour')
    await page.keyboard.press('Home') // 00
    await page.keyboard.press('ArrowUp') // 01
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('End') // 55
    const chosen = `${(await day.textContent())?.trim().slice(0, 10)} ${(await hour.textContent())?.trim()}:${(await minute.textContent())?.trim()}`
    expect(chosen).toMatch(/^\d{4}-\d{2}-\d{2} 01:55$/)
    expect(await day.getAttribute('aria-valuenow')).toBe('1')
    await page.keyboard.press('Enter')
    await keys.waitFor({ state: 'detached' })
    await expectText(page, 'wrapup-callback-at', chosen)
    expect(await focusedId(page)).toBe('wrapup-callback-field')
    await wrapup.getByRole('button', { name: zh('wrapup.callbackField', { value: chosen }) }).waitFor({ state: 'visible' })

    await tabTo(page, 'wrapup-save')
    await page.keyboard.press('Enter')
    await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
    await tabTo(page, 'call-close')
    await page.keyboard.press('Enter')
    await byId(page, 'dial-input').waitFor({ state: 'visible' })
    void sim
  })
})
