import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { createPinia, setActivePinia } from 'pinia'
import { TcccError } from '@/platform/errors'
import type { CallRecord } from '@/services/callRecord'
import type { RemoteChange } from '@/services/sync'
import { getSync, setSyncEngine, SyncEngine } from '@/services/sync'
import { disposeWorkstation } from '@/services/workstation'
import { CALL_DETAIL_DELAYS_MS, useHistoryStore } from './history'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
const backend = vi.hoisted(() => ({ fetchCallDetail: null as unknown as (id: string) => Promise<RemoteChange | null> }))
vi.mock('@/services/cccClient', () => ({ fetchCallDetail: (id: string) => backend.fetchCallDetail(id), connectBackend: () => {} }))

const record: CallRecord = {
  id: 'call-1',
  sessionId: 'sim-1',
  number: '13800000000',
  direction: 'out',
  outcome: 'answered',
  startedAt: 1_700_000_000_000,
  answeredAt: 1_700_000_005_000,
  endedAt: 1_700_000_065_000,
  durationSec: 60,
  endReason: 'local-bye',
}

const detailChange = (data: Record<string, unknown>): RemoteChange => ({ kind: 'call', id: 'call-1', rev: '9', deleted: false, data: { ...record, ...data } })

/** Lets the request loop pass its timers (each try waits, then drains the sync engine). */
async function passTries(count: number): Promise<void> {
  for (const delay of CALL_DETAIL_DELAYS_MS.slice(0, count)) await vi.advanceTimersByTimeAsync(delay)
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  setSyncEngine(new SyncEngine())
  getSync().setTransport({ pull: async (since) => ({ changes: [], cursor: since, more: false }), push: async (changes) => changes.map((c) => ({ changeId: c.changeId, status: 'applied' as const })) })
  getSync().open('agent1')
  setActivePinia(createPinia())
  useHistoryStore().open('agent1')
})
afterEach(() => {
  setSyncEngine(null)
  vi.useRealTimers()
})

describe('call detail from TCCC', () => {
  it('after the record reached the server, attaches the duration and recording link from the backend', async () => {
    const fetch = fn((_id: string) => Promise.resolve<RemoteChange | null>(detailChange({ tcccDurationSec: 58, recordingUrl: 'https://rec.example/1.mp3' })))
    backend.fetchCallDetail = fetch
    const history = useHistoryStore()
    history.record(record)
    expect(fetch).not.toHaveBeenCalled()
    await passTries(1)
    expect(fetch.mock.calls).toEqual([['call-1']])
    expect(history.records[0]).toMatchObject({ id: 'call-1', durationSec: 60, tcccDurationSec: 58, recordingUrl: 'https://rec.example/1.mp3' })
  })

  it('tries again while TCCC has no record yet, then gives up; a session-less call asks nothing', async () => {
    const fetch = fn((_id: string) => Promise.resolve<RemoteChange | null>(null))
    backend.fetchCallDetail = fetch
    const history = useHistoryStore()
    const { sessionId: _s, ...noSession } = record
    history.record({ ...noSession, id: 'call-0' })
    history.record(record)
    await passTries(3)
    expect(fetch.mock.calls).toEqual([['call-1'], ['call-1'], ['call-1']])
    expect(history.records.find((r) => r.id === 'call-1')?.tcccDurationSec).toBeUndefined()
  })

  it('keeps a wrap-up the phone has not sent yet, and stops at a signed-out backend session', async () => {
    backend.fetchCallDetail = () => Promise.resolve(detailChange({ tcccDurationSec: 58, recordingUrl: null, disposition: null }))
    const history = useHistoryStore()
    history.record(record)
    history.updateWrapup('call-1', { disposition: 'deal', note: 'signed', callbackAt: null })
    await passTries(1)
    expect(history.records[0]).toMatchObject({ disposition: 'deal', note: 'signed', tcccDurationSec: 58, recordingUrl: null })

    const expired = fn((_id: string) => Promise.reject(new TcccError('SESSION_EXPIRED')))
    backend.fetchCallDetail = expired
    history.record({ ...record, id: 'call-2', sessionId: 'sim-2' })
    await passTries(3)
    expect(expired).toHaveBeenCalledTimes(1)
  })
})

