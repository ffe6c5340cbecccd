import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { createPinia, setActivePinia } from 'pinia'
import { TcccError } from '@/platform/errors'
import type { CallRecord } from '@/services/callRecord'
import type { RemoteChange } from '@/services/sync'
import { getSync, setSyncEngine, SyncEngine } from '@/services/sync'
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
    await passTries(1)
    await expect(signedOut).resolves.toBe(false)
    expect(fetch).not.toHaveBeenCalled()

    history.open('agent1')
    history.record(noSession)
    const cleared = history.requestDetail('call-1')
    history.clear()
    await passTries(1)
    await expect(cleared).resolves.toBe(false)
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(history.records).toEqual([])
  })
})
