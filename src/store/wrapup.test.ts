import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useWorkdayStore } from '@/store/workday'
import { useWrapupStore } from '@/store/wrapup'
import { AGENT, callsOf, loginSdk, setupCore, type Core } from './__tests__/harness'

vi.mock('@/platform/index', async () => {
  const { createSimulatedTccc } = await import('@/platform/simulated/index')
  return { platformKind: 'simulated', createPlatform: () => createSimulatedTccc() }
})
vi.mock('@/platform/device', () => ({
  ensureMicrophonePermission: () => Promise.resolve('granted'),
  canOpenMicrophoneSettings: () => false,
  openMicrophoneSettings: () => undefined,
  keepScreenOn: () => undefined,
}))

const T0 = Date.parse('2026-03-10T07:30:00Z') // 15:30 in China
let core: Core

function signInAs(userId: string): void {
  useSessionStore().agent = { userId, sdkAppId: AGENT.sdkAppId }
}

async function connectedCall(to: string, remark?: string): Promise<string> {
  const call = useCallStore()
  await call.placeCall(remark ? { to, remark } : { to })
  const id = call.sessionId as string
  core.sim.answerOutbound()
  vi.setSystemTime(Date.now() + 30_000)
  core.sim.remoteHangup()
  return id
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
