// @vitest-environment node
/**
 * server/src/app.ts as a client and an operator see it, written for the surviving mutants of
 * issue 13 (docs/mutation/app.md): exact error bodies and headers, the sign-in body checks at
 * their limits, the bearer header forms, CORS for localhost and lists, the error handler's
 * branches, log lines, the issuer's arguments, and the background pruning.
 */
import { tmpdir } from 'node:os'
import { mkdtempSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { connect, type AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildServer, protocolErrorResponse } from '../src/app'
import { silentWav } from '../src/cccRecords'
import { TcccRefusedError, type TcccTokenIssuer } from '../src/tccc'
import { AGENT1, AGENT2, databasePerFile, LogCapture, login, manualClock, mockConfig, requestToken } from './helpers'
import { serverPerTest } from './serverHarness'

vi.setConfig({ testTimeout: 60_000 })

const db = databasePerFile()
const { start, track } = serverPerTest(db)
// Registered after the server's hook, so it runs first (hooks unwind): real timers before the close.
afterEach(() => {
  vi.useRealTimers()
})

const post = (server: FastifyInstance, payload: string, contentType = 'application/json') =>
  server.inject({ method: 'POST', url: '/api/auth/login', payload, headers: { 'content-type': contentType } })

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('sign-in body checks (exact answers)', () => {
  const OBJECT = 'Body must be a JSON object {"username": string, "password": string}'
  const USERNAME = '"username" must be a non-empty string of at most 254 characters'
  const PASSWORD = '"password" must be a non-empty string of at most 1024 characters'

  it.each([
    ['an XML body', '<login/>', 'application/xml', 'Send a JSON body with Content-Type: application/json'],
    ['JSON sent as text/plain', '{"username":"a","password":"b"}', 'text/plain', 'Send a JSON body with Content-Type: application/json'],
    ['JSON null', 'null', 'application/json', OBJECT],
    ['a JSON string', '"agent1"', 'application/json', OBJECT],
    ['a JSON number', '42', 'application/json', OBJECT],
    ['an array', '[]', 'application/json', OBJECT],
    ['only blanks', '   ', 'application/json', OBJECT],
    ['a missing username', '{"password":"x"}', 'application/json', USERNAME],
    ['a blank username', '{"username":" \\t ","password":"x"}', 'application/json', USERNAME],
    ['a username of 255 characters', JSON.stringify({ username: 'u'.repeat(255), password: 'x' }), 'application/json', USERNAME],
    ['an empty password', '{"username":"agent1@example.com","password":""}', 'application/json', PASSWORD],
    ['a numeric password', '{"username":"agent1@example.com","password":7}', 'application/json', PASSWORD],
    ['a password of 1025 characters', JSON.stringify({ username: 'agent1@example.com', password: 'p'.repeat(1025) }), 'application/json', PASSWORD],
    ['broken JSON', '{"username"', 'application/json', 'Request body is not valid JSON'],
  ])('answers 400 with the exact message for %s', async (_label, payload, contentType, message) => {
    const server = await start()
    const res = await post(server, payload, contentType)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message } })
    expect(res.headers['www-authenticate']).toBeUndefined()
  })

  it('checks a password at the limits: 254-character username and 1024-character password reach the password check', async () => {
    const server = await start()
    const res = await post(server, JSON.stringify({ username: 'u'.repeat(254), password: 'p'.repeat(1024) }))
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: { code: 'BAD_CREDENTIALS', message: 'Wrong username or password' } })
    expect(res.headers['www-authenticate']).toBe('Bearer')
  })
})

