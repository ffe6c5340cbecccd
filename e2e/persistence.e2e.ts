/**
 * What survives a reload: the number list, the call history, the preferred audio route, a
 * half-typed number or paste, the silent sign-in while the backend session is valid, and the last account name after signing
 * out (which must not sign in silently).
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { AGENT1, byId, inputOf, sim, simLog } from './harness'
import { addNumber, callsTo, closeCall, dialAndRing, expectAttr, expectText, listedNumbers, methodsOf, signedInPhone, simReady, useStack, zh } from './journey'

const { phone } = useStack()

const row = (page: Page, number: string) => page.locator(`[data-testid="number-item"][data-number="${number}"]`)

function historyAttrs(page: Page): Promise<Array<{ number: string; direction: string; outcome: string }>> {
  return byId(page, 'history-item').evaluateAll((rows) =>
    rows.map((el) => ({
      number: el.getAttribute('data-number') ?? '',
      direction: el.getAttribute('data-direction') ?? '',
      outcome: el.getAttribute('data-outcome') ?? '',
    })),
  )
}

/** Waits until the agent's kept numbers-page draft (form or import box) holds `text`. */
async function draftHolds(page: Page, text: string): Promise<void> {
  const drafts = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith('.numberDrafts')).map((k) => localStorage.getItem(k)).join())
  await expect.poll(drafts).toContain(text)
}

/** Reloads the app and waits until the kept sheet (`number-form`, `import-panel`) is back. */
async function reloadShowing(page: Page, sheet: string): Promise<void> {
  await page.reload()
  await simReady(page)
  await byId(page, sheet).waitFor({ state: 'visible' })
}

