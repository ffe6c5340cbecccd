/**
 * Business tools, all working whether or not the backend runs:
 *   add-agent --username <login> --user-id <TCCC seat id> [--replace]   (password on stdin)
 *   remove-agent --username <login>
 *   assign-numbers --agent <userId> --file <csv>
 *   export-calls [--agent <userId>] [--since YYYY-MM-DD]                 (CSV on stdout)
 *   sign-in-failures [--agent <userId>] [--since YYYY-MM-DD]             (CSV on stdout)
 *   db:migrate
 * With DATABASE_URL they open PostgreSQL directly. With PGlite (DATA_DIR) only one process may
 * open the directory: when a backend owns it they go through its /api/admin/* endpoints with the
 * key it wrote to DATA_DIR/owner.json; otherwise they hold the directory while they run.
 * Passwords are read from stdin (typed without echo, or piped), never from the command line.
 */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Writable } from 'node:stream'
import { parseImport } from '../../src/services/numbers'
import { type AgentRecord } from './agents'
import { ConfigError, configuredMode, databaseTarget, DEFAULT_AGENTS_FILE } from './config'
import { openMigrated, prepareAgentDirectory, type Database } from './db'
import { describeTarget } from './db/driver'
import { AgentConflictError, findAgentByUserId, putAgent, removeAgent } from './db/agents'
import { migrate } from './db/migrations'
import { claimDataDirWaiting, readOwner, type OwnerInfo } from './db/owner'
import { listSignInFailures, type AgentSignInFailures } from './db/signInFailures'
import { assignNumbers, csvField, exportCallPages, type AssignReport } from './db/workspace'
import { hashPassword } from './passwords'

export const MIN_PASSWORD_LENGTH = 8
const USAGE = {
  'add-agent': 'Usage: add-agent --username <login> --user-id <TCCC userId> [--replace]  (password on stdin)',
  'remove-agent': 'Usage: remove-agent --username <login>',
  'assign-numbers': 'Usage: assign-numbers --agent <userId> --file <csv with number,remark lines>',
  'export-calls': 'Usage: export-calls [--agent <userId>] [--since YYYY-MM-DD]',
  'sign-in-failures': 'Usage: sign-in-failures [--agent <userId>] [--since YYYY-MM-DD]',
  'db:migrate': 'Usage: db:migrate',
} as const
type Command = keyof typeof USAGE

type Env = Record<string, string | undefined>

