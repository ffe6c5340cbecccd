import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useWorkdayStore } from '@/store/workday'
import { useWrapupStore } from '@/store/wrapup'
import { AGENT, callsOf, loginSdk, setupCore, type Core } from './__tests__/harness'
import { storage } from '../../tests/setup/uni'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

const T0 = Date.parse('2026-03-10T07:30:00Z') // 15:30 in China
let core: Core

function signInAs(userId: string): void {
  useSessionStore().agent = { userId, sdkAppId: AGENT.sdkAppId }
}

async function connectedCall(to: string, remark?: string): Promise<string> {
  const call = useCallStore()
  await call.placeCall(remark ? { to, remark } : { to })
  const sessionId = call.sessionId as string
  core.sim.answerOutbound()
  vi.setSystemTime(Date.now() + 30_000)
  core.sim.remoteHangup()
  // The call record has its own id; the SDK session id is kept beside it.
  const record = useHistoryStore().records.find((r) => r.sessionId === sessionId)
  if (!record) throw new Error(`no call record for ${sessionId}`)
  return record.id
}

beforeEach(async () => {
  core = setupCore()
  await loginSdk(core)
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(T0)
  signInAs(AGENT.userId)
})

afterEach(() => {
  vi.useRealTimers()
})

describe('wrap-up store', () => {
  it('opens a required wrap-up when a connected outbound call ends', async () => {
    const id = await connectedCall('13800000001', '张伟')
    const wrapup = useWrapupStore()
    expect(wrapup.draft).toMatchObject({ callId: id, number: '13800000001', remark: '张伟', requirement: 'required', disposition: null })
    expect(wrapup.skip()).toBe(false)
    expect(wrapup.save()).toBe(false)
    expect(wrapup.problem).toBe('OUTCOME_REQUIRED')
  })

  it('opens an optional one after an unanswered outbound call, and none after a missed inbound call', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800000002' })
    await call.hangUp()
    const wrapup = useWrapupStore()
    expect(wrapup.draft?.requirement).toBe('optional')
    expect(wrapup.skip()).toBe(true)
    expect(wrapup.draft).toBeNull()
    call.close()
    core.sim.incomingCall({ from: '13900000003' })
    core.sim.remoteHangup()
    expect(call.state).toBe('ended')
    expect(wrapup.draft).toBeNull()
  })

  it("follows the backend's setting once synced", async () => {
    useWrapupStore().applySetting({ connected: 'off', unanswered: 'off' })
    await connectedCall('13800000001')
    expect(useWrapupStore().draft).toBeNull()
  })

  it('saves outcome, note and callback time into the call record', async () => {
    const id = await connectedCall('13800000001')
    const wrapup = useWrapupStore()
    wrapup.choose('callback')
    wrapup.setNote('  wants the 2027 price list ')
    expect(wrapup.save()).toBe(false)
    expect(wrapup.problem).toBe('CALLBACK_REQUIRED')
    wrapup.pickCallbackTomorrow()
    const tomorrow10 = new Date(T0) // the machine's local time zone, as the app uses
    tomorrow10.setDate(tomorrow10.getDate() + 1)
    tomorrow10.setHours(10, 0, 0, 0)
    expect(wrapup.draft?.callbackAt).toBe(tomorrow10.getTime())
    wrapup.pickCallbackInOneHour()
    const at = Date.now() + 3_600_000
    expect(wrapup.draft?.callbackAt).toBe(at)
    expect(wrapup.save()).toBe(true)
    expect(wrapup.draft).toBeNull()
    expect(useHistoryStore().records.find((r) => r.id === id)).toMatchObject({ disposition: 'callback', note: 'wants the 2027 price list', callbackAt: at })
  })

  it('cuts the note at 500 characters while typing', async () => {
    await connectedCall('13800000001')
    const wrapup = useWrapupStore()
    wrapup.setNote('好'.repeat(520))
    expect(wrapup.noteCount).toBe(500)
  })

  it('keeps a half-filled wrap-up across a restart, per agent', async () => {
    await connectedCall('13800000001')
    useWrapupStore().choose('interested')
    useWrapupStore().setNote('half done')

    // A restart: a new pinia loads from storage once the same agent is signed in.
    setActivePinia(createPinia())
    signInAs(AGENT.userId)
    expect(useWrapupStore().draft).toMatchObject({ number: '13800000001', disposition: 'interested', note: 'half done' })

    setActivePinia(createPinia())
    signInAs('agent2@example.com')
    expect(useWrapupStore().draft).toBeNull()
  })

  it('keeps drafts under the one per-agent key (agentKeyOf), moving a draft from the old key once', () => {
    const draft = { callId: 'c1', number: '13800000009', remark: '', connected: true, requirement: 'required', disposition: 'deal', note: 'old key', callbackAt: null }
    // What earlier versions wrote: the user id itself as the key part.
    storage.set('tccc.a.agent1@example.com.wrapup', JSON.stringify({ v: 1, data: [draft] }))
    setActivePinia(createPinia())
    signInAs(AGENT.userId)
    expect(useWrapupStore().draft).toMatchObject({ callId: 'c1', note: 'old key' })
    expect(storage.has('tccc.a.agent1@example.com.wrapup')).toBe(false)
    expect(JSON.parse(storage.get('tccc.a.agent1%40example%2Ecom.wrapup') as string).data[0]).toMatchObject({ callId: 'c1' })

    // Next start reads the new key alone; a later edit lands there too.
    setActivePinia(createPinia())
    signInAs(AGENT.userId)
    useWrapupStore().setNote('moved')
    expect(JSON.parse(storage.get('tccc.a.agent1%40example%2Ecom.wrapup') as string).data[0]).toMatchObject({ note: 'moved' })
    expect(storage.has('tccc.a.agent1@example.com.wrapup')).toBe(false)
  })

  it('queues a wrap-up of a call that ended over a half-filled one, latest first', async () => {
    const first = await connectedCall('13800000001')
    useWrapupStore().setNote('first call')
    useCallStore().close()
    const second = await connectedCall('13800000002')
    const wrapup = useWrapupStore()
    expect(wrapup.queue.map((d) => d.callId)).toEqual([second, first])
    wrapup.choose('deal')
    expect(wrapup.save()).toBe(true)
    expect(wrapup.draft).toMatchObject({ callId: first, note: 'first call' })
  })

  it('"save and call next" saves, then dials the next number in work order with its remark', async () => {
    const numbers = useNumbersStore()
    numbers.add('13800000001', 'First')
    numbers.add('13800000002', 'Second')
    await connectedCall('13800000001', 'First')
    useWrapupStore().choose('deal')
    await expect(useWorkdayStore().saveWrapupAndCallNext()).resolves.toBe(true)
    expect(callsOf(core, 'call').at(-1)).toEqual([{ to: '13800000002', remark: 'Second' }])
    expect(useCallStore().state).toBe('ringing')
    expect(useWorkdayStore().counts).toMatchObject({ done: 1, new: 1 })
  })
})

