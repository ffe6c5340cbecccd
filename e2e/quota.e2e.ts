/**
 * Journey of an agent at the caps the business set (WORKSPACE_NUMBERS_MAX, WORKSPACE_RECORDS_MAX;
 * docs/WORKSPACE_API.md, Caps): a number added over the limit stays listed and the sync line says
 * so, also after a restart; deleting a number sends it in and the line clears. Over the storage
 * limit only the business helps: the line's retry is refused again while the limit holds, and goes
 * through once the backend runs with a higher one.
 * Runs against the real backend over its own embedded database (a temp DATA_DIR).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Page, Route } from 'playwright-core'
import { AGENT1, byId, inputOf, newPhone, signIn, startBackend, startStack, type Backend, type Stack } from './harness'
import { BUNDLE, addNumber, expectAttr, expectText, listedNumbers, serverWorkspace, simReady, zh } from './journey'

const root = mkdtempSync(path.join(tmpdir(), 'tccc-e2e-quota-'))
const dataDir = path.join(root, 'db')
// One signing key across the restart, as a real deployment keeps it: the phone's session lives on.
const SIGNING = { TOKEN_SIGNING_KEY: 'e2e-quota-signing-key-0123456789-abcdefghijklm' }
const CAPS = { WORKSPACE_NUMBERS_MAX: '2', WORKSPACE_RECORDS_MAX: '3' }

let stack: Stack
/** The backend now serving (the stack's first, then the one with the raised caps, on the same port). */
let backend: Backend

beforeAll(async () => {
  stack = await startStack(BUNDLE, { DATA_DIR: dataDir, ...SIGNING, ...CAPS })
  backend = stack.backend
})

// A journey's retry starts on an empty database: tombstones left by the first try count towards the caps.
let used = false
beforeEach(async () => {
  if (used) await restartBackend(CAPS, () => rmSync(dataDir, { recursive: true, force: true }))
  used = true
})

afterAll(async () => {
  await stack?.close()
  await backend?.stop()
  rmSync(root, { recursive: true, force: true })
})

/** The backend starts again on the same port with `caps` (the business raised them), after `between` on its stopped database. */
async function restartBackend(caps: Record<string, string>, between = (): void => undefined): Promise<void> {
  const port = backend.port
  await backend.stop()
  between()
  backend = await startBackend({ ...SIGNING, ...caps, PUBLIC_URL: `http://localhost:${new URL(stack.baseUrl).port}`, DATA_DIR: dataDir, TOKEN_PORT: String(port), ADMIN_KEY: stack.backend.adminKey })
  stack = { ...stack, backend }
}

const numbersOnServer = async () => (await serverWorkspace(stack, AGENT1)).numbers.map((r) => String(r.data.number)).sort()

/** The sync line once nothing is under way: its state, how many were refused, whether retry shows. */
async function syncLine(page: Page, refused: number): Promise<void> {
  await expectAttr(page, 'sync-status', 'data-state', 'synced', 30_000)
  await expectAttr(page, 'sync-status', 'data-refused', String(refused), 30_000)
  await expect.poll(() => byId(page, 'sync-retry-refused').count()).toBe(refused > 0 ? 1 : 0)
}

async function deleteNumber(page: Page, number: string): Promise<void> {
  await page.locator(`[data-testid="number-item"][data-number="${number}"] [data-testid="number-delete"]`).click()
  await byId(page, 'confirm-ok').click()
  await byId(page, 'confirm-dialog').waitFor({ state: 'detached' })
}

/** Signed in, registered, and the first sync done. */
async function signedInSynced(page: Page): Promise<void> {
  await signIn(page)
  await simReady(page)
  await expectAttr(page, 'sync-status', 'data-state', 'synced', 30_000)
}

/** Three numbers added against the cap of 2: the third is held over it (the line says 1). */
async function threeNumbersOneHeld(page: Page): Promise<void> {
  await addNumber(page, '13800000001', 'one')
  await addNumber(page, '13800000002', 'two')
  await addNumber(page, '13800000003', 'three')
  await syncLine(page, 1)
}

