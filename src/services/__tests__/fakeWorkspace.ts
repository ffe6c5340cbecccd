/**
 * An in-memory stand-in for the backend's workspace API (docs/WORKSPACE_API.md), for unit tests:
 * idempotent pushes by changeId, last writer wins by receive order, tombstones, assigned numbers
 * read-only but for the remark, one live record per number, call records never deleted and fixed
 * once written but for the wrap-up (and a waiting caller's end filled in), paged pulls by an
 * increasing rev, reconciles (and `ifRev` on a re-send), tombstones forgotten (a full listing for a
 * cursor below them). `src/store/callRecordPaths.test.ts` runs the app against the real rules.
 * Test-only (nothing in the app imports it).
 */
import { afterEach, beforeEach, vi } from 'vitest'
import { TcccError } from '@/platform/errors'
import { mergedRemark, samePhoneSpellings, validateNumber } from '@/services/numbers'
import { SyncEngine, type OutboxEntry, type PullPage, type PushResult, type ReconcileAnswer, type ReconcileFloor, type ReconcileRecord, type RemoteChange, type SyncEvent, type WorkspaceTransport } from '@/services/sync'
import { storage } from '../../../tests/setup/uni'

interface StoredRecord {
  kind: string
  id: string
  rev: number
  deleted: boolean
  data: Record<string, unknown>
  /** Put back by a reconcile: the rev the re-sending phone had seen (the backend's `seen_rev`). */
  seenRev?: number
}

type WireChange = Omit<OutboxEntry, 'queuedAt'>

/** What a call was: fixed once the record exists (the server normalises the number first). */
const CALL_RECORD_FIELDS = ['number', 'remark', 'direction', 'outcome', 'startedAt', 'answeredAt', 'endedAt', 'durationSec', 'endReason', 'sessionId']
const none = (v: unknown): boolean => v === undefined || v === null

/** The server's rule (server/src/db/workspace.ts `checkCallUnchanged`), in short. */
function callChangeAllowed(stored: Record<string, unknown>, patch: Record<string, unknown>): boolean {
  const changed = CALL_RECORD_FIELDS.filter((f) => f in patch && (none(stored[f]) ? !none(patch[f]) : stored[f] !== patch[f]))
  const merged = { ...stored, ...patch }
  const unanswered = (r: Record<string, unknown>) => none(r.answeredAt) && r.durationSec === 0 && r.outcome !== 'answered'
  const endFilledIn = stored.direction === 'in' && stored.endReason === 'unknown' && unanswered(stored) && unanswered(merged)
  return changed.length === 0 || (endFilledIn && changed.every((f) => f === 'endedAt' || f === 'endReason' || f === 'outcome'))
}

export class FakeWorkspaceServer {
  private seq = 0
  private readonly records = new Map<string, StoredRecord>()
  private readonly seen = new Set<string>()
  /** Every push batch received, in order. */
  readonly pushes: WireChange[][] = []
  pulls = 0
  /** Every reconcile page received, in order. */
  readonly reconciles: ReconcileRecord[][] = []
  /** Reconcile checks (`GET /api/workspace/reconcile`) received. */
  floorChecks = 0
  /** The server's clock for starts and `at` (a counter: only the order matters). */
  private tick = 1
  /** Each start: when, and the highest rev the records then held (the backend's `workspace_starts`). */
  private starts: Array<{ at: number; maxRev: number }> = [{ at: 0, maxRev: 0 }]
  /** Fail the next n requests as if the network were down. */
  failNext = 0
  /** The agent's cap of live numbers (WORKSPACE_NUMBERS_MAX): an add beyond it is QUOTA_EXCEEDED. */
  numbersCap: number | null = null
  /** The agent's cap of stored records, tombstones included (WORKSPACE_RECORDS_MAX): a new record beyond it is QUOTA_EXCEEDED. */
  recordsCap: number | null = null

  private key(kind: string, id: string): string {
    return `${kind}:${id}`
  }

  live(kind: string): StoredRecord[] {
    return [...this.records.values()].filter((r) => r.kind === kind && !r.deleted)
  }