describe('sign-in limits (exact answers)', () => {
  it('answers 429 with Retry-After in seconds until the window reopens', async () => {
    const clock = manualClock()
    const server = await start({ LOGIN_RATE_LIMIT: '1', LOGIN_RATE_WINDOW_MS: '60000' }, { now: clock.now })
    expect((await login(server, { username: AGENT1.username, password: 'wrong-pass' })).res.statusCode).toBe(401)
    clock.advance(15_000)
    const limited = (await login(server, AGENT1)).res
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBe('45')
    expect(limited.json()).toEqual({ error: { code: 'RATE_LIMITED', message: 'Too many sign-in attempts; try again in 45 seconds' } })
    clock.advance(45_000)
    expect((await login(server, AGENT1)).res.statusCode).toBe(200)
  })

  it('allows six successful sign-ins per username and window (LOGIN_RATE_LIMIT x 6), then answers 429', async () => {
    const clock = manualClock()
    const server = await start({ LOGIN_RATE_LIMIT: '1', LOGIN_RATE_WINDOW_MS: '60000' }, { now: clock.now })
    for (let i = 0; i < 6; i++) expect((await login(server, AGENT1)).res.statusCode).toBe(200)
    clock.advance(10_000)
    const limited = (await login(server, AGENT1)).res
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBe('50')
    expect(limited.json()).toEqual({ error: { code: 'RATE_LIMITED', message: 'Too many sign-in attempts; try again in 50 seconds' } })
    // No session was started for the refused sign-in: the other agent is unaffected.
    expect((await login(server, AGENT2)).res.statusCode).toBe(200)
  })
})

describe('sign-in answer', () => {
  it('answers the access token, its lifetime and the agent, and starts a session in the database', async () => {
    const clock = manualClock()
    const server = await start({ ACCESS_TOKEN_TTL: '900', MOCK_TCCC_SDK_APP_ID: '1400000077' }, { now: clock.now })
    const { res, body } = await login(server, AGENT2)
    expect(res.statusCode).toBe(200)
    expect(Object.keys(body).sort()).toEqual(['accessToken', 'agent', 'expiresIn', 'signInFailures'])
    expect(body.signInFailures).toEqual({ failures: 0, lastFailureAt: null, locked: false })
    expect(body.expiresIn).toBe(900)
    expect(body.agent).toEqual({ userId: 'agent2@example.com', sdkAppId: 1400000077, workspaceId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) })
    const rows = await db.query<{ user_id: string; issued_at: string; expires_at: string; ended_at: string | null }>('SELECT user_id, issued_at, expires_at, ended_at FROM sessions')
    expect(rows).toHaveLength(1)
    expect(rows[0].user_id).toBe('agent2@example.com')
    expect(Number(rows[0].issued_at)).toBe(clock.now())
    expect(Number(rows[0].expires_at)).toBe(Math.floor(clock.now() / 1000) * 1000 + 900_000)
    expect(rows[0].ended_at).toBeNull()
  })
})

describe('bearer header forms', () => {
  it('accepts any case of "Bearer", several spaces and trailing blanks', async () => {
    const server = await start()
    const { body } = await login(server, AGENT1)
    for (const authorization of [`bearer ${body.accessToken}`, `BEARER   ${body.accessToken}`, `Bearer ${body.accessToken}  `, `Bearer\t${body.accessToken}`]) {
      const res = await server.inject({ method: 'POST', url: '/api/tccc/token', headers: { authorization } })
      expect(res.statusCode).toBe(200)
    }
  })

  it('refuses a header with text before "Bearer" or after the token', async () => {
    const server = await start()
    const { body } = await login(server, AGENT1)
    for (const authorization of [`XBearer ${body.accessToken}`, `Bearer ${body.accessToken} extra`, `Token Bearer ${body.accessToken}`]) {
      const res = await server.inject({ method: 'POST', url: '/api/tccc/token', headers: { authorization } })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Sign in first: missing "Authorization: Bearer <accessToken>"' } })
    }
  })

  it('names what is wrong: missing header, bad token, ended session, removed agent', async () => {
    const server = await start()
    const missing = await requestToken(server, null)
    expect(missing.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Sign in first: missing "Authorization: Bearer <accessToken>"' } })
    expect(missing.headers['www-authenticate']).toBe('Bearer')
    const bad = await requestToken(server, 'at1.x.y')
    expect(bad.statusCode).toBe(401)
    expect(bad.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'The access token is not valid; sign in again' } })
    const { body } = await login(server, AGENT1)
    await server.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(body.accessToken) })
    const ended = await requestToken(server, body.accessToken)
    expect(ended.statusCode).toBe(401)
    expect(ended.json()).toEqual({ error: { code: 'SESSION_EXPIRED', message: 'The session has ended; sign in again' } })
    expect(ended.headers['www-authenticate']).toBe('Bearer')
    const second = (await login(server, AGENT1)).body.accessToken
    await db.query('DELETE FROM sessions')
    const unknown = await requestToken(server, second)
    expect(unknown.statusCode).toBe(401)
    expect(unknown.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'This agent account no longer exists' } })
  })

  it("refuses a session whose seat is not the token's agent", async () => {
    const server = await start()
    const { body } = await login(server, AGENT1)
    await db.query("UPDATE sessions SET user_id = 'agent2@example.com'")
    const res = await requestToken(server, body.accessToken)
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'This agent account no longer exists' } })
  })
})

