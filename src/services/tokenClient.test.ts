import { afterEach, describe, expect, it, vi } from 'vitest'
import { BACKEND_TIMEOUT_MS, backendBaseUrl, backendRequest, confirmSignInFailures, fetchTcccToken, signInToBackend, signOutOfBackend } from '@/services/tokenClient'
import { TCCC_UPSTREAM_TIMEOUT_MS } from '../../server/src/tccc'
import { failWith, lastRequest, rejection, requestMock, respond } from './__tests__/uniRequest'
import { TcccError } from '@/platform/errors'

const goodLogin = { accessToken: 'acc-123', expiresIn: 3600, agent: { userId: 'agent1@example.com', sdkAppId: 1400000001 } }
const goodToken = {
  sdkAppId: 1400000001,
  userId: 'agent1@example.com',
  token: 'sim.abc.def',
  expiresAt: 2_000_000_000,
  sdkUrl: 'http://localhost:8787/mock/tccc-sdk.js?token=sim.abc.def',
}

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllEnvs()
})

describe('signInToBackend', () => {
  it('posts the credentials as JSON to /api/auth/login and returns the validated session', async () => {
    respond(200, goodLogin)
    await expect(signInToBackend('agent1@example.com', 'agent1-pass')).resolves.toEqual(goodLogin)
    const request = lastRequest()
    expect(request.url).toBe('/api/auth/login')
    expect(request.method).toBe('POST')
    expect(request.data).toEqual({ username: 'agent1@example.com', password: 'agent1-pass' })
    expect(request.timeout).toBe(BACKEND_TIMEOUT_MS)
    expect(request.header).not.toHaveProperty('Authorization')
  })

  it('drops fields the contract does not know', async () => {
    respond(200, { ...goodLogin, extra: 'x', agent: { ...goodLogin.agent, secret: 'no' } })
    await expect(signInToBackend('u', 'p')).resolves.toEqual(goodLogin)
  })

  it("passes the agent's workspace id on when the backend names one, and only a non-empty string", async () => {
    respond(200, { ...goodLogin, agent: { ...goodLogin.agent, workspaceId: 'ws-1' } })
    await expect(signInToBackend('u', 'p')).resolves.toEqual({ ...goodLogin, agent: { ...goodLogin.agent, workspaceId: 'ws-1' } })
    for (const workspaceId of ['', ' ', 7, null]) {
      respond(200, { ...goodLogin, agent: { ...goodLogin.agent, workspaceId } })
      await expect(signInToBackend('u', 'p')).resolves.toEqual(goodLogin)
    }
  })

  it('passes on the failed sign-ins the backend tells, and signs in without a malformed report', async () => {
    const told = { failures: 2, lastFailureAt: 1_795_292_984_000, locked: true }
    respond(200, { ...goodLogin, signInFailures: { ...told, address: '203.0.113.7' } })
    await expect(signInToBackend('u', 'p')).resolves.toEqual({ ...goodLogin, signInFailures: told })
    respond(200, { ...goodLogin, signInFailures: { ...told, id: '41' } })
    await expect(signInToBackend('u', 'p')).resolves.toEqual({ ...goodLogin, signInFailures: { ...told, id: '41' } })
    respond(200, { ...goodLogin, signInFailures: { failures: 0, lastFailureAt: null, locked: false } })
    await expect(signInToBackend('u', 'p')).resolves.toEqual({ ...goodLogin, signInFailures: { failures: 0, lastFailureAt: null, locked: false } })
    const malformed = [null, 'two', [], { ...told, failures: -1 }, { ...told, failures: 1.5 }, { ...told, failures: '2' }, { ...told, lastFailureAt: 'now' }, { ...told, lastFailureAt: Number.NaN }, { ...told, locked: 'yes' }, { failures: 2, lastFailureAt: null }, { ...told, id: 41 }, { ...told, id: 'forty-one' }]
    for (const signInFailures of malformed) {
      respond(200, { ...goodLogin, signInFailures })
      await expect(signInToBackend('u', 'p')).resolves.toEqual(goodLogin)
    }
  })

  it('parses a JSON string body', async () => {
    respond(200, JSON.stringify(goodLogin))
    await expect(signInToBackend('u', 'p')).resolves.toEqual(goodLogin)
  })

  it('maps 401 to BAD_CREDENTIALS with the catalogue messages', async () => {
    respond(401, { error: { code: 'BAD_CREDENTIALS', message: 'wrong' } })
    const error = await rejection(signInToBackend('u', 'bad'))
    expect(error.symbol).toBe('BAD_CREDENTIALS')
    expect(error.localized('zh')).toBe('用户名或密码错误')
    expect(error.localized('en')).toBe('Wrong username or password.')
  })

  it('maps 429 to RATE_LIMITED', async () => {
    respond(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } })
    expect((await rejection(signInToBackend('u', 'p'))).symbol).toBe('RATE_LIMITED')
  })

  it("maps the backend's 503 SERVER_BUSY (sign-in queue full) to BACKEND_BUSY", async () => {
    respond(503, { error: { code: 'SERVER_BUSY', message: 'Too many sign-ins at once; try again in 2 seconds' } })
    const error = await rejection(signInToBackend('u', 'p'))
    expect(error.symbol).toBe('BACKEND_BUSY')
    expect(error.localized('en')).toBe('The sign-in server is busy. Try again in a moment.')
    expect(error.localized('zh')).toBe('登录服务器繁忙，请稍后重试')
  })

  it.each([500, 502, 503, 504])('maps %i to BACKEND_ERROR', async (status) => {
    respond(status, { error: { code: 'INTERNAL', message: 'boom' } })
    expect((await rejection(signInToBackend('u', 'p'))).symbol).toBe('BACKEND_ERROR')
  })

  it.each([
    [502, '<html><body>502 Bad Gateway</body></html>'],
    [503, undefined],
    [504, 'Gateway Time-out'],
  ])("maps a gateway's %i (no backend error body: the backend behind it is down) to BACKEND_UNREACHABLE", async (status, body) => {
    respond(status, body)
    const error = await rejection(signInToBackend('u', 'p'))
    expect(error.symbol).toBe('BACKEND_UNREACHABLE')
    expect(error.action).toBe('check-network')
  })

  it('a 500 without a body is still the backend failing (BACKEND_ERROR)', async () => {
    respond(500, undefined)
    expect((await rejection(signInToBackend('u', 'p'))).symbol).toBe('BACKEND_ERROR')
  })

  it('maps 400 to BACKEND_ERROR (the app sent something the server refused)', async () => {
    respond(400, { error: { code: 'BAD_REQUEST', message: 'username required' } })
    expect((await rejection(signInToBackend('', 'p'))).symbol).toBe('BACKEND_ERROR')
  })

  it.each([
    ['no body', undefined],
    ['html', '<html>proxy error</html>'],
    ['array', [goodLogin]],
    ['empty accessToken', { ...goodLogin, accessToken: '' }],
    ['expiresIn as string', { ...goodLogin, expiresIn: '3600' }],
    ['zero expiresIn', { ...goodLogin, expiresIn: 0 }],
    ['missing agent', { accessToken: 'a', expiresIn: 1 }],
    ['sdkAppId as string', { ...goodLogin, agent: { userId: 'u', sdkAppId: '1400000001' } }],
    ['fractional sdkAppId', { ...goodLogin, agent: { userId: 'u', sdkAppId: 1.5 } }],
    ['empty userId', { ...goodLogin, agent: { userId: ' ', sdkAppId: 1 } }],
  ])('rejects a malformed 200 body (%s) with MALFORMED_RESPONSE', async (_name, body) => {
    respond(200, body)
    expect((await rejection(signInToBackend('u', 'p'))).symbol).toBe('MALFORMED_RESPONSE')
  })

  it('maps a network failure to BACKEND_UNREACHABLE', async () => {
    failWith('request:fail net::ERR_CONNECTION_REFUSED')
    const error = await rejection(signInToBackend('u', 'p'))
    expect(error.symbol).toBe('BACKEND_UNREACHABLE')
    expect(error.localized('en')).toBe('Cannot reach the sign-in server. Check your connection.')
  })

  it("maps uni's timeout failure to BACKEND_TIMEOUT", async () => {
    failWith('request:fail timeout')
    expect((await rejection(signInToBackend('u', 'p'))).symbol).toBe('BACKEND_TIMEOUT')
  })

  it('times out on its own when the runtime never answers, and aborts the request', async () => {
    vi.useFakeTimers()
    let aborted = false
    requestMock().mockImplementation(() => ({ abort: () => (aborted = true) }))
    const pending = rejection(signInToBackend('u', 'p'))
    await vi.advanceTimersByTimeAsync(BACKEND_TIMEOUT_MS)
    expect((await pending).symbol).toBe('BACKEND_TIMEOUT')
    expect(aborted).toBe(true)
  })

  it("waits longer than the backend's CCC call, so a slow TCCC failure arrives as TCCC_REFUSED, not as its own timeout", async () => {
    // The backend answers at most its upstream timeout after the request; allow time for the network both ways.
    expect(BACKEND_TIMEOUT_MS).toBeGreaterThanOrEqual(TCCC_UPSTREAM_TIMEOUT_MS + 5000)
    vi.useFakeTimers()
    requestMock().mockImplementation((options) => {
      const answer = () => options.success?.({ statusCode: 502, data: { error: { code: 'TCCC_REFUSED', message: 'The TCCC API could not be reached' } } as unknown as string, header: {}, cookies: [] })
      setTimeout(answer, TCCC_UPSTREAM_TIMEOUT_MS + 2000)
      return { abort: () => undefined }
    })
    const pending = rejection(fetchTcccToken('acc-123'))
    await vi.advanceTimersByTimeAsync(TCCC_UPSTREAM_TIMEOUT_MS + 2000)
    const error = await pending
    expect(error.symbol).toBe('TCCC_REFUSED')
    expect(error.message).toContain('The TCCC API could not be reached')
  })

  it('maps a synchronous throw from uni.request to BACKEND_UNREACHABLE', async () => {
    requestMock().mockImplementation(() => {
      throw new Error('no network module')
    })
    expect((await rejection(signInToBackend('u', 'p'))).symbol).toBe('BACKEND_UNREACHABLE')
  })

  it('never puts the password into the error', async () => {
    respond(500, { error: { code: 'INTERNAL', message: 'boom' } })
    const error = await rejection(signInToBackend('agent1@example.com', 'hunter2-secret'))
    expect(error.message).not.toContain('hunter2-secret')
    expect(error.detail).not.toContain('hunter2-secret')
  })
})

