/**
 * Offline-first sync of the agent's workspace with the backend (docs/WORKSPACE_API.md).
 *
 * Every local change becomes an outbox entry, persisted under `tccc.a.<agentKey>.outbox` before
 * the store shows it. The outbox is flushed ~500 ms after a change (debounced), on `open()`
 * (sign-in), on `kick()` (foreground, network back) and on retries with backoff (1 s doubling to
 * 60 s). An entry leaves the outbox only when the server answered for it (`applied`, `duplicate`
 * or `rejected`); rejected ones are logged and kept in `tccc.a.<agentKey>.rejected`, except a
 * duplicate add whose remark the server merged into its entry (`merged`), which is not lost.
 * After each flush the engine pulls (paged, cursor in `tccc.a.<agentKey>.cursor`).
 *
 * It never imports a store: it publishes typed `SyncEvent`s on `syncEvents`, which the store
 * layer's event router (`src/store/eventRouter.ts`) turns into store actions.
 */
import { toTcccError } from '@/platform/errors'
import { createEventChannel, type EventStream, type Unsubscribe } from '@/services/eventStream'
import { newId } from '@/services/ids'
import { workspaceValue, type StoredValue } from '@/services/storage'

export type SyncState = 'synced' | 'syncing' | 'pending' | 'offline' | 'error'
/** Record kinds the phone writes. */
export type LocalKind = 'number' | 'call'
export type RecordKind = LocalKind | 'outcome' | 'setting'

/** A change waiting for the server, exactly as it is pushed (plus when it was queued). */
export interface OutboxEntry {
  changeId: string
  kind: LocalKind
  op: 'upsert' | 'delete'
  id: string
  data?: Record<string, unknown>
  queuedAt: number
}

export type LocalChange = Omit<OutboxEntry, 'changeId' | 'queuedAt'>

/** One record of a pull page; tombstones have `deleted: true` and `data: null`. */
export interface RemoteChange {
  kind: string
  id: string
  rev: string
  deleted: boolean
  data: Record<string, unknown> | null
}

export interface PullPage {
  changes: RemoteChange[]
  cursor: string
  more: boolean
}

export interface PushResult {
  changeId: string
  status: 'applied' | 'duplicate' | 'rejected'
  reason?: string
  rev?: string
  /**
   * With `DUPLICATE_NUMBER`: the refused add's remark was kept in the server's entry for that
   * phone, which the next pull brings. Not a refusal for the phone: it is neither logged nor
   * kept as rejected, only the local copy is dropped (`merged` event).
   */
  merged?: boolean
}

/** The two routes of the wire contract; rejects with a `TcccError` on any failure. */
export interface WorkspaceTransport {
  pull(since: string, limit: number): Promise<PullPage>
  push(changes: Array<Omit<OutboxEntry, 'queuedAt'>>): Promise<PushResult[]>
  /** The server's copy of one of the agent's records, null when it has none (after a refused change). */
  record?(kind: 'number', id: string): Promise<RemoteChange | null>
}

export interface RejectedChange {
  entry: OutboxEntry
  reason: string
  at: number
}

/**
 * A refused add of a number whose remark the server kept in its own entry for that phone: only
 * an add of a number (the server merges nothing else), and only when the server says so.
 */
function isMerged(entry: OutboxEntry, result: PushResult): boolean {
  return result.merged === true && result.reason === 'DUPLICATE_NUMBER' && entry.kind === 'number' && entry.op === 'upsert'
}

/** `serverCopyAfterRejection`: the server could not be asked; asked again at the next sync. */
const READ_FAILED = Symbol('read-back failed')

