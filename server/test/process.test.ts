// @vitest-environment node
/** The real programs: `npm run server` (server/src/main.ts) and the add-agent command, as processes. */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createAgentDirectory, readAgentsFile } from '../src/agents'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const tsxCli = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')

// Only the variables these programs read from outside; everything else is set per test.
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME }
  return { ...env, ...extra }
}

const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

function run(script: string, args: string[], env: Record<string, string>, stdin?: string) {
  const child = spawn(process.execPath, [tsxCli, script, ...args], { cwd: root, env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  if (stdin !== undefined) child.stdin.end(stdin)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited, output: () => ({ stdout, stderr }) }
}

function waitForLine(proc: ReturnType<typeof run>, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = proc.output().stdout.match(pattern)
      if (match) resolve(match)
    }
    proc.child.stdout?.on('data', check)
    proc.exited.then((code) => reject(new Error(`exited with ${code}: ${proc.output().stderr}`)))
  })
}

describe('npm run server (server/src/main.ts)', () => {
  it('listens on a random port with TOKEN_PORT=0, prints one line, serves, and stops cleanly on SIGTERM', async () => {
    const proc = run('server/src/main.ts', [], { TOKEN_PORT: '0' })
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
    const proc = run('server/src/main.ts', [], { TOKEN_PORT: '0' })
    await waitForLine(proc, /listening on/)
    proc.child.kill('SIGINT')
    expect(await proc.exited).toBe(0)
  })

  it('refuses to start with TCCC_MODE=real and no credentials, naming the missing variables', async () => {
    const proc = run('server/src/main.ts', [], { TOKEN_PORT: '0', TCCC_MODE: 'real', TCCC_SECRET_ID: 'AKIDsomething' })
    expect(await proc.exited).toBe(1)
    expect(proc.output().stdout).toBe('')
    expect(proc.output().stderr).toContain('Token backend cannot start: Real mode needs these environment variables: TCCC_SECRET_KEY, TCCC_SDK_APP_ID, TOKEN_SIGNING_KEY')
    expect(proc.output().stderr).not.toContain('AKIDsomething')
  })
})

describe('add-agent command (server/src/cli.ts)', () => {
  it('reads the password from stdin and writes only its hash', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'agents-')), 'agents.json')
    const proc = run('server/src/cli.ts', ['add-agent', '--username', 'cli@example.com', '--user-id', 'cli-seat@example.com'], { AGENTS_FILE: file }, 'cli-password-1\n')
    expect(await proc.exited).toBe(0)
    expect(proc.output().stdout).toContain(`Added cli@example.com (TCCC userId cli-seat@example.com) in ${file}`)
    expect(proc.output().stdout + proc.output().stderr).not.toContain('cli-password-1')
    const agent = await createAgentDirectory(readAgentsFile(file)).authenticate('cli@example.com', 'cli-password-1')
    expect(agent?.userId).toBe('cli-seat@example.com')
  })

  it('exits non-zero with usage on bad arguments', async () => {
    const proc = run('server/src/cli.ts', ['add-agent', '--username', 'x'], {}, '')
    expect(await proc.exited).toBe(1)
    expect(proc.output().stderr).toContain('Usage: add-agent')
  })
})
