/**
 * The token backend: agents sign in here, then fetch a TCCC login token for their own seat.
 * The TCCC SecretId/SecretKey stay on this server; the app only ever sees short-lived tokens.
 * API (server/README.md): POST /api/auth/login, POST /api/tccc/token, POST /api/auth/logout,
 * GET/PUT /api/agent/status (the agent's own seat status, agentStatusRoutes.ts),
 * the workspace sync routes (docs/WORKSPACE_API.md), /api/admin/* for the business CLIs,
 * GET /healthz, and in mock mode GET /mock/tccc-sdk.js. State lives in the database (db/).
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { STATUS_CODES, type Agent } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Writable } from 'node:stream'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { createAccessTokenService, type AccessClaims } from './accessTokens'
import { normaliseUsername, type AgentRecord } from './agents'
import type { CorsPolicy, ServerConfig } from './config'
import { DUMMY_PASSWORD_HASH, verifyPassword } from './passwords'
import { openMigrated, prepareAgentDirectory, StoreStartError, type Database } from './db'
import { findAgentByUsername, putAgent } from './db/agents'
import { claimDataDirWaiting } from './db/owner'
import { endSession, pruneSessions, startSessionIfUnchanged } from './db/sessions'
import { openSessionCheck } from './db/sessionCache'
import { createLoginLimiter, limitAddress, pruneRateCounters, sharedRateLimitStore } from './db/loginLimits'
import { confirmFailureReport, pruneSignInFailures, readFailureReport, recordFailure } from './db/signInFailures'
import { registerWorkspaceRoutes } from './workspaceRoutes'
import { forgetOldTombstones, pruneChangeIds } from './db/workspace'
import { checkRevisions, configureRevisionChecks } from './db/revisions'
import { pgliteVacuum } from './db/vacuum'
import { registerAdminRoutes } from './adminRoutes'
import { createCccClient, createMockIssuer, createRealIssuer, TcccRefusedError, type TcccTokenIssuer } from './tccc'
import { createMockCccRecords, createRealCccRecords, silentWav, type CccRecords } from './cccRecords'
import { registerCccRoutes } from './cccRoutes'
import { registerAgentStatusRoutes } from './agentStatusRoutes'
import { createMockStaffStatus, createRealStaffStatus, type StaffStatusService } from './staffStatus'
import { createWorkQueue, QueueFullError } from './workQueue'

// The error type lives in its own module so the route modules need not import this one.
export { ApiError, type ErrorCode } from './apiError'
import { ApiError, type ErrorCode } from './apiError'
import { hasUnstorableText } from '../../src/services/text'

export interface ServerDeps {
  /** Clock in epoch ms (tests move it to expire tokens). */
  now?: () => number
  /** Where JSON log lines go; no stream means no logging. */
  logStream?: Writable
  logLevel?: 'debug' | 'info' | 'warn' | 'error'
  /** An open, migrated database the caller owns (tests share one per file); default: open config.database. */
  db?: Database
  /** Test seam: the agent directory is replaced by exactly these agents at start. */
  agents?: AgentRecord[]
  /** Where the one-line agent import report and directory warnings go; default: the log. */
  report?: (line: string) => void
  /** Replaces the mode's TCCC token issuer. */
  issuer?: TcccTokenIssuer
  /** Replaces the mode's caller-number and call-detail source. */
  cccRecords?: CccRecords
  /** Connection agent for the real CCC API client (tests route it to a loopback fake). */
  tcccHttpAgent?: Agent
  /** Replaces the mode's seat-status service (SetStaffStatus / DescribeStaffStatusMetrics). */
  staffStatus?: StaffStatusService
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the bearer check on authenticated routes. */
    session: { agent: AgentRecord; claims: AccessClaims } | null
  }
}

const MAX_USERNAME = 254
/** Node's default; named so the documented limit and the 431 answer agree. */
const MAX_HEADER_BYTES = 16 * 1024
/** Logged paths are cut here: a 15 KB path is a 15 KB log line. */
const LOGGED_URL_MAX = 200
/** How often Node looks for connections past their headers/request timeout. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000
/** Seconds a client is told to wait when the password-check queue is full. */
const BUSY_RETRY_AFTER_SECONDS = 2
const MAX_PASSWORD = 1024
const UNSUPPORTED_BODY = Symbol('unsupported body')

