/** Running the real programs (server/src/main.ts, server/src/cli.ts) as child processes in tests. */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

// Only the variables these programs read from outside; everything else is set per test.
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra }
}

const children: ChildProcess[] = []
/** Kills (SIGKILL) every child a test left running; call in afterEach/afterAll. */
export function killChildren(): void {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

export type Proc = ReturnType<typeof run>

export function run(script: string, args: string[], env: Record<string, string>, stdin?: string) {
  // `node --import tsx`, not the tsx CLI: one process, so SIGKILL reaches the server itself.
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  if (stdin !== undefined) child.stdin.end(stdin)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited, output: () => ({ stdout, stderr }) }
}

/** `npm run <script> -- args` as an operator types it (CONTRACT.md's commands), from the repository root. */
export function runNpm(script: string, args: string[], env: Record<string, string>) {
  const child = spawn('npm', ['run', script, '--', ...args], { cwd: root, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited, output: () => ({ stdout, stderr }) }
}

export function waitForLine(proc: Pick<Proc, 'exited' | 'output'> & { child: { stdout: Proc['child']['stdout'] | null } }, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = proc.output().stdout.match(pattern)
      if (match) resolve(match)
    }
    check()
    proc.child.stdout?.on('data', check)
    proc.exited.then((code) => reject(new Error(`exited with ${code}: ${proc.output().stderr}`)))
  })
}

/** Starts `npm run server` and resolves with its port once it listens. */
export async function startBackend(env: Record<string, string>): Promise<{ proc: Proc; port: number; url: string }> {
  const proc = run('server/src/main.ts', [], { TOKEN_PORT: '0', ...env })
  const [, port] = await waitForLine(proc, /Token backend listening on http:\/\/localhost:(\d+)/)
  return { proc, port: Number(port), url: `http://127.0.0.1:${port}` }
}

export async function signIn(url: string, username: string, password: string): Promise<{ status: number; accessToken?: string }> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  const body = (await res.json()) as { accessToken?: string }
  return { status: res.status, accessToken: body.accessToken }
}
