import type { TcccAgentSdk } from '../types'
import { TcccError } from '../../services/errors'

/** Injection points so unit tests run under happy-dom without a network. */
export interface WebTcccOptions {
  /** Milliseconds to wait for `tccc.events.ready` (default 15 000). */
  readyTimeoutMs?: number
}

// Placeholder until the adapter lands: every command rejects.
export function createWebTcccAdapter(_options: WebTcccOptions = {}): TcccAgentSdk {
  const fail = (): Promise<never> => Promise.reject(new TcccError('UNSUPPORTED_ON_PLATFORM', 'web adapter not ready'))
  return {
    kind: 'web',
    capabilities: { audioRoute: false, sdkRinging: false, incomingCalls: true },
    login: fail, checkLogin: fail, logout: fail, call: fail, answer: fail, terminate: fail,
    mute: fail, unmute: fail, sendDTMF: fail, setAudioRoute: fail, startRinging: fail, stopRinging: fail,
    version: () => 'web',
    subscribe: () => () => undefined,
    dispose: () => undefined,
  }
}
