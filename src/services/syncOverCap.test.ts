/**
 * Changes refused over a cap of the agent's on the server (QUOTA_EXCEEDED) are held until there is
 * room and then sent again: the phone's latest copy of each, as a new change, in the order they
 * were refused; after numbers are deleted (the numbers cap), once at each sign-in, and when the
 * agent asks (`retryOverCap`, the records cap). The held set is stored, so a restart loses none.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DEBOUNCE_MS, SyncEngine, type LocalChange, type SyncEvent } from './sync'
import { FakeWorkspaceServer, ManualTimers, openEngine, settle, storedData } from './__tests__/fakeWorkspace'
import { storage } from '../../tests/setup/uni'

const CREATED = 1_767_225_600_000
const numberData = (number: string, remark = number) => ({ number, remark, source: 'own', createdAt: CREATED })
const phone = (i: number) => `1380013${String(i).padStart(4, '0')}`
const callData = (startedAt: number) => ({ number: '13800138000', direction: 'out', outcome: 'answered', startedAt, answeredAt: startedAt + 5_000, endedAt: startedAt + 60_000, durationSec: 55, endReason: 'local-bye' })

/**
 * What the stores hold, as the engine sees it: `write` keeps the record and queues the change;
 * `resend` gives the latest copies of what the phone still holds (the stores' own rules on
 * duplicates are theirs: `dropped` ids are held but not sent, as a now-duplicate number).
 */
function storesOver(engine: SyncEngine) {
  const copies = new Map<string, LocalChange>()
  const dropped = new Set<string>()
  const resendAsked: string[][] = []
  engine.setLocalRecords({
    held: () => [...copies.values()].map((c) => ({ kind: c.kind, id: c.id })),
    copyOf: (lost) => copies.get(`${lost.kind}:${lost.id}`) ?? null,
    resend: (records) => {
      resendAsked.push(records.map((r) => r.id))
      return records.flatMap((r) => {
        const copy = copies.get(`${r.kind}:${r.id}`)
        return copy && !dropped.has(r.id) ? [copy] : []
      })
    },
  })
  const write = (c: LocalChange) => {
    const key = `${c.kind}:${c.id}`
    if (c.op === 'delete') copies.delete(key)
    else copies.set(key, { ...c, data: { ...(copies.get(key)?.data ?? {}), ...c.data } })
    engine.enqueue([c])
  }
  return { copies, dropped, resendAsked, write }
}