/** Parses `--name value` pairs (and the given flags); anything else is an error with the usage. */
export function parseOptions(args: string[], valued: string[], flags: string[], usage: string): Record<string, string | true> {
  const out: Record<string, string | true> = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (flags.includes(arg)) {
      out[arg] = true
      continue
    }
    if (!valued.includes(arg)) throw new Error(`Unknown option ${arg}\n${usage}`)
    const value = args[i + 1]
    if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value\n${usage}`)
    out[arg] = value
    i++
  }
  return out
}

export interface AddAgentOptions {
  username: string
  userId: string
  replace: boolean
}

export function parseAddAgentArgs(args: string[]): AddAgentOptions {
  const o = parseOptions(args, ['--username', '--user-id'], ['--replace'], USAGE['add-agent'])
  const username = typeof o['--username'] === 'string' ? o['--username'].trim() : ''
  const userId = typeof o['--user-id'] === 'string' ? o['--user-id'].trim() : ''
  if (!username || !userId) throw new Error(USAGE['add-agent'])
  return { username, userId, replace: o['--replace'] === true }
}

/** `--since 2026-11-21` → epoch ms of that UTC midnight. */
export function parseSince(value: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN
  if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) throw new Error(`--since must be a date YYYY-MM-DD (got "${value}")`)
  return ms
}

export const SIGN_IN_FAILURES_CSV_HEADER = 'username,user_id,failures,first_failure,last_failure,addresses,held'

/** One CSV line per agent: times ISO 8601 UTC, addresses as `address (failures)` joined by `; `. */
export function signInFailuresCsv(list: AgentSignInFailures[]): string {
  const lines = list.map((a) =>
    [a.username, a.userId, a.failures, new Date(a.firstFailureAt).toISOString(), new Date(a.lastFailureAt).toISOString(), a.addresses.map((x) => `${x.address} (${x.failures})`).join('; '), a.held ? 'yes' : 'no']
      .map(csvField)
      .join(','),
  )
  return `${[SIGN_IN_FAILURES_CSV_HEADER, ...lines].join('\n')}\n`
}

/** What the tools need, whether done on an open database or through the running backend. */
export interface AdminStore {
  readonly where: string
  putAgent(agent: AgentRecord, replace: boolean): Promise<'added' | 'replaced'>
  removeAgent(username: string): Promise<boolean>
  assign(agent: string, lines: { line: number; number: string; remark: string }[]): Promise<AssignReport>
  /** Writes the CSV to `out` as it comes, waiting whenever `out` is full. */
  exportCsv(options: { agent?: string; since?: number }, out: Writable): Promise<void>
  signInFailures(options: { agent?: string; since?: number }): Promise<AgentSignInFailures[]>
  migrate(): Promise<string>
  close(): Promise<void>
}

export class NoSuchAgentError extends Error {
  override name = 'NoSuchAgentError'
}

/** Hashes the password (never sent or stored in clear) and adds or replaces the agent. */
export async function addAgent(store: AdminStore, options: AddAgentOptions, password: string): Promise<'added' | 'replaced'> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new Error(`The password must have at least ${MIN_PASSWORD_LENGTH} characters`)
  return store.putAgent({ username: options.username, userId: options.userId, passwordHash: await hashPassword(password) }, options.replace)
}

/** Writes `chunk`, then waits for `out` to drain when it is full (a slow pipe reader). */
async function writeTo(out: Writable, chunk: string | Uint8Array): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain')
}

export function directStore(db: Database, where: string, release: () => void): AdminStore {
  return {
    where,
    async putAgent(agent, replace) {
      return db.transaction((tx) => putAgent(tx, agent, { replace, now: Date.now() }))
    },
    removeAgent: (username) => db.transaction((tx) => removeAgent(tx, username, Date.now())),
    async assign(agent, lines) {
      if (!(await findAgentByUserId(db, agent))) throw new NoSuchAgentError(`No agent with userId ${agent}`)
      return assignNumbers(db, agent, lines, Date.now())
    },
    async exportCsv(options, out) {
      for await (const page of exportCallPages(db, options)) await writeTo(out, `${page.join('\n')}\n`)
    },
    signInFailures: (options) => listSignInFailures(db, options),
    async migrate() {
      const applied = await migrate(db)
      return applied.length ? `Applied migrations ${applied.join(', ')} to ${where}` : `${where} is up to date`
    },
    async close() {
      await db.close()
      release()
    },
  }
}

function remoteStore(owner: OwnerInfo & { port: number; adminKey: string }): AdminStore {
  const base = `http://127.0.0.1:${owner.port}`
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { 'x-admin-key': owner.adminKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (res.ok) return res
    const error = ((await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }).error
    if (res.status === 409) throw new AgentConflictError(error?.message ?? 'conflict')
    if (res.status === 404 && path === '/api/admin/assign') throw new NoSuchAgentError(error?.message ?? 'no such agent')
    throw new Error(`The running backend answered ${res.status}: ${error?.message ?? res.statusText}`)
  }
  return {
    where: `the running backend (pid ${owner.pid}, port ${owner.port})`,
    async putAgent(agent, replace) {
      return ((await (await call('POST', '/api/admin/agents', { agent, replace })).json()) as { result: 'added' | 'replaced' }).result
    },
    async removeAgent(username) {
      return ((await (await call('POST', '/api/admin/agents/remove', { username })).json()) as { removed: boolean }).removed
    },
    async assign(agent, lines) {
      return (await (await call('POST', '/api/admin/assign', { agent, lines })).json()) as AssignReport
    },
    async exportCsv(options, out) {
      const q = new URLSearchParams()
      if (options.agent) q.set('agent', options.agent)
      if (options.since !== undefined) q.set('since', String(options.since))
      const res = await call('GET', `/api/admin/calls?${q}`)
      if (!res.body) return
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) await writeTo(out, chunk)
    },
    async signInFailures(options) {
      const q = new URLSearchParams()
      if (options.agent) q.set('agent', options.agent)
      if (options.since !== undefined) q.set('since', String(options.since))
      return ((await (await call('GET', `/api/admin/sign-in-failures?${q}`)).json()) as { agents: AgentSignInFailures[] }).agents
    },
    async migrate() {
      return `The running backend (pid ${owner.pid}) migrated the database at start`
    },
    async close() {},
  }
}

/**
 * The database opened here rather than by a backend: in mock mode its agent directory is made
 * ready as the backend makes it at start (the development accounts and the agents file), so
 * `npm run assign-numbers -- --agent agent1@example.com` works on a DATA_DIR no backend has
 * opened yet. Real mode is left as it is: `add-agent` is how its first agent comes.
 */
async function openDirect(target: ReturnType<typeof databaseTarget>, env: Env): Promise<Database> {
  const db = await openMigrated(target)
  if (configuredMode(env) !== 'mock') return db
  try {
    const agentsFile = env.AGENTS_FILE?.trim() || DEFAULT_AGENTS_FILE
    await prepareAgentDirectory(db, { mode: 'mock', agentsFile, agentsFileExplicit: Boolean(env.AGENTS_FILE?.trim()), now: Date.now(), report: (line) => console.error(line) })
  } catch (err) {
    await db.close()
    throw err
  }
  return db
}

