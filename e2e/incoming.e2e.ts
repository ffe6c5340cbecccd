/**
 * Journeys of incoming calls: the overlay on any signed-in page with the caller from the number
 * list, ringing through the platform, answered, declined, given up by the caller, and a second
 * caller while the agent is already on a call (it must not disturb that call).
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { byId, sim, simLog } from './harness'
import { addNumber, callsTo, closeCall, dialAndRing, expectAttr, expectText, methodsOf, signedInPhone, useStack, zh } from './journey'

const { phone } = useStack()

const RINGTONE = '/static/ringtone.wav'

async function historyRows(page: Page): Promise<Array<{ number: string; direction: string; outcome: string }>> {
  await byId(page, 'nav-history').click()
  await byId(page, 'history-item').first().waitFor({ state: 'visible' })
  return byId(page, 'history-item').evaluateAll((rows) =>
    rows.map((row) => ({
      number: row.getAttribute('data-number') ?? '',
      direction: row.getAttribute('data-direction') ?? '',
      outcome: row.getAttribute('data-outcome') ?? '',
    })),
  )
}

describe('incoming calls', () => {
  it('rings with the caller from the number list, and answering stops the ringing and opens the call', async () => {
    const page = await signedInPhone(phone)
    await addNumber(page, '13900001111', '李四')

    const sessionId = await sim<string>(page, 'incomingCall', { from: '13900001111' })
    expect(sessionId).toBeTruthy()
    await byId(page, 'incoming-call').waitFor({ state: 'visible' })
    await expectText(page, 'incoming-caller', '李四')
    await expectText(page, 'incoming-caller', '13900001111')
    expect(callsTo(await simLog(page), 'startRinging').map((c) => c.args)).toEqual([[RINGTONE]])

    await byId(page, 'incoming-answer').click()
    await expectAttr(page, 'call-status', 'data-state', 'active')
    await byId(page, 'incoming-call').waitFor({ state: 'detached' })
    await expectText(page, 'call-peer', '李四')

    const methods = methodsOf(await simLog(page))
    const ringAt = methods.indexOf('startRinging')
    expect(ringAt).toBeGreaterThan(-1)
    expect(methods.indexOf('answer')).toBeGreaterThan(ringAt)
    expect(methods.indexOf('stopRinging')).toBeGreaterThan(ringAt)
    expect(methods.filter((m) => m === 'answer')).toHaveLength(1)

    await sim(page, 'remoteHangup')
    await expectText(page, 'call-end-reason', zh('call.end.remote-bye'))
    await closeCall(page)
    expect(await historyRows(page)).toEqual([{ number: '13900001111', direction: 'in', outcome: 'answered' }])
  })

  it('declines a call: the SDK terminates it, the ringing stops and history says rejected', async () => {
    const page = await signedInPhone(phone)
    await sim(page, 'incomingCall', { from: '02088886666', remark: 'Acme' })
    await byId(page, 'incoming-call').waitFor({ state: 'visible' })
    await expectText(page, 'incoming-caller', '02088886666')

    await byId(page, 'incoming-reject').click()
    await byId(page, 'incoming-call').waitFor({ state: 'detached' })
    const log = await simLog(page)
    const methods = methodsOf(log)
    expect(methods).toContain('terminate')
    expect(methods).not.toContain('answer')
    expect(methods.indexOf('stopRinging')).toBeGreaterThan(methods.indexOf('startRinging'))
    // Still on the numbers page: declining does not drag the agent to the call screen.
    await byId(page, 'numbers-add').waitFor({ state: 'visible' })

    expect(await historyRows(page)).toEqual([{ number: '02088886666', direction: 'in', outcome: 'rejected' }])
  })

  it('a caller who gives up leaves a missed call', async () => {
    const page = await signedInPhone(phone)
    await sim(page, 'incomingCall', { from: '13700007777' })
    await byId(page, 'incoming-call').waitFor({ state: 'visible' })
    await sim(page, 'remoteHangup')
    await byId(page, 'incoming-call').waitFor({ state: 'detached' })
    const methods = methodsOf(await simLog(page))
    expect(methods).not.toContain('terminate')
    expect(methods.indexOf('stopRinging')).toBeGreaterThan(methods.indexOf('startRinging'))
    expect(await historyRows(page)).toEqual([{ number: '13700007777', direction: 'in', outcome: 'missed' }])
  })

  it('a second caller never interrupts the call in progress', async () => {
    const page = await signedInPhone(phone)
    await dialAndRing(page, '13800138000')
    await sim(page, 'answerOutbound')
    await expectAttr(page, 'call-status', 'data-state', 'active')

    const waiting = await sim<string>(page, 'incomingCall', { from: '13700007777' })
    expect(waiting).toBeTruthy()
    await expectAttr(page, 'call-status', 'data-state', 'active')
    expect(await byId(page, 'incoming-call').count()).toBe(0)
    expect(methodsOf(await simLog(page))).not.toContain('startRinging')

    // The agent's commands still act on the agent's own call.
    await byId(page, 'call-mute').click()
    await expectAttr(page, 'call-mute', 'data-active', 'true')
    await byId(page, 'call-hangup').click()
    await expectText(page, 'call-end-reason', zh('call.end.local-bye'))
    await closeCall(page)
    const rows = await historyRows(page)
    expect(rows).toContainEqual({ number: '13800138000', direction: 'out', outcome: 'answered' })
  })
})
