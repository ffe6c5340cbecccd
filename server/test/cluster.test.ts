// @vitest-environment node
/**
 * Several backend processes and restarts: two instances over one PostgreSQL share sessions and
 * sign-in counters, both survive a restart, and a backend killed with SIGKILL while a client
 * pushes 1,000 changes (retrying with the same changeIds) ends with each change exactly once —
 * on PostgreSQL and on the embedded PGlite.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { findPgBin, startPostgres, createDatabase, type TestPostgres } from './pgHarness'
import { killChildren, signIn, startBackend } from './processes'
import { SIGNING_KEY } from './helpers'

vi.setConfig({ testTimeout: 400_000 })
afterEach(() => killChildren())

let pg: TestPostgres | null = null
const hasPg = findPgBin() !== null
beforeAll(async () => {
  if (hasPg) pg = await startPostgres()
}, 120_000)
afterAll(async () => {
  killChildren()
  await pg?.stop()
})

const tcccToken = (url: string, token: string) => fetch(`${url}/api/tccc/token`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
const errorCode = async (res: Response) => ((await res.json()) as { error?: { code: string } }).error?.code

describe.skipIf(!hasPg)('two backends over one PostgreSQL', () => {
  it('logout on one ends the session on the other; failures count across both; both hold after a restart', async () => {
    const env = { DATABASE_URL: await createDatabase(pg as TestPostgres, 'two_backends'), TOKEN_SIGNING_KEY: SIGNING_KEY, LOGIN_RATE_LIMIT: '3', LOGIN_RATE_WINDOW_MS: '600000' }
    const [a, b] = await Promise.all([startBackend(env), startBackend(env)])
    const { accessToken } = await signIn(a.url, 'agent1@example.com', 'agent1-pass')
    expect((await tcccToken(b.url, accessToken as string)).status).toBe(200)
    expect((await fetch(`${a.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(204)
    const onB = await tcccToken(b.url, accessToken as string)
    expect(onB.status).toBe(401)
    expect(await errorCode(onB)).toBe('SESSION_EXPIRED')

    // 2 failures on A + 1 on B reach the limit of 3: the right password is refused on both.
    expect((await signIn(a.url, 'agent2@example.com', 'wrong-1')).status).toBe(401)
    expect((await signIn(a.url, 'agent2@example.com', 'wrong-2')).status).toBe(401)
    expect((await signIn(b.url, 'agent2@example.com', 'wrong-3')).status).toBe(401)
    expect((await signIn(a.url, 'agent2@example.com', 'agent2-pass')).status).toBe(429)
    expect((await signIn(b.url, 'agent2@example.com', 'agent2-pass')).status).toBe(429)

    a.proc.child.kill('SIGTERM')
    b.proc.child.kill('SIGTERM')
    await Promise.all([a.proc.exited, b.proc.exited])
    const c = await startBackend(env)
    const afterRestart = await tcccToken(c.url, accessToken as string)
    expect(await errorCode(afterRestart)).toBe('SESSION_EXPIRED')
    expect((await signIn(c.url, 'agent2@example.com', 'agent2-pass')).status).toBe(429)
    expect((await signIn(c.url, 'agent1@example.com', 'agent1-pass')).status).toBe(200)
  })
})

describe.skipIf(!hasPg)('the per-username sign-in cap across two backends over one PostgreSQL', () => {
  it('a burst of guesses from 40 addresses split over both instances: exactly the cap is checked, also after both restart', async () => {
    const cap = 10
    const env = {
      DATABASE_URL: await createDatabase(pg as TestPostgres, 'username_cap'),
      TOKEN_SIGNING_KEY: SIGNING_KEY,
      TRUST_PROXY: '127.0.0.1',
      LOGIN_USERNAME_RATE_LIMIT: String(cap),
      SCRYPT_QUEUE: '200',
    }
    let [a, b] = await Promise.all([startBackend(env), startBackend(env)])
    const signInFrom = (url: string, from: string, password: string) =>
      fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify({ username: 'agent2@example.com', password }) }).then((res) => res.status)
    // The agent signs in from the office first: that address stays theirs.
    expect(await signInFrom(a.url, '192.0.2.10', 'agent2-pass')).toBe(200)
    const codes = await Promise.all(Array.from({ length: 40 }, (_, i) => signInFrom(i % 2 === 0 ? a.url : b.url, `198.51.100.${i + 1}`, `guess-${i}`)))
    const checked = codes.filter((c) => c === 401).length
    console.info(`[two instances, PostgreSQL] burst: ${checked} of 40 guesses from 40 addresses over 2 backends were checked (401), ${codes.filter((c) => c === 429).length} refused (429)`)
    expect(checked).toBe(cap)
    expect(codes.filter((c) => c === 429)).toHaveLength(40 - cap)

    a.proc.child.kill('SIGTERM')
    b.proc.child.kill('SIGTERM')
    await Promise.all([a.proc.exited, b.proc.exited])
    ;[a, b] = await Promise.all([startBackend(env), startBackend(env)])
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => signInFrom(i % 2 === 0 ? a.url : b.url, `203.0.113.${i + 1}`, i === 0 ? 'agent2-pass' : `guess-again-${i}`)))
    console.info(`[two instances, PostgreSQL] after a restart of both: ${after.filter((c) => c !== 429).length} of 10 more attempts from new addresses got through`)
    expect(after).toEqual(Array(10).fill(429))
    // The office is spared: no lockout for the agent there.
    expect(await signInFrom(b.url, '192.0.2.10', 'agent2-pass')).toBe(200)
  })
})

const durabilityTargets = [
  { name: 'PGlite', skip: false, env: async () => ({ DATA_DIR: path.join(mkdtempSync(path.join(tmpdir(), 'tccc-durable-')), 'db') }) },
  { name: 'PostgreSQL', skip: !hasPg, env: async () => ({ DATABASE_URL: await createDatabase(pg as TestPostgres, 'durability') }) },
]

describe.each(durabilityTargets)('durability on $name', ({ env: makeEnv, skip }) => {
  it.skipIf(skip)('kill -9 during a 1,000-change push, restart, client retries: each change exactly once', async () => {
    const env = { ...(await makeEnv()), TOKEN_SIGNING_KEY: SIGNING_KEY }
    let backend = await startBackend(env)
    const { accessToken } = await signIn(backend.url, 'agent1@example.com', 'agent1-pass')
    const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }
    const changes = Array.from({ length: 1000 }, (_, i) => ({
      changeId: `chg-${i}`,
      kind: 'number',
      op: 'upsert',
      id: `num-${i}`,
      data: { number: `1380000${String(i).padStart(4, '0')}`, remark: `lead ${i}`, createdAt: Date.now() - 1000 },
    }))
    const batches = Array.from({ length: 10 }, (_, i) => changes.slice(i * 100, i * 100 + 100))
    let sent = 0
    let failures = 0
    let killed = false
    const statuses = new Map<string, string>()
    for (const batch of batches) {
      for (;;) {
        const request = fetch(`${backend.url}/api/workspace/changes`, { method: 'POST', headers, body: JSON.stringify({ changes: batch }) })
        // The crash: SIGKILL while the fourth batch is in flight.
        if (sent === 3 && !killed) {
          killed = true
          backend.proc.child.kill('SIGKILL')
        }
        try {
          const res = await request
          if (res.status !== 200) throw new Error(`status ${res.status}`)
          for (const r of ((await res.json()) as { results: { changeId: string; status: string }[] }).results) statuses.set(r.changeId, r.status)
          break
        } catch {
          failures++
          if (backend.proc.child.exitCode !== null || backend.proc.child.signalCode !== null) backend = await startBackend(env)
        }
      }
      sent++
    }
    expect(killed).toBe(true)
    expect(failures).toBeGreaterThan(0)
    expect([...statuses.values()].every((s) => s === 'applied' || s === 'duplicate')).toBe(true)

    // The client retries everything once more: all duplicates, nothing applied twice.
    for (const batch of batches) {
      const res = await fetch(`${backend.url}/api/workspace/changes`, { method: 'POST', headers, body: JSON.stringify({ changes: batch }) })
      const results = ((await res.json()) as { results: { status: string }[] }).results
      expect(results.every((r) => r.status === 'duplicate')).toBe(true)
    }
    const ids: string[] = []
    let cursor = '0'
    for (;;) {
      const page = (await (await fetch(`${backend.url}/api/workspace/changes?since=${cursor}&limit=1000`, { headers })).json()) as {
        changes: { kind: string; id: string }[]
        cursor: string
        more: boolean
      }
      ids.push(...page.changes.filter((c) => c.kind === 'number').map((c) => c.id))
      cursor = page.cursor
      if (!page.more) break
    }
    expect(ids).toHaveLength(1000)
    expect(new Set(ids).size).toBe(1000)
    backend.proc.child.kill('SIGTERM')
    await backend.proc.exited
  })
})
