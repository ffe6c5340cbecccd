/**
 * Changes refused over a cap of the agent's on the server (QUOTA_EXCEEDED) are held until there is
 * room and then sent again: the phone's latest copy of each, as a new change, in the order they
 * were refused; after numbers are deleted (the numbers cap), once at each sign-in, and when the
 * agent asks (`retryOverCap`, the records cap). The held set is stored, so a restart loses none.
 */
import { describe, expect, it, vi } from 'vitest'
import { DEBOUNCE_MS, RECONCILE_FULL_MS, SyncEngine, type LocalChange, type SyncEvent } from './sync'
import { engineFixture, settle, storedData } from './__tests__/fakeWorkspace'
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

/** The add of number `i` as the stores queue it (id `n<i>`). */
const numberAdd = (i: number): LocalChange => ({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phone(i)) })

describe('changes refused over a cap', () => {
  const t = engineFixture((server) => server.transport())
  /** The app started again: a new engine over what this phone stored, opened for agent1. */
  const reopened = (): SyncEngine => {
    const engine = new SyncEngine(t.server.transport(), t.timers)
    engine.open('agent1')
    return engine
  }

  const overCap = () => t.events.filter((e) => e.type === 'overCap').at(-1)
  const liveNumbers = () => t.server.live('number').map((r) => r.id).sort()
  const sync = async () => {
    await t.timers.advance(DEBOUNCE_MS)
    await settle()
  }

  /** A numbers cap of 1 and two adds: n2 is held over it. */
  const secondHeldOverCapOf1 = async () => {
    t.server.numbersCap = 1
    const stores = storesOver(t.engine)
    stores.write(numberAdd(1))
    stores.write(numberAdd(2))
    await sync()
    return stores
  }

  it('are held in the order refused, stored, and said per cap; no read-back is asked for them', async () => {
    t.server.numbersCap = 2
    const record = vi.fn(async () => null)
    t.engine.setTransport({ ...t.server.transport(), record })
    const { write } = storesOver(t.engine)
    expect(overCap()).toEqual({ type: 'overCap', numbers: 0, records: 0 })
    for (const i of [1, 2, 3, 4]) write(numberAdd(i))
    await sync()
    expect(liveNumbers()).toEqual(['n1', 'n2'])
    expect(t.engine.overCapRecords()).toEqual([
      { kind: 'number', id: 'n3', quota: 'numbers' },
      { kind: 'number', id: 'n4', quota: 'numbers' },
    ])
    expect(storedData('tccc.a.agent1.overCap')).toEqual(t.engine.overCapRecords())
    expect(overCap()).toEqual({ type: 'overCap', numbers: 2, records: 0 })
    // Still logged as before.
    expect(t.engine.rejectedChanges().map((r) => [r.entry.id, r.reason, r.quota])).toEqual([
      ['n3', 'QUOTA_EXCEEDED', 'numbers'],
      ['n4', 'QUOTA_EXCEEDED', 'numbers'],
    ])
    // The t.server has no copy of an add it refused over a cap: nothing to read back.
    expect(record).not.toHaveBeenCalled()
    expect(t.engine.pending).toBe(0)
  })

  it('numbers deleted make room: the refused adds go out again as new changes, in their order, with the latest edit, right after the delete', async () => {
    t.server.numbersCap = 2
    const { write } = storesOver(t.engine)
    for (const i of [1, 2, 3, 4, 5]) write(numberAdd(i))
    await sync()
    const firstChangeIds = new Set(t.server.pushes.flat().map((c) => c.changeId))
    // Edited while refused (sent whole, as the numbers store does): refused again, still held where it was first refused.
    write({ kind: 'number', op: 'upsert', id: 'n4', data: { ...numberData(phone(4)), remark: 'edited while refused' } })
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n3', 'n4', 'n5'])
    const pushesBefore = t.server.pushes.length
    write({ kind: 'number', op: 'delete', id: 'n1' })
    write({ kind: 'number', op: 'delete', id: 'n2' })
    await sync()
    const resent = t.server.pushes.slice(pushesBefore)
    // As many as the deletes made room for; the next waits where it was.
    expect(resent.map((p) => p.map((c) => `${c.op} ${c.id}`))).toEqual([['delete n1', 'delete n2'], ['upsert n3', 'upsert n4']])
    // New changes (new ids), the phone's latest copy of each.
    expect(resent[1].every((c) => !firstChangeIds.has(c.changeId))).toBe(true)
    expect(resent[1][1].data).toMatchObject({ number: phone(4), remark: 'edited while refused' })
    expect(liveNumbers()).toEqual(['n3', 'n4'])
    expect(t.server.record('number', 'n4')?.data.remark).toBe('edited while refused')
    // The one still over is held again, and said again.
    expect(t.engine.overCapRecords()).toEqual([{ kind: 'number', id: 'n5', quota: 'numbers' }])
    expect(overCap()).toEqual({ type: 'overCap', numbers: 1, records: 0 })
    write({ kind: 'number', op: 'delete', id: 'n3' })
    await sync()
    expect(liveNumbers()).toEqual(['n4', 'n5'])
    expect(t.engine.overCapRecords()).toEqual([])
    expect(overCap()).toEqual({ type: 'overCap', numbers: 0, records: 0 })
    expect(t.engine.pending).toBe(0)
  })

  it('a reconcile does not put back adds held over a cap as lost, also beyond the 200 refusals the log keeps', async () => {
    t.server.numbersCap = 1
    const { write } = storesOver(t.engine)
    for (let i = 1; i <= 251; i += 1) write(numberAdd(i))
    await t.engine.drain()
    expect(t.engine.overCapRecords()).toHaveLength(250)
    expect(t.engine.rejectedChanges()).toHaveLength(200)
    // The sign-in's reconcile has run: nothing put back, nothing pushed again.
    expect(t.engine.outbox()).toEqual([])
    await t.engine.drain()
    expect(t.server.pushes.flat().filter((c) => c.ifRev !== undefined)).toEqual([])
    expect(t.server.pushes.flat()).toHaveLength(251)
  })

  it('a delete sends again only as many refused adds as it made room for (600 held, more than one push): the rest stay held in their order, none is sent twice', async () => {
    t.server.numbersCap = 2
    const { write } = storesOver(t.engine)
    for (let i = 1; i <= 602; i += 1) write(numberAdd(i))
    await t.engine.drain()
    expect(t.engine.overCapRecords()).toHaveLength(600)
    const pushesBefore = t.server.pushes.length
    write({ kind: 'number', op: 'delete', id: 'n1' })
    await t.engine.drain()
    // Was: all 600 again behind each delete (two pushes), a day's changes gone in 80 deletes.
    expect(t.server.pushes.slice(pushesBefore).map((p) => p.map((c) => `${c.op} ${c.id}`))).toEqual([['delete n1'], ['upsert n3']])
    expect(liveNumbers()).toEqual(['n2', 'n3'])
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(Array.from({ length: 599 }, (_, i) => `n${i + 4}`))
    expect(overCap()).toEqual({ type: 'overCap', numbers: 599, records: 0 })
    write({ kind: 'number', op: 'delete', id: 'n2' })
    write({ kind: 'number', op: 'delete', id: 'n3' })
    await sync()
    expect(t.server.pushes.at(-1)?.map((c) => `${c.op} ${c.id}`)).toEqual(['upsert n4', 'upsert n5'])
    expect(t.engine.overCapRecords().map((r) => r.id).slice(0, 2)).toEqual(['n6', 'n7'])
  })

  it('a sign-in with a delete waiting sends the held adds once: the ones the delete\'s room did not take are not sent again behind it', async () => {
    t.server.numbersCap = 2
    const { write } = storesOver(t.engine)
    for (const i of [1, 2, 3, 4]) write(numberAdd(i))
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n3', 'n4'])
    t.engine.close()
    // The next start: a delete queued before the first sync (offline at sign-in, say).
    const restarted = reopened()
    const stores = storesOver(restarted)
    for (const i of [2, 3, 4]) stores.copies.set(`number:n${i}`, numberAdd(i))
    restarted.enqueue([{ kind: 'number', op: 'delete', id: 'n1' }])
    const pushesBefore = t.server.pushes.length
    restarted.kick()
    await settle()
    await t.timers.advance(DEBOUNCE_MS)
    await settle()
    // n4 was refused after n3 took the room the delete made: once, not again at once.
    expect(t.server.pushes.slice(pushesBefore).map((p) => p.map((c) => `${c.op} ${c.id}`))).toEqual([['delete n1', 'upsert n3', 'upsert n4']])
    expect(restarted.overCapRecords().map((r) => r.id)).toEqual(['n4'])
    restarted.close()
  })

  it('not ones the agent deleted since (a delete of a held add makes no room) nor ones the stores no longer send (a duplicate)', async () => {
    t.server.numbersCap = 1
    const { write, dropped, resendAsked } = storesOver(t.engine)
    for (const i of [1, 2, 3, 4]) write(numberAdd(i))
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n2', 'n3', 'n4'])
    // Deleting a refused add frees nothing on the server: nothing is sent again, it is let go.
    write({ kind: 'number', op: 'delete', id: 'n3' })
    await sync()
    expect(resendAsked).toEqual([])
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n2', 'n4'])
    dropped.add('n2')
    const pushesBefore = t.server.pushes.length
    write({ kind: 'number', op: 'delete', id: 'n1' })
    await sync()
    expect(resendAsked).toEqual([['n2', 'n4']])
    expect(t.server.pushes.slice(pushesBefore).map((p) => p.map((c) => `${c.op} ${c.id}`))).toEqual([['delete n1'], ['upsert n4']])
    expect(liveNumbers()).toEqual(['n4'])
    expect(t.engine.overCapRecords()).toEqual([])
  })

  it('a number another phone deleted (the pull brings it) makes room too; this phone\'s own deletes coming back in the pull do not send anything twice', async () => {
    t.server.numbersCap = 2
    const { write, resendAsked } = storesOver(t.engine)
    for (const i of [1, 2, 3]) write(numberAdd(i))
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n3'])
    t.server.remove('number', 'n1')
    await t.engine.flush()
    await settle()
    // Queued after the pull, sent at the next round.
    expect(t.engine.outbox().map((e) => `${e.op} ${e.id}`)).toEqual(['upsert n3'])
    await sync()
    expect(liveNumbers()).toEqual(['n2', 'n3'])
    expect(resendAsked).toEqual([['n3']])
    write(numberAdd(4))
    await sync()
    write({ kind: 'number', op: 'delete', id: 'n2' })
    await sync()
    await sync()
    expect(resendAsked).toEqual([['n3'], ['n4']])
    expect(liveNumbers()).toEqual(['n3', 'n4'])
  })

  it('survive a restart, and go out again once at the next sign-in (refused again: held again, not sent again until asked)', async () => {
    t.server.recordsCap = 2
    const { write } = storesOver(t.engine)
    write(numberAdd(1))
    write({ kind: 'call', op: 'upsert', id: 'c1', data: callData(CREATED) })
    write({ kind: 'call', op: 'upsert', id: 'c2', data: callData(CREATED + 120_000) })
    write(numberAdd(2))
    await sync()
    expect(t.engine.overCapRecords()).toEqual([
      { kind: 'call', id: 'c2', quota: 'records' },
      { kind: 'number', id: 'n2', quota: 'records' },
    ])
    t.engine.close()

    const restarted = new SyncEngine(t.server.transport(), t.timers)
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
    const pushesBefore = t.server.pushes.length
    restarted.kick()
    await settle()
    expect(t.server.pushes.slice(pushesBefore).map((p) => p.map((c) => `${c.kind} ${c.id}`))).toEqual([['call c2', 'number n2']])
    expect(restarted.overCapRecords().map((r) => r.id)).toEqual(['c2', 'n2'])
    // Only once per sign-in: the next syncs do not send them again.
    restarted.kick()
    await settle()
    await t.timers.advance(60_000)
    expect(t.server.pushes.length).toBe(pushesBefore + 1)

    // The business raises the cap; the agent asks to retry: both go through, in their order.
    t.server.recordsCap = 10
    restarted.retryOverCap()
    await settle()
    expect(t.server.pushes.at(-1)?.map((c) => `${c.kind} ${c.id}`)).toEqual(['call c2', 'number n2'])
    expect(t.server.record('number', 'n2')?.data.remark).toBe('kept on the phone')
    expect(t.server.record('call', 'c2')?.deleted).toBe(false)
    expect(restarted.overCapRecords()).toEqual([])
    expect(seen.filter((e) => e.type === 'overCap').at(-1)).toEqual({ type: 'overCap', numbers: 0, records: 0 })
    expect(storedData('tccc.a.agent1.overCap')).toEqual([])
    stop()
    restarted.close()
  })

  it('held, then refused for another reason (an edit the server finds invalid): let go of the held set into the rejected log with that reason, and not sent again at the next sign-ins', async () => {
    t.server.numbersCap = 2
    const { write } = storesOver(t.engine)
    for (const i of [1, 2, 3]) write(numberAdd(i))
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n3'])
    // Edited while held into a number the server refuses whatever the cap: INVALID_NUMBER, not QUOTA_EXCEEDED.
    write({ kind: 'number', op: 'upsert', id: 'n3', data: { number: 'not a phone' } })
    await sync()
    expect(t.engine.rejectedChanges().at(-1)).toMatchObject({ entry: { id: 'n3' }, reason: 'INVALID_NUMBER' })
    // Was: still held (counted as over the numbers cap, "delete numbers to make room"), and sent again at the next sign-in.
    expect(t.engine.overCapRecords()).toEqual([])
    expect(storedData('tccc.a.agent1.overCap')).toEqual([])
    expect(overCap()).toEqual({ type: 'overCap', numbers: 0, records: 0 })
    const stores = storesOver(t.engine)
    for (const i of [1, 2]) stores.copies.set(`number:n${i}`, numberAdd(i))
    stores.copies.set('number:n3', { kind: 'number', op: 'upsert', id: 'n3', data: { ...numberData(phone(3)), number: 'not a phone' } })
    t.engine.close()
    const sendsOfN3 = () => t.server.pushes.flat().filter((c) => c.id === 'n3').length
    const before = sendsOfN3()
    // Three sign-ins: none sends it.
    for (let i = 0; i < 3; i += 1) {
      const again = new SyncEngine(t.server.transport(), t.timers)
      storesOver(again).copies.set('number:n3', stores.copies.get('number:n3') as LocalChange)
      again.open('agent1')
      again.kick()
      await settle()
      expect(again.overCapRecords()).toEqual([])
      again.close()
    }
    expect(sendsOfN3() - before).toBe(0)
  })

  it('a held call refused for another reason is refused outright (also after a restart): a partial change of it lands nowhere; not one the server has, nor one a cap refused', async () => {
    t.server.recordsCap = 1
    const { write } = storesOver(t.engine)
    write({ kind: 'call', op: 'upsert', id: 'c1', data: callData(CREATED) })
    write({ kind: 'call', op: 'upsert', id: 'c2', data: callData(CREATED + 120_000) })
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['c2'])
    expect(t.engine.refusedOutright('call', 'c2')).toBe(false)
    const push = t.server.push.bind(t.server)
    vi.spyOn(t.server, 'push').mockImplementation((changes) => push(changes).map((r, i) => (changes[i].id === 'c2' ? { changeId: r.changeId, status: 'rejected', reason: 'INVALID_TIMESTAMP' } : r)))
    t.engine.retryOverCap()
    await settle()
    expect(t.engine.overCapRecords()).toEqual([])
    expect(t.engine.mayLack('call', 'c2')).toBe(false)
    expect(t.engine.refusedOutright('call', 'c2')).toBe(true)
    expect(t.engine.refusedOutright('call', 'c1')).toBe(false)
    expect(t.engine.refusedOutrightIds('call')).toEqual(new Set(['c2']))
    expect(t.engine.refusedOutrightIds('number')).toEqual(new Set())
    t.engine.close()
    const again = reopened()
    expect(again.refusedOutright('call', 'c2')).toBe(true)
    again.close()
  })

  it('an unreadable row in the stored rejected log (or read-back list) is skipped, not thrown on in every cycle: the sync goes on and the readable rows are kept', async () => {
    const valid = { entry: { changeId: 'c-n9', kind: 'number', op: 'upsert', id: 'n9', data: numberData(phone(9)), queuedAt: CREATED }, reason: 'INVALID_REMARK', at: CREATED }
    const junk = [null, 'junk', { entry: null, reason: 'X', at: 1 }, { entry: valid.entry, reason: 7, at: 1 }, { entry: valid.entry, reason: 'X', at: 'late' }]
    t.engine.close()
    storage.set('tccc.a.agent1.rejected', JSON.stringify({ v: 1, data: [...junk, valid] }))
    storage.set('tccc.a.agent1.readBack', JSON.stringify({ v: 1, data: [...junk, valid] }))
    const again = new SyncEngine(t.server.transport(), t.timers)
    const events: SyncEvent[] = []
    again.subscribe((e) => events.push(e))
    const { write } = storesOver(again)
    again.open('agent1')
    write(numberAdd(1))
    await t.timers.advance(DEBOUNCE_MS)
    await settle()
    const states = () => events.flatMap((e) => (e.type === 'status' ? [e.state] : []))
    expect(t.server.live('number').map((r) => r.id)).toEqual(['n1'])
    // The day's full reconcile reads the log (before: "Cannot read properties of null (reading
    // 'kind')" there, so every cycle ended in error and retried).
    await t.timers.advance(RECONCILE_FULL_MS)
    again.kick()
    await settle()
    expect(states()).not.toContain('error')
    expect(states().at(-1)).toBe('synced')
    expect(again.rejectedChanges()).toEqual([valid])
    again.close()
  })

  it('a held number refused for another reason and then deleted makes no room: the server never had it, so no held add goes out again to be refused again', async () => {
    t.server.numbersCap = 1
    const { write, resendAsked } = storesOver(t.engine)
    for (const i of [1, 2, 3]) write(numberAdd(i))
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n2', 'n3'])
    write({ kind: 'number', op: 'upsert', id: 'n2', data: { number: 'not a phone' } })
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n3'])
    const pushesBefore = t.server.pushes.length
    write({ kind: 'number', op: 'delete', id: 'n2' })
    await sync()
    // Was: the delete counted as room (n2 no longer held), so n3 went out again and was refused again.
    expect(resendAsked).toEqual([])
    expect(t.server.pushes.slice(pushesBefore).map((p) => p.map((c) => `${c.op} ${c.id}`))).toEqual([['delete n2']])
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n3'])
    // The same edit and delete queued together (offline), sent in one push: no room either.
    t.engine.setOnline(false)
    write({ kind: 'number', op: 'upsert', id: 'n3', data: { number: 'still not a phone' } })
    write({ kind: 'number', op: 'delete', id: 'n3' })
    write(numberAdd(4))
    t.engine.setOnline(true)
    await settle()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n4'])
    expect(resendAsked).toEqual([])
    expect(t.server.pushes.flat().filter((c) => c.id === 'n4')).toHaveLength(1)
  })

  it('over the 200 rows the log keeps, only over-the-cap refusals of held records go first: an older refusal of a held record for another reason stays', async () => {
    t.server.numbersCap = 1
    const { write } = storesOver(t.engine)
    write(numberAdd(1))
    // n2 refused for its number first, then (fixed) over the cap: held, with both rows in the log.
    write({ kind: 'number', op: 'upsert', id: 'n2', data: numberData('12') })
    await t.engine.drain()
    write(numberAdd(2))
    for (let i = 3; i <= 201; i += 1) write(numberAdd(i))
    await t.engine.drain()
    const log = t.engine.rejectedChanges()
    expect(log).toHaveLength(200)
    // One row over: n2's over-the-cap row went (the held set keeps n2), not its older refusal.
    expect(log[0]).toMatchObject({ entry: { id: 'n2' }, reason: 'INVALID_NUMBER' })
    expect(log.filter((r) => r.entry.id === 'n2').map((r) => r.reason)).toEqual(['INVALID_NUMBER'])
    expect(t.engine.overCapRecords()).toHaveLength(200)
  })

  it('held, then refused for another reason: not put back by a reconcile after 200 held adds refused again at a sign-in pushed its row out of the log', async () => {
    t.server.numbersCap = 1
    const { write, copies } = storesOver(t.engine)
    for (let i = 1; i <= 202; i += 1) write(numberAdd(i))
    await t.engine.drain()
    expect(t.engine.overCapRecords()).toHaveLength(201)
    write({ kind: 'number', op: 'upsert', id: 'n2', data: { number: 'not a phone' } })
    await t.engine.drain()
    expect(t.engine.rejectedChanges().at(-1)).toMatchObject({ entry: { id: 'n2' }, reason: 'INVALID_NUMBER' })
    expect(t.engine.overCapRecords()).toHaveLength(200)
    t.engine.close()
    const sendsOfN2 = () => t.server.pushes.flat().filter((c) => c.id === 'n2').length
    const before = sendsOfN2()
    // The next day's sign-in: the 200 held go out again and are refused again (200 new rows in the log), then the day's full reconcile.
    await t.timers.advance(RECONCILE_FULL_MS)
    const again = new SyncEngine(t.server.transport(), t.timers)
    const stores = storesOver(again)
    for (const [key, copy] of copies) stores.copies.set(key, copy)
    again.open('agent1')
    await again.drain()
    await again.drain()
    again.close()
    // Was: listed as lost (neither held nor in the log any more), put back and refused INVALID_NUMBER again at each sign-in.
    expect(sendsOfN2() - before).toBe(0)
  })

  it('a retry the agent asks for while still over the cap is refused again and said again', async () => {
    t.server.recordsCap = 1
    const { write } = storesOver(t.engine)
    write(numberAdd(1))
    write(numberAdd(2))
    await sync()
    expect(overCap()).toEqual({ type: 'overCap', numbers: 0, records: 1 })
    const counts = () => t.events.filter((e) => e.type === 'overCap').map((e) => (e.type === 'overCap' ? e.records : -1))
    const before = counts().length
    t.engine.retryOverCap()
    await settle()
    // Let go as it is queued, held again when refused.
    expect(counts().slice(before)).toEqual([0, 1])
    expect(t.engine.overCapRecords()).toEqual([{ kind: 'number', id: 'n2', quota: 'records' }])
    expect(t.engine.pending).toBe(0)
  })

  it('changes refused over a cap by an earlier version (only in the rejected log) are held at the first open', async () => {
    t.server.numbersCap = 1
    const { write } = storesOver(t.engine)
    write(numberAdd(1))
    write(numberAdd(2))
    write({ kind: 'call', op: 'upsert', id: 'c1', data: callData(CREATED) })
    await sync()
    t.engine.close()
    // As the earlier version left it: the log (a call over an unnamed cap), no held set.
    const log = storedData('tccc.a.agent1.rejected') as Array<{ entry: { id: string }; reason: string; at: number; quota?: string }>
    log.push({ ...log[0], entry: { ...log[0].entry, id: 'n2' } }, { entry: { changeId: 'x', kind: 'call', op: 'upsert', id: 'c9', data: {}, queuedAt: 1 } as never, reason: 'QUOTA_EXCEEDED', at: 2 })
    storage.set('tccc.a.agent1.rejected', JSON.stringify({ v: 1, data: log }))
    storage.delete('tccc.a.agent1.overCap')
    const restarted = reopened()
    expect(restarted.overCapRecords()).toEqual([
      { kind: 'number', id: 'n2', quota: 'numbers' },
      { kind: 'call', id: 'c9', quota: 'records' },
    ])
    restarted.close()
  })

  it('a stored held set with a bad row (a later version\'s kind, a broken write) keeps the others, each once', () => {
    t.engine.close()
    const good = [
      { kind: 'number', id: 'n2', quota: 'numbers' },
      { kind: 'call', id: 'c1', quota: 'records' },
    ]
    storage.set('tccc.a.agent1.overCap', JSON.stringify({ v: 1, data: [good[0], { kind: 'outcome', id: 'o1', quota: 'numbers' }, 'junk', null, good[1], { ...good[0] }, { kind: 'number', id: 'n3', quota: 'storage' }, { kind: 'number', id: 5, quota: 'numbers' }] }))
    const restarted = new SyncEngine(t.server.transport(), t.timers)
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
    await secondHeldOverCapOf1()
    t.engine.close()
    for (const unreadable of [JSON.stringify({ v: 1, data: { n2: true } }), JSON.stringify({ v: 7, data: [] }), '{not json']) {
      storage.set('tccc.a.agent1.overCap', unreadable)
      const restarted = reopened()
      expect(restarted.overCapRecords()).toEqual([{ kind: 'number', id: 'n2', quota: 'numbers' }])
      restarted.close()
    }
  })

  it('worked out from the log, what the t.server has since taken (seen on it) is not held, nor sent over a later edit from another phone', async () => {
    t.server.numbersCap = 1
    const { write } = storesOver(t.engine)
    write(numberAdd(1))
    write(numberAdd(2))
    write(numberAdd(3))
    await sync()
    // An earlier version: n2 went in later (room made), another phone then edited it; n3 is still over.
    t.server.numbersCap = 3
    write(numberAdd(2))
    await sync()
    t.server.put('number', 'n2', numberData(phone(2), 'edited on the other phone'))
    await t.engine.flush()
    await settle()
    t.engine.close()
    storage.delete('tccc.a.agent1.overCap')
    t.server.numbersCap = 2
    const restarted = reopened()
    expect(restarted.overCapRecords().map((r) => r.id)).toEqual(['n3'])
    const stores = storesOver(restarted)
    for (const i of [1, 2, 3]) stores.copies.set(`number:n${i}`, numberAdd(i))
    const pushesBefore = t.server.pushes.length
    restarted.kick()
    await settle()
    expect(t.server.pushes.slice(pushesBefore).map((p) => p.map((c) => `${c.op} ${c.id}`))).toEqual([['upsert n3']])
    expect(t.server.record('number', 'n2')?.data.remark).toBe('edited on the other phone')
    restarted.close()
  })
  it('worked out from the log: only adds refused over a cap, each once where first refused; not other refusals, nor a broken row', async () => {
    await secondHeldOverCapOf1()
    t.engine.close()
    const log = storedData('tccc.a.agent1.rejected') as Array<{ entry: { id: string; op?: string }; reason: string; at: number; quota?: string }>
    expect(log.map((r) => r.entry.id)).toEqual(['n2'])
    const refused = log[0]
    log.unshift(
      null as never,
      { ...refused, entry: null as never },
      { ...refused, entry: { ...refused.entry, id: 'n5' }, reason: 'INVALID_NUMBER', quota: undefined as never },
    )
    log.push({ ...refused, at: refused.at + 1 })
    // A delete refused over the records cap (a tombstone for a number the server never had): nothing to hold.
    log.push({ ...refused, entry: { ...refused.entry, id: 'n6', op: 'delete' }, quota: 'records' })
    storage.set('tccc.a.agent1.rejected', JSON.stringify({ v: 1, data: log }))
    storage.delete('tccc.a.agent1.overCap')
    const restarted = reopened()
    expect(restarted.overCapRecords()).toEqual([{ kind: 'number', id: 'n2', quota: 'numbers' }])
    restarted.close()
  })

  it('mayLack: a record refused over a cap or with a change waiting, not one the server took; nothing without an agent', async () => {
    t.server.numbersCap = 1
    const { write } = storesOver(t.engine)
    expect(t.engine.mayLack('number', 'n1')).toBe(false)
    write(numberAdd(1))
    write(numberAdd(2))
    write({ kind: 'call', op: 'upsert', id: 'c1', data: callData(CREATED) })
    // Waiting in the outbox.
    expect(t.engine.mayLack('number', 'n1')).toBe(true)
    expect(t.engine.mayLack('call', 'c1')).toBe(true)
    await sync()
    expect(t.engine.mayLack('number', 'n1')).toBe(false)
    expect(t.engine.mayLack('call', 'c1')).toBe(false)
    // Held over the cap; not under another kind, nor another id.
    expect(t.engine.mayLack('number', 'n2')).toBe(true)
    expect(t.engine.mayLack('call', 'n2')).toBe(false)
    expect(t.engine.mayLack('number', 'n3')).toBe(false)
    write({ kind: 'call', op: 'upsert', id: 'c2', data: callData(CREATED + 120_000) })
    expect(t.engine.mayLack('call', 'c2')).toBe(true)
    expect(t.engine.mayLack('number', 'c2')).toBe(false)
    expect(t.engine.mayLack('call', 'c3')).toBe(false)
    t.engine.close()
    expect(t.engine.mayLack('number', 'n2')).toBe(false)
    expect(t.engine.overCapRecords()).toEqual([])
    // A retry asked for with no agent signed in does nothing (and fails nothing).
    expect(() => t.engine.retryOverCap()).not.toThrow()
  })

  it('the room a delete makes goes to the adds held over the numbers cap only, and an add refused over the records cap after it does not take it', async () => {
    const { write } = storesOver(t.engine)
    t.server.recordsCap = 1
    write(numberAdd(1))
    write({ kind: 'call', op: 'upsert', id: 'c1', data: callData(CREATED) })
    await sync()
    t.server.recordsCap = null
    t.server.numbersCap = 1
    write(numberAdd(2))
    await sync()
    expect(t.engine.overCapRecords()).toEqual([
      { kind: 'call', id: 'c1', quota: 'records' },
      { kind: 'number', id: 'n2', quota: 'numbers' },
    ])
    t.server.recordsCap = 1
    const pushesBefore = t.server.pushes.length
    write({ kind: 'number', op: 'delete', id: 'n1' })
    write({ kind: 'call', op: 'upsert', id: 'c2', data: callData(CREATED + 120_000) })
    await sync()
    // n2 goes out for the place n1 left (refused again here over the records cap); c1 waits for the business.
    expect(t.server.pushes.slice(pushesBefore).map((p) => p.map((c) => `${c.op} ${c.id}`))).toEqual([['delete n1', 'upsert c2'], ['upsert n2']])
  })

  it('a change the server did not answer is neither held nor let go; the others of its push are done with', async () => {
    t.server.numbersCap = 1
    const unanswered = { changeId: '' }
    const transport = t.server.transport()
    t.engine.setTransport({ ...transport, push: async (changes) => (await transport.push(changes)).filter((r) => r.changeId !== unanswered.changeId) })
    const { write } = storesOver(t.engine)
    write(numberAdd(1))
    write(numberAdd(2))
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n2'])
    write({ kind: 'call', op: 'upsert', id: 'c1', data: callData(CREATED) })
    write({ kind: 'number', op: 'upsert', id: 'n2', data: { remark: 'edited' } })
    unanswered.changeId = t.engine.outbox().find((e) => e.id === 'n2')?.changeId ?? ''
    await sync()
    expect(t.engine.outbox().map((e) => `${e.op} ${e.id}`)).toEqual(['upsert n2'])
    expect(t.engine.overCapRecords()).toEqual([{ kind: 'number', id: 'n2', quota: 'numbers' }])
  })

  it('what is held is stored and said only when it changes: the last one going through is let go, one through and one refused in a push swap places', async () => {
    t.server.numbersCap = 2
    const { write } = storesOver(t.engine)
    for (const i of [1, 2, 3, 4, 5]) write(numberAdd(i))
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n3', 'n4', 'n5'])
    const said = () => t.events.filter((e) => e.type === 'overCap').length
    // Nothing held changes: nothing said, nothing written; also when a held one is refused again.
    let before = said()
    write({ kind: 'call', op: 'upsert', id: 'c1', data: callData(CREATED) })
    t.server.put('number', 'n9', numberData(phone(9)))
    await sync()
    write({ kind: 'number', op: 'upsert', id: 'n3', data: numberData(phone(3), 'edited while held') })
    await sync()
    expect(t.engine.rejectedChanges().at(-1)).toMatchObject({ reason: 'QUOTA_EXCEEDED', entry: { id: 'n3', data: { remark: 'edited while held' } } })
    expect(said()).toBe(before)
    // Room on the server (another phone's delete not pulled yet): the last held one, edited, goes through.
    t.server.numbersCap = 4
    write({ kind: 'number', op: 'upsert', id: 'n5', data: numberData(phone(5), 'edited') })
    await sync()
    expect(storedData('tccc.a.agent1.overCap')).toEqual([
      { kind: 'number', id: 'n3', quota: 'numbers' },
      { kind: 'number', id: 'n4', quota: 'numbers' },
    ])
    expect(overCap()).toEqual({ type: 'overCap', numbers: 2, records: 0 })
    // One more place: n4 goes through and n6, after it, is refused: as many held, not the same.
    t.server.numbersCap = 5
    before = said()
    write({ kind: 'number', op: 'upsert', id: 'n4', data: numberData(phone(4), 'edited') })
    write(numberAdd(6))
    await sync()
    expect(storedData('tccc.a.agent1.overCap')).toEqual([
      { kind: 'number', id: 'n3', quota: 'numbers' },
      { kind: 'number', id: 'n6', quota: 'numbers' },
    ])
    expect(said()).toBe(before + 1)
  })

  it('after a pull, one the stores no longer hold (a duplicate the pull brought replaced it) is let go; a pull that leaves them all says nothing', async () => {
    t.server.numbersCap = 1
    const { write, copies } = storesOver(t.engine)
    write(numberAdd(1))
    write(numberAdd(2))
    write(numberAdd(3))
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n2', 'n3'])
    const said = () => t.events.filter((e) => e.type === 'overCap').length
    const before = said()
    const pull = async () => {
      await t.engine.flush()
      await settle()
    }
    t.server.put('number', 'n7', numberData(phone(7)))
    await pull()
    expect(t.engine.pending).toBe(0)
    expect(said()).toBe(before)
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n2', 'n3'])
    // Another phone added n2's phone number: the stores keep that entry and drop their own copy
    // as they apply the pull (a copy they held as it began).
    const stop = t.engine.subscribe((e) => {
      if (e.type === 'remote' && e.changes.some((c) => c.id === 'n8')) copies.delete('number:n2')
    })
    t.server.put('number', 'n8', numberData(phone(2)))
    await pull()
    stop()
    expect(t.engine.overCapRecords()).toEqual([{ kind: 'number', id: 'n3', quota: 'numbers' }])
    expect(storedData('tccc.a.agent1.overCap')).toEqual([{ kind: 'number', id: 'n3', quota: 'numbers' }])
    expect(overCap()).toEqual({ type: 'overCap', numbers: 1, records: 0 })
  })

  it('stores that cannot send copies again (no resend), or no stores at all: what is held stays held, and a delete\'s room or a pull fails nothing', async () => {
    t.server.numbersCap = 1
    t.engine.setLocalRecords({ held: () => ['n1', 'n2', 'n3'].map((id) => ({ kind: 'number' as const, id })), copyOf: () => null })
    t.engine.enqueue([
      { kind: 'number', op: 'upsert', id: 'n1', data: numberData(phone(1)) },
      { kind: 'number', op: 'upsert', id: 'n2', data: numberData(phone(2)) },
    ])
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n2'])
    t.engine.enqueue([{ kind: 'number', op: 'delete', id: 'n1' }])
    await sync()
    expect(t.engine.status).toBe('synced')
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n2'])
    t.engine.setLocalRecords(null)
    t.engine.enqueue([{ kind: 'number', op: 'upsert', id: 'n3', data: numberData(phone(3)) }])
    await sync()
    t.engine.enqueue([{ kind: 'number', op: 'delete', id: 'n3' }])
    t.server.put('number', 'n9', numberData(phone(9)))
    await sync()
    expect(t.engine.status).toBe('synced')
    expect(t.engine.pending).toBe(0)
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n2'])
  })
  it('a re-send that storage cannot queue (full) leaves the held records where they were, for the next room, sign-in or retry', async () => {
    await secondHeldOverCapOf1()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n2'])
    vi.mocked(uni.setStorageSync).mockImplementation((key: string, value: unknown) => {
      if (key === 'tccc.a.agent1.outbox') throw new Error('storage full')
      storage.set(key, value)
    })
    t.engine.retryOverCap()
    expect(t.engine.outbox()).toEqual([])
    expect(t.engine.overCapRecords()).toEqual([{ kind: 'number', id: 'n2', quota: 'numbers' }])
  })
  it('a delete refused over the records cap (a tombstone for a number the server never had) is not held: there is nothing to send again', async () => {
    t.server.recordsCap = 1
    const { write } = storesOver(t.engine)
    write(numberAdd(1))
    // Refused for its number, then deleted: the delete would be a new row (a tombstone) at the cap.
    write({ kind: 'number', op: 'upsert', id: 'n5', data: numberData('12') })
    write({ kind: 'number', op: 'delete', id: 'n5' })
    await sync()
    expect(t.engine.rejectedChanges().map((r) => [r.entry.op, r.entry.id, r.reason])).toEqual([
      ['upsert', 'n5', 'INVALID_NUMBER'],
      ['delete', 'n5', 'QUOTA_EXCEEDED'],
    ])
    expect(t.engine.overCapRecords()).toEqual([])
    // Never counted on the sync line, not even until the pull's prune.
    expect(t.events.filter((e) => e.type === 'overCap')).toEqual([{ type: 'overCap', numbers: 0, records: 0 }])
  })
})
