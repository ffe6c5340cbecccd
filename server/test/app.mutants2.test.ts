// @vitest-environment node
/**
 * server/src/app.ts from the sign-in on (lines 110 to the end), as a client and an operator see
 * it, written for the surviving mutants of issue 13 (docs/mutation/app2.md): the log level and
 * where the start-up report goes, CORS without an Origin, errors that carry their own status,
 * which routes have request-rate headers, the sign-in and queue-full log lines, and the fake SDK
 * file as served.
 */
import fs, { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { buildServer } from '../src/app'
import type { Database } from '../src/db'
import type { TcccTokenIssuer } from '../src/tccc'
import { AGENT1, databasePerFile, fileDatabase, LogCapture, login, mockConfig, requestToken } from './helpers'
import { serverPerTest } from './serverHarness'

vi.setConfig({ testTimeout: 60_000 })

// Every store the server opens itself, to see whether it is still open after the server closed.
const opened = vi.hoisted(() => [] as Database[])
vi.mock('../src/db', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/db')>()
  return {
    ...original,
    openMigrated: async (...args: Parameters<typeof original.openMigrated>) => {
      const store = await original.openMigrated(...args)
      opened.push(store)
      return store
    },
  }
})

const db = databasePerFile()
const { start, track } = serverPerTest(db)

type LogLine = { level: number; msg: string; [key: string]: unknown }
const parsed = (logs: LogCapture) => logs.lines.map((l) => JSON.parse(l) as LogLine)

