/**
 * Opening the store at start: connect, migrate, then make the agent directory right for the
 * mode (mock: development accounts seeded; real: never present) and import an agents file once.
 */
import { openDatabase, describeTarget, type Database, type DatabaseTarget } from './driver'
import { migrate } from './migrations'
import { advanceRevisions, checkRevisions, noteWorkspaceStart } from './revisions'
import {
  AgentStoreError,
  countAgents,
  formatImportReport,
  importAgentsFileOnce,
  removeDevelopmentAccounts,
  seedDevelopmentAccounts,
} from './agents'

export { type Database } from './driver'
export { advanceRevisions, noteWorkspaceStart, WORKSPACE_STARTS_KEEP_MS } from './revisions'

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
    // The instance's first memory of the sequence (revisions.ts): a restore under it from now on is noticed.
    await checkRevisions(db)
  } catch (err) {
    await db.close().catch(() => {})
    throw new StoreStartError(`cannot migrate the database (${describeTarget(target)}): ${(err as Error).message}`)
  }
  return db
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
