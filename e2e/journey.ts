/**
 * Shared steps for the browser journeys (on top of the lead's harness): the texts the agent
 * should read (straight from the message tables and the error catalogue, so a changed wording
 * is not a failure but a missing or wrong message is), waiting for the simulator, reading its
 * log, and the few multi-step actions several journeys need.
 */
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, expect } from 'vitest'
import { messages, type MessageKey } from '../src/i18n/messages'
import { entryFor, type ErrorSymbol } from '../src/platform/errors'
import { AGENT1, AGENT2, byId, inputOf, newPhone, signIn, sim, simLog, startStack, type SdkCall, type Stack } from './harness'

/** Which bundle to drive; `E2E_H5_DIR` lets a run use its own build next to others' builds. */
export const BUNDLE = process.env.E2E_H5_DIR ?? 'dist/build/h5'

/** UI text in Chinese, the language `newPhone()` gives the browser. */
export function zh(key: MessageKey, params?: Record<string, string | number>): string {
  let text: string = messages.zh[key]
  if (params) for (const [name, value] of Object.entries(params)) text = text.split(`{${name}}`).join(String(value))
  return text
}

/** The catalogue's Chinese message for an error. */
export const zhError = (symbol: ErrorSymbol): string => entryFor(symbol).zh

/**
 * Empties an agent's workspace on the backend (every number and call becomes a tombstone), so a
 * journey's fresh phone starts with an empty list as it did before the workspace lived on the
 * server; what one journey adds would otherwise reach the next one's phone at sign-in. Through
 * the mock backend's admin route (`POST /api/admin/workspace/clear`): an agent's own token cannot
 * delete call records (`CALL_RECORD_PERMANENT`).
 */
export async function resetWorkspace(stack: Stack, agent: { username: string }): Promise<void> {
  // The development accounts' TCCC userId is their login.
  const res = await fetch(`http://127.0.0.1:${stack.backend.port}/api/admin/workspace/clear`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-admin-key': stack.backend.adminKey },
    body: JSON.stringify({ agent: agent.username }),
  })
  if (!res.ok) throw new Error(`reset: clearing ${agent.username}'s workspace failed (${res.status} ${await res.text()})`)
}

export interface ServerRecord {
  kind: string
  id: string
  data: Record<string, unknown>
}

/** What the backend holds for an agent: every live record, pulled like a phone would. */
export async function serverWorkspace(s: Stack, agent = AGENT1): Promise<{ numbers: ServerRecord[]; calls: ServerRecord[] }> {
  const base = `http://127.0.0.1:${s.backend.port}`
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(agent) })
  const { accessToken } = (await login.json()) as { accessToken: string }
  const live = new Map<string, ServerRecord>()
  let since = '0'
  for (let pages = 0; pages < 100; pages += 1) {
    const res = await fetch(`${base}/api/workspace/changes?since=${since}&limit=1000`, { headers: { authorization: `Bearer ${accessToken}` } })
    const page = (await res.json()) as { changes: Array<ServerRecord & { deleted: boolean }>; cursor: string; more: boolean }
    for (const c of page.changes) {
      if (c.deleted) live.delete(`${c.kind}:${c.id}`)
      else live.set(`${c.kind}:${c.id}`, { kind: c.kind, id: c.id, data: c.data })
    }
    since = page.cursor
    if (!page.more) break
  }
  await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body: '{}' })
  const all = [...live.values()]
  return { numbers: all.filter((r) => r.kind === 'number'), calls: all.filter((r) => r.kind === 'call') }
}

/** One stack (backend + static server + Chromium) per file; a fresh context per test. */
export function useStack(): { stack: () => Stack; phone: () => Promise<Page> } {
  let stack: Stack | undefined
  const contexts: BrowserContext[] = []
  beforeAll(async () => {
    stack = await startStack(BUNDLE)
  })
  // Every journey starts from empty workspaces, like a fresh phone did before sync.
  beforeEach(async () => {
    if (!stack) return
    // The previous journey's phones go first: a push they still had queued would otherwise
    // land after the reset and show up in this journey's lists.
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined)
    await resetWorkspace(stack, AGENT1)
    await resetWorkspace(stack, AGENT2)
  })
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined)
    await stack?.close()
  })
  return {
    stack: () => {
      if (!stack) throw new Error('stack not started')
      return stack
    },
    phone: async () => {
      if (!stack) throw new Error('stack not started')
      const { context, page } = await newPhone(stack)
      contexts.push(context)
      return page
    },
  }
}

