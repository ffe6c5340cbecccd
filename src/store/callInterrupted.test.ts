/**
 * A call the app lost mid-way (closed or killed: the SDK's call went with it) is recorded at the
 * next start from what the phone kept while it lasted, offered for wrap-up, and announced.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { storage } from '../../tests/setup/uni'
import { agentKeyOf } from '@/services/storage'
import { LIVE_CALL_HEARTBEAT_MS } from '@/services/liveCall'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useWrapupStore } from '@/store/wrapup'
import { AGENT, loginSdk, setupCore, type Core } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => ({
  ensureMicrophonePermission: () => Promise.resolve('granted'),
  canOpenMicrophoneSettings: () => false,
  openMicrophoneSettings: () => undefined,
  keepScreenOn: () => undefined,
}))

const KEY = `tccc.a.${agentKeyOf(AGENT.userId)}.liveCall`
const T0 = Date.parse('2026-03-01T10:00:00Z')

/** The app (re)starts with the agent's session: a fresh pinia and SDK over the same storage. */
async function startApp(): Promise<Core> {
  const core = setupCore()
  await loginSdk(core)
  const session = useSessionStore()
  session.agent = { userId: AGENT.userId, sdkAppId: AGENT.sdkAppId }
  useHistoryStore().open(agentKeyOf(AGENT.userId))
  useNumbersStore().open(agentKeyOf(AGENT.userId))
  useCallStore()
  session.status = 'signed-in'
  await Promise.resolve()
  return core
}

/** What the phone keeps of the live call (its storage envelope), undefined when nothing. */
function kept(): { data: Record<string, unknown> | null } | undefined {
  const raw = storage.get(KEY)
  return typeof raw === 'string' ? (JSON.parse(raw) as { data: Record<string, unknown> | null }) : undefined
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
  vi.setSystemTime(T0)
})
afterEach(() => vi.useRealTimers())

