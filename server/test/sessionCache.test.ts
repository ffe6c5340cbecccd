// @vitest-environment node
/**
 * The session check requests go through (db/sessionCache.ts): on PGlite live sessions are held in
 * memory and every kind of revocation drops them before the write resolves; on PostgreSQL every
 * check reads the database (another instance's sign-out must be seen at the next request).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildServer } from '../src/app'
import { openMigrated, type Database } from '../src/db'
import { putAgent, removeAgent, endSessionsOf } from '../src/db/agents'
import { openPostgres, type Queryable } from '../src/db/driver'
import { MAX_BATCH, openSessionCheck } from '../src/db/sessionCache'
import { endSession, pruneSessions, startSession } from '../src/db/sessions'
import { AGENT1, databasePerFile, login, mockConfig, resetDatabase } from './helpers'
import { createDatabase, findPgBin, startPostgres, type TestPostgres } from './pgHarness'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const HASH = 'scrypt$16384$8$1$5lFZeQRHt6rEWGP5M5DeBw$LaC3vrZKaiFPNDQ3Ty6WVXdqt59bqW0bStaF9p9TSwA' // agent1-pass
const NOW = Date.UTC(2026, 11, 3, 12)
const LOOKUP = 'FROM sessions s JOIN agents'

/** The database with its session lookups counted, and optionally held at a gate. */
function counting(inner: Database) {
  // `read`: statements that have their rows (a started one may not have read yet on a busy machine).
  const counter = { lookups: 0, read: 0, gate: null as Promise<void> | null }
  const query: Queryable['query'] = async (sql, params, options) => {
    if (sql.includes(LOOKUP)) {
      counter.lookups++
      const rows = await inner.query(sql, params, options)
      counter.read++
      if (counter.gate) await counter.gate
      return rows as never
    }
    return inner.query(sql, params, options)
  }
  const db: Database = {
    driver: inner.driver,
    query,
    exec: (sql) => inner.exec(sql),
    transaction: (fn) => inner.transaction(fn),
    close: () => inner.close(),
    listenInline: inner.listenInline,
  }
  return { db, counter }
}

async function agentWithSessions(db: Database, userId: string, ...ids: string[]): Promise<void> {
  await putAgent(db, { username: `${userId}@corp.example`, userId, passwordHash: HASH }, { replace: false, now: NOW })
  for (const id of ids) await startSession(db, { id, userId, issuedAt: NOW, expiresAt: NOW + 3600_000 })
}

