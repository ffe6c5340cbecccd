// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { DEFAULT_AGENTS_FILE, loadConfig, partialRealModeVariables } from '../src/config'
import { configError } from './helpers'

const REAL = { TCCC_SECRET_ID: 'AKIDx', TCCC_SECRET_KEY: 'key', TCCC_SDK_APP_ID: '1400000042', TOKEN_SIGNING_KEY: 'k'.repeat(32) }

/** The bare environment, without the test signing key mockConfig adds. */
const configErrorOf = (env: Record<string, string>) => configError(env, loadConfig)

describe('loadConfig', () => {
  it('defaults to mock mode with a random per-process signing key', () => {
    const a = loadConfig({})
    const b = loadConfig({})
    expect(a.mode).toBe('mock')
    expect(a.port).toBe(8787)
    expect(a.sdkAppId).toBe(1400000001)
    expect(a.mockTokenTtlSeconds).toBe(3600)
    expect(a.agentsFile).toBe(DEFAULT_AGENTS_FILE)
    expect(a.cors).toEqual({ kind: 'localhost' })
    expect(a.tccc).toBeNull()
    expect(a.signingKey.length).toBeGreaterThanOrEqual(32)
    expect(a.signingKey).not.toBe(b.signingKey)
  })

  it('switches to real mode when the three TCCC variables are set', () => {
    const config = loadConfig(REAL)
    expect(config.mode).toBe('real')
    expect(config.sdkAppId).toBe(1400000042)
    expect(config.tccc).toEqual({ secretId: 'AKIDx', secretKey: 'key', endpoint: 'ccc.tencentcloudapi.com', protocol: 'https://', region: '' })
    expect(config.cors).toEqual({ kind: 'list', origins: [] })
  })

  it('refuses TCCC_MODE=real without credentials, naming every missing variable', () => {
    const err = configErrorOf({ TCCC_MODE: 'real', TCCC_SECRET_ID: 'AKIDx' })
    expect(err.missing).toEqual(['TCCC_SECRET_KEY', 'TCCC_SDK_APP_ID', 'TOKEN_SIGNING_KEY'])
    expect(err.message).toBe('Real mode needs these environment variables: TCCC_SECRET_KEY, TCCC_SDK_APP_ID, TOKEN_SIGNING_KEY')
  })

  it('requires TOKEN_SIGNING_KEY in real mode', () => {
    const { TOKEN_SIGNING_KEY: _omit, ...env } = REAL
    expect(configErrorOf(env).missing).toEqual(['TOKEN_SIGNING_KEY'])
  })

  it('stays in mock mode when TCCC_MODE=mock even with credentials', () => {
    expect(loadConfig({ ...REAL, TCCC_MODE: 'mock' }).mode).toBe('mock')
  })

  it('reports partially configured real-mode variables', () => {
    expect(partialRealModeVariables({ TCCC_SECRET_ID: 'x' })).toEqual(['TCCC_SECRET_KEY', 'TCCC_SDK_APP_ID'])
    expect(partialRealModeVariables({})).toEqual([])
    expect(partialRealModeVariables(REAL)).toEqual([])
  })

  it('parses the endpoint scheme, region, port 0, TTLs and CORS list', () => {
    const config = loadConfig({ ...REAL, TCCC_ENDPOINT: 'http://ccc.local.test:9000/', TCCC_REGION: 'ap-guangzhou', TOKEN_PORT: '0', ACCESS_TOKEN_TTL: '120', CORS_ORIGINS: 'https://a.example, https://b.example' })
    expect(config.tccc).toMatchObject({ endpoint: 'ccc.local.test:9000', protocol: 'http://', region: 'ap-guangzhou' })
    expect(config.port).toBe(0)
    expect(config.accessTokenTtlSeconds).toBe(120)
    expect(config.cors).toEqual({ kind: 'list', origins: ['https://a.example', 'https://b.example'] })
  })

  it.each([
    [{ TOKEN_PORT: 'abc' }, 'TOKEN_PORT must be a whole number'],
    [{ TOKEN_PORT: '70000' }, 'TOKEN_PORT must be between'],
    [{ TCCC_MODE: 'prod' }, 'TCCC_MODE must be'],
    [{ TOKEN_SIGNING_KEY: 'short' }, 'at least 32 characters'],
    [{ PUBLIC_URL: 'example.com' }, 'PUBLIC_URL must start with'],
  ])('rejects bad values %o', (env, message) => {
    expect(configErrorOf(env as Record<string, string>).message).toContain(message)
  })

  it('listens on loopback by default in real mode too (TOKEN_HOST opens it up)', () => {
    expect(loadConfig(REAL).host).toBe('127.0.0.1')
    expect(loadConfig({}).host).toBe('localhost')
    expect(loadConfig({ ...REAL, TOKEN_HOST: '0.0.0.0' }).host).toBe('0.0.0.0')
  })

  it('takes TRUST_PROXY as a list of proxy addresses and CIDRs', () => {
    expect(loadConfig({}).trustProxy).toBe(false)
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false)
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1,fd00::/8' }).trustProxy).toEqual(['10.0.0.5', '10.1.0.0/16', '::1', 'fd00::/8'])
  })

  it.each(['true', '*', 'TRUE', '10.0.0.5,*', '0.0.0.0/0'])('refuses TRUST_PROXY=%s, saying why', (value) => {
    const err = configErrorOf({ TRUST_PROXY: value })
    expect(err.message).toContain('would trust X-Forwarded-For from any client')
    expect(err.message).toContain("list your reverse proxies' addresses or CIDRs")
  })

  it.each(['proxy.example', '10.0.0.300', '10.0.0.0/33', '1'])('refuses TRUST_PROXY=%s that is not an address or CIDR', (value) => {
    expect(configErrorOf({ TRUST_PROXY: value }).message).toContain(`TRUST_PROXY must be "false" or a comma-separated list of IP addresses or CIDRs (not valid: ${value})`)
  })

  it('has request, header, keep-alive and idle timeouts by default, and takes overrides', () => {
    expect(loadConfig({}).timeouts).toEqual({ requestMs: 15_000, headersMs: 10_000, keepAliveMs: 5_000, idleSocketMs: 30_000 })
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '20000', HEADERS_TIMEOUT_MS: '20000' }).timeouts).toMatchObject({ requestMs: 20_000, headersMs: 20_000 })
    expect(configErrorOf({ HEADERS_TIMEOUT_MS: '20000' }).message).toBe('HEADERS_TIMEOUT_MS must not be longer than REQUEST_TIMEOUT_MS')
  })

  it('bounds the password-check queue', () => {
    expect(loadConfig({}).scrypt).toEqual({ concurrency: 2, maxQueued: 32 })
    expect(loadConfig({ SCRYPT_CONCURRENCY: '4', SCRYPT_QUEUE: '0' }).scrypt).toEqual({ concurrency: 4, maxQueued: 0 })
    expect(configErrorOf({ SCRYPT_CONCURRENCY: '0' }).message).toContain('SCRYPT_CONCURRENCY must be between 1 and 64')
  })
})
