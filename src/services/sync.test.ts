import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TcccError } from '@/platform/errors'
import { BACKOFF_MAX_MS, DEBOUNCE_MS, SyncEngine, backoffDelay, mergeOutbox, stateAfterFailure, type SyncEvent, type WorkspaceTransport } from './sync'
import { FakeWorkspaceServer, ManualTimers, openEngine, settle, storedData } from './__tests__/fakeWorkspace'

const stored = storedData

const addNumber = (id: string, number: string) => ({ kind: 'number' as const, op: 'upsert' as const, id, data: { number, remark: number, source: 'own', createdAt: 1_767_225_600_000 } })

describe('SyncEngine', () => {
  let server: FakeWorkspaceServer
  let timers: ManualTimers
  let engine: SyncEngine
  let events: SyncEvent[]
  let unsubscribe: () => void

  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    server = new FakeWorkspaceServer()
    timers = new ManualTimers()
    ;({ engine, events, unsubscribe } = openEngine(server.transport(), timers))
  })

  afterEach(() => unsubscribe())

  const lastStatus = () => events.filter((e) => e.type === 'status').at(-1)

  it('persists each change in the agent\'s outbox before anything is sent, and keeps it across a restart', () => {
    engine.enqueue([addNumber('n1', '13800138000')])
    const outbox = stored('tccc.a.agent1.outbox') as Array<{ id: string; changeId: string; op: string }>
    expect(outbox).toEqual([expect.objectContaining({ id: 'n1', op: 'upsert', kind: 'number' })])
    expect(outbox[0].changeId).toMatch(/^[0-9a-f-]{36}$/)
    expect(server.pushes).toHaveLength(0)
    expect(lastStatus()).toEqual({ type: 'status', state: 'pending', pending: 1 })

    const restarted = new SyncEngine(server.transport(), new ManualTimers())
    restarted.open('agent1')
    expect(restarted.outbox().map((e) => e.id)).toEqual(['n1'])
    const other = new SyncEngine(server.transport(), new ManualTimers())
    other.open('agent2')
    expect(other.pending).toBe(0)
  })

  it('debounces: changes in quick succession go out in one push ~500 ms after the last', async () => {
    engine.enqueue([addNumber('n1', '13800138001')])
    await timers.advance(300)
    engine.enqueue([addNumber('n2', '13800138002')])
    await timers.advance(DEBOUNCE_MS - 1)
    expect(server.pushes).toHaveLength(0)
    await timers.advance(1)
    expect(server.pushes).toHaveLength(1)
    expect(server.pushes[0].map((c) => c.id)).toEqual(['n1', 'n2'])
    expect(server.pushes[0][0]).not.toHaveProperty('queuedAt')
    expect(engine.pending).toBe(0)
    expect(stored('tccc.a.agent1.outbox')).toEqual([])
    expect(lastStatus()).toEqual({ type: 'status', state: 'synced', pending: 0 })
  })

  it('backs off 1 s doubling to 60 s while the backend is unreachable, then delivers everything once', async () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(backoffDelay)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000])
    server.failNext = 8
    engine.enqueue([addNumber('n1', '13800138001')])
    await timers.advance(DEBOUNCE_MS)
    expect(lastStatus()).toEqual({ type: 'status', state: 'offline', pending: 1 })
    const delays: number[] = []
    for (let i = 0; i < 7; i += 1) {
      delays.push(timers.waiting()[0])
      await timers.advance(timers.waiting()[0])
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, BACKOFF_MAX_MS])
    expect(engine.pending).toBe(1)
    await timers.advance(BACKOFF_MAX_MS)
    expect(engine.pending).toBe(0)
    expect(server.live('number')).toHaveLength(1)
    expect(lastStatus()).toMatchObject({ state: 'synced', pending: 0 })
  })

  it('shows error (not offline) when the backend answers with a failure, and retries', async () => {
    const failing: WorkspaceTransport = {
      pull: async () => ({ changes: [], cursor: '0', more: false }),
      push: async () => {
        throw new TcccError('BACKEND_ERROR', 'HTTP 500')
      },
    }
    engine.setTransport(failing)
    engine.enqueue([addNumber('n1', '13800138001')])
    await timers.advance(DEBOUNCE_MS)
    expect(lastStatus()).toEqual({ type: 'status', state: 'error', pending: 1 })
    expect(timers.waiting()).toEqual([1000])
  })

  it('a server that only asks to come back shortly (429, 503 busy) leaves the changes pending, not in error, and they go out on the retry', async () => {
    let refusals = 2
    const busy: WorkspaceTransport = {
      pull: server.transport().pull,
      push: async (changes) => {
        if (refusals-- > 0) throw new TcccError(refusals === 1 ? 'RATE_LIMITED' : 'BACKEND_BUSY', 'come back shortly')
        return server.transport().push(changes)
      },
    }
    engine.setTransport(busy)
    engine.enqueue([addNumber('n1', '13800138001')])
    await timers.advance(DEBOUNCE_MS)
    expect(lastStatus()).toEqual({ type: 'status', state: 'pending', pending: 1 })
    await timers.advance(timers.waiting()[0])
    expect(lastStatus()).toEqual({ type: 'status', state: 'pending', pending: 1 })
    await timers.advance(timers.waiting()[0])
    expect(lastStatus()).toEqual({ type: 'status', state: 'synced', pending: 0 })
    expect(server.live('number')).toHaveLength(1)
    // A pull turned away with nothing to send: still syncing, not an error.
    expect(stateAfterFailure('RATE_LIMITED', 0)).toBe('syncing')
    expect(stateAfterFailure('BACKEND_ERROR', 0)).toBe('error')
  })

  it('stays offline without trying while the platform reports no network, and flushes when it returns', async () => {
    engine.setOnline(false)
    engine.enqueue([addNumber('n1', '13800138001')])
    await timers.advance(10_000)
    expect(server.pushes).toHaveLength(0)
    expect(lastStatus()).toEqual({ type: 'status', state: 'offline', pending: 1 })
    engine.setOnline(true)
    await settle()
    expect(server.pushes).toHaveLength(1)
    expect(engine.pending).toBe(0)
  })

  it('removes only the changes the server answered; the rest stay for the next flush', async () => {
    const partial: WorkspaceTransport = {
      pull: async () => ({ changes: [], cursor: '0', more: false }),
      push: async (changes) => [{ changeId: changes[0].changeId, status: 'applied' }],
    }
    engine.setTransport(partial)
    engine.enqueue([addNumber('n1', '13800138001'), addNumber('n2', '13800138002')])
    await timers.advance(DEBOUNCE_MS)
    expect(engine.outbox().map((e) => e.id)).toEqual(['n2'])
    expect(timers.waiting()).toEqual([1000])
  })

  it('a rejected change leaves the outbox, is reported and kept with its reason', async () => {
    server.assign('13800138000', 'Lead')
    engine.enqueue([addNumber('mine', '13800138000'), addNumber('ok', '13900139000')])
    await timers.advance(DEBOUNCE_MS)
    const rejected = events.filter((e) => e.type === 'rejected')
    expect(rejected).toEqual([{ type: 'rejected', entry: expect.objectContaining({ id: 'mine' }), reason: 'DUPLICATE_NUMBER' }])
    expect(engine.pending).toBe(0)
    expect(engine.rejectedChanges()).toEqual([expect.objectContaining({ reason: 'DUPLICATE_NUMBER', entry: expect.objectContaining({ id: 'mine' }) })])
    expect(console.warn).toHaveBeenCalledWith(expect.stringContaining('rejected: DUPLICATE_NUMBER'))
  })

  it('a duplicate add whose remark the server merged is not a rejection: it leaves the outbox, is not logged or kept as rejected, and the pull brings the merged entry', async () => {
    const lead = server.assign('13800138000', 'Lead')
    engine.enqueue([{ ...addNumber('mine', '13800138000'), data: { ...addNumber('mine', '13800138000').data, remark: 'call after 6pm' } }])
    await timers.advance(DEBOUNCE_MS)
    expect(events.filter((e) => e.type === 'rejected')).toEqual([])
    expect(events.filter((e) => e.type === 'merged')).toEqual([{ type: 'merged', entry: expect.objectContaining({ id: 'mine' }) }])
    expect(engine.pending).toBe(0)
    expect(engine.rejectedChanges()).toEqual([])
    expect(stored('tccc.a.agent1.rejected')).toBeUndefined()
    expect(console.warn).not.toHaveBeenCalledWith(expect.stringContaining('rejected'))
    // The merged entry comes with this sync's pull, after the merged event.
    const remote = events.filter((e) => e.type === 'remote').flatMap((e) => e.changes)
    expect(remote.find((c) => c.id === lead)?.data?.remark).toBe('Lead | call after 6pm')
    expect(events.findIndex((e) => e.type === 'merged')).toBeLessThan(events.findIndex((e) => e.type === 'remote'))
  })

  it('merged beside any other refusal, or on a change that is not an add of a number, is still a rejection', async () => {
    const answering: WorkspaceTransport = {
      pull: async () => ({ changes: [], cursor: '0', more: false }),
      push: async (changes) => changes.map((c) => ({ changeId: c.changeId, status: 'rejected' as const, reason: c.id === 'other' ? 'INVALID_NUMBER' : 'DUPLICATE_NUMBER', merged: true })),
    }
    engine.setTransport(answering)
    engine.enqueue([addNumber('other', '13800138001'), { kind: 'number', op: 'delete', id: 'gone' }, { kind: 'call', op: 'upsert', id: 'c1', data: {} }])
    await timers.advance(DEBOUNCE_MS)
    expect(events.filter((e) => e.type === 'merged')).toEqual([])
    expect(events.filter((e) => e.type === 'rejected').map((e) => e.type === 'rejected' && e.entry.id)).toEqual(['other', 'gone', 'c1'])
    expect(engine.rejectedChanges()).toHaveLength(3)
  })

  it('pushes at most 500 changes per request', async () => {
    engine.enqueue(Array.from({ length: 1200 }, (_, i) => addNumber(`n${i}`, `1380000${String(i).padStart(4, '0')}`)))
    await timers.advance(DEBOUNCE_MS)
    expect(server.pushes.map((p) => p.length)).toEqual([500, 500, 200])
    expect(server.live('number')).toHaveLength(1200)
  })

  it('writes the outbox once when a push of several batches ends, not after each batch', async () => {
    engine.enqueue(Array.from({ length: 1200 }, (_, i) => addNumber(`n${i}`, `1380000${String(i).padStart(4, '0')}`)))
    const outboxWrites = () => vi.mocked(uni.setStorageSync).mock.calls.filter(([key]) => key === 'tccc.a.agent1.outbox').length
    const before = outboxWrites()
    await timers.advance(DEBOUNCE_MS)
    expect(server.pushes).toHaveLength(3)
    expect(outboxWrites() - before).toBe(1)
    expect(stored('tccc.a.agent1.outbox')).toEqual([])
  })

  it('a push that fails after its first batch still stores the outbox without the changes the server took', async () => {
    const transport = server.transport()
    let pushes = 0
    engine.setTransport({
      pull: transport.pull,
      push: async (changes) => {
        pushes += 1
        if (pushes === 2) throw new TcccError('BACKEND_UNREACHABLE', 'network down')
        return transport.push(changes)
      },
    })
    engine.enqueue(Array.from({ length: 1200 }, (_, i) => addNumber(`n${i}`, `1380000${String(i).padStart(4, '0')}`)))
    await timers.advance(DEBOUNCE_MS)
    expect(server.live('number')).toHaveLength(500)
    const outbox = stored('tccc.a.agent1.outbox') as Array<{ id: string }>
    expect(outbox).toHaveLength(700)
    expect(outbox[0].id).toBe('n500')
    expect(lastStatus()).toEqual({ type: 'status', state: 'offline', pending: 700 })
  })

  it('pulls page by page after a flush and stores the cursor per agent', async () => {
    for (let i = 0; i < 2500; i += 1) server.assign(`1390000${String(i).padStart(4, '0')}`, `Lead ${i}`)
    engine.kick()
    await settle()
    const pages = events.filter((e) => e.type === 'remote')
    expect(pages.map((p) => (p.type === 'remote' ? p.changes.length : 0))).toEqual([1000, 1000, 500])
    expect(stored('tccc.a.agent1.cursor')).toBe('2500')
    // Nothing new: the next pull starts from the stored cursor and brings nothing.
    events = []
    engine.kick()
    await settle()
    expect(events.filter((e) => e.type === 'remote')).toHaveLength(0)
    expect(stored('tccc.a.agent2.cursor')).toBeUndefined()
  })

  it('a pull of three pages ends with one pulled, before the cursor is stored; the cursor is written once', async () => {
    for (let i = 0; i < 2500; i += 1) server.assign(`1390000${String(i).padStart(4, '0')}`, `Lead ${i}`)
    const cursorAt: Array<[string, unknown]> = []
    const stop = engine.subscribe((e) => {
      if (e.type === 'remote' || e.type === 'pulled') cursorAt.push([e.type, stored('tccc.a.agent1.cursor')])
    })
    const cursorWrites = () => vi.mocked(uni.setStorageSync).mock.calls.filter(([key]) => key === 'tccc.a.agent1.cursor').length
    const before = cursorWrites()
    engine.kick()
    await settle()
    stop()
    // The stores save at `pulled`; until then the stored cursor stays where the pull began.
    expect(cursorAt).toEqual([
      ['remote', undefined],
      ['remote', undefined],
      ['remote', undefined],
      ['pulled', undefined],
    ])
    expect(cursorWrites() - before).toBe(1)
    expect(stored('tccc.a.agent1.cursor')).toBe('2500')
  })

  it('a pull that fails at its second page saves what the first brought, then that page’s cursor', async () => {
    for (let i = 0; i < 2500; i += 1) server.assign(`1390000${String(i).padStart(4, '0')}`, `Lead ${i}`)
    let pulls = 0
    engine.setTransport({
      push: server.transport().push,
      pull: async (since, limit) => {
        pulls += 1
        if (pulls === 2) throw new TcccError('BACKEND_UNREACHABLE', 'network down')
        return server.pull(since, limit)
      },
    })
    engine.kick()
    await settle()
    expect(events.filter((e) => e.type === 'remote' || e.type === 'pulled').map((e) => e.type)).toEqual(['remote', 'pulled'])
    expect(stored('tccc.a.agent1.cursor')).toBe('1000')
  })

  it('a pull whose records a store could not save keeps the cursor, fails, and brings them again at the retry', async () => {
    for (let i = 0; i < 1500; i += 1) server.assign(`1390000${String(i).padStart(4, '0')}`, `Lead ${i}`)
    let storageFull = true
    const stop = engine.subscribe((e) => {
      if (e.type === 'pulled' && storageFull) engine.keepCursor()
    })
    const since: string[] = []
    engine.setTransport({ push: server.transport().push, pull: async (from, limit) => (since.push(from), server.pull(from, limit)) })
    engine.kick()
    await settle()
    expect(stored('tccc.a.agent1.cursor')).toBeUndefined()
    expect(lastStatus()).toMatchObject({ state: 'error' })
    expect(console.warn).toHaveBeenCalledWith('[sync] failed (UNKNOWN); retry in 1000 ms')
    expect(timers.waiting()).toEqual([1000])

    // Still full: the retry pulls from the start again and keeps the cursor again.
    await timers.advance(1000)
    expect(since).toEqual(['0', '1000', '0', '1000'])
    expect(stored('tccc.a.agent1.cursor')).toBeUndefined()

    storageFull = false
    await timers.advance(2000)
    stop()
    expect(since).toEqual(['0', '1000', '0', '1000', '0', '1000'])
    expect(stored('tccc.a.agent1.cursor')).toBe('1500')
    expect(lastStatus()).toMatchObject({ state: 'synced' })
    // Asked once, for one pull: the next pull stores its cursor as usual.
    server.assign('13900009999', 'Late lead')
    engine.kick()
    await settle()
    expect(stored('tccc.a.agent1.cursor')).toBe('1501')
  })

  it('a pull with nothing new stores its cursor without a pulled; one cut short by sign-out stores nothing', async () => {
    engine.kick()
    await settle()
    expect(events.some((e) => e.type === 'pulled')).toBe(false)
    expect(stored('tccc.a.agent1.cursor')).toBe('0')

    for (let i = 0; i < 1500; i += 1) server.assign(`1390000${String(i).padStart(4, '0')}`, `Lead ${i}`)
    events.length = 0
    engine.setTransport({
      push: server.transport().push,
      pull: async (since, limit) => {
        const page = server.pull(since, limit)
        if (since !== '0') engine.close() // signed out while the second page was on its way
        return page
      },
    })
    engine.kick()
    await settle()
    expect(events.filter((e) => e.type === 'remote').length).toBe(1)
    expect(events.some((e) => e.type === 'pulled')).toBe(false)
    expect(stored('tccc.a.agent1.cursor')).toBe('0')
  })

  it('tells which pulled records still have local changes waiting', async () => {
    server.put('number', 'n1', { number: '13800138001', remark: 'remote', source: 'own', createdAt: 1_767_225_600_000 })
    engine.setTransport({
      push: server.transport().push,
      // The agent edits n1 while the pull is on its way.
      pull: async (since, limit) => {
        engine.enqueue([addNumber('n1', '13800138001')])
        return server.pull(since, limit)
      },
    })
    engine.kick()
    await settle()
    const remote = events.find((e) => e.type === 'remote')
    expect(remote && remote.type === 'remote' ? [...remote.pendingIds] : null).toEqual(['n1'])
  })

  it('a pushed change is never applied twice, even when its answer was lost', async () => {
    let lose = true
    const lossy: WorkspaceTransport = {
      pull: server.transport().pull,
      push: async (changes) => {
        const results = server.push(changes)
        if (lose) {
          lose = false
          throw new TcccError('BACKEND_TIMEOUT', 'answer lost')
        }
        return results
      },
    }
    engine.setTransport(lossy)
    engine.enqueue([{ kind: 'call', op: 'upsert', id: 'c1', data: { number: '110', direction: 'out' } }])
    await timers.advance(DEBOUNCE_MS)
    expect(engine.pending).toBe(1)
    await timers.advance(1000)
    expect(engine.pending).toBe(0)
    expect(server.pushes).toHaveLength(2)
    expect(server.pushes[0][0].changeId).toBe(server.pushes[1][0].changeId)
    expect(server.live('call')).toHaveLength(1)
  })

  it('after close (sign-out) an answer in flight changes nothing and no timer stays', async () => {
    engine.enqueue([addNumber('n1', '13800138001')])
    await timers.advance(DEBOUNCE_MS - 1)
    engine.close()
    expect(timers.waiting()).toEqual([])
    expect(engine.pending).toBe(0)
    // The outbox is still stored for the agent's next sign-in.
    expect((stored('tccc.a.agent1.outbox') as unknown[]).length).toBe(1)
    engine.open('agent1')
    expect(engine.pending).toBe(1)
  })

  it('two tabs of one agent keep each other\'s unsent changes: each writes what the other stored, and everything reaches the server once', async () => {
    const otherTimers = new ManualTimers()
    const tab2 = new SyncEngine(server.transport(), otherTimers)
    tab2.open('agent1')
    server.failNext = 100 // both offline for now
    engine.enqueue([addNumber('n1', '13800138001')]) // at 0
    await otherTimers.advance(20)
    tab2.enqueue([addNumber('n2', '13800138002')]) // at 20
    await timers.advance(30)
    engine.enqueue([addNumber('n3', '13800138003')]) // at 30
    // Before: the last writer's list alone ([n1, n3]); n2 was gone from storage.
    const ids = () => (stored('tccc.a.agent1.outbox') as Array<{ id: string }>).map((e) => e.id)
    expect(ids()).toEqual(['n1', 'n2', 'n3'])
    expect(engine.outbox().map((e) => e.id)).toEqual(['n1', 'n2', 'n3'])
    server.failNext = 0
    await engine.drain()
    expect(ids()).toEqual([])
    expect(server.live('number').map((r) => r.id).sort()).toEqual(['n1', 'n2', 'n3'])
    // The second tab still holds n1 and n2 (it had read n1 from storage): they go out again and
    // are answered `duplicate`, never applied twice; nothing is dropped on a guess.
    tab2.enqueue([addNumber('n4', '13800138004')])
    expect(ids()).toEqual(['n1', 'n2', 'n4'])
    await tab2.drain()
    expect(ids()).toEqual([])
    const pushedIds = server.pushes.flat().map((c) => c.id)
    expect(['n1', 'n2', 'n3', 'n4'].map((id) => pushedIds.filter((p) => p === id).length)).toEqual([2, 2, 1, 1])
    expect(server.live('number').map((r) => r.id).sort()).toEqual(['n1', 'n2', 'n3', 'n4'])
  })

  it('a merge never puts a later edit before an earlier one of this tab: the clock stepped back between them', async () => {
    const otherTimers = new ManualTimers()
    const tab2 = new SyncEngine(server.transport(), otherTimers)
    tab2.open('agent1')
    server.failNext = 100 // offline for now
    const at = timers.now()
    engine.enqueue([{ ...addNumber('n1', '13800138001'), data: { ...addNumber('n1', '13800138001').data, remark: 'first' } }])
    // The phone's clock is corrected back by a minute (network time) before the agent edits again.
    vi.spyOn(timers, 'now').mockReturnValue(at - 60_000)
    engine.enqueue([{ ...addNumber('n1', '13800138001'), data: { ...addNumber('n1', '13800138001').data, remark: 'second' } }])
    // The other tab's change in storage makes this tab merge on its next write.
    tab2.enqueue([addNumber('n2', '13800138002')])
    engine.enqueue([addNumber('n3', '13800138003')])
    const remarks = (stored('tccc.a.agent1.outbox') as Array<{ id: string; data: { remark: string } }>).filter((e) => e.id === 'n1').map((e) => e.data.remark)
    expect(remarks).toEqual(['first', 'second'])
    server.failNext = 0
    await engine.drain()
    expect(server.live('number').find((r) => r.id === 'n1')?.data.remark).toBe('second')
  })

  it('mergeOutbox keeps each side in its own queue order, placing the other tab\'s entries by time', () => {
    const e = (changeId: string, queuedAt: number) => ({ changeId, kind: 'number' as const, op: 'delete' as const, id: changeId, queuedAt })
    // `b` was queued after `a` in this tab, with a clock set back in between.
    expect(mergeOutbox([e('a', 10), e('b', 5)], [e('x', 7)], new Set()).map((x) => x.changeId)).toEqual(['x', 'a', 'b'])
    expect(mergeOutbox([e('a', 1), e('b', 9)], [e('y', 8), e('x', 2)], new Set()).map((x) => x.changeId)).toEqual(['a', 'y', 'x', 'b'])
    // The other tab's entries after all of this tab's are kept, at the end (none dropped).
    expect(mergeOutbox([e('a', 1)], [e('x', 2), e('y', 3)], new Set()).map((x) => x.changeId)).toEqual(['a', 'x', 'y'])
    expect(mergeOutbox([], [e('x', 2)], new Set()).map((x) => x.changeId)).toEqual(['x'])
  })

  it('mergeOutbox keeps queue order and drops what this tab had answered or cannot read', () => {
    const e = (changeId: string, queuedAt: number) => ({ changeId, kind: 'number' as const, op: 'delete' as const, id: changeId, queuedAt })
    expect(mergeOutbox([e('a', 1), e('c', 3)], [e('b', 2), e('a', 1), e('x', 0), { junk: true }], new Set(['x'])).map((x) => x.changeId)).toEqual(['a', 'b', 'c'])
    const mine = [e('a', 1)]
    const merged = mergeOutbox(mine, [e('a', 1)], new Set())
    expect(merged).toEqual(mine)
    expect(merged).not.toBe(mine)
  })

  it('drain() resolves true once everything is on the server, false when it could not be sent', async () => {
    engine.enqueue([addNumber('n1', '13800138001')])
    await expect(engine.drain()).resolves.toBe(true)
    server.failNext = 1
    engine.enqueue([addNumber('n2', '13800138002')])
    await expect(engine.drain()).resolves.toBe(false)
  })
})
