/// <reference types="vite/client" />
/**
 * The only place that decides which TCCC SDK runs.
 *
 * - App builds (`#ifdef APP-PLUS`): `native` (tccc-sdk-uniapp); `VITE_TCCC_PLATFORM=simulated`
 *   runs the in-memory simulator instead (a device demo without the plugin).
 * - H5 builds (`#ifdef H5`): `simulated`; `VITE_TCCC_PLATFORM=web` runs the TCCC Web SDK.
 * A value the build cannot run (`web` in the App, `native` in H5) falls back to the default.
 *
 * The choice is made from build-time constants so the bundler drops what is not chosen: the
 * H5 bundle never contains the native adapter, the App bundle no simulator unless chosen.
 * When the simulator runs, its controls are exposed as `window.__tcccSim` (CONTRACT.md).
 */
import type { PlatformKind, TcccAgentSdk } from './types'
import { createSimulatedTccc, type SimControls } from './simulated'
// #ifdef APP-PLUS
import { createNativeTccc } from './native'
import { tcccSdkModule } from './native/sdkModule'
// #endif
// #ifdef H5
import { createWebTccc } from './web'
// #endif

declare global {
  interface Window {
    /** The simulator's far-end controls; present only when the simulated platform runs. */
    __tcccSim?: SimControls
  }
}

/** Build-time override; build/tcccSdkResolver.ts pins it to a literal ('' when unset). */
const REQUESTED = import.meta.env.VITE_TCCC_PLATFORM as string | undefined
const WANTS_SIMULATED = REQUESTED === 'simulated'
const WANTS_WEB = REQUESTED === 'web'

/** Which platform `createPlatform()` returns in this build (decided by build-time constants). */
export const platformKind: PlatformKind = (() => {
  // #ifdef APP-PLUS
  // uni defines UNI_PLATFORM at build time; unit tests (no conditional compilation) leave it
  // unset and so run as H5. Kept inside the App-only block: H5 pages have no `process`.
  if (process.env.UNI_PLATFORM === 'app' && !WANTS_SIMULATED) return 'native'
  // #endif
  // #ifdef H5
  if (WANTS_WEB) return 'web'
  // #endif
  return 'simulated'
})()

/**
 * `localStorage[SIM_AGENT_STATUS_VIA] = 'backend'` (then reload) runs the simulator like the
 * native App: no seat status in the SDK, the app reads and sets it through the token backend.
 */
export const SIM_AGENT_STATUS_VIA = 'tccc.sim.agentStatusVia'

function simulatedAgentStatusVia(): 'sdk' | 'backend' {
  try {
    return typeof window !== 'undefined' && window.localStorage?.getItem(SIM_AGENT_STATUS_VIA) === 'backend' ? 'backend' : 'sdk'
  } catch {
    return 'sdk'
  }
}

function createSimulatedPlatform(): TcccAgentSdk {
  const sdk = createSimulatedTccc({ sessionPrefix: `sim-${Date.now().toString(36)}-`, agentStatusVia: simulatedAgentStatusVia() })
  if (typeof window !== 'undefined') window.__tcccSim = sdk.sim
  return sdk
}

/** A new SDK instance (the workstation service keeps the one it uses). */
export function createPlatform(): TcccAgentSdk {
  // #ifdef APP-PLUS
  if (process.env.UNI_PLATFORM === 'app' && !WANTS_SIMULATED) return createNativeTccc(tcccSdkModule)
  // #endif
  // #ifdef H5
  if (WANTS_WEB) return createWebTccc()
  // #endif
  return createSimulatedPlatform()
}
