/**
 * The ONE place where events of services become store actions. Services publish typed event
 * streams and never import a store; this module subscribes to each stream once
 * (`startEventRouter`) and dispatches every event through a table with one handler per event
 * type, so a new event type fails the type check until it is routed.
 *
 *   platform adapter ─TcccEvent─► workstation service ─subscribe()─► event router ─► store action
 *
 * Adding a service that feeds stores (e.g. workspace sync with its `SyncEvent` union):
 *   1. the service keeps a `createEventChannel<SyncEvent>()` and exports its `EventStream`;
 *   2. here: a `RouteTable<SyncEvent, SyncStores>`, a `stores(pinia)` resolver, and one more
 *      `route({ ... })` line in `ROUTES`.
 * The stores it calls never import the service's stream, and the service never imports them.
 */
import { getActivePinia, type Pinia } from 'pinia'
import type { TcccEvent } from '@/platform/types'
import { SDK_ERRORS, TcccError } from '@/platform/errors'
import type { EventStream, Unsubscribe } from '@/services/eventStream'
import { syncEvents, type SyncEvent } from '@/services/sync'
import { redactSecrets, workstationEvents } from '@/services/workstation'
import { useAgentStore } from '@/store/agent'
import { useCallStore } from '@/store/call'
import { useConnectionStore } from '@/store/connection'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useSyncStore } from '@/store/sync'
import { useWrapupStore } from '@/store/wrapup'

type TypedEvent = { type: string }

/** One handler per event type of `E`; `S` is what the handlers act on (the stores). */
export type RouteTable<E extends TypedEvent, S> = {
  [T in E['type']]: (event: Extract<E, { type: T }>, stores: S) => void
}

export interface Route<E extends TypedEvent, S> {
  /** Shown in logs: which stream an event came from. */
  name: string
  source: EventStream<E>
  /** The stores of one pinia, resolved once per pinia (events can be frequent: volume, quality). */
  stores: (pinia: Pinia) => S
  handlers: RouteTable<E, S>
}

/**
 * Subscribes once to `route.source` and sends each event to its handler with the stores of the
 * active pinia. A failing handler is logged and the events that follow still arrive.
 */
export function routeEvents<E extends TypedEvent, S>(route: Route<E, S>): Unsubscribe {
  let resolvedFor: Pinia | undefined
  let stores: S | undefined
  return route.source.subscribe((event) => {
    const pinia = getActivePinia()
    if (!pinia) {
      console.warn(`[events] ${route.name} ${event.type} event dropped: no active pinia`)
      return
    }
    try {
      if (pinia !== resolvedFor || stores === undefined) {
        stores = route.stores(pinia)
        resolvedFor = pinia
      }
      const handler = route.handlers[event.type as E['type']] as (event: E, stores: S) => void
      handler(event, stores)
    } catch (error) {
      // A store bug must not break the SDK's event loop for the events that follow.
      console.error(`[events] handling ${route.name} ${event.type} failed`, error)
    }
  })
}

// ---- TCCC events (workstation) -> call, connection, session ------------------------------------

export interface TcccStores {
  /** The call store's `applyEvent` without the action wrapper (see `eventSink` there). */
  call: ReturnType<typeof useCallStore>['eventSink']
  connection: ReturnType<typeof useConnectionStore>
  session: ReturnType<typeof useSessionStore>
  agent: ReturnType<typeof useAgentStore>
}

const KICKED_CODE = SDK_ERRORS.ERR_SIP_FORBIDDEN.code
const TOKEN_EXPIRED_CODE = SDK_ERRORS.ERR_HTTP_TOKEN_ERROR.code
/** `onError` codes that say the SDK's login is gone ("log in again"): checked, then mended or ended. */
const LOGIN_GONE_CODES: ReadonlySet<number> = new Set(
  [SDK_ERRORS.ERR_HAD_LOGGEDOUT, SDK_ERRORS.ERR_SIP_BAD_REQUEST, SDK_ERRORS.ERR_SIP_UNAUTHORIZED, SDK_ERRORS.ERR_SIP_AUTHENTICATION_REQUIRED].map((e) => e.code),
)

