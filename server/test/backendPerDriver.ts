/**
 * The API tests' harness on both drivers: PGlite in memory and a throwaway PostgreSQL cluster
 * (skipped where no PostgreSQL binaries are installed). Per `describe.each` block the database is
 * opened once; before each test it is emptied and a fresh mock-mode backend is built over it.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { buildServer } from '../src/app'
import { openMigrated, type Database } from '../src/db'
import { fileDatabase, mockConfig, resetDatabase } from './helpers'
import { findPgBin, startPostgres, type TestPostgres } from './pgHarness'

export interface DriverUnderTest {
  name: string
  skip?: boolean
  open: () => Promise<{ db: Database; stop: () => Promise<void> }>
}

export const BOTH_DRIVERS: DriverUnderTest[] = [
  { name: 'PGlite', open: async () => ({ db: await fileDatabase(), stop: async () => {} }) },
  {
    name: 'PostgreSQL',
    skip: findPgBin() === null,
    open: async () => {
      const pg: TestPostgres = await startPostgres()
      const db = await openMigrated({ driver: 'postgres', url: pg.url })
      return { db, stop: () => pg.stop() }
    },
  },
]

/** The test's backend, for tests that restart it (a new one over the same database). */
export interface BackendPerTest {
  /** Closes the test's backend and builds another over the same database, `env` on top of the block's. */
  restart(env?: Record<string, string>): Promise<FastifyInstance>
}

/**
 * Registers the hooks; `started` gets the database and each test's new backend (sign in there).
 * `env` is the block's configuration on top of mock mode.
 */
export function freshBackendPerTest(
  driver: DriverUnderTest,
  now: () => number,
  started: (db: Database, app: FastifyInstance) => Promise<void>,
  env: Record<string, string> = {},
): BackendPerTest {
  let opened: { db: Database; stop: () => Promise<void> } | null = null
  let app: FastifyInstance | null = null
  async function restart(more: Record<string, string> = {}): Promise<FastifyInstance> {
    if (!opened) throw new Error(`no ${driver.name} database is open`)
    await app?.close()
    app = await buildServer(mockConfig({ ...env, ...more }), { db: opened.db, now, report: () => {} })
    return app
  }
  beforeAll(async () => {
    if (!driver.skip) opened = await driver.open()
  }, 120_000)
  afterAll(async () => {
    await app?.close()
    await opened?.db.close()
    await opened?.stop()
  })
  beforeEach(async (ctx) => {
    if (!opened) return ctx.skip()
    await app?.close()
    app = null
    await resetDatabase(opened.db)
    await started(opened.db, await restart())
  })
  return { restart }
}