describe('session check on PGlite: held in memory, dropped by every revocation', () => {
  const inner = databasePerFile()

  it('reads a live session once; ended and unknown ones are read every time', async () => {
    const { db, counter } = counting(inner)
    const check = await openSessionCheck(db)
    await agentWithSessions(inner, 'seat-a', 's1', 's2')
    await endSession(inner, 's2', NOW)
    expect(await check.lookup('s1')).toEqual({ state: 'live', agent: { username: 'seat-a@corp.example', userId: 'seat-a', passwordHash: HASH } })
    expect(await check.lookup('s1')).toMatchObject({ state: 'live' })
    expect(counter.lookups).toBe(1)
    expect(check.size).toBe(1)
    expect(await check.lookup('s2')).toEqual({ state: 'ended' })
    expect(await check.lookup('s2')).toEqual({ state: 'ended' })
    expect(await check.lookup('nope')).toEqual({ state: 'unknown' })
    expect(await check.lookup('nope')).toEqual({ state: 'unknown' })
    expect(counter.lookups).toBe(5)
    expect(check.size).toBe(1)
    await check.close()
  })

  it('sign-out, ending all of an agent’s sessions, replacing and removing the agent are seen at the next lookup', async () => {
    const check = await openSessionCheck(inner)
    await agentWithSessions(inner, 'seat-a', 'a1', 'a2', 'a3')
    await agentWithSessions(inner, 'seat-b', 'b1')
    for (const id of ['a1', 'a2', 'a3', 'b1']) expect((await check.lookup(id)).state).toBe('live')
    expect(check.size).toBe(4)

    await endSession(inner, 'a1', NOW)
    expect(await check.lookup('a1')).toEqual({ state: 'ended' })
    expect(check.size).toBe(3)

    await endSessionsOf(inner, 'seat-a', NOW)
    expect(await check.lookup('a2')).toEqual({ state: 'ended' })
    expect(check.size).toBe(1) // b1: another agent's session stays held

    await startSession(inner, { id: 'a4', userId: 'seat-a', issuedAt: NOW, expiresAt: NOW + 3600_000 })
    expect((await check.lookup('a4')).state).toBe('live')
    expect(await putAgent(inner, { username: 'seat-a@corp.example', userId: 'seat-a', passwordHash: 'scrypt$other' }, { replace: true, now: NOW })).toBe('replaced')
    expect(await check.lookup('a4')).toEqual({ state: 'ended' })

    expect((await check.lookup('b1')).state).toBe('live')
    expect(await removeAgent(inner, 'seat-b@corp.example', NOW)).toBe(true)
    expect(await check.lookup('b1')).toEqual({ state: 'unknown' })
    expect(check.size).toBe(0)
    await check.close()
  })

  it('any SQL that changes an agent or its sessions is seen too: an update, a delete, a truncate, pruning', async () => {
    const check = await openSessionCheck(inner)
    await agentWithSessions(inner, 'seat-a', 's1')
    await agentWithSessions(inner, 'seat-b', 'b1')
    await check.lookup('s1')
    await check.lookup('b1')
    // A rename straight in SQL, sessions left alone: the next check reads the new name, and
    // only that agent's session is dropped.
    await inner.query(`UPDATE agents SET username = 'renamed@corp.example' WHERE user_id = 'seat-a'`)
    expect(check.size).toBe(1)
    expect(await check.lookup('b1')).toMatchObject({ state: 'live', agent: { username: 'seat-b@corp.example' } })
    expect(await check.lookup('s1')).toMatchObject({ state: 'live', agent: { username: 'renamed@corp.example' } })

    await inner.query(`DELETE FROM agents WHERE user_id = 'seat-b'`) // sessions left alone
    expect(await check.lookup('b1')).toEqual({ state: 'unknown' })

    await inner.query(`DELETE FROM sessions WHERE id = 's1'`)
    expect(await check.lookup('s1')).toEqual({ state: 'unknown' })

    await startSession(inner, { id: 's2', userId: 'seat-a', issuedAt: NOW, expiresAt: NOW + 3600_000 })
    await check.lookup('s2')
    await inner.exec('TRUNCATE sessions')
    expect(await check.lookup('s2')).toEqual({ state: 'unknown' })

    await startSession(inner, { id: 's3', userId: 'seat-a', issuedAt: NOW, expiresAt: NOW + 3600_000 })
    await check.lookup('s3')
    await pruneSessions(inner, NOW) // nothing expired a day ago: nothing deleted, nothing dropped
    expect(check.size).toBe(1)
    await startSession(inner, { id: 'old', userId: 'seat-a', issuedAt: 0, expiresAt: 1 })
    await pruneSessions(inner, NOW) // deletes "old": the statement's one notice drops everything
    expect(check.size).toBe(0)
    expect((await check.lookup('s3')).state).toBe('live')

    await inner.exec('TRUNCATE agents')
    expect(await check.lookup('s3')).toEqual({ state: 'unknown' })
    await check.close()
  })

  it('a lookup that read the database before a revocation is answered but not held', async () => {
    const { db, counter } = counting(inner)
    const check = await openSessionCheck(db)
    await agentWithSessions(inner, 'seat-a', 's1')
    let release = () => {}
    counter.gate = new Promise((resolve) => (release = resolve))
    const inFlight = check.lookup('s1') // has read "live", waits at the gate
    await vi.waitFor(() => expect(counter.lookups).toBe(1))
    await endSession(inner, 's1', NOW)
    release()
    counter.gate = null
    expect((await inFlight).state).toBe('live') // ordered before the sign-out, as without the cache
    expect(check.size).toBe(0)
    expect(await check.lookup('s1')).toEqual({ state: 'ended' })
  })

  it('holds at most its limit, oldest out first; after close it holds nothing and reads the database', async () => {
    const { db, counter } = counting(inner)
    const check = await openSessionCheck(db, 2)
    await agentWithSessions(inner, 'seat-a', 's1', 's2', 's3')
    for (const id of ['s1', 's2', 's3']) await check.lookup(id)
    expect(check.size).toBe(2)
    await check.lookup('s2')
    await check.lookup('s3')
    expect(counter.lookups).toBe(3)
    await check.lookup('s1') // the oldest was dropped: read again (and s2 now out)
    expect(counter.lookups).toBe(4)
    await check.close()
    expect(check.size).toBe(0)
    await check.lookup('s1')
    await check.lookup('s1')
    expect(counter.lookups).toBe(6)
    expect(check.size).toBe(0)
    await endSession(inner, 's1', NOW) // no listener left to call
    expect(await check.lookup('s1')).toEqual({ state: 'ended' })
  })

  it('two servers over one PGlite: a sign-out on one is refused on the other at the next request', async () => {
    const config = mockConfig()
    const [a, b] = [await buildServer(config, { db: inner }), await buildServer(config, { db: inner })]
    const token = (await login(a, AGENT1)).body.accessToken
    const tccc = (app: typeof a) => app.inject({ method: 'POST', url: '/api/tccc/token', headers: { authorization: `Bearer ${token}` } })
    expect((await tccc(a)).statusCode).toBe(200)
    expect((await tccc(b)).statusCode).toBe(200)
    expect((await a.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(204)
    const onB = await tccc(b)
    expect(onB.statusCode).toBe(401)
    expect(onB.json().error.code).toBe('SESSION_EXPIRED')
    expect((await tccc(a)).json().error.code).toBe('SESSION_EXPIRED')
    await Promise.all([a.close(), b.close()])
  })
})

describe.skipIf(findPgBin() === null)('session check on PostgreSQL: every check reads the database', () => {
  let pg: TestPostgres
  let url: string
  let inner: Database
  beforeAll(async () => {
    pg = await startPostgres()
    url = await createDatabase(pg, 'session_check')
    inner = await openMigrated({ driver: 'postgres', url })
  })
  afterAll(async () => {
    await inner?.close()
    await pg?.stop()
  })

  it('holds nothing: a sign-out through another connection is seen at the next lookup', async () => {
    expect(inner.listenInline).toBeNull()
    const { db, counter } = counting(inner)
    const check = await openSessionCheck(db)
    await agentWithSessions(inner, 'seat-a', 's1')
    expect((await check.lookup('s1')).state).toBe('live')
    expect((await check.lookup('s1')).state).toBe('live')
    expect(counter.lookups).toBe(2)
    expect(check.size).toBe(0)
    const other = await openPostgres(url)
    await endSession(other, 's1', NOW)
    await other.close()
    expect(await check.lookup('s1')).toEqual({ state: 'ended' })
    await check.close()
  })

  it('checks arriving together share one statement, each with its own answer', async () => {
    await resetDatabase(inner)
    const { db, counter } = counting(inner)
    const check = await openSessionCheck(db)
    await agentWithSessions(inner, 'seat-a', 'live-1', 'live-2', 'gone')
    await endSession(inner, 'gone', NOW)
    const ids = ['live-1', 'gone', 'nope', 'live-2', 'live-1', 'gone', 'nope', 'live-2']
    const answers = await Promise.all(ids.map((id) => check.lookup(id)))
    expect(answers.map((a) => a.state)).toEqual(['live', 'ended', 'unknown', 'live', 'live', 'ended', 'unknown', 'live'])
    expect(answers[3]).toEqual({ state: 'live', agent: { username: 'seat-a@corp.example', userId: 'seat-a', passwordHash: HASH } })
    // The first went alone; the seven that came while it ran went together.
    expect(counter.lookups).toBe(2)
  })

  it('a check that arrives while a statement runs waits for the next one, so it sees a sign-out committed before it', async () => {
    await resetDatabase(inner)
    const { db, counter } = counting(inner)
    const check = await openSessionCheck(db)
    await agentWithSessions(inner, 'seat-a', 's1')
    let release = () => {}
    counter.gate = new Promise((resolve) => (release = resolve))
    const first = check.lookup('s1') // read "live", held at the gate
    // Its rows read, not just started: under load the statement could otherwise run after the sign-out.
    await vi.waitFor(() => expect(counter.read).toBe(1))
    await endSession(inner, 's1', NOW)
    const second = check.lookup('s1') // arrives after the sign-out
    counter.gate = null
    release()
    expect(await first).toMatchObject({ state: 'live' })
    expect(await second).toEqual({ state: 'ended' })
    expect(counter.lookups).toBe(2)
  })

  it('a failing statement fails the checks it carried, and the next runs; a burst runs in statements of at most 500 ids', async () => {
    await resetDatabase(inner)
    let fail = true
    const failing: Database = {
      ...counting(inner).db,
      query: async (sql, params, options) => {
        if (sql.includes(LOOKUP) && fail) {
          fail = false
          throw new Error('connection reset')
        }
        return inner.query(sql, params, options)
      },
    }
    const check = await openSessionCheck(failing)
    await agentWithSessions(inner, 'seat-a', 's1')
    const [a, b] = await Promise.allSettled([check.lookup('s1'), check.lookup('s1')])
    expect(a).toMatchObject({ status: 'rejected', reason: new Error('connection reset') })
    expect(b).toMatchObject({ status: 'fulfilled', value: { state: 'live' } })

    const { db, counter } = counting(inner)
    const burst = await openSessionCheck(db)
    const answers = await Promise.all(Array.from({ length: 1201 }, (_, i) => burst.lookup(i === 1200 ? 's1' : `none-${i}`)))
    expect(answers.filter((x) => x.state === 'unknown')).toHaveLength(1200)
    expect(answers[1200].state).toBe('live')
    expect(counter.lookups).toBe(1 + Math.ceil(1200 / MAX_BATCH)) // the first alone, then 500 + 500 + 200
  })
})
