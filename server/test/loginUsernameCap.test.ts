// @vitest-environment node
/**
 * The sign-in cap per username across all client addresses (LOGIN_USERNAME_RATE_LIMIT), on both
 * drivers: a guess at one agent's password spread over many addresses, one after another and all
 * at once, the counter surviving a restart, and the agent's own addresses spared from the lockout.
 * Client addresses come from X-Forwarded-For, believed from the loopback proxy (TRUST_PROXY).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import type { Database } from '../src/db'
import { createLoginLimiter, KNOWN_ADDRESS_MS } from '../src/db/loginLimits'
import { AGENT1, AGENT2, manualClock } from './helpers'
import { BOTH_DRIVERS, freshBackendPerTest } from './backendPerDriver'

// Sign-ins (scrypt) and databases on a shared 2-core machine: generous limits.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const CAP = 10
const ENV = { TRUST_PROXY: '127.0.0.1', LOGIN_RATE_LIMIT: '5', LOGIN_USERNAME_RATE_LIMIT: String(CAP), LOGIN_USERNAME_RATE_WINDOW_MS: '900000', SCRYPT_QUEUE: '200' }
const OFFICE = '192.0.2.10'
/** The i-th attacker address, each a different client (IPv4, and IPv6 in other /64s). */
const attacker = (i: number) => (i % 2 === 0 ? `198.51.${Math.floor(i / 250)}.${(i % 250) + 1}` : `2001:db8:${i.toString(16)}::1`)