describe('fetchTcccToken', () => {
  it('sends the access token as a Bearer header and returns the validated token', async () => {
    respond(200, goodToken)
    await expect(fetchTcccToken('acc-123')).resolves.toEqual(goodToken)
    const request = lastRequest()
    expect(request.url).toBe('/api/tccc/token')
    expect(request.method).toBe('POST')
    expect(request.header).toMatchObject({ Authorization: 'Bearer acc-123' })
  })

  it.each(['SESSION_EXPIRED', 'UNAUTHORIZED'])('maps 401 (%s) to SESSION_EXPIRED', async (code) => {
    respond(401, { error: { code, message: 'expired' } })
    const error = await rejection(fetchTcccToken('acc-123'))
    expect(error.symbol).toBe('SESSION_EXPIRED')
    expect(error.localized('zh')).toBe('登录已过期，请重新登录')
  })

  it('maps 502 TCCC_REFUSED to TCCC_REFUSED and keeps the sanitised server message as detail', async () => {
    respond(502, { error: { code: 'TCCC_REFUSED', message: 'seat user not found', tcccCode: 'InvalidParameterValue' } })
    const error = await rejection(fetchTcccToken('acc-123'))
    expect(error.symbol).toBe('TCCC_REFUSED')
    expect(error.action).toBe('contact-admin')
    expect(error.detail).toContain('seat user not found')
    expect(error.detail).toContain('InvalidParameterValue')
  })

  it("maps the backend's own 502 without TCCC_REFUSED to BACKEND_ERROR, a gateway's page to BACKEND_UNREACHABLE", async () => {
    respond(502, { error: { code: 'INTERNAL', message: 'x' } })
    expect((await rejection(fetchTcccToken('acc-123'))).symbol).toBe('BACKEND_ERROR')
    respond(502, '<html>Bad gateway</html>')
    expect((await rejection(fetchTcccToken('acc-123'))).symbol).toBe('BACKEND_UNREACHABLE')
  })

  it('maps 429 to RATE_LIMITED', async () => {
    respond(429, { error: { code: 'RATE_LIMITED', message: 'x' } })
    expect((await rejection(fetchTcccToken('acc-123'))).symbol).toBe('RATE_LIMITED')
  })

  it.each([
    ['missing token', { ...goodToken, token: undefined }],
    ['empty token', { ...goodToken, token: '' }],
    ['sdkAppId 0', { ...goodToken, sdkAppId: 0 }],
    ['expiresAt as string', { ...goodToken, expiresAt: '2000000000' }],
    ['sdkUrl missing', { ...goodToken, sdkUrl: undefined }],
    ['null', null],
  ])('rejects a malformed body (%s) with MALFORMED_RESPONSE', async (_name, body) => {
    respond(200, body)
    expect((await rejection(fetchTcccToken('acc-123'))).symbol).toBe('MALFORMED_RESPONSE')
  })

  it('never puts the access token into the error', async () => {
    respond(500, { error: { code: 'INTERNAL', message: 'boom' } })
    const error = await rejection(fetchTcccToken('acc-very-secret'))
    expect(error.message).not.toContain('acc-very-secret')
  })
})