export type SyncEvent =
  | { type: 'status'; state: SyncState; pending: number }
  /**
   * Remote records to apply in memory; `pendingIds` are records with local changes still in the
   * outbox. Saved at the pull's `pulled`, not per page.
   */
  | { type: 'remote'; changes: RemoteChange[]; pendingIds: ReadonlySet<string> }
  /**
   * The pull ended (or stopped at a failed page) after pages with changes: stores save what they
   * applied, once. The engine stores the cursor right after, so it never runs ahead of the data;
   * a store that could not save says so with `keepCursor()` while this is delivered.
   */
  | { type: 'pulled' }
  /**
   * The server refused a change. For a number's upsert the engine asks for the server's copy:
   * `serverCopy` is that record (an edit refused: the phone takes the server's version back,
   * since the pull already passed it), null when the server has none (an add refused), absent
   * when it could not be asked.
   */
  | { type: 'rejected'; entry: OutboxEntry; reason: string; serverCopy?: RemoteChange | null }
  /**
   * The server's copy of a number whose refused edit could not be read back at the time (a
   * network drop, a 429): asked again at each sync until it came. Without it the phone kept the
   * refused edit, and the next pull's duplicate dropped that customer from this phone for good.
   */
  | { type: 'serverCopy'; copy: RemoteChange }
  /**
   * An add of a number the server already held (`DUPLICATE_NUMBER`, `merged: true`): its remark
   * now lives in the server's entry, which the pull brings. Not a refusal: the phone drops its
   * copy, and nothing is logged, kept or counted as rejected.
   */
  | { type: 'merged'; entry: OutboxEntry }
  /**
   * The backend refused the access token (401): a backend restarted with a new signing key, the
   * password changed, the agent removed. Retrying cannot help; the outbox waits for a sign-in.
   */
  | { type: 'sessionEnded' }

export type SyncListener = (event: SyncEvent) => void

const channel = createEventChannel<SyncEvent>('sync')

/** What every sync engine publishes (one stream, whichever engine instance runs). */
export const syncEvents: EventStream<SyncEvent> = channel

export interface SyncTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  now(): number
}

export const DEBOUNCE_MS = 500
export const BACKOFF_START_MS = 1000
export const BACKOFF_MAX_MS = 60_000
export const PUSH_BATCH = 500
export const PULL_LIMIT = 1000
/** Rejected changes kept for diagnosis (newest last). */
export const REJECTED_KEEP = 200

const realTimers: SyncTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
}

function isOutboxEntry(value: unknown): value is OutboxEntry {
  if (typeof value !== 'object' || value === null) return false
  const e = value as Record<string, unknown>
  return (
    typeof e.changeId === 'string' &&
    (e.kind === 'number' || e.kind === 'call') &&
    (e.op === 'upsert' || e.op === 'delete') &&
    typeof e.id === 'string' &&
    (e.data === undefined || (typeof e.data === 'object' && e.data !== null)) &&
    typeof e.queuedAt === 'number'
  )
}

interface Workspace {
  agentKey: string
  outbox: StoredValue<OutboxEntry[]>
  cursor: StoredValue<string>
  rejected: StoredValue<RejectedChange[]>
  /** Refused number edits whose server copy is still to be read (`serverCopy` events). */
  readBacks: StoredValue<RejectedChange[]>
  entries: OutboxEntry[]
  /** Changes the server answered since the outbox was last written (not taken back from it). */
  answered: Set<string>
}

/**
 * The outbox to write: this engine's entries, plus the stored ones it neither holds nor had
 * answered: another browser tab of the same agent wrote them (each tab keeps its outbox in memory
 * and wrote the whole list, so the last writer dropped the other's unsent changes). Queue order
 * (each side's own order kept, the two interleaved by time);
 * a change that then goes out twice is answered `duplicate` by its change id.
 */
