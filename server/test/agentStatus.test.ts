// @vitest-environment node
/**
 * GET / PUT /api/agent/status: the agent's own seat status. Real mode goes through
 * tencentcloud-sdk-nodejs over loopback to the fake CCC API (which checks TC3 signatures and
 * keeps seat statuses as TCCC does); mock mode keeps one status per agent in memory.
 */
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../src/app'
import { loadConfig } from '../src/config'
import type { Database } from '../src/db'
import { DEVELOPMENT_ACCOUNTS, putAgent } from '../src/db/agents'
import { readStatusBody } from '../src/agentStatusRoutes'
import { ApiError } from '../src/apiError'
import { loopbackAgent, startFakeCccApi, type FakeCccApi } from './fakeCccApi'
import { AGENT1 as MOCK1, AGENT2 as MOCK2, fileDatabase, login, mockConfig, resetDatabase, SIGNING_KEY } from './helpers'

const REAL1 = { username: 'real1@corp.example', password: 'agent1-pass' }
const REAL2 = { username: 'real2@corp.example', password: 'agent2-pass' }
const SECRET_ID = 'AKIDfakeSecretId0123456789abcdef'
const SECRET_KEY = 'fakeSecretKey0123456789abcdefghij'
const SDK_APP_ID = 1400123456

let fake: FakeCccApi
let db: Database
let app: FastifyInstance | null = null

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
  fake.seats.clear()
})
afterEach(async () => {
  await app?.close()
  app = null
})

async function startReal(env: Record<string, string> = {}, { restart = false } = {}): Promise<FastifyInstance> {
  if (!restart) {
    for (const [i, agent] of [REAL1, REAL2].entries()) {
      await putAgent(db, { username: agent.username, userId: agent.username, passwordHash: DEVELOPMENT_ACCOUNTS[i].passwordHash }, { replace: false, now: Date.now() })
    }
  }
  const config = loadConfig({
    TCCC_SECRET_ID: SECRET_ID,
    TCCC_SECRET_KEY: SECRET_KEY,
    TCCC_SDK_APP_ID: String(SDK_APP_ID),
    TOKEN_SIGNING_KEY: SIGNING_KEY,
    TCCC_ENDPOINT: fake.endpointUrl,
    ...env,
  })
  app = await buildServer(config, { db, tcccHttpAgent: loopbackAgent(), report: () => {} })
  return app
}

async function startMock(env: Record<string, string> = {}): Promise<FastifyInstance> {
  app = await buildServer(mockConfig(env), { db, report: () => {} })
  return app
}

async function tokenOf(server: FastifyInstance, who: { username: string; password: string }): Promise<string> {
  const { res, body } = await login(server, who)
  expect(res.statusCode).toBe(200)
  return body.accessToken
}

const getStatus = (server: FastifyInstance, token: string | null, query = '') =>
  server.inject({ method: 'GET', url: `/api/agent/status${query}`, headers: token ? { authorization: `Bearer ${token}` } : {} })
const putStatus = (server: FastifyInstance, token: string | null, payload: unknown, contentType = 'application/json') =>
  server.inject({
    method: 'PUT',
    url: '/api/agent/status',
    headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  })

function sentSince(before: number, action: string) {
  return fake.requests.slice(before).filter((r) => r.headers['x-tc-action'] === action)
}

