/**
 * A full listing (docs/WORKSPACE_API.md, Tombstones forgotten): the server forgot deletes since
 * this phone's cursor and answers its pull with every record it has (`resync`). Once the whole
 * listing has come (PULL_LIMIT pages), what the phone holds that it did not name is dropped, as a
 * pull of those deletes would have; never a change in the outbox, a call never queued, a record
 * the server refused and never had, or one seen above the watermark (a restore's loss). The rev
 * ledger follows, so a reconcile never puts a forgotten delete's record back.
 */
import { describe, expect, it } from 'vitest'
import { DEBOUNCE_MS, PULL_LIMIT, RECONCILE_FULL_MS, REJECTED_KEEP, type LocalChange, type LocalKind, type PullPage, type WorkspaceTransport } from './sync'
import { engineFixture, storedData } from './__tests__/fakeWorkspace'

const CREATED = 1_767_225_600_000
const numberData = (number: string) => ({ number, remark: number, source: 'own', createdAt: CREATED })
const callData = { number: '13800138000', direction: 'out', outcome: 'answered', startedAt: CREATED, answeredAt: CREATED + 5_000, endedAt: CREATED + 60_000, durationSec: 55, endReason: 'local-bye' }
const phoneNumber = (i: number) => `1380013${String(i).padStart(4, '0')}`

interface Revs {
  n: [string, string][]
  c: [string, string][]
  d: [string, string, number][]
}