export function mergeOutbox(mine: readonly OutboxEntry[], stored: readonly unknown[], answered: ReadonlySet<string>): OutboxEntry[] {
  const held = new Set(mine.map((e) => e.changeId))
  const theirs = stored.filter((e): e is OutboxEntry => isOutboxEntry(e) && !held.has(e.changeId) && !answered.has(e.changeId))
  if (theirs.length === 0) return mine.slice()
  // Merged, not sorted: each tab's own queue order stays as it was even when the clock stepped
  // back between two of its changes (a sort put a later edit of a number before an earlier one).
  const merged: OutboxEntry[] = []
  let i = 0
  let j = 0
  while (i < mine.length || j < theirs.length) {
    if (j >= theirs.length || (i < mine.length && mine[i].queuedAt <= theirs[j].queuedAt)) merged.push(mine[i++])
    else merged.push(theirs[j++])
  }
  return merged
}

/**
 * What the badge says while a failed round waits for its retry: offline when the server cannot be
 * reached, still pending (or syncing) when the server only asked to come back shortly (429 with
 * the agent's other phone syncing too, 503 busy): nothing is wrong that the agent must look at.
 */
export function stateAfterFailure(symbol: string, pending: number): SyncState {
  if (symbol === 'BACKEND_UNREACHABLE' || symbol === 'BACKEND_TIMEOUT') return 'offline'
  if (symbol === 'RATE_LIMITED' || symbol === 'BACKEND_BUSY') return pending > 0 ? 'pending' : 'syncing'
  return 'error'
}

export function backoffDelay(failures: number): number {
  return Math.min(BACKOFF_START_MS * 2 ** Math.max(0, failures - 1), BACKOFF_MAX_MS)
}

export class SyncEngine {
  private ws: Workspace | null = null
  /** Bumped on every open/close, so a request of the previous agent lands nowhere. */
  private generation = 0
  private state: SyncState = 'synced'
  private online = true
  private running: Promise<void> | null = null
  private again = false
  private failures = 0
  private timer: unknown = null
  /** Set by `keepCursor()` while `pulled` is delivered. */
  private pulledNotSaved = false

  constructor(
    private transport: WorkspaceTransport | null = null,
    private readonly timers: SyncTimers = realTimers,
  ) {}

  /** The engine's events (the shared `syncEvents` stream). */
  subscribe(listener: SyncListener): Unsubscribe {
    return channel.subscribe(listener)
  }

  setTransport(transport: WorkspaceTransport | null): void {
    this.transport = transport
  }

  get agentKey(): string | null {
    return this.ws?.agentKey ?? null
  }

  get pending(): number {
    return this.ws?.entries.length ?? 0
  }

  get status(): SyncState {
    return this.state
  }

  /** Unsent changes, oldest first (a copy). */
  outbox(): OutboxEntry[] {
    return this.ws ? this.ws.entries.slice() : []
  }

  rejectedChanges(): RejectedChange[] {
    return this.ws ? this.ws.rejected.load() : []
  }

  /** Opens an agent's outbox and cursor; `kick()` then starts the first flush + pull. */
  open(agentKey: string): void {
    if (this.ws?.agentKey === agentKey) return
    this.close()
    const outbox = workspaceValue<OutboxEntry[]>(agentKey, 'outbox', {
      version: 1,
      fallback: () => [],
      validate: (data): data is OutboxEntry[] => Array.isArray(data),
    })
    const rows: unknown[] = outbox.load()
    const entries = rows.filter(isOutboxEntry)
    if (entries.length !== rows.length) console.warn(`[sync] ${rows.length - entries.length} unreadable outbox entr(ies) skipped`)
    this.ws = {
      agentKey,
      outbox,
      entries,
      answered: new Set(),
      cursor: workspaceValue<string>(agentKey, 'cursor', { version: 1, fallback: () => '0', validate: (d): d is string => typeof d === 'string' }),
      rejected: workspaceValue<RejectedChange[]>(agentKey, 'rejected', { version: 1, fallback: () => [], validate: (d): d is RejectedChange[] => Array.isArray(d) }),
      readBacks: workspaceValue<RejectedChange[]>(agentKey, 'readBack', {
        version: 1,
        fallback: () => [],
        validate: (d): d is RejectedChange[] => Array.isArray(d) && d.every((r) => isOutboxEntry((r as RejectedChange | null)?.entry)),
      }),
    }
    this.failures = 0
    this.setState(this.online ? 'synced' : 'offline')
  }

