import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectBackend, fetchCallDetail, fetchCallerNumbers } from '@/services/cccClient'
import { lastRequest, rejection, requestMock, respond } from './__tests__/uniRequest'

const TOKEN = 'acc-secret-42'
const BASE = 'https://backend.example.com'
const goodDetail = { kind: 'call', id: 'rec-1', rev: '17', deleted: false, data: { durationSec: 42, recordingUrl: 'https://rec.example.com/1.mp3' } }

beforeEach(() => {
  connectBackend(() => TOKEN, () => BASE)
})

afterEach(() => {
  connectBackend(null)
})

/** The error a read rejects with; it never carries the access token. */
async function readError(promise: Promise<unknown>) {
  const error = await rejection(promise)
  expect(error.message).not.toContain(TOKEN)
  expect(error.detail).not.toContain(TOKEN)
  return error
}

describe('the backend session of the CCC reads', () => {
  it('reads the token and the base URL each time, so a renewed token or a changed server is used at once', async () => {
    let token = 'acc-first'
    let base = 'http://192.168.1.20:8787'
    connectBackend(() => token, () => base)
    respond(200, { numbers: [] })
    await fetchCallerNumbers()
    expect(lastRequest().url).toBe('http://192.168.1.20:8787/api/numbers/callers')
    expect(lastRequest().header).toMatchObject({ Authorization: 'Bearer acc-first' })
    token = 'acc-second'
    base = 'https://other.example.com'
    await fetchCallerNumbers()
    expect(lastRequest().url).toBe('https://other.example.com/api/numbers/callers')
    expect(lastRequest().header).toMatchObject({ Authorization: 'Bearer acc-second' })
  })

  it("uses the same origin when the base URL is '' (dev server / e2e proxy)", async () => {
    connectBackend(() => TOKEN, () => '')
    respond(200, { numbers: [] })
    await fetchCallerNumbers()
    expect(lastRequest().url).toBe('/api/numbers/callers')
  })

  it.each([
    ['never connected / disconnected', () => connectBackend(null)],
    ['signed out: the token getter answers null', () => connectBackend(() => null, () => BASE)],
    ['an empty token', () => connectBackend(() => '', () => BASE)],
    ['a token but no base URL', () => connectBackend(() => TOKEN)],
  ])('fails both reads with SESSION_EXPIRED and asks nothing when there is no session (%s)', async (_name, setUp) => {
    setUp()
    respond(200, goodDetail)
    for (const read of [fetchCallerNumbers, () => fetchCallDetail('rec-1')]) {
      const error = await readError(read())
      expect(error.symbol).toBe('SESSION_EXPIRED')
      expect(error.localized('zh')).toBe('登录已过期，请重新登录')
      // Told apart from a backend 401 ('backend read') in the logs: the app never asked.
      expect(error.detail).toBe('no backend session')
    }
    expect(requestMock()).not.toHaveBeenCalled()
  })

  it('a disconnect after sign-out stops the reads that worked before', async () => {
    respond(200, { numbers: ['02088886666'] })
    await expect(fetchCallerNumbers()).resolves.toEqual(['02088886666'])
    connectBackend(null)
    expect((await readError(fetchCallerNumbers())).symbol).toBe('SESSION_EXPIRED')
    expect(requestMock()).toHaveBeenCalledTimes(1)
  })
})

describe('fetchCallerNumbers', () => {
  it('GETs /api/numbers/callers with the Bearer token and returns the numbers', async () => {
    respond(200, { numbers: ['02088886666', '4008001234'] })
    await expect(fetchCallerNumbers()).resolves.toEqual(['02088886666', '4008001234'])
    const request = lastRequest()
    expect(request.method).toBe('GET')
    expect(request.url).toBe(`${BASE}/api/numbers/callers`)
    expect(request.header).toMatchObject({ Authorization: `Bearer ${TOKEN}` })
    expect(request).not.toHaveProperty('data')
  })

  it('accepts an empty list (the business has no outbound numbers) and a JSON string body', async () => {
    respond(200, { numbers: [] })
    await expect(fetchCallerNumbers()).resolves.toEqual([])
    respond(200, JSON.stringify({ numbers: ['95555'] }))
    await expect(fetchCallerNumbers()).resolves.toEqual(['95555'])
  })

  it('maps 401 to SESSION_EXPIRED, naming the backend read', async () => {
    respond(401, { error: { code: 'UNAUTHORIZED', message: 'expired' } })
    const error = await readError(fetchCallerNumbers())
    expect(error.symbol).toBe('SESSION_EXPIRED')
    expect(error.detail).toBe('backend read')
  })

  it.each([
    [404, 'BACKEND_ERROR'],
    [429, 'RATE_LIMITED'],
    [500, 'BACKEND_ERROR'],
    [502, 'TCCC_REFUSED'],
  ])('maps HTTP %i to %s (a 404 is not "no numbers")', async (status, symbol) => {
    respond(status, { error: { code: status === 502 ? 'TCCC_REFUSED' : 'X', message: 'no' } })
    expect((await readError(fetchCallerNumbers())).symbol).toBe(symbol)
  })

  it.each([
    ['no body', ''],
    ['null', null],
    ['text', 'numbers'],
    ['an array of numbers', ['02088886666']],
    ['an array that has a numbers property', Object.assign(['x'], { numbers: ['02088886666'] })],
    ['numbers missing', { callers: ['02088886666'] }],
    ['numbers as a string', { numbers: '02088886666' }],
    ['numbers as an object', { numbers: { 0: '02088886666' } }],
    ['a number that is a number', { numbers: [2088886666] }],
    ['one bad entry after good ones', { numbers: ['02088886666', '4008001234', null] }],
    ['one bad entry before good ones', { numbers: [{ n: '1' }, '02088886666'] }],
  ])('rejects a malformed 200 body (%s) with MALFORMED_RESPONSE naming the read', async (_name, body) => {
    respond(200, body)
    const error = await readError(fetchCallerNumbers())
    expect(error.symbol).toBe('MALFORMED_RESPONSE')
    expect(error.detail).toBe('caller numbers')
  })
})

