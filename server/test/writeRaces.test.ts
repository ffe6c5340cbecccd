// @vitest-environment node
/**
 * A session that ends while one of its requests is under way: a sign-in whose agent changed
 * during the password check, a push or call detail that waited its turn while the agent signed
 * out or was removed. Nothing of such a request may land, since the seat may already belong to
 * someone else. (On PostgreSQL these interleave for real: the audit's `race_move` put a removed
 * agent's 500 numbers in the seat's next owner's list, `race_rm` gave the leaver the new owner's
 * leads; on PGlite transactions run one at a time, so the interleaving is written out here.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Database } from '../src/db'
import { DEVELOPMENT_ACCOUNTS, putAgent, removeAgent } from '../src/db/agents'
import { endSession, startSession, startSessionIfUnchanged } from '../src/db/sessions'
import { attachCallDetail, pushChanges, SessionEndedError } from '../src/db/workspace'
import { answeredCallData, fileDatabase, resetDatabase } from './helpers'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const NOW = Date.UTC(2026, 11, 4, 9)
const [ONE, TWO] = DEVELOPMENT_ACCOUNTS
const LEAVER = { username: 'leaver@corp.example.com', userId: 'seat-7', passwordHash: ONE.passwordHash }
const CAROL = { username: 'carol@corp.example.com', userId: 'seat-7', passwordHash: TWO.passwordHash }

let db: Database
beforeAll(async () => {
  db = await fileDatabase()
})
afterAll(async () => {
  await db?.close()
})
beforeEach(async () => {
  await resetDatabase(db)
  await putAgent(db, LEAVER, { replace: false, now: NOW })
})

const session = (id: string) => ({ id, userId: LEAVER.userId, issuedAt: NOW, expiresAt: NOW + 3_600_000 })
const checked = { usernameKey: LEAVER.username, passwordHash: LEAVER.passwordHash }
const sessions = async () => (await db.query<{ id: string }>('SELECT id FROM sessions ORDER BY id')).map((r) => r.id)
const numbersOf = async (agent: string) =>
  (await db.query<{ id: string }>(`SELECT id FROM workspace_records WHERE agent = $1 AND kind = 'number' AND NOT deleted ORDER BY id`, [agent])).map((r) => r.id)
const number = (id: string) => ({ changeId: `c-${id}`, kind: 'number', op: 'upsert', id, data: { number: `1380013${id.padStart(4, '0').slice(-4)}`, remark: id } })

describe('a sign-in whose agent changed during the password check', () => {
  it('starts a session while the agent is as checked', async () => {
    await expect(startSessionIfUnchanged(db, session('s1'), checked)).resolves.toBe(true)
    expect(await sessions()).toEqual(['s1'])
  })

  it('starts none after a password change, a removal, or the seat given to someone else', async () => {
    await putAgent(db, { ...LEAVER, passwordHash: TWO.passwordHash }, { replace: true, now: NOW })
    await expect(startSessionIfUnchanged(db, session('after-change'), checked)).resolves.toBe(false)
    await putAgent(db, LEAVER, { replace: true, now: NOW })
    await db.transaction((tx) => removeAgent(tx, LEAVER.username, NOW))
    await putAgent(db, CAROL, { replace: false, now: NOW })
    // The leaver's check passed with the old hash, for a seat that is now Carol's.
    await expect(startSessionIfUnchanged(db, session('after-removal'), checked)).resolves.toBe(false)
    expect(await sessions()).toEqual([])
  })
})

describe('a write that waited its turn while its session ended', () => {
  it('a push from a live session lands; from an ended one it writes nothing', async () => {
    await startSession(db, session('live'))
    await startSession(db, session('gone'))
    expect((await pushChanges(db, LEAVER.userId, [number('1')], NOW, 'live')).map((r) => r.status)).toEqual(['applied'])
    await endSession(db, 'gone', NOW)
    await expect(pushChanges(db, LEAVER.userId, [number('2')], NOW, 'gone')).rejects.toBeInstanceOf(SessionEndedError)
    expect(await numbersOf(LEAVER.userId)).toEqual(['1'])
  })

  it('the leaver removed and the seat given to Carol: the leaver\'s waiting push is refused, Carol\'s list stays hers', async () => {
    await startSession(db, session('leaver'))
    expect((await pushChanges(db, LEAVER.userId, [number('1')], NOW, 'leaver')).map((r) => r.status)).toEqual(['applied'])
    await db.transaction((tx) => removeAgent(tx, LEAVER.username, NOW))
    await putAgent(db, CAROL, { replace: false, now: NOW })
    await expect(pushChanges(db, CAROL.userId, [number('2'), number('3')], NOW, 'leaver')).rejects.toBeInstanceOf(SessionEndedError)
    // What landed before the removal moved aside with the leaver's workspace.
    expect(await numbersOf(CAROL.userId)).toEqual([])
    expect(await numbersOf(`removed:seat-7:${NOW}`)).toEqual(['1'])
  })

  it('call detail for an ended session writes nothing', async () => {
    await startSession(db, session('s'))
    await pushChanges(db, LEAVER.userId, [{ changeId: 'c-call', kind: 'call', op: 'upsert', id: 'call-1', data: answeredCallData(NOW, { sessionId: 'tccc-1' }) }], NOW, 's')
    await endSession(db, 's', NOW)
    await expect(attachCallDetail(db, LEAVER.userId, 'call-1', 'tccc-1', { tcccDurationSec: 50, recordingUrl: null, tcccEndStatus: 'ok' }, NOW, 's')).rejects.toBeInstanceOf(SessionEndedError)
    const [row] = await db.query<{ data: Record<string, unknown> }>(`SELECT data FROM workspace_records WHERE kind = 'call' AND id = 'call-1'`)
    expect(row.data.tcccDurationSec).toBeUndefined()
  })
})
