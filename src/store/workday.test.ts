import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useWorkdayStore } from '@/store/workday'
import { AGENT, setupCore } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

const T0 = Date.parse('2026-03-10T07:30:00Z')

describe('workday store: "call next" picks from the current plan', () => {
  let now = T0
  beforeEach(() => {
    setupCore()
    useSessionStore().agent = { userId: AGENT.userId, sdkAppId: AGENT.sdkAppId }
    now = T0
  })

  it('re-plans on the tap only when a scheduled callback fell due since the plan was made', () => {
    const numbers = useNumbersStore()
    numbers.add('13800000001', 'Later')
    numbers.add('13800000002', 'Fresh')
    const workday = useWorkdayStore()
    workday.useClock(() => now)
    useHistoryStore().records = [
      {
        id: 'r1',
        number: '13800000001',
        direction: 'out',
        outcome: 'answered',
        startedAt: T0 - 120_000,
        answeredAt: T0 - 110_000,
        endedAt: T0 - 60_000,
        durationSec: 50,
        endReason: 'local-bye',
        disposition: 'callback',
        callbackAt: T0 + 60_000,
      },
    ]
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
