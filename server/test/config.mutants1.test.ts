// @vitest-environment node
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_DATA_DIR, databaseTarget, loadConfig } from '../src/config'
import { configError, mockConfig } from './helpers'

/** Real mode with credentials, plus the overrides under test. */
function realConfig(env: Record<string, string>) {
  return mockConfig({ TCCC_MODE: 'real', TCCC_SECRET_ID: 'AKIDy', TCCC_SECRET_KEY: 'secret', TCCC_SDK_APP_ID: '1400000077', ...env })
}

describe('config parsing (mutation survivors, config.ts up to line 200)', () => {
  it('names its errors ConfigError and lists no missing variables for a plain bad value', () => {
    const err = configError({ TOKEN_PORT: 'abc' })
    expect(err.name).toBe('ConfigError')
    expect(err.missing).toEqual([])
    expect(err.message).toBe('TOKEN_PORT must be a whole number (got "abc")')
  })

  it('ignores spaces around a value and treats a blank value as unset', () => {
    const config = mockConfig({ TOKEN_PORT: ' 9000 ', TCCC_MODE: ' mock ', ACCESS_TOKEN_TTL: '   ' })
    expect(config.port).toBe(9000)
    expect(config.mode).toBe('mock')
    expect(config.accessTokenTtlSeconds).toBe(12 * 3600)
  })

  it.each(['x1', '1x', '12 34'])('refuses a number with other characters around it (TOKEN_PORT=%s)', (value) => {
    expect(configError({ TOKEN_PORT: value }).message).toBe(`TOKEN_PORT must be a whole number (got "${value}")`)
  })

  it('accepts the upper bound itself and refuses one past it, naming the range', () => {
    expect(mockConfig({ TOKEN_PORT: '65535' }).port).toBe(65535)
    expect(configError({ TOKEN_PORT: '65536' }).message).toBe('TOKEN_PORT must be between 0 and 65535')
  })

  it('reads the TCCC_ENDPOINT scheme with or without a trailing slash, in any case', () => {
    expect(realConfig({ TCCC_ENDPOINT: 'http://ccc.local.test:9000' }).tccc).toMatchObject({ endpoint: 'ccc.local.test:9000', protocol: 'http://' })
    expect(realConfig({ TCCC_ENDPOINT: 'HTTP://ccc.local.test' }).tccc).toMatchObject({ endpoint: 'ccc.local.test', protocol: 'http://' })
    expect(realConfig({ TCCC_ENDPOINT: 'https://ccc.example.com/' }).tccc).toMatchObject({ endpoint: 'ccc.example.com', protocol: 'https://' })
    expect(realConfig({ TCCC_ENDPOINT: 'HTTPS://ccc.example.com' }).tccc).toMatchObject({ endpoint: 'ccc.example.com', protocol: 'https://' })
  })

  it('keeps a scheme-less TCCC_ENDPOINT as https, dropping only its trailing slashes', () => {
    expect(realConfig({ TCCC_ENDPOINT: 'ccc.example.com/' }).tccc).toMatchObject({ endpoint: 'ccc.example.com', protocol: 'https://' })
    expect(realConfig({ TCCC_ENDPOINT: 'ccc.example.com//' }).tccc).toMatchObject({ endpoint: 'ccc.example.com', protocol: 'https://' })
    expect(realConfig({ TCCC_ENDPOINT: 'ccc.example.com/v2/' }).tccc).toMatchObject({ endpoint: 'ccc.example.com/v2', protocol: 'https://' })
    expect(realConfig({ TCCC_ENDPOINT: 'gw.example/http://ccc' }).tccc).toMatchObject({ endpoint: 'gw.example/http://ccc', protocol: 'https://' })
  })

  it('drops empty CORS_ORIGINS entries and every trailing slash of an origin', () => {
    expect(mockConfig({ CORS_ORIGINS: 'https://a.example/, ,https://b.example//,' }).cors).toEqual({ kind: 'list', origins: ['https://a.example', 'https://b.example'] })
  })

  it('accepts a trailing comma in TRUST_PROXY, the widest single-host CIDRs and IPv6 prefixes longer than 32', () => {
    expect(mockConfig({ TRUST_PROXY: '10.0.0.5,' }).trustProxy).toEqual(['10.0.0.5'])
    expect(mockConfig({ TRUST_PROXY: '10.0.0.5/32,2001:db8::/64,::1/128' }).trustProxy).toEqual(['10.0.0.5/32', '2001:db8::/64', '::1/128'])
  })

  it('refuses TRUST_PROXY=::/0 as trusting every client', () => {
    expect(configError({ TRUST_PROXY: '::/0' }).message).toContain('TRUST_PROXY=::/0 would trust X-Forwarded-For from any client')
  })

  it.each(['10.0.0.0/8/8', '10.0.0.0/+8', '10.0.0.0/8.0', '10.0.0.0/1e1', '::1/129'])('refuses the malformed CIDR TRUST_PROXY=%s', (value) => {
    expect(configError({ TRUST_PROXY: value }).message).toBe(`TRUST_PROXY must be "false" or a comma-separated list of IP addresses or CIDRs (not valid: ${value})`)
  })

  it('names only the bad TRUST_PROXY entries, and the whole value when there are no entries', () => {
    expect(configError({ TRUST_PROXY: '10.0.0.5,proxy.example,10.0.0.6' }).message).toBe(
      'TRUST_PROXY must be "false" or a comma-separated list of IP addresses or CIDRs (not valid: proxy.example)',
    )
    expect(configError({ TRUST_PROXY: ', ,' }).message).toBe('TRUST_PROXY must be "false" or a comma-separated list of IP addresses or CIDRs (not valid: , ,)')
  })

  it.each(['REQUEST_TIMEOUT_MS', 'HEADERS_TIMEOUT_MS', 'KEEP_ALIVE_TIMEOUT_MS', 'IDLE_SOCKET_TIMEOUT_MS'])('keeps %s between one second and five minutes', (name) => {
    const range = `${name} must be between 1000 and 300000`
    expect(configError({ [name]: '999' }).message).toBe(range)
    expect(configError({ REQUEST_TIMEOUT_MS: '300000', [name]: '300001' }).message).toBe(range)
    const longest = mockConfig({ REQUEST_TIMEOUT_MS: '300000', [name]: '300000' }).timeouts
    const shortest = mockConfig({ HEADERS_TIMEOUT_MS: '1000', [name]: '1000' }).timeouts
    const key = { REQUEST_TIMEOUT_MS: 'requestMs', HEADERS_TIMEOUT_MS: 'headersMs', KEEP_ALIVE_TIMEOUT_MS: 'keepAliveMs', IDLE_SOCKET_TIMEOUT_MS: 'idleSocketMs' }[name] as keyof typeof longest
    expect(longest[key]).toBe(300_000)
    expect(shortest[key]).toBe(1000)
  })

  it('keeps the data in PGlite under DATA_DIR (resolved) or the default directory', () => {
    expect(loadConfig({}).database).toEqual({ driver: 'pglite', dataDir: DEFAULT_DATA_DIR })
    expect(databaseTarget({ DATA_DIR: 'var/tccc-db' })).toEqual({ driver: 'pglite', dataDir: path.resolve('var/tccc-db') })
  })

  it.each(['postgres://u:p@db:5432/tccc', 'postgresql://db/tccc', 'POSTGRES://db/tccc'])('uses PostgreSQL for DATABASE_URL=%s', (url) => {
    expect(mockConfig({ DATABASE_URL: url, DATA_DIR: '/srv/ignored' }).database).toEqual({ driver: 'postgres', url })
  })

  it.each(['mysql://db/tccc', 'xpostgres://db/tccc', 'postgresq://db/tccc'])('refuses DATABASE_URL=%s, saying which schemes work', (url) => {
    expect(configError({ DATABASE_URL: url }, databaseTarget).message).toBe('DATABASE_URL must start with postgres:// or postgresql://')
  })
})
