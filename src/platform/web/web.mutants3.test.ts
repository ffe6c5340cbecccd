/**
 * Web SDK adapter survivors of issue 13, adapter.ts lines 460-599 (sign-in seat status, the
 * signed-in gate, logout, the current session, call / callSeat / answer): docs/mutation/web-3.md.
 * Same fake Web SDK and set-up as web.test.ts (./__tests__/harness).
 */
import { describe, expect, it } from 'vitest'
import { fn } from 'jest-mock'
import { injectScript, type ScriptLoader } from './adapter'
import { rejection } from '../__tests__/rejection'
import {
  activeOutboundCall,
  eventsOf,
  fake,
  loginParams,
  makeSdk,
  manualTimers,
  outboundCall,
  page,
  sdk,
  sdkCalls,
  setUpWebAdapter,
  signedIn,
  until,
} from './__tests__/harness'

setUpWebAdapter()

/** The loaded SDK's command objects, to replace one command with a stand-in. */
type Patchable = { Call: Record<string, unknown>; Agent: Record<string, unknown> }
const loadedSdk = (): Patchable => page.tccc as unknown as Patchable

/** The real script injection, then `patch` on the SDK it defined (first `times` loads only). */
function patchingLoader(patch: (loaded: Patchable) => void, times = Infinity): ScriptLoader {
  let loads = 0
  return async (src, dataset, host) => {
    const handle = await injectScript(src, dataset, host)
    if (loads++ < times) patch(loadedSdk())
    return handle
  }
}

/** Let the sign-in status read (a promise chain) finish. */
const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20))

const PHONE = '13800000000'
const SEAT = 'agent2@example.com'

describe('seat status at sign-in (mutation survivors)', () => {
  it.each([
    ['a { status } object', () => ({ status: 'rest' }), 'rest'],
    ['a promise of { data: { status } }', () => Promise.resolve({ data: { status: 'arrange' } }), 'arrange'],
  ] as const)('reads Agent.getStatus answering %s', async (_shape, getStatus, status) => {
    await signedIn({ loadScript: patchingLoader((loaded) => (loaded.Agent.getStatus = getStatus)) })
    await until(() => eventsOf('agentStatus').length === 1, 'agentStatus')
    expect(eventsOf('agentStatus')).toEqual([{ type: 'agentStatus', status }])
  })

  it.each([
    ['nothing', undefined],
    ['an empty status', ''],
    ['a number', 3],
    ['an object without a status', { status: undefined, data: 7 }],
  ])('reports no seat status when getStatus answers %s', async (_what, answer) => {
    await signedIn({ loadScript: patchingLoader((loaded) => (loaded.Agent.getStatus = () => answer)) })
    await settled()
    expect(eventsOf('agentStatus')).toEqual([])
  })

  it('does not call a getStatus that is not a function', async () => {
    const notAFunction = { call: fn(() => 'rest') }
    await signedIn({ loadScript: patchingLoader((loaded) => (loaded.Agent.getStatus = notAFunction)) })
    await settled()
    expect(notAFunction.call).not.toHaveBeenCalled()
    expect(eventsOf('agentStatus')).toEqual([])
  })

  it("drops the old SDK's status answer when another agent signed in meanwhile", async () => {
    let answerOld: (status: string) => void = () => undefined
    const slow = (): Promise<string> => new Promise((resolve) => (answerOld = resolve))
    await signedIn({ loadScript: patchingLoader((loaded) => (loaded.Agent.getStatus = slow), 1) })
    await sdk.login(loginParams({ userId: SEAT }))
    await until(() => eventsOf('agentStatus').length === 1, 'the new seat status')
    answerOld('rest')
    await settled()
    expect(eventsOf('agentStatus')).toEqual([{ type: 'agentStatus', status: 'free' }])
  })
})

describe('signed-in gate, checkLogin and logout (mutation survivors)', () => {
  it('after dispose nothing counts as signed in and logout has nothing to take offline', async () => {
    await signedIn()
    sdk.dispose()
    expect((await rejection(sdk.checkLogin())).symbol).toBe('NOT_SIGNED_IN')
    expect((await rejection(sdk.call({ to: PHONE }))).symbol).toBe('NOT_SIGNED_IN')
    await expect(sdk.logout()).resolves.toBeUndefined()
    expect(fake().log()).toEqual([])
  })

  it('checkLogin after tokenExpired names it; logout then asks nothing of the expired SDK', async () => {
    await signedIn()
    fake().expireToken()
    const expired = await rejection(sdk.checkLogin())
    expect([expired.code, expired.detail]).toEqual([-10002, 'tokenExpired'])
    await expect(sdk.logout()).resolves.toBeUndefined()
    expect(sdkCalls('Agent.offline')).toEqual([])
  })
})

describe('the call commands act on (mutation survivors)', () => {
  it('an outbound call still ringing stays current when a call comes in', async () => {
    await signedIn()
    const out = await outboundCall()
    fake().incomingCall({ from: '13700000000' })
    await sdk.terminate()
    expect(sdkCalls('Call.hungUp')).toEqual([[{ sessionId: out }]])
  })

  it('an answered incoming call stays current when a newer call rings', async () => {
    await signedIn()
    const first = fake().incomingCall({ from: '13700000000' })
    await sdk.answer()
    await until(() => eventsOf('accepted').length === 1, 'accepted')
    fake().incomingCall({ from: '13900000000' })
    await sdk.terminate()
    expect(sdkCalls('Call.hungUp')).toEqual([[{ sessionId: first }]])
  })

  it('the answered call is current even while an older call still rings', async () => {
    await signedIn()
    fake().incomingCall({ from: '13700000000' })
    const second = fake().incomingCall({ from: '13900000000' })
    await sdk.answer()
    await until(() => eventsOf('accepted').length === 1, 'accepted')
    await sdk.terminate()
    expect(sdkCalls('Call.hungUp')).toEqual([[{ sessionId: second }]])
  })
})

