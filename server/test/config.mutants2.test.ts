// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { DEFAULT_FAKE_SDK_FILE, loadConfig } from '../src/config'
import { configError, mockConfig } from './helpers'

/** The message an operator reads when the server refuses to start with this environment. */
function refusal(env: Record<string, string>): string {
  return configError(env).message
}

const MAX = Number.MAX_SAFE_INTEGER

describe('loadConfig, the second half of the variables (mutation survivors)', () => {
  it('refuses a TCCC_SDK_APP_ID that is not all digits, even in mock mode', () => {
    for (const value of ['abc', 'x1400000042', '1400000042x']) {
      expect(refusal({ TCCC_SDK_APP_ID: value })).toBe('TCCC_SDK_APP_ID must be a number')
    }
    expect(mockConfig({ TCCC_SDK_APP_ID: '1400000042' }).sdkAppId).toBe(1400000001)
  })

  it('takes the mock SDK app id from MOCK_TCCC_SDK_APP_ID, at least 1', () => {
    expect(mockConfig({ MOCK_TCCC_SDK_APP_ID: '77' }).sdkAppId).toBe(77)
    expect(refusal({ MOCK_TCCC_SDK_APP_ID: '0' })).toBe(`MOCK_TCCC_SDK_APP_ID must be between 1 and ${MAX}`)
  })

  it('drops the trailing slashes of PUBLIC_URL and accepts http and https', () => {
    expect(mockConfig({ PUBLIC_URL: 'https://agents.example//' }).publicUrl).toBe('https://agents.example')
    expect(mockConfig({ PUBLIC_URL: 'http://10.0.0.5:8787/' }).publicUrl).toBe('http://10.0.0.5:8787')
    expect(mockConfig({ PUBLIC_URL: 'https://agents.example/app' }).publicUrl).toBe('https://agents.example/app')
    expect(mockConfig({}).publicUrl).toBeNull()
  })

  it('refuses a PUBLIC_URL that only contains a URL further on', () => {
    expect(refusal({ PUBLIC_URL: 'see https://agents.example' })).toBe('PUBLIC_URL must start with http:// or https://')
  })

  it('gives access tokens 12 hours by default and refuses ACCESS_TOKEN_TTL=0', () => {
    expect(mockConfig({}).accessTokenTtlSeconds).toBe(43_200)
    expect(refusal({ ACCESS_TOKEN_TTL: '0' })).toBe(`ACCESS_TOKEN_TTL must be between 1 and ${MAX}`)
  })

  it('reads AGENTS_FILE and remembers that it was given', () => {
    const given = mockConfig({ AGENTS_FILE: '/srv/tccc/agents.json' })
    expect(given.agentsFile).toBe('/srv/tccc/agents.json')
    expect(given.agentsFileExplicit).toBe(true)
    expect(mockConfig({}).agentsFileExplicit).toBe(false)
    expect(mockConfig({ AGENTS_FILE: '  ' }).agentsFileExplicit).toBe(false)
  })

  it('serves the debug fake SDK unless FAKE_TCCC_SDK_FILE names another', () => {
    expect(mockConfig({}).fakeSdkFile).toBe(DEFAULT_FAKE_SDK_FILE)
    expect(mockConfig({ FAKE_TCCC_SDK_FILE: '/srv/fake-sdk.js' }).fakeSdkFile).toBe('/srv/fake-sdk.js')
  })

  it('takes MOCK_TCCC_TOKEN_TTL, at least 1 second', () => {
    expect(mockConfig({ MOCK_TCCC_TOKEN_TTL: '90' }).mockTokenTtlSeconds).toBe(90)
    expect(refusal({ MOCK_TCCC_TOKEN_TTL: '0' })).toBe(`MOCK_TCCC_TOKEN_TTL must be between 1 and ${MAX}`)
  })

  it('has default rate limits and takes each override', () => {
    expect(mockConfig({}).rateLimits).toEqual({ loginMax: 5, loginWindowMs: 60_000, loginUsernameMax: 30, loginUsernameWindowMs: 900_000, tokenMax: 30, tokenWindowMs: 60_000, statusMax: 60, statusWindowMs: 60_000, workspaceChangesPerDay: 50_000 })
    const overridden = mockConfig({
      LOGIN_RATE_LIMIT: '3',
      LOGIN_RATE_WINDOW_MS: '1000',
      LOGIN_USERNAME_RATE_LIMIT: '8',
      LOGIN_USERNAME_RATE_WINDOW_MS: '9000',
      TOKEN_RATE_LIMIT: '4',
      TOKEN_RATE_WINDOW_MS: '2000',
      AGENT_STATUS_RATE_LIMIT: '6',
      AGENT_STATUS_RATE_WINDOW_MS: '3000',
      WORKSPACE_CHANGES_PER_DAY: '7',
    })
    expect(overridden.rateLimits).toEqual({ loginMax: 3, loginWindowMs: 1000, loginUsernameMax: 8, loginUsernameWindowMs: 9000, tokenMax: 4, tokenWindowMs: 2000, statusMax: 6, statusWindowMs: 3000, workspaceChangesPerDay: 7 })
  })

  it('refuses a per-username limit lower than the per-address one', () => {
    expect(refusal({ LOGIN_RATE_LIMIT: '10', LOGIN_USERNAME_RATE_LIMIT: '9' })).toBe('LOGIN_USERNAME_RATE_LIMIT (9) must not be lower than LOGIN_RATE_LIMIT (10)')
    expect(mockConfig({ LOGIN_RATE_LIMIT: '10', LOGIN_USERNAME_RATE_LIMIT: '10' }).rateLimits.loginUsernameMax).toBe(10)
    // Unset, it is 30, or the per-address limit when that is raised above it (the journeys' 1000).
    expect(mockConfig({}).rateLimits.loginUsernameMax).toBe(30)
    expect(mockConfig({ LOGIN_RATE_LIMIT: '1000' }).rateLimits.loginUsernameMax).toBe(1000)
  })

  it.each(['LOGIN_RATE_LIMIT', 'LOGIN_RATE_WINDOW_MS', 'LOGIN_USERNAME_RATE_LIMIT', 'LOGIN_USERNAME_RATE_WINDOW_MS', 'TOKEN_RATE_LIMIT', 'TOKEN_RATE_WINDOW_MS', 'AGENT_STATUS_RATE_LIMIT', 'AGENT_STATUS_RATE_WINDOW_MS', 'WORKSPACE_CHANGES_PER_DAY'])(
    'refuses %s=0 (a limit or window of nothing)',
    (name) => {
      expect(refusal({ [name]: '0' })).toBe(`${name} must be between 1 and ${MAX}`)
    },
  )

  it('refuses a password-check queue over 10000', () => {
    expect(mockConfig({ SCRYPT_QUEUE: '10000' }).scrypt.maxQueued).toBe(10_000)
    expect(refusal({ SCRYPT_QUEUE: '10001' })).toBe('SCRYPT_QUEUE must be between 0 and 10000')
  })
})

