/**
 * Surviving mutants of src/services/sync.ts from line 250 on (issue 13, docs/mutation/sync-b.md):
 * one sync at a time, the flush + pull cycle, answers that arrive after sign-out, the pull loop
 * and the back-off guard of `schedule`.
 */
import { describe, expect, it } from 'vitest'
import { storage } from '../../tests/setup/uni'
import { TcccError } from '@/platform/errors'
import { DEBOUNCE_MS, SyncEngine, type PullPage, type PushResult, type WorkspaceTransport } from './sync'
import { engineFixture, type FakeWorkspaceServer, settle, storedData } from './__tests__/fakeWorkspace'

type Route = 'push' | 'pull'

/** The fake server behind a network the test controls: each request waits until `answer()`. */
class HeldTransport implements WorkspaceTransport {
  private readonly waiting: Array<{ route: Route; release: () => void }> = []

  constructor(private readonly server: FakeWorkspaceServer) {}

  pull = (since: string, limit: number): Promise<PullPage> => this.hold('pull', () => this.server.pull(since, limit))
  push = (changes: Parameters<WorkspaceTransport['push']>[0]): Promise<PushResult[]> => this.hold('push', () => this.server.push(changes))

  /** The requests on their way, oldest first. */
  inFlight(): Route[] {
    return this.waiting.map((w) => w.route)
  }

  /** The server answers the oldest request (or fails it, when `server.failNext` says so). */
  async answer(): Promise<void> {
    const next = this.waiting.shift()
    if (!next) throw new Error('no request is waiting for an answer')
    next.release()
    await settle()
  }

  private hold<T>(route: Route, reply: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        route,
        release: () => {
          try {
            resolve(reply())
          } catch (e) {
            reject(e)
          }
        },
      })
    })
  }
}

const call = (id: string) => ({ kind: 'call' as const, op: 'upsert' as const, id, data: { number: '110', direction: 'out' } })

