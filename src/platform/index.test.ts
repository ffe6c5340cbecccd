import { afterEach, describe, expect, it, vi } from 'vitest'
import { createPlatform, platformKind } from './index'

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
