import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useWorkdayStore } from '@/store/workday'
import { AGENT, callsOf, loginSdk, setupCore, type Core } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

const T0 = Date.parse('2026-03-10T07:30:00Z')

describe('workday store: "call next" picks from the current plan', () => {
  let now = T0
  beforeEach(() => {
    setupCore()
    useSessionStore().agent = { userId: AGENT.userId, sdkAppId: AGENT.sdkAppId }
    now = T0
  })

  /** "Later" (called, callback booked for `callbackAt`, its record under `spelling`) and "Fresh". */
  function laterAndFresh(callbackAt: number, spelling = '13800000001') {
    const numbers = useNumbersStore()
    numbers.add('13800000001', 'Later')
    numbers.add('13800000002', 'Fresh')
    const workday = useWorkdayStore()
    workday.useClock(() => now)
    useHistoryStore().records = [
      {
        id: 'r1',
        number: spelling,
        direction: 'out',
        outcome: 'answered',
        startedAt: T0 - 120_000,
        answeredAt: T0 - 110_000,
        endedAt: T0 - 60_000,
        durationSec: 50,
        endReason: 'local-bye',
        disposition: 'callback',
        callbackAt,
      },
    ]
    return workday
  }

  it('tells a row when its callback is due, and nothing for a number without one', () => {
    const workday = laterAndFresh(T0 + 3_600_000, '+8613800000001')
    expect(workday.callbackAtOf('13800000001')).toBe(T0 + 3_600_000)
    expect(workday.callbackAtOf('13800000002')).toBeUndefined()
  })

  it('re-plans on the tap only when a scheduled callback fell due since the plan was made', () => {
    const workday = laterAndFresh(T0 + 60_000)
    expect(workday.plan.nextDueAt).toBe(T0 + 60_000)
    const planned = workday.plan
    now = T0 + 30_000
    expect(workday.peekNext()?.number).toBe('13800000002')
    expect(workday.plan).toBe(planned) // nothing fell due: the same plan
    now = T0 + 60_000
    expect(workday.peekNext()?.number).toBe('13800000001') // the callback, due now, goes first
    expect(workday.plan.nextDueAt).toBe(Infinity)
  })
})

describe('workday store: the status filter of the numbers page', () => {
  beforeEach(() => {
    setupCore()
    useSessionStore().agent = { userId: AGENT.userId, sdkAppId: AGENT.sdkAppId }
  })

  /** One number per status: new, callback, in progress (contacted, no outcome), done (final outcome). */
  function fourNumbers(): ReturnType<typeof useWorkdayStore> {
    const numbers = useNumbersStore()
    numbers.add('13800000001', 'New one')
    numbers.add('13800000002', 'Callback one')
    numbers.add('13800000003', 'Talking one')
    numbers.add('13800000004', 'Done one')
    const call = (id: string, number: string, extra: object) => ({
      id,
      number,
      direction: 'out' as const,
      outcome: 'answered' as const,
      startedAt: T0 - 120_000,
      answeredAt: T0 - 110_000,
      endedAt: T0 - 60_000,
      durationSec: 50,
      endReason: 'local-bye' as const,
      ...extra,
    })
    useHistoryStore().records = [
      call('r2', '13800000002', { disposition: 'callback', callbackAt: T0 + 3_600_000 }),
      call('r3', '13800000003', {}),
      call('r4', '13800000004', { disposition: 'not-interested' }),
    ]
    const workday = useWorkdayStore()
    workday.useClock(() => T0)
    return workday
  }
  const shown = (workday: ReturnType<typeof useWorkdayStore>) => workday.visible.map((e) => e.number)

  it('shows every searched number under "all", and only the chosen status otherwise', () => {
    const workday = fourNumbers()
    expect(workday.filter).toBe('all')
    expect(shown(workday)).toEqual(['13800000004', '13800000003', '13800000002', '13800000001']) // the list's order: newest first
    workday.setFilter('callback')
    expect(shown(workday)).toEqual(['13800000002'])
    workday.setFilter('in-progress')
    expect(shown(workday)).toEqual(['13800000003'])
    workday.setFilter('done')
    expect(shown(workday)).toEqual(['13800000004'])
    workday.setFilter('new')
    expect(shown(workday)).toEqual(['13800000001'])
  })

  it('narrows the search result, not the whole list', () => {
    const workday = fourNumbers()
    useNumbersStore().setQuery('one')
    workday.setFilter('done')
    expect(shown(workday)).toEqual(['13800000004'])
    useNumbersStore().setQuery('talking')
    expect(shown(workday)).toEqual([])
    workday.setFilter('all')
    expect(shown(workday)).toEqual(['13800000003'])
  })

  it('counts each chip over the whole list, and tells the status of one number', () => {
    const workday = fourNumbers()
    useNumbersStore().setQuery('talking')
    expect(workday.filterCounts).toEqual({ all: 4, new: 1, callback: 1, 'in-progress': 1, done: 1 })
    expect(['13800000001', '13800000002', '13800000003', '13800000004', '999'].map((n) => workday.statusOf(n))).toEqual(['new', 'callback', 'in-progress', 'done', 'new'])
  })
})