  /** The agent's own records, tombstones included (the business's outcomes and settings are no one's). */
  private agentRecords(): number {
    return [...this.records.values()].filter((r) => r.kind === 'number' || r.kind === 'call').length
  }

  record(kind: string, id: string): StoredRecord | undefined {
    return this.records.get(this.key(kind, id))
  }

  private write(kind: string, id: string, data: Record<string, unknown>, deleted = false, seenRev?: string): void {
    this.seq += 1
    this.records.set(this.key(kind, id), { kind, id, rev: this.seq, deleted, data, ...(seenRev !== undefined ? { seenRev: Number(seenRev) } : {}) })
  }

  /** The business assigns a number (server id). */
  assign(number: string, remark: string): string {
    const id = `srv-${this.seq + 1}`
    this.write('number', id, { number, remark, source: 'assigned', createdAt: 1_767_225_600_000 })
    return id
  }

  /** Another phone of the same agent (or the business) writes a record directly. */
  put(kind: string, id: string, data: Record<string, unknown>): void {
    this.write(kind, id, data)
  }

  remove(kind: string, id: string): void {
    const existing = this.record(kind, id)
    this.write(kind, id, existing?.data ?? {}, true)
  }

  /** What a backup holds: every record as it is now. */
  backup(): Map<string, StoredRecord> {
    return new Map([...this.records].map(([k, r]) => [k, { ...r }]))
  }

  /** The database goes back to `backup` and the backend starts again; the revs go on from where they were (a start moves them on). */
  restore(backup: Map<string, StoredRecord>): void {
    this.records.clear()
    for (const [k, r] of backup) this.records.set(k, { ...r })
    this.restart()
  }

  /** The backend starts again (after a restore: with the backup's records). */
  restart(): void {
    const maxRev = Math.max(0, ...[...this.records.values()].map((r) => r.rev))
    this.starts.push({ at: ++this.tick, maxRev })
  }

  /** The backend's reconcile check (server/src/db/workspace.ts `reconcileFloor`). */
  reconcileFloor(since: number): ReconcileFloor {
    this.failIfAsked()
    this.floorChecks += 1
    const after = this.starts.filter((s) => s.at >= since)
    return { floor: after.length > 0 ? String(Math.min(...after.map((s) => s.maxRev))) : null, at: ++this.tick }
  }

  /** The backend's reconcile (server/src/db/workspace.ts `reconcileRecords`). */
  reconcile(records: ReconcileRecord[]): ReconcileAnswer {
    this.failIfAsked()
    this.reconciles.push(records)
    const answer: ReconcileAnswer = { lost: [], newer: [] }
    for (const h of records) {
      const r = this.record(h.kind, h.id)
      const seen = Number(h.rev)
      if (!r && seen > 0 && seen <= this.watermark) {
        // Deleted and its tombstone forgotten: a copy held alive is answered deleted (`reconcileRecords`).
        if (!h.deleted) answer.newer.push({ kind: h.kind, id: h.id, rev: String(this.watermark), deleted: true, data: null })
      } else if (!r) {
        if (!h.deleted || seen > 0) answer.lost.push({ kind: h.kind, id: h.id, rev: '0', state: 'missing' })
      } else if (r.rev < seen || (r.rev > seen && r.seenRev !== undefined && r.seenRev < seen)) {
        if (!(h.deleted && r.deleted)) answer.lost.push({ kind: h.kind, id: h.id, rev: String(r.rev), state: r.deleted ? 'deleted' : 'alive' })
      } else if (r.rev > seen) {
        answer.newer.push({ kind: r.kind, id: r.id, rev: String(r.rev), deleted: r.deleted, data: r.deleted ? null : r.data, ...(r.seenRev !== undefined ? { seenRev: String(r.seenRev) } : {}) })
      }
    }
    return answer
  }

  private failIfAsked(): void {
    if (this.failNext > 0) {
      this.failNext -= 1
      throw new TcccError('BACKEND_UNREACHABLE', 'fake network down')
    }
  }