describe('call detail from TCCC (mutation survivors)', () => {
  it('tells no detail was attached when the agent signed out before the first try, or the call was cleared meanwhile', async () => {
    const fetch = fn((_id: string) => Promise.resolve<RemoteChange | null>(detailChange({ tcccDurationSec: 58 })))
    backend.fetchCallDetail = fetch
    const history = useHistoryStore()
    const { sessionId: _s, ...noSession } = record // no tries of its own: this test asks
    history.record(noSession)
    const signedOut = history.requestDetail('call-1')
    history.close()
    await passTries(3)
    await expect(signedOut).resolves.toBe(false)
    expect(fetch).not.toHaveBeenCalled()

    history.open('agent1')
    history.record(noSession)
    const cleared = history.requestDetail('call-1')
    // On the server (a call still queued whole stays at a clear), then cleared.
    expect(await getSync().drain()).toBe(true)
    history.clear()
    await passTries(1)
    await expect(cleared).resolves.toBe(false)
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(history.records).toEqual([])
  })

  it('asks nothing and tells so while no agent is signed in, the sync has no agent, or the workstation was replaced', async () => {
    const fetch = fn((_id: string) => Promise.resolve<RemoteChange | null>(detailChange({ tcccDurationSec: 58 })))
    backend.fetchCallDetail = fetch
    const history = useHistoryStore()
    history.close()
    history.record(record)
    const signedOut = history.requestDetail('call-1')
    await passTries(3)
    await expect(signedOut).resolves.toBe(false)
    expect(history.records[0].tcccDurationSec).toBeUndefined()

    history.open('agent1')
    getSync().close()
    const noSyncAgent = history.requestDetail('call-1')
    await passTries(3)
    await expect(noSyncAgent).resolves.toBe(false)

    getSync().open('agent1')
    const replaced = history.requestDetail('call-1')
    disposeWorkstation()
    await passTries(3)
    await expect(replaced).resolves.toBe(false)
    expect(fetch).not.toHaveBeenCalled()
  })

  it('does not ask while the record has not reached the server', async () => {
    const fetch = fn((_id: string) => Promise.resolve<RemoteChange | null>(detailChange({ tcccDurationSec: 58 })))
    backend.fetchCallDetail = fetch
    getSync().setTransport({ pull: async (since) => ({ changes: [], cursor: since, more: false }), push: () => Promise.reject(new Error('offline')) })
    const history = useHistoryStore()
    history.record(record)
    await passTries(3)
    expect(fetch).not.toHaveBeenCalled()
    expect(history.records[0].tcccDurationSec).toBeUndefined()
  })

  it('after a failed lookup (logged) and one that found nothing (not logged) tries again, and tells the detail went to the asked call', async () => {
    const answers = [Promise.reject(new TcccError('UNKNOWN')), Promise.resolve(null), Promise.resolve(detailChange({ tcccDurationSec: 58 }))]
    answers[0].catch(() => undefined)
    const fetch = fn((_id: string) => answers[fetch.mock.calls.length - 1])
    backend.fetchCallDetail = fetch
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const history = useHistoryStore()
    const { sessionId: _s, ...noSession } = record
    history.record(noSession)
    history.record({ ...noSession, id: 'call-2', startedAt: record.startedAt + 100_000, endedAt: record.endedAt + 100_000 })
    const asked = history.requestDetail('call-1')
    await passTries(3)
    await expect(asked).resolves.toBe(true)
    expect(fetch).toHaveBeenCalledTimes(3)
    expect(history.records.map((r) => [r.id, r.tcccDurationSec])).toEqual([['call-2', undefined], ['call-1', 58]])
    expect(warn.mock.calls).toEqual([['[history] call detail not available', 'UNKNOWN']])
  })

  it('tells no detail was attached when TCCC never had one, or the backend session expired', async () => {
    backend.fetchCallDetail = () => Promise.resolve(null)
    const history = useHistoryStore()
    const { sessionId: _s, ...noSession } = record
    history.record(noSession)
    const never = history.requestDetail('call-1')
    await passTries(3)
    await expect(never).resolves.toBe(false)

    backend.fetchCallDetail = () => Promise.reject(new TcccError('SESSION_EXPIRED'))
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const expired = history.requestDetail('call-1')
    await passTries(1)
    await expect(expired).resolves.toBe(false)
  })

  it('drops a detail that arrives after the agent signed out and in again', async () => {
    let answer: ((change: RemoteChange) => void) | null = null
    backend.fetchCallDetail = () => new Promise((resolve) => (answer = resolve))
    const history = useHistoryStore()
    const { sessionId: _s, ...noSession } = record
    history.record(noSession)
    const asked = history.requestDetail('call-1')
    await passTries(1)
    for (let i = 0; i < 50 && !answer; i++) await Promise.resolve() // the lookup is under way
    history.close()
    history.open('agent1')
    answer!(detailChange({ tcccDurationSec: 58 }))
    await passTries(2) // the next try finds another sign-in and stops
    await expect(asked).resolves.toBe(false)
    expect(history.records[0]).toMatchObject({ id: 'call-1' })
    expect(history.records[0].tcccDurationSec).toBeUndefined()
  })
})
