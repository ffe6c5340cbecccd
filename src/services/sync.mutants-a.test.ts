/**
 * Surviving mutants of src/services/sync.ts below line 250 (issue 13, docs/mutation/sync-a.md):
 * the outbox read back from storage, the engine before/after a workspace, enqueue and going offline.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { storage } from '../../tests/setup/uni'
import { SyncEngine, DEBOUNCE_MS, type OutboxEntry, type PullPage, type PushResult, type SyncEvent, type WorkspaceTransport } from './sync'
import { FakeWorkspaceServer, ManualTimers, settle } from './__tests__/fakeWorkspace'

const QUEUED_AT = 1_767_225_000_000

/** Writes `data` where the engine keeps `tccc.a.agent1.<name>`, as storage would (versioned envelope). */
function seed(name: string, data: unknown): void {
  storage.set(`tccc.a.agent1.${name}`, JSON.stringify({ v: 1, data }))
}

/** A well-formed outbox entry as an earlier session stored it. */
function entry(id: string, extra: Partial<Record<keyof OutboxEntry, unknown>> = {}): Record<string, unknown> {
  return { changeId: `chg-${id}`, kind: 'call', op: 'upsert', id, data: { number: '110', direction: 'out' }, queuedAt: QUEUED_AT, ...extra }
}

const callChange = (id: string) => ({ kind: 'call' as const, op: 'upsert' as const, id, data: { number: '110', direction: 'out' } })

