// @vitest-environment node
/**
 * Mutation survivors of issue 13 in server/src/cccRecords.ts, cccRoutes.ts and workspaceRoutes.ts
 * (docs/mutation/ccc-routes.md): what the CCC API is asked and what the agent gets back, the exact
 * error bodies and the operator's log lines of the caller-number, call-detail and sync routes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../src/app'
import { createMockCccRecords, createRealCccRecords, silentWav, type CallRecordHint, type CccRecords, type TelCdr } from '../src/cccRecords'
import type { TcccCredentials } from '../src/config'
import type { Database } from '../src/db'
import { clearAgentWorkspace } from '../src/db/workspace'
import { TcccRefusedError, type CccClient } from '../src/tccc'
import { AGENT1, cccCallData, fileDatabase, LogCapture, login, manualClock, mockConfig, resetDatabase } from './helpers'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const CREDENTIALS: TcccCredentials = { secretId: 'AKIDsecretid', secretKey: 'the-secret-key', endpoint: 'ccc.example.test', protocol: 'https://', region: 'ap-guangzhou' }
const SDK_APP_ID = 1400123456

type Call = { action: string; body: Record<string, unknown> }

/** A CCC client double: records every call; each action answers from its queue (or its fallback). */
function fakeClient(answers: { DescribeNumbers?: (body: Record<string, unknown>) => unknown; DescribeTelCdr?: (body: Record<string, unknown>) => unknown }) {
  const calls: Call[] = []
  const client = {
    DescribeNumbers: async (body: Record<string, unknown>) => {
      calls.push({ action: 'DescribeNumbers', body })
      return answers.DescribeNumbers?.(body)
    },
    DescribeTelCdr: async (body: Record<string, unknown>) => {
      calls.push({ action: 'DescribeTelCdr', body })
      return answers.DescribeTelCdr?.(body)
    },
  } as unknown as CccClient
  return { client, calls }
}

function realRecords(client: CccClient, now: () => number = () => 0): CccRecords {
  return createRealCccRecords({ client, credentials: CREDENTIALS, sdkAppId: SDK_APP_ID, now })
}

const numbersPage = (count: number, from = 0) => Array.from({ length: count }, (_, i) => ({ Number: `0200000${String(from + i).padStart(4, '0')}`, State: 1 }))

const HINT: CallRecordHint = { sessionId: 'sess-1', agent: 'seat-1', startedAt: 1_700_000_000_999, endedAt: 1_700_000_060_000, durationSec: 60, answered: true }

