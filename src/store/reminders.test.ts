import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { setLocale } from '@/i18n'
import type { LocalNotice } from '@/platform/localNotification'
import type { CallRecord } from '@/services/callRecord'
import { ManualTimers } from '@/services/__tests__/fakeWorkspace'
import { SyncEngine, setSyncEngine, type RemoteChange } from '@/services/sync'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useRemindersStore } from '@/store/reminders'
import { useSyncStore } from '@/store/sync'
import { useWrapupStore } from '@/store/wrapup'
import { storage } from '../../tests/setup/uni'
import { useSessionStore } from '@/store/session'
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
  // Reminders are for numbers on the list.
  const numbers = useNumbersStore()
  if (!numbers.lookup(number)) numbers.add(number, remark ?? '')
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

  it('standing by (another tab of this browser holds the registration): the banner, but no second system notification', async () => {
    const reminders = await started()
    useSessionStore().$patch({ status: 'elsewhere' })
    useHistoryStore().records = [callbackRecord('r1', '13800000001', core.clock.now() + 30 * MIN, '张伟')]
    await nextTick()
    core.clock.advance(30 * MIN)
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000001'])
    expect(notices).toEqual([])
  })

  it('standing by after the holding tab was closed: the system notification comes from here, as nobody else sends it', async () => {
    const reminders = await started()
    useSessionStore().$patch({ status: 'elsewhere', holderLeft: true })
    useHistoryStore().records = [callbackRecord('r1', '13800000001', core.clock.now() + 30 * MIN, '张伟')]
    await nextTick()
    core.clock.advance(30 * MIN)
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000001'])
    expect(notices).toEqual([{ title: 'Callback due', body: 'Time to call back 张伟', payload: '13800000001' }])
  })

  it('a number deleted from the list (the customer asked not to be called) gets no reminder, and leaves the banner; a tap dials nobody', async () => {
    const reminders = await started()
    useHistoryStore().records = [callbackRecord('r7', '13800000007', core.clock.now() + 30 * MIN, 'Deleted'), callbackRecord('r8', '13800000008', core.clock.now() + 20 * MIN, 'Kept')]
    await nextTick()
    core.clock.advance(20 * MIN)
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000008'])
    useNumbersStore().remove('13800000008')
    await nextTick()
    expect(reminders.due).toEqual([])
    useNumbersStore().remove('13800000007')
    await nextTick()
    core.clock.advance(10 * MIN)
    expect(reminders.due).toEqual([])
    expect(notices.map((n) => n.payload)).toEqual(['13800000008'])
    tapHandler?.('13800000008')
    await settle()
    expect(callsOf(core, 'call')).toEqual([])
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

  it('a tap on a notification whose reminder was already handled still dials it while the agent\'s records promise that callback', async () => {
    const reminders = await started()
    useHistoryStore().records = [callbackRecord('r8', '13800000008', core.clock.now(), 'Wang')]
    await nextTick()
    reminders.dismiss(reminders.due[0].key)
    expect(reminders.due).toEqual([])
    tapHandler?.('13800000008')
    await settle()
    expect(callsOf(core, 'call').at(-1)).toEqual([{ to: '13800000008', remark: 'Wang' }])
  })

  it('a tap on a notification no record of the signed-in agent promises (another agent\'s, left in the tray) dials nobody', async () => {
    await started()
    useHistoryStore().records = [callbackRecord('r9', '13800000009', core.clock.now())]
    await nextTick()
    tapHandler?.('13800000008')
    await settle()
    expect(callsOf(core, 'call')).toEqual([])
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
    // Each agent's history is their own copy (the session opens it per agent), same record id here.
    const ownCopy = () => [callbackRecord('r6', '13800000006', core.clock.now())]
    useHistoryStore().records = ownCopy()
    await nextTick()
    expect(reminders.due).toHaveLength(1)
    useSyncStore().agentKey = null
    await nextTick()
    expect(reminders.due).toEqual([])
    // Agent B signs in on the same phone: A's handled keys are not B's.
    reminders.dismiss(reminders.due[0]?.key ?? '')
    useSyncStore().agentKey = 'agent-b'
    useHistoryStore().records = ownCopy()
    await nextTick()
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000006'])
    reminders.dismiss(reminders.due[0].key)
    useSyncStore().agentKey = 'agent-a'
    useHistoryStore().records = ownCopy()
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

describe('reminders store (mutation survivors)', () => {
  const HANDLED_KEY = 'tccc.a.agent-a.reminders-handled'

  function storedHandled(): unknown {
    const raw = storage.get(HANDLED_KEY)
    return typeof raw === 'string' ? JSON.parse(raw) : raw
  }

  /** Started with these callbacks due now (they are on the banner). */
  async function startedWithDue(...records: CallRecord[]) {
    const reminders = await started()
    useHistoryStore().records = records
    await nextTick()
    return reminders
  }

  it('a store not started shows nothing, does not start when given a clock, and stops harmlessly', async () => {
    const reminders = useRemindersStore()
    expect(reminders.due).toEqual([])
    signIn()
    reminders.useClock(core.clock)
    useHistoryStore().records = [callbackRecord('s1', '13800000031', core.clock.now())]
    await nextTick()
    core.clock.advance(MIN)
    expect(reminders.due).toEqual([])
    expect(notices).toEqual([])
    expect(() => reminders.stop()).not.toThrow()
    expect(reminders.due).toEqual([])
  })

  it('keeps a dismissed reminder under the agent\'s own key, once however often it is dismissed', async () => {
    const reminders = await startedWithDue(callbackRecord('s2', '13800000032', core.clock.now()))
    const [{ key }] = reminders.due
    reminders.dismiss(key)
    reminders.dismiss(key)
    expect(storedHandled()).toEqual({ v: 1, data: [key] })
  })

  it('keeps only the latest 500 dismissed reminders', async () => {
    const reminders = await started()
    for (let i = 0; i <= 500; i += 1) reminders.dismiss(`k${i}@1`)
    const { data } = storedHandled() as { data: string[] }
    expect(data).toHaveLength(500)
    expect([data[0], data.at(-1)]).toEqual(['k1@1', 'k500@1'])
  })

  it('reads a stored list with something other than keys in it as nothing handled', async () => {
    const at = core.clock.now()
    storage.set(HANDLED_KEY, JSON.stringify({ v: 1, data: [42, `s3@${at}`] }))
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const reminders = await startedWithDue(callbackRecord('s3', '13800000033', at))
    expect(reminders.due.map((r) => r.key)).toEqual([`s3@${at}`])
  })

  it('starting again (every signed-in page starts it) notifies each callback once', async () => {
    const reminders = await started()
    useHistoryStore().records = [callbackRecord('s4', '13800000034', core.clock.now() + MIN)]
    await nextTick()
    reminders.start()
    await nextTick()
    core.clock.advance(MIN)
    expect(notices.map((n) => n.payload)).toEqual(['13800000034'])
    expect(reminders.due).toHaveLength(1)
  })

  it('takes a callback off the banner when the synced outcomes make its wrap-up final', async () => {
    const reminders = await startedWithDue({ ...callbackRecord('s5', '13800000035', core.clock.now()), disposition: 'visit' })
    expect(reminders.due).toHaveLength(1)
    useWrapupStore().applyCatalogue([{ code: 'visit', labelZh: '上门', labelEn: 'Visit', final: true, position: 1 }])
    await nextTick()
    expect(reminders.due).toEqual([])
  })

  it('a tap on one of two due reminders dials that customer with the remark and leaves the other', async () => {
    const now = core.clock.now()
    const reminders = await startedWithDue(callbackRecord('s6', '13800000036', now, 'Li'), callbackRecord('s7', '13800000037', now, 'Zhao'))
    tapHandler?.('13800000037')
    await settle()
    expect(callsOf(core, 'call').at(-1)).toEqual([{ to: '13800000037', remark: 'Zhao' }])
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000036'])
  })

  it('after stop: an empty banner, no notification when a callback falls due, and a tap dials nothing', async () => {
    const now = core.clock.now()
    const reminders = await startedWithDue(callbackRecord('s8', '13800000038', now), callbackRecord('s9', '13800000039', now + MIN))
    expect(reminders.due).toHaveLength(1)
    reminders.stop()
    expect(reminders.due).toEqual([])
    core.clock.advance(MIN)
    expect(notices.map((n) => n.payload)).toEqual(['13800000038'])
    tapHandler?.('13800000038')
    await settle()
    expect(callsOf(core, 'call')).toEqual([])
  })

  it('a clock chosen after start restarts the reminders on that clock', async () => {
    signIn()
    const reminders = useRemindersStore()
    reminders.start()
    reminders.useClock(core.clock)
    useHistoryStore().records = [callbackRecord('s10', '13800000040', core.clock.now() + MIN)]
    await nextTick()
    core.clock.advance(MIN)
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000040'])
  })

  it('dismissing while signed out keeps nothing and warns about nothing', async () => {
    const reminders = useRemindersStore()
    reminders.useClock(core.clock)
    reminders.start()
    await nextTick()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    reminders.dismiss('s11@1')
    expect(warn).not.toHaveBeenCalled()
    expect(storage.size).toBe(0)
  })

  it('a failed save still takes the reminder off the banner, and says why', async () => {
    const reminders = await startedWithDue(callbackRecord('s12', '13800000042', core.clock.now()))
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    ;(globalThis as unknown as { uni: { setStorageSync: () => void } }).uni.setStorageSync = () => {
      throw new Error('quota')
    }
    reminders.dismiss(reminders.due[0].key)
    expect(reminders.due).toEqual([])
    expect(warn).toHaveBeenCalledWith('[reminders] could not keep a handled reminder', 'quota')
  })

  it('"call now" for another key dials nothing and leaves the due reminder', async () => {
    const reminders = await startedWithDue(callbackRecord('s13', '13800000043', core.clock.now()))
    await expect(reminders.callNow('no-such-key')).resolves.toBe(false)
    expect(callsOf(core, 'call')).toEqual([])
    expect(reminders.due).toHaveLength(1)
  })

  it('"call now" during a live call dials nothing and keeps the reminder; from the ended call it dials; no illegal move', async () => {
    const reminders = await startedWithDue(callbackRecord('s14', '13800000044', core.clock.now(), 'Sun'))
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const call = useCallStore()
    expect(await call.placeCall({ to: '13900000000' })).toBe(true)
    await settle()
    const [{ key }] = reminders.due
    expect(await reminders.callNow(key)).toBe(false)
    expect(callsOf(core, 'call')).toEqual([[{ to: '13900000000' }]])
    expect(reminders.due).toHaveLength(1)
    await call.hangUp()
    await settle()
    expect(call.state).toBe('ended')
    expect(await reminders.callNow(key)).toBe(true)
    expect(callsOf(core, 'call').at(-1)).toEqual([{ to: '13800000044', remark: 'Sun' }])
    expect(reminders.due).toEqual([])
    expect(warn.mock.calls.filter(([m]) => typeof m === 'string' && m.includes('illegal move'))).toEqual([])
  })
})

describe('reminders handled on the agent\'s other phones (callbackHandled, synced with the record)', () => {
  let sync: SyncEngine
  const HANDLED_KEY = 'tccc.a.agent-a.reminders-handled'

  beforeEach(() => {
    sync = new SyncEngine(null, new ManualTimers())
    setSyncEngine(sync)
    sync.open('agent-a')
  })
  afterEach(() => setSyncEngine(null))

  /** The call changes queued (the numbers `callbackRecord` lists are queued too). */
  const queued = () => sync.outbox().filter((e) => e.kind === 'call').map(({ kind, op, id, data }) => ({ kind, op, id, data }))
  /** The record as another phone's change to it arrives in a pull. */
  const pulled = (record: CallRecord, over: Partial<CallRecord>): RemoteChange => {
    const { id, ...data } = { ...record, ...over }
    return { kind: 'call', id, rev: '7', deleted: false, data } as RemoteChange
  }

  it('dismissing writes the callback time into the record and queues it for the server (waiting offline in the outbox)', async () => {
    const reminders = await started()
    const at = core.clock.now()
    useHistoryStore().records = [callbackRecord('h1', '13800000051', at)]
    await nextTick()
    reminders.dismiss(reminders.due[0].key)
    expect(useHistoryStore().records[0].callbackHandled).toBe(at)
    expect(queued()).toEqual([{ kind: 'call', op: 'upsert', id: 'h1', data: { callbackHandled: at } }])
    // Still this phone's own key too, for the time before any sync.
    expect(JSON.parse(storage.get(HANDLED_KEY) as string)).toEqual({ v: 1, data: [`h1@${at}`] })
  })

  it('"call now" marks it handled in the record once the call is placed', async () => {
    const reminders = await started()
    const at = core.clock.now()
    useHistoryStore().records = [callbackRecord('h2', '13800000052', at, 'Li')]
    await nextTick()
    expect(await reminders.callNow(reminders.due[0].key)).toBe(true)
    expect(useHistoryStore().records.find((r) => r.id === 'h2')?.callbackHandled).toBe(at)
    expect(queued()).toContainEqual({ kind: 'call', op: 'upsert', id: 'h2', data: { callbackHandled: at } })
  })

  it("one the banner shows leaves it when a pull brings another phone's callbackHandled, and never comes back (also after a restart)", async () => {
    const reminders = await started()
    const at = core.clock.now()
    const record = callbackRecord('h3', '13800000053', at, 'Zhou')
    const other = callbackRecord('h4', '13800000054', at)
    useHistoryStore().records = [record, other]
    await nextTick()
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000053', '13800000054'])
    useHistoryStore().applyRemote([pulled(record, { callbackHandled: at })], new Set())
    await nextTick()
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000054'])
    // Nothing of it was queued from this phone: the other phone's change is the server's already.
    expect(queued()).toEqual([])
    reminders.stop()
    reminders.start()
    await nextTick()
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000054'])
    expect(notices.filter((n) => n.payload === '13800000053')).toHaveLength(1)
  })

  it('one not due yet when the pull brings it handled is never notified', async () => {
    const reminders = await started()
    const at = core.clock.now() + 30 * MIN
    const record = callbackRecord('h5', '13800000055', at)
    useHistoryStore().records = [record]
    await nextTick()
    useHistoryStore().applyRemote([pulled(record, { callbackHandled: at })], new Set())
    await nextTick()
    core.clock.advance(31 * MIN)
    expect(reminders.due).toEqual([])
    expect(notices).toEqual([])
  })

  it("handled is per promised callback: a moved callback, and a later call's wrap-up booking a new one for the same number, remind again", async () => {
    const reminders = await started()
    const at = core.clock.now()
    const first = { ...callbackRecord('h6', '13800000056', at), callbackHandled: at }
    useHistoryStore().records = [first]
    await nextTick()
    expect(reminders.due).toEqual([])
    // Moved (a corrected wrap-up): the old handled time no longer matches.
    const movedTo = at + 10 * MIN
    useHistoryStore().applyRemote([pulled(first, { callbackAt: movedTo })], new Set())
    await nextTick()
    core.clock.advance(10 * MIN)
    expect(reminders.due.map((r) => r.key)).toEqual([`h6@${movedTo}`])
    reminders.dismiss(`h6@${movedTo}`)
    // A new call to the same number, wrapped up with a new callback: a new record, a new reminder.
    const later = { ...callbackRecord('h7', '13800000056', core.clock.now() + 5 * MIN), endedAt: core.clock.now(), startedAt: core.clock.now() - MIN }
    useHistoryStore().records = [later, ...useHistoryStore().records]
    await nextTick()
    core.clock.advance(5 * MIN)
    expect(reminders.due.map((r) => r.key)).toEqual([`h7@${later.callbackAt}`])
  })

  it("keys this phone kept before the record field are respected and written into their records once (the agent's other phones learn them)", async () => {
    const at = core.clock.now()
    storage.set(HANDLED_KEY, JSON.stringify({ v: 1, data: [`h8@${at}`, 'gone@1'] }))
    signIn()
    useHistoryStore().records = [callbackRecord('h8', '13800000058', at), callbackRecord('h9', '13800000059', at)]
    const reminders = useRemindersStore()
    reminders.useClock(core.clock)
    reminders.start()
    await nextTick()
    await nextTick()
    expect(reminders.due.map((r) => r.number)).toEqual(['13800000059'])
    expect(useHistoryStore().records.find((r) => r.id === 'h8')?.callbackHandled).toBe(at)
    expect(queued()).toEqual([{ kind: 'call', op: 'upsert', id: 'h8', data: { callbackHandled: at } }])
    // The local keys stay (nothing is lost if the write is refused); a re-plan queues nothing more.
    expect(JSON.parse(storage.get(HANDLED_KEY) as string).data).toEqual([`h8@${at}`, 'gone@1'])
    useHistoryStore().records = [...useHistoryStore().records]
    await nextTick()
    expect(queued()).toHaveLength(1)
  })

  it("a record write that fails (storage full) still leaves the reminder handled on this phone, by its own key", async () => {
    const reminders = await started()
    const at = core.clock.now()
    useHistoryStore().records = [callbackRecord('h10', '13800000060', at)]
    await nextTick()
    const markRecord = vi.spyOn(useHistoryStore(), 'markCallbackHandled').mockReturnValue('not-saved')
    reminders.dismiss(reminders.due[0].key)
    expect(markRecord).toHaveBeenCalledWith('h10', at)
    markRecord.mockRestore()
    reminders.stop()
    reminders.start()
    await nextTick()
    expect(reminders.due).toEqual([])
  })

  it("another agent signing in never gets this agent's handled keys written into their records", async () => {
    await started()
    const at = core.clock.now()
    storage.set(HANDLED_KEY, JSON.stringify({ v: 1, data: [`h11@${at}`] }))
    useSyncStore().agentKey = null
    await nextTick()
    useSyncStore().agentKey = 'agent-a'
    await nextTick()
    // Agent B's records are loaded before the store has opened B (same id: a made-up clash).
    useHistoryStore().records = [callbackRecord('h11', '13800000061', at)]
    useSyncStore().agentKey = 'agent-b'
    await nextTick()
    expect(useHistoryStore().records[0]).not.toHaveProperty('callbackHandled')
    expect(queued()).toEqual([])
  })
})
