import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn, spyOn } from 'jest-mock'
import { createSimulatedTccc, simListenerCount } from '@/platform/simulated/index'
import type { TcccAgentSdk, TcccEvent, TcccListener } from '@/platform/types'
import { TcccError } from '@/services/errors'
import { createWorkstation, disposeWorkstation, getWorkstation, redactSecrets, setWorkstationPlatform } from '@/services/workstation'
import { useCallStore } from '@/store/call'
import { RECOVERED_DISPLAY_MS, setConnectionTimers, useConnectionStore } from '@/store/connection'
import { useSessionStore } from '@/store/session'
import { AGENT, PASSWORD, installFakeBackend, loginSdk, setupCore, type Core } from '@/store/__tests__/harness'

// The platform selector needs uni's conditional compilation; these tests run over the simulator.
vi.mock('@/platform/index', async () => {
  const { createSimulatedTccc } = await import('@/platform/simulated/index')
  return { platformKind: 'simulated', createPlatform: () => createSimulatedTccc() }
})

vi.mock('@/platform/device', () => ({
  ensureMicrophonePermission: () => Promise.resolve('granted'),
  openMicrophoneSettings: () => undefined,
  keepScreenOn: () => undefined,
}))

/** The simulator plus a way to inject any event, as the platform would deliver it. */
function withInjector(sdk: TcccAgentSdk): { sdk: TcccAgentSdk; emit(event: TcccEvent): void; subscriptions(): number } {
  const listeners = new Set<TcccListener>()
  let subscriptions = 0
  return {
    sdk: {
      ...sdk,
      subscribe(listener) {
        subscriptions += 1
        const off = sdk.subscribe(listener)
        listeners.add(listener)
        return () => {
          listeners.delete(listener)
          off()
        }
      },
    },
    emit: (event) => listeners.forEach((listener) => listener(event)),
    subscriptions: () => subscriptions,
  }
}

let core: Core

beforeEach(() => {
  core = setupCore()
})

afterEach(() => {
  setConnectionTimers(null)
  disposeWorkstation()
})

describe('subscription ownership', () => {
  it('subscribes exactly once and unsubscribes on dispose', () => {
    const sdk = createSimulatedTccc()
    const injector = withInjector(sdk)
    const workstation = createWorkstation(injector.sdk)
    expect(injector.subscriptions()).toBe(1)
    expect(simListenerCount(sdk)).toBe(1)
    workstation.dispose()
    workstation.dispose()
    expect(simListenerCount(sdk)).toBe(0)
  })

  it('replacing the platform disposes the previous workstation', () => {
    const first = core.sdk
    expect(simListenerCount(first)).toBe(1)
    const second = createSimulatedTccc()
    setWorkstationPlatform(second)
    expect(simListenerCount(first)).toBe(0)
    expect(simListenerCount(second)).toBe(1)
    expect(getWorkstation().kind).toBe('simulated')
  })

  it('rejects commands after dispose and drops later events', async () => {
    const injector = withInjector(createSimulatedTccc())
    const workstation = createWorkstation(injector.sdk)
    workstation.dispose()
    await expect(workstation.checkLogin()).rejects.toBeInstanceOf(TcccError)
    injector.emit({ type: 'connectionLost', server: 'sip' })
    expect(useConnectionStore().state).toBe('ok')
  })
})

describe('promise API', () => {
  it('passes arguments through and resolves', async () => {
    await loginSdk(core)
    await getWorkstation().setAudioRoute('speakerphone')
    expect(core.sim.log().at(-1)).toEqual({ method: 'setAudioRoute', args: ['speakerphone'] })
    expect(getWorkstation().version()).toBe(core.sdk.version())
  })

  it('rejects with the catalogue error of the SDK code', async () => {
    await loginSdk(core)
    core.sim.failNext('call', 402)
    const error = await getWorkstation()
      .call({ to: '13800138000' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TcccError)
    expect(error).toMatchObject({ symbol: 'ERR_SIP_PAYMENTREQUIRED', code: 402 })
  })

  it('turns anything a platform throws into a TcccError', async () => {
    const broken: TcccAgentSdk = {
      ...createSimulatedTccc(),
      mute: () => {
        throw new Error('native bridge exploded')
      },
    }
    const workstation = createWorkstation(broken)
    const error = await workstation.mute().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TcccError)
    expect(error).toMatchObject({ symbol: 'UNKNOWN', detail: 'native bridge exploded' })
    workstation.dispose()
  })
})

