// @vitest-environment node
// Behaviour the mutation run (npm run mutate -- server) showed untested: the exact shape checks of
// stored password hashes, access tokens and the agents file.
import { createHmac } from 'node:crypto'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createAccessTokenService } from '../src/accessTokens'
import { AgentsFileError, createAgentDirectory, normaliseUsername, parseAgentsJson, readAgentsFile, writeAgentsFile } from '../src/agents'
import { DUMMY_PASSWORD_HASH, hashPassword, isPasswordHash, verifyPassword } from '../src/passwords'
import { manualClock } from './helpers'

const b64 = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64url')
const hash = (fields: { tag?: string; N?: string; r?: string; p?: string; salt?: number; key?: number; extra?: string }) =>
  [fields.tag ?? 'scrypt', fields.N ?? '16384', fields.r ?? '8', fields.p ?? '1', b64(fields.salt ?? 16), b64(fields.key ?? 32)].join('$') + (fields.extra ?? '')

describe('stored password hash format', () => {
  it('accepts exactly scrypt$N$r$p$salt$key with a power-of-two N, positive integers, salt >= 8 bytes, a 32-byte key', () => {
    expect(isPasswordHash(hash({}))).toBe(true)
    expect(isPasswordHash(hash({ salt: 8 }))).toBe(true)
    expect(isPasswordHash(hash({ N: '2', r: '1', p: '1' }))).toBe(true)
    expect(isPasswordHash(hash({ salt: 7 }))).toBe(false)
    expect(isPasswordHash(hash({ key: 31 }))).toBe(false)
    expect(isPasswordHash(hash({ key: 33 }))).toBe(false)
    expect(isPasswordHash(hash({ tag: 'bcrypt' }))).toBe(false)
    expect(isPasswordHash(hash({ extra: '$more' }))).toBe(false)
    expect(isPasswordHash(hash({}).split('$').slice(0, 5).join('$'))).toBe(false)
    expect(isPasswordHash(hash({ N: '1000' }))).toBe(false)
    expect(isPasswordHash(hash({ N: '0' }))).toBe(false)
    expect(isPasswordHash(hash({ r: '0' }))).toBe(false)
    expect(isPasswordHash(hash({ p: '0' }))).toBe(false)
    expect(isPasswordHash(hash({ r: '-8' }))).toBe(false)
    expect(isPasswordHash(hash({ p: '1.5' }))).toBe(false)
    expect(isPasswordHash(hash({ r: 'x' }))).toBe(false)
  })

  it('verifies with the cost stored in the hash, and normalises the password to NFC', async () => {
    const salt = Buffer.alloc(16, 1)
    const { scryptSync } = await import('node:crypto')
    const key = scryptSync('café', salt, 32, { N: 1024, r: 4, p: 2 })
    const stored = ['scrypt', 1024, 4, 2, salt.toString('base64url'), key.toString('base64url')].join('$')
    expect(await verifyPassword('café', stored)).toBe(true)
    // 'e' + combining acute accent is the same password after NFC.
    expect(await verifyPassword('cafe\u0301', stored)).toBe(true)
    expect(await verifyPassword('cafe', stored)).toBe(false)
    expect(await verifyPassword('café', stored.replace('$4$', '$8$'))).toBe(false)
  })

  it('hashes with the default cost N=16384 r=8 p=1 and a 16-byte salt, verifiable by plain scrypt', async () => {
    const stored = await hashPassword('pa55')
    const [tag, N, r, p, salt, key] = stored.split('$')
    expect([tag, N, r, p]).toEqual(['scrypt', '16384', '8', '1'])
    expect(Buffer.from(salt, 'base64url')).toHaveLength(16)
    const { scryptSync } = await import('node:crypto')
    expect(scryptSync('pa55', Buffer.from(salt, 'base64url'), 32, { N: 16384, r: 8, p: 1 }).toString('base64url')).toBe(key)
    expect(isPasswordHash(DUMMY_PASSWORD_HASH)).toBe(true)
  })
})

