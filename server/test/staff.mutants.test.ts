// @vitest-environment node
/**
 * The agent's seat status (staffStatus.ts, agentStatusRoutes.ts, apiError.ts): mutation survivors
 * of issue 13 (docs/mutation/staff.md). The real service is driven through a stub CCC client that
 * records the calls and answers what TCCC could answer; the routes run in-process with that
 * service or a scripted one, and the log an operator reads is captured.
 */
import rateLimit from '@fastify/rate-limit'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildServer } from '../src/app'
import { readStatusBody, registerAgentStatusRoutes } from '../src/agentStatusRoutes'
import { ApiError } from '../src/apiError'
import { createMockStaffStatus, createRealStaffStatus, type CccStatusClient, type StaffStatusService } from '../src/staffStatus'
import { TcccRefusedError } from '../src/tccc'
import { AGENT1, AGENT2, databasePerFile, LogCapture, login, mockConfig } from './helpers'

const CREDENTIALS = { secretId: 'AKIDstubSecretId0123456789', secretKey: 'stubSecretKey0123456789abcdef', endpoint: 'ccc.stub.test', protocol: 'https://' as const, region: 'ap-guangzhou' }
const SDK_APP_ID = 1400000777
const ME = 'agent1@example.com'

type MetricsAnswer = Awaited<ReturnType<CccStatusClient['DescribeStaffStatusMetrics']>>
type SetAnswer = Awaited<ReturnType<CccStatusClient['SetStaffStatus']>>

/** A CCC client that answers from a script and records what it was asked. */
function stubClient(answers: { metrics?: () => MetricsAnswer | Promise<MetricsAnswer>; set?: () => SetAnswer | Promise<SetAnswer> }) {
  const calls: Array<{ action: string; req: unknown }> = []
  const client: CccStatusClient = {
    async DescribeStaffStatusMetrics(req) {
      calls.push({ action: 'DescribeStaffStatusMetrics', req })
      return answers.metrics ? answers.metrics() : { Metrics: [] }
    },
    async SetStaffStatus(req) {
      calls.push({ action: 'SetStaffStatus', req })
      return answers.set ? answers.set() : { StaffStatusList: [] }
    },
  }
  return { client, calls, service: createRealStaffStatus({ client, credentials: CREDENTIALS, sdkAppId: SDK_APP_ID }) }
}

/** What the promise was rejected with (fails when it resolved). */
async function refusal(promise: Promise<unknown>): Promise<TcccRefusedError> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(TcccRefusedError)
    return err as TcccRefusedError
  }
  throw new Error('expected a rejection')
}

describe('createRealStaffStatus: reading the seat (mutation survivors)', () => {
  it('refuses an answer without a Metrics list, naming the action and keeping the RequestId', async () => {
    const { service } = stubClient({ metrics: () => ({ RequestId: 'req-metrics-1' }) })
    const err = await refusal(service.read(ME))
    expect(err.message).toBe('TCCC returned an incomplete DescribeStaffStatusMetrics response')
    expect(err.tcccCode).toBeUndefined()
    expect(err.requestId).toBe('req-metrics-1')
  })

  it('refuses an unknown seat status, quoting at most 40 characters of it', async () => {
    const long = `weird${'x'.repeat(60)}`
    const { service } = stubClient({ metrics: () => ({ Metrics: [{ Email: ME, Status: long }], RequestId: 'req-metrics-2' }) })
    const err = await refusal(service.read(ME))
    expect(err.message).toBe(`TCCC reported an unknown seat status "${long.slice(0, 40)}"`)
    expect(err.requestId).toBe('req-metrics-2')
  })
})

describe('createRealStaffStatus: setting the seat (mutation survivors)', () => {
  it('refuses an answer without the own seat, naming the action and keeping the RequestId', async () => {
    const { service } = stubClient({ set: () => ({ StaffStatusList: [{ StaffUserId: 'other@example.com', Status: 'free' }], RequestId: 'req-set-1' }) })
    const err = await refusal(service.set(ME, 'free'))
    expect(err.message).toBe('TCCC returned an incomplete SetStaffStatus response')
    expect(err.tcccCode).toBeUndefined()
    expect(err.requestId).toBe('req-set-1')
  })
})

