/**
 * Journey of two tabs of one browser signed in as the same agent, each following what the other
 * writes to their shared storage without a reload (the browser's `storage` event): the failed
 * sign-in notice dismissed in one goes in the other, and a new one shows there; the sync line
 * counts the other tab's unsent changes and its refusals, and clears once that tab sent them,
 * while only the tab that made a change sends it.
 */
import { describe, expect, it } from 'vitest'
import type { Page, Request } from 'playwright-core'
import { AGENT1, byId, inputOf } from './harness'
import { addNumber, expectAttr, expectText, simReady, useStack, zh, zhError } from './journey'

const { phone, stack } = useStack()

/** A second tab in the same browser context as `page` (same localStorage, same stored session). */
async function secondTab(page: Page): Promise<Page> {
  const tab = await page.context().newPage()
  tab.on('pageerror', (err) => console.error('[page error]', err.message))
  await tab.goto(stack().baseUrl)
  await simReady(tab)
  await byId(tab, 'agent-status').first().waitFor({ state: 'visible', timeout: 20_000 })
  return tab
}

/** Where the agent's notice is kept (src/services/signInFailures.ts; agentKeyOf of the username). */
const NOTICE_KEY = `tccc.a.${encodeURIComponent(AGENT1.username).replace(/\./g, '%2E')}.signInNotice`

/** The right password typed on the login page (the username filled already) and the tab registered. */
async function signInWithPassword(page: Page): Promise<void> {
  await inputOf(page, 'login-password').fill(AGENT1.password)
  await byId(page, 'login-submit').click()
  await simReady(page)
}

/** The pushes a tab sent (`POST /api/workspace/changes`), as their bodies. */
function pushesOf(page: Page): string[] {
  const bodies: string[] = []
  page.on('request', (req: Request) => {
    if (req.method() === 'POST' && req.url().includes('/api/workspace/changes')) bodies.push(req.postData() ?? '')
  })
  return bodies
}

describe('two tabs of one agent follow each other', () => {
  it('the failed sign-in notice: dismissed in one tab, gone in the other; a new one kept by one shows in the other', async () => {
    const first = await phone()
    await inputOf(first, 'login-username').fill(AGENT1.username)
    await inputOf(first, 'login-password').fill('not-it')
    await byId(first, 'login-submit').click()
    await expectText(first, 'login-error', zhError('BAD_CREDENTIALS'))
    await expect.poll(() => byId(first, 'login-submit').isEnabled()).toBe(true)
    await signInWithPassword(first)
    await expectAttr(first, 'signin-failures', 'data-count', '1', 20_000)

    const second = await secondTab(first)
    await expectAttr(second, 'signin-failures', 'data-count', '1', 20_000)
    await byId(second, 'signin-failures-dismiss').click()
    await byId(second, 'signin-failures').waitFor({ state: 'detached' })
    // Was: still shown in the first tab until it was reloaded.
    await byId(first, 'signin-failures').waitFor({ state: 'detached', timeout: 5_000 })

    // A tab keeps a new report (as a sign-in there does, src/services/signInFailures.ts): the other shows it.
    const at = Date.now()
    await second.evaluate(
      ([key, value]) => localStorage.setItem(key, value),
      [NOTICE_KEY, JSON.stringify({ v: 1, data: { failures: 3, lastFailureAt: at, locked: false, reportedAt: at, dismissed: false } })] as const,
    )
    await expectAttr(first, 'signin-failures', 'data-count', '3', 5_000)
    await expectText(first, 'signin-failures', zh('notices.signInFailuresHint'))
  })

  it('the sync line: the other tab\'s unsent change counts as pending until that tab sent it, and its refusal as refused; the other tab sends neither', async () => {
    const first = await phone()
    await inputOf(first, 'login-username').fill(AGENT1.username)
    await signInWithPassword(first)
    await expectAttr(first, 'sync-status', 'data-state', 'synced', 30_000)
    const second = await secondTab(first)
    await expectAttr(second, 'sync-status', 'data-state', 'synced', 30_000)
    const secondPushes = pushesOf(second)

    // The first tab cannot reach the backend's workspace; the agent adds a number there.
    const cutOff = (route: import('playwright-core').Route) => (route.request().method() === 'POST' ? route.abort() : route.continue())
    await first.route('**/api/workspace/changes**', cutOff)
    await addNumber(first, '13800000011', 'one')
    await expectAttr(first, 'sync-status', 'data-pending', '1', 10_000)
    // Was: "synced" and 0 until the second tab synced itself.
    await expectAttr(second, 'sync-status', 'data-pending', '1', 5_000)
    await expectText(second, 'sync-status', zh('shell.sync.pending', { n: 1 }))

    // Back: the first tab sends it (a tap on its line retries now); the second clears.
    await first.unroute('**/api/workspace/changes**', cutOff)
    await byId(first, 'sync-status').click()
    await expectAttr(first, 'sync-status', 'data-pending', '0', 30_000)
    await expectAttr(second, 'sync-status', 'data-pending', '0', 5_000)
    await expectAttr(second, 'sync-status', 'data-state', 'synced', 30_000)

    // The server refuses the first tab's next change (a remark it cannot store, say): both lines say so.
    await first.route('**/api/workspace/changes**', async (route) => {
      if (route.request().method() !== 'POST') return route.continue()
      const { changes } = route.request().postDataJSON() as { changes: Array<{ changeId: string }> }
      await route.fulfill({ json: { results: changes.map((c) => ({ changeId: c.changeId, status: 'rejected', reason: 'INVALID_REMARK' })) } })
    })
    await addNumber(first, '13800000012', 'two')
    await expectAttr(first, 'sync-status', 'data-refused', '1', 30_000)
    await expectAttr(second, 'sync-status', 'data-refused', '1', 5_000)
    await expectText(second, 'sync-status', zh('shell.sync.refused', { n: 1 }))

    // Only the tab that made the changes sent them.
    expect(secondPushes.filter((body) => body.includes('13800000011') || body.includes('13800000012'))).toEqual([])
  })
})