describe('after a reload', () => {
  it('keeps numbers, history and the audio route, and signs in silently', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800138000', '张三')
    await addNumber(page, '13900001111', '李四')

    // An answered call on the speaker, from the list.
    await row(page, '13800138000').locator('[data-testid="number-call"]').click()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')
    await byId(page, 'call-speaker').click()
    await expectAttr(page, 'call-speaker', 'data-route', 'speakerphone')
    await byId(page, 'call-hangup').click()
    await closeCall(page)

    // A rejected one from the dial pad.
    await dialAndRing(page, '13700007777')
    await sim(page, 'rejectOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'ended')
    await closeCall(page)

    // And a declined incoming call.
    await sim(page, 'incomingCall', { from: '13900001111' })
    await byId(page, 'incoming-reject').click()
    await byId(page, 'incoming-call').waitFor({ state: 'detached' })

    await byId(page, 'nav-history').click()
    await byId(page, 'history-item').first().waitFor({ state: 'visible' })
    const before = await historyAttrs(page)
    expect(before).toEqual([
      { number: '13900001111', direction: 'in', outcome: 'rejected' },
      { number: '13700007777', direction: 'out', outcome: 'rejected' },
      { number: '13800138000', direction: 'out', outcome: 'answered' },
    ])

    await page.reload()

    // Signed in again without the password: a fresh SDK instance logged in by itself.
    await expectText(page, 'agent-status', AGENT1.username)
    expect(await byId(page, 'login-submit').count()).toBe(0)
    await simReady(page)
    const relogins = callsTo(await simLog(page), 'login')
    expect(relogins).toHaveLength(1)
    expect(relogins[0].args[0]).toMatchObject({ userId: AGENT1.username, token: '<redacted>' })

    // The history page it was on, with every call.
    await byId(page, 'history-item').first().waitFor({ state: 'visible' })
    expect(await historyAttrs(page)).toEqual(before)

    await byId(page, 'nav-numbers').click()
    await expect.poll(() => listedNumbers(page)).toEqual(['13900001111', '13800138000'])
    expect(await row(page, '13800138000').innerText()).toContain('张三')
    // Each listed number remembers its last call.
    expect(await row(page, '13800138000').getAttribute('data-call-count')).toBe('1')
    expect(await row(page, '13800138000').getAttribute('data-last-outcome')).toBe('answered')
    expect(await row(page, '13900001111').getAttribute('data-last-outcome')).toBe('rejected')

    // The next call starts on the speaker the agent chose last time.
    await row(page, '13900001111').locator('[data-testid="number-call"]').click()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    await expectAttr(page, 'call-speaker', 'data-route', 'speakerphone')
    const routes = callsTo(await simLog(page), 'setAudioRoute').map((c) => c.args)
    expect(routes).toEqual([['speakerphone']])
    expect(methodsOf(await simLog(page)).indexOf('setAudioRoute')).toBeGreaterThan(methodsOf(await simLog(page)).indexOf('call'))
  })

  it('records a call cut off by a reload, says so, and offers its wrap-up', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800000095', '王总')
    await dialAndRing(page, '13800000095')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')
    // Talking for a few seconds, less than the 15 s heartbeat that also keeps the call.
    await page.waitForTimeout(3_000)

    // The app is closed mid-call (the SDK's call goes with it) and opened again.
    await page.reload()
    await expectText(page, 'agent-status', AGENT1.username)
    await simReady(page)
    await expectText(page, 'call-interrupted', zh('notices.callInterrupted', { name: '王总' }))
    // A connected call: its wrap-up is asked for, as after any connected call.
    await byId(page, 'wrapup-sheet').waitFor({ state: 'visible' })
    await byId(page, 'wrapup-outcome-interested').click()
    await byId(page, 'wrapup-save').click()
    await byId(page, 'wrapup-sheet').waitFor({ state: 'detached' })
    await byId(page, 'call-interrupted-dismiss').click()
    await byId(page, 'call-interrupted').waitFor({ state: 'detached' })

    await byId(page, 'nav-history').click()
    await byId(page, 'history-item').first().waitFor({ state: 'visible' })
    expect(await historyAttrs(page)).toEqual([{ number: '13800000095', direction: 'out', outcome: 'answered' }])
    expect(await byId(page, 'history-disposition').innerText()).toBe('有意向')
    // The talk time up to the reload is kept (written as the page went, not at the last heartbeat).
    expect(Number(await byId(page, 'history-item').first().getAttribute('data-duration'))).toBeGreaterThanOrEqual(2)
    // Once: another reload records nothing more.
    await page.reload()
    await simReady(page)
    await byId(page, 'history-item').first().waitFor({ state: 'visible' })
    expect(await historyAttrs(page)).toHaveLength(1)
    expect(await byId(page, 'call-interrupted').count()).toBe(0)
  })

  it('puts back a half-typed number and a paste, and forgets them once saved or closed', async () => {
    const page = await signedInPhone(phone)
    await byId(page, 'numbers-add').click()
    await inputOf(page, 'number-form-number').fill('13800000096')
    await inputOf(page, 'number-form-remark').fill('赵六')
    // uni hands typing to the page up to 100 ms late: wait until the draft holds the remark.
    await draftHolds(page, '赵六')

    await reloadShowing(page, 'number-form')
    expect(await inputOf(page, 'number-form-number').inputValue()).toBe('13800000096')
    expect(await inputOf(page, 'number-form-remark').inputValue()).toBe('赵六')
    await byId(page, 'number-form-save').click()
    await byId(page, 'number-form-save').waitFor({ state: 'detached' })
    expect(await row(page, '13800000096').innerText()).toContain('赵六')

    await byId(page, 'numbers-import').click()
    await inputOf(page, 'import-text').fill('13800000097,钱七\n13800000098')
    await draftHolds(page, '13800000098')
    await reloadShowing(page, 'import-panel')
    expect(await inputOf(page, 'import-text').inputValue()).toBe('13800000097,钱七\n13800000098')
    await byId(page, 'import-submit').click()
    await expectAttr(page, 'import-result', 'data-added', '2')
    await byId(page, 'import-close').click()

    // Saved and closed: another reload opens neither sheet.
    await page.reload()
    await simReady(page)
    await expect.poll(() => listedNumbers(page)).toEqual(['13800000097', '13800000098', '13800000096'])
    expect(await byId(page, 'number-form').count()).toBe(0)
    expect(await byId(page, 'import-panel').count()).toBe(0)
  })

  it('remembers the last account after signing out, and does not sign in silently', async () => {
    const page = await signedInPhone(phone)
    await byId(page, 'logout').click()
    await expectText(page, 'login-notice', zh('login.reason.logged-out'))
    expect(await inputOf(page, 'login-username').inputValue()).toBe(AGENT1.username)

    await page.reload()
    await byId(page, 'login-submit').waitFor({ state: 'visible' })
    await expect.poll(() => inputOf(page, 'login-username').inputValue()).toBe(AGENT1.username)
    expect(await inputOf(page, 'login-password').inputValue()).toBe('')
    expect(await byId(page, 'agent-status').count()).toBe(0)
    // Nothing asked of TCCC: no SDK was even needed on the login page, or it logged nobody in.
    const log = await page.evaluate(() => (window as unknown as { __tcccSim?: { log(): Array<{ method: string }> } }).__tcccSim?.log() ?? [])
    expect(log.map((entry) => entry.method)).not.toContain('login')

    // Signing in again only needs the password.
    await inputOf(page, 'login-password').fill(AGENT1.password)
    await byId(page, 'login-submit').click()
    await expectText(page, 'agent-status', AGENT1.username)
  })
})