  push(changes: WireChange[]): PushResult[] {
    this.failIfAsked()
    this.pushes.push(changes)
    return changes.map((c) => this.apply(c))
  }

  private apply(c: WireChange): PushResult {
    if (this.seen.has(c.changeId)) return { changeId: c.changeId, status: 'duplicate' }
    this.seen.add(c.changeId)
    const reject = (reason: string): PushResult => ({ changeId: c.changeId, status: 'rejected', reason })
    if (c.kind !== 'number' && c.kind !== 'call') return reject('UNKNOWN_KIND')
    const existing = this.record(c.kind, c.id)
    if (c.ifRev !== undefined && (existing?.rev ?? 0) > Number(c.ifRev)) return reject('SUPERSEDED')
    if (c.kind === 'call' && c.op === 'delete') return reject('CALL_RECORD_PERMANENT')
    if (c.kind === 'call' && existing && !existing.deleted && !callChangeAllowed(existing.data, c.data ?? {})) return reject('CALL_RECORD_READONLY')
    // The backend's records cap: a change that adds a record (a tombstone too), before the numbers cap.
    const overRecords = (): PushResult | null => (!existing && this.recordsCap !== null && this.agentRecords() >= this.recordsCap ? { ...reject('QUOTA_EXCEEDED'), quota: 'records' } : null)
    if (c.op === 'delete') {
      const over = overRecords()
      if (over) return over
      this.write(c.kind, c.id, existing?.data ?? {}, true, c.seenRev)
      return { changeId: c.changeId, status: 'applied', rev: String(this.seq) }
    }
    const data = { ...(existing && !existing.deleted ? existing.data : {}), ...(c.data ?? {}) }
    if (c.kind === 'number') {
      if (existing && !existing.deleted && existing.data.source === 'assigned') {
        if ((c.data?.number !== undefined && c.data.number !== existing.data.number) || (c.data?.source !== undefined && c.data.source !== 'assigned')) {
          return reject('ASSIGNED_READONLY')
        }
      }
      const number = validateNumber(String(data.number ?? ''))
      if (!number.ok) return reject('INVALID_NUMBER')
      const clash = this.live('number').find((r) => r.id !== c.id && r.data.number === number.value)
      if (clash) {
        // An add's remark is kept in the entry that stays (the backend's rule, `mergedRemark`).
        const remark = existing && !existing.deleted ? null : mergedRemark(clash.data.remark, String(data.remark ?? ''), samePhoneSpellings(number.value))
        if (remark === null) return reject('DUPLICATE_NUMBER')
        this.write('number', clash.id, { ...clash.data, remark })
        return { ...reject('DUPLICATE_NUMBER'), merged: true }
      }
      const over = overRecords()
      if (over) return over
      // The backend's numbers cap: an add (no live record under this id) beyond it.
      const adding = !existing || existing.deleted
      if (adding && this.numbersCap !== null && this.live('number').length >= this.numbersCap) return { ...reject('QUOTA_EXCEEDED'), quota: 'numbers' }
    }
    const over = c.kind === 'call' ? overRecords() : null
    if (over) return over
    this.write(c.kind, c.id, data, false, c.seenRev)
    return { changeId: c.changeId, status: 'applied', rev: String(this.seq) }
  }

  /** The highest rev of a tombstone forgotten (the backend's `workspace_pruned`); 0: none. */
  watermark = 0
  /** Every pull's `since`, in order. */
  readonly pullCursors: string[] = []

  /** The backend's maintenance forgets the tombstones at or below `rev` (all of them by default). */
  forgetTombstones(rev = this.seq): void {
    for (const [key, r] of this.records) {
      if (r.deleted && r.rev <= rev) {
        this.records.delete(key)
        this.watermark = Math.max(this.watermark, r.rev)
      }
    }
  }

