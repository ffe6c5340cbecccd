// @vitest-environment node
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createAccessTokenService } from '../src/accessTokens'
import { AgentsFileError, createAgentDirectory, readAgentsFile } from '../src/agents'
import { parseAddAgentArgs, parseSince, signInFailuresCsv } from '../src/cli'
import { DEFAULT_AGENTS_FILE } from '../src/config'
import { DUMMY_PASSWORD_HASH, hashPassword, isPasswordHash, verifyPassword } from '../src/passwords'
import { sanitiseTcccMessage } from '../src/tccc'
import { manualClock } from './helpers'

describe('passwords', () => {
  it('hashes with scrypt and a random salt, and verifies', async () => {
    const a = await hashPassword('correct horse')
    const b = await hashPassword('correct horse')
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
    expect(a).not.toBe(b)
    expect(await verifyPassword('correct horse', a)).toBe(true)
    expect(await verifyPassword('correct horsf', a)).toBe(false)
  })

  it('has a well-formed dummy hash so unknown users cost a full scrypt run', async () => {
    expect(isPasswordHash(DUMMY_PASSWORD_HASH)).toBe(true)
    expect(await verifyPassword('anything', DUMMY_PASSWORD_HASH)).toBe(false)
  })

  it('treats malformed hashes as a mismatch', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false)
    expect(isPasswordHash('scrypt$1000$8$1$abc$def')).toBe(false)
  })
})

describe('committed agents file', () => {
  it('holds the two development accounts with scrypt hashes only', async () => {
    const text = readFileSync(DEFAULT_AGENTS_FILE, 'utf8')
    expect(text).not.toContain('agent1-pass')
    expect(text).not.toContain('agent2-pass')
    const agents = readAgentsFile(DEFAULT_AGENTS_FILE)
    expect(agents.map((a) => [a.username, a.userId])).toEqual([
      ['agent1@example.com', 'agent1@example.com'],
      ['agent2@example.com', 'agent2@example.com'],
    ])
    const directory = createAgentDirectory(agents)
    expect((await directory.authenticate('agent1@example.com', 'agent1-pass'))?.userId).toBe('agent1@example.com')
    expect((await directory.authenticate('agent2@example.com', 'agent2-pass'))?.userId).toBe('agent2@example.com')
    expect(await directory.authenticate('agent2@example.com', 'agent1-pass')).toBeNull()
  })

  it('rejects a file with a plain-text password', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'agents-')), 'agents.json')
    writeFileSync(file, JSON.stringify({ agents: [{ username: 'a', userId: 'a', passwordHash: 'secret' }] }))
    expect(() => readAgentsFile(file)).toThrow(AgentsFileError)
  })
})

describe('access tokens', () => {
  it('expire, and refuse tampered or malformed tokens (revocation is the database\'s: sessions)', () => {
    const clock = manualClock()
    const service = createAccessTokenService({ key: 'k'.repeat(32), ttlSeconds: 10, now: clock.now })
    const { token, claims } = service.issue('agent1@example.com')
    expect(service.verify(token)).toEqual({ ok: true, claims })
    const second = service.issue('agent1@example.com')
    clock.advance(10_000)
    expect(service.verify(second.token)).toEqual({ ok: false, reason: 'expired' })
    expect(service.verify('at1.e30.AAAA')).toEqual({ ok: false, reason: 'bad-signature' })
    expect(service.verify('nonsense')).toEqual({ ok: false, reason: 'malformed' })
  })
})

describe('sanitiseTcccMessage', () => {
  it('redacts credentials and AKIDs, strips control characters, bounds length', () => {
    expect(sanitiseTcccMessage('id AKIDabcdefgh1234 key s3cr3t\n\tend', ['s3cr3t'])).toBe('id [redacted] key [redacted] end')
    expect(sanitiseTcccMessage('x'.repeat(400), [])).toHaveLength(300)
    expect(sanitiseTcccMessage(undefined, [])).toBe('TCCC refused the request')
  })
})

describe('add-agent', () => {
  it('parses its options', () => {
    expect(parseAddAgentArgs(['--username', 'u@x.com', '--user-id', 'seat@x.com'])).toEqual({ username: 'u@x.com', userId: 'seat@x.com', replace: false })
    expect(parseAddAgentArgs(['--username', 'u@x.com', '--user-id', 'seat@x.com', '--replace']).replace).toBe(true)
    expect(() => parseAddAgentArgs(['--username', 'u'])).toThrow(/Usage/)
    expect(() => parseAddAgentArgs(['--username', 'u', '--user-id', 'x', '--password', 'p'])).toThrow(/Unknown option --password/)
  })

  it('sign-in-failures prints one CSV line per agent: ISO times, addresses with their counts, no cell a spreadsheet would run', () => {
    const at = Date.UTC(2026, 11, 5, 9, 30)
    expect(
      signInFailuresCsv([
        { username: '=cmd|x', userId: 'seat,1', failures: 3, firstFailureAt: at, lastFailureAt: at + 60_000, addresses: [{ address: '203.0.113.7', failures: 2 }, { address: '2001:db8:1:2::/64', failures: 1 }], held: true },
        { username: 'b@corp.example', userId: 'b', failures: 1, firstFailureAt: at, lastFailureAt: at, addresses: [{ address: '198.51.100.1', failures: 1 }], held: false },
      ]),
    ).toBe(
      [
        'username,user_id,failures,first_failure,last_failure,addresses,held',
        "'=cmd|x,\"seat,1\",3,2026-12-05T09:30:00.000Z,2026-12-05T09:31:00.000Z,203.0.113.7 (2); 2001:db8:1:2::/64 (1),yes",
        'b@corp.example,b,1,2026-12-05T09:30:00.000Z,2026-12-05T09:30:00.000Z,198.51.100.1 (1),no',
        '',
      ].join('\n'),
    )
    expect(signInFailuresCsv([])).toBe('username,user_id,failures,first_failure,last_failure,addresses,held\n')
  })

  it('export-calls takes --since as a calendar date', () => {
    expect(parseSince('2026-11-21')).toBe(Date.UTC(2026, 10, 21))
    expect(() => parseSince('2026-13-01')).toThrow(/YYYY-MM-DD/)
    expect(() => parseSince('yesterday')).toThrow(/YYYY-MM-DD/)
  })
})