describe('logout', () => {
  it('signs out with an expired access token (204) but refuses it for a TCCC token', async () => {
    const clock = manualClock()
    const server = await start({ ACCESS_TOKEN_TTL: '60' }, { now: clock.now })
    const { body } = await login(server, AGENT1)
    clock.advance(61_000)
    expect((await requestToken(server, body.accessToken)).json().error.code).toBe('SESSION_EXPIRED')
    const res = await server.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(body.accessToken) })
    expect(res.statusCode).toBe(204)
    expect(res.body).toBe('')
    // The expired session is left as it was: nothing to end.
    expect((await db.query<{ ended_at: string | null }>('SELECT ended_at FROM sessions'))[0].ended_at).toBeNull()
  })

  it('ends the session in the database at the current time and logs who signed out', async () => {
    const clock = manualClock()
    const logs = new LogCapture()
    const server = await start({}, { now: clock.now, logStream: logs })
    const { body } = await login(server, AGENT1)
    clock.advance(5_000)
    const res = await server.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(body.accessToken) })
    expect(res.statusCode).toBe(204)
    expect(Number((await db.query<{ ended_at: string }>('SELECT ended_at FROM sessions'))[0].ended_at)).toBe(clock.now())
    const line = logs.lines.map((l) => JSON.parse(l) as { msg: string; userId?: string }).find((l) => l.msg === 'agent signed out')
    expect(line?.userId).toBe('agent1@example.com')
  })

  it('answers an ended session on logout with 204 too', async () => {
    const server = await start()
    const { body } = await login(server, AGENT1)
    await db.query('UPDATE sessions SET ended_at = 1')
    expect((await server.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(body.accessToken) })).statusCode).toBe(204)
  })
})