  /** Stops syncing (sign-out). The outbox stays stored for this agent's next sign-in. */
  close(): void {
    this.generation += 1
    this.clearTimer()
    this.ws = null
    this.running = null
    this.again = false
    this.failures = 0
    this.setState('synced')
  }

  /**
   * Persists local changes in the outbox. Throws when storage fails, so the caller can refuse
   * the change instead of showing something that would never be sent.
   */
  enqueue(changes: LocalChange[]): OutboxEntry[] {
    const ws = this.ws
    if (!ws) {
      // Only reachable without a signed-in agent (e.g. a unit test of a store alone).
      console.warn('[sync] change ignored: no workspace is open')
      return []
    }
    if (changes.length === 0) return []
    const now = this.timers.now()
    const added = changes.map((c): OutboxEntry => ({ ...c, changeId: newId(), queuedAt: now }))
    this.writeOutbox(ws, [...ws.entries, ...added])
    this.emitStatus()
    this.schedule(DEBOUNCE_MS)
    return added
  }

  /**
   * Writes `entries` with what another tab stored meanwhile (`mergeOutbox`), then holds the
   * result. Throws when storage fails, before anything in memory changed.
   */
  private writeOutbox(ws: Workspace, entries: OutboxEntry[]): void {
    const stored: unknown[] = ws.outbox.load()
    const next = mergeOutbox(entries, stored, ws.answered)
    ws.outbox.save(next)
    ws.entries = next
    ws.answered.clear()
  }

  /** Network state from the platform; coming back online flushes at once. */
  setOnline(online: boolean): void {
    if (this.online === online) return
    this.online = online
    if (!online) {
      this.clearTimer()
      this.setState('offline')
      return
    }
    this.failures = 0
    this.kick()
  }

  /** Flush now (sign-in, foreground, network back, "wait" before sign-out). */
  kick(): void {
    if (!this.ws) return
    this.clearTimer()
    this.failures = 0
    void this.flush()
  }

  /** Runs one flush + pull; a request while one runs makes it run again afterwards. */
  flush(): Promise<void> {
    if (!this.ws) return Promise.resolve()
    if (this.running) {
      this.again = true
      return this.running
    }
    const generation = this.generation
    const run = this.cycle(generation).finally(() => {
      if (generation !== this.generation) return
      this.running = null
      if (this.again) {
        this.again = false
        void this.flush()
      }
    })
    this.running = run
    return run
  }

  /** Resolves when the outbox is empty or the next attempt failed (for "wait" before sign-out). */
  async drain(): Promise<boolean> {
    this.kick()
    while (this.running) await this.running
    return this.pending === 0
  }

  /**
   * A store could not save what this pull applied (storage full), said while `pulled` is
   * delivered: the cursor stays where the pull began and the sync ends in `error`, retried with
   * backoff. The next pull brings the same records again (applying them twice changes nothing),
   * so none is lost if the app is closed before a save succeeds.
   */
  keepCursor(): void {
    this.pulledNotSaved = true
  }

  private async cycle(generation: number): Promise<void> {
    const transport = this.transport
    if (!this.ws || !transport) return
    if (!this.online) {
      this.setState('offline')
      return
    }
    this.setState('syncing')
    try {
      await this.readBack(transport, generation)
      if (generation !== this.generation) return
      await this.pushAll(transport, generation)
      if (generation !== this.generation) return
      await this.pullAll(transport, generation)
      if (generation !== this.generation) return
      this.failures = 0
      if (this.pending > 0) {
        this.setState('pending')
        this.schedule(DEBOUNCE_MS)
      } else {
        this.setState('synced')
      }
    } catch (e) {
      if (generation !== this.generation) return
      const failure = toTcccError(e)
      if (failure.symbol === 'SESSION_EXPIRED') {
        console.warn('[sync] the backend ended this session; changes wait for the next sign-in')
        this.setState('error')
        this.emit({ type: 'sessionEnded' })
        return
      }
      this.failures += 1
      const delay = backoffDelay(this.failures)
      console.warn(`[sync] failed (${failure.symbol}); retry in ${delay} ms`)
      this.setState(stateAfterFailure(failure.symbol, this.pending))
      if (this.online) this.schedule(delay, true)
    }
  }

