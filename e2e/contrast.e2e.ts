/**
 * Every text an agent reads during a day, in the light and the dark theme, reaches its WCAG
 * contrast minimum against what it is painted on (4.5:1; 3:1 for large text): sign-in and its
 * errors, the number list with its chips, forms and import, the dial pad, a call from ringing to
 * wrap-up, a failed call, an incoming call, a missed-call notice, the connection banners, the
 * agent status and history. Field agents read the phone outdoors; white on the old green call
 * buttons measured 2.28:1.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { AGENT1, byId, inputOf, sim } from './harness'
import { lowContrastText } from './contrast'
import { addNumber, dialAndRing, expectAttr, simReady, swipeRowOpen, useStack } from './journey'

const { phone } = useStack()

/** Lets a sheet or banner finish sliding or fading in (uni-popup: 300 ms). */
const settle = (page: Page) => page.waitForTimeout(350)

async function dayInTheme(page: Page, scheme: 'light' | 'dark'): Promise<string[]> {
  const failures: string[] = []
  const check = async (screen: string): Promise<void> => {
    await settle(page)
    for (const f of await lowContrastText(page)) failures.push(`${scheme} ${screen}: [${f.where}] "${f.text}" ${f.fg} on ${f.bg} = ${f.ratio} < ${f.needed}`)
  }
  await page.emulateMedia({ colorScheme: scheme })
  await page.reload()
  await byId(page, 'login-submit').waitFor({ state: 'visible' })
  await expectAttr(page, 'app-theme', 'data-theme', scheme).catch(() => undefined)
  await check('login')
  await inputOf(page, 'login-username').fill(AGENT1.username)
  await inputOf(page, 'login-password').fill('wrong-password')
  await byId(page, 'login-submit').click()
  await byId(page, 'login-error').waitFor({ state: 'visible' })
  await byId(page, 'login-server-toggle').click()
  await check('login error, server settings')
  await byId(page, 'login-server-toggle').click()
  await inputOf(page, 'login-password').fill(AGENT1.password)
  await byId(page, 'login-submit').click()
  await byId(page, 'agent-status').waitFor({ state: 'visible' })
  await simReady(page)
  await expectAttr(page, 'app-theme', 'data-theme', scheme)
  await check('numbers, empty')

  await byId(page, 'numbers-add').click()
  await inputOf(page, 'number-form-number').fill('12')
  await byId(page, 'number-form-save').click()
  await byId(page, 'number-form-error').waitFor({ state: 'visible' })
  await check('number form with an error')
  await byId(page, 'number-form-cancel').click()
  await addNumber(page, '13800000071', '张伟')
  await byId(page, 'numbers-import').click()
  await inputOf(page, 'import-text').fill('13800000072,李四\n13800000073,王五\n13800000074,赵六\n12')
  await byId(page, 'import-submit').click()
  await expectAttr(page, 'import-result', 'data-added', '3')
  await check('import result')
  await byId(page, 'import-close').click()
  await byId(page, 'import-panel').waitFor({ state: 'detached' })
  await check('numbers, four listed (every avatar colour but two)')
  await swipeRowOpen(page, '13800000072')
  await check('a row swiped open')
  await page.locator('[data-testid="number-item"][data-number="13800000072"] [data-testid="number-delete"]').click()
  await byId(page, 'confirm-dialog').waitFor({ state: 'visible' })
  await check('delete confirmation')
  await byId(page, 'confirm-cancel').click()

  await byId(page, 'agent-state').click()
  await inputOf(page, 'agent-rest-reason').waitFor({ state: 'visible' })
  await check('agent status menu')
  await byId(page, 'agent-state-rest').click()
  await expectAttr(page, 'agent-state', 'data-state', 'rest')
  await check('on a break')
  await byId(page, 'agent-state').click()
  await byId(page, 'agent-state-free').click()
  await expectAttr(page, 'agent-state', 'data-state', 'free')

  await byId(page, 'nav-dial').click()
  await inputOf(page, 'dial-input').fill('13800000071')
  await check('dial pad')
  await byId(page, 'dial-call').click()
  await expectAttr(page, 'call-status', 'data-state', 'ringing')
  await check('ringing')
  await sim(page, 'answerOutbound')
  await expectAttr(page, 'call-status', 'data-state', 'active')
  await check('active call')
  await byId(page, 'call-hangup').click()
  await byId(page, 'wrapup-sheet').waitFor({ state: 'visible' })
  await byId(page, 'wrapup-outcome-callback').click()
  await check('wrap-up with a callback')
  await byId(page, 'wrapup-outcome-interested').click()
  await byId(page, 'wrapup-save').click()
  await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
  await check('ended call')
  await byId(page, 'call-close').click()

  await dialAndRing(page, '13800000075')
  await sim(page, 'rejectOutbound')
  await expectAttr(page, 'call-status', 'data-state', 'ended')
  await check('declined call')
  await byId(page, 'wrapup-skip').click().catch(() => undefined)
  await byId(page, 'call-close').click()

  await sim(page, 'incomingCall', { from: '13900000076', remark: '客户来电' })
  await byId(page, 'incoming-call').waitFor({ state: 'visible' })
  await check('incoming call')
  await sim(page, 'remoteHangup')
  await byId(page, 'missed-notice').waitFor({ state: 'visible' })
  await check('missed-call notice')

  await sim(page, 'dropConnection')
  await expectAttr(page, 'connection-dot', 'data-state', 'lost')
  await check('connection lost')
  await sim(page, 'restoreConnection')
  await expectAttr(page, 'connection-dot', 'data-state', 'online')
  await check('connection back')

  await byId(page, 'nav-history').click()
  await byId(page, 'history-item').first().waitFor({ state: 'visible' })
  await check('history')
  return failures
}

describe('text contrast', () => {
  it('reaches its minimum everywhere in the light theme', async () => {
    expect(await dayInTheme(await phone(), 'light')).toEqual([])
  })

  it('reaches its minimum everywhere in the dark theme', async () => {
    expect(await dayInTheme(await phone(), 'dark')).toEqual([])
  })
})
