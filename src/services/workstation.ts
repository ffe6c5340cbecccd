/**
 * The workstation service: the ONE owner of the TCCC platform instance and its subscription.
 *
 * - Commands: a promise API over every `TcccAgentSdk` method; whatever the platform throws or
 *   rejects with comes out as a `TcccError`.
 * - Events: subscribed once when the workstation is created, unsubscribed on `dispose()` (never
 *   `off('*')`), and turned into store actions: session events (incl. quality/volume) -> call
 *   store `applyEvent` (which keeps events of other sessions away from the current call);
 *   lost/reconnecting/recovered -> connection store; error 403 (kicked) and -10002 (token
 *   expired) -> session store; microphone/media error codes -> call store `reportSdkError`
 *   (shown on the call screen); warnings and other errors are logged without secrets.
 */
import { getActivePinia, type Pinia } from 'pinia'
import { createPlatform } from '@/platform/index'
import type {
  TcccAgentSdk,
  TcccEvent,
  TcccEventOf,
  TcccEventType,
} from '@/platform/types'
import { SDK_ERRORS, TcccError, toTcccError } from '@/services/errors'
import { useCallStore } from '@/store/call'
import { useConnectionStore } from '@/store/connection'
import { useSessionStore } from '@/store/session'

/** The platform's command API; the subscription stays inside the service (its one owner). */
export interface Workstation extends Omit<TcccAgentSdk, 'subscribe' | 'dispose'> {
  readonly disposed: boolean
  /** Unsubscribes and releases the platform. Later commands reject; later events are dropped. */
  dispose(): void
}

const KICKED_CODE = SDK_ERRORS.ERR_SIP_FORBIDDEN.code
const TOKEN_EXPIRED_CODE = SDK_ERRORS.ERR_HTTP_TOKEN_ERROR.code

/** Hides anything that looks like a credential before a message reaches a log. */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(bearer|basic)\s+[^\s"',;]+/gi, '$1 <redacted>')
    .replace(/\b(\w*token|\w*sig|secret\w*|password|passwd|authorization)(["']?\s*[=:]\s*["']?)(?!<redacted>|bearer\b|basic\b)[^\s&"',;]+/gi, '$1$2<redacted>')
    // Opaque blobs: JWT-like dotted tokens and long base64/hex runs.
    .replace(/[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}(\.[A-Za-z0-9_-]+)?/g, '<redacted>')
    .replace(/(?<![\w<])[A-Za-z0-9_-]{24,}(\.[A-Za-z0-9_-]+)*/g, '<redacted>')
}

interface RoutedStores {
  /** The call store's `applyEvent` without the action wrapper (see `eventSink` there). */
  applyCallEvent: (event: TcccEvent) => void
  call: ReturnType<typeof useCallStore>
  connection: ReturnType<typeof useConnectionStore>
  session: ReturnType<typeof useSessionStore>
}

/** Store instances per pinia, resolved once: events are frequent (volume, quality). */
let routedPinia: Pinia | undefined
let routedStores: RoutedStores | undefined

function storesForEvents(): RoutedStores | undefined {
  const pinia = getActivePinia()
  if (!pinia) return undefined
  if (pinia !== routedPinia || !routedStores) {
    routedStores = {
      applyCallEvent: useCallStore(pinia).eventSink.apply,
      call: useCallStore(pinia),
      connection: useConnectionStore(pinia),
      session: useSessionStore(pinia),
    }
    routedPinia = pinia
  }
  return routedStores
}

type Handlers = { [T in TcccEventType]: (event: TcccEventOf<T>, stores: RoutedStores) => void }

/** One handler per event type; a new event type fails the type check until it is routed. */
const handlers: Handlers = {
  newSession: (event, stores) => stores.applyCallEvent(event),
  accepted: (event, stores) => stores.applyCallEvent(event),
  ended: (event, stores) => stores.applyCallEvent(event),
  networkQuality: (event, stores) => stores.applyCallEvent(event),
  audioVolume: (event, stores) => stores.applyCallEvent(event),
  connectionLost: (event, { connection }) => connection.markLost(event.server),
  reconnecting: (event, { connection }) => connection.markReconnecting(event.server),
  connectionRecovered: (event, { connection }) => connection.markRecovered(event.server),
  error: (event, { session, call }) => {
    if (event.code === KICKED_CODE) session.onKicked()
    else if (event.code === TOKEN_EXPIRED_CODE) void session.onTokenExpired()
    else {
      // Microphone/media codes also reach the call screen; every one is logged for support.
      call.reportSdkError(event.code, event.message)
      console.warn(`[workstation] SDK error ${event.code}: ${redactSecrets(event.message)}`)
    }
  },
  warning: (event) => console.warn(`[workstation] SDK warning ${event.code}: ${redactSecrets(event.message)}`),
}

function route(event: TcccEvent): void {
  const stores = storesForEvents()
  if (!stores) {
    console.warn(`[workstation] ${event.type} event dropped: no active pinia`)
    return
  }
  const handler = handlers[event.type] as (event: TcccEvent, stores: RoutedStores) => void
  try {
    handler(event, stores)
  } catch (error) {
    // A store bug must not break the SDK's event loop for the events that follow.
    console.error(`[workstation] handling ${event.type} failed`, error)
  }
}

export function createWorkstation(sdk: TcccAgentSdk): Workstation {
  let disposed = false
  const unsubscribe = sdk.subscribe(route)

  async function run(name: string, command: () => Promise<void>): Promise<void> {
    if (disposed) throw new TcccError('UNKNOWN', `workstation disposed (${name})`)
    try {
      await command()
    } catch (error) {
      throw toTcccError(error)
    }
  }

  return {
    kind: sdk.kind,
    capabilities: sdk.capabilities,
    get disposed() {
      return disposed
    },
    login: (params) => run('login', () => sdk.login(params)),
    checkLogin: () => run('checkLogin', () => sdk.checkLogin()),
    logout: () => run('logout', () => sdk.logout()),
    call: (params) => run('call', () => sdk.call(params)),
    answer: () => run('answer', () => sdk.answer()),
    terminate: () => run('terminate', () => sdk.terminate()),
    mute: () => run('mute', () => sdk.mute()),
    unmute: () => run('unmute', () => sdk.unmute()),
    sendDTMF: (digit) => run('sendDTMF', () => sdk.sendDTMF(digit)),
    setAudioRoute: (audioRoute) => run('setAudioRoute', () => sdk.setAudioRoute(audioRoute)),
    startRinging: (url) => run('startRinging', () => sdk.startRinging(url)),
    stopRinging: () => run('stopRinging', () => sdk.stopRinging()),
    version: () => {
      try {
        return sdk.version()
      } catch {
        return 'unknown'
      }
    },
    dispose: () => {
      if (disposed) return
      disposed = true
      unsubscribe()
      sdk.dispose()
    },
  }
}

let current: Workstation | undefined

/** The app's workstation, created on first use over `createPlatform()`. */
export function getWorkstation(): Workstation {
  if (!current || current.disposed) current = createWorkstation(createPlatform())
  return current
}

/** Tests and tools: run the app over this platform (the previous workstation is disposed). */
export function setWorkstationPlatform(sdk: TcccAgentSdk): Workstation {
  current?.dispose()
  current = createWorkstation(sdk)
  return current
}

/** Disposes the app's workstation; the next `getWorkstation()` creates a fresh one. */
export function disposeWorkstation(): void {
  current?.dispose()
  current = undefined
  routedPinia = undefined
  routedStores = undefined
}
