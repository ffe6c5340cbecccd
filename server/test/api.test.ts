// @vitest-environment node
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildServer } from '../src/app'
import { DEVELOPMENT_ACCOUNTS } from '../src/db/agents'
import { AGENT1, AGENT2, databasePerFile, decodeMockToken, LogCapture, login, manualClock, mockConfig, requestToken, SIGNING_KEY } from './helpers'
import { serverPerTest } from './serverHarness'

const db = databasePerFile()
const { start, track } = serverPerTest(db)

describe('GET /healthz', () => {
  it('reports the mode', async () => {
    const server = await start()
    const res = await server.inject({ method: 'GET', url: '/healthz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true, mode: 'mock' })
  })
})

describe('POST /api/auth/login', () => {
  it('signs in a development account from the committed agents file', async () => {
    const server = await start()
    const { res, body } = await login(server, AGENT1)
    expect(res.statusCode).toBe(200)
    // workspaceId: which workspace the phone's cache of the seat must belong to (claimAgentCache).
    expect(body.agent).toEqual({ userId: 'agent1@example.com', sdkAppId: 1400000001, workspaceId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) })
    expect((await login(server, AGENT1)).body.agent).toEqual(body.agent)
    expect((await login(server, AGENT2)).body.agent.workspaceId).not.toBe(body.agent.workspaceId)
    expect(body.expiresIn).toBe(12 * 3600)
    expect(body.accessToken).toMatch(/^at1\.[\w-]+\.[\w-]+$/)
  })

  it('accepts the username in any case and with surrounding spaces', async () => {
    const server = await start()
    const { res, body } = await login(server, { username: '  Agent2@Example.com ', password: AGENT2.password })
    expect(res.statusCode).toBe(200)
    expect(body.agent.userId).toBe('agent2@example.com')
  })

  it('answers 401 BAD_CREDENTIALS for a wrong password and for an unknown user alike', async () => {
    const server = await start()
    const wrong = await login(server, { username: AGENT1.username, password: 'agent2-pass' })
    const unknown = await login(server, { username: 'nobody@example.com', password: 'agent1-pass' })
    for (const { res } of [wrong, unknown]) {
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual({ error: { code: 'BAD_CREDENTIALS', message: 'Wrong username or password' } })
    }
  })

  it.each([
    ['invalid JSON', '{"username": "agent1@example.com", "password": ', 'application/json', 'Request body is not valid JSON'],
    ['an array', '[1,2]', 'application/json', 'Body must be a JSON object'],
    ['no body', '', 'application/json', 'Body must be a JSON object'],
    ['a missing password', '{"username":"agent1@example.com"}', 'application/json', '"password" must be'],
    ['a numeric username', '{"username":42,"password":"x"}', 'application/json', '"username" must be'],
    ['an empty username', '{"username":"  ","password":"x"}', 'application/json', '"username" must be'],
    ['a form body', 'username=a&password=b', 'application/x-www-form-urlencoded', 'Content-Type: application/json'],
  ])('answers 400 BAD_REQUEST for %s', async (_label, payload, contentType, message) => {
    const server = await start()
    const res = await server.inject({ method: 'POST', url: '/api/auth/login', payload, headers: { 'content-type': contentType } })
    expect(res.statusCode).toBe(400)
    const body = res.json() as { error: { code: string; message: string } }
    expect(body.error.code).toBe('BAD_REQUEST')
    expect(body.error.message).toContain(message)
    // The server is still fine afterwards.
    expect((await login(server, AGENT1)).res.statusCode).toBe(200)
  })

  it('answers 400 for an oversized body without reading it all', async () => {
    const server = await start()
    const res = await server.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'a', password: 'x'.repeat(40_000) } })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'Request body is too large' } })
  })

  it('rate-limits failed attempts per address and username with 429 RATE_LIMITED', async () => {
    const server = await start({ LOGIN_RATE_LIMIT: '2' })
    const bad = { username: AGENT1.username, password: 'wrong-password' }
    expect((await login(server, bad)).res.statusCode).toBe(401)
    expect((await login(server, bad)).res.statusCode).toBe(401)
    // Even the right password is refused now: the attacker must not learn it.
    const limited = (await login(server, AGENT1)).res
    expect(limited.statusCode).toBe(429)
    expect(limited.json().error.code).toBe('RATE_LIMITED')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    // Another account from the same address is not locked out.
    expect((await login(server, AGENT2)).res.statusCode).toBe(200)
  })

  it('does not count successful sign-ins against the limit', async () => {
    const server = await start({ LOGIN_RATE_LIMIT: '2' })
    for (let i = 0; i < 4; i++) expect((await login(server, AGENT1)).res.statusCode).toBe(200)
  })

  it('limits failed attempts per address across usernames (password spraying)', async () => {
    const server = await start({ LOGIN_RATE_LIMIT: '1' }) // 6 failures per address
    for (let i = 0; i < 6; i++) expect((await login(server, { username: `user${i}@example.com`, password: 'guess-123' })).res.statusCode).toBe(401)
    expect((await login(server, { username: 'user9@example.com', password: 'guess-123' })).res.statusCode).toBe(429)
  })

  it('counts an IPv6 client by its /64: guesses from many addresses of one network share one limit', async () => {
    const server = await start({ LOGIN_RATE_LIMIT: '1', TRUST_PROXY: '127.0.0.1' })
    const guess = (address: string) =>
      server.inject({ method: 'POST', url: '/api/auth/login', headers: { 'x-forwarded-for': address }, payload: { username: AGENT1.username, password: 'guess-123' } })
    const codes = [(await guess('2001:db8:5:7::1')).statusCode]
    for (let i = 2; i < 6; i++) codes.push((await guess(`2001:db8:5:7::${i.toString(16)}`)).statusCode)
    expect(codes).toEqual([401, 429, 429, 429, 429])
    // Another /64 is another client.
    expect((await guess('2001:db8:5:8::1')).statusCode).toBe(401)
  })

  it('a whole office signing in at once behind one address, right passwords, is not refused by that cap', async () => {
    const adminKey = 'admin-key-0123456789-abcdefghijklmnopqrstuvwxyz'
    const server = await start({ LOGIN_RATE_LIMIT: '1', ADMIN_KEY: adminKey }) // cap: 6 usernames with failures
    const office = Array.from({ length: 14 }, (_, i) => `rep${i}@corp.example.com`)
    for (const username of office) {
      const added = await server.inject({ method: 'POST', url: '/api/admin/agents', headers: { 'x-admin-key': adminKey }, payload: { agent: { username, userId: username, passwordHash: DEVELOPMENT_ACCOUNTS[0].passwordHash } } })
      expect(added.statusCode).toBe(200)
    }
    // Every check is under way at the same time, as at the start of a shift.
    const results = await Promise.all(office.map((username) => login(server, { username, password: AGENT1.password })))
    expect(results.map(({ res }) => res.statusCode)).toEqual(office.map(() => 200))
    // Failures still count: six wrong usernames close the address to a seventh.
    for (let i = 0; i < 6; i++) expect((await login(server, { username: `guess${i}@example.com`, password: 'guess-123' })).res.statusCode).toBe(401)
    expect((await login(server, { username: 'guess9@example.com', password: 'guess-123' })).res.statusCode).toBe(429)
    // ... to every username without failures there that never signed in from it, as spraying must
    // be stopped; the office's agents proved their passwords here and are not locked out by it.
    expect((await login(server, AGENT2)).res.statusCode).toBe(429)
    expect((await login(server, { username: office[0], password: AGENT1.password })).res.statusCode).toBe(200)
  })
})