describe('answer (mutation survivors)', () => {
  it('answers the newest ringing call, then the older one still ringing', async () => {
    await signedIn()
    const first = fake().incomingCall({ from: '13700000000' })
    const second = fake().incomingCall({ from: '13900000000' })
    await sdk.answer()
    await until(() => eventsOf('accepted').length === 1, 'accepted')
    await sdk.answer()
    expect(sdkCalls('Call.accept')).toEqual([[{ sessionId: second }], [{ sessionId: first }]])
  })

  it('does not answer our own outbound call while it rings', async () => {
    await signedIn()
    await outboundCall()
    expect((await rejection(sdk.answer())).symbol).toBe('NO_INCOMING_CALL')
    expect(sdkCalls('Call.accept')).toEqual([])
  })
})

describe('call and callSeat (mutation survivors)', () => {
  it('says why a second call or seat call is refused, and why a seat call cannot start', async () => {
    await signedIn()
    expect((await rejection(sdk.callSeat({ userId: ' ' }))).detail).toBe('empty seat')
    await activeOutboundCall()
    expect((await rejection(sdk.call({ to: '13900000000' }))).detail).toBe('a call is in progress')
    expect((await rejection(sdk.callSeat({ userId: SEAT }))).detail).toBe('a call is in progress')
    delete loadedSdk().Call.startInternalCall
    expect((await rejection(sdk.callSeat({ userId: SEAT }))).detail).toBe('Call.startInternalCall missing')
  })

  it('callOuted before the startOutboundCall answer: one newSession, named after the number and remark asked for', async () => {
    await signedIn()
    loadedSdk().Call.startOutboundCall = () => {
      fake().emitRaw('callOuted', { sessionId: 'early-1' })
      return Promise.resolve({ status: 'success', data: { sessionId: 'early-1' } })
    }
    await sdk.call({ to: PHONE, remark: 'Alice' })
    expect(eventsOf('newSession')).toEqual([{ type: 'newSession', sessionId: 'early-1', direction: 'out', peer: PHONE, remark: 'Alice' }])
  })

  it('rejects a startOutboundCall answer without a sessionId, announces nothing, and the next call works', async () => {
    await signedIn()
    const call = loadedSdk().Call
    const real = call.startOutboundCall
    call.startOutboundCall = () => Promise.resolve({ status: 'success' })
    const error = await rejection(sdk.call({ to: PHONE }))
    expect([error.symbol, error.detail]).toEqual(['UNKNOWN', 'startOutboundCall returned no sessionId'])
    expect(eventsOf('newSession')).toEqual([])
    call.startOutboundCall = real
    await outboundCall()
    expect(eventsOf('newSession')).toHaveLength(1)
  })

  it('a seat call answered with a sessionId is announced at once, named after the seat', async () => {
    await signedIn()
    loadedSdk().Call.startInternalCall = () => Promise.resolve({ status: 'success', data: { sessionId: 'seat-1' } })
    await sdk.callSeat({ userId: SEAT })
    expect(eventsOf('newSession')).toEqual([{ type: 'newSession', sessionId: 'seat-1', direction: 'out', peer: SEAT }])
  })

  it('call, seat call and answer the SDK never answers reject SDK_NO_RESPONSE naming the command and its deadline', async () => {
    const timers = manualTimers()
    await signedIn({ timers })
    const never = (): Promise<never> => new Promise(() => undefined)
    const call = loadedSdk().Call
    call.startOutboundCall = never
    call.startInternalCall = never
    call.accept = never
    const details: string[] = []
    for (const run of [() => sdk.call({ to: PHONE }), () => sdk.callSeat({ userId: SEAT })]) {
      const pending = run()
      await Promise.resolve()
      timers.fire()
      details.push((await rejection(pending)).detail)
    }
    fake().incomingCall({ from: '13700000000' })
    const answering = sdk.answer()
    await Promise.resolve()
    timers.fire()
    const answerError = await rejection(answering)
    expect(answerError.symbol).toBe('SDK_NO_RESPONSE')
    expect([...details, answerError.detail]).toEqual([
      'call: no callback within 15000 ms',
      'call: no callback within 15000 ms',
      'answer: no callback within 10000 ms',
    ])
  })
})

describe('a login that fails after the SDK announced a call (mutation survivors)', () => {
  it("ends that call with the reason 'login failed'", async () => {
    makeSdk()
    const login = sdk.login(loginParams({ query: 'browserSupported=0&readyDelay=300' }))
    await until(() => page.__tcccWebFake !== undefined && fake().listenerCount('ready') === 1, 'the adapter to wait for ready')
    // Right after the adapter's own ready handler, before the login goes on to the browser check.
    page.tccc?.on('ready', () => fake().emitRaw('callIn', { sessionId: 'in-1', type: 'phone', callerPhoneNumber: '13700000000' }))
    expect((await rejection(login)).symbol).toBe('BROWSER_UNSUPPORTED')
    expect(eventsOf('newSession').map((e) => e.sessionId)).toEqual(['in-1'])
    expect(eventsOf('ended')).toEqual([{ type: 'ended', sessionId: 'in-1', reason: 'error', message: 'login failed' }])
  })
})
