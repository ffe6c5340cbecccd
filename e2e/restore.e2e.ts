/**
 * Journey of a backend whose database goes back to a backup (docs/WORKSPACE_API.md, Reconcile):
 * the phone pushed numbers after the backup and had them answered; the backend is stopped, its
 * embedded database folder put back to the copy, and started again. The numbers are gone from the
 * server, still on the phone; at the app's next start the phone's reconcile puts them back, and
 * the agent's other phone gets them.
 * Runs against the real backend over its own embedded database (a temp DATA_DIR).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { AGENT1, newPhone, signIn, startBackend, startStack, type Backend, type Stack } from './harness'
import { BUNDLE, addNumber, expectAttr, listedNumbers, serverWorkspace, simReady } from './journey'

const root = mkdtempSync(path.join(tmpdir(), 'tccc-e2e-restore-'))
const dataDir = path.join(root, 'db')
const backupDir = path.join(root, 'backup')
// One signing key across the restarts, as a real deployment keeps it: the phone's session lives on.
const SIGNING = { TOKEN_SIGNING_KEY: 'e2e-restore-signing-key-0123456789-abcdefghij' }

let stack: Stack
/** The backend now serving (the stack's first, then each restart on the same port). */
let backend: Backend

beforeAll(async () => {
  stack = await startStack(BUNDLE, { DATA_DIR: dataDir, ...SIGNING })
  backend = stack.backend
})

afterAll(async () => {
  await stack?.close()
  await backend?.stop()
  rmSync(root, { recursive: true, force: true })
})

/** Stops the backend, runs `between` on its stopped database folder, and starts it on the same port. */
async function restartBackend(between: () => void): Promise<void> {
  const port = backend.port
  await backend.stop()
  between()
  backend = await startBackend({ ...SIGNING, PUBLIC_URL: `http://localhost:${new URL(stack.baseUrl).port}`, DATA_DIR: dataDir, TOKEN_PORT: String(port), ADMIN_KEY: stack.backend.adminKey })
  stack = { ...stack, backend }
}

const numbersOnServer = async () => (await serverWorkspace(stack, AGENT1)).numbers.map((r) => `${r.data.number} ${r.data.remark}`).sort()

async function synced(page: Page): Promise<void> {
  await expectAttr(page, 'sync-status', 'data-state', 'synced', 30_000)
}

describe('the backend restored from a backup', () => {
  it("puts back what the phone pushed after the backup at the app's next start, and the other phone gets it", async () => {
    const { context, page } = await newPhone(stack)
    try {
      await signIn(page)
      await simReady(page)
      await synced(page)
      await addNumber(page, '13800000001', 'before the backup')
      await synced(page)
      // The backup: a copy of the stopped database.
      await restartBackend(() => cpSync(dataDir, backupDir, { recursive: true }))
      await addNumber(page, '13800000002', 'after the backup')
      await synced(page)
      expect(await numbersOnServer()).toEqual(['13800000001 before the backup', '13800000002 after the backup'])

      // The restore: the folder goes back to the copy.
      await restartBackend(() => {
        rmSync(dataDir, { recursive: true, force: true })
        cpSync(backupDir, dataDir, { recursive: true })
      })
      expect(await numbersOnServer()).toEqual(['13800000001 before the backup'])

      // The next morning the app starts again (its session is still valid): the number comes back.
      await page.reload()
      await simReady(page)
      await synced(page)
      await expect.poll(numbersOnServer, { timeout: 20_000 }).toEqual(['13800000001 before the backup', '13800000002 after the backup'])
      expect(await listedNumbers(page)).toEqual(['13800000002', '13800000001'])
    } finally {
      await context.close()
    }
    const other = await newPhone(stack)
    try {
      await signIn(other.page)
      await synced(other.page)
      expect((await listedNumbers(other.page)).sort()).toEqual(['13800000001', '13800000002'])
    } finally {
      await other.context.close()
    }
  })
})