describe('signOutOfBackend', () => {
  it('posts the Bearer token to /api/auth/logout and accepts 204', async () => {
    respond(204, '')
    await expect(signOutOfBackend('acc-123')).resolves.toBeUndefined()
    expect(lastRequest().url).toBe('/api/auth/logout')
    expect(lastRequest().header).toMatchObject({ Authorization: 'Bearer acc-123' })
  })

  it('treats 401 (already revoked) as signed out', async () => {
    respond(401, { error: { code: 'UNAUTHORIZED', message: 'x' } })
    await expect(signOutOfBackend('acc-123')).resolves.toBeUndefined()
  })

  it('reports a server failure', async () => {
    respond(503, { error: { code: 'UNAVAILABLE', message: 'x' } })
    expect((await rejection(signOutOfBackend('acc-123'))).symbol).toBe('BACKEND_ERROR')
  })
})

describe('confirmSignInFailures', () => {
  const report = { failures: 2, lastFailureAt: 1_795_292_984_000, locked: false, id: '41' }

  it('posts the report as told, with the Bearer token, and accepts 204', async () => {
    respond(204, '')
    await expect(confirmSignInFailures('acc-123', report)).resolves.toBeUndefined()
    expect(lastRequest()).toMatchObject({ url: '/api/auth/sign-in-failures/ack', method: 'POST', data: { id: '41', failures: 2, locked: false } })
    expect(lastRequest().header).toMatchObject({ Authorization: 'Bearer acc-123' })
  })

  it('fails on a refused token or a server failure (the report is then told again)', async () => {
    respond(401, { error: { code: 'SESSION_EXPIRED', message: 'x' } })
    expect((await rejection(confirmSignInFailures('acc-123', report))).symbol).toBe('SESSION_EXPIRED')
    respond(503, { error: { code: 'UNAVAILABLE', message: 'x' } })
    expect((await rejection(confirmSignInFailures('acc-123', report))).symbol).toBe('BACKEND_ERROR')
  })
})