describe('access tokens (format checks)', () => {
  const KEY = 'k'.repeat(32)
  const sign = (payload: string) => createHmac('sha256', KEY).update(`at1.${payload}`).digest('base64url')
  const signed = (claims: unknown) => {
    const payload = Buffer.from(typeof claims === 'string' ? claims : JSON.stringify(claims)).toString('base64url')
    return `at1.${payload}.${sign(payload)}`
  }

  it('issues at1.<claims>.<HMAC-SHA256 over "at1.<claims>"> with exp = now in seconds + ttl', () => {
    const clock = manualClock(1_700_000_000_999)
    const service = createAccessTokenService({ key: KEY, ttlSeconds: 600, now: clock.now })
    const { token, claims } = service.issue('seat@example.com')
    const [prefix, payload, signature] = token.split('.')
    expect(prefix).toBe('at1')
    expect(signature).toBe(sign(payload))
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).toEqual(claims)
    expect(claims).toEqual({ sub: 'seat@example.com', jti: expect.stringMatching(/^[0-9a-f-]{36}$/), exp: 1_700_000_600 })
    expect(service.issue('seat@example.com').claims.jti).not.toBe(claims.jti)
  })

  it('is valid until the last second before exp, expired from exp on', () => {
    const clock = manualClock(1_700_000_000_000)
    const service = createAccessTokenService({ key: KEY, ttlSeconds: 10, now: clock.now })
    const { token } = service.issue('a')
    clock.advance(9_999)
    expect(service.verify(token).ok).toBe(true)
    clock.advance(1)
    expect(service.verify(token)).toEqual({ ok: false, reason: 'expired' })
  })

  it('refuses a token signed with another key, with another prefix, or with missing parts', () => {
    const clock = manualClock(1_700_000_000_000)
    const service = createAccessTokenService({ key: KEY, ttlSeconds: 60, now: clock.now })
    const good = signed({ sub: 'a', jti: 'j', exp: 1_700_000_060 })
    expect(service.verify(good)).toEqual({ ok: true, claims: { sub: 'a', jti: 'j', exp: 1_700_000_060 } })
    const other = createAccessTokenService({ key: 'x'.repeat(32), ttlSeconds: 60, now: clock.now })
    expect(other.verify(good)).toEqual({ ok: false, reason: 'bad-signature' })
    expect(service.verify(good.replace(/^at1/, 'at2'))).toEqual({ ok: false, reason: 'malformed' })
    expect(service.verify(`${good}.extra`)).toEqual({ ok: false, reason: 'malformed' })
    expect(service.verify(`at1..${sign('')}`)).toEqual({ ok: false, reason: 'malformed' })
    expect(service.verify(`${good.split('.').slice(0, 2).join('.')}.`)).toEqual({ ok: false, reason: 'malformed' })
    expect(service.verify(`${good.slice(0, -2)}`)).toEqual({ ok: false, reason: 'bad-signature' })
  })

  it('refuses correctly signed payloads that are not JSON claims', () => {
    const service = createAccessTokenService({ key: KEY, ttlSeconds: 60, now: manualClock(1_700_000_000_000).now })
    expect(service.verify(signed('not json'))).toEqual({ ok: false, reason: 'malformed' })
    expect(service.verify(signed({ sub: 1, jti: 'j', exp: 1_800_000_000 }))).toEqual({ ok: false, reason: 'malformed' })
    expect(service.verify(signed({ sub: 'a', jti: 2, exp: 1_800_000_000 }))).toEqual({ ok: false, reason: 'malformed' })
    expect(service.verify(signed({ sub: 'a', jti: 'j', exp: '1800000000' }))).toEqual({ ok: false, reason: 'malformed' })
  })
})

