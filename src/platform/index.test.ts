import { afterEach, describe, expect, it, vi } from 'vitest'
import { createPlatform, platformKind } from './index'
import type { SimulatedTccc } from './simulated/index'
import { encodeMockToken } from './simulated/mockToken'

// vitest.config.ts does not run build/tcccSdkResolver.ts, so the uninstalled package cannot
// resolve here; the H5 choice under test never touches it anyway.
vi.mock('./native/sdkModule', () => ({ tcccSdkModule: {} }))

afterEach(() => {
  delete window.__tcccSim
})

describe('createPlatform (unit tests run as an H5 build without VITE_TCCC_PLATFORM)', () => {
  it('defaults to the simulated platform and exposes its controls as window.__tcccSim', () => {
    expect(platformKind).toBe('simulated')
    const sdk = createPlatform()
    expect(sdk.kind).toBe('simulated')
    expect(window.__tcccSim).toBeDefined()
    expect(typeof window.__tcccSim?.incomingCall).toBe('function')
    sdk.dispose()
  })

  it('gives a new instance per call, and __tcccSim follows the newest', () => {
    const first = createPlatform()
    const second = createPlatform()
    expect(first).not.toBe(second)
    expect(window.__tcccSim).toBe((second as unknown as { sim: unknown }).sim)
    first.dispose()
    second.dispose()
  })
})

describe('the platform choice per build (mutation survivors)', () => {
  /** index.ts as built with these values: UNI_PLATFORM (App or not) and VITE_TCCC_PLATFORM. */
  async function build(env: { UNI_PLATFORM?: string; VITE_TCCC_PLATFORM?: string }) {
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value)
    vi.resetModules()
    return import('./index')
  }

  afterEach(() => {
    vi.unstubAllEnvs()
    localStorage.removeItem('tccc.sim.agentStatusVia')
  })

  it('runs the native SDK in the App build', async () => {
    const app = await build({ UNI_PLATFORM: 'app' })
    expect(app.platformKind).toBe('native')
    const sdk = app.createPlatform()
    expect(sdk.kind).toBe('native')
    expect(window.__tcccSim).toBeUndefined()
    sdk.dispose()
  })

  it('runs the simulator in the App build when asked for it', async () => {
    const app = await build({ UNI_PLATFORM: 'app', VITE_TCCC_PLATFORM: 'simulated' })
    expect(app.platformKind).toBe('simulated')
    const sdk = app.createPlatform()
    expect(sdk.kind).toBe('simulated')
    sdk.dispose()
  })

  it('chooses the TCCC Web SDK in the H5 build when asked for it', async () => {
    const h5 = await build({ VITE_TCCC_PLATFORM: 'web' })
    expect(h5.platformKind).toBe('web')
    const sdk = h5.createPlatform()
    expect(sdk.kind).toBe('web')
    sdk.dispose()
  })

  it('runs the simulator where there is no window (the App engine) and publishes no controls there', async () => {
    const app = await build({ UNI_PLATFORM: 'app', VITE_TCCC_PLATFORM: 'simulated' })
    vi.stubGlobal('window', undefined)
    try {
      const sdk = app.createPlatform()
      expect(sdk.kind).toBe('simulated')
      sdk.dispose()
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it("each start of the simulator names its sessions apart from the last start's (records are keyed by session)", async () => {
    const h5 = await build({})
    // Only Date is faked: the simulator's own delays run on real timers.
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 2, 9, 0, 0), toFake: ['Date'] })
    const firstCall = async () => {
      const sdk = h5.createPlatform() as SimulatedTccc
      const userId = 'agent1@example.com'
      const sdkAppId = 1400000001
      await sdk.login({ userId, sdkAppId, token: encodeMockToken({ sdkAppId, userId, exp: Math.floor(Date.now() / 1000) + 600 }) })
      const id = sdk.sim.incomingCall({ from: '13800000001' })
      sdk.dispose()
      return id
    }
    try {
      const firstId = await firstCall()
      vi.setSystemTime(Date.UTC(2026, 11, 2, 9, 5, 0))
      const secondId = await firstCall()
      expect(firstId).toMatch(/^sim-[0-9a-z]+-\d+$/)
      expect(secondId).not.toBe(firstId)
    } finally {
      vi.useRealTimers()
    }
  })

  it("the simulator takes the seat status from the backend when localStorage says 'backend'", async () => {
    const h5 = await build({})
    localStorage.setItem(h5.SIM_AGENT_STATUS_VIA, 'backend')
    const viaBackend = h5.createPlatform()
    expect(viaBackend.capabilities).toMatchObject({ agentStatus: false, agentStatusViaBackend: true })
    viaBackend.dispose()
    localStorage.setItem(h5.SIM_AGENT_STATUS_VIA, 'sdk')
    const viaSdk = h5.createPlatform()
    expect(viaSdk.capabilities).toMatchObject({ agentStatus: true, agentStatusViaBackend: false })
    viaSdk.dispose()
  })
})