/** `window.__tcccSim` appears when the app creates its platform; wait for it. */
export async function simReady(page: Page): Promise<void> {
  await page.waitForFunction(() => !!(window as unknown as { __tcccSim?: unknown }).__tcccSim, undefined, { timeout: 15_000 })
}

/** Signs in as agent1 on a fresh phone and waits for the simulator. */
export async function signedInPhone(phone: () => Promise<Page>): Promise<Page> {
  const page = await phone()
  await signIn(page)
  await simReady(page)
  return page
}

export const methodsOf = (log: SdkCall[]): string[] => log.map((entry) => entry.method)
export const callsTo = (log: SdkCall[], method: string): SdkCall[] => log.filter((entry) => entry.method === method)

/** The attribute once it equals `value`; a failure names the test id and the last value seen. */
export async function expectAttr(page: Page, id: string, name: string, value: string, timeout = 10_000): Promise<void> {
  await saying(
    timeout,
    expect
      .poll(() => byId(page, id).first().getAttribute(name, { timeout: 1_000 }).catch(() => `<no element [data-testid="${id}"]>`), {
        timeout,
        message: `${name} of [data-testid="${id}"]`,
      })
      .toBe(value),
  )
}

/** The text once it contains `text`; a failure names the test id and the last text seen (or that the element was missing). */
export async function expectText(page: Page, id: string, text: string, timeout = 10_000): Promise<void> {
  await saying(
    timeout,
    expect
      .poll(() => byId(page, id).first().innerText({ timeout: 1_000 }).catch(() => `<no element [data-testid="${id}"]>`), {
        timeout,
        message: `text of [data-testid="${id}"]`,
      })
      .toContain(text),
  )
}

/**
 * expect.poll's error says only "Matcher did not succeed in time"; what was seen is in its cause,
 * which the JSON report (and so the summary of `npm test`) leaves out. One error carries both.
 */
async function saying(timeout: number, polled: Promise<void>): Promise<void> {
  try {
    await polled
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause
    if (!(cause instanceof Error)) throw error
    throw new Error(`not within ${timeout} ms: ${cause.message}`)
  }
}

/** Waits until the simulator log satisfies `check`, then returns it. */
export async function waitForLog(page: Page, check: (log: SdkCall[]) => boolean, timeout = 10_000): Promise<SdkCall[]> {
  let last: SdkCall[] = []
  await expect
    .poll(
      async () => {
        last = await simLog(page)
        return check(last)
      },
      { timeout },
    )
    .toBe(true)
  return last
}

/** Adds a number through the form on the numbers page. */
export async function addNumber(page: Page, number: string, remark = ''): Promise<void> {
  await byId(page, 'numbers-add').click()
  await inputOf(page, 'number-form-number').fill(number)
  if (remark) await inputOf(page, 'number-form-remark').fill(remark)
  await byId(page, 'number-form-save').click()
  await byId(page, 'number-form-save').waitFor({ state: 'detached' })
}

/**
 * Swipes a number row open with a mouse drag to the left (a desktop browser: uni-swipe-action
 * follows the mouse there) and waits until its edit/delete are revealed.
 */
export async function swipeRowOpen(page: Page, number: string): Promise<void> {
  const row = page.locator(`[data-testid="number-item"][data-number="${number}"]`)
  const b = await row.boundingBox()
  if (!b) throw new Error(`row ${number} is not rendered`)
  const x = b.x + b.width * 0.6
  const y = b.y + b.height / 2
  await page.mouse.move(x, y)
  await page.mouse.down()
  for (let step = 1; step <= 10; step++) await page.mouse.move(x - 22 * step, y)
  await page.mouse.up()
  await expect.poll(() => row.getAttribute('data-open')).toBe('true')
  // The slide-in animation (0.3 s) has ended when delete stops moving.
  let last = Number.NaN
  await expect
    .poll(async () => {
      const x = (await row.locator('[data-testid="number-delete"]').boundingBox())?.x ?? Number.NaN
      const settled = x === last
      last = x
      return settled
    })
    .toBe(true)
}

