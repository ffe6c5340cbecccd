/**
 * The phone as a per-agent cache of the workspace on the backend: another agent on the same phone
 * sees nothing of the first; two phones of one agent see each other's numbers and calls; edits and
 * calls made offline reach the server when the network returns (and survive a sign-out); a pull
 * the phone has no room to store keeps its cursor back until there is room; a list the business
 * assigns with `assign-numbers` shows up marked as assigned; clearing history leaves the call
 * records (the business's) on the server, where the agent's token cannot delete or rewrite them.
 * Runs against the real backend over a fresh embedded database (temp DATA_DIR, see harness.ts).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { AGENT1, AGENT2, ROOT, byId, inputOf, newPhone, signIn, sim, type Stack } from './harness'
import { addNumber, closeCall, dialAndRing, expectAttr, listedNumbers, serverWorkspace, simReady, useStack, zh } from './journey'

const { stack } = useStack()

const row = (page: Page, number: string) => page.locator(`[data-testid="number-item"][data-number="${number}"]`)

const numbersOnServer = async (s: Stack, agent = AGENT1) => (await serverWorkspace(s, agent)).numbers.map((r) => r.data.number).sort()
const callsOnServer = async (s: Stack, agent = AGENT1) => (await serverWorkspace(s, agent)).calls.map((r) => `${r.data.number}:${r.data.outcome}`).sort()

async function signedIn(page: Page, agent = AGENT1): Promise<void> {
  await signIn(page, agent)
  await simReady(page)
  await expectAttr(page, 'sync-status', 'data-state', 'synced', 20_000)
}

/** A rejected outbound call from the dial pad, back on the numbers page. */
async function rejectedCall(page: Page, number: string): Promise<void> {
  await dialAndRing(page, number)
  await sim(page, 'rejectOutbound')
  // The optional wrap-up of an unanswered call is skipped, then the call is left.
  await closeCall(page)
  await byId(page, 'nav-numbers').click()
}

async function historyNumbers(page: Page): Promise<string[]> {
  await byId(page, 'nav-history').click()
  await byId(page, 'history-empty').or(byId(page, 'history-item').first()).waitFor({ state: 'visible' })
  return byId(page, 'history-item').evaluateAll((rows) => rows.map((el) => el.getAttribute('data-number') ?? ''))
}

async function signOut(page: Page): Promise<void> {
  await byId(page, 'logout').click()
  await byId(page, 'login-submit').waitFor({ state: 'visible', timeout: 15_000 })
}

