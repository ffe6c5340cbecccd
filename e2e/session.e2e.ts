/**
 * Journeys of the agent's session: signing in (and why it fails), being signed out by another
 * device, and a TCCC token that expires under a signed-in agent.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { AGENT1, byId, inputOf, signIn, sim, simLog, type SdkCall } from './harness'
import { callsTo, expectAttr, expectText, methodsOf, openDialPad, signedInPhone, simReady, useStack, waitForLog, zh, zhError } from './journey'

const { phone } = useStack()

async function submitLogin(page: Page, username: string, password: string): Promise<void> {
  await inputOf(page, 'login-username').fill(username)
  await inputOf(page, 'login-password').fill(password)
  await byId(page, 'login-submit').click()
}

/** The simulator's log, or null while the app has not created its SDK. */
function logIfCreated(page: Page): Promise<SdkCall[] | null> {
  return page.evaluate(() => {
    const controls = (window as unknown as { __tcccSim?: { log(): SdkCall[] } }).__tcccSim
    return controls ? controls.log() : null
  })
}

describe('signing in', () => {
  it('signs in with the account and password and logs the agent into TCCC with a fresh token', async () => {
    const page = await phone()
    await signIn(page)
    await expectText(page, 'agent-status', AGENT1.username)
    // Signed in lands on the numbers page, with the bottom navigation of every signed-in page.
    await byId(page, 'numbers-add').waitFor({ state: 'visible' })
    await byId(page, 'nav-history').waitFor({ state: 'visible' })

    await simReady(page)
    const logins = callsTo(await simLog(page), 'login')
    expect(logins).toHaveLength(1)
    expect(logins[0].args[0]).toMatchObject({ userId: AGENT1.username, sdkAppId: 1400000001, token: '<redacted>' })
  })

  it('shows the catalogue message for a wrong password and never logs into TCCC', async () => {
    const page = await phone()
    await submitLogin(page, AGENT1.username, 'not-the-password')
    await expectText(page, 'login-error', zhError('BAD_CREDENTIALS'))
    expect(await byId(page, 'agent-status').count()).toBe(0)
    const log = await logIfCreated(page)
    expect(log === null || !methodsOf(log).includes('login')).toBe(true)

    // Correcting the password signs in.
    await inputOf(page, 'login-password').fill(AGENT1.password)
    await byId(page, 'login-submit').click()
    await expectText(page, 'agent-status', AGENT1.username)
    await expect.poll(() => byId(page, 'login-error').count()).toBe(0)
  })

  it('signs in with the password typed last, even when sign-in is tapped at once', async () => {
    const page = await phone()
    await inputOf(page, 'login-username').fill(AGENT1.username)
    await inputOf(page, 'login-password').focus()
    // A typo fixed and the button tapped within uni's 100 ms input hand-over: blur, then click.
    await page.evaluate((values) => {
      const field = document.querySelector('[data-testid="login-password"] input') as HTMLInputElement
      for (const value of values) {
        field.value = value
        field.dispatchEvent(new Event('input', { bubbles: true }))
      }
      field.blur()
    }, ['agent1-pas', AGENT1.password])
    await page.evaluate(() => (document.querySelector('[data-testid="login-submit"]') as HTMLElement).click())
    await expectText(page, 'agent-status', AGENT1.username)
    expect(await byId(page, 'login-error').count()).toBe(0)
  })

  it('asks for both fields before calling the server', async () => {
    const page = await phone()
    let requests = 0
    page.on('request', (request) => {
      if (request.url().includes('/api/auth/login')) requests++
    })
    await submitLogin(page, AGENT1.username, '')
    await expectText(page, 'login-error', zh('login.required'))
    expect(requests).toBe(0)
  })

  it('says the sign-in server is unreachable when the network fails', async () => {
    const page = await phone()
    await page.route('**/api/auth/login', (route) => route.abort('connectionrefused'))
    await submitLogin(page, AGENT1.username, AGENT1.password)
    await expectText(page, 'login-error', zhError('BACKEND_UNREACHABLE'))
    expect(await byId(page, 'agent-status').count()).toBe(0)
    const log = await logIfCreated(page)
    expect(log === null || !methodsOf(log).includes('login')).toBe(true)
  })
})

