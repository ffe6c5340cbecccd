/**
 * A fake Tencent Cloud CCC API (ccc 2020-02-10) on loopback for tests. It checks requests the
 * way Tencent Cloud documents TC3-HMAC-SHA256 (canonical request, credential scope
 * `<date>/ccc/tc3_request`, signed headers, ±5 minute clock skew) and answers in the API's JSON
 * shape, so the real tencentcloud-sdk-nodejs client code path runs end to end.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { LookupFunction } from 'node:net'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  headers: IncomingMessage['headers']
  body: string
  /** null when the signature checked out, otherwise the error code answered. */
  authError: string | null
}

type TcccError = { Code: string; Message: string }

/** A `DescribeNumbers` entry (NumberInfo: Number, State 1 = in service). */
export interface FakeNumber {
  Number: string
  State: number
}

/** A `DescribeTelCdr` entry (TelCdrInfo, the fields the backend reads). */
export interface FakeTelCdr {
  SessionId: string
  Time: number
  Duration: number
  RecordURL?: string
  EndStatusString: string
  SeatUser: { UserId: string }
}

export interface FakeCccApi {
  port: number
  /** `http://ccc.fake.test:<port>`: a host whose first label is the service name, as the SDK needs. */
  endpointUrl: string
  requests: RecordedRequest[]
  /** Answer the next request for `action` (default CreateSDKLoginToken) with this error. */
  failNext(error: TcccError, action?: string): void
  /** What DescribeNumbers answers (pages of `PageSize`). */
  numbers: FakeNumber[]
  /** What DescribeTelCdr searches (by `SessionIds` and the time range). */
  cdrs: FakeTelCdr[]
  /** Seat statuses as TCCC holds them (SetStaffStatus writes, DescribeStaffStatusMetrics reads). */
  seats: Map<string, { Status: string; Reason: string }>
  /** Answer the next request for `action` with this error (whole request, or one seat's item). */
  failNextAction(action: 'SetStaffStatus' | 'DescribeStaffStatusMetrics', error: TcccError, where?: 'request' | 'item'): void
  close(): Promise<void>
}

const ACTIONS = ['CreateSDKLoginToken', 'DescribeNumbers', 'DescribeTelCdr'] as const

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest()

function utcDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10)
}

/** Verifies an Authorization header; returns a Tencent error code, or null when valid. */
export function verifyTc3(
  request: { method: string; path: string; query: string; headers: IncomingMessage['headers']; body: string },
  secrets: Record<string, string>,
  nowSeconds: number,
): string | null {
  const auth = request.headers.authorization
  const match = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
    typeof auth === 'string' ? auth : '',
  )
  if (!match) return 'AuthFailure.InvalidAuthorization'
  const [, secretId, date, service, signedHeaders, signature] = match
  const secretKey = secrets[secretId]
  if (secretKey === undefined) return 'AuthFailure.SecretIdNotFound'
  const timestamp = Number(request.headers['x-tc-timestamp'])
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > 300) return 'AuthFailure.SignatureExpire'
  if (service !== 'ccc' || date !== utcDate(timestamp)) return 'AuthFailure.InvalidAuthorization'
  const names = signedHeaders.split(';')
  if (!names.includes('host') || !names.includes('content-type')) return 'AuthFailure.InvalidAuthorization'

  const canonicalHeaders = names
    .map((name) => {
      let value = String(request.headers[name] ?? '')
      // The signed host is the host name: the SDK leaves out a non-default port, and so do we.
      if (name === 'host') value = value.replace(/:\d+$/, '')
      return `${name}:${value.trim().toLowerCase()}\n`
    })
    .join('')
  const canonicalRequest = [request.method, request.path, request.query, canonicalHeaders, signedHeaders, sha256Hex(request.body)].join('\n')
  const stringToSign = ['TC3-HMAC-SHA256', String(timestamp), `${date}/${service}/tc3_request`, sha256Hex(canonicalRequest)].join('\n')
  const signingKey = hmac(hmac(hmac(`TC3${secretKey}`, date), service), 'tc3_request')
  const expected = hmac(signingKey, stringToSign)
  const given = Buffer.from(signature, 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected) ? null : 'AuthFailure.SignatureFailure'
}

/** Resolves every host name to 127.0.0.1, so `ccc.fake.test` reaches the fake. */
export const loopbackLookup: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }])
  else callback(null, '127.0.0.1', 4)
}

export function loopbackAgent(): Agent {
  return new Agent({ lookup: loopbackLookup, keepAlive: false })
}