function isAllowedOrigin(policy: CorsPolicy, origin: string): boolean {
  if (policy.kind === 'localhost') return /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(origin)
  return policy.origins.includes('*') || policy.origins.includes(origin)
}

/** What a Fastify framework error may say to the client: never its raw message (can echo the body). */
function clientMessageFor(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body is too large'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Content-Type must be application/json'
    default:
      return 'Bad request'
  }
}

/**
 * Errors Node's HTTP parser raises before a request reaches Fastify (bad Content-Length, broken
 * chunked encoding, oversized headers, timeouts) get the same `{error:{code,message}}` body as
 * every other error, never Node's or Fastify's own shape.
 */
export function protocolErrorResponse(errCode: string | undefined): { status: number; code: ErrorCode; message: string } {
  switch (errCode) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'REQUEST_TIMEOUT', message: 'The request did not arrive in time' }
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'BAD_REQUEST', message: `Request headers are larger than ${MAX_HEADER_BYTES} bytes` }
    default:
      return { status: 400, code: 'BAD_REQUEST', message: 'Malformed HTTP request' }
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

function readLoginBody(body: unknown): { username: string; password: string } {
  if (body === UNSUPPORTED_BODY) throw new ApiError(400, 'BAD_REQUEST', 'Send a JSON body with Content-Type: application/json')
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'BAD_REQUEST', 'Body must be a JSON object {"username": string, "password": string}')
  }
  const { username, password } = body as Record<string, unknown>
  if (typeof username !== 'string' || !username.trim() || username.length > MAX_USERNAME) {
    throw new ApiError(400, 'BAD_REQUEST', `"username" must be a non-empty string of at most ${MAX_USERNAME} characters`)
  }
  if (typeof password !== 'string' || !password || password.length > MAX_PASSWORD) {
    throw new ApiError(400, 'BAD_REQUEST', `"password" must be a non-empty string of at most ${MAX_PASSWORD} characters`)
  }
  // A NUL or half a surrogate pair never names an agent, and the database refuses it in a query.
  if (hasUnstorableText(username) || hasUnstorableText(password)) throw new ApiError(400, 'BAD_REQUEST', '"username" and "password" must be valid text without NUL characters')
  return { username, password }
}

/** `POST /api/auth/sign-in-failures/ack`: the report as the login answer told it. */
function readFailureAck(body: unknown): { id: string; failures: number; locked: boolean } {
  const shape = 'Body must be a JSON object {"id": string, "failures": number, "locked": boolean} as the login answer told it'
  if (body === UNSUPPORTED_BODY || body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'BAD_REQUEST', shape)
  const { id, failures, locked } = body as Record<string, unknown>
  // A report id is a bigint identity: digits (18 at most, within bigint).
  if (typeof id !== 'string' || !/^[1-9][0-9]{0,17}$/.test(id) || typeof failures !== 'number' || !Number.isSafeInteger(failures) || failures < 0 || failures > 2147483647 || typeof locked !== 'boolean') {
    throw new ApiError(400, 'BAD_REQUEST', shape)
  }
  return { id, failures, locked }
}

/**
 * The first key of a JSON text that could reach an object's prototype if the body were merged
 * into another object: `__proto__` (also spelt with escapes) or `constructor` holding a
 * `prototype`. Null when the text is not JSON or holds none. `JSON.parse` itself makes such keys
 * plain own properties, so walking its result pollutes nothing; the walk is iterative (a deeply
 * nested body cannot overflow the stack) and runs only on bodies the default parser refused.
 */
export function forbiddenKeyIn(text: string): '__proto__' | 'constructor.prototype' | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return null
  }
  const pending: unknown[] = [parsed]
  while (pending.length > 0) {
    const node = pending.pop()
    if (node === null || typeof node !== 'object') continue
    if (Object.prototype.hasOwnProperty.call(node, '__proto__')) return '__proto__'
    const ctor: unknown = Object.prototype.hasOwnProperty.call(node, 'constructor') ? (node as Record<string, unknown>).constructor : undefined
    if (ctor !== null && typeof ctor === 'object' && Object.prototype.hasOwnProperty.call(ctor, 'prototype')) return 'constructor.prototype'
    for (const value of Object.values(node)) if (value !== null && typeof value === 'object') pending.push(value)
  }
  return null
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization
  if (typeof header !== 'string') return null
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match ? match[1] : null
}

