/**
 * Journeys of agent status and call control on the simulated platform (issue 10, CONTRACT
 * "Agent status and call control"): the seat status in the shell, set by the agent and by the
 * contact center; hold / resume and transfer on the call screen, each recorded in `__tcccSim.log()`.
 */
import { describe, expect, it } from 'vitest'
import { byId, inputOf, signIn, sim, simLog } from './harness'
import { callsTo, cancelCall, closeCall, finishWrapup, dialAndRing, expectAttr, expectText, openDialPad, signedInPhone, simReady, useStack, waitForLog, zh } from './journey'

const { phone } = useStack()

describe('agent status', () => {
  it('shows free after sign-in, lets the agent take a break with a reason and come back', async () => {
    const page = await signedInPhone(phone)
    await expectAttr(page, 'agent-state', 'data-state', 'free')
    await byId(page, 'agent-state').click()
    await inputOf(page, 'agent-rest-reason').fill('lunch')
    await byId(page, 'agent-state-rest').click()
    await expectAttr(page, 'agent-state', 'data-state', 'rest')
    await expect.poll(() => byId(page, 'agent-state').innerText()).toContain(zh('shell.agentState.rest'))
    const log = await waitForLog(page, (entries) => callsTo(entries, 'setStatus').length === 1)
    expect(callsTo(log, 'setStatus')[0].args).toEqual([{ status: 'rest', restReason: 'lunch' }])

    await byId(page, 'agent-state').click()
    await byId(page, 'agent-state-free').click()
    await expectAttr(page, 'agent-state', 'data-state', 'free')
  })

  it('follows the contact center (statusChanged) and a call (busy while it runs)', async () => {
    const page = await signedInPhone(phone)
    await sim(page, 'setAgentStatus', 'arrange')
    await expectAttr(page, 'agent-state', 'data-state', 'arrange')
    await sim(page, 'setAgentStatus', 'free')
    await dialAndRing(page, '13800138000')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'agent-state', 'data-state', 'busy')
    await byId(page, 'call-hangup').click()
    await expectAttr(page, 'agent-state', 'data-state', 'free')
  })
})

describe('call control', () => {
  it('holds and resumes the call', async () => {
    const page = await signedInPhone(phone)
    await dialAndRing(page, '13800138000')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')
    await expectAttr(page, 'call-hold', 'data-active', 'false')
    await byId(page, 'call-hold').click()
    await expectAttr(page, 'call-hold', 'data-active', 'true')
    await byId(page, 'call-hold').click()
    await expectAttr(page, 'call-hold', 'data-active', 'false')
    const log = await simLog(page)
    expect(callsTo(log, 'hold')).toHaveLength(1)
    expect(callsTo(log, 'unhold')).toHaveLength(1)
  })

  it('transfers the call to a colleague; the call ends here', async () => {
    const page = await signedInPhone(phone)
    await dialAndRing(page, '13800138000')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')
    await byId(page, 'call-transfer').click()
    await inputOf(page, 'transfer-target').fill('agent2@example.com')
    await byId(page, 'transfer-submit').click()
    await expectAttr(page, 'call-status', 'data-state', 'ended')
    const log = await waitForLog(page, (entries) => callsTo(entries, 'transfer').length === 1)
    expect(callsTo(log, 'transfer')[0].args).toEqual([{ userId: 'agent2@example.com' }])
  })
})