describe('createRealStaffStatus: more of reading and setting (mutation survivors)', () => {
  it('asks for the own seat only and takes its line even when TCCC lists another seat first', async () => {
    const { service, calls } = stubClient({
      metrics: () => ({ Metrics: [{ Email: 'other@example.com', Status: 'rest', Reason: 'lunch' }, { Email: ME, Status: 'notReady', Reason: '' }] }),
    })
    expect(await service.read(ME)).toStrictEqual({ status: 'busy' })
    expect(calls).toStrictEqual([{ action: 'DescribeStaffStatusMetrics', req: { SdkAppId: SDK_APP_ID, StaffList: [ME] } }])
  })

  it('answers offline when TCCC lists only other seats or none', async () => {
    expect(await stubClient({ metrics: () => ({ Metrics: [{ Email: 'other@example.com', Status: 'free' }] }) }).service.read(ME)).toStrictEqual({ status: 'offline' })
    expect(await stubClient({ metrics: () => ({ Metrics: [] }) }).service.read(ME)).toStrictEqual({ status: 'offline' })
  })

  it('refuses a status named like a property every object has (constructor, toString, __proto__)', async () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const { service } = stubClient({ metrics: () => ({ Metrics: [{ Email: ME, Status: name }] }) })
      expect((await refusal(service.read(ME))).message).toBe(`TCCC reported an unknown seat status "${name}"`)
    }
  })

  it('refuses a Status that is not a string, even one that reads like a known status', async () => {
    const { service } = stubClient({ metrics: () => ({ Metrics: [{ Email: ME, Status: ['free'] as unknown as string }] }) })
    expect((await refusal(service.read(ME))).message).toBe('TCCC reported an unknown seat status "free"')
    const missing = stubClient({ metrics: () => ({ Metrics: [{ Email: ME }] }) })
    expect((await refusal(missing.service.read(ME))).message).toBe('TCCC reported an unknown seat status "undefined"')
  })

  it('gives a rest reason only for rest, and only a non-empty string one', async () => {
    const read = (Status: string, Reason: unknown) => stubClient({ metrics: () => ({ Metrics: [{ Email: ME, Status, Reason: Reason as string }] }) }).service.read(ME)
    expect(await read('rest', 'lunch')).toStrictEqual({ status: 'rest', restReason: 'lunch' })
    expect(await read('rest', '')).toStrictEqual({ status: 'rest' })
    expect(await read('rest', 7)).toStrictEqual({ status: 'rest' })
    expect(await read('free', 'lunch')).toStrictEqual({ status: 'free' })
    expect(await read('afterCallWork', 'lunch')).toStrictEqual({ status: 'arrange' })
  })

  it('sends one item for the own seat: busy as notReady, a Reason only with rest', async () => {
    const { service, calls } = stubClient({ set: () => ({ StaffStatusList: [{ StaffUserId: ME }] }) })
    await service.set(ME, 'rest', 'lunch')
    await service.set(ME, 'rest')
    await service.set(ME, 'busy')
    await service.set(ME, 'free', 'lunch')
    expect(calls.map((c) => c.req)).toStrictEqual([
      { SdkAppId: SDK_APP_ID, StaffStatusList: [{ StaffUserId: ME, Status: 'rest', Reason: 'lunch' }] },
      { SdkAppId: SDK_APP_ID, StaffStatusList: [{ StaffUserId: ME, Status: 'rest' }] },
      { SdkAppId: SDK_APP_ID, StaffStatusList: [{ StaffUserId: ME, Status: 'notReady' }] },
      { SdkAppId: SDK_APP_ID, StaffStatusList: [{ StaffUserId: ME, Status: 'free' }] },
    ])
  })

  it("answers the status TCCC reports for the own seat, else the one asked for", async () => {
    const answering = (item: Record<string, string>) =>
      stubClient({ set: () => ({ StaffStatusList: [{ StaffUserId: 'other@example.com', Status: 'offline', Reason: 'x' }, { StaffUserId: ME, ...item }] }) }).service
    expect(await answering({ Status: 'notReady' }).set(ME, 'busy')).toStrictEqual({ status: 'busy' })
    expect(await answering({ Status: 'rest', Reason: 'meeting' }).set(ME, 'rest', 'lunch')).toStrictEqual({ status: 'rest', restReason: 'meeting' })
    expect(await answering({ Status: 'rest' }).set(ME, 'rest', 'lunch')).toStrictEqual({ status: 'rest', restReason: 'lunch' })
    expect(await answering({ Status: 'afterCallWork' }).set(ME, 'free')).toStrictEqual({ status: 'arrange' })
    // No status, or one the app does not know: what was asked for (TCCC accepted it).
    expect(await answering({}).set(ME, 'rest', 'lunch')).toStrictEqual({ status: 'rest', restReason: 'lunch' })
    expect(await answering({ Status: 'weird' }).set(ME, 'free')).toStrictEqual({ status: 'free' })
    expect(await answering({ Status: ['rest'] as unknown as string }).set(ME, 'free')).toStrictEqual({ status: 'free' })
  })

  it('refuses an answer without a StaffStatusList', async () => {
    const { service } = stubClient({ set: () => ({ RequestId: 'req-set-2' }) })
    const err = await refusal(service.set(ME, 'free'))
    expect(err.message).toBe('TCCC returned an incomplete SetStaffStatus response')
    expect(err.requestId).toBe('req-set-2')
  })

  it("refuses a per-seat ErrorCode with its sanitised message, code and RequestId", async () => {
    const { service } = stubClient({
      set: () => ({
        StaffStatusList: [{ StaffUserId: ME, ErrorCode: 'FailedOperation.StaffNotOnline', ErrorMessage: `not online (${CREDENTIALS.secretKey}, ${CREDENTIALS.secretId})` }],
        RequestId: 'req-set-3',
      }),
    })
    const err = await refusal(service.set(ME, 'free'))
    expect(err.message).toBe('not online ([redacted], [redacted])')
    expect(err.tcccCode).toBe('FailedOperation.StaffNotOnline')
    expect(err.requestId).toBe('req-set-3')
  })

  it('turns an SDK error into a refusal with its code, or an unreachable API without one', async () => {
    const sdkError = Object.assign(new Error(`denied ${CREDENTIALS.secretKey}`), { code: 'AuthFailure.SignatureFailure', requestId: 'req-sdk-1' })
    const failing = stubClient({
      metrics: () => Promise.reject(sdkError),
      set: () => Promise.reject(new Error('request to https://ccc.stub.test failed, reason: connect ECONNREFUSED 10.0.0.1:443')),
    })
    const read = await refusal(failing.service.read(ME))
    expect([read.message, read.tcccCode, read.requestId]).toStrictEqual(['denied [redacted]', 'AuthFailure.SignatureFailure', 'req-sdk-1'])
    const set = await refusal(failing.service.set(ME, 'free'))
    expect([set.message, set.tcccCode]).toStrictEqual(['The TCCC API could not be reached', undefined])
  })
})

