// @vitest-environment node
/**
 * The backend against hostile clients on real loopback sockets: half-sent requests (slowloris),
 * HTTP protocol errors, and a burst of sign-ins larger than the password-check queue.
 */
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../src/app'
import { AGENT1, AGENT2, databasePerFile, login, mockConfig } from './helpers'

const db = databasePerFile()

let app: FastifyInstance | null = null
afterEach(async () => {
  await app?.close()
  app = null
})

function build(env: Record<string, string> = {}): Promise<FastifyInstance> {
  return buildServer(mockConfig(env), { db, report: () => {} })
}

async function listen(env: Record<string, string> = {}): Promise<number> {
  app = await build(env)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as AddressInfo).port
}

/** Sends `raw` on a fresh connection and resolves with everything received until the server closes. */
function exchange(port: number, raw: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const giveUp = setTimeout(() => {
      socket.destroy()
      reject(new Error('the server did not close the connection'))
    }, 10_000)
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(giveUp)
      resolve(Buffer.concat(chunks).toString('utf8'))
    })
    socket.write(raw)
  })
}

function parseResponse(text: string): { status: number; headers: string; body: unknown } {
  const [head, ...rest] = text.split('\r\n\r\n')
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1])
  return { status, headers: head, body: JSON.parse(rest.join('\r\n\r\n')) }
}

function expectErrorShape(body: unknown, code: string): void {
  expect(body).toEqual({ error: { code, message: expect.any(String) } })
}

describe('protocol errors', () => {
  it.each([
    ['a Content-Length that is not a number', 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}', 400],
    ['two different Content-Lengths', 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', 400],
    [
      'broken chunked encoding',
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{"a":1}\r\n0\r\n\r\n',
      400,
    ],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400],
    ['headers larger than 16 KB', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('%s answers the documented {error:{code,message}} body', async (_name, raw, status) => {
    const port = await listen()
    const response = parseResponse(await exchange(port, raw))
    expect(response.status).toBe(status)
    expect(response.headers).toMatch(/content-type: application\/json/i)
    expectErrorShape(response.body, 'BAD_REQUEST')
  })
})

describe('slow clients (slowloris)', () => {
  it('closes 50 half-sent requests within 30 s while /healthz keeps answering', async () => {
    const port = await listen()
    const started = Date.now()
    const closedAfter: number[] = []
    const received: string[] = []
    const sockets: Socket[] = []
    for (let i = 0; i < 50; i += 1) {
      const socket = connect(port, '127.0.0.1')
      const chunks: Buffer[] = []
      socket.on('data', (chunk) => chunks.push(chunk))
      socket.on('error', () => undefined)
      socket.on('close', () => {
        closedAfter.push(Date.now() - started)
        received.push(Buffer.concat(chunks).toString('utf8'))
      })
      // Half never finish their headers, half never finish their body.
      socket.write(
        i % 2 === 0
          ? 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nX-Slow: a'
          : 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"user',
      )
      sockets.push(socket)
    }
    // Trickle a byte every 2 s so no connection ever looks idle.
    const trickle = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write('a')
    }, 2000)
    let healthChecks = 0
    try {
      while (closedAfter.length < 50 && Date.now() - started < 35_000) {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })
        expect(res.status).toBe(200)
        healthChecks += 1
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
    } finally {
      clearInterval(trickle)
      for (const socket of sockets) socket.destroy()
    }
    const seconds = Math.max(...closedAfter) / 1000
    console.info(`slowloris: ${closedAfter.length}/50 half-sent connections closed by the server, the last after ${seconds.toFixed(1)} s; /healthz answered ${healthChecks} times meanwhile`)
    expect(closedAfter).toHaveLength(50)
    expect(seconds).toBeLessThan(30)
    expect(healthChecks).toBeGreaterThan(5)
    // Whatever the server said before closing is in the documented shape.
    for (const text of received.filter(Boolean)) expectErrorShape(parseResponse(text).body, 'REQUEST_TIMEOUT')
  }, 45_000)
})

