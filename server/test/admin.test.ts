// @vitest-environment node
/**
 * /api/admin/* in-process (server/src/adminRoutes.ts): the endpoints the business CLIs
 * (server/src/cli.ts) call while a backend owns the database, protected by the admin key.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../src/app'
import { DEVELOPMENT_ACCOUNTS, putAgent } from '../src/db/agents'
import { CALL_CSV_HEADER, exportCalls, pullChanges, pushChanges } from '../src/db/workspace'
import { loadConfig } from '../src/config'
import { AGENT1, AGENT2, answeredCallData, databasePerFile, login, manualClock, mockConfig, requestToken, SIGNING_KEY } from './helpers'

const ADMIN_KEY = 'admin-key-0123456789-abcdefghijklmnopqrstuvwxyz'
const HASH1 = DEVELOPMENT_ACCOUNTS[0].passwordHash // the hash of AGENT1's password, 'agent1-pass'
const HASH2 = DEVELOPMENT_ACCOUNTS[1].passwordHash // 'agent2-pass'
const NOT_FOUND = { error: { code: 'NOT_FOUND', message: 'No such endpoint' } }
const NOT_AN_OBJECT = { error: { code: 'BAD_REQUEST', message: 'Body must be a JSON object' } }

let app: FastifyInstance | null = null
const db = databasePerFile()
/** When set, every db.transaction the app starts fails with this error (a broken database). */
let failTransactions: Error | null = null
let clock = manualClock()
beforeEach(async () => {
  failTransactions = null
  clock = manualClock()
})
afterEach(async () => {
  await app?.close()
  app = null
})

async function start(env: Record<string, string> = { ADMIN_KEY }) {
  const flaky = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'transaction' && failTransactions) {
        const error = failTransactions
        return () => Promise.reject(error)
      }
      const value = Reflect.get(target, prop, receiver) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  app = await buildServer(mockConfig(env), { db: flaky, now: clock.now, report: () => {} })
  return app
}

type Method = 'GET' | 'POST'
function admin(server: FastifyInstance, method: Method, url: string, payload?: unknown, key: string | null = ADMIN_KEY) {
  const headers: Record<string, string> = key === null ? {} : { 'x-admin-key': key }
  // A string is sent as the raw JSON text of the body.
  if (typeof payload === 'string') headers['content-type'] = 'application/json'
  return server.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as string }) })
}

async function agentRows() {
  return db.query<{ username: string; user_id: string; password_hash: string; created_at: string; updated_at: string }>(
    'SELECT username, user_id, password_hash, created_at::text, updated_at::text FROM agents ORDER BY username',
  )
}

async function numberRows(agent: string) {
  return (await db.query<{ id: string; data: Record<string, unknown> }>(`SELECT id, data FROM workspace_records WHERE agent = $1 AND kind = 'number' AND NOT deleted ORDER BY rev`, [agent])).map(
    (r) => ({ id: r.id, ...r.data }),
  )
}

const ROUTES: [Method, string, unknown][] = [
  ['POST', '/api/admin/agents', { agent: { username: 'new@example.com', userId: 'new@example.com', passwordHash: HASH1 } }],
  ['POST', '/api/admin/agents/remove', { username: AGENT1.username }],
  ['POST', '/api/admin/assign', { agent: AGENT1.username, lines: [{ line: 1, number: '13800138000', remark: 'x' }] }],
  ['GET', '/api/admin/calls', undefined],
  ['GET', '/api/admin/sign-in-failures', undefined],
  ['POST', '/api/admin/workspace/clear', { agent: AGENT1.username }],
]

