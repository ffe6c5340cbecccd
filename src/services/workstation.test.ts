import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn, spyOn } from 'jest-mock'
import { createSimulatedTccc, simListenerCount } from '@/platform/simulated/index'
import type { TcccAgentSdk, TcccEvent, TcccListener } from '@/platform/types'
import { TcccError } from '@/platform/errors'
import { createWorkstation, disposeWorkstation, getWorkstation, redactSecrets, setWorkstationPlatform, subscribe, workstationEvents } from '@/services/workstation'
import { loginSdk, setupCore, type Core } from '@/store/__tests__/harness'

// The platform selector needs uni's conditional compilation; these tests run over the simulator.
vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

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
    const heard = fn<(event: TcccEvent) => void>()
    const unsubscribe = subscribe(heard)
    workstation.dispose()
    await expect(workstation.checkLogin()).rejects.toBeInstanceOf(TcccError)
    injector.emit({ type: 'connectionLost', server: 'sip' })
    expect(heard).not.toHaveBeenCalled()
    unsubscribe()
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

describe('event stream (subscribe)', () => {
  it('hands every event of the current platform to each listener, unchanged, until it unsubscribes', () => {
    const injector = withInjector(createSimulatedTccc({ clock: core.clock }))
    setWorkstationPlatform(injector.sdk)
    const first = fn<(event: TcccEvent) => void>()
    const second = fn<(event: TcccEvent) => void>()
    const stopFirst = subscribe(first)
    const stopSecond = subscribe(second)
    const lost: TcccEvent = { type: 'connectionLost', server: 'sip' }
    injector.emit(lost)
    expect(first.mock.calls).toEqual([[lost]])
    expect(second.mock.calls).toEqual([[lost]])
    stopFirst()
    injector.emit({ type: 'networkQuality', quality: 2 })
    expect(first).toHaveBeenCalledTimes(1)
    expect(second.mock.calls.at(-1)).toEqual([{ type: 'networkQuality', quality: 2 }])
    stopSecond()
  })

  it('keeps its listeners when the platform is replaced; the old platform is no longer heard', () => {
    const old = withInjector(createSimulatedTccc({ clock: core.clock }))
    setWorkstationPlatform(old.sdk)
    const heard = fn<(event: TcccEvent) => void>()
    const unsubscribe = subscribe(heard)
    const next = withInjector(createSimulatedTccc({ clock: core.clock }))
    setWorkstationPlatform(next.sdk)
    old.emit({ type: 'reconnecting', server: 'old' })
    next.emit({ type: 'reconnecting', server: 'new' })
    expect(heard.mock.calls).toEqual([[{ type: 'reconnecting', server: 'new' }]])
    unsubscribe()
  })

  it('a listener that throws does not keep the event from the others', () => {
    const injector = withInjector(createSimulatedTccc({ clock: core.clock }))
    setWorkstationPlatform(injector.sdk)
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const stopBroken = subscribe(() => {
      throw new Error('bug')
    })
    const heard = fn<(event: TcccEvent) => void>()
    const stopHeard = subscribe(heard)
    injector.emit({ type: 'warning', code: 1, message: 'x' })
    expect(heard).toHaveBeenCalledTimes(1)
    // The log names the stream, so a failing listener is found among the app's several streams.
    expect(error).toHaveBeenCalledWith('[workstation] a listener failed on warning', expect.any(Error))
    stopBroken()
    stopHeard()
    error.mockRestore()
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

describe('every command, over a recording platform', () => {
  type Method = Exclude<keyof TcccAgentSdk, 'kind' | 'capabilities' | 'subscribe' | 'dispose' | 'version'>
  const commands: Array<[Method, unknown[]]> = [
    ['login', [{ userId: 'u', token: 't', sdkAppId: 1, type: 'Agent' }]],
    ['checkLogin', []],
    ['logout', []],
    ['call', [{ to: '13800138000', remark: 'r' }]],
    ['callSeat', [{ userId: 'colleague@example.com' }]],
    ['answer', []],
    ['terminate', []],
    ['mute', []],
    ['unmute', []],
    ['sendDTMF', ['#']],
    ['setAudioRoute', ['earpiece']],
    ['setAgentStatus', ['rest', 'lunch']],
    ['hold', []],
    ['unhold', []],
    ['transfer', [{ userId: 'colleague' }]],
    ['startRinging', ['/static/ring.mp3']],
    ['stopRinging', []],
  ]

  function recording() {
    const calls: Array<[string, unknown[]]> = []
    const sdk = { ...createSimulatedTccc() } as unknown as Record<string, unknown>
    for (const [name] of commands) {
      sdk[name] = (...args: unknown[]) => {
        calls.push([name, args])
        return Promise.resolve()
      }
    }
    return { sdk: sdk as unknown as TcccAgentSdk, calls }
  }

  it('each command reaches the platform method of its name with its arguments', async () => {
    const { sdk, calls } = recording()
    const workstation = createWorkstation(sdk) as unknown as Record<Method, (...args: unknown[]) => Promise<void>>
    for (const [name, args] of commands) await expect(workstation[name](...args)).resolves.toBeUndefined()
    expect(calls).toEqual(commands)
    ;(workstation as unknown as { dispose(): void }).dispose()
  })

  it('after dispose each command rejects naming itself, and the platform is not called', async () => {
    const { sdk, calls } = recording()
    const workstation = createWorkstation(sdk)
    workstation.dispose()
    expect(workstation.disposed).toBe(true)
    const api = workstation as unknown as Record<Method, (...args: unknown[]) => Promise<void>>
    for (const [name, args] of commands) {
      const error = await api[name](...args).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TcccError)
      expect(error).toMatchObject({ symbol: 'UNKNOWN', detail: `workstation disposed (${name})` })
    }
    expect(calls).toEqual([])
  })

  it('a rejection of the platform becomes the catalogue error; version() never throws', async () => {
    const sdk: TcccAgentSdk = {
      ...createSimulatedTccc(),
      hold: () => Promise.reject(TcccError.fromCode(402, 'no seats')),
      version: () => {
        throw new Error('bridge')
      },
    }
    const workstation = createWorkstation(sdk)
    expect(workstation.disposed).toBe(false)
    await expect(workstation.hold()).rejects.toMatchObject({ symbol: 'ERR_SIP_PAYMENTREQUIRED', code: 402 })
    expect(workstation.version()).toBe('unknown')
    expect(workstation.kind).toBe(sdk.kind)
    expect(workstation.capabilities).toBe(sdk.capabilities)
    workstation.dispose()
  })

  it("hands out the platform's audio router as it is, and null where the platform has none", () => {
    const router = { routes: () => Promise.resolve([]) } as unknown as NonNullable<TcccAgentSdk['audioRouter']>
    const withRouter = createWorkstation({ ...createSimulatedTccc(), audioRouter: router })
    expect(withRouter.audioRouter).toBe(router)
    const without = createWorkstation({ ...createSimulatedTccc(), audioRouter: undefined })
    expect(without.audioRouter).toBeNull()
    withRouter.dispose()
    without.dispose()
  })

  it('drops an event the platform still delivers after dispose (a bridge may flush a queued one late)', () => {
    let deliver: TcccListener = () => undefined
    // A platform whose unsubscribe does not stop delivery at once.
    const late: TcccAgentSdk = {
      ...createSimulatedTccc(),
      subscribe: (listener) => {
        deliver = listener
        return () => undefined
      },
    }
    const workstation = createWorkstation(late)
    const heard = fn<(event: TcccEvent) => void>()
    const unsubscribe = subscribe(heard)
    deliver({ type: 'connectionLost', server: 'sip' })
    expect(heard).toHaveBeenCalledTimes(1)
    workstation.dispose()
    deliver({ type: 'connectionLost', server: 'sip' })
    expect(heard).toHaveBeenCalledTimes(1)
    unsubscribe()
  })

  it('workstationEvents is the same stream as subscribe (what the event router reads)', () => {
    const injector = withInjector(createSimulatedTccc({ clock: core.clock }))
    setWorkstationPlatform(injector.sdk)
    const heard = fn<(event: TcccEvent) => void>()
    const unsubscribe = workstationEvents.subscribe(heard)
    injector.emit({ type: 'networkQuality', quality: 3 })
    expect(heard).toHaveBeenCalledWith({ type: 'networkQuality', quality: 3 })
    unsubscribe()
    injector.emit({ type: 'networkQuality', quality: 1 })
    expect(heard).toHaveBeenCalledTimes(1)
  })

  it('dispose releases the platform once', () => {
    const sdk = createSimulatedTccc()
    const dispose = spyOn(sdk, 'dispose')
    const workstation = createWorkstation(sdk)
    workstation.dispose()
    workstation.dispose()
    expect(dispose).toHaveBeenCalledTimes(1)
  })

  it('getWorkstation keeps one instance until it is disposed, then makes a new one', () => {
    disposeWorkstation()
    const first = getWorkstation()
    expect(getWorkstation()).toBe(first)
    first.dispose()
    const second = getWorkstation()
    expect(second).not.toBe(first)
    expect(second.disposed).toBe(false)
    disposeWorkstation()
    expect(second.disposed).toBe(true)
  })
})

describe('redactSecrets, each pattern', () => {
  it.each([
    ['bearer and basic, any case, up to a delimiter', 'Authorization: bearer abc.def, next BASIC dXNlcjpwYXNz;', 'Authorization: bearer <redacted>, next BASIC <redacted>;'],
    ['Bearer after several spaces', 'Bearer    xyz', 'Bearer <redacted>'],
    ['token-like keys with = or :, quoted or not', 'accessToken="abc" refresh_token: def', 'accessToken="<redacted>" refresh_token: <redacted>'],
    ['secretKey and passwd', "SecretKey='k1' passwd=p2", "SecretKey='<redacted>' passwd=<redacted>"],
    ['the value ends at &, quote, comma or semicolon', 'token=a1&sig=b2,password=c3;x', 'token=<redacted>&sig=<redacted>,password=<redacted>;x'],
    ['JWT-like dotted runs', 'jwt abcdefghij.klmnopqrst end', 'jwt <redacted> end'],
    ['three dotted parts', 'x abcdefghij.klmnopqrst.uv y', 'x <redacted> y'],
    ['24 characters or more', 'id abcdefghijklmnopqrstuvwx end', 'id <redacted> end'],
    ['a long run with dotted tails', 'id abcdefghijklmnopqrstuvwx.y.z end', 'id <redacted> end'],
    ['a long run with a short dotted tail of several characters', 'id abcdefghijklmnopqrstuvwx.abc end', 'id <redacted> end'],
  ])('%s', (_name, input, expected) => {
    expect(redactSecrets(input)).toBe(expected)
  })

  it.each([
    ['23 characters', 'id abcdefghijklmnopqrstuvw end'],
    ['short dotted parts', 'v abcdefghi.klmnopqrst w'],
    ['a word ending in token without a value', 'the token expired'],
    ['a bearer without a value', 'bearer'],
  ])('keeps %s', (_name, input) => {
    expect(redactSecrets(input)).toBe(input)
  })

  it('does not redact a value twice', () => {
    expect(redactSecrets('Authorization: Bearer abc')).toBe('Authorization: Bearer <redacted>')
    expect(redactSecrets('token=<redacted>')).toBe('token=<redacted>')
  })
})