describe('real mode: SetStaffStatus / DescribeStaffStatusMetrics', () => {
  it('reads the own seat with a signed DescribeStaffStatusMetrics filtered to it, mapping notReady to busy', async () => {
    const server = await startReal()
    const token = await tokenOf(server, REAL1)
    fake.seats.set(REAL1.username, { Status: 'notReady', Reason: '' })
    fake.seats.set(REAL2.username, { Status: 'rest', Reason: 'lunch' })
    const before = fake.requests.length
    const res = await getStatus(server, token)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'busy' })
    const sent = sentSince(before, 'DescribeStaffStatusMetrics')
    expect(sent).toHaveLength(1)
    expect(sent[0].authError).toBeNull()
    expect(sent[0].headers['x-tc-version']).toBe('2020-02-10')
    expect(JSON.parse(sent[0].body)).toEqual({ SdkAppId: SDK_APP_ID, StaffList: [REAL1.username] })
  })

  it.each([
    ['free', 'free', {}],
    ['afterCallWork', 'arrange', {}],
    ['offline', 'offline', {}],
    ['rest', 'rest', { restReason: 'meeting' }],
  ])('maps TCCC %s to %s', async (tccc, app, extra) => {
    const server = await startReal()
    const token = await tokenOf(server, REAL1)
    fake.seats.set(REAL1.username, { Status: tccc, Reason: 'meeting' })
    expect((await getStatus(server, token)).json()).toEqual({ status: app, ...extra })
  })

  it('a seat TCCC does not list is offline, never another seat', async () => {
    const server = await startReal()
    const token = await tokenOf(server, REAL1)
    fake.seats.set(REAL2.username, { Status: 'free', Reason: '' })
    expect((await getStatus(server, token)).json()).toEqual({ status: 'offline' })
  })

  it('sets rest with its reason through a signed SetStaffStatus for the own seat, then reads it back', async () => {
    const server = await startReal()
    const token = await tokenOf(server, REAL1)
    const before = fake.requests.length
    const res = await putStatus(server, token, { status: 'rest', restReason: 'lunch' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'rest', restReason: 'lunch' })
    const sent = sentSince(before, 'SetStaffStatus')
    expect(sent).toHaveLength(1)
    expect(sent[0].authError).toBeNull()
    expect(sent[0].headers['x-tc-version']).toBe('2020-02-10')
    expect(JSON.parse(sent[0].body)).toEqual({ SdkAppId: SDK_APP_ID, StaffStatusList: [{ StaffUserId: REAL1.username, Status: 'rest', Reason: 'lunch' }] })
    expect(fake.seats.get(REAL1.username)).toEqual({ Status: 'rest', Reason: 'lunch' })
    expect((await getStatus(server, token)).json()).toEqual({ status: 'rest', restReason: 'lunch' })
  })

  it('busy is sent as TCCC notReady (示忙), free as free', async () => {
    const server = await startReal()
    const token = await tokenOf(server, REAL1)
    const before = fake.requests.length
    expect((await putStatus(server, token, { status: 'busy' })).json()).toEqual({ status: 'busy' })
    expect((await putStatus(server, token, { status: 'free' })).json()).toEqual({ status: 'free' })
    const bodies = sentSince(before, 'SetStaffStatus').map((r) => JSON.parse(r.body).StaffStatusList)
    expect(bodies).toEqual([[{ StaffUserId: REAL1.username, Status: 'notReady' }], [{ StaffUserId: REAL1.username, Status: 'free' }]])
  })

  it("another agent's seat cannot be named: a body field or ?agent= is refused before TCCC is asked", async () => {
    const server = await startReal()
    const token = await tokenOf(server, REAL1)
    fake.seats.set(REAL2.username, { Status: 'free', Reason: '' })
    const before = fake.requests.length
    for (const field of ['StaffUserId', 'userId', 'seat', 'agent']) {
      const res = await putStatus(server, token, { status: 'rest', [field]: REAL2.username })
      expect(res.statusCode).toBe(400)
      expect(res.json().error.message).toContain('the seat is always your own')
    }
    const named = await getStatus(server, token, `?agent=${encodeURIComponent(REAL2.username)}`)
    expect(named.statusCode).toBe(404)
    // Setting, too: it used to ignore the name and set the caller's own seat.
    const namedPut = await server.inject({
      method: 'PUT',
      url: `/api/agent/status?agent=${encodeURIComponent(REAL2.username)}`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: JSON.stringify({ status: 'rest' }),
    })
    expect(namedPut.statusCode).toBe(404)
    expect(fake.requests.length).toBe(before)
    expect(fake.seats.get(REAL2.username)).toEqual({ Status: 'free', Reason: '' })
    // Naming oneself is allowed (same answer as without it).
    expect((await getStatus(server, token, `?agent=${encodeURIComponent(REAL1.username)}`)).statusCode).toBe(200)
  })

  it('maps a TCCC error to 502 TCCC_REFUSED with the code and a sanitised message', async () => {
    const server = await startReal()
    const token = await tokenOf(server, REAL1)
    fake.failNextAction('SetStaffStatus', { Code: 'FailedOperation.SeatStatusBusy', Message: `seat in a call (${SECRET_KEY})` })
    const set = await putStatus(server, token, { status: 'free' })
    expect(set.statusCode).toBe(502)
    expect(set.json().error).toEqual({ code: 'TCCC_REFUSED', tcccCode: 'FailedOperation.SeatStatusBusy', message: 'seat in a call ([redacted])' })
    fake.failNextAction('DescribeStaffStatusMetrics', { Code: 'InternalError', Message: 'try later' })
    const read = await getStatus(server, token)
    expect(read.statusCode).toBe(502)
    expect(read.json().error.tcccCode).toBe('InternalError')
  })

  it("maps a failure inside SetStaffStatus's answer (per-seat ErrorCode) to 502 and leaves the seat as it was", async () => {
    const server = await startReal()
    const token = await tokenOf(server, REAL1)
    fake.seats.set(REAL1.username, { Status: 'free', Reason: '' })
    fake.failNextAction('SetStaffStatus', { Code: 'FailedOperation.StaffNotOnline', Message: 'not online' }, 'item')
    const res = await putStatus(server, token, { status: 'rest' })
    expect(res.statusCode).toBe(502)
    expect(res.json().error).toMatchObject({ code: 'TCCC_REFUSED', tcccCode: 'FailedOperation.StaffNotOnline' })
    expect(fake.seats.get(REAL1.username)?.Status).toBe('free')
  })

  it('answers 502 without a tcccCode when the CCC API cannot be reached', async () => {
    const closed = await startFakeCccApi({ secrets: {} })
    await closed.close()
    const server = await startReal({ TCCC_ENDPOINT: closed.endpointUrl })
    const token = await tokenOf(server, REAL1)
    const res = await getStatus(server, token)
    expect(res.statusCode).toBe(502)
    expect(res.json().error.code).toBe('TCCC_REFUSED')
    expect(res.json().error.tcccCode).toBeUndefined()
  })

  it('50 concurrent requests from two agents over real sockets all succeed, each on its own seat', async () => {
    const server = await startReal({ AGENT_STATUS_RATE_LIMIT: '1000' })
    const tokens = [await tokenOf(server, REAL1), await tokenOf(server, REAL2)]
    await server.listen({ port: 0, host: '127.0.0.1' })
    const { port } = server.server.address() as AddressInfo
    const before = fake.requests.length
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const token = tokens[i % 2]
        const init: RequestInit =
          i % 5 === 0
            ? { method: 'GET', headers: { authorization: `Bearer ${token}` } }
            : { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(i % 2 === 0 ? { status: 'rest', restReason: `r${i}` } : { status: 'busy' }) }
        return fetch(`http://127.0.0.1:${port}/api/agent/status`, init).then(async (r) => ({ status: r.status, body: (await r.json()) as { status: string } }))
      }),
    )
    expect(answers.filter((a) => a.status === 200)).toHaveLength(50)
    const sent = fake.requests.slice(before)
    expect(sent).toHaveLength(50)
    expect(sent.every((r) => r.authError === null)).toBe(true)
    // Agent 1 only ever asked for rest, agent 2 only for busy: no request crossed seats.
    expect(fake.seats.get(REAL1.username)?.Status).toBe('rest')
    expect(fake.seats.get(REAL2.username)?.Status).toBe('notReady')
    for (const r of sent.filter((x) => x.headers['x-tc-action'] === 'SetStaffStatus')) {
      const [item] = JSON.parse(r.body).StaffStatusList as Array<{ StaffUserId: string; Status: string }>
      expect(item.Status).toBe(item.StaffUserId === REAL1.username ? 'rest' : 'notReady')
    }
  })

  it('keeps working after a restart: the same access token reads the status TCCC kept', async () => {
    const first = await startReal()
    const token = await tokenOf(first, REAL1)
    expect((await putStatus(first, token, { status: 'rest', restReason: 'training' })).statusCode).toBe(200)
    await first.close()
    app = null
    const second = await startReal({}, { restart: true })
    expect((await getStatus(second, token)).json()).toEqual({ status: 'rest', restReason: 'training' })
    expect((await putStatus(second, token, { status: 'free' })).json()).toEqual({ status: 'free' })
  })
})