describe('the admin key', () => {
  it.each(ROUTES)('%s %s answers 404 NOT_FOUND without the key, with a wrong key and when no key is configured, and changes nothing', async (method, url, payload) => {
    const server = await start()
    const before = await agentRows()
    for (const key of [null, '', 'wrong', ADMIN_KEY.slice(1), `${ADMIN_KEY}x`, ADMIN_KEY.toUpperCase()]) {
      const res = await admin(server, method, url, payload, key)
      expect(res.statusCode, `key ${key}`).toBe(404)
      expect(res.json()).toEqual(NOT_FOUND)
    }
    await server.close()
    // Without ADMIN_KEY (and no DATA_DIR of its own) the routes do not exist at all.
    const bare = await start({})
    const res = await admin(bare, method, url, payload)
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual(NOT_FOUND)
    expect(await agentRows()).toEqual(before)
    expect(await numberRows(AGENT1.username)).toEqual([])
  })

  it.each(ROUTES)('%s %s works with the right key', async (method, url, payload) => {
    const server = await start()
    const res = await admin(server, method, url, payload)
    expect(res.statusCode).toBe(200)
  })
})

describe('POST /api/admin/agents', () => {
  it('adds an agent who can then sign in with that password and gets that seat', async () => {
    const server = await start()
    clock.advance(5_000)
    const res = await admin(server, 'POST', '/api/admin/agents', { agent: { username: ' New.Agent@Example.com ', userId: ' seat-7 ', passwordHash: HASH1 } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ result: 'added' })
    const row = (await agentRows()).find((r) => r.user_id === 'seat-7')
    expect(row).toEqual({ username: 'New.Agent@Example.com', user_id: 'seat-7', password_hash: HASH1, created_at: String(clock.now()), updated_at: String(clock.now()) })
    const { res: signIn, body } = await login(server, { username: 'new.agent@example.com', password: AGENT1.password })
    expect(signIn.statusCode).toBe(200)
    expect(body.agent.userId).toBe('seat-7')
  })

  it('answers 409 CONFLICT for an existing username unless replace is true, and leaves it unchanged', async () => {
    const server = await start()
    const before = await agentRows()
    for (const replace of [undefined, false, 'true', 1]) {
      const res = await admin(server, 'POST', '/api/admin/agents', { agent: { username: 'AGENT1@example.com', userId: 'seat-9', passwordHash: HASH2 }, replace })
      expect(res.statusCode, `replace ${String(replace)}`).toBe(409)
      expect(res.json()).toEqual({ error: { code: 'CONFLICT', message: 'AGENT1@example.com already exists (use --replace to change it)' } })
    }
    expect(await agentRows()).toEqual(before)
  })

  it('with replace: true changes the seat and password and signs the agent out everywhere', async () => {
    const server = await start()
    const { body } = await login(server, AGENT1)
    expect((await requestToken(server, body.accessToken)).statusCode).toBe(200) // the session is now held in memory
    clock.advance(60_000)
    const res = await admin(server, 'POST', '/api/admin/agents', { agent: { username: 'agent1@example.com', userId: 'seat-9', passwordHash: HASH2 }, replace: true })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ result: 'replaced' })
    const row = (await agentRows()).find((r) => r.username === 'agent1@example.com')
    expect(row).toMatchObject({ user_id: 'seat-9', password_hash: HASH2, updated_at: String(clock.now()) })
    const ended = await db.query<{ ended_at: string | null }>('SELECT ended_at::text FROM sessions WHERE user_id = $1', ['agent1@example.com'])
    expect(ended).toEqual([{ ended_at: String(clock.now()) }])
    expect((await requestToken(server, body.accessToken)).statusCode).toBe(401)
    expect((await login(server, AGENT1)).res.statusCode).toBe(401)
    expect((await login(server, { username: AGENT1.username, password: 'agent2-pass' })).body.agent.userId).toBe('seat-9')
  })

  it('answers 409 CONFLICT when the seat belongs to someone else', async () => {
    const server = await start()
    const res = await admin(server, 'POST', '/api/admin/agents', { agent: { username: 'other@example.com', userId: 'agent2@example.com', passwordHash: HASH1 }, replace: true })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toEqual({ error: { code: 'CONFLICT', message: 'TCCC userId agent2@example.com already belongs to agent2@example.com' } })
  })

  it.each([
    ['no agent', {}, 'request: agent #1 needs string username, userId and passwordHash'],
    ['a numeric userId', { agent: { username: 'a@example.com', userId: 7, passwordHash: HASH1 } }, 'request: agent #1 needs string username, userId and passwordHash'],
    ['an empty username', { agent: { username: '  ', userId: 'seat', passwordHash: HASH1 } }, 'request: agent #1 has an empty username or userId'],
    ['a plain password', { agent: { username: 'a@example.com', userId: 'seat', passwordHash: 'secret' } }, 'request: agent #1 has a passwordHash that is not a scrypt hash'],
  ])('answers 400 BAD_REQUEST for %s', async (_label, payload, message) => {
    const server = await start()
    const before = await agentRows()
    const res = await admin(server, 'POST', '/api/admin/agents', payload)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message } })
    expect(await agentRows()).toEqual(before)
  })

  it('answers 500 INTERNAL when the database fails (not a conflict)', async () => {
    const server = await start()
    failTransactions = new Error('disk full')
    const res = await admin(server, 'POST', '/api/admin/agents', { agent: { username: 'a@example.com', userId: 'seat', passwordHash: HASH1 } })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } })
  })
})

