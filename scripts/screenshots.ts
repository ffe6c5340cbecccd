/**
 * `npm run screenshots`: a PNG of every page of the H5 app at 390x844 into docs/screenshots/,
 * in Chinese (with the failed sign-in notice and a tab standing by for a newer one), plus the numbers page and the call screen in English, and the numbers page, the
 * number form, the wrap-up sheet (and its date picker), the call screen, history and a
 * confirmation in the light and the dark theme (Playwright's
 * `colorScheme`, which the app follows through `prefers-color-scheme`). Builds dist/build/h5 when
 * missing, starts the token backend (mock mode) and the static server, and drives the
 * simulated TCCC platform through `window.__tcccSim`.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { AGENT1, ROOT, byId, inputOf, signIn, sim, startStack, type Stack } from '../e2e/harness'

const OUT = path.join(ROOT, 'docs/screenshots')
const H5 = 'dist/build/h5'
const VIEWPORT = { width: 390, height: 844 }
// A phone's browser: uni-ui picks its phone layouts (e.g. the date picker's bottom calendar) by a
// "mobile" user agent, not by the width.
const PHONE_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36'

/** A dozen numbers as an agent would keep them (normalised), some already called. */
function seededNumbers(now: number): object[] {
  const min = 60_000
  const hour = 60 * min
  const day = 24 * hour
  const rows: Array<[string, string, number?, string?, number?]> = [
    ['13800138000', '张伟 · 华东区采购', 2 * hour, 'answered', 3],
    ['13912345678', '王芳 VIP 客户', 26 * hour, 'answered', 5],
    ['02161234567', '上海分公司前台'],
    ['18611112222', '李娜 待回访', 3 * day, 'no-answer', 1],
    ['075586001234', '深圳售后服务中心', 5 * day, 'answered', 2],
    ['13588886666', '赵敏（合同续签）'],
    ['15000001111', '陈强', 40 * min, 'rejected', 1],
    ['01088889999', '北京总部 · 财务部'],
    ['17722223333', '刘洋 物流对接'],
    ['13600001234', '黄静 新客户'],
    ['+85291234567', '香港办事处'],
    ['18900005678', '周磊 · 投诉跟进', 7 * day, 'answered', 4],
  ]
  return rows.map(([number, remark, ago, lastOutcome, callCount], i) => ({
    number,
    remark,
    createdAt: now - (i + 1) * 3 * day,
    callCount: callCount ?? 0,
    ...(ago !== undefined ? { lastCalledAt: now - ago, lastOutcome } : {}),
  }))
}

function checkCjkFont(): void {
  let fonts = ''
  try {
    fonts = execFileSync('fc-list', [':lang=zh'], { encoding: 'utf8' })
  } catch {
    fonts = ''
  }
  if (fonts.trim() === '') {
    console.warn('No Chinese (CJK) font found (`fc-list :lang=zh` is empty): Chinese text will render as boxes.')
    console.warn('Install one, e.g.: apt-get install -y fonts-wqy-microhei')
  }
}

async function settle(page: Page): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined))
  // Let uni's page switch and Vue's updates paint.
  await page.waitForTimeout(350)
}

/** Waits until a uni-popup sheet or dialog has slid or faded in (its control `id` is clickable). */
async function popupOpen(page: Page, id: string): Promise<void> {
  await byId(page, id).click({ trial: true })
  await page.waitForTimeout(400)
}

async function shoot(page: Page, name: string): Promise<void> {
  await settle(page)
  const file = path.join(OUT, `${name}.png`)
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' })
  console.log(`  ${path.relative(ROOT, file)}`)
}

async function phone(stack: Stack, locale: string, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await stack.browser.newContext({ viewport: VIEWPORT, locale, deviceScaleFactor: 1, colorScheme, userAgent: PHONE_UA, isMobile: true, hasTouch: true })
  const stored = JSON.stringify({ v: 1, data: seededNumbers(Date.now()) })
  await context.addInitScript((value: string) => {
    if (!localStorage.getItem('tccc.numbers')) localStorage.setItem('tccc.numbers', value)
  }, stored)
  const page = await context.newPage()
  page.on('pageerror', (err) => console.error('[page error]', err.message))
  await page.goto(stack.baseUrl)
  await byId(page, 'login-submit').waitFor({ state: 'visible' })
  return page
}

async function callState(page: Page, state: string): Promise<void> {
  await page.locator(`[data-testid="call-status"][data-state="${state}"]`).waitFor({ state: 'visible', timeout: 10_000 })
}

/** Finishes the wrap-up sheet a call left, if any: skipped when optional, else `interested`. */
async function finishWrapup(page: Page): Promise<void> {
  const sheet = byId(page, 'wrapup-sheet')
  await sheet.waitFor({ state: 'visible', timeout: 2_000 }).catch(() => undefined)
  if ((await sheet.count()) === 0) return
  if ((await sheet.getAttribute('data-required')) !== 'true') await byId(page, 'wrapup-skip').click()
  else {
    await byId(page, 'wrapup-outcome-interested').click()
    await byId(page, 'wrapup-save').click()
  }
  await sheet.waitFor({ state: 'detached' })
}

