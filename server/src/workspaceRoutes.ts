/**
 * The workspace sync routes (docs/WORKSPACE_API.md). Every route is authenticated and scoped to
 * the token's agent: another agent's name or record id answers 404 and never data.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from './apiError'
import { createFairTurns, noTurns } from './fairTurns'
import type { Database } from './db'
import { changesInLastDay, getRecord, parseCursor, pullChangesJson, pushChanges, PULL_LIMIT_MAX, PUSH_CHANGES_MAX, RECONCILE_RECORDS_MAX, reconcileFloor, reconcileRecords, SessionEndedError, type HeldRecord, type PullCursor, type WorkspaceCaps } from './db/workspace'

export const PUSH_BODY_LIMIT = 1024 * 1024
/** A reconcile page: 1,000 records of ~120 bytes at most (64-character ids). */
export const RECONCILE_BODY_LIMIT = 256 * 1024

/**
 * Workspace requests one agent may have in progress at once: a phone syncs one at a time, an
 * agent signed in on two phones two. On the embedded database (PGlite) every query runs on the
 * server's one thread, so one agent's burst of big pushes held everyone's sign-ins, tokens and
 * pulls for 25-45 s in an attack; the rest get 429 with Retry-After and the app retries.
 */
export const AGENT_IN_FLIGHT_MAX = 2

interface Options {
  db: Database
  now: () => number
  authenticate: (request: FastifyRequest) => Promise<void>
  /** Changes one agent may push in 24 hours (`WORKSPACE_CHANGES_PER_DAY`). */
  changesPerDay: number
  /** What one agent may store (`WORKSPACE_NUMBERS_MAX`, `WORKSPACE_RECORDS_MAX`). */
  caps: WorkspaceCaps
}

function agentOf(request: FastifyRequest): string {
  const session = request.session
  if (!session) throw new ApiError(401, 'UNAUTHORIZED', 'Sign in first')
  // `?agent=` naming anyone else is answered like a record that does not exist.
  const named = (request.query as Record<string, unknown> | undefined)?.agent
  if (named !== undefined && named !== session.agent.userId) throw new ApiError(404, 'NOT_FOUND', 'No such agent')
  return session.agent.userId
}

function readPull(query: Record<string, unknown>): { since: PullCursor; limit: number } {
  const since = query.since ?? '0'
  const limit = query.limit ?? String(PULL_LIMIT_MAX)
  const cursor = typeof since === 'string' ? parseCursor(since) : null
  if (cursor === null) throw new ApiError(400, 'BAD_REQUEST', '"since" must be a cursor from an earlier pull (or 0)')
  if (typeof limit !== 'string' || !/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > PULL_LIMIT_MAX) {
    throw new ApiError(400, 'BAD_REQUEST', `"limit" must be a whole number from 1 to ${PULL_LIMIT_MAX}`)
  }
  return { since: cursor, limit: Number(limit) }
}

function readPush(body: unknown): unknown[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'BAD_REQUEST', 'Body must be a JSON object {"changes": [...]}')
  const keys = Object.keys(body)
  if (keys.some((k) => k !== 'changes')) throw new ApiError(400, 'BAD_REQUEST', 'Unknown field in the body: only "changes" is allowed')
  const { changes } = body as { changes?: unknown }
  if (!Array.isArray(changes)) throw new ApiError(400, 'BAD_REQUEST', '"changes" must be an array')
  if (changes.length > PUSH_CHANGES_MAX) throw new ApiError(400, 'BAD_REQUEST', `At most ${PUSH_CHANGES_MAX} changes per push`)
  return changes
}

const HELD_KEYS = new Set(['kind', 'id', 'rev', 'deleted'])
const HELD_ID = /^[A-Za-z0-9_-]{1,64}$/