describe('createMockStaffStatus (mutation survivors)', () => {
  it('starts every seat free, keeps one status per agent, and a rest reason only with rest', async () => {
    const mock = createMockStaffStatus()
    expect(await mock.read(ME)).toStrictEqual({ status: 'free' })
    expect(await mock.set(ME, 'rest', 'lunch')).toStrictEqual({ status: 'rest', restReason: 'lunch' })
    expect(await mock.read(ME)).toStrictEqual({ status: 'rest', restReason: 'lunch' })
    expect(await mock.read('other@example.com')).toStrictEqual({ status: 'free' })
    expect(await mock.set(ME, 'rest')).toStrictEqual({ status: 'rest' })
    expect(await mock.set(ME, 'busy', 'lunch')).toStrictEqual({ status: 'busy' })
    expect(await mock.read(ME)).toStrictEqual({ status: 'busy' })
  })
})

describe('registerAgentStatusRoutes without a session (mutation survivors)', () => {
  it('refuses with 401 UNAUTHORIZED "Sign in first" when authenticate let a request through without a session', async () => {
    const bare = Fastify()
    await bare.register(rateLimit, { global: false })
    const asked: string[] = []
    registerAgentStatusRoutes(bare, {
      staffStatus: { read: async (u) => (asked.push(u), { status: 'free' }), set: async (u) => (asked.push(u), { status: 'free' }) },
      authenticate: async () => {},
      rateLimit: { max: 100, timeWindow: 60_000 },
    })
    try {
      for (const res of [await bare.inject({ method: 'GET', url: '/api/agent/status' }), await bare.inject({ method: 'PUT', url: '/api/agent/status', payload: { status: 'free' } })]) {
        expect(res.statusCode).toBe(401)
        expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED', message: 'Sign in first' })
      }
      expect(asked).toEqual([])
    } finally {
      await bare.close()
    }
  })
})