describe('TCCC token route', () => {
  function recordingIssuer(result: () => Promise<unknown>) {
    const calls: Array<[string, { baseUrl: string }]> = []
    const issuer = {
      issue: (userId: string, context: { baseUrl: string }) => {
        calls.push([userId, context])
        return result()
      },
    } as TcccTokenIssuer
    return { calls, issuer }
  }

  it("asks the issuer for the agent's seat with the listening port as base URL, and answers what it issued", async () => {
    const { calls, issuer } = recordingIssuer(async () => ({ token: 't', expiresAt: 1 }))
    const server = await start({}, { issuer })
    await server.listen({ port: 0, host: '127.0.0.1' })
    const port = (server.server.address() as AddressInfo).port
    const { body } = await login(server, AGENT2)
    const res = await requestToken(server, body.accessToken)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ token: 't', expiresAt: 1 })
    expect(calls).toEqual([['agent2@example.com', { baseUrl: `http://localhost:${port}` }]])
  })

  it('uses PUBLIC_URL as base URL when set, and TOKEN_PORT before listening', async () => {
    const { calls, issuer } = recordingIssuer(async () => ({ token: 't' }))
    const server = await start({ PUBLIC_URL: 'https://agents.example' }, { issuer })
    await requestToken(server, (await login(server, AGENT1)).body.accessToken)
    await server.close()
    const app = track(await buildServer(mockConfig({ TOKEN_PORT: '9123' }), { db, report: () => {}, issuer }))
    await requestToken(app, (await login(app, AGENT1)).body.accessToken)
    expect(calls.map(([, c]) => c.baseUrl)).toEqual(['https://agents.example', 'http://localhost:9123'])
  })

  it('answers a TCCC refusal as 502 TCCC_REFUSED, with tcccCode only when TCCC gave one', async () => {
    let next: Error = new TcccRefusedError('TCCC said no', 'FailedOperation')
    const { issuer } = recordingIssuer(async () => {
      throw next
    })
    const logs = new LogCapture()
    const server = await start({}, { issuer, logStream: logs })
    const { body } = await login(server, AGENT1)
    const coded = await requestToken(server, body.accessToken)
    expect(coded.statusCode).toBe(502)
    expect(coded.json()).toEqual({ error: { code: 'TCCC_REFUSED', message: 'TCCC said no', tcccCode: 'FailedOperation' } })
    expect(coded.headers['www-authenticate']).toBeUndefined()
    next = new TcccRefusedError('The TCCC API could not be reached')
    const uncoded = await requestToken(server, body.accessToken)
    expect(uncoded.statusCode).toBe(502)
    expect(uncoded.json()).toEqual({ error: { code: 'TCCC_REFUSED', message: 'The TCCC API could not be reached' } })
    const warned = logs.lines.map((l) => JSON.parse(l) as { msg: string; level: number; userId?: string; tcccCode?: string }).filter((l) => l.msg === 'TCCC refused the token request')
    expect(warned.map((l) => [l.level, l.userId, l.tcccCode])).toEqual([
      [40, 'agent1@example.com', 'FailedOperation'],
      [40, 'agent1@example.com', undefined],
    ])
  })

  it('answers any other failure as 500 INTERNAL and logs it without its message', async () => {
    const logs = new LogCapture()
    const { issuer } = recordingIssuer(async () => {
      throw new Error('secret-detail-123')
    })
    const server = await start({}, { issuer, logStream: logs })
    const res = await requestToken(server, (await login(server, AGENT1)).body.accessToken)
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } })
    const line = logs.lines.map((l) => JSON.parse(l) as { msg: string; level: number; err?: Record<string, unknown> }).find((l) => l.msg === 'unexpected error')
    expect(line?.level).toBe(50)
    expect(line?.err).toMatchObject({ type: 'Error', message: '[omitted]' })
    const stack = String(line?.err?.stack).split('\n')
    expect(stack.length).toBeGreaterThan(1)
    for (const frame of stack) expect(frame).toMatch(/^\s+at /)
    expect(logs.text).not.toContain('secret-detail-123')
  })

  it('answers 429 RATE_LIMITED with the seconds to wait, per agent', async () => {
    const server = await start({ TOKEN_RATE_LIMIT: '1', TOKEN_RATE_WINDOW_MS: '30000' })
    const a1 = (await login(server, AGENT1)).body.accessToken
    expect((await requestToken(server, a1)).statusCode).toBe(200)
    const limited = await requestToken(server, a1)
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBe('30')
    expect(limited.json()).toEqual({ error: { code: 'RATE_LIMITED', message: 'Too many requests; try again in 30 seconds' } })
    expect((await requestToken(server, (await login(server, AGENT2)).body.accessToken)).statusCode).toBe(200)
  })

  it('requests for unknown paths are counted in one line a minute, not logged one by one; known paths are still logged', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    onTestFinished(() => {
      vi.useRealTimers()
    })
    const logs = new LogCapture()
    const server = await start({}, { logStream: logs })
    for (let i = 0; i < 50; i += 1) expect((await server.inject({ method: 'GET', url: `/${'x'.repeat(15_000)}${i}` })).statusCode).toBe(404)
    await server.inject({ method: 'GET', url: '/healthz' })
    const lines = logs.lines.map((l) => JSON.parse(l) as { msg: string; req?: { url: string }; count?: number })
    expect(lines.filter((l) => l.req?.url === '/healthz')).toHaveLength(1)
    expect(logs.text).not.toContain('xxxx')
    expect(Math.max(...logs.lines.map((l) => l.length))).toBeLessThan(1000)
    vi.advanceTimersByTime(60_000)
    const counted = logs.lines.map((l) => JSON.parse(l) as { msg: string; count?: number }).filter((l) => l.msg === 'requests for unknown paths in the last minute')
    expect(counted.map((l) => l.count)).toEqual([50])
    vi.advanceTimersByTime(60_000)
    expect(logs.lines.filter((l) => l.includes('unknown paths'))).toHaveLength(1)
  })

  it('logs the issued token only by its expiry', async () => {
    const logs = new LogCapture()
    const server = await start({}, { logStream: logs })
    const issued = (await requestToken(server, (await login(server, AGENT1)).body.accessToken)).json()
    const line = logs.lines.map((l) => JSON.parse(l) as { msg: string; userId?: string; expiresAt?: number }).find((l) => l.msg === 'issued TCCC token')
    expect(line).toMatchObject({ userId: 'agent1@example.com', expiresAt: issued.expiresAt })
  })
})

