/**
 * Reconcile (docs/WORKSPACE_API.md): the engine keeps the server rev it last saw of each record;
 * after each sign-in's first full sync (and every RECONCILE_EVERY_MS signed in) it asks whether
 * the backend started since, and lists what the phone saw above the lowest rev such a start found
 * (everything once per RECONCILE_FULL_MS), so that the server can name what a restored backup
 * lost; the phone's copies of exactly those go out again.
 */
import { describe, expect, it } from 'vitest'
import { storage } from '../../tests/setup/uni'
import {
  DEBOUNCE_MS,
  RECONCILE_EVERY_MS,
  RECONCILE_FULL_MS,
  RECONCILE_PAGE,
  RECONCILE_RETRY_MS,
  RevLedger,
  SyncEngine,
  TOMBSTONE_KEEP_MS,
  revAbove,
  type LocalChange,
  type LocalRecords,
  type WorkspaceTransport,
} from './sync'
import { ManualTimers, engineFixture, storedData } from './__tests__/fakeWorkspace'

const CREATED = 1_767_225_600_000
const numberData = (number: string, remark = number) => ({ number, remark, source: 'own', createdAt: CREATED })
const callData = (over: Record<string, unknown> = {}) => ({
  number: '13800138000',
  direction: 'out',
  outcome: 'answered',
  startedAt: CREATED,
  answeredAt: CREATED + 5_000,
  endedAt: CREATED + 60_000,
  durationSec: 55,
  endReason: 'local-bye',
  ...over,
})

