/**
 * Surviving mutants of src/platform/web/adapter.ts lines 330-459 (issue 13, docs/mutation/web-2.md):
 * autoTransfer / sessionEnded for sessions the adapter does not own, the SDK's own event names,
 * re-initialising during a call, the secure-context rule, a script that loads or fails after the
 * ready deadline, concurrent logins, which login reuses the loaded SDK, and the error details.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { encodeMockToken } from '@/platform/simulated/mockToken'
import { injectScript, type ScriptHandle, type ScriptLoader } from './adapter'
import { WEB_SDK_EVENTS, type TcccWebSdk, type WebHost, type WebSdkHandler } from './webSdk'
import { rejection } from '../__tests__/rejection'
import {
  activeOutboundCall,
  AGENT,
  eventsOf,
  fake,
  loginParams,
  makeSdk,
  manualTimers,
  origin,
  page,
  sdk,
  SDK_APP_ID,
  sdkCalls,
  sdkScripts,
  setUpWebAdapter,
  signedIn,
  until,
} from './__tests__/harness'

setUpWebAdapter()

/** Fails instead of hanging when a login never settles. */
function within<T>(promise: Promise<T>, ms = 1500): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms))])
}

/** The fake's dispatcher logs a handler that threw; the adapter's handlers must never throw. */
function watchConsoleErrors(): ReturnType<typeof vi.spyOn> {
  return vi.spyOn(console, 'error').mockImplementation(() => undefined)
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('autoTransfer and sessionEnded for sessions that are not ours (mutation survivors)', () => {
  it('autoTransfer of an answered call or of an unknown session ends nothing and throws nothing', async () => {
    await signedIn()
    const sessionId = fake().incomingCall({ from: '13700000000' }) as string
    await sdk.answer()
    await until(() => eventsOf('accepted').length === 1, 'accepted')
    const errors = watchConsoleErrors()
    fake().emitRaw('autoTransfer', { sessionId })
    fake().emitRaw('autoTransfer', { sessionId: 'not-ours' })
    fake().emitRaw('autoTransfer', {})
    expect(eventsOf('ended')).toEqual([])
    expect(errors).not.toHaveBeenCalled()
    // The answered call is still the one commands act on.
    await sdk.terminate()
    expect(sdkCalls('Call.hungUp')).toEqual([[{ sessionId }]])
  })

  it('sessionEnded for an unknown session or without a session id ends nothing and throws nothing', async () => {
    await signedIn()
    const errors = watchConsoleErrors()
    fake().emitRaw('sessionEnded', { sessionId: 'not-ours', closeBy: 'client' })
    fake().emitRaw('sessionEnded', { closeBy: 'client' })
    expect(eventsOf('ended')).toEqual([])
    expect(errors).not.toHaveBeenCalled()
  })

  it.each([
    ['a number', 3],
    ['missing', undefined],
    ['empty', ''],
  ])('sessionEnded with closeBy %s ends the call as unknown, "closeBy=unknown"', async (_name, closeBy) => {
    await signedIn()
    const sessionId = await activeOutboundCall()
    fake().emitRaw('sessionEnded', { sessionId, ...(closeBy !== undefined ? { closeBy } : {}) })
    expect(eventsOf('ended')).toEqual([{ type: 'ended', sessionId, reason: 'unknown', message: 'closeBy=unknown' }])
  })
})

/** A hand-made Web SDK: the adapter's handlers by the event name it subscribed with. */
function sdkDouble({ listenerLimit, ...shape }: { events?: Record<string, string>; UI?: Record<string, unknown>; listenerLimit?: number }): {
  handlers: Map<string, WebSdkHandler>
  loadScript: ScriptLoader
} {
  const handlers = new Map<string, WebSdkHandler>()
  const double = {
    ...shape,
    on: (event: string, handler: WebSdkHandler) => {
      // An SDK that takes only so many listeners (listenerLimit) throws on the next one.
      if (handlers.size === listenerLimit) throw new Error('listener limit')
      handlers.set(event, handler)
    },
    off: (event: string) => handlers.delete(event),
    Call: {},
    Agent: { online: () => undefined, offline: () => undefined },
    Devices: { isBrowserSupported: () => true },
  } as unknown as TcccWebSdk
  const loadScript: ScriptLoader = () => {
    page.tccc = double
    return Promise.resolve({ remove: () => undefined })
  }
  return { handlers, loadScript }
}

describe("the SDK's event names and optional UI (mutation survivors)", () => {
  it('subscribes with the names tccc.events gives, and hears the SDK under them', async () => {
    const events = Object.fromEntries(WEB_SDK_EVENTS.map((name) => [name, `tccc:${name}`]))
    const { handlers, loadScript } = sdkDouble({ events, UI: { hide: fn() } })
    makeSdk({ loadScript })
    const login = sdk.login(loginParams())
    await until(() => handlers.size === WEB_SDK_EVENTS.length, 'the adapter to subscribe')
    expect([...handlers.keys()]).toEqual(WEB_SDK_EVENTS.map((name) => `tccc:${name}`))
    handlers.get('tccc:ready')?.()
    await within(login)
    handlers.get('tccc:callIn')?.({ sessionId: 'in-1', callerPhoneNumber: '13700000000' })
    expect(eventsOf('newSession')).toEqual([{ type: 'newSession', sessionId: 'in-1', direction: 'in', peer: '13700000000' }])
  })

  it('an SDK without tccc.events and without UI is subscribed by the plain names and signs in', async () => {
    const { handlers, loadScript } = sdkDouble({})
    makeSdk({ loadScript })
    const login = sdk.login(loginParams())
    await until(() => handlers.size === WEB_SDK_EVENTS.length, 'the adapter to subscribe')
    expect([...handlers.keys()]).toEqual([...WEB_SDK_EVENTS])
    handlers.get('ready')?.()
    await within(login)
    await expect(sdk.checkLogin()).resolves.toBeUndefined()
  })

  it('a UI without hide() does not fail the sign-in', async () => {
    const { handlers, loadScript } = sdkDouble({ UI: {} })
    makeSdk({ loadScript })
    const login = sdk.login(loginParams())
    await until(() => handlers.has('ready'), 'the adapter to subscribe')
    handlers.get('ready')?.()
    await within(login)
    await expect(sdk.checkLogin()).resolves.toBeUndefined()
  })
})

describe('re-initialising and the secure-context rule (mutation survivors)', () => {
  it('re-login after tokenExpired during a call ends that call with reason error, "SDK re-initialised"', async () => {
    await signedIn()
    const sessionId = await activeOutboundCall()
    fake().expireToken()
    await sdk.login(loginParams())
    expect(eventsOf('ended')).toEqual([{ type: 'ended', sessionId, reason: 'error', message: 'SDK re-initialised' }])
    // The old call no longer blocks a new one.
    await activeOutboundCall()
    expect(eventsOf('newSession')).toHaveLength(2)
  })

  it.each([
    ['https without isSecureContext', true, undefined, 'https:'],
    ['http without isSecureContext', false, undefined, 'http:'],
    ['https the browser says is not secure', false, false, 'https:'],
  ])('%s -> secure: %s', async (_name, secure, isSecureContext, protocol) => {
    const loadScript = fn<ScriptLoader>(() => Promise.reject(new Error('offline')))
    const host: WebHost = { location: { protocol, hostname: 'agent.example.com' }, document }
    if (isSecureContext !== undefined) host.isSecureContext = isSecureContext
    makeSdk({ host, loadScript })
    const error = await rejection(sdk.login(loginParams()))
    if (secure) {
      expect(error.symbol).toBe('SDK_LOAD_FAILED')
      expect(loadScript).toHaveBeenCalledTimes(1)
    } else {
      expect(error.symbol).toBe('INSECURE_CONTEXT')
      expect(error.detail).toBe(protocol)
      expect(loadScript).not.toHaveBeenCalled()
    }
  })
})

/** First load waits for the test (resolve or reject it later); later loads inject the fake for real. */
function slowFirstLoad(): { loadScript: ScriptLoader; first: { resolve(handle: ScriptHandle): void; reject(error: Error): void } } {
  const first = { resolve: (_handle: ScriptHandle) => undefined as void, reject: (_error: Error) => undefined as void }
  let loads = 0
  const loadScript: ScriptLoader = (src, dataset, host) => {
    loads += 1
    if (loads > 1) return injectScript(src, dataset, host)
    return new Promise<ScriptHandle>((resolve, reject) => {
      first.resolve = resolve
      first.reject = reject
    })
  }
  return { loadScript, first }
}

describe('a script that answers after the ready deadline (mutation survivors)', () => {
  it('times out saying how long it waited; a script loading after that is removed and never subscribed', async () => {
    const timers = manualTimers()
    const { loadScript, first } = slowFirstLoad()
    makeSdk({ timers, loadScript, readyTimeoutMs: 2500 })
    const timedOut = sdk.login(loginParams())
    timers.fire()
    const error = await rejection(timedOut)
    expect(error.symbol).toBe('SDK_LOAD_TIMEOUT')
    expect(error.detail).toBe('no ready within 2500 ms')

    await sdk.login(loginParams())
    const late = { remove: fn() }
    first.resolve(late)
    await until(() => late.remove.mock.calls.length === 1, 'the late script to be removed')
    expect(fake().listenerCount('callIn')).toBe(1)
    const sessionId = fake().incomingCall({ from: '13700000000' })
    expect(eventsOf('newSession')).toEqual([{ type: 'newSession', sessionId, direction: 'in', peer: '13700000000' }])
    expect(sdkScripts()).toHaveLength(1)
  })

  it("a script failing after the deadline does not disturb the next login's wait for ready", async () => {
    const timers = manualTimers()
    const { loadScript, first } = slowFirstLoad()
    makeSdk({ timers, loadScript })
    const timedOut = sdk.login(loginParams())
    timers.fire()
    expect((await rejection(timedOut)).symbol).toBe('SDK_LOAD_TIMEOUT')

    const next = sdk.login(loginParams())
    first.reject(new Error('script error'))
    await within(next)
    expect(fake().state()).toMatchObject({ ready: true, loads: 1 })
    await expect(sdk.checkLogin()).resolves.toBeUndefined()
    // Its own deadline is still armed until ready came: one timer per login, none fired twice.
    expect(timers.delays).toHaveLength(2)
  })
})

describe('login refusals and their details (mutation survivors)', () => {
  it('a second login while one is loading is refused: UNKNOWN "login already in progress"; one script', async () => {
    makeSdk()
    const firstLogin = sdk.login(loginParams())
    const second = await rejection(sdk.login(loginParams()))
    expect(second.symbol).toBe('UNKNOWN')
    expect(second.detail).toBe('login already in progress')
    await within(firstLogin)
    expect(fake().state()).toMatchObject({ loads: 1, ready: true })
    expect(sdkScripts()).toHaveLength(1)
  })

  it('a page script defining window.tccc without on() fails SDK_LOAD_FAILED "script loaded without window.tccc"', async () => {
    const loadScript: ScriptLoader = () => {
      page.tccc = { version: 'not the SDK' } as unknown as TcccWebSdk
      return Promise.resolve({ remove: () => undefined })
    }
    makeSdk({ loadScript, readyTimeoutMs: 200 })
    const error = await rejection(within(sdk.login(loginParams())))
    expect(error.symbol).toBe('SDK_LOAD_FAILED')
    expect(error.detail).toBe('script loaded without window.tccc')
  })

  it('says why SDK_LOAD_FAILED / SDK_URL_REFUSED: script failed to load, no sdkUrl, the refused host', async () => {
    makeSdk()
    const missing = await rejection(sdk.login({ ...loginParams(), sdkUrl: `${origin}/mock/tccc-sdk.js?variant=missing` }))
    expect(missing.detail).toBe('script failed to load')
    for (const sdkUrl of [undefined, '']) {
      const noUrl = await rejection(sdk.login({ ...loginParams(), sdkUrl }))
      expect(noUrl.symbol).toBe('SDK_LOAD_FAILED')
      expect(noUrl.detail).toBe('login without sdkUrl')
    }
    const refused = await rejection(sdk.login({ ...loginParams(), sdkUrl: 'https://evil.example/tccc-sdk.js?token=secret' }))
    expect(refused.symbol).toBe('SDK_URL_REFUSED')
    expect(refused.detail).toBe('sdkUrl host evil.example')
  })

  it('the app disposing the adapter as ready arrives fails the login SDK_LOAD_FAILED "SDK went away during login"', async () => {
    makeSdk()
    const login = sdk.login(loginParams({ query: 'neverReady=1' }))
    await until(() => page.__tcccWebFake !== undefined && fake().listenerCount('ready') === 1, 'the adapter to wait for ready')
    // Another listener of the same SDK, after the adapter's: the page is torn down on ready.
    page.tccc?.on('ready', () => sdk.dispose())
    fake().emitRaw('ready', {})
    const error = await rejection(login)
    expect(error.symbol).toBe('SDK_LOAD_FAILED')
    expect(error.detail).toBe('SDK went away during login')
  })

  it('the same agent of another SDK app after logout re-initialises the SDK instead of going online', async () => {
    await signedIn()
    await sdk.logout()
    const otherApp = SDK_APP_ID + 1
    const token = encodeMockToken({ sdkAppId: otherApp, userId: AGENT, exp: Math.floor(Date.now() / 1000) + 600 })
    await sdk.login({ ...loginParams({ token }), sdkAppId: otherApp })
    expect(sdkCalls('Agent.online')).toEqual([])
    expect(fake().state()).toMatchObject({ loads: 2, sdkAppId: otherApp, userId: AGENT, ready: true })
    expect(sdkScripts()).toHaveLength(1)
  })
})

describe('an SDK that cannot take the listeners (web-2 ledger, adapter.ts attach)', () => {
  it('fails the sign-in at once with SDK_LOAD_FAILED and takes off the listeners it had taken', async () => {
    const { handlers, loadScript } = sdkDouble({ listenerLimit: 2 })
    makeSdk({ loadScript })
    const error = await rejection(within(sdk.login(loginParams())))
    expect(error.symbol).toBe('SDK_LOAD_FAILED')
    expect(error.detail).toBe('tccc.on failed: listener limit')
    expect(handlers.size).toBe(0)
    await expect(sdk.checkLogin()).rejects.toMatchObject({ symbol: 'NOT_SIGNED_IN' })
  })
})