/** Opens the database directly, or reaches the backend that owns the PGlite directory. */
export async function openAdminStore(env: Env = process.env): Promise<AdminStore> {
  const target = databaseTarget(env)
  if (target.driver === 'postgres' || !target.dataDir) return directStore(await openDirect(target, env), describeTarget(target), () => {})
  const dataDir = target.dataDir
  const deadline = Date.now() + 60_000
  for (;;) {
    const claim = await claimDataDirWaiting(dataDir, 'cli', Math.max(0, deadline - Date.now()))
    if (claim.ok) {
      try {
        return directStore(await openDirect(target, env), describeTarget(target), claim.release)
      } catch (err) {
        claim.release()
        throw err
      }
    }
    // A backend owns it; it writes its port and admin key once it listens.
    const owner = readOwner(dataDir) ?? claim.owner
    if (owner.role === 'server' && owner.port && owner.adminKey) return remoteStore(owner as OwnerInfo & { port: number; adminKey: string })
    if (Date.now() > deadline) throw new Error(`DATA_DIR ${dataDir} is held by pid ${owner.pid}; try again when it is free`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function readPassword(): Promise<string> {
  const input = process.stdin
  if (!input.isTTY) {
    const chunks: Buffer[] = []
    for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer))
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
  }
  // Terminal: prompt and do not echo what is typed.
  const rl = createInterface({ input, output: process.stderr, terminal: true })
  const output = rl as unknown as { _writeToOutput: (s: string) => void } // readline's documented-by-use hook for muting
  process.stderr.write('Password: ')
  output._writeToOutput = () => {}
  const password = await new Promise<string>((resolve) => rl.question('', resolve))
  rl.close()
  process.stderr.write('\n')
  return password
}

async function withStore<T>(fn: (store: AdminStore) => Promise<T>): Promise<T> {
  const store = await openAdminStore()
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

async function run(command: Command, args: string[]): Promise<number> {
  switch (command) {
    case 'add-agent': {
      const options = parseAddAgentArgs(args)
      const password = await readPassword()
      if (password.length < MIN_PASSWORD_LENGTH) throw new Error(`The password must have at least ${MIN_PASSWORD_LENGTH} characters`)
      const [result, where] = await withStore(async (s) => [await addAgent(s, options, password), s.where] as const)
      console.info(`${result === 'added' ? 'Added' : 'Updated'} ${options.username} (TCCC userId ${options.userId}) in ${where}`)
      return 0
    }
    case 'remove-agent': {
      const o = parseOptions(args, ['--username'], [], USAGE['remove-agent'])
      if (typeof o['--username'] !== 'string') throw new Error(USAGE['remove-agent'])
      const username = o['--username']
      const removed = await withStore((s) => s.removeAgent(username))
      if (!removed) throw new Error(`No agent ${username}`)
      console.info(`Removed ${username}; their sessions have ended`)
      return 0
    }
    case 'assign-numbers': {
      const o = parseOptions(args, ['--agent', '--file'], [], USAGE['assign-numbers'])
      if (typeof o['--agent'] !== 'string' || typeof o['--file'] !== 'string') throw new Error(USAGE['assign-numbers'])
      const agent = o['--agent']
      const parsed = parseImport(readFileSync(o['--file'], 'utf8'))
      const lines = parsed.flatMap((l) => (l.ok ? [{ line: l.line, number: l.number, remark: l.remark }] : []))
      const report = await withStore((s) => s.assign(agent, lines))
      const invalid = [...parsed.flatMap((l) => (l.ok ? [] : [{ line: l.line, reason: l.reason as string }])), ...report.invalid].sort((a, b) => a.line - b.line)
      console.info(`Assigned to ${agent}: ${report.added} added, ${report.duplicate} duplicate, ${invalid.length} invalid`)
      for (const bad of invalid) console.info(`  line ${bad.line}: ${bad.reason}`)
      return 0
    }
    case 'export-calls': {
      const o = parseOptions(args, ['--agent', '--since'], [], USAGE['export-calls'])
      const since = typeof o['--since'] === 'string' ? parseSince(o['--since']) : undefined
      const agent = typeof o['--agent'] === 'string' ? o['--agent'] : undefined
      await withStore((s) => s.exportCsv({ agent, since }, process.stdout))
      return 0
    }
    case 'sign-in-failures': {
      const o = parseOptions(args, ['--agent', '--since'], [], USAGE['sign-in-failures'])
      const since = typeof o['--since'] === 'string' ? parseSince(o['--since']) : undefined
      const agent = typeof o['--agent'] === 'string' ? o['--agent'] : undefined
      const list = await withStore((s) => s.signInFailures({ agent, since }))
      process.stdout.write(signInFailuresCsv(list))
      return 0
    }
    case 'db:migrate': {
      if (args.length) throw new Error(USAGE['db:migrate'])
      console.info(await withStore((s) => s.migrate()))
      return 0
    }
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (!(command in USAGE)) {
    console.error(Object.values(USAGE).join('\n'))
    return 2
  }
  try {
    return await run(command as Command, rest)
  } catch (err) {
    console.error(err instanceof ConfigError || err instanceof Error ? err.message : String(err))
    return 1
  }
}

// Run only as a program, not when a test imports the functions.
if (process.argv[1] && /cli\.[cm]?[tj]s$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => process.exit(code))
}
