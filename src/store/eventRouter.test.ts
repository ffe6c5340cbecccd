import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn, spyOn } from 'jest-mock'
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { createSimulatedTccc } from '@/platform/simulated/index'
import type { TcccAgentSdk, TcccEvent, TcccListener } from '@/platform/types'
import { createEventChannel } from '@/services/eventStream'
import { disposeWorkstation, setWorkstationPlatform } from '@/services/workstation'
import { useCallStore } from '@/store/call'
import { RECOVERED_DISPLAY_MS, setConnectionTimers, useConnectionStore } from '@/store/connection'
import { routeEvents, startEventRouter, stopEventRouter, tcccRoutes, type RouteTable, type TcccStores } from '@/store/eventRouter'
import { useSessionStore } from '@/store/session'
import { AGENT, PASSWORD, installFakeBackend, loginSdk, setupCore, type Core } from '@/store/__tests__/harness'

// The platform selector needs uni's conditional compilation; these tests run over the simulator.
vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

vi.mock('@/platform/device', () => ({
  ensureMicrophonePermission: () => Promise.resolve('granted'),
  openMicrophoneSettings: () => undefined,
  keepScreenOn: () => undefined,
}))

/** The simulator plus a way to inject any event, as the platform would deliver it. */
function withInjector(sdk: TcccAgentSdk): { sdk: TcccAgentSdk; emit(event: TcccEvent): void } {
  const listeners = new Set<TcccListener>()
  return {
    sdk: {
      ...sdk,
      subscribe(listener) {
        const off = sdk.subscribe(listener)
        listeners.add(listener)
        return () => {
          listeners.delete(listener)
          off()
        }
      },
    },
    emit: (event) => listeners.forEach((listener) => listener(event)),
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

describe('the router itself', () => {
  it('subscribes once however often it is started, and stops on stopEventRouter', () => {
    startEventRouter()
    startEventRouter()
    const connection = useConnectionStore()
    const markLost = spyOn(connection, 'markLost')
    core.sim.dropConnection()
    expect(markLost).toHaveBeenCalledTimes(1)
    stopEventRouter()
    core.sim.restoreConnection()
    core.sim.dropConnection()
    expect(markLost).toHaveBeenCalledTimes(1)
    startEventRouter()
  })

  it('routes the events of another service the same way (a sync-like stream into its own store)', () => {
    type SyncEvent = { type: 'syncState'; state: 'idle' | 'pulling' } | { type: 'pulled'; records: number }
    const useSyncStore = defineStore('sync-test', () => {
      const state = ref<'idle' | 'pulling'>('idle')
      const pulled = ref(0)
      return { state, pulled }
    })
    const channel = createEventChannel<SyncEvent>('sync')
    const handlers: RouteTable<SyncEvent, ReturnType<typeof useSyncStore>> = {
      syncState: (event, sync) => {
        sync.state = event.state
      },
      pulled: (event, sync) => {
        sync.pulled += event.records
      },
    }
    const stop = routeEvents({ name: 'sync', source: channel, stores: (pinia) => useSyncStore(pinia), handlers })
    channel.publish({ type: 'syncState', state: 'pulling' })
    channel.publish({ type: 'pulled', records: 3 })
    expect(useSyncStore().state).toBe('pulling')
    expect(useSyncStore().pulled).toBe(3)
    stop()
    channel.publish({ type: 'pulled', records: 5 })
    expect(useSyncStore().pulled).toBe(3)
    expect(channel.listenerCount).toBe(0)
  })

  it('has a handler for every TCCC event type (a missing one fails the type check)', () => {
    const { warning: _warning, ...withoutWarning } = tcccRoutes
    // @ts-expect-error every event type needs its handler
    const incomplete: RouteTable<TcccEvent, TcccStores> = withoutWarning
    expect(Object.keys(incomplete)).not.toContain('warning')
    expect(Object.keys(tcccRoutes).sort()).toEqual(
      ['accepted', 'agentStatus', 'audioVolume', 'connectionLost', 'connectionRecovered', 'ended', 'error', 'networkQuality', 'newSession', 'reconnecting', 'warning'],
    )
  })
})
