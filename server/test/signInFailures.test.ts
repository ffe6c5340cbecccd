// @vitest-environment node
/**
 * Failed sign-ins told to the agent at their next successful sign-in (the login response's
 * `signInFailures`), on both drivers, attacked: wrong passwords at once, then the right one; a
 * restart and a second instance on the same database in between; usernames that do not exist
 * (nothing stored, the same answer); malformed bodies; the rows kept per agent and pruned.
 * Client addresses come from X-Forwarded-For, believed from the loopback proxy (TRUST_PROXY).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Database } from '../src/db'
import { DEVELOPMENT_ACCOUNTS, putAgent, removeAgent } from '../src/db/agents'
import { lockWorkspaceWrites } from '../src/db/workspace'
import { confirmFailureReport, DECOYS, FAILURES_KEEP_MS, FAILURES_KEPT, pruneSignInFailures, readFailureReport, recordFailure } from '../src/db/signInFailures'
import { AGENT1, AGENT2, manualClock } from './helpers'
import { BOTH_DRIVERS, freshBackendPerTest } from './backendPerDriver'

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 })

const CAP = 10
const ADMIN_KEY = 'admin-key-0123456789-abcdefghijklmnopqrstuvwxyz'
const ENV = { TRUST_PROXY: '127.0.0.1', LOGIN_RATE_LIMIT: '5', LOGIN_USERNAME_RATE_LIMIT: String(CAP), SCRYPT_QUEUE: '200', ADMIN_KEY }
const PHONE = '192.0.2.10'
const KEY1 = AGENT1.username.toLowerCase()

interface Report {
  failures: number
  lastFailureAt: number | null
  locked: boolean
  id?: string
}
/** A report as told: its id is the same at every sign-in until the app confirms it. */
const told = (report: Omit<Report, 'id'>) => ({ ...report, id: expect.stringMatching(/^\d+$/) as unknown as string })
const NONE: Report = { failures: 0, lastFailureAt: null, locked: false }

const tally = (codes: number[]) => codes.reduce<Record<number, number>>((acc, code) => ({ ...acc, [code]: (acc[code] ?? 0) + 1 }), {})