describe('internal call and caller number (simulated platform)', () => {
  it('calls a colleague from the dial page (dial-internal): same call screen, logged as callSeat, no history or wrap-up', async () => {
    const page = await signedInPhone(phone)
    await openDialPad(page)
    await byId(page, 'dial-internal').click()
    await inputOf(page, 'dial-internal-target').fill('agent2@example.com')
    await byId(page, 'dial-call').click()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    await expectText(page, 'call-peer', 'agent2@example.com')
    await byId(page, 'call-internal').waitFor({ state: 'visible' })
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')
    await byId(page, 'call-hangup').click()
    await expectAttr(page, 'call-status', 'data-state', 'ended')
    const log = await waitForLog(page, (entries) => callsTo(entries, 'callSeat').length === 1)
    expect(callsTo(log, 'callSeat')[0].args).toEqual([{ userId: 'agent2@example.com' }])
    expect(callsTo(log, 'call')).toEqual([])
    // A colleague is not a customer: no wrap-up, no history row.
    await page.waitForTimeout(1_000)
    expect(await byId(page, 'wrapup-sheet').count()).toBe(0)
    await byId(page, 'call-close').click()
    await byId(page, 'nav-history').first().click()
    await byId(page, 'history-empty').waitFor({ state: 'visible' })
  })

  it('offers the business caller numbers, sends the chosen one with the call and keeps the choice after a reload', async () => {
    const page = await signedInPhone(phone)
    await openDialPad(page)
    await byId(page, 'dial-caller-number').waitFor({ state: 'visible' })
    const options = () => byId(page, 'dial-caller-option').evaluateAll((els) => els.map((el) => [el.getAttribute('data-number'), el.getAttribute('data-selected')]))
    expect(await options()).toEqual([
      ['', 'true'],
      ['02000000000', 'false'],
      ['075512345678', 'false'],
    ])
    await page.locator('[data-testid="dial-caller-option"][data-number="075512345678"]').click()
    await expectAttr(page, 'dial-caller-number', 'data-value', '075512345678')
    await inputOf(page, 'dial-input').fill('13800138000')
    await byId(page, 'dial-call').click()
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    const log = await waitForLog(page, (entries) => callsTo(entries, 'call').length === 1)
    expect(callsTo(log, 'call')[0].args).toEqual([{ to: '13800138000', callerNumber: '075512345678' }])
    await cancelCall(page)
    await finishWrapup(page)

    await page.reload()
    await simReady(page)
    await byId(page, 'agent-status').first().waitFor({ state: 'visible', timeout: 20_000 })
    await openDialPad(page)
    await expectAttr(page, 'dial-caller-number', 'data-value', '075512345678')
  })
})

describe('after-call work and call detail', () => {
  it("holds the seat in arrange during the wrap-up when the business's setting says so, frees it when saved", async () => {
    const page = await phone()
    // The business turns after-call work on: its `wrapup` setting as the pull delivers it.
    await page.route('**/api/workspace/changes?*', async (route) => {
      const response = await route.fetch()
      const body = (await response.json()) as { changes: Array<{ kind: string; id: string; data: Record<string, unknown> | null }> }
      for (const change of body.changes) if (change.kind === 'setting' && change.id === 'wrapup' && change.data) change.data.afterCallWork = true
      await route.fulfill({ response, json: body })
    })
    await signIn(page)
    await simReady(page)
    await expectAttr(page, 'agent-state', 'data-state', 'free')
    await dialAndRing(page, '13800138000')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'agent-state', 'data-state', 'busy')
    await byId(page, 'call-hangup').click()
    await byId(page, 'wrapup-sheet').waitFor({ state: 'visible' })
    await expectAttr(page, 'agent-state', 'data-state', 'arrange')
    await byId(page, 'wrapup-outcome-interested').click()
    await byId(page, 'wrapup-save').click()
    await expectAttr(page, 'agent-state', 'data-state', 'free')
    const log = await simLog(page)
    expect(callsTo(log, 'setStatus').map((c) => c.args)).toEqual([[{ status: 'arrange' }], [{ status: 'free' }]])
  })

  it("shows TCCC's duration and recording link on the history item after the call", async () => {
    const page = await signedInPhone(phone)
    await dialAndRing(page, '13800138000')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')
    await page.waitForTimeout(1_200)
    await byId(page, 'call-hangup').click()
    await closeCall(page)
    await byId(page, 'nav-history').first().click()
    await byId(page, 'history-item').first().waitFor({ state: 'visible' })
    // The app asks 2 s after the call, once the record is on the server (mock mode synthesises it).
    await byId(page, 'history-tccc-duration').waitFor({ state: 'visible', timeout: 15_000 })
    expect(Number(await byId(page, 'history-tccc-duration').getAttribute('data-seconds'))).toBeGreaterThanOrEqual(1)
    expect(await byId(page, 'history-recording').getAttribute('data-url')).toMatch(/^http:\/\/localhost:\d+\/mock\/recordings\/.+\.wav$/)
  })
})