export async function startFakeCccApi(options: { secrets: Record<string, string>; now?: () => number }): Promise<FakeCccApi> {
  const requests: RecordedRequest[] = []
  const pendingErrors = new Map<string, TcccError[]>()
  const numbers: FakeNumber[] = []
  const cdrs: FakeTelCdr[] = []
  const seats = new Map<string, { Status: string; Reason: string }>()
  const actionErrors = new Map<string, { error: TcccError; where: 'request' | 'item' }>()
  let counter = 0

  function answer(res: ServerResponse, response: Record<string, unknown>): void {
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ Response: { ...response, RequestId: `fake-request-${++counter}` } }))
  }
  const error = (res: ServerResponse, Code: string, Message: string) => answer(res, { Error: { Code, Message } })

  // SetStaffStatus / DescribeStaffStatusMetrics as documented (ccc_models.d.ts; api/679/124802, 679/60007).
  function staffStatus(res: ServerResponse, action: string, body: string): void {
    let params: { SdkAppId?: unknown; StaffList?: unknown; StaffStatusList?: unknown }
    try {
      params = JSON.parse(body) as typeof params
    } catch {
      return error(res, 'InvalidParameter', 'The request body is not JSON.')
    }
    if (!Number.isInteger(params.SdkAppId)) return error(res, 'MissingParameter', 'SdkAppId is required.')
    const pending = actionErrors.get(action)
    if (pending?.where === 'request') {
      actionErrors.delete(action)
      return error(res, pending.error.Code, pending.error.Message)
    }
    if (action === 'DescribeStaffStatusMetrics') {
      const wanted = Array.isArray(params.StaffList) ? (params.StaffList as unknown[]).map(String) : [...seats.keys()]
      const metrics = wanted.filter((id) => seats.has(id)).map((id) => ({ Email: id, Status: seats.get(id)?.Status, Reason: seats.get(id)?.Reason, StatusExtra: { Type: 'tel', Direct: '' } }))
      return answer(res, { Metrics: metrics })
    }
    const list = params.StaffStatusList
    if (!Array.isArray(list) || list.length === 0 || list.length > 10) return error(res, 'InvalidParameter', 'StaffStatusList must hold 1 to 10 items.')
    const items = (list as Array<{ StaffUserId?: unknown; Status?: unknown; Reason?: unknown }>).map((item) => {
      const userId = String(item.StaffUserId ?? '')
      const previous = seats.get(userId) ?? { Status: 'offline', Reason: '' }
      if (pending?.where === 'item') {
        actionErrors.delete(action)
        return { StaffUserId: userId, ErrorCode: pending.error.Code, ErrorMessage: pending.error.Message, Status: previous.Status, Reason: previous.Reason, PreviousStatus: previous.Status, PreviousReason: previous.Reason }
      }
      if (!['free', 'notReady', 'rest'].includes(String(item.Status))) {
        return { StaffUserId: userId, ErrorCode: 'InvalidParameterValue', ErrorMessage: 'Status must be free, notReady or rest.', Status: previous.Status, Reason: previous.Reason, PreviousStatus: previous.Status, PreviousReason: previous.Reason }
      }
      const next = { Status: String(item.Status), Reason: typeof item.Reason === 'string' ? item.Reason : '' }
      seats.set(userId, next)
      return { StaffUserId: userId, ErrorCode: '', ErrorMessage: '', ...next, PreviousStatus: previous.Status, PreviousReason: previous.Reason }
    })
    return answer(res, { StaffStatusList: items })
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const [path, query = ''] = (req.url ?? '/').split('?')
      const now = Math.floor((options.now ?? Date.now)() / 1000)
      const authError = verifyTc3({ method: req.method ?? '', path, query, headers: req.headers, body }, options.secrets, now)
      requests.push({ method: req.method ?? '', headers: req.headers, body, authError })
      if (authError) return error(res, authError, `The request signature failed verification (${authError}).`)
      const action = String(req.headers['x-tc-action'] ?? '')
      if (req.headers['x-tc-version'] === '2020-02-10' && (action === 'SetStaffStatus' || action === 'DescribeStaffStatusMetrics')) {
        return staffStatus(res, action, body)
      }
      if (!(ACTIONS as readonly string[]).includes(action) || req.headers['x-tc-version'] !== '2020-02-10') {
        return error(res, 'InvalidAction', 'The action does not exist.')
      }
      let params: Record<string, unknown>
      try {
        params = JSON.parse(body) as typeof params
      } catch {
        return error(res, 'InvalidParameter', 'The request body is not JSON.')
      }
      if (!Number.isInteger(params.SdkAppId)) return error(res, 'InvalidParameter', 'SdkAppId is required.')
      const failure = pendingErrors.get(action)?.shift()
      if (failure) return error(res, failure.Code, failure.Message)
      if (action === 'DescribeNumbers') {
        const size = Number(params.PageSize ?? 20)
        const page = Number(params.PageNumber ?? 0)
        return answer(res, { TotalCount: numbers.length, Numbers: numbers.slice(page * size, (page + 1) * size) })
      }
      if (action === 'DescribeTelCdr') {
        const { StartTimeStamp: from, EndTimeStamp: to, PageSize: size, PageNumber: page, SessionIds: ids } = params
        if (!Number.isInteger(from) || !Number.isInteger(to) || !Number.isInteger(size) || !Number.isInteger(page) || (to as number) <= (from as number)) {
          return error(res, 'InvalidParameter', 'StartTimeStamp, EndTimeStamp, PageSize and PageNumber are required.')
        }
        if ((to as number) - (from as number) >= 90 * 86_400) return error(res, 'InvalidParameter', 'The time range must be under 90 days.')
        const wanted = Array.isArray(ids) ? new Set(ids) : null
        const found = cdrs.filter((c) => c.Time >= (from as number) && c.Time <= (to as number) && (!wanted || wanted.has(c.SessionId)))
        return answer(res, { TotalCount: found.length, TelCdrList: found.slice((page as number) * (size as number), ((page as number) + 1) * (size as number)) })
      }
      if (typeof params.SeatUserId !== 'string' || !params.SeatUserId) {
        return error(res, 'InvalidParameter', 'SdkAppId and SeatUserId are required.')
      }
      const token = `real-token-${counter + 1}-${params.SeatUserId}`
      answer(res, {
        Token: token,
        ExpiredTime: now + 7200,
        SdkURL: `https://tccc.qcloud.com/ccc-sdk/sdk.js?sdkAppId=${params.SdkAppId}&token=${encodeURIComponent(token)}`,
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    port,
    endpointUrl: `http://ccc.fake.test:${port}`,
    requests,
    failNext: (e, action = 'CreateSDKLoginToken') => void pendingErrors.set(action, [...(pendingErrors.get(action) ?? []), e]),
    numbers,
    cdrs,
    seats,
    failNextAction: (action, e, where = 'request') => void actionErrors.set(action, { error: e, where }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