describe('an agent at the caps', () => {
  it('a number over the limit waits (also across a restart) and goes in once one is deleted; over the storage limit, the retry goes through once the business raised it', async () => {
    const { context, page } = await newPhone(stack)
    try {
      await signedInSynced(page)
      await threeNumbersOneHeld(page)
      await expectText(page, 'sync-status', zh('shell.sync.refusedQuotaNumbers', { n: 1 }))
      expect(await byId(page, 'sync-retry-refused').getAttribute('aria-label')).toBe(zh('shell.sync.retryRefused'))
      // A 44 px target that a finger at its middle reaches, on a 360 px phone too, the line beside it.
      for (const width of [390, 360]) {
        await page.setViewportSize({ width, height: 740 })
        const box = await byId(page, 'sync-retry-refused').boundingBox()
        const line = await byId(page, 'sync-status').boundingBox()
        if (!box || !line) throw new Error('the sync line or its retry is not laid out')
        expect([box.width, box.height, box.x + box.width <= width, line.x + line.width <= box.x]).toEqual([44, 44, true, true])
        const hit = await page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.closest('[data-testid]')?.getAttribute('data-testid'), [box.x + box.width / 2, box.y + box.height / 2])
        expect(hit).toBe('sync-retry-refused')
      }
      await page.setViewportSize({ width: 390, height: 844 })
      expect(await listedNumbers(page)).toEqual(['13800000003', '13800000002', '13800000001'])
      expect(await numbersOnServer()).toEqual(['13800000001', '13800000002'])

      // The app restarts: still said (sent once at the sign-in, refused again), still listed.
      await page.reload()
      await simReady(page)
      await syncLine(page, 1)
      await expectText(page, 'sync-status', zh('shell.sync.refusedQuotaNumbers', { n: 1 }))

      // A number deleted makes room: the refused one goes in and the line clears.
      await deleteNumber(page, '13800000001')
      await syncLine(page, 0)
      await expectText(page, 'sync-status', zh('shell.sync.synced'))
      await expect.poll(numbersOnServer).toEqual(['13800000002', '13800000003'])

      // Rows now: the deleted number's tombstone and two numbers, 3 of 3: the next add is over the
      // storage limit, which deleting numbers cannot help (a delete keeps its row).
      await addNumber(page, '13800000004', 'four')
      await syncLine(page, 1)
      await expectText(page, 'sync-status', zh('shell.sync.refusedQuotaRecords', { n: 1 }))
      // Retried while the limit holds: refused again, and said again.
      await byId(page, 'sync-retry-refused').click()
      await syncLine(page, 1)
      await expectText(page, 'sync-status', zh('shell.sync.refusedQuotaRecords', { n: 1 }))
      expect(await numbersOnServer()).toEqual(['13800000002', '13800000003'])

      // Both: at 2 live numbers the add would now be over the numbers limit instead.
      await restartBackend({ WORKSPACE_NUMBERS_MAX: '5', WORKSPACE_RECORDS_MAX: '10' })
      await byId(page, 'sync-retry-refused').click()
      await syncLine(page, 0)
      await expectText(page, 'sync-status', zh('shell.sync.synced'))
      await expect.poll(numbersOnServer).toEqual(['13800000002', '13800000003', '13800000004'])
      expect(await listedNumbers(page)).toEqual(['13800000004', '13800000003', '13800000002'])
    } finally {
      await context.close()
    }
  }, 240_000)

  it('a number held over the limit whose edit the server refuses for another reason is said as refused (not over the limit) and not sent again at the next sign-in', async () => {
    const { context, page } = await newPhone(stack)
    try {
      await signedInSynced(page)
      await threeNumbersOneHeld(page)
      await expectText(page, 'sync-status', zh('shell.sync.refusedQuotaNumbers', { n: 1 }))

      // The server refuses the held number's edit for another reason (a remark it cannot store).
      const refuseEdit = async (route: Route) => {
        if (route.request().method() !== 'POST') return route.continue()
        const { changes } = route.request().postDataJSON() as { changes: Array<{ changeId: string; data?: { number?: string } }> }
        const mine = changes.filter((c) => c.data?.number === '13800000003').map((c) => c.changeId)
        if (mine.length === 0) return route.continue()
        const answer = (await (await route.fetch()).json()) as { results: Array<{ changeId: string }> }
        await route.fulfill({ json: { results: answer.results.map((r) => (mine.includes(r.changeId) ? { changeId: r.changeId, status: 'rejected', reason: 'INVALID_REMARK' } : r)) } })
      }
      await page.route('**/api/workspace/changes**', refuseEdit)
      await page.locator('[data-testid="number-item"][data-number="13800000003"] [data-testid="number-edit"]').click()
      await inputOf(page, 'number-form-remark').fill('three, edited')
      await byId(page, 'number-form-save').click()
      await byId(page, 'number-form-save').waitFor({ state: 'detached' })
      // Was: "Number limit reached · 2 refused" (held and refused, counted twice), with the retry.
      await expectAttr(page, 'sync-status', 'data-state', 'synced', 30_000)
      await expectAttr(page, 'sync-status', 'data-refused', '1', 30_000)
      await expect.poll(() => byId(page, 'sync-retry-refused').count()).toBe(0)
      await expectText(page, 'sync-status', zh('shell.sync.refused', { n: 1 }))
      expect(await byId(page, 'sync-status').getAttribute('aria-label')).toBe(zh('shell.sync.refusedHint', { n: 1 }))
      await page.unroute('**/api/workspace/changes**', refuseEdit)

      // The app restarts (a sign-in with the stored session): it is not sent again.
      const sent: string[] = []
      page.on('request', (req) => {
        if (req.method() === 'POST' && req.url().includes('/api/workspace/changes')) sent.push(req.postData() ?? '')
      })
      const pulled = page.waitForResponse((res) => res.url().includes('/api/workspace/changes?') && res.request().method() === 'GET', { timeout: 30_000 })
      await page.reload()
      await simReady(page)
      await pulled
      await syncLine(page, 0)
      // Was: sent once more at every such sign-in's first sync.
      expect(sent.filter((body) => body.includes('13800000003'))).toEqual([])
      expect(await listedNumbers(page)).toContain('13800000003')
      expect(await numbersOnServer()).toEqual(['13800000001', '13800000002'])
    } finally {
      await context.close()
    }
  }, 120_000)

  it("a second tab of the agent shows the number held over the limit as the first tab holds it, without syncing itself", async () => {
    const { context, page } = await newPhone(stack)
    try {
      await signedInSynced(page)
      const second = await context.newPage()
      await second.goto(stack.baseUrl)
      await simReady(second)
      await expectAttr(second, 'sync-status', 'data-state', 'synced', 30_000)
      await threeNumbersOneHeld(page)
      // Was: "synced" in the second tab until it synced itself (a sign-in, a tap on its line).
      await syncLine(second, 1)
      await expectText(second, 'sync-status', zh('shell.sync.refusedQuotaNumbers', { n: 1 }))
      // Room made in the first tab: the held number goes in, and both lines clear.
      await deleteNumber(page, '13800000001')
      await syncLine(page, 0)
      await syncLine(second, 0)
    } finally {
      await context.close()
    }
  }, 120_000)
})