describe('the workspace on the backend', () => {
  it('isolates agents on one phone: agent2 sees none of agent1\'s numbers or calls, agent1 gets them back', async () => {
    const { context, page } = await newPhone(stack())
    try {
      await signedIn(page)
      await addNumber(page, '13800138000', '张三')
      await rejectedCall(page, '13700007777')
      await expectAttr(page, 'sync-status', 'data-state', 'synced')
      await signOut(page)

      await signedIn(page, AGENT2)
      await byId(page, 'numbers-empty').waitFor({ state: 'visible' })
      expect(await byId(page, 'number-item').count()).toBe(0)
      expect(await historyNumbers(page)).toEqual([])
      // Stored per agent: nothing device-global, agent1's keys kept for agent1.
      const keys = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tccc.a.') || k === 'tccc.numbers' || k === 'tccc.history'))
      expect(keys).toEqual(expect.arrayContaining(['tccc.a.agent1%40example%2Ecom.numbers', 'tccc.a.agent1%40example%2Ecom.history']))
      expect(keys).not.toContain('tccc.numbers')
      expect(keys).not.toContain('tccc.history')
      await signOut(page)

      await signedIn(page)
      await expect.poll(() => listedNumbers(page)).toEqual(['13800138000'])
      expect(await historyNumbers(page)).toEqual(['13700007777'])
      expect(await callsOnServer(stack(), AGENT2)).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('two phones of one agent see each other\'s numbers and calls after sync', async () => {
    const a = await newPhone(stack())
    const b = await newPhone(stack())
    try {
      await signedIn(a.page)
      await addNumber(a.page, '13911112222', '王五')
      await rejectedCall(a.page, '13911112222')
      await expectAttr(a.page, 'sync-status', 'data-state', 'synced')

      await signedIn(b.page)
      await expect.poll(() => listedNumbers(b.page)).toContain('13911112222')
      expect(await row(b.page, '13911112222').innerText()).toContain('王五')
      // The row counts the call made on phone A (it said "未拨打" when stats were this phone's only).
      await expect.poll(() => row(b.page, '13911112222').getAttribute('data-call-count')).toBe('1')
      expect(await row(b.page, '13911112222').getAttribute('data-last-outcome')).toBe('rejected')
      expect(await row(b.page, '13911112222').innerText()).not.toContain(zh('numbers.neverCalled'))
      expect(await historyNumbers(b.page)).toContain('13911112222')

      await byId(b.page, 'nav-numbers').click()
      await addNumber(b.page, '13622223333', '赵六')
      await expectAttr(b.page, 'sync-status', 'data-state', 'synced')
      // Phone A picks it up when its network comes back (or at its next start / foreground).
      await a.context.setOffline(true)
      await a.context.setOffline(false)
      await expect.poll(() => listedNumbers(a.page), { timeout: 15_000 }).toContain('13622223333')
    } finally {
      await a.context.close()
      await b.context.close()
    }
  })

  it('pages never opened before the network went load offline: their code was fetched after sign-in', async () => {
    const { context, page } = await newPhone(stack())
    try {
      await signedIn(page)
      await addNumber(page, '13512340000', '地库客户')
      // The signed-in pages' code comes after sign-in, in the background.
      await expect
        .poll(() => page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /src-pages-(dial|history)-index/.test(n)).length), { timeout: 15_000 })
        .toBeGreaterThanOrEqual(2)
      await context.setOffline(true)
      await row(page, '13512340000').locator('[data-testid="number-call"]').click()
      await expectAttr(page, 'call-status', 'data-state', 'ringing')
      await byId(page, 'call-hangup').click()
      await expectAttr(page, 'call-status', 'data-state', 'ended')
      await byId(page, 'call-close').click()
      await byId(page, 'nav-history').click()
      await expectAttr(page, 'history-item', 'data-number', '13512340000')
      await expectAttr(page, 'sync-status', 'data-state', 'offline')
    } finally {
      await context.setOffline(false)
      await context.close()
    }
  })

  it('edits and calls made offline reach the server when the network returns; signing out first warns and keeps them', async () => {
    const { context, page } = await newPhone(stack())
    try {
      await signedIn(page)
      // A browser loads each page's code on first use; open them once while online (the App has all).
      await historyNumbers(page)
      await rejectedCall(page, '13000000000')
      await expectAttr(page, 'sync-status', 'data-state', 'synced')
      await context.setOffline(true)
      await addNumber(page, '13512345678', '离线客户')
      await rejectedCall(page, '13512345678')
      await expectAttr(page, 'sync-status', 'data-state', 'offline')
      await expectAttr(page, 'sync-status', 'data-pending', '2')
      expect(await listedNumbers(page)).toContain('13512345678')
      expect(await numbersOnServer(stack())).not.toContain('13512345678')

      // Signing out with unsent changes asks first; "wait" keeps the agent signed in.
      await byId(page, 'logout').click()
      await byId(page, 'confirm-dialog').waitFor({ state: 'visible' })
      expect(await byId(page, 'confirm-dialog').innerText()).toContain(zh('shell.logoutPending.title'))
      await byId(page, 'confirm-cancel').click()
      await byId(page, 'confirm-dialog').waitFor({ state: 'detached' })
      expect(await byId(page, 'agent-status').innerText()).toContain(AGENT1.username)

      // Back online: everything goes out.
      await context.setOffline(false)
      await expectAttr(page, 'sync-status', 'data-state', 'synced', 20_000)
      await expectAttr(page, 'sync-status', 'data-pending', '0')
      expect(await numbersOnServer(stack())).toContain('13512345678')
      expect(await callsOnServer(stack())).toContain('13512345678:rejected')

      // Offline again, then "sign out anyway": the change waits on the phone for this agent.
      await context.setOffline(true)
      await addNumber(page, '13587654321', '下次再发')
      await expectAttr(page, 'sync-status', 'data-pending', '1')
      await byId(page, 'logout').click()
      await byId(page, 'confirm-ok').click()
      await byId(page, 'login-submit').waitFor({ state: 'visible', timeout: 15_000 })
      await context.setOffline(false)
      expect(await numbersOnServer(stack())).not.toContain('13587654321')
      await signedIn(page)
      expect(await numbersOnServer(stack())).toContain('13587654321')
    } finally {
      await context.close()
    }
  })

  it('a pull the phone has no room to store: the header says so, nothing is stored ahead of it, and it is stored once there is room', async () => {
    const KEY = 'tccc.a.agent1%40example%2Ecom'
    const stored = (page: Page) =>
      page.evaluate((key) => ({ numbers: localStorage.getItem(`${key}.numbers`) ?? '', cursor: localStorage.getItem(`${key}.cursor`) }), KEY)
    const { context, page } = await newPhone(stack())
    const dir = mkdtempSync(path.join(tmpdir(), 'tccc-leads-'))
    try {
      await signedIn(page)
      const before = await stored(page)
      // The phone's storage full to the last character (the browser refuses the next write).
      const junkKeys = await page.evaluate(() => {
        let size = 1 << 20
        let keys = 0
        while (size >= 1) {
          try {
            localStorage.setItem(`e2e-junk-${keys}`, 'x'.repeat(size))
            keys += 1
          } catch {
            size = Math.floor(size / 2)
          }
        }
        return keys
      })
      expect(junkKeys).toBeGreaterThan(0)

      const file = path.join(dir, 'leads.csv')
      writeFileSync(file, '13300005551,满客户甲\n13300005552,满客户乙\n')
      await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/src/cli.ts', 'assign-numbers', '--agent', AGENT1.username, '--file', file], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: stack().backend.dataDir ?? '' },
        timeout: 60_000,
      })
      // The network comes back: the app syncs and pulls the two numbers it cannot store.
      await context.setOffline(true)
      await context.setOffline(false)
      await expectAttr(page, 'sync-status', 'data-state', 'error', 20_000)
      expect(await byId(page, 'sync-status').innerText()).toBe(zh('shell.sync.storageFull', { n: 0 }))
      await expect.poll(() => listedNumbers(page)).toEqual(expect.arrayContaining(['13300005551', '13300005552']))
      // Neither the list nor the cursor ran ahead: an app closed now pulls both again.
      expect(await stored(page)).toEqual(before)

      // Room again: the retry (backoff) stores the list, then the cursor.
      await page.evaluate(() => {
        for (const key of Object.keys(localStorage)) if (key.startsWith('e2e-junk-')) localStorage.removeItem(key)
      })
      await expectAttr(page, 'sync-status', 'data-state', 'synced', 20_000)
      expect(await byId(page, 'sync-status').innerText()).toBe(zh('shell.sync.synced'))
      const after = await stored(page)
      expect(after.numbers).toContain('13300005551')
      expect(after.numbers).toContain('13300005552')
      expect(Number(JSON.parse(after.cursor ?? '{}').data)).toBeGreaterThan(Number(before.cursor ? JSON.parse(before.cursor).data : 0))
    } finally {
      await context.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("a seat handed to the next agent on the same phone: they see none of the last one's numbers, and the last one's unsent change never reaches them", async () => {
    const cli = (args: string[], input = '') =>
      new Promise<string>((resolve, reject) => {
        const child = execFile(process.execPath, ['--import', 'tsx', 'server/src/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: stack().backend.dataDir ?? '' }, timeout: 60_000 }, (err, stdout) =>
          err ? reject(err) : resolve(stdout),
        )
        child.stdin?.end(input ? `${input}\n` : '')
      })
    const X = { username: 'x-leaver@corp.example', password: 'x-leaver-pass' }
    const Y = { username: 'y-joiner@corp.example', password: 'y-joiner-pass' }
    const SEAT = 'seat7@corp.example'
    await cli(['add-agent', '--username', X.username, '--user-id', SEAT], X.password)
    const { context, page } = await newPhone(stack())
    try {
      await signedIn(page, X)
      await addNumber(page, '13855550001', 'X-secret')
      await expectAttr(page, 'sync-status', 'data-state', 'synced')
      await context.setOffline(true)
      await addNumber(page, '13855550002', 'X-pending')
      await expectAttr(page, 'sync-status', 'data-pending', '1')
      await byId(page, 'logout').click()
      await byId(page, 'confirm-ok').click()
      await byId(page, 'login-submit').waitFor({ state: 'visible', timeout: 15_000 })

      // X leaves the team; Y joins and gets the seat.
      await cli(['remove-agent', '--username', X.username])
      await cli(['add-agent', '--username', Y.username, '--user-id', SEAT], Y.password)
      await context.setOffline(false)
      await signedIn(page, Y)
      await byId(page, 'numbers-empty').waitFor({ state: 'visible' })
      expect(await listedNumbers(page)).toEqual([])
      expect(await numbersOnServer(stack(), Y)).toEqual([])
      // The remarks themselves: a bare 'X-' also turns up by chance in a base64url token stored here.
      const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => /X-(secret|pending)/.test(localStorage.getItem(k) ?? '')))
      expect(left).toEqual([])
    } finally {
      await context.close()
      await cli(['remove-agent', '--username', Y.username]).catch(() => undefined)
    }
  })

  it('a list assigned with assign-numbers shows up on the phone, marked assigned, its number locked', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tccc-leads-'))
    try {
      const file = path.join(dir, 'leads.csv')
      writeFileSync(file, '13300001111,客户甲\n13300002222,客户乙\nnot-a-number,坏行\n')
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'server/src/cli.ts', 'assign-numbers', '--agent', AGENT1.username, '--file', file],
        { cwd: ROOT, env: { ...process.env, DATA_DIR: stack().backend.dataDir ?? '' }, timeout: 60_000 },
      )
      expect(stdout).toMatch(/2 added, 0 duplicate, 1 invalid/)

      const { context, page } = await newPhone(stack())
      try {
        await signedIn(page)
        await addNumber(page, '13400004444', '自己的')
        await expect.poll(() => listedNumbers(page)).toEqual(expect.arrayContaining(['13300001111', '13300002222', '13400004444']))
        expect(await row(page, '13300001111').getAttribute('data-source')).toBe('assigned')
        expect(await row(page, '13400004444').getAttribute('data-source')).toBe('own')
        // In the file's order: its first line above its second, and first among new numbers.
        const order = await listedNumbers(page)
        expect(order.indexOf('13300001111')).toBeLessThan(order.indexOf('13300002222'))

        // Only the remark of an assigned number can be edited; the change reaches the server.
        await row(page, '13300001111').locator('[data-testid="number-edit"]').click()
        expect(await inputOf(page, 'number-form-number').isDisabled()).toBe(true)
        await inputOf(page, 'number-form-remark').fill('客户甲 已约')
        await byId(page, 'number-form-save').click()
        await byId(page, 'number-form-save').waitFor({ state: 'detached' })
        await expectAttr(page, 'sync-status', 'data-state', 'synced')
        const assigned = (await serverWorkspace(stack())).numbers.find((r) => r.data.number === '13300001111')
        expect(assigned?.data).toMatchObject({ remark: '客户甲 已约', source: 'assigned' })
      } finally {
        await context.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("clearing history empties this phone only: the call stays on the server, in the business's export and on the next phone; the agent's token cannot delete or rewrite it", async () => {
    const a = await newPhone(stack())
    const b = await newPhone(stack())
    try {
      await signedIn(a.page)
      await rejectedCall(a.page, '13722224444')
      await expectAttr(a.page, 'sync-status', 'data-state', 'synced')
      await byId(a.page, 'nav-history').click()
      await byId(a.page, 'history-clear').click()
      await byId(a.page, 'confirm-ok').click()
      await byId(a.page, 'history-empty').waitFor({ state: 'visible' })
      await expectAttr(a.page, 'sync-status', 'data-state', 'synced')
      expect(await byId(a.page, 'sync-status').getAttribute('data-refused')).toBe('0')
      expect(await callsOnServer(stack())).toEqual(['13722224444:rejected'])

      // The agent's own token (what a tampered phone holds): a delete and a rewrite are refused.
      const [call] = (await serverWorkspace(stack())).calls
      const base = `http://127.0.0.1:${stack().backend.port}`
      const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(AGENT1) })
      const auth = { authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}`, 'content-type': 'application/json' }
      const changes = [
        { changeId: 'tamper-1', kind: 'call', op: 'delete', id: call.id },
        { changeId: 'tamper-2', kind: 'call', op: 'upsert', id: call.id, data: { ...call.data, durationSec: 7000, endedAt: Number(call.data.startedAt) + 7_000_000 } },
      ]
      const pushed = await fetch(`${base}/api/workspace/changes`, { method: 'POST', headers: auth, body: JSON.stringify({ changes }) })
      expect(((await pushed.json()) as { results: Array<{ reason?: string }> }).results.map((r) => r.reason)).toEqual(['CALL_RECORD_PERMANENT', 'CALL_RECORD_READONLY'])
      const exported = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/src/cli.ts', 'export-calls', '--agent', AGENT1.username], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: stack().backend.dataDir ?? '' },
        timeout: 60_000,
      })
      const lines = exported.stdout.trim().split('\n').slice(1)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(',13722224444,')
      expect(lines[0].split(',')[8]).toBe('0')

      // Another phone of the agent gets it in its history.
      await signedIn(b.page)
      expect(await historyNumbers(b.page)).toEqual(['13722224444'])
    } finally {
      await a.context.close()
      await b.context.close()
    }
  })
})
