/**
 * Opening the store at start: connect, migrate, then make the agent directory right for the
 * mode (mock: development accounts seeded; real: never present) and import an agents file once.
 */
import { openDatabase, describeTarget, type Database, type DatabaseTarget, type Queryable } from './driver'
import { migrate } from './migrations'
import {
  AgentStoreError,
  countAgents,
  formatImportReport,
  importAgentsFileOnce,
  removeDevelopmentAccounts,
  seedDevelopmentAccounts,
} from './agents'

export { type Database } from './driver'

export class StoreStartError extends Error {
  override name = 'StoreStartError'
}

export async function openMigrated(target: DatabaseTarget): Promise<Database> {
  let db: Database
  try {
    db = await openDatabase(target)
  } catch (err) {
    throw new StoreStartError(`cannot open the database (${describeTarget(target)}): ${(err as Error).message}`)
  }
  try {
    await migrate(db)
    await advanceRevisions(db, Date.now())
    await noteWorkspaceStart(db, Date.now())
  } catch (err) {
    await db.close().catch(() => {})
    throw new StoreStartError(`cannot migrate the database (${describeTarget(target)}): ${(err as Error).message}`)
  }
  return db
}

/**
 * Workspace revisions never go back, even after a backup is restored. Phones keep the last rev
 * they pulled as their cursor; a restored sequence handed out those revs again, and phones skipped
 * the new changes (a lead assigned after the restore never arrived; the phone said "synced").
 * At each start the sequence moves on to the clock in microseconds when it is behind it: changes
 * come far slower than a million a second, so every rev handed out before a backup, and every
 * cursor a phone holds, is below it. It only ever moves forward, by at least a second's worth, so
 * an instance starting beside another that is handing out revs never sets it below one of them.
 */
export async function advanceRevisions(db: Queryable, now: number): Promise<void> {
  await db.query(`SELECT setval('workspace_rev', $1::bigint) FROM workspace_rev WHERE last_value < $1::bigint - 1000000`, [now * 1000])
}

/** Starts remembered; a phone that has not reconciled for longer lists everything it holds. */
export const WORKSPACE_STARTS_KEEP_MS = 400 * 86_400_000

/**
 * Notes this start and the highest rev the database holds now (after a restore: the backup's).
 * Every write a restore lost had a higher rev, so a phone asking for the starts since it last
 * reconciled (`reconcileFloor`) lists only what it saw above the lowest of them.
 */
export async function noteWorkspaceStart(db: Queryable, now: number): Promise<void> {
  await db.query(`INSERT INTO workspace_starts (started_at, max_rev) SELECT $1::bigint, coalesce(max(rev), 0) FROM workspace_records`, [now])
  await db.query(`DELETE FROM workspace_starts WHERE started_at < $1::bigint`, [now - WORKSPACE_STARTS_KEEP_MS])
}

export interface DirectoryOptions {
  mode: 'mock' | 'real'
  agentsFile: string
  agentsFileExplicit: boolean
  now: number
  /** Where the import report and warnings go (one line each). */
  report: (line: string) => void
}

/** Throws StoreStartError when the agent store is missing, unreadable or (real mode) empty. */
export async function prepareAgentDirectory(db: Database, options: DirectoryOptions): Promise<void> {
  try {
    const report = await importAgentsFileOnce(db, options.agentsFile, {
      required: options.agentsFileExplicit,
      skipDevelopmentAccounts: options.mode === 'real',
      now: options.now,
    })
    if (report) options.report(formatImportReport(report))
  } catch (err) {
    if (err instanceof AgentStoreError || (err as Error).name === 'AgentsFileError') throw new StoreStartError((err as Error).message)
    throw err
  }
  if (options.mode === 'mock') {
    await seedDevelopmentAccounts(db, options.now)
    return
  }
  const removed = await removeDevelopmentAccounts(db, options.now)
  if (removed > 0) options.report(`Removed ${removed} development account(s): real mode never signs them in`)
  if ((await countAgents(db)) === 0) {
    throw new StoreStartError('the agent directory is empty: add an agent with `npm run add-agent` (same DATA_DIR / DATABASE_URL) first')
  }
}
