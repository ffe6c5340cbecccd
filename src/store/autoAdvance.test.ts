import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import { AUTO_ADVANCE_SECONDS, useAutoAdvanceStore, type AutoAdvanceTimers } from '@/store/autoAdvance'
import { useAgentStore } from '@/store/agent'
import { useCallStore } from '@/store/call'
import { useConnectionStore } from '@/store/connection'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useWrapupStore } from '@/store/wrapup'
import { AGENT, callsOf, loginSdk, settle, setupCore, type Core } from './__tests__/harness'
import { storage } from '../../tests/setup/uni'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

/** Timers the test fires one by one. */
function manualTimers(): AutoAdvanceTimers & { pending: number; fire(): void } {
  const queue = new Map<number, () => void>()
  let next = 1
  return {
    setTimeout(fn) {
      const id = next++
      queue.set(id, fn)
      return id
    },
    clearTimeout(handle) {
      queue.delete(handle as number)
    },
    get pending() {
      return queue.size
    },
    fire() {
      const [id, fn] = [...queue.entries()][0] ?? []
      if (id === undefined || !fn) throw new Error('no timer pending')
      queue.delete(id)
      fn()
    },
  }
}

let core: Core
let timers: ReturnType<typeof manualTimers>

function signInAs(userId: string): void {
  useSessionStore().agent = { userId, sdkAppId: AGENT.sdkAppId }
}

/** Calls `to`, lets it be answered and hung up by the far end, and picks `deal`. */
async function talkAndChoose(to: string, remark: string): Promise<void> {
  const call = useCallStore()
  await call.placeCall({ to, remark })
  core.sim.answerOutbound()
  core.sim.remoteHangup()
  useWrapupStore().choose('deal')
}

beforeEach(async () => {
  core = setupCore()
  await loginSdk(core)
  signInAs(AGENT.userId)
  timers = manualTimers()
  useAutoAdvanceStore().useTimers(timers)
  const numbers = useNumbersStore()
  numbers.add('13800000001', 'First')
  numbers.add('13800000002', 'Second')
})

afterEach(() => {
  vi.useRealTimers()
})

