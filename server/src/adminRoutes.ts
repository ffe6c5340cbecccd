/**
 * /api/admin/*: the business CLIs (add-agent, remove-agent, assign-numbers, export-calls) use
 * these while a backend owns the embedded database. Protected by the admin key (ADMIN_KEY, or the
 * random key the backend writes to DATA_DIR/owner.json, mode 0600). Not part of the app's API.
 */
import { Readable } from 'node:stream'
import { timingSafeEqual, createHash } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ApiError } from './apiError'
import { parseAgentsJson } from './agents'
import type { Database } from './db'
import { AgentConflictError, findAgentByUserId, putAgent, removeAgent } from './db/agents'
import { listSignInFailures } from './db/signInFailures'
import { assignNumbers, clearAgentWorkspace, exportCallPages } from './db/workspace'
import { hasUnstorableText } from '../../src/services/text'

interface Options {
  db: Database
  now: () => number
  adminKey: string
  /**
   * `POST /api/admin/workspace/clear`: mock mode only (development, the browser journeys). The
   * call records are the business's; a production backend has no route that erases them.
   */
  workspaceClear: boolean
}

const digest = (s: string) => createHash('sha256').update(s).digest()

type AssignLine = { line: number; number: string; remark: string }
/** One line of an assign request: assignNumbers reports a bad number or remark, not a bad type. */
const isAssignLine = (v: unknown): v is AssignLine => {
  const l = v as Partial<AssignLine> | null
  return typeof l === 'object' && l !== null && Number.isInteger(l.line) && typeof l.number === 'string' && (l.remark === undefined || typeof l.remark === 'string')
}

export function registerAdminRoutes(app: FastifyInstance, { db, now, adminKey, workspaceClear }: Options): void {
  const expected = digest(adminKey)
  const onRequest = async (request: FastifyRequest) => {
    const given = request.headers['x-admin-key']
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) throw new ApiError(404, 'NOT_FOUND', 'No such endpoint')
  }
  const body = (request: FastifyRequest) => {
    const b = request.body
    if (b === null || typeof b !== 'object' || Array.isArray(b)) throw new ApiError(400, 'BAD_REQUEST', 'Body must be a JSON object')
    // Names and ids with a NUL would reach SQL, which refuses them (a 500). An assigned line's
    // remark loses such characters instead (validateRemark), and a number with one is invalid.
    const { lines: _lines, ...named } = b as Record<string, unknown>
    if (hasUnstorableText(named)) throw new ApiError(400, 'BAD_REQUEST', 'Names and ids must be valid text without NUL characters')
    return b as Record<string, unknown>
  }

  app.post('/api/admin/agents', { onRequest }, async (request) => {
    const b = body(request)
    // The CLI hashed the password; the same checks as an agents file (strings, scrypt hash).
    let agent
    try {
      ;[agent] = parseAgentsJson(JSON.stringify({ agents: [b.agent] }), 'request')
    } catch (err) {
      throw new ApiError(400, 'BAD_REQUEST', (err as Error).message)
    }
    try {
      const result = await db.transaction((tx) => putAgent(tx, agent, { replace: b.replace === true, now: now() }))
      return { result }
    } catch (err) {
      if (err instanceof AgentConflictError) throw new ApiError(409, 'CONFLICT', err.message)
      throw err
    }
  })

  app.post('/api/admin/agents/remove', { onRequest }, async (request) => {
    const { username } = body(request)
    if (typeof username !== 'string' || username.trim() === '') throw new ApiError(400, 'BAD_REQUEST', '"username" must be the agent\'s sign-in name')
    const removed = await db.transaction((tx) => removeAgent(tx, username, now()))
    return { removed }
  })

  app.post('/api/admin/assign', { onRequest, bodyLimit: 32 * 1024 * 1024 }, async (request) => {
    const b = body(request)
    if (typeof b.agent !== 'string' || b.agent === '') throw new ApiError(400, 'BAD_REQUEST', '"agent" must be the agent\'s TCCC userId')
    const agent = b.agent
    if (!Array.isArray(b.lines) || !b.lines.every(isAssignLine)) {
      throw new ApiError(400, 'BAD_REQUEST', '"lines" must be an array of {"line": number, "number": string, "remark": string}')
    }
    if (!(await findAgentByUserId(db, agent))) throw new ApiError(404, 'NOT_FOUND', `No agent with userId ${agent}`)
    return assignNumbers(db, agent, b.lines, now())
  })

  if (workspaceClear) {
    app.post('/api/admin/workspace/clear', { onRequest }, async (request) => {
      const b = body(request)
      if (typeof b.agent !== 'string' || b.agent === '') throw new ApiError(400, 'BAD_REQUEST', '"agent" must be the agent\'s TCCC userId')
      if (!(await findAgentByUserId(db, b.agent))) throw new ApiError(404, 'NOT_FOUND', `No agent with userId ${b.agent}`)
      return { cleared: await clearAgentWorkspace(db, b.agent, now()) }
    })
  }

  /** `?agent=<userId>&since=<epoch ms>`, both optional and each at most once. */
  const agentAndSince = (request: FastifyRequest): { agent?: string; since?: number } => {
    const q = request.query as { agent?: string | string[]; since?: string | string[] }
    if (Array.isArray(q.agent)) throw new ApiError(400, 'BAD_REQUEST', '"agent" must be given once')
    if (Array.isArray(q.since)) throw new ApiError(400, 'BAD_REQUEST', '"since" must be given once')
    if (q.since && (!/^\d{1,15}$/.test(q.since) || !Number.isSafeInteger(Number(q.since)))) throw new ApiError(400, 'BAD_REQUEST', '"since" must be a time in epoch milliseconds')
    if (q.agent !== undefined && hasUnstorableText(q.agent)) throw new ApiError(400, 'BAD_REQUEST', '"agent" must be valid text without NUL characters')
    return { agent: q.agent, since: q.since ? Number(q.since) : undefined }
  }

  // Who is failing to sign in (the agents are told themselves at their next sign-in).
  app.get('/api/admin/sign-in-failures', { onRequest }, async (request) => ({ agents: await listSignInFailures(db, agentAndSince(request)) }))

  app.get('/api/admin/calls', { onRequest }, async (request, reply) => {
    const q = agentAndSince(request)
    // Streamed a page at a time (exportCallPages): the whole history never sits in memory.
    const pages = exportCallPages(db, q)
    const csv = Readable.from(
      (async function* () {
        for await (const page of pages) yield `${page.join('\n')}\n`
      })(),
    )
    return reply.type('text/csv; charset=utf-8').send(csv)
  })
}