/** The `data-number` of every visible row, top to bottom. */
export function listedNumbers(page: Page): Promise<string[]> {
  return byId(page, 'number-item').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-number') ?? ''))
}

/** Goes to the dial page through the bottom navigation. */
export async function openDialPad(page: Page): Promise<void> {
  await byId(page, 'nav-dial').click()
  await byId(page, 'dial-input').waitFor({ state: 'visible' })
}

/** Types a number on the dial pad keys (digits, `*`, `#`). */
export async function pressKeys(page: Page, keys: string): Promise<void> {
  for (const key of keys) {
    const id = key === '*' ? 'star' : key === '#' ? 'hash' : key
    await byId(page, `dial-key-${id}`).first().click()
  }
}

/** Places a call to `number` from the dial pad and waits for the far end to ring. */
export async function dialAndRing(page: Page, number: string): Promise<void> {
  await openDialPad(page)
  await inputOf(page, 'dial-input').fill(number)
  await byId(page, 'dial-call').click()
  await expectAttr(page, 'call-status', 'data-state', 'ringing')
}

/** Places a call to `number` from the dial pad, has the far end answer, and waits until it is active. */
export async function connectedCall(page: Page, number: string): Promise<void> {
  await dialAndRing(page, number)
  await sim(page, 'answerOutbound')
  await expectAttr(page, 'call-status', 'data-state', 'active')
}

/**
 * Starts recording every `data-state` the call screen shows (across page switches), so a
 * journey can prove a state was never shown, not just that it is not shown now.
 */
export async function recordCallStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __callStates?: string[]; __callStatesObserver?: MutationObserver }
    w.__callStates = []
    w.__callStatesObserver?.disconnect()
    const note = (): void => {
      document.querySelectorAll('[data-testid="call-status"]').forEach((el) => {
        const state = el.getAttribute('data-state') ?? ''
        if (w.__callStates?.at(-1) !== state) w.__callStates?.push(state)
      })
    }
    w.__callStatesObserver = new MutationObserver(note)
    w.__callStatesObserver.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] })
    note()
  })
}

/** The call screen states seen since `recordCallStates`, consecutive repeats folded. */
export function recordedCallStates(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __callStates?: string[] }).__callStates ?? [])
}

/** Cancels the outbound call with one tap on hang-up, at once (no double-tap delay). */
export async function cancelCall(page: Page): Promise<void> {
  await byId(page, 'call-hangup').click()
  await expectAttr(page, 'call-status', 'data-state', 'ended')
}

/**
 * Leaves the ended call screen. A wrap-up sheet (after every connected call by default) is
 * finished first (`interested`); an optional one is only offered in a line, out of the way.
 */
export async function closeCall(page: Page): Promise<void> {
  await expectAttr(page, 'call-status', 'data-state', 'ended')
  await finishWrapup(page)
  await byId(page, 'call-close').click()
}

/** Finishes an open wrap-up sheet, if any (skip when optional, else `interested` + save). */
export async function finishWrapup(page: Page, outcome = 'interested'): Promise<void> {
  const sheet = byId(page, 'wrapup-sheet')
  // The sheet (or the optional offer) comes just after the call ends: give it a moment first.
  await sheet.or(byId(page, 'wrapup-offer')).first().waitFor({ state: 'visible', timeout: 2_000 }).catch(() => undefined)
  if ((await sheet.count()) === 0) return
  if ((await sheet.getAttribute('data-required')) !== 'true') {
    await byId(page, 'wrapup-skip').click()
  } else {
    await byId(page, `wrapup-outcome-${outcome}`).click()
    await byId(page, 'wrapup-save').click()
  }
  await sheet.waitFor({ state: 'detached' })
}
