// @vitest-environment node
/**
 * tc3.ts must sign exactly like tencentcloud-sdk-nodejs: we capture the SDK's real outgoing
 * request at a fake CCC API and compare Authorization headers byte for byte.
 */
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Sign from 'tencentcloud-sdk-nodejs/tencentcloud/common/sign'
import { Client } from 'tencentcloud-sdk-nodejs/tencentcloud/services/ccc/v20200210/ccc_client'
import { loopbackAgent, startFakeCccApi, type FakeCccApi } from '../../server/test/fakeCccApi'
import { createSdkLoginToken, signTc3, TcccApiError, TOKEN_GENERATOR_MARKER, utcDate } from './tc3'

const SECRET_ID = 'AKIDdebugGenerator0123456789'
const SECRET_KEY = 'debugGeneratorKey0123456789abcdef'

let fake: FakeCccApi
beforeAll(async () => {
  fake = await startFakeCccApi({ secrets: { [SECRET_ID]: SECRET_KEY } })
})
afterAll(async () => {
  await fake.close()
})

/** A `fetch` over node:http that reaches the fake whatever the host name (no DNS needed). */
const loopbackFetch: typeof fetch = (input, init) =>
  new Promise((resolve, reject) => {
    const url = new URL(String(input))
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: init?.method, headers: init?.headers as Record<string, string>, agent: loopbackAgent() },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode })))
      },
    )
    req.on('error', reject)
    req.end(init?.body as string)
  })

describe('signTc3', () => {
  it.each([
    ['an e-mail seat', { SdkAppId: 1400000001, SeatUserId: 'agent1@example.com' }, 1795289000],
    ['a non-ASCII seat', { SdkAppId: 1400123456, SeatUserId: '坐席一号@example.com' }, 1700000000],
    ['a date boundary', { SdkAppId: 1, SeatUserId: 'x' }, 1767225599], // 2025-12-31T23:59:59Z
  ])('equals the SDK sign3 helper for %s', async (_label, payload, timestamp) => {
    const expected = Sign.sign3({
      method: 'POST',
      url: 'https://ccc.tencentcloudapi.com/',
      payload,
      timestamp,
      service: 'ccc',
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      multipart: false,
      boundary: '', // unused for a JSON body
      headers: { 'Content-Type': 'application/json' },
    })
    const ours = await signTc3({ secretId: SECRET_ID, secretKey: SECRET_KEY, service: 'ccc', host: 'ccc.tencentcloudapi.com', timestamp, payload: JSON.stringify(payload) })
    expect(ours.authorization).toBe(expected)
    expect(ours.credentialScope).toBe(`${utcDate(timestamp)}/ccc/tc3_request`)
  })

  it('changes when any signed input changes', async () => {
    const base = { secretId: SECRET_ID, secretKey: SECRET_KEY, service: 'ccc', host: 'ccc.tencentcloudapi.com', timestamp: 1795289000, payload: '{}' }
    const reference = (await signTc3(base)).signature
    for (const change of [{ secretKey: 'other' }, { payload: '{ }' }, { timestamp: 1795289001 }, { host: 'cvm.tencentcloudapi.com' }, { service: 'cvm' }]) {
      expect((await signTc3({ ...base, ...change })).signature).not.toBe(reference)
    }
  })
})

describe('createSdkLoginToken', () => {
  it('sends the same Authorization header, byte for byte, as tencentcloud-sdk-nodejs for the same request', async () => {
    const client = new Client({
      credential: { secretId: SECRET_ID, secretKey: SECRET_KEY },
      region: '',
      profile: { httpProfile: { endpoint: `ccc.fake.test:${fake.port}`, protocol: 'http://', agent: loopbackAgent() } },
    })
    const before = fake.requests.length
    await client.CreateSDKLoginToken({ SdkAppId: 1400000001, SeatUserId: 'agent1@example.com' })
    const fromSdk = fake.requests[before]
    expect(fromSdk.authError).toBeNull()

    const timestamp = Number(fromSdk.headers['x-tc-timestamp'])
    await createSdkLoginToken({
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      sdkAppId: 1400000001,
      seatUserId: 'agent1@example.com',
      endpoint: `ccc.fake.test:${fake.port}`,
      protocol: 'http://',
      timestamp,
      fetch: loopbackFetch,
    })
    const fromGenerator = fake.requests[before + 1]
    expect(fromGenerator.authError).toBeNull()
    expect(fromGenerator.headers.authorization).toBe(fromSdk.headers.authorization)
    expect(fromGenerator.body).toBe(fromSdk.body)
    for (const name of ['content-type', 'x-tc-action', 'x-tc-version', 'x-tc-timestamp']) {
      expect(fromGenerator.headers[name]).toBe(fromSdk.headers[name])
    }
    expect(fromGenerator.headers['x-tc-requestclient']).toBe(TOKEN_GENERATOR_MARKER)
  })

  it('returns Token, ExpiredTime and SdkURL', async () => {
    const result = await createSdkLoginToken({
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      sdkAppId: 1400000002,
      seatUserId: 'agent2@example.com',
      endpoint: `ccc.fake.test:${fake.port}`,
      protocol: 'http://',
      fetch: loopbackFetch,
    })
    expect(result.token).toMatch(/^real-token-\d+-agent2@example\.com$/)
    expect(result.sdkUrl).toContain('sdkAppId=1400000002')
    expect(result.expiredTime).toBeGreaterThan(Date.now() / 1000)
    expect(result.requestId).toMatch(/^fake-request-/)
  })

  it('throws TcccApiError with the TCCC code when TCCC refuses (wrong key, API error)', async () => {
    const call = (secretKey: string) =>
      createSdkLoginToken({ secretId: SECRET_ID, secretKey, sdkAppId: 1, seatUserId: 'a', endpoint: `ccc.fake.test:${fake.port}`, protocol: 'http://', fetch: loopbackFetch })
    await expect(call('wrong-key')).rejects.toMatchObject({ name: 'TcccApiError', code: 'AuthFailure.SignatureFailure' })
    fake.failNext({ Code: 'FailedOperation.SeatUserNotExist', Message: 'no such seat' })
    const err = await call(SECRET_KEY).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TcccApiError)
    expect(err).toMatchObject({ code: 'FailedOperation.SeatUserNotExist', message: 'no such seat' })
  })

  it('reports an unreachable API as NetworkError', async () => {
    const failing: typeof fetch = () => Promise.reject(new TypeError('fetch failed'))
    await expect(createSdkLoginToken({ secretId: 'a', secretKey: 'b', sdkAppId: 1, seatUserId: 'c', fetch: failing })).rejects.toMatchObject({
      code: 'NetworkError',
    })
  })
})
