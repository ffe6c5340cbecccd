/**
 * Agent administration:
 *   tsx server/src/cli.ts add-agent --username <login> --user-id <TCCC seat id> [--file <agents.json>] [--replace]
 * The password is read from stdin (typed without echo on a terminal, or piped), never from the
 * command line where it would land in shell history and process lists.
 */
import { createInterface } from 'node:readline'
import { DEFAULT_AGENTS_FILE } from './config'
import { AgentsFileError, normaliseUsername, readAgentsFile, writeAgentsFile } from './agents'
import { hashPassword } from './passwords'

const USAGE = 'Usage: add-agent --username <login> --user-id <TCCC userId> [--file <agents.json>] [--replace]  (password on stdin)'
export const MIN_PASSWORD_LENGTH = 8

export interface AddAgentOptions {
  username: string
  userId: string
  file: string
  replace: boolean
}

export function parseAddAgentArgs(args: string[], env: Record<string, string | undefined> = process.env): AddAgentOptions {
  const values: Record<string, string> = {}
  let replace = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--replace') {
      replace = true
      continue
    }
    if (!['--username', '--user-id', '--file'].includes(arg)) throw new Error(`Unknown option ${arg}\n${USAGE}`)
    const value = args[i + 1]
    if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value\n${USAGE}`)
    values[arg] = value
    i++
  }
  const username = values['--username']?.trim()
  const userId = values['--user-id']?.trim()
  if (!username || !userId) throw new Error(USAGE)
  return { username, userId, file: values['--file'] ?? env.AGENTS_FILE ?? DEFAULT_AGENTS_FILE, replace }
}

/** Adds (or with `replace` updates) an agent; returns what happened, for the message. */
export async function addAgent(options: AddAgentOptions, password: string): Promise<'added' | 'replaced'> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new Error(`The password must have at least ${MIN_PASSWORD_LENGTH} characters`)
  const agents = readAgentsFile(options.file)
  const key = normaliseUsername(options.username)
  const existing = agents.findIndex((a) => normaliseUsername(a.username) === key)
  if (existing >= 0 && !options.replace) throw new Error(`${options.username} already exists (use --replace to change it)`)
  const seatTaken = agents.findIndex((a, i) => a.userId === options.userId && i !== existing)
  if (seatTaken >= 0) throw new Error(`TCCC userId ${options.userId} already belongs to ${agents[seatTaken].username}`)
  const record = { username: options.username, userId: options.userId, passwordHash: await hashPassword(password) }
  if (existing >= 0) agents[existing] = record
  else agents.push(record)
  writeAgentsFile(options.file, agents)
  return existing >= 0 ? 'replaced' : 'added'
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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command !== 'add-agent') {
    console.error(USAGE)
    return 2
  }
  try {
    const options = parseAddAgentArgs(rest)
    const result = await addAgent(options, await readPassword())
    console.info(`${result === 'added' ? 'Added' : 'Updated'} ${options.username} (TCCC userId ${options.userId}) in ${options.file}`)
    return 0
  } catch (err) {
    console.error(err instanceof AgentsFileError || err instanceof Error ? err.message : String(err))
    return 1
  }
}

// Run only as a program, not when a test imports the functions.
if (process.argv[1] && /cli\.[cm]?[tj]s$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => process.exit(code))
}
