// @vitest-environment node
/**
 * Mutation survivors of server/src/db/owner.ts (who owns DATA_DIR) and server/src/db/workspace.ts
 * (each agent's numbers and calls, the change feed, the business's assign/export), issue 13:
 * docs/mutation/db-workspace.md. owner.ts runs on temporary folders; workspace.ts on one PGlite
 * database for the file, through its functions and, for what an agent sees, the real server.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { claimDataDir, claimDataDirWaiting, readOwner } from '../src/db/owner'
import { assignNumbers, attachCallDetail, CALL_CSV_HEADER, exportCallPages, exportCalls, getRecord, pullChanges, pushChanges } from '../src/db/workspace'
import { answeredCallData, databasePerFile } from './helpers'

const DEAD_PID = 2_000_000_000 // above any pid_max: process.kill answers ESRCH

describe('DATA_DIR ownership (mutation survivors)', () => {
  let root: string
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tccc-owner-'))
  })
  afterEach(() => {
    vi.restoreAllMocks()
    vi.useRealTimers()
    rmSync(root, { recursive: true, force: true })
  })
  const ownerFile = (dir: string) => path.join(dir, 'owner.json')
  const mode = (file: string) => statSync(file).mode & 0o777

  it('creates the folder (nested) and writes owner.json, mode 0600, naming this process and its role', () => {
    const dir = path.join(root, 'a', 'b')
    const claim = claimDataDir(dir, 'server')
    expect(claim.ok).toBe(true)
    expect(JSON.parse(readFileSync(ownerFile(dir), 'utf8'))).toEqual({ pid: process.pid, claim: expect.any(String), role: 'server' })
    expect(mode(ownerFile(dir))).toBe(0o600)
    expect(readOwner(dir)).toEqual({ pid: process.pid, claim: expect.any(String), role: 'server' })
    expect(readdirSync(dir)).toEqual(['owner.json'])
  })

  it('a second claim while the holder lives is refused and names the holder', () => {
    const first = claimDataDir(root, 'cli')
    expect(first.ok).toBe(true)
    expect(claimDataDir(root, 'server')).toEqual({ ok: false, owner: { pid: process.pid, claim: expect.any(String), role: 'cli' } })
    // The refused claim left the holder's file alone.
    expect(readOwner(root)).toEqual({ pid: process.pid, claim: expect.any(String), role: 'cli' })
  })

  it('update adds the port and admin key, keeps the rest, stays 0600 and leaves no temporary file', () => {
    const claim = claimDataDir(root, 'server')
    if (!claim.ok) throw new Error('not claimed')
    claim.update({ port: 8787 })
    claim.update({ adminKey: 'k' })
    expect(JSON.parse(readFileSync(ownerFile(root), 'utf8'))).toEqual({ pid: process.pid, claim: expect.any(String), role: 'server', port: 8787, adminKey: 'k' })
    expect(mode(ownerFile(root))).toBe(0o600)
    expect(readdirSync(root)).toEqual(['owner.json'])
  })

  it('release removes our own claim only; a claim taken over by another process stays; a second release is harmless', () => {
    const claim = claimDataDir(root, 'cli')
    if (!claim.ok) throw new Error('not claimed')
    claim.release()
    expect(existsSync(ownerFile(root))).toBe(false)
    claim.release()
    const again = claimDataDir(root, 'cli')
    if (!again.ok) throw new Error('not claimed')
    writeFileSync(ownerFile(root), JSON.stringify({ pid: DEAD_PID, role: 'server' }))
    again.release()
    expect(readOwner(root)).toEqual({ pid: DEAD_PID, role: 'server' })
  })

  it("a dead holder's claim is cleared and taken over, leaving no set-aside file", () => {
    writeFileSync(ownerFile(root), JSON.stringify({ pid: DEAD_PID, role: 'server', port: 1 }))
    const claim = claimDataDir(root, 'cli')
    expect(claim.ok).toBe(true)
    expect(readOwner(root)).toEqual({ pid: process.pid, claim: expect.any(String), role: 'cli' })
    expect(readdirSync(root)).toEqual(['owner.json'])
  })

  it('a holder that exists but may not be signalled (EPERM) still holds the folder', () => {
    writeFileSync(ownerFile(root), JSON.stringify({ pid: DEAD_PID, role: 'server' }))
    vi.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error('EPERM'), { code: 'EPERM' })
    })
    expect(claimDataDir(root, 'cli')).toEqual({ ok: false, owner: { pid: DEAD_PID, role: 'server' } })
  })

  it('an unreadable or pid-less owner.json is no owner and is cleared', () => {
    writeFileSync(ownerFile(root), JSON.stringify({ pid: '123', role: 'server' }))
    expect(readOwner(root)).toBeNull()
    writeFileSync(ownerFile(root), '{not json')
    expect(readOwner(root)).toBeNull()
    expect(readOwner(path.join(root, 'missing'))).toBeNull()
    // Older than a claim being written (created, not yet filled in): cleared.
    utimesSync(ownerFile(root), new Date(Date.now() - 5_000), new Date(Date.now() - 5_000))
    expect(claimDataDir(root, 'server').ok).toBe(true)
    expect(readOwner(root)).toEqual({ pid: process.pid, claim: expect.any(String), role: 'server' })
  })

  it('gives up after its attempts when the claim cannot be cleared, naming no live owner', () => {
    // owner.json is a folder (open says EEXIST, nobody can be read, unlink fails), so clearing
    // fails every time.
    mkdirSync(path.join(ownerFile(root), 'x'), { recursive: true })
    utimesSync(ownerFile(root), new Date(Date.now() - 5_000), new Date(Date.now() - 5_000))
    expect(claimDataDir(root, 'server')).toEqual({ ok: false, owner: { pid: 0, role: 'cli' } })
  })

  it('any other failure to create owner.json is thrown, not taken for a holder', () => {
    // /proc exists but no file can be created there (ENOENT, not EEXIST).
    expect(() => claimDataDir('/proc', 'cli')).toThrow(/ENOENT/)
  })

  it('waiting: a server holder is answered at once; a CLI holder is waited for until it lets go', async () => {
    const held = claimDataDir(root, 'server')
    if (!held.ok) throw new Error('not claimed')
    const started = Date.now()
    expect(await claimDataDirWaiting(root, 'cli', 5_000)).toEqual({ ok: false, owner: { pid: process.pid, claim: expect.any(String), role: 'server' } })
    expect(Date.now() - started).toBeLessThan(1_000)
    held.release()

    const cli = claimDataDir(root, 'cli')
    if (!cli.ok) throw new Error('not claimed')
    vi.useFakeTimers()
    vi.spyOn(Math, 'random').mockReturnValue(0.5) // polls every 50 + 50 ms
    let settled: Awaited<ReturnType<typeof claimDataDirWaiting>> | undefined
    void claimDataDirWaiting(root, 'server', 60_000).then((c) => (settled = c))
    await vi.advanceTimersByTimeAsync(120)
    cli.release()
    await vi.advanceTimersByTimeAsync(79)
    expect(settled).toBeUndefined() // looks at 0, 100, 200 ms
    await vi.advanceTimersByTimeAsync(1)
    expect(settled?.ok).toBe(true)
    expect(readOwner(root)).toEqual({ pid: process.pid, claim: expect.any(String), role: 'server' })
  })

  it('waiting gives up after the timeout with the CLI holder, and by default waits a minute', async () => {
    const cli = claimDataDir(root, 'cli')
    if (!cli.ok) throw new Error('not claimed')
    vi.useFakeTimers()
    vi.spyOn(Math, 'random').mockReturnValue(0) // polls every 50 ms
    let settled: Awaited<ReturnType<typeof claimDataDirWaiting>> | undefined
    void claimDataDirWaiting(root, 'server', 1_000).then((c) => (settled = c))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(settled).toBeUndefined()
    await vi.advanceTimersByTimeAsync(50)
    expect(settled).toEqual({ ok: false, owner: { pid: process.pid, claim: expect.any(String), role: 'cli' } })

    settled = undefined
    void claimDataDirWaiting(root, 'server').then((c) => (settled = c))
    await vi.advanceTimersByTimeAsync(59_950)
    expect(settled).toBeUndefined()
    await vi.advanceTimersByTimeAsync(100)
    expect(settled).toEqual({ ok: false, owner: { pid: process.pid, claim: expect.any(String), role: 'cli' } })
  })
})

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)
const A = 'agent1@example.com'
const B = 'agent2@example.com'

describe('workspace records (mutation survivors)', () => {
  const db = databasePerFile()

  const callData = (data: Record<string, unknown> = {}) => answeredCallData(NOW, data)
  const call = (changeId: string, id: string, data: Record<string, unknown> = {}) => ({ changeId, kind: 'call', op: 'upsert', id, data: callData(data) })
  const number = (changeId: string, id: string, data: Record<string, unknown>) => ({ changeId, kind: 'number', op: 'upsert', id, data })
  const reasons = async (agent: string, changes: unknown[]) => (await pushChanges(db, agent, changes, NOW)).map((r) => r.reason ?? r.status)
  const stored = async (agent: string, kind: string, id: string) =>
    (await db.query<{ data: Record<string, unknown> | null; deleted: boolean }>('SELECT data, deleted FROM workspace_records WHERE agent = $1 AND kind = $2 AND id = $3', [agent, kind, id]))[0]

  it('rejects a number change with the exact reason for each bad field', async () => {
    await pushChanges(db, A, [number('n0', 'has', { number: '123456' })], NOW)
    expect(
      await reasons(A, [
        number('b1', 'x1', { number: 123456 }),
        number('b2', 'x2', { remark: 'no number yet' }),
        number('b3', 'x3', { number: '123456', source: 'phone' }),
        number('b4', 'has', { remark: 42 }),
        number('b5', 'x5', { number: '654321', createdAt: NOW + 0.5 }),
        number('b6', 'x6', { number: '654321', createdAt: '2026-11-21' }),
        { changeId: 'b7', kind: 'number', op: 'delete', id: 'has', data: {} },
        { changeId: 'b8', kind: 'number', op: 'upsert', id: 'x8', data: ['123456'] },
        { changeId: 'b9', kind: 'number', op: 'upsert', id: 'x9', data: null },
        number('b10', 'x10', { number: '654321', createdAt: null }),
        number('b11', 'x11', { number: '654321', createdAt: Date.UTC(2020, 0, 1) - 1 }),
        number('b12', 'x12', { number: '654321', createdAt: NOW + 86_400_000 + 1 }),
      ]),
    ).toEqual([
      'INVALID_NUMBER',
      'INVALID_NUMBER',
      'INVALID_FIELD',
      'INVALID_REMARK',
      'INVALID_TIMESTAMP',
      'INVALID_TIMESTAMP',
      'UNKNOWN_FIELD',
      'INVALID_FIELD',
      'INVALID_FIELD',
      'INVALID_TIMESTAMP',
      'INVALID_TIMESTAMP',
      'INVALID_TIMESTAMP',
    ])
    // None of them wrote anything: the delete with data left the record alive.
    expect(await stored(A, 'number', 'has')).toEqual({ deleted: false, data: { number: '123456', remark: '123456', source: 'own', createdAt: NOW } })
    expect((await db.query('SELECT id FROM workspace_records WHERE agent = $1', [A])).length).toBe(1)
    // Each is recorded as seen (a retry answers duplicate).
    expect(await db.query('SELECT change_id, status FROM workspace_changes WHERE agent = $1 AND change_id = $2', [A, 'b9'])).toEqual([{ change_id: 'b9', status: 'rejected' }])
    // The first and the last moment a creation time may have.
    expect(await reasons(A, [number('t1', 't1', { number: '777001', createdAt: Date.UTC(2020, 0, 1) }), number('t2', 't2', { number: '777002', createdAt: NOW + 86_400_000 })])).toEqual([
      'applied',
      'applied',
    ])
    expect((await stored(A, 'number', 't1')).data).toMatchObject({ createdAt: Date.UTC(2020, 0, 1) })
  })

  it('rejects a call change with the exact reason for each bad field', async () => {
    expect(
      await reasons(A, [
        call('c1', 'k1', { number: undefined }),
        call('c2', 'k2', { number: 'abc' }),
        call('c3', 'k3', { remark: 7 }),
        call('c4', 'k4', { remark: 'r'.repeat(51) }),
        call('c5', 'k5', { direction: 'sideways' }),
        call('c6', 'k6', { outcome: 'lost' }),
        call('c7', 'k7', { startedAt: NOW - 1_000, endedAt: NOW - 2_000 }),
        call('c8', 'k8', { durationSec: 1.5 }),
        call('c9', 'k9', { durationSec: -1 }),
        call('c10', 'k10', { durationSec: 7 * 86_400 + 1 }),
        call('c11', 'k11', { durationSec: '50' }),
        call('c12', 'k12', { endReason: 'e'.repeat(65) }),
        call('c13', 'k13', { endReason: 5 }),
        call('c14', 'k14', { sessionId: 's'.repeat(129) }),
        call('c15', 'k15', { answeredAt: 'soon' }),
        call('c16', 'k16', { callbackAt: NOW + 367 * 86_400_000 }),
        call('c17', 'k17', { note: 5 }),
        call('c18', 'k18', { startedAt: 1.5 }),
        call('c19', 'k19', { startedAt: null }),
        call('c20', 'k20', { endedAt: null }),
        call('c21', 'k21', { note: 'n'.repeat(501) }),
      ]),
    ).toEqual([
      'INVALID_NUMBER',
      'INVALID_NUMBER',
      'INVALID_REMARK',
      'INVALID_REMARK',
      'INVALID_FIELD',
      'INVALID_FIELD',
      'INVALID_TIMESTAMP',
      'INVALID_FIELD',
      'INVALID_FIELD',
      'INVALID_FIELD',
      'INVALID_FIELD',
      'INVALID_FIELD',
      'INVALID_FIELD',
      'INVALID_FIELD',
      'INVALID_TIMESTAMP',
      'INVALID_TIMESTAMP',
      'INVALID_FIELD',
      'INVALID_TIMESTAMP',
      'INVALID_TIMESTAMP',
      'INVALID_TIMESTAMP',
      'INVALID_FIELD',
    ])
    expect(await db.query('SELECT id FROM workspace_records WHERE agent = $1', [A])).toEqual([])
  })

  it('takes a call with the limits exactly, null remark/session/answer/callback, and normalises number and remark', async () => {
    const results = await pushChanges(
      db,
      A,
      [
        // A week-long call: the longest talk time, which also fits in its start and end.
        call('ok1', 'k1', { remark: null, sessionId: null, answeredAt: null, callbackAt: null, note: null, disposition: null, durationSec: 7 * 86_400, endReason: 'e'.repeat(64), startedAt: NOW - 7 * 86_400_000, endedAt: NOW }),
        call('ok2', 'k2', { number: '138-0013-8000', remark: '  Mr   Li  ', sessionId: 's'.repeat(128), durationSec: 0, callbackAt: NOW + 366 * 86_400_000, startedAt: NOW - 1_000, answeredAt: null, endedAt: NOW - 1_000 }),
        call('ok3', 'k3', { remark: '' }),
        call('ok4', 'k4', { note: '\u{1F600}'.repeat(500) }),
      ],
      NOW,
    )
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied'])
    expect((await stored(A, 'call', 'k1')).data).toEqual(
      callData({ remark: null, sessionId: null, answeredAt: null, callbackAt: null, note: null, disposition: null, durationSec: 7 * 86_400, endReason: 'e'.repeat(64), startedAt: NOW - 7 * 86_400_000, endedAt: NOW }),
    )
    expect((await stored(A, 'call', 'k2')).data).toMatchObject({ number: '13800138000', remark: 'Mr Li', durationSec: 0 })
    expect((await stored(A, 'call', 'k3')).data).toMatchObject({ remark: '13800138000' })
  })

  it('refuses call times that do not fit together, unless a change leaves them alone (a wrap-up of an old record)', async () => {
    const t0 = NOW - 3_600_000
    expect(
      await reasons(A, [
        call('f1', 'f1', { startedAt: t0, answeredAt: t0 - 1, endedAt: t0 + 60_000, durationSec: 10 }),
        call('f2', 'f2', { startedAt: t0, answeredAt: t0 + 60_001, endedAt: t0 + 60_000, durationSec: 0 }),
        call('f3', 'f3', { startedAt: t0, answeredAt: t0 + 5_000, endedAt: t0 + 65_000, durationSec: 62 }),
        call('f4', 'f4', { startedAt: t0, answeredAt: t0 + 5_000, endedAt: t0 + 65_000, durationSec: 61 }),
        call('f5', 'f5', { startedAt: t0, answeredAt: null, endedAt: t0 + 1, outcome: 'no-answer', durationSec: 604_800 }),
        call('f6', 'f6', { startedAt: t0, answeredAt: null, endedAt: t0 + 30_000, outcome: 'no-answer', durationSec: 1 }),
        call('f7', 'f7', { startedAt: t0, answeredAt: null, endedAt: t0 + 30_000, outcome: 'no-answer', durationSec: 0 }),
      ]),
    ).toEqual(['INVALID_TIMESTAMP', 'INVALID_TIMESTAMP', 'INVALID_FIELD', 'applied', 'INVALID_FIELD', 'INVALID_FIELD', 'applied'])
    // A record stored before these checks (written here directly) still takes its wrap-up.
    await db.query(`INSERT INTO workspace_records (agent, kind, id, rev, deleted, data) VALUES ($1, 'call', 'old', nextval('workspace_rev'), false, $2::jsonb)`, [
      A,
      JSON.stringify(callData({ answeredAt: null, outcome: 'no-answer', durationSec: 50 })),
    ])
    expect(await reasons(A, [{ changeId: 'w1', kind: 'call', op: 'upsert', id: 'old', data: { disposition: 'callback', note: 'later', callbackAt: NOW + 3_600_000 } }])).toEqual(['applied'])
    // ... and its identical re-send too; a change of its times is refused (what a call was is fixed).
    expect(await reasons(A, [{ changeId: 'w2', kind: 'call', op: 'upsert', id: 'old', data: callData({ answeredAt: null, outcome: 'no-answer', durationSec: 50 }) }])).toEqual(['applied'])
    expect(await reasons(A, [{ changeId: 'w3', kind: 'call', op: 'upsert', id: 'old', data: { endedAt: NOW - 1_000 } }])).toEqual(['CALL_RECORD_READONLY'])
  })

  it("a call's TCCC session is fixed: another one is refused and the detail attached for it stays", async () => {
    await pushChanges(db, A, [call('s1', 'sess', { sessionId: 'tccc-1' })], NOW)
    await attachCallDetail(db, A, 'sess', 'tccc-1', { tcccDurationSec: 50, recordingUrl: 'https://rec.example.com/1.wav', tcccEndStatus: 'ok' }, NOW)
    await pushChanges(db, A, [{ changeId: 's2', kind: 'call', op: 'upsert', id: 'sess', data: { note: 'kept' } }], NOW)
    expect((await stored(A, 'call', 'sess')).data).toMatchObject({ recordingUrl: 'https://rec.example.com/1.wav', tcccDurationSec: 50, note: 'kept' })
    expect(await reasons(A, [{ changeId: 's3', kind: 'call', op: 'upsert', id: 'sess', data: { sessionId: 'tccc-2' } }])).toEqual(['CALL_RECORD_READONLY'])
    const data = (await stored(A, 'call', 'sess')).data as Record<string, unknown>
    expect(data.sessionId).toBe('tccc-1')
    expect(['tcccDurationSec', 'recordingUrl', 'tcccEndStatus', 'detailAt'].filter((f) => f in data)).toEqual(['tcccDurationSec', 'recordingUrl', 'tcccEndStatus', 'detailAt'])
  })

  it('pages the change feed: more only when rows are left, the cursor stays put on an empty page', async () => {
    const base = (await pullChanges(db, A, 0n, 1000)).cursor
    await pushChanges(db, A, [number('p1', 'p1', { number: '100001' }), number('p2', 'p2', { number: '100002' })], NOW)
    const exact = await pullChanges(db, A, BigInt(base), 2)
    expect(exact.changes.map((c) => c.id)).toEqual(['p1', 'p2'])
    expect(exact.more).toBe(false)
    const short = await pullChanges(db, A, BigInt(base), 1)
    expect(short).toMatchObject({ changes: [{ id: 'p1' }], more: true, cursor: short.changes[0].rev })
    expect(await pullChanges(db, A, BigInt(exact.cursor), 5)).toEqual({ changes: [], cursor: exact.cursor, more: false })
  })

  it('deleting a tombstone again answers applied without a revision and writes nothing', async () => {
    await pushChanges(db, A, [number('n1', 'n1', { number: '123456' })], NOW)
    const first = await pushChanges(db, A, [{ changeId: 'd1', kind: 'number', op: 'delete', id: 'n1' }], NOW)
    expect(first).toEqual([{ changeId: 'd1', status: 'applied', rev: expect.stringMatching(/^\d+$/) }])
    const second = await pushChanges(db, A, [{ changeId: 'd2', kind: 'number', op: 'delete', id: 'n1' }], NOW)
    expect(second).toEqual([{ changeId: 'd2', status: 'applied' }])
    const pulled = await pullChanges(db, A, BigInt(first[0].rev as string), 10)
    expect(pulled).toEqual({ changes: [], cursor: first[0].rev, more: false })
  })

  it("one agent never pulls, reads or changes another agent's records", async () => {
    await pushChanges(db, A, [number('a1', 'n1', { number: '111222', remark: 'A secret' }), call('a2', 'k1', { sessionId: 'sess-a' }), number('a3', 'n3', { number: '999888' }), number('a4', 'n4', { number: '888777' })], NOW)
    await pushChanges(db, B, [number('b1', 'n2', { number: '333444' })], NOW)
    const pulledB = await pullChanges(db, B, 0n, 1000)
    expect(pulledB.changes.filter((c) => c.kind === 'number' || c.kind === 'call').map((c) => c.id)).toEqual(['n2'])
    expect(pulledB.changes.filter((c) => c.kind === 'outcome')).toHaveLength(6)
    expect(JSON.stringify(pulledB)).not.toContain('111222')
    expect(await getRecord(db, B, 'number', 'n1')).toBeNull()
    expect(await getRecord(db, B, 'call', 'k1')).toBeNull()
    expect(await getRecord(db, A, 'number', 'n1')).toMatchObject({ kind: 'number', id: 'n1', deleted: false, data: { remark: 'A secret' } })
    // B may use A's number and ids: no clash across agents, and A's rows stay as they were.
    expect(await reasons(B, [number('b2', 'n1', { number: '111222', remark: 'B' }), number('b3', 'n9', { number: '111222' })])).toEqual(['applied', 'DUPLICATE_NUMBER'])
    expect((await stored(A, 'number', 'n1')).data).toMatchObject({ number: '111222', remark: 'A secret' })
    // A's numbers and change ids do not clash with B's: another id with A's number, a change id A used.
    expect(await pushChanges(db, B, [number('a2', 'm1', { number: '999888' })], NOW)).toEqual([{ changeId: 'a2', status: 'applied', rev: expect.any(String) }])
    // A's ids mean nothing to B: a delete leaves a tombstone of B's own, a partial update has no record to merge into.
    expect(await reasons(B, [{ changeId: 'b4', kind: 'number', op: 'delete', id: 'n3' }, number('b5', 'n3', { remark: 'guess' })])).toEqual(['applied', 'INVALID_NUMBER'])
    expect(await stored(B, 'number', 'n3')).toEqual({ deleted: true, data: null })
    expect(await stored(A, 'number', 'n3')).toEqual({ deleted: false, data: { number: '999888', remark: '999888', source: 'own', createdAt: NOW } })
    expect(await attachCallDetail(db, B, 'k1', 'sess-a', { tcccDurationSec: 1, recordingUrl: null, tcccEndStatus: 'ok' }, NOW)).toBeNull()
    expect((await stored(A, 'call', 'k1')).data).not.toHaveProperty('tcccDurationSec')
    expect((await assignNumbers(db, B, [{ line: 1, number: '888777', remark: '' }], NOW)).added).toBe(1)
  })

  it('attaches the call detail to the own live call with this session id only, as a new revision', async () => {
    await pushChanges(db, A, [call('a1', 'k1', { sessionId: 'sess-1' }), call('a2', 'k2'), call('a3', 'k3', { sessionId: 'sess-3' })], NOW)
    // A call the business cleared (a tombstone; a phone cannot delete one).
    await db.query(`UPDATE workspace_records SET deleted = true, data = NULL, rev = nextval('workspace_rev') WHERE agent = $1 AND kind = 'call' AND id = 'k3'`, [A])
    const before = (await pullChanges(db, A, 0n, 1000)).cursor
    const detail = { tcccDurationSec: 48, recordingUrl: 'https://rec.example/1.mp3', tcccEndStatus: 'ok' }
    expect(await attachCallDetail(db, A, 'k1', 'other', detail, NOW + 1)).toBeNull()
    expect(await attachCallDetail(db, A, 'k2', 'sess-1', detail, NOW + 1)).toBeNull()
    expect(await attachCallDetail(db, A, 'k3', 'sess-3', detail, NOW + 1)).toBeNull()
    expect(await attachCallDetail(db, A, 'missing', 'sess-1', detail, NOW + 1)).toBeNull()
    const updated = await attachCallDetail(db, A, 'k1', 'sess-1', detail, NOW + 1)
    const data = { ...callData({ sessionId: 'sess-1' }), ...detail, detailAt: NOW + 1 }
    expect(updated).toEqual({ kind: 'call', id: 'k1', rev: expect.stringMatching(/^\d+$/), deleted: false, data })
    expect(BigInt(updated?.rev as string)).toBeGreaterThan(BigInt(before))
    expect(await pullChanges(db, A, BigInt(before), 10)).toEqual({ changes: [updated], cursor: updated?.rev, more: false })
    expect(await stored(A, 'call', 'k1')).toEqual({ deleted: false, data })
  })

  it('assigning reports added, duplicate and invalid lines (bad numbers and too long remarks) exactly', async () => {
    await pushChanges(db, A, [number('n1', 'mine', { number: '5551234' })], NOW)
    const report = await assignNumbers(
      db,
      A,
      [
        { line: 1, number: '5551234', remark: 'have it' },
        { line: 2, number: '13900139000', remark: 'Lead' },
        { line: 3, number: '13900139000', remark: 'again' },
        { line: 4, number: '13900139001', remark: 'r'.repeat(51) },
        { line: 5, number: '12', remark: '' },
        { line: 6, number: '13900139002', remark: '' },
      ],
      NOW,
    )
    expect(report).toEqual({ added: 2, duplicate: 2, invalid: [{ line: 4, reason: 'REMARK_TOO_LONG' }, { line: 5, reason: 'NUMBER_TOO_SHORT' }] })
    const numbers = (await pullChanges(db, A, 0n, 1000)).changes.filter((c) => c.kind === 'number')
    // Written last line first (rev order): a phone lists the newest first, so in the file's order.
    expect(numbers.map((c) => c.data)).toEqual([
      { number: '5551234', remark: '5551234', source: 'own', createdAt: NOW },
      { number: '13900139002', remark: '13900139002', source: 'assigned', createdAt: NOW },
      { number: '13900139000', remark: 'Lead', source: 'assigned', createdAt: NOW },
    ])
    // Server ids: `a-` and a UUID, a new one per number.
    expect(numbers.slice(1).every((c) => /^a-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(c.id))).toBe(true)
  })

  it('an assigned number takes its own number echoed back, and answers a bad number as INVALID_NUMBER', async () => {
    await assignNumbers(db, A, [{ line: 1, number: '13900139000', remark: 'Lead' }], NOW)
    const id = (await pullChanges(db, A, 0n, 1000)).changes.find((c) => c.kind === 'number')?.id as string
    expect(await reasons(A, [number('s1', id, { number: '139-0013-9000', remark: 'Lead B' }), number('s2', id, { number: 'abc' })])).toEqual(['applied', 'INVALID_NUMBER'])
    expect((await stored(A, 'number', id)).data).toEqual({ number: '13900139000', remark: 'Lead B', source: 'assigned', createdAt: NOW })
  })

  it('exports call records as CSV: header, oldest first, ISO times, empty for missing, quoted and formula-safe', async () => {
    const t0 = Date.UTC(2026, 10, 20, 9, 0, 0)
    await pushChanges(
      db,
      A,
      [
        call('e1', 'late', { remark: null, note: null, disposition: null, startedAt: t0 + 3_600_000, endedAt: t0 + 3_660_000, answeredAt: null, durationSec: 0, outcome: 'missed', direction: 'in', endReason: 'remote-hangup' }),
        call('e2', 'early', {
          startedAt: t0,
          answeredAt: t0 + 5_000,
          endedAt: t0 + 65_000,
          durationSec: 60,
          remark: 'Li, "boss"',
          disposition: 'callback',
          note: '=HYPERLINK("x")',
          callbackAt: t0 + 86_400_000,
        }),
        call('e3', 'minus', { answeredAt: null, startedAt: t0 + 1_000, endedAt: t0 + 2_000, durationSec: 1, remark: '-5', note: '+cmd', endReason: '@x' }),
        call('e5', 'sum', { answeredAt: null, startedAt: t0 + 1_500, endedAt: t0 + 2_000, durationSec: 1, remark: '=1+2', note: 'line one\nline two' }),
      ],
      t0 + 2 * 86_400_000,
    )
    await pushChanges(db, B, [call('e4', 'other', { answeredAt: undefined, startedAt: t0 + 7_200_000, endedAt: t0 + 7_260_000, number: '+8613900139000', remark: '-' })], t0 + 2 * 86_400_000)
    const all = await exportCalls(db, {})
    expect(all).toEqual([
      'id,agent,number,remark,direction,started_at,answered_at,ended_at,duration_s,end_reason,outcome,note,callback_at',
      `early,${A},13800138000,"Li, ""boss""",out,2026-11-20T09:00:00.000Z,2026-11-20T09:00:05.000Z,2026-11-20T09:01:05.000Z,60,local-hangup,callback,"'=HYPERLINK(""x"")",2026-11-21T09:00:00.000Z`,
      `minus,${A},13800138000,-5,out,2026-11-20T09:00:01.000Z,,2026-11-20T09:00:02.000Z,1,'@x,,'+cmd,`,
      `sum,${A},13800138000,'=1+2,out,2026-11-20T09:00:01.500Z,,2026-11-20T09:00:02.000Z,1,local-hangup,,"line one\nline two",`,
      `late,${A},13800138000,,in,2026-11-20T10:00:00.000Z,,2026-11-20T10:01:00.000Z,0,remote-hangup,,,`,
      `other,${B},+8613900139000,'-,out,2026-11-20T11:00:00.000Z,,2026-11-20T11:01:00.000Z,50,local-hangup,,,`,
    ])
    expect((await exportCalls(db, { agent: B })).slice(1).map((l) => l.split(',')[0])).toEqual(['other'])
    expect((await exportCalls(db, { since: t0 + 1_000 })).slice(1).map((l) => l.split(',')[0])).toEqual(['minus', 'sum', 'late', 'other'])
    expect(await exportCalls(db, { agent: 'nobody@example.com' })).toEqual([CALL_CSV_HEADER])
  })

  it('reads a page at a time and gives the same lines, in the same order, whatever the page size (ties in start time too)', async () => {
    const t0 = Date.UTC(2026, 10, 20, 9, 0, 0)
    const now = t0 + 2 * 86_400_000
    const same = (id: string, at: number) => ({
      changeId: `c-${id}`,
      kind: 'call',
      op: 'upsert',
      id,
      data: answeredCallData(now, { startedAt: at, answeredAt: null, endedAt: at + 1_000, durationSec: 1 }),
    })
    // Three calls of A and two of B start in the same millisecond; ids sort differently from pushes.
    await pushChanges(db, A, [same('k3', t0), same('k1', t0), same('k2', t0), same('k9', t0 + 5)], now)
    await pushChanges(db, B, [same('k0', t0), same('k5', t0), same('k4', t0 + 5)], now)
    const whole = await exportCalls(db, {})
    expect(whole.slice(1).map((l) => l.split(',').slice(0, 2).join(' '))).toEqual([`k1 ${A}`, `k2 ${A}`, `k3 ${A}`, `k0 ${B}`, `k5 ${B}`, `k9 ${A}`, `k4 ${B}`])
    for (const size of [1, 2, 3, 6, 7, 8]) expect(await exportCalls(db, {}, size)).toEqual(whole)
    expect(await exportCalls(db, { agent: A, since: t0 + 1 }, 1)).toEqual([CALL_CSV_HEADER, whole[6]])
    const pages: number[] = []
    for await (const page of exportCallPages(db, {}, 3)) pages.push(page.length)
    expect(pages).toEqual([1, 3, 3, 1])
  })
})
