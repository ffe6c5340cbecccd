/**
 * Journeys of agent status and call control on the simulated platform (issue 10, CONTRACT
 * "Agent status and call control"): the seat status in the shell, set by the agent and by the
 * contact center; hold / resume and transfer on the call screen, each recorded in `__tcccSim.log()`.
 */
import { describe, expect, it } from 'vitest'
import { byId, inputOf, sim, simLog } from './harness'
import { callsTo, dialAndRing, expectAttr, signedInPhone, useStack, waitForLog, zh } from './journey'

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
