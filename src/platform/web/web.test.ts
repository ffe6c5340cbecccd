/**
 * The Web SDK adapter driving the real fake Web SDK (`debug/fake-tccc-web-sdk.js`).
 *
 * The fake is served by a loopback HTTP server on a random port and loaded through the
 * adapter's real script injection (happy-dom fetches and runs `<script async>` elements), so
 * these tests cover the same path a browser takes with the token backend's `/mock/tccc-sdk.js`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import type { TcccEvent } from '@/platform/types'
import { createWebTccc } from './index'
import {
  DEFAULT_READY_TIMEOUT_MS,
  createWebTcccAdapter,
  defaultSdkUrlPolicy,
  endReasonFor,
  injectScript,
  type ScriptLoader,
} from './adapter'
import { isSdkUrlAllowed } from './sdkUrl'
import type { TcccWebSdk, WebHost } from './webSdk'
import { rejection } from '../__tests__/rejection'
import {
  activeOutboundCall,
  AGENT,
  events,
  eventsOf,
  fake,
  loginParams,
  makeSdk,
  manualTimers,
  origin,
  outboundCall,
  page,
  ringtone,
  sdk,
  SDK_APP_ID,
  sdkCalls,
  sdkScripts,
  setUpWebAdapter,
  signedIn,
  tokenFor,
  until,
} from './__tests__/harness'

setUpWebAdapter()

describe('seat status at sign-in', () => {
  it('reads Agent.getStatus once after ready and reports it (statusChanged only comes on a change)', async () => {
    await signedIn()
    await until(() => eventsOf('agentStatus').length === 1, 'agentStatus')
    expect(eventsOf('agentStatus')).toEqual([{ type: 'agentStatus', status: 'free' }])
  })
})

describe('internal calls (Call.startInternalCall)', () => {
  it('calls the colleague by calleeUserId; the session comes with callOuted, named after the seat', async () => {
    await signedIn()
    await sdk.callSeat({ userId: ' agent2@example.com ' })
    expect(sdkCalls('Call.startInternalCall')).toEqual([[{ calleeUserId: 'agent2@example.com' }]])
    // Documented answer: CommonSDKResponse without a session id; `callOuted` announces it.
    await until(() => eventsOf('newSession').length === 1, 'newSession')
    const [fakeSession] = fake().state().sessions
    expect(fakeSession).toMatchObject({ type: 'internal', peer: 'agent2@example.com' })
    expect(eventsOf('newSession')).toEqual([{ type: 'newSession', sessionId: fakeSession.sessionId, direction: 'out', peer: 'agent2@example.com' }])
    fake().answerOutbound()
    expect(eventsOf('accepted')).toEqual([{ type: 'accepted', sessionId: fakeSession.sessionId }])
    await sdk.terminate()
    expect(sdkCalls('Call.hungUp')).toEqual([[{ sessionId: fakeSession.sessionId }]])
  })

  it('maps a refusal to TcccError, refuses an empty seat and a second call without asking the SDK', async () => {
    await signedIn()
    fake().failNext('startInternalCall', 'seat offline')
    const refused = await rejection(sdk.callSeat({ userId: 'agent2@example.com' }))
    expect(refused.detail).toBe('seat offline')
    expect((await rejection(sdk.callSeat({ userId: '  ' }))).symbol).toBe('INVALID_NUMBER')
    await outboundCall()
    fake().clearLog()
    expect((await rejection(sdk.callSeat({ userId: 'agent2@example.com' }))).code).toBe(-10004)
    expect(sdkCalls('Call.startInternalCall')).toEqual([])
  })

  it('says UNSUPPORTED_ON_PLATFORM when the loaded SDK has no startInternalCall', async () => {
    await signedIn()
    const call = page.tccc?.Call as { startInternalCall?: unknown }
    delete call.startInternalCall
    expect((await rejection(sdk.callSeat({ userId: 'agent2@example.com' }))).symbol).toBe('UNSUPPORTED_ON_PLATFORM')
  })

  it('a seat call whose callOuted never comes is cleared by hanging up, so the next call works', async () => {
    await signedIn()
    const call = page.tccc?.Call as { startInternalCall?: (o: unknown) => unknown }
    call.startInternalCall = () => Promise.resolve({ status: 'success' }) // accepted, then silence
    await sdk.callSeat({ userId: 'agent2@example.com' })
    expect((await rejection(sdk.call({ to: '13800000000' }))).code).toBe(-10004)
    await sdk.terminate()
    await sdk.call({ to: '13800000000' })
    expect(eventsOf('newSession').at(-1)).toMatchObject({ peer: '13800000000' })
  })
})

describe('login', () => {
  it('injects the sdkUrl script once with the documented dataset, waits for ready and checks the browser', async () => {
    makeSdk()
    const params = loginParams()
    await sdk.login(params)

    const scripts = sdkScripts() as HTMLScriptElement[]
    expect(scripts).toHaveLength(1)
    expect(scripts[0].src).toBe(params.sdkUrl)
    expect({ ...scripts[0].dataset }).toEqual({
      token: params.token,
      sdkAppId: String(SDK_APP_ID),
      userid: AGENT,
      showWorkBenchAtFirstLogin: 'false',
      tcccWebSdk: '',
    })
    expect(fake().state()).toMatchObject({ ready: true, userId: AGENT, loads: 1 })
    expect(fake().log().map((e) => e.method)).toEqual(['Devices.isBrowserSupported', 'UI.hide'])
    await expect(sdk.checkLogin()).resolves.toBeUndefined()
    expect(sdk.kind).toBe('web')
    expect(sdk.version()).toBe('TCCC Web SDK fake-web-1')
  })

  it('refuses an insecure page before loading anything', async () => {
    const loadScript = fn(injectScript)
    const host: WebHost = { isSecureContext: false, location: { protocol: 'http:', hostname: 'agent.example.com' }, document }
    makeSdk({ host, loadScript })
    const error = await rejection(sdk.login(loginParams()))
    expect(error.symbol).toBe('INSECURE_CONTEXT')
    expect(loadScript).not.toHaveBeenCalled()
    expect(sdkScripts()).toHaveLength(0)
  })

  it.each([
    ['another host', 'https://evil.example/tccc-sdk.js'],
    ['a Tencent host over plain http', 'http://tccc.qcloud.com/ccc-sdk/sdk.js'],
    ['a look-alike host', 'https://tccc.qcloud.com.evil.example/sdk.js'],
    ['user-info in the URL', 'https://x@tccc.qcloud.com/sdk.js'],
    ["the app's origin but not the fake SDK path", 'SELF/static/evil.js'],
    ['not a URL', 'tccc-sdk.js'],
  ])('refuses an sdkUrl off the allowlist (%s) with SDK_URL_REFUSED, injecting nothing', async (_name, sdkUrl) => {
    const loadScript = fn(injectScript)
    makeSdk({ loadScript })
    const error = await rejection(sdk.login({ ...loginParams(), sdkUrl: sdkUrl.replace('SELF', origin) }))
    expect(error.symbol).toBe('SDK_URL_REFUSED')
    expect(error.action).toBe('contact-admin')
    expect(error.localized('en')).toBe('The sign-in server sent a TCCC SDK address that is not an allowed Tencent Cloud address, so it was not loaded. Contact your administrator.')
    expect(error.detail).not.toContain('token')
    expect(loadScript).not.toHaveBeenCalled()
    expect(sdkScripts()).toHaveLength(0)
  })

  it("injects Tencent Cloud's https SDK URL", async () => {
    const loadScript = fn<ScriptLoader>(() => Promise.reject(new Error('offline')))
    makeSdk({ loadScript })
    const sdkUrl = `https://tccc.qcloud.com/ccc-sdk/sdk.js?sdkAppId=${SDK_APP_ID}&token=abc`
    expect((await rejection(sdk.login({ ...loginParams(), sdkUrl }))).symbol).toBe('SDK_LOAD_FAILED')
    expect(loadScript.mock.calls[0][0]).toBe(sdkUrl)
  })

  describe("the build's sdkUrl policy", () => {
    afterEach(() => vi.unstubAllEnvs())
    const host = (origin?: string): WebHost => ({ location: { protocol: 'https:', hostname: 'agent.example.com', origin }, document })

    it("is Tencent Cloud's SDK host plus the fake SDK on the page's own origin by default", () => {
      expect(defaultSdkUrlPolicy(host('https://agent.example.com'))).toEqual({ hosts: ['tccc.qcloud.com'], mockOrigins: ['https://agent.example.com'] })
      expect(defaultSdkUrlPolicy(host())).toEqual({ hosts: ['tccc.qcloud.com'], mockOrigins: [] })
    })

    it('takes VITE_TCCC_SDK_HOSTS, and VITE_TCCC_MOCK_SDK=off drops the fake SDK', () => {
      vi.stubEnv('VITE_TCCC_SDK_HOSTS', ' sdk.example.com, CDN.Example.com ')
      vi.stubEnv('VITE_TCCC_MOCK_SDK', 'off')
      const policy = defaultSdkUrlPolicy(host('https://agent.example.com'))
      expect(policy).toEqual({ hosts: ['sdk.example.com', 'cdn.example.com'], mockOrigins: [] })
      expect(isSdkUrlAllowed('https://cdn.example.com/sdk.js', policy)).toBe(true)
      expect(isSdkUrlAllowed('https://tccc.qcloud.com/sdk.js', policy)).toBe(false)
      expect(isSdkUrlAllowed('https://agent.example.com/mock/tccc-sdk.js', policy)).toBe(false)
    })
  })

  it('accepts an https page and plain-http localhost as secure', async () => {
    const failingLoader = fn(() => Promise.reject(new Error('offline')))
    for (const location of [
      { protocol: 'https:', hostname: 'agent.example.com' },
      { protocol: 'http:', hostname: '127.0.0.1' },
    ]) {
      makeSdk({ host: { isSecureContext: location.protocol === 'https:', location, document }, loadScript: failingLoader })
      expect((await rejection(sdk.login(loginParams()))).symbol).toBe('SDK_LOAD_FAILED')
    }
    expect(failingLoader).toHaveBeenCalledTimes(2)
  })

  it('rejects BROWSER_UNSUPPORTED when the SDK says the browser cannot call, and unloads', async () => {
    makeSdk()
    const error = await rejection(sdk.login(loginParams({ query: 'browserSupported=0' })))
    expect(error.symbol).toBe('BROWSER_UNSUPPORTED')
    expect(error.action).toBe('use-supported-browser')
    expect(sdkScripts()).toHaveLength(0)
    expect(fake().listenerCount()).toBe(0)
    expect((await rejection(sdk.checkLogin())).symbol).toBe('NOT_SIGNED_IN')
  })

  it('times out with SDK_LOAD_TIMEOUT when ready never comes', async () => {
    const timers = manualTimers()
    makeSdk({ timers, readyTimeoutMs: 2500 })
    const login = sdk.login(loginParams({ query: 'neverReady=1' }))
    await until(() => page.__tcccWebFake !== undefined && fake().listenerCount('ready') === 1, 'the adapter to wait for ready')
    timers.fire()
    const error = await rejection(login)
    expect(error.symbol).toBe('SDK_LOAD_TIMEOUT')
    expect(timers.delays).toEqual([2500])
    expect(sdkScripts()).toHaveLength(0)
    expect(fake().listenerCount()).toBe(0)
  })

  it('the never-ready switch also works from window.__tcccWebFakeOptions (backend-made sdkUrl)', async () => {
    const timers = manualTimers()
    page.__tcccWebFakeOptions = { neverReady: true }
    makeSdk({ timers })
    const login = sdk.login(loginParams())
    await until(() => page.__tcccWebFake !== undefined && fake().listenerCount('ready') === 1, 'the adapter to wait for ready')
    timers.fire()
    expect((await rejection(login)).symbol).toBe('SDK_LOAD_TIMEOUT')
    expect(fake().state().ready).toBe(false)
  })

  it('waits 15 s for ready by default', async () => {
    const timers = manualTimers()
    makeSdk({ timers })
    await sdk.login(loginParams())
    expect(timers.delays).toEqual([DEFAULT_READY_TIMEOUT_MS])
    expect(DEFAULT_READY_TIMEOUT_MS).toBe(15_000)
  })

  it('rejects SDK_LOAD_FAILED when the script does not load, defines no tccc, or no sdkUrl came', async () => {
    makeSdk()
    const missing = await rejection(sdk.login({ ...loginParams(), sdkUrl: `${origin}/mock/tccc-sdk.js?variant=missing` }))
    expect(missing.symbol).toBe('SDK_LOAD_FAILED')
    expect(sdkScripts()).toHaveLength(0)

    const noGlobal = await rejection(sdk.login({ ...loginParams(), sdkUrl: `${origin}/mock/tccc-sdk.js?variant=no-global` }))
    expect(noGlobal.symbol).toBe('SDK_LOAD_FAILED')
    expect(noGlobal.detail).toContain('window.tccc')

    const noUrl = await rejection(sdk.login({ ...loginParams(), sdkUrl: undefined }))
    expect(noUrl.symbol).toBe('SDK_LOAD_FAILED')
  })

  it('fails the login with -10002 when the SDK reports tokenExpired instead of ready', async () => {
    makeSdk()
    const expired = await rejection(sdk.login(loginParams({ token: tokenFor(AGENT, -5) })))
    expect(expired.code).toBe(-10002)
    expect(expired.symbol).toBe('ERR_HTTP_TOKEN_ERROR')

    const otherAgent = await rejection(sdk.login(loginParams({ token: tokenFor('agent2@example.com') })))
    expect(otherAgent.code).toBe(-10002)
    expect(eventsOf('error')).toEqual([]) // the login failed; no separate error event
  })
})

describe('outbound calls', () => {
  it('passes number, remark (phoneDesc) and uui, keeps the sessionId and announces it once', async () => {
    await signedIn()
    const callOuted = fn()
    page.tccc?.on('callOuted', callOuted)
    await sdk.call({ to: '+8613800000000', remark: 'Alice (VIP)', uui: 'order-42' })

    expect(sdkCalls('Call.startOutboundCall')).toEqual([[{ phoneNumber: '+8613800000000', phoneDesc: 'Alice (VIP)', uui: 'order-42' }]])
    const [fakeSession] = fake().state().sessions
    expect(eventsOf('newSession')).toEqual([
      { type: 'newSession', sessionId: fakeSession.sessionId, direction: 'out', peer: '+8613800000000', remark: 'Alice (VIP)' },
    ])
    await until(() => callOuted.mock.calls.length === 1, 'callOuted')
    expect(eventsOf('newSession')).toHaveLength(1)
  })

  it('sends only the phone number when there is no remark or uui', async () => {
    await signedIn()
    await sdk.call({ to: '13800000000' })
    expect(sdkCalls('Call.startOutboundCall')).toEqual([[{ phoneNumber: '13800000000' }]])
  })

  it('emits accepted when the far end answers (calloutAccepted)', async () => {
    await signedIn()
    const sessionId = await outboundCall()
    fake().answerOutbound()
    expect(eventsOf('accepted')).toEqual([{ type: 'accepted', sessionId }])
  })

  it('maps SDK refusals to TcccError: errorMsg kept, numeric codes through the catalogue', async () => {
    await signedIn()
    fake().failNext('startOutboundCall', 'no outbound number configured')
    const plain = await rejection(sdk.call({ to: '13800000000' }))
    expect(plain.symbol).toBe('UNKNOWN')
    expect(plain.detail).toBe('no outbound number configured')

    fake().failNext('startOutboundCall', 'seats full', 402)
    const coded = await rejection(sdk.call({ to: '13800000000' }))
    expect(coded.symbol).toBe('ERR_SIP_PAYMENTREQUIRED')
    expect(coded.detail).toBe('seats full')
    expect(eventsOf('newSession')).toEqual([])
  })

  it('passes the chosen caller number as callerPhoneNumber (003 "callerPhoneNumber 指定外呼号码")', async () => {
    await signedIn()
    await sdk.call({ to: '13800000000', callerNumber: '075512345678' })
    expect(sdkCalls('Call.startOutboundCall')).toEqual([[{ phoneNumber: '13800000000', callerPhoneNumber: '075512345678' }]])
    expect(fake().state().sessions[0]).toMatchObject({ callerPhoneNumber: '075512345678' })
  })

  it('refuses a second call while one is in progress, without asking the SDK', async () => {
    await signedIn()
    await outboundCall()
    fake().clearLog()
    const error = await rejection(sdk.call({ to: '13900000000' }))
    expect(error.code).toBe(-10004)
    expect(sdkCalls('Call.startOutboundCall')).toEqual([])
  })
})

describe('sessionEnded closeBy mapping', () => {
  it.each([
    ['seat', 'out', false, 'local-bye'],
    ['seat', 'in', true, 'local-bye'],
    ['client', 'out', true, 'remote-bye'],
    ['client', 'in', true, 'remote-bye'],
    ['client', 'out', false, 'rejected'],
    ['client', 'in', false, 'remote-cancel'],
    ['admin', 'out', true, 'admin'],
    ['timer', 'in', false, 'timeout'],
    ['martian', 'out', true, 'unknown'],
    [undefined, 'out', true, 'unknown'],
  ] as const)('closeBy %s on a %s call (answered: %s) -> %s', (closeBy, direction, accepted, reason) => {
    expect(endReasonFor(closeBy, direction, accepted)).toBe(reason)
  })

  it('agent hangs up: hungUp with the sessionId, then ended local-bye', async () => {
    await signedIn()
    const sessionId = await activeOutboundCall()
    await sdk.terminate()
    expect(sdkCalls('Call.hungUp')).toEqual([[{ sessionId }]])
    await until(() => eventsOf('ended').length === 1, 'ended')
    expect(eventsOf('ended')[0]).toEqual({ type: 'ended', sessionId, reason: 'local-bye', message: 'closeBy=seat' })
  })

  it('after a successful hang-up, commands no longer reach the SDK while sessionEnded is on its way', async () => {
    await signedIn()
    await activeOutboundCall()
    await sdk.mute()
    await sdk.terminate()
    fake().clearLog()
    // The call store unmutes as soon as the call ends; the SDK session is already gone.
    expect((await rejection(sdk.unmute())).symbol).toBe('NO_ACTIVE_CALL')
    expect((await rejection(sdk.terminate())).symbol).toBe('NO_ACTIVE_CALL')
    expect(fake().log()).toEqual([])
    await until(() => eventsOf('ended').length === 1, 'ended')
  })

  it('callee declines before answering: rejected', async () => {
    await signedIn()
    const sessionId = await outboundCall()
    fake().rejectOutbound()
    expect(eventsOf('ended')).toEqual([{ type: 'ended', sessionId, reason: 'rejected', message: 'closeBy=client' }])
  })

  it('callee hangs up after answering: remote-bye', async () => {
    await signedIn()
    const sessionId = await activeOutboundCall()
    fake().remoteHangup()
    expect(eventsOf('ended')).toEqual([{ type: 'ended', sessionId, reason: 'remote-bye', message: 'closeBy=client' }])
  })

  it('caller gives up on an incoming call: remote-cancel', async () => {
    await signedIn()
    const sessionId = fake().incomingCall({ from: '13700000000' })
    fake().remoteHangup()
    expect(eventsOf('ended')).toEqual([{ type: 'ended', sessionId, reason: 'remote-cancel', message: 'closeBy=client' }])
  })

  it('administrator ends it: admin, with the documented mainReason/subReason in the message', async () => {
    await signedIn()
    const sessionId = await activeOutboundCall()
    fake().adminHangup('balance', 'arrears')
    expect(eventsOf('ended')).toEqual([{ type: 'ended', sessionId, reason: 'admin', message: 'closeBy=admin: balance / arrears' }])
  })

  it('timer ends it: timeout; an incoming call transferred away (autoTransfer) also times out', async () => {
    await signedIn()
    const first = await activeOutboundCall()
    fake().timerHangup()
    const second = fake().incomingCall({ from: '13700000000' })
    fake().autoTransfer()
    expect(eventsOf('ended')).toEqual([
      { type: 'ended', sessionId: first, reason: 'timeout', message: 'closeBy=timer' },
      { type: 'ended', sessionId: second, reason: 'timeout', message: 'autoTransfer' },
    ])
  })

  it('ignores sessionEnded for sessions it never saw (other agents, chat)', async () => {
    await signedIn()
    fake().emitRaw('sessionEnded', { sessionId: 'not-ours', closeBy: 'client' })
    expect(eventsOf('ended')).toEqual([])
  })
})

describe('incoming calls', () => {
  it.each(['flat', 'wrapped'] as const)('callIn (%s payload) -> newSession in with the caller number; answer accepts it', async (shape) => {
    await signedIn()
    fake().setPayloadShape(shape)
    const sessionId = fake().incomingCall({ from: '075586013388', remark: 'Tencent' })
    expect(eventsOf('newSession')).toEqual([{ type: 'newSession', sessionId, direction: 'in', peer: '075586013388', remark: 'Tencent' }])

    await sdk.answer()
    expect(sdkCalls('Call.accept')).toEqual([[{ sessionId }]])
    await until(() => eventsOf('accepted').length === 1, 'accepted (userAccessed)')
    expect(eventsOf('accepted')).toEqual([{ type: 'accepted', sessionId }])
    expect(fake().state().sessions[0].state).toBe('active')
  })

  it('rejecting a ringing incoming call hangs it up (closeBy seat -> local-bye)', async () => {
    await signedIn()
    const sessionId = fake().incomingCall({ from: '13700000000' })
    await sdk.terminate()
    expect(sdkCalls('Call.hungUp')).toEqual([[{ sessionId }]])
    await until(() => eventsOf('ended').length === 1, 'ended')
    expect(eventsOf('ended')[0].reason).toBe('local-bye')
  })

  it('skips non-phone sessions and falls back to the protected caller id', async () => {
    await signedIn()
    fake().emitRaw('callIn', { sessionId: 'chat-1', type: 'im', timeout: 0, nickname: 'web visitor' })
    fake().emitRaw('callIn', { sessionId: 'masked-1', type: 'phone', timeout: 30, calleePhoneNumber: '02000000000', protectedCaller: 'pc-8841' })
    expect(eventsOf('newSession')).toEqual([{ type: 'newSession', sessionId: 'masked-1', direction: 'in', peer: 'pc-8841' }])
  })

  it('a colleague calling this seat (type internal, seed 003 "内部会话呼入") arrives as an internal session from their account', async () => {
    await signedIn()
    fake().emitRaw('callIn', { sessionId: 'int-1', type: 'internal', timeout: 30, peerUserId: 'agent2@example.com' })
    fake().emitRaw('callIn', { sessionId: 'int-2', type: 'internal', timeout: 30 })
    expect(eventsOf('newSession')).toEqual([
      { type: 'newSession', sessionId: 'int-1', direction: 'in', peer: 'agent2@example.com', internal: true },
      { type: 'newSession', sessionId: 'int-2', direction: 'in', peer: '', internal: true },
    ])
  })

  it("a call put through to the agent's mobile or desk phone (serverType) does not ring in the page", async () => {
    await signedIn()
    fake().emitRaw('callIn', { sessionId: 'm-1', type: 'phone', timeout: 30, callerPhoneNumber: '13800138000', serverType: 'staffPhoneSeat' })
    fake().emitRaw('callIn', { sessionId: 'x-1', type: 'phone', timeout: 30, callerPhoneNumber: '13800138000', serverType: 'staffExtensionSeat' })
    fake().emitRaw('callIn', { sessionId: 'w-1', type: 'phone', timeout: 30, callerPhoneNumber: '13900139000', serverType: 'staffSeat' })
    fake().emitRaw('callIn', { sessionId: 'w-2', type: 'phone', timeout: 30, callerPhoneNumber: '13700137000', serverType: 'StaffSeat' })
    expect(eventsOf('newSession').map((e) => e.sessionId)).toEqual(['w-1', 'w-2'])
  })

  it('answer without a ringing call rejects NO_INCOMING_CALL', async () => {
    await signedIn()
    expect((await rejection(sdk.answer())).symbol).toBe('NO_INCOMING_CALL')
    expect(sdkCalls('Call.accept')).toEqual([])
  })

  it('a second incoming call during an active one is announced but commands stay on the active call', async () => {
    await signedIn()
    const active = await activeOutboundCall()
    const second = fake().incomingCall({ from: '13700000000' })
    expect(eventsOf('newSession').map((e) => e.sessionId)).toEqual([active, second])
    await sdk.terminate()
    expect(sdkCalls('Call.hungUp')).toEqual([[{ sessionId: active }]])
  })
})

describe('in-call controls', () => {
  it('mute and unmute read the state back with isMicMuted', async () => {
    await signedIn()
    const sessionId = await activeOutboundCall()
    await sdk.mute()
    expect(fake().state().sessions[0].muted).toBe(true)
    await sdk.unmute()
    expect(fake().state().sessions[0].muted).toBe(false)
    expect(fake().log().map((e) => [e.method, e.args])).toEqual([
      ['Call.startOutboundCall', [{ phoneNumber: '13800000000' }]],
      ['Call.muteMic', [{ sessionId }]],
      ['Call.isMicMuted', [{ sessionId }]],
      ['Call.unmuteMic', [{ sessionId }]],
      ['Call.isMicMuted', [{ sessionId }]],
    ])
  })

  it('rejects mute when the SDK reports success but the microphone did not change', async () => {
    await signedIn()
    await activeOutboundCall()
    fake().ignoreNextMute()
    const error = await rejection(sdk.mute())
    expect(error.symbol).toBe('UNKNOWN')
    expect(error.detail).toBe('microphone is unmuted after muteMic')
  })

  it('accepts the 003 form of isMicMuted (CommonSDKResponse without a boolean) after muteMic succeeded', async () => {
    await signedIn()
    await activeOutboundCall()
    fake().setMicMutedShape('response')
    await sdk.mute()
    expect(fake().state().sessions[0].muted).toBe(true)
    await sdk.unmute()
    expect(fake().state().sessions[0].muted).toBe(false)
    expect(sdkCalls('Call.isMicMuted')).toHaveLength(2)
  })

  it('a failed isMicMuted read-back after muteMic succeeded trusts muteMic (never "unmuted" on screen while the customer hears nothing)', async () => {
    await signedIn()
    await activeOutboundCall()
    fake().failNext('isMicMuted', 'state unavailable')
    await sdk.mute()
    expect(fake().state().sessions[0].muted).toBe(true)
    expect(sdkCalls('Call.isMicMuted')).toHaveLength(1)
  })

  it('reads the boolean from a CommonSDKResponse data field and still catches a mismatch', async () => {
    await signedIn()
    await activeOutboundCall()
    fake().setMicMutedShape('response-data')
    await sdk.mute()
    expect(fake().state().sessions[0].muted).toBe(true)
    fake().ignoreNextMute()
    const error = await rejection(sdk.unmute())
    expect(error.detail).toBe('microphone is muted after unmuteMic')
  })

  it('a logout or DTMF the SDK never answers rejects SDK_NO_RESPONSE at its deadline', async () => {
    const timers = manualTimers()
    await signedIn({ timers })
    await activeOutboundCall()
    const tccc = page.tccc as unknown as { Call: { sendDigits: unknown }; Agent: { offline: unknown } }
    tccc.Call.sendDigits = () => new Promise(() => undefined)
    tccc.Agent.offline = () => new Promise(() => undefined)
    const digit = sdk.sendDTMF('1')
    await Promise.resolve()
    timers.fire()
    expect((await rejection(digit)).symbol).toBe('SDK_NO_RESPONSE')
    const out = sdk.logout()
    await Promise.resolve()
    timers.fire()
    expect((await rejection(out)).symbol).toBe('SDK_NO_RESPONSE')
    expect(timers.delays.slice(-2)).toEqual([5_000, 5_000])
  })

  it('hold / unHold / transfer go to the SDK with the session id; transfer ends the call here', async () => {
    await signedIn()
    const sessionId = await activeOutboundCall()
    await sdk.hold()
    expect(fake().state().sessions[0]).toMatchObject({ held: true })
    await sdk.unhold()
    await sdk.transfer({ skillGroupId: '42' })
    expect(sdkCalls('Call.hold')).toEqual([[{ sessionId }]])
    expect(sdkCalls('Call.unHold')).toEqual([[{ sessionId }]])
    expect(sdkCalls('Call.transfer')).toEqual([[{ sessionId, skillGroupId: '42' }]])
    await vi.waitFor(() => expect(eventsOf('ended')).toEqual([{ type: 'ended', sessionId, reason: 'local-bye', message: 'closeBy=seat' }]))
  })

  it('sets the seat status with Agent.setStatus (busy = notReady) and reads statusChanged', async () => {
    await signedIn()
    await sdk.setAgentStatus('rest', 'lunch')
    await sdk.setAgentStatus('busy')
    expect(sdkCalls('Agent.setStatus')).toEqual([[{ status: 'rest', restReason: 'lunch' }], [{ status: 'notReady' }]])
    fake().emitRaw('statusChanged', { status: 'arrange' })
    fake().emitRaw('statusChanged', { data: { status: 'notReady' } })
    expect(eventsOf('agentStatus').slice(-2)).toEqual([
      { type: 'agentStatus', status: 'arrange' },
      { type: 'agentStatus', status: 'busy' },
    ])
    expect(sdk.capabilities).toMatchObject({ hold: true, transfer: true, agentStatus: true, audioRoute: false, internalCall: true, callerNumber: true })
  })

  it('mute needs an answered call', async () => {
    await signedIn()
    await outboundCall()
    expect((await rejection(sdk.mute())).symbol).toBe('NO_ACTIVE_CALL')
    expect(sdkCalls('Call.muteMic')).toEqual([])
  })

  it('sends one DTMF digit of 0-9*# as sendDigits({ sessionId, dtmfText })', async () => {
    await signedIn()
    const sessionId = await activeOutboundCall()
    for (const digit of ['5', '*', '#']) await sdk.sendDTMF(digit)
    expect(sdkCalls('Call.sendDigits')).toEqual([
      [{ sessionId, dtmfText: '5' }],
      [{ sessionId, dtmfText: '*' }],
      [{ sessionId, dtmfText: '#' }],
    ])
    expect(fake().state().sessions[0].dtmf).toBe('5*#')
  })

  it('refuses anything else without calling the SDK', async () => {
    await signedIn()
    await activeOutboundCall()
    for (const bad of ['a', '12', '', ' ', '+']) {
      expect((await rejection(sdk.sendDTMF(bad))).symbol).toBe('INVALID_DTMF')
    }
    expect(sdkCalls('Call.sendDigits')).toEqual([])
  })

  it('DTMF needs an answered call', async () => {
    await signedIn()
    await outboundCall()
    expect((await rejection(sdk.sendDTMF('1'))).symbol).toBe('NO_ACTIVE_CALL')
  })

  it('cannot switch the audio route in a browser, and says so in its capabilities', async () => {
    makeSdk()
    expect(sdk.capabilities.audioRoute).toBe(false)
    expect((await rejection(sdk.setAudioRoute('speakerphone'))).symbol).toBe('UNSUPPORTED_ON_PLATFORM')
  })

  it('rings through the ringtone player', async () => {
    makeSdk()
    await sdk.startRinging('/static/ringtone.wav')
    await sdk.stopRinging()
    expect(ringtone.start.mock.calls).toEqual([['/static/ringtone.wav']])
    expect(ringtone.stop).toHaveBeenCalledTimes(1)
  })

  it('reports a ringtone the browser refused to autoplay as RINGTONE_BLOCKED', async () => {
    makeSdk()
    ringtone.start.mockImplementationOnce(() => Promise.resolve('blocked'))
    const failure = await rejection(sdk.startRinging('/static/ringtone.wav'))
    expect(failure.symbol).toBe('RINGTONE_BLOCKED')
    // A ring stopped before it started is not a failure.
    ringtone.start.mockImplementationOnce(() => Promise.resolve('stopped'))
    await expect(sdk.startRinging('/static/ringtone.wav')).resolves.toBeUndefined()
  })

  it('uses createRingtonePlayer (uni inner audio, looping) by default', async () => {
    const own = createWebTcccAdapter()
    await own.startRinging('/static/ringtone.wav')
    const created = uni.createInnerAudioContext as unknown as ReturnType<typeof fn>
    expect(created).toHaveBeenCalledTimes(1)
    const audio = created.mock.results[0].value as { src: string; loop: boolean }
    expect(audio).toMatchObject({ src: '/static/ringtone.wav', loop: true })
    own.dispose()
  })
})

describe('token expiry, logout and re-login', () => {
  it('tokenExpired after ready becomes an error event with code -10002; checkLogin fails the same way', async () => {
    await signedIn()
    fake().expireToken()
    expect(eventsOf('error')).toEqual([{ type: 'error', code: -10002, message: 'tokenExpired' }])
    const error = await rejection(sdk.checkLogin())
    expect(error.code).toBe(-10002)
  })

  it('re-login after tokenExpired re-initialises the SDK with the fresh sdkUrl, replacing the script', async () => {
    await signedIn()
    fake().expireToken()
    const fresh = loginParams()
    await sdk.login(fresh)
    const scripts = sdkScripts() as HTMLScriptElement[]
    expect(scripts).toHaveLength(1)
    expect(scripts[0].src).toBe(fresh.sdkUrl)
    expect(fake().state()).toMatchObject({ loads: 2, ready: true, tokenExpired: false })
    await expect(sdk.checkLogin()).resolves.toBeUndefined()
    const sessionId = await activeOutboundCall()
    expect(eventsOf('accepted')).toEqual([{ type: 'accepted', sessionId }])
  })

  it('logout takes the seat offline; the same agent signs in again without a second script', async () => {
    await signedIn()
    await sdk.logout()
    expect(fake().log().map((e) => e.method)).toEqual(['Agent.offline'])
    expect(fake().state().status).toBe('offline')
    expect((await rejection(sdk.checkLogin())).symbol).toBe('NOT_SIGNED_IN')
    expect((await rejection(sdk.call({ to: '13800000000' }))).symbol).toBe('NOT_SIGNED_IN')
    await sdk.logout() // idempotent
    expect(sdkCalls('Agent.offline')).toHaveLength(1)

    await sdk.login(loginParams())
    expect(sdkCalls('Agent.online')).toHaveLength(1)
    expect(sdkScripts()).toHaveLength(1)
    expect(fake().state()).toMatchObject({ loads: 1, status: 'free' })
    await expect(sdk.checkLogin()).resolves.toBeUndefined()
    await activeOutboundCall()
  })

  it('another agent after logout re-initialises the SDK (one script, new instance)', async () => {
    await signedIn()
    await sdk.logout()
    await sdk.login(loginParams({ userId: 'agent2@example.com' }))
    expect(sdkScripts()).toHaveLength(1)
    expect(fake().state()).toMatchObject({ loads: 2, userId: 'agent2@example.com', ready: true })
  })
})

describe('subscription and dispose', () => {
  it('dispose calls tccc.off for exactly the handlers it registered, leaving others alone', async () => {
    const registered: Array<[string, unknown]> = []
    const removed: Array<[string, unknown]> = []
    // Wrap the loaded SDK's on/off to see exactly which pairs the adapter passes.
    const spyingLoader: typeof injectScript = async (src, dataset, host) => {
      const handle = await injectScript(src, dataset, host)
      const loaded = page.tccc as TcccWebSdk
      const on = loaded.on.bind(loaded)
      const off = loaded.off.bind(loaded)
      loaded.on = (event, handler) => {
        registered.push([event, handler])
        on(event, handler)
      }
      loaded.off = (event, handler) => {
        removed.push([event, handler])
        off(event, handler)
      }
      return handle
    }
    await signedIn({ loadScript: spyingLoader })
    const mine = fn()
    page.tccc?.on('callIn', mine)
    const adapterCount = registered.length - 1
    expect(adapterCount).toBe(9)
    expect(fake().listenerCount()).toBe(adapterCount + 1)

    sdk.dispose()
    expect(removed).toEqual(registered.slice(0, adapterCount))
    expect(fake().listenerCount()).toBe(1)

    events.length = 0
    fake().incomingCall({ from: '13700000000' })
    expect(mine).toHaveBeenCalledTimes(1)
    expect(events).toEqual([])
  })

  it('unsubscribe stops one listener; a throwing listener does not starve the others', async () => {
    await signedIn()
    const other: TcccEvent[] = []
    const stop = sdk.subscribe((event) => other.push(event))
    const broken = fn(() => {
      throw new Error('boom')
    })
    sdk.subscribe(broken)
    const consoleError = console.error
    console.error = fn()
    try {
      fake().incomingCall({ from: '13700000000' })
      stop()
      fake().remoteHangup()
    } finally {
      console.error = consoleError
    }
    expect(other.map((e) => e.type)).toEqual(['newSession'])
    expect(events.map((e) => e.type).filter((type) => type !== 'agentStatus')).toEqual(['newSession', 'ended'])
    expect(broken).toHaveBeenCalledTimes(2)
  })

  it('createWebTccc is the adapter', async () => {
    await makeSdk({}, createWebTccc).login(loginParams())
    expect(sdk.kind).toBe('web')
    expect(fake().state().ready).toBe(true)
  })
})
