/**
 * Reconcile through the stores (sync, numbers, history): the backend's database goes back to a
 * backup, and what the agent's phone holds goes back onto the server at its next sign-in.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { DEBOUNCE_MS, RECONCILE_EVERY_MS } from '@/services/sync'
import type { FakeWorkspaceServer, ManualTimers } from '@/services/__tests__/fakeWorkspace'
import { useHistoryStore } from './history'
import { useNumbersStore } from './numbers'
import { useSyncStore } from './sync'
import { AGENT1, callRecord, freshWorkspace, signInWorkspace } from './__tests__/workspaceBackend'

describe('reconcile through the stores', () => {
  let timers: ManualTimers
  let servers: Record<string, FakeWorkspaceServer>
  let server: FakeWorkspaceServer

  beforeEach(() => {
    ;({ timers, servers } = freshWorkspace())
    server = servers[AGENT1]
  })

  const settleSync = async () => {
    for (let i = 0; i < 4; i += 1) await timers.advance(DEBOUNCE_MS)
  }
  /** The next working day: signed out, hours later, signed in again. */
  const nextSignIn = async () => {
    useSyncStore().close()
    await timers.advance(RECONCILE_EVERY_MS)
    await signInWorkspace(AGENT1)
    await settleSync()
  }

  it('numbers, calls, wrap-ups and deletes made after the backup are back on the server after the next sign-in', async () => {
    await signInWorkspace(AGENT1)
    const numbers = useNumbersStore()
    const history = useHistoryStore()
    numbers.add('13800138001', 'Zhang')
    numbers.add('13800138002', 'Li')
    history.record(callRecord('c1', '13800138001'))
    await settleSync()
    const backup = server.backup()

    numbers.update('13800138001', '13800138001', 'Zhang, call after 6pm')
    numbers.remove('13800138002')
    numbers.add('13800138003', 'Wang')
    expect(history.updateWrapup('c1', { disposition: 'interested', note: 'send a quote', callbackAt: null })).toBe('saved')
    history.record(callRecord('c2', '13800138003'))
    await settleSync()
    const before = new Map([...server.backup()].map(([k, r]) => [k, { deleted: r.deleted, data: r.deleted ? null : r.data }]))

    server.restore(backup)
    await nextSignIn()

    const after = new Map([...server.backup()].map(([k, r]) => [k, { deleted: r.deleted, data: r.deleted ? null : r.data }]))
    expect(after).toEqual(before)
    expect(useSyncStore().refused).toBe(0)
    expect(useSyncStore().state).toBe('synced')
    // The phone still shows what it showed.
    expect(numbers.entries.map((e) => [e.number, e.remark])).toEqual([
      ['13800138003', 'Wang'],
      ['13800138001', 'Zhang, call after 6pm'],
    ])
  })

  it('an assigned number the server lost entirely is the business\'s to assign again; a lost remark of one it has goes back', async () => {
    const keptId = server.assign('13900139001', 'Lead A')
    const goneId = server.assign('13900139002', 'Lead B')
    await signInWorkspace(AGENT1)
    await settleSync()
    const backup = server.backup()
    useNumbersStore().update('13900139001', '13900139001', 'Lead A, interested')
    await settleSync()
    backup.delete(`number:${goneId}`)
    server.restore(backup)
    const pushed = server.pushes.length
    await nextSignIn()
    const resent = server.pushes.slice(pushed).flat()
    expect(resent.map((c) => [c.id, c.data])).toEqual([[keptId, { remark: 'Lead A, interested' }]])
    expect(server.record('number', keptId)?.data.remark).toBe('Lead A, interested')
    expect(server.record('number', goneId)).toBeUndefined()
    expect(useSyncStore().refused).toBe(0)
  })

  it('a copy overtaken by another phone is not counted as a refusal, and the phone takes the newer version', async () => {
    await signInWorkspace(AGENT1)
    const numbers = useNumbersStore()
    const entry = numbers.add('13800138001', 'one')
    await settleSync()
    const backup = server.backup()
    numbers.update('13800138001', '13800138001', 'two')
    await settleSync()
    server.restore(backup)
    useSyncStore().close()
    await timers.advance(RECONCILE_EVERY_MS)
    const reconcile = server.reconcile.bind(server)
    server.reconcile = (records) => {
      const answer = reconcile(records)
      // Another phone of the agent, right after the answer.
      server.put('number', entry.id, { number: '13800138001', remark: 'the other phone', source: 'own', createdAt: entry.createdAt })
      return answer
    }
    await signInWorkspace(AGENT1)
    await settleSync()
    expect(server.record('number', entry.id)?.data.remark).toBe('the other phone')
    expect(useNumbersStore().entries.map((e) => e.remark)).toEqual(['the other phone'])
    expect(useSyncStore().rejectedCount).toBe(1)
    expect(useSyncStore().refused).toBe(0)
  })
})