describe('POST /api/admin/agents/remove', () => {
  it('removes the agent (any case) and ends their sessions', async () => {
    const server = await start()
    const { body } = await login(server, AGENT1)
    expect((await requestToken(server, body.accessToken)).statusCode).toBe(200) // the session is now held in memory
    clock.advance(30_000)
    const res = await admin(server, 'POST', '/api/admin/agents/remove', { username: ' Agent1@Example.COM ' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ removed: true })
    expect((await agentRows()).map((r) => r.username)).toEqual(['agent2@example.com'])
    const ended = await db.query<{ ended_at: string | null }>('SELECT ended_at::text FROM sessions WHERE user_id = $1', ['agent1@example.com'])
    expect(ended).toEqual([{ ended_at: String(clock.now()) }])
    expect((await requestToken(server, body.accessToken)).statusCode).toBe(401)
  })

  it('answers removed: false for an unknown username', async () => {
    const server = await start()
    const res = await admin(server, 'POST', '/api/admin/agents/remove', { username: 'nobody@example.com' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ removed: false })
    expect(await agentRows()).toHaveLength(2)
  })

  it.each([{}, { username: 7 }, { username: '  ' }])('answers 400 BAD_REQUEST without a username (%j) and removes nobody', async (payload) => {
    const server = await start()
    const res = await admin(server, 'POST', '/api/admin/agents/remove', payload)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message: '"username" must be the agent\'s sign-in name' } })
    expect(await agentRows()).toHaveLength(2)
  })
})

describe('the admin request body', () => {
  it.each([
    ['POST', '/api/admin/agents'],
    ['POST', '/api/admin/agents/remove'],
    ['POST', '/api/admin/assign'],
  ] as const)('%s %s answers 400 BAD_REQUEST for null, an array, a string and no body', async (method, url) => {
    const server = await start()
    for (const payload of ['null', '[{"username":"agent1@example.com"}]', '"agent1@example.com"', '']) {
      const res = await admin(server, method, url, payload)
      expect(res.statusCode, payload).toBe(400)
      expect(res.json()).toEqual(NOT_AN_OBJECT)
    }
    expect(await agentRows()).toHaveLength(2)
  })
})

