// @vitest-environment node
/**
 * Agents of one business behind one shared (NAT) address, on both drivers: one device there
 * failing at many usernames fills the address's cap, and the colleagues who signed in from that
 * address before still get in with their right passwords; a username new to the address is still
 * held, and each username keeps its own limit there. Client addresses come from X-Forwarded-For,
 * believed from the loopback proxy (TRUST_PROXY).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { putAgent, DEVELOPMENT_ACCOUNTS } from '../src/db/agents'
import type { Database } from '../src/db'
import { AGENT1, manualClock } from './helpers'
import { BOTH_DRIVERS, freshBackendPerTest } from './backendPerDriver'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

// LOGIN_RATE_LIMIT 1: one check per (username, address) a minute, 6 failing usernames per address.
const ENV = { TRUST_PROXY: '127.0.0.1', LOGIN_RATE_LIMIT: '1', LOGIN_USERNAME_RATE_LIMIT: '10', SCRYPT_QUEUE: '200' }
const OFFICE = '192.0.2.10'
const office = Array.from({ length: 8 }, (_, i) => `rep${i}@corp.example.com`)
/** Every office agent's password (the development account's hash). */
const PASSWORD = AGENT1.password

describe.each(BOTH_DRIVERS)('agents behind one shared address on $name', (driver) => {
  let db: Database
  let app: FastifyInstance
  let clock = manualClock()
  beforeEach(() => {
    clock = manualClock()
  })
  freshBackendPerTest(
    driver,
    () => clock.now(),
    async (openedDb, started) => {
      db = openedDb
      app = started
      for (const username of [...office, 'newcomer@corp.example.com']) {
        await putAgent(db, { username, userId: username, passwordHash: DEVELOPMENT_ACCOUNTS[0].passwordHash }, { replace: false, now: clock.now() })
      }
    },
    ENV,
  )
  const signIn = (from: string, username: string, password: string) =>
    app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'x-forwarded-for': from }, payload: { username, password } }).then((res) => res.statusCode)
  /** One device at the office failing at six usernames: the address's cap is full. */
  const spray = async (round: number) => {
    const codes: number[] = []
    for (let i = 0; i < 6; i++) codes.push(await signIn(OFFICE, `guess${round}-${i}@corp.example.com`, 'guess-123'))
    return codes
  }

  it('a device spraying behind the office address does not lock out the colleagues who signed in there', async () => {
    // The shift starts: everyone signs in from the office.
    expect(await Promise.all(office.map((username) => signIn(OFFICE, username, PASSWORD)))).toEqual(office.map(() => 200))
    expect(await spray(0)).toEqual(Array(6).fill(401))
    // The address is full: a seventh username is refused, and so is a username new to the address,
    // right password or not (the trade-off: a newcomer waits for the window).
    expect(await signIn(OFFICE, 'guess0-9@corp.example.com', 'guess-123')).toBe(429)
    expect(await signIn(OFFICE, 'newcomer@corp.example.com', PASSWORD)).toBe(429)
    // Every agent who signed in from here before still gets in (before: 429 for each).
    const codes = await Promise.all(office.map((username) => signIn(OFFICE, username, PASSWORD)))
    console.info(`[${driver.name}] address full: ${codes.filter((c) => c === 200).length} of ${office.length} office agents with their right passwords got in`)
    expect(codes).toEqual(office.map(() => 200))
    // The spraying goes on minute after minute: the office keeps working.
    for (let round = 1; round <= 3; round++) {
      clock.advance(60_000)
      await spray(round)
      expect(await signIn(OFFICE, office[round], PASSWORD)).toBe(200)
    }
  })

  it('a known agent at the full address keeps their own per-(username, address) limit', async () => {
    expect(await signIn(OFFICE, office[0], PASSWORD)).toBe(200)
    expect(await signIn(OFFICE, office[1], PASSWORD)).toBe(200)
    await spray(0)
    // A guess at the known agent's password from the office is checked once, then held there.
    expect(await signIn(OFFICE, office[0], 'guess-1')).toBe(401)
    expect(await signIn(OFFICE, office[0], 'guess-2')).toBe(429)
    expect(await signIn(OFFICE, office[0], PASSWORD)).toBe(429)
    // A colleague is not held by it.
    expect(await signIn(OFFICE, office[1], PASSWORD)).toBe(200)
  })

  it('the per-username cap across addresses still holds for an address the agent never used', async () => {
    expect(await signIn(OFFICE, office[0], PASSWORD)).toBe(200)
    const codes: number[] = []
    for (let i = 0; i < 12; i++) codes.push(await signIn(`198.51.100.${i + 1}`, office[0], `guess-${i}`))
    expect(codes).toEqual([...Array(10).fill(401), 429, 429])
    expect(await signIn('203.0.113.7', office[0], PASSWORD)).toBe(429)
    // From the office, as before, no lockout.
    expect(await signIn(OFFICE, office[0], PASSWORD)).toBe(200)
  })
})
