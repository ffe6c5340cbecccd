/**
 * Client of the token backend (server/): exchanges the agent's credentials for a backend access
 * token, and that access token for a short-lived TCCC login token. The TCCC SecretId/SecretKey
 * never reach the app. Every failure is a `TcccError` from the catalogue; responses are checked
 * field by field because a wrong shape must never reach the SDK.
 *
 * Never log the password, the access token or the TCCC token.
 */
import { TcccError, type AppErrorSymbol } from '@/platform/errors'
import { isSignInFailures, type SignInFailures } from '@/services/signInFailures'

// Vite's `import.meta.env` (declared here so this file type-checks without vite/client types;
// identical declarations elsewhere merge).
declare global {
  interface ImportMetaEnv {
    readonly VITE_TOKEN_BACKEND_URL?: string
  }
  interface ImportMeta {
    readonly env: ImportMetaEnv
  }
}

/** Longer than the backend's own CCC call (server TCCC_UPSTREAM_TIMEOUT_MS, 8 s): its TCCC_REFUSED must arrive first. */
export const BACKEND_TIMEOUT_MS = 15_000

export interface BackendAgent {
  userId: string
  sdkAppId: number
  /**
   * Which workspace the phone's cache of this seat belongs to; another id than the one kept
   * beside the cache means another agent had the seat (`claimAgentCache`). Absent from backends
   * before it was added.
   */
  workspaceId?: string
}

/** `POST /api/auth/login` 200 body. */
export interface BackendSession {
  accessToken: string
  /** Seconds the access token stays valid. */
  expiresIn: number
  agent: BackendAgent
  /**
   * Failed attempts at this username since the report the app last confirmed (told until it is
   * confirmed: `confirmSignInFailures`). Absent from backends before it was added, and when
   * malformed: a sign-in never fails over it.
   */
  signInFailures?: SignInFailures
}

/** `POST /api/tccc/token` 200 body. */
export interface TcccLoginToken {
  sdkAppId: number
  userId: string
  token: string
  /** Unix seconds. */
  expiresAt: number
  /** Web SDK script URL (one-time); ignored by the native SDK. */
  sdkUrl: string
}

/** The token backend the build was made for (`VITE_TOKEN_BACKEND_URL`), '' when none. */
export function buildBackendUrl(): string {
  const fromEnv = import.meta.env?.VITE_TOKEN_BACKEND_URL ?? ''
  return fromEnv.trim().replace(/\/+$/, '')
}

/**
 * The agent's override (the settings store passes it in: services never read stores), else the
 * build-time URL, else '' (same origin: dev server / e2e proxy).
 */
export function backendBaseUrl(override = ''): string {
  return override || buildBackendUrl()
}

export async function signInToBackend(username: string, password: string, baseUrl = backendBaseUrl()): Promise<BackendSession> {
  const response = await post(baseUrl, '/api/auth/login', { username, password })
  if (response.statusCode === 401) throw backendError('BAD_CREDENTIALS', response)
  ensureOk(response)
  if (!isBackendSession(response.body)) throw new TcccError('MALFORMED_RESPONSE', 'login')
  const { accessToken, expiresIn, agent, signInFailures } = response.body
  const workspaceId = isNonEmptyString(agent.workspaceId) ? agent.workspaceId : undefined
  const failures = isSignInFailures(signInFailures)
    ? { failures: signInFailures.failures, lastFailureAt: signInFailures.lastFailureAt, locked: signInFailures.locked, ...(signInFailures.id !== undefined ? { id: signInFailures.id } : {}) }
    : undefined
  return {
    accessToken,
    expiresIn,
    agent: { userId: agent.userId, sdkAppId: agent.sdkAppId, ...(workspaceId ? { workspaceId } : {}) },
    ...(failures ? { signInFailures: failures } : {}),
  }
}

export async function fetchTcccToken(accessToken: string, baseUrl = backendBaseUrl()): Promise<TcccLoginToken> {
  const response = await post(baseUrl, '/api/tccc/token', undefined, accessToken)
  if (response.statusCode === 401) throw backendError('SESSION_EXPIRED', response)
  ensureOk(response)
  if (!isTcccLoginToken(response.body)) throw new TcccError('MALFORMED_RESPONSE', 'tccc token')
  const { sdkAppId, userId, token, expiresAt, sdkUrl } = response.body
  return { sdkAppId, userId, token, expiresAt, sdkUrl }
}

/**
 * Tells the backend the phone kept the report a sign-in was told (`id` and what it said), so no
 * later sign-in tells it again. Not confirmed (a failure here), it is told again and counted once.
 */
export async function confirmSignInFailures(accessToken: string, report: SignInFailures & { id: string }, baseUrl = backendBaseUrl()): Promise<void> {
  const response = await post(baseUrl, '/api/auth/sign-in-failures/ack', { id: report.id, failures: report.failures, locked: report.locked }, accessToken)
  if (response.statusCode === 401) throw backendError('SESSION_EXPIRED', response)
  ensureOk(response)
}

/** Revokes the access token. A 401 means it was already invalid: that is success too. */
export async function signOutOfBackend(accessToken: string, baseUrl = backendBaseUrl()): Promise<void> {
  const response = await post(baseUrl, '/api/auth/logout', undefined, accessToken)
  if (response.statusCode === 401) return
  ensureOk(response)
}

// --- transport -----------------------------------------------------------------------------