describe('validation', () => {
  it.each([
    [{ status: 'sleeping' }, 'Unknown status "sleeping": "status" must be one of free, rest, busy'],
    [{ status: 'arrange' }, 'Unknown status "arrange"'],
    [{ status: 'offline' }, 'Unknown status "offline"'],
    [{}, 'Unknown status missing'],
    [{ status: 3 }, 'Unknown status number'],
    [{ status: 'rest', restReason: 'x'.repeat(65) }, '"restReason" must be a string of at most 64 characters'],
    [{ status: 'rest', restReason: 7 }, '"restReason" must be a string'],
    [{ status: 'free', restReason: 'lunch' }, '"restReason" is only for status "rest"'],
    [['free'], 'Body must be a JSON object'],
    [null, 'Body must be a JSON object'],
  ])('refuses %j with a clear message', (body, message) => {
    let thrown: unknown
    try {
      readStatusBody(body)
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(ApiError)
    expect((thrown as ApiError).statusCode).toBe(400)
    expect((thrown as ApiError).message).toContain(message)
  })

  it('answers 400 for an unknown status, non-JSON and a wrong content type; 401 without a session', async () => {
    const server = await startMock()
    const token = await tokenOf(server, MOCK1)
    const unknown = await putStatus(server, token, { status: 'sleeping' })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().error).toEqual({ code: 'BAD_REQUEST', message: expect.stringContaining('Unknown status "sleeping"') })
    expect((await putStatus(server, token, '{"status":')).statusCode).toBe(400)
    const form = await putStatus(server, token, 'status=free', 'application/x-www-form-urlencoded')
    expect(form.statusCode).toBe(400)
    expect(form.json().error.message).toContain('Content-Type: application/json')
    expect((await putStatus(server, null, { status: 'free' })).statusCode).toBe(401)
    expect((await getStatus(server, 'not-a-token')).statusCode).toBe(401)
  })
})