describe('POST /api/tccc/token (mock mode)', () => {
  it('issues a sim. token for the signed-in agent with the contract format and sdkUrl', async () => {
    const clock = manualClock()
    const server = await start({}, { now: clock.now })
    const { body } = await login(server, AGENT1)
    const res = await requestToken(server, body.accessToken)
    expect(res.statusCode).toBe(200)
    const issued = res.json() as { sdkAppId: number; userId: string; token: string; expiresAt: number; sdkUrl: string }
    const nowSeconds = Math.floor(clock.now() / 1000)
    expect(issued).toMatchObject({ sdkAppId: 1400000001, userId: 'agent1@example.com', expiresAt: nowSeconds + 3600 })
    expect(issued.token).toMatch(/^sim\.[\w-]+\.[\w-]+$/)
    expect(decodeMockToken(issued.token)).toEqual({ sdkAppId: 1400000001, userId: 'agent1@example.com', exp: nowSeconds + 3600 })
    expect(issued.sdkUrl).toBe(`http://localhost:8787/mock/tccc-sdk.js?token=${encodeURIComponent(issued.token)}`)
  })

  it('honours MOCK_TCCC_TOKEN_TTL, MOCK_TCCC_SDK_APP_ID and PUBLIC_URL', async () => {
    const clock = manualClock()
    const server = await start({ MOCK_TCCC_TOKEN_TTL: '60', MOCK_TCCC_SDK_APP_ID: '1400999999', PUBLIC_URL: 'https://dev.example.com/' }, { now: clock.now })
    const { body } = await login(server, AGENT2)
    expect(body.agent.sdkAppId).toBe(1400999999)
    const issued = (await requestToken(server, body.accessToken)).json()
    expect(decodeMockToken(issued.token)).toEqual({ sdkAppId: 1400999999, userId: 'agent2@example.com', exp: Math.floor(clock.now() / 1000) + 60 })
    expect(issued.sdkUrl.startsWith('https://dev.example.com/mock/tccc-sdk.js?token=sim.')).toBe(true)
  })

  it("gives a caller its own agent's token even when the body names another agent", async () => {
    const server = await start()
    const { body } = await login(server, AGENT1)
    const res = await requestToken(server, body.accessToken, { userId: 'agent2@example.com', SeatUserId: 'agent2@example.com', sdkAppId: 1 })
    expect(res.statusCode).toBe(200)
    expect(res.json().userId).toBe('agent1@example.com')
    expect(decodeMockToken(res.json().token).userId).toBe('agent1@example.com')
  })

  it('answers 401 UNAUTHORIZED without a bearer token or with a malformed header', async () => {
    const server = await start()
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer' }, { authorization: 'Bearer not-a-token' }]) {
      const res = await server.inject({ method: 'POST', url: '/api/tccc/token', headers })
      expect(res.statusCode).toBe(401)
      expect(res.json().error.code).toBe('UNAUTHORIZED')
      expect(res.headers['www-authenticate']).toBe('Bearer')
    }
  })

  it('answers 401 UNAUTHORIZED for a tampered access token', async () => {
    const server = await start()
    const { body } = await login(server, AGENT1)
    const [prefix, payload, signature] = body.accessToken.split('.')
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: 'agent2@example.com' })).toString('base64url')
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA')
    for (const token of [`${prefix}.${forgedPayload}.${signature}`, `${prefix}.${payload}.${flipped}`, `${prefix}.${payload}`]) {
      const res = await requestToken(server, token)
      expect(res.statusCode).toBe(401)
      expect(res.json().error.code).toBe('UNAUTHORIZED')
    }
  })

  it('rejects an access token signed with another key (e.g. a restarted mock server)', async () => {
    const other = await buildServer(mockConfig({ TOKEN_SIGNING_KEY: 'another-signing-key-0123456789-abcdefghij' }), { db })
    const { body } = await login(other, AGENT1)
    await other.close()
    const server = await start()
    expect((await requestToken(server, body.accessToken)).json().error.code).toBe('UNAUTHORIZED')
  })

  it('answers 401 SESSION_EXPIRED once the access token has expired', async () => {
    const clock = manualClock()
    const server = await start({ ACCESS_TOKEN_TTL: '600' }, { now: clock.now })
    const { body } = await login(server, AGENT1)
    expect(body.expiresIn).toBe(600)
    clock.advance(599_000)
    expect((await requestToken(server, body.accessToken)).statusCode).toBe(200)
    clock.advance(1_000)
    const res = await requestToken(server, body.accessToken)
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('SESSION_EXPIRED')
  })

  it('answers 401 UNAUTHORIZED when the agent was removed from the directory', async () => {
    const server = await start()
    const { body } = await login(server, AGENT1)
    await server.close()
    const app = track(await buildServer(mockConfig(), { db, agents: [] }))
    expect((await requestToken(app, body.accessToken)).json().error.code).toBe('UNAUTHORIZED')
  })

  it('rate-limits token requests per agent with 429', async () => {
    const server = await start({ TOKEN_RATE_LIMIT: '2' })
    const a1 = (await login(server, AGENT1)).body.accessToken
    const a2 = (await login(server, AGENT2)).body.accessToken
    expect((await requestToken(server, a1)).statusCode).toBe(200)
    expect((await requestToken(server, a1)).statusCode).toBe(200)
    const limited = await requestToken(server, a1)
    expect(limited.statusCode).toBe(429)
    expect(limited.json().error.code).toBe('RATE_LIMITED')
    // Same address, other agent: not limited.
    expect((await requestToken(server, a2)).statusCode).toBe(200)
  })

  it('two instances on one database share the token limit (it is counted there, not in memory)', async () => {
    const env = { TOKEN_RATE_LIMIT: '3', TOKEN_SIGNING_KEY: SIGNING_KEY }
    const one = await start(env)
    const two = await start(env)
    const token = (await login(one, AGENT1)).body.accessToken
    expect((await requestToken(one, token)).statusCode).toBe(200)
    expect((await requestToken(two, token)).statusCode).toBe(200)
    expect((await requestToken(one, token)).statusCode).toBe(200)
    const limited = await requestToken(two, token)
    expect(limited.statusCode).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect((await requestToken(one, token)).statusCode).toBe(429)
  })

  it('ignores a malformed body on the token request (the body is never used)', async () => {
    const server = await start()
    const { body } = await login(server, AGENT1)
    const res = await server.inject({
      method: 'POST',
      url: '/api/tccc/token',
      headers: { authorization: `Bearer ${body.accessToken}`, 'content-type': 'application/json' },
      payload: '{oops',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toEqual({ code: 'BAD_REQUEST', message: 'Request body is not valid JSON' })
  })
})

