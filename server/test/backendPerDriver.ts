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

/** Registers the hooks; `started` gets the database and each test's new backend (sign in there). */
export function freshBackendPerTest(driver: DriverUnderTest, now: () => number, started: (db: Database, app: FastifyInstance) => Promise<void>): void {
  let opened: { db: Database; stop: () => Promise<void> } | null = null
  let app: FastifyInstance | null = null
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
    await resetDatabase(opened.db)
    app = await buildServer(mockConfig(), { db: opened.db, now, report: () => {} })
    await started(opened.db, app)
  })
}
