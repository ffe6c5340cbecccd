import { describe, expect, it } from 'vitest'
import { AGENT_STATUS_PATH, fetchSeatStatus, putSeatStatus } from '@/services/agentStatusClient'
import { lastRequest, rejection, requestMock, respond } from './__tests__/uniRequest'

const BASE = 'https://backend.example.com'
const TOKEN = 'acc-secret-123'

describe('fetchSeatStatus', () => {
  it("GETs the session's own seat with the access token as a bearer, and returns the status", async () => {
    respond(200, { status: 'busy' })
    await expect(fetchSeatStatus(TOKEN, BASE)).resolves.toStrictEqual({ status: 'busy' })
    expect(requestMock().mock.calls).toHaveLength(1)
    const request = lastRequest()
    expect(request.url).toBe(`${BASE}${AGENT_STATUS_PATH}`)
    expect(request.url).toBe('https://backend.example.com/api/agent/status')
    expect(request.method).toBe('GET')
    expect(request.header).toEqual({ 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` })
    expect(request).not.toHaveProperty('data')
  })

  it('keeps the rest reason of a seat at rest, and only there', async () => {
    respond(200, { status: 'rest', restReason: 'training' })
    await expect(fetchSeatStatus(TOKEN, BASE)).resolves.toStrictEqual({ status: 'rest', restReason: 'training' })
    respond(200, { status: 'free', restReason: 'training' })
    await expect(fetchSeatStatus(TOKEN, BASE)).resolves.toStrictEqual({ status: 'free' })
    respond(200, { status: 'rest' })
    await expect(fetchSeatStatus(TOKEN, BASE)).resolves.toStrictEqual({ status: 'rest' })
    respond(200, { status: 'rest', restReason: '' })
    await expect(fetchSeatStatus(TOKEN, BASE)).resolves.toStrictEqual({ status: 'rest' })
  })

  it('maps 401 to SESSION_EXPIRED, naming the request and not the token', async () => {
    respond(401, { error: { code: 'UNAUTHORIZED', message: 'token expired' } })
    const error = await rejection(fetchSeatStatus(TOKEN, BASE))
    expect(error.symbol).toBe('SESSION_EXPIRED')
    expect(error.detail).toBe('agent status')
    expect(error.message).not.toContain(TOKEN)
  })

  it("maps the backend's 502 TCCC_REFUSED to SEAT_STATUS_REFUSED (about the seat, not the login), keeping the detail", async () => {
    respond(502, { error: { code: 'TCCC_REFUSED', message: 'seat not found', tcccCode: 'InvalidParameter' } })
    const error = await rejection(fetchSeatStatus(TOKEN, BASE))
    expect(error.symbol).toBe('SEAT_STATUS_REFUSED')
    expect(error.detail).toBe('HTTP 502 TCCC_REFUSED seat not found InvalidParameter')
  })

  it.each([
    [500, { error: { code: 'INTERNAL', message: 'boom' } }, 'BACKEND_ERROR'],
    [502, { error: { code: 'BAD_GATEWAY', message: 'proxy' } }, 'BACKEND_ERROR'],
    [404, { error: { code: 'NOT_FOUND', message: 'no route' } }, 'BACKEND_ERROR'],
    [429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, 'RATE_LIMITED'],
  ])('passes other failures on as they are (%i -> %s)', async (statusCode, body, symbol) => {
    respond(statusCode, body)
    expect((await rejection(fetchSeatStatus(TOKEN, BASE))).symbol).toBe(symbol)
  })

  it.each([
    ['no body', ''],
    ['null', null],
    ['a string', 'free'],
    ['an array', [{ status: 'free' }]],
    ['an unknown status', { status: 'away' }],
    ['no status', { restReason: 'lunch' }],
    ['a rest reason that is not text', { status: 'rest', restReason: 5 }],
  ])('maps a 200 with %s to MALFORMED_RESPONSE', async (_name, body) => {
    respond(200, body)
    const error = await rejection(fetchSeatStatus(TOKEN, BASE))
    expect(error.symbol).toBe('MALFORMED_RESPONSE')
    expect(error.detail).toBe('agent status')
  })
})

describe('putSeatStatus', () => {
  it('PUTs the new status as JSON with the bearer token and returns the seat the backend answers', async () => {
    respond(200, { status: 'rest', restReason: 'lunch' })
    await expect(putSeatStatus(TOKEN, BASE, 'rest', 'lunch')).resolves.toStrictEqual({ status: 'rest', restReason: 'lunch' })
    const request = lastRequest()
    expect(request.url).toBe(`${BASE}/api/agent/status`)
    expect(request.method).toBe('PUT')
    expect(request.header).toEqual({ 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` })
    expect(request.data).toStrictEqual({ status: 'rest', restReason: 'lunch' })
  })

  it('sends a rest reason only with rest, and only a non-empty one', async () => {
    respond(200, { status: 'free' })
    await putSeatStatus(TOKEN, BASE, 'free', 'lunch')
    expect(lastRequest().data).toStrictEqual({ status: 'free' })
    respond(200, { status: 'rest' })
    await putSeatStatus(TOKEN, BASE, 'rest')
    expect(lastRequest().data).toStrictEqual({ status: 'rest' })
    await putSeatStatus(TOKEN, BASE, 'rest', '')
    expect(lastRequest().data).toStrictEqual({ status: 'rest' })
  })

  it('maps 401 and a refused seat change like a read', async () => {
    respond(401, {})
    expect((await rejection(putSeatStatus(TOKEN, BASE, 'busy'))).symbol).toBe('SESSION_EXPIRED')
    respond(502, { error: { code: 'TCCC_REFUSED', message: 'not allowed' } })
    expect((await rejection(putSeatStatus(TOKEN, BASE, 'busy'))).symbol).toBe('SEAT_STATUS_REFUSED')
    respond(200, { status: 'sleeping' })
    expect((await rejection(putSeatStatus(TOKEN, BASE, 'busy'))).symbol).toBe('MALFORMED_RESPONSE')
  })
})