describe('agents file', () => {
  const HASH = hash({})
  const parse = (agents: unknown) => () => parseAgentsJson(JSON.stringify(agents), 'agents.json')

  it('names the file and the agent in every refusal', () => {
    expect(() => parseAgentsJson('{', 'x/agents.json')).toThrow(new AgentsFileError('x/agents.json: not valid JSON (SyntaxError)'))
    expect(parse(null)).toThrow(new AgentsFileError('agents.json: expected {"agents": [...]}'))
    expect(parse({ agents: {} })).toThrow(new AgentsFileError('agents.json: expected {"agents": [...]}'))
    expect(parse({ agents: [{ username: 'a', userId: 'a', passwordHash: HASH }, null] })).toThrow(
      new AgentsFileError('agents.json: agent #2 needs string username, userId and passwordHash'),
    )
    for (const bad of [{ userId: 'a', passwordHash: HASH }, { username: 'a', passwordHash: HASH }, { username: 'a', userId: 'a', passwordHash: 1 }]) {
      expect(parse({ agents: [bad] })).toThrow(/agent #1 needs string username, userId and passwordHash/)
    }
    expect(parse({ agents: [{ username: ' ', userId: 'a', passwordHash: HASH }] })).toThrow(new AgentsFileError('agents.json: agent #1 has an empty username or userId'))
    expect(parse({ agents: [{ username: 'a', userId: ' ', passwordHash: HASH }] })).toThrow(/agent #1 has an empty username or userId/)
    expect(parse({ agents: [{ username: 'a', userId: 'a', passwordHash: 'x' }] })).toThrow(
      new AgentsFileError('agents.json: agent #1 has a passwordHash that is not a scrypt hash'),
    )
    expect(parse({ agents: [{ username: 'A@x.com', userId: 'a', passwordHash: HASH }, { username: ' a@X.com ', userId: 'b', passwordHash: HASH }] })).toThrow(
      new AgentsFileError('agents.json: username  a@X.com  appears twice'),
    )
    expect(parse({ agents: [{ username: 'a', userId: 'seat', passwordHash: HASH }, { username: 'b', userId: ' seat ', passwordHash: HASH }] })).toThrow(
      new AgentsFileError('agents.json: TCCC userId  seat  belongs to two usernames'),
    )
    expect(new AgentsFileError('m').name).toBe('AgentsFileError')
  })

  it('trims usernames and seats, keeps the hash verbatim, and reads a missing file as empty', () => {
    expect(parseAgentsJson(JSON.stringify({ agents: [{ username: ' A@x.com ', userId: ' seat ', passwordHash: HASH }] }), 'f')).toEqual([
      { username: 'A@x.com', userId: 'seat', passwordHash: HASH },
    ])
    expect(parseAgentsJson('{"agents": []}', 'f')).toEqual([])
    expect(readAgentsFile(path.join(tmpdir(), 'no-such-agents-file.json'))).toEqual([])
    expect(normaliseUsername('  Agent1@Example.COM ')).toBe('agent1@example.com')
  })

  it('writes atomically as pretty JSON with a final newline, readable only by the owner, and reads it back', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'agents-')), 'agents.json')
    const agents = [{ username: 'a@x.com', userId: 'seat-a', passwordHash: HASH }]
    writeAgentsFile(file, agents)
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify({ agents }, null, 2) + '\n')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readAgentsFile(file)).toEqual(agents)
    writeFileSync(file, '[]')
    expect(() => readAgentsFile(file)).toThrow(AgentsFileError)
  })

  it('authenticates case- and space-insensitively by username, and finds agents by seat', async () => {
    const stored = await hashPassword('pw')
    const directory = createAgentDirectory([{ username: 'Agent@X.com', userId: 'seat-1', passwordHash: stored }])
    expect((await directory.authenticate('  agent@x.COM ', 'pw'))?.userId).toBe('seat-1')
    expect(await directory.authenticate('agent@x.com', 'PW')).toBeNull()
    expect(await directory.authenticate('nobody@x.com', 'pw')).toBeNull()
    expect(directory.byUserId('seat-1')?.username).toBe('Agent@X.com')
    expect(directory.byUserId('Seat-1')).toBeUndefined()
  })
})
