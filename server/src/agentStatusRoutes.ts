/**
 * GET / PUT /api/agent/status: the signed-in agent's own seat status in TCCC (server/README.md).
 * The seat is the session's agent, never a name from the body or the query: a body naming a
 * seat, or any field but `status` / `restReason`, is refused before TCCC is asked.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ApiError } from './apiError'
import { SETTABLE_SEAT_STATUSES, type SettableSeatStatus, type StaffStatusService } from './staffStatus'
import { TcccRefusedError } from './tccc'

/** TCCC keeps short rest reasons (the workbench offers words like 午休, 会议). */
export const MAX_REST_REASON = 64

interface Options {
  staffStatus: StaffStatusService
  authenticate: (request: FastifyRequest) => Promise<void>
  rateLimit: { max: number; timeWindow: number }
}

function agentOf(request: FastifyRequest): string {
  const session = request.session
  if (!session) throw new ApiError(401, 'UNAUTHORIZED', 'Sign in first')
  // `?agent=` naming anyone else is answered like an agent that does not exist (on every route).
  const named = (request.query as Record<string, unknown> | undefined)?.agent
  if (named !== undefined && named !== session.agent.userId) throw new ApiError(404, 'NOT_FOUND', 'No such agent')
  return session.agent.userId
}

export function readStatusBody(body: unknown): { status: SettableSeatStatus; restReason?: string } {
  // app.ts parses any non-JSON content type into a marker symbol.
  if (typeof body === 'symbol') throw new ApiError(400, 'BAD_REQUEST', 'Send a JSON body with Content-Type: application/json')
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'BAD_REQUEST', 'Body must be a JSON object {"status": "free" | "rest" | "busy", "restReason"?: string}')
  }
  const unknown = Object.keys(body).filter((k) => k !== 'status' && k !== 'restReason')
  if (unknown.length > 0) {
    throw new ApiError(400, 'BAD_REQUEST', `Unknown field in the body: ${JSON.stringify(unknown[0].slice(0, 40))} (only "status" and "restReason"; the seat is always your own)`)
  }
  const { status, restReason } = body as { status?: unknown; restReason?: unknown }
  if (typeof status !== 'string' || !(SETTABLE_SEAT_STATUSES as readonly string[]).includes(status)) {
    const shown = typeof status === 'string' ? `"${status.slice(0, 40)}"` : String(status === undefined ? 'missing' : typeof status)
    throw new ApiError(
      400,
      'BAD_REQUEST',
      `Unknown status ${shown}: "status" must be one of ${SETTABLE_SEAT_STATUSES.join(', ')} (after-call work and offline are set by TCCC itself)`,
    )
  }
  if (restReason !== undefined && (typeof restReason !== 'string' || restReason.length > MAX_REST_REASON)) {
    throw new ApiError(400, 'BAD_REQUEST', `"restReason" must be a string of at most ${MAX_REST_REASON} characters`)
  }
  if (restReason !== undefined && status !== 'rest') throw new ApiError(400, 'BAD_REQUEST', '"restReason" is only for status "rest"')
  return { status: status as SettableSeatStatus, ...(restReason ? { restReason: restReason.trim() } : {}) }
}

export function registerAgentStatusRoutes(app: FastifyInstance, { staffStatus, authenticate, rateLimit }: Options): void {
  const routeOptions = {
    onRequest: async (request: FastifyRequest) => authenticate(request),
    config: {
      rateLimit: {
        max: rateLimit.max,
        timeWindow: rateLimit.timeWindow,
        hook: 'preHandler' as const,
        // Per agent, like /api/tccc/token: many agents share one office address.
        keyGenerator: (request: FastifyRequest) => `status|${request.session?.agent.userId ?? request.ip}`,
      },
    },
  }

  async function asking<T>(request: FastifyRequest, what: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action()
    } catch (err) {
      if (err instanceof TcccRefusedError) {
        request.log.warn({ userId: request.session?.agent.userId, tcccCode: err.tcccCode, requestId: err.requestId, cause: err.networkCause }, `TCCC refused ${what}`)
        throw new ApiError(502, 'TCCC_REFUSED', err.message, err.tcccCode ? { tcccCode: err.tcccCode } : {})
      }
      throw err
    }
  }

  app.get('/api/agent/status', routeOptions, async (request) => {
    const userId = agentOf(request)
    return asking(request, 'DescribeStaffStatusMetrics', () => staffStatus.read(userId))
  })

  app.put('/api/agent/status', routeOptions, async (request) => {
    const userId = agentOf(request)
    const { status, restReason } = readStatusBody(request.body)
    const result = await asking(request, 'SetStaffStatus', () => staffStatus.set(userId, status, restReason))
    request.log.info({ userId, status: result.status }, 'seat status set')
    return result
  })
}