describe('logging (level and start-up report)', () => {
  it('writes nothing below the level it was given', async () => {
    const logs = new LogCapture()
    const server = await start({}, { logStream: logs, logLevel: 'warn' })
    expect((await login(server, AGENT1)).res.statusCode).toBe(200)
    expect((await server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    expect(parsed(logs).filter((l) => l.level < 40)).toEqual([])
  })

  it('sends the agent import report to the report callback when one is given, and not to the log', async () => {
    const logs = new LogCapture()
    const lines: string[] = []
    await start({}, { logStream: logs, report: (line) => lines.push(line) })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^Imported agents from .+: \d+ added, 0 already present, 0 skipped\. The database is the agent directory from now on\.$/)
    expect(logs.text).not.toContain('Imported agents from')
  })

  it('logs the agent import report as a warning when no report callback is given', async () => {
    const logs = new LogCapture()
    track(await buildServer(mockConfig(), { db, logStream: logs }))
    const reported = parsed(logs).filter((l) => l.msg.startsWith('Imported agents from'))
    expect(reported).toHaveLength(1)
    expect(reported[0].level).toBe(40)
  })

  it('writes no log line anywhere when given no log stream', async () => {
    // pino writes to stdout / stderr through fs.writeSync / fs.write on descriptor 1 / 2.
    const written: string[] = []
    const io = fs as unknown as { writeSync: (...args: unknown[]) => unknown; write: (...args: unknown[]) => unknown }
    for (const name of ['writeSync', 'write'] as const) {
      const original = io[name].bind(fs)
      vi.spyOn(io, name).mockImplementation((...args: unknown[]) => {
        if (args[0] === 1 || args[0] === 2) written.push(String(args[1]))
        return original(...args)
      })
    }
    try {
      const server = await start()
      expect((await login(server, AGENT1)).res.statusCode).toBe(200)
      expect((await server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
      server.log.error('error-line-probe')
    } finally {
      vi.restoreAllMocks()
    }
    expect(written.filter((text) => text.includes('"msg"') || text.includes('error-line-probe'))).toEqual([])
  })

  it('starts listening with a given database and an ADMIN_KEY without an error in the log', async () => {
    const logs = new LogCapture()
    // No DATA_DIR claim here, so no owner.json to update with the port and key.
    const server = await start({ ADMIN_KEY: 'k'.repeat(32) }, { logStream: logs })
    await server.listen({ port: 0, host: '127.0.0.1' })
    expect((await server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    expect(parsed(logs).filter((l) => l.level >= 40)).toEqual([])
    expect(parsed(logs).some((l) => l.msg.startsWith('Server listening at'))).toBe(true)
  })

  it("drops headers, bodies, passwords and tokens from any line written through the server's logger", async () => {
    const logs = new LogCapture()
    const server = await start({}, { logStream: logs })
    server.log.info(
      { headers: { authorization: 'Bearer hdr-secret-1' }, body: { password: 'body-secret-2' }, password: 'pw-secret-3', token: 'tok-secret-4', accessToken: 'at-secret-5', userId: 'agent1@example.com' },
      'custom line',
    )
    const line = parsed(logs).find((l) => l.msg === 'custom line')
    expect(line).toBeDefined()
    expect(Object.keys(line as LogLine).filter((k) => !['level', 'time', 'pid', 'hostname', 'msg'].includes(k))).toEqual(['userId'])
    expect(logs.text).not.toMatch(/secret|Redacted/)
  })

  it('logs a sign-in with the seat that signed in', async () => {
    const logs = new LogCapture()
    const server = await start({}, { logStream: logs })
    await login(server, AGENT1)
    const line = parsed(logs).find((l) => l.msg === 'agent signed in')
    expect(line).toMatchObject({ level: 30, userId: 'agent1@example.com' })
  })

  it('logs a refusal for a full password-check queue with how many checks run and wait', async () => {
    const logs = new LogCapture()
    const server = await start({ SCRYPT_CONCURRENCY: '1', SCRYPT_QUEUE: '1' }, { logStream: logs })
    const statuses = (await Promise.all(Array.from({ length: 3 }, () => login(server, AGENT1)))).map(({ res }) => res.statusCode).sort()
    expect(statuses).toEqual([200, 200, 503])
    const warned = parsed(logs).filter((l) => l.msg === 'sign-in refused: password check queue full')
    expect(warned).toHaveLength(1)
    expect(warned[0]).toMatchObject({ level: 40, running: 1, queued: 1 })
  })
})

describe('sign-in bodies and password hashes', () => {
  it('answers a body of another type over 16 KiB with 413, like an oversized JSON body', async () => {
    const server = await start()
    const res = await server.inject({ method: 'POST', url: '/api/auth/login', payload: `<login>${'x'.repeat(17 * 1024)}</login>`, headers: { 'content-type': 'application/xml' } })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'Request body is too large' } })
  })

  it('answers a sign-in against a stored hash that scrypt cannot check as 500 INTERNAL, not as a busy server', async () => {
    const logs = new LogCapture()
    // Well-formed, but p = 8 with N = 2 needs more memory than the hash's own limit allows.
    const passwordHash = ['scrypt', 2, 1, 8, Buffer.alloc(16, 1).toString('base64url'), Buffer.alloc(32, 2).toString('base64url')].join('$')
    const server = await start({}, { logStream: logs, agents: [{ username: 'broken@example.com', userId: 'seat-broken', passwordHash }] })
    const { res } = await login(server, { username: 'broken@example.com', password: 'whatever-1' })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } })
    expect(res.headers['retry-after']).toBeUndefined()
    expect(parsed(logs).filter((l) => l.msg === 'unexpected error')).toHaveLength(1)
  })
})

