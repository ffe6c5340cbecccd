// @vitest-environment node
/**
 * The real programs as processes: `npm run server` (server/src/main.ts) over a PGlite DATA_DIR,
 * and the business CLIs (server/src/cli.ts) both while that backend runs (admin endpoint) and
 * while it does not (the database opened directly).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { killChildren, run, runNpm, signIn, startBackend, waitForLine } from './processes'

// One data directory for the file: each fresh PGlite directory costs seconds to create.
const DATA_DIR = path.join(mkdtempSync(path.join(tmpdir(), 'tccc-data-')), 'db')

afterEach(() => killChildren())
// Processes start PGlite and tsx on a shared 2-core machine: give them time.
vi.setConfig({ testTimeout: 300_000 })

describe('npm run server (server/src/main.ts)', () => {
  it('listens on a random port with TOKEN_PORT=0, prints one line, serves, and stops cleanly on SIGTERM', async () => {
    const proc = run('server/src/main.ts', [], { TOKEN_PORT: '0', DATA_DIR })
    const [line, port] = await waitForLine(proc, /Token backend listening on http:\/\/localhost:(\d+) \(mock mode\)\n/)
    expect(proc.output().stdout).toBe(line)

    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(await health.json()).toEqual({ ok: true, mode: 'mock' })
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'agent1@example.com', password: 'agent1-pass' }),
    })
    const { accessToken } = (await login.json()) as { accessToken: string }
    const token = await fetch(`http://127.0.0.1:${port}/api/tccc/token`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } })
    const issued = (await token.json()) as { sdkUrl: string; token: string }
    expect(issued.sdkUrl.startsWith(`http://localhost:${port}/mock/tccc-sdk.js?token=sim.`)).toBe(true)

    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    // Logs went to stderr, without the token.
    expect(proc.output().stderr).toContain('issued TCCC token')
    expect(proc.output().stderr).not.toContain(issued.token)
    expect(proc.output().stderr).not.toContain(accessToken)
  })

  it('stops cleanly on SIGINT', async () => {
    const proc = run('server/src/main.ts', [], { TOKEN_PORT: '0', DATA_DIR })
    await waitForLine(proc, /listening on/)
    proc.child.kill('SIGINT')
    expect(await proc.exited).toBe(0)
  })

  it('stops when the npm that ran it is stopped with a SIGTERM (npm does not pass it on), freeing its port', async () => {
    const proc = runNpm('server', [], { TOKEN_PORT: '0', DATA_DIR })
    const [, port] = await waitForLine(proc, /Token backend listening on http:\/\/localhost:(\d+)/)
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    proc.child.kill('SIGTERM')
    await proc.exited
    await vi.waitFor(
      async () => {
        await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow()
      },
      { timeout: 10_000, interval: 250 },
    )
  })

  it('refuses to start with TCCC_MODE=real and no credentials, naming the missing variables', async () => {
    const proc = run('server/src/main.ts', [], { TOKEN_PORT: '0', TCCC_MODE: 'real', TCCC_SECRET_ID: 'AKIDsomething' })
    expect(await proc.exited).toBe(1)
    expect(proc.output().stdout).toBe('')
    expect(proc.output().stderr).toContain('Token backend cannot start: Real mode needs these environment variables: TCCC_SECRET_KEY, TCCC_SDK_APP_ID, TOKEN_SIGNING_KEY')
    expect(proc.output().stderr).not.toContain('AKIDsomething')
  })
})

describe('business CLIs', () => {
  it('while the backend runs: 10 concurrent add-agent runs all land, assign-numbers reaches the agent, export-calls prints CSV', async () => {
    const { proc, url } = await startBackend({ DATA_DIR })
    const adds = Array.from({ length: 10 }, (_, i) =>
      run('server/src/cli.ts', ['add-agent', '--username', `team${i}@corp.example`, '--user-id', `seat-${i}@corp.example`], { DATA_DIR }, `team-password-${i}\n`),
    )
    const codes = await Promise.all(adds.map((a) => a.exited))
    expect(codes).toEqual(Array(10).fill(0))
    for (const a of adds) expect(a.output().stdout).toMatch(/^Added team\d@corp\.example \(TCCC userId seat-\d@corp\.example\) in the running backend/)
    for (const a of adds) expect(a.output().stdout + a.output().stderr).not.toContain('team-password-')
    for (let i = 0; i < 10; i++) expect((await signIn(url, `team${i}@corp.example`, `team-password-${i}`)).status).toBe(200)

    const csv = path.join(path.dirname(DATA_DIR), 'leads.csv')
    writeFileSync(csv, 'number,remark\n13900139000,Lead A\n139-0013-9001,Lead B\n13900139000,again\nnot-a-number,x\n')
    const assign = run('server/src/cli.ts', ['assign-numbers', '--agent', 'seat-3@corp.example', '--file', csv], { DATA_DIR })
    expect(await assign.exited).toBe(0)
    expect(assign.output().stdout).toContain('Assigned to seat-3@corp.example: 2 added, 1 duplicate, 1 invalid')
    expect(assign.output().stdout).toContain('line 5: NUMBER_NOT_DIGITS')
    const { accessToken } = await signIn(url, 'team3@corp.example', 'team-password-3')
    const pulled = (await (await fetch(`${url}/api/workspace/changes`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as {
      changes: { kind: string; data: { number: string; source: string } }[]
    }
    // Server (rev) order is the file's last line first: a phone shows the newest first.
    expect(pulled.changes.filter((c) => c.kind === 'number').map((c) => [c.data.number, c.data.source])).toEqual([
      ['13900139001', 'assigned'],
      ['13900139000', 'assigned'],
    ])
    await fetch(`${url}/api/workspace/changes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        changes: [
          {
            changeId: 'k1',
            kind: 'call',
            op: 'upsert',
            id: 'call-1',
            data: { number: '13900139000', remark: 'Lead A', direction: 'out', outcome: 'answered', startedAt: Date.UTC(2026, 0, 5, 9), answeredAt: Date.UTC(2026, 0, 5, 9, 0, 5), endedAt: Date.UTC(2026, 0, 5, 9, 1), durationSec: 55, endReason: 'local-hangup', disposition: 'callback', note: 'call "after" lunch, ok', callbackAt: Date.UTC(2026, 0, 6, 9) },
          },
        ],
      }),
    })
    const exported = run('server/src/cli.ts', ['export-calls', '--agent', 'seat-3@corp.example', '--since', '2026-01-05'], { DATA_DIR })
    expect(await exported.exited).toBe(0)
    expect(exported.output().stdout.split('\n')).toEqual([
      'id,agent,number,remark,direction,started_at,answered_at,ended_at,duration_s,end_reason,outcome,note,callback_at',
      'call-1,seat-3@corp.example,13900139000,Lead A,out,2026-01-05T09:00:00.000Z,2026-01-05T09:00:05.000Z,2026-01-05T09:01:00.000Z,55,local-hangup,callback,"call ""after"" lunch, ok",2026-01-06T09:00:00.000Z',
      '',
    ])
    const later = run('server/src/cli.ts', ['export-calls', '--since', '2026-01-06'], { DATA_DIR })
    expect(await later.exited).toBe(0)
    expect(later.output().stdout.trim().split('\n')).toHaveLength(1)
    // The command as CONTRACT.md writes it: stdout is the CSV alone, no npm banner in front.
    const viaNpm = runNpm('export-calls', ['--agent', 'seat-3@corp.example', '--since', '2026-01-05'], { DATA_DIR })
    expect(await viaNpm.exited).toBe(0)
    expect(viaNpm.output().stdout).toBe(exported.output().stdout)

    // Who fails to sign in: through the running backend, one seat's wrong passwords as CSV.
    for (let i = 0; i < 2; i++) expect((await signIn(url, 'team5@corp.example', `wrong-${i}`)).status).toBe(401)
    const failures = run('server/src/cli.ts', ['sign-in-failures', '--agent', 'SEAT-5@corp.example'], { DATA_DIR })
    expect(await failures.exited).toBe(0)
    expect(failures.output().stdout).toMatch(
      /^username,user_id,failures,first_failure,last_failure,addresses,held\nteam5@corp\.example,seat-5@corp\.example,2,\d{4}-\d\d-\d\dT[\d:.]+Z,\d{4}-\d\d-\d\dT[\d:.]+Z,127\.0\.0\.1 \(2\),no\n$/,
    )
    const badSince = run('server/src/cli.ts', ['sign-in-failures', '--since', 'yesterday'], { DATA_DIR })
    expect(await badSince.exited).toBe(1)
    expect(badSince.output().stderr).toContain('--since must be a date YYYY-MM-DD (got "yesterday")')

    // Removing an agent ends their session at once.
    const remove = run('server/src/cli.ts', ['remove-agent', '--username', 'team3@corp.example'], { DATA_DIR })
    expect(await remove.exited).toBe(0)
    const token = await fetch(`${url}/api/tccc/token`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } })
    expect(token.status).toBe(401)
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  })

  it('without a backend the CLIs open the database directly; the next backend sees what they wrote', async () => {
    const adds = Array.from({ length: 3 }, (_, i) =>
      run('server/src/cli.ts', ['add-agent', '--username', `solo${i}@corp.example`, '--user-id', `solo-seat-${i}`], { DATA_DIR }, `solo-password-${i}\n`),
    )
    expect(await Promise.all(adds.map((a) => a.exited))).toEqual([0, 0, 0])
    for (const a of adds) expect(a.output().stdout).toContain(`in PGlite in ${DATA_DIR}`)
    const taken = run('server/src/cli.ts', ['add-agent', '--username', 'other@corp.example', '--user-id', 'solo-seat-1'], { DATA_DIR }, 'other-password\n')
    expect(await taken.exited).toBe(1)
    expect(taken.output().stderr).toContain('TCCC userId solo-seat-1 already belongs to solo1@corp.example')
    const migrate = run('server/src/cli.ts', ['db:migrate'], { DATA_DIR })
    expect(await migrate.exited).toBe(0)
    expect(migrate.output().stdout).toContain('is up to date')
    const { proc, url } = await startBackend({ DATA_DIR })
    expect((await signIn(url, 'solo2@corp.example', 'solo-password-2')).status).toBe(200)
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  })

  it('on a DATA_DIR no backend has opened, the development accounts are there (mock mode), as the backend would make them', async () => {
    const fresh = path.join(mkdtempSync(path.join(tmpdir(), 'tccc-fresh-')), 'db')
    const csv = path.join(path.dirname(fresh), 'leads.csv')
    writeFileSync(csv, '13800000001,First lead\n13800000002,Second lead\n')
    const assign = run('server/src/cli.ts', ['assign-numbers', '--agent', 'agent1@example.com', '--file', csv], { DATA_DIR: fresh })
    expect(await assign.exited).toBe(0)
    expect(assign.output().stdout).toContain('2 added')
    // Real mode is left alone: its first agent comes with add-agent.
    const real = run('server/src/cli.ts', ['assign-numbers', '--agent', 'agent1@example.com', '--file', csv], { DATA_DIR: path.join(path.dirname(fresh), 'real-db'), TCCC_MODE: 'real' })
    expect(await real.exited).toBe(1)
    expect(real.output().stderr).toContain('No agent with userId agent1@example.com')
  })

  it('exits non-zero with usage on bad arguments', async () => {
    const proc = run('server/src/cli.ts', ['add-agent', '--username', 'x'], { DATA_DIR }, '')
    expect(await proc.exited).toBe(1)
    expect(proc.output().stderr).toContain('Usage: add-agent')
  })
})