describe('real caller numbers: DescribeNumbers pages and filter (mutation survivors)', () => {
  it('pages on while pages are full and TotalCount says more, asking page 0, 1, 2 of 100', async () => {
    const all = numbersPage(250)
    const { client, calls } = fakeClient({
      DescribeNumbers: (b) => ({ TotalCount: 250, Numbers: all.slice(Number(b.PageNumber) * 100, Number(b.PageNumber) * 100 + 100) }),
    })
    expect(await realRecords(client).callerNumbers()).toEqual(all.map((n) => n.Number))
    expect(calls.map((c) => c.body)).toEqual([0, 1, 2].map((PageNumber) => ({ SdkAppId: SDK_APP_ID, PageNumber, PageSize: 100 })))
  })

  it('stops after a full page when TotalCount is exactly reached or missing', async () => {
    const exact = fakeClient({ DescribeNumbers: () => ({ TotalCount: 100, Numbers: numbersPage(100) }) })
    expect(await realRecords(exact.client).callerNumbers()).toHaveLength(100)
    expect(exact.calls).toHaveLength(1)
    const noTotal = fakeClient({ DescribeNumbers: () => ({ Numbers: numbersPage(100) }) })
    expect(await realRecords(noTotal.client).callerNumbers()).toHaveLength(100)
    expect(noTotal.calls).toHaveLength(1)
  })

  it('stops at a short page even when TotalCount says there are more', async () => {
    const { client, calls } = fakeClient({ DescribeNumbers: (b) => ({ TotalCount: 500, Numbers: Number(b.PageNumber) === 0 ? numbersPage(30) : numbersPage(100, 100) }) })
    expect(await realRecords(client).callerNumbers()).toEqual(numbersPage(30).map((n) => n.Number))
    expect(calls).toHaveLength(1)
  })

  it('asks at most 10 pages', async () => {
    // Full pages for pages 0..19 (a loop that never stops would ask forever); nothing after.
    const { client, calls } = fakeClient({
      DescribeNumbers: (b) => ({ TotalCount: 5000, Numbers: Number(b.PageNumber) >= 0 && Number(b.PageNumber) < 20 ? numbersPage(100, Number(b.PageNumber) * 100) : [] }),
    })
    expect(await realRecords(client).callerNumbers()).toHaveLength(1000)
    expect(calls.map((c) => c.body.PageNumber)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('keeps only non-empty string numbers in service (State 1 or no State), in order; no Numbers is none', async () => {
    const { client } = fakeClient({
      DescribeNumbers: () => ({
        TotalCount: 7,
        Numbers: [{ Number: '0201', State: 1 }, { Number: '0202', State: 2 }, { Number: '', State: 1 }, { Number: 203, State: 1 }, { State: 1 }, { Number: '0204' }, { Number: '0205', State: 4 }],
      }),
    })
    expect(await realRecords(client).callerNumbers()).toEqual(['0201', '0204'])
    const empty = fakeClient({ DescribeNumbers: () => ({ TotalCount: 0 }) })
    expect(await realRecords(empty.client).callerNumbers()).toEqual([])
  })

  it('turns an SDK error into a TcccRefusedError with its code and no secret', async () => {
    const { client } = fakeClient({
      DescribeNumbers: () => {
        throw Object.assign(new Error(`denied for ${CREDENTIALS.secretKey}`), { code: 'AuthFailure', requestId: 'req-9' })
      },
    })
    const err = await realRecords(client).callerNumbers().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TcccRefusedError)
    expect(err).toMatchObject({ tcccCode: 'AuthFailure', requestId: 'req-9' })
    expect((err as Error).message).not.toContain(CREDENTIALS.secretKey)
  })
})

describe('real caller numbers: one DescribeNumbers per minute (mutation survivors)', () => {
  it('answers from the cache for 59.999 s and asks again at 60 s', async () => {
    const clock = manualClock()
    let round = 0
    const { client, calls } = fakeClient({ DescribeNumbers: () => ({ TotalCount: 1, Numbers: [{ Number: `020${++round}`, State: 1 }] }) })
    const records = realRecords(client, clock.now)
    expect(await records.callerNumbers()).toEqual(['0201'])
    clock.advance(59_999)
    expect(await records.callerNumbers()).toEqual(['0201'])
    expect(calls).toHaveLength(1)
    clock.advance(1)
    expect(await records.callerNumbers()).toEqual(['0202'])
    expect(calls).toHaveLength(2)
  })

  it('a late failure of an older request does not drop the newer cached answer', async () => {
    const clock = manualClock()
    let failFirst: (err: unknown) => void = () => {}
    const first = new Promise((_resolve, reject) => {
      failFirst = reject
    })
    let n = 0
    const { client, calls } = fakeClient({ DescribeNumbers: () => (++n === 1 ? first : { TotalCount: 1, Numbers: [{ Number: '0209', State: 1 }] }) })
    const records = realRecords(client, clock.now)
    const old = records.callerNumbers()
    old.catch(() => {})
    clock.advance(60_000)
    expect(await records.callerNumbers()).toEqual(['0209'])
    failFirst(Object.assign(new Error('late'), { code: 'InternalError' }))
    await expect(old).rejects.toBeInstanceOf(TcccRefusedError)
    await new Promise((r) => setTimeout(r, 10))
    expect(await records.callerNumbers()).toEqual(['0209'])
    expect(calls).toHaveLength(2)
  })

  it('an older request failing after a newer one failed leaves no unhandled rejection (a crash in production)', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const clock = manualClock()
      let failFirst: (err: unknown) => void = () => {}
      const first = new Promise((_resolve, reject) => {
        failFirst = reject
      })
      let n = 0
      const { client } = fakeClient({
        DescribeNumbers: () => {
          if (++n === 1) return first
          throw Object.assign(new Error('busy'), { code: 'InternalError' })
        },
      })
      const records = realRecords(client, clock.now)
      const old = records.callerNumbers()
      old.catch(() => {})
      clock.advance(60_000)
      await expect(records.callerNumbers()).rejects.toBeInstanceOf(TcccRefusedError)
      failFirst(Object.assign(new Error('late'), { code: 'InternalError' }))
      await expect(old).rejects.toBeInstanceOf(TcccRefusedError)
      await new Promise((r) => setTimeout(r, 50))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

describe('real call detail: DescribeTelCdr (mutation survivors)', () => {
  const cdrOf = (over: Record<string, unknown> = {}) => ({ SessionId: 'sess-1', Duration: 58, RecordURL: 'https://rec.example/1.mp3', EndStatusString: 'ok', SeatUser: { UserId: 'seat-1' }, ...over })

  it('asks for the one session in the record start ±1 day (whole seconds)', async () => {
    const { client, calls } = fakeClient({ DescribeTelCdr: () => ({ TelCdrList: [cdrOf()] }) })
    await realRecords(client).telCdr(HINT)
    expect(calls).toEqual([
      {
        action: 'DescribeTelCdr',
        body: { SdkAppId: SDK_APP_ID, StartTimeStamp: 1_700_000_000 - 86_400, EndTimeStamp: 1_700_000_000 + 86_400, SessionIds: ['sess-1'], PageSize: 1, PageNumber: 0 },
      },
    ])
  })

  it('maps the matching entry of TelCdrList (or TelCdrs) to the record the app shows', async () => {
    const list = [cdrOf({ SessionId: 'other', SeatUser: { UserId: 'seat-9' } }), cdrOf({ Duration: 12.6 })]
    const expected: TelCdr = { sessionId: 'sess-1', seatUserId: 'seat-1', durationSec: 13, recordingUrl: 'https://rec.example/1.mp3', endStatus: 'ok' }
    expect(await realRecords(fakeClient({ DescribeTelCdr: () => ({ TelCdrList: list }) }).client).telCdr(HINT)).toEqual(expected)
    expect(await realRecords(fakeClient({ DescribeTelCdr: () => ({ TelCdrs: list }) }).client).telCdr(HINT)).toEqual(expected)
  })

  it('answers null when TCCC has no entry for the session', async () => {
    expect(await realRecords(fakeClient({ DescribeTelCdr: () => ({}) }).client).telCdr(HINT)).toBeNull()
    expect(await realRecords(fakeClient({ DescribeTelCdr: () => ({ TelCdrList: [cdrOf({ SessionId: 'other' })] }) }).client).telCdr(HINT)).toBeNull()
  })

  it('prefers the business COS copy, takes only http(s) links, else no recording', async () => {
    const telCdr = async (over: Record<string, unknown>) =>
      (await realRecords(fakeClient({ DescribeTelCdr: () => ({ TelCdrList: [cdrOf(over)] }) }).client).telCdr(HINT))?.recordingUrl
    expect(await telCdr({ CustomRecordURL: 'https://cos.example/1.mp3' })).toBe('https://cos.example/1.mp3')
    expect(await telCdr({ CustomRecordURL: '', RecordURL: 'http://rec.example/2.mp3' })).toBe('http://rec.example/2.mp3')
    expect(await telCdr({ CustomRecordURL: 'cos://bucket/1.mp3' })).toBe('https://rec.example/1.mp3')
    expect(await telCdr({ RecordURL: 'see https://rec.example/3.mp3' })).toBeNull()
    expect(await telCdr({ RecordURL: 'https:/rec.example/3.mp3' })).toBeNull()
    expect(await telCdr({ RecordURL: undefined })).toBeNull()
  })

  it('fills missing seat, duration and end status with "", 0 and ""; a negative duration is 0', async () => {
    const telCdr = async (over: Record<string, unknown>) => realRecords(fakeClient({ DescribeTelCdr: () => ({ TelCdrList: [cdrOf(over)] }) }).client).telCdr(HINT)
    expect(await telCdr({ SeatUser: undefined, Duration: undefined, EndStatusString: undefined, RecordURL: undefined })).toEqual({
      sessionId: 'sess-1',
      seatUserId: '',
      durationSec: 0,
      recordingUrl: null,
      endStatus: '',
    })
    expect(await telCdr({ SeatUser: {} })).toMatchObject({ seatUserId: '' })
    expect(await telCdr({ Duration: -5 })).toMatchObject({ durationSec: 0 })
    expect(await telCdr({ Duration: '58' })).toMatchObject({ durationSec: 0 })
  })

  it('turns an SDK error into a TcccRefusedError (network: no code)', async () => {
    const { client } = fakeClient({
      DescribeTelCdr: () => {
        throw new Error('request to https://ccc.example.test/ failed, reason: connect ECONNREFUSED')
      },
    })
    const err = await realRecords(client).telCdr(HINT).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TcccRefusedError)
    expect(err).toMatchObject({ message: 'The TCCC API could not be reached', tcccCode: undefined })
  })
})

describe('mock call records and the silent recording (mutation survivors)', () => {
  it('answers a copy of the configured numbers and a recording link with the session id encoded', async () => {
    const configured = ['0201', '0202']
    const records = createMockCccRecords({ callerNumbers: configured, recordingBaseUrl: () => 'http://host:1' })
    const answered = await records.callerNumbers()
    answered.push('9999')
    expect(await records.callerNumbers()).toEqual(['0201', '0202'])
    expect(await records.telCdr({ ...HINT, sessionId: 'a b/c', agent: 'me', durationSec: 7 })).toEqual({
      sessionId: 'a b/c',
      seatUserId: 'me',
      durationSec: 7,
      recordingUrl: 'http://host:1/mock/recordings/a%20b%2Fc.wav',
      endStatus: 'ok',
    })
  })

  it('is one second of 8 kHz 16-bit mono PCM silence with a complete WAV header', () => {
    const wav = silentWav()
    expect(wav.length).toBe(44 + 16_000)
    expect(wav.toString('latin1', 0, 4)).toBe('RIFF')
    expect(wav.readUInt32LE(4)).toBe(36 + 16_000)
    expect(wav.toString('latin1', 8, 16)).toBe('WAVEfmt ')
    expect([wav.readUInt32LE(16), wav.readUInt16LE(20), wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt32LE(28), wav.readUInt16LE(32), wav.readUInt16LE(34)]).toEqual([
      16, 1, 1, 8000, 16000, 2, 16,
    ])
    expect(wav.toString('latin1', 36, 40)).toBe('data')
    expect(wav.readUInt32LE(40)).toBe(16_000)
    expect(wav.subarray(44).every((b) => b === 0)).toBe(true)
  })
})

describe('routes (mutation survivors)', () => {
  let db: Database
  let app: FastifyInstance | null = null
  let logs: LogCapture
  let token: string
  const telCdrCalls: CallRecordHint[] = []
  let records: CccRecords

  beforeAll(async () => {
    db = await fileDatabase()
  })
  afterAll(async () => {
    await db.close()
  })
  beforeEach(async () => {
    await resetDatabase(db)
    telCdrCalls.length = 0
    records = {
      callerNumbers: async () => ['0201'],
      telCdr: async (call) => {
        telCdrCalls.push(call)
        return { sessionId: call.sessionId, seatUserId: call.agent, durationSec: 42, recordingUrl: 'https://rec.example/x.mp3', endStatus: 'ok' }
      },
    }
    logs = new LogCapture()
    app = await buildServer(mockConfig(), {
      db,
      now: () => 1_800_000_000_000,
      report: () => {},
      logStream: logs,
      cccRecords: { callerNumbers: () => records.callerNumbers(), telCdr: (call) => records.telCdr(call) },
    })
    token = (await login(app, AGENT1)).body.accessToken
  })
  afterEach(async () => {
    await app?.close()
    app = null
  })

  const server = () => app as FastifyInstance
  const auth = () => ({ authorization: `Bearer ${token}` })
  const logLines = () => logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  const pushCall = async (id: string, data: Record<string, unknown>) => {
    const res = await server().inject({
      method: 'POST',
      url: '/api/workspace/changes',
      headers: auth(),
      payload: { changes: [{ changeId: `c-${id}-${Math.random().toString(16).slice(2)}`, kind: 'call', op: 'upsert', id, data }] },
    })
    expect(res.json()).toMatchObject({ results: [{ status: 'applied' }] })
  }
  const STARTED = 1_800_000_000_000 - 600_000
  const callData = (over: Record<string, unknown> = {}) => cccCallData(STARTED, { sessionId: 'sess-1', ...over })
  const detail = (id: string) => server().inject({ method: 'POST', url: `/api/workspace/calls/${id}/detail`, headers: auth() })

  it("naming another agent (?agent=) on the caller numbers and a call's detail answers 404; naming oneself is the same as not naming", async () => {
    const other = encodeURIComponent('agent2@example.com')
    expect((await server().inject({ method: 'GET', url: `/api/numbers/callers?agent=${other}`, headers: auth() })).statusCode).toBe(404)
    expect((await server().inject({ method: 'POST', url: `/api/workspace/calls/c1/detail?agent=${other}`, headers: auth() })).json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such agent' } })
    const own = await server().inject({ method: 'GET', url: `/api/numbers/callers?agent=${encodeURIComponent(AGENT1.username)}`, headers: auth() })
    expect(own.statusCode).not.toBe(404)
  })

  it('caller numbers: a TCCC refusal is 502 with its code and message, logged for the operator', async () => {
    records.callerNumbers = async () => {
      throw new TcccRefusedError('no permission', 'FailedOperation.PermissionDenied', 'req-1')
    }
    const res = await server().inject({ method: 'GET', url: '/api/numbers/callers', headers: auth() })
    expect(res.statusCode).toBe(502)
    expect(res.json()).toEqual({ error: { code: 'TCCC_REFUSED', message: 'no permission', tcccCode: 'FailedOperation.PermissionDenied' } })
    expect(logLines().find((l) => l.msg === 'TCCC refused DescribeNumbers')).toMatchObject({ level: 40, userId: AGENT1.username, tcccCode: 'FailedOperation.PermissionDenied', requestId: 'req-1' })
  })

  it('caller numbers: an unreachable TCCC is 502 without a code; an unexpected error is 500', async () => {
    records.callerNumbers = async () => {
      throw new TcccRefusedError('The TCCC API could not be reached', undefined, undefined, { code: 'ECONNREFUSED', host: 'ccc.example.test' } as never)
    }
    const res = await server().inject({ method: 'GET', url: '/api/numbers/callers', headers: auth() })
    expect(res.statusCode).toBe(502)
    expect(res.json()).toEqual({ error: { code: 'TCCC_REFUSED', message: 'The TCCC API could not be reached' } })
    expect(logLines().find((l) => l.msg === 'TCCC refused DescribeNumbers')).toMatchObject({ cause: { code: 'ECONNREFUSED' } })
    records.callerNumbers = async () => {
      throw new Error('boom')
    }
    const crash = await server().inject({ method: 'GET', url: '/api/numbers/callers', headers: auth() })
    expect(crash.statusCode).toBe(500)
    expect(crash.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } })
  })

  it('call detail: asks TCCC with the record fields and stores what it answers', async () => {
    await pushCall('call-1', callData())
    await pushCall('call-2', callData({ sessionId: 'sess-2', outcome: 'no-answer', answeredAt: null, durationSec: 0 }))
    const res = await detail('call-1')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ kind: 'call', id: 'call-1', data: { tcccDurationSec: 42, recordingUrl: 'https://rec.example/x.mp3', tcccEndStatus: 'ok', detailAt: 1_800_000_000_000 } })
    expect((await detail('call-2')).statusCode).toBe(200)
    expect(telCdrCalls).toEqual([
      { sessionId: 'sess-1', agent: AGENT1.username, startedAt: STARTED, endedAt: STARTED + 65_000, durationSec: 60, answered: true },
      { sessionId: 'sess-2', agent: AGENT1.username, startedAt: STARTED, endedAt: STARTED + 65_000, durationSec: 0, answered: false },
    ])
  })

  it('call detail: exact 404s for no call, no session and a session of another seat (logged)', async () => {
    expect((await detail('nope')).json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such call' } })
    await pushCall('call-1', callData({ sessionId: undefined }))
    const none = await detail('call-1')
    expect(none.statusCode).toBe(404)
    expect(none.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'TCCC has no detail record for this call (yet)' } })
    expect(telCdrCalls).toEqual([])
    await pushCall('call-2', callData({ sessionId: 'sess-2' }))
    records.telCdr = async () => null
    expect((await detail('call-2')).json()).toEqual({ error: { code: 'NOT_FOUND', message: 'TCCC has no detail record for this call (yet)' } })
    expect(logLines().some((l) => l.msg === 'call detail refused: the session belongs to another seat')).toBe(false)
    records.telCdr = async (call) => ({ sessionId: call.sessionId, seatUserId: 'someone-else', durationSec: 1, recordingUrl: null, endStatus: 'ok' })
    const stolen = await detail('call-2')
    expect(stolen.statusCode).toBe(404)
    expect(stolen.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'TCCC has no detail record for this call (yet)' } })
    expect(logLines().find((l) => l.msg === 'call detail refused: the session belongs to another seat')).toMatchObject({ level: 40, userId: AGENT1.username })
  })

  it('call detail: a TCCC refusal is 502 and logged; a record cleared meanwhile is 404', async () => {
    await pushCall('call-1', callData())
    records.telCdr = async () => {
      throw new TcccRefusedError('busy', 'InternalError', 'req-2')
    }
    const res = await detail('call-1')
    expect(res.statusCode).toBe(502)
    expect(res.json()).toEqual({ error: { code: 'TCCC_REFUSED', message: 'busy', tcccCode: 'InternalError' } })
    expect(logLines().find((l) => l.msg === 'TCCC refused DescribeTelCdr')).toMatchObject({ level: 40, tcccCode: 'InternalError', requestId: 'req-2' })
    records.telCdr = async (call) => {
      await clearAgentWorkspace(db, AGENT1.username)
      return { sessionId: call.sessionId, seatUserId: call.agent, durationSec: 1, recordingUrl: null, endStatus: 'ok' }
    }
    const gone = await detail('call-1')
    expect(gone.statusCode).toBe(404)
    expect(gone.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such call' } })
  })

  it('sync: pull takes the own ?agent=, default and edge cursors and limits; exact 400 messages', async () => {
    const get = (query: string) => server().inject({ method: 'GET', url: `/api/workspace/changes${query}`, headers: auth() })
    expect((await get(`?agent=${encodeURIComponent(AGENT1.username)}`)).statusCode).toBe(200)
    expect((await get('?agent=someone')).json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such agent' } })
    const all = (await get('')).json() as { changes: unknown[]; more: boolean }
    expect(all.changes.length).toBeGreaterThan(1)
    expect((await get('?since=0&limit=1')).json()).toMatchObject({ changes: [all.changes[0]], more: true })
    expect((await get('?limit=1000')).json()).toEqual(all)
    expect((await get(`?since=${'9'.repeat(18)}`)).json()).toMatchObject({ changes: [], more: false })
    const sinceError = { error: { code: 'BAD_REQUEST', message: '"since" must be a cursor from an earlier pull (or 0)' } }
    for (const since of ['9'.repeat(19), 'x1', '1x', '', '-1']) expect((await get(`?since=${since}`)).json(), since).toEqual(sinceError)
    expect((await get('?since=1&since=2')).json()).toEqual(sinceError)
    const limitError = { error: { code: 'BAD_REQUEST', message: '"limit" must be a whole number from 1 to 1000' } }
    for (const limit of ['0', '1001', '00001', 'x1', '1x', '', '1.5']) expect((await get(`?limit=${limit}`)).json(), limit).toEqual(limitError)
    expect((await get('?limit=1&limit=2')).json()).toEqual(limitError)
  })

  it('sync: push refuses bad envelopes with exact messages and logs applied/rejected counts', async () => {
    const post = (payload: string) => server().inject({ method: 'POST', url: '/api/workspace/changes', headers: { ...auth(), 'content-type': 'application/json' }, payload })
    const bodyError = { error: { code: 'BAD_REQUEST', message: 'Body must be a JSON object {"changes": [...]}' } }
    for (const body of ['null', '[]', '"x"', '5']) expect((await post(body)).json(), body).toEqual(bodyError)
    expect((await post('{"changes":[],"x":1}')).json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'Unknown field in the body: only "changes" is allowed' } })
    expect((await post('{}')).json()).toEqual({ error: { code: 'BAD_REQUEST', message: '"changes" must be an array' } })
    expect((await post(JSON.stringify({ changes: Array.from({ length: 501 }, () => 1) }))).json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'At most 500 changes per push' } })
    const ok = await post(JSON.stringify({ changes: [{ changeId: 'a1', kind: 'number', op: 'upsert', id: 'n1', data: { number: '123456' } }, 'bad', 'worse'] }))
    expect(ok.json()).toMatchObject({ results: [{ status: 'applied' }, { status: 'rejected' }, { status: 'rejected' }] })
    expect(logLines().find((l) => l.msg === 'workspace push')).toMatchObject({ level: 30, userId: AGENT1.username, applied: 1, rejected: 2 })
  })

  it('sync: single records answer exact 404s per kind', async () => {
    for (const kind of ['number', 'call']) {
      const res = await server().inject({ method: 'GET', url: `/api/workspace/${kind}s/none`, headers: auth() })
      expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: `No such ${kind}` } })
    }
    await pushCall('call-1', callData())
    expect((await server().inject({ method: 'GET', url: '/api/workspace/numbers/call-1', headers: auth() })).statusCode).toBe(404)
  })
})
