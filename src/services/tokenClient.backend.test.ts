// @vitest-environment node
/**
 * The token client against the real token backend process (server/, mock mode) on loopback.
 * `uni.request` is driven through a small adapter that performs real HTTP with Node's fetch.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Mock } from 'jest-mock'
import { decodeMockToken } from '@/platform/simulated/mockToken'
import { confirmSignInFailures, fetchTcccToken, signInToBackend, signOutOfBackend } from '@/services/tokenClient'
import { rejection } from './__tests__/uniRequest'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const serverMain = path.join(root, 'server/src/main.ts')
const tsxCli = path.join(root, 'node_modules/tsx/dist/cli.mjs')

let server: ChildProcess | undefined
let baseUrl = ''
let dataDir: string | undefined

/** uni.request over real HTTP: the subset of the uni contract the token client uses. */
function realRequest(options: UniNamespace.RequestOptions): UniNamespace.RequestTask {
  const controller = new AbortController()
  const timer = options.timeout ? setTimeout(() => controller.abort(), options.timeout) : undefined
  const url = /^https?:/.test(options.url) ? options.url : baseUrl + options.url
  fetch(url, {
    method: options.method ?? 'GET',
    headers: options.header as Record<string, string>,
    body: options.data === undefined ? undefined : JSON.stringify(options.data),
    signal: controller.signal,
  })
    .then(async (response) => {
      const text = await response.text()
      let data: unknown = text
      try {
        data = text ? JSON.parse(text) : ''
      } catch {
        // not JSON: uni hands the string over
      }
      options.success?.({ statusCode: response.status, data: data as string, header: { 'content-type': response.headers.get('content-type') ?? '' }, cookies: [] })
    })
    .catch((error: unknown) => {
      const aborted = error instanceof Error && error.name === 'AbortError'
      options.fail?.({ errMsg: aborted ? 'request:fail timeout' : `request:fail ${String(error)}` })
    })
    .finally(() => clearTimeout(timer))
  return { abort: () => controller.abort(), onHeadersReceived: () => undefined, offHeadersReceived: () => undefined }
}

describe.skipIf(!existsSync(serverMain))('token client against the real token backend (mock mode)', () => {
  beforeAll(async () => {
    // Its own embedded database, never the developer's server/data/db; creating it takes a while.
    dataDir = mkdtempSync(path.join(tmpdir(), 'tccc-client-test-'))
    const env: NodeJS.ProcessEnv = { ...process.env, TOKEN_PORT: '0', TCCC_MODE: 'mock', LOGIN_RATE_LIMIT: '5', LOG_LEVEL: 'error', DATA_DIR: dataDir }
    delete env.TCCC_SECRET_ID
    delete env.TCCC_SECRET_KEY
    delete env.TCCC_SDK_APP_ID
    delete env.CORS_ORIGINS
    server = spawn(process.execPath, [tsxCli, serverMain], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    baseUrl = await new Promise<string>((resolve, reject) => {
      let out = ''
      let errText = ''
      const timer = setTimeout(() => reject(new Error(`backend did not start: ${errText.slice(-500)}`)), 110_000)
      server?.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const match = /Token backend listening on (http:\/\/localhost:\d+)/.exec(out)
        if (match) {
          clearTimeout(timer)
          resolve(match[1])
        }
      })
      server?.stderr?.on('data', (chunk: Buffer) => (errText += chunk.toString()))
      server?.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`backend exited with ${code}: ${errText.slice(-500)}`))
      })
    })
  }, 120_000)

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve))
      server.kill('SIGTERM')
      await exited
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  beforeEach(() => {
    ;(uni.request as unknown as Mock<typeof realRequest>).mockImplementation(realRequest)
  })

  it('signs in, gets a TCCC token for the same agent, and signs out (token revoked)', async () => {
    const session = await signInToBackend('agent1@example.com', 'agent1-pass')
    expect(session.agent).toEqual({ userId: 'agent1@example.com', sdkAppId: 1400000001, workspaceId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) })
    expect(session.expiresIn).toBeGreaterThan(0)

    const tccc = await fetchTcccToken(session.accessToken)
    expect(tccc.userId).toBe('agent1@example.com')
    expect(tccc.sdkAppId).toBe(1400000001)
    // The simulator accepts exactly this token for this agent.
    expect(decodeMockToken(tccc.token)).toMatchObject({ userId: 'agent1@example.com', sdkAppId: 1400000001 })
    expect(tccc.expiresAt).toBeGreaterThan(Date.now() / 1000)

    await signOutOfBackend(session.accessToken)
    expect((await rejection(fetchTcccToken(session.accessToken))).symbol).toBe('SESSION_EXPIRED')
  })

  it("tells the agent's next sign-ins how many attempts failed since the previous one, until the app confirms it", async () => {
    expect((await signInToBackend('agent1@example.com', 'agent1-pass')).signInFailures).toEqual({ failures: 0, lastFailureAt: null, locked: false })
    for (let i = 0; i < 2; i++) expect((await rejection(signInToBackend('agent1@example.com', `wrong-${i}`))).symbol).toBe('BAD_CREDENTIALS')
    const told = await signInToBackend('agent1@example.com', 'agent1-pass')
    expect(told.signInFailures).toEqual({ failures: 2, lastFailureAt: expect.any(Number), locked: false, id: expect.stringMatching(/^\d+$/) })
    expect(Math.abs((told.signInFailures?.lastFailureAt ?? 0) - Date.now())).toBeLessThan(60_000)
    const again = await signInToBackend('agent1@example.com', 'agent1-pass')
    expect(again.signInFailures).toEqual(told.signInFailures)
    const report = again.signInFailures
    if (report?.id === undefined) throw new Error('no report id')
    await confirmSignInFailures(again.accessToken, { ...report, id: report.id })
    expect((await signInToBackend('agent1@example.com', 'agent1-pass')).signInFailures).toEqual({ failures: 0, lastFailureAt: null, locked: false })
  })

  it('maps a forged access token to SESSION_EXPIRED', async () => {
    expect((await rejection(fetchTcccToken('not-a-real-token'))).symbol).toBe('SESSION_EXPIRED')
  })

  it('maps a wrong password to BAD_CREDENTIALS, then repeated attempts to RATE_LIMITED', async () => {
    expect((await rejection(signInToBackend('agent2@example.com', 'wrong'))).symbol).toBe('BAD_CREDENTIALS')
    const seen: string[] = []
    for (let attempt = 0; attempt < 8 && !seen.includes('RATE_LIMITED'); attempt += 1) {
      seen.push((await rejection(signInToBackend('agent2@example.com', 'wrong'))).symbol)
    }
    expect(seen).toContain('RATE_LIMITED')
    expect(seen.every((symbol) => symbol === 'BAD_CREDENTIALS' || symbol === 'RATE_LIMITED')).toBe(true)
  })

  it('maps a closed port to BACKEND_UNREACHABLE', async () => {
    const saved = baseUrl
    baseUrl = 'http://127.0.0.1:9' // discard port: nothing listens
    try {
      expect((await rejection(signInToBackend('agent1@example.com', 'agent1-pass'))).symbol).toBe('BACKEND_UNREACHABLE')
    } finally {
      baseUrl = saved
    }
  })
})