describe('POST /api/admin/assign', () => {
  it('assigns the valid numbers, counts duplicates and reports invalid lines', async () => {
    const server = await start()
    clock.advance(1_000)
    const lines = [
      { line: 2, number: '138 0013 8000', remark: '  Mr   Wang ' },
      { line: 3, number: 'abc', remark: '' },
      { line: 4, number: '13800138000', remark: 'again' },
      { line: 5, number: '13900139000', remark: 'x'.repeat(51) },
      { line: 6, number: '+8613900139000', remark: '' },
    ]
    const res = await admin(server, 'POST', '/api/admin/assign', { agent: 'agent1@example.com', lines })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      added: 2,
      duplicate: 1,
      invalid: [
        { line: 3, reason: 'NUMBER_NOT_DIGITS' },
        { line: 5, reason: 'REMARK_TOO_LONG' },
      ],
    })
    const rows = await numberRows('agent1@example.com')
    // Written last line first (rev order), so a phone (newest first) lists them in the file's order.
    expect(rows.map(({ id: _id, ...data }) => data)).toEqual([
      { number: '+8613900139000', remark: '+8613900139000', source: 'assigned', createdAt: clock.now() },
      { number: '13800138000', remark: 'Mr Wang', source: 'assigned', createdAt: clock.now() },
    ])
    expect(rows.every((r) => /^a-[0-9a-f-]{36}$/.test(r.id))).toBe(true)
    expect(await numberRows('agent2@example.com')).toEqual([])
  })

  it('takes a request larger than the usual 16 KiB body limit', async () => {
    const server = await start()
    const lines = [{ line: 1, number: '13800138000', remark: 'x'.repeat(40) }]
    // The CLI sends every line of a file at once; unknown keys are ignored, so padding makes it big.
    const payload = { agent: 'agent2@example.com', lines, padding: 'p'.repeat(40 * 1024) }
    const res = await admin(server, 'POST', '/api/admin/assign', payload)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ added: 1, duplicate: 0, invalid: [] })
  })

  it('answers 404 NOT_FOUND naming an unknown agent (a username is not a userId)', async () => {
    const server = await start()
    await admin(server, 'POST', '/api/admin/agents', { agent: { username: 'login@example.com', userId: 'seat-3', passwordHash: HASH1 } })
    for (const agent of ['nobody', 'login@example.com']) {
      const res = await admin(server, 'POST', '/api/admin/assign', { agent, lines: [{ line: 1, number: '13800138000', remark: '' }] })
      expect(res.statusCode).toBe(404)
      expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: `No agent with userId ${agent}` } })
      expect(await numberRows(agent)).toEqual([])
    }
    const ok = await admin(server, 'POST', '/api/admin/assign', { agent: 'seat-3', lines: [{ line: 1, number: '13800138000', remark: '' }] })
    expect(ok.json()).toEqual({ added: 1, duplicate: 0, invalid: [] })
  })

  const LINES_MESSAGE = '"lines" must be an array of {"line": number, "number": string, "remark": string}'
  it.each([
    ['no lines', {}],
    ['lines that are not an array', { lines: { line: 1, number: '13800138000', remark: '' } }],
    ['a null line', { lines: [null] }],
    ['a line that is a string', { lines: ['13800138000'] }],
    ['a numeric number', { lines: [{ line: 1, number: 13800138000, remark: '' }] }],
    ['a missing number', { lines: [{ line: 1, remark: 'x' }] }],
    ['a numeric remark', { lines: [{ line: 1, number: '13800138000', remark: 5 }] }],
    ['a line without its line number', { lines: [{ number: '13800138000', remark: '' }] }],
    ['a line number that is text', { lines: [{ line: '1', number: '13800138000', remark: '' }] }],
    ['a good line then a bad one', { lines: [{ line: 1, number: '13800138000', remark: '' }, { line: 2, number: 13900139000, remark: '' }] }],
  ])('answers 400 BAD_REQUEST for %s and assigns nothing', async (_label, body) => {
    const server = await start()
    const res = await admin(server, 'POST', '/api/admin/assign', { agent: 'agent1@example.com', ...body })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message: LINES_MESSAGE } })
    expect(await numberRows('agent1@example.com')).toEqual([])
  })

  it.each([
    ['no agent', { lines: [{ line: 1, number: '13800138000', remark: '' }] }],
    ['an empty agent', { agent: '', lines: [{ line: 1, number: '13800138000', remark: '' }] }],
    ['a numeric agent', { agent: 42, lines: [{ line: 1, number: '13800138000', remark: '' }] }],
  ])('answers 400 BAD_REQUEST for %s (not a 404 for a seat called "undefined")', async (_label, body) => {
    const server = await start()
    const res = await admin(server, 'POST', '/api/admin/assign', body)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message: '"agent" must be the agent\'s TCCC userId' } })
  })

  it('accepts a line without a remark (the number is its remark)', async () => {
    const server = await start()
    const res = await admin(server, 'POST', '/api/admin/assign', { agent: 'agent1@example.com', lines: [{ line: 1, number: '13800138000' }] })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ added: 1, duplicate: 0, invalid: [] })
    expect((await numberRows('agent1@example.com'))[0]).toMatchObject({ number: '13800138000', remark: '13800138000' })
  })
})