describe('wrap-up sheet state and "call next" edges', () => {
  it('tells the sheet whether the wrap-up is required and needs a callback time; nothing without a draft', async () => {
    const wrapup = useWrapupStore()
    expect([wrapup.isOpen, wrapup.isRequired, wrapup.needsCallbackTime, wrapup.noteCount]).toEqual([false, false, false, 0])
    expect(wrapup.save()).toBe(false)
    await connectedCall('13800000001')
    expect([wrapup.isOpen, wrapup.isRequired, wrapup.needsCallbackTime]).toEqual([true, true, false])
    wrapup.choose('callback')
    expect(wrapup.needsCallbackTime).toBe(true)
    wrapup.setNote('好😀')
    expect(wrapup.noteCount).toBe(2)
    wrapup.choose('deal')
    expect(wrapup.needsCallbackTime).toBe(false)
    expect(wrapup.save()).toBe(true)
    useCallStore().close()
    await useCallStore().placeCall({ to: '13800000002' })
    core.sim.remoteHangup()
    expect([wrapup.isOpen, wrapup.isRequired]).toEqual([true, false])
  })

  it('checks the callback time against its own clock', async () => {
    const wrapup = useWrapupStore()
    await connectedCall('13800000001')
    wrapup.choose('callback')
    wrapup.setCallbackAt(T0 + 3_600_000)
    wrapup.useClock(() => T0 + 7_200_000)
    expect(wrapup.save()).toBe(false)
    expect(wrapup.problem).not.toBeNull()
    wrapup.useClock(() => T0)
    expect(wrapup.save()).toBe(true)
  })

  it('takes a synced catalogue: its outcomes are the ones that can be chosen', () => {
    const wrapup = useWrapupStore()
    wrapup.applyCatalogue([{ code: 'visit', labelZh: '上门', labelEn: 'Visit', final: true, position: 1 }])
    expect(wrapup.catalogue.map((o) => o.code)).toEqual(['visit'])
  })

  it('"save and call next" dials nothing when the wrap-up cannot be saved', async () => {
    useNumbersStore().add('13800000002', 'Second')
    await connectedCall('13800000001')
    const before = callsOf(core, 'call').length
    await expect(useWorkdayStore().saveWrapupAndCallNext()).resolves.toBe(false)
    expect(callsOf(core, 'call')).toHaveLength(before)
    expect(useWrapupStore().problem).toBe('OUTCOME_REQUIRED')
  })

  it('"call next" with nothing to call dials nothing', async () => {
    await expect(useWorkdayStore().callNext()).resolves.toBe(false)
    expect(callsOf(core, 'call')).toEqual([])
  })

  it('"call next" dials a number saved without a remark without one', async () => {
    useNumbersStore().add('13800000003')
    await expect(useWorkdayStore().callNext()).resolves.toBe(true)
    expect(callsOf(core, 'call')).toEqual([[{ to: '13800000003' }]])
  })
})