describe('GET / PUT /api/agent/status in-process (mutation survivors)', () => {
  const db = databasePerFile()
  let app: FastifyInstance | null = null
  let logs: LogCapture

  beforeEach(async () => {
    logs = new LogCapture()
  })
  afterEach(async () => {
    await app?.close()
    app = null
  })

  async function start(staffStatus: StaffStatusService, env: Record<string, string> = {}): Promise<FastifyInstance> {
    app = await buildServer(mockConfig(env), { db, staffStatus, logStream: logs, report: () => {} })
    return app
  }
  async function tokenOf(server: FastifyInstance, who: { username: string; password: string }): Promise<string> {
    const { res, body } = await login(server, who)
    expect(res.statusCode).toBe(200)
    return body.accessToken
  }
  const get = (server: FastifyInstance, token: string, query = '') =>
    server.inject({ method: 'GET', url: `/api/agent/status${query}`, headers: { authorization: `Bearer ${token}` } })
  const put = (server: FastifyInstance, token: string, payload: unknown) =>
    server.inject({ method: 'PUT', url: '/api/agent/status', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
  const logLines = () => logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>)

  it("checks the bearer token before anything: the client reads why it was refused", async () => {
    const asked: string[] = []
    const server = await start({ read: async (u) => (asked.push(u), { status: 'free' }), set: async (u) => (asked.push(u), { status: 'free' }) })
    const none = await server.inject({ method: 'GET', url: '/api/agent/status' })
    expect([none.statusCode, none.json()]).toStrictEqual([401, { error: { code: 'UNAUTHORIZED', message: 'Sign in first: missing "Authorization: Bearer <accessToken>"' } }])
    const bad = await put(server, 'not-a-token', { status: 'free' })
    expect([bad.statusCode, bad.json()]).toStrictEqual([401, { error: { code: 'UNAUTHORIZED', message: 'The access token is not valid; sign in again' } }])
    expect(asked).toEqual([])
  })

  it('answers 404 NOT_FOUND for ?agent= naming another seat, and reads the own seat for itself', async () => {
    const asked: string[] = []
    const server = await start({ read: async (u) => (asked.push(u), { status: 'rest', restReason: 'lunch' }), set: async () => ({ status: 'free' }) })
    const token = await tokenOf(server, AGENT1)
    const other = await get(server, token, `?agent=${encodeURIComponent(AGENT2.username)}`)
    expect(other.statusCode).toBe(404)
    expect(other.json()).toStrictEqual({ error: { code: 'NOT_FOUND', message: 'No such agent' } })
    expect(asked).toEqual([])
    const own = await get(server, token, `?agent=${encodeURIComponent(AGENT1.username)}`)
    expect([own.statusCode, own.json()]).toStrictEqual([200, { status: 'rest', restReason: 'lunch' }])
    expect(asked).toEqual([AGENT1.username])
  })

  it('answers a TCCC refusal as 502 TCCC_REFUSED (tcccCode only when there is one) and logs it with its RequestId', async () => {
    const server = await start({
      read: async () => {
        throw new TcccRefusedError('try later', 'InternalError', 'req-read-9')
      },
      set: async () => {
        throw new TcccRefusedError('The TCCC API could not be reached', undefined, 'req-set-9', { code: 'ECONNREFUSED', host: 'ccc.stub.test' } as never)
      },
    })
    const token = await tokenOf(server, AGENT1)
    const read = await get(server, token)
    expect(read.statusCode).toBe(502)
    expect(read.json()).toStrictEqual({ error: { code: 'TCCC_REFUSED', message: 'try later', tcccCode: 'InternalError' } })
    const set = await put(server, token, { status: 'free' })
    expect(set.statusCode).toBe(502)
    expect(set.json()).toStrictEqual({ error: { code: 'TCCC_REFUSED', message: 'The TCCC API could not be reached' } })
    const warned = logLines().filter((l) => l.level === 40)
    expect(warned).toMatchObject([
      { msg: 'TCCC refused DescribeStaffStatusMetrics', userId: AGENT1.username, tcccCode: 'InternalError', requestId: 'req-read-9' },
      { msg: 'TCCC refused SetStaffStatus', userId: AGENT1.username, requestId: 'req-set-9', cause: { code: 'ECONNREFUSED', host: 'ccc.stub.test' } },
    ])
  })

  it('answers any other failure of the service as 500 INTERNAL, not as a TCCC refusal', async () => {
    const server = await start({
      read: async () => {
        throw new TypeError('boom')
      },
      set: async () => {
        throw new TypeError('boom')
      },
    })
    const token = await tokenOf(server, AGENT1)
    for (const res of [await get(server, token), await put(server, token, { status: 'busy' })]) {
      expect(res.statusCode).toBe(500)
      expect(res.json()).toStrictEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } })
    }
  })

  it('sets the own seat with the trimmed reason and logs the status it got', async () => {
    const asked: unknown[] = []
    const server = await start({ read: async () => ({ status: 'free' }), set: async (u, s, r) => (asked.push([u, s, r]), { status: 'arrange' }) })
    const token = await tokenOf(server, AGENT1)
    const res = await put(server, token, { status: 'rest', restReason: '  lunch  ' })
    expect([res.statusCode, res.json()]).toStrictEqual([200, { status: 'arrange' }])
    expect(asked).toStrictEqual([[AGENT1.username, 'rest', 'lunch']])
    expect(logLines().filter((l) => l.msg === 'seat status set')).toMatchObject([{ level: 30, userId: AGENT1.username, status: 'arrange' }])
  })
})

