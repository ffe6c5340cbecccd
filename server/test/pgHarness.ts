/**
 * A throwaway PostgreSQL cluster for tests: initdb in a temp folder, started on a free loopback
 * port, removed at stop. The bin dir is found by glob (/usr/lib/postgresql/<version>/bin, or
 * PG_BIN); as root the tools run via `runuser -u postgres` because they refuse root.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

export function findPgBin(): string | null {
  if (process.env.PG_BIN && existsSync(path.join(process.env.PG_BIN, 'initdb'))) return process.env.PG_BIN
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] ? path.join(root, versions[0], 'bin') : null
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

export interface TestPostgres {
  url: string
  stop(): Promise<void>
}

/** `pickPort` is for the test of the retry below; a cluster normally takes any free port. */
export async function startPostgres({ pickPort = freePort }: { pickPort?: () => Promise<number> } = {}): Promise<TestPostgres> {
  const bin = findPgBin()
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql, or set PG_BIN)')
  const asRoot = process.getuid?.() === 0
  const dir = mkdtempSync(path.join(tmpdir(), 'tccc-pg-'))
  const data = path.join(dir, 'data')
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(dir, uid, gid)
    chmodSync(dir, 0o700)
  }
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args]
    const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: dir })
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr || r.stdout}`)
  }
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
  // PostgreSQL cannot listen on port 0, so a free port is picked and bound a moment later; under
  // load something else can take it in between: then pick another (the log says why it failed).
  let port = 0
  for (let attempt = 1; ; attempt++) {
    port = await pickPort()
    const log = path.join(dir, `log.${attempt}`)
    try {
      run('pg_ctl', ['start', '-w', '-D', data, '-l', log, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`])
      break
    } catch (error) {
      const taken = existsSync(log) && /could not bind|address already in use/i.test(readFileSync(log, 'utf8'))
      if (!taken || attempt === 5) throw error
    }
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        run('pg_ctl', ['stop', '-D', data, '-m', 'immediate'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

/** A fresh database on the cluster (one per test file keeps files independent). */
export async function createDatabase(pg: TestPostgres, name: string): Promise<string> {
  const { default: Pg } = await import('pg')
  const client = new Pg.Client({ connectionString: pg.url })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE "${name}"`)
  } finally {
    await client.end()
  }
  return pg.url.replace(/\/postgres$/, `/${name}`)
}