describe('backend base URL', () => {
  it('is same-origin by default', () => {
    vi.stubEnv('VITE_TOKEN_BACKEND_URL', '')
    expect(backendBaseUrl()).toBe('')
  })

  it('uses VITE_TOKEN_BACKEND_URL without a trailing slash', async () => {
    vi.stubEnv('VITE_TOKEN_BACKEND_URL', 'https://tokens.example.com/')
    expect(backendBaseUrl()).toBe('https://tokens.example.com')
    respond(200, goodLogin)
    await signInToBackend('u', 'p')
    expect(lastRequest().url).toBe('https://tokens.example.com/api/auth/login')
  })

  it('prefers the override the caller passes (the agent setting)', async () => {
    vi.stubEnv('VITE_TOKEN_BACKEND_URL', 'https://tokens.example.com')
    expect(backendBaseUrl('http://192.168.1.20:8787')).toBe('http://192.168.1.20:8787')
    respond(200, goodToken)
    await fetchTcccToken('acc', backendBaseUrl('http://192.168.1.20:8787'))
    expect(lastRequest().url).toBe('http://192.168.1.20:8787/api/tccc/token')
  })
})

describe('token client (mutation survivors)', () => {
  it('trims the build-time backend URL and drops every trailing slash', () => {
    vi.stubEnv('VITE_TOKEN_BACKEND_URL', '  https://tokens.example.com//  ')
    expect(backendBaseUrl()).toBe('https://tokens.example.com')
  })

  it('names the call whose 200 body was malformed', async () => {
    respond(200, { ...goodLogin, accessToken: '' })
    expect((await rejection(signInToBackend('u', 'p'))).detail).toBe('login')
    respond(200, { ...goodToken, token: '' })
    expect((await rejection(fetchTcccToken('acc-123'))).detail).toBe('tccc token')
  })

  it('sends JSON with a JSON content type and asks uni to parse the answer as JSON', async () => {
    respond(200, goodLogin)
    await signInToBackend('u', 'p')
    expect(lastRequest().header).toEqual({ 'Content-Type': 'application/json' })
    expect(lastRequest().dataType).toBe('json')
  })

  it('sends no body with a GET, and an empty JSON object with a body-less POST', async () => {
    respond(200, { ok: true })
    await backendRequest('', 'GET', '/api/agent/status', undefined, 'acc')
    expect(lastRequest()).not.toHaveProperty('data')
    await signOutOfBackend('acc')
    expect(lastRequest().data).toEqual({})
  })

  it.each([
    ['an empty string as no body', '', undefined],
    ['a string that is not JSON as it is', '<html>proxy error</html>', '<html>proxy error</html>'],
    ['a JSON string parsed', '{"a":1}', { a: 1 }],
    ['a parsed one-element array untouched', [7], [7]],
  ])('returns %s', async (_name, data, body) => {
    respond(200, data)
    await expect(backendRequest('', 'GET', '/x', undefined)).resolves.toEqual({ statusCode: 200, body })
  })

  it('keeps the network failure text, with the path, as the detail', async () => {
    failWith('request:fail net::ERR_CONNECTION_REFUSED')
    expect((await rejection(signInToBackend('u', 'p'))).detail).toBe('/api/auth/login: request:fail net::ERR_CONNECTION_REFUSED')
  })

  it('maps a failure callback without an errMsg (or with none at all) to BACKEND_UNREACHABLE with an empty reason', async () => {
    requestMock().mockImplementation((options) => {
      options.fail?.({ errMsg: 42 } as unknown as UniNamespace.GeneralCallbackResult)
      return { abort: () => undefined }
    })
    const error = await rejection(signInToBackend('u', 'p'))
    expect(error.symbol).toBe('BACKEND_UNREACHABLE')
    expect(error.detail).toBe('/api/auth/login: ')
    requestMock().mockImplementation((options) => {
      options.fail?.(undefined as unknown as UniNamespace.GeneralCallbackResult)
      return { abort: () => undefined }
    })
    const hung = new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), 100))
    const outcome = await Promise.race([signInToBackend('u', 'p').catch((e: unknown) => e), hung])
    expect(outcome).toBeInstanceOf(TcccError)
    expect((outcome as TcccError).symbol).toBe('BACKEND_UNREACHABLE')
  })

  it('keeps what a synchronous uni.request throw said, with the path, as the detail', async () => {
    requestMock().mockImplementation(() => {
      throw new Error('no network module')
    })
    expect((await rejection(signInToBackend('u', 'p'))).detail).toBe('/api/auth/login: no network module')
    requestMock().mockImplementation(() => {
      throw 'plain text'
    })
    expect((await rejection(signInToBackend('u', 'p'))).detail).toBe('/api/auth/login: plain text')
  })

  it('treats 300 as a failure: only 2xx is success', async () => {
    respond(300, '')
    expect((await rejection(signOutOfBackend('acc'))).symbol).toBe('BACKEND_ERROR')
  })

  it.each([
    ['status, code, message and TCCC code', 502, { error: { code: 'TCCC_REFUSED', message: 'seat user not found', tcccCode: 'InvalidParameterValue' } }, 'HTTP 502 TCCC_REFUSED seat user not found InvalidParameterValue'],
    ['only the status for a body that is not JSON', 500, '<html>oops</html>', 'HTTP 500'],
    ['only the status for no body', 500, '', 'HTTP 500'],
    ['only the status for a null body', 500, null, 'HTTP 500'],
    ['no empty message and no numeric TCCC code', 500, { error: { code: 'INTERNAL', message: '', tcccCode: 123 } }, 'HTTP 500 INTERNAL'],
    ['a long message cut to 200 characters', 500, { error: { code: 'INTERNAL', message: 'x'.repeat(500) } }, `HTTP 500 INTERNAL ${'x'.repeat(200)}`],
  ])('puts into the error detail %s', async (_name, status, data, detail) => {
    respond(status, data)
    expect((await rejection(fetchTcccToken('acc'))).detail).toBe(detail)
  })
})