describe('SyncEngine reconcile', () => {
  const t = engineFixture((server) => server.transport())

  /** The phone's stores, reduced to what a reconcile needs: its full copy of each record. */
  function phone(): { local: LocalRecords; copies: Map<string, LocalChange>; write: (c: LocalChange) => void; remove: (id: string) => void } {
    const copies = new Map<string, LocalChange>()
    const local: LocalRecords = {
      held: () => [...copies.values()].map((c) => ({ kind: c.kind, id: c.id })),
      copyOf: (lost) => copies.get(`${lost.kind}:${lost.id}`) ?? null,
    }
    t.engine.setLocalRecords(local)
    return {
      local,
      copies,
      write: (c) => {
        const key = `${c.kind}:${c.id}`
        const before = copies.get(key)
        copies.set(key, { ...c, data: { ...(before?.data ?? {}), ...c.data } })
        t.engine.enqueue([c])
      },
      remove: (id) => {
        copies.delete(`number:${id}`)
        t.engine.enqueue([{ kind: 'number', op: 'delete', id }])
      },
    }
  }

  const sync = async () => {
    await t.timers.advance(DEBOUNCE_MS)
    // Re-sends queued by a reconcile go out in the round after it.
    for (let i = 0; i < 5 && t.engine.pending > 0; i += 1) await t.timers.advance(DEBOUNCE_MS)
  }
  const upsert = (kind: 'number' | 'call', id: string, data: Record<string, unknown>): LocalChange => ({ kind, op: 'upsert', id, data })

  it('keeps the rev the server answered or pulled for each record, stored once per sync', async () => {
    const p = phone()
    p.write(upsert('number', 'n1', numberData('13800138001')))
    p.write(upsert('call', 'c1', callData()))
    t.server.put('number', 'srv-1', numberData('13800138002'))
    p.copies.set('number:srv-1', upsert('number', 'srv-1', numberData('13800138002'))) // the pull shows it
    await sync()
    const revs = storedData('tccc.a.agent1.revs') as { n: [string, string][]; c: [string, string][]; d: unknown[] }
    expect(Object.fromEntries(revs.n)).toEqual({ n1: String(t.server.record('number', 'n1')?.rev), 'srv-1': String(t.server.record('number', 'srv-1')?.rev) })
    expect(revs.c).toEqual([['c1', String(t.server.record('call', 'c1')?.rev)]])
    p.remove('n1')
    await sync()
    const after = storedData('tccc.a.agent1.revs') as { n: [string, string][]; d: [string, string, number][] }
    expect(after.n.map(([id]) => id)).toEqual(['srv-1'])
    expect(after.d).toEqual([['n1', String(t.server.record('number', 'n1')?.rev), expect.any(Number)]])
  })

  it('after a restore, puts back every number, call, wrap-up and delete the server lost, each over the version it has now', async () => {
    const p = phone()
    p.write(upsert('number', 'n-edit', numberData('13800138001', 'before')))
    p.write(upsert('number', 'n-gone', numberData('13800138002')))
    p.write(upsert('number', 'n-same', numberData('13800138003')))
    p.write(upsert('call', 'c-wrap', callData()))
    await sync()
    expect(t.server.reconciles).toHaveLength(1) // the first full sync of this device
    const backup = t.server.backup()
    p.write(upsert('number', 'n-edit', { remark: 'after the backup' }))
    p.remove('n-gone')
    p.write(upsert('number', 'n-new', numberData('13800138004')))
    p.write(upsert('call', 'c-wrap', { disposition: 'interested', note: 'wrap-up after the backup' }))
    p.write(upsert('call', 'c-new', callData({ number: '13800138005' })))
    await sync()
    t.server.restore(backup)
    expect(t.server.record('number', 'n-new')).toBeUndefined()

    await t.timers.advance(RECONCILE_EVERY_MS)
    t.engine.kick()
    await sync()
    expect(t.server.reconciles).toHaveLength(2)
    // Only what this phone saw above the backup's highest rev is listed (not n-same).
    expect(t.server.reconciles[1].map((r) => r.id).sort()).toEqual(['c-new', 'c-wrap', 'n-edit', 'n-gone', 'n-new'])
    const resent = t.server.pushes.at(-1) ?? []
    expect(resent.map((c) => [c.kind, c.op, c.id, c.ifRev]).sort()).toEqual(
      [
        ['call', 'upsert', 'c-new', '0'],
        ['call', 'upsert', 'c-wrap', String(backup.get('call:c-wrap')?.rev)],
        ['number', 'delete', 'n-gone', String(backup.get('number:n-gone')?.rev)],
        ['number', 'upsert', 'n-edit', String(backup.get('number:n-edit')?.rev)],
        ['number', 'upsert', 'n-new', '0'],
      ].sort(),
    )
    expect(t.server.record('number', 'n-edit')?.data.remark).toBe('after the backup')
    expect(t.server.record('number', 'n-gone')?.deleted).toBe(true)
    expect(t.server.record('number', 'n-new')?.deleted).toBe(false)
    expect(t.server.record('call', 'c-wrap')?.data).toMatchObject({ disposition: 'interested', note: 'wrap-up after the backup' })
    expect(t.server.record('call', 'c-new')?.data.number).toBe('13800138005')
    expect(t.events.filter((e) => e.type === 'rejected')).toEqual([])
    expect(t.events.filter((e) => e.type === 'status').at(-1)).toEqual({ type: 'status', state: 'synced', pending: 0 })
  })

  const stamp = () => storedData('tccc.a.agent1.reconcile') as { at: number; fullAt: number } | undefined

  it('checks after each sign-in\'s first full sync and every RECONCILE_EVERY_MS; lists only above a start\'s floor, everything once per RECONCILE_FULL_MS', async () => {
    const p = phone()
    p.write(upsert('number', 'n1', numberData('13800138001')))
    await sync()
    // The first ever: everything held.
    expect([t.server.floorChecks, t.server.reconciles.length]).toEqual([1, 1])
    expect(stamp()?.fullAt).toBe(t.timers.now())
    for (let i = 0; i < 5; i += 1) {
      p.write(upsert('number', `m${i}`, numberData(`1390013900${i}`)))
      await sync()
      t.engine.kick()
      await t.timers.advance(RECONCILE_EVERY_MS / 10)
    }
    expect([t.server.floorChecks, t.server.reconciles.length]).toEqual([1, 1])
    // Six hours on, no start since: one small check, nothing listed.
    await t.timers.advance(RECONCILE_EVERY_MS)
    t.engine.kick()
    await sync()
    expect([t.server.floorChecks, t.server.reconciles.length]).toEqual([2, 1])
    // Signed in again: checked again at once. The backend restarted (no restore) after m4 was
    // written: only what this phone saw above the records it then held is listed (nothing).
    t.server.restart()
    p.write(upsert('number', 'late', numberData('13900139009')))
    await sync()
    t.engine.close()
    t.engine.open('agent1')
    t.engine.kick()
    await sync()
    expect([t.server.floorChecks, t.server.reconciles.length]).toEqual([3, 2])
    expect(t.server.reconciles[1]).toEqual([{ kind: 'number', id: 'late', rev: String(t.server.record('number', 'late')?.rev) }])
    // A day after the last full listing: everything again.
    await t.timers.advance(RECONCILE_FULL_MS)
    t.engine.kick()
    await sync()
    expect(t.server.reconciles.at(-1)).toHaveLength(7)
    // Nothing lost: nothing sent again.
    expect(t.server.pushes.flat().filter((c) => c.ifRev !== undefined)).toEqual([])
  })

  it('a restore seen at a sign-in is reconciled at once, however soon after the last', async () => {
    const p = phone()
    p.write(upsert('number', 'n1', numberData('13800138001')))
    await sync()
    const backup = t.server.backup()
    p.write(upsert('number', 'n2', numberData('13800138002')))
    await sync()
    t.server.restore(backup)
    t.engine.close()
    t.engine.open('agent1')
    await t.timers.advance(1_000)
    t.engine.kick()
    await sync()
    expect(t.server.record('number', 'n2')?.deleted).toBe(false)
  })

  it('never while changes wait in the outbox, and never without the store layer or a transport that can', async () => {
    t.server.failNext = 1
    const p = phone()
    p.write(upsert('number', 'n1', numberData('13800138001')))
    await t.timers.advance(DEBOUNCE_MS)
    expect(t.engine.pending).toBe(1)
    expect(t.server.reconciles).toHaveLength(0)
    t.engine.setLocalRecords(null)
    await t.timers.advance(5_000)
    expect(t.engine.pending).toBe(0)
    expect(t.server.reconciles).toHaveLength(0)
    const plain: WorkspaceTransport = { pull: t.server.transport().pull, push: t.server.transport().push }
    t.engine.setTransport(plain)
    t.engine.setLocalRecords(p.local)
    t.engine.kick()
    await sync()
    expect(t.server.reconciles).toHaveLength(0)
  })

  it('takes a record written since the phone saw it as a pull does, and never sends its own copy over it', async () => {
    const p = phone()
    p.write(upsert('number', 'n1', numberData('13800138001', 'mine')))
    await sync()
    // Another phone writes; this one has not pulled it yet when its reconcile comes.
    t.server.put('number', 'n1', numberData('13800138001', 'the other phone'))
    await t.timers.advance(RECONCILE_FULL_MS)
    const transport = t.server.transport()
    let pulls = 0
    t.engine.setTransport({ ...transport, pull: async (since, limit) => (pulls++ === 0 ? { changes: [], cursor: since, more: false } : transport.pull(since, limit)) })
    t.engine.kick()
    await sync()
    const remote = t.events.filter((e) => e.type === 'remote').at(-1)
    expect(remote).toMatchObject({ type: 'remote', changes: [{ kind: 'number', id: 'n1', data: { remark: 'the other phone' } }] })
    expect(t.server.pushes.flat().filter((c) => c.ifRev !== undefined)).toEqual([])
    expect(t.server.record('number', 'n1')?.data.remark).toBe('the other phone')
  })

  it('a newer record the stores could not save (storage full) is not noted as seen: the next reconcile brings it again', async () => {
    const p = phone()
    p.write(upsert('number', 'n1', numberData('13800138001', 'mine')))
    await sync()
    const mine = String(t.server.record('number', 'n1')?.rev)
    t.server.put('number', 'n1', numberData('13800138001', 'the other phone'))
    const theirs = String(t.server.record('number', 'n1')?.rev)
    await t.timers.advance(RECONCILE_FULL_MS)
    const transport = t.server.transport()
    // The pull misses it (as when the other phone wrote between the pull and the reconcile).
    t.engine.setTransport({ ...transport, pull: async (since) => ({ changes: [], cursor: since, more: false }) })
    let full = true
    const stop = t.engine.subscribe((e) => {
      if (e.type === 'pulled' && full) t.engine.keepCursor()
    })
    t.engine.kick()
    await sync()
    expect(t.events.filter((e) => e.type === 'remote').at(-1)).toMatchObject({ changes: [{ id: 'n1', rev: theirs }] })
    const revs = () => Object.fromEntries((storedData('tccc.a.agent1.revs') as { n: [string, string][] }).n)
    // The phone still stores its own copy: the rev it saw is still its own.
    expect(revs().n1).toBe(mine)
    full = false
    const remotes = t.events.filter((e) => e.type === 'remote').length
    await t.timers.advance(RECONCILE_RETRY_MS)
    t.engine.kick()
    await sync()
    expect(t.events.filter((e) => e.type === 'remote').length).toBe(remotes + 1)
    expect(revs().n1).toBe(theirs)
    stop()
  })

  it('a re-send another phone overtook is refused SUPERSEDED and the newer write stands', async () => {
    const p = phone()
    p.write(upsert('number', 'n1', numberData('13800138001', 'base')))
    await sync()
    const backup = t.server.backup()
    p.write(upsert('number', 'n1', { remark: 'lost' }))
    await sync()
    t.server.restore(backup)
    await t.timers.advance(RECONCILE_EVERY_MS)
    // The other phone writes after the reconcile answered, before the re-send goes out.
    const transport = t.server.transport()
    t.engine.setTransport({
      ...transport,
      reconcile: async (records) => {
        const answer = await transport.reconcile!(records)
        t.server.put('number', 'n1', numberData('13800138001', 'the other phone, later'))
        return answer
      },
    })
    t.engine.kick()
    await sync()
    expect(t.events.filter((e) => e.type === 'rejected').map((e) => e.type === 'rejected' && e.reason)).toEqual(['SUPERSEDED'])
    expect(t.server.record('number', 'n1')?.data.remark).toBe('the other phone, later')
  })

  it('lists 2,500 records in pages of RECONCILE_PAGE', async () => {
    const p = phone()
    for (let i = 0; i < 2_500; i += 1) p.copies.set(`number:n${i}`, upsert('number', `n${i}`, numberData(`138${String(i).padStart(8, '0')}`)))
    t.engine.kick()
    await t.timers.advance(0)
    expect(t.server.reconciles.map((page) => page.length)).toEqual([RECONCILE_PAGE, RECONCILE_PAGE, 500])
    // Never seen by the server's answers: listed at rev 0, all missing, all sent.
    expect(t.server.reconciles[0][0]).toEqual({ kind: 'number', id: 'n0', rev: '0' })
    await sync()
    expect(t.server.live('number')).toHaveLength(2_500)
  })

  it('a failed reconcile leaves the sync synced, keeps what it found, and is tried again after RECONCILE_RETRY_MS, not at every sync', async () => {
    const p = phone()
    for (let i = 0; i < 1_500; i += 1) p.copies.set(`number:n${i}`, upsert('number', `n${i}`, numberData(`138${String(i).padStart(8, '0')}`)))
    const transport = t.server.transport()
    let calls = 0
    t.engine.setTransport({
      ...transport,
      reconcile: async (records) => {
        if (++calls === 2) throw new Error('network dropped')
        return transport.reconcile!(records)
      },
    })
    t.engine.kick()
    await sync()
    // The first page's 1,000 went out; the rest waits.
    expect(t.server.live('number')).toHaveLength(RECONCILE_PAGE)
    expect(t.events.filter((e) => e.type === 'status').at(-1)).toEqual({ type: 'status', state: 'synced', pending: 0 })
    expect(stamp()).toBeUndefined()
    t.engine.kick()
    await sync()
    expect(calls).toBe(2)
    await t.timers.advance(RECONCILE_RETRY_MS)
    const retriedAt = t.timers.now()
    t.engine.kick()
    await sync()
    expect(t.server.live('number')).toHaveLength(1_500)
    expect(stamp()?.fullAt).toBeGreaterThanOrEqual(retriedAt)
  })

  it('lists a delete for TOMBSTONE_KEEP_MS only, and never a record the server refused and never had', async () => {
    const p = phone()
    p.write(upsert('number', 'n1', numberData('13800138001')))
    await sync()
    p.remove('n1')
    // A number the server refuses stays on this phone; it is not the server's loss.
    t.engine.enqueue([upsert('number', 'bad', { number: 'x' })])
    p.copies.set('number:bad', upsert('number', 'bad', { number: 'x' }))
    await sync()
    await t.timers.advance(RECONCILE_FULL_MS)
    t.engine.kick()
    await sync()
    expect(t.server.reconciles.at(-1)).toEqual([{ kind: 'number', id: 'n1', rev: String(t.server.record('number', 'n1')?.rev), deleted: true }])
    const asked = t.server.reconciles.length
    await t.timers.advance(TOMBSTONE_KEEP_MS)
    t.engine.kick()
    await sync()
    // Nothing left to list: no request at all.
    expect(t.server.reconciles).toHaveLength(asked)
    expect((storedData('tccc.a.agent1.revs') as { d: unknown[] }).d).toEqual([])
  })

  it('forgets the revs of records the phone no longer holds', async () => {
    const p = phone()
    p.write(upsert('call', 'c1', callData()))
    p.write(upsert('call', 'c2', callData({ number: '13800138009' })))
    await sync()
    p.copies.delete('call:c1') // left the history
    await t.timers.advance(RECONCILE_FULL_MS)
    t.engine.kick()
    await sync()
    expect(t.server.reconciles.at(-1)?.map((r) => r.id)).toEqual(['c2'])
    expect((storedData('tccc.a.agent1.revs') as { c: [string, string][] }).c.map(([id]) => id)).toEqual(['c2'])
  })

  it('queues the lost copies before a change made while the reconcile was asked', async () => {
    const p = phone()
    p.write(upsert('number', 'n1', numberData('13800138001', 'one')))
    await sync()
    const backup = t.server.backup()
    p.write(upsert('number', 'n1', numberData('13800138001', 'two')))
    await sync()
    t.server.restore(backup)
    await t.timers.advance(RECONCILE_EVERY_MS)
    const transport = t.server.transport()
    t.engine.setTransport({
      ...transport,
      reconcile: async (records) => {
        p.write(upsert('number', 'n1', numberData('13800138001', 'three')))
        return transport.reconcile!(records)
      },
    })
    t.engine.kick()
    await t.timers.advance(0)
    expect(t.engine.outbox().map((e) => [e.id, e.data?.remark, e.ifRev])).toEqual([
      ['n1', 'three', String(backup.get('number:n1')?.rev)],
      ['n1', 'three', undefined],
    ])
    await sync()
    expect(t.server.record('number', 'n1')?.data.remark).toBe('three')
    expect(t.events.filter((e) => e.type === 'rejected')).toEqual([])
  })

  it('after sign-out, an answer in flight queues nothing for anyone', async () => {
    const p = phone()
    p.write(upsert('number', 'n1', numberData('13800138001')))
    await sync()
    t.server.restore(new Map())
    await t.timers.advance(RECONCILE_EVERY_MS)
    const transport = t.server.transport()
    t.engine.setTransport({
      ...transport,
      reconcile: async (records) => {
        t.engine.close()
        return transport.reconcile!(records)
      },
    })
    t.engine.kick()
    await t.timers.advance(0)
    expect(storedData('tccc.a.agent1.outbox')).toEqual([])
    expect(storage.has('tccc.a.agent2.outbox')).toBe(false)
  })
})

