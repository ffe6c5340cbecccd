/**
 * Journeys of outbound calls: from the number list (with its remark) and from the dial pad, the
 * in-call controls (mute, speaker, DTMF, timer, hang up), the far end rejecting, a call the SDK
 * refuses, a double tap, and a connection that drops and comes back mid-call.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, inputOf, sim, simLog } from './harness'
import {
  addNumber,
  callsTo,
  cancelCall,
  closeCall,
  dialAndRing,
  expectAttr,
  expectText,
  methodsOf,
  openDialPad,
  pressKeys,
  recordCallStates,
  recordedCallStates,
  signedInPhone,
  useStack,
  waitForLog,
  zh,
  zhError,
} from './journey'

const { phone } = useStack()

const row = (page: Page, number: string) => page.locator(`[data-testid="number-item"][data-number="${number}"]`)
const timerText = (page: Page) => byId(page, 'call-timer').innerText()
/** `mm:ss` as seconds (NaN for anything else). */
function seconds(mmss: string): number {
  const match = /^(\d{2,}):([0-5]\d)$/.exec(mmss.trim())
  return match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN
}

describe('placing a call', () => {
  it('calls a listed number with its remark, shown on the call screen and on the call bar of other pages', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13800138000', '张三')
    await row(page, '13800138000').locator('[data-testid="number-call"]').click()

    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    await expectText(page, 'call-peer', '张三')
    await expectText(page, 'call-peer', '13800138000')
    await expectText(page, 'call-status', zh('call.state.ringing'))
    const calls = callsTo(await simLog(page), 'call')
    expect(calls.map((c) => c.args[0])).toEqual([{ to: '13800138000', remark: '张三' }])

    // Elsewhere in the app the call bar says who is on the line and leads back.
    await byId(page, 'nav-numbers').click()
    await expectText(page, 'shell-call-bar', '张三')
    await expectText(page, 'shell-call-bar', zh('shell.callBarRinging'))
    await byId(page, 'shell-call-bar').click()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')

    // Cancelling before the answer.
    await cancelCall(page)
    await expectText(page, 'call-end-reason', zh('call.end.local-cancel'))
    expect(methodsOf(await simLog(page)).slice(-1)).toEqual(['terminate'])
    expect(callsTo(await simLog(page), 'terminate')).toHaveLength(1)
  })

  it('dials from the keypad, with backspace, and refuses an empty number without asking the SDK', async () => {
    const page = await signedInPhone(phone)
    await openDialPad(page)

    await byId(page, 'dial-call').click()
    await expectText(page, 'dial-error', zh('numbers.error.NUMBER_EMPTY'))

    const typed = () => inputOf(page, 'dial-input').inputValue()
    await pressKeys(page, '13800*#')
    await expect.poll(typed).toBe('13800*#')
    await byId(page, 'dial-backspace').click()
    await byId(page, 'dial-backspace').click()
    await expect.poll(typed).toBe('13800')
    await pressKeys(page, '1380009')
    await byId(page, 'dial-backspace').click()
    await expect.poll(typed).toBe('13800138000')
    expect(callsTo(await simLog(page), 'call')).toHaveLength(0)

    await byId(page, 'dial-call').click()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    await expectText(page, 'call-peer', '13800138000')
    expect(callsTo(await simLog(page), 'call').map((c) => c.args[0])).toEqual([{ to: '13800138000' }])
  })
})

