import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'

const platform = vi.hoisted(() => ({ kind: 'web' as 'web' | 'simulated' | 'native' }))
vi.mock('@/platform/index', () => ({
  get platformKind() {
    return platform.kind
  },
}))

import { canOpenMicrophoneSettings, ensureMicrophonePermission, keepScreenOn } from './device'

type MediaDevicesLike = { getUserMedia: (constraints: MediaStreamConstraints) => Promise<MediaStream> }

const originalMediaDevices = Object.getOwnPropertyDescriptor(navigator, 'mediaDevices')

function setMediaDevices(value: MediaDevicesLike | undefined): void {
  Object.defineProperty(navigator, 'mediaDevices', { value, configurable: true })
}

function streamWithTrack() {
  const stop = fn()
  const stream = { getTracks: () => [{ stop }] } as unknown as MediaStream
  return { stream, stop }
}

function domError(name: string): Error {
  const error = new Error(name)
  error.name = name
  return error
}

describe('ensureMicrophonePermission', () => {
  beforeEach(() => {
    platform.kind = 'web'
  })
  afterEach(() => {
    if (originalMediaDevices) Object.defineProperty(navigator, 'mediaDevices', originalMediaDevices)
    else setMediaDevices(undefined)
  })

  it('grants at once on the simulated platform without touching the microphone', async () => {
    platform.kind = 'simulated'
    const getUserMedia = fn<MediaDevicesLike['getUserMedia']>()
    setMediaDevices({ getUserMedia })
    await expect(ensureMicrophonePermission()).resolves.toBe('granted')
    expect(getUserMedia).not.toHaveBeenCalled()
  })

  it('probes the browser microphone for audio and releases it again', async () => {
    const { stream, stop } = streamWithTrack()
    const getUserMedia = fn<MediaDevicesLike['getUserMedia']>().mockResolvedValue(stream)
    setMediaDevices({ getUserMedia })
    await expect(ensureMicrophonePermission()).resolves.toBe('granted')
    expect(getUserMedia).toHaveBeenCalledWith({ audio: true })
    expect(stop).toHaveBeenCalledTimes(1)
  })

  it('reports denied when the agent or the browser refuses', async () => {
    setMediaDevices({ getUserMedia: fn<MediaDevicesLike['getUserMedia']>().mockRejectedValue(domError('NotAllowedError')) })
    await expect(ensureMicrophonePermission()).resolves.toBe('denied')
    setMediaDevices({ getUserMedia: fn<MediaDevicesLike['getUserMedia']>().mockRejectedValue(domError('SecurityError')) })
    await expect(ensureMicrophonePermission()).resolves.toBe('denied')
  })

  it('leaves a missing or busy microphone to the SDK (not a permission problem)', async () => {
    setMediaDevices({ getUserMedia: fn<MediaDevicesLike['getUserMedia']>().mockRejectedValue(domError('NotFoundError')) })
    await expect(ensureMicrophonePermission()).resolves.toBe('granted')
    setMediaDevices({ getUserMedia: fn<MediaDevicesLike['getUserMedia']>().mockRejectedValue(domError('NotReadableError')) })
    await expect(ensureMicrophonePermission()).resolves.toBe('granted')
  })

  it('reports denied where the browser offers no getUserMedia (insecure context)', async () => {
    setMediaDevices(undefined)
    await expect(ensureMicrophonePermission()).resolves.toBe('denied')
  })
})

describe('keepScreenOn', () => {
  it('asks uni to keep the screen on and to let it sleep again', () => {
    keepScreenOn(true)
    keepScreenOn(false)
    const calls = (uni.setKeepScreenOn as unknown as ReturnType<typeof fn>).mock.calls.map((c) => (c[0] as { keepScreenOn: boolean }).keepScreenOn)
    expect(calls).toEqual([true, false])
  })

  it('is a quiet no-op where uni has no setKeepScreenOn', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    for (const missing of [undefined, null, {}]) {
      ;(uni as unknown as { setKeepScreenOn?: unknown }).setKeepScreenOn = missing
      expect(() => keepScreenOn(true)).not.toThrow()
    }
    // Skipped by the guard, not caught as a failure.
    expect(warn).not.toHaveBeenCalled()
  })

  it('logs, and does not throw, when setKeepScreenOn itself throws', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const failure = new Error('wake lock refused')
    uni.setKeepScreenOn = fn(() => {
      throw failure
    }) as unknown as typeof uni.setKeepScreenOn
    expect(() => keepScreenOn(true)).not.toThrow()
    expect(warn.mock.calls).toEqual([['[device] setKeepScreenOn threw', failure]])
  })

  it('passes a fail callback so an unsupported browser does not reject', () => {
    keepScreenOn(true)
    const options = (uni.setKeepScreenOn as unknown as ReturnType<typeof fn>).mock.calls[0][0] as { fail?: () => unknown }
    expect(options.fail?.()).toBeUndefined()
    expect(typeof options.fail).toBe('function')
  })
})

describe('canOpenMicrophoneSettings', () => {
  it('is false in a browser (no plus runtime)', () => {
    expect(canOpenMicrophoneSettings()).toBe(false)
  })
})
