/**
 * Server configuration from environment variables. Real mode needs the TCCC API credentials
 * and a signing key; anything else runs the mock mode used for development and tests.
 */
import { randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DatabaseTarget } from './db/driver'

export type Mode = 'mock' | 'real'

/** Which browser origins may call the API: an explicit list, or any localhost port (mock). */
export type CorsPolicy = { kind: 'list'; origins: string[] } | { kind: 'localhost' }

export interface TcccCredentials {
  secretId: string
  secretKey: string
  /** Host[:port] of the CCC API, without scheme. */
  endpoint: string
  /** 'https://' in production; 'http://' only when TCCC_ENDPOINT says so (tests). */
  protocol: 'https://' | 'http://'
  region: string
}

export interface RateLimits {
  /** Login attempts per username and client address per window. */
  loginMax: number
  loginWindowMs: number
  /**
   * Failed password checks per username across ALL client addresses per window (a guess at one
   * agent's password spread over many addresses); addresses the agent signed in from lately are
   * not held by it (db/loginLimits.ts).
   */
  loginUsernameMax: number
  loginUsernameWindowMs: number
  /** TCCC token requests per agent per window. */
  tokenMax: number
  tokenWindowMs: number
  /** Seat status reads and changes (/api/agent/status) per agent per window. */
  statusMax: number
  statusWindowMs: number
  /** Workspace changes one agent may push in 24 hours (beyond it: 429 until the window slides). */
  workspaceChangesPerDay: number
}

export interface ServerConfig {
  mode: Mode
  port: number
  host: string
  /** Base URL the app reaches this server at (used in mock sdkUrl); default http://localhost:PORT. */
  publicUrl: string | null
  /** HMAC key for access tokens and mock TCCC tokens. */
  signingKey: string
  accessTokenTtlSeconds: number
  cors: CorsPolicy
  agentsFile: string
  /** AGENTS_FILE was set: then it must exist and be readable (no silent "zero agents"). */
  agentsFileExplicit: boolean
  /** DATABASE_URL (PostgreSQL) or PGlite in DATA_DIR. */
  database: DatabaseTarget
  /** ADMIN_KEY for /api/admin/* (business CLIs); with PGlite a random one is made per start. */
  adminKey: string | null
  /** D's fake Web SDK, served at /mock/tccc-sdk.js in mock mode. */
  fakeSdkFile: string
  sdkAppId: number
  mockTokenTtlSeconds: number
  /** MOCK_CALLER_NUMBERS: what GET /api/numbers/callers answers in mock mode. */
  mockCallerNumbers: string[]
  tccc: TcccCredentials | null
  rateLimits: RateLimits
  /** The reverse proxies' addresses/CIDRs whose X-Forwarded-For is believed; false: none. */
  trustProxy: false | string[]
  timeouts: Timeouts
  scrypt: ScryptQueueLimits
  /**
   * What one agent may store: live numbers (WORKSPACE_NUMBERS_MAX) and rows of every kind,
   * tombstones and call records included (WORKSPACE_RECORDS_MAX). Beyond, a push's new record is
   * refused `QUOTA_EXCEEDED`; edits and deletes of what is stored never are.
   */
  workspaceCaps: { numbers: number; records: number }
  /**
   * How long a deleted record's tombstone is kept (WORKSPACE_TOMBSTONE_DAYS, in ms): older ones
   * are forgotten by the maintenance, and a phone whose cursor is below what was forgotten gets a
   * full listing instead of the changes since (docs/WORKSPACE_API.md, Pull).
   */
  workspaceTombstoneMs: number
}

/** Socket and HTTP timeouts (ms) that close slow or idle clients (slowloris). */
export interface Timeouts {
  /** The whole request (headers and body) must arrive within this. */
  requestMs: number
  /** The headers must arrive within this. */
  headersMs: number
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number
  /** A socket with no traffic at all is closed after this. */
  idleSocketMs: number
}

/** Password checks (scrypt) run at most `concurrency` at a time; `maxQueued` more may wait. */
export interface ScryptQueueLimits {
  concurrency: number
  maxQueued: number
}

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly missing: string[] = [],
  ) {
    super(message)
    this.name = 'ConfigError'
  }
}