describe('in a call', () => {
  it('mutes, switches to the speaker, sends DTMF, counts time and hangs up', async () => {
    const page = await signedInPhone(phone)
    await dialAndRing(page, '13800138000')
    expect(await timerText(page)).toBe('00:00')

    expect(await sim(page, 'answerOutbound')).toBe(true)
    await expectAttr(page, 'call-status', 'data-state', 'active')
    await expectText(page, 'call-status', zh('call.state.active'))
    // The preferred route (earpiece by default) is applied at the start of the call.
    await expectAttr(page, 'call-speaker', 'data-route', 'earpiece')
    expect(callsTo(await simLog(page), 'setAudioRoute').map((c) => c.args)).toEqual([['earpiece']])

    // Mute and unmute.
    await expectAttr(page, 'call-mute', 'data-active', 'false')
    await byId(page, 'call-mute').click()
    await expectAttr(page, 'call-mute', 'data-active', 'true')
    expect(methodsOf(await simLog(page)).at(-1)).toBe('mute')
    await byId(page, 'call-mute').click()
    await expectAttr(page, 'call-mute', 'data-active', 'false')
    expect(methodsOf(await simLog(page)).at(-1)).toBe('unmute')

    // Speaker and back.
    await byId(page, 'call-speaker').click()
    await expectAttr(page, 'call-speaker', 'data-route', 'speakerphone')
    expect(callsTo(await simLog(page), 'setAudioRoute').at(-1)?.args).toEqual(['speakerphone'])
    await byId(page, 'call-speaker').click()
    await expectAttr(page, 'call-speaker', 'data-route', 'earpiece')
    expect(callsTo(await simLog(page), 'setAudioRoute').at(-1)?.args).toEqual(['earpiece'])

    // The network quality the SDK reports is shown.
    await sim(page, 'setNetworkQuality', 5)
    await expectAttr(page, 'network-quality', 'data-quality', '5')

    // DTMF through the in-call keypad: one SDK call per digit, the digits shown as sent.
    await byId(page, 'call-keypad').first().click()
    await pressKeys(page, '1*#')
    await expectText(page, 'call-dtmf-sent', '1*#')
    expect(callsTo(await simLog(page), 'sendDTMF').map((c) => c.args)).toEqual([['1'], ['*'], ['#']])
    await byId(page, 'call-keypad').first().click()
    await byId(page, 'call-mute').waitFor({ state: 'visible' })

    // The timer counts while active.
    await expect.poll(async () => seconds(await timerText(page)), { timeout: 5_000 }).toBeGreaterThanOrEqual(2)

    await byId(page, 'call-hangup').click()
    await expectAttr(page, 'call-status', 'data-state', 'ended')
    await expectText(page, 'call-end-reason', zh('call.end.local-bye'))
    expect(methodsOf(await simLog(page)).at(-1)).toBe('terminate')
    expect(callsTo(await simLog(page), 'terminate')).toHaveLength(1)
    // The timer stops at the end (it would have ticked within 1.2 s).
    const final = await timerText(page)
    expect(seconds(final)).toBeGreaterThanOrEqual(2)
    const ticked = await page
      .waitForFunction((shown) => document.querySelector('[data-testid="call-timer"]')?.textContent?.trim() !== shown, final, { timeout: 1_200 })
      .then(
        () => true,
        () => false,
      )
    expect(ticked).toBe(false)

    await closeCall(page)
    await byId(page, 'dial-input').waitFor({ state: 'visible' })
    expect(await byId(page, 'call-status').count()).toBe(0)
  })

  it('shows the far end hanging up', async () => {
    const page = await signedInPhone(phone)
    await dialAndRing(page, '13800138000')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')
    expect(await sim(page, 'remoteHangup')).toBe(true)
    await expectAttr(page, 'call-status', 'data-state', 'ended')
    await expectText(page, 'call-end-reason', zh('call.end.remote-bye'))
    expect(callsTo(await simLog(page), 'terminate')).toHaveLength(0)
  })
})

