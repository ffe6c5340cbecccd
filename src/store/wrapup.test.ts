import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useWorkdayStore } from '@/store/workday'
import { useWrapupStore, WRAPUP_QUEUE_LIMIT } from '@/store/wrapup'
import { DEFAULT_OUTCOMES } from '@/services/workday'
import type { CallRecord } from '@/services/callRecord'
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

  it('an optional wrap-up is only offered until the agent opens it; a required one is the sheet at once', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800000002' })
    await call.hangUp()
    const wrapup = useWrapupStore()
    expect([wrapup.isOpen, wrapup.isSheetShown]).toEqual([true, false])
    wrapup.expand()
    expect(wrapup.isSheetShown).toBe(true)
    expect(wrapup.skip()).toBe(true)
    expect([wrapup.isOpen, wrapup.isSheetShown]).toEqual([false, false])
    call.close()
    await connectedCall('13800000001')
    expect([wrapup.draft?.requirement, wrapup.isSheetShown]).toEqual(['required', true])
  })

  it('an optional draft left untouched is passed over when the next call ends; one being filled in is kept', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800000002' })
    await call.hangUp()
    const wrapup = useWrapupStore()
    const untouched = wrapup.draft?.callId
    call.close()
    await call.placeCall({ to: '13800000003' })
    await call.hangUp()
    expect(wrapup.queue.map((d) => d.number)).toEqual(['13800000003'])
    expect(wrapup.queue.some((d) => d.callId === untouched)).toBe(false)
    wrapup.expand()
    wrapup.setNote('rang out')
    call.close()
    // The new offer is collapsed again; the note of the one being filled in is kept behind it.
    await connectedCall('13800000004')
    expect(wrapup.queue.map((d) => [d.number, d.note])).toEqual([
      ['13800000004', ''],
      ['13800000003', 'rang out'],
    ])
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

describe('wrap-up store (mutation survivors)', () => {
  const AGENT_KEY = 'tccc.a.agent1%40example%2Ecom'
  const BUILT_IN = DEFAULT_OUTCOMES.map((o) => o.code)
  const BUILT_IN_SETTING = { connected: 'required', unanswered: 'optional', afterCallWork: false }
  const keep = (key: string, data: unknown) => storage.set(key, JSON.stringify({ v: 1, data }))
  const kept = (key: string) => JSON.parse(storage.get(key) as string).data
  const draftOf = (callId: string, note: string) => ({ callId, number: '13800000009', remark: '', connected: true, requirement: 'required', disposition: null, note, callbackAt: null })
  const finished = (id: string): CallRecord => ({ id, number: '13800000001', direction: 'out', outcome: 'answered', startedAt: T0, answeredAt: T0, endedAt: T0 + 30_000, durationSec: 30, endReason: 'remote-bye' })
  const outcomeRecord = (code: string, final: boolean) => ({ kind: 'outcome', id: code, deleted: false, data: { code, labelZh: code, labelEn: code, final, position: code.length } })
  const codes = () => useWrapupStore().catalogue.map((o) => o.code)

  /** A new app start (fresh pinia) with this agent signed in. */
  function restart(userId: string = AGENT.userId) {
    setActivePinia(createPinia())
    signInAs(userId)
    return useWrapupStore()
  }

  function signedOut() {
    setActivePinia(createPinia())
    return useWrapupStore()
  }

  /** Storage full: every write throws, as uni.setStorageSync does. */
  function storageFull(): void {
    ;(globalThis as unknown as { uni: { setStorageSync: () => void } }).uni.setStorageSync = () => {
      throw new Error('quota')
    }
  }

  let warn: ReturnType<typeof vi.spyOn>
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })
  afterEach(() => {
    warn.mockRestore()
  })

  describe('keys: the agent key and the legacy key', () => {
    it('moves a draft from the legacy key of an id with characters the old key replaced by "_"', () => {
      keep('tccc.a.agent_1@example.com.wrapup', [draftOf('c1', 'old key')])
      expect(restart('agent+1@example.com').draft).toMatchObject({ callId: 'c1', note: 'old key' })
      expect(storage.has('tccc.a.agent_1@example.com.wrapup')).toBe(false)
    })

    it('an agent id the old key used unchanged (no "@", "." or capitals) keeps its draft across restarts', () => {
      restart('agent7').offer(finished('c1'))
      expect(restart('agent7').draft).toMatchObject({ callId: 'c1' })
      expect(restart('agent7').draft).toMatchObject({ callId: 'c1' })
    })

    it("a draft under both keys: the agent key's wins and the legacy copy is dropped", () => {
      keep(`${AGENT_KEY}.wrapup`, [draftOf('c2', 'new key')])
      keep('tccc.a.agent1@example.com.wrapup', [draftOf('c1', 'old key')])
      expect(restart().queue).toEqual([expect.objectContaining({ callId: 'c2', note: 'new key' })])
      expect(storage.has('tccc.a.agent1@example.com.wrapup')).toBe(false)
    })

    it('a draft that cannot be moved stays under the legacy key for the next start, and says why', () => {
      keep('tccc.a.agent1@example.com.wrapup', [draftOf('c1', 'old key')])
      storageFull()
      expect(restart().draft).toBeNull()
      expect(storage.has('tccc.a.agent1@example.com.wrapup')).toBe(true)
      expect(warn).toHaveBeenCalledWith("[wrapup] could not move wrapup to the agent's key", expect.objectContaining({ message: 'quota' }))
    })

    it('reads the business records an earlier start kept under the agent key', () => {
      keep(`${AGENT_KEY}.business`, { outcomes: { visit: outcomeRecord('visit', true).data }, setting: { connected: 'off', unanswered: 'off' } })
      expect(restart().setting).toMatchObject({ connected: 'off', unanswered: 'off' })
      expect(codes()).toEqual(['visit'])
    })
  })

  describe('unreadable kept data', () => {
    function expectBuiltInAfterRestart(): void {
      expect(restart().setting).toEqual(BUILT_IN_SETTING)
      expect(codes()).toEqual(BUILT_IN)
    }

    it('drops a kept draft list with one malformed entry whole: no wrap-up opens', () => {
      keep(`${AGENT_KEY}.wrapup`, [{ callId: 42 }, draftOf('c1', 'fine')])
      const wrapup = restart()
      expect(wrapup.queue).toEqual([])
      expect(wrapup.isOpen).toBe(false)
    })

    it.each([
      ['null', null],
      ['no outcomes', {}],
      ['null outcomes', { outcomes: null, setting: null }],
      ['outcomes not an object, with a setting', { outcomes: 5, setting: { connected: 'off', unanswered: 'off' } }],
      ['text', 'outcomes'],
    ])('ignores kept business records that are malformed (%s): built-in catalogue and setting', (_name, data) => {
      keep(`${AGENT_KEY}.business`, data)
      expectBuiltInAfterRestart()
    })

    it('ignores a kept business record held as an object (not text) whose data is undefined', () => {
      storage.set(`${AGENT_KEY}.business`, { v: 1, data: undefined })
      expectBuiltInAfterRestart()
    })
  })

  describe('pulled records', () => {
    it('a pull with no outcome or wrapup setting keeps nothing and leaves the setting as it was', () => {
      const wrapup = useWrapupStore()
      wrapup.applySetting({ connected: 'off', unanswered: 'off' })
      wrapup.applyRemote([{ kind: 'number', id: 'n1', deleted: false, data: { number: '13800000000' } }])
      expect(wrapup.setting).toMatchObject({ connected: 'off', unanswered: 'off' })
      expect(storage.has(`${AGENT_KEY}.business`)).toBe(false)
    })

    it('a deleted outcome goes even when the pull still carries its data', () => {
      const wrapup = useWrapupStore()
      wrapup.applyRemote([outcomeRecord('visit', false), outcomeRecord('deal', true)])
      wrapup.applyRemote([{ ...outcomeRecord('visit', false), deleted: true }])
      expect(codes()).toEqual(['deal'])
    })

    it('an outcome pulled without data leaves nothing of it in the kept records', () => {
      const wrapup = useWrapupStore()
      wrapup.applyRemote([outcomeRecord('visit', false), outcomeRecord('deal', true)])
      wrapup.applyRemote([{ kind: 'outcome', id: 'visit', deleted: false, data: null }])
      expect(codes()).toEqual(['deal'])
      expect(Object.keys(kept(`${AGENT_KEY}.business`).outcomes)).toEqual(['deal'])
    })

    it('only the setting record "wrapup" sets the rules: another setting, or another kind with that id, does not', () => {
      const wrapup = useWrapupStore()
      wrapup.applyRemote([{ kind: 'setting', id: 'wrapup', deleted: false, data: { connected: 'off', unanswered: 'off' } }])
      wrapup.applyRemote([{ kind: 'setting', id: 'display', deleted: false, data: { connected: 'optional', unanswered: 'required' } }])
      wrapup.applyRemote([{ kind: 'call', id: 'wrapup', deleted: false, data: { number: '13800000000' } }])
      expect(wrapup.setting).toMatchObject({ connected: 'off', unanswered: 'off' })
    })

    it('signed out: a pull applies for now, keeps nothing and warns about nothing', () => {
      const wrapup = signedOut()
      wrapup.applyRemote([outcomeRecord('visit', true)])
      expect(codes()).toEqual(['visit'])
      expect(storage.size).toBe(0)
      expect(warn).not.toHaveBeenCalled()
    })

    it('a pull that cannot be kept still applies, and says why', () => {
      const wrapup = useWrapupStore()
      storageFull()
      wrapup.applyRemote([outcomeRecord('visit', true)])
      expect(codes()).toEqual(['visit'])
      expect(warn).toHaveBeenCalledWith('[wrapup] could not keep the outcome catalogue', expect.objectContaining({ message: 'quota' }))
    })

    it('a catalogue that could not be kept is tried again at the pull’s end, which hears whether it was', () => {
      const wrapup = useWrapupStore()
      expect(wrapup.savePulled()).toBe(true) // nothing pulled, nothing to save
      const write = uni.setStorageSync
      storageFull()
      wrapup.applyRemote([outcomeRecord('visit', true)])
      expect(wrapup.savePulled()).toBe(false)
      expect(storage.has(`${AGENT_KEY}.business`)).toBe(false)
      uni.setStorageSync = write
      expect(wrapup.savePulled()).toBe(true)
      expect(kept(`${AGENT_KEY}.business`)).toEqual({ outcomes: { visit: outcomeRecord('visit', true).data }, setting: null })
      // A catalogue saved with its page is not written again at the pull's end.
      const again = restart()
      again.applyRemote([outcomeRecord('deal', false)])
      let writes = 0
      uni.setStorageSync = ((key: string, value: unknown) => {
        writes += 1
        write(key, value)
      }) as typeof uni.setStorageSync
      expect(again.savePulled()).toBe(true)
      expect(writes).toBe(0)
      uni.setStorageSync = write
    })

    it("the synced catalogue's final outcomes decide which numbers are done", async () => {
      useNumbersStore().add('13800000001')
      useNumbersStore().add('13800000002')
      const wrapup = useWrapupStore()
      wrapup.applyRemote([outcomeRecord('visit', true), outcomeRecord('deal', false)])
      for (const [number, code] of [['13800000001', 'visit'], ['13800000002', 'deal']]) {
        await connectedCall(number)
        wrapup.choose(code)
        expect(wrapup.save()).toBe(true)
        useCallStore().close()
      }
      expect(['13800000001', '13800000002'].map((n) => useWorkdayStore().statusOf(n))).toEqual(['done', 'in-progress'])
    })
  })

  describe('the open wrap-ups', () => {
    it('signed out: a finished call opens a wrap-up for now, keeps nothing and warns about nothing', () => {
      const wrapup = signedOut()
      wrapup.offer(finished('c1'))
      expect(wrapup.draft).toMatchObject({ callId: 'c1' })
      expect(storage.size).toBe(0)
      expect(warn).not.toHaveBeenCalled()
    })

    it('closing the last open wrap-up leaves nothing kept for the agent', () => {
      const wrapup = useWrapupStore()
      wrapup.offer(finished('c1'))
      expect(kept(`${AGENT_KEY}.wrapup`)).toEqual([expect.objectContaining({ callId: 'c1' })])
      wrapup.choose('deal')
      expect(wrapup.save()).toBe(true)
      expect(storage.has(`${AGENT_KEY}.wrapup`)).toBe(false)
    })

    it('a wrap-up that cannot be kept stays open for now, and says why', () => {
      const wrapup = useWrapupStore()
      storageFull()
      wrapup.offer(finished('c1'))
      expect(wrapup.draft).toMatchObject({ callId: 'c1' })
      expect(warn).toHaveBeenCalledWith('[wrapup] could not keep the draft', expect.objectContaining({ message: 'quota' }))
    })

    it('choosing, typing or picking a time with no wrap-up open opens none', () => {
      const wrapup = useWrapupStore()
      wrapup.choose('deal')
      wrapup.setNote('note')
      wrapup.pickCallbackInOneHour()
      expect(wrapup.queue).toEqual([])
      expect(wrapup.isOpen).toBe(false)
    })

    it('a call offered again replaces its own wrap-up instead of queueing a second one', () => {
      const wrapup = useWrapupStore()
      wrapup.offer(finished('c1'))
      wrapup.offer(finished('c2'))
      wrapup.offer(finished('c1'))
      expect(wrapup.queue.map((d) => d.callId)).toEqual(['c1', 'c2'])
    })

    it(`keeps the latest ${WRAPUP_QUEUE_LIMIT} open wrap-ups: the oldest beyond that is dropped`, () => {
      const wrapup = useWrapupStore()
      const ids = Array.from({ length: WRAPUP_QUEUE_LIMIT + 1 }, (_, i) => `c${i}`)
      for (const id of ids) wrapup.offer(finished(id))
      expect(wrapup.queue.map((d) => d.callId)).toEqual(ids.slice(1).reverse())
    })

    it('an outcome not in the catalogue cannot be chosen: the one chosen before stays', () => {
      const wrapup = useWrapupStore()
      wrapup.offer(finished('c1'))
      wrapup.choose('deal')
      wrapup.choose('no-such-outcome')
      expect(wrapup.draft?.disposition).toBe('deal')
    })
  })
})