describe('sync (mutation survivors, part A)', () => {
  let server: FakeWorkspaceServer
  let timers: ManualTimers
  let seen: SyncEvent[]
  let stop: () => void

  const newEngine = (transport: WorkspaceTransport | null = server.transport()) => {
    const engine = new SyncEngine(transport, timers)
    stop = engine.subscribe((e) => seen.push(e))
    return engine
  }
  const statuses = () => seen.filter((e) => e.type === 'status')
  const warned = () => vi.mocked(console.warn).mock.calls.map((args) => String(args[0]))

  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    server = new FakeWorkspaceServer()
    timers = new ManualTimers()
    seen = []
    stop = () => undefined
  })

  afterEach(() => stop())

  describe('the outbox read back at sign-in', () => {
    it('keeps well-formed entries of both kinds and both ops (a delete without data too), in order, and warns about nothing', async () => {
      const rows = [entry('c1'), entry('n1', { kind: 'number', data: { number: '13800138000', remark: 'x', source: 'own', createdAt: QUEUED_AT } }), entry('c2', { op: 'delete', data: undefined })]
      seed('outbox', rows)
      const engine = newEngine()
      engine.open('agent1')
      expect(engine.outbox()).toEqual(rows)
      expect(engine.pending).toBe(3)
      expect(warned()).toEqual([])
      engine.kick()
      await settle()
      expect(server.pushes[0].map((c) => `${c.kind} ${c.op} ${c.id}`)).toEqual(['call upsert c1', 'number upsert n1', 'call delete c2'])
    })

    it.each([
      ['null', null],
      ['a text', 'call upsert c1'],
      ['a number', 42],
      ['no changeId', entry('x', { changeId: undefined })],
      ['a numeric changeId', entry('x', { changeId: 7 })],
      ['a kind the phone does not write', entry('x', { kind: 'outcome' })],
      ['no kind', entry('x', { kind: undefined })],
      ['an unknown op', entry('x', { op: 'patch' })],
      ['a numeric id', entry('x', { id: 7 })],
      ['data null', entry('x', { data: null })],
      ['data as text', entry('x', { data: 'number=110' })],
      ['data as a number', entry('x', { data: 110 })],
      ['a text queuedAt', entry('x', { queuedAt: '2026-01-01' })],
      ['no queuedAt', entry('x', { queuedAt: undefined })],
    ])('skips an entry that is %s, keeps the rest and says how many it skipped', async (_what, bad) => {
      seed('outbox', [entry('c1'), bad, entry('c2')])
      const engine = newEngine()
      engine.open('agent1')
      expect(engine.outbox().map((e) => e.id)).toEqual(['c1', 'c2'])
      expect(engine.pending).toBe(2)
      expect(warned()).toEqual(['[sync] 1 unreadable outbox entr(ies) skipped'])
      engine.kick()
      await settle()
      expect(server.pushes.flat().map((c) => c.id)).toEqual(['c1', 'c2'])
    })

    it('counts every unreadable entry it skipped', () => {
      seed('outbox', [null, entry('c1'), entry('x', { kind: 'outcome' }), entry('y', { op: 'patch' })])
      const engine = newEngine()
      engine.open('agent1')
      expect(engine.outbox().map((e) => e.id)).toEqual(['c1'])
      expect(warned()).toEqual(['[sync] 3 unreadable outbox entr(ies) skipped'])
    })

    it('opening an agent with nothing stored starts from an empty outbox and warns about nothing', () => {
      const engine = newEngine()
      engine.open('agent1')
      expect(engine.outbox()).toEqual([])
      expect(engine.pending).toBe(0)
      expect(warned()).toEqual([])
    })
  })

  describe('the cursor and rejected changes read back at sign-in', () => {
    it('a stored cursor that is not text is ignored: the pull starts from the beginning', async () => {
      seed('cursor', 2)
      const since: string[] = []
      const engine = newEngine({
        push: async (): Promise<PushResult[]> => [],
        pull: async (from): Promise<PullPage> => {
          since.push(from)
          return { changes: [], cursor: '0', more: false }
        },
      })
      engine.open('agent1')
      engine.kick()
      await settle()
      expect(since).toEqual(['0'])
    })

    it('rejected changes of an earlier session are read back from the agent\'s own key, and new ones are added there', async () => {
      const earlier = { entry: entry('old'), reason: 'INVALID_NUMBER', at: QUEUED_AT }
      seed('rejected', [earlier])
      const engine = newEngine()
      engine.open('agent1')
      expect(engine.rejectedChanges()).toEqual([earlier])
      engine.enqueue([{ kind: 'number', op: 'upsert', id: 'bad', data: { number: 'abc' } }])
      await timers.advance(DEBOUNCE_MS)
      const kept = JSON.parse(storage.get('tccc.a.agent1.rejected') as string) as { data: Array<{ reason: string; entry: { id: string } }> }
      expect(kept.data.map((r) => `${r.entry.id} ${r.reason}`)).toEqual(['old INVALID_NUMBER', 'bad INVALID_NUMBER'])
    })
  })

  describe('without a workspace (before sign-in, after sign-out)', () => {
    it('a fresh engine says synced, with nothing waiting and nothing rejected', () => {
      const engine = newEngine()
      expect(engine.status).toBe('synced')
      expect(engine.pending).toBe(0)
      expect(engine.outbox()).toEqual([])
      expect(engine.rejectedChanges()).toEqual([])
    })

    it('after sign-out it says synced with nothing pending, lists nothing, and the stored outbox stays', () => {
      seed('rejected', [{ entry: entry('old'), reason: 'INVALID_NUMBER', at: QUEUED_AT }])
      const engine = newEngine()
      engine.open('agent1')
      engine.setTransport(null)
      engine.enqueue([callChange('c1')])
      expect(engine.status).toBe('synced')
      expect(statuses().at(-1)).toEqual({ type: 'status', state: 'pending', pending: 1 })
      engine.close()
      expect(statuses().at(-1)).toEqual({ type: 'status', state: 'synced', pending: 0 })
      expect(engine.status).toBe('synced')
      expect(engine.outbox()).toEqual([])
      expect(engine.rejectedChanges()).toEqual([])
      expect(storage.has('tccc.a.agent1.outbox')).toBe(true)
    })

    it('a change without a workspace is refused: nothing stored, nothing returned, a warning says why', () => {
      const engine = newEngine()
      expect(engine.enqueue([callChange('c1')])).toEqual([])
      expect(storage.size).toBe(0)
      expect(timers.waiting()).toEqual([])
      expect(warned()).toEqual(['[sync] change ignored: no workspace is open'])
    })
  })

  describe('enqueue, open and going offline', () => {
    it('enqueueing no change returns nothing and neither saves, reports nor schedules a flush', () => {
      const engine = newEngine()
      engine.open('agent1')
      seen = []
      expect(engine.enqueue([])).toEqual([])
      expect(storage.has('tccc.a.agent1.outbox')).toBe(false)
      expect(seen).toEqual([])
      expect(timers.waiting()).toEqual([])
    })

    it('the outbox list is a copy: changing it changes nothing waiting', () => {
      const engine = newEngine()
      engine.open('agent1')
      engine.enqueue([callChange('c1')])
      const list = engine.outbox()
      list.length = 0
      expect(engine.pending).toBe(1)
      expect(engine.outbox().map((e) => e.id)).toEqual(['c1'])
    })

    it('opening the agent already open keeps its pending flush (a second sign-in call changes nothing)', async () => {
      const engine = newEngine()
      engine.open('agent1')
      engine.enqueue([callChange('c1')])
      seen = []
      engine.open('agent1')
      expect(seen).toEqual([])
      expect(timers.waiting()).toEqual([DEBOUNCE_MS])
      await timers.advance(DEBOUNCE_MS)
      expect(server.pushes.flat().map((c) => c.id)).toEqual(['c1'])
      expect(engine.pending).toBe(0)
    })

    it('signing in while the platform reports no network shows offline', () => {
      const engine = newEngine()
      engine.setOnline(false)
      engine.open('agent1')
      expect(engine.status).toBe('offline')
      expect(statuses().at(-1)).toEqual({ type: 'status', state: 'offline', pending: 0 })
    })

    it('losing the network while a push is on its way shows offline at once', async () => {
      let answer: (results: PushResult[]) => void = () => undefined
      const engine = newEngine({
        push: (changes) => new Promise<PushResult[]>((resolve) => {
          answer = () => resolve(changes.map((c) => ({ changeId: c.changeId, status: 'applied' })))
        }),
        pull: async () => ({ changes: [], cursor: '0', more: false }),
      })
      engine.open('agent1')
      engine.enqueue([callChange('c1')])
      engine.kick()
      await settle()
      expect(engine.status).toBe('syncing')
      engine.setOnline(false)
      expect(engine.status).toBe('offline')
      expect(statuses().at(-1)).toMatchObject({ state: 'offline' })
      answer([])
      await settle()
      expect(engine.pending).toBe(0)
    })
  })
})