describe.each(BOTH_DRIVERS)('failed sign-ins told at the next sign-in on $name', (driver) => {
  let db: Database
  let app: FastifyInstance
  let clock = manualClock()
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
  const attempt = (from: string, credentials: { username: string; password: string }, server = app): Promise<LightMyRequestResponse> =>
    server.inject({ method: 'POST', url: '/api/auth/login', headers: { 'x-forwarded-for': from }, payload: credentials })
  const guess = async (from: string, n: number, username = AGENT1.username, server = app) => (await attempt(from, { username, password: `guess-${n}` }, server)).statusCode
  let accessToken = ''
  /** The right password; the report its 200 carries (its access token in `accessToken`). */
  const signIn = async (from = PHONE, server = app, credentials = AGENT1): Promise<Report> => {
    const res = await attempt(from, credentials, server)
    expect(res.statusCode).toBe(200)
    const body = res.json() as { accessToken: string; signInFailures: Report }
    accessToken = body.accessToken
    return body.signInFailures
  }
  /** The app confirms it kept a report: the status answered. */
  const confirm = async (report: unknown, token: string | null = accessToken, server = app) =>
    (await server.inject({ method: 'POST', url: '/api/auth/sign-in-failures/ack', headers: token ? { authorization: `Bearer ${token}` } : {}, payload: report as Record<string, unknown> })).statusCode
  const stored = async () => ({
    rows: Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM login_failures'))[0].n),
    reports: Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM login_failure_reports'))[0].n),
  })

  it('two wrong passwords then the right one: told 2 and when the last was; once the app confirms it, the sign-in after is told nothing', async () => {
    expect(await signIn()).toEqual(NONE)
    expect(await guess('198.51.100.1', 1)).toBe(401)
    clock.advance(5_000)
    expect(await guess('2001:db8:5:7::1234', 2)).toBe(401)
    const lastAt = clock.now()
    clock.advance(60_000)
    const report = await signIn()
    expect(report).toEqual(told({ failures: 2, lastFailureAt: lastAt, locked: false }))
    expect(await confirm(report)).toBe(204)
    expect(await signIn()).toEqual(NONE)
    // Kept per agent: the time and the address as the limits count it (an IPv6 /64), nothing else.
    expect(await db.query('SELECT username_key, at, address FROM login_failures ORDER BY id')).toEqual([
      { username_key: KEY1, at: lastAt - 5_000, address: '198.51.100.1' },
      { username_key: KEY1, at: lastAt, address: '2001:db8:5:7::/64' },
    ])
    const dump = JSON.stringify(await db.query('SELECT * FROM login_failures')) + JSON.stringify(await db.query('SELECT * FROM login_failure_reports'))
    expect(dump).not.toMatch(/guess-|agent1-pass/)
    // Another agent's sign-in is told nothing of it.
    expect(await signIn(PHONE, app, AGENT2)).toEqual(NONE)
  })

  it('told at every sign-in until the app confirms it kept it, as it was told, with the agent\'s own token', async () => {
    for (let i = 0; i < 2; i++) expect(await guess(PHONE, i)).toBe(401)
    const first = await signIn()
    const token = accessToken
    // The answer never reached the phone (its timeout, the network): the next sign-in is told it again.
    expect(await signIn()).toEqual(first)
    // Confirmed by no one but the agent, and only as told: nothing of these removes it.
    await signIn(PHONE, app, AGENT2)
    expect(await confirm(first)).toBe(204)
    expect(await confirm(first, null)).toBe(401)
    expect(await confirm(first, 'at1.forged.token')).toBe(401)
    for (const wrong of [{ ...first, failures: 1 }, { ...first, locked: true }, { ...first, id: String(Number(first.id) + 1) }]) expect(await confirm(wrong, token)).toBe(204)
    const malformed = [{}, [], { ...first, id: Number(first.id) }, { ...first, id: 'abc' }, { ...first, id: '9'.repeat(19) }, { ...first, id: '0' }, { ...first, failures: -1 }, { ...first, failures: 1.5 }, { ...first, failures: '2' }, { ...first, locked: 'no' }]
    for (const body of malformed) expect(await confirm(body, token)).toBe(400)
    expect(await signIn()).toEqual(first)
    // A failure after it was told: confirming what was told keeps the new one, told with the same id.
    expect(await guess(PHONE, 2)).toBe(401)
    expect(await confirm(first, token)).toBe(204)
    const grown = await signIn()
    expect(grown).toEqual({ ...first, failures: 3, lastFailureAt: clock.now() })
    expect(await confirm(grown)).toBe(204)
    expect(await signIn()).toEqual(NONE)
    // A new report after that is another one.
    expect(await guess(PHONE, 3)).toBe(401)
    const next = await signIn()
    expect(next).toEqual(told({ failures: 1, lastFailureAt: clock.now(), locked: false }))
    expect(next.id).not.toBe(first.id)
  })

  it('the data layer: the last failure is the latest whatever order they land in, a hold stays once filled, and confirming says whether the report went', async () => {
    const now = clock.now()
    // A check not said to fill a limit holds nothing.
    await recordFailure(db, KEY1, PHONE, now + 10)
    expect(await readFailureReport(db, KEY1)).toEqual(told({ failures: 1, lastFailureAt: now + 10, locked: false }))
    // Another instance's earlier check committing later does not move the last one back.
    await recordFailure(db, KEY1, PHONE, now)
    await recordFailure(db, KEY1, PHONE, now + 5, { fills: true })
    await recordFailure(db, KEY1, PHONE, now + 6)
    const report = await readFailureReport(db, KEY1)
    expect(report).toEqual(told({ failures: 4, lastFailureAt: now + 10, locked: true }))
    const [{ user_id: userId }] = await db.query<{ user_id: string }>('SELECT user_id FROM agents WHERE username_key = $1', [KEY1])
    const asTold = { id: report.id ?? '', failures: 4, locked: true }
    expect(await confirmFailureReport(db, userId, { ...asTold, failures: 3 })).toBe(false)
    expect(await confirmFailureReport(db, userId, asTold)).toBe(true)
    expect(await confirmFailureReport(db, userId, asTold)).toBe(false)
    expect(await readFailureReport(db, KEY1)).toEqual(NONE)
  })

  it('50 wrong passwords at once from one address, then the right one: told exactly the checks that failed, and that the username was held', async () => {
    const codes = await Promise.all(Array.from({ length: 50 }, (_, i) => guess('203.0.113.9', i)))
    console.info(`[${driver.name}] 50 at once from one address: ${JSON.stringify(tally(codes))}`)
    expect(tally(codes)).toEqual({ 401: 5, 429: 45 })
    // The right password is held too while the limit holds (from that address).
    expect((await attempt('203.0.113.9', AGENT1)).statusCode).toBe(429)
    clock.advance(60_000)
    const report = await signIn('203.0.113.9')
    expect(report).toEqual(told({ failures: 5, lastFailureAt: expect.any(Number) as unknown as number, locked: true }))
  })

  it('50 wrong passwords at once from 50 addresses over two instances: the count is the 401s both answered', async () => {
    const second = await backend.secondInstance()
    const codes = await Promise.all(Array.from({ length: 50 }, (_, i) => guess(`198.51.${i}.1`, i, AGENT1.username, i % 2 === 0 ? app : second)))
    console.info(`[${driver.name}] 50 at once from 50 addresses on two instances: ${JSON.stringify(tally(codes))}`)
    expect(tally(codes)).toEqual({ 401: CAP, 429: 50 - CAP })
    // From an address the agent never used, the username's cap holds the right password too ...
    expect((await attempt('203.0.113.50', AGENT1, second)).statusCode).toBe(429)
    clock.advance(15 * 60_000)
    // ... and two sign-ins after the window, one on each instance, are both told the same report;
    // confirmed on either, it is told no more.
    const [one, two] = await Promise.all([signIn(PHONE, app), signIn(PHONE, second)])
    expect(one).toEqual(told({ failures: CAP, lastFailureAt: clock.now() - 15 * 60_000, locked: true }))
    expect(two).toEqual(one)
    expect(await confirm(one, accessToken, second)).toBe(204)
    expect(await signIn(PHONE, app)).toEqual(NONE)
  })

  it('a backend restart in between: the failures before it are told at the sign-in after it', async () => {
    for (let i = 0; i < 3; i++) expect(await guess(PHONE, i)).toBe(401)
    app = await backend.restart()
    expect(await guess(PHONE, 3)).toBe(401)
    app = await backend.restart()
    expect(await signIn()).toEqual(told({ failures: 4, lastFailureAt: clock.now(), locked: false }))
  })

  it('usernames without an agent store nothing, however many are tried, and are answered as a wrong password', async () => {
    const wrong = await attempt('198.51.100.7', { username: AGENT1.username, password: 'guess-x' })
    for (let i = 0; i < 40; i++) {
      // Many addresses, so the address's cap does not end it early; one username held by its cap.
      const res = await attempt(`198.51.${100 + (i % 20)}.${i + 1}`, { username: i < 20 ? 'nobody@example.com' : `nobody${i}@example.com`, password: `guess-${i}` })
      expect(res.statusCode).toBe(i >= CAP && i < 20 ? 429 : 401)
      if (res.statusCode === 401) {
        expect(res.json()).toEqual(wrong.json())
        expect(Object.keys(res.headers).sort()).toEqual(Object.keys(wrong.headers).sort())
      }
    }
    // Nothing of theirs: their failures went into decoys (keys with a leading space), no address.
    const agents = "username_key NOT LIKE ' %'"
    expect(await db.query(`SELECT DISTINCT username_key FROM login_failures WHERE ${agents}`)).toEqual([{ username_key: KEY1 }])
    expect(await db.query(`SELECT DISTINCT address FROM login_failures WHERE NOT ${agents}`)).toEqual([{ address: '' }])
    expect(Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM login_failures WHERE NOT ${agents}`))[0].n)).toBe(30)
    const dump = JSON.stringify(await db.query(`SELECT * FROM login_failures WHERE NOT ${agents}`)) + JSON.stringify(await db.query('SELECT * FROM login_failure_reports'))
    expect(dump).not.toMatch(/nobody|198\.51\./)
    // However many: at most DECOYS report rows and FAILURES_KEPT failures each.
    for (let i = 0; i < DECOYS * FAILURES_KEPT + 100; i++) await recordFailure(db, `nobody${i}@example.com`, '198.51.100.9', clock.now())
    const decoys = await stored()
    expect(decoys.reports).toBeLessThanOrEqual(1 + DECOYS)
    expect(decoys.rows).toBeLessThanOrEqual(1 + DECOYS * FAILURES_KEPT)
  })

  it("a username without an agent costs the database the same writes as an agent's, checked or refused", async () => {
    // Every transaction that writes takes an id (and waits for the disk at its commit): counted.
    const xid = async () => Number((await db.query<{ x: string }>('SELECT txid_current()::text AS x'))[0].x)
    const writes = async (username: string, password: string, status: number) => {
      const before = await xid()
      expect((await attempt(PHONE, { username, password })).statusCode).toBe(status)
      return (await xid()) - before - 1
    }
    const NOBODY = 'nobody@example.com'
    for (let i = 0; i < 5; i++) {
      const checked = { agent: await writes(AGENT1.username, `guess-${i}`, 401), nobody: await writes(NOBODY, `guess-${i}`, 401) }
      expect(checked.nobody).toBe(checked.agent)
    }
    // Both held by the per-(username, address) limit now: a refusal does no work of its own.
    for (let i = 0; i < 3; i++) {
      const refused = { agent: await writes(AGENT1.username, 'guess-x', 429), nobody: await writes(NOBODY, 'guess-x', 429) }
      expect(refused.nobody).toBe(refused.agent)
    }
    // The agent is still told that the limit held the username.
    clock.advance(60_000)
    expect(await signIn()).toEqual(told({ failures: 5, lastFailureAt: clock.now() - 60_000, locked: true }))
  })

  it('malformed bodies are refused before anything is counted or told', async () => {
    expect(await guess(PHONE, 1)).toBe(401)
    const bodies: Array<{ payload: string; type: string; code: number }> = [
      { payload: '{"username": "agent1@example.com", "password": ', type: 'application/json', code: 400 },
      { payload: '{"username": "agent1@example.com"}', type: 'application/json', code: 400 },
      { payload: '{"username": "agent1@example.com", "password": 7}', type: 'application/json', code: 400 },
      { payload: '{"username": ["agent1@example.com"], "password": "x"}', type: 'application/json', code: 400 },
      { payload: '{"username": "agent1@example.com", "password": "x", "__proto__": {"failures": 0}}', type: 'application/json', code: 400 },
      { payload: 'username=agent1@example.com&password=x', type: 'application/x-www-form-urlencoded', code: 400 },
      { payload: JSON.stringify({ username: AGENT1.username, password: 'x'.repeat(40_000) }), type: 'application/json', code: 413 },
    ]
    const codes = await Promise.all(bodies.map(({ payload, type }) => app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': type, 'x-forwarded-for': PHONE }, payload })))
    expect(codes.map((r) => r.statusCode)).toEqual(bodies.map((b) => b.code))
    expect(await stored()).toEqual({ rows: 1, reports: 1 })
    expect(await signIn()).toEqual(told({ failures: 1, lastFailureAt: clock.now(), locked: false }))
  })

  // Two connections at once: PostgreSQL only (PGlite has one, and queues a transaction whole).
  it.skipIf(driver.name !== 'PostgreSQL')('a failure while the agent is removed: neither waits for the other for ever, nothing is left over', async () => {
    for (let i = 0; i < FAILURES_KEPT; i++) await recordFailure(db, KEY1, PHONE, clock.now() + i)
    // The failure takes the report row, then waits in its insert while the removal runs up to it.
    await db.exec(`CREATE FUNCTION slow_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.5); RETURN NEW; END $$;
      CREATE TRIGGER slow_failure BEFORE INSERT ON login_failures FOR EACH ROW EXECUTE FUNCTION slow_failure();`)
    try {
      const failing = recordFailure(db, KEY1, PHONE, clock.now() + 100).then(() => 'recorded', (e: { code?: string }) => e.code)
      await new Promise((r) => setTimeout(r, 150))
      const removing = db.transaction((tx) => removeAgent(tx, AGENT1.username, clock.now())).then(String, (e: { code?: string }) => e.code)
      // Before: each held a row the other needed, and PostgreSQL ended one (40P01, deadlock).
      expect(await Promise.all([failing, removing])).toEqual(['recorded', 'true'])
    } finally {
      await db.exec('DROP TRIGGER slow_failure ON login_failures; DROP FUNCTION slow_failure();')
    }
    expect(await stored()).toEqual({ rows: 0, reports: 0 })
  })

  it.skipIf(driver.name !== 'PostgreSQL')("a failure that lands after the agent's removal is not told to the username's next agent", async () => {
    // The removal waits at its last step (the workspace lock, held here) until released.
    let release = () => {}
    const released = new Promise<void>((r) => (release = r))
    let held = () => {}
    const holding = new Promise<void>((r) => (held = r))
    const holder = db.transaction(async (tx) => {
      await lockWorkspaceWrites(tx)
      held()
      await released
    })
    await holding
    const removing = db.transaction((tx) => removeAgent(tx, AGENT1.username, clock.now()))
    await expect.poll(async () => Number((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))[0].n)).toBe(1)
    // Meanwhile a wrong password: the agent still exists for it.
    expect(await guess(PHONE, 1)).toBe(401)
    release()
    await holder
    expect(await removing).toBe(true)
    // As a success that landed after the removal would leave it: an address the username signed in from.
    await db.query('INSERT INTO login_known_addresses (username_key, address, last_ok_at) VALUES ($1, $2, $3)', [KEY1, '203.0.113.1', clock.now()])
    // The username is given to someone new: their first sign-in is told nothing of it.
    await putAgent(db, { username: AGENT1.username, userId: 'new-seat', passwordHash: DEVELOPMENT_ACCOUNTS[0].passwordHash }, { replace: false, now: clock.now() })
    expect(await signIn()).toEqual(NONE)
    expect(await db.query('SELECT address FROM login_known_addresses')).toEqual([{ address: PHONE }])
  })

  /** The business's view: GET /api/admin/sign-in-failures (what `npm run sign-in-failures` prints). */
  const listed = async (query = '', server = app, key = ADMIN_KEY) => {
    const res = await server.inject({ method: 'GET', url: `/api/admin/sign-in-failures${query}`, headers: { 'x-admin-key': key } })
    return { status: res.statusCode, body: res.json() as { agents?: unknown[]; error?: { code: string; message: string } } }
  }

  it('the business lists who fails to sign in, from where, newest first; listing leaves the agent\'s own report as it was', async () => {
    const OFFICE = '198.51.100.20'
    const start = clock.now()
    for (let i = 0; i < 3; i++) expect(await guess(PHONE, i)).toBe(401)
    clock.advance(60_000)
    for (let i = 0; i < 2; i++) expect(await guess(OFFICE, 10 + i)).toBe(401)
    clock.advance(60_000)
    expect(await guess(OFFICE, 20, AGENT2.username)).toBe(401)
    // Usernames without an agent are never listed (their failures went into decoys).
    for (let i = 0; i < 3; i++) expect(await guess(OFFICE, 30 + i, `nobody${i}@example.com`)).toBe(401)
    const agent1 = {
      username: AGENT1.username,
      userId: AGENT1.username,
      failures: 5,
      firstFailureAt: start,
      lastFailureAt: start + 60_000,
      addresses: [
        { address: PHONE, failures: 3 },
        { address: OFFICE, failures: 2 },
      ],
      held: false,
    }
    const agent2 = { username: AGENT2.username, userId: AGENT2.username, failures: 1, firstFailureAt: start + 120_000, lastFailureAt: start + 120_000, addresses: [{ address: OFFICE, failures: 1 }], held: false }
    expect(await listed()).toEqual({ status: 200, body: { agents: [agent2, agent1] } })
    // One seat (compared without case, as seats are), and only what came since a time.
    expect((await listed(`?agent=${encodeURIComponent(AGENT1.username.toUpperCase())}`)).body).toEqual({ agents: [agent1] })
    expect((await listed(`?since=${start + 60_000}`)).body).toEqual({
      agents: [agent2, { ...agent1, failures: 2, firstFailureAt: start + 60_000, addresses: [{ address: OFFICE, failures: 2 }] }],
    })
    expect((await listed('?agent=nobody0%40example.com')).body).toEqual({ agents: [] })
    // A second instance over the same database lists the same.
    const second = await backend.secondInstance()
    expect((await listed('', second)).body).toEqual({ agents: [agent2, agent1] })
    // The agent is still told all five at their next sign-in.
    expect(await signIn()).toEqual(told({ failures: 5, lastFailureAt: start + 60_000, locked: false }))
  })

  it("lists an agent's addresses most failures first (addresses with as many in address order), from its earliest failure to its latest", async () => {
    // The fewest from the address that sorts first, so neither order alone gives the list; the
    // earliest failure in a group of two, so each group's first time is its own earliest.
    const start = clock.now()
    for (const [i, address] of ['198.51.100.9', PHONE, '198.51.100.20', '198.51.100.9', '198.51.100.20'].entries()) {
      expect(await guess(address, 10 + i)).toBe(401)
      clock.advance(60_000)
    }
    const [agent] = (await listed()).body.agents as Array<{ failures: number; firstFailureAt: number; lastFailureAt: number; addresses: unknown }>
    expect(agent).toMatchObject({ failures: 5, firstFailureAt: start, lastFailureAt: start + 4 * 60_000 })
    expect(agent.addresses).toEqual([
      { address: '198.51.100.20', failures: 2 },
      { address: '198.51.100.9', failures: 2 },
      { address: PHONE, failures: 1 },
    ])
  })

  it('an agent whose app confirmed the report at its sign-in is still listed with its kept failures, not held', async () => {
    for (let i = 0; i < 2; i++) expect(await guess(PHONE, i)).toBe(401)
    const report = await signIn()
    expect(report).toMatchObject({ failures: 2 })
    expect(await confirm(report)).toBe(204)
    expect(await stored()).toEqual({ rows: 2, reports: 0 })
    expect((await listed()).body.agents).toEqual([expect.objectContaining({ username: AGENT1.username, failures: 2, held: false }) as unknown])
  })

  it('lists a username a limit held as held, while failures land at once; refuses a bad query and a wrong key', async () => {
    // Listing while 30 wrong passwords land at once (both instances): every answer is consistent.
    const second = await backend.secondInstance()
    const [codes, lists] = await Promise.all([
      Promise.all(Array.from({ length: 30 }, (_, i) => guess(`203.0.${i}.7`, i, AGENT1.username, i % 2 ? second : app))),
      Promise.all(Array.from({ length: 10 }, (_, i) => listed('', i % 2 ? app : second))),
    ])
    expect(tally(codes)).toEqual({ 401: CAP, 429: 30 - CAP })
    for (const list of lists) {
      expect(list.status).toBe(200)
      const agents = list.body.agents as Array<{ failures: number; addresses: Array<{ failures: number }> }>
      for (const a of agents) expect(a.addresses.reduce((n, x) => n + x.failures, 0)).toBe(a.failures)
    }
    expect((await listed()).body).toEqual({
      agents: [expect.objectContaining({ username: AGENT1.username, failures: CAP, held: true }) as unknown],
    })
    const bad = (message: string) => ({ status: 400, body: { error: { code: 'BAD_REQUEST', message } } })
    expect(await listed('?since=abc')).toEqual(bad('"since" must be a time in epoch milliseconds'))
    expect(await listed('?since=-5')).toEqual(bad('"since" must be a time in epoch milliseconds'))
    expect(await listed('?since=1&since=2')).toEqual(bad('"since" must be given once'))
    expect(await listed('?agent=a&agent=b')).toEqual(bad('"agent" must be given once'))
    expect(await listed('?agent=a%00b')).toEqual(bad('"agent" must be valid text without NUL characters'))
    expect(await listed('', app, 'wrong')).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'No such endpoint' } } })
  })

  it(`keeps the newest ${FAILURES_KEPT} failures per agent and counts them all; pruned by age, forgotten with the agent`, async () => {
    const rounds = Math.ceil((FAILURES_KEPT + 10) / 5)
    for (let round = 0; round < rounds; round++) {
      // Five at once a minute from the agent's own phone (known: the username's cap spares it).
      if (round === 0) await signIn()
      const codes = await Promise.all(Array.from({ length: 5 }, (_, i) => guess(PHONE, round * 5 + i)))
      expect(codes).toEqual(Array(5).fill(401))
      clock.advance(60_000)
    }
    expect(await stored()).toEqual({ rows: FAILURES_KEPT, reports: 1 })
    const [{ oldest }] = await db.query<{ oldest: number }>('SELECT min(at) AS oldest FROM login_failures')
    expect(Number(oldest)).toBe(clock.now() - 60_000 * Math.ceil(FAILURES_KEPT / 5))
    // Each minute's five filled the phone's per-(username, address) limit: it held the username.
    expect(await signIn()).toEqual(told({ failures: rounds * 5, lastFailureAt: clock.now() - 60_000, locked: true }))

    // A report no sign-in took, and the failures, go after FAILURES_KEEP_MS.
    expect(await guess(PHONE, 999)).toBe(401)
    await pruneSignInFailures(db, clock.now() + FAILURES_KEEP_MS - 1)
    expect(await stored()).toEqual({ rows: 1, reports: 1 })
    await pruneSignInFailures(db, clock.now() + FAILURES_KEEP_MS)
    expect(await stored()).toEqual({ rows: 0, reports: 0 })
    expect(await guess(PHONE, 1000)).toBe(401)
    expect(await removeAgent(db, AGENT1.username, clock.now())).toBe(true)
    expect(await stored()).toEqual({ rows: 0, reports: 0 })
  })
})