describe('workday store: today\'s figures and "call next" (mutation survivors)', () => {
  let core: Core
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    core = setupCore()
    useSessionStore().agent = { userId: AGENT.userId, sdkAppId: AGENT.sdkAppId }
    await loginSdk(core)
  })
  afterEach(() => vi.useRealTimers())

  it("counts today's calls by the real clock and offers the new number next, without a test clock", () => {
    const numbers = useNumbersStore()
    numbers.add('13800000001', 'Talked today')
    numbers.add('13800000002', 'Fresh')
    useHistoryStore().records = [
      { id: 'r1', number: '13800000001', direction: 'out', outcome: 'answered', startedAt: T0 - 120_000, answeredAt: T0 - 110_000, endedAt: T0 - 60_000, durationSec: 50, endReason: 'local-bye' },
    ]
    const workday = useWorkdayStore()
    expect(workday.today).toEqual({ calls: 1, connected: 1, connectRate: 1, talkSeconds: 50, deals: 0 })
    expect(workday.nextEntry?.number).toBe('13800000002')
  })

  it('"call next" sends no remark that only repeats the number', async () => {
    useNumbersStore().add('13800000003', '13800000003')
    await expect(useWorkdayStore().callNext()).resolves.toBe(true)
    expect(callsOf(core, 'call')).toEqual([[{ to: '13800000003' }]])
  })

  it('"call next" during a live call dials nothing and leaves that call alone', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    useNumbersStore().add('13800000004', 'Next')
    const call = useCallStore()
    await call.placeCall({ to: '13800000009' })
    expect(call.state).toBe('ringing')
    await expect(useWorkdayStore().callNext()).resolves.toBe(false)
    expect(call.state).toBe('ringing')
    expect(callsOf(core, 'call')).toEqual([[{ to: '13800000009' }]])
    expect(warn.mock.calls.map((c) => String(c[0])).filter((m) => m.startsWith('[call]'))).toEqual(['[call] placeCall refused in state ringing'])
  })

  it('offers the number after the one on the line during a call, also under another spelling', async () => {
    const numbers = useNumbersStore()
    numbers.add('13800000007', 'Second')
    numbers.add('13800000006', 'First')
    const workday = useWorkdayStore()
    expect(workday.nextEntry?.number).toBe('13800000006')
    const call = useCallStore()
    await call.placeCall({ to: '+8613800000006' })
    expect(call.state).toBe('ringing')
    expect(workday.nextEntry?.number).toBe('13800000007')
    core.sim.answerOutbound()
    expect(workday.nextEntry?.number).toBe('13800000007')
    core.sim.remoteHangup()
    // Ended (not live): the plan decides again, from the call's record.
    expect(call.isLive).toBe(false)
    expect(workday.nextEntry?.number).toBe('13800000007')
    call.close()
    // A call to an unlisted number skips nothing.
    await call.placeCall({ to: '13900000099' })
    expect(workday.nextEntry?.number).toBe('13800000007')
  })

  it('skips a listed caller only while the call rings or lasts: missed, the number is next again', () => {
    const numbers = useNumbersStore()
    numbers.add('13800000008', 'Second')
    numbers.add('13800000007', 'First')
    const workday = useWorkdayStore()
    core.sim.incomingCall({ from: '13800000007' })
    expect(useCallStore().state).toBe('incoming')
    expect(workday.nextEntry?.number).toBe('13800000008')
    core.sim.remoteHangup()
    // A missed inbound call is no contact: the number is still new, and first.
    expect(useCallStore().isLive).toBe(false)
    expect(workday.nextEntry?.number).toBe('13800000007')
  })

  it('"save and call next" with no wrap-up open saves nothing and dials nothing', async () => {
    useNumbersStore().add('13800000005', 'Next')
    await expect(useWorkdayStore().saveWrapupAndCallNext()).resolves.toBe(false)
    expect(callsOf(core, 'call')).toEqual([])
  })
})

describe('workday store: a row\'s call stats count the agent\'s other phones', () => {
  beforeEach(() => {
    setupCore()
    useSessionStore().agent = { userId: AGENT.userId, sdkAppId: AGENT.sdkAppId }
  })

  it('reads the synced history under the listed spelling of the phone', () => {
    const numbers = useNumbersStore()
    const listed = numbers.add('+8613800000001', 'Listed with +86')
    const workday = useWorkdayStore()
    expect(workday.callStatsOf(listed)).toMatchObject({ callCount: 0 })
    // A call made on another phone arrives with the history's next pull.
    useHistoryStore().records = [
      { id: 'r1', number: '13800000001', direction: 'out', outcome: 'no-answer', startedAt: T0, endedAt: T0 + 30_000, durationSec: 0, endReason: 'timeout' },
    ]
    expect(workday.callStatsOf(listed)).toEqual({ callCount: 1, lastCalledAt: T0, lastOutcome: 'no-answer' })
    // This phone's own stats are unchanged: the history's are shown beside them, not written in.
    expect(numbers.lookup('13800000001')?.callCount).toBe(0)
  })
})