describe('event routing', () => {
  it('connection events drive the connection store; recovered returns to ok after 3 s', () => {
    setConnectionTimers(core.clock)
    const connection = useConnectionStore()
    core.sim.dropConnection()
    expect(connection.state).toBe('lost')
    core.sim.startReconnect()
    expect(connection.state).toBe('reconnecting')
    core.sim.restoreConnection()
    expect(connection.state).toBe('recovered')
    core.clock.advance(RECOVERED_DISPLAY_MS - 1)
    expect(connection.state).toBe('recovered')
    core.clock.advance(1)
    expect(connection.state).toBe('ok')
  })

  it('session events reach the call store', async () => {
    await loginSdk(core)
    const id = core.sim.incomingCall({ from: '13700137000' })
    const call = useCallStore()
    expect(call.state).toBe('incoming')
    expect(call.sessionId).toBe(id)
  })

  it('events of another session never disturb the current call', async () => {
    const injector = withInjector(createSimulatedTccc({ clock: core.clock }))
    setWorkstationPlatform(injector.sdk)
    await loginSdk(core)
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    const current = call.sessionId
    injector.emit({ type: 'accepted', sessionId: 'someone-else' })
    injector.emit({ type: 'ended', sessionId: 'someone-else', reason: 'remote-bye', message: '' })
    injector.emit({ type: 'newSession', sessionId: 'someone-else-2', direction: 'out', peer: '1', remark: '' })
    expect(call.state).toBe('ringing')
    expect(call.sessionId).toBe(current)
  })

  it('error 403 signs the agent out as kicked', async () => {
    installFakeBackend(core.clock)
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    core.sim.kick()
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('kicked')
  })

  it('an error event -10002 asks the session to renew the token', async () => {
    const inner = createSimulatedTccc({ clock: core.clock })
    const injector = withInjector(inner)
    setWorkstationPlatform(injector.sdk)
    const backend = installFakeBackend(core.clock)
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    injector.emit({ type: 'error', code: -10002, message: 'token expired' })
    await vi.waitFor(() => expect(backend.requests.filter((r) => r.path === '/api/tccc/token')).toHaveLength(2))
    await vi.waitFor(() => expect(inner.sim.log().filter((e) => e.method === 'login')).toHaveLength(2))
    expect(session.status).toBe('signed-in')
  })

  it('logs warnings and other errors without secrets', () => {
    const injector = withInjector(createSimulatedTccc())
    setWorkstationPlatform(injector.sdk)
    const warn = spyOn(console, 'warn').mockImplementation(fn())
    injector.emit({ type: 'warning', code: 1, message: 'reconnect with token=sim.eyJzZGtBcHBJZCI6MTQwMDAwMDAwMX0.sig&x=1' })
    injector.emit({ type: 'error', code: 503, message: 'Bearer abcdefabcdefabcdefabcdefabcdef failed' })
    const logged = warn.mock.calls.map((args) => args.join(' ')).join('\n')
    expect(logged).toContain('SDK warning 1')
    expect(logged).toContain('SDK error 503')
    expect(logged).not.toContain('eyJzZGtBcHBJZCI6MTQwMDAwMDAwMX0')
    expect(logged).not.toContain('abcdefabcdefabcdefabcdefabcdef')
  })

  it('a store that throws does not break the events that follow', () => {
    const injector = withInjector(createSimulatedTccc())
    setWorkstationPlatform(injector.sdk)
    const error = spyOn(console, 'error').mockImplementation(fn())
    const call = useCallStore()
    spyOn(call.eventSink, 'apply').mockImplementation(() => {
      throw new Error('bug')
    })
    injector.emit({ type: 'networkQuality', quality: 3 })
    injector.emit({ type: 'connectionLost', server: 'sip' })
    expect(error).toHaveBeenCalled()
    expect(useConnectionStore().state).toBe('lost')
  })
})

describe('redactSecrets', () => {
  it.each([
    ['token=sim.abc.def&x=1', 'token=<redacted>&x=1'],
    ['Authorization: Bearer xyz', 'Authorization: Bearer <redacted>'],
    ['{"accessToken":"acc-1"}', '{"accessToken":"<redacted>"}'],
    ['password: hunter2', 'password: <redacted>'],
    ['userSig=eJw1jd', 'userSig=<redacted>'],
  ])('%s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected)
  })

  it('hides long opaque strings', () => {
    expect(redactSecrets('got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc back')).toBe('got <redacted> back')
  })

  it('keeps ordinary text', () => {
    expect(redactSecrets('connection lost to sip server 3')).toBe('connection lost to sip server 3')
    expect(redactSecrets('ccc.tencentcloudapi.com timed out (code 504)')).toBe('ccc.tencentcloudapi.com timed out (code 504)')
  })
})
