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

export interface OpenedDatabase {
  db: Database
  stop: () => Promise<void>
  /**
   * The database as a second backend instance opens it: PostgreSQL another pool (closed by the
   * caller); PGlite, which one process owns, the same one (its close does nothing).
   */
  another: () => Promise<Database>
}

export interface DriverUnderTest {
  name: string
  skip?: boolean
  open: () => Promise<OpenedDatabase>
}

export const BOTH_DRIVERS: DriverUnderTest[] = [
  {
    name: 'PGlite',
    open: async () => {
      const db = await fileDatabase()
      return { db, stop: async () => {}, another: async () => ({ ...db, close: async () => {} }) }
    },
  },
  {
    name: 'PostgreSQL',
    skip: findPgBin() === null,
    open: async () => {
      const pg: TestPostgres = await startPostgres()
      const db = await openMigrated({ driver: 'postgres', url: pg.url })
      return { db, stop: () => pg.stop(), another: () => openMigrated({ driver: 'postgres', url: pg.url }) }
    },
  },
]

/**
 * The data layer as two backend instances see it, for races: per `describe.each(BOTH_DRIVERS)`
 * block the database (`db`) and a second instance's handle on it (`other`: PostgreSQL its own
 * pool; PGlite, which one process owns, the same database), opened once and emptied before each test.
 */
export function twoInstancesPerBlock(driver: DriverUnderTest): () => { db: Database; other: Database } {
  let opened: { db: Database; other: Database; stop: () => Promise<void> } | null = null
  beforeAll(async () => {
    if (driver.skip) return
    const first = await driver.open()
    const other = await first.another()
    opened = {
      db: first.db,
      other,
      stop: async () => {
        await other.close()
        await first.stop()
      },
    }
  })
  afterAll(async () => {
    await opened?.stop()
  })
  beforeEach(async (ctx) => {
    if (!opened) return ctx.skip()
    await resetDatabase(opened.db)
  })
  return () => {
    if (!opened) throw new Error(`no ${driver.name} database is open`)
    return opened
  }
}

/** The test's backend, for tests that restart it (a new one over the same database). */
export interface BackendPerTest {
  /** Closes the test's backend and builds another over the same database, `env` on top of the block's. */
  restart(env?: Record<string, string>): Promise<FastifyInstance>
  /**
   * A second backend instance beside the test's, over the same database (PostgreSQL: its own
   * pool), as two instances behind a load balancer; closed after the test.
   */
  secondInstance(env?: Record<string, string>): Promise<FastifyInstance>
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
  let opened: OpenedDatabase | null = null
  let app: FastifyInstance | null = null
  const seconds: Array<{ app: FastifyInstance; db: Database }> = []
  async function restart(more: Record<string, string> = {}): Promise<FastifyInstance> {
    if (!opened) throw new Error(`no ${driver.name} database is open`)
    await app?.close()
    app = await buildServer(mockConfig({ ...env, ...more }), { db: opened.db, now, report: () => {} })
    return app
  }
  async function secondInstance(more: Record<string, string> = {}): Promise<FastifyInstance> {
    if (!opened) throw new Error(`no ${driver.name} database is open`)
    const db = await opened.another()
    const second = await buildServer(mockConfig({ ...env, ...more }), { db, now, report: () => {} })
    seconds.push({ app: second, db })
    return second
  }
  async function closeSeconds(): Promise<void> {
    for (const { app: second, db } of seconds.splice(0)) {
      await second.close()
      await db.close()
    }
  }
  beforeAll(async () => {
    if (!driver.skip) opened = await driver.open()
  }, 120_000)
  afterAll(async () => {
    await closeSeconds()
    await app?.close()
    await opened?.db.close()
    await opened?.stop()
  })
  beforeEach(async (ctx) => {
    if (!opened) return ctx.skip()
    await closeSeconds()
    await app?.close()
    app = null
    await resetDatabase(opened.db)
    await started(opened.db, await restart())
  })
  return { restart, secondInstance }
}
