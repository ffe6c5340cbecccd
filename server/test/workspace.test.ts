// @vitest-environment node
/**
 * The workspace sync API (docs/WORKSPACE_API.md) through the real server, on both drivers:
 * PGlite in memory and a throwaway PostgreSQL cluster. One database per driver for the file.
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../src/app'
import type { Database } from '../src/db'
import { changesInLastDay, pruneChangeIds, pullChanges, pullChangesJson } from '../src/db/workspace'
import { AGENT1, AGENT2, answeredCallData, login, mockConfig, type PulledChange as Change } from './helpers'
import { BOTH_DRIVERS, freshBackendPerTest } from './backendPerDriver'

// Sign-ins (scrypt) and databases on a shared 2-core machine: generous limits.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)

describe.each(BOTH_DRIVERS)('workspace API on $name', (driver) => {
  let db: Database
  let app: FastifyInstance
  let token1: string
  let token2: string

  freshBackendPerTest(driver, () => NOW, async (openedDb, started) => {
    db = openedDb
    app = started
    token1 = (await login(app, AGENT1)).body.accessToken
    token2 = (await login(app, AGENT2)).body.accessToken
  })

  const auth = (token: string) => ({ authorization: `Bearer ${token}` })
  const push = async (token: string, changes: unknown[]) => {
    const res = await app.inject({ method: 'POST', url: '/api/workspace/changes', headers: auth(token), payload: { changes } })
    expect(res.statusCode).toBe(200)
    return (res.json() as { results: { changeId: string; status: string; reason?: string; rev?: string; merged?: boolean }[] }).results
  }
  const pullAll = async (token: string, since = '0', limit = 1000) => {
    const res = await app.inject({ method: 'GET', url: `/api/workspace/changes?since=${since}&limit=${limit}`, headers: auth(token) })
    expect(res.statusCode).toBe(200)
    return res.json() as { changes: Change[]; cursor: string; more: boolean }
  }
  const number = (changeId: string, id: string, data: Record<string, unknown>) => ({ changeId, kind: 'number', op: 'upsert', id, data })
  const call = (changeId: string, id: string, data: Record<string, unknown> = {}) => ({
    changeId,
    kind: 'call',
    op: 'upsert',
    id,
    data: answeredCallData(NOW, data),
  })

  it('a NUL or half a surrogate pair in one change rejects that change alone; the rest of the push lands', async () => {
    // The database refuses such text; it used to fail the whole push with a 500, for good.
    const results = await push(token1, [
      number('c1', 'n1', { number: '13900001234', remark: 'Zhang San' }),
      call('c2', 'k2', { note: 'paste\u0000d' }),
      call('c3', 'k3', { endReason: 'local-hangup', sessionId: 'half\ud83d' }),
      { changeId: 'c4', kind: 'number', op: 'upsert', id: 'n4', data: { number: '13900001235', ['re\u0000mark']: 'x' } },
      number('c5', 'n5', { number: '13900001236', remark: 'whole \ud83d\ude00 pair' }),
    ])
    expect(results.map((r) => [r.changeId, r.status, r.reason])).toEqual([
      ['c1', 'applied', undefined],
      ['c2', 'rejected', 'INVALID_FIELD'],
      ['c3', 'rejected', 'INVALID_FIELD'],
      ['c4', 'rejected', 'INVALID_FIELD'],
      ['c5', 'applied', undefined],
    ])
    const mine = (await pullAll(token1)).changes.filter((c) => c.kind === 'number' || c.kind === 'call')
    expect(mine.map((c) => [c.id, c.data?.remark])).toEqual([
      ['n1', 'Zhang San'],
      ['n5', 'whole \ud83d\ude00 pair'],
    ])
  })

  it("one agent's burst of pushes: two at a time, the rest 429 with Retry-After; another agent is not held back", async () => {
    // 200 new numbers per push, each push its own block of numbers (139<block><7 digits>).
    const batch = (block: number) => Array.from({ length: 200 }, (_, i) => number(`b${block}-${i}`, `b${block}-n${i}`, { number: `139${block}${String(i).padStart(7, '0')}` }))
    const send = (token: string, block: number) => app.inject({ method: 'POST', url: '/api/workspace/changes', headers: auth(token), payload: { changes: batch(block) } })
    const blocks = [0, 1, 2, 3]
    const [other, ...mine] = await Promise.all([send(token2, 9), ...blocks.map((block) => send(token1, block))])
    expect(mine.map((r) => r.statusCode).sort()).toEqual([200, 200, 429, 429])
    for (const r of mine.filter((x) => x.statusCode === 429)) {
      expect(r.headers['retry-after']).toBe('1')
      expect(r.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } })
    }
    expect(other.statusCode).toBe(200)
    // Nothing stays counted after the burst: the refused pushes go through when sent again.
    for (const block of blocks.filter((_, i) => mine[i].statusCode === 429)) expect((await send(token1, block)).statusCode).toBe(200)
    const first = await pullAll(token1, '0', 1000)
    const rest = first.more ? (await pullAll(token1, first.cursor)).changes : []
    expect([...first.changes, ...rest].filter((x) => x.kind === 'number')).toHaveLength(800)
  })

  it("a push takes one of the agent's two slots before its body is read, and gives it back whatever its end", async () => {
    const batch = (block: number) => Array.from({ length: 200 }, (_, i) => number(`s${block}-${i}`, `s${block}-n${i}`, { number: `137${block}${String(i).padStart(7, '0')}` }))
    const valid = (block: number) => app.inject({ method: 'POST', url: '/api/workspace/changes', headers: auth(token1), payload: { changes: batch(block) } })
    const malformed = () => app.inject({ method: 'POST', url: '/api/workspace/changes', headers: { ...auth(token1), 'content-type': 'application/json' }, payload: '{"changes": [' })
    // Two pushes under way: the next two are refused before their bodies are parsed (a body that
    // is not JSON would answer 400 once read).
    const all = await Promise.all([valid(1), valid(2), malformed(), malformed()])
    expect(all.map((r) => r.statusCode)).toEqual([200, 200, 429, 429])
    // Bodies refused (not JSON, too large) and pushes that failed give their slots back.
    for (let i = 0; i < 3; i += 1) expect((await malformed()).statusCode).toBe(400)
    const huge = { changes: [number('big', 'big', { number: '13900000000', remark: 'x'.repeat(1024 * 1024) })] }
    for (let i = 0; i < 3; i += 1) expect((await app.inject({ method: 'POST', url: '/api/workspace/changes', headers: auth(token1), payload: huge })).statusCode).toBe(413)
    for (let i = 0; i < 3; i += 1) expect((await app.inject({ method: 'POST', url: '/api/workspace/changes?agent=someone', headers: auth(token1), payload: { changes: [] } })).statusCode).toBe(404)
    const again = await Promise.all([valid(3), valid(4)])
    expect(again.map((r) => r.statusCode)).toEqual([200, 200])
  })

  it("past the day's change budget an agent's pushes are refused before their bodies are read, until the window slides; others go on", async () => {
    await app.close()
    let clock = NOW
    app = await buildServer(mockConfig({ WORKSPACE_CHANGES_PER_DAY: '5' }), { db, now: () => clock, report: () => {} })
    token1 = (await login(app, AGENT1)).body.accessToken
    token2 = (await login(app, AGENT2)).body.accessToken
    const three = (tag: string) => [0, 1, 2].map((i) => number(`${tag}${i}`, `${tag}n${i}`, { number: `1390000${tag === 'a' ? 1 : 2}${tag === 'c' ? 9 : 0}0${i}` }))
    expect((await push(token1, three('a'))).map((r) => r.status)).toEqual(['applied', 'applied', 'applied'])
    // 3 of 5 used: the next push is taken whole (the budget is checked before the body).
    expect((await push(token1, three('b'))).map((r) => r.status)).toEqual(['applied', 'applied', 'applied'])
    const refused = await app.inject({ method: 'POST', url: '/api/workspace/changes', headers: { ...auth(token1), 'content-type': 'application/json' }, payload: '{not json' })
    expect(refused.statusCode).toBe(429)
    expect(refused.headers['retry-after']).toBe('3600')
    expect(refused.json()).toEqual({ error: { code: 'RATE_LIMITED', message: 'At most 5 workspace changes of one agent in 24 hours; try again later' } })
    // Another agent, and this agent's pulls, are not held back.
    expect((await push(token2, three('c'))).map((r) => r.status)).toEqual(['applied', 'applied', 'applied'])
    expect((await pullAll(token1)).changes.filter((c) => c.kind === 'number')).toHaveLength(6)
    // A day later the window has slid past them.
    clock = NOW + 86_400_001
    token1 = (await login(app, AGENT1)).body.accessToken
    expect((await push(token1, [number('d0', 'dn0', { number: '13900003000' })])).map((r) => r.status)).toEqual(['applied'])
  })

  it('remembers change ids for 30 days: a repeat within them is a duplicate, older ones are forgotten by maintenance', async () => {
    expect((await push(token1, [number('old', 'n-old', { number: '13900004000' })]))[0].status).toBe('applied')
    expect((await push(token1, [number('old', 'n-old', { number: '13900004000' })]))[0].status).toBe('duplicate')
    const day = 86_400_000
    expect(await pruneChangeIds(db, NOW + 30 * day - 1)).toBe(0)
    expect(await pruneChangeIds(db, NOW + 30 * day + 1)).toBe(1)
    expect(await changesInLastDay(db, AGENT1.username, NOW + 1)).toBe(0)
    // Forgotten: the same change again is applied as new (an upsert of the same data).
    expect((await push(token1, [number('old', 'n-old', { number: '13900004000' })]))[0].status).toBe('applied')
    expect(await changesInLastDay(db, AGENT1.username, NOW + 1)).toBe(1)
  })

  it('refuses a body that is not UTF-8, and a sign-in name with a NUL, with a 400', async () => {
    const payload = Buffer.concat([Buffer.from('{"changes":[{"changeId":"c1","kind":"number","op":"upsert","id":"n1","data":{"number":"13900001234","remark":"caf'), Buffer.from([0xe9, 0xff, 0xc3]), Buffer.from('"}}]}')])
    const res = await app.inject({ method: 'POST', url: '/api/workspace/changes', headers: { ...auth(token1), 'content-type': 'application/json' }, payload })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: { code: 'BAD_REQUEST', message: 'Request body is not valid UTF-8' } })
    expect((await pullAll(token1)).changes.filter((c) => c.kind === 'number')).toEqual([])
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'agent1@example.com\u0000', password: 'x' } })
    expect(login.statusCode).toBe(400)
    expect(login.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } })
  })

  it('pages the agent\'s own and the shared records merged in rev order, never another agent\'s', async () => {
    const before = (await pullChanges(db, AGENT1.username, 0n, 1000)).cursor
    // Interleaved revs (one statement each, in order), more shared records than a page holds.
    const rows: Array<[string, string, string]> = [
      [AGENT1.username, 'number', 'own-1'],
      ['', 'setting', 'shared-1'],
      [AGENT2.username, 'number', 'other-1'],
      [AGENT1.username, 'call', 'own-2'],
      ['', 'outcome', 'shared-2'],
      ['', 'outcome', 'shared-3'],
      ['', 'setting', 'shared-4'],
      [AGENT1.username, 'number', 'own-3'],
    ]
    for (const [agent, kind, id] of rows) {
      await db.query(`INSERT INTO workspace_records (agent, kind, id, rev, deleted, data) VALUES ($1, $2, $3, nextval('workspace_rev'), false, '{}'::jsonb)`, [agent, kind, id])
    }
    // resetDatabase keeps shared records: these go when the test ends, whatever it finds.
    onTestFinished(async () => {
      await db.query(`DELETE FROM workspace_records WHERE id = ANY($1::text[])`, [rows.map(([, , id]) => id)])
    })
    const pages: string[][] = []
    let cursor = before
    for (let more = true; more; ) {
      const page = await pullChanges(db, AGENT1.username, BigInt(cursor), 2)
      pages.push(page.changes.map((c) => c.id))
      expect(page.cursor).toBe(page.changes.at(-1)?.rev ?? cursor)
      ;({ cursor, more } = page)
    }
    expect(pages).toEqual([['own-1', 'shared-1'], ['own-2', 'shared-2'], ['shared-3', 'shared-4'], ['own-3']])
    // Another agent sees the shared ones and its own, never agent1's.
    expect((await pullChanges(db, AGENT2.username, BigInt(before), 10)).changes.map((c) => c.id)).toEqual(['shared-1', 'other-1', 'shared-2', 'shared-3', 'shared-4'])
  })

  it('serialises a page as the same JSON the records parse to (awkward text, tombstones, empty pages)', async () => {
    const before = (await pullChanges(db, AGENT1.username, 0n, 1000)).cursor
    const awkward = { number: '+86 138-0013-8000', remark: 'Say "hi" \\ back\nslash\ttab \u0001 坐席 😀 </script>', nested: { list: [1, 2.5, -3e-7, true, null] } }
    const rows: Array<[string, string, boolean, string | null]> = [
      ['number', 'json-1', false, JSON.stringify(awkward)],
      ['call', 'json-2', true, '{"stale":true}'], // a tombstone's data never goes out
      ['number', 'json-3', false, '{}'],
      // Written by hand, outside the id rule the API enforces: still escaped, not pasted in.
      ['number', 'legacy "quoted" \\ id', false, '{}'],
      ['setting', 'json-4', false, '{"a":1}'],
    ]
    for (const [kind, id, deleted, data] of rows) {
      await db.query(`INSERT INTO workspace_records (agent, kind, id, rev, deleted, data) VALUES ($1, $2, $3, nextval('workspace_rev'), $4, $5::jsonb)`, [AGENT1.username, kind, id, deleted, data])
    }
    for (const limit of [1, 2, 10]) {
      let cursor = before
      for (let more = true; more; ) {
        const expected = await pullChanges(db, AGENT1.username, BigInt(cursor), limit)
        expect(JSON.parse(await pullChangesJson(db, AGENT1.username, BigInt(cursor), limit))).toEqual(expected)
        ;({ cursor, more } = expected)
      }
      expect(JSON.parse(await pullChangesJson(db, AGENT1.username, BigInt(cursor), limit))).toEqual({ changes: [], cursor, more: false })
    }
    expect((await pullChanges(db, AGENT1.username, BigInt(before), 10)).changes.map((c) => [c.id, c.data])).toEqual([
      ['json-1', awkward],
      ['json-2', null],
      ['json-3', {}],
      ['legacy "quoted" \\ id', {}],
      ['json-4', { a: 1 }],
    ])
  })

  it('a first pull has the outcome catalogue and the wrap-up setting, nothing else', async () => {
    const { changes, more } = await pullAll(token1)
    expect(more).toBe(false)
    const outcomes = changes.filter((c) => c.kind === 'outcome')
    expect(outcomes.map((c) => c.id)).toEqual(['interested', 'not-interested', 'callback', 'wrong-number', 'no-answer', 'deal'])
    expect(outcomes.filter((c) => c.data?.final).map((c) => c.id)).toEqual(['not-interested', 'wrong-number', 'deal'])
    expect(outcomes[0].data).toEqual({ code: 'interested', labelZh: '有意向', labelEn: 'Interested', final: false, position: 1 })
    expect(changes.find((c) => c.kind === 'setting')).toMatchObject({ id: 'wrapup', data: { connected: 'required', unanswered: 'optional' } })
    expect(changes.some((c) => c.kind === 'number' || c.kind === 'call')).toBe(false)
  })

  it('applies creates, partial updates and tombstones; a pull from the cursor sees only what changed', async () => {
    const start = (await pullAll(token1)).cursor
    const r1 = await push(token1, [number('c1', 'n1', { number: '+86 138-0013-8000', remark: 'Alice', createdAt: NOW }), call('c2', 'k1')])
    expect(r1.map((r) => r.status)).toEqual(['applied', 'applied'])
    expect(BigInt(r1[1].rev as string)).toBeGreaterThan(BigInt(r1[0].rev as string))
    const first = await pullAll(token1, start)
    expect(first.changes.map((c) => [c.kind, c.id])).toEqual([
      ['number', 'n1'],
      ['call', 'k1'],
    ])
    expect(first.changes[0].data).toEqual({ number: '+8613800138000', remark: 'Alice', source: 'own', createdAt: NOW })

    // Partial update names only the remark; the wrap-up updates the call.
    await push(token1, [number('c3', 'n1', { remark: 'Alice Wang' }), call('c4', 'k1', { disposition: 'callback', note: 'after 6', callbackAt: NOW + 3 * 86_400_000 })])
    const second = await pullAll(token1, first.cursor)
    expect(second.changes[0].data).toMatchObject({ number: '+8613800138000', remark: 'Alice Wang' })
    expect(second.changes[1].data).toMatchObject({ disposition: 'callback', note: 'after 6', callbackAt: NOW + 3 * 86_400_000 })

    await push(token1, [{ changeId: 'c5', kind: 'number', op: 'delete', id: 'n1' }])
    const third = await pullAll(token1, second.cursor)
    expect(third.changes).toEqual([{ kind: 'number', id: 'n1', rev: expect.any(String), deleted: true, data: null }])
    const single = await app.inject({ method: 'GET', url: '/api/workspace/numbers/n1', headers: auth(token1) })
    expect(single.statusCode).toBe(404)

    // An upsert of a deleted id revives it.
    await push(token1, [number('c6', 'n1', { number: '13800138000' })])
    const revived = await app.inject({ method: 'GET', url: '/api/workspace/numbers/n1', headers: auth(token1) })
    expect(revived.json()).toMatchObject({ deleted: false, data: { number: '13800138000', remark: '13800138000' } })
  })

  it('is idempotent by changeId: a repeat (also within one batch) answers duplicate and changes nothing', async () => {
    const a = await push(token1, [number('same', 'n1', { number: '111222' }), number('same', 'n1', { number: '333444' })])
    expect(a.map((r) => r.status)).toEqual(['applied', 'duplicate'])
    const again = await push(token1, [number('same', 'n1', { number: '555666' })])
    expect(again).toEqual([{ changeId: 'same', status: 'duplicate' }])
    const record = await app.inject({ method: 'GET', url: '/api/workspace/numbers/n1', headers: auth(token1) })
    expect(record.json().data.number).toBe('111222')
    // Another agent may use the same changeId and record id: they are scoped per agent.
    expect((await push(token2, [number('same', 'n1', { number: '777888' })]))[0].status).toBe('applied')
  })

  it('last writer wins by server receive order', async () => {
    await push(token1, [number('w1', 'n1', { number: '111222', remark: 'phone A' })])
    await push(token1, [number('w2', 'n1', { remark: 'phone B' })])
    await push(token1, [number('w3', 'n1', { remark: 'phone A again' })])
    const record = await app.inject({ method: 'GET', url: '/api/workspace/numbers/n1', headers: auth(token1) })
    expect(record.json().data.remark).toBe('phone A again')
  })

  it('rejects each bad change alone with its reason; the rest of the batch applies', async () => {
    await push(token1, [number('ok0', 'existing', { number: '123456789' })])
    const results = await push(token1, [
      number('b1', 'x1', { number: 'abc' }),
      number('b2', 'x2', { number: '123', remark: 'r'.repeat(51) }),
      number('b3', 'x3', { number: '1234', colour: 'red' }),
      { changeId: 'b4', kind: 'contact', op: 'upsert', id: 'x4', data: {} },
      number('b5', 'bad id!', { number: '1234' }),
      number('b6', 'x6', { number: '1234', createdAt: Date.UTC(2019, 0, 1) }),
      number('b7', 'x7', { number: '123-456-789' }),
      { changeId: 'b8', kind: 'outcome', op: 'upsert', id: 'deal', data: { labelEn: 'Won' } },
      { changeId: 'b9', kind: 'number', op: 'delete', id: 'never-was' },
      { changeId: 'b10', kind: 'number', op: 'upsert', id: 'x10', data: { number: '1234' }, extra: 1 },
      call('b11', 'k11', { disposition: 'not-a-code' }),
      call('b12', 'k12', { startedAt: NOW + 3 * 86_400_000, endedAt: NOW + 3 * 86_400_000 }),
      call('b13', 'k13', { note: 'n'.repeat(501) }),
      { changeId: 'b14', kind: 'number', op: 'rename', id: 'x14' },
      'not an object',
      number('ok1', 'fine', { number: '987654' }),
    ])
    expect(results.map((r) => r.reason ?? r.status)).toEqual([
      'INVALID_NUMBER',
      'INVALID_REMARK',
      'UNKNOWN_FIELD',
      'UNKNOWN_KIND',
      'INVALID_ID',
      'INVALID_TIMESTAMP',
      'DUPLICATE_NUMBER',
      'READ_ONLY_KIND',
      // A delete of an id with no record leaves a tombstone (a restore may have lost the record).
      'applied',
      'UNKNOWN_FIELD',
      'INVALID_FIELD',
      'INVALID_TIMESTAMP',
      'INVALID_FIELD',
      'INVALID_FIELD',
      'INVALID_ID',
      'applied',
    ])
    const numbers = (await pullAll(token1)).changes.filter((c) => c.kind === 'number' && !c.deleted).map((c) => c.id)
    expect(numbers).toEqual(['existing', 'fine'])
    const deal = (await pullAll(token1)).changes.find((c) => c.id === 'deal')
    expect(deal?.data?.labelEn).toBe('Deal')
  })

  it('treats +86 and 0086 spellings of a listed phone as duplicates, from the phone and from assign-numbers', async () => {
    const { assignNumbers } = await import('../src/db/workspace')
    const results = await push(token1, [
      number('p1', 'plain', { number: '13900139003' }),
      number('p2', 'prefixed', { number: '+8613900139003' }),
      number('p3', 'zeros', { number: '008613900139003' }),
      number('p4', 'other', { number: '+8613900139004' }),
      number('p5', 'plain', { number: '+8613900139003' }), // the entry itself may change its spelling
    ])
    expect(results.map((r) => r.reason ?? r.status)).toEqual(['applied', 'DUPLICATE_NUMBER', 'DUPLICATE_NUMBER', 'applied', 'applied'])
    const report = await assignNumbers(db, 'agent1@example.com', [
      { line: 1, number: '13900139004', remark: 'Lead' },
      { line: 2, number: '0086 13900139003', remark: 'Lead' },
      { line: 3, number: '13900139005', remark: 'Lead' },
      { line: 4, number: '+8613900139005', remark: 'Again' },
    ], NOW)
    expect(report).toEqual({ added: 1, duplicate: 3, invalid: [] })
    // Another agent's list is not looked at.
    expect((await assignNumbers(db, 'agent2@example.com', [{ line: 1, number: '+8613900139003', remark: '' }], NOW)).added).toBe(1)
  })

  describe('a duplicate add keeps its remark in the entry that stays', () => {
    const add = (changeId: string, id: string, num: string, remark: string) => number(changeId, id, { number: num, remark, source: 'own', createdAt: NOW - 1000 })
    const get = async (token: string, id: string) => app.inject({ method: 'GET', url: `/api/workspace/numbers/${id}`, headers: auth(token) })
    const liveNumbers = async (token: string) => (await pullAll(token)).changes.filter((c) => c.kind === 'number' && !c.deleted)

    it('two phones add one customer offline: the second is refused as before (merged: true) and every phone pulls both remarks', async () => {
      const phoneA = token1
      const phoneB = (await login(app, AGENT1)).body.accessToken
      expect(await push(phoneA, [add('a1', 'from-a', '13900001234', 'Zhang, wants a quote')])).toEqual([{ changeId: 'a1', status: 'applied', rev: expect.any(String) }])
      const cursorA = (await pullAll(phoneA)).cursor
      // Phone B, offline meanwhile, had added the same phone in another spelling.
      expect(await push(phoneB, [add('b1', 'from-b', '+86 139 0000 1234', 'call after 6pm')])).toEqual([{ changeId: 'b1', status: 'rejected', reason: 'DUPLICATE_NUMBER', merged: true }])
      // What the app does next: its record is not on the server (it drops its copy) ...
      expect((await get(phoneB, 'from-b')).statusCode).toBe(404)
      // ... and the next pull, on either phone, brings the entry with both remarks.
      const sinceA = (await pullAll(phoneA, cursorA)).changes
      expect(sinceA.map((c) => [c.id, c.data])).toEqual([['from-a', { number: '13900001234', remark: 'Zhang, wants a quote | call after 6pm', source: 'own', createdAt: NOW - 1000 }]])
      expect((await liveNumbers(phoneB)).map((c) => [c.id, c.data?.remark])).toEqual([['from-a', 'Zhang, wants a quote | call after 6pm']])
    })

    it('the same change twice is merged once; the same remark again, no remark, or an edit refused as a duplicate change nothing', async () => {
      await push(token1, [add('a1', 'kept', '13900001234', 'Zhang')])
      const merged = await push(token1, [add('b1', 'dup', '13900001234', 'boss'), add('b1', 'dup', '13900001234', 'boss')])
      expect(merged.map((r) => [r.status, r.reason, r.merged])).toEqual([
        ['rejected', 'DUPLICATE_NUMBER', true],
        ['duplicate', undefined, undefined],
      ])
      // A phone that lost the answer sends it again: a duplicate, not a second append.
      expect((await push(token1, [add('b1', 'dup', '13900001234', 'boss')]))[0].status).toBe('duplicate')
      const before = (await liveNumbers(token1))[0]
      expect(before.data?.remark).toBe('Zhang | boss')
      const unchanged = await push(token1, [
        add('c1', 'dup2', '0086 13900001234', 'boss'), // a third phone, same remark: contained
        add('c2', 'dup3', '13900001234', ''), // no remark (the app stores the number then)
        add('c3', 'dup4', '13900001234', '+8613900001234'), // the number as its own remark
        add('c4', 'other', '13900005678', 'Li'),
        number('c5', 'other', { number: '13900001234', remark: 'edit onto Zhang' }), // an edit, not an add
      ])
      expect(unchanged.map((r) => [r.reason ?? r.status, r.merged])).toEqual([
        ['DUPLICATE_NUMBER', undefined],
        ['DUPLICATE_NUMBER', undefined],
        ['DUPLICATE_NUMBER', undefined],
        ['applied', undefined],
        ['DUPLICATE_NUMBER', undefined],
      ])
      const after = (await liveNumbers(token1)).find((c) => c.id === 'kept')
      // Not written again: same rev, so no phone pulls it for nothing.
      expect(after).toEqual(before)
    })

    it('an entry whose remark is only its number takes the added remark; a long one is cut with … to the limit, a full one is kept', async () => {
      const fortyFive = 'x'.repeat(45)
      await push(token1, [add('a1', 'bare', '13900000001', ''), add('a2', 'long', '13900000002', fortyFive), add('a3', 'full', '13900000003', 'y'.repeat(47))])
      const results = await push(token1, [
        add('b1', 'd1', '13900000001', 'Wang'),
        add('b2', 'd2', '13900000002', 'second note'),
        add('b3', 'd3', '13900000003', 'z'),
      ])
      expect(results.map((r) => r.merged)).toEqual([true, true, undefined])
      const remarks = Object.fromEntries((await liveNumbers(token1)).map((c) => [c.id, c.data?.remark]))
      expect(remarks).toEqual({ bare: 'Wang', long: `${fortyFive} | s…`, full: 'y'.repeat(47) })
      // 50 code points, the same rule a phone's own edit is checked by: the entry can be saved again as it is.
      expect(Array.from(remarks.long as string)).toHaveLength(50)
      expect((await push(token1, [number('e1', 'long', { remark: remarks.long })]))[0].status).toBe('applied')
    })

    it("an assigned number takes the agent's remark and stays the business's; a deleted number is no duplicate, and a revived tombstone merges like an add", async () => {
      const { assignNumbers } = await import('../src/db/workspace')
      await assignNumbers(db, 'agent1@example.com', [{ line: 1, number: '13900002222', remark: 'Lead from the fair' }], NOW)
      const results = await push(token1, [
        add('a1', 'own-of-assigned', '13900002222', 'met him there'),
        add('a2', 'gone', '13900003333', 'old'),
        { changeId: 'a3', kind: 'number', op: 'delete', id: 'gone' },
        add('a4', 'again', '13900003333', 'new'), // the deleted one is no duplicate
        add('a5', 'gone', '13900003333', 'revived'), // its tombstone revived: an add of a listed phone
      ])
      expect(results.map((r) => [r.reason ?? r.status, r.merged])).toEqual([
        ['DUPLICATE_NUMBER', true],
        ['applied', undefined],
        ['applied', undefined],
        ['applied', undefined],
        ['DUPLICATE_NUMBER', true],
      ])
      const numbers = await liveNumbers(token1)
      const assigned = numbers.find((c) => c.id.startsWith('a-'))
      expect(assigned?.data).toEqual({ number: '13900002222', remark: 'Lead from the fair | met him there', source: 'assigned', createdAt: NOW })
      expect(numbers.filter((c) => !c.id.startsWith('a-')).map((c) => [c.id, c.data?.remark])).toEqual([['again', 'new | revived']])
      // Another agent's list is never merged into.
      expect((await push(token2, [add('o1', 'theirs', '13900002222', 'agent 2')]))[0].status).toBe('applied')
      expect((await liveNumbers(token1)).find((c) => c.id.startsWith('a-'))?.data?.remark).toBe('Lead from the fair | met him there')
    })

    it('two phones pushing at once: one add applies, the other is merged, each remark exactly once', async () => {
      const phoneB = (await login(app, AGENT1)).body.accessToken
      for (let round = 0; round < 3; round++) {
        const phone = `1390000${String(round).padStart(4, '0')}`
        const [a, b] = await Promise.all([
          push(token1, [add(`a${round}`, `side-a-${round}`, phone, 'from A')]),
          push(phoneB, [add(`b${round}`, `side-b-${round}`, phone, 'from B')]),
        ])
        expect([a[0].status, b[0].status].sort()).toEqual(['applied', 'rejected'])
        expect([a[0], b[0]].find((r) => r.status === 'rejected')).toMatchObject({ reason: 'DUPLICATE_NUMBER', merged: true })
        const entries = (await liveNumbers(token1)).filter((c) => c.data?.number === phone)
        expect(entries).toHaveLength(1)
        expect(['from A | from B', 'from B | from A']).toContain(entries[0].data?.remark)
      }
      // The same change sent by two requests at once (a retry racing the first): merged once.
      await push(token1, [add('k0', 'kept', '13900009999', 'first')])
      const twice = await Promise.all([push(token1, [add('k1', 'late', '13900009999', 'second')]), push(phoneB, [add('k1', 'late', '13900009999', 'second')])])
      expect(twice.map((r) => r[0].status).sort()).toEqual(['duplicate', 'rejected'])
      expect((await liveNumbers(token1)).find((c) => c.id === 'kept')?.data?.remark).toBe('first | second')
    })
  })

  it("writes an assigned file last line first, so a phone lists it in the file's order (newest block first)", async () => {
    const { assignNumbers } = await import('../src/db/workspace')
    const report = await assignNumbers(db, 'agent1@example.com', [
      { line: 1, number: '13900139101', remark: 'Priority 1' },
      { line: 2, number: '13900139102', remark: 'Priority 2' },
      { line: 3, number: 'bad', remark: '' },
      { line: 4, number: '+8613900139101', remark: 'Priority 1 again' },
      { line: 5, number: '13900139103', remark: 'Priority 3' },
    ], NOW)
    expect(report).toEqual({ added: 3, duplicate: 1, invalid: [{ line: 3, reason: 'NUMBER_NOT_DIGITS' }] })
    // Server order (rev) is oldest first; the phone shows the latest first.
    const remarks = (await pullAll(token1)).changes.filter((c) => c.kind === 'number').map((c) => c.data?.remark)
    expect(remarks.reverse()).toEqual(['Priority 1', 'Priority 2', 'Priority 3'])
  })

  it("an assigned number's identity is read-only for the phone; its remark is not, and it may be deleted", async () => {
    const { assignNumbers } = await import('../src/db/workspace')
    const report = await assignNumbers(db, 'agent1@example.com', [
      { line: 1, number: '13900139000', remark: 'Lead A' },
      { line: 2, number: 'nope', remark: '' },
    ], NOW)
    expect(report).toEqual({ added: 1, duplicate: 0, invalid: [{ line: 2, reason: 'NUMBER_NOT_DIGITS' }] })
    const assigned = (await pullAll(token1)).changes.find((c) => c.kind === 'number')
    expect(assigned?.data).toEqual({ number: '13900139000', remark: 'Lead A', source: 'assigned', createdAt: NOW })
    const id = assigned?.id as string
    const results = await push(token1, [
      number('a1', id, { number: '13900139001' }),
      number('a2', id, { source: 'own' }),
      number('a3', id, { remark: 'Lead A (boss)' }),
      number('a4', 'mine', { number: '5551234', source: 'assigned' }),
    ])
    expect(results.map((r) => r.reason ?? r.status)).toEqual(['ASSIGNED_READONLY', 'ASSIGNED_READONLY', 'applied', 'ASSIGNED_READONLY'])
    expect((await push(token1, [{ changeId: 'a5', kind: 'number', op: 'delete', id }]))[0].status).toBe('applied')
    // Deleted, its id is still the business's: no number of the phone's own comes back under it.
    expect((await push(token1, [number('a6', id, { number: '13900139002', source: 'own' })]))[0].reason).toBe('ASSIGNED_READONLY')
    expect((await push(token1, [number('a7', id, { number: '13900139000', remark: 'again' })]))[0].reason).toBe('ASSIGNED_READONLY')
    // Agent 2 sees none of it.
    expect((await pullAll(token2)).changes.filter((c) => c.kind === 'number')).toEqual([])
  })

  it("answers 404 for another agent's name or record id, never data", async () => {
    await push(token1, [number('p1', 'n1', { number: '111222' }), call('p2', 'k1')])
    for (const url of ['/api/workspace/numbers/n1', '/api/workspace/calls/k1', '/api/workspace/changes?agent=agent1%40example.com']) {
      const res = await app.inject({ method: 'GET', url, headers: auth(token2) })
      expect(res.statusCode).toBe(404)
      expect(res.json().error.code).toBe('NOT_FOUND')
      expect(res.body).not.toContain('111222')
    }
    expect((await app.inject({ method: 'GET', url: '/api/workspace/calls/k1', headers: auth(token1) })).json().data.durationSec).toBe(50)
    // Agent 2 deleting agent 1's id: a tombstone of agent 2's own (as for any id agent 2 has no
    // record of), agent 1's record untouched.
    expect((await push(token2, [{ changeId: 'd1', kind: 'number', op: 'delete', id: 'n1' }]))[0].status).toBe('applied')
    expect((await app.inject({ method: 'GET', url: '/api/workspace/numbers/n1', headers: auth(token1) })).statusCode).toBe(200)
  })

  it('pages pulls with more/cursor', async () => {
    const base = (await pullAll(token1)).cursor
    // 120 changes cross the 99 -> 100 revision boundary: order is numeric, not textual.
    await push(token1, Array.from({ length: 120 }, (_, i) => number(`pg${i}`, `n${i}`, { number: `1000${i}` })))
    const seen: string[] = []
    const revs: bigint[] = []
    let cursor = base
    for (let page = 0; page < 10; page++) {
      const r = await pullAll(token1, cursor, 50)
      seen.push(...r.changes.map((c) => c.id))
      revs.push(...r.changes.map((c) => BigInt(c.rev)))
      cursor = r.cursor
      if (!r.more) break
    }
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => `n${i}`))
    expect(revs.every((rev, i) => i === 0 || rev > revs[i - 1])).toBe(true)
  })

  it('refuses malformed envelopes, oversized batches and bodies with 400/413 and applies nothing', async () => {
    const before = (await pullAll(token1)).cursor
    const bad: [unknown, number][] = [
      [[1, 2], 400],
      [{ changes: 'x' }, 400],
      [{ changes: [], other: 1 }, 400],
      [{ changes: Array.from({ length: 501 }, (_, i) => number(`o${i}`, `o${i}`, { number: `2000${i}` })) }, 400],
      [{ changes: [number('big', 'big', { number: '123456', remark: 'x'.repeat(1024 * 1024) })] }, 413],
    ]
    for (const [payload, status] of bad) {
      const res = await app.inject({ method: 'POST', url: '/api/workspace/changes', headers: auth(token1), payload: payload as object })
      expect(res.statusCode).toBe(status)
      expect(res.json().error.code).toBe('BAD_REQUEST')
    }
    for (const url of ['/api/workspace/changes?since=abc', '/api/workspace/changes?limit=1001', '/api/workspace/changes?limit=0']) {
      expect((await app.inject({ method: 'GET', url, headers: auth(token1) })).statusCode).toBe(400)
    }
    expect((await pullAll(token1, before)).changes).toEqual([])
    expect((await app.inject({ method: 'GET', url: '/api/workspace/changes' })).statusCode).toBe(401)
  })

  it('takes exactly 500 changes in one push', async () => {
    const results = await push(token1, Array.from({ length: 500 }, (_, i) => number(`m${i}`, `m${i}`, { number: `3000${i}` })))
    expect(results.filter((r) => r.status === 'applied')).toHaveLength(500)
  })
})
