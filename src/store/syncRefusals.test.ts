/**
 * What the server refuses, and what storage cannot take, never leaves the agent with a wrong
 * list or a silent "synced": a refused edit takes the server's copy back, a refused add of a
 * number the server has is dropped, other refusals are counted for the shell (the phone's clock
 * named when that is why), and a call the outbox could not take is queued at the next sign-in.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import type { Mock } from 'jest-mock'
import { storage } from '../../tests/setup/uni'
import { DEBOUNCE_MS, getSync } from '@/services/sync'
import { FakeWorkspaceServer, ManualTimers, settle } from '@/services/__tests__/fakeWorkspace'
import { useHistoryStore } from './history'
import { useNumbersStore } from './numbers'
import { useSyncStore } from './sync'
import { AGENT1, callRecord, freshWorkspace, signInWorkspace, stored } from './__tests__/workspaceBackend'


describe('refused changes and a full outbox', () => {
  let timers: ManualTimers
  let servers: Record<string, FakeWorkspaceServer>
  beforeEach(() => {
    ;({ timers, servers } = freshWorkspace())
  })
  const signIn = signInWorkspace

  it('an edit refused as DUPLICATE_NUMBER puts the server\'s copy back: both numbers stay listed', async () => {
    const server = servers[AGENT1]
    await signIn(AGENT1)
    const numbers = useNumbersStore()
    const mine = numbers.add('13800138000', 'Zhang (own lead)')
    await timers.advance(DEBOUNCE_MS)
    expect(server.record('number', mine.id)?.data.number).toBe('13800138000')
    // The business assigns 13900139000; before the phone pulls it, the agent edits their own
    // entry to that number.
    server.assign('13900139000', 'Lead A')
    numbers.update('13800138000', '13900139000', 'Zhang (own lead)')
    await timers.advance(DEBOUNCE_MS)
    await settle()
    expect(server.record('number', mine.id)?.data.number).toBe('13800138000')
    expect(numbers.entries.map((e) => e.number).sort()).toEqual(['13800138000', '13900139000'])
    expect(numbers.entries.find((e) => e.id === mine.id)?.number).toBe('13800138000')
    // The duplicate is not an error the agent must act on.
    expect({ rejected: useSyncStore().rejectedCount, refused: useSyncStore().refused }).toEqual({ rejected: 1, refused: 0 })
  })

  it('a refused edit whose copy could not be read back at once (429, a network drop) is read at the next sync: the customer is not lost', async () => {
    const server = servers[AGENT1]
    await signIn(AGENT1)
    const numbers = useNumbersStore()
    const mine = numbers.add('13800138000', 'customer X')
    await timers.advance(DEBOUNCE_MS)
    server.assign('13900139000', 'Lead Y')
    // The one read-back after the refusal meets a busy server.
    const request = uni.request as unknown as Mock<(options: UniNamespace.RequestOptions) => unknown>
    const backend = request.getMockImplementation()
    let refusedReads = 0
    request.mockImplementation((options) => {
      if (options.method === 'GET' && /\/api\/workspace\/numbers\//.test(options.url) && refusedReads++ === 0) {
        queueMicrotask(() => options.success?.({ statusCode: 429, data: { error: { code: 'RATE_LIMITED', message: 'slow down' } } as unknown as string, header: { 'Retry-After': '1' }, cookies: [] }))
        return { abort: () => undefined }
      }
      return backend?.(options)
    })
    numbers.update('13800138000', '13900139000', 'customer X')
    await timers.advance(DEBOUNCE_MS)
    await settle()
    expect(refusedReads).toBe(1)
    expect(stored(`tccc.a.agent1%40example%2Ecom.readBack`)).toHaveLength(1)
    // The next sync reads it back and puts customer X back beside lead Y.
    useSyncStore().onForeground()
    await settle()
    await timers.advance(DEBOUNCE_MS)
    await settle()
    expect(refusedReads).toBe(2)
    expect(numbers.entries.find((e) => e.id === mine.id)).toMatchObject({ number: '13800138000', remark: 'customer X' })
    expect(numbers.entries.map((e) => e.number).sort()).toEqual(['13800138000', '13900139000'])
    expect(storage.has('tccc.a.agent1%40example%2Ecom.readBack')).toBe(false)
  })

  it('an add refused as DUPLICATE_NUMBER is dropped here; the server\'s entry, with this remark kept in it, arrives with the pull', async () => {
    const server = servers[AGENT1]
    await signIn(AGENT1)
    server.assign('13900139000', 'Lead A')
    const numbers = useNumbersStore()
    const mine = numbers.add('13900139000', 'typed again')
    await timers.advance(DEBOUNCE_MS)
    await settle()
    expect(numbers.entries.some((e) => e.id === mine.id)).toBe(false)
    expect(numbers.entries.map((e) => [e.number, e.remark])).toEqual([['13900139000', 'Lead A | typed again']])
    // Merged, not refused: nothing logged, kept or counted as rejected, and it stays out of outbox and log.
    expect({ rejected: useSyncStore().rejectedCount, refused: useSyncStore().refused }).toEqual({ rejected: 0, refused: 0 })
    expect(getSync().rejectedChanges()).toEqual([])
    expect(getSync().outbox()).toEqual([])
    expect(console.warn).not.toHaveBeenCalledWith(expect.stringContaining('rejected'))
  })

  it('an add refused as DUPLICATE_NUMBER with nothing to merge (no remark) is still dropped here and kept in the rejected log', async () => {
    const server = servers[AGENT1]
    await signIn(AGENT1)
    server.assign('13900139000', 'Lead A')
    const numbers = useNumbersStore()
    const mine = numbers.add('13900139000', '')
    await timers.advance(DEBOUNCE_MS)
    await settle()
    expect(numbers.entries.some((e) => e.id === mine.id)).toBe(false)
    expect(numbers.entries.map((e) => [e.number, e.remark])).toEqual([['13900139000', 'Lead A']])
    expect({ rejected: useSyncStore().rejectedCount, refused: useSyncStore().refused }).toEqual({ rejected: 1, refused: 0 })
    expect(getSync().rejectedChanges().map((r) => r.reason)).toEqual(['DUPLICATE_NUMBER'])
  })

  it('a call the outbox could not take (storage full) is shown, and reaches the server after the next sign-in', async () => {
    const server = servers[AGENT1]
    await signIn(AGENT1)
    const set = uni.setStorageSync as unknown as Mock<(key: string, value: unknown) => void>
    const real = set.getMockImplementation()!
    set.mockImplementation((key, value) => {
      if (key.endsWith('.outbox')) throw new Error('setStorageSync:fail exceed storage limit')
      real(key, value)
    })
    expect(() => useHistoryStore().record(callRecord('c9', '13800138000'))).toThrow()
    expect(useHistoryStore().records.map((r) => r.id)).toEqual(['c9'])
    set.mockImplementation(real) // room again (the agent cleared something)
    useSyncStore().close()
    useHistoryStore().close()
    await signIn(AGENT1)
    await timers.advance(DEBOUNCE_MS)
    await settle()
    expect(useHistoryStore().records.map((r) => r.id)).toEqual(['c9'])
    expect(server.record('call', 'c9')?.data.number).toBe('13800138000')
  })

  it('the ids of calls not queued are kept for the next sign-in, queued exactly once, then forgotten; a storage still full waits again', async () => {
    const server = servers[AGENT1]
    await signIn(AGENT1)
    const key = useSyncStore().agentKey as string
    const set = uni.setStorageSync as unknown as Mock<(key: string, value: unknown) => void>
    const real = set.getMockImplementation()!
    const fullOutbox = () =>
      set.mockImplementation((k, value) => {
        if (k.endsWith('.outbox')) throw new Error('setStorageSync:fail exceed storage limit')
        real(k, value)
      })
    fullOutbox()
    expect(() => useHistoryStore().record(callRecord('c1', '13800138000'))).toThrow()
    expect(stored(`tccc.a.${key}.history-unqueued`)).toEqual(['c1'])
    // Signed in again while the storage is still full: nothing is lost, the id stays.
    useSyncStore().close()
    useHistoryStore().close()
    await signIn(AGENT1)
    expect(stored(`tccc.a.${key}.history-unqueued`)).toEqual(['c1'])
    set.mockImplementation(real)
    // The next write (a wrap-up) queues the whole record and its own change, then forgets the id.
    expect(useHistoryStore().updateWrapup('c1', { disposition: 'deal', note: 'signed', callbackAt: null })).toBe('saved')
    const outbox = stored(`tccc.a.${key}.outbox`) as Array<{ kind: string; op: string; id: string; data: Record<string, unknown> }>
    expect(outbox.map((e) => [e.kind, e.op, e.id, e.data.number, e.data.disposition])).toEqual([['call', 'upsert', 'c1', '13800138000', 'deal']])
    expect(storage.has(`tccc.a.${key}.history-unqueued`)).toBe(false)
    await timers.advance(DEBOUNCE_MS)
    await settle()
    expect(server.record('call', 'c1')?.data).toMatchObject({ number: '13800138000', disposition: 'deal', note: 'signed' })
    // A later wrap-up change is the partial upsert alone.
    expect(useHistoryStore().updateWrapup('c1', { disposition: 'callback', note: '', callbackAt: 1_767_300_000_000 })).toBe('saved')
    const next = stored(`tccc.a.${key}.outbox`) as Array<{ id: string; data: Record<string, unknown> }>
    expect(next.map((e) => [e.id, e.data])).toEqual([['c1', { disposition: 'callback', note: '', callbackAt: 1_767_300_000_000 }]])
  })

  it('kept ids that are not a list of ids are ignored', async () => {
    await signIn(AGENT1)
    const key = useSyncStore().agentKey as string
    useSyncStore().close()
    useHistoryStore().close()
    // The call is on the phone and on the server already; only a list of ids names it again.
    const { id: _id, ...data } = callRecord('c1', '13800138000')
    servers[AGENT1].put('call', 'c1', data)
    storage.set(`tccc.a.${key}.history`, JSON.stringify({ v: 1, data: [callRecord('c1', '13800138000')] }))
    const sentC1 = () => servers[AGENT1].pushes.flat().filter((c) => c.id === 'c1')
    for (const junk of [['c1', 7], 'c1', [7], { c1: true }]) {
      storage.set(`tccc.a.${key}.history-unqueued`, JSON.stringify({ v: 1, data: junk }))
      await signIn(AGENT1)
      expect(useHistoryStore().records.map((r) => r.id)).toEqual(['c1'])
      expect(sentC1()).toEqual([])
      useSyncStore().close()
      useHistoryStore().close()
    }
    // A well-formed list does queue it (and the sign-in's sync sends it).
    storage.set(`tccc.a.${key}.history-unqueued`, JSON.stringify({ v: 1, data: ['c1'] }))
    await signIn(AGENT1)
    expect(sentC1()).toHaveLength(1)
    expect(servers[AGENT1].record('call', 'c1')?.data.number).toBe('13800138000')
  })

  it('other refusals are counted without naming the clock; a duplicate number is not counted', () => {
    const sync = useSyncStore()
    sync.noteRejected('DUPLICATE_NUMBER')
    expect({ rejected: sync.rejectedCount, refused: sync.refused }).toEqual({ rejected: 1, refused: 0 })
    sync.noteRejected('INVALID_FIELD')
    sync.noteRejected()
    expect({ rejected: sync.rejectedCount, refused: sync.refused, clock: sync.clockRefused }).toEqual({ rejected: 3, refused: 2, clock: false })
  })

  it('an add over the agent\'s cap on the server (QUOTA_EXCEEDED) stays listed and in the rejected log with the cap named, and is counted for the shell, which names the cap', async () => {
    const server = servers[AGENT1]
    server.numbersCap = 2
    await signIn(AGENT1)
    const numbers = useNumbersStore()
    numbers.add('13800138001', 'first')
    numbers.add('13800138002', 'second')
    const over = numbers.add('13800138003', 'one too many')
    await timers.advance(DEBOUNCE_MS)
    await settle()
    expect(server.live('number').map((r) => r.data.number).sort()).toEqual(['13800138001', '13800138002'])
    // Not lost: the number stays on this phone, and the change is kept in the rejected log.
    expect(numbers.entries.find((e) => e.id === over.id)).toMatchObject({ number: '13800138003', remark: 'one too many' })
    expect(getSync().rejectedChanges().map((r) => [r.entry.id, r.reason, r.quota])).toEqual([[over.id, 'QUOTA_EXCEEDED', 'numbers']])
    expect(stored(`tccc.a.${useSyncStore().agentKey as string}.rejected`)).toEqual([expect.objectContaining({ reason: 'QUOTA_EXCEEDED', quota: 'numbers' })])
    expect(getSync().outbox()).toEqual([])
    const sync = useSyncStore()
    expect({ state: sync.state, rejected: sync.rejectedCount, refused: sync.refused, quota: sync.quotaRefused, clock: sync.clockRefused }).toEqual({ state: 'synced', rejected: 1, refused: 1, quota: 'numbers', clock: false })
    useSyncStore().close()
    expect(sync.quotaRefused).toBeNull()
  })

  it('the records cap outranks the numbers cap (deleting numbers cannot help there); what waits over a cap is counted with the other refusals, once however often it was refused', () => {
    const sync = useSyncStore()
    sync.applyOverCap(1, 0)
    expect({ refused: sync.refused, quota: sync.quotaRefused }).toEqual({ refused: 1, quota: 'numbers' })
    sync.applyOverCap(1, 1)
    expect({ refused: sync.refused, quota: sync.quotaRefused }).toEqual({ refused: 2, quota: 'records' })
    // Refused again: the engine says how many wait, the refusal itself adds nothing.
    sync.noteRejected('QUOTA_EXCEEDED')
    sync.noteRejected('INVALID_FIELD')
    expect({ rejected: sync.rejectedCount, refused: sync.refused, quota: sync.quotaRefused }).toEqual({ rejected: 2, refused: 3, quota: 'records' })
    // Gone through: the sync line clears but for the other refusal.
    sync.applyOverCap(0, 0)
    expect({ refused: sync.refused, quota: sync.quotaRefused }).toEqual({ refused: 1, quota: null })
    sync.applyOverCap(0, 2)
    sync.close()
    expect({ refused: sync.refused, quota: sync.quotaRefused }).toEqual({ refused: 0, quota: null })
  })

  it('a call refused for its time (the phone\'s clock days fast) is counted for the shell, which names the clock', async () => {
    const server = servers[AGENT1]
    // The real server (server/src/db/workspace.ts) refuses times later than now + 1 day.
    const push = server.push.bind(server)
    server.push = (changes) =>
      push(changes).map((r, i) =>
        changes[i].kind === 'call' && Number((changes[i].data ?? {}).startedAt) > Date.now() + 86_400_000
          ? { changeId: r.changeId, status: 'rejected' as const, reason: 'INVALID_TIMESTAMP' }
          : r,
      )
    await signIn(AGENT1)
    const ahead = Date.now() + 2 * 86_400_000
    useHistoryStore().record({ ...callRecord('c-skew', '13800138000'), startedAt: ahead, answeredAt: ahead + 5_000, endedAt: ahead + 60_000 })
    await timers.advance(DEBOUNCE_MS)
    const sync = useSyncStore()
    expect({ state: sync.state, pending: sync.pending, refused: sync.refused, clock: sync.clockRefused }).toEqual({ state: 'synced', pending: 0, refused: 1, clock: true })
    // The record itself stays on the phone.
    expect(useHistoryStore().records.map((r) => r.id)).toEqual(['c-skew'])
    useSyncStore().close()
    expect({ refused: sync.refused, clock: sync.clockRefused }).toEqual({ refused: 0, clock: false })
  })

  it("a call delete or rewrite the server refuses (the records are the business's) leaves the outbox after one push, is never sent again, and the call stays on the phone", async () => {
    const server = servers[AGENT1]
    await signIn(AGENT1)
    const history = useHistoryStore()
    history.record(callRecord('c1', '13800138000'))
    await timers.advance(DEBOUNCE_MS)
    expect(server.record('call', 'c1')?.data.durationSec).toBe(55)
    // Not something the app sends (history's clear empties this phone only; a record's times are
    // written once): an outbox holding such changes, say from a tool, must not loop on them.
    getSync().enqueue([
      { kind: 'call', op: 'delete', id: 'c1' },
      { kind: 'call', op: 'upsert', id: 'c1', data: { durationSec: 7000 } },
    ])
    await timers.advance(DEBOUNCE_MS)
    const sync = useSyncStore()
    expect({ state: sync.state, pending: sync.pending, rejected: sync.rejectedCount, refused: sync.refused, clock: sync.clockRefused }).toEqual({ state: 'synced', pending: 0, rejected: 2, refused: 2, clock: false })
    expect(getSync().rejectedChanges().map((r) => [r.entry.op, r.reason])).toEqual([
      ['delete', 'CALL_RECORD_PERMANENT'],
      ['upsert', 'CALL_RECORD_READONLY'],
    ])
    const pushes = server.pushes.length
    getSync().kick()
    await timers.advance(60_000)
    expect(server.pushes.length).toBe(pushes)
    expect(server.record('call', 'c1')).toMatchObject({ deleted: false, data: { durationSec: 55 } })
    expect(history.records.map((r) => [r.id, r.durationSec])).toEqual([['c1', 55]])
  })
})