export interface BackendResponse {
  statusCode: number
  body: unknown
}

function post(baseUrl: string, path: string, data: Record<string, unknown> | undefined, accessToken?: string): Promise<BackendResponse> {
  return backendRequest(baseUrl, 'POST', path, data, accessToken)
}

/** One request to the backend; rejects only when no answer came (unreachable, timeout). */
export function backendRequest(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  data: Record<string, unknown> | undefined,
  accessToken?: string,
): Promise<BackendResponse> {
  const header: Record<string, string> = { 'Content-Type': 'application/json' }
  if (accessToken !== undefined) header.Authorization = `Bearer ${accessToken}`
  const url = baseUrl + path
  return new Promise<BackendResponse>((resolve, reject) => {
    let settled = false
    // Our own guard as well as uni's `timeout`: some runtimes ignore the option.
    const guard = setTimeout(() => {
      if (settled) return
      settled = true
      try {
        task?.abort()
      } catch {
        // already finished
      }
      reject(new TcccError('BACKEND_TIMEOUT', path))
    }, BACKEND_TIMEOUT_MS)
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(guard)
      fn()
    }
    let task: UniNamespace.RequestTask | undefined
    try {
      task = uni.request({
        url,
        method,
        // An empty JSON object for body-less calls: servers reject `Content-Type: json` with no body.
        ...(method !== 'GET' ? { data: data ?? {} } : {}),
        header,
        timeout: BACKEND_TIMEOUT_MS,
        dataType: 'json',
        success: (result) => settle(() => resolve({ statusCode: result.statusCode, body: parseBody(result.data) })),
        fail: (result) =>
          settle(() => {
            const errMsg = typeof result?.errMsg === 'string' ? result.errMsg : ''
            const symbol: AppErrorSymbol = /time ?out/i.test(errMsg) ? 'BACKEND_TIMEOUT' : 'BACKEND_UNREACHABLE'
            reject(new TcccError(symbol, `${path}: ${errMsg}`))
          }),
      })
    } catch (error) {
      settle(() => reject(new TcccError('BACKEND_UNREACHABLE', `${path}: ${error instanceof Error ? error.message : String(error)}`)))
    }
  })
}

/** uni parses JSON when it can; a string left over may still be JSON (e.g. wrong content type). */
function parseBody(data: unknown): unknown {
  if (typeof data !== 'string') return data
  if (data === '') return undefined
  try {
    return JSON.parse(data)
  } catch {
    return data
  }
}

export function ensureOk(response: BackendResponse): void {
  const { statusCode } = response
  if (statusCode >= 200 && statusCode < 300) return
  if (statusCode === 429) throw backendError('RATE_LIMITED', response)
  // The backend's password-check queue is full: a moment later it will answer (Retry-After).
  if (statusCode === 503 && errorCodeOf(response.body) === 'SERVER_BUSY') throw backendError('BACKEND_BUSY', response)
  if (statusCode === 502 && errorCodeOf(response.body) === 'TCCC_REFUSED') throw backendError('TCCC_REFUSED', response)
  // A gateway's answer (no `{error:{code}}` of the backend's): the backend behind it is down or
  // restarting, which is "cannot reach" (the sync line says offline and retries), not its fault.
  if ((statusCode === 502 || statusCode === 503 || statusCode === 504) && errorCodeOf(response.body) === undefined) {
    throw backendError('BACKEND_UNREACHABLE', response)
  }
  throw backendError('BACKEND_ERROR', response)
}

/** The server's `{error:{code,message}}` (already sanitised by the backend) becomes the detail. */
function backendError(symbol: AppErrorSymbol, response: BackendResponse): TcccError {
  const code = errorCodeOf(response.body)
  const message = errorMessageOf(response.body)
  const tcccCode = errorFieldOf(response.body, 'tcccCode')
  const detail = [`HTTP ${response.statusCode}`, code, message, typeof tcccCode === 'string' ? tcccCode : undefined]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join(' ')
  return new TcccError(symbol, detail)
}

function errorFieldOf(body: unknown, field: string): unknown {
  if (!isRecord(body) || !isRecord(body.error)) return undefined
  return body.error[field]
}

function errorCodeOf(body: unknown): string | undefined {
  const code = errorFieldOf(body, 'code')
  return typeof code === 'string' ? code : undefined
}

function errorMessageOf(body: unknown): string | undefined {
  const message = errorFieldOf(body, 'message')
  // Cap it: it ends up in logs and must stay a short diagnostic.
  return typeof message === 'string' ? message.slice(0, 200) : undefined
}

// --- response shapes -----------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== ''
}

function isSdkAppId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}

function isPositiveNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0
}

function isBackendSession(body: unknown): body is BackendSession {
  return (
    isRecord(body) &&
    isNonEmptyString(body.accessToken) &&
    isPositiveNumber(body.expiresIn) &&
    isRecord(body.agent) &&
    isNonEmptyString(body.agent.userId) &&
    isSdkAppId(body.agent.sdkAppId)
  )
}

function isTcccLoginToken(body: unknown): body is TcccLoginToken {
  return (
    isRecord(body) &&
    isSdkAppId(body.sdkAppId) &&
    isNonEmptyString(body.userId) &&
    isNonEmptyString(body.token) &&
    isPositiveNumber(body.expiresAt) &&
    typeof body.sdkUrl === 'string'
  )
}