/** What agent9's first reconcile lists with `data` as its stored ledger, holding number x. */
async function listedWithStoredLedger(data: unknown): Promise<unknown[]> {
  storage.set('tccc.a.agent9.revs', JSON.stringify({ v: 1, data }))
  const engine = new SyncEngine(null, new ManualTimers())
  engine.open('agent9')
  engine.setLocalRecords({ held: () => [{ kind: 'number', id: 'x' }], copyOf: () => null })
  const seen: unknown[] = []
  engine.setTransport({
    pull: async () => ({ changes: [], cursor: '0', more: false }),
    push: async () => [],
    reconcile: async (records) => {
      seen.push(...records)
      return { lost: [], newer: [] }
    },
  })
  await engine.flush()
  return seen
}

describe('revAbove and RevLedger', () => {
  it('compares revs as the bigints they are, without BigInt', () => {
    expect(revAbove('10', '9')).toBe(true)
    expect(revAbove('9', '10')).toBe(false)
    expect(revAbove('1733390000000124', '1733390000000123')).toBe(true)
    expect(revAbove('1733390000000123', '1733390000000123')).toBe(false)
    expect(revAbove('0', '0')).toBe(false)
  })

  it('keeps numbers and calls apart, a delete replaces the live rev, and round-trips through storage', () => {
    const ledger = new RevLedger()
    ledger.note('number', 'x', '5', false, 1)
    ledger.note('call', 'x', '6', false, 1)
    ledger.note('outcome', 'interested', '7', false, 1)
    ledger.note('number', 'gone', '8', false, 1)
    ledger.note('number', 'gone', '9', true, 2)
    ledger.note('call', 'cleared', '10', false, 2)
    ledger.note('call', 'cleared', '11', true, 3)
    expect(ledger.toStored()).toEqual({ n: [['x', '5']], c: [['x', '6']], d: [['gone', '9', 2]] })
    const again = RevLedger.from(ledger.toStored())
    expect(again.toStored()).toEqual(ledger.toStored())
    // Revived: alive again, no longer listed as deleted.
    again.note('number', 'gone', '12', false, 4)
    expect(again.toStored()).toEqual({ n: [['x', '5'], ['gone', '12']], c: [['x', '6']], d: [] })
  })

  it('remembers the version a put-back copy is (seenRev), round-trips it, and takes no older put-back over a later version', () => {
    const ledger = new RevLedger()
    ledger.note('call', 'c1', '900', false, 1)
    ledger.note('number', 'n1', '950', true, 1)
    // Another phone's put-back of versions older than this phone's: not taken.
    expect(ledger.olderPutBack({ kind: 'call', id: 'c1', rev: '2000', deleted: false, data: {}, seenRev: '800' })).toBe(true)
    expect(ledger.olderPutBack({ kind: 'number', id: 'n1', rev: '2001', deleted: false, data: {}, seenRev: '800' })).toBe(true)
    // A later version, an ordinary write, or a record this phone does not know: taken.
    expect(ledger.olderPutBack({ kind: 'call', id: 'c1', rev: '2000', deleted: false, data: {}, seenRev: '901' })).toBe(false)
    expect(ledger.olderPutBack({ kind: 'call', id: 'c1', rev: '2000', deleted: false, data: {} })).toBe(false)
    expect(ledger.olderPutBack({ kind: 'call', id: 'other', rev: '2000', deleted: false, data: {}, seenRev: '1' })).toBe(false)
    // This phone's own put-back (rev 3000, as of 900): another phone's later version is taken.
    ledger.note('call', 'c1', '3000', false, 2, '900')
    expect(ledger.toStored()).toEqual({ n: [], c: [['c1', '3000']], d: [['n1', '950', 1]], p: [['call:c1', '900']] })
    const again = RevLedger.from(ledger.toStored())
    expect(again.olderPutBack({ kind: 'call', id: 'c1', rev: '3100', deleted: false, data: {}, seenRev: '950' })).toBe(false)
    expect(again.olderPutBack({ kind: 'call', id: 'c1', rev: '3100', deleted: false, data: {}, seenRev: '850' })).toBe(true)
    // An ordinary write over it forgets the version; what is no longer held is forgotten too.
    again.note('call', 'c1', '3200', false, 3)
    expect(again.toStored().p).toBeUndefined()
    again.note('call', 'c2', '3300', false, 3, '700')
    again.listFor([], 3, new Set())
    expect(again.toStored().p).toBeUndefined()
  })

  it('listFor lists each held record once, at its rev; a record never seen is skipped only when refused; a number held again is not also listed deleted', () => {
    const ledger = new RevLedger()
    ledger.note('number', 'a', '5', false, 1)
    ledger.note('number', 'b', '6', true, 1)
    const held = [
      { kind: 'number' as const, id: 'a' },
      { kind: 'number' as const, id: 'a' },
      { kind: 'number' as const, id: 'b' },
      { kind: 'number' as const, id: 'new' },
    ]
    // The server refuses a record listed twice: each once. `skip` spares only what was never seen.
    expect(ledger.listFor(held, 2, new Set(['number:a', 'number:new']))).toEqual([
      { kind: 'number', id: 'a', rev: '5' },
      { kind: 'number', id: 'b', rev: '0' },
    ])
  })

  it('listFor keeps a delete listed for TOMBSTONE_KEEP_MS and forgets it after', () => {
    const ledger = new RevLedger()
    ledger.note('number', 'gone', '9', true, 1_000)
    expect(ledger.listFor([], 1_000 + TOMBSTONE_KEEP_MS, new Set())).toEqual([{ kind: 'number', id: 'gone', rev: '9', deleted: true }])
    ledger.dirty = false
    expect(ledger.listFor([], 1_001 + TOMBSTONE_KEEP_MS, new Set())).toEqual([])
    expect(ledger.dirty).toBe(true)
    expect(ledger.toStored()).toEqual({ n: [], c: [], d: [] })
  })

  it('listFor keeps the put-back versions of what is held or recently deleted, and forgets the rest (noted dirty)', () => {
    const ledger = new RevLedger()
    ledger.note('call', 'held', '10', false, 1, '7')
    ledger.note('number', 'deleted', '11', true, 1, '8')
    ledger.note('call', 'deleted', '12', false, 1, '9')
    // Not held any more, not deleted: its version goes with it.
    ledger.note('number', 'dropped', '13', false, 1, '6')
    // A call id whose key, cut as a number's would be, names the deleted number: still a call.
    ledger.note('call', 'xxdeleted', '14', false, 1, '5')
    ledger.dirty = false
    ledger.listFor([{ kind: 'call', id: 'held' }], 2, new Set())
    // The call sharing the deleted number's id is not held: its version goes, the number's stays.
    expect(ledger.toStored().p).toEqual([
      ['call:held', '7'],
      ['number:deleted', '8'],
    ])
    expect(ledger.dirty).toBe(true)
  })

  it('a call and a number of the same id stay apart: a call seen live keeps the number\'s delete, and a put-back call is not compared with the deleted number', () => {
    const ledger = new RevLedger()
    ledger.note('number', 'x', '950', true, 1)
    ledger.note('call', 'x', '960', false, 1)
    expect(ledger.toStored().d).toEqual([['x', '950', 1]])
    const fresh = new RevLedger()
    fresh.note('number', 'y', '950', true, 1)
    expect(fresh.olderPutBack({ kind: 'call', id: 'y', rev: '2000', deleted: false, data: {}, seenRev: '800' })).toBe(false)
    expect(fresh.olderPutBack({ kind: 'number', id: 'unknown', rev: '2000', deleted: false, data: {}, seenRev: '800' })).toBe(false)
  })

  it.each([
    // Each beside a good pair for x: trusted, x would be listed at rev 5.
    ['not an object', 'revs'],
    ['null', null],
    ['a pair not an array', { n: [['x', '5'], 'y6'], c: [], d: [] }],
    ['an id not text', { n: [['x', '5'], [6, '6']], c: [], d: [] }],
    ['a rev not text', { n: [['x', '5'], ['y', 6]], c: [], d: [] }],
    ['a call pair not text', { n: [['x', '5']], c: [['c', 6]], d: [] }],
    ['a delete without its time', { n: [['x', '5']], c: [], d: [['z', '7']] }],
    ['a delete not a pair', { n: [['x', '5']], c: [], d: [[7, '7', 1]] }],
    ['put-back versions not an array', { n: [['x', '5']], c: [], d: [], p: 'x' }],
    ['a put-back version not a pair', { n: [['x', '5']], c: [], d: [], p: [['number:x', '3'], ['number:y', 3]] }],
  ])('a stored ledger with %s is unreadable: started afresh, never trusted (every record listed at rev 0)', async (_what, data) => {
    expect(await listedWithStoredLedger(data)).toEqual([{ kind: 'number', id: 'x', rev: '0' }])
  })

  it('a well-formed stored ledger is trusted: its revs are listed', async () => {
    expect(await listedWithStoredLedger({ n: [['x', '5']], c: [], d: [['z', '7', Date.now()]], p: [['number:x', '3']] })).toEqual([
      { kind: 'number', id: 'x', rev: '5' },
      { kind: 'number', id: 'z', rev: '7', deleted: true },
    ])
  })

})