describe('calls that do not connect', () => {
  it('shows a rejected call as ended with the reason, never as active', async () => {
    const page = await signedInPhone(phone)
    await recordCallStates(page)
    await dialAndRing(page, '13800138000')
    expect(await sim(page, 'rejectOutbound')).toBe(true)
    await expectAttr(page, 'call-status', 'data-state', 'ended')
    await expectText(page, 'call-end-reason', zh('call.end.rejected'))
    expect(await recordedCallStates(page)).not.toContain('active')
    expect(await byId(page, 'call-mute').count()).toBe(0)
    expect(callsTo(await simLog(page), 'terminate')).toHaveLength(0)
  })

  it('shows why the SDK refused a call, and never shows it ringing', async () => {
    const page = await signedInPhone(phone)
    await recordCallStates(page)
    await sim(page, 'failNext', 'call', -10004)
    await openDialPad(page)
    await inputOf(page, 'dial-input').fill('13800138000')
    await byId(page, 'dial-call').click()

    await expectAttr(page, 'call-status', 'data-state', 'ended')
    await expectText(page, 'call-error', zhError('ERR_NETWORK_CANNOT_RESET'))
    await expectText(page, 'call-status', zh('call.failed'))
    const states = await recordedCallStates(page)
    expect(states).not.toContain('ringing')
    expect(states).not.toContain('active')
    expect(callsTo(await simLog(page), 'call')).toHaveLength(1)

    // The next attempt is a fresh call that works.
    await closeCall(page)
    await dialAndRing(page, '13800138000')
    expect(await byId(page, 'call-error').count()).toBe(0)
    expect(callsTo(await simLog(page), 'call')).toHaveLength(2)
  })

  it('places exactly one call on a double tap, from the dial pad and from the list', async () => {
    const page = await signedInPhone(phone)
    await openDialPad(page)
    await inputOf(page, 'dial-input').fill('13800138000')
    await recordCallStates(page)
    // The second tap lands where hang-up now is: it must neither call again nor cancel.
    await byId(page, 'dial-call').dblclick()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    expect(callsTo(await simLog(page), 'call')).toHaveLength(1)
    expect(methodsOf(await simLog(page))).not.toContain('terminate')
    expect(await recordedCallStates(page)).not.toContain('ended')
    // A deliberate single tap right away still cancels.
    await cancelCall(page)
    expect(callsTo(await simLog(page), 'terminate')).toHaveLength(1)
    await closeCall(page)

    // Two taps in the same instant, before the page can re-render.
    await byId(page, 'nav-numbers').click()
    await addNumber(page, '13900001111', '李四')
    await row(page, '13900001111')
      .locator('[data-testid="number-call"]')
      .evaluate((button) => {
        ;(button as HTMLElement).click()
        ;(button as HTMLElement).click()
      })
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    await expectText(page, 'call-peer', '李四')
    const calls = callsTo(await simLog(page), 'call')
    expect(calls.map((c) => c.args[0])).toEqual([{ to: '13800138000' }, { to: '13900001111', remark: '李四' }])
  })
})

describe('connection trouble', () => {
  it('keeps the call while the connection is lost, reconnecting and recovered, and the banner says so', async () => {
    const page = await signedInPhone(phone)
    await dialAndRing(page, '13800138000')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')
    expect(await byId(page, 'connection-banner').count()).toBe(0)
    await recordCallStates(page)

    await sim(page, 'dropConnection')
    await expectAttr(page, 'connection-banner', 'data-state', 'lost')
    await expectText(page, 'connection-banner', zh('shell.banner.lost'))
    await expectAttr(page, 'call-status', 'data-state', 'active')

    await sim(page, 'startReconnect')
    await expectAttr(page, 'connection-banner', 'data-state', 'reconnecting')
    await expectText(page, 'connection-banner', zh('shell.banner.reconnecting'))

    await sim(page, 'restoreConnection')
    // State and text in one read: "recovered" is on screen for 3 s only, and a stall of the
    // machine between two reads would find the banner gone.
    await expect
      .poll(() =>
        byId(page, 'connection-banner')
          .evaluate((el) => (el.getAttribute('data-state') === 'recovered' ? (el as HTMLElement).innerText : `<data-state ${el.getAttribute('data-state')}>`), undefined, { timeout: 1_000 })
          .catch(() => '<no banner>'),
      )
      .toContain(zh('shell.banner.recovered'))

    // "Recovered" is a short notice, then the banner goes away.
    await expect.poll(() => byId(page, 'connection-banner').count(), { timeout: 8_000 }).toBe(0)

    expect(await recordedCallStates(page)).toEqual(['active'])
    const log = await waitForLog(page, (entries) => entries.length > 0)
    expect(methodsOf(log)).not.toContain('terminate')
    expect(callsTo(log, 'login')).toHaveLength(1)

    // The call still works after the recovery.
    await byId(page, 'call-mute').click()
    await expectAttr(page, 'call-mute', 'data-active', 'true')
  })
})