describe('correcting a saved wrap-up from history', () => {
  async function savedCall(to: string, remark?: string): Promise<string> {
    const id = await connectedCall(to, remark)
    const wrapup = useWrapupStore()
    wrapup.choose('interested')
    wrapup.setNote('send the brochure')
    expect(wrapup.save()).toBe(true)
    return id
  }
  const recordOf = (id: string) => useHistoryStore().records.find((r) => r.id === id)

  it('reopens the record with what it says now, as a sheet that can be cancelled and offers no "call next"', async () => {
    const id = await savedCall('13800000001', '张伟')
    const wrapup = useWrapupStore()
    expect(wrapup.correct(id)).toBe(true)
    expect(wrapup.draft).toMatchObject({ callId: id, number: '13800000001', remark: '张伟', requirement: 'optional', disposition: 'interested', note: 'send the brochure', callbackAt: null })
    expect([wrapup.isSheetShown, wrapup.isCorrection, wrapup.isRequired]).toEqual([true, true, false])
    // Cancelled: the record keeps what it had.
    expect(wrapup.skip()).toBe(true)
    expect(wrapup.draft).toBeNull()
    expect(recordOf(id)).toMatchObject({ disposition: 'interested', note: 'send the brochure' })
  })

  it('saves the corrected outcome and note into the same record', async () => {
    const id = await savedCall('13800000001')
    const wrapup = useWrapupStore()
    const history = useHistoryStore()
    const update = vi.spyOn(history, 'updateWrapup')
    wrapup.correct(id)
    wrapup.choose('deal')
    wrapup.setNote('signed on the second call')
    expect(wrapup.save()).toBe(true)
    expect(update).toHaveBeenCalledWith(id, { disposition: 'deal', note: 'signed on the second call', callbackAt: null })
    expect(recordOf(id)).toMatchObject({ disposition: 'deal', note: 'signed on the second call', callbackAt: null })
    expect(history.records).toHaveLength(1)
    expect(wrapup.draft).toBeNull()
  })

  it('keeps a callback time that has passed when it is left as it was; a new one must be ahead', async () => {
    const id = await connectedCall('13800000001')
    const wrapup = useWrapupStore()
    wrapup.choose('callback')
    wrapup.pickCallbackInOneHour()
    const at = Date.now() + 3_600_000
    expect(wrapup.save()).toBe(true)
    vi.setSystemTime(at + 86_400_000) // the next day: the callback time is behind
    wrapup.correct(id)
    wrapup.setNote('no answer at the agreed time')
    expect(wrapup.save()).toBe(true)
    expect(recordOf(id)).toMatchObject({ disposition: 'callback', callbackAt: at, note: 'no answer at the agreed time' })
    wrapup.correct(id)
    wrapup.setCallbackAt(at + 60_000) // moved, but still behind now
    expect(wrapup.save()).toBe(false)
    expect(wrapup.problem).toBe('CALLBACK_IN_PAST')
  })

  it('goes in front of an open optional wrap-up, which is offered again after it', async () => {
    const id = await savedCall('13800000001')
    const call = useCallStore()
    call.close()
    await call.placeCall({ to: '13800000002' })
    await call.hangUp()
    const wrapup = useWrapupStore()
    const offered = wrapup.draft?.callId
    wrapup.choose('no-answer')
    wrapup.correct(id)
    expect(wrapup.draft?.callId).toBe(id)
    expect(wrapup.queue.map((d) => d.callId)).toEqual([id, offered])
    expect(wrapup.skip()).toBe(true)
    expect(wrapup.draft).toMatchObject({ callId: offered, disposition: 'no-answer' })
    expect([wrapup.isCorrection, wrapup.isSheetShown]).toEqual([false, false])
  })

  it("shows a call's wrap-up that is still open instead of opening a second one; refuses a record no longer on the phone", async () => {
    const id = await connectedCall('13800000001')
    const wrapup = useWrapupStore()
    wrapup.choose('deal')
    expect(wrapup.correct(id)).toBe(true)
    expect(wrapup.queue).toHaveLength(1)
    expect(wrapup.draft).toMatchObject({ callId: id, requirement: 'required', disposition: 'deal' })
    expect(wrapup.isCorrection).toBe(false)
    expect(wrapup.correct('no-such-call')).toBe(false)
    expect(wrapup.queue).toHaveLength(1)
  })

  it('keeps a correction being made across a restart', async () => {
    const id = await savedCall('13800000001')
    useWrapupStore().correct(id)
    useWrapupStore().setNote('changed my mind')
    setActivePinia(createPinia())
    signInAs(AGENT.userId)
    const wrapup = useWrapupStore()
    expect(wrapup.draft).toMatchObject({ callId: id, note: 'changed my mind', correction: { callbackAt: null } })
    expect(wrapup.isCorrection).toBe(true)
  })
})