describe('response headers and CORS', () => {
  it('sends nosniff everywhere and no-store on the API, not on mock recordings', async () => {
    const server = await start()
    const health = await server.inject({ method: 'GET', url: '/healthz' })
    expect(health.headers['x-content-type-options']).toBe('nosniff')
    expect(health.headers['cache-control']).toBe('no-store')
    const missing = await server.inject({ method: 'GET', url: '/nope' })
    expect(missing.headers['x-content-type-options']).toBe('nosniff')
    expect(missing.headers['cache-control']).toBe('no-store')
    // JSON only: no framing, no scripts, no referrer (the mock SDK and recordings are not pages either).
    for (const res of [health, missing]) {
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'")
      expect(res.headers['referrer-policy']).toBe('no-referrer')
    }
    const wav = await server.inject({ method: 'GET', url: '/mock/recordings/call-1.wav' })
    expect(wav.headers['content-security-policy']).toBeUndefined()
    expect(wav.statusCode).toBe(200)
    expect(wav.headers['content-type']).toBe('audio/wav')
    expect(wav.rawPayload.equals(silentWav())).toBe(true)
    expect(wav.headers['x-content-type-options']).toBe('nosniff')
    expect(wav.headers['cache-control']).toBeUndefined()
  })

  it('serves the fake SDK with no-store, and says which file is missing', async () => {
    const server = await start()
    const sdk = await server.inject({ method: 'GET', url: '/mock/tccc-sdk.js' })
    expect(sdk.statusCode).toBe(200)
    expect(sdk.headers['cache-control']).toBe('no-store')
    await server.close()
    const app = track(await buildServer(mockConfig({ FAKE_TCCC_SDK_FILE: path.join(tmpdir(), 'no-such-dir-x', 'sdk.js') }), { db, report: () => {} }))
    const res = await app.inject({ method: 'GET', url: '/mock/tccc-sdk.js' })
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'The fake TCCC Web SDK (debug/fake-tccc-web-sdk.js) is not present' } })
  })

  it.each([
    ['http://localhost', true],
    ['http://localhost:5173', true],
    ['http://127.0.0.1:8080', true],
    ['http://[::1]:3000', true],
    ['http://[::1]', true],
    ['https://localhost:5173', false],
    ['http://localhost.evil.example', false],
    ['http://localhost:5173.evil.example', false],
    ['http://localhost:', false],
    ['http://evil.example/http://localhost', false],
    ['http://127.0.0.1:80x', false],
    ['http://127.0.0.1:8080/', false],
    ['xhttp://localhost', false],
  ])('mock mode: origin %s allowed: %s', async (origin, allowed) => {
    const server = await start()
    const res = await server.inject({ method: 'GET', url: '/healthz', headers: { origin } })
    expect(res.headers['access-control-allow-origin']).toBe(allowed ? origin : undefined)
    expect(res.headers.vary).toBe(allowed ? 'Origin' : undefined)
  })

  it('CORS_ORIGINS=* allows any origin', async () => {
    const server = await start({ CORS_ORIGINS: '*' })
    const res = await server.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://anything.example' } })
    expect(res.headers['access-control-allow-origin']).toBe('https://anything.example')
  })

  it('answers a preflight with the allowed methods, headers and max age only for an allowed origin', async () => {
    const server = await start()
    const ok = await server.inject({ method: 'OPTIONS', url: '/api/agent/status', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'PUT' } })
    expect(ok.statusCode).toBe(204)
    expect(ok.headers['access-control-allow-methods']).toBe('GET, POST, PUT, OPTIONS')
    expect(ok.headers['access-control-allow-headers']).toBe('Authorization, Content-Type')
    expect(ok.headers['access-control-max-age']).toBe('600')
    const refused = await server.inject({ method: 'OPTIONS', url: '/api/agent/status', headers: { origin: 'http://evil.example', 'access-control-request-method': 'PUT' } })
    expect(refused.statusCode).toBe(204)
    expect(refused.body).toBe('')
    for (const name of ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age']) {
      expect(refused.headers[name]).toBeUndefined()
    }
  })
})

