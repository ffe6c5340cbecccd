/**
 * Journeys of number management: add (and refused input), edit, search as you type, delete
 * with confirmation, bulk import with its counts. None of it may reach the TCCC SDK.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, inputOf, simLog } from './harness'
import { addNumber, expectAttr, expectText, listedNumbers, methodsOf, signedInPhone, useStack, zh } from './journey'

const { phone } = useStack()

const row = (page: Page, number: string) => page.locator(`[data-testid="number-item"][data-number="${number}"]`)

/** Number management is local: the app never asks the SDK to call, answer or anything else. */
async function expectNoCallCommands(page: Page): Promise<void> {
  expect(methodsOf(await simLog(page)).filter((m) => m !== 'login')).toEqual([])
}

/**
 * Types each text into the number field and taps save at once (a fast agent): well within the
 * 100 ms in which uni holds back typing from the page. A tap first takes the focus off the field,
 * then clicks: two events, as in the browser.
 */
async function typeThenTapSave(page: Page, texts: string[]): Promise<void> {
  await inputOf(page, 'number-form-number').focus()
  await page.evaluate((values) => {
    const field = document.querySelector('[data-testid="number-form-number"] input') as HTMLInputElement
    for (const value of values) {
      field.value = value
      field.dispatchEvent(new Event('input', { bubbles: true }))
    }
    field.blur()
  }, texts)
  await page.evaluate(() => (document.querySelector('[data-testid="number-form-save"]') as HTMLElement).click())
}

async function typeSearch(page: Page, text: string): Promise<void> {
  const search = inputOf(page, 'numbers-search')
  await search.fill('')
  await search.pressSequentially(text)
}