describe('readStatusBody (mutation survivors)', () => {
  /** The ApiError message the client reads for this body. */
  function refused(body: unknown): string {
    try {
      readStatusBody(body)
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError)
      expect([(err as ApiError).statusCode, (err as ApiError).code]).toStrictEqual([400, 'BAD_REQUEST'])
      return (err as ApiError).message
    }
    throw new Error('expected a refusal')
  }

  it('names the first unknown field, quoted and cut to 40 characters', () => {
    const long = `x${'y'.repeat(60)}`
    const tail = '(only "status" and "restReason"; the seat is always your own)'
    expect(refused({ status: 'free', seat: 'a', agent: 'b' })).toBe(`Unknown field in the body: "seat" ${tail}`)
    expect(refused({ [long]: 1 })).toBe(`Unknown field in the body: ${JSON.stringify(long.slice(0, 40))} ${tail}`)
    expect(refused({ restReason: 'x', Status: 'free' })).toBe(`Unknown field in the body: "Status" ${tail}`)
  })

  it('says exactly which status is wrong, quoting at most 40 characters', () => {
    const tail = ': "status" must be one of free, rest, busy (after-call work and offline are set by TCCC itself)'
    expect(refused({ status: 's'.repeat(50) })).toBe(`Unknown status "${'s'.repeat(40)}"${tail}`)
    expect(refused({})).toBe(`Unknown status missing${tail}`)
    expect(refused({ status: null })).toBe(`Unknown status object${tail}`)
    expect(refused({ status: true })).toBe(`Unknown status boolean${tail}`)
    expect(refused({ status: '' })).toBe(`Unknown status ""${tail}`)
  })

  it('refuses a body that is not a JSON object, or not JSON at all, with the exact message', () => {
    expect(refused(Symbol('unsupported body'))).toBe('Send a JSON body with Content-Type: application/json')
    for (const body of ['free', 7, undefined, null, ['free']]) {
      expect(refused(body)).toBe('Body must be a JSON object {"status": "free" | "rest" | "busy", "restReason"?: string}')
    }
  })

  it('takes a rest reason of up to 64 characters, trimmed, and only with rest', () => {
    expect(readStatusBody({ status: 'rest', restReason: 'r'.repeat(64) })).toStrictEqual({ status: 'rest', restReason: 'r'.repeat(64) })
    expect(readStatusBody({ status: 'rest', restReason: ' lunch ' })).toStrictEqual({ status: 'rest', restReason: 'lunch' })
    expect(readStatusBody({ status: 'rest', restReason: '' })).toStrictEqual({ status: 'rest' })
    expect(readStatusBody({ status: 'rest' })).toStrictEqual({ status: 'rest' })
    expect(readStatusBody({ status: 'busy' })).toStrictEqual({ status: 'busy' })
    expect(refused({ status: 'rest', restReason: 'r'.repeat(65) })).toBe('"restReason" must be a string of at most 64 characters')
    expect(refused({ status: 'rest', restReason: null })).toBe('"restReason" must be a string of at most 64 characters')
    expect(refused({ status: 'busy', restReason: '' })).toBe('"restReason" is only for status "rest"')
  })
})