describe('framework errors', () => {
  it('answers a body without a content type with 415 and a request whose body is shorter than announced with 400 "Bad request"', async () => {
    const server = await start()
    const untyped = await server.inject({ method: 'POST', url: '/api/auth/login', payload: '{"username":"a","password":"b"}', headers: { 'content-type': '' } })
    expect(untyped.statusCode).toBe(415)
    expect(untyped.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'Content-Type must be application/json' } })
    const short = await server.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: '{"username":"a","password":"b"}',
      headers: { 'content-type': 'application/json', 'content-length': '5' },
    })
    expect(short.statusCode).toBe(400)
    expect(short.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'Bad request' } })
  })

  it('answers a 413 without WWW-Authenticate and a bad request with a generic message', async () => {
    const server = await start()
    const big = await post(server, JSON.stringify({ username: 'a', password: 'x'.repeat(20_000) }))
    expect(big.statusCode).toBe(413)
    expect(big.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'Request body is too large' } })
    expect(big.headers['www-authenticate']).toBeUndefined()
  })

  it.each(['/%zz', '/api/auth/login%', '/api/%E0%A4%A'])('answers a URL that is not valid percent-encoding (%s) in the API error shape', async (url) => {
    const server = await start()
    const res = await server.inject({ method: 'GET', url })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'Malformed URL' } })
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
  })
})

describe('HTTP protocol errors', () => {
  it('maps each parser error to its documented status, code and message', () => {
    expect(protocolErrorResponse('ERR_HTTP_REQUEST_TIMEOUT')).toEqual({ status: 408, code: 'REQUEST_TIMEOUT', message: 'The request did not arrive in time' })
    expect(protocolErrorResponse('HPE_HEADER_OVERFLOW')).toEqual({ status: 431, code: 'BAD_REQUEST', message: 'Request headers are larger than 16384 bytes' })
    expect(protocolErrorResponse('HPE_INVALID_METHOD')).toEqual({ status: 400, code: 'BAD_REQUEST', message: 'Malformed HTTP request' })
    expect(protocolErrorResponse(undefined)).toEqual({ status: 400, code: 'BAD_REQUEST', message: 'Malformed HTTP request' })
  })

  it('answers a malformed request with a complete, closed HTTP response', async () => {
    const server = await start()
    await server.listen({ port: 0, host: '127.0.0.1' })
    const port = (server.server.address() as AddressInfo).port
    const text = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      const chunks: Buffer[] = []
      socket.on('data', (chunk) => chunks.push(chunk))
      socket.on('error', () => undefined)
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
      socket.write('HELLO THERE\r\n\r\n')
    })
    const body = JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'Malformed HTTP request' } })
    expect(text).toBe(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${body.length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    )
  })
})