describe('auto-advance', () => {
  it('is off by default: saving starts no countdown', async () => {
    await talkAndChoose('13800000001', 'First')
    const advance = useAutoAdvanceStore()
    expect(advance.enabled).toBe(false)
    expect(advance.saveWrapup()).toBe(true)
    expect(advance.countdown).toBeNull()
    expect(timers.pending).toBe(0)
  })

  it('starts no countdown when the saved wrap-up was a correction from history', async () => {
    const advance = useAutoAdvanceStore()
    advance.setEnabled(true)
    await talkAndChoose('13800000001', 'First')
    expect(advance.saveWrapup()).toBe(true)
    advance.cancel()
    useCallStore().close()
    const wrapup = useWrapupStore()
    expect(wrapup.correct(useHistoryStore().records[0].id)).toBe(true)
    wrapup.setNote('asked for a discount')
    expect(advance.saveWrapup()).toBe(true)
    expect(useHistoryStore().records[0].note).toBe('asked for a discount')
    expect([advance.countdown, timers.pending]).toEqual([null, 0])
  })

  it('never dials from a seat on a break or offline, nor over a lost connection: the countdown stops or does not start', async () => {
    const advance = useAutoAdvanceStore()
    const agent = useAgentStore()
    const connection = useConnectionStore()
    advance.setEnabled(true)
    useSessionStore().status = 'signed-in'
    agent.applyStatus('free')
    await talkAndChoose('13800000001', 'First')
    expect(advance.saveWrapup()).toBe(true)
    expect(advance.isCounting).toBe(true)
    agent.applyStatus('rest', 'lunch')
    expect([advance.countdown, timers.pending]).toEqual([null, 0])

    agent.applyStatus('free')
    expect(advance.start('13800000001')).toBe(true)
    connection.markLost()
    expect(advance.countdown).toBeNull()
    expect(advance.start('13800000001')).toBe(false)
    connection.markReconnecting()
    expect(advance.start('13800000001')).toBe(false)
    connection.markRecovered()
    expect(advance.start('13800000001')).toBe(true)
    agent.applyStatus('offline')
    expect(advance.countdown).toBeNull()
    expect(advance.start('13800000001')).toBe(false)
    expect(callsOf(core, 'call')).toHaveLength(1)
  })

  it('never counts down while the session is offline from the cache (not registered with TCCC)', async () => {
    const advance = useAutoAdvanceStore()
    advance.setEnabled(true)
    useSessionStore().status = 'signed-in'
    useAgentStore().applyStatus('free')
    await talkAndChoose('13800000001', 'First')
    expect(advance.saveWrapup()).toBe(true)
    expect(advance.isCounting).toBe(true)
    useSessionStore().status = 'offline'
    expect([advance.countdown, timers.pending]).toEqual([null, 0])
    expect(advance.start('13800000001')).toBe(false)
    useSessionStore().status = 'signed-in'
    expect(advance.start('13800000001')).toBe(true)
  })

  it('counts down 5 seconds with the next customer\'s name, then dials them with their remark', async () => {
    const advance = useAutoAdvanceStore()
    advance.setEnabled(true)
    await talkAndChoose('13800000001', 'First')
    expect(advance.saveWrapup()).toBe(true)
    expect(advance.countdown).toEqual({ number: '13800000002', name: 'Second', seconds: AUTO_ADVANCE_SECONDS })
    for (let s = AUTO_ADVANCE_SECONDS - 1; s >= 1; s--) {
      timers.fire()
      expect(advance.countdown?.seconds).toBe(s)
    }
    expect(callsOf(core, 'call')).toHaveLength(1)
    timers.fire()
    await settle()
    expect(advance.countdown).toBeNull()
    expect(callsOf(core, 'call').at(-1)).toEqual([{ to: '13800000002', remark: 'Second' }])
    expect(useCallStore().state).toBe('ringing')
    expect(advance.placedCount).toBe(1)
  })

  it('dials the customer it named even when a number arrives ahead of it meanwhile; nothing when the named one was deleted', async () => {
    const advance = useAutoAdvanceStore()
    advance.setEnabled(true)
    await talkAndChoose('13800000001', 'First')
    advance.saveWrapup()
    expect(advance.countdown?.number).toBe('13800000002')
    // A pull during the countdown puts a newly assigned number first in the work order.
    useNumbersStore().add('13800000003', 'Arrived')
    for (let s = 0; s < AUTO_ADVANCE_SECONDS; s++) timers.fire()
    await settle()
    expect(callsOf(core, 'call').map(([p]) => (p as { to: string }).to)).toEqual(['13800000001', '13800000002'])

    core.sim.answerOutbound()
    core.sim.remoteHangup()
    useWrapupStore().choose('deal')
    advance.saveWrapup()
    expect(advance.countdown?.number).toBe('13800000003')
    useNumbersStore().remove('13800000003')
    for (let s = 0; s < AUTO_ADVANCE_SECONDS; s++) timers.fire()
    await settle()
    expect(callsOf(core, 'call')).toHaveLength(2)
    expect(advance.placedCount).toBe(1)
  })

  it('one tap cancels: nothing is dialled, the setting stays on', async () => {
    const advance = useAutoAdvanceStore()
    advance.setEnabled(true)
    await talkAndChoose('13800000001', 'First')
    advance.saveWrapup()
    timers.fire()
    advance.cancel()
    expect(advance.countdown).toBeNull()
    expect(timers.pending).toBe(0)
    expect(callsOf(core, 'call')).toHaveLength(1)
    expect(advance.enabled).toBe(true)
  })

  it('stops when an incoming call rings, and never starts while a call is live', async () => {
    const advance = useAutoAdvanceStore()
    advance.setEnabled(true)
    await talkAndChoose('13800000001', 'First')
    advance.saveWrapup()
    expect(advance.isCounting).toBe(true)
    core.sim.incomingCall({ from: '13900000009' })
    expect(useCallStore().state).toBe('incoming')
    expect(advance.countdown).toBeNull()
    expect(timers.pending).toBe(0)
    expect(advance.start()).toBe(false)
    expect(callsOf(core, 'call')).toHaveLength(1)
  })

  it('stops when a wrap-up opens meanwhile (a correction from history): nothing is dialled under the sheet', async () => {
    const advance = useAutoAdvanceStore()
    advance.setEnabled(true)
    await talkAndChoose('13800000001', 'First')
    advance.saveWrapup()
    timers.fire()
    expect(advance.isCounting).toBe(true)
    // The sheet is modal: the countdown, drawn over it, was inert there, its cancel unreachable.
    expect(useWrapupStore().correct(useHistoryStore().records[0].id)).toBe(true)
    expect([advance.countdown, timers.pending]).toEqual([null, 0])
    expect(callsOf(core, 'call')).toHaveLength(1)
  })

  it('does not start with nobody left to call', async () => {
    const advance = useAutoAdvanceStore()
    advance.setEnabled(true)
    useNumbersStore().remove('13800000002')
    await talkAndChoose('13800000001', 'First')
    advance.saveWrapup()
    expect(advance.countdown).toBeNull()
  })

  it('keeps the setting per agent across a restart', async () => {
    useAutoAdvanceStore().setEnabled(true)
    expect(JSON.parse(storage.get('tccc.a.agent1%40example%2Ecom.autoadvance') as string).data).toBe(true)
    setActivePinia(createPinia())
    signInAs(AGENT.userId)
    expect(useAutoAdvanceStore().enabled).toBe(true)
    signInAs('agent2@example.com')
    await nextTick()
    expect(useAutoAdvanceStore().enabled).toBe(false)
  })

  describe('edges', () => {
    const KEY = 'tccc.a.agent1%40example%2Ecom.autoadvance'

    it('reads a stored setting that is not true/false as off', () => {
      storage.set(KEY, JSON.stringify({ v: 1, data: 'yes' }))
      setActivePinia(createPinia())
      signInAs(AGENT.userId)
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
      expect(useAutoAdvanceStore().enabled).toBe(false)
      warn.mockRestore()
    })

    it('is not counting before a countdown or after one is cancelled', async () => {
      const advance = useAutoAdvanceStore()
      expect(advance.isCounting).toBe(false)
      advance.setEnabled(true)
      await talkAndChoose('13800000001', 'First')
      advance.saveWrapup()
      expect(advance.isCounting).toBe(true)
      advance.cancel()
      expect(advance.isCounting).toBe(false)
    })

    it('signed out: off, a change is kept in memory only, and the next sign-in reads that agent\'s own setting', async () => {
      storage.set(KEY, JSON.stringify({ v: 1, data: true }))
      setActivePinia(createPinia())
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
      const advance = useAutoAdvanceStore()
      expect(advance.enabled).toBe(false)
      advance.setEnabled(true)
      expect(advance.enabled).toBe(true)
      expect(warn).not.toHaveBeenCalled()
      advance.setEnabled(false)
      expect(JSON.parse(storage.get(KEY) as string).data).toBe(true)
      signInAs(AGENT.userId)
      await nextTick()
      expect(advance.enabled).toBe(true)
      warn.mockRestore()
    })

    it('turning it off stops a running countdown; turning it on again leaves one running', async () => {
      const advance = useAutoAdvanceStore()
      advance.setEnabled(true)
      await talkAndChoose('13800000001', 'First')
      advance.saveWrapup()
      advance.setEnabled(true)
      expect(advance.countdown?.number).toBe('13800000002')
      expect(timers.pending).toBe(1)
      advance.setEnabled(false)
      expect(advance.countdown).toBeNull()
      expect(timers.pending).toBe(0)
    })

    it('a failed save of the setting still applies it for now, and says why', () => {
      const advance = useAutoAdvanceStore()
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
      ;(globalThis as unknown as { uni: { setStorageSync: () => void } }).uni.setStorageSync = () => {
        throw new Error('quota')
      }
      advance.setEnabled(true)
      expect(advance.enabled).toBe(true)
      expect(warn).toHaveBeenCalledWith('[autoAdvance] could not keep the setting', expect.objectContaining({ message: 'quota' }))
      warn.mockRestore()
    })

    it('start says false with nobody left to call', async () => {
      const advance = useAutoAdvanceStore()
      advance.setEnabled(true)
      useNumbersStore().remove('13800000002')
      await talkAndChoose('13800000001', 'First')
      expect(useWrapupStore().save()).toBe(true)
      expect(advance.start('13800000001')).toBe(false)
    })

    it('names a next customer saved without a remark by the number', async () => {
      useNumbersStore().remove('13800000002')
      useNumbersStore().add('13800000003')
      const advance = useAutoAdvanceStore()
      advance.setEnabled(true)
      await talkAndChoose('13800000001', 'First')
      advance.saveWrapup()
      expect(advance.countdown).toEqual({ number: '13800000003', name: '13800000003', seconds: AUTO_ADVANCE_SECONDS })
    })

    it('dials nothing and counts no placed call when the next number left the list during the countdown', async () => {
      const advance = useAutoAdvanceStore()
      advance.setEnabled(true)
      await talkAndChoose('13800000001', 'First')
      advance.saveWrapup()
      useNumbersStore().remove('13800000002')
      for (let s = AUTO_ADVANCE_SECONDS; s >= 1; s--) timers.fire()
      await settle()
      expect(callsOf(core, 'call')).toHaveLength(1)
      expect(advance.placedCount).toBe(0)
    })

    it('"save" with no wrap-up open saves nothing and starts nothing', () => {
      const advance = useAutoAdvanceStore()
      advance.setEnabled(true)
      expect(advance.saveWrapup()).toBe(false)
      expect(advance.countdown).toBeNull()
      expect(timers.pending).toBe(0)
    })
  })
})