export const MOCK_SDK_APP_ID = 1400000001
export const DEFAULT_PORT = 8787
const REAL_MODE_VARIABLES = ['TCCC_SECRET_ID', 'TCCC_SECRET_KEY', 'TCCC_SDK_APP_ID'] as const

const serverRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const repoRoot = path.resolve(serverRoot, '..')
export const DEFAULT_AGENTS_FILE = path.join(serverRoot, 'data', 'agents.json')
export const DEFAULT_DATA_DIR = path.join(serverRoot, 'data', 'db')
export const DEFAULT_FAKE_SDK_FILE = path.join(repoRoot, 'debug', 'fake-tccc-web-sdk.js')

type Env = Record<string, string | undefined>

function present(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value ? value : undefined
}

function integer(env: Env, name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const raw = present(env, name)
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number (got "${raw}")`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}`)
  return value
}

/** `TCCC_ENDPOINT` may carry a scheme; plain host[:port] means https. */
function parseEndpoint(raw: string | undefined): Pick<TcccCredentials, 'endpoint' | 'protocol'> {
  const value = raw ?? 'ccc.tencentcloudapi.com'
  const match = /^(https?):\/\/(.+?)\/?$/i.exec(value)
  if (!match) return { endpoint: value.replace(/\/+$/, ''), protocol: 'https://' }
  return { endpoint: match[2], protocol: match[1].toLowerCase() === 'http' ? 'http://' : 'https://' }
}

function parseCors(env: Env, mode: Mode): CorsPolicy {
  const raw = present(env, 'CORS_ORIGINS')
  if (raw === undefined) return mode === 'mock' ? { kind: 'localhost' } : { kind: 'list', origins: [] }
  const origins = raw
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean)
  return { kind: 'list', origins }
}

function isAddressOrCidr(value: string): boolean {
  const [address, bits, ...rest] = value.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return false
  if (bits === undefined) return true
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)
}

/**
 * Only named proxies are trusted: with `true` any client could pick its own address in
 * X-Forwarded-For and walk around the per-address sign-in limits.
 */
function parseTrustProxy(raw: string | undefined): false | string[] {
  if (raw === undefined || raw === 'false') return false
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
  if (entries.some((entry) => ['true', '*', '0.0.0.0/0', '::/0'].includes(entry.toLowerCase()))) {
    throw new ConfigError(
      `TRUST_PROXY=${raw} would trust X-Forwarded-For from any client, so anyone could choose the address the sign-in limits count; list your reverse proxies' addresses or CIDRs instead (e.g. TRUST_PROXY=10.0.0.5,10.1.0.0/16)`,
    )
  }
  const invalid = entries.filter((entry) => !isAddressOrCidr(entry))
  if (invalid.length > 0 || entries.length === 0) {
    throw new ConfigError(`TRUST_PROXY must be "false" or a comma-separated list of IP addresses or CIDRs (not valid: ${invalid.join(', ') || raw})`)
  }
  return entries
}

function parseTimeouts(env: Env): Timeouts {
  const second = 1000
  const timeouts = {
    requestMs: integer(env, 'REQUEST_TIMEOUT_MS', 15 * second, { min: 1000, max: 300 * second }),
    headersMs: integer(env, 'HEADERS_TIMEOUT_MS', 10 * second, { min: 1000, max: 300 * second }),
    keepAliveMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 5 * second, { min: 1000, max: 300 * second }),
    idleSocketMs: integer(env, 'IDLE_SOCKET_TIMEOUT_MS', 30 * second, { min: 1000, max: 300 * second }),
  }
  // Node refuses a headers timeout longer than the request timeout.
  if (timeouts.headersMs > timeouts.requestMs) throw new ConfigError('HEADERS_TIMEOUT_MS must not be longer than REQUEST_TIMEOUT_MS')
  return timeouts
}

/**
 * The per-agent stored totals. At least 1 each: a cap of 0 would refuse every number and every
 * call record of every agent, which no business means (a typo). The numbers cap above the rows
 * cap could never be reached (every live number is a row).
 */
