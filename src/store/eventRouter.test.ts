import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn, spyOn } from 'jest-mock'
import { createPinia, defineStore, getActivePinia, setActivePinia, type Pinia } from 'pinia'
import { ref } from 'vue'
import { createSimulatedTccc } from '@/platform/simulated/index'
import type { TcccAgentSdk, TcccEvent, TcccListener } from '@/platform/types'
import { createEventChannel } from '@/services/eventStream'
import { disposeWorkstation, setWorkstationPlatform } from '@/services/workstation'
import { useCallStore } from '@/store/call'
import { RECOVERED_DISPLAY_MS, setConnectionTimers, useConnectionStore } from '@/store/connection'
import { routeEvents, startEventRouter, stopEventRouter, syncRoutes, tcccRoutes, type RouteTable, type SyncStores, type TcccStores } from '@/store/eventRouter'
import type { OutboxEntry, SyncEvent } from '@/services/sync'
import { useSessionStore } from '@/store/session'
import { AGENT, PASSWORD, installFakeBackend, loginSdk, setupCore, type Core } from '@/store/__tests__/harness'

// The platform selector needs uni's conditional compilation; these tests run over the simulator.
vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

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
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
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
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
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

  it('stopping a router that is not running does nothing (mutation survivor)', () => {
    stopEventRouter()
    expect(() => stopEventRouter()).not.toThrow()
    startEventRouter()
    const markLost = spyOn(useConnectionStore(), 'markLost')
    core.sim.dropConnection()
    expect(markLost).toHaveBeenCalledTimes(1)
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

describe('the route tables, handler by handler (fake stores)', () => {
  function tcccStores() {
    return {
      call: { apply: fn(), reportSdkError: fn(), endBeforeSignOut: fn() },
      connection: { markLost: fn(), markReconnecting: fn(), markRecovered: fn() },
      session: { onKicked: fn(), onTokenExpired: fn(() => Promise.resolve()) },
      agent: { applyStatus: fn() },
    }
  }
  type Fake = ReturnType<typeof tcccStores>
  function route<T extends TcccEvent['type']>(event: Extract<TcccEvent, { type: T }>, stores: Fake): void {
    const handler = tcccRoutes[event.type] as (event: TcccEvent, stores: TcccStores) => void
    handler(event, stores as unknown as TcccStores)
  }

  it('session, quality and volume events go to the call store as they are', () => {
    const stores = tcccStores()
    const events: TcccEvent[] = [
      { type: 'newSession', sessionId: 's1', direction: 'in', peer: '1380', remark: '' },
      { type: 'accepted', sessionId: 's1' },
      { type: 'networkQuality', quality: 2 },
      { type: 'audioVolume', userId: 'u', volume: 40 },
      { type: 'ended', sessionId: 's1', reason: 'remote-bye', message: '' },
    ]
    for (const event of events) route(event, stores)
    expect(stores.call.apply.mock.calls).toEqual(events.map((event) => [event]))
    expect(stores.connection.markLost).not.toHaveBeenCalled()
  })

  it('connection events carry the server to the connection store', () => {
    const stores = tcccStores()
    route({ type: 'connectionLost', server: 'sig' }, stores)
    route({ type: 'reconnecting', server: 'media' }, stores)
    route({ type: 'connectionRecovered', server: 'sig2' }, stores)
    expect(stores.connection.markLost.mock.calls).toEqual([['sig']])
    expect(stores.connection.markReconnecting.mock.calls).toEqual([['media']])
    expect(stores.connection.markRecovered.mock.calls).toEqual([['sig2']])
  })

  it('error 403 kicks, -10002 renews, anything else reaches the call screen and the log', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    warn.mockClear()
    const stores = tcccStores()
    route({ type: 'error', code: 403, message: 'forbidden' }, stores)
    expect(stores.session.onKicked).toHaveBeenCalledTimes(1)
    // A live call is recorded before the sign-out, while the stores are still the agent's.
    expect(stores.call.endBeforeSignOut.mock.invocationCallOrder[0]).toBeLessThan(stores.session.onKicked.mock.invocationCallOrder[0])
    expect(stores.session.onTokenExpired).not.toHaveBeenCalled()
    route({ type: 'error', code: -10002, message: 'token' }, stores)
    expect(stores.session.onTokenExpired).toHaveBeenCalledTimes(1)
    expect(stores.session.onKicked).toHaveBeenCalledTimes(1)
    expect(stores.call.reportSdkError).not.toHaveBeenCalled()
    const logged = () => warn.mock.calls.filter((args) => String(args[0]).startsWith('[workstation]'))
    expect(logged()).toEqual([])
    route({ type: 'error', code: -1002, message: 'no microphone' }, stores)
    expect(stores.call.reportSdkError.mock.calls).toEqual([[-1002, 'no microphone']])
    expect(logged()).toEqual([['[workstation] SDK error -1002: no microphone']])
    route({ type: 'warning', code: 7, message: 'slow' }, stores)
    expect(logged()[1]).toEqual(['[workstation] SDK warning 7: slow'])
    expect(stores.session.onKicked).toHaveBeenCalledTimes(1)
  })

  it('the seat status goes to the agent store with its rest reason', () => {
    const stores = tcccStores()
    route({ type: 'agentStatus', status: 'rest', restReason: 'lunch' }, stores)
    expect(stores.agent.applyStatus.mock.calls).toEqual([['rest', 'lunch']])
  })

  function syncStores() {
    return {
      sync: { applyStatus: fn(), noteRejected: fn(), pulledNotSaved: fn(), applyOverCap: fn() },
      numbers: { applyRemote: fn(), savePulled: fn(() => true), dropLocal: fn() },
      history: { applyRemote: fn(), savePulled: fn(() => true) },
      wrapup: { applyRemote: fn(), savePulled: fn(() => true) },
    }
  }
  function routeSync(event: SyncEvent, stores: ReturnType<typeof syncStores>): void {
    const handler = syncRoutes[event.type] as (event: SyncEvent, stores: SyncStores) => void
    handler(event, stores as unknown as SyncStores)
  }
  const entry = (kind: 'number' | 'call'): OutboxEntry => ({ changeId: 'c', kind, op: 'upsert', id: `${kind}-1`, data: {}, queuedAt: 1 })

  it('sync status, pulled changes (numbers, history, wrap-up) and rejections reach their stores', () => {
    const stores = syncStores()
    routeSync({ type: 'status', state: 'offline', pending: 4 }, stores)
    expect(stores.sync.applyStatus.mock.calls).toEqual([['offline', 4]])
    const changes = [{ kind: 'call', id: 'x', rev: '1', deleted: false, data: {} }]
    const pendingIds = new Set(['y'])
    routeSync({ type: 'remote', changes, pendingIds }, stores)
    expect(stores.numbers.applyRemote.mock.calls).toEqual([[changes, pendingIds]])
    expect(stores.history.applyRemote.mock.calls).toEqual([[changes, pendingIds]])
    expect(stores.wrapup.applyRemote.mock.calls).toEqual([[changes]])
    // Pages are applied, not saved: the pull's end saves numbers and history once.
    expect(stores.numbers.savePulled).not.toHaveBeenCalled()
    routeSync({ type: 'pulled' }, stores)
    expect(stores.numbers.savePulled).toHaveBeenCalledTimes(1)
    expect(stores.history.savePulled).toHaveBeenCalledTimes(1)
    expect(stores.wrapup.savePulled).toHaveBeenCalledTimes(1)
    expect(stores.sync.pulledNotSaved).not.toHaveBeenCalled()
  })

  it.each(['numbers', 'history', 'wrapup'] as const)('a pull %s could not save keeps the cursor; every store still saves', (failing) => {
    const stores = syncStores()
    stores[failing].savePulled.mockImplementation(() => false)
    routeSync({ type: 'pulled' }, stores)
    expect(stores.numbers.savePulled).toHaveBeenCalledTimes(1)
    expect(stores.history.savePulled).toHaveBeenCalledTimes(1)
    expect(stores.wrapup.savePulled).toHaveBeenCalledTimes(1)
    expect(stores.sync.pulledNotSaved).toHaveBeenCalledTimes(1)
  })

  it('only a DUPLICATE_NUMBER rejection of a number drops the local copy; every rejection is counted', () => {
    const stores = syncStores()
    routeSync({ type: 'rejected', entry: entry('number'), reason: 'VALIDATION' }, stores)
    routeSync({ type: 'rejected', entry: entry('call'), reason: 'DUPLICATE_NUMBER' }, stores)
    expect(stores.numbers.dropLocal).not.toHaveBeenCalled()
    routeSync({ type: 'rejected', entry: entry('number'), reason: 'DUPLICATE_NUMBER' }, stores)
    expect(stores.numbers.dropLocal.mock.calls).toEqual([['number-1']])
    expect(stores.sync.noteRejected).toHaveBeenCalledTimes(3)
  })

  it('what waits refused over each cap reaches the sync store (the count its line shows)', () => {
    const stores = syncStores()
    routeSync({ type: 'overCap', numbers: 3, records: 1 }, stores)
    expect(stores.sync.applyOverCap.mock.calls).toEqual([[3, 1]])
  })

  it("another tab's refusals are counted on this tab's line, each reason once, and change no list here", () => {
    const stores = syncStores()
    routeSync({ type: 'refusedElsewhere', reasons: ['INVALID_NUMBER', 'QUOTA_EXCEEDED'] }, stores)
    expect(stores.sync.noteRejected.mock.calls).toEqual([['INVALID_NUMBER'], ['QUOTA_EXCEEDED']])
    expect(stores.numbers.dropLocal).not.toHaveBeenCalled()
  })

  it('a duplicate add the server merged drops the local copy and is not counted as a rejection', () => {
    const stores = syncStores()
    routeSync({ type: 'merged', entry: entry('number') }, stores)
    expect(stores.numbers.dropLocal.mock.calls).toEqual([['number-1']])
    expect(stores.sync.noteRejected).not.toHaveBeenCalled()
  })
})

describe('routeEvents', () => {
  type Ping = { type: 'ping'; n: number }
  it('resolves the stores once per pinia, drops events without one, and logs a failing handler', () => {
    const channel = createEventChannel<Ping>('ping')
    const seen: Array<[number, Pinia]> = []
    const stores = fn((pinia: Pinia) => pinia)
    const stop = routeEvents<Ping, Pinia>({ name: 'pings', source: channel, stores, handlers: { ping: (event, pinia) => {
      if (event.n < 0) throw new Error('negative')
      seen.push([event.n, pinia])
    } } })
    const first = getActivePinia()!
    channel.publish({ type: 'ping', n: 1 })
    channel.publish({ type: 'ping', n: 2 })
    expect(stores).toHaveBeenCalledTimes(1)
    const second = createPinia()
    setActivePinia(second)
    channel.publish({ type: 'ping', n: 3 })
    expect(stores).toHaveBeenCalledTimes(2)
    expect(seen).toEqual([[1, first], [2, first], [3, second]])

    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    error.mockClear()
    channel.publish({ type: 'ping', n: -1 })
    expect(error.mock.calls.map((args) => args[0]).filter((m) => String(m).includes('pings'))).toEqual(['[events] handling pings ping failed'])
    channel.publish({ type: 'ping', n: 4 })
    expect(seen).toHaveLength(4)

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    warn.mockClear()
    setActivePinia(undefined)
    channel.publish({ type: 'ping', n: 5 })
    expect(warn.mock.calls.filter((args) => String(args[0]).includes('pings'))).toEqual([['[events] pings ping event dropped: no active pinia']])
    expect(seen).toHaveLength(4)
    setActivePinia(second)
    stop()
  })

  it('resolves again when the stores could not be resolved the first time', () => {
    const channel = createEventChannel<Ping>('ping')
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    let fail = true
    const stores = fn(() => {
      if (fail) throw new Error('not yet')
      return 'stores'
    })
    const handled = fn()
    const stop = routeEvents<Ping, string>({ name: 'pings', source: channel, stores, handlers: { ping: handled } })
    channel.publish({ type: 'ping', n: 1 })
    fail = false
    channel.publish({ type: 'ping', n: 2 })
    expect(handled.mock.calls).toEqual([[{ type: 'ping', n: 2 }, 'stores']])
    stop()
  })
})