describe('number management', () => {
  it('adds a number, refusing invalid and duplicate input with the reason', async () => {
    const page = await signedInPhone(phone)
    await expectAttr(page, 'numbers-empty', 'data-reason', 'no-numbers')

    await byId(page, 'numbers-add').click()
    await inputOf(page, 'number-form-number').fill('call me')
    await byId(page, 'number-form-save').click()
    await expectText(page, 'number-form-error', zh('numbers.error.NUMBER_NOT_DIGITS'))

    // Corrected twice and saved within the same instant (uni hands typing to the page at most
    // every 100 ms): the save must see the last text typed, as a tap blurs the field first.
    await typeThenTapSave(page, ['999', '12'])
    await expectText(page, 'number-form-error', zh('numbers.error.NUMBER_TOO_SHORT'))
    expect(await byId(page, 'number-item').count()).toBe(0)

    // Spaces and dashes are fine; the stored number is normalised.
    await inputOf(page, 'number-form-number').fill('138 0013-8000')
    await inputOf(page, 'number-form-remark').fill('张三')
    await byId(page, 'number-form-save').click()
    await byId(page, 'number-form-save').waitFor({ state: 'detached' })
    await expect.poll(() => listedNumbers(page)).toEqual(['13800138000'])
    await expectText(page, 'number-item', '张三')
    expect(await byId(page, 'numbers-empty').count()).toBe(0)

    // The same phone again is a duplicate, whatever the spelling.
    await byId(page, 'numbers-add').click()
    await inputOf(page, 'number-form-number').fill('13800138000')
    await byId(page, 'number-form-save').click()
    await expectText(page, 'number-form-error', zh('numbers.error.NUMBER_DUPLICATE'))
    await byId(page, 'number-form-cancel').click()
    await byId(page, 'number-form-save').waitFor({ state: 'detached' })
    expect(await listedNumbers(page)).toEqual(['13800138000'])

    await expectNoCallCommands(page)
  })

  it('a stray tap beside the add form or Esc asks before throwing the typed number away; search finds it with +86', async () => {
    const page = await signedInPhone(phone)
    await byId(page, 'numbers-add').click()
    await inputOf(page, 'number-form-number').fill('13955556666')
    await inputOf(page, 'number-form-remark').fill('important lead')
    // The dimmed backdrop above the sheet.
    await page.mouse.click(180, 40)
    await byId(page, 'discard-question').waitFor({ state: 'visible' })
    expect(await inputOf(page, 'number-form-number').inputValue()).toBe('13955556666')
    await byId(page, 'discard-keep').click()
    await byId(page, 'discard-question').waitFor({ state: 'detached' })
    await page.keyboard.press('Escape')
    await byId(page, 'discard-question').waitFor({ state: 'visible' })
    await byId(page, 'discard-keep').click()
    await byId(page, 'number-form-save').click()
    await byId(page, 'number-form').waitFor({ state: 'detached' })
    await inputOf(page, 'numbers-search').fill('+86 139 5555 6666')
    await expect.poll(() => listedNumbers(page)).toEqual(['13955556666'])
  })

  it('edits a number and its remark', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800138000', '张三')
    await addNumber(page, '13900001111', '李四')

    await row(page, '13800138000').locator('[data-testid="number-edit"]').click()
    expect(await inputOf(page, 'number-form-number').inputValue()).toBe('13800138000')
    expect(await inputOf(page, 'number-form-remark').inputValue()).toBe('张三')

    // Taking another listed number is refused.
    await inputOf(page, 'number-form-number').fill('13900001111')
    await byId(page, 'number-form-save').click()
    await expectText(page, 'number-form-error', zh('numbers.error.NUMBER_DUPLICATE'))

    await inputOf(page, 'number-form-number').fill('13800138001')
    await inputOf(page, 'number-form-remark').fill('张三丰')
    await byId(page, 'number-form-save').click()
    await byId(page, 'number-form-save').waitFor({ state: 'detached' })
    await expect.poll(() => listedNumbers(page)).toEqual(['13900001111', '13800138001'])
    expect(await row(page, '13800138001').innerText()).toContain('张三丰')
    expect(await row(page, '13800138000').count()).toBe(0)

    await expectNoCallCommands(page)
  })

  it('filters the list as the agent types, by number or remark', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800138000', '张三')
    await addNumber(page, '13900001111', '李四')
    await addNumber(page, '02088886666', 'Acme Support')

    await typeSearch(page, '13')
    await expect.poll(() => listedNumbers(page)).toEqual(['13900001111', '13800138000'])
    await inputOf(page, 'numbers-search').pressSequentially('9')
    await expect.poll(() => listedNumbers(page)).toEqual(['13900001111'])

    // Separators typed in a number do not matter.
    await typeSearch(page, '138 0013')
    await expect.poll(() => listedNumbers(page)).toEqual(['13800138000'])

    // Remarks, case-insensitively.
    await typeSearch(page, 'acme')
    await expect.poll(() => listedNumbers(page)).toEqual(['02088886666'])
    await typeSearch(page, '李')
    await expect.poll(() => listedNumbers(page)).toEqual(['13900001111'])

    await typeSearch(page, 'nobody')
    await expectAttr(page, 'numbers-empty', 'data-reason', 'no-match')
    await expectText(page, 'numbers-empty', zh('numbers.emptySearch', { q: 'nobody' }))
    expect(await byId(page, 'number-item').count()).toBe(0)

    await inputOf(page, 'numbers-search').fill('')
    await expect.poll(() => listedNumbers(page)).toEqual(['02088886666', '13900001111', '13800138000'])

    await expectNoCallCommands(page)
  })

  it('deletes a number only after the agent confirms', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800138000', '张三')
    await addNumber(page, '13900001111', '李四')

    await row(page, '13800138000').locator('[data-testid="number-delete"]').click()
    await expectText(page, 'confirm-dialog', zh('numbers.delete.message', { number: '13800138000', remark: '张三' }))
    await byId(page, 'confirm-cancel').click()
    await byId(page, 'confirm-ok').waitFor({ state: 'detached' })
    expect(await listedNumbers(page)).toEqual(['13900001111', '13800138000'])

    await row(page, '13800138000').locator('[data-testid="number-delete"]').click()
    await byId(page, 'confirm-ok').click()
    await expect.poll(() => listedNumbers(page)).toEqual(['13900001111'])

    await row(page, '13900001111').locator('[data-testid="number-delete"]').click()
    await byId(page, 'confirm-ok').click()
    await expectAttr(page, 'numbers-empty', 'data-reason', 'no-numbers')

    await expectNoCallCommands(page)
  })

  it('keeps only the refused lines of a paste in the import box, so a second import adds nothing twice', async () => {
    const page = await signedInPhone(phone)
    await byId(page, 'numbers-import').click()
    await inputOf(page, 'import-text').click()
    // One paste: uni's textarea hands it to the form up to 100 ms late, after the import.
    await page.keyboard.insertText('13800005003,甲\nxyz,乙\n13800005004,丙')
    await byId(page, 'import-submit').click()
    await expectAttr(page, 'import-result', 'data-added', '2')
    await page.waitForTimeout(300)
    expect(await inputOf(page, 'import-text').inputValue()).toBe('xyz,乙')
    await inputOf(page, 'import-text').fill('13800005005,乙')
    await byId(page, 'import-submit').click()
    await expectAttr(page, 'import-result', 'data-added', '1')
    await expectAttr(page, 'import-result', 'data-duplicates', '0')
  })

  it('imports pasted lines and reports added, duplicate and invalid lines', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800138000', '张三')

    await byId(page, 'numbers-import').click()
    const pasted = [
      '13900001111,李四', // added
      '13800138000,张三 again', // already listed
      'not a number,x', // invalid
      '020 8888 6666\tAcme Support', // added (tab-separated, spaces in the number)
      '13900001111,李四 twice', // duplicate within the paste
      '12,too short', // invalid
    ].join('\n')
    await inputOf(page, 'import-text').fill(pasted)
    await byId(page, 'import-submit').click()

    await expectAttr(page, 'import-result', 'data-added', '2')
    await expectAttr(page, 'import-result', 'data-duplicates', '2')
    await expectAttr(page, 'import-result', 'data-invalid', '2')
    await expectText(page, 'import-result', zh('numbers.import.result', { added: 2, duplicates: 2, invalid: 2 }))
    // Only the refused lines stay in the box, to be fixed.
    expect(await inputOf(page, 'import-text').inputValue()).toBe('not a number,x\n12,too short')
    await expectText(page, 'import-kept', zh('numbers.import.keptInvalid'))

    await byId(page, 'import-close').click()
    await byId(page, 'import-text').waitFor({ state: 'detached' })
    const listed = await listedNumbers(page)
    expect([...listed].sort()).toEqual(['02088886666', '13800138000', '13900001111'])
    expect(await row(page, '02088886666').innerText()).toContain('Acme Support')
    // The already-listed number kept its remark.
    expect(await row(page, '13800138000').innerText()).toContain('张三')
    expect(await row(page, '13800138000').innerText()).not.toContain('again')

    await expectNoCallCommands(page)
  })
})