describe('password-check queue', () => {
  it('answers 503 SERVER_BUSY with Retry-After when more sign-ins arrive than it may run and queue', async () => {
    app = await build({ SCRYPT_CONCURRENCY: '1', SCRYPT_QUEUE: '1' })
    const results = await Promise.all(Array.from({ length: 5 }, () => login(app as FastifyInstance, AGENT1)))
    const statuses = results.map(({ res }) => res.statusCode).sort()
    expect(statuses).toEqual([200, 200, 503, 503, 503])
    const busy = results.find(({ res }) => res.statusCode === 503)?.res
    expect(busy?.headers['retry-after']).toBe('2')
    expect(busy?.json()).toEqual({ error: { code: 'SERVER_BUSY', message: 'Too many sign-ins at once; try again in 2 seconds' } })
    // The queue drains: the next sign-in is checked again.
    expect((await login(app, AGENT1)).res.statusCode).toBe(200)
  })

  it('sign-ins refused as busy are never counted against the agent: after the rush the right password still gets in', async () => {
    app = await build({ SCRYPT_CONCURRENCY: '1', SCRYPT_QUEUE: '1', LOGIN_RATE_LIMIT: '2' })
    // A colleague's two sign-ins fill the one check and the one queue place ...
    const colleague = [login(app, AGENT2), login(app, AGENT2)]
    // ... so three of the agent's, more than the agent's limit of two checks, are refused as busy.
    const busy = await Promise.all([1, 2, 3].map(() => login(app as FastifyInstance, AGENT1)))
    expect(busy.map(({ res }) => res.statusCode)).toEqual([503, 503, 503])
    expect((await Promise.all(colleague)).map(({ res }) => res.statusCode)).toEqual([200, 200])
    expect((await login(app, AGENT1)).res.statusCode).toBe(200)
  })
})

describe('keys that reach a prototype (__proto__, constructor.prototype)', () => {
  const bodies: [string, string, string][] = [
    ['__proto__ at the top of a sign-in', '{"username":"agent1@example.com","password":"agent1-pass","__proto__":{"polluted":true}}', '__proto__'],
    ['__proto__ spelt with an escape', '{"username":"agent1@example.com","password":"agent1-pass","\\u005f_proto__":{"polluted":true}}', '__proto__'],
    ['constructor.prototype', '{"username":"agent1@example.com","password":"agent1-pass","constructor":{"prototype":{"polluted":true}}}', 'constructor.prototype'],
    ['__proto__ deep inside an array', '{"username":"agent1@example.com","password":"agent1-pass","x":[1,{"y":[{"__proto__":{"polluted":true}}]}]}', '__proto__'],
  ]

  it.each(bodies)('%s answers 400 FORBIDDEN_KEY naming the key, and pollutes nothing', async (_label, payload, key) => {
    app = await build()
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: { code: 'FORBIDDEN_KEY', message: `Request body contains the forbidden key "${key}"` } })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false)
  })

  it('a workspace push with __proto__ inside a change is refused whole, before any change applies', async () => {
    app = await build()
    const { accessToken } = (await login(app, AGENT1)).body
    const payload = `{"changes":[{"changeId":"c1","kind":"number","op":"upsert","id":"n1","data":{"number":"13900001234","remark":"ok"}},
      {"changeId":"c2","kind":"number","op":"upsert","id":"n2","data":{"number":"13900001235","__proto__":{"source":"assigned"}}}]}`
    const res = await app.inject({ method: 'POST', url: '/api/workspace/changes', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, payload })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('FORBIDDEN_KEY')
    const pulled = await app.inject({ method: 'GET', url: '/api/workspace/changes', headers: { authorization: `Bearer ${accessToken}` } })
    expect((pulled.json() as { changes: { kind: string }[] }).changes.filter((c) => c.kind === 'number')).toEqual([])
    expect(({} as Record<string, unknown>).source).toBeUndefined()
  })

  it('keys that only look alike pass: "constructor" without a prototype, "__proto__" as a value, "proto"', async () => {
    app = await build()
    const payload = '{"username":"agent1@example.com","password":"agent1-pass","constructor":{"name":"x"},"note":"__proto__","proto":{}}'
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload })
    expect(res.statusCode).toBe(200)
    // Broken JSON is still just that.
    const broken = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"__proto__": ' })
    expect(broken.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'Request body is not valid JSON' } })
  })
})