/** `{"records": [{kind, id, rev, deleted?}]}`: every fault is a 400 naming the record, nothing is read. */
export function readReconcile(body: unknown): HeldRecord[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'BAD_REQUEST', 'Body must be a JSON object {"records": [...]}')
  if (Object.keys(body).some((k) => k !== 'records')) throw new ApiError(400, 'BAD_REQUEST', 'Unknown field in the body: only "records" is allowed')
  const { records } = body as { records?: unknown }
  if (!Array.isArray(records)) throw new ApiError(400, 'BAD_REQUEST', '"records" must be an array')
  if (records.length > RECONCILE_RECORDS_MAX) throw new ApiError(400, 'BAD_REQUEST', `At most ${RECONCILE_RECORDS_MAX} records per reconcile`)
  const seen = new Set<string>()
  return records.map((raw, i): HeldRecord => {
    const bad = (what: string) => new ApiError(400, 'BAD_REQUEST', `records[${i}]: ${what}`)
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('must be an object {kind, id, rev, deleted?}')
    const r = raw as Record<string, unknown>
    const unknown = Object.keys(r).find((k) => !HELD_KEYS.has(k))
    if (unknown !== undefined) throw bad(`unknown field "${unknown}"`)
    if (r.kind !== 'number' && r.kind !== 'call') throw bad('"kind" must be "number" or "call"')
    if (typeof r.id !== 'string' || !HELD_ID.test(r.id)) throw bad('"id" must be a record id ([A-Za-z0-9_-], 1 to 64)')
    if (typeof r.rev !== 'string' || !/^\d{1,18}$/.test(r.rev)) throw bad('"rev" must be a rev from a pull or push ("0" for none)')
    if (r.deleted !== undefined && typeof r.deleted !== 'boolean') throw bad('"deleted" must be true or false')
    const key = `${r.kind}:${r.id}`
    if (seen.has(key)) throw bad(`${r.kind} ${r.id} is listed twice`)
    seen.add(key)
    return { kind: r.kind, id: r.id, rev: r.rev, deleted: r.deleted === true }
  })
}

function busy(reply: FastifyReply): ApiError {
  reply.header('Retry-After', '1')
  return new ApiError(429, 'RATE_LIMITED', `At most ${AGENT_IN_FLIGHT_MAX} workspace requests of one agent at a time; try again in 1 second`)
}

