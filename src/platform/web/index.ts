/**
 * The Web platform: `TcccAgentSdk` over the TCCC Web SDK, for H5 builds with
 * `VITE_TCCC_PLATFORM=web` (see `adapter.ts` for login/re-login and event mapping, and
 * `README.md` here for deployment and the fake SDK used in development).
 */
import type { TcccAgentSdk } from '../types'
import { createWebTcccAdapter, type WebTcccOptions } from './adapter'

export type { WebTcccOptions, ScriptLoader, ScriptHandle, WebTimers } from './adapter'
export type { WebHost } from './webSdk'
export type { SdkUrlPolicy } from './sdkUrl'

export function createWebTccc(options?: WebTcccOptions): TcccAgentSdk {
  return createWebTcccAdapter(options)
}
