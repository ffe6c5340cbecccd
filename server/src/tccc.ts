/**
 * Where TCCC login tokens come from: the real CreateSDKLoginToken API (real mode) or locally
 * minted `sim.` tokens the simulated platform and the fake Web SDK accept (mock mode).
 */
import { createHmac } from 'node:crypto'
import type { Agent } from 'node:http'
import type { TcccCredentials } from './config'

export interface IssuedTcccToken {
  sdkAppId: number
  userId: string
  token: string
  /** Unix seconds. */
  expiresAt: number
  sdkUrl: string
}

export interface TcccTokenIssuer {
  /** `baseUrl` is where this server is reached, for URLs it hands out (mock SDK). */
  issue(userId: string, context: { baseUrl: string }): Promise<IssuedTcccToken>
}

/**
 * How long the backend waits for the CCC API. The app's own backend timeout
 * (src/services/tokenClient.ts, BACKEND_TIMEOUT_MS) must stay longer, so the agent sees the
 * backend's TCCC_REFUSED instead of "the sign-in server did not answer" (a test ties them).
 */
export const TCCC_UPSTREAM_TIMEOUT_MS = 8000

/** Why the CCC API was not reached, for the operator's log: an error code and the host, no secrets. */
export interface NetworkCause {
  /** e.g. ECONNREFUSED, ENOTFOUND, ETIMEDOUT, HTTP_503. */
  code: string
  host: string
}

/** TCCC (or the way to it) refused: answered as 502 TCCC_REFUSED. */
export class TcccRefusedError extends Error {
  override name = 'TcccRefusedError'
  constructor(
    message: string,
    readonly tcccCode?: string,
    readonly requestId?: string,
    readonly networkCause?: NetworkCause,
  ) {
    super(message)
  }
}

/**
 * The SDK wraps network failures in an exception holding only node-fetch's message
 * ("request to … failed, reason: connect ECONNREFUSED …", "network timeout at: …"); the code
 * is read back out of it. The message itself is not kept: it may carry the request URL.
 */
export function networkCauseOf(err: { message?: unknown; httpCode?: unknown }, host: string): NetworkCause {
  if (typeof err.httpCode === 'number') return { code: `HTTP_${err.httpCode}`, host }
  const message = typeof err.message === 'string' ? err.message : ''
  const code = /\b(E[A-Z0-9_]{3,}|ERR_[A-Z0-9_]+)\b/.exec(message)?.[1] ?? (/time ?out/i.test(message) ? 'ETIMEDOUT' : 'UNKNOWN')
  return { code, host }
}

// ---------------------------------------------------------------------------------------------
// Mock mode

export function mockTokenKey(signingKey: string): Buffer {
  // Domain separation: a mock TCCC token can never pass as an access token or vice versa.
  return createHmac('sha256', signingKey).update('mock-tccc-token').digest()
}

/** `sim.<base64url(JSON {sdkAppId, userId, exp})>.<base64url(HMAC-SHA256)>` (interfaces.md). */
export function mintMockToken(key: Buffer, claims: { sdkAppId: number; userId: string; exp: number }): string {
  const payload = Buffer.from(JSON.stringify({ sdkAppId: claims.sdkAppId, userId: claims.userId, exp: claims.exp })).toString('base64url')
  const signature = createHmac('sha256', key).update(`sim.${payload}`).digest('base64url')
  return `sim.${payload}.${signature}`
}