describe('fetchCallDetail', () => {
  it('POSTs to the call\'s detail path with the Bearer token and returns the updated record as a remote change', async () => {
    respond(200, goodDetail)
    await expect(fetchCallDetail('rec-1')).resolves.toEqual(goodDetail)
    const request = lastRequest()
    expect(request.method).toBe('POST')
    expect(request.url).toBe(`${BASE}/api/workspace/calls/rec-1/detail`)
    expect(request.header).toMatchObject({ Authorization: `Bearer ${TOKEN}` })
  })

  it('URL-encodes the id into the path', async () => {
    const id = 'a/b c?d#e%f'
    respond(200, { ...goodDetail, id })
    await expect(fetchCallDetail(id)).resolves.toMatchObject({ id })
    expect(lastRequest().url).toBe(`${BASE}/api/workspace/calls/a%2Fb%20c%3Fd%23e%25f/detail`)
  })

  it('keeps only the contract: a live call record with the rev and data sent, whatever else the body says', async () => {
    respond(200, { ...goodDetail, deleted: true, extra: 'x', rev: '18' })
    await expect(fetchCallDetail('rec-1')).resolves.toStrictEqual({ kind: 'call', id: 'rec-1', rev: '18', deleted: false, data: goodDetail.data })
  })

  it('answers null on 404 (TCCC has no detail record yet), whatever the body', async () => {
    respond(404, { error: { code: 'NOT_FOUND', message: 'no detail' } })
    await expect(fetchCallDetail('rec-1')).resolves.toBeNull()
    respond(404, goodDetail)
    await expect(fetchCallDetail('rec-1')).resolves.toBeNull()
  })

  it('maps 401 to SESSION_EXPIRED, naming the backend read', async () => {
    respond(401, goodDetail)
    const error = await readError(fetchCallDetail('rec-1'))
    expect(error.symbol).toBe('SESSION_EXPIRED')
    expect(error.detail).toBe('backend read')
  })

  it.each([
    [400, 'BACKEND_ERROR'],
    [429, 'RATE_LIMITED'],
    [500, 'BACKEND_ERROR'],
    [502, 'TCCC_REFUSED'],
  ])('maps HTTP %i to %s', async (status, symbol) => {
    respond(status, { ...goodDetail, error: { code: status === 502 ? 'TCCC_REFUSED' : 'X', message: 'no' } })
    expect((await readError(fetchCallDetail('rec-1'))).symbol).toBe(symbol)
  })

  it.each([
    ['no body', ''],
    ['null', null],
    ['text', 'call'],
    ['an array of the record', [goodDetail]],
    ['kind missing', { ...goodDetail, kind: undefined }],
    ['another kind', { ...goodDetail, kind: 'number' }],
    ['another record', { ...goodDetail, id: 'rec-2' }],
    ['id missing', { ...goodDetail, id: undefined }],
    ['rev as a number', { ...goodDetail, rev: 17 }],
    ['rev missing', { ...goodDetail, rev: undefined }],
    ['data missing', { ...goodDetail, data: undefined }],
    ['data null', { ...goodDetail, data: null }],
    ['data as text', { ...goodDetail, data: 'duration 42' }],
    ['data as an array', { ...goodDetail, data: [42] }],
  ])('rejects a malformed 200 body (%s) with MALFORMED_RESPONSE naming the read', async (_name, body) => {
    respond(200, body)
    const error = await readError(fetchCallDetail('rec-1'))
    expect(error.symbol).toBe('MALFORMED_RESPONSE')
    expect(error.detail).toBe('call detail')
  })
})
