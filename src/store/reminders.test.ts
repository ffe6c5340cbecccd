import { beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { setLocale } from '@/i18n'
import type { LocalNotice } from '@/platform/localNotification'
import type { CallRecord } from '@/services/callRecord'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useRemindersStore } from '@/store/reminders'
import { useSyncStore } from '@/store/sync'
import { callsOf, loginSdk, setupCore, settle, type Core } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

// One fake system notifier: what was shown, and a way to tap it.
const notices: LocalNotice[] = []
let tapHandler: ((payload: string) => void) | null = null
vi.mock('@/platform/localNotification', () => ({
  localNotifier: () => ({
    show: (notice: LocalNotice) => {
      notices.push(notice)
      return true
    },
    onTap: (handler: (payload: string) => void) => {
      tapHandler = handler
      return () => {
        tapHandler = null
      }
    },
  }),
}))

const MIN = 60_000
let core: Core

function callbackRecord(id: string, number: string, at: number, remark?: string): CallRecord {
  const now = core.clock.now()
  return {
    id,
    number,
    ...(remark ? { remark } : {}),
    direction: 'out',
    outcome: 'answered',
    startedAt: now - 2 * MIN,
    endedAt: now - MIN,
    durationSec: 60,
    endReason: 'local-bye',
    disposition: 'callback',
    callbackAt: at,
  }
}

function signIn(agentKey = 'agent-a'): void {
  useSyncStore().agentKey = agentKey
}

beforeEach(async () => {
  core = setupCore()
  await loginSdk(core)
  notices.length = 0
  tapHandler = null
  setLocale('en')
})

async function started() {
  signIn()
  const reminders = useRemindersStore()
  reminders.useClock(core.clock)
  reminders.start()
  await nextTick()
  return reminders
}

describe('reminders store', () => {
  it('shows the banner and a system notification at the callback time, not before', async () => {
    const reminders = await started()
    useHistoryStore().records = [callbackRecord('r1', '13800000001', core.clock.now() + 30 * MIN, '张伟')]
    await nextTick()
    core.clock.advance(30 * MIN - 1)
    expect(reminders.due).toEqual([])
    expect(notices).toEqual([])
    core.clock.advance(1)
    expect(reminders.due.map((r) => [r.number, r.remark])).toEqual([['13800000001', '张伟']])
    expect(notices).toEqual([{ title: 'Callback due', body: 'Time to call back 张伟', payload: '13800000001' }])
  })

  it('"call now" dials with the remark and clears the reminder for good (kept across a restart)', async () => {
    const reminders = await started()
    const at = core.clock.now() + MIN
    useHistoryStore().records = [callbackRecord('r2', '13800000002', at, 'Ms Wang')]
    await nextTick()
    core.clock.advance(MIN)
    const [due] = reminders.due
    expect(await reminders.callNow(due.key)).toBe(true)
    expect(callsOf(core, 'call').at(-1)).toEqual([{ to: '13800000002', remark: 'Ms Wang' }])
    expect(reminders.due).toEqual([])

    // A restart: the same records, a fresh store; the handled reminder stays quiet.
    useCallStore().hangUp()
    await settle()
    reminders.stop()
    reminders.start()
    await nextTick()
    expect(reminders.due).toEqual([])
  })

  it('re-plans from the records on start: a callback that fell due while closed is due at once', async () => {
    signIn()
    useHistoryStore().records = [callbackRecord('r3', '13800000003', core.clock.now() - 5 * MIN)]
    const reminders = useRemindersStore()
    reminders.useClock(core.clock)
    reminders.start()
    await nextTick()
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000003'])
    reminders.dismiss(reminders.due[0].key)
    expect(reminders.due).toEqual([])
  })

  it('drops a reminder whose callback was moved, and fires the new time', async () => {
    const reminders = await started()
    const history = useHistoryStore()
    history.records = [callbackRecord('r4', '13800000004', core.clock.now() + 10 * MIN)]
    await nextTick()
    history.records = [{ ...history.records[0], callbackAt: core.clock.now() + 60 * MIN }]
    await nextTick()
    core.clock.advance(10 * MIN)
    expect(reminders.due).toEqual([])
    core.clock.advance(50 * MIN)
    expect(reminders.due).toHaveLength(1)
  })

  it('takes a due reminder off the banner when its callback is moved later', async () => {
    const reminders = await started()
    const history = useHistoryStore()
    history.records = [callbackRecord('r7', '13800000007', core.clock.now()), callbackRecord('r9', '13800000009', core.clock.now())]
    await nextTick()
    expect(reminders.due).toHaveLength(2)
    history.records = [{ ...history.records[0], callbackAt: core.clock.now() + 60 * MIN }, history.records[1]]
    await nextTick()
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000009'])
    history.records = [history.records[0], { ...history.records[1], callbackAt: core.clock.now() + 60 * MIN }]
    await nextTick()
    expect(reminders.due).toEqual([])
  })

  it('a tap on a notification whose reminder is no longer due still dials that number', async () => {
    await started()
    tapHandler?.('13800000008')
    await settle()
    expect(callsOf(core, 'call').at(-1)).toEqual([{ to: '13800000008' }])
  })

  it('"call now" for a reminder that is not due dials nothing', async () => {
    const reminders = await started()
    await expect(reminders.callNow('no-such-key')).resolves.toBe(false)
    expect(callsOf(core, 'call')).toEqual([])
  })

  it('a tap on the system notification dials that customer', async () => {
    const reminders = await started()
    useHistoryStore().records = [callbackRecord('r5', '13800000005', core.clock.now())]
    await nextTick()
    expect(reminders.due).toHaveLength(1)
    tapHandler?.('13800000005')
    await settle()
    expect(callsOf(core, 'call').at(-1)).toEqual([{ to: '13800000005' }])
    expect(reminders.due).toEqual([])
  })

  it('forgets the agent\'s reminders at sign-out and keeps handled ones per agent', async () => {
    const reminders = await started()
    useHistoryStore().records = [callbackRecord('r6', '13800000006', core.clock.now())]
    await nextTick()
    expect(reminders.due).toHaveLength(1)
    useSyncStore().agentKey = null
    await nextTick()
    expect(reminders.due).toEqual([])
    // Agent B signs in on the same phone: A's handled keys are not B's.
    reminders.dismiss(reminders.due[0]?.key ?? '')
    useSyncStore().agentKey = 'agent-b'
    await nextTick()
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000006'])
    reminders.dismiss(reminders.due[0].key)
    useSyncStore().agentKey = 'agent-a'
    await nextTick()
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000006'])
  })
})

describe('reminders store started from a page', () => {
  it('keeps watching the records after the page that started it is gone', async () => {
    const { mount } = await import('@vue/test-utils')
    const { defineComponent, onMounted } = await import('vue')
    signIn()
    const reminders = useRemindersStore()
    reminders.useClock(core.clock)
    const Page = defineComponent({ setup: () => onMounted(() => reminders.start()), template: '<div />' })
    mount(Page).unmount()
    useHistoryStore().records = [callbackRecord('r9', '13800000009', core.clock.now() + MIN)]
    await nextTick()
    core.clock.advance(MIN)
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000009'])
  })
})
