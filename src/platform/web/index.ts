/**
 * TCCC Web SDK adapter (H5 builds with VITE_TCCC_PLATFORM=web). Implementation in progress:
 * the exported signature is final so `src/platform/index.ts` can wire it now.
 */
import type { TcccAgentSdk } from '../types'
import { createWebTcccAdapter, type WebTcccOptions } from './adapter'

export type { WebTcccOptions } from './adapter'

export function createWebTccc(options?: WebTcccOptions): TcccAgentSdk {
  return createWebTcccAdapter(options)
}
