/**
 * Runs a backend bench on both database drivers: PGlite in memory, then a throwaway PostgreSQL
 * cluster when Debian's binaries are here (skipped, and said, when not). Prints the goals at the
 * end; any failure exits 1.
 */
import { openMigrated, type Database } from '../server/src/db'
import { findPgBin, startPostgres } from '../server/test/pgHarness'
import { reportGoals } from './goals'

async function onBothDrivers(benchTarget: (label: string, db: Database) => Promise<void>): Promise<void> {
  const lite = await openMigrated({ driver: 'pglite', dataDir: null })
  await benchTarget('PGlite (in memory)', lite)
  await lite.close()
  if (!findPgBin()) {
    console.log('\n== PostgreSQL: not installed here (apt-get install postgresql), skipped')
    return
  }
  const pg = await startPostgres()
  try {
    const db = await openMigrated({ driver: 'postgres', url: pg.url })
    await benchTarget('PostgreSQL (throwaway cluster)', db)
    await db.close()
  } finally {
    await pg.stop()
  }
}

export function benchOnBothDrivers(benchTarget: (label: string, db: Database) => Promise<void>): void {
  onBothDrivers(benchTarget).then(reportGoals, (err: unknown) => {
    console.error(err)
    process.exit(1)
  })
}