/** Calls a listed number from the numbers page and lets the far end answer. */
async function activeCall(page: Page, number: string): Promise<void> {
  await byId(page, 'nav-numbers').first().click()
  const call = page.locator(`[data-testid="number-item"][data-number="${number}"] [data-testid="number-call"]`)
  // The list is virtual: a row further down is not rendered until searched for.
  if (!(await call.isVisible())) await inputOf(page, 'numbers-search').fill(number)
  await call.click()
  await callState(page, 'ringing')
  await sim(page, 'answerOutbound')
  await callState(page, 'active')
  await sim(page, 'setNetworkQuality', 2)
  // A few seconds on the timer.
  await page.waitForFunction(() => (document.querySelector('[data-testid="call-timer"]')?.textContent ?? '') >= '00:07', undefined, { timeout: 15_000 })
}

async function chinese(stack: Stack): Promise<void> {
  const page = await phone(stack, 'zh-CN')
  await shoot(page, 'login')

  await inputOf(page, 'login-username').fill(AGENT1.username)
  await inputOf(page, 'login-password').fill('wrong-password')
  await byId(page, 'login-submit').click()
  await byId(page, 'login-error').waitFor({ state: 'visible', timeout: 10_000 })
  await shoot(page, 'login-error')

  await signIn(page, AGENT1)
  await byId(page, 'number-item').first().waitFor({ state: 'visible' })
  // The wrong password above is told at this sign-in, until dismissed.
  await byId(page, 'signin-failures').waitFor({ state: 'visible', timeout: 10_000 })
  await shoot(page, 'signin-failures')
  await byId(page, 'signin-failures-dismiss').click()
  await byId(page, 'signin-failures').waitFor({ state: 'detached' })
  await shoot(page, 'numbers')

  await byId(page, 'numbers-add').click()
  await inputOf(page, 'number-form-number').fill('137 0000 1111')
  await inputOf(page, 'number-form-remark').fill('孙丽 · 预约周五回电')
  await popupOpen(page, 'number-form-save')
  await shoot(page, 'number-form')
  await byId(page, 'number-form-cancel').click()

  await byId(page, 'numbers-import').click()
  await inputOf(page, 'import-text').fill(
    ['号码,备注', '13711112222,吴倩 新线索', '0571-8765 4321,杭州办事处', '13800138000,张伟 · 华东区采购', '12,号码不全', '+86 186 0000 9999,郑浩 渠道经理'].join('\n'),
  )
  await byId(page, 'import-submit').click()
  await byId(page, 'import-result').waitFor({ state: 'visible' })
  await popupOpen(page, 'import-submit')
  await shoot(page, 'import-result')
  await byId(page, 'import-close').click()

  await byId(page, 'nav-dial').first().click()
  await inputOf(page, 'dial-input').fill('13912345678')
  await shoot(page, 'dial-pad')

  await activeCall(page, '13800138000')
  await shoot(page, 'call-active')
  await byId(page, 'call-hangup').click()
  await callState(page, 'ended')
  await finishWrapup(page)
  await shoot(page, 'call-ended')
  await byId(page, 'call-close').click()

  // More history: a declined call and a missed incoming one.
  await byId(page, 'nav-numbers').first().click()
  await page.locator('[data-testid="number-item"][data-number="18611112222"] [data-testid="number-call"]').click()
  await callState(page, 'ringing')
  await sim(page, 'rejectOutbound')
  await callState(page, 'ended')
  await finishWrapup(page)
  await byId(page, 'call-close').click()
  await byId(page, 'nav-numbers').first().click()
  await sim(page, 'incomingCall', { from: '13100002222' })
  await byId(page, 'incoming-call').waitFor({ state: 'visible' })
  await sim(page, 'remoteHangup')
  await byId(page, 'incoming-call').waitFor({ state: 'hidden' })

  // The incoming-call overlay over the numbers page: a listed caller shows the remark.
  await byId(page, 'nav-numbers').first().click()
  await byId(page, 'number-item').first().waitFor({ state: 'visible' })
  await sim(page, 'incomingCall', { from: '13912345678' })
  await byId(page, 'incoming-call').waitFor({ state: 'visible' })
  await shoot(page, 'incoming-call')
  await byId(page, 'incoming-answer').click()
  await callState(page, 'active')
  await page.waitForTimeout(1200)
  await sim(page, 'remoteHangup')
  await callState(page, 'ended')
  await finishWrapup(page)
  await byId(page, 'call-close').click()

  await byId(page, 'nav-history').first().click()
  await byId(page, 'history-item').first().waitFor({ state: 'visible' })
  await shoot(page, 'history')

  await byId(page, 'nav-numbers').first().click()
  await byId(page, 'number-item').first().waitFor({ state: 'visible' })
  await sim(page, 'dropConnection')
  await page.locator('[data-testid="connection-banner"][data-state="lost"]').waitFor({ state: 'visible' })
  await shoot(page, 'connection-lost')
  await sim(page, 'restoreConnection')

  // The agent opens the app in a second tab of the same browser: the newest tab takes the
  // registration and this one stands by, usable, with "use here".
  const second = await page.context().newPage()
  second.on('pageerror', (err) => console.error('[page error]', err.message))
  await second.goto(stack.baseUrl)
  await byId(page, 'tab-elsewhere').waitFor({ state: 'visible', timeout: 20_000 })
  await page.bringToFront()
  await shoot(page, 'tab-elsewhere')
  await page.context().close()
}

