// @vitest-environment node
/**
 * Caller numbers (GET /api/numbers/callers) and call detail (POST /api/workspace/calls/:id/detail):
 * real mode through tencentcloud-sdk-nodejs to the signature-checking fake CCC API, and mock mode.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../src/app'
import { DETAIL_LOOKUPS_PER_MINUTE } from '../src/cccRoutes'
import { loadConfig } from '../src/config'
import type { Database } from '../src/db'
import { DEVELOPMENT_ACCOUNTS, putAgent } from '../src/db/agents'
import { startFakeCccApi, loopbackAgent, type FakeCccApi } from './fakeCccApi'
import { AGENT1 as DEV1, cccCallData, fileDatabase, LogCapture, login, mockConfig, resetDatabase, SIGNING_KEY } from './helpers'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const AGENT1 = { username: 'real1@corp.example', password: 'agent1-pass' }
const AGENT2 = { username: 'real2@corp.example', password: 'agent2-pass' }
const SECRET_ID = 'AKIDfakeSecretId0123456789abcdef'
const SECRET_KEY = 'fakeSecretKey0123456789abcdefghij'
const STARTED = Date.now() - 10 * 60_000

let fake: FakeCccApi
let db: Database
let app: FastifyInstance | null = null

beforeAll(async () => {
  fake = await startFakeCccApi({ secrets: { [SECRET_ID]: SECRET_KEY } })
  db = await fileDatabase()
})
afterAll(async () => {
  await fake.close()
  await db.close()
})
beforeEach(async () => {
  await resetDatabase(db)
  fake.numbers.length = 0
  fake.cdrs.length = 0
  for (const [i, agent] of [AGENT1, AGENT2].entries()) {
    await putAgent(db, { username: agent.username, userId: agent.username, passwordHash: DEVELOPMENT_ACCOUNTS[i].passwordHash }, { replace: false, now: Date.now() })
  }
})
afterEach(async () => {
  await app?.close()
  app = null
})

async function startReal(logStream?: LogCapture): Promise<FastifyInstance> {
  const config = loadConfig({
    TCCC_SECRET_ID: SECRET_ID,
    TCCC_SECRET_KEY: SECRET_KEY,
    TCCC_SDK_APP_ID: '1400123456',
    TOKEN_SIGNING_KEY: SIGNING_KEY,
    TCCC_ENDPOINT: fake.endpointUrl,
  })
  app = await buildServer(config, { db, tcccHttpAgent: loopbackAgent(), logStream, report: () => {} })
  return app
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` })

async function tokenOf(server: FastifyInstance, agent: { username: string; password: string }): Promise<string> {
  return (await login(server, agent)).body.accessToken
}

function callRecord(sessionId: string | null, over: Record<string, unknown> = {}) {
  return cccCallData(STARTED, { ...(sessionId ? { sessionId } : {}), ...over })
}

async function pushCall(server: FastifyInstance, token: string, id: string, data: Record<string, unknown>): Promise<void> {
  const res = await server.inject({
    method: 'POST',
    url: '/api/workspace/changes',
    headers: auth(token),
    payload: { changes: [{ changeId: `c-${id}-${Math.random().toString(16).slice(2)}`, kind: 'call', op: 'upsert', id, data }] },
  })
  expect((res.json() as { results: { status: string }[] }).results[0].status).toBe('applied')
}

const detail = (server: FastifyInstance, token: string, id: string) =>
  server.inject({ method: 'POST', url: `/api/workspace/calls/${id}/detail`, headers: auth(token) })

function cdr(sessionId: string, seat: string, duration: number) {
  return {
    SessionId: sessionId,
    Time: Math.floor(STARTED / 1000),
    Duration: duration,
    RecordURL: `https://ccc-record.example.com/${sessionId}.mp3`,
    EndStatusString: 'ok',
    SeatUser: { UserId: seat },
  }
}

describe('caller numbers (real mode, DescribeNumbers)', () => {
  it('answers the numbers in service, through a signed DescribeNumbers for the business', async () => {
    const server = await startReal()
    fake.numbers.push({ Number: '02011112222', State: 1 }, { Number: '02033334444', State: 2 }, { Number: '075500001111', State: 1 })
    const token = await tokenOf(server, AGENT1)
    const before = fake.requests.length
    const res = await server.inject({ method: 'GET', url: '/api/numbers/callers', headers: auth(token) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ numbers: ['02011112222', '075500001111'] })
    const sent = fake.requests.slice(before)
    expect(sent.map((r) => [r.headers['x-tc-action'], r.authError])).toEqual([['DescribeNumbers', null]])
    expect(JSON.parse(sent[0].body)).toEqual({ SdkAppId: 1400123456, PageNumber: 0, PageSize: 100 })
  })

  it('needs a signed-in agent, and answers a TCCC refusal as 502 TCCC_REFUSED with its code (not cached)', async () => {
    const server = await startReal()
    expect((await server.inject({ method: 'GET', url: '/api/numbers/callers' })).statusCode).toBe(401)
    const token = await tokenOf(server, AGENT1)
    fake.failNext({ Code: 'FailedOperation.PermissionDenied', Message: 'no permission' }, 'DescribeNumbers')
    const res = await server.inject({ method: 'GET', url: '/api/numbers/callers', headers: auth(token) })
    expect(res.statusCode).toBe(502)
    expect(res.json()).toMatchObject({ error: { code: 'TCCC_REFUSED', tcccCode: 'FailedOperation.PermissionDenied' } })
    fake.numbers.push({ Number: '02011112222', State: 1 })
    expect((await server.inject({ method: 'GET', url: '/api/numbers/callers', headers: auth(token) })).json()).toEqual({ numbers: ['02011112222'] })
  })
})

describe('call detail (real mode, DescribeTelCdr)', () => {
  it('attaches duration and recording link to the agent own call record; the next pull brings them', async () => {
    const server = await startReal()
    const token = await tokenOf(server, AGENT1)
    await pushCall(server, token, 'call-1', callRecord('sess-1'))
    fake.cdrs.push(cdr('sess-1', AGENT1.username, 58))
    const before = fake.requests.length

    const res = await detail(server, token, 'call-1')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      kind: 'call',
      id: 'call-1',
      data: { sessionId: 'sess-1', durationSec: 60, tcccDurationSec: 58, recordingUrl: 'https://ccc-record.example.com/sess-1.mp3', tcccEndStatus: 'ok' },
    })
    const sent = fake.requests.slice(before)
    expect(sent.map((r) => [r.headers['x-tc-action'], r.authError])).toEqual([['DescribeTelCdr', null]])
    const body = JSON.parse(sent[0].body) as Record<string, unknown>
    expect(body).toMatchObject({ SdkAppId: 1400123456, SessionIds: ['sess-1'], PageSize: 1, PageNumber: 0 })
    expect(Number(body.StartTimeStamp)).toBeLessThan(STARTED / 1000)
    expect(Number(body.EndTimeStamp)).toBeGreaterThan(STARTED / 1000)

    const pulled = (await server.inject({ method: 'GET', url: '/api/workspace/changes', headers: auth(token) })).json() as { changes: { id: string; data: Record<string, unknown> }[] }
    expect(pulled.changes.find((c) => c.id === 'call-1')?.data).toMatchObject({ tcccDurationSec: 58, recordingUrl: 'https://ccc-record.example.com/sess-1.mp3' })
  })

  it('a phone cannot write the detail fields, and a later wrap-up keeps them', async () => {
    const server = await startReal()
    const token = await tokenOf(server, AGENT1)
    await pushCall(server, token, 'call-1', callRecord('sess-1', { tcccDurationSec: 999, recordingUrl: 'https://evil.example/x' }))
    let stored = (await server.inject({ method: 'GET', url: '/api/workspace/calls/call-1', headers: auth(token) })).json() as { data: Record<string, unknown> }
    expect(stored.data.tcccDurationSec).toBeUndefined()
    expect(stored.data.recordingUrl).toBeUndefined()
    fake.cdrs.push(cdr('sess-1', AGENT1.username, 58))
    expect((await detail(server, token, 'call-1')).statusCode).toBe(200)
    await pushCall(server, token, 'call-1', { note: 'called back', recordingUrl: null })
    stored = (await server.inject({ method: 'GET', url: '/api/workspace/calls/call-1', headers: auth(token) })).json() as { data: Record<string, unknown> }
    expect(stored.data).toMatchObject({ note: 'called back', tcccDurationSec: 58, recordingUrl: 'https://ccc-record.example.com/sess-1.mp3' })
  })

  it('answers a TCCC error as 502 TCCC_REFUSED and leaves the record alone', async () => {
    const logs = new LogCapture()
    const server = await startReal(logs)
    const token = await tokenOf(server, AGENT1)
    await pushCall(server, token, 'call-1', callRecord('sess-1'))
    fake.failNext({ Code: 'InternalError', Message: `backend busy ${SECRET_KEY}` }, 'DescribeTelCdr')
    const res = await detail(server, token, 'call-1')
    expect(res.statusCode).toBe(502)
    expect(res.json()).toMatchObject({ error: { code: 'TCCC_REFUSED', tcccCode: 'InternalError' } })
    expect(res.body).not.toContain(SECRET_KEY)
    expect(logs.text).not.toContain(SECRET_KEY)
    const stored = (await server.inject({ method: 'GET', url: '/api/workspace/calls/call-1', headers: auth(token) })).json() as { data: Record<string, unknown> }
    expect(stored.data.tcccDurationSec).toBeUndefined()
  })

  it('answers 404 for a session TCCC does not know, a record without a session and an unknown record', async () => {
    const server = await startReal()
    const token = await tokenOf(server, AGENT1)
    await pushCall(server, token, 'call-1', callRecord('sess-unknown'))
    await pushCall(server, token, 'call-2', callRecord(null))
    for (const id of ['call-1', 'call-2', 'nope', 'bad id!']) {
      const res = await detail(server, token, encodeURIComponent(id))
      expect(res.statusCode, id).toBe(404)
      expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } })
    }
  })

  it("never shows another agent's call: their record id is 404, and a session another seat handled is refused", async () => {
    const server = await startReal()
    const token1 = await tokenOf(server, AGENT1)
    const token2 = await tokenOf(server, AGENT2)
    await pushCall(server, token1, 'call-1', callRecord('sess-1'))
    fake.cdrs.push(cdr('sess-1', AGENT1.username, 58), cdr('sess-2', AGENT2.username, 33))
    // Agent 2 names agent 1's record id: not theirs.
    const foreign = await detail(server, token2, 'call-1')
    expect(foreign.statusCode).toBe(404)
    expect(foreign.body).not.toContain('sess-1')
    // Agent 1 writes agent 2's session id into a record of their own: TCCC says seat 2 handled it.
    await pushCall(server, token1, 'call-2', callRecord('sess-2'))
    const stolen = await detail(server, token1, 'call-2')
    expect(stolen.statusCode).toBe(404)
    expect(stolen.body).not.toContain('ccc-record')
    const stored = (await server.inject({ method: 'GET', url: '/api/workspace/calls/call-2', headers: auth(token1) })).json() as { data: Record<string, unknown> }
    expect(stored.data.recordingUrl).toBeUndefined()
  })

  it('serves many detail requests at once, each with its own record', async () => {
    const server = await startReal()
    const token1 = await tokenOf(server, AGENT1)
    const token2 = await tokenOf(server, AGENT2)
    const calls = Array.from({ length: 24 }, (_, i) => ({ token: i % 2 ? token2 : token1, seat: i % 2 ? AGENT2.username : AGENT1.username, id: `call-${i}`, session: `sess-${i}` }))
    for (const c of calls) {
      await pushCall(server, c.token, c.id, callRecord(c.session))
      fake.cdrs.push(cdr(c.session, c.seat, 10 + calls.indexOf(c)))
    }
    // Two at a time per agent (DETAIL_IN_FLIGHT_MAX), both agents at once.
    const answers: Awaited<ReturnType<typeof detail>>[] = []
    for (let i = 0; i < calls.length; i += 4) answers.push(...(await Promise.all(calls.slice(i, i + 4).map((c) => detail(server, c.token, c.id)))))
    expect(answers.map((a) => a.statusCode)).toEqual(calls.map(() => 200))
    expect(answers.map((a) => (a.json() as { data: { tcccDurationSec: number } }).data.tcccDurationSec)).toEqual(calls.map((_, i) => 10 + i))
    // Every rev is distinct: each write is its own change in the sync stream.
    expect(new Set(answers.map((a) => (a.json() as { rev: string }).rev)).size).toBe(calls.length)
  })
})

describe('call detail lookups are bounded per agent', () => {
  it('an attached detail is answered as stored, without asking TCCC or writing a new revision', async () => {
    const server = await startReal()
    const token = await tokenOf(server, AGENT1)
    await pushCall(server, token, 'call-1', callRecord('sess-1'))
    fake.cdrs.push(cdr('sess-1', AGENT1.username, 42))
    const first = await detail(server, token, 'call-1')
    const asked = fake.requests.length
    const again = await Promise.all([detail(server, token, 'call-1'), detail(server, token, 'call-1')])
    expect(again.map((a) => a.statusCode)).toEqual([200, 200])
    expect(again.map((a) => (a.json() as { rev: string }).rev)).toEqual([(first.json() as { rev: string }).rev, (first.json() as { rev: string }).rev])
    expect(fake.requests.length).toBe(asked)
  })

  it('a third lookup of one agent while two run waits its turn (429, Retry-After 1); another agent is not held up', async () => {
    const server = await startReal()
    const token1 = await tokenOf(server, AGENT1)
    const token2 = await tokenOf(server, AGENT2)
    for (let i = 0; i < 3; i++) {
      await pushCall(server, token1, `call-${i}`, callRecord(`sess-${i}`))
      fake.cdrs.push(cdr(`sess-${i}`, AGENT1.username, 10 + i))
    }
    await pushCall(server, token2, 'call-b', callRecord('sess-b'))
    fake.cdrs.push(cdr('sess-b', AGENT2.username, 20))
    const answers = await Promise.all([detail(server, token1, 'call-0'), detail(server, token1, 'call-1'), detail(server, token1, 'call-2'), detail(server, token2, 'call-b')])
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 429, 200])
    expect(answers[2].headers['retry-after']).toBe('1')
    expect((await detail(server, token1, 'call-2')).statusCode).toBe(200)
  })

  it(`at most ${DETAIL_LOOKUPS_PER_MINUTE} lookups a minute per agent`, async () => {
    const server = await startReal()
    const token = await tokenOf(server, AGENT1)
    const codes: number[] = []
    for (let i = 0; i <= DETAIL_LOOKUPS_PER_MINUTE; i++) codes.push((await detail(server, token, 'no-such-call')).statusCode)
    expect(codes.slice(0, DETAIL_LOOKUPS_PER_MINUTE)).toEqual(codes.slice(0, DETAIL_LOOKUPS_PER_MINUTE).map(() => 404))
    expect(codes.at(-1)).toBe(429)
  })
})

describe('mock mode', () => {
  it('answers the configured caller numbers and synthesises a detail with a playable recording link', async () => {
    app = await buildServer(mockConfig({ MOCK_CALLER_NUMBERS: '02099990000, 075588887777', PUBLIC_URL: 'http://localhost:5999' }), { db, report: () => {} })
    const token = await tokenOf(app, DEV1)
    expect((await app.inject({ method: 'GET', url: '/api/numbers/callers', headers: auth(token) })).json()).toEqual({ numbers: ['02099990000', '075588887777'] })
    await pushCall(app, token, 'call-1', callRecord('sim-1'))
    await pushCall(app, token, 'call-2', callRecord('sim-2', { outcome: 'no-answer', answeredAt: null, durationSec: 0 }))
    const answered = await detail(app, token, 'call-1')
    expect(answered.json()).toMatchObject({ data: { tcccDurationSec: 60, recordingUrl: 'http://localhost:5999/mock/recordings/sim-1.wav', tcccEndStatus: 'ok' } })
    expect((await detail(app, token, 'call-2')).json()).toMatchObject({ data: { tcccDurationSec: 0, recordingUrl: null, tcccEndStatus: 'notAnswer' } })
    const wav = await app.inject({ method: 'GET', url: '/mock/recordings/sim-1.wav' })
    expect(wav.headers['content-type']).toBe('audio/wav')
    expect(wav.rawPayload.subarray(0, 4).toString()).toBe('RIFF')
  })

  it('refuses a malformed MOCK_CALLER_NUMBERS at start', () => {
    expect(() => mockConfig({ MOCK_CALLER_NUMBERS: '020,main line' })).toThrow(/MOCK_CALLER_NUMBERS/)
  })
})