describe('logging', () => {
  it('logs requests at info by default, with the path but not the query, and the status', async () => {
    const logs = new LogCapture()
    const server = await start({}, { logStream: logs })
    await server.inject({ method: 'GET', url: '/healthz?token=abc123secret', remoteAddress: '10.1.2.3' })
    const lines = logs.lines.map((l) => JSON.parse(l) as { level: number; req?: unknown; res?: unknown; msg: string })
    expect(lines.every((l) => l.level >= 30)).toBe(true)
    expect(lines.find((l) => l.req)?.req).toEqual({ method: 'GET', url: '/healthz', remoteAddress: '10.1.2.3' })
    expect(lines.find((l) => l.res)?.res).toEqual({ statusCode: 200 })
    expect(logs.text).not.toContain('abc123secret')
  })

  it('logs a refused sign-in at info', async () => {
    const logs = new LogCapture()
    const server = await start({}, { logStream: logs, logLevel: 'info' })
    await login(server, { username: AGENT1.username, password: 'nope-nope' })
    expect(logs.lines.map((l) => JSON.parse(l) as { msg: string }).some((l) => l.msg === 'sign-in refused')).toBe(true)
  })
})

describe('ended sessions on the other routes', () => {
  it('answers 401 SESSION_EXPIRED on the workspace, caller-number, call-detail and seat-status routes after logout', async () => {
    const server = await start()
    const { body } = await login(server, AGENT1)
    await server.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(body.accessToken) })
    for (const [method, url] of [
      ['GET', '/api/workspace/changes'],
      ['GET', '/api/numbers/callers'],
      ['POST', '/api/workspace/calls/call-1/detail'],
      ['GET', '/api/agent/status'],
    ] as const) {
      const res = await server.inject({ method, url, headers: bearer(body.accessToken) })
      expect([url, res.statusCode, res.json()]).toEqual([url, 401, { error: { code: 'SESSION_EXPIRED', message: 'The session has ended; sign in again' } }])
    }
  })
})

describe('mock call detail', () => {
  it("links a mock recording at TOKEN_PORT before listening and at the listening port after, when PUBLIC_URL is not set", async () => {
    const server = await start({ TOKEN_PORT: '9124' })
    const token = (await login(server, AGENT1)).body.accessToken
    const started = Date.UTC(2026, 10, 21, 9)
    const recordingOf = async (id: string) => {
      const data = { number: '13800000000', direction: 'out', outcome: 'answered', startedAt: started, answeredAt: started + 5000, endedAt: started + 65_000, durationSec: 60, endReason: 'local-bye', sessionId: `sim-${id}` }
      const pushed = await server.inject({ method: 'POST', url: '/api/workspace/changes', headers: bearer(token), payload: { changes: [{ changeId: `c-${id}`, kind: 'call', op: 'upsert', id, data }] } })
      expect(pushed.json().results[0].status).toBe('applied')
      const detail = await server.inject({ method: 'POST', url: `/api/workspace/calls/${id}/detail`, headers: bearer(token) })
      return (detail.json() as { data: { recordingUrl: string } }).data.recordingUrl
    }
    expect(await recordingOf('call-1')).toBe('http://localhost:9124/mock/recordings/sim-call-1.wav')
    await server.listen({ port: 0, host: '127.0.0.1' })
    const port = (server.server.address() as AddressInfo).port
    expect(await recordingOf('call-2')).toBe(`http://localhost:${port}/mock/recordings/sim-call-2.wav`)
  })
})