export async function buildServer(config: ServerConfig, deps: ServerDeps = {}): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now
  /** Requests for paths that do not exist since the last maintenance tick (logged as one line). */
  let unknownPaths = 0
  const app: FastifyInstance = Fastify({
    logger: deps.logStream
      ? {
          level: deps.logLevel ?? 'info',
          stream: deps.logStream,
          // Never let a credential reach a log line: no headers, no query strings (the mock
          // sdkUrl carries a token), no bodies, no raw error messages.
          serializers: {
            req: (req: FastifyRequest) => ({ method: req.method, url: req.url.split('?')[0].slice(0, LOGGED_URL_MAX), remoteAddress: req.ip }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            err: (err: FastifyError) => ({
              type: err.name,
              code: err.code,
              message: err instanceof ApiError ? err.message : '[omitted]',
              stack: (err.stack ?? '').split('\n').slice(1).join('\n'),
            }),
          },
          redact: { paths: ['req.headers', 'headers', 'body', 'password', 'token', 'accessToken'], remove: true },
          // Anyone can ask for paths that do not exist: 32 connections of 15 KB paths wrote 955 MB
          // of log in 10 s. Their two request lines are counted instead (one line a minute).
          hooks: {
            logMethod(args, method) {
              const first = args[0] as { req?: FastifyRequest; res?: FastifyReply } | undefined
              if (first?.req?.is404 || first?.res?.request?.is404) {
                if (first.res) unknownPaths += 1
                return
              }
              method.apply(this, args)
            },
          },
        }
      : false,
    trustProxy: config.trustProxy,
    // A URL that is not valid percent-encoding never reaches a route or the error handler:
    // answer it in the same shape as every other error.
    frameworkErrors(_err, _request, reply) {
      void (reply as FastifyReply).code(400).header('Cache-Control', 'no-store').header('X-Content-Type-Options', 'nosniff').send({ error: { code: 'BAD_REQUEST', message: 'Malformed URL' } })
    },
    bodyLimit: 16 * 1024,
    // Slow or idle clients must not hold sockets (slowloris): see "Timeouts" in server/README.md.
    requestTimeout: config.timeouts.requestMs,
    keepAliveTimeout: config.timeouts.keepAliveMs,
    connectionTimeout: config.timeouts.idleSocketMs,
    http: {
      headersTimeout: config.timeouts.headersMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      maxHeaderSize: MAX_HEADER_BYTES,
    },
    clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
      if (err.code === 'ECONNRESET' || socket.destroyed) return
      // A response already under way cannot be replaced without corrupting the stream.
      const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
      if (socket.writable && !inFlight?.headersSent) {
        const { status, code, message } = protocolErrorResponse(err.code)
        const body = JSON.stringify({ error: { code, message } })
        socket.write(
          `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
        )
      }
      socket.destroy()
    },
  })
  const passwordChecks = createWorkQueue(config.scrypt)

  // --- The database: injected (tests) or opened here and closed with the app. ------------------
  let db: Database
  let adminKey = config.adminKey
  let ownerClaim: { release: () => void; update: (info: { port?: number; adminKey?: string }) => void } | null = null
  if (deps.db) db = deps.db
  else {
    if (config.database.driver === 'pglite' && config.database.dataDir) {
      const claim = await claimDataDirWaiting(config.database.dataDir, 'server', 30_000)
      if (!claim.ok) {
        throw new StoreStartError(`DATA_DIR ${config.database.dataDir} is in use by another process (pid ${claim.owner.pid}); PGlite allows one owner`)
      }
      ownerClaim = claim
      // The business CLIs reach this process through /api/admin/* with this key (owner.json, 0600).
      adminKey ??= randomBytes(32).toString('base64url')
    }
    try {
      db = await openMigrated(config.database)
    } catch (err) {
      ownerClaim?.release()
      throw err
    }
  }
  const report = deps.report ?? ((line: string) => app.log.warn(line))
  try {
    await prepareAgentDirectory(db, { mode: config.mode, agentsFile: config.agentsFile, agentsFileExplicit: config.agentsFileExplicit, now: now(), report })
    if (deps.agents) {
      await db.query('DELETE FROM agents')
      for (const agent of deps.agents) await putAgent(db, agent, { replace: false, now: now() })
    }
  } catch (err) {
    if (!deps.db) await db.close().catch(() => {})
    ownerClaim?.release()
    throw err
  }
  app.addHook('onListen', async () => {
    const address = app.server.address() as AddressInfo | null
    if (ownerClaim && address && adminKey) ownerClaim.update({ port: address.port, adminKey })
  })
  const limiter = createLoginLimiter(db, {
    max: config.rateLimits.loginMax,
    maxUsernames: config.rateLimits.loginMax * 6,
    maxSuccesses: config.rateLimits.loginMax * 6,
    windowMs: config.rateLimits.loginWindowMs,
    perUsername: { max: config.rateLimits.loginUsernameMax, windowMs: config.rateLimits.loginUsernameWindowMs },
  })
  // Old counters, long-expired sessions and tombstones past WORKSPACE_TOMBSTONE_DAYS go away in the
  // background; the embedded store is vacuumed.
  const vacuum = pgliteVacuum(db, now())
  configureRevisionChecks(db, { clock: now, report: (line) => app.log.warn(line) })
  const maintenance = setInterval(() => {
    const longestWindow = Math.max(config.rateLimits.tokenWindowMs, config.rateLimits.statusWindowMs, 60_000)
    if (unknownPaths > 0) app.log.warn({ count: unknownPaths }, 'requests for unknown paths in the last minute')
    unknownPaths = 0
    Promise.all([
      limiter.prune(now()),
      pruneRateCounters(db, now(), longestWindow),
      pruneSignInFailures(db, now()),
      pruneSessions(db, now()),
      pruneChangeIds(db, now()),
      forgetOldTombstones(db, now(), config.workspaceTombstoneMs),
      // A restore under the running backend, also on an instance that serves no request (revisions.ts).
      checkRevisions(db),
    ])
      // After the prunes, so the rows they deleted are reclaimed in the same run.
      .then(() => vacuum(now()))
      .then((ms) => {
        if (ms !== null && ms >= 1_000) app.log.info({ ms }, 'embedded database vacuumed')
      })
      .catch((err: unknown) => app.log.warn({ err }, 'maintenance failed'))
  }, 60_000)
  maintenance.unref()
  const sessions = await openSessionCheck(db)
  app.addHook('onClose', async () => {
    clearInterval(maintenance)
    await sessions.close()
    if (!deps.db) await db.close()
    ownerClaim?.release()
  })

  const accessTokens = createAccessTokenService({ key: config.signingKey, ttlSeconds: config.accessTokenTtlSeconds, now })
  // Real mode: one signed ccc client for tokens, caller numbers and call detail records.
  const cccClient = config.mode === 'real' && config.tccc ? await createCccClient({ credentials: config.tccc, httpAgent: deps.tcccHttpAgent }) : null
  const issuer: TcccTokenIssuer =
    deps.issuer ??
    (cccClient && config.tccc
      ? await createRealIssuer({ credentials: config.tccc, sdkAppId: config.sdkAppId, client: cccClient })
      : createMockIssuer({ sdkAppId: config.sdkAppId, signingKey: config.signingKey, ttlSeconds: config.mockTokenTtlSeconds, now }))
  // The port once listening: address() is a system call, and the token route needs it per request.
  let listeningPort: number | undefined
  const publicBaseUrl = (): string => {
    if (config.publicUrl) return config.publicUrl
    listeningPort ??= (app.server.address() as AddressInfo | null)?.port
    return `http://localhost:${listeningPort ?? config.port}`
  }
  const cccRecords: CccRecords =
    deps.cccRecords ??
    (cccClient && config.tccc
      ? createRealCccRecords({ client: cccClient, credentials: config.tccc, sdkAppId: config.sdkAppId, now })
      : createMockCccRecords({ callerNumbers: config.mockCallerNumbers, recordingBaseUrl: publicBaseUrl }))
  const staffStatus: StaffStatusService =
    deps.staffStatus ??
    (cccClient && config.tccc ? createRealStaffStatus({ client: cccClient, credentials: config.tccc, sdkAppId: config.sdkAppId }) : createMockStaffStatus())

  app.decorateRequest('session', null)

  // --- Bodies: JSON only; an empty body is "no body" (logout/token need none). -----------------
  const defaultJsonParser = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string
    try {
      // Invalid UTF-8 would otherwise be stored as U+FFFD, silently changing what was sent.
      text = UTF8.decode(body as Buffer)
    } catch {
      return done(new ApiError(400, 'BAD_REQUEST', 'Request body is not valid UTF-8'), undefined)
    }
    if (!text.trim()) return done(null, undefined)
    defaultJsonParser(request, text, (err, value) => {
      if (!err) return done(null, value)
      // The default parser refuses `__proto__` and `constructor.prototype` keys as it refuses
      // broken JSON: say which it was, so a client is not told its valid JSON is broken.
      const forbidden = forbiddenKeyIn(text)
      if (forbidden) done(new ApiError(400, 'FORBIDDEN_KEY', `Request body contains the forbidden key "${forbidden}"`), undefined)
      else done(new ApiError(400, 'BAD_REQUEST', 'Request body is not valid JSON'), undefined)
    })
  })
  // Fastify's own text/plain parser would hand JSON sent as text to the routes as a string.
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, _body, done) => done(null, UNSUPPORTED_BODY))

  // --- CORS and response headers ----------------------------------------------------------------
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin
    if (typeof origin === 'string' && isAllowedOrigin(config.cors, origin)) {
      reply.header('Access-Control-Allow-Origin', origin)
      reply.header('Vary', 'Origin')
    }
    reply.header('X-Content-Type-Options', 'nosniff')
    if (!request.url.startsWith('/mock/')) {
      // JSON only: nothing here is a page to frame, run scripts in, or leak a referrer from.
      reply.header('Cache-Control', 'no-store')
      reply.header('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'")
      reply.header('Referrer-Policy', 'no-referrer')
    }
  })
  app.options('*', async (_request, reply) => {
    if (reply.hasHeader('Access-Control-Allow-Origin')) {
      reply.header('Access-Control-Allow-Methods', 'GET, POST, PUT, OPTIONS')
      reply.header('Access-Control-Allow-Headers', 'Authorization, Content-Type')
      reply.header('Access-Control-Max-Age', '600')
    }
    return reply.code(204).send()
  })

  // --- Errors -----------------------------------------------------------------------------------
  const sendError = (reply: FastifyReply, status: number, code: ErrorCode, message: string, extra: Record<string, string> = {}) =>
    reply.code(status).send({ error: { code, message, ...extra } })

  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    if (err instanceof ApiError) {
      if (err.statusCode === 401) reply.header('WWW-Authenticate', 'Bearer')
      return sendError(reply, err.statusCode, err.code, err.message, err.extra)
    }
    const status = err.statusCode ?? 500
    if (status === 429) {
      const retryAfter = reply.getHeader('retry-after')
      return sendError(reply, 429, 'RATE_LIMITED', `Too many requests; try again in ${retryAfter ?? 60} seconds`)
    }
    if (status >= 400 && status < 500) return sendError(reply, status, 'BAD_REQUEST', clientMessageFor(err))
    request.log.error({ err }, 'unexpected error')
    return sendError(reply, 500, 'INTERNAL', 'Internal server error')
  })
  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, 'NOT_FOUND', 'No such endpoint'))

  // --- Rate limits (sign-in limits are in the database: db/loginLimits.ts) ---------------------
  await app.register(rateLimit, { global: false, store: sharedRateLimitStore(db, now), skipOnError: true })

  function rateLimited(reply: FastifyReply, ttlInSeconds: number): ApiError {
    const seconds = Math.max(1, ttlInSeconds)
    reply.header('Retry-After', String(seconds))
    return new ApiError(429, 'RATE_LIMITED', `Too many sign-in attempts; try again in ${seconds} seconds`)
  }

  // --- Authentication ---------------------------------------------------------------------------
  async function authenticate(request: FastifyRequest, { allowEnded }: { allowEnded: boolean }): Promise<void> {
    const token = bearerToken(request)
    if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'Sign in first: missing "Authorization: Bearer <accessToken>"')
    const result = accessTokens.verify(token)
    const ended = () => {
      if (!allowEnded) throw new ApiError(401, 'SESSION_EXPIRED', 'The session has ended; sign in again')
    }
    if (!result.ok) {
      if (result.reason === 'expired') return ended()
      throw new ApiError(401, 'UNAUTHORIZED', 'The access token is not valid; sign in again')
    }
    // Logged out, password changed or agent removed on any instance (db/sessionCache.ts).
    const session = await sessions.lookup(result.claims.jti)
    if (session.state === 'ended') return ended()
    if (session.state === 'unknown' || session.agent.userId !== result.claims.sub) {
      throw new ApiError(401, 'UNAUTHORIZED', 'This agent account no longer exists')
    }
    request.session = { agent: session.agent, claims: result.claims }
  }

  // --- Routes -----------------------------------------------------------------------------------
  app.get('/healthz', async () => ({ ok: true, mode: config.mode }))

  app.post('/api/auth/login', async (request, reply) => {
    const { username, password } = readLoginBody(request.body)
    const usernameKey = normaliseUsername(username)
    // Reserve the attempt BEFORE the scrypt check, atomically in SQL: a burst cannot race past it
    // (per username and address, per address, and per username across addresses).
    const address = limitAddress(request.ip)
    const reservation = await limiter.reserve(usernameKey, address, now())
    // No database work of its own: a refusal must take the same time whether the username exists.
    if (!reservation.ok) throw rateLimited(reply, reservation.retryAfterSeconds)
    const agent = await findAgentByUsername(db, usernameKey)
    // Unknown users are checked against a dummy hash: same time as a wrong password.
    let passwordOk: boolean
    try {
      passwordOk = await passwordChecks.run(() => verifyPassword(password, agent?.passwordHash ?? DUMMY_PASSWORD_HASH))
    } catch (err) {
      if (!(err instanceof QueueFullError)) throw err
      // Never checked: the attempt does not count against the agent (a flood must not lock them out).
      await limiter.release(usernameKey, address, reservation)
      request.log.warn({ running: passwordChecks.running, queued: passwordChecks.queued }, 'sign-in refused: password check queue full')
      reply.header('Retry-After', String(BUSY_RETRY_AFTER_SECONDS))
      throw new ApiError(503, 'SERVER_BUSY', `Too many sign-ins at once; try again in ${BUSY_RETRY_AFTER_SECONDS} seconds`)
    }
    if (!agent || !passwordOk) {
      await limiter.failed(usernameKey, address, now())
      // The same writes for a username without an agent, into a decoy (db/signInFailures.ts).
      await recordFailure(db, usernameKey, address, now(), { fills: reservation.fills === true })
      request.log.info('sign-in refused')
      throw new ApiError(401, 'BAD_CREDENTIALS', 'Wrong username or password')
    }
    const success = await limiter.succeeded(usernameKey, address, now(), reservation)
    if (!success.ok) throw rateLimited(reply, success.retryAfterSeconds)
    const { token, claims } = accessTokens.issue(agent.userId)
    const started = await startSessionIfUnchanged(db, { id: claims.jti, userId: agent.userId, issuedAt: now(), expiresAt: claims.exp * 1000 }, { usernameKey, passwordHash: agent.passwordHash })
    if (!started) {
      // The password was changed, or the agent removed or moved to another seat, during the check.
      request.log.info('sign-in refused: the agent changed during the password check')
      throw new ApiError(401, 'BAD_CREDENTIALS', 'Wrong username or password')
    }
    // Told until the app confirms it (POST /api/auth/sign-in-failures/ack): a lost answer loses nothing.
    const signInFailures = await readFailureReport(db, usernameKey)
    request.log.info({ userId: agent.userId, failuresSincePrevious: signInFailures.failures }, 'agent signed in')
    return {
      accessToken: token,
      expiresIn: config.accessTokenTtlSeconds,
      agent: { userId: agent.userId, sdkAppId: config.sdkAppId, workspaceId: agent.workspaceId },
      signInFailures,
    }
  })

  app.post(
    '/api/tccc/token',
    {
      onRequest: async (request) => authenticate(request, { allowEnded: false }),
      config: {
        rateLimit: {
          max: config.rateLimits.tokenMax,
          timeWindow: config.rateLimits.tokenWindowMs,
          hook: 'preHandler',
          // Per agent, not per address: a call centre puts many agents behind one address.
          keyGenerator: (request: FastifyRequest) => `agent|${request.session?.agent.userId ?? request.ip}`,
        },
      },
    },
    async (request) => {
      // The seat is the signed-in agent's, whatever the body says.
      const { agent } = request.session as NonNullable<FastifyRequest['session']>
      try {
        const issued = await issuer.issue(agent.userId, { baseUrl: publicBaseUrl() })
        request.log.info({ userId: agent.userId, expiresAt: issued.expiresAt }, 'issued TCCC token')
        return issued
      } catch (err) {
        if (err instanceof TcccRefusedError) {
          // `cause` names a network failure (e.g. ECONNREFUSED and the host), never credentials.
          request.log.warn({ userId: agent.userId, tcccCode: err.tcccCode, requestId: err.requestId, cause: err.networkCause }, 'TCCC refused the token request')
          throw new ApiError(502, 'TCCC_REFUSED', err.message, err.tcccCode ? { tcccCode: err.tcccCode } : {})
        }
        throw err
      }
    },
  )

  app.post(
    '/api/auth/sign-in-failures/ack',
    {
      onRequest: async (request) => authenticate(request, { allowEnded: false }),
      config: {
        rateLimit: {
          max: config.rateLimits.tokenMax,
          timeWindow: config.rateLimits.tokenWindowMs,
          hook: 'preHandler',
          keyGenerator: (request: FastifyRequest) => `ack|${request.session?.agent.userId ?? request.ip}`,
        },
      },
    },
    async (request, reply) => {
      const told = readFailureAck(request.body)
      // Only the signed-in agent's own report, and only as it was told (db/signInFailures.ts).
      const confirmed = await confirmFailureReport(db, (request.session as NonNullable<FastifyRequest['session']>).agent.userId, told)
      request.log.info({ confirmed }, 'sign-in failures acknowledged')
      return reply.code(204).send()
    },
  )

  app.post('/api/auth/logout', { onRequest: async (request) => authenticate(request, { allowEnded: true }) }, async (request, reply) => {
    if (request.session) {
      await endSession(db, request.session.claims.jti, now())
      request.log.info({ userId: request.session.agent.userId }, 'agent signed out')
    }
    return reply.code(204).send()
  })

  registerWorkspaceRoutes(app, { db, now, authenticate: (request) => authenticate(request, { allowEnded: false }), changesPerDay: config.rateLimits.workspaceChangesPerDay, caps: config.workspaceCaps })
  registerCccRoutes(app, { db, now, records: cccRecords, authenticate: (request) => authenticate(request, { allowEnded: false }) })
  if (adminKey) registerAdminRoutes(app, { db, now, adminKey, workspaceClear: config.mode === 'mock' })
  registerAgentStatusRoutes(app, {
    staffStatus,
    authenticate: (request) => authenticate(request, { allowEnded: false }),
    rateLimit: { max: config.rateLimits.statusMax, timeWindow: config.rateLimits.statusWindowMs },
  })

  if (config.mode === 'mock') {
    app.get('/mock/tccc-sdk.js', async (_request, reply) => {
      let source: string
      try {
        source = await readFile(config.fakeSdkFile, 'utf8')
      } catch {
        throw new ApiError(404, 'NOT_FOUND', 'The fake TCCC Web SDK (debug/fake-tccc-web-sdk.js) is not present')
      }
      return reply.type('application/javascript; charset=utf-8').header('Cache-Control', 'no-store').send(source)
    })
    // What a mock call detail's recording link plays.
    const silence = silentWav()
    app.get('/mock/recordings/:file', async (_request, reply) => reply.type('audio/wav').send(silence))
  }

  return app
}