describe('CORS without an Origin header', () => {
  it('CORS_ORIGINS=* adds no CORS headers to a request that names no origin', async () => {
    const server = await start({ CORS_ORIGINS: '*' })
    const res = await server.inject({ method: 'GET', url: '/healthz' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    expect(res.headers.vary).toBeUndefined()
  })
})

describe('errors that carry their own status', () => {
  function throwingIssuer(error: Error): TcccTokenIssuer {
    return {
      issue: () => Promise.reject(error),
    } as unknown as TcccTokenIssuer
  }

  it.each([302, 500, 503])('answers an unexpected error with statusCode %i as 500 INTERNAL and logs it', async (statusCode) => {
    const logs = new LogCapture()
    const server = await start({}, { logStream: logs, issuer: throwingIssuer(Object.assign(new Error('upstream-detail-77'), { statusCode })) })
    const res = await requestToken(server, (await login(server, AGENT1)).body.accessToken)
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } })
    expect(parsed(logs).filter((l) => l.msg === 'unexpected error').map((l) => l.level)).toEqual([50])
    expect(logs.text).not.toContain('upstream-detail-77')
  })

  it('answers an error with statusCode 499 as a 499 "Bad request"', async () => {
    const server = await start({}, { issuer: throwingIssuer(Object.assign(new Error('client-detail'), { statusCode: 499 })) })
    const res = await requestToken(server, (await login(server, AGENT1)).body.accessToken)
    expect(res.statusCode).toBe(499)
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'Bad request' } })
  })
})

describe('request-rate limits by route', () => {
  it('limits only the routes that ask for it: no rate-limit headers on health, sign-in or logout', async () => {
    const server = await start()
    const health = await server.inject({ method: 'GET', url: '/healthz' })
    const { res: signIn, body } = await login(server, AGENT1)
    const token = await requestToken(server, body.accessToken)
    const logout = await server.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${body.accessToken}` } })
    for (const res of [health, signIn, logout]) {
      expect(Object.keys(res.headers).filter((h) => h.startsWith('x-ratelimit'))).toEqual([])
    }
    expect(token.headers['x-ratelimit-limit']).toBe('30')
  })
})

describe('the fake TCCC Web SDK', () => {
  it('serves the file as it is, as JavaScript in UTF-8', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'app-mutants2-sdk-'))
    const source = '// fake SDK – ünïcode\nwindow.TCCC = {}\n'
    writeFileSync(path.join(dir, 'sdk.js'), source)
    const server = await start({ FAKE_TCCC_SDK_FILE: path.join(dir, 'sdk.js') })
    const res = await server.inject({ method: 'GET', url: '/mock/tccc-sdk.js' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/javascript; charset=utf-8')
    expect(res.body).toBe(source)
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(source)))
  })
})

/** A DATA_DIR holding a migrated store (from the saved image), as a backend that ran before leaves it. */
async function preparedDataDir(): Promise<string> {
  await (await fileDatabase()).close() // makes sure the saved image of a migrated store exists
  const name = readdirSync(tmpdir()).find((n) => /^tccc-test-pglite-[0-9a-f]{16}\.tar$/.test(n)) as string
  const dataDir = mkdtempSync(path.join(tmpdir(), 'app-mutants2-data-'))
  const { PGlite } = await import('@electric-sql/pglite')
  await (await PGlite.create({ dataDir, loadDataDir: new Blob([readFileSync(path.join(tmpdir(), name))]) })).close()
  return dataDir
}

describe('own data directory (no database given)', () => {
  it('closes the store it opened when the server closes', async () => {
    const dataDir = await preparedDataDir()
    opened.length = 0
    const server = await buildServer(mockConfig({ DATA_DIR: dataDir }), { report: () => {} })
    expect((await login(server, AGENT1)).res.statusCode).toBe(200)
    expect(opened).toHaveLength(1)
    expect(await opened[0].query('SELECT count(*)::int AS n FROM sessions')).toEqual([{ n: 1 }])
    await server.close()
    await expect(opened[0].query('SELECT 1')).rejects.toThrow()
  })

  it('closes the store it opened when the agent directory cannot be prepared', async () => {
    const dataDir = await preparedDataDir()
    const broken = path.join(mkdtempSync(path.join(tmpdir(), 'app-mutants2-agents-')), 'agents.json')
    writeFileSync(broken, '{')
    opened.length = 0
    await expect(buildServer(mockConfig({ DATA_DIR: dataDir, AGENTS_FILE: broken }), { report: () => {} })).rejects.toThrow(/not valid JSON/)
    expect(opened).toHaveLength(1)
    await expect(opened[0].query('SELECT 1')).rejects.toThrow()
  })
})