describe('MOCK_CALLER_NUMBERS (mutation survivors)', () => {
  it('answers two development numbers by default', () => {
    expect(mockConfig({}).mockCallerNumbers).toEqual(['02000000000', '075512345678'])
  })

  it('trims, skips empty entries and drops repeats', () => {
    expect(mockConfig({ MOCK_CALLER_NUMBERS: ' +8613800000000, 02000000000,,02000000000, ' }).mockCallerNumbers).toEqual(['+8613800000000', '02000000000'])
  })

  it.each(['abc', 'x123', '123x', '12', '02000000000,0755-1234'])('refuses MOCK_CALLER_NUMBERS=%s, naming the bad entry', (value) => {
    const bad = value.split(',').at(-1)
    expect(refusal({ MOCK_CALLER_NUMBERS: value })).toBe(`MOCK_CALLER_NUMBERS must be comma-separated phone numbers (got "${bad}")`)
  })
})

describe('ADMIN_KEY (mutation survivors)', () => {
  it('has none unless ADMIN_KEY is set, and takes a key of 32 characters or more', () => {
    expect(mockConfig({}).adminKey).toBeNull()
    expect(mockConfig({ ADMIN_KEY: 'a'.repeat(32) }).adminKey).toBe('a'.repeat(32))
    expect(loadConfig({ ADMIN_KEY: ` ${'b'.repeat(40)} ` }).adminKey).toBe('b'.repeat(40))
  })

  it('refuses a shorter ADMIN_KEY', () => {
    expect(refusal({ ADMIN_KEY: 'a'.repeat(31) })).toBe('ADMIN_KEY must be at least 32 characters long')
  })
})
