/**
 * Browser journey of the H5 build in WEB mode (`npm run build:h5-web`): the real web platform
 * adapter over the fake TCCC Web SDK that the token backend serves at /mock/tccc-sdk.js in mock
 * mode. Each test checks what the agent sees AND what the SDK was asked (`__tcccWebFake.log()`).
 * Follows the "Browser journey plan" in src/platform/web/README.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Page } from 'playwright-core'
import { APP_ERRORS } from '../src/platform/errors'
import callMessages from '../src/i18n/messages/call'
import { AGENT1, AGENT2, CHROMIUM, CHROMIUM_ARGS, byId, inputOf, newPhone, signIn, startStack, type Stack } from './harness'
import { closeCall } from './journey'

type FakeCall = { method: string; args: unknown[] }
interface FakeSession {
  sessionId: string
  direction: 'in' | 'out'
  peer: string
  state: string
  muted: boolean
  dtmf: string
}
interface FakeState {
  loads: number
  ready: boolean
  tokenExpired: boolean
  status: string
  userId: string | null
  sessions: FakeSession[]
}

/** Calls a `window.__tcccWebFake` control in the page. */
function fake<T = unknown>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([m, a]) => {
      const controls = (window as unknown as { __tcccWebFake: Record<string, (...x: unknown[]) => unknown> }).__tcccWebFake
      return controls[m as string](...(a as unknown[])) as T
    },
    [method, args] as const,
  )
}
const fakeLog = (page: Page): Promise<FakeCall[]> => fake<FakeCall[]>(page, 'log')
const fakeState = (page: Page): Promise<FakeState> => fake<FakeState>(page, 'state')
const methods = async (page: Page): Promise<string[]> => (await fakeLog(page)).map((c) => c.method)
const sdkScripts = (page: Page): Promise<number> => page.locator('script[data-tccc-web-sdk]').count()

const zhCall = callMessages.zh

async function dialNumber(page: Page, number: string): Promise<void> {
  await byId(page, 'nav-dial').first().click()
  await inputOf(page, 'dial-input').fill(number)
  await byId(page, 'dial-call').click()
}

async function expectCallState(page: Page, state: string): Promise<void> {
  await expect.poll(() => byId(page, 'call-status').getAttribute('data-state'), { timeout: 10_000 }).toBe(state)
}

/** Signs in, dials 13800000000 and lets the fake Web SDK's far end answer: a live call. */
async function signInToAnsweredCall(page: Page): Promise<void> {
  await signIn(page)
  await dialNumber(page, '13800000000')
  await expectCallState(page, 'ringing')
  await fake(page, 'answerOutbound')
  await expectCallState(page, 'active')
}