describe('server settings', () => {
  it('signs in at the backend the agent set (unreachable: says so), and at the default again after a reset', async () => {
    const page = await phone()
    await byId(page, 'login-server-toggle').click()
    expect(await byId(page, 'login-backend-host').count()).toBe(0)
    // A release build: plain http (even to this machine) and user-info are refused.
    await inputOf(page, 'login-backend-url').fill('http://127.0.0.1:9/')
    await byId(page, 'login-backend-save').click()
    await expectText(page, 'login-backend-error', zh('login.server.insecure'))
    await inputOf(page, 'login-backend-url').fill('https://agent:pw@127.0.0.1:9/')
    await byId(page, 'login-backend-save').click()
    await expectText(page, 'login-backend-error', zh('login.server.userinfo'))
    expect(await byId(page, 'login-backend-host').count()).toBe(0)

    await inputOf(page, 'login-backend-url').fill('https://127.0.0.1:9/')
    await byId(page, 'login-backend-save').click()
    await expectText(page, 'login-backend-saved', zh('login.server.saved'))
    await expectText(page, 'login-backend-current', 'https://127.0.0.1:9')
    expect(await byId(page, 'login-backend-error').count()).toBe(0)
    // Before the password is sent, the page says where it goes.
    await expectText(page, 'login-backend-host', zh('login.sendsTo', { host: '127.0.0.1:9' }))

    // Sign-in now goes to the saved address (nothing listens there), not to this page's origin.
    let sameOriginLogins = 0
    page.on('request', (request) => {
      if (request.url().startsWith(new URL(page.url()).origin) && request.url().includes('/api/auth/login')) sameOriginLogins++
    })
    await submitLogin(page, AGENT1.username, AGENT1.password)
    await expectText(page, 'login-error', zhError('BACKEND_UNREACHABLE'), 20_000)
    expect(sameOriginLogins).toBe(0)
    expect(await byId(page, 'agent-status').count()).toBe(0)

    // Not an http(s) address: refused, the saved one stays.
    await inputOf(page, 'login-backend-url').fill('tokens.example.com')
    await byId(page, 'login-backend-save').click()
    await expectText(page, 'login-backend-error', zh('login.server.invalid'))
    await expectText(page, 'login-backend-current', 'https://127.0.0.1:9')

    await byId(page, 'login-backend-reset').click()
    await expectText(page, 'login-backend-saved', zh('login.server.resetDone'))
    // uni shows a model change in the field after up to 100 ms.
    await expect.poll(() => inputOf(page, 'login-backend-url').inputValue()).toBe('')
    expect(await byId(page, 'login-backend-host').count()).toBe(0)
    await byId(page, 'login-submit').click()
    await expectText(page, 'agent-status', AGENT1.username, 20_000)
    expect(sameOriginLogins).toBe(1)
  })
})

describe('signed out from elsewhere', () => {
  it('goes back to the login page with the "signed in elsewhere" message when kicked, without fighting back', async () => {
    const page = await signedInPhone(phone)
    await sim(page, 'kick')
    await expectText(page, 'login-error', zhError('KICKED'))
    await byId(page, 'login-submit').waitFor({ state: 'visible' })
    expect(await byId(page, 'agent-status').count()).toBe(0)
    // The remembered account is filled in for the next sign-in.
    expect(await inputOf(page, 'login-username').inputValue()).toBe(AGENT1.username)
    // No silent re-login after a kick: that would kick the other device in turn.
    expect(callsTo(await simLog(page), 'login')).toHaveLength(1)
  })

  it('signs out on request and says so', async () => {
    const page = await signedInPhone(phone)
    await byId(page, 'logout').click()
    await expectText(page, 'login-notice', zh('login.reason.logged-out'))
    expect(await byId(page, 'agent-status').count()).toBe(0)
    expect(methodsOf(await simLog(page))).toContain('logout')
  })
})

describe('TCCC token expiry', () => {
  it('re-logs in silently when the token expires, and the call the agent placed still goes out', async () => {
    const page = await signedInPhone(phone)
    await sim(page, 'expireToken')

    // The next action meets the expired token.
    await openDialPad(page)
    await inputOf(page, 'dial-input').fill('13800138000')
    await byId(page, 'dial-call').click()

    // Refused with -10002, silent login, the same call again: one tap, one call on the line.
    await expectAttr(page, 'call-status', 'data-state', 'ringing')
    const log = await waitForLog(page, (entries) => callsTo(entries, 'call').length === 2)
    expect(methodsOf(log).filter((m) => m === 'login' || m === 'call')).toEqual(['login', 'call', 'login', 'call'])
    expect(callsTo(log, 'login')[1].args[0]).toMatchObject({ userId: AGENT1.username, token: '<redacted>' })
    expect(callsTo(log, 'call').map((c) => c.args[0])).toEqual([{ to: '13800138000' }, { to: '13800138000' }])
    expect(await byId(page, 'call-error').count()).toBe(0)

    // Still signed in, never sent to the login page, and the call connects.
    await expectText(page, 'agent-status', AGENT1.username)
    expect(await byId(page, 'login-submit').count()).toBe(0)
    expect(await sim(page, 'answerOutbound')).toBe(true)
    await expectAttr(page, 'call-status', 'data-state', 'active')
  })
})