  private async pushAll(transport: WorkspaceTransport, generation: number): Promise<void> {
    // The outbox is written once when the push ends (also on a failure or a sign-out), not after
    // every batch: a first push of 10,000 changes rewrote the whole shrinking list 20 times on
    // the UI thread. A crash in between leaves sent changes stored; they go out again and the
    // server drops them as already applied (the change id).
    const sent = new Set<Workspace>()
    try {
      await this.pushBatches(transport, generation, (ws) => sent.add(ws))
    } finally {
      // Another tab's changes found in the outbox are pending now: they go out in the next round.
      for (const ws of sent) this.writeOutbox(ws, ws.entries)
    }
  }

  private async pushBatches(transport: WorkspaceTransport, generation: number, onSent: (ws: Workspace) => void): Promise<void> {
    for (;;) {
      const ws = this.ws
      if (!ws || ws.entries.length === 0) return
      const batch = ws.entries.slice(0, PUSH_BATCH)
      const results = await transport.push(batch.map(({ queuedAt: _queuedAt, ...wire }) => wire))
      if (generation !== this.generation) return
      const answered = new Map(results.map((r) => [r.changeId, r]))
      const rejected: RejectedChange[] = []
      const merged: OutboxEntry[] = []
      for (const entry of batch) {
        const result = answered.get(entry.changeId)
        if (result?.status !== 'rejected') continue
        if (isMerged(entry, result)) merged.push(entry)
        else rejected.push({ entry, reason: result.reason ?? 'UNKNOWN', at: this.timers.now() })
      }
      const done = new Set(batch.filter((e) => answered.has(e.changeId)).map((e) => e.changeId))
      if (done.size === 0) throw new Error('the server answered none of the pushed changes')
      if (rejected.length > 0) {
        ws.rejected.save([...ws.rejected.load(), ...rejected].slice(-REJECTED_KEEP))
      }
      ws.entries = ws.entries.filter((e) => !done.has(e.changeId))
      for (const id of done) ws.answered.add(id)
      onSent(ws)
      this.emitStatus()
      for (const entry of merged) this.emit({ type: 'merged', entry })
      for (const r of rejected) {
        console.warn(`[sync] ${r.entry.kind} ${r.entry.op} ${r.entry.id} rejected: ${r.reason}`)
        const serverCopy = await this.serverCopyAfterRejection(transport, ws, r.entry)
        if (generation !== this.generation) return
        if (serverCopy === READ_FAILED) ws.readBacks.save([...ws.readBacks.load().filter((w) => w.entry.id !== r.entry.id), r].slice(-REJECTED_KEEP))
        this.emit(serverCopy === undefined || serverCopy === READ_FAILED ? { type: 'rejected', entry: r.entry, reason: r.reason } : { type: 'rejected', entry: r.entry, reason: r.reason, serverCopy })
      }
      // Some changes unanswered: do not loop on them now; the next flush tries again.
      if (done.size < batch.length) throw new Error(`${batch.length - done.size} pushed change(s) got no result`)
    }
  }

  /**
   * A refused upsert of a number: the server's copy of it (undefined when it cannot be asked, or
   * when a later local change of the same number waits in the outbox and will be judged itself).
   */
  private async serverCopyAfterRejection(transport: WorkspaceTransport, ws: Workspace, entry: OutboxEntry): Promise<RemoteChange | null | undefined | typeof READ_FAILED> {
    if (entry.kind !== 'number' || entry.op !== 'upsert' || !transport.record) return undefined
    if (ws.entries.some((e) => e.id === entry.id)) return undefined
    try {
      return await transport.record('number', entry.id)
    } catch (e) {
      console.warn(`[sync] could not read number ${entry.id} back after its rejection; asked again at the next sync`, toTcccError(e).symbol)
      return READ_FAILED
    }
  }

