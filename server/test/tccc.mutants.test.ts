// @vitest-environment node
// Behaviour the mutation run of server/src/tccc.ts (issue 13, docs/mutation/tccc.md) showed
// untested: what a refusal carries to the 502 answer and the operator's log (TCCC's code, the
// request id, the network cause), how TCCC's message is cleaned, and which CreateSDKLoginToken
// answers count as incomplete. Real-mode calls go through the real SDK to loopback servers.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TcccCredentials } from '../src/config'
import { createMockIssuer, createRealIssuer, refusalOf, sanitiseTcccMessage, TcccRefusedError, type CccClient } from '../src/tccc'
import { loopbackAgent, startFakeCccApi, type FakeCccApi } from './fakeCccApi'

const SECRET_ID = 'AKIDfakeSecretId0123456789abcdef'
const SECRET_KEY = 'fakeSecretKey0123456789abcdefghij'
const SDK_APP_ID = 1400123456

const credentialsFor = (endpoint: string): TcccCredentials => ({ secretId: SECRET_ID, secretKey: SECRET_KEY, endpoint, protocol: 'http://', region: 'ap-guangzhou' })

/** What `issue` rejects with (fails when it resolves or throws something else). */
async function refusal(promise: Promise<unknown>): Promise<TcccRefusedError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof TcccRefusedError) return err
    throw err
  }
  throw new Error('expected a TcccRefusedError')
}

let fake: FakeCccApi
let unavailable: Server
beforeAll(async () => {
  fake = await startFakeCccApi({ secrets: { [SECRET_ID]: SECRET_KEY } })
  // A CCC API behind a proxy that answers 503 (no TCCC JSON at all).
  unavailable = createServer((_req, res) => {
    res.writeHead(503, { 'Content-Type': 'text/plain' })
    res.end('upstream down')
  })
  await new Promise<void>((resolve) => unavailable.listen(0, '127.0.0.1', resolve))
})
afterAll(async () => {
  await fake.close()
  await new Promise<void>((resolve) => unavailable.close(() => resolve()))
})

describe('createRealIssuer refusals (mutation survivors)', () => {
  it("keeps TCCC's code and request id when TCCC refuses", async () => {
    const issuer = await createRealIssuer({ credentials: credentialsFor(fake.endpointUrl.slice('http://'.length)), sdkAppId: SDK_APP_ID, httpAgent: loopbackAgent() })
    fake.failNext({ Code: 'FailedOperation.SeatUserNotExist', Message: 'Seat not found' })
    const err = await refusal(issuer.issue('seat@corp.example', { baseUrl: 'http://unused' }))
    expect(err.message).toBe('Seat not found')
    expect(err.tcccCode).toBe('FailedOperation.SeatUserNotExist')
    expect(err.requestId).toMatch(/^fake-request-\d+$/)
    expect(err.networkCause).toBeUndefined()
  })

  it('names an HTTP status as the network cause when the way to TCCC answers without TCCC JSON', async () => {
    const host = `ccc.proxy.test:${(unavailable.address() as AddressInfo).port}`
    const issuer = await createRealIssuer({ credentials: credentialsFor(host), sdkAppId: SDK_APP_ID, httpAgent: loopbackAgent() })
    const err = await refusal(issuer.issue('seat@corp.example', { baseUrl: 'http://unused' }))
    expect(err.message).toBe('The TCCC API could not be reached')
    expect(err.tcccCode).toBeUndefined()
    expect(err.networkCause).toEqual({ code: 'HTTP_503', host })
    // The SDK gives an empty request id here: it is left out, not logged as "".
    expect(err.requestId).toBeUndefined()
  })

  it('has no request id when the TCCC API cannot be reached at all', async () => {
    const closed = await startFakeCccApi({ secrets: {} })
    await closed.close()
    const host = closed.endpointUrl.slice('http://'.length)
    const issuer = await createRealIssuer({ credentials: credentialsFor(host), sdkAppId: SDK_APP_ID, httpAgent: loopbackAgent() })
    const err = await refusal(issuer.issue('seat@corp.example', { baseUrl: 'http://unused' }))
    expect(err.networkCause).toEqual({ code: 'ECONNREFUSED', host })
    expect(err.requestId).toBeUndefined()
    expect(err.tcccCode).toBeUndefined()
  })

  it('reads as a TcccRefusedError (the `type` the error log shows)', () => {
    const err = refusalOf({ code: 'InvalidParameter', message: 'bad' }, credentialsFor('ccc.example'))
    expect(err.name).toBe('TcccRefusedError')
    expect(String(err)).toBe('TcccRefusedError: bad')
  })
})

