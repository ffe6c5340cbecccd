/**
 * A full listing through the stores (sync, numbers, history): the backend forgot deletes made on
 * another phone while this one was away, and its next pull is a full listing. The numbers list
 * and the history drop what the listing did not name, and keep what the agent has not sent.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { DEBOUNCE_MS } from '@/services/sync'
import type { FakeWorkspaceServer, ManualTimers } from '@/services/__tests__/fakeWorkspace'
import { useHistoryStore } from './history'
import { useNumbersStore } from './numbers'
import { useSyncStore } from './sync'
import { AGENT1, callRecord, freshWorkspace, signInWorkspace, stored } from './__tests__/workspaceBackend'

describe('a full listing through the stores', () => {
  let timers: ManualTimers
  let server: FakeWorkspaceServer

  beforeEach(() => {
    let servers: Record<string, FakeWorkspaceServer>
    ;({ timers, servers } = freshWorkspace())
    server = servers[AGENT1]
  })

  const settleSync = async () => {
    for (let i = 0; i < 4; i += 1) await timers.advance(DEBOUNCE_MS)
  }

  it('drops the numbers and calls deleted elsewhere whose deletes were forgotten, keeps a call storage could not queue, and saves both lists', async () => {
    await signInWorkspace(AGENT1)
    const numbers = useNumbersStore()
    const history = useHistoryStore()
    const zhang = numbers.add('13800138001', 'Zhang')
    numbers.add('13800138002', 'Li')
    history.record(callRecord('c1', '13800138001'))
    history.record(callRecord('c2', '13800138002'))
    await settleSync()
    // Another phone deletes Zhang; the development clear takes call c1; the backend forgets both deletes.
    server.remove('number', zhang.id)
    server.remove('call', 'c1')
    server.forgetTombstones()
    // Meanwhile a call ends here while storage is full: shown, not queued.
    const realSet = uni.setStorageSync
    uni.setStorageSync = () => {
      throw new Error('quota')
    }
    expect(() => history.record(callRecord('c3', '13800138003'))).toThrow('quota')
    uni.setStorageSync = realSet

    useSyncStore().onForeground()
    await settleSync()
    expect(numbers.entries.map((e) => e.number)).toEqual(['13800138002'])
    expect(history.records.map((r) => r.id).sort()).toEqual(['c2', 'c3'])
    expect((stored('tccc.a.agent1%40example%2Ecom.numbers') as Array<{ number: string }>).map((e) => e.number)).toEqual(['13800138002'])
    expect((stored('tccc.a.agent1%40example%2Ecom.history') as Array<{ id: string }>).map((r) => r.id).sort()).toEqual(['c2', 'c3'])
    expect(useSyncStore().state).toBe('synced')
    // The history's next write queues the call that was never sent; nothing was lost.
    expect(history.updateWrapup('c2', { disposition: 'interested', note: '', callbackAt: null })).toBe('saved')
    await settleSync()
    expect(server.record('call', 'c3')?.deleted).toBe(false)
    expect(history.records.map((r) => r.id).sort()).toEqual(['c2', 'c3'])
  })
})
