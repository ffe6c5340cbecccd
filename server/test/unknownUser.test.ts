// @vitest-environment node
/**
 * An unknown username costs the same scrypt run as a wrong password, so login timing does not
 * reveal which accounts exist. Asserted on the scrypt call itself, not on the clock.
 */
import * as crypto from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>()
  return { ...actual, scrypt: vi.fn(actual.scrypt) }
})

const { createAgentDirectory } = await import('../src/agents')
const { buildServer } = await import('../src/app')
const { AGENT1, fileDatabase, login, mockConfig, resetDatabase } = await import('./helpers')
const { DUMMY_PASSWORD_HASH, hashPassword } = await import('../src/passwords')

const scrypt = vi.mocked(crypto.scrypt)

/** The salt and cost each scrypt run used. */
function scryptRuns(): Array<{ salt: string; N: unknown }> {
  return scrypt.mock.calls.map((call) => ({ salt: Buffer.from(call[1] as Buffer).toString('base64url'), N: (call[3] as { N?: number }).N }))
}

describe('authenticate', () => {
  let directory: ReturnType<typeof createAgentDirectory>
  let agentSalt: string

  beforeEach(async () => {
    const passwordHash = await hashPassword('right-pass')
    agentSalt = passwordHash.split('$')[4]
    directory = createAgentDirectory([{ username: 'agent1@example.com', userId: 'agent1@example.com', passwordHash }])
    scrypt.mockClear()
  })

  it('runs scrypt once, against the dummy hash, for a username that does not exist', async () => {
    await expect(directory.authenticate('nobody@example.com', 'right-pass')).resolves.toBeNull()
    expect(scryptRuns()).toEqual([{ salt: DUMMY_PASSWORD_HASH.split('$')[4], N: 16384 }])
  })

  it('runs scrypt once, against the agent hash, for a wrong password', async () => {
    await expect(directory.authenticate('agent1@example.com', 'wrong-pass')).resolves.toBeNull()
    expect(scryptRuns()).toEqual([{ salt: agentSalt, N: 16384 }])
  })

  it('signs the agent in with the right password', async () => {
    await expect(directory.authenticate(' Agent1@Example.com ', 'right-pass')).resolves.toMatchObject({ userId: 'agent1@example.com' })
    expect(scryptRuns()).toEqual([{ salt: agentSalt, N: 16384 }])
  })
})

describe('POST /api/auth/login (the database-backed sign-in)', () => {
  let db: Awaited<ReturnType<typeof fileDatabase>>
  beforeAll(async () => {
    db = await fileDatabase()
  }, 120_000)
  afterAll(async () => {
    await db.close()
  })

  it('pays one scrypt run against the dummy hash for an unknown user, as for a wrong password', async () => {
    await resetDatabase(db)
    const app = await buildServer(mockConfig(), { db, report: () => {} })
    try {
      scrypt.mockClear()
      expect((await login(app, { username: 'nobody@example.com', password: AGENT1.password })).res.statusCode).toBe(401)
      expect(scryptRuns()).toEqual([{ salt: DUMMY_PASSWORD_HASH.split('$')[4], N: 16384 }])
      scrypt.mockClear()
      expect((await login(app, { username: AGENT1.username, password: 'wrong-pass' })).res.statusCode).toBe(401)
      expect(scryptRuns()).toHaveLength(1)
      expect(scryptRuns()[0].salt).not.toBe(DUMMY_PASSWORD_HASH.split('$')[4])
    } finally {
      await app.close()
    }
  }, 60_000)
})