describe('changes refused over a cap', () => {
  let server: FakeWorkspaceServer
  let timers: ManualTimers
  let engine: SyncEngine
  let events: SyncEvent[]
  let unsubscribe: () => void

  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    vi.spyOn(console, 'info').mockImplementation(() => undefined)
    storage.clear()
    server = new FakeWorkspaceServer()
    timers = new ManualTimers()
    ;({ engine, events, unsubscribe } = openEngine(server.transport(), timers))
  })

  afterEach(() => unsubscribe())

  const overCap = () => events.filter((e) => e.type === 'overCap').at(-1)
  const liveNumbers = () => server.live('number').map((r) => r.id).sort()
  const sync = async () => {
    await timers.advance(DEBOUNCE_MS)
    await settle()
  }

  it('are held in the order refused, stored, and said per cap; no read-back is asked for them', async () => {
    server.numbersCap = 2
    const record = vi.fn(async () => null)
    engine.setTransport({ ...server.transport(), record })
    const { write } = storesOver(engine)
    expect(overCap()).toEqual({ type: 'overCap', numbers: 0, records: 0 })
    for (const i of [1, 2, 3, 4]) write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phone(i)) })
    await sync()
    expect(liveNumbers()).toEqual(['n1', 'n2'])
    expect(engine.overCapRecords()).toEqual([
      { kind: 'number', id: 'n3', quota: 'numbers' },
      { kind: 'number', id: 'n4', quota: 'numbers' },
    ])
    expect(storedData('tccc.a.agent1.overCap')).toEqual(engine.overCapRecords())
    expect(overCap()).toEqual({ type: 'overCap', numbers: 2, records: 0 })
    // Still logged as before.
    expect(engine.rejectedChanges().map((r) => [r.entry.id, r.reason, r.quota])).toEqual([
      ['n3', 'QUOTA_EXCEEDED', 'numbers'],
      ['n4', 'QUOTA_EXCEEDED', 'numbers'],
    ])
    // The server has no copy of an add it refused over a cap: nothing to read back.
    expect(record).not.toHaveBeenCalled()
    expect(engine.pending).toBe(0)
  })

  it('numbers deleted make room: the refused adds go out again as new changes, in their order, with the latest edit, right after the delete', async () => {
    server.numbersCap = 2
    const { write } = storesOver(engine)
    for (const i of [1, 2, 3, 4, 5]) write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phone(i)) })
    await sync()
    const firstChangeIds = new Set(server.pushes.flat().map((c) => c.changeId))
    // Edited while refused: refused again, still held where it was first refused.
    write({ kind: 'number', op: 'upsert', id: 'n4', data: { remark: 'edited while refused' } })
    await sync()
    expect(engine.overCapRecords().map((r) => r.id)).toEqual(['n3', 'n4', 'n5'])
    const pushesBefore = server.pushes.length
    write({ kind: 'number', op: 'delete', id: 'n1' })
    write({ kind: 'number', op: 'delete', id: 'n2' })
    await sync()
    const resent = server.pushes.slice(pushesBefore)
    // As many as the deletes made room for; the next waits where it was.
    expect(resent.map((p) => p.map((c) => `${c.op} ${c.id}`))).toEqual([['delete n1', 'delete n2'], ['upsert n3', 'upsert n4']])
    // New changes (new ids), the phone's latest copy of each.
    expect(resent[1].every((c) => !firstChangeIds.has(c.changeId))).toBe(true)
    expect(resent[1][1].data).toMatchObject({ number: phone(4), remark: 'edited while refused' })
    expect(liveNumbers()).toEqual(['n3', 'n4'])
    expect(server.record('number', 'n4')?.data.remark).toBe('edited while refused')
    // The one still over is held again, and said again.
    expect(engine.overCapRecords()).toEqual([{ kind: 'number', id: 'n5', quota: 'numbers' }])
    expect(overCap()).toEqual({ type: 'overCap', numbers: 1, records: 0 })
    write({ kind: 'number', op: 'delete', id: 'n3' })
    await sync()
    expect(liveNumbers()).toEqual(['n4', 'n5'])
    expect(engine.overCapRecords()).toEqual([])
    expect(overCap()).toEqual({ type: 'overCap', numbers: 0, records: 0 })
    expect(engine.pending).toBe(0)
  })

  it('a reconcile does not put back adds held over a cap as lost, also beyond the 200 refusals the log keeps', async () => {
    server.numbersCap = 1
    const { write } = storesOver(engine)
    for (let i = 1; i <= 251; i += 1) write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phone(i)) })
    await engine.drain()
    expect(engine.overCapRecords()).toHaveLength(250)
    expect(engine.rejectedChanges()).toHaveLength(200)
    // The sign-in's reconcile has run: nothing put back, nothing pushed again.
    expect(engine.outbox()).toEqual([])
    await engine.drain()
    expect(server.pushes.flat().filter((c) => c.ifRev !== undefined)).toEqual([])
    expect(server.pushes.flat()).toHaveLength(251)
  })

  it('a delete sends again only as many refused adds as it made room for (600 held, more than one push): the rest stay held in their order, none is sent twice', async () => {
    server.numbersCap = 2
    const { write } = storesOver(engine)
    for (let i = 1; i <= 602; i += 1) write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phone(i)) })
    await engine.drain()
    expect(engine.overCapRecords()).toHaveLength(600)
    const pushesBefore = server.pushes.length
    write({ kind: 'number', op: 'delete', id: 'n1' })
    await engine.drain()
    // Was: all 600 again behind each delete (two pushes), a day's changes gone in 80 deletes.
    expect(server.pushes.slice(pushesBefore).map((p) => p.map((c) => `${c.op} ${c.id}`))).toEqual([['delete n1'], ['upsert n3']])
    expect(liveNumbers()).toEqual(['n2', 'n3'])
    expect(engine.overCapRecords().map((r) => r.id)).toEqual(Array.from({ length: 599 }, (_, i) => `n${i + 4}`))
    expect(overCap()).toEqual({ type: 'overCap', numbers: 599, records: 0 })
    write({ kind: 'number', op: 'delete', id: 'n2' })
    write({ kind: 'number', op: 'delete', id: 'n3' })
    await sync()
    expect(server.pushes.at(-1)?.map((c) => `${c.op} ${c.id}`)).toEqual(['upsert n4', 'upsert n5'])
    expect(engine.overCapRecords().map((r) => r.id).slice(0, 2)).toEqual(['n6', 'n7'])
  })

  it('a sign-in with a delete waiting sends the held adds once: the ones the delete\'s room did not take are not sent again behind it', async () => {
    server.numbersCap = 2
    const { write } = storesOver(engine)
    for (const i of [1, 2, 3, 4]) write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phone(i)) })
    await sync()
    expect(engine.overCapRecords().map((r) => r.id)).toEqual(['n3', 'n4'])
    engine.close()
    // The next start: a delete queued before the first sync (offline at sign-in, say).
    const restarted = new SyncEngine(server.transport(), timers)
    restarted.open('agent1')
    const stores = storesOver(restarted)
    for (const i of [2, 3, 4]) stores.copies.set(`number:n${i}`, { kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phone(i)) })
    restarted.enqueue([{ kind: 'number', op: 'delete', id: 'n1' }])
    const pushesBefore = server.pushes.length
    restarted.kick()
    await settle()
    await timers.advance(DEBOUNCE_MS)
    await settle()
    // n4 was refused after n3 took the room the delete made: once, not again at once.
    expect(server.pushes.slice(pushesBefore).map((p) => p.map((c) => `${c.op} ${c.id}`))).toEqual([['delete n1', 'upsert n3', 'upsert n4']])
    expect(restarted.overCapRecords().map((r) => r.id)).toEqual(['n4'])
    restarted.close()
  })

  it('not ones the agent deleted since (a delete of a held add makes no room) nor ones the stores no longer send (a duplicate)', async () => {
    server.numbersCap = 1
    const { write, dropped, resendAsked } = storesOver(engine)
    for (const i of [1, 2, 3, 4]) write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phone(i)) })
    await sync()
    expect(engine.overCapRecords().map((r) => r.id)).toEqual(['n2', 'n3', 'n4'])
    // Deleting a refused add frees nothing on the server: nothing is sent again, it is let go.
    write({ kind: 'number', op: 'delete', id: 'n3' })
    await sync()
    expect(resendAsked).toEqual([])
    expect(engine.overCapRecords().map((r) => r.id)).toEqual(['n2', 'n4'])
    dropped.add('n2')
    const pushesBefore = server.pushes.length
    write({ kind: 'number', op: 'delete', id: 'n1' })
    await sync()
    expect(resendAsked).toEqual([['n2', 'n4']])
    expect(server.pushes.slice(pushesBefore).map((p) => p.map((c) => `${c.op} ${c.id}`))).toEqual([['delete n1'], ['upsert n4']])
    expect(liveNumbers()).toEqual(['n4'])
    expect(engine.overCapRecords()).toEqual([])
  })

  it('a number another phone deleted (the pull brings it) makes room too; this phone\'s own deletes coming back in the pull do not send anything twice', async () => {
    server.numbersCap = 2
    const { write, resendAsked } = storesOver(engine)
    for (const i of [1, 2, 3]) write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phone(i)) })
    await sync()
    expect(engine.overCapRecords().map((r) => r.id)).toEqual(['n3'])
    server.remove('number', 'n1')
    await engine.flush()
    await settle()
    // Queued after the pull, sent at the next round.
    expect(engine.outbox().map((e) => `${e.op} ${e.id}`)).toEqual(['upsert n3'])
    await sync()
    expect(liveNumbers()).toEqual(['n2', 'n3'])
    expect(resendAsked).toEqual([['n3']])
    write({ kind: 'number', op: 'upsert', id: 'n4', data: numberData(phone(4)) })
    await sync()
    write({ kind: 'number', op: 'delete', id: 'n2' })
    await sync()
    await sync()
    expect(resendAsked).toEqual([['n3'], ['n4']])
    expect(liveNumbers()).toEqual(['n3', 'n4'])
  })

  it('survive a restart, and go out again once at the next sign-in (refused again: held again, not sent again until asked)', async () => {
    server.recordsCap = 2
    const { write } = storesOver(engine)
    write({ kind: 'number', op: 'upsert', id: 'n1', data: numberData(phone(1)) })
    write({ kind: 'call', op: 'upsert', id: 'c1', data: callData(CREATED) })
    write({ kind: 'call', op: 'upsert', id: 'c2', data: callData(CREATED + 120_000) })
    write({ kind: 'number', op: 'upsert', id: 'n2', data: numberData(phone(2)) })
    await sync()
    expect(engine.overCapRecords()).toEqual([
      { kind: 'call', id: 'c2', quota: 'records' },
      { kind: 'number', id: 'n2', quota: 'records' },
    ])
    engine.close()

    const restarted = new SyncEngine(server.transport(), timers)
    const seen: SyncEvent[] = []
    const stop = restarted.subscribe((e) => seen.push(e))
    restarted.open('agent1')
    expect(seen.filter((e) => e.type === 'overCap')).toEqual([{ type: 'overCap', numbers: 0, records: 2 }])
    const stores = storesOver(restarted)
    for (const c of [
      { kind: 'number' as const, op: 'upsert' as const, id: 'n1', data: numberData(phone(1)) },
      { kind: 'call' as const, op: 'upsert' as const, id: 'c2', data: callData(CREATED + 120_000) },
      { kind: 'number' as const, op: 'upsert' as const, id: 'n2', data: numberData(phone(2), 'kept on the phone') },
    ]) stores.copies.set(`${c.kind}:${c.id}`, c)
    const pushesBefore = server.pushes.length
    restarted.kick()
    await settle()
    expect(server.pushes.slice(pushesBefore).map((p) => p.map((c) => `${c.kind} ${c.id}`))).toEqual([['call c2', 'number n2']])
    expect(restarted.overCapRecords().map((r) => r.id)).toEqual(['c2', 'n2'])
    // Only once per sign-in: the next syncs do not send them again.
    restarted.kick()
    await settle()
    await timers.advance(60_000)
    expect(server.pushes.length).toBe(pushesBefore + 1)

    // The business raises the cap; the agent asks to retry: both go through, in their order.
    server.recordsCap = 10
    restarted.retryOverCap()
    await settle()
    expect(server.pushes.at(-1)?.map((c) => `${c.kind} ${c.id}`)).toEqual(['call c2', 'number n2'])
    expect(server.record('number', 'n2')?.data.remark).toBe('kept on the phone')
    expect(server.record('call', 'c2')?.deleted).toBe(false)
    expect(restarted.overCapRecords()).toEqual([])
    expect(seen.filter((e) => e.type === 'overCap').at(-1)).toEqual({ type: 'overCap', numbers: 0, records: 0 })
    expect(storedData('tccc.a.agent1.overCap')).toEqual([])
    stop()
    restarted.close()
  })

  it('a retry the agent asks for while still over the cap is refused again and said again', async () => {
    server.recordsCap = 1
    const { write } = storesOver(engine)
    write({ kind: 'number', op: 'upsert', id: 'n1', data: numberData(phone(1)) })
    write({ kind: 'number', op: 'upsert', id: 'n2', data: numberData(phone(2)) })
    await sync()
    expect(overCap()).toEqual({ type: 'overCap', numbers: 0, records: 1 })
    const counts = () => events.filter((e) => e.type === 'overCap').map((e) => (e.type === 'overCap' ? e.records : -1))
    const before = counts().length
    engine.retryOverCap()
    await settle()
    // Let go as it is queued, held again when refused.
    expect(counts().slice(before)).toEqual([0, 1])
    expect(engine.overCapRecords()).toEqual([{ kind: 'number', id: 'n2', quota: 'records' }])
    expect(engine.pending).toBe(0)
  })

  it('changes refused over a cap by an earlier version (only in the rejected log) are held at the first open', async () => {
    server.numbersCap = 1
    const { write } = storesOver(engine)
    write({ kind: 'number', op: 'upsert', id: 'n1', data: numberData(phone(1)) })
    write({ kind: 'number', op: 'upsert', id: 'n2', data: numberData(phone(2)) })
    write({ kind: 'call', op: 'upsert', id: 'c1', data: callData(CREATED) })
    await sync()
    engine.close()
    // As the earlier version left it: the log (a call over an unnamed cap), no held set.
    const log = storedData('tccc.a.agent1.rejected') as Array<{ entry: { id: string }; reason: string; at: number; quota?: string }>
    log.push({ ...log[0], entry: { ...log[0].entry, id: 'n2' } }, { entry: { changeId: 'x', kind: 'call', op: 'upsert', id: 'c9', data: {}, queuedAt: 1 } as never, reason: 'QUOTA_EXCEEDED', at: 2 })
    storage.set('tccc.a.agent1.rejected', JSON.stringify({ v: 1, data: log }))
    storage.delete('tccc.a.agent1.overCap')
    const restarted = new SyncEngine(server.transport(), timers)
    restarted.open('agent1')
    expect(restarted.overCapRecords()).toEqual([
      { kind: 'number', id: 'n2', quota: 'numbers' },
      { kind: 'call', id: 'c9', quota: 'records' },
    ])
    restarted.close()
  })

  it('a stored held set with a bad row (a later version\'s kind, a broken write) keeps the others, each once', () => {
    engine.close()
    const good = [
      { kind: 'number', id: 'n2', quota: 'numbers' },
      { kind: 'call', id: 'c1', quota: 'records' },
    ]
    storage.set('tccc.a.agent1.overCap', JSON.stringify({ v: 1, data: [good[0], { kind: 'outcome', id: 'o1', quota: 'numbers' }, 'junk', null, good[1], { ...good[0] }, { kind: 'number', id: 'n3', quota: 'storage' }] }))
    const restarted = new SyncEngine(server.transport(), timers)
    const seen: SyncEvent[] = []
    const stop = restarted.subscribe((e) => seen.push(e))
    restarted.open('agent1')
    // Was: none held and the sync line clear, the refused records never sent again.
    expect(restarted.overCapRecords()).toEqual(good)
    expect(seen.filter((e) => e.type === 'overCap')).toEqual([{ type: 'overCap', numbers: 1, records: 1 }])
    stop()
    restarted.close()
  })

  it('a held set that cannot be read at all (not a list, another version) is worked out from the rejected log again, not emptied', async () => {
    server.numbersCap = 1
    const { write } = storesOver(engine)
    write({ kind: 'number', op: 'upsert', id: 'n1', data: numberData(phone(1)) })
    write({ kind: 'number', op: 'upsert', id: 'n2', data: numberData(phone(2)) })
    await sync()
    engine.close()
    for (const unreadable of [JSON.stringify({ v: 1, data: { n2: true } }), JSON.stringify({ v: 7, data: [] }), '{not json']) {
      storage.set('tccc.a.agent1.overCap', unreadable)
      const restarted = new SyncEngine(server.transport(), timers)
      restarted.open('agent1')
      expect(restarted.overCapRecords()).toEqual([{ kind: 'number', id: 'n2', quota: 'numbers' }])
      restarted.close()
    }
  })

  it('worked out from the log, what the server has since taken (seen on it) is not held, nor sent over a later edit from another phone', async () => {
    server.numbersCap = 1
    const { write } = storesOver(engine)
    write({ kind: 'number', op: 'upsert', id: 'n1', data: numberData(phone(1)) })
    write({ kind: 'number', op: 'upsert', id: 'n2', data: numberData(phone(2)) })
    write({ kind: 'number', op: 'upsert', id: 'n3', data: numberData(phone(3)) })
    await sync()
    // An earlier version: n2 went in later (room made), another phone then edited it; n3 is still over.
    server.numbersCap = 3
    write({ kind: 'number', op: 'upsert', id: 'n2', data: numberData(phone(2)) })
    await sync()
    server.put('number', 'n2', numberData(phone(2), 'edited on the other phone'))
    await engine.flush()
    await settle()
    engine.close()
    storage.delete('tccc.a.agent1.overCap')
    server.numbersCap = 2
    const restarted = new SyncEngine(server.transport(), timers)
    restarted.open('agent1')
    expect(restarted.overCapRecords().map((r) => r.id)).toEqual(['n3'])
    const stores = storesOver(restarted)
    for (const i of [1, 2, 3]) stores.copies.set(`number:n${i}`, { kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phone(i)) })
    const pushesBefore = server.pushes.length
    restarted.kick()
    await settle()
    expect(server.pushes.slice(pushesBefore).map((p) => p.map((c) => `${c.op} ${c.id}`))).toEqual([['upsert n3']])
    expect(server.record('number', 'n2')?.data.remark).toBe('edited on the other phone')
    restarted.close()
  })
})
