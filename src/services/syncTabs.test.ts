/**
 * Two browser tabs of one agent, each with its own engine over the one storage: what the other tab
 * writes (its outbox, held set and rejected log, heard as the browser's `storage` event) shows on
 * this tab's sync line at once, not at this tab's next sync; and it makes this tab send nothing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { StorageChangeListener } from '@/platform/storageWatch'
import { DEBOUNCE_MS, OVER_CAP_RESEND_CLAIM_MS, SyncEngine, type LocalChange, type SyncEvent } from './sync'
import { FakeWorkspaceServer, ManualTimers, settle } from './__tests__/fakeWorkspace'
import { storage } from '../../tests/setup/uni'

const CREATED = 1_767_225_600_000
const addNumber = (id: string, number: string): LocalChange => ({ kind: 'number', op: 'upsert', id, data: { number, remark: number, source: 'own', createdAt: CREATED } })

/** One tab: its engine, its timers, and the `storage` events the browser would give it. */
function tab(server: FakeWorkspaceServer) {
  const timers = new ManualTimers()
  const listeners = new Set<StorageChangeListener>()
  const engine = new SyncEngine(server.transport(), timers, (listener) => {
    listeners.add(listener)
    return () => listeners.delete(listener)
  })
  /** The browser tells this tab that another one wrote `key`; returns what this tab's engine said. */
  const hears = (key: string | null): SyncEvent[] => {
    const said: SyncEvent[] = []
    const stop = engine.subscribe((e) => said.push(e))
    for (const listener of [...listeners]) listener(key)
    stop()
    return said
  }
  return { engine, timers, hears, listening: () => listeners.size }
}

