/**
 * Surviving mutants of `adapter.ts` up to the SDK event handlers (issue 13, docs/mutation/web-1.md):
 * script injection, refused-URL details, which host names count as this machine, how SDK
 * failures and `isMicMuted` answers are read, seat status and call events in the shapes the
 * Web SDK sends them, and the adapter's defaults. Same fake Web SDK as web.test.ts.
 */
import { describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { TcccError } from '../errors'
import { injectScript, type ScriptLoader } from './adapter'
import type { WebHost } from './webSdk'
import { rejection } from '../__tests__/rejection'
import {
  activeOutboundCall,
  AGENT,
  eventsOf,
  fake,
  loginParams,
  makeSdk,
  origin,
  page,
  sdk,
  sdkScripts,
  setUpWebAdapter,
  signedIn,
  tokenFor,
  until,
} from './__tests__/harness'

setUpWebAdapter()

/** Replace one `tccc.Call` method of the loaded fake with a hand-made answer. */
function answerCall(method: 'hold' | 'isMicMuted', answer: () => unknown): void {
  ;(page.tccc?.Call as unknown as Record<string, unknown>)[method] = answer
}

/** The seat status events after the one read at sign-in. */
async function statusEventsAfterSignIn(): Promise<() => unknown[]> {
  await signedIn()
  await until(() => eventsOf('agentStatus').length === 1, 'the status read at sign-in')
  return () => eventsOf('agentStatus').slice(1)
}

describe('script injection (mutation survivors)', () => {
  it('appends the marked script to the page body; a script that cannot load is removed and rejects with "script error"', async () => {
    const host: WebHost = { location: { protocol: 'http:', hostname: '127.0.0.1' }, document }
    await injectScript(`${origin}/mock/tccc-sdk.js?variant=no-global`, { token: 't' }, host)
    expect(sdkScripts().map((script) => script.parentElement)).toEqual([document.body])

    const failure = await injectScript(`${origin}/mock/tccc-sdk.js?variant=missing`, {}, host).then(
      () => null,
      (e: unknown) => e,
    )
    expect(failure).toBeInstanceOf(Error)
    expect((failure as Error).message).toBe('script error')
    expect(sdkScripts()).toHaveLength(1)
  })

  it.each([
    ['another host with a port', 'https://evil.example:8443/sdk.js', 'evil.example:8443'],
    ['a URL without a host', 'file:///tccc-sdk.js', '(none)'],
    ['not a URL', 'tccc-sdk.js', '(not a URL)'],
  ])('a refused sdkUrl (%s) is named in the SDK_URL_REFUSED detail by its host only', async (_name, sdkUrl, named) => {
    makeSdk()
    const error = await rejection(sdk.login({ ...loginParams(), sdkUrl }))
    expect(error.symbol).toBe('SDK_URL_REFUSED')
    expect(error.detail).toBe(`sdkUrl host ${named}`)
  })
})

describe('which plain-http pages count as this machine (mutation survivors)', () => {
  const loginOn = async (hostname: string): Promise<TcccError> => {
    const loadScript = fn<ScriptLoader>(() => Promise.reject(new Error('offline')))
    makeSdk({ host: { isSecureContext: false, location: { protocol: 'http:', hostname }, document }, loadScript })
    return rejection(sdk.login(loginParams()))
  }

  it.each(['[::1]', 'localhost', 'agent.localhost', '127.0.0.2'])('%s is secure: the SDK is loaded', async (hostname) => {
    expect((await loginOn(hostname)).symbol).toBe('SDK_LOAD_FAILED')
  })

  it.each(['10.0.127.1', 'localhost.agent.example', 'local[host', 'local]host', '[::2]'])(
    '%s is not: INSECURE_CONTEXT before loading anything',
    async (hostname) => {
      expect((await loginOn(hostname)).symbol).toBe('INSECURE_CONTEXT')
    },
  )
})

describe('SDK failures as TcccError (mutation survivors)', () => {
  const holdFailure = async (answer: () => unknown): Promise<TcccError> => {
    answerCall('hold', answer)
    return rejection(sdk.hold())
  }

  it('a resolved { status: "error" } answer is a failure with its errorMsg', async () => {
    await signedIn()
    await activeOutboundCall()
    const error = await holdFailure(() => Promise.resolve({ status: 'error', errorMsg: 'hold refused' }))
    expect(error.symbol).toBe('UNKNOWN')
    expect(error.detail).toBe('hold refused')
  })

  it('takes errorCode when code is missing or not a finite number, and errMsg or an Error message as the text', async () => {
    await signedIn()
    await activeOutboundCall()
    const byErrorCode = await holdFailure(() => Promise.reject({ status: 'error', errorCode: 402, errMsg: 'seats full' }))
    expect([byErrorCode.symbol, byErrorCode.detail]).toEqual(['ERR_SIP_PAYMENTREQUIRED', 'seats full'])
    const notANumber = await holdFailure(() => Promise.reject({ status: 'error', code: Number.NaN, errorCode: 403, errorMsg: 'kicked' }))
    expect([notANumber.symbol, notANumber.code, notANumber.detail]).toEqual(['ERR_SIP_FORBIDDEN', 403, 'kicked'])
    const thrown = await holdFailure(() => Promise.reject(new Error('socket closed')))
    expect([thrown.symbol, thrown.detail]).toEqual(['UNKNOWN', 'socket closed'])
    const silent = await holdFailure(() => Promise.reject({ status: 'error', code: 402 }))
    expect([silent.symbol, silent.detail]).toEqual(['ERR_SIP_PAYMENTREQUIRED', ''])
    // The SDK's words without a code (its guide: show errorMsg) are shown to the agent.
    const wordsOnly = await holdFailure(() => Promise.reject({ status: 'error', errorMsg: '座席未签入' }))
    expect([wordsOnly.symbol, wordsOnly.localized('zh')]).toEqual(['UNKNOWN', '发生未知错误，请重试（联络中心：座席未签入）'])
    expect(thrown.localized('en')).toBe('Something went wrong. Try again. (contact center: socket closed)')
  })

  it('a bare string rejection becomes its detail; a TcccError passes through as it is', async () => {
    await signedIn()
    await activeOutboundCall()
    const text = await holdFailure(() => Promise.reject('line busy'))
    expect([text.symbol, text.detail]).toEqual(['UNKNOWN', 'line busy'])
    const own = new TcccError('ERR_SIP_FORBIDDEN', 'kicked')
    expect(await holdFailure(() => Promise.reject(own))).toBe(own)
  })
})

describe('isMicMuted answers with a data object (mutation survivors)', () => {
  it('reads muted, isMuted or isMicMuted from data, and refuses a microphone that did not follow', async () => {
    await signedIn()
    await activeOutboundCall()
    answerCall('isMicMuted', () => Promise.resolve({ status: 'success', data: { muted: true } }))
    await expect(sdk.mute()).resolves.toBeUndefined()
    answerCall('isMicMuted', () => Promise.resolve({ status: 'success', data: { isMuted: false } }))
    expect((await rejection(sdk.mute())).detail).toBe('microphone is unmuted after muteMic')
    answerCall('isMicMuted', () => Promise.resolve({ status: 'success', data: { isMicMuted: true } }))
    expect((await rejection(sdk.unmute())).detail).toBe('microphone is muted after unmuteMic')
    answerCall('isMicMuted', () => Promise.resolve({ status: 'success', data: { muted: 'yes' } }))
    await expect(sdk.unmute()).resolves.toBeUndefined()
  })
})

describe('statusChanged payloads (mutation survivors)', () => {
  it('rest (with its reason) and offline are their own statuses', async () => {
    const later = await statusEventsAfterSignIn()
    fake().emitRaw('statusChanged', { status: 'rest', restReason: 'lunch' })
    fake().emitRaw('statusChanged', { status: 'offline' })
    expect(later()).toEqual([
      { type: 'agentStatus', status: 'rest', restReason: 'lunch' },
      { type: 'agentStatus', status: 'offline' },
    ])
  })

  it('reads a bare status string, a status beside a data object, and a null payload as busy', async () => {
    const later = await statusEventsAfterSignIn()
    fake().emitRaw('statusChanged', 'arrange')
    fake().emitRaw('statusChanged', { status: 'rest', data: { restReason: 'training' } })
    fake().emitRaw('statusChanged', null)
    expect(later()).toEqual([
      { type: 'agentStatus', status: 'arrange' },
      { type: 'agentStatus', status: 'rest', restReason: 'training' },
      { type: 'agentStatus', status: 'busy' },
    ])
  })
})

describe('call events in the shapes the SDK sends (mutation survivors)', () => {
  it('callIn: a string session id once; no type means a phone call; an empty caller number falls back', async () => {
    await signedIn()
    fake().emitRaw('callIn', { sessionId: 42, type: 'phone', callerPhoneNumber: '13700000000' })
    fake().emitRaw('callIn', { sessionId: '', type: 'phone', callerPhoneNumber: '13700000000' })
    fake().emitRaw('callIn', { type: 'phone', callerPhoneNumber: '13700000000' })
    fake().emitRaw('callIn', { sessionId: 'in-1', callerPhoneNumber: '', protectedCaller: 'pc-1', remark: '' })
    fake().emitRaw('callIn', { sessionId: 'in-1', type: 'phone', callerPhoneNumber: '13900000000' })
    fake().emitRaw('callIn', { sessionId: 'in-2', type: 'phone' })
    // Flat fields beside a `data` object of its own: the flat ones count.
    fake().emitRaw('callIn', { sessionId: 'in-3', type: 'phone', callerPhoneNumber: '13600000000', data: { ivrPath: [] } })
    expect(eventsOf('newSession')).toEqual([
      { type: 'newSession', sessionId: 'in-1', direction: 'in', peer: 'pc-1' },
      { type: 'newSession', sessionId: 'in-2', direction: 'in', peer: '' },
      { type: 'newSession', sessionId: 'in-3', direction: 'in', peer: '13600000000' },
    ])
  })

  it('callOuted for a call this app did not place takes callee, protected callee and remark from the event', async () => {
    await signedIn()
    fake().emitRaw('callOuted', { sessionId: 'out-1', calleePhoneNumber: '13800000000', protectedCallee: 'pe-1', remark: 'from the workbench' })
    fake().emitRaw('callOuted', { sessionId: 'out-2', protectedCallee: 'pe-2' })
    fake().emitRaw('callOuted', { sessionId: 'out-3' })
    expect(eventsOf('newSession')).toEqual([
      { type: 'newSession', sessionId: 'out-1', direction: 'out', peer: '13800000000', remark: 'from the workbench' },
      { type: 'newSession', sessionId: 'out-2', direction: 'out', peer: 'pe-2' },
      { type: 'newSession', sessionId: 'out-3', direction: 'out', peer: '' },
    ])
  })

  it('accepted once per session; accepts for unknown sessions and a late ready are ignored without throwing into the SDK', async () => {
    await signedIn()
    const sessionId = await activeOutboundCall()
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    fake().emitRaw('calloutAccepted', { sessionId })
    fake().emitRaw('userAccessed', { sessionId })
    fake().emitRaw('userAccessed', { sessionId: 'not-ours' })
    fake().emitRaw('calloutAccepted', {})
    fake().emitRaw('ready', {})
    expect(eventsOf('accepted')).toEqual([{ type: 'accepted', sessionId }])
    // The fake reports a handler that threw on the console.
    expect(consoleError).not.toHaveBeenCalled()
  })

  it('the tokenExpired that fails a login says so in its detail', async () => {
    makeSdk()
    const expired = await rejection(sdk.login(loginParams({ token: tokenFor(AGENT, -5) })))
    expect([expired.code, expired.detail]).toEqual([-10002, 'tokenExpired'])
  })
})

describe('adapter defaults (mutation survivors)', () => {
  it('before any sign-in, checkLogin says NOT_SIGNED_IN, not an expired token', async () => {
    makeSdk()
    expect((await rejection(sdk.checkLogin())).symbol).toBe('NOT_SIGNED_IN')
  })

  it('capabilities: the app rings, calls come in, the seat status is set through the SDK', () => {
    makeSdk()
    expect(sdk.capabilities).toEqual({
      audioRoute: false,
      sdkRinging: false,
      incomingCalls: true,
      hold: true,
      transfer: true,
      internalCall: true,
      callerNumber: true,
      agentStatus: true,
      agentStatusViaBackend: false,
    })
  })

  it('a listener that throws is reported on the console with the error', async () => {
    await signedIn()
    const boom = new Error('boom')
    sdk.subscribe(() => {
      throw boom
    })
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    fake().incomingCall({ from: '13700000000' })
    expect(consoleError).toHaveBeenCalledWith('[web-tccc] listener failed', boom)
  })

  it('without injected timers the ready wait runs on the real clock: SDK_LOAD_TIMEOUT after readyTimeoutMs', async () => {
    makeSdk({ readyTimeoutMs: 50 })
    const guard = new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('login never settled')), 3000))
    const error = await rejection(Promise.race([sdk.login(loginParams({ query: 'neverReady=1' })), guard]))
    expect([error.symbol, error.detail]).toEqual(['SDK_LOAD_TIMEOUT', 'no ready within 50 ms'])
  })

  it('without injected timers the ready wait is cancelled once the SDK is ready', async () => {
    const set = vi.spyOn(globalThis, 'setTimeout')
    const clear = vi.spyOn(globalThis, 'clearTimeout')
    makeSdk({ readyTimeoutMs: 4321 })
    await sdk.login(loginParams())
    const waits = set.mock.calls.flatMap(([, ms], i) => (ms === 4321 ? [set.mock.results[i].value] : []))
    expect(waits).toHaveLength(1)
    expect(clear).toHaveBeenCalledWith(waits[0])
  })
})
