/**
 * The one door to the database: a tiny typed layer over plain SQL with two drivers that run the
 * same SQL. PGlite (embedded PostgreSQL, persisted in DATA_DIR) needs nothing installed; `pg`
 * talks to a PostgreSQL server when DATABASE_URL is set (several instances share it).
 */
import { mkdirSync } from 'node:fs'
import type { PGlite } from '@electric-sql/pglite'

export type Row = Record<string, unknown>

export interface QueryOptions {
  /**
   * Names a statement run on every request: PostgreSQL parses and plans it once per connection
   * (one name, one text). PGlite has no named statements and ignores it.
   */
  name?: string
}

export interface Queryable {
  /** One statement with $1… parameters; the rows it returns. */
  query<T = Row>(sql: string, params?: unknown[], options?: QueryOptions): Promise<T[]>
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>
}

export interface Database extends Queryable {
  readonly driver: 'pglite' | 'postgres'
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  close(): Promise<void>
  /**
   * LISTEN where a notice reaches this process before the write that sent it resolves: PGlite,
   * one connection in this process (and its only user, owner.json). Null on PostgreSQL, where a
   * notice from another instance arrives some time after its write. Resolves to the unlisten.
   */
  readonly listenInline: ((channel: string, onPayload: (payload: string) => void) => Promise<() => Promise<void>>) | null
}

export type DatabaseTarget = { driver: 'pglite'; dataDir: string | null } | { driver: 'postgres'; url: string }

export class DatabaseError extends Error {
  override name = 'DatabaseError'
}

/** PGlite in dataDir (created when missing), or in memory when dataDir is null (tests). */
export async function openPglite(dataDir: string | null): Promise<Database> {
  // Stryker disable next-line StringLiteral: Vite fails to transform `import('')` (it reads the project folder), which crashes every test run
  const { PGlite } = await import('@electric-sql/pglite')
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  return pgliteDatabase(dataDir ? await PGlite.create(dataDir) : await PGlite.create())
}

/** The Database over an open PGlite (tests also open one from a saved image of a migrated store). */
export function pgliteDatabase(pg: PGlite): Database {
  type PgliteTx = { query: typeof pg.query; exec: typeof pg.exec }
  const wrap = (q: PgliteTx): Queryable => ({
    async query<T>(sql: string, params: unknown[] = []) {
      return (await q.query<T>(sql, params)).rows
    },
    async exec(sql: string) {
      await q.exec(sql)
    },
  })
  return {
    driver: 'pglite',
    ...wrap(pg),
    // PGlite has one connection: its transaction() queues everything else until it ends.
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    close: () => pg.close(),
    listenInline: (channel, onPayload) => pg.listen(channel, onPayload),
  }
}

export async function openPostgres(url: string, poolSize = 10): Promise<Database> {
  // Stryker disable next-line StringLiteral: Vite fails to transform `import('')` (it reads the project folder), which crashes every test run
  const { default: pg } = await import('pg')
  // Epoch-ms columns are bigint: read them as JS numbers (safe up to 2^53).
  pg.types.setTypeParser(20, (v: string) => Number(v))
  const pool = new pg.Pool({ connectionString: url, max: poolSize })
  pool.on('error', () => {}) // an idle client dying is reported by the next query instead
  type PgQuery = { query: (config: { text: string; values?: unknown[]; name?: string }) => Promise<{ rows: unknown[] }> }
  const wrap = (q: PgQuery): Queryable => ({
    async query<T>(sql: string, params: unknown[] = [], options: QueryOptions = {}) {
      return (await q.query({ text: sql, values: params, name: options.name })).rows as T[]
    },
    async exec(sql: string) {
      await q.query({ text: sql })
    },
  })
  await pool.query('SELECT 1') // fail at start, not at the first sign-in
  return {
    driver: 'postgres',
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await fn(wrap(client))
        await client.query('COMMIT')
        return result
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      } finally {
        client.release()
      }
    },
    close: () => pool.end(),
    listenInline: null,
  }
}

export function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.driver === 'postgres' ? openPostgres(target.url) : openPglite(target.dataDir)
}

/** Readable target for messages: never the password in a DATABASE_URL. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.driver === 'pglite') return target.dataDir ? `PGlite in ${target.dataDir}` : 'PGlite in memory'
  try {
    const url = new URL(target.url)
    return `PostgreSQL at ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`
  } catch {
    return 'PostgreSQL (DATABASE_URL)'
  }
}