describe('GET /api/admin/calls', () => {
  const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)
  const call = (id: string, startedAt: number, data: Record<string, unknown> = {}) => ({
    changeId: `c-${id}`,
    kind: 'call',
    op: 'upsert',
    id,
    data: { number: '13800138000', direction: 'out', outcome: 'answered', startedAt, endedAt: startedAt + 30_000, durationSec: 30, endReason: 'local-hangup', ...data },
  })
  const seed = async () => {
    const r1 = await pushChanges(db, 'agent1@example.com', [call('k1', NOW - 3_600_000, { remark: 'Wang, Li', note: '=SUM(A1)' }), call('k3', NOW - 60_000)], NOW)
    // Answered 10 s into its ring: 20 s talked of a 30 s call.
    const r2 = await pushChanges(db, 'agent2@example.com', [call('k2', NOW - 120_000, { direction: 'in', answeredAt: NOW - 110_000, durationSec: 20 })], NOW)
    expect([...r1, ...r2].map((r) => r.status)).toEqual(['applied', 'applied', 'applied'])
  }
  const iso = (ms: number) => new Date(ms).toISOString()
  const K1 = `k1,agent1@example.com,13800138000,"Wang, Li",out,${iso(NOW - 3_600_000)},,${iso(NOW - 3_570_000)},30,local-hangup,,'=SUM(A1),`
  const K2 = `k2,agent2@example.com,13800138000,,in,${iso(NOW - 120_000)},${iso(NOW - 110_000)},${iso(NOW - 90_000)},20,local-hangup,,,`
  const K3 = `k3,agent1@example.com,13800138000,,out,${iso(NOW - 60_000)},,${iso(NOW - 30_000)},30,local-hangup,,,`

  it('answers every call as CSV, oldest first', async () => {
    await seed()
    const server = await start()
    const res = await admin(server, 'GET', '/api/admin/calls')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.body).toBe([CALL_CSV_HEADER, K1, K2, K3].join('\n') + '\n')
  })

  it('answers only the header line when there are no calls', async () => {
    const server = await start()
    const res = await admin(server, 'GET', '/api/admin/calls?agent=agent1%40example.com&since=0')
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe(`${CALL_CSV_HEADER}\n`)
  })

  it.each([
    ['?agent=agent1%40example.com', [K1, K3]],
    ['?agent=agent2%40example.com', [K2]],
    ['?agent=nobody', []],
    [`?since=${NOW - 120_000}`, [K2, K3]],
    [`?since=${NOW - 119_999}`, [K3]],
    [`?agent=agent1%40example.com&since=${NOW - 120_000}`, [K3]],
    ['?since=', [K1, K2, K3]],
  ])('filters by agent and start time: %s', async (query, lines) => {
    await seed()
    const server = await start()
    const res = await admin(server, 'GET', `/api/admin/calls${query}`)
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe([CALL_CSV_HEADER, ...lines].join('\n') + '\n')
  })

  it('answers 400 BAD_REQUEST for an agent given twice', async () => {
    await seed()
    const server = await start()
    const res = await admin(server, 'GET', '/api/admin/calls?agent=agent1%40example.com&agent=agent2%40example.com')
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message: '"agent" must be given once' } })
  })

  it.each(['abc', '12abc', '-5', '1.5', '1e3'])('answers 400 BAD_REQUEST for since=%s', async (since) => {
    await seed()
    const server = await start()
    const res = await admin(server, 'GET', `/api/admin/calls?since=${since}`)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message: '"since" must be a time in epoch milliseconds' } })
  })
})

