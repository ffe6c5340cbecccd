/**
 * Journeys of SDK failures the simulator injects (issue 10): microphone and media errors from
 * `onError` during a call, a callback that never arrives (sign-out still completes), and a lost
 * connection that the resume check does not turn into a sign-out.
 */
import { describe, expect, it } from 'vitest'
import { byId, sim, simLog } from './harness'
import { callsTo, dialAndRing, expectAttr, expectText, signedInPhone, useStack, zh, zhError } from './journey'

const { phone } = useStack()

describe('device errors during a call', () => {
  it('a microphone error shows its message and next action while the call goes on', async () => {
    const page = await signedInPhone(phone)
    await dialAndRing(page, '13800138000')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')
    await sim(page, 'deviceError', -1319)
    await expectText(page, 'call-error', zhError('ERR_MIC_OCCUPY'))
    await expectAttr(page, 'call-error', 'data-code', '-1319')
    await expectAttr(page, 'call-error-action', 'data-action', 'free-microphone')
    await expectText(page, 'call-error-action', zh('error.action.free-microphone'))
    await expectAttr(page, 'call-status', 'data-state', 'active')
  })

  it('a media error ends the call as the SDK does, and the ended call says why', async () => {
    const page = await signedInPhone(phone)
    await dialAndRing(page, '13800138000')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')
    await sim(page, 'deviceError', -3308)
    await expectAttr(page, 'call-status', 'data-state', 'ended')
    await expectText(page, 'call-error', zhError('ERR_RTC_CONNECT_SERVER_TIMEOUT'))
    await expectText(page, 'call-end-reason', zh('call.end.error'))
  })
})

describe('callbacks that never come and a lost connection', () => {
  it('signs out locally when the SDK never answers logout', async () => {
    const page = await signedInPhone(phone)
    await sim(page, 'neverAnswer', 'logout')
    await byId(page, 'logout').click()
    // The logout deadline is 5 s.
    await expectText(page, 'login-notice', zh('login.reason.logged-out'), 15_000)
    expect(callsTo(await simLog(page), 'logout')).toHaveLength(1)
  })

})
