// @vitest-environment node
/**
 * Real mode: the server's CreateSDKLoginToken goes through tencentcloud-sdk-nodejs over a real
 * loopback socket to a fake CCC API that verifies the TC3-HMAC-SHA256 signature.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../src/app'
import { loadConfig } from '../src/config'
import { TCCC_UPSTREAM_TIMEOUT_MS } from '../src/tccc'
import { startFakeCccApi, loopbackAgent, type FakeCccApi } from './fakeCccApi'
import type { Database } from '../src/db'
import { DEVELOPMENT_ACCOUNTS, putAgent } from '../src/db/agents'
import { fileDatabase, LogCapture, login, requestToken, resetDatabase, SIGNING_KEY } from './helpers'

// Real mode never signs in the development accounts: these agents reuse their password hashes.
const AGENT1 = { username: 'real1@corp.example', password: 'agent1-pass' }
const AGENT2 = { username: 'real2@corp.example', password: 'agent2-pass' }

const SECRET_ID = 'AKIDfakeSecretId0123456789abcdef'
const SECRET_KEY = 'fakeSecretKey0123456789abcdefghij'

let fake: FakeCccApi
let app: FastifyInstance | null = null

let db: Database
beforeAll(async () => {
  fake = await startFakeCccApi({ secrets: { [SECRET_ID]: SECRET_KEY } })
  db = await fileDatabase()
}, 120_000)
afterAll(async () => {
  await fake.close()
  await db.close()
})
beforeEach(async () => {
  await resetDatabase(db)
  for (const [i, agent] of [AGENT1, AGENT2].entries()) {
    await putAgent(db, { username: agent.username, userId: agent.username, passwordHash: DEVELOPMENT_ACCOUNTS[i].passwordHash }, { replace: false, now: Date.now() })
  }
})
afterEach(async () => {
  await app?.close()
  app = null
})

function realEnv(overrides: Record<string, string> = {}) {
  return {
    TCCC_SECRET_ID: SECRET_ID,
    TCCC_SECRET_KEY: SECRET_KEY,
    TCCC_SDK_APP_ID: '1400123456',
    TOKEN_SIGNING_KEY: SIGNING_KEY,
    TCCC_ENDPOINT: fake.endpointUrl,
    ...overrides,
  }
}

async function start(overrides: Record<string, string> = {}, logStream?: LogCapture) {
  app = await buildServer(loadConfig(realEnv(overrides)), { db, tcccHttpAgent: loopbackAgent(), logStream, report: () => {} })
  return app
}

describe('real mode', () => {
  it('is chosen when the three TCCC variables are set', async () => {
    const server = await start()
    expect((await server.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true, mode: 'real' })
  })

  it("calls CreateSDKLoginToken with a valid signature for the signed-in agent's seat and maps the answer", async () => {
    const server = await start()
    const before = fake.requests.length
    const { body } = await login(server, AGENT1)
    expect(body.agent).toEqual({ userId: 'real1@corp.example', sdkAppId: 1400123456, workspaceId: expect.any(String) })
    // The body asks for another seat: the backend must ignore it.
    const res = await requestToken(server, body.accessToken, { SeatUserId: 'real2@corp.example', userId: 'real2@corp.example' })
    expect(res.statusCode).toBe(200)

    const sent = fake.requests.slice(before)
    expect(sent).toHaveLength(1)
    expect(sent[0].authError).toBeNull()
    expect(sent[0].headers['x-tc-action']).toBe('CreateSDKLoginToken')
    expect(sent[0].headers['x-tc-version']).toBe('2020-02-10')
    expect(JSON.parse(sent[0].body)).toEqual({ SdkAppId: 1400123456, SeatUserId: 'real1@corp.example' })

    const issued = res.json()
    expect(issued.userId).toBe('real1@corp.example')
    expect(issued.sdkAppId).toBe(1400123456)
    expect(issued.token).toMatch(/^real-token-\d+-real1@corp\.example$/)
    expect(issued.expiresAt).toBeGreaterThan(Date.now() / 1000)
    expect(issued.sdkUrl).toBe(`https://tccc.qcloud.com/ccc-sdk/sdk.js?sdkAppId=1400123456&token=${encodeURIComponent(issued.token)}`)
  })

  it('answers 502 TCCC_REFUSED with the TCCC code and a sanitised message when TCCC refuses', async () => {
    const server = await start()
    const { body } = await login(server, AGENT2)
    fake.failNext({ Code: 'FailedOperation.SeatUserNotExist', Message: `Seat not found for ${SECRET_ID}\u0000 (key ${SECRET_KEY})` })
    const res = await requestToken(server, body.accessToken)
    expect(res.statusCode).toBe(502)
    const { error } = res.json()
    expect(error.code).toBe('TCCC_REFUSED')
    expect(error.tcccCode).toBe('FailedOperation.SeatUserNotExist')
    expect(error.message).toBe('Seat not found for [redacted] (key [redacted])')
  })

  it('answers 502 with AuthFailure when the secret key is wrong (the fake really checks signatures)', async () => {
    const server = await start({ TCCC_SECRET_KEY: 'wrongSecretKey0123456789abcdefghi' })
    const { body } = await login(server, AGENT1)
    const res = await requestToken(server, body.accessToken)
    expect(res.statusCode).toBe(502)
    expect(res.json().error.tcccCode).toBe('AuthFailure.SignatureFailure')
    expect(fake.requests.at(-1)?.authError).toBe('AuthFailure.SignatureFailure')
  })

  it('answers 502 without a tcccCode when the TCCC API cannot be reached', async () => {
    const closed = await startFakeCccApi({ secrets: {} })
    await closed.close()
    const server = await start({ TCCC_ENDPOINT: closed.endpointUrl })
    const { body } = await login(server, AGENT1)
    const res = await requestToken(server, body.accessToken)
    expect(res.statusCode).toBe(502)
    expect(res.json().error).toEqual({ code: 'TCCC_REFUSED', message: 'The TCCC API could not be reached' })
  })

  it('gives up on a CCC API that never answers after TCCC_UPSTREAM_TIMEOUT_MS, answering 502 and logging ETIMEDOUT', async () => {
    const hanging = createServer(() => undefined) // accepts, never answers
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
    const host = `ccc.hang.test:${(hanging.address() as AddressInfo).port}`
    try {
      const logs = new LogCapture()
      const server = await start({ TCCC_ENDPOINT: `http://${host}` }, logs)
      const { body } = await login(server, AGENT1)
      const started = Date.now()
      const res = await requestToken(server, body.accessToken)
      const elapsed = Date.now() - started
      expect(res.statusCode).toBe(502)
      expect(res.json().error).toEqual({ code: 'TCCC_REFUSED', message: 'The TCCC API could not be reached' })
      expect(elapsed).toBeGreaterThanOrEqual(TCCC_UPSTREAM_TIMEOUT_MS - 100)
      expect(elapsed).toBeLessThan(TCCC_UPSTREAM_TIMEOUT_MS + 3000)
      const refused = logs.lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'TCCC refused the token request')
      expect(refused.cause).toEqual({ code: 'ETIMEDOUT', host })
    } finally {
      hanging.closeAllConnections()
      hanging.close()
    }
  }, 20_000)

  it('logs why the TCCC API could not be reached (error code and host), without secrets', async () => {
    const closed = await startFakeCccApi({ secrets: {} })
    await closed.close()
    const logs = new LogCapture()
    const server = await start({ TCCC_ENDPOINT: closed.endpointUrl }, logs)
    const { body } = await login(server, AGENT1)
    expect((await requestToken(server, body.accessToken)).statusCode).toBe(502)
    const refused = logs.lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'TCCC refused the token request')
    const host = closed.endpointUrl.replace(/^https?:\/\//, '').replace(/\/+$/, '')
    expect(refused.cause).toEqual({ code: 'ECONNREFUSED', host })
    expect(logs.text).not.toContain(SECRET_KEY)
    expect(logs.text).not.toContain(SECRET_ID)
    expect(logs.text).not.toContain(body.accessToken)
  })

  it('does not serve the fake Web SDK', async () => {
    const server = await start()
    expect((await server.inject({ method: 'GET', url: '/mock/tccc-sdk.js' })).statusCode).toBe(404)
  })

  it('does not allow localhost origins unless CORS_ORIGINS says so', async () => {
    const server = await start()
    const res = await server.inject({ method: 'GET', url: '/healthz', headers: { origin: 'http://localhost:5173' } })
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('keeps the SecretId, SecretKey and TCCC tokens out of the log', async () => {
    const logs = new LogCapture()
    const server = await start({}, logs)
    const { body } = await login(server, AGENT1)
    const issued = (await requestToken(server, body.accessToken)).json()
    fake.failNext({ Code: 'InvalidParameter', Message: `bad ${SECRET_ID}` })
    await requestToken(server, body.accessToken)
    expect(logs.text).toContain('TCCC refused the token request')
    expect(logs.text).toContain('InvalidParameter')
    for (const secret of [SECRET_ID, SECRET_KEY, SIGNING_KEY, issued.token, body.accessToken, AGENT1.password]) {
      expect(logs.text).not.toContain(secret)
    }
  })
})