describe('web platform (H5 build with the TCCC Web SDK)', () => {
  let stack: Stack

  beforeAll(async () => {
    stack = await startStack('dist/build/h5-web')
  })
  afterAll(async () => {
    await stack?.close()
  })

  it('signs in, calls out, mutes, sends DTMF, hangs up; the speaker is not offered', async () => {
    const { context, page } = await newPhone(stack)
    try {
      await signIn(page)
      await expect.poll(() => byId(page, 'agent-status').first().textContent()).toBe(AGENT1.username)
      expect(await fakeState(page)).toMatchObject({ ready: true, userId: AGENT1.username, loads: 1 })
      expect(await sdkScripts(page)).toBe(1)
      // Our pages are the UI: the SDK's own workbench is hidden right after ready.
      expect(await methods(page)).toContain('UI.hide')

      await dialNumber(page, '13800000000')
      await expectCallState(page, 'ringing')
      const start = (await fakeLog(page)).find((c) => c.method === 'Call.startOutboundCall')
      expect(start?.args[0]).toMatchObject({ phoneNumber: '13800000000' })

      await fake(page, 'answerOutbound')
      await expectCallState(page, 'active')
      await expect.poll(() => byId(page, 'call-timer').textContent(), { timeout: 5_000 }).not.toBe('00:00')

      // Mute: the button flips only after the SDK's own read-back agrees.
      await byId(page, 'call-mute').click()
      await expect.poll(() => byId(page, 'call-mute').getAttribute('data-active')).toBe('true')
      expect((await fakeState(page)).sessions[0]).toMatchObject({ muted: true, state: 'active' })
      const afterMute = await methods(page)
      expect(afterMute.slice(afterMute.lastIndexOf('Call.muteMic'))).toEqual(['Call.muteMic', 'Call.isMicMuted'])
      // The SDK says "done" but changes nothing: the read-back catches it, the button stays.
      await fake(page, 'ignoreNextMute')
      await byId(page, 'call-mute').click()
      await byId(page, 'call-error').first().waitFor({ state: 'visible', timeout: 5_000 })
      expect(await byId(page, 'call-mute').getAttribute('data-active')).toBe('true')
      expect((await fakeState(page)).sessions[0].muted).toBe(true)

      // The browser picks the audio output itself: the switch is off and says why.
      expect(await byId(page, 'call-speaker').getAttribute('data-supported')).toBe('false')
      // uni's <uni-button> is a custom element: its disabled state is the attribute.
      expect(await byId(page, 'call-speaker').getAttribute('disabled')).toBe('true')
      expect(await byId(page, 'call-speaker-note').textContent()).toBe(zhCall['call.speakerUnsupported'])

      // DTMF through the in-call keypad.
      await byId(page, 'call-keypad').first().click()
      await byId(page, 'dial-key-5').click()
      await byId(page, 'dial-key-hash').click()
      await expect.poll(() => byId(page, 'call-dtmf-sent').textContent()).toBe('5#')
      const sessionId = (await fakeState(page)).sessions[0].sessionId
      expect((await fakeState(page)).sessions[0].dtmf).toBe('5#')
      const digits = (await fakeLog(page)).filter((c) => c.method === 'Call.sendDigits').map((c) => c.args[0])
      expect(digits).toEqual([
        { sessionId, dtmfText: '5' },
        { sessionId, dtmfText: '#' },
      ])

      await byId(page, 'call-hangup').click()
      await expectCallState(page, 'ended')
      expect(await byId(page, 'call-end-reason').textContent()).toBe(zhCall['call.end.local-bye'])
      expect((await fakeLog(page)).filter((c) => c.method === 'Call.hungUp').map((c) => c.args[0])).toEqual([{ sessionId }])
      // Never a speaker command to the SDK.
      expect((await methods(page)).some((m) => /speaker|route/i.test(m))).toBe(false)

      await closeCall(page)
      await byId(page, 'nav-history').first().click()
      const row = byId(page, 'history-item').first()
      await row.waitFor({ state: 'visible' })
      expect(await row.getAttribute('data-number')).toBe('13800000000')
      expect(await row.getAttribute('data-direction')).toBe('out')
      expect(await row.getAttribute('data-outcome')).toBe('answered')
    } finally {
      await context.close()
    }
  })

  it('changes the seat status (Agent.setStatus) and follows statusChanged; a refused change is shown', async () => {
    const { context, page } = await newPhone(stack)
    try {
      await signIn(page)
      await expect.poll(() => byId(page, 'agent-state').getAttribute('data-state')).toBe('free')
      await byId(page, 'agent-state').click()
      await inputOf(page, 'agent-rest-reason').fill('lunch')
      await byId(page, 'agent-state-rest').click()
      await expect.poll(() => byId(page, 'agent-state').getAttribute('data-state')).toBe('rest')
      expect((await fakeLog(page)).filter((c) => c.method === 'Agent.setStatus').map((c) => c.args[0])).toEqual([{ status: 'rest', restReason: 'lunch' }])
      expect((await fakeState(page)).status).toBe('rest')
      // The SDK's own echo of the change (statusChanged 'rest', a 0 ms timer in the fake) has
      // come before the contact center moves the seat: a later timer fires after it.
      await page.evaluate(() => new Promise((resolve) => window.setTimeout(resolve, 20)))
      // The contact center moves the seat (statusChanged).
      await fake(page, 'emitRaw', 'statusChanged', { status: 'arrange' })
      await expect.poll(() => byId(page, 'agent-state').getAttribute('data-state')).toBe('arrange')
      // Injected refusal: the status stays and the catalogue message shows.
      await fake(page, 'failNext', 'setStatus', 'not allowed now')
      await byId(page, 'agent-state').click()
      await byId(page, 'agent-state-free').click()
      await byId(page, 'agent-state-error').waitFor({ state: 'visible', timeout: 5_000 })
      expect(await byId(page, 'agent-state').getAttribute('data-state')).toBe('arrange')
    } finally {
      await context.close()
    }
  })

  it('holds and resumes (Call.hold / Call.unHold), then transfers to a colleague (Call.transfer); refusals are shown', async () => {
    const { context, page } = await newPhone(stack)
    try {
      await signInToAnsweredCall(page)
      const sessionId = (await fakeState(page)).sessions[0].sessionId
      await byId(page, 'call-hold').click()
      await expect.poll(() => byId(page, 'call-hold').getAttribute('data-active')).toBe('true')
      expect((await fakeState(page)).sessions[0]).toMatchObject({ held: true })
      await byId(page, 'call-hold').click()
      await expect.poll(() => byId(page, 'call-hold').getAttribute('data-active')).toBe('false')
      const log = await fakeLog(page)
      expect(log.filter((c) => c.method === 'Call.hold' || c.method === 'Call.unHold').map((c) => [c.method, c.args[0]])).toEqual([
        ['Call.hold', { sessionId }],
        ['Call.unHold', { sessionId }],
      ])
      // Injected: hold refused -> the call is not shown as held, the error is.
      await fake(page, 'failNext', 'hold', 'hold not allowed')
      await byId(page, 'call-hold').click()
      await byId(page, 'call-error').first().waitFor({ state: 'visible', timeout: 5_000 })
      expect(await byId(page, 'call-hold').getAttribute('data-active')).toBe('false')
      // Injected: transfer refused -> the call goes on here.
      await fake(page, 'failNext', 'transfer', 'seat busy')
      await byId(page, 'call-transfer').click()
      await inputOf(page, 'transfer-target').fill('agent2@example.com')
      await byId(page, 'transfer-submit').click()
      await expect.poll(async () => (await fakeLog(page)).filter((c) => c.method === 'Call.transfer').length).toBe(1)
      await page.waitForTimeout(500)
      expect(await byId(page, 'call-status').getAttribute('data-state')).toBe('active')
      // Then it goes through: the call leaves this agent.
      if ((await byId(page, 'transfer-submit').count()) === 0) await byId(page, 'call-transfer').click()
      await inputOf(page, 'transfer-target').fill('agent2@example.com')
      await byId(page, 'transfer-submit').click()
      await expectCallState(page, 'ended')
      expect((await fakeLog(page)).filter((c) => c.method === 'Call.transfer').map((c) => c.args[0])).toEqual([
        { sessionId, userId: 'agent2@example.com' },
        { sessionId, userId: 'agent2@example.com' },
      ])
    } finally {
      await context.close()
    }
  })

  it('calls with the chosen caller number (callerPhoneNumber) and calls a colleague (Call.startInternalCall)', async () => {
    const { context, page } = await newPhone(stack)
    try {
      await signIn(page)
      await byId(page, 'nav-dial').first().click()
      await byId(page, 'dial-caller-number').waitFor({ state: 'visible' })
      await page.locator('[data-testid="dial-caller-option"][data-number="075512345678"]').click()
      await expect.poll(() => byId(page, 'dial-caller-number').getAttribute('data-value')).toBe('075512345678')
      await inputOf(page, 'dial-input').fill('13800000000')
      await byId(page, 'dial-call').click()
      await expectCallState(page, 'ringing')
      const start = (await fakeLog(page)).find((c) => c.method === 'Call.startOutboundCall')
      expect(start?.args[0]).toEqual({ phoneNumber: '13800000000', callerPhoneNumber: '075512345678' })
      expect((await fakeState(page)).sessions[0]).toMatchObject({ callerPhoneNumber: '075512345678' })
      await byId(page, 'call-hangup').click()
      await expectCallState(page, 'ended')
      await closeCall(page)

      await byId(page, 'dial-internal').click()
      await inputOf(page, 'dial-internal-target').fill('agent2@example.com')
      await byId(page, 'dial-call').click()
      await expectCallState(page, 'ringing')
      expect((await fakeLog(page)).filter((c) => c.method === 'Call.startInternalCall').map((c) => c.args[0])).toEqual([{ calleeUserId: 'agent2@example.com' }])
      expect((await fakeState(page)).sessions[0]).toMatchObject({ type: 'internal', peer: 'agent2@example.com' })
      await byId(page, 'call-internal').waitFor({ state: 'visible' })
      await fake(page, 'answerOutbound')
      await expectCallState(page, 'active')
      await fake(page, 'remoteHangup')
      await expectCallState(page, 'ended')
      expect(await byId(page, 'wrapup-sheet').count()).toBe(0)
    } finally {
      await context.close()
    }
  })

  it('shows each injected SDK refusal: outbound call, internal call, answer, mute, DTMF, hang-up', async () => {
    const { context, page } = await newPhone(stack)
    const shownError = async (): Promise<void> => {
      await byId(page, 'call-error').first().waitFor({ state: 'visible', timeout: 5_000 })
    }
    try {
      await signIn(page)
      // startOutboundCall refused: the call ends at once with the reason.
      await fake(page, 'failNext', 'startOutboundCall', 'no outbound line')
      await dialNumber(page, '13800000000')
      await expectCallState(page, 'ended')
      await shownError()
      await byId(page, 'call-close').click()
      // startInternalCall refused.
      await fake(page, 'failNext', 'startInternalCall', 'seat offline')
      await byId(page, 'dial-internal').click()
      await inputOf(page, 'dial-internal-target').fill('agent2@example.com')
      await byId(page, 'dial-call').click()
      await expectCallState(page, 'ended')
      await shownError()
      await byId(page, 'call-close').click()
      await byId(page, 'dial-mode-phone').click()

      // accept refused: the incoming call keeps ringing and says why.
      await fake(page, 'failNext', 'accept', 'media not ready')
      await fake(page, 'incomingCall', { from: '13700000000' })
      await byId(page, 'incoming-answer').click()
      await expect.poll(async () => (await fakeLog(page)).filter((c) => c.method === 'Call.accept').length).toBe(1)
      await byId(page, 'incoming-answer').click()
      await expectCallState(page, 'active')

      // muteMic refused: not shown as muted.
      await fake(page, 'failNext', 'muteMic', 'device busy')
      await byId(page, 'call-mute').click()
      await shownError()
      expect(await byId(page, 'call-mute').getAttribute('data-active')).toBe('false')
      // sendDigits refused: the digit is not counted as sent.
      await fake(page, 'failNext', 'sendDigits', 'dtmf not supported')
      await byId(page, 'call-keypad').first().click()
      await byId(page, 'dial-key-7').click()
      await page.waitForTimeout(300)
      expect(await byId(page, 'call-dtmf-sent').textContent()).toBe('')
      await byId(page, 'call-keypad').first().click()
      // hungUp refused: the call goes on (nothing hidden), a second tap ends it.
      await fake(page, 'failNext', 'hungUp', 'try again')
      await byId(page, 'call-hangup').click()
      await expect.poll(async () => (await fakeLog(page)).filter((c) => c.method === 'Call.hungUp').length).toBe(1)
      expect(await byId(page, 'call-status').getAttribute('data-state')).toBe('active')
      await byId(page, 'call-hangup').click()
      await expectCallState(page, 'ended')
    } finally {
      await context.close()
    }
  })

  it('the other injected refusals: unHold keeps the call held, a failed isMicMuted read-back still shows muted (and the 003 response form), offline still signs out, online refused says why', async () => {
    const { context, page } = await newPhone(stack)
    const confirm = byId(page, 'confirm-ok')
    try {
      await signInToAnsweredCall(page)
      // unHold refused: still held on screen and in the SDK, the reason shown; a second tap resumes.
      await byId(page, 'call-hold').click()
      await expect.poll(() => byId(page, 'call-hold').getAttribute('data-active')).toBe('true')
      await fake(page, 'failNext', 'unHold', 'media renegotiating')
      await byId(page, 'call-hold').click()
      await byId(page, 'call-error').first().waitFor({ state: 'visible', timeout: 5_000 })
      expect(await byId(page, 'call-hold').getAttribute('data-active')).toBe('true')
      expect((await fakeState(page)).sessions[0]).toMatchObject({ held: true })
      await byId(page, 'call-hold').click()
      await expect.poll(() => byId(page, 'call-hold').getAttribute('data-active')).toBe('false')
      // muteMic succeeds but the read-back fails: the microphone is off, so the screen says muted.
      await fake(page, 'failNext', 'isMicMuted', 'state unavailable')
      await byId(page, 'call-mute').click()
      await expect.poll(() => byId(page, 'call-mute').getAttribute('data-active')).toBe('true')
      expect((await fakeState(page)).sessions[0].muted).toBe(true)
      // The 003 form (CommonSDKResponse without a boolean) after unmuteMic succeeded.
      await fake(page, 'setMicMutedShape', 'response')
      await byId(page, 'call-mute').click()
      await expect.poll(() => byId(page, 'call-mute').getAttribute('data-active')).toBe('false')
      expect((await fakeState(page)).sessions[0].muted).toBe(false)
      await fake(page, 'setMicMutedShape', 'boolean')
      await byId(page, 'call-hangup').click()
      await expectCallState(page, 'ended')
      await closeCall(page)

      // Agent.offline refused: sign-out still completes on this phone.
      await fake(page, 'failNext', 'offline', 'seat busy')
      await byId(page, 'logout').first().click()
      if (await confirm.first().isVisible().catch(() => false)) await confirm.first().click()
      await byId(page, 'login-submit').waitFor({ state: 'visible', timeout: 10_000 })
      // Agent.online refused at the next sign-in (same agent, SDK still loaded): the reason is shown.
      await fake(page, 'failNext', 'online', 'seat disabled')
      await inputOf(page, 'login-username').fill(AGENT1.username)
      await inputOf(page, 'login-password').fill(AGENT1.password)
      await byId(page, 'login-submit').click()
      await byId(page, 'login-error').first().waitFor({ state: 'visible', timeout: 10_000 })
      expect(await byId(page, 'agent-status').count()).toBe(0)
      expect((await methods(page)).filter((m) => m === 'Agent.online')).toHaveLength(1)
      // And the next try goes through.
      await byId(page, 'login-submit').click()
      await byId(page, 'agent-status').first().waitFor({ state: 'visible', timeout: 20_000 })
    } finally {
      await context.close()
    }
  })

  it('answers an incoming call, then renews an expired token silently and calls again', async () => {
    const { context, page } = await newPhone(stack)
    try {
      await signIn(page)
      await fake(page, 'incomingCall', { from: '13700000000' })
      await byId(page, 'incoming-call').waitFor({ state: 'visible', timeout: 10_000 })
      expect(await byId(page, 'incoming-caller').textContent()).toContain('13700000000')
      await byId(page, 'incoming-answer').click()
      await expectCallState(page, 'active')
      const accept = (await fakeLog(page)).find((c) => c.method === 'Call.accept')
      expect(accept?.args[0]).toEqual({ sessionId: (await fakeState(page)).sessions[0].sessionId })
      await fake(page, 'remoteHangup')
      await expectCallState(page, 'ended')
      expect(await byId(page, 'call-end-reason').textContent()).toBe(zhCall['call.end.remote-bye'])
      await closeCall(page)
      await byId(page, 'nav-history').first().click()
      const row = byId(page, 'history-item').first()
      await row.waitFor({ state: 'visible' })
      expect(await row.getAttribute('data-direction')).toBe('in')
      expect(await row.getAttribute('data-outcome')).toBe('answered')

      // tokenExpired: the app fetches a fresh token and loads the SDK again, without the agent.
      await fake(page, 'expireToken')
      await expect.poll(async () => (await fakeState(page)).loads, { timeout: 10_000 }).toBe(2)
      await expect.poll(async () => (await fakeState(page)).ready, { timeout: 10_000 }).toBe(true)
      expect(await sdkScripts(page)).toBe(1)
      expect(await byId(page, 'agent-status').first().textContent()).toBe(AGENT1.username)
      expect(await byId(page, 'login-submit').count()).toBe(0)

      // A new call on the renewed SDK, from the numbers page: the remark goes as phoneDesc.
      await byId(page, 'nav-numbers').first().click()
      await byId(page, 'numbers-add').click()
      await inputOf(page, 'number-form-number').fill('139 0000 0000')
      await inputOf(page, 'number-form-remark').fill('王经理')
      await byId(page, 'number-form-save').click()
      const entry = page.locator('[data-testid="number-item"][data-number="13900000000"]')
      await entry.waitFor({ state: 'visible', timeout: 5_000 })
      await byId(entry, 'number-call').click()
      await expectCallState(page, 'ringing')
      const starts = (await fakeLog(page)).filter((c) => c.method === 'Call.startOutboundCall')
      expect(starts).toHaveLength(1)
      expect(starts[0].args[0]).toMatchObject({ phoneNumber: '13900000000', phoneDesc: '王经理' })
      expect(await byId(page, 'call-peer').textContent()).toContain('王经理')
      await byId(page, 'call-hangup').click()
      await expectCallState(page, 'ended')
    } finally {
      await context.close()
    }
  })

  it('logs out (Agent.offline) and back in: same agent goes online again, another reloads the SDK', async () => {
    const { context, page } = await newPhone(stack)
    try {
      await signIn(page)
      await byId(page, 'logout').first().click()
      // A confirmation may guard sign-out.
      const confirm = byId(page, 'confirm-ok')
      if (await confirm.first().isVisible().catch(() => false)) await confirm.first().click()
      await byId(page, 'login-submit').waitFor({ state: 'visible', timeout: 10_000 })
      await expect.poll(async () => (await fakeState(page)).status).toBe('offline')
      expect((await methods(page)).at(-1)).toBe('Agent.offline')

      await signIn(page)
      expect(await methods(page)).toContain('Agent.online')
      expect((await fakeState(page)).loads).toBe(1)

      await byId(page, 'logout').first().click()
      if (await confirm.first().isVisible().catch(() => false)) await confirm.first().click()
      await byId(page, 'login-submit').waitFor({ state: 'visible', timeout: 10_000 })
      await signIn(page, AGENT2)
      expect(await fakeState(page)).toMatchObject({ loads: 2, ready: true, userId: AGENT2.username })
      expect(await sdkScripts(page)).toBe(1)
    } finally {
      await context.close()
    }
  })

  it('says the browser is not supported when the SDK says so', async () => {
    const context = await stack.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
    try {
      await context.addInitScript(() => {
        ;(window as unknown as { __tcccWebFakeOptions: object }).__tcccWebFakeOptions = { browserSupported: false }
      })
      const page = await context.newPage()
      await page.goto(stack.baseUrl)
      await inputOf(page, 'login-username').fill(AGENT1.username)
      await inputOf(page, 'login-password').fill(AGENT1.password)
      await byId(page, 'login-submit').click()
      await byId(page, 'login-error').waitFor({ state: 'visible', timeout: 10_000 })
      expect(await byId(page, 'login-error').textContent()).toContain(APP_ERRORS.BROWSER_UNSUPPORTED.zh)
      expect(await methods(page)).toContain('Devices.isBrowserSupported')
    } finally {
      await context.close()
    }
  })

  it('gives up with the SDK-load-timeout text when the script never becomes ready', async () => {
    const context = await stack.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
    try {
      await context.addInitScript(() => {
        ;(window as unknown as { __tcccWebFakeOptions: object }).__tcccWebFakeOptions = { neverReady: true }
      })
      const page = await context.newPage()
      await page.goto(stack.baseUrl)
      await inputOf(page, 'login-username').fill(AGENT1.username)
      await inputOf(page, 'login-password').fill(AGENT1.password)
      await byId(page, 'login-submit').click()
      // The adapter's fixed 15 s ready timeout; the page cannot shorten it.
      await byId(page, 'login-error').waitFor({ state: 'visible', timeout: 25_000 })
      expect(await byId(page, 'login-error').textContent()).toContain(APP_ERRORS.SDK_LOAD_TIMEOUT.zh)
      expect(await fakeState(page)).toMatchObject({ loads: 1, ready: false })
    } finally {
      await context.close()
    }
  }, 40_000)

  it('refuses an sdkUrl off the Tencent Cloud allowlist with a clear error, and injects nothing', async () => {
    const { context, page } = await newPhone(stack)
    try {
      await page.route('**/api/tccc/token', async (route) => {
        const response = await route.fetch()
        const body = (await response.json()) as Record<string, unknown>
        await route.fulfill({ response, json: { ...body, sdkUrl: 'https://evil.example/tccc-sdk.js' } })
      })
      await inputOf(page, 'login-username').fill(AGENT1.username)
      await inputOf(page, 'login-password').fill(AGENT1.password)
      await byId(page, 'login-submit').click()
      await byId(page, 'login-error').waitFor({ state: 'visible', timeout: 10_000 })
      expect(await byId(page, 'login-error').textContent()).toContain(APP_ERRORS.SDK_URL_REFUSED.zh)
      expect(await sdkScripts(page)).toBe(0)
      expect(await page.evaluate(() => 'tccc' in window || '__tcccWebFake' in window)).toBe(false)
    } finally {
      await context.close()
    }
  })

  it("has a Content-Security-Policy that blocks scripts from origins other than the app's and TCCC's", async () => {
    const { context, page } = await newPhone(stack)
    try {
      const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')
      expect(policy).toContain("script-src 'self' https://tccc.qcloud.com;")
      expect(policy).toContain("object-src 'none'")
      // The backend's own port is another origin: the page may not load script from it directly.
      const foreign = `http://127.0.0.1:${stack.backend.port}/mock/tccc-sdk.js`
      const blocked = await page.evaluate(
        (src) =>
          new Promise<string>((resolve) => {
            document.addEventListener('securitypolicyviolation', (event) => resolve(`${event.violatedDirective} ${event.blockedURI}`), { once: true })
            const script = document.createElement('script')
            script.src = src
            script.onload = () => resolve('loaded')
            document.head.appendChild(script)
          }),
        foreign,
      )
      expect(blocked).toBe(`script-src-elem ${foreign}`)
      expect(await page.evaluate(() => '__tcccWebFake' in window)).toBe(false)
    } finally {
      await context.close()
    }
  })

  it('asks for HTTPS on a plain-http origin that is not localhost, and loads no SDK', async () => {
    // agent.test resolves to loopback inside this browser only: a real non-local http origin
    // (window.isSecureContext false) without leaving the machine.
    const port = new URL(stack.baseUrl).port
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP agent.test 127.0.0.1'],
      headless: true,
    })
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
      await page.goto(`http://agent.test:${port}/`)
      expect(await page.evaluate(() => window.isSecureContext)).toBe(false)
      await inputOf(page, 'login-username').fill(AGENT1.username)
      await inputOf(page, 'login-password').fill(AGENT1.password)
      await byId(page, 'login-submit').click()
      await byId(page, 'login-error').waitFor({ state: 'visible', timeout: 10_000 })
      expect(await byId(page, 'login-error').textContent()).toContain(APP_ERRORS.INSECURE_CONTEXT.zh)
      expect(await sdkScripts(page)).toBe(0)
      expect(await page.evaluate(() => 'tccc' in window || '__tcccWebFake' in window)).toBe(false)
    } finally {
      await browser.close()
    }
  })
})