describe('mock mode', () => {
  it('keeps one status per agent', async () => {
    const server = await startMock()
    const one = await tokenOf(server, MOCK1)
    const two = await tokenOf(server, MOCK2)
    expect((await getStatus(server, one)).json()).toEqual({ status: 'free' })
    expect((await putStatus(server, one, { status: 'rest', restReason: 'lunch' })).json()).toEqual({ status: 'rest', restReason: 'lunch' })
    expect((await getStatus(server, one)).json()).toEqual({ status: 'rest', restReason: 'lunch' })
    expect((await getStatus(server, two)).json()).toEqual({ status: 'free' })
  })

  it('is rate-limited per agent and route (429 with Retry-After), like the token route', async () => {
    const server = await startMock({ AGENT_STATUS_RATE_LIMIT: '3' })
    const one = await tokenOf(server, MOCK1)
    const two = await tokenOf(server, MOCK2)
    for (let i = 0; i < 3; i++) expect((await putStatus(server, one, { status: 'free' })).statusCode).toBe(200)
    const limited = await putStatus(server, one, { status: 'free' })
    expect(limited.statusCode).toBe(429)
    expect(limited.json().error.code).toBe('RATE_LIMITED')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect((await putStatus(server, two, { status: 'busy' })).statusCode).toBe(200)
  })

  it('allows PUT from an allowed origin (CORS preflight lists it)', async () => {
    const server = await startMock()
    const res = await server.inject({ method: 'OPTIONS', url: '/api/agent/status', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'PUT' } })
    expect(res.statusCode).toBe(204)
    expect(String(res.headers['access-control-allow-methods'])).toContain('PUT')
  })
})