describe('SyncEngine full listing (resync)', () => {
  /** Pull requests can be made to fail (`failPulls`) or to lose the listing's fields (an app from before it, `oldApp`). */
  const control = { failPulls: 0, failPullAfter: Infinity, oldApp: false, onPull: (): void => undefined }
  const t = engineFixture((server) => {
    control.failPulls = 0
    control.failPullAfter = Infinity
    control.oldApp = false
    control.onPull = () => undefined
    const transport = server.transport()
    const pull = async (since: string, limit: number): Promise<PullPage> => {
      control.onPull()
      if (control.failPullAfter-- <= 0 || control.failPulls > 0) {
        control.failPulls = Math.max(0, control.failPulls - 1)
        throw new Error('network down')
      }
      const page = await transport.pull(since, limit)
      if (!control.oldApp) return page
      const { resync: _resync, pruned: _pruned, ...asBefore } = page
      return asBefore
    }
    return { ...transport, pull } satisfies WorkspaceTransport
  })

  /** The phone's stores: its copies, applying the engine's `remote` events as the stores do. */
  function phone() {
    const copies = new Map<string, LocalChange>()
    const unsent = new Set<string>()
    t.engine.setLocalRecords({
      held: () => [...copies.values()].map((c) => ({ kind: c.kind, id: c.id, ...(unsent.has(`${c.kind}:${c.id}`) ? { unsent: true } : {}) })),
      copyOf: (lost) => copies.get(`${lost.kind}:${lost.id}`) ?? null,
    })
    const dropped: string[] = []
    t.engine.subscribe((e) => {
      if (e.type !== 'remote') return
      for (const c of e.changes) {
        if ((c.kind !== 'number' && c.kind !== 'call') || e.pendingIds.has(c.id)) continue
        const key = `${c.kind}:${c.id}`
        if (c.deleted) {
          if (copies.delete(key)) dropped.push(key)
        } else copies.set(key, { kind: c.kind as LocalKind, op: 'upsert', id: c.id, data: c.data ?? {} })
      }
    })
    const write = (c: LocalChange) => {
      copies.set(`${c.kind}:${c.id}`, c)
      t.engine.enqueue([c])
    }
    return { copies, unsent, dropped, write }
  }

  const sync = async () => {
    t.engine.kick()
    for (let i = 0; i < 4; i += 1) await t.timers.advance(DEBOUNCE_MS)
  }
  const cursor = () => storedData('tccc.a.agent1.cursor') as string
  const held = (p: ReturnType<typeof phone>) => [...p.copies.keys()].sort()

  it('drops what the listing did not name; keeps changes in the outbox, a call never queued and an add the server refused', async () => {
    const p = phone()
    for (let i = 1; i <= 5; i += 1) p.write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phoneNumber(i)) })
    p.write({ kind: 'call', op: 'upsert', id: 'c1', data: callData })
    await sync()
    t.server.numbersCap = 5
    p.write({ kind: 'number', op: 'upsert', id: 'n-refused', data: numberData(phoneNumber(9)) })
    await sync()
    expect(t.engine.rejectedChanges().map((r) => r.entry.id)).toEqual(['n-refused'])
    t.server.numbersCap = null
    const before = cursor()
    // The phone goes quiet; another phone deletes three numbers; the backend forgets the deletes.
    for (const id of ['n1', 'n2', 'n3']) t.server.remove('number', id)
    t.server.forgetTombstones()
    // A call the outbox could not take (storage full) is held, never queued.
    p.copies.set('call:c-unsent', { kind: 'call', op: 'upsert', id: 'c-unsent', data: callData })
    p.unsent.add('call:c-unsent')
    // The agent edits n2 while the listing comes in: the edit waits in the outbox.
    control.onPull = () => {
      control.onPull = () => undefined
      p.write({ kind: 'number', op: 'upsert', id: 'n2', data: { ...numberData(phoneNumber(2)), remark: 'typed during the listing' } })
    }
    await t.timers.advance(DEBOUNCE_MS / 2)
    t.engine.kick()
    await t.timers.advance(0)

    expect(t.server.pullCursors.at(-1)).toBe(before)
    expect(p.dropped).toEqual(['number:n1', 'number:n3'])
    expect(held(p)).toEqual(['call:c-unsent', 'call:c1', 'number:n-refused', 'number:n2', 'number:n4', 'number:n5'])
    expect(BigInt(cursor()) >= BigInt(t.server.watermark)).toBe(true)
    // The ledger drops what was dropped, and only that: n2's edit is still to be answered.
    const revs = storedData('tccc.a.agent1.revs') as Revs
    expect(revs.d.map(([id]) => id).sort()).toEqual(['n1', 'n3'])
    expect(revs.n.map(([id]) => id).sort()).toEqual(['n2', 'n4', 'n5'])
    // The edit goes out afterwards (and brings n2 back on the server); nothing typed was lost.
    await sync()
    expect(t.server.record('number', 'n2')?.data.remark).toBe('typed during the listing')
    expect(held(p)).toEqual(['call:c-unsent', 'call:c1', 'number:n-refused', 'number:n2', 'number:n4', 'number:n5'])
  })

  it('keeps an add held over a cap after it fell out of the rejected log (the last REJECTED_KEEP refusals)', async () => {
    const p = phone()
    for (let i = 1; i <= 3; i += 1) p.write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phoneNumber(i)) })
    await sync()
    t.server.numbersCap = 3
    p.write({ kind: 'number', op: 'upsert', id: 'n-held', data: numberData(phoneNumber(9)) })
    await sync()
    // More refusals than the log keeps: the held add is no longer in it, only in overCap.
    for (let i = 0; i < REJECTED_KEEP; i += 1) p.write({ kind: 'number', op: 'upsert', id: `bad${i}`, data: numberData('not a number') })
    for (let i = 0; i < 10; i += 1) await sync()
    expect(t.engine.rejectedChanges().some((r) => r.entry.id === 'n-held')).toBe(false)
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n-held'])
    t.server.remove('number', 'n1')
    t.server.forgetTombstones()
    await sync()
    expect(p.dropped).toEqual(['number:n1'])
    expect(p.copies.has('number:n-held')).toBe(true)
  })

  it('keeps an edit held over a cap of a number it had seen (the delete elsewhere forgotten): the held write goes out again, not dropped by its old rev', async () => {
    const p = phone()
    for (let i = 1; i <= 3; i += 1) p.write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phoneNumber(i)) })
    await sync()
    // Another phone deletes n1; its tombstone is forgotten while this phone is away.
    t.server.remove('number', 'n1')
    t.server.forgetTombstones()
    t.server.numbersCap = 2
    // The agent edits n1 here: the server no longer has it, so it is an add, refused over the cap.
    p.write({ kind: 'number', op: 'upsert', id: 'n1', data: numberData(phoneNumber(1)) })
    await sync()
    expect(t.engine.overCapRecords().map((r) => r.id)).toEqual(['n1'])
    expect(p.dropped).toEqual([])
    expect(p.copies.has('number:n1')).toBe(true)
  })

  it('notes the records dropped as deleted at the watermark, so a reconcile lists them in step and puts nothing back', async () => {
    const p = phone()
    for (let i = 1; i <= 3; i += 1) p.write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phoneNumber(i)) })
    await sync()
    t.server.remove('number', 'n1')
    t.server.forgetTombstones()
    t.server.put('number', 'n4', numberData(phoneNumber(4))) // after the forgetting: above the watermark
    await sync()
    const watermark = String(t.server.watermark)
    const revs = storedData('tccc.a.agent1.revs') as Revs
    expect(revs.n.map(([id]) => id).sort()).toEqual(['n2', 'n3', 'n4'])
    expect(revs.d).toEqual([['n1', watermark, expect.any(Number)]])
    // The daily full reconcile lists n1 deleted at the watermark: in step, nothing put back.
    await t.timers.advance(RECONCILE_FULL_MS)
    await sync()
    expect(t.server.reconciles.at(-1)).toContainEqual({ kind: 'number', id: 'n1', rev: watermark, deleted: true })
    expect(t.server.pushes.flat().filter((c) => c.ifRev !== undefined)).toEqual([])
    expect(t.server.record('number', 'n1')).toBeUndefined()
    expect(held(p)).toEqual(['number:n2', 'number:n3', 'number:n4'])
  })

  it('pages: drops only after the last page of the listing; a page that fails drops nothing and keeps the old cursor, so the next sync lists again from the start', async () => {
    const p = phone()
    const total = PULL_LIMIT * 2 + 100
    for (let i = 0; i < total; i += 1) {
      t.server.put('number', `n${i}`, numberData(phoneNumber(i)))
    }
    await sync()
    expect(p.copies.size).toBe(total)
    const before = cursor()
    for (let i = 0; i < 10; i += 1) t.server.remove('number', `n${i * 200}`)
    t.server.forgetTombstones()
    // The listing's second page fails.
    const pulls = t.server.pulls
    control.failPullAfter = 1
    await sync()
    expect(t.server.pulls - pulls).toBeGreaterThanOrEqual(1)
    expect(p.dropped).toEqual([])
    expect(cursor()).toBe(before)
    expect(p.copies.size).toBe(total)
    // The retry lists again from the old cursor (so from the start), three pages, and then drops.
    control.failPullAfter = Infinity
    const asked = t.server.pullCursors.length
    await t.timers.advance(60_000)
    await sync()
    const cursors = t.server.pullCursors.slice(asked)
    expect(cursors[0]).toBe(before)
    expect(cursors.slice(1, 3).every((c) => c.startsWith('s'))).toBe(true)
    expect(p.dropped.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `number:n${i * 200}`).sort())
    expect(p.copies.size).toBe(total - 10)
    expect(cursor()).toBe(String(Math.max(t.server.watermark, ...[...p.copies.keys()].map((k) => t.server.record('number', k.slice(7))?.rev ?? 0))))
    // The next pull is incremental again.
    await sync()
    expect(t.server.pullCursors.at(-1)).toBe(cursor())
  })

  it('keeps a record it saw above the watermark that the listing does not name (a restore lost it), and the reconcile puts it back', async () => {
    const p = phone()
    p.write({ kind: 'number', op: 'upsert', id: 'n1', data: numberData(phoneNumber(1)) })
    p.write({ kind: 'number', op: 'upsert', id: 'n2', data: numberData(phoneNumber(2)) })
    await sync()
    t.server.remove('number', 'n2')
    const backup = t.server.backup()
    // Pushed (its rev noted from the answer) but the pull after it failed: the cursor stayed.
    control.failPulls = 1
    p.write({ kind: 'number', op: 'upsert', id: 'n9', data: numberData(phoneNumber(9)) })
    await t.timers.advance(DEBOUNCE_MS)
    expect(t.server.record('number', 'n9')).toBeDefined()
    t.server.restore(backup) // loses n9
    t.server.forgetTombstones() // n2's delete, below n9's rev
    control.failPulls = 0
    await t.timers.advance(60_000)
    await sync()
    expect(p.dropped).toEqual(['number:n2'])
    expect(held(p)).toEqual(['number:n1', 'number:n9'])
    // The next sign-in's reconcile sees the restart and puts n9 back.
    t.engine.close()
    t.engine.open('agent1')
    await sync()
    expect(t.server.record('number', 'n9')?.deleted).toBe(false)
    expect(held(p)).toEqual(['number:n1', 'number:n9'])
  })

  it('a listing that names nothing (every record deleted elsewhere and forgotten) still drops what the phone holds, and has it saved (pulled)', async () => {
    const p = phone()
    for (let i = 1; i <= 2; i += 1) p.write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phoneNumber(i)) })
    await sync()
    for (const id of ['n1', 'n2']) t.server.remove('number', id)
    t.server.forgetTombstones()
    const pulledBefore = t.events.filter((e) => e.type === 'pulled').length
    await sync()
    expect(p.dropped).toEqual(['number:n1', 'number:n2'])
    expect(t.events.filter((e) => e.type === 'pulled').length).toBe(pulledBefore + 1)
    expect(BigInt(cursor()) >= BigInt(t.server.watermark)).toBe(true)
  })

  it('a listing with nothing to drop and nothing named (the phone holds nothing) says nothing was pulled', async () => {
    t.engine.setLocalRecords({ held: () => [], copyOf: () => null })
    t.engine.enqueue([{ kind: 'number', op: 'upsert', id: 'n1', data: numberData(phoneNumber(1)) }])
    await sync()
    t.server.remove('number', 'n1')
    t.server.forgetTombstones()
    const before = t.events.length
    await sync()
    expect(t.events.slice(before).filter((e) => e.type === 'pulled' || e.type === 'remote')).toEqual([])
    expect(BigInt(cursor()) >= BigInt(t.server.watermark)).toBe(true)
  })

  it('without the stores\' view (no local records) a listing drops nothing, fails nothing and says nothing was pulled; its cursor is stored', async () => {
    t.engine.enqueue([{ kind: 'number', op: 'upsert', id: 'n1', data: numberData(phoneNumber(1)) }])
    await sync()
    t.server.remove('number', 'n1')
    t.server.forgetTombstones()
    const pulledBefore = t.events.filter((e) => e.type === 'pulled').length
    await sync()
    expect(t.engine.status).toBe('synced')
    expect(t.events.filter((e) => e.type === 'pulled').length).toBe(pulledBefore)
    expect(BigInt(cursor()) >= BigInt(t.server.watermark)).toBe(true)
  })

  it('a fresh cursor is no listing: nothing held is dropped for not being on the page', async () => {
    const p = phone()
    p.write({ kind: 'number', op: 'upsert', id: 'n1', data: numberData(phoneNumber(1)) })
    await sync()
    t.server.remove('number', 'n1')
    await sync()
    t.server.forgetTombstones()
    p.copies.set('number:n-local', { kind: 'number', op: 'upsert', id: 'n-local', data: numberData(phoneNumber(7)) })
    t.server.put('number', 'n2', numberData(phoneNumber(2)))
    await sync()
    expect(held(p)).toEqual(['number:n-local', 'number:n2'])
  })

  it('an app from before the listing (it ignores resync) follows its cursors, drops nothing, pulls incrementally after it, and its daily reconcile drops what was forgotten', async () => {
    const p = phone()
    for (let i = 1; i <= 3; i += 1) p.write({ kind: 'number', op: 'upsert', id: `n${i}`, data: numberData(phoneNumber(i)) })
    await sync()
    t.server.remove('number', 'n1')
    t.server.forgetTombstones()
    control.oldApp = true
    await sync()
    expect(held(p)).toEqual(['number:n1', 'number:n2', 'number:n3'])
    expect(BigInt(cursor()) >= BigInt(t.server.watermark)).toBe(true)
    await sync()
    expect(t.server.pullCursors.at(-1)).toBe(cursor())
    await t.timers.advance(RECONCILE_FULL_MS)
    await sync()
    expect(held(p)).toEqual(['number:n2', 'number:n3'])
    expect(t.server.pushes.flat().filter((c) => c.ifRev !== undefined)).toEqual([])
    expect(t.server.record('number', 'n1')).toBeUndefined()
  })
})