export function registerWorkspaceRoutes(app: FastifyInstance, { db, now, authenticate, changesPerDay, caps }: Options): void {
  const onRequest = async (request: FastifyRequest) => authenticate(request)
  const turns = db.driver === 'pglite' ? createFairTurns() : noTurns
  const inFlight = new Map<string, number>()
  /** Counts one of the agent's requests in progress, or answers 429 when there are enough. */
  function reserve(agent: string, reply: FastifyReply): void {
    const running = inFlight.get(agent) ?? 0
    if (running >= AGENT_IN_FLIGHT_MAX) throw busy(reply)
    inFlight.set(agent, running + 1)
  }
  function release(agent: string): void {
    const left = (inFlight.get(agent) ?? 1) - 1
    if (left > 0) inFlight.set(agent, left)
    else inFlight.delete(agent)
  }
  /** Runs `work` as one of the agent's requests in progress, or answers 429 when there are enough. */
  async function asAgent<T>(agent: string, reply: FastifyReply, work: () => Promise<T>): Promise<T> {
    reserve(agent, reply)
    try {
      return await turns.run(agent, work)
    } finally {
      release(agent)
    }
  }
  /**
   * A push takes its slot before its body is read (up to 1 MB each): 1,000 pushes sent at once
   * with one token had all passed a look at the count, then been read and parsed (memory +140 MB,
   * /healthz 6.7 s). The handler gives it back when its write is done (also for a client that
   * went away meanwhile); a push that never reached the handler (a body refused or cut off) on
   * its answer or abort.
   */
  const pushSlots = new WeakMap<FastifyRequest, { agent: string; handled: boolean }>()
  const onPushRequest = async (request: FastifyRequest, reply: FastifyReply) => {
    await authenticate(request)
    const agent = request.session?.agent.userId
    if (agent === undefined) return
    reserve(agent, reply)
    pushSlots.set(request, { agent, handled: false })
    // Before the body: an agent (or a stolen token) past the day's budget costs one count. One
    // agent had grown the database by 0.5 GB a minute with big call records.
    try {
      if ((await changesInLastDay(db, agent, now())) >= changesPerDay) {
        reply.header('Retry-After', '3600')
        throw new ApiError(429, 'RATE_LIMITED', `At most ${changesPerDay} workspace changes of one agent in 24 hours; try again later`)
      }
    } catch (err) {
      pushSlots.delete(request)
      release(agent)
      throw err
    }
  }
  const releaseUnhandledPush = async (request: FastifyRequest) => {
    const slot = pushSlots.get(request)
    if (slot === undefined || slot.handled) return
    pushSlots.delete(request)
    release(slot.agent)
  }

  app.get('/api/workspace/changes', { onRequest }, async (request, reply) => {
    const agent = agentOf(request)
    const { since, limit } = readPull(request.query as Record<string, unknown>)
    // Serialised by the database layer (pullChangesJson): the records' data as stored JSON text.
    const page = await asAgent(agent, reply, () => pullChangesJson(db, agent, since, limit))
    return reply.type('application/json; charset=utf-8').send(page)
  })

  const pushRoute = { onRequest: onPushRequest, onResponse: releaseUnhandledPush, onRequestAbort: releaseUnhandledPush, bodyLimit: PUSH_BODY_LIMIT }
  app.post('/api/workspace/changes', pushRoute, async (request) => {
    const slot = pushSlots.get(request)
    if (slot) slot.handled = true
    try {
      const agent = agentOf(request)
      const changes = readPush(request.body)
      const results = await turns.run(agent, () => pushChanges(db, agent, changes, now(), request.session?.claims.jti, caps)).catch((err: unknown) => {
        // Signed out, the password changed or the agent removed while this push waited its turn.
        if (err instanceof SessionEndedError) throw new ApiError(401, 'UNAUTHORIZED', 'This session has ended; sign in again')
        throw err
      })
      request.log.info(
        { userId: agent, applied: results.filter((r) => r.status === 'applied').length, rejected: results.filter((r) => r.status === 'rejected').length, overQuota: results.filter((r) => r.reason === 'QUOTA_EXCEEDED').length },
        'workspace push',
      )
      return { results }
    } finally {
      if (slot && pushSlots.delete(request)) release(slot.agent)
    }
  })

  // Anti-entropy (docs/WORKSPACE_API.md, Reconcile): whether a start (a restore) happened since
  // the phone last reconciled, then a read of the agent's own rows, a page at a time.
  app.get('/api/workspace/reconcile', { onRequest }, async (request, reply) => {
    const agent = agentOf(request)
    const since = (request.query as Record<string, unknown>).since ?? '0'
    if (typeof since !== 'string' || !/^\d{1,16}$/.test(since)) throw new ApiError(400, 'BAD_REQUEST', '"since" must be the "at" of an earlier answer (or 0)')
    const at = now()
    const floor = await asAgent(agent, reply, () => reconcileFloor(db, Number(since)))
    return { floor, at }
  })
  app.post('/api/workspace/reconcile', { onRequest, bodyLimit: RECONCILE_BODY_LIMIT }, async (request, reply) => {
    const agent = agentOf(request)
    const held = readReconcile(request.body)
    return asAgent(agent, reply, () => reconcileRecords(db, agent, held))
  })

  for (const [path, kind] of [
    ['/api/workspace/numbers/:id', 'number'],
    ['/api/workspace/calls/:id', 'call'],
  ] as const) {
    app.get(path, { onRequest }, async (request, reply) => {
      const agent = agentOf(request)
      const record = await asAgent(agent, reply, () => getRecord(db, agent, kind, (request.params as { id: string }).id))
      if (!record) throw new ApiError(404, 'NOT_FOUND', `No such ${kind}`)
      return record
    })
  }
}