describe('POST /api/admin/workspace/clear (mock mode: development and the browser journeys)', () => {
  const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)
  const seed = async (agent: string, round = 'a') => {
    const results = await pushChanges(
      db,
      agent,
      [
        { changeId: `${round}-n1`, kind: 'number', op: 'upsert', id: 'n1', data: { number: '13900139000' } },
        { changeId: `${round}-n2`, kind: 'number', op: 'upsert', id: 'n2', data: { number: '13900139001' } },
        { changeId: `${round}-k1`, kind: 'call', op: 'upsert', id: 'k1', data: answeredCallData(NOW) },
      ],
      NOW,
    )
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied'])
  }
  const live = async (agent: string) => (await pullChanges(db, agent, 0n, 1000)).changes.filter((c) => (c.kind === 'number' || c.kind === 'call') && !c.deleted).map((c) => c.id)

  it("tombstones the agent's numbers and calls (phones drop them at their next pull), no one else's", async () => {
    await seed(AGENT1.username)
    await seed(AGENT2.username)
    const server = await start()
    const res = await admin(server, 'POST', '/api/admin/workspace/clear', { agent: AGENT1.username })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ cleared: { numbers: 2, calls: 1 } })
    expect(await live(AGENT1.username)).toEqual([])
    expect((await pullChanges(db, AGENT1.username, 0n, 1000)).changes.filter((c) => c.deleted).map((c) => [c.kind, c.id, c.data])).toEqual(
      expect.arrayContaining([['number', 'n1', null], ['number', 'n2', null], ['call', 'k1', null]]),
    )
    expect(await exportCalls(db, { agent: AGENT1.username })).toEqual([CALL_CSV_HEADER])
    expect(await live(AGENT2.username)).toEqual(['n1', 'n2', 'k1'])
    // Again: nothing left to clear; the agent's phone may add again.
    expect((await admin(server, 'POST', '/api/admin/workspace/clear', { agent: AGENT1.username })).json()).toEqual({ cleared: { numbers: 0, calls: 0 } })
    await seed(AGENT1.username, 'b')
    expect(await live(AGENT1.username)).toEqual(['n1', 'n2', 'k1'])
  })

  it('answers 404 NOT_FOUND for an unknown agent and 400 BAD_REQUEST without one', async () => {
    const server = await start()
    const unknown = await admin(server, 'POST', '/api/admin/workspace/clear', { agent: 'nobody@example.com' })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No agent with userId nobody@example.com' } })
    for (const payload of [{}, { agent: '' }, { agent: 7 }]) {
      const res = await admin(server, 'POST', '/api/admin/workspace/clear', payload)
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message: '"agent" must be the agent\'s TCCC userId' } })
    }
  })

  it('does not exist on a real-mode backend, admin key or not: the call records are the business\'s', async () => {
    const alice = { username: 'alice@corp.example', userId: 'alice@corp.example', passwordHash: HASH1 }
    await db.transaction((tx) => putAgent(tx, alice, { replace: false, now: NOW }))
    await seed(alice.userId)
    const env = { TCCC_SECRET_ID: 'AKIDtest', TCCC_SECRET_KEY: 'secret-test', TCCC_SDK_APP_ID: '1400123456', TOKEN_SIGNING_KEY: SIGNING_KEY, TCCC_ENDPOINT: 'http://127.0.0.1:9', ADMIN_KEY }
    app = await buildServer(loadConfig(env), { db, now: clock.now, report: () => {} })
    const res = await admin(app, 'POST', '/api/admin/workspace/clear', { agent: alice.userId })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual(NOT_FOUND)
    // The other admin routes are there.
    expect((await admin(app, 'GET', '/api/admin/calls')).statusCode).toBe(200)
    expect(await live(alice.userId)).toEqual(['n1', 'n2', 'k1'])
  })
})
