/**
 * Live sessions held in memory, only where that cannot hide a sign-out.
 *
 * Triggers on `sessions` and `agents` (migration 2) send a notice for every write that can end a
 * session or change its agent, whatever made it. On PGlite that notice reaches this process before
 * the write resolves, and this process is the database's only user (owner.json), so an entry is
 * gone before any later request is checked: a sign-out, password change or removal is refused at
 * the next request, as when every request reads the database. A PostgreSQL database is shared
 * with other instances, whose notices arrive some time after their writes; there every check
 * reads the database, batched: the checks that arrive while one statement runs go together in
 * the next, so each still reads the database after its request arrived.
 */
import type { AgentRecord } from '../agents'
import type { Database } from './driver'
import { REVOCATION_CHANNEL } from './migrations'
import { lookupSession, lookupSessions, type SessionLookup } from './sessions'

export interface SessionCheck {
  lookup(id: string): Promise<SessionLookup>
  /** Sessions held in memory (0 where nothing is held). */
  readonly size: number
  /** Stops listening; later lookups read the database. */
  close(): Promise<void>
}

/** Enough for every agent of a large call centre signed in on two devices. */
export const DEFAULT_MAX_SESSIONS = 10_000

/** Ids per batched statement: a burst larger than this runs as several statements in turn. */
export const MAX_BATCH = 500

export async function openSessionCheck(db: Database, maxSessions = DEFAULT_MAX_SESSIONS): Promise<SessionCheck> {
  if (!db.listenInline) return { lookup: batchedLookup(db), size: 0, close: async () => {} }
  const live = new Map<string, AgentRecord>()
  // Bumped by every notice: a lookup that read the database before a notice is not kept.
  let notices = 0
  let listening = true
  const unlisten = await db.listenInline(REVOCATION_CHANNEL, (payload) => {
    // Stryker disable next-line UpdateOperator: any change of the count marks a notice (-- would do as well)
    notices++
    if (payload.startsWith('session:')) live.delete(payload.slice('session:'.length))
    else if (payload.startsWith('agent:')) {
      const userId = payload.slice('agent:'.length)
      for (const [id, agent] of live) if (agent.userId === userId) live.delete(id)
    } else live.clear()
  })
  return {
    async lookup(id) {
      const held = live.get(id)
      if (held) return { state: 'live', agent: held }
      const before = notices
      const found = await lookupSession(db, id)
      if (found.state === 'live' && listening && before === notices) {
        // Oldest first out: a dropped session is read again at its next request.
        if (live.size >= maxSessions) live.delete(live.keys().next().value as string)
        live.set(id, Object.freeze(found.agent))
      }
      return found
    },
    get size() {
      return live.size
    },
    async close() {
      listening = false
      live.clear()
      // A test may close the injected database before the app: then there is nothing to stop.
      await unlisten().catch(() => {})
    },
  }
}

/**
 * One statement at a time; checks that arrive meanwhile wait for the next, which starts after they
 * arrived: a sign-out committed before a request is seen by it, as with a statement per request,
 * and sixteen requests at once cost about one round trip instead of sixteen.
 */
function batchedLookup(db: Database): (id: string) => Promise<SessionLookup> {
  type Waiter = { id: string; resolve: (found: SessionLookup) => void; reject: (err: unknown) => void }
  let waiting: Waiter[] = []
  let running = false
  async function run(): Promise<void> {
    running = true
    while (waiting.length > 0) {
      const batch = waiting.slice(0, MAX_BATCH)
      waiting = waiting.slice(MAX_BATCH)
      try {
        const ids = [...new Set(batch.map((w) => w.id))]
        // One id (a quiet moment, a client paging): the plain statement, ~100 µs cheaper than ANY.
        // Stryker disable next-line ConditionalExpression: ANY for one id answers the same, only slower (bench/server.ts)
        const found = ids.length === 1 ? new Map([[ids[0], await lookupSession(db, ids[0])]]) : await lookupSessions(db, ids)
        for (const w of batch) w.resolve(found.get(w.id) as SessionLookup)
      } catch (err) {
        for (const w of batch) w.reject(err)
      }
    }
    running = false
  }
  return (id) =>
    new Promise<SessionLookup>((resolve, reject) => {
      waiting.push({ id, resolve, reject })
      if (!running) void run()
    })
}