describe('start-up with a given database', () => {
  it('a start that fails on the agent directory reports that failure and leaves the given database open', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'app-mutants-agents-'))
    writeFileSync(path.join(dir, 'agents.json'), '{')
    await expect(buildServer(mockConfig({ AGENTS_FILE: path.join(dir, 'agents.json') }), { db, report: () => {} })).rejects.toThrow(/not valid JSON/)
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('the agents seam replaces the directory with exactly the given agents, refusing a username twice', async () => {
    const hash = (await db.query<{ password_hash: string }>('SELECT password_hash FROM agents WHERE username_key = $1', ['agent1@example.com']))
    expect(hash).toEqual([]) // reset: nothing yet
    const seeded = await start()
    await seeded.close()
    const [{ password_hash: passwordHash }] = await db.query<{ password_hash: string }>('SELECT password_hash FROM agents WHERE username_key = $1', ['agent1@example.com'])
    const server = await start({}, { agents: [{ username: 'solo@example.com', userId: 'seat-solo', passwordHash }] })
    expect((await login(server, { username: 'solo@example.com', password: AGENT1.password })).body.agent.userId).toBe('seat-solo')
    expect((await login(server, AGENT2)).res.statusCode).toBe(401)
    await server.close()
    await expect(
      buildServer(mockConfig(), {
        db,
        report: () => {},
        agents: [
          { username: 'twice@example.com', userId: 'seat-a', passwordHash },
          { username: 'Twice@example.com', userId: 'seat-b', passwordHash },
        ],
      }),
    ).rejects.toThrow('Twice@example.com already exists (use --replace to change it)')
  })
})

describe('background maintenance', () => {
  it('prunes old sign-in counters and long-expired sessions every minute, and stops when closed', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const NOW = Date.UTC(2026, 10, 21, 12)
    const server = await start({}, { now: () => NOW })
    await db.query("INSERT INTO login_counters (key, window_start, count) VALUES ('try|1.2.3.4|old', $1, 3), ('try|1.2.3.4|new', $2, 1)", [NOW - 120_000, NOW - 1_000])
    const insertSession = (id: string, expiresAt: number) =>
      db.query("INSERT INTO sessions (id, user_id, issued_at, expires_at) VALUES ($1, 'agent1@example.com', $2, $3)", [id, expiresAt - 3_600_000, expiresAt])
    await insertSession('gone', NOW - 2 * 86_400_000)
    await insertSession('kept', NOW - 3_600_000)
    const keys = async () => (await db.query<{ key: string }>('SELECT key FROM login_counters ORDER BY key')).map((r) => r.key)
    const ids = async () => (await db.query<{ id: string }>('SELECT id FROM sessions ORDER BY id')).map((r) => r.id)
    vi.advanceTimersByTime(59_000)
    await new Promise((r) => setTimeout(r, 200))
    expect(await keys()).toEqual(['try|1.2.3.4|new', 'try|1.2.3.4|old'])
    vi.advanceTimersByTime(1_000)
    await vi.waitFor(async () => expect(await ids()).toEqual(['kept']))
    await vi.waitFor(async () => expect(await keys()).toEqual(['try|1.2.3.4|new']))
    await server.close()
    await insertSession('gone2', NOW - 2 * 86_400_000)
    vi.advanceTimersByTime(120_000)
    await new Promise((r) => setTimeout(r, 300))
    expect(await ids()).toEqual(['gone2', 'kept'])
  })

  it('logs a warning when pruning fails', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const logs = new LogCapture()
    let failing = false
    const flaky = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === 'query') {
          return (sql: string, params?: unknown[]) => (failing && sql.startsWith('DELETE FROM sessions') ? Promise.reject(new Error('disk-gone-42')) : target.query(sql, params))
        }
        const value = Reflect.get(target, prop, receiver) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    await start({}, { db: flaky, logStream: logs })
    failing = true
    vi.advanceTimersByTime(60_000)
    const warning = async () => logs.lines.map((l) => JSON.parse(l) as { msg: string; level: number; err?: { message: string } }).find((l) => l.msg === 'maintenance failed')
    await vi.waitFor(async () => expect(await warning()).toMatchObject({ level: 40, err: { type: 'Error', message: '[omitted]' } }))
    expect(logs.text).not.toContain('disk-gone-42')
  })
})