async function english(stack: Stack): Promise<void> {
  const page = await phone(stack, 'en-US')
  await signIn(page, AGENT1)
  await byId(page, 'number-item').first().waitFor({ state: 'visible' })
  await shoot(page, 'en-numbers')
  await activeCall(page, '13912345678')
  await shoot(page, 'en-call-active')
  await byId(page, 'call-hangup').click()
  await page.context().close()
}

/** A finger swipe across the first number row (`dx` < 0: to the left), as uni-swipe-action wants it. */
async function swipeFirstRow(page: Page, dx: number): Promise<void> {
  const b = await byId(page, 'number-item').first().boundingBox()
  if (!b) throw new Error('no number row')
  const x = b.x + b.width * 0.6
  const y = b.y + b.height / 2
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] })
  for (let step = 1; step <= 10; step++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x + (dx * step) / 10, y }] })
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
  await cdp.detach()
  await page.locator(`[data-testid="number-item"][data-open="${dx < 0}"]`).first().waitFor()
  // The slide (0.3 s) ends before the shot.
  await page.waitForTimeout(400)
}

/** The day's screens in one theme: numbers, call, wrap-up sheet, history (`<name>-<scheme>.png`). */
async function themed(stack: Stack, scheme: 'light' | 'dark'): Promise<void> {
  const page = await phone(stack, 'zh-CN', scheme)
  await signIn(page, AGENT1)
  await byId(page, 'number-item').first().waitFor({ state: 'visible' })
  await shoot(page, `numbers-${scheme}`)
  // The number form (uni-popup bottom sheet) over the list.
  await byId(page, 'numbers-add').click()
  await inputOf(page, 'number-form-number').fill('137 0000 1111')
  await inputOf(page, 'number-form-remark').fill('孙丽 · 预约周五回电')
  await popupOpen(page, 'number-form-save')
  await shoot(page, `number-form-${scheme}`)
  await byId(page, 'number-form-cancel').click()
  await byId(page, 'number-form').waitFor({ state: 'detached' })
  await swipeFirstRow(page, -220)
  await shoot(page, `numbers-swiped-${scheme}`)
  await swipeFirstRow(page, 220)
  await activeCall(page, '13800138000')
  await shoot(page, `call-active-${scheme}`)
  await byId(page, 'call-hangup').click()
  await callState(page, 'ended')
  await byId(page, 'wrapup-sheet').waitFor({ state: 'visible' })
  await byId(page, 'wrapup-outcome-callback').click()
  await byId(page, 'wrapup-callback-tomorrow').click()
  await inputOf(page, 'wrapup-note').fill('客户对续签感兴趣，需要先和财务确认预算，明天上午回电。')
  await shoot(page, `wrapup-${scheme}`)
  // uni-datetime-picker's own calendar, themed by the sheet (its colours are fixed light ones).
  await byId(page, 'wrapup-callback-custom').locator('.uni-date-editor').tap()
  await page.locator('.uni-calendar__content').first().waitFor({ state: 'visible' })
  await shoot(page, `wrapup-picker-${scheme}`)
  await page.locator('.uni-calendar__mask').first().tap({ position: { x: 20, y: 20 } })
  await page.locator('.uni-calendar__content').first().waitFor({ state: 'hidden' })
  await byId(page, 'wrapup-save').click()
  await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
  await byId(page, 'call-close').click()
  await byId(page, 'nav-history').first().click()
  await byId(page, 'history-item').first().waitFor({ state: 'visible' })
  await shoot(page, `history-${scheme}`)
  // A confirmation (uni-popup centre dialog) over history.
  await byId(page, 'history-clear').click()
  await popupOpen(page, 'confirm-ok')
  await shoot(page, `confirm-${scheme}`)
  await byId(page, 'confirm-cancel').click()
  await byId(page, 'confirm-dialog').waitFor({ state: 'detached' })
  await page.context().close()
}

async function main(): Promise<void> {
  checkCjkFont()
  if (!existsSync(path.join(ROOT, H5, 'index.html'))) {
    console.log(`building ${H5} ...`)
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/uni.mjs'), 'build'], { cwd: ROOT, stdio: 'inherit' })
    if (r.status !== 0) throw new Error('H5 build failed')
  }
  mkdirSync(OUT, { recursive: true })
  const stack = await startStack(H5)
  try {
    // `npm run screenshots -- themes` shoots only the light/dark pass.
    const themesOnly = process.argv.includes('themes')
    if (!themesOnly) {
      console.log('Chinese:')
      await chinese(stack)
      console.log('English:')
      await english(stack)
    }
    for (const scheme of ['light', 'dark'] as const) {
      console.log(`Theme ${scheme}:`)
      await themed(stack, scheme)
    }
  } finally {
    await stack.close()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
