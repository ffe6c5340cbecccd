/**
 * The workstation service: the ONE owner of the TCCC platform instance and its subscription.
 *
 * - Commands: a promise API over every `TcccAgentSdk` method; whatever the platform throws or
 *   rejects with comes out as a `TcccError`.
 * - Events: the platform is subscribed once when the workstation is created and unsubscribed on
 *   `dispose()` (never `off('*')`); every event is republished, unchanged, on one typed stream
 *   (`subscribe`) that outlives the workstation instances. This service never imports a store:
 *   the store layer's event router (`src/store/eventRouter.ts`) subscribes and calls actions.
 */
import { createPlatform } from '@/platform/index'
import type { AudioRouter, TcccAgentSdk, TcccEvent } from '@/platform/types'
import { TcccError, toTcccError } from '@/platform/errors'
import { createEventChannel, type EventStream, type Unsubscribe } from '@/services/eventStream'

/** The platform's command API; the subscription stays inside the service (its one owner). */
export interface Workstation extends Omit<TcccAgentSdk, 'subscribe' | 'dispose' | 'audioRouter'> {
  /** The phone's audio routes incl. headsets (null where the system picks, e.g. a browser). */
  readonly audioRouter: AudioRouter | null
  readonly disposed: boolean
  /** Unsubscribes and releases the platform. Later commands reject; later events are dropped. */
  dispose(): void
}

const events = createEventChannel<TcccEvent>('workstation')

/** Every SDK event of the app's workstation, whichever platform instance is current. */
export function subscribe(listener: (event: TcccEvent) => void): Unsubscribe {
  return events.subscribe(listener)
}

/** The same stream as a value, for the event router's table of sources. */
export const workstationEvents: EventStream<TcccEvent> = { subscribe }

/** Hides anything that looks like a credential before a message reaches a log. */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(bearer|basic)\s+[^\s"',;]+/gi, '$1 <redacted>')
    .replace(/\b(\w*token|\w*sig|secret\w*|password|passwd|authorization)(["']?\s*[=:]\s*["']?)(?!<redacted>|bearer\b|basic\b)[^\s&"',;]+/gi, '$1$2<redacted>')
    // Opaque blobs: JWT-like dotted tokens and long base64/hex runs.
    .replace(/[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}(\.[A-Za-z0-9_-]+)?/g, '<redacted>')
    .replace(/(?<![\w<])[A-Za-z0-9_-]{24,}(\.[A-Za-z0-9_-]+)*/g, '<redacted>')
}

export function createWorkstation(sdk: TcccAgentSdk): Workstation {
  let disposed = false
  const unsubscribe = sdk.subscribe((event) => {
    if (!disposed) events.publish(event)
  })

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
    audioRouter: sdk.audioRouter ?? null,
    get disposed() {
      return disposed
    },
    login: (params) => run('login', () => sdk.login(params)),
    checkLogin: () => run('checkLogin', () => sdk.checkLogin()),
    logout: () => run('logout', () => sdk.logout()),
    call: (params) => run('call', () => sdk.call(params)),
    callSeat: (params) => run('callSeat', () => sdk.callSeat(params)),
    answer: () => run('answer', () => sdk.answer()),
    terminate: () => run('terminate', () => sdk.terminate()),
    mute: () => run('mute', () => sdk.mute()),
    unmute: () => run('unmute', () => sdk.unmute()),
    sendDTMF: (digit) => run('sendDTMF', () => sdk.sendDTMF(digit)),
    setAudioRoute: (audioRoute) => run('setAudioRoute', () => sdk.setAudioRoute(audioRoute)),
    setAgentStatus: (status, restReason) => run('setAgentStatus', () => sdk.setAgentStatus(status, restReason)),
    hold: () => run('hold', () => sdk.hold()),
    unhold: () => run('unhold', () => sdk.unhold()),
    transfer: (target) => run('transfer', () => sdk.transfer(target)),
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
}