describe('POST /api/auth/logout', () => {
  it('revokes the access token: later token requests get SESSION_EXPIRED', async () => {
    const server = await start()
    const { body } = await login(server, AGENT1)
    const other = (await login(server, AGENT1)).body.accessToken
    const res = await server.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${body.accessToken}` } })
    expect(res.statusCode).toBe(204)
    expect(res.body).toBe('')
    const after = await requestToken(server, body.accessToken)
    expect(after.statusCode).toBe(401)
    expect(after.json().error.code).toBe('SESSION_EXPIRED')
    // Only that session ends; another sign-in of the same agent keeps working.
    expect((await requestToken(server, other)).statusCode).toBe(200)
    // Logging out twice is harmless.
    expect((await server.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${body.accessToken}` } })).statusCode).toBe(204)
  })

  it('answers 401 without a valid bearer token', async () => {
    const server = await start()
    const res = await server.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: 'Bearer at1.x.y' } })
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('UNAUTHORIZED')
  })
})

describe('GET /mock/tccc-sdk.js', () => {
  it("serves D's fake Web SDK file in mock mode", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fake-sdk-'))
    const file = path.join(dir, 'fake-tccc-web-sdk.js')
    writeFileSync(file, 'window.tccc = {}\n')
    const server = await start({ FAKE_TCCC_SDK_FILE: file })
    const res = await server.inject({ method: 'GET', url: '/mock/tccc-sdk.js?token=sim.abc.def' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/javascript; charset=utf-8')
    expect(res.body).toBe('window.tccc = {}\n')
  })

  it('answers 404 when the file is absent', async () => {
    const server = await start({ FAKE_TCCC_SDK_FILE: path.join(tmpdir(), 'does-not-exist', 'sdk.js') })
    const res = await server.inject({ method: 'GET', url: '/mock/tccc-sdk.js' })
    expect(res.statusCode).toBe(404)
    expect(res.json().error.code).toBe('NOT_FOUND')
  })
})

describe('errors and CORS', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const server = await start()
    const res = await server.inject({ method: 'GET', url: '/api/nope' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such endpoint' } })
  })

  it('allows any localhost origin in mock mode by default, and no other', async () => {
    const server = await start()
    const ok = await server.inject({ method: 'GET', url: '/healthz', headers: { origin: 'http://localhost:5173' } })
    expect(ok.headers['access-control-allow-origin']).toBe('http://localhost:5173')
    const evil = await server.inject({ method: 'GET', url: '/healthz', headers: { origin: 'http://evil.example' } })
    expect(evil.headers['access-control-allow-origin']).toBeUndefined()
    const preflight = await server.inject({
      method: 'OPTIONS',
      url: '/api/tccc/token',
      headers: { origin: 'http://127.0.0.1:4173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    })
    expect(preflight.statusCode).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe('http://127.0.0.1:4173')
    expect(preflight.headers['access-control-allow-headers']).toContain('Authorization')
  })

  it('allows exactly the CORS_ORIGINS list when set', async () => {
    const server = await start({ CORS_ORIGINS: 'https://agent.example.com, https://ops.example.com/' })
    const allowed = await server.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://ops.example.com' } })
    expect(allowed.headers['access-control-allow-origin']).toBe('https://ops.example.com')
    const local = await server.inject({ method: 'GET', url: '/healthz', headers: { origin: 'http://localhost:5173' } })
    expect(local.headers['access-control-allow-origin']).toBeUndefined()
  })
})

describe('logging', () => {
  it('never writes a password, token or signing key to the log', async () => {
    const logs = new LogCapture()
    const dir = mkdtempSync(path.join(tmpdir(), 'fake-sdk-'))
    writeFileSync(path.join(dir, 'sdk.js'), '//')
    const server = await start({ FAKE_TCCC_SDK_FILE: path.join(dir, 'sdk.js') }, { logStream: logs, logLevel: 'debug' })
    const { body } = await login(server, AGENT1)
    await login(server, { username: AGENT2.username, password: 'wrong-secret-pass' })
    await server.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"username":"x","password":"leaky-pass-9"' })
    const issued = (await requestToken(server, body.accessToken)).json()
    await server.inject({ method: 'GET', url: `/mock/tccc-sdk.js?token=${encodeURIComponent(issued.token)}` })
    await requestToken(server, `${body.accessToken}x`)
    await server.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${body.accessToken}` } })

    expect(logs.lines.length).toBeGreaterThan(10) // logging really happened
    expect(logs.text).toContain('agent signed in')
    expect(logs.text).toContain('/mock/tccc-sdk.js')
    for (const secret of [AGENT1.password, 'wrong-secret-pass', 'leaky-pass-9', body.accessToken, body.accessToken.split('.')[2], issued.token, issued.token.split('.')[1], SIGNING_KEY]) {
      expect(logs.text).not.toContain(secret)
    }
  })
})
