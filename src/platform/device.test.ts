import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'

const platform = vi.hoisted(() => ({ kind: 'web' as 'web' | 'simulated' | 'native' }))
vi.mock('@/platform/index', () => ({
  get platformKind() {
    return platform.kind
  },
}))

import { canOpenMicrophoneSettings, ensureMicrophonePermission, keepScreenOn, openExternalUrl, openMicrophoneSettings } from './device'

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

  it('leaves an aborted microphone start to the SDK too (a hardware fault, not a refusal)', async () => {
    setMediaDevices({ getUserMedia: fn<MediaDevicesLike['getUserMedia']>().mockRejectedValue(domError('AbortError')) })
    await expect(ensureMicrophonePermission()).resolves.toBe('granted')
  })

  it('reports denied where there is no navigator at all', async () => {
    vi.stubGlobal('navigator', undefined)
    try {
      await expect(ensureMicrophonePermission()).resolves.toBe('denied')
    } finally {
      vi.unstubAllGlobals()
    }
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

  it('is a quiet no-op where there is no uni at all', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    vi.stubGlobal('uni', undefined)
    try {
      expect(() => keepScreenOn(true)).not.toThrow()
    } finally {
      vi.unstubAllGlobals()
    }
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

// The App (APP-PLUS) branches against a double of the `plus` runtime: which permissions are
// asked, how each answer maps, and what is released afterwards. (One file with the browser tests:
// Stryker's runs share one module cache, so '@/platform/index' is mocked once.)

const RECORD_AUDIO = 'android.permission.RECORD_AUDIO'
const BLUETOOTH_CONNECT = 'android.permission.BLUETOOTH_CONNECT'
const UNDETERMINED = 0x756e6474
const DENIED = 0x64656e79
const GRANTED = 0x67726e74

type PermissionResult = { granted?: string[]; deniedPresent?: string[]; deniedAlways?: string[] }

function androidPlus(answer: (permissions: string[], ok: (r: PermissionResult) => void, fail: (e: unknown) => void) => void) {
  const startActivity = fn()
  const setData = fn()
  const Intent = fn(function (this: { action: unknown; setData: typeof setData }, action: unknown) {
    this.action = action
    this.setData = setData
  })
  const fromParts = fn((...parts: unknown[]) => ({ uri: parts }))
  const classes: Record<string, unknown> = {
    'android.os.Build$VERSION': { SDK_INT: 31 },
    'android.content.Intent': Intent,
    'android.provider.Settings': { ACTION_APPLICATION_DETAILS_SETTINGS: 'DETAILS' },
    'android.net.Uri': { fromParts },
  }
  const requestPermissions = fn(answer)
  const plus = {
    os: { name: 'Android' },
    android: {
      importClass: fn((name: string) => classes[name]),
      runtimeMainActivity: () => ({ getPackageName: () => 'com.example.agent', startActivity }),
      requestPermissions,
    },
  }
  vi.stubGlobal('plus', plus)
  return { plus, requestPermissions, startActivity, setData, Intent, fromParts }
}

function iosPlus(statuses: number[], invoke: (target: unknown, selector: string, callback: (granted: boolean) => void) => void = () => undefined) {
  let reads = 0
  const session = { recordPermission: fn(() => statuses[Math.min(reads++, statuses.length - 1)]) }
  const sessionClass = { sharedInstance: () => session }
  const settingsUrl = { url: 'app-settings:' }
  const openURL = fn()
  const application = { sharedApplication: () => ({ openURL }) }
  const NSURL = { URLWithString: fn(() => settingsUrl) }
  const classes: Record<string, unknown> = { AVAudioSession: sessionClass, UIApplication: application, NSURL }
  const plus = {
    os: { name: 'iOS' },
    ios: { importClass: fn((name: string) => classes[name]), deleteObject: fn(), invoke: fn(invoke) },
  }
  vi.stubGlobal('plus', plus)
  return { plus, session, sessionClass, openURL, NSURL, settingsUrl, application }
}


describe('on the App runtime (plus)', () => {
  beforeEach(() => {
    platform.kind = 'native'
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.useRealTimers()
  })

  describe('ensureMicrophonePermission on Android', () => {
    it('asks RECORD_AUDIO (with BLUETOOTH_CONNECT on Android 12+) and is granted only when RECORD_AUDIO is', async () => {
      const { requestPermissions } = androidPlus((_p, ok) => ok({ granted: [RECORD_AUDIO] }))
      await expect(ensureMicrophonePermission()).resolves.toBe('granted')
      expect(requestPermissions.mock.calls[0][0]).toEqual([RECORD_AUDIO, BLUETOOTH_CONNECT])
      androidPlus((_p, ok) => ok({ granted: [BLUETOOTH_CONNECT], deniedPresent: [RECORD_AUDIO] }))
      await expect(ensureMicrophonePermission()).resolves.toBe('denied')
      androidPlus((_p, ok) => ok({}))
      await expect(ensureMicrophonePermission()).resolves.toBe('denied')
      // An answer without a granted list is a plain refusal, not a failure to log.
      expect(console.warn).not.toHaveBeenCalled()
    })

    it('reports denied, with a log line, when the request fails or throws', async () => {
      androidPlus((_p, _ok, fail) => fail(new Error('no activity')))
      await expect(ensureMicrophonePermission()).resolves.toBe('denied')
      expect(console.warn).toHaveBeenLastCalledWith('[device] RECORD_AUDIO request failed', new Error('no activity'))
      androidPlus(() => {
        throw new Error('bridge down')
      })
      await expect(ensureMicrophonePermission()).resolves.toBe('denied')
      expect(console.warn).toHaveBeenLastCalledWith('[device] RECORD_AUDIO request threw', new Error('bridge down'))
    })

    it('probes the browser when plus has no os (not the App runtime)', async () => {
      vi.stubGlobal('plus', {})
      Object.defineProperty(navigator, 'mediaDevices', { value: undefined, configurable: true })
      await expect(ensureMicrophonePermission()).resolves.toBe('denied')
      expect(canOpenMicrophoneSettings()).toBe(false)
    })
  })

  describe('ensureMicrophonePermission on iOS', () => {
    it('answers at once from a decided status and releases the session class', async () => {
      const granted = iosPlus([GRANTED])
      await expect(ensureMicrophonePermission()).resolves.toBe('granted')
      expect(granted.plus.ios.importClass).toHaveBeenCalledWith('AVAudioSession')
      expect(granted.plus.ios.deleteObject).toHaveBeenCalledWith(granted.sessionClass)
      expect(granted.plus.ios.invoke).not.toHaveBeenCalled()
      const denied = iosPlus([DENIED])
      await expect(ensureMicrophonePermission()).resolves.toBe('denied')
      expect(denied.plus.ios.deleteObject).toHaveBeenCalledTimes(1)
      expect(denied.plus.ios.invoke).not.toHaveBeenCalled()
    })

    it('shows the system prompt when undetermined and takes its answer once', async () => {
      vi.useFakeTimers()
      let answer: (granted: boolean) => void = () => undefined
      const ios = iosPlus([UNDETERMINED], (_t, _s, callback) => (answer = callback))
      const result = ensureMicrophonePermission()
      expect(ios.plus.ios.invoke).toHaveBeenCalledWith(ios.session, 'requestRecordPermission:', expect.any(Function))
      answer(true)
      answer(false)
      await expect(result).resolves.toBe('granted')
      expect(ios.plus.ios.deleteObject).toHaveBeenCalledTimes(1)
      expect(vi.getTimerCount()).toBe(0)

      iosPlus([UNDETERMINED], (_t, _s, callback) => (answer = callback))
      const refused = ensureMicrophonePermission()
      answer(false)
      await expect(refused).resolves.toBe('denied')
    })

    it('polls the status every 300 ms when the prompt callback never comes', async () => {
      vi.useFakeTimers()
      const ios = iosPlus([UNDETERMINED, UNDETERMINED, GRANTED], () => {
        throw new Error('block bridging unsupported')
      })
      const result = ensureMicrophonePermission()
      await vi.advanceTimersByTimeAsync(299)
      expect(ios.session.recordPermission).toHaveBeenCalledTimes(1)
      await vi.advanceTimersByTimeAsync(1)
      expect(ios.session.recordPermission).toHaveBeenCalledTimes(2)
      await vi.advanceTimersByTimeAsync(300)
      await expect(result).resolves.toBe('granted')
      expect(console.warn).toHaveBeenCalledWith('[device] requestRecordPermission: threw; waiting for the status instead', expect.any(Error))

      iosPlus([UNDETERMINED, DENIED])
      const denied = ensureMicrophonePermission()
      await vi.advanceTimersByTimeAsync(300)
      await expect(denied).resolves.toBe('denied')
    })

    it('gives up as denied after 60 s of an unanswered prompt, not before', async () => {
      vi.useFakeTimers()
      iosPlus([UNDETERMINED])
      let settled: string | undefined
      void ensureMicrophonePermission().then((v) => (settled = v))
      await vi.advanceTimersByTimeAsync(60_000)
      expect(settled).toBeUndefined()
      await vi.advanceTimersByTimeAsync(300)
      expect(settled).toBe('denied')
      expect(vi.getTimerCount()).toBe(0)
    })

    it('reports denied when AVAudioSession is unavailable, releasing nothing', async () => {
      const ios = iosPlus([GRANTED])
      ios.plus.ios.importClass.mockImplementation(() => {
        throw new Error('no class')
      })
      await expect(ensureMicrophonePermission()).resolves.toBe('denied')
      expect(ios.plus.ios.deleteObject).not.toHaveBeenCalled()
      expect(console.warn).toHaveBeenCalledWith('[device] AVAudioSession unavailable', expect.any(Error))
    })
  })

  describe('openMicrophoneSettings', () => {
    it('uses uni.openAppAuthorizeSetting where it exists, and the system page when that fails', () => {
      const android = androidPlus(() => undefined)
      const authorize = fn((options: { fail?: () => void }) => options)
      ;(uni as unknown as { openAppAuthorizeSetting?: unknown }).openAppAuthorizeSetting = authorize
      try {
        expect(canOpenMicrophoneSettings()).toBe(true)
        openMicrophoneSettings()
        expect(authorize).toHaveBeenCalledTimes(1)
        expect(android.startActivity).not.toHaveBeenCalled()
        authorize.mock.calls[0][0].fail?.()
        expect(android.startActivity).toHaveBeenCalledTimes(1)
      } finally {
        delete (uni as unknown as { openAppAuthorizeSetting?: unknown }).openAppAuthorizeSetting
      }
    })

    it("opens this app's details page on Android", () => {
      const android = androidPlus(() => undefined)
      openMicrophoneSettings()
      expect(android.Intent).toHaveBeenCalledWith('DETAILS')
      expect(android.fromParts).toHaveBeenCalledWith('package', 'com.example.agent', null)
      expect(android.setData).toHaveBeenCalledWith({ uri: ['package', 'com.example.agent', null] })
      const intent = android.startActivity.mock.calls[0][0] as { action: unknown }
      expect(intent.action).toBe('DETAILS')
    })

    it('opens app-settings: on iOS and releases the three Objective-C objects', () => {
      const ios = iosPlus([GRANTED])
      openMicrophoneSettings()
      expect(ios.NSURL.URLWithString).toHaveBeenCalledWith('app-settings:')
      expect(ios.openURL).toHaveBeenCalledWith(ios.settingsUrl)
      expect(ios.plus.ios.deleteObject.mock.calls).toEqual([[ios.settingsUrl], [ios.NSURL], [ios.application]])
    })

    it('logs, and does not throw, when the system page cannot be opened', () => {
      const android = androidPlus(() => undefined)
      android.plus.android.importClass.mockImplementation(() => {
        throw new Error('no Intent')
      })
      expect(() => openMicrophoneSettings()).not.toThrow()
      expect(console.warn).toHaveBeenCalledWith('[device] could not open the app settings', expect.any(Error))
    })

    it('does nothing in a browser', () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
      warn.mockClear()
      expect(() => openMicrophoneSettings()).not.toThrow()
      expect(canOpenMicrophoneSettings()).toBe(false)
      // Not even an attempt at the App's settings page (which would fail and log).
      expect(warn).not.toHaveBeenCalled()
    })
  })
})

describe('openExternalUrl (mutation survivors)', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('opens only http(s) links, and a browser link in a new tab without an opener', () => {
    const open = fn()
    vi.stubGlobal('open', open)
    expect(openExternalUrl('javascript:alert("https://x")')).toBe(false)
    expect(openExternalUrl('ftp://example.com/a.mp3')).toBe(false)
    expect(open).not.toHaveBeenCalled()
    expect(openExternalUrl('http://example.com/a.mp3')).toBe(true)
    expect(openExternalUrl('https://example.com/b.mp3')).toBe(true)
    expect(open.mock.calls).toEqual([
      ['http://example.com/a.mp3', '_blank', 'noopener'],
      ['https://example.com/b.mp3', '_blank', 'noopener'],
    ])
  })

  it('is false where the browser cannot open a window', () => {
    vi.stubGlobal('open', undefined)
    expect(openExternalUrl('https://example.com/a.mp3')).toBe(false)
  })

  it('on the App hands the link to plus.runtime.openURL (the system browser), not a web view window', () => {
    const open = fn()
    vi.stubGlobal('open', open)
    const openURL = fn()
    vi.stubGlobal('plus', { runtime: { openURL } })
    expect(openExternalUrl('https://example.com/a.mp3')).toBe(true)
    expect(openURL).toHaveBeenCalledWith('https://example.com/a.mp3')
    expect(open).not.toHaveBeenCalled()
    vi.stubGlobal('plus', {})
    expect(openExternalUrl('https://example.com/b.mp3')).toBe(true)
    expect(open).toHaveBeenCalledWith('https://example.com/b.mp3', '_blank', 'noopener')
  })
})