  /**
   * A page after `since` (server/src/db/workspace.ts `pullFeed`): a plain cursor below the
   * watermark gets a full listing from the start (`resync`), whose pages go on with `s<rev>`
   * cursors and whose last hands out one at or above the watermark.
   */
  pull(since: string, limit: number): PullPage {
    this.failIfAsked()
    this.pulls += 1
    this.pullCursors.push(since)
    const listing = since.startsWith('s')
    const from = Number(listing ? since.slice(1) : since) || 0
    const stale = !listing && from < this.watermark
    const after = stale ? 0 : from
    const newer = [...this.records.values()].filter((r) => r.rev > after).sort((a, b) => a.rev - b.rev)
    const page = newer.slice(0, limit)
    const more = newer.length > page.length
    const changes: RemoteChange[] = page.map((r) => ({ kind: r.kind, id: r.id, rev: String(r.rev), deleted: r.deleted, data: r.deleted ? null : r.data, ...(r.seenRev !== undefined ? { seenRev: String(r.seenRev) } : {}) }))
    const last = page.length > 0 ? page[page.length - 1].rev : after
    const cursor = more ? `${stale || listing ? 's' : ''}${last}` : String(Math.max(last, this.watermark))
    return stale ? { changes, cursor, more, resync: true, pruned: String(this.watermark) } : { changes, cursor, more }
  }

  /** The server as a transport (async, like the network). */
  transport(): WorkspaceTransport {
    return {
      pull: async (since, limit) => this.pull(since, limit),
      push: async (changes) => this.push(changes),
      reconcile: async (records) => this.reconcile(records),
      reconcileFloor: async (since) => this.reconcileFloor(since),
    }
  }
}

/** setTimeout under the test's control. */
export class ManualTimers {
  private time = 1_767_225_600_000
  private nextId = 1
  private readonly pending = new Map<number, { at: number; fn: () => void }>()

  now = (): number => this.time
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++
    this.pending.set(id, { at: this.time + ms, fn })
    return id
  }
  clearTimeout = (handle: unknown): void => {
    this.pending.delete(handle as number)
  }

  /** Delays of the timers now waiting, from now. */
  waiting(): number[] {
    return [...this.pending.values()].map((t) => t.at - this.time).sort((a, b) => a - b)
  }

  /** Moves time on, running each timer that falls due (and letting its promises settle). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      this.pending.delete(due[0])
      this.time = due[1].at
      due[1].fn()
      await settle()
    }
    this.time = end
    await settle()
  }
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve()
}

/** A sync engine over `transport`, open for `agent1`, and every event it publishes. */
export function openEngine(transport: WorkspaceTransport, timers: ManualTimers): { engine: SyncEngine; events: SyncEvent[]; unsubscribe: () => void } {
  const engine = new SyncEngine(transport, timers)
  const events: SyncEvent[] = []
  const unsubscribe = engine.subscribe((e) => events.push(e))
  engine.open('agent1')
  return { engine, events, unsubscribe }
}

/** The value stored under `key`, unwrapped from storage's versioned envelope (undefined: none). */
export function storedData(key: string): unknown {
  const raw = storage.get(key)
  return typeof raw === 'string' ? (JSON.parse(raw) as { data: unknown }).data : undefined
}

/**
 * Per-test engine for a describe block: before each test a fresh server, its transport, a manual
 * clock and an engine open for `agent1` (console warnings silenced); unsubscribed after each.
 */
export function engineFixture<T extends WorkspaceTransport>(transportOf: (server: FakeWorkspaceServer) => T): {
  server: FakeWorkspaceServer
  transport: T
  timers: ManualTimers
  engine: SyncEngine
  events: SyncEvent[]
} {
  const t = {} as ReturnType<typeof engineFixture<T>>
  let unsubscribe = (): void => undefined
  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    vi.spyOn(console, 'info').mockImplementation(() => undefined)
    // Nothing of the last test's phone: an engine left mid-cycle can still write after it ended.
    storage.clear()
    t.server = new FakeWorkspaceServer()
    t.transport = transportOf(t.server)
    t.timers = new ManualTimers()
    ;({ engine: t.engine, events: t.events, unsubscribe } = openEngine(t.transport, t.timers))
  })
  afterEach(() => unsubscribe())
  return t
}