function parseWorkspaceCaps(env: Env): ServerConfig['workspaceCaps'] {
  const records = integer(env, 'WORKSPACE_RECORDS_MAX', 200_000, { min: 1, max: 100_000_000 })
  // Unset, it follows a records cap set lower than its default.
  const numbers = integer(env, 'WORKSPACE_NUMBERS_MAX', Math.min(20_000, records), { min: 1, max: 10_000_000 })
  if (numbers > records) throw new ConfigError(`WORKSPACE_NUMBERS_MAX (${numbers}) must not be higher than WORKSPACE_RECORDS_MAX (${records}): every live number is one of the agent's stored records`)
  return { numbers, records }
}

/** Tombstones kept from 1 day to 10 years (90 days unless set). */
export const TOMBSTONE_DAYS_DEFAULT = 90
export const TOMBSTONE_DAYS_MAX = 3650

/** Where the data lives: DATABASE_URL (postgres://…) or PGlite in DATA_DIR. */
export function databaseTarget(env: Env = process.env): DatabaseTarget {
  const url = present(env, 'DATABASE_URL')
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//i.test(url)) throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://')
    return { driver: 'postgres', url }
  }
  return { driver: 'pglite', dataDir: path.resolve(present(env, 'DATA_DIR') ?? DEFAULT_DATA_DIR) }
}

/** The mode this environment asks for: TCCC_MODE, else real when every real-mode variable is set. */
export function configuredMode(env: Env = process.env): Mode {
  const requested = present(env, 'TCCC_MODE')
  if (requested === 'real' || requested === 'mock') return requested
  return REAL_MODE_VARIABLES.every((name) => present(env, name) !== undefined) ? 'real' : 'mock'
}

