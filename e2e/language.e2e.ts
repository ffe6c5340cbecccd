/**
 * The agent's language after sign-in: a switch in the header (there was none once signed in),
 * and uni-ui's date picker in the wrap-up following a switch made on the login page after an
 * earlier sign-in in the same app run (it stayed Chinese: uni-i18n took uni's locale when the
 * picker's module loaded and followed it only after its first text).
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, signIn } from './harness'
import { connectedCall, expectAttr, expectText, signedInPhone, simReady, useStack, zh } from './journey'

const { phone } = useStack()

/** A connected call to `number` ended by the agent: the wrap-up sheet opens. */
async function callAndHangUp(page: Page, number: string): Promise<void> {
  await connectedCall(page, number)
  await byId(page, 'call-hangup').click()
  await byId(page, 'wrapup-sheet').waitFor({ state: 'visible' })
}

describe('the language once signed in', () => {
  it('switches from the header, stays switched after a restart, and comes back', async () => {
    const page = await signedInPhone(phone)
    const language = byId(page, 'shell-language')
    await expectAttr(page, 'shell-language', 'data-locale', 'zh')
    expect(await language.innerText()).toBe('EN')
    expect(await language.getAttribute('aria-label')).toBe(zh('shell.switchLanguage'))
    expect(await byId(page, 'nav-numbers').innerText()).toContain(zh('shell.nav.numbers'))

    await language.click()
    await expectAttr(page, 'shell-language', 'data-locale', 'en')
    await expectText(page, 'nav-numbers', 'Numbers')
    expect(await language.getAttribute('aria-label')).toBe('Switch to 中文')
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en')

    // The choice is the agent's setting: kept across a restart, in the session restored then.
    await page.reload()
    await simReady(page)
    await expectText(page, 'nav-numbers', 'Numbers')
    await byId(page, 'shell-language').click()
    await expectAttr(page, 'shell-language', 'data-locale', 'zh')
    await expectText(page, 'nav-numbers', zh('shell.nav.numbers'))
  })

  it('shows the wrap-up\'s date picker in English after switching on the login page, signed in before in Chinese', async () => {
    const page = await signedInPhone(phone)
    // The signed-in pages, and with them the picker's module, load in Chinese.
    await byId(page, 'nav-history').click()
    await byId(page, 'logout').click()
    await byId(page, 'lang-en').click()
    await signIn(page)
    await simReady(page)
    await callAndHangUp(page, '13800000071')
    await byId(page, 'wrapup-outcome-callback').click()
    await byId(page, 'wrapup-callback-custom').locator('.uni-date-editor').click()
    const weekdays = page.locator('.uni-calendar__weeks-day-text')
    await weekdays.first().waitFor({ state: 'visible' })
    // English as the app writes it (uni-ui ships SUN, MON and lower-case buttons; src/platform/uniUi/i18n.ts).
    expect(await weekdays.allInnerTexts()).toEqual(['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'])
    const lines = (await page.locator('body').innerText()).split('\n').map((line) => line.trim())
    expect(lines.filter((line) => /^(ok|cancel|clear|confirm|select (date|time))$/.test(line))).toEqual([])
    expect(lines.some((line) => /^(OK|Confirm|Select date|Select time)$/.test(line))).toBe(true)
  })
})