describe('a call the app lost', () => {
  it('records a caller who was waiting during it as missed, as the call-waiting notice said', async () => {
    const core = await startApp()
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    vi.setSystemTime(T0 + 5_000)
    const second = core.sim.incomingCall({ from: '13900139111' })
    expect(call.waiting.map((w) => w.number)).toEqual(['13900139111'])
    expect(kept()?.data?.waiting).toEqual([{ sessionId: second, peer: '13900139111', remark: '', startedAt: T0 + 5_000 }])
    vi.advanceTimersByTime(LIVE_CALL_HEARTBEAT_MS) // the last heartbeat, then the app is gone
    await startApp()
    const records = useHistoryStore().records
    expect(records.map((r) => [r.number, r.direction, r.outcome])).toEqual(
      expect.arrayContaining([
        ['13800138000', 'out', 'answered'],
        ['13900139111', 'in', 'missed'],
      ]),
    )
    expect(records.find((r) => r.number === '13900139111')).toMatchObject({ sessionId: second, endReason: 'unknown', durationSec: 0, endedAt: T0 + 5_000 + LIVE_CALL_HEARTBEAT_MS })
    expect(records).toHaveLength(2)
  })

  it('a dial the SDK had not given a session yet is recorded as failed: no call of the day, no "no answer"', async () => {
    const core = await startApp()
    core.sim.neverAnswer('call')
    const call = useCallStore()
    void call.placeCall({ to: '13800138000' })
    await Promise.resolve()
    await Promise.resolve()
    expect(call.state).toBe('dialing')
    expect(kept()?.data).toMatchObject({ sessionId: null, peer: '13800138000' })
    await startApp()
    expect(useHistoryStore().records[0]).toMatchObject({ number: '13800138000', outcome: 'failed', endReason: 'unknown' })
  })

  it('leaving the app (a reload in a browser) keeps the call as it is now: the talk time since the last heartbeat is not lost', async () => {
    const hidden: Array<() => void> = []
    const u = uni as unknown as { onAppHide?: (fn: () => void) => void }
    u.onAppHide = (fn) => hidden.push(fn)
    try {
      const core = await startApp()
      const call = useCallStore()
      await call.placeCall({ to: '13800138000' })
      core.sim.answerOutbound()
      vi.setSystemTime(T0 + 13_000) // 13 s in: no heartbeat yet
      for (const listener of hidden) listener()
      expect(kept()?.data?.seenAt).toBe(T0 + 13_000)
      vi.setSystemTime(T0 + 60_000)
      await startApp()
      expect(useHistoryStore().records[0]).toMatchObject({ number: '13800138000', outcome: 'answered', durationSec: 13 })
    } finally {
      delete u.onAppHide
    }
  })

  it('keeps the live call while it lasts, and records it at the next start as cut off', async () => {
    const core = await startApp()
    useNumbersStore().add('13800138000', 'Alice')
    const call = useCallStore()
    await call.placeCall({ to: '13800138000', remark: 'Alice' })
    expect(kept()?.data).toMatchObject({ direction: 'out', peer: '13800138000', remark: 'Alice', startedAt: T0, answeredAt: null, seenAt: T0 })
    vi.setSystemTime(T0 + 5_000)
    core.sim.answerOutbound()
    expect(kept()?.data).toMatchObject({ answeredAt: T0 + 5_000, sessionId: call.sessionId })
    const sessionId = call.sessionId
    // The heartbeat moves `seenAt`: the app was last seen with the call 35 s in.
    vi.advanceTimersByTime(2 * LIVE_CALL_HEARTBEAT_MS)
    expect(kept()?.data?.seenAt).toBe(T0 + 5_000 + 2 * LIVE_CALL_HEARTBEAT_MS)

    // The app is killed here; it starts again later with the agent's session.
    vi.setSystemTime(T0 + 600_000)
    await startApp()
    const [record] = useHistoryStore().records
    expect(record).toMatchObject({
      number: '13800138000',
      remark: 'Alice',
      direction: 'out',
      outcome: 'answered',
      endReason: 'unknown',
      sessionId,
      startedAt: T0,
      answeredAt: T0 + 5_000,
      endedAt: T0 + 35_000,
      durationSec: 30,
    })
    expect(useHistoryStore().records).toHaveLength(1)
    expect(useNumbersStore().lookup('13800138000')).toMatchObject({ callCount: 1, lastOutcome: 'answered' })
    expect(useWrapupStore().draft?.callId).toBe(record.id)
    expect(useCallStore().interrupted).toEqual({ peer: '13800138000', remark: 'Alice' })
    expect(kept()).toBeUndefined()

    // Announced once: dismissed, and not again at the next start.
    useCallStore().dismissInterrupted()
    expect(useCallStore().interrupted).toBeNull()
    await startApp()
    expect(useHistoryStore().records).toHaveLength(1)
    expect(useCallStore().interrupted).toBeNull()
  })

  it('forgets the call once it ends normally, and keeps nothing for a colleague\'s seat', async () => {
    const core = await startApp()
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    expect(kept()?.data).toMatchObject({ peer: '13800138000', answeredAt: null })
    core.sim.rejectOutbound()
    expect(call.state).toBe('ended')
    expect(kept()).toBeUndefined()
    await startApp()
    expect(useHistoryStore().records).toHaveLength(1)
    expect(useCallStore().interrupted).toBeNull()
  })

  it('records an inbound call that was still ringing as missed, and nothing for another agent', async () => {
    const core = await startApp()
    core.sim.incomingCall({ from: '13900139000' })
    expect(useCallStore().state).toBe('incoming')
    expect(kept()?.data).toMatchObject({ direction: 'in', peer: '13900139000', answeredAt: null })
    // Another agent signs in on this phone after the restart: not theirs.
    const stranger = setupCore()
    await loginSdk(stranger)
    useSessionStore().agent = { userId: 'agent2@example.com', sdkAppId: AGENT.sdkAppId }
    useCallStore()
    useSessionStore().status = 'signed-in'
    await Promise.resolve()
    expect(useCallStore().interrupted).toBeNull()
    expect(kept()?.data).toMatchObject({ peer: '13900139000' })
    // The agent comes back: their call is recorded.
    await startApp()
    expect(useHistoryStore().records[0]).toMatchObject({ direction: 'in', outcome: 'missed', durationSec: 0, endReason: 'unknown' })
  })
})