describe.each(BOTH_DRIVERS)('sign-in cap per username across addresses on $name', (driver) => {
  let db: Database
  let app: FastifyInstance
  let clock = manualClock()
  // Before the harness's hook: each test's backend starts on a fresh clock.
  beforeEach(() => {
    clock = manualClock()
  })
  const backend = freshBackendPerTest(
    driver,
    () => clock.now(),
    async (openedDb, started) => {
      db = openedDb
      app = started
    },
    ENV,
  )
  const start = async (env: Record<string, string> = {}) => (app = await backend.restart(env))
  const signIn = (from: string, credentials: { username: string; password: string }, server = app) =>
    server.inject({ method: 'POST', url: '/api/auth/login', headers: { 'x-forwarded-for': from }, payload: credentials }).then((res) => res.statusCode)
  const guess = (from: string, n: number, server?: FastifyInstance) => signIn(from, { username: AGENT1.username, password: `guess-${n}` }, server)
  const tally = (codes: number[]) => codes.reduce<Record<number, number>>((acc, code) => ({ ...acc, [code]: (acc[code] ?? 0) + 1 }), {})

  it('60 guesses from 60 addresses, one after another: CAP are checked, the rest 429; the agent still gets in from their office', async () => {
    expect(await signIn(OFFICE, AGENT1)).toBe(200)
    const codes: number[] = []
    for (let i = 0; i < 60; i++) codes.push(await guess(attacker(i), i))
    console.info(`[${driver.name}] sequential: ${tally(codes)[401] ?? 0} of 60 guesses from 60 addresses were checked (401), ${tally(codes)[429] ?? 0} refused (429)`)
    expect(codes.slice(0, CAP)).toEqual(Array(CAP).fill(401))
    expect(codes.slice(CAP)).toEqual(Array(60 - CAP).fill(429))
    // The right password from an address the agent never used is refused too (the attacker must
    // not learn it); from the office, where they signed in before, it is not: no lockout there.
    expect(await signIn('203.0.113.7', AGENT1)).toBe(429)
    expect(await signIn(OFFICE, AGENT1)).toBe(200)
    // Only this username: another agent signs in from anywhere.
    expect(await signIn('203.0.113.8', AGENT2)).toBe(200)
    // The window ends 15 minutes after the first guess.
    clock.advance(15 * 60_000)
    expect(await signIn('203.0.113.7', AGENT1)).toBe(200)
  })

  it('a burst of 40 guesses from 40 addresses at once: exactly CAP are checked', async () => {
    const codes = await Promise.all(Array.from({ length: 40 }, (_, i) => guess(attacker(i), i)))
    console.info(`[${driver.name}] burst: ${tally(codes)[401] ?? 0} of 40 simultaneous guesses from 40 addresses were checked (401), ${tally(codes)[429] ?? 0} refused (429)`)
    expect(tally(codes)).toEqual({ 401: CAP, 429: 40 - CAP })
    // Refused attempts gave their per-address slots back: each address's own count is untouched.
    expect(await db.query(`SELECT count(*)::int AS n FROM login_counters WHERE key LIKE 'try|%' AND count > 0`)).toEqual([{ n: CAP }])
  })

  it('the counter survives a restart: a new backend over the same database refuses the next guess', async () => {
    for (let i = 0; i < CAP; i++) expect(await guess(attacker(i), i)).toBe(401)
    await start()
    expect(await guess(attacker(100), 100)).toBe(429)
    expect(await signIn('203.0.113.7', AGENT1)).toBe(429)
  })

  it('a successful sign-in gives its slot back and makes its address known; it does not reset the guesses counted', async () => {
    for (let i = 0; i < CAP - 1; i++) expect(await guess(attacker(i), i)).toBe(401)
    // The agent, on a new phone network, gets in with the last slot, which it gives back ...
    expect(await signIn('203.0.113.50', AGENT1)).toBe(200)
    // ... so one more guess is checked, then the cap holds (nine guesses were not forgotten).
    expect(await guess(attacker(50), 50)).toBe(401)
    expect(await guess(attacker(51), 51)).toBe(429)
    // The address the agent just used is spared, still within its own per-address limit.
    expect(await signIn('203.0.113.50', AGENT1)).toBe(200)
    const fromThere = []
    for (let i = 0; i < 6; i++) fromThere.push(await guess('203.0.113.50', 200 + i))
    expect(fromThere).toEqual([401, 401, 401, 401, 401, 429])
  })

  it('a sign-in refused as busy (queue full) gives its slot of the username cap back', async () => {
    await start({ SCRYPT_CONCURRENCY: '1', SCRYPT_QUEUE: '0' })
    const codes = await Promise.all(Array.from({ length: 6 }, (_, i) => guess(attacker(i), i)))
    expect(codes.filter((c) => c === 503).length).toBeGreaterThan(0)
    const checked = codes.filter((c) => c === 401).length
    // The busy ones cost nothing: the cap still has CAP - checked guesses to give.
    const rest: number[] = []
    for (let i = 0; i < CAP; i++) rest.push(await guess(attacker(100 + i), 100 + i))
    expect(rest.filter((c) => c === 401)).toHaveLength(CAP - checked)
  })

  it("the minute's prune keeps the username's counter for its own window and known addresses for 30 days", async () => {
    const limiter = createLoginLimiter(db, { max: 5, maxUsernames: 30, maxSuccesses: 30, windowMs: 60_000, perUsername: { max: CAP, windowMs: 900_000 } })
    const t0 = clock.now()
    const held = await limiter.reserve('a@x', 'home', t0)
    expect(held).toEqual({ ok: true, usernameSlot: true })
    await limiter.succeeded('a@x', 'home', t0, held)
    expect((await limiter.reserve('b@x', 'cafe', t0)).ok).toBe(true)
    const keys = async () => (await db.query<{ key: string }>('SELECT key FROM login_counters ORDER BY key')).map((r) => r.key)
    const known = async () => (await db.query<{ address: string }>('SELECT address FROM login_known_addresses')).map((r) => r.address)
    // A reservation from a known address holds no slot of the username's cap.
    expect(await limiter.reserve('a@x', 'home', t0 + 1)).toEqual({ ok: true })
    await limiter.prune(t0 + 60_000)
    expect(await keys()).toEqual(['user|a@x', 'user|b@x'])
    await limiter.prune(t0 + 900_000)
    expect(await keys()).toEqual([])
    expect(await known()).toEqual(['home'])
    await limiter.prune(t0 + KNOWN_ADDRESS_MS)
    expect(await known()).toEqual([])
  })

  it('an agent signing in from ever new addresses keeps the newest 20 known, not one row each', async () => {
    // (KNOWN_ADDRESSES_KEPT.)
    // Successes are bounded only per window (30 a minute here): from a /48 of IPv6, say, one agent
    // had added a known address each, ~1.3 million a month, each a pass through the cap.
    const limiter = createLoginLimiter(db, { max: 5, maxUsernames: 30, maxSuccesses: 30, windowMs: 60_000, perUsername: { max: CAP, windowMs: 900_000 } })
    const t0 = clock.now()
    const addresses = Array.from({ length: 35 }, (_, i) => `2001:db8:${i.toString(16)}::/64`)
    // One a minute, each counted (maxSuccesses is per window).
    for (const [i, address] of addresses.entries()) {
      await limiter.succeeded('a@x', address, t0 + i * 60_000, await limiter.reserve('a@x', address, t0 + i * 60_000))
    }
    const now = t0 + addresses.length * 60_000
    await limiter.succeeded('b@x', 'office', now, await limiter.reserve('b@x', 'office', now))
    const known = async (username: string) => (await db.query<{ address: string }>('SELECT address FROM login_known_addresses WHERE username_key = $1', [username])).map((r) => r.address).sort()
    expect(await known('a@x')).toEqual(addresses.slice(-20).sort())
    expect(await known('b@x')).toEqual(['office'])
    // The oldest lost its pass: a check from there holds a slot of the username's cap again.
    expect(await limiter.reserve('a@x', addresses[0], now)).toEqual({ ok: true, usernameSlot: true })
    expect(await limiter.reserve('a@x', addresses[34], now)).toEqual({ ok: true })
  })

  it('a new password or the agent removed: the addresses that signed in before lose their pass through the cap', async () => {
    const known = async () => (await db.query<{ address: string }>('SELECT address FROM login_known_addresses WHERE username_key = $1', [AGENT1.username.toLowerCase()])).map((r) => r.address)
    expect(await signIn(OFFICE, AGENT1)).toBe(200)
    expect(await known()).toEqual([OFFICE])
    const { putAgent, removeAgent } = await import('../src/db/agents')
    const { hashPassword } = await import('../src/passwords')
    const [row] = await db.query<{ user_id: string; password_hash: string }>('SELECT user_id, password_hash FROM agents WHERE username_key = $1', [AGENT1.username.toLowerCase()])
    // The same password again (a seat move, say) keeps them.
    await putAgent(db, { username: AGENT1.username, userId: row.user_id, passwordHash: row.password_hash }, { replace: true, now: clock.now() })
    expect(await known()).toEqual([OFFICE])
    await putAgent(db, { username: AGENT1.username, userId: row.user_id, passwordHash: await hashPassword('a new one, 2026') }, { replace: true, now: clock.now() })
    expect(await known()).toEqual([])
    // The cap now holds at the office too, as anywhere else.
    for (let i = 0; i < CAP; i++) expect(await guess(attacker(i), i)).toBe(401)
    expect(await signIn(OFFICE, { username: AGENT1.username, password: 'a new one, 2026' })).toBe(429)
    clock.advance(15 * 60_000)
    expect(await signIn(OFFICE, { username: AGENT1.username, password: 'a new one, 2026' })).toBe(200)
    expect(await known()).toEqual([OFFICE])
    expect(await removeAgent(db, AGENT1.username, clock.now())).toBe(true)
    expect(await known()).toEqual([])
  })
})