describe('refusalOf, odd SDK errors (mutation survivors)', () => {
  const credentials = credentialsFor('ccc.tencentcloudapi.com')

  it('takes only a non-empty string as TCCC code: a numeric code means TCCC did not answer', () => {
    const err = refusalOf({ code: 503, message: 'Service Unavailable' }, credentials)
    expect(err.tcccCode).toBeUndefined()
    expect(err.message).toBe('The TCCC API could not be reached')
    expect(err.networkCause).toEqual({ code: 'UNKNOWN', host: 'ccc.tencentcloudapi.com' })
  })

  it('keeps a request id only when it is a non-empty string', () => {
    expect(refusalOf({ code: 'InternalError', message: 'x', requestId: 'req-1' }, credentials).requestId).toBe('req-1')
    expect(refusalOf({ code: 'InternalError', message: 'x', requestId: 42 }, credentials).requestId).toBeUndefined()
    expect(refusalOf({ code: 'InternalError', message: 'x', requestId: '' }, credentials).requestId).toBeUndefined()
    expect(refusalOf({ message: 'connect ECONNRESET', requestId: 'req-2' }, credentials).requestId).toBe('req-2')
    expect(refusalOf({ message: 'connect ECONNRESET', requestId: 7 }, credentials).requestId).toBeUndefined()
  })

  it.each([
    ['request to https://ccc/ failed, reason: connect ECONNREFUSED 10.0.0.1:443', 'ECONNREFUSED'],
    ['request to https://ccc/ failed, reason: Hostname/IP does not match: ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['network timeout at: https://ccc/', 'ETIMEDOUT'],
    ['socket hang up', 'UNKNOWN'],
    // Codes are upper case: a lower-case word after ERR_ (e.g. in a URL) is no code.
    ['request to https://ccc/ERR_socket failed', 'UNKNOWN'],
  ])('reads the network cause out of %j as %s', (message, code) => {
    expect(refusalOf({ message }, credentials).networkCause).toEqual({ code, host: 'ccc.tencentcloudapi.com' })
  })

  it('reads no code out of a message that is not a string', () => {
    expect(refusalOf({ message: ['ECONNRESET'] }, credentials).networkCause).toEqual({ code: 'UNKNOWN', host: 'ccc.tencentcloudapi.com' })
    expect(refusalOf({ message: { toString: () => 'connect ECONNREFUSED' } }, credentials).networkCause?.code).toBe('UNKNOWN')
  })
})

describe('sanitiseTcccMessage (mutation survivors)', () => {
  it('ignores an empty secret instead of redacting between every character', () => {
    expect(sanitiseTcccMessage('Seat not found', ['', SECRET_KEY])).toBe('Seat not found')
  })

  it('trims the spaces and control characters at both ends', () => {
    expect(sanitiseTcccMessage(' \r\n Seat not found\t\n ', [])).toBe('Seat not found')
  })

  it('keeps a message of exactly 300 characters whole and cuts a longer one to 297 plus "..."', () => {
    expect(sanitiseTcccMessage('a'.repeat(300), [])).toBe('a'.repeat(300))
    expect(sanitiseTcccMessage('b'.repeat(301), [])).toBe(`${'b'.repeat(297)}...`)
  })
})

describe('createRealIssuer, incomplete CreateSDKLoginToken answers (mutation survivors)', () => {
  const complete = { Token: 'real-token', ExpiredTime: 1_900_000_000, SdkURL: 'https://tccc.qcloud.com/ccc-sdk/sdk.js?token=real-token', RequestId: 'req-9' }

  async function issueWith(response: Record<string, unknown>) {
    const calls: unknown[] = []
    const client = {
      CreateSDKLoginToken: async (params: unknown) => {
        calls.push(params)
        return response
      },
    } as unknown as CccClient
    const issuer = await createRealIssuer({ credentials: credentialsFor('ccc.tencentcloudapi.com'), sdkAppId: SDK_APP_ID, client })
    return { result: issuer.issue('seat@corp.example', { baseUrl: 'http://unused' }), calls }
  }

  it('maps a complete answer', async () => {
    const { result, calls } = await issueWith(complete)
    expect(await result).toEqual({ sdkAppId: SDK_APP_ID, userId: 'seat@corp.example', token: 'real-token', expiresAt: 1_900_000_000, sdkUrl: complete.SdkURL })
    expect(calls).toEqual([{ SdkAppId: SDK_APP_ID, SeatUserId: 'seat@corp.example' }])
  })

  it.each([
    ['no Token', { Token: undefined }],
    ['an empty Token', { Token: '' }],
    ['a numeric Token', { Token: 12345 }],
    ['no SdkURL', { SdkURL: undefined }],
    ['a numeric SdkURL', { SdkURL: 7 }],
    ['no ExpiredTime', { ExpiredTime: undefined }],
    ['ExpiredTime as a string', { ExpiredTime: '1900000000' }],
  ])('refuses an answer with %s, keeping the request id', async (_what, change) => {
    const { result } = await issueWith({ ...complete, ...change })
    const err = await refusal(result)
    expect(err.message).toBe('TCCC returned an incomplete CreateSDKLoginToken response')
    expect(err.tcccCode).toBeUndefined()
    expect(err.requestId).toBe('req-9')
  })
})

describe('createMockIssuer signature (mutation survivors)', () => {
  it('signs the claims: tokens for two seats, or two expiry times, carry different signatures', async () => {
    let now = Date.UTC(2026, 11, 3, 6, 0, 0)
    const issuer = createMockIssuer({ sdkAppId: 1400000001, signingKey: 'mock-signing-key-0123456789abcdef', ttlSeconds: 60, now: () => now })
    const signatureOf = async (userId: string) => (await issuer.issue(userId, { baseUrl: 'http://localhost:8787' })).token.split('.')[2]
    const first = await signatureOf('agent1@example.com')
    expect(first).toMatch(/^[\w-]{43}$/)
    expect(await signatureOf('agent1@example.com')).toBe(first)
    expect(await signatureOf('agent2@example.com')).not.toBe(first)
    now += 1000
    expect(await signatureOf('agent1@example.com')).not.toBe(first)
  })
})
