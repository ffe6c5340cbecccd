/**
 * Journeys on the simulated build for issue 10's device features: the call's audio route among
 * what the phone offers (`__tcccSim.setAudioRoutes`), and the seat status through the token
 * backend as on the native App (the simulator's 'backend' mode, chosen with localStorage).
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { AGENT1, byId, inputOf, signIn, sim } from './harness'
import { callsTo, closeCall, dialAndRing, expectAttr, signedInPhone, simReady, useStack, waitForLog, zh } from './journey'

const { phone, stack } = useStack()

async function activeCall(page: Page): Promise<void> {
  await dialAndRing(page, '13800138000')
  await sim(page, 'answerOutbound')
  await expectAttr(page, 'call-status', 'data-state', 'active')
}

describe('audio routes on the call screen', () => {
  it('shows a Bluetooth headset taking the call and lets the agent move it to the speaker and back', async () => {
    const page = await signedInPhone(phone)
    await activeCall(page)
    await expectAttr(page, 'call-audio-route', 'data-route', 'earpiece')
    await expectAttr(page, 'call-audio-route', 'data-headset', 'false')

    await sim(page, 'setAudioRoutes', ['earpiece', 'speaker', 'bluetooth'])
    await expectAttr(page, 'call-audio-route', 'data-route', 'bluetooth')
    await expectAttr(page, 'call-audio-route', 'data-headset', 'true')
    await expect.poll(() => byId(page, 'call-headset').innerText()).toBe(zh('audioRoute.headsetInUse', { route: zh('audioRoute.route.bluetooth') }))

    await byId(page, 'call-audio-route').click()
    await expect.poll(() => byId(page, 'call-audio-route-option').evaluateAll((els) => els.map((e) => e.getAttribute('data-route')))).toEqual(['earpiece', 'speaker', 'bluetooth'])
    await page.locator('[data-testid="call-audio-route-option"][data-route="speaker"]').click()
    await expectAttr(page, 'call-audio-route', 'data-route', 'speaker')
    // The SDK's own switch follows (the contract's speaker button).
    await expectAttr(page, 'call-speaker', 'data-route', 'speakerphone')
    const log = await waitForLog(page, (entries) => callsTo(entries, 'selectAudioOutput').length >= 1)
    expect(callsTo(log, 'selectAudioOutput').at(-1)?.args).toEqual(['speaker'])

    // The speaker button takes the call back to the headset.
    await byId(page, 'call-speaker').click()
    await expectAttr(page, 'call-audio-route', 'data-route', 'bluetooth')
  })

  it("keeps the agent's choice: the next call starts on it, and a plugged headset does not take it away", async () => {
    const page = await signedInPhone(phone)
    await activeCall(page)
    await byId(page, 'call-audio-route').click()
    await page.locator('[data-testid="call-audio-route-option"][data-route="speaker"]').click()
    await expectAttr(page, 'call-audio-route', 'data-route', 'speaker')
    await byId(page, 'call-hangup').click()
    await closeCall(page)
    // Next call on the same phone: the speaker again.
    await activeCall(page)
    await expectAttr(page, 'call-audio-route', 'data-route', 'speaker')
    await sim(page, 'setAudioRoutes', ['speaker', 'wired'])
    await expect.poll(() => sim<{ current: string }>(page, 'audioRoutes').then((r) => r.current)).toBe('speaker')
    await expectAttr(page, 'call-audio-route', 'data-route', 'speaker')
    await expectAttr(page, 'call-audio-route', 'data-routes', 'speaker,wired')
  })
})

describe('seat status through the backend (as on the App)', () => {
  it('reads and sets the seat at the backend, never through the SDK', async () => {
    const page = await phone()
    await page.evaluate(() => localStorage.setItem('tccc.sim.agentStatusVia', 'backend'))
    await page.reload()
    await signIn(page)
    await simReady(page)
    await expectAttr(page, 'agent-state', 'data-state', 'free')
    await byId(page, 'agent-state').click()
    // SetStaffStatus cannot enter after-call work: the App's chooser does not offer it.
    await expect.poll(() => byId(page, 'agent-state-arrange').count()).toBe(0)
    await inputOf(page, 'agent-rest-reason').fill('lunch')
    await byId(page, 'agent-state-rest').click()
    await expectAttr(page, 'agent-state', 'data-state', 'rest')

    // The backend holds it for this agent (another session of agent1 reads it).
    const base = `http://127.0.0.1:${stack().backend.port}`
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(AGENT1) })
    const { accessToken } = (await login.json()) as { accessToken: string }
    const seat = await fetch(`${base}/api/agent/status`, { headers: { authorization: `Bearer ${accessToken}` } })
    expect(await seat.json()).toEqual({ status: 'rest', restReason: 'lunch' })
    expect(callsTo(await sim(page, 'log'), 'setStatus')).toEqual([])

    await byId(page, 'agent-state').click()
    await byId(page, 'agent-state-free').click()
    await expectAttr(page, 'agent-state', 'data-state', 'free')
    await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body: '{}' })
  })
})