describe('the sync line of a second tab of the agent', () => {
  let server: FakeWorkspaceServer
  let first: ReturnType<typeof tab>
  let second: ReturnType<typeof tab>

  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    server = new FakeWorkspaceServer()
    first = tab(server)
    second = tab(server)
    first.engine.open('agent1')
    second.engine.open('agent1')
  })
  afterEach(() => {
    first.engine.close()
    second.engine.close()
  })

  it("counts the other tab's unsent changes as pending, and clears once that tab sent them; never sends them itself for it", async () => {
    // The first tab is cut off; the agent adds a number there.
    first.engine.setOnline(false)
    first.engine.enqueue([addNumber('n1', '13800138001')])
    // Was: the second tab said "synced" until it synced itself.
    expect(second.hears('tccc.a.agent1.outbox')).toEqual([{ type: 'status', state: 'pending', pending: 1 }])
    // Another agent's outbox is not this one's.
    expect(second.hears('tccc.a.agent2.outbox')).toEqual([])
    // Said, not taken: nothing is scheduled or sent from the second tab.
    expect(second.engine.pending).toBe(0)
    expect(second.timers.waiting()).toEqual([])
    await second.timers.advance(60_000)
    expect(server.pushes).toEqual([])

    first.engine.setOnline(true)
    await settle()
    expect(server.pushes.map((p) => p.map((c) => c.id))).toEqual([['n1']])
    expect(second.hears('tccc.a.agent1.outbox')).toEqual([{ type: 'status', state: 'synced', pending: 0 }])

    // A change of its own merges what is stored (as before): it then sends the other's too, and its count is its own list again.
    first.engine.setOnline(false)
    first.engine.enqueue([addNumber('n2', '13800138002')])
    second.hears('tccc.a.agent1.outbox')
    second.engine.enqueue([addNumber('n3', '13800138003')])
    expect(second.engine.pending).toBe(2)
    const statuses: SyncEvent[] = []
    const stop = second.engine.subscribe((e) => statuses.push(e))
    await second.timers.advance(DEBOUNCE_MS)
    stop()
    expect(statuses.filter((e) => e.type === 'status').at(-1)).toEqual({ type: 'status', state: 'synced', pending: 0 })
  })

  it("says the other tab's new refusals once each (not those it knew of), and follows its held set", async () => {
    server.numbersCap = 1
    first.engine.enqueue([addNumber('n1', '13800138001'), addNumber('n2', '13800138002'), addNumber('bad', '12')])
    await first.timers.advance(DEBOUNCE_MS)
    expect(first.engine.rejectedChanges().map((r) => r.reason)).toEqual(['QUOTA_EXCEEDED', 'INVALID_NUMBER'])
    expect(second.hears('tccc.a.agent1.rejected')).toEqual([{ type: 'refusedElsewhere', reasons: ['QUOTA_EXCEEDED', 'INVALID_NUMBER'] }])
    // Heard again (another write of the log): nothing new to say.
    expect(second.hears('tccc.a.agent1.rejected')).toEqual([])
    expect(second.hears('tccc.a.agent1.overCap')).toEqual([{ type: 'overCap', numbers: 1, records: 0 }])
    // The storage cleared by the other tab: everything is read again.
    expect(second.hears(null).map((e) => e.type)).toEqual(['status', 'overCap'])
  })

  it("the other tab's refusal stored just before this tab wrote its own (its storage event not delivered yet) is still said when the event comes", async () => {
    first.engine.enqueue([addNumber('bad1', '12')])
    await first.timers.advance(DEBOUNCE_MS)
    expect(first.engine.rejectedChanges().map((r) => r.entry.id)).toEqual(['bad1'])
    // The second tab gets a refusal of its own before the browser told it of the first's.
    second.engine.enqueue([addNumber('bad2', '13')])
    await second.timers.advance(DEBOUNCE_MS)
    expect(second.engine.rejectedChanges().map((r) => r.entry.id)).toEqual(['bad1', 'bad2'])
    // Was: nothing, the first tab's refusal taken as known when the second wrote the log.
    expect(second.hears('tccc.a.agent1.rejected')).toEqual([{ type: 'refusedElsewhere', reasons: ['INVALID_NUMBER'] }])
    // Its own is never said as another tab's, and the first tab hears only the second's.
    expect(second.hears('tccc.a.agent1.rejected')).toEqual([])
    expect(first.hears('tccc.a.agent1.rejected')).toEqual([{ type: 'refusedElsewhere', reasons: ['INVALID_NUMBER'] }])
  })

  it("does not count as pending a change of the other tab that this tab sent itself (merged at its own write) and the other still stores", async () => {
    first.engine.setOnline(false)
    first.engine.enqueue([addNumber('n1', '13800138001')])
    second.hears('tccc.a.agent1.outbox')
    // The second tab's own change merges the first's: it sends both.
    second.engine.enqueue([addNumber('n2', '13800138002')])
    await second.timers.advance(DEBOUNCE_MS)
    expect(server.pushes.map((p) => p.map((c) => c.id).sort())).toEqual([['n1', 'n2']])
    // Still cut off, the first tab adds another: it stores its n1 again, beside n3.
    first.engine.enqueue([addNumber('n3', '13800138003')])
    // Was: pending 2, n1 counted though the server has it (this tab sent it).
    expect(second.hears('tccc.a.agent1.outbox')).toEqual([{ type: 'status', state: 'pending', pending: 1 }])
  })

  it("never takes back into its outbox a change it sent that the other tab still stores (at its own write, or \"Wait for sync\")", async () => {
    first.engine.setOnline(false)
    first.engine.enqueue([addNumber('n1', '13800138001')])
    second.hears('tccc.a.agent1.outbox')
    // The second tab's own change merges the first's: it sends both.
    second.engine.enqueue([addNumber('n2', '13800138002')])
    await second.timers.advance(DEBOUNCE_MS)
    // Still cut off, the first tab adds another: it stores its n1 again, beside n3.
    first.engine.enqueue([addNumber('n3', '13800138003')])
    second.hears('tccc.a.agent1.outbox')
    // Was: the second tab's next write took n1 back (pending 3, n1 sent again and answered duplicate).
    second.engine.setOnline(false)
    second.engine.enqueue([addNumber('n4', '13800138004')])
    expect(second.engine.outbox().map((e) => e.id)).toEqual(['n3', 'n4'])
    second.engine.setOnline(true)
    await settle()
    first.engine.enqueue([addNumber('n5', '13800138005')])
    second.hears('tccc.a.agent1.outbox')
    expect(await second.engine.drain()).toBe(true)
    // Each sent once.
    expect(server.pushes.flat().map((c) => c.id).sort()).toEqual(['n1', 'n2', 'n3', 'n4', 'n5'])
  })

  it('nor one a third tab stored again after a write that lacked it', async () => {
    const third = tab(server)
    third.engine.open('agent1')
    first.engine.setOnline(false)
    first.engine.enqueue([addNumber('n1', '13800138001')])
    second.hears('tccc.a.agent1.outbox')
    second.engine.enqueue([addNumber('n2', '13800138002')])
    await second.timers.advance(DEBOUNCE_MS)
    // The third tab (cut off) writes an outbox without n1; then the first stores its n1 again.
    third.engine.setOnline(false)
    third.engine.enqueue([addNumber('n3', '13800138003')])
    second.hears('tccc.a.agent1.outbox')
    first.engine.enqueue([addNumber('n4', '13800138004')])
    second.hears('tccc.a.agent1.outbox')
    second.engine.setOnline(false)
    second.engine.enqueue([addNumber('n5', '13800138005')])
    // Was: n1 forgotten as sent here at the third tab's write, and taken back at this one.
    expect(second.engine.outbox().map((e) => e.id).sort()).toEqual(['n3', 'n4', 'n5'])
    third.engine.close()
  })

  it('"Wait for sync" before signing out sends the other tab\'s unsent changes it counted, and says done only once they are on the server', async () => {
    first.engine.setOnline(false)
    first.engine.enqueue([addNumber('n1', '13800138001')])
    expect(second.hears('tccc.a.agent1.outbox')).toEqual([{ type: 'status', state: 'pending', pending: 1 }])
    // The sign-out question said "1 change has not reached the server"; the agent waits.
    // Was: done at once with nothing sent, and the sign-out (of every tab) left n1 unsent.
    expect(await second.engine.drain()).toBe(true)
    expect(server.pushes.flat().map((c) => c.id)).toEqual(['n1'])
  })

  /**
   * Under a numbers cap of 1, the first tab sent n1 and n2 (n2 refused, held); then both tabs
   * signed out. `signIn` opens a tab's engine again over the same two copies.
   */
  async function n2HeldThenBothSignedOut() {
    server.numbersCap = 1
    const copies = [addNumber('n1', '13800138001'), addNumber('n2', '13800138002')]
    const signIn = async (engine: SyncEngine) => {
      engine.open('agent1')
      engine.setLocalRecords({ held: () => copies, copyOf: () => null, resend: (records) => copies.filter((c) => records.some((r) => r.id === c.id)) })
      engine.kick()
      await settle()
    }
    first.engine.enqueue(copies)
    await first.timers.advance(DEBOUNCE_MS)
    expect(first.engine.overCapRecords().map((r) => r.id)).toEqual(['n2'])
    first.engine.close()
    second.engine.close()
    const sendsOfN2 = () => server.pushes.flat().filter((c) => c.id === 'n2').length
    return { signIn, sendsOfN2, before: sendsOfN2() }
  }

  it('a sign-in in both tabs sends the records held over a cap once, from the tab that came first (the other sees them just sent)', async () => {
    const { signIn, sendsOfN2, before } = await n2HeldThenBothSignedOut()
    // Both tabs sign in again: both open the agent's workspace.
    await signIn(first.engine)
    await signIn(second.engine)
    // Was: 2, each tab's first sync sent it again (and it was refused again, twice).
    expect(sendsOfN2() - before).toBe(1)
    expect(second.engine.overCapRecords().map((r) => r.id)).toEqual(['n2'])
    // A sign-in later on sends them again, as before.
    second.engine.close()
    await second.timers.advance(2 * OVER_CAP_RESEND_CLAIM_MS)
    await signIn(second.engine)
    expect(sendsOfN2() - before).toBe(2)
  })

  it('a sign-out and sign-in again in the same tab within the minute sends the held records again (a new sign-in); the other tab at it still does not', async () => {
    const { signIn, sendsOfN2, before } = await n2HeldThenBothSignedOut()
    await signIn(first.engine)
    expect(sendsOfN2() - before).toBe(1)
    // The business raised the cap; the agent signs out and in again at once.
    first.engine.close()
    await first.timers.advance(10_000)
    await second.timers.advance(10_000)
    await signIn(first.engine)
    // Was: 1, this tab's own claim of the last sign-in skipped it.
    expect(sendsOfN2() - before).toBe(2)
    await signIn(second.engine)
    expect(sendsOfN2() - before).toBe(2)
  })

  it('a tab whose stores were loaded before the other tab\'s records were held over a cap never lets those go: not at its pull, nor at its retry', async () => {
    server.numbersCap = 1
    const copies = [addNumber('n1', '13800138001'), addNumber('n2', '13800138002')]
    first.engine.setLocalRecords({ held: () => copies, copyOf: () => null, resend: (records) => copies.filter((c) => records.some((r) => r.id === c.id)) })
    // The second tab loaded its lists before the first added these: it holds neither.
    second.engine.setLocalRecords({ held: () => [], copyOf: () => null, resend: () => [] })
    second.engine.kick()
    await settle()
    first.engine.enqueue(copies)
    await first.timers.advance(DEBOUNCE_MS)
    expect(first.engine.overCapRecords().map((r) => r.id)).toEqual(['n2'])
    // Another phone of the agent writes; the second tab's next sync pulls it: was, n2 let go as
    // "no longer held" by the second tab's stores.
    server.put('number', 'other', { number: '13900000000', remark: 'other', source: 'own', createdAt: CREATED })
    second.engine.kick()
    await settle()
    expect(first.engine.overCapRecords().map((r) => r.id)).toEqual(['n2'])
    // The agent taps retry in the second tab: it has no copy to send; was, n2 let go without a change.
    second.engine.retryOverCap()
    await settle()
    expect(first.engine.overCapRecords().map((r) => r.id)).toEqual(['n2'])
    // The first tab's retry still sends it (refused again, held again).
    const sends = server.pushes.flat().filter((c) => c.id === 'n2').length
    first.engine.retryOverCap()
    await settle()
    expect(server.pushes.flat().filter((c) => c.id === 'n2').length).toBe(sends + 1)
    expect(first.engine.overCapRecords().map((r) => r.id)).toEqual(['n2'])
  })

  it("counts only the other tab's readable changes it does not hold: its own stored again are not pending twice, an unreadable row is not one", () => {
    second.engine.setOnline(false)
    second.engine.enqueue([addNumber('n1', '13800138001')])
    // Its own outbox heard again (another tab rewrote it unchanged): n1 is this tab's, counted once.
    expect(second.hears('tccc.a.agent1.outbox')).toEqual([{ type: 'status', state: 'offline', pending: 1 }])
    // The other tab stored a row this version cannot read beside one change of its own.
    const stored = JSON.parse(storage.get('tccc.a.agent1.outbox') as string) as { v: number; data: unknown[] }
    const theirs = { kind: 'number', op: 'upsert', id: 'n2', data: { number: '13800138002', remark: '', source: 'own', createdAt: CREATED }, changeId: 'c-theirs', queuedAt: CREATED }
    storage.set('tccc.a.agent1.outbox', JSON.stringify({ v: stored.v, data: [...stored.data, 'junk', theirs] }))
    expect(second.hears('tccc.a.agent1.outbox')).toEqual([{ type: 'status', state: 'offline', pending: 2 }])
  })

  it("says the other tab's refusals at its rejected log's event (or a storage event naming no key), not at an event of its outbox", async () => {
    first.engine.enqueue([addNumber('bad', '12')])
    await first.timers.advance(DEBOUNCE_MS)
    expect(first.engine.rejectedChanges().map((r) => r.reason)).toEqual(['INVALID_NUMBER'])
    expect(second.hears('tccc.a.agent1.outbox').map((e) => e.type)).toEqual(['status'])
    expect(second.hears(null)).toContainEqual({ type: 'refusedElsewhere', reasons: ['INVALID_NUMBER'] })
    expect(second.hears('tccc.a.agent1.rejected')).toEqual([])
  })

  it('"Wait for sync" with no agent signed in is done at once, and fails nothing', async () => {
    second.engine.close()
    await expect(second.engine.drain()).resolves.toBe(true)
    expect(server.pushes).toEqual([])
  })

  it('"Wait for sync" that cannot take the other tab\'s changes (storage full) says not done and sends nothing; with none counted it writes nothing, so a full storage does not stop it', async () => {
    first.engine.setOnline(false)
    first.engine.enqueue([addNumber('n1', '13800138001')])
    second.hears('tccc.a.agent1.outbox')
    const outboxWrites: unknown[] = []
    let full = true
    vi.mocked(uni.setStorageSync).mockImplementation((key: string, value: unknown) => {
      if (full && key === 'tccc.a.agent1.outbox') {
        outboxWrites.push(value)
        throw new Error('storage full')
      }
      storage.set(key, value)
    })
    expect(await second.engine.drain()).toBe(false)
    expect(server.pushes).toEqual([])
    // The other tab sent it itself: nothing of its counts here any more, nothing is written.
    full = false
    first.engine.setOnline(true)
    await settle()
    full = true
    expect(second.hears('tccc.a.agent1.outbox')).toEqual([{ type: 'status', state: 'synced', pending: 0 }])
    outboxWrites.length = 0
    expect(await second.engine.drain()).toBe(true)
    expect(outboxWrites).toEqual([])
  })

  it('stops hearing once closed (signed out)', () => {
    expect(second.listening()).toBe(1)
    second.engine.close()
    expect(second.listening()).toBe(0)
    expect(second.hears('tccc.a.agent1.outbox')).toEqual([])
  })
})