describe('sync (mutation survivors, part B)', () => {
  const t = engineFixture((server) => new HeldTransport(server))

  const statuses = () => t.events.filter((e) => e.type === 'status')
  const lastStatus = () => statuses().at(-1)
  const pushedIds = () => t.server.pushes.map((batch) => batch.map((c) => c.id))
  const remoteIds = () => t.events.flatMap((e) => (e.type === 'remote' ? e.changes.map((c) => c.id) : []))

  /** A change that went out once and failed: the engine now waits out its first back-off (1 s). */
  async function failOnce(id: string): Promise<void> {
    t.server.failNext = 1
    t.engine.enqueue([call(id)])
    await t.timers.advance(DEBOUNCE_MS)
    await t.transport.answer()
    expect(t.timers.waiting()).toEqual([1000])
  }

  describe('one sync at a time', () => {
    it('a kick while a sync is on its way starts no second request, and runs one more sync right after it', async () => {
      t.engine.enqueue([call('c1')])
      await t.timers.advance(DEBOUNCE_MS)
      expect(t.transport.inFlight()).toEqual(['push'])
      expect(lastStatus()).toEqual({ type: 'status', state: 'syncing', pending: 1 })

      t.engine.kick() // e.g. the app came back to the foreground
      await settle()
      expect(t.transport.inFlight()).toEqual(['push'])

      await t.transport.answer()
      expect(t.transport.inFlight()).toEqual(['pull'])
      await t.transport.answer()
      // The kick is not lost: one more sync, which brings what arrived meanwhile.
      expect(t.transport.inFlight()).toEqual(['pull'])
      t.server.put('call', 'r1', { number: '120', direction: 'in' }) // written by another phone
      await t.transport.answer()
      expect(remoteIds()).toEqual(['c1', 'r1']) // c1 as the t.server stored it, then r1
      expect(t.transport.inFlight()).toEqual([])
      expect(pushedIds()).toEqual([['c1']])
      expect(t.server.pulls).toBe(2)
      expect(lastStatus()).toEqual({ type: 'status', state: 'synced', pending: 0 })
    })

    it('a sync of the previous agent that ends late does not let a second sync of the new agent start', async () => {
      t.engine.enqueue([call('c1')])
      await t.timers.advance(DEBOUNCE_MS)
      t.engine.close()
      t.engine.open('agent2')
      t.engine.enqueue([call('c2')])
      t.engine.kick()
      await settle()
      expect(t.transport.inFlight()).toEqual(['push', 'push'])

      await t.transport.answer() // agent1's push answers after the switch
      t.engine.kick()
      await settle()
      expect(t.transport.inFlight()).toEqual(['push'])

      await t.transport.answer()
      await t.transport.answer()
      await t.transport.answer()
      expect(t.transport.inFlight()).toEqual([])
      expect(pushedIds()).toEqual([['c1'], ['c2']])
      expect(t.engine.pending).toBe(0)
    })
  })

  describe('the sync cycle', () => {
    it('without a transport (backend not known yet) changes wait in the outbox: no failure, no retry', async () => {
      const idle = new SyncEngine(null, t.timers)
      idle.open('agent1')
      idle.enqueue([call('c1')])
      await t.timers.advance(DEBOUNCE_MS)
      expect(t.timers.waiting()).toEqual([])
      expect(lastStatus()).toEqual({ type: 'status', state: 'pending', pending: 1 })
      expect(console.warn).not.toHaveBeenCalled()

      idle.setTransport(t.server.transport())
      idle.kick()
      await settle()
      expect(pushedIds()).toEqual([['c1']])
      expect(lastStatus()).toEqual({ type: 'status', state: 'synced', pending: 0 })
    })

    it('a change made while the sync pulls: the sync ends as "pending" and the change goes out one debounce after it', async () => {
      t.engine.enqueue([call('c1')])
      await t.timers.advance(DEBOUNCE_MS)
      await t.transport.answer()
      expect(t.transport.inFlight()).toEqual(['pull'])
      t.engine.enqueue([call('c2')])
      await t.timers.advance(300)
      await t.transport.answer()
      expect(lastStatus()).toEqual({ type: 'status', state: 'pending', pending: 1 })

      await t.timers.advance(DEBOUNCE_MS - 1)
      expect(t.transport.inFlight()).toEqual([])
      await t.timers.advance(1)
      expect(t.transport.inFlight()).toEqual(['push'])
      await t.transport.answer()
      expect(pushedIds()).toEqual([['c1'], ['c2']])
    })

    it('says which failure it retries after, and when', async () => {
      await failOnce('c1')
      expect(console.warn).toHaveBeenCalledWith('[sync] failed (BACKEND_UNREACHABLE); retry in 1000 ms')
      expect(lastStatus()).toEqual({ type: 'status', state: 'offline', pending: 1 })
    })

    it('a backend that does not answer in time shows offline (not error), and is retried', async () => {
      const slow: WorkspaceTransport = {
        pull: t.server.transport().pull,
        push: async () => {
          throw new TcccError('BACKEND_TIMEOUT', 'no answer')
        },
      }
      t.engine.setTransport(slow)
      t.engine.enqueue([call('c1')])
      await t.timers.advance(DEBOUNCE_MS)
      expect(lastStatus()).toEqual({ type: 'status', state: 'offline', pending: 1 })
      expect(t.timers.waiting()).toEqual([1000])
    })

    it('a failure after the network went away schedules no retry: it waits for the network to come back', async () => {
      t.engine.enqueue([call('c1')])
      await t.timers.advance(DEBOUNCE_MS)
      t.engine.setOnline(false)
      t.server.failNext = 1
      await t.transport.answer()
      expect(t.timers.waiting()).toEqual([])
      await t.timers.advance(120_000)
      expect(t.transport.inFlight()).toEqual([])
      expect(lastStatus()).toEqual({ type: 'status', state: 'offline', pending: 1 })

      t.engine.setOnline(true)
      await settle()
      expect(t.transport.inFlight()).toEqual(['push'])
      await t.transport.answer()
      expect(pushedIds()).toEqual([['c1']])
    })
  })

  describe('answers that arrive after sign-out', () => {
    it('a push answered after sign-out publishes nothing (no rejection) and leaves the stored outbox for next time', async () => {
      t.engine.enqueue([call('c1'), { kind: 'number', op: 'upsert', id: 'n1', data: { number: 'not a number' } }])
      await t.timers.advance(DEBOUNCE_MS)
      t.engine.close()
      const afterClose = t.events.length
      await t.transport.answer()
      expect(t.events.slice(afterClose)).toEqual([])
      expect((storedData('tccc.a.agent1.outbox') as Array<{ id: string }>).map((e) => e.id)).toEqual(['c1', 'n1'])
      expect(storedData('tccc.a.agent1.rejected')).toBeUndefined()
      expect(t.transport.inFlight()).toEqual([])
    })

    it('a push that fails after sign-out shows no status (not "offline") and plans no retry', async () => {
      t.engine.enqueue([call('c1')])
      await t.timers.advance(DEBOUNCE_MS)
      t.engine.close()
      const afterClose = t.events.length
      t.server.failNext = 1
      await t.transport.answer()
      expect(t.events.slice(afterClose)).toEqual([])
      expect(t.timers.waiting()).toEqual([])
    })

    it('a pull answered after sign-out publishes nothing', async () => {
      t.server.put('call', 'r1', { number: '120', direction: 'in' })
      t.engine.kick()
      await settle()
      expect(t.transport.inFlight()).toEqual(['pull'])
      t.engine.close()
      const afterClose = t.events.length
      await t.transport.answer()
      expect(t.events.slice(afterClose)).toEqual([])
      expect(storedData('tccc.a.agent1.cursor')).toBeUndefined()
    })

    it('after a switch to another agent, the previous agent\'s push answer pulls nothing into the new session', async () => {
      t.server.put('call', 'r1', { number: '120', direction: 'in' })
      t.engine.enqueue([call('c1')])
      await t.timers.advance(DEBOUNCE_MS)
      t.engine.close()
      t.engine.open('agent2')
      await t.transport.answer()
      expect(t.transport.inFlight()).toEqual([])
      expect(t.server.pulls).toBe(0)
      expect(remoteIds()).toEqual([])
    })

    it('after a switch to another agent, the previous agent\'s pull page is not applied nor its cursor kept', async () => {
      t.server.put('call', 'r1', { number: '120', direction: 'in' })
      t.engine.kick()
      await settle()
      t.engine.close()
      t.engine.open('agent2')
      await t.transport.answer()
      expect(remoteIds()).toEqual([])
      expect(storedData('tccc.a.agent2.cursor')).toBeUndefined()
      expect(storedData('tccc.a.agent1.cursor')).toBeUndefined()
      expect(t.transport.inFlight()).toEqual([])
    })
  })

  describe('push answers', () => {
    const answering = (results: (changes: Parameters<WorkspaceTransport['push']>[0]) => PushResult[]): WorkspaceTransport => ({
      pull: t.server.transport().pull,
      push: async (changes) => results(changes),
    })

    it('a change rejected without a reason is reported and kept as UNKNOWN', async () => {
      t.engine.setTransport(answering((changes) => changes.map((c) => ({ changeId: c.changeId, status: 'rejected' }))))
      t.engine.enqueue([call('c1')])
      await t.timers.advance(DEBOUNCE_MS)
      expect(t.events.filter((e) => e.type === 'rejected')).toEqual([{ type: 'rejected', entry: expect.objectContaining({ id: 'c1' }), reason: 'UNKNOWN' }])
      expect(t.engine.rejectedChanges()).toEqual([expect.objectContaining({ reason: 'UNKNOWN', entry: expect.objectContaining({ id: 'c1' }) })])
      expect(t.engine.pending).toBe(0)
    })

    it('a push the server answered for none of the changes fails at once: syncing, then error, outbox untouched', async () => {
      t.engine.setTransport(answering(() => [{ changeId: 'someone-else', status: 'applied' }]))
      t.events.length = 0
      t.engine.enqueue([call('c1')])
      await t.timers.advance(DEBOUNCE_MS)
      expect(statuses()).toEqual([
        { type: 'status', state: 'pending', pending: 1 },
        { type: 'status', state: 'syncing', pending: 1 },
        { type: 'status', state: 'error', pending: 1 },
      ])
      expect(t.engine.outbox().map((e) => e.id)).toEqual(['c1'])
      expect(t.timers.waiting()).toEqual([1000])
    })

    it('writes no rejected-changes record while nothing was rejected', async () => {
      t.engine.setTransport(t.server.transport())
      t.engine.enqueue([call('c1')])
      await t.timers.advance(DEBOUNCE_MS)
      expect(t.engine.pending).toBe(0)
      expect(storage.has('tccc.a.agent1.rejected')).toBe(false)
    })

    it('keeps only the newest 200 rejected changes', async () => {
      t.engine.setTransport(t.server.transport())
      t.engine.enqueue(Array.from({ length: 201 }, (_, i) => ({ kind: 'number' as const, op: 'upsert' as const, id: `bad${i}`, data: { number: `x${i}` } })))
      await t.timers.advance(DEBOUNCE_MS)
      const kept = t.engine.rejectedChanges()
      expect(kept).toHaveLength(200)
      expect(kept[0].entry.id).toBe('bad1')
      expect(kept.at(-1)?.entry.id).toBe('bad200')
      expect((storedData('tccc.a.agent1.rejected') as unknown[]).length).toBe(200)
    })
  })

  it('pulls at most 10,000 pages in one sync from a server that always says there is more', async () => {
    let pulls = 0
    t.engine.setTransport({
      push: t.server.transport().push,
      pull: async () => {
        pulls += 1
        if (pulls > 10_001) throw new Error('pulled on and on')
        return { changes: [], cursor: String(pulls), more: true }
      },
    })
    await t.engine.drain()
    expect(pulls).toBe(10_000)
    expect(storedData('tccc.a.agent1.cursor')).toBe('10000')
    expect(lastStatus()).toEqual({ type: 'status', state: 'synced', pending: 0 })
  })

  describe('back-off', () => {
    it('a change made while a retry waits does not cut the back-off short: both go out at the retry', async () => {
      await failOnce('c1')
      await t.timers.advance(200)
      t.engine.enqueue([call('c2')])
      expect(t.timers.waiting()).toEqual([800])
      await t.timers.advance(799)
      expect(t.transport.inFlight()).toEqual([])
      await t.timers.advance(1)
      expect(t.transport.inFlight()).toEqual(['push'])
      await t.transport.answer()
      expect(pushedIds()).toEqual([['c1', 'c2']])
    })

    it('a change made during a retry that fails again: the next attempt still waits the doubled back-off', async () => {
      await failOnce('c1')
      t.server.failNext = 1
      await t.timers.advance(1000)
      expect(t.transport.inFlight()).toEqual(['push'])
      t.engine.enqueue([call('c2')])
      await t.transport.answer()
      expect(t.timers.waiting()).toEqual([2000])
      await t.timers.advance(1999)
      expect(t.transport.inFlight()).toEqual([])
      await t.timers.advance(1)
      expect(t.transport.inFlight()).toEqual(['push'])
      await t.transport.answer()
      expect(pushedIds()).toEqual([['c1', 'c2']])
    })

    it('a change made during a slow retry that then succeeds goes out as soon as the retry ends (its debounce is over)', async () => {
      await failOnce('c1')
      await t.timers.advance(1000)
      await t.transport.answer()
      expect(t.transport.inFlight()).toEqual(['pull'])
      t.engine.enqueue([call('c2')])
      await t.timers.advance(DEBOUNCE_MS + 100)
      expect(t.transport.inFlight()).toEqual(['pull'])
      await t.transport.answer()
      expect(t.transport.inFlight()).toEqual(['push'])
      await t.transport.answer()
      expect(pushedIds()).toEqual([['c1'], ['c2']])
    })
  })
})
