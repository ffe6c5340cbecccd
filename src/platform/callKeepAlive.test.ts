import { afterEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import {
  BLUETOOTH_CONNECT,
  CALL_CHANNEL_ID,
  CALL_NOTIFICATION_ID,
  POST_NOTIFICATIONS,
  callPermissions,
  createCallKeepAlive,
  type PlusLike,
} from './callKeepAlive'

const RECORD_AUDIO = 'android.permission.RECORD_AUDIO'

/** A double of `plus.android` built from the Android classes Native.js would import. */
function androidDouble(sdkInt: number, osName = 'Android') {
  const manager = { notify: fn(), cancel: fn(), createNotificationChannel: fn() }
  const builders: Array<{ args: unknown[]; calls: Record<string, unknown[]> }> = []
  class Builder {
    calls: Record<string, unknown[]> = {}
    constructor(...args: unknown[]) {
      builders.push({ args, calls: this.calls })
    }
    setSmallIcon(v: unknown) { this.calls.setSmallIcon = [v] }
    setContentTitle(v: unknown) { this.calls.setContentTitle = [v] }
    setContentText(v: unknown) { this.calls.setContentText = [v] }
    setOngoing(v: unknown) { this.calls.setOngoing = [v] }
    setContentIntent(v: unknown) { this.calls.setContentIntent = [v] }
    build() { return { notification: this.calls } }
  }
  const channels: unknown[][] = []
  class NotificationChannel {
    constructor(...args: unknown[]) {
      channels.push(args)
    }
  }
  class Intent {
    constructor(...args: unknown[]) {
      Object.assign(this, { args })
    }
  }
  const activity = {
    getSystemService: fn(() => manager),
    getClass: () => 'MainActivity',
    getApplicationInfo: () => ({ icon: 77 }),
  }
  const PendingIntent = { getActivity: fn((...args: unknown[]) => ({ pending: args })) }
  const classes: Record<string, unknown> = {
    'android.os.Build$VERSION': { SDK_INT: sdkInt },
    'android.content.Context': { NOTIFICATION_SERVICE: 'notification' },
    'android.app.Notification$Builder': Builder,
    'android.app.NotificationChannel': NotificationChannel,
    'android.content.Intent': Intent,
    'android.app.PendingIntent': PendingIntent,
  }
  const requestPermissions = fn<PlusLike['android']['requestPermissions']>()
  const plusApi: PlusLike = {
    os: { name: osName },
    android: {
      importClass: (name: string | object) => (typeof name === 'string' ? classes[name] : name),
      runtimeMainActivity: () => activity,
      requestPermissions,
    },
  }
  return { plusApi, manager, activity, builders, channels, requestPermissions, PendingIntent }
}

describe('call keep-alive notification (Android)', () => {
  it('posts an ongoing notification on a low-importance channel (Android 8+) that returns to the app', () => {
    const android = androidDouble(30)
    const keepAlive = createCallKeepAlive(android.plusApi)
    keepAlive.start({ title: 'Call in progress', text: 'Tap to return to the call' })
    expect(android.channels).toEqual([[CALL_CHANNEL_ID, 'Call in progress', 2]])
    expect(android.builders[0].args[1]).toBe(CALL_CHANNEL_ID)
    expect(android.builders[0].calls).toMatchObject({
      setSmallIcon: [77],
      setContentTitle: ['Call in progress'],
      setContentText: ['Tap to return to the call'],
      setOngoing: [true],
    })
    // FLAG_UPDATE_CURRENT | FLAG_IMMUTABLE
    expect(android.PendingIntent.getActivity.mock.calls[0][3]).toBe(0x0c000000)
    expect(android.manager.notify).toHaveBeenCalledWith(CALL_NOTIFICATION_ID, expect.anything())
    expect(android.requestPermissions).not.toHaveBeenCalled()
    expect(keepAlive.active).toBe(true)

    keepAlive.stop()
    expect(android.manager.cancel).toHaveBeenCalledWith(CALL_NOTIFICATION_ID)
    expect(keepAlive.active).toBe(false)
    keepAlive.stop()
    expect(android.manager.cancel).toHaveBeenCalledTimes(1)
  })

  it('asks no permission itself on Android 13+ (callPermissions asks it with the microphone) and uses no channel before Android 8', () => {
    const t = androidDouble(33)
    createCallKeepAlive(t.plusApi).start({ title: 'a', text: 'b' })
    expect(t.requestPermissions).not.toHaveBeenCalled()
    expect(t.manager.notify).toHaveBeenCalledTimes(1)
    const old = androidDouble(25)
    createCallKeepAlive(old.plusApi).start({ title: 'a', text: 'b' })
    expect(old.channels).toEqual([])
    expect(old.builders[0].args).toHaveLength(1)
  })

  it('needs the channel from Android 8.0 (API 26) itself on, and is inactive until started', () => {
    const oreo = androidDouble(26)
    const keepAlive = createCallKeepAlive(oreo.plusApi)
    expect(keepAlive.active).toBe(false)
    keepAlive.start({ title: 'a', text: 'b' })
    expect(oreo.channels).toEqual([[CALL_CHANNEL_ID, 'a', 2]])
    expect(oreo.builders[0].args[1]).toBe(CALL_CHANNEL_ID)
  })

  it('prefers a native foreground-service plugin when one is given', () => {
    const android = androidDouble(34)
    const service = { start: fn(), stop: fn() }
    const keepAlive = createCallKeepAlive(android.plusApi, service)
    keepAlive.start({ title: 'a', text: 'b' })
    keepAlive.stop()
    expect(service.start).toHaveBeenCalledWith({ title: 'a', text: 'b' })
    expect(service.stop).toHaveBeenCalledTimes(1)
    expect(android.manager.notify).not.toHaveBeenCalled()
  })

  it('does nothing on iOS or without plus (browser)', () => {
    const ios = androidDouble(30, 'iOS')
    createCallKeepAlive(ios.plusApi).start({ title: 'a', text: 'b' })
    expect(ios.manager.notify).not.toHaveBeenCalled()
    expect(() => createCallKeepAlive(undefined).start({ title: 'a', text: 'b' })).not.toThrow()
  })
})

describe('callPermissions', () => {
  it('adds BLUETOOTH_CONNECT on Android 12+ and POST_NOTIFICATIONS on 13+, in the one request with the microphone', () => {
    expect(callPermissions(androidDouble(33).plusApi, RECORD_AUDIO)).toEqual([RECORD_AUDIO, BLUETOOTH_CONNECT, POST_NOTIFICATIONS])
    expect(callPermissions(androidDouble(32).plusApi, RECORD_AUDIO)).toEqual([RECORD_AUDIO, BLUETOOTH_CONNECT])
    expect(callPermissions(androidDouble(31).plusApi, RECORD_AUDIO)).toEqual([RECORD_AUDIO, BLUETOOTH_CONNECT])
    expect(callPermissions(androidDouble(30).plusApi, RECORD_AUDIO)).toEqual([RECORD_AUDIO])
    expect(callPermissions(androidDouble(33, 'iOS').plusApi, RECORD_AUDIO)).toEqual([RECORD_AUDIO])
    expect(callPermissions(undefined, RECORD_AUDIO)).toEqual([RECORD_AUDIO])
  })
})

describe('call keep-alive (mutation survivors)', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.resetModules()
  })

  it('a notification that cannot be shown or removed is logged; the call goes on', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const android = androidDouble(30)
    const keepAlive = createCallKeepAlive(android.plusApi)
    android.manager.notify.mockImplementation(() => {
      throw new Error('no notification service')
    })
    expect(() => keepAlive.start({ title: 'a', text: 'b' })).not.toThrow()
    expect(keepAlive.active).toBe(true)
    expect(warn).toHaveBeenLastCalledWith('[keep-alive] could not show the call notification', expect.any(Error))
    android.manager.cancel.mockImplementation(() => {
      throw new Error('no notification service')
    })
    expect(() => keepAlive.stop()).not.toThrow()
    expect(keepAlive.active).toBe(false)
    expect(warn).toHaveBeenLastCalledWith('[keep-alive] could not remove the call notification', expect.any(Error))
  })

  it('keepCallAudioAlive posts and removes the notification over the global plus on Android, once created', async () => {
    const android = androidDouble(30)
    vi.stubGlobal('plus', android.plusApi)
    const { keepCallAudioAlive } = await import('./callKeepAlive')
    keepCallAudioAlive(true, { title: 'Call in progress', text: 'Tap to return' })
    expect(android.manager.notify).toHaveBeenCalledTimes(1)
    expect(android.builders[0].calls.setContentTitle).toEqual(['Call in progress'])
    keepCallAudioAlive(false, { title: 'Call in progress', text: 'Tap to return' })
    expect(android.manager.cancel).toHaveBeenCalledWith(CALL_NOTIFICATION_ID)
    keepCallAudioAlive(true, { title: 'again', text: 'b' })
    expect(android.manager.notify).toHaveBeenCalledTimes(2)
    expect(android.activity.getSystemService).toHaveBeenCalledTimes(1)
  })

  it('keepCallAudioAlive does nothing without plus (browser) or on iOS', async () => {
    const { keepCallAudioAlive } = await import('./callKeepAlive')
    expect(() => keepCallAudioAlive(true, { title: 'a', text: 'b' })).not.toThrow()
    const ios = androidDouble(30, 'iOS')
    vi.stubGlobal('plus', ios.plusApi)
    keepCallAudioAlive(true, { title: 'a', text: 'b' })
    expect(ios.manager.notify).not.toHaveBeenCalled()
  })
})

describe('callPermissions (mutation survivors)', () => {
  it('a plus without os information is not Android', () => {
    const { plusApi } = androidDouble(33)
    expect(callPermissions({ android: plusApi.android } as unknown as PlusLike, RECORD_AUDIO)).toEqual([RECORD_AUDIO])
  })
})
