/**
 * Routes that read TCCC for the signed-in agent: the business's caller numbers and a call's
 * detail record. Scoped like the workspace routes: another agent's record (or a session TCCC
 * says another seat handled) answers 404, never data.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ApiError } from './apiError'
import type { CccRecords } from './cccRecords'
import type { Database } from './db'
import { attachCallDetail, getRecord, SessionEndedError } from './db/workspace'
import { TcccRefusedError } from './tccc'

interface Options {
  db: Database
  now: () => number
  records: CccRecords
  authenticate: (request: FastifyRequest) => Promise<void>
}

function agentOf(request: FastifyRequest): string {
  const session = request.session
  if (!session) throw new ApiError(401, 'UNAUTHORIZED', 'Sign in first')
  // `?agent=` naming anyone else is answered like an agent that does not exist (on every route).
  const named = (request.query as Record<string, unknown> | undefined)?.agent
  if (named !== undefined && named !== session.agent.userId) throw new ApiError(404, 'NOT_FOUND', 'No such agent')
  return session.agent.userId
}

/** A TCCC failure as 502 TCCC_REFUSED (its code, never credentials), logged for the operator. */
function refused(request: FastifyRequest, err: unknown, what: string): never {
  if (err instanceof TcccRefusedError) {
    request.log.warn({ userId: request.session?.agent.userId, tcccCode: err.tcccCode, requestId: err.requestId, cause: err.networkCause }, `TCCC refused ${what}`)
    throw new ApiError(502, 'TCCC_REFUSED', err.message, err.tcccCode ? { tcccCode: err.tcccCode } : {})
  }
  throw err
}

const noDetail = () => new ApiError(404, 'NOT_FOUND', 'TCCC has no detail record for this call (yet)')

/**
 * Each detail lookup is a DescribeTelCdr call on the business's shared TCCC quota and a database
 * write: per agent at most this many a minute (the app asks a few times per call) and two at a
 * time. A flood of 4,376 lookups in the audit slowed another agent's push from 9 to 976 ms.
 */
export const DETAIL_LOOKUPS_PER_MINUTE = 30
const DETAIL_IN_FLIGHT_MAX = 2

export function registerCccRoutes(app: FastifyInstance, { db, now, records, authenticate }: Options): void {
  const onRequest = async (request: FastifyRequest) => authenticate(request)

  app.get('/api/numbers/callers', { onRequest }, async (request) => {
    agentOf(request)
    try {
      return { numbers: await records.callerNumbers() }
    } catch (err) {
      return refused(request, err, 'DescribeNumbers')
    }
  })

  const detailInFlight = new Map<string, number>()

  app.post(
    '/api/workspace/calls/:id/detail',
    {
      onRequest,
      config: {
        rateLimit: {
          max: DETAIL_LOOKUPS_PER_MINUTE,
          timeWindow: 60_000,
          hook: 'preHandler',
          keyGenerator: (request: FastifyRequest) => `detail|${request.session?.agent.userId ?? request.ip}`,
        },
      },
    },
    async (request, reply) => {
      const agent = agentOf(request)
      const running = detailInFlight.get(agent) ?? 0
      if (running >= DETAIL_IN_FLIGHT_MAX) {
        reply.header('Retry-After', '1')
        throw new ApiError(429, 'RATE_LIMITED', `At most ${DETAIL_IN_FLIGHT_MAX} call detail lookups of one agent at a time; try again in 1 second`)
      }
      detailInFlight.set(agent, running + 1)
      try {
        return await lookUpDetail(request, agent)
      } finally {
        const left = (detailInFlight.get(agent) ?? 1) - 1
        if (left > 0) detailInFlight.set(agent, left)
        else detailInFlight.delete(agent)
      }
    },
  )

  async function lookUpDetail(request: FastifyRequest, agent: string) {
    const { id } = request.params as { id: string }
    const record = await getRecord(db, agent, 'call', id)
    if (!record?.data) throw new ApiError(404, 'NOT_FOUND', 'No such call')
    const data = record.data
    const sessionId = typeof data.sessionId === 'string' && data.sessionId ? data.sessionId : null
    if (!sessionId) throw noDetail()
    // Attached already (another phone asked, or this one again): the record as it is, no TCCC
    // lookup and no new revision for every phone to pull again.
    if (typeof data.detailAt === 'number' && typeof data.tcccDurationSec === 'number') return record
    let cdr
    try {
      cdr = await records.telCdr({
        sessionId,
        agent,
        startedAt: Number(data.startedAt),
        endedAt: Number(data.endedAt),
        durationSec: Number(data.durationSec) || 0,
        answered: data.outcome === 'answered',
      })
    } catch (err) {
      return refused(request, err, 'DescribeTelCdr')
    }
    // The session id came from the phone: TCCC's own record must say this agent handled it.
    if (!cdr || cdr.seatUserId !== agent) {
      if (cdr) request.log.warn({ userId: agent }, 'call detail refused: the session belongs to another seat')
      throw noDetail()
    }
    const updated = await attachCallDetail(db, agent, id, sessionId, { tcccDurationSec: cdr.durationSec, recordingUrl: cdr.recordingUrl, tcccEndStatus: cdr.endStatus }, now(), request.session?.claims.jti).catch(
      (err: unknown) => {
        if (err instanceof SessionEndedError) throw new ApiError(401, 'UNAUTHORIZED', 'This session has ended; sign in again')
        throw err
      },
    )
    if (!updated) throw new ApiError(404, 'NOT_FOUND', 'No such call')
    return updated
  }
}
