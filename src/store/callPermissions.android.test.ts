/**
 * The first call on Android 13+ in the App. Android handles one permission request at a time:
 * `Activity.requestPermissions` answers a second one made while the first is pending at once with
 * empty arrays (a cancellation). The keep-alive used to ask POST_NOTIFICATIONS at the start of
 * the call while `dial()` asked RECORD_AUDIO, which failed the first call as "microphone not
 * allowed"; now all are asked in one request. Only `plus` is a double here; device.ts and
 * callKeepAlive.ts are the real modules, the platform kind is 'native'.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { loginSdk, settle, setupCore } from './__tests__/harness'

vi.mock('@/platform/index', async () => {
  const sim = await import('@/store/__tests__/simulatedPlatform')
  return { ...sim, platformKind: 'native' }
})

import { useCallStore } from '@/store/call'

type Result = { granted: string[]; deniedPresent: string[]; deniedAlways: string[] }

function android13() {
  let pending: { permissions: string[]; success: (r: Result) => void } | null = null
  const asked: string[][] = []
  const manager = { notify: fn(), cancel: fn(), createNotificationChannel: fn() }
  class Builder {
    setSmallIcon() {}
    setContentTitle() {}
    setContentText() {}
    setOngoing() {}
    setContentIntent() {}
    build() {
      return {}
    }
  }
  class NotificationChannel {}
  class Intent {}
  const classes: Record<string, unknown> = {
    'android.os.Build$VERSION': { SDK_INT: 33 },
    'android.content.Context': { NOTIFICATION_SERVICE: 'notification' },
    'android.app.Notification$Builder': Builder,
    'android.app.NotificationChannel': NotificationChannel,
    'android.content.Intent': Intent,
    'android.app.PendingIntent': { getActivity: () => ({}) },
  }
  const activity = { getSystemService: () => manager, getClass: () => 'MainActivity', getApplicationInfo: () => ({ icon: 1 }) }
  const plusApi = {
    os: { name: 'Android' },
    android: {
      importClass: (name: string | object) => (typeof name === 'string' ? classes[name] : name),
      runtimeMainActivity: () => activity,
      requestPermissions(permissions: string[], success: (r: Result) => void) {
        asked.push(permissions)
        if (pending) {
          // Activity.requestPermissions while another request is pending: cancelled at once.
          success({ granted: [], deniedPresent: [], deniedAlways: [] })
          return
        }
        pending = { permissions, success }
      },
    },
  }
  /** The agent taps "Allow" on the system dialog on screen. */
  function allow(): void {
    const p = pending
    pending = null
    p?.success({ granted: p.permissions, deniedPresent: [], deniedAlways: [] })
  }
  return { plusApi, asked, allow, manager }
}

let phone: ReturnType<typeof android13>

beforeEach(async () => {
  phone = android13()
  vi.stubGlobal('plus', phone.plusApi)
  const core = setupCore()
  await loginSdk(core)
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('the first call on Android 13+', () => {
  it('asks the microphone, Bluetooth and notifications in one request; the agent who allows gets the call and its notification', async () => {
    const call = useCallStore()
    const placing = call.placeCall({ to: '13800138000' })
    await settle()
    phone.allow() // the one dialog
    await settle()
    phone.allow() // a second dialog, if one was asked after the first
    const placed = await placing
    expect({ placed, error: call.error?.symbol ?? null }).toEqual({ placed: true, error: null })
    expect(phone.asked).toEqual([['android.permission.RECORD_AUDIO', 'android.permission.BLUETOOTH_CONNECT', 'android.permission.POST_NOTIFICATIONS']])
    // Posted again once the permission was answered (the first one went up before it).
    expect(phone.manager.notify.mock.calls.length).toBeGreaterThanOrEqual(2)
  })
})