  /** The server copies still owed for refused number edits (see `serverCopy`); one that fails waits for the next sync. */
  private async readBack(transport: WorkspaceTransport, generation: number): Promise<void> {
    const ws = this.ws
    if (!ws || !transport.record) return
    const owed = ws.readBacks.load()
    if (owed.length === 0) return
    const left: RejectedChange[] = []
    for (const r of owed) {
      // A later local change of the number waits in the outbox: it is judged by itself.
      if (ws.entries.some((e) => e.id === r.entry.id)) continue
      try {
        const copy = await transport.record('number', r.entry.id)
        if (generation !== this.generation || this.ws !== ws) return
        if (copy) this.emit({ type: 'serverCopy', copy })
      } catch (e) {
        if (generation !== this.generation || this.ws !== ws) return
        console.warn(`[sync] number ${r.entry.id} still not read back`, toTcccError(e).symbol)
        left.push(r)
      }
    }
    if (left.length > 0) ws.readBacks.save(left)
    else ws.readBacks.clear()
  }

  private async pullAll(transport: WorkspaceTransport, generation: number): Promise<void> {
    const ws = this.ws
    if (!ws) return
    /** The cursor after the last page the stores applied; stored once, when the pull ends. */
    let applied: string | null = null
    let changed = false
    let failure: { error: unknown } | null = null
    try {
      for (let pages = 0; pages < 10_000; pages += 1) {
        const page = await transport.pull(applied ?? ws.cursor.load(), PULL_LIMIT)
        if (generation !== this.generation || this.ws !== ws) break
        if (page.changes.length > 0) {
          changed = true
          this.emit({ type: 'remote', changes: page.changes, pendingIds: new Set(ws.entries.map((e) => e.id)) })
        }
        applied = page.cursor
        if (!page.more) break
      }
    } catch (error) {
      failure = { error }
    }
    // Also after a failed page: what was applied is saved (a first pull of 10,000 numbers saved
    // the whole list after each of its 10 pages). The data first, then the cursor: a crash in
    // between pulls those pages again, and applying a page twice changes nothing.
    if (applied !== null && generation === this.generation && this.ws === ws) {
      this.pulledNotSaved = false
      if (changed) this.emit({ type: 'pulled' })
      // Before a failed page's error: either way the cycle fails and is retried.
      if (this.pulledNotSaved) throw new Error('pulled records could not be saved on this device; the cursor stays')
      ws.cursor.save(applied)
    }
    if (failure) throw failure.error
  }

  private schedule(ms: number, retry = false): void {
    if (!this.ws || (!retry && this.timer !== null && this.failures > 0)) return
    this.clearTimer()
    this.timer = this.timers.setTimeout(() => {
      this.timer = null
      void this.flush()
    }, ms)
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer)
    this.timer = null
  }

  private setState(state: SyncState): void {
    this.state = state
    this.emitStatus()
  }

  private emitStatus(): void {
    let state = this.state
    // Not syncing right now but changes are waiting: say so (unless offline or failing).
    if (state === 'synced' && this.pending > 0) state = 'pending'
    this.emit({ type: 'status', state, pending: this.pending })
  }

  private emit(event: SyncEvent): void {
    channel.publish(event)
  }
}

let engine: SyncEngine | null = null

/** The app's one sync engine. */
export function getSync(): SyncEngine {
  engine ??= new SyncEngine()
  return engine
}

/** Tests: a fresh engine (with a fake transport and timers). */
export function setSyncEngine(next: SyncEngine | null): void {
  engine?.close()
  engine = next
}