describe('the business catalogue and setting from sync', () => {
  const outcome = (code: string, position: number, final = false) => ({
    kind: 'outcome',
    id: code,
    deleted: false,
    data: { code, labelZh: `结果${position}`, labelEn: `Outcome ${position}`, final, position },
  })

  it('builds the catalogue from pulled outcomes, keeps it across a restart, and applies the wrapup setting', () => {
    const wrapup = useWrapupStore()
    wrapup.applyRemote([outcome('deal', 2, true), outcome('visit', 1)])
    expect(wrapup.catalogue.map((o) => o.code)).toEqual(['visit', 'deal'])
    // A later pull brings only what changed: one deleted, one new; the rest stays.
    wrapup.applyRemote([{ kind: 'outcome', id: 'visit', deleted: true, data: null }, outcome('quote', 3)])
    expect(wrapup.catalogue.map((o) => o.code)).toEqual(['deal', 'quote'])
    wrapup.applyRemote([{ kind: 'setting', id: 'wrapup', deleted: false, data: { connected: 'off', unanswered: 'required' } }])
    expect(wrapup.setting).toMatchObject({ connected: 'off', unanswered: 'required' })

    // App restart: a fresh pinia for the same agent reads the kept records.
    setActivePinia(createPinia())
    signInAs(AGENT.userId)
    const again = useWrapupStore()
    expect(again.catalogue.map((o) => o.code)).toEqual(['deal', 'quote'])
    expect(again.setting).toMatchObject({ connected: 'off', unanswered: 'required' })
  })

  it('ignores numbers and calls, and another agent keeps the built-in catalogue', async () => {
    const wrapup = useWrapupStore()
    const before = wrapup.catalogue.map((o) => o.code)
    wrapup.applyRemote([{ kind: 'number', id: 'n1', deleted: false, data: { number: '13800000000' } }])
    expect(wrapup.catalogue.map((o) => o.code)).toEqual(before)
    wrapup.applyRemote([outcome('visit', 1)])
    signInAs('agent2@example.com')
    await nextTick()
    expect(wrapup.catalogue.map((o) => o.code)).toEqual(before)
  })
})