/** Session events (incl. quality/volume) go to the call store, which keeps other sessions apart. */
export const tcccRoutes: RouteTable<TcccEvent, TcccStores> = {
  newSession: (event, { call }) => call.apply(event),
  accepted: (event, { call }) => call.apply(event),
  ended: (event, { call }) => call.apply(event),
  networkQuality: (event, { call }) => call.apply(event),
  audioVolume: (event, { call }) => call.apply(event),
  connectionLost: (event, { connection }) => connection.markLost(event.server),
  reconnecting: (event, { connection }) => connection.markReconnecting(event.server),
  connectionRecovered: (event, { connection }) => connection.markRecovered(event.server),
  error: (event, { session, call }) => {
    if (event.code === KICKED_CODE) {
      // Record a live call while the agent's stores are still theirs; the SDK ends it only after.
      call.endBeforeSignOut(new TcccError('KICKED'))
      session.onKicked()
    }
    else if (event.code === TOKEN_EXPIRED_CODE) void session.onTokenExpired()
    else if (LOGIN_GONE_CODES.has(event.code)) {
      // The same path as the app coming back to the front: checkLogin, then a silent re-login
      // or sign-out with the reason (after the call, when one is live).
      console.warn(`[workstation] SDK error ${event.code}: ${redactSecrets(event.message)}`)
      void session.recheck()
    } else {
      // Microphone/media codes also reach the call screen; every one is logged for support.
      call.reportSdkError(event.code, event.message)
      console.warn(`[workstation] SDK error ${event.code}: ${redactSecrets(event.message)}`)
    }
  },
  warning: (event) => console.warn(`[workstation] SDK warning ${event.code}: ${redactSecrets(event.message)}`),
  agentStatus: (event, { agent }) => agent.applyStatus(event.status, event.restReason),
}

// ---- workspace sync events -> sync, numbers, history --------------------------------------------

export interface SyncStores {
  sync: ReturnType<typeof useSyncStore>
  numbers: ReturnType<typeof useNumbersStore>
  history: ReturnType<typeof useHistoryStore>
  wrapup: ReturnType<typeof useWrapupStore>
  session: ReturnType<typeof useSessionStore>
}

export const syncRoutes: RouteTable<SyncEvent, SyncStores> = {
  status: (event, { sync }) => sync.applyStatus(event.state, event.pending),
  sessionEnded: (_event, { session }) => session.onBackendSessionEnded(),
  remote: (event, { numbers, history, wrapup }) => {
    numbers.applyRemote(event.changes, event.pendingIds)
    history.applyRemote(event.changes, event.pendingIds)
    // The business's outcome catalogue and wrap-up setting ride on the same pull.
    wrapup.applyRemote(event.changes)
  },
  // Before the engine stores its cursor (events are delivered synchronously). Every store
  // saves, even after one failed; any failure keeps the cursor.
  pulled: (_event, { sync, numbers, history, wrapup }) => {
    const saved = [numbers.savePulled(), history.savePulled(), wrapup.savePulled()]
    if (saved.includes(false)) sync.pulledNotSaved()
  },
  rejected: (event, { sync, numbers }) => {
    sync.noteRejected(event.reason)
    if (event.entry.kind !== 'number') return
    // An edit the server refused: take its copy back (the pull has passed it, so only this
    // brings it), or the phone would show a number the agent's other phones never get.
    if (event.serverCopy) numbers.restoreRemote(event.serverCopy)
    // An add of a number the server already holds under another id: drop ours, the pull brings
    // the server's. Every other refused add keeps the local data (logged and kept by the engine).
    else if (event.reason === 'DUPLICATE_NUMBER') numbers.dropLocal(event.entry.id)
  },
  // A duplicate add whose remark the server merged into its entry: not a refusal; drop our
  // copy, the pull brings the server's entry with the remark.
  merged: (event, { numbers }) => numbers.dropLocal(event.entry.id),
  // A refused edit's server copy that could not be read at the time, read at a later sync.
  serverCopy: (event, { numbers }) => {
    numbers.restoreRemote(event.copy)
  },
  // The changes refused over a cap that wait for room (stored): what the sync line counts.
  overCap: (event, { sync }) => sync.applyOverCap(event.numbers, event.records),
  // Another tab's refusals: counted on this tab's line too (that tab's stores took care of the rest).
  refusedElsewhere: (event, { sync }) => {
    for (const reason of event.reasons) sync.noteRejected(reason)
  },
}

/** Every stream the app routes; one line per service that feeds stores. */
const ROUTES: ReadonlyArray<() => Unsubscribe> = [
  () =>
    routeEvents<TcccEvent, TcccStores>({
      name: 'tccc',
      source: workstationEvents,
      stores: (pinia) => ({
        call: useCallStore(pinia).eventSink,
        connection: useConnectionStore(pinia),
        session: useSessionStore(pinia),
        agent: useAgentStore(pinia),
      }),
      handlers: tcccRoutes,
    }),
  () =>
    routeEvents<SyncEvent, SyncStores>({
      name: 'sync',
      source: syncEvents,
      stores: (pinia) => ({
        sync: useSyncStore(pinia),
        numbers: useNumbersStore(pinia),
        history: useHistoryStore(pinia),
        wrapup: useWrapupStore(pinia),
        session: useSessionStore(pinia),
      }),
      handlers: syncRoutes,
    }),
]

let stopRouting: Unsubscribe | undefined

/** Starts routing every service's events into the stores; idempotent (subscribes once). */
export function startEventRouter(): void {
  if (stopRouting) return
  const stops = ROUTES.map((start) => start())
  stopRouting = () => stops.forEach((stop) => stop())
}

/** Unsubscribes from every stream (tests, tools); `startEventRouter` may start it again. */
export function stopEventRouter(): void {
  stopRouting?.()
  stopRouting = undefined
}
