/**
 * Changes refused over a cap of the agent's (QUOTA_EXCEEDED), through the stores: the refused
 * numbers stay listed and go out again once the agent deletes numbers (their latest version, not
 * the deleted ones nor a now-duplicate), what the records cap refused goes out again when the
 * agent asks and at the next sign-in, and the sync line's count follows what still waits, also
 * after a restart.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { DEBOUNCE_MS, getSync } from '@/services/sync'
import { FakeWorkspaceServer, ManualTimers, settle } from '@/services/__tests__/fakeWorkspace'
import { useHistoryStore } from './history'
import { useNumbersStore } from './numbers'
import { useSyncStore } from './sync'
import { AGENT1, callRecord, freshWorkspace, signInWorkspace, stored } from './__tests__/workspaceBackend'

describe('changes refused over a cap, through the stores', () => {
  let timers: ManualTimers
  let servers: Record<string, FakeWorkspaceServer>
  beforeEach(() => {
    ;({ timers, servers } = freshWorkspace())
  })
  const signIn = signInWorkspace
  const line = () => {
    const sync = useSyncStore()
    return { state: sync.state, pending: sync.pending, refused: sync.refused, quota: sync.quotaRefused }
  }
  const syncNow = async () => {
    await timers.advance(DEBOUNCE_MS)
    await settle()
  }
  const pushedSince = (server: FakeWorkspaceServer, from: number) => server.pushes.slice(from).map((p) => p.map((c) => `${c.op} ${c.id}`))
  /** Signed in under a records cap of 1, call c1 in: the cap is full. */
  const c1InUnderCapOf1 = async () => {
    const server = servers[AGENT1]
    server.recordsCap = 1
    await signIn(AGENT1)
    const history = useHistoryStore()
    history.record(callRecord('c1', '13800138001'))
    await syncNow()
    return { server, history }
  }
  /** The same, and c2 refused over the cap: held. */
  const c2HeldOverCapOf1 = async () => {
    const full = await c1InUnderCapOf1()
    full.history.record(callRecord('c2', '13800138002'))
    await syncNow()
    return full
  }

  it('deleting numbers sends the refused adds again, their latest version, in their order; the line clears once they are in and says so again while some are over', async () => {
    const server = servers[AGENT1]
    server.numbersCap = 2
    await signIn(AGENT1)
    const numbers = useNumbersStore()
    numbers.add('13800138001', 'one')
    numbers.add('13800138002', 'two')
    await syncNow()
    numbers.add('13800138003', 'three')
    numbers.add('13800138004', 'four')
    numbers.add('13800138005', 'five')
    await syncNow()
    expect(line()).toEqual({ state: 'synced', pending: 0, refused: 3, quota: 'numbers' })
    expect(numbers.entries).toHaveLength(5)
    // Edited while refused (refused again, still counted once), and one refused deleted: that
    // makes no room on the server, so nothing goes out again.
    numbers.update('13800138004', '13800138004', 'four, edited')
    numbers.remove('13800138005')
    await syncNow()
    const id = (n: string) => numbers.lookup(n)?.id as string
    const [three, four] = [id('13800138003'), id('13800138004')]
    expect(getSync().overCapRecords().map((r) => r.id)).toEqual([three, four])
    expect(line()).toEqual({ state: 'synced', pending: 0, refused: 2, quota: 'numbers' })

    let from = server.pushes.length
    numbers.remove('13800138001')
    await syncNow()
    // The delete, then as many refused adds as it made room for, as new changes: the next waits.
    expect(pushedSince(server, from)).toEqual([[`delete ${server.pushes[from][0].id}`], [`upsert ${three}`]])
    expect(server.record('number', three)?.deleted).toBe(false)
    expect(line()).toEqual({ state: 'synced', pending: 0, refused: 1, quota: 'numbers' })

    from = server.pushes.length
    numbers.remove('13800138002')
    await syncNow()
    expect(pushedSince(server, from)[1]).toEqual([`upsert ${four}`])
    expect(server.record('number', four)?.data).toMatchObject({ number: '13800138004', remark: 'four, edited' })
    expect(line()).toEqual({ state: 'synced', pending: 0, refused: 0, quota: null })
    expect(stored(`tccc.a.${useSyncStore().agentKey as string}.overCap`)).toEqual([])
  })

  it('a refused number now listed under another id (the same phone) is not sent again; one the pull replaced is let go', async () => {
    const server = servers[AGENT1]
    server.numbersCap = 1
    await signIn(AGENT1)
    const numbers = useNumbersStore()
    numbers.add('13800138001', 'one')
    await syncNow()
    numbers.add('13800138002', 'mine')
    numbers.add('13800138003', 'also mine')
    await syncNow()
    expect(line()).toMatchObject({ refused: 2, quota: 'numbers' })
    const [two, three] = [numbers.lookup('13800138002')?.id as string, numbers.lookup('13800138003')?.id as string]
    // Another phone's copy of 13800138003 arrives (the other phone deleted to make room for it):
    // the pull replaces this phone's refused one, which is then let go.
    server.remove('number', numbers.lookup('13800138001')?.id as string)
    server.put('number', 'other-3', { number: '13800138003', remark: 'from the other phone', source: 'own', createdAt: 1 })
    server.numbersCap = 2
    // A twin of 13800138002 is listed too (kept while a change of its own waits), e.g. typed in
    // with +86 before the pull: this phone's refused copy would only duplicate it.
    numbers.applyRemote([{ kind: 'number', id: 'twin-2', rev: '0', deleted: false, data: { number: '+8613800138002', remark: 'twin', source: 'own', createdAt: 1 } }], new Set([two]))
    expect([...numbers.resendCopies([two, three, 'gone']).keys()]).toEqual([three])
    const from = server.pushes.length
    await getSync().flush()
    await settle()
    await syncNow()
    expect(numbers.entries.some((e) => e.id === three)).toBe(false)
    expect(pushedSince(server, from).flat().filter((c) => c.startsWith('upsert'))).toEqual([])
    expect(getSync().overCapRecords()).toEqual([])
    expect(line()).toMatchObject({ refused: 0, quota: null })
  })

  it('a call held over the records cap and then refused for another reason: a corrected wrap-up goes whole and brings it in (never as the wrap-up alone, which has no call there)', async () => {
    const { server, history } = await c2HeldOverCapOf1()
    expect(getSync().overCapRecords()).toEqual([{ kind: 'call', id: 'c2', quota: 'records' }])
    // The business dropped an outcome code from its catalogue and raised the cap: the server
    // refuses c2 (sent whole while held) for that code, whatever the room.
    server.recordsCap = 10
    const push = server.push.bind(server)
    vi.spyOn(server, 'push').mockImplementation((changes) =>
      changes.map((c) => (c.data?.disposition === 'dropped-code' ? { changeId: c.changeId, status: 'rejected', reason: 'INVALID_FIELD' } : push([c])[0])),
    )
    expect(history.updateWrapup('c2', { disposition: 'dropped-code', note: '', callbackAt: null })).toBe('saved')
    await syncNow()
    expect(getSync().overCapRecords()).toEqual([])
    expect(getSync().refusedOutright('call', 'c2')).toBe(true)
    expect(line()).toMatchObject({ state: 'synced', pending: 0, refused: 1, quota: null })
    // Its copy here is what a corrected wrap-up sends: a clear keeps it.
    expect(history.keptByClear()).toBe(1)
    // Was: queued as a wrap-up alone (no call there to apply it to: INVALID_NUMBER), a second refusal.
    expect(history.updateWrapup('c2', { disposition: 'deal', note: 'signed', callbackAt: null })).toBe('saved')
    expect(getSync().outbox().map((e) => [e.id, e.data?.number, e.data?.disposition])).toEqual([['c2', '13800138002', 'deal']])
    await syncNow()
    expect(server.record('call', 'c2')?.data).toMatchObject({ number: '13800138002', disposition: 'deal', note: 'signed' })
    expect(getSync().refusedOutright('call', 'c2')).toBe(false)
    // A call the server has gets its wrap-up alone, as before.
    expect(history.updateWrapup('c1', { disposition: 'deal', note: 'c1', callbackAt: null })).toBe('saved')
    expect(getSync().outbox().map((e) => [e.id, e.data])).toEqual([['c1', { disposition: 'deal', note: 'c1', callbackAt: null }]])
  })

  it('over the records cap: held across a restart (the line says so at once), sent once at the next sign-in, and again when the agent asks, after the business raised it', async () => {
    const server = servers[AGENT1]
    server.recordsCap = 2
    await signIn(AGENT1)
    const numbers = useNumbersStore()
    const history = useHistoryStore()
    numbers.add('13800138001', 'one')
    history.record(callRecord('c1', '13800138001'))
    await syncNow()
    history.record(callRecord('c2', '13800138001'))
    numbers.add('13800138002', 'two')
    await syncNow()
    expect(line()).toEqual({ state: 'synced', pending: 0, refused: 2, quota: 'records' })
    // Sign out, sign in again (an app restart): what waits is counted before anything is sent.
    useSyncStore().close()
    expect(line()).toMatchObject({ refused: 0, quota: null })
    const from = server.pushes.length
    useSyncStore().open(AGENT1, () => AGENT1, () => '')
    expect(line()).toMatchObject({ refused: 2, quota: 'records' })
    await settle()
    // Sent once at the sign-in, in their order, and refused again: said again.
    expect(pushedSince(server, from)).toEqual([['upsert c2', `upsert ${numbers.lookup('13800138002')?.id as string}`]])
    expect(line()).toEqual({ state: 'synced', pending: 0, refused: 2, quota: 'records' })
    await syncNow()
    await timers.advance(60_000)
    expect(server.pushes.length).toBe(from + 1)
    // The business raises the cap; the agent taps retry.
    server.recordsCap = 10
    useSyncStore().retryRefused()
    await settle()
    expect(server.record('call', 'c2')?.deleted).toBe(false)
    expect(server.record('number', numbers.lookup('13800138002')?.id as string)?.data.remark).toBe('two')
    expect(line()).toEqual({ state: 'synced', pending: 0, refused: 0, quota: null })
  })

  it('clearing the history keeps a call held over the records cap (its only copy), clears the ones the server has, and the kept call still goes out once there is room', async () => {
    const { server, history } = await c2HeldOverCapOf1()
    expect(line()).toMatchObject({ refused: 1, quota: 'records' })
    expect(history.keptByClear()).toBe(1)

    expect(history.clear()).toBe(1)
    expect(history.records.map((r) => r.id)).toEqual(['c2'])
    const key = useSyncStore().agentKey as string
    expect((stored(`tccc.a.${key}.history`) as Array<{ id: string }>).map((r) => r.id)).toEqual(['c2'])
    expect(history.keptByClear()).toBe(1)

    server.recordsCap = 10
    useSyncStore().retryRefused()
    await settle()
    expect(server.record('call', 'c2')?.data).toMatchObject({ number: '13800138002' })
    expect(line()).toEqual({ state: 'synced', pending: 0, refused: 0, quota: null })
    // On the server now: the next clear lets it go.
    expect(history.keptByClear()).toBe(0)
    expect(history.clear()).toBe(0)
    expect(history.records).toEqual([])
  })

  it('a call held over the records cap does not fall off the newest 1,000 until the server has it', async () => {
    const { server, history } = await c2HeldOverCapOf1()
    expect(line()).toMatchObject({ refused: 1, quota: 'records' })
    // 999 newer calls (the history is full), then one more: c2 is past the 1,000 but stays.
    const newer = Array.from({ length: 999 }, (_, i) => ({ ...callRecord(`n${i}`, '13800138003'), startedAt: Date.now() + i, answeredAt: Date.now() + i, endedAt: Date.now() + i + 1 })).reverse()
    history.records = [...newer, ...history.records]
    history.record({ ...callRecord('last', '13800138004'), startedAt: Date.now() + 5_000, answeredAt: Date.now() + 5_000, endedAt: Date.now() + 6_000 })
    expect(history.records).toHaveLength(1001)
    expect(history.records.map((r) => r.id).slice(-1)).toEqual(['c2'])
    expect(history.records.some((r) => r.id === 'c1')).toBe(false)

    server.recordsCap = 2_000
    useSyncStore().retryRefused()
    await settle()
    expect(server.record('call', 'c2')?.data).toMatchObject({ number: '13800138002' })
    // On the server now: the next call lets it go into the standing like any other.
    history.record({ ...callRecord('later', '13800138005'), startedAt: Date.now() + 7_000, answeredAt: Date.now() + 7_000, endedAt: Date.now() + 8_000 })
    expect(history.records).toHaveLength(1000)
    expect(history.records.some((r) => r.id === 'c2')).toBe(false)
  })

  it('clearing keeps a call still queued (its whole record waits in the outbox): refused over the records cap after the clear, it is held and goes out once there is room', async () => {
    const { server, history } = await c1InUnderCapOf1()
    // Ended, queued, not sent yet (offline, or within the debounce): the agent clears the history.
    history.record({ ...callRecord('c2', '13800138002'), endedAt: callRecord('c1', '').endedAt + 60_000 })
    expect(history.keptByClear()).toBe(1)
    expect(history.clear()).toBe(1)
    expect(history.records.map((r) => r.id)).toEqual(['c2'])
    await syncNow()
    expect(getSync().overCapRecords()).toEqual([{ kind: 'call', id: 'c2', quota: 'records' }])
    server.recordsCap = 10
    useSyncStore().retryRefused()
    await settle()
    // Was: cleared, the held call had no copy on the phone to send again, and was let go for good.
    expect(server.record('call', 'c2')?.data).toMatchObject({ number: '13800138002' })
    expect(line()).toEqual({ state: 'synced', pending: 0, refused: 0, quota: null })
  })

  it('a call that ends older than the newest 1,000 (the clock stepped back) is still queued, not folded away unsent', async () => {
    await signIn(AGENT1)
    const history = useHistoryStore()
    const base = callRecord('x', '13800138003').endedAt
    history.records = Array.from({ length: 1000 }, (_, i) => ({ ...callRecord(`n${i}`, '13800138003'), startedAt: base + (1000 - i) * 1_000, endedAt: base + (1000 - i) * 1_000 + 500 }))
    history.record({ ...callRecord('old', '13800138004'), startedAt: base - 120_000, endedAt: base - 60_000 })
    // Was: it fell off the newest 1,000 before it was marked unqueued: never in the outbox, never on the server.
    expect(getSync().outbox().map((e) => e.id)).toEqual(['old'])
    expect(history.records.some((r) => r.id === 'old')).toBe(true)
    await syncNow()
    expect(servers[AGENT1].record('call', 'old')?.data).toMatchObject({ number: '13800138004' })
  })

  it('a pulled page of calls onto a full history reads the held set once, not once per call', async () => {
    await signIn(AGENT1)
    const history = useHistoryStore()
    const base = callRecord('x', '13800138003').endedAt
    history.records = Array.from({ length: 1000 }, (_, i) => ({ ...callRecord(`n${i}`, '13800138003'), endedAt: base + i }))
    const reads = vi.spyOn(getSync(), 'overCapRecords')
    const page = Array.from({ length: 500 }, (_, i) => ({ kind: 'call', id: `r${i}`, rev: String(i + 1), deleted: false, data: { ...callRecord(`r${i}`, '13800138005'), endedAt: base + 10_000 + i } as unknown as Record<string, unknown> }))
    history.applyRemote(page, new Set())
    expect(history.records).toHaveLength(1000)
    // Was: 500 (each call parsed the stored held set again).
    expect(reads.mock.calls.length).toBeLessThanOrEqual(1)
  })
})