export function createMockIssuer(options: { sdkAppId: number; signingKey: string; ttlSeconds: number; now: () => number }): TcccTokenIssuer {
  const key = mockTokenKey(options.signingKey)
  return {
    async issue(userId, { baseUrl }) {
      const expiresAt = Math.floor(options.now() / 1000) + options.ttlSeconds
      const token = mintMockToken(key, { sdkAppId: options.sdkAppId, userId, exp: expiresAt })
      const sdkUrl = `${baseUrl}/mock/tccc-sdk.js?token=${encodeURIComponent(token)}`
      return { sdkAppId: options.sdkAppId, userId, token, expiresAt, sdkUrl }
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Real mode

/** Keeps TCCC's message useful to an operator without leaking credentials or control characters. */
export function sanitiseTcccMessage(message: unknown, secrets: string[]): string {
  let text = typeof message === 'string' ? message : ''
  for (const secret of secrets) if (secret) text = text.split(secret).join('[redacted]')
  text = text
    .replace(/AKID[0-9A-Za-z]{8,}/g, '[redacted]')
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
  if (text.length > 300) text = `${text.slice(0, 297)}...`
  return text || 'TCCC refused the request'
}

interface SdkError {
  code?: unknown
  message?: unknown
  requestId?: unknown
  httpCode?: unknown
}

/** The signed ccc 2020-02-10 client (TC3-HMAC-SHA256) every real-mode CCC call goes through. */
export type CccClient = InstanceType<(typeof import('tencentcloud-sdk-nodejs/tencentcloud/services/ccc/v20200210/ccc_client'))['Client']>

export async function createCccClient(options: { credentials: TcccCredentials; httpAgent?: Agent }): Promise<CccClient> {
  // Only the ccc client module: loading the whole SDK index costs seconds at start-up.
  // Stryker disable next-line StringLiteral: Vite fails to transform `import('')` (it reads the project folder), which crashes every test run
  const { Client } = await import('tencentcloud-sdk-nodejs/tencentcloud/services/ccc/v20200210/ccc_client')
  const { credentials } = options
  return new Client({
    credential: { secretId: credentials.secretId, secretKey: credentials.secretKey },
    region: credentials.region,
    profile: {
      httpProfile: {
        endpoint: credentials.endpoint,
        protocol: credentials.protocol,
        reqTimeout: TCCC_UPSTREAM_TIMEOUT_MS / 1000,
        ...(options.httpAgent ? { agent: options.httpAgent } : {}),
      },
    },
  })
}

/** A CCC API failure as a TcccRefusedError: TCCC's code when it answered, else the network cause. */
export function refusalOf(err: unknown, credentials: TcccCredentials): TcccRefusedError {
  const e = err as SdkError
  const code = typeof e.code === 'string' && e.code ? e.code : undefined
  const requestId = typeof e.requestId === 'string' && e.requestId ? e.requestId : undefined
  // Without a TCCC error code the API was not reached (network, TLS, HTTP status).
  if (code) return new TcccRefusedError(sanitiseTcccMessage(e.message, [credentials.secretKey, credentials.secretId]), code, requestId)
  return new TcccRefusedError('The TCCC API could not be reached', undefined, requestId, networkCauseOf(e, credentials.endpoint))
}

export async function createRealIssuer(options: {
  credentials: TcccCredentials
  sdkAppId: number
  /** Connection agent for the CCC API (tests point it at a loopback fake). */
  httpAgent?: Agent
  /** The shared signed client (made here when not given). */
  client?: CccClient
}): Promise<TcccTokenIssuer> {
  const { credentials } = options
  const client = options.client ?? (await createCccClient(options))

  return {
    async issue(userId) {
      let response: { Token?: string; ExpiredTime?: number; SdkURL?: string; RequestId?: string }
      try {
        response = await client.CreateSDKLoginToken({ SdkAppId: options.sdkAppId, SeatUserId: userId })
      } catch (err) {
        throw refusalOf(err, credentials)
      }
      const { Token, ExpiredTime, SdkURL } = response
      if (typeof Token !== 'string' || !Token || typeof SdkURL !== 'string' || typeof ExpiredTime !== 'number') {
        throw new TcccRefusedError('TCCC returned an incomplete CreateSDKLoginToken response', undefined, response.RequestId)
      }
      return { sdkAppId: options.sdkAppId, userId, token: Token, expiresAt: ExpiredTime, sdkUrl: SdkURL }
    },
  }
}