/** Reads the configuration; throws ConfigError (naming the variables) when it cannot start. */
export function loadConfig(env: Env = process.env): ServerConfig {
  const requested = present(env, 'TCCC_MODE')
  if (requested !== undefined && requested !== 'real' && requested !== 'mock') {
    throw new ConfigError(`TCCC_MODE must be "real" or "mock" (got "${requested}")`)
  }
  const missingForReal = REAL_MODE_VARIABLES.filter((name) => present(env, name) === undefined)
  const mode = configuredMode(env)

  if (mode === 'real') {
    const missing: string[] = [...missingForReal]
    if (present(env, 'TOKEN_SIGNING_KEY') === undefined) missing.push('TOKEN_SIGNING_KEY')
    if (missing.length > 0) {
      throw new ConfigError(`Real mode needs these environment variables: ${missing.join(', ')}`, missing)
    }
  }

  const signingKey = present(env, 'TOKEN_SIGNING_KEY') ?? randomBytes(32).toString('base64url')
  if (signingKey.length < 32) throw new ConfigError('TOKEN_SIGNING_KEY must be at least 32 characters long')

  const sdkAppIdRaw = present(env, 'TCCC_SDK_APP_ID')
  if (sdkAppIdRaw !== undefined && !/^\d+$/.test(sdkAppIdRaw)) throw new ConfigError('TCCC_SDK_APP_ID must be a number')
  const sdkAppId = mode === 'real' ? Number(sdkAppIdRaw) : integer(env, 'MOCK_TCCC_SDK_APP_ID', MOCK_SDK_APP_ID, { min: 1 })

  const publicUrl = present(env, 'PUBLIC_URL')?.replace(/\/+$/, '') ?? null
  if (publicUrl !== null && !/^https?:\/\/[^/]+/i.test(publicUrl)) throw new ConfigError('PUBLIC_URL must start with http:// or https://')

  const minute = 60_000
  const loginMax = integer(env, 'LOGIN_RATE_LIMIT', 5, { min: 1 })
  // Unset, the cap follows a raised per-address limit (test rigs set LOGIN_RATE_LIMIT alone and
  // must still start); set below it, one address would reach the username's cap before its own.
  const loginUsernameMax = integer(env, 'LOGIN_USERNAME_RATE_LIMIT', Math.max(30, loginMax), { min: 1 })
  if (loginUsernameMax < loginMax) throw new ConfigError(`LOGIN_USERNAME_RATE_LIMIT (${loginUsernameMax}) must not be lower than LOGIN_RATE_LIMIT (${loginMax})`)
  return {
    mode,
    port: integer(env, 'TOKEN_PORT', DEFAULT_PORT, { max: 65535 }),
    // Loopback unless told otherwise: production sits behind a reverse proxy on the same host.
    host: present(env, 'TOKEN_HOST') ?? (mode === 'mock' ? 'localhost' : '127.0.0.1'),
    publicUrl,
    signingKey,
    accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL', 12 * 3600, { min: 1 }),
    cors: parseCors(env, mode),
    agentsFile: present(env, 'AGENTS_FILE') ?? DEFAULT_AGENTS_FILE,
    agentsFileExplicit: present(env, 'AGENTS_FILE') !== undefined,
    database: databaseTarget(env),
    adminKey: adminKey(env),
    fakeSdkFile: present(env, 'FAKE_TCCC_SDK_FILE') ?? DEFAULT_FAKE_SDK_FILE,
    sdkAppId,
    mockTokenTtlSeconds: integer(env, 'MOCK_TCCC_TOKEN_TTL', 3600, { min: 1 }),
    mockCallerNumbers: callerNumbers(present(env, 'MOCK_CALLER_NUMBERS') ?? DEFAULT_MOCK_CALLER_NUMBERS),
    tccc:
      mode === 'real'
        ? {
            secretId: present(env, 'TCCC_SECRET_ID') as string,
            secretKey: present(env, 'TCCC_SECRET_KEY') as string,
            ...parseEndpoint(present(env, 'TCCC_ENDPOINT')),
            region: present(env, 'TCCC_REGION') ?? '',
          }
        : null,
    rateLimits: {
      loginMax,
      loginWindowMs: integer(env, 'LOGIN_RATE_WINDOW_MS', minute, { min: 1 }),
      loginUsernameMax,
      loginUsernameWindowMs: integer(env, 'LOGIN_USERNAME_RATE_WINDOW_MS', 15 * minute, { min: 1 }),
      tokenMax: integer(env, 'TOKEN_RATE_LIMIT', 30, { min: 1 }),
      tokenWindowMs: integer(env, 'TOKEN_RATE_WINDOW_MS', minute, { min: 1 }),
      statusMax: integer(env, 'AGENT_STATUS_RATE_LIMIT', 60, { min: 1 }),
      statusWindowMs: integer(env, 'AGENT_STATUS_RATE_WINDOW_MS', minute, { min: 1 }),
      workspaceChangesPerDay: integer(env, 'WORKSPACE_CHANGES_PER_DAY', 50_000, { min: 1 }),
    },
    trustProxy: parseTrustProxy(present(env, 'TRUST_PROXY')),
    timeouts: parseTimeouts(env),
    workspaceCaps: parseWorkspaceCaps(env),
    workspaceTombstoneMs: integer(env, 'WORKSPACE_TOMBSTONE_DAYS', TOMBSTONE_DAYS_DEFAULT, { min: 1, max: TOMBSTONE_DAYS_MAX }) * 86_400_000,
    scrypt: {
      concurrency: integer(env, 'SCRYPT_CONCURRENCY', 2, { min: 1, max: 64 }),
      maxQueued: integer(env, 'SCRYPT_QUEUE', 32, { min: 0, max: 10_000 }),
    },
  }
}

/** Two made-up business numbers for development (a Guangzhou and a Shenzhen landline). */
export const DEFAULT_MOCK_CALLER_NUMBERS = '02000000000,075512345678'

function callerNumbers(raw: string): string[] {
  const numbers = raw.split(',').map((n) => n.trim()).filter(Boolean)
  const bad = numbers.find((n) => !/^\+?[0-9]{3,20}$/.test(n))
  if (bad !== undefined) throw new ConfigError(`MOCK_CALLER_NUMBERS must be comma-separated phone numbers (got "${bad}")`)
  return [...new Set(numbers)]
}

function adminKey(env: Env): string | null {
  const key = present(env, 'ADMIN_KEY')
  if (key !== undefined && key.length < 32) throw new ConfigError('ADMIN_KEY must be at least 32 characters long')
  return key ?? null
}

/** Names of the real-mode variables that are set, when some but not all are (likely a mistake). */
export function partialRealModeVariables(env: Env = process.env): string[] {
  const set = REAL_MODE_VARIABLES.filter((name) => present(env, name) !== undefined)
  return set.length > 0 && set.length < REAL_MODE_VARIABLES.length ? REAL_MODE_VARIABLES.filter((n) => !set.includes(n)) : []
}
