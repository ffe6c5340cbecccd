/**
 * Keeping a call's audio alive when the agent leaves the app (Android), and the run-time
 * Bluetooth permission for headsets.
 *
 * Why: Android 9+ stops the microphone of an app that is not in the foreground. The TCCC
 * uni-app guide (seed 003, FAQ "Android 退后台停止音频采集") says: post a foreground
 * notification while the app is in the background during a call, or keep the screen on. So,
 * during a live call on Android we show an ongoing, silent "call in progress" notification
 * through `plus.android` (NotificationManager; a channel on Android 8+, POST_NOTIFICATIONS asked
 * on Android 13+), tapping it returns to the app; the call store also keeps the screen on.
 *
 * Limit (stated, not hidden): Native.js cannot declare an Android `Service`, so this is an
 * ongoing notification, not `startForeground()` with `foregroundServiceType="microphone"`.
 * Where a ROM still mutes a backgrounded app, the remedy is a native/UTS plugin that starts such
 * a service; `createCallKeepAlive` accepts one (`foregroundService`) and prefers it.
 * All of this needs a device to verify; the unit tests drive doubles of `plus.android`.
 */

/** The part of `plus` (HTML5+ runtime) this module uses: dynamic Java proxies. */
/* eslint-disable @typescript-eslint/no-explicit-any -- plus.android returns untyped Java proxies */
export interface PlusLike {
  os: { name: string }
  android: {
    importClass(name: string | object): any
    runtimeMainActivity(): any
    requestPermissions(
      permissions: string[],
      success: (result: { granted?: string[]; deniedPresent?: string[]; deniedAlways?: string[] }) => void,
      error: (error: unknown) => void,
    ): void
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A native plugin that can run a real microphone foreground service (optional). */
export interface ForegroundServicePlugin {
  start(options: { title: string; text: string }): void
  stop(): void
}

export interface CallNotificationText {
  title: string
  text: string
}

export interface CallKeepAlive {
  /** Show (or update) the ongoing call notification. */
  start(text: CallNotificationText): void
  stop(): void
  readonly active: boolean
}

export const CALL_CHANNEL_ID = 'tccc-call'
export const CALL_NOTIFICATION_ID = 10_201
export const POST_NOTIFICATIONS = 'android.permission.POST_NOTIFICATIONS'
export const BLUETOOTH_CONNECT = 'android.permission.BLUETOOTH_CONNECT'
/** Build.VERSION_CODES: O (channels), S (BLUETOOTH_CONNECT), TIRAMISU (POST_NOTIFICATIONS). */
const ANDROID_O = 26
const ANDROID_S = 31
const ANDROID_T = 33
/** NotificationManager.IMPORTANCE_LOW: shown, no sound (the call itself is audible). */
const IMPORTANCE_LOW = 2
/** PendingIntent.FLAG_UPDATE_CURRENT | FLAG_IMMUTABLE (immutable is required from Android 12). */
const PENDING_INTENT_FLAGS = 0x08000000 | 0x04000000

function sdkInt(plusApi: PlusLike): number {
  try {
    return Number(plusApi.android.importClass('android.os.Build$VERSION').SDK_INT) || 0
  } catch {
    return 0
  }
}

function isAndroid(plusApi: PlusLike | undefined): plusApi is PlusLike {
  return !!plusApi && plusApi.os?.name === 'Android' && !!plusApi.android
}

/**
 * The permissions to ask with RECORD_AUDIO before a call, in one request: BLUETOOTH_CONNECT on
 * Android 12+ (otherwise a Bluetooth headset cannot carry the call; older systems grant BLUETOOTH
 * at install) and POST_NOTIFICATIONS on Android 13+ (the ongoing call notification).
 */
export function callPermissions(plusApi: PlusLike | undefined, recordAudio: string): string[] {
  if (!isAndroid(plusApi)) return [recordAudio]
  const sdk = sdkInt(plusApi)
  return [recordAudio, ...(sdk >= ANDROID_S ? [BLUETOOTH_CONNECT] : []), ...(sdk >= ANDROID_T ? [POST_NOTIFICATIONS] : [])]
}

export function createCallKeepAlive(plusApi: PlusLike | undefined, foregroundService?: ForegroundServicePlugin): CallKeepAlive {
  let active = false
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Java proxy
  let manager: any = null

  function notificationManager(activity: { getSystemService(name: string): unknown }): unknown {
    if (manager) return manager
    const Context = (plusApi as PlusLike).android.importClass('android.content.Context')
    manager = activity.getSystemService(Context.NOTIFICATION_SERVICE)
    ;(plusApi as PlusLike).android.importClass(manager)
    return manager
  }

  function postNotification(text: CallNotificationText): void {
    const android = (plusApi as PlusLike).android
    const level = sdkInt(plusApi as PlusLike)
    const activity = android.runtimeMainActivity()
    const nm = notificationManager(activity) as { notify(id: number, n: unknown): void; createNotificationChannel(c: unknown): void }
    const Builder = android.importClass('android.app.Notification$Builder')
    let builder
    if (level >= ANDROID_O) {
      const Channel = android.importClass('android.app.NotificationChannel')
      nm.createNotificationChannel(new Channel(CALL_CHANNEL_ID, text.title, IMPORTANCE_LOW))
      builder = new Builder(activity, CALL_CHANNEL_ID)
    } else {
      builder = new Builder(activity)
    }
    const Intent = android.importClass('android.content.Intent')
    const PendingIntent = android.importClass('android.app.PendingIntent')
    const back = new Intent(activity, activity.getClass())
    builder.setSmallIcon(activity.getApplicationInfo().icon)
    builder.setContentTitle(text.title)
    builder.setContentText(text.text)
    builder.setOngoing(true)
    builder.setContentIntent(PendingIntent.getActivity(activity, 0, back, PENDING_INTENT_FLAGS))
    nm.notify(CALL_NOTIFICATION_ID, builder.build())
  }

  return {
    get active() {
      return active
    },
    start(text) {
      if (!isAndroid(plusApi)) return
      active = true
      try {
        if (foregroundService) {
          foregroundService.start(text)
          return
        }
        // POST_NOTIFICATIONS is asked with the microphone (`callPermissions`), in one request:
        // Android takes one at a time, and a second request made while the first is open was
        // cancelled, which failed the first call as "microphone not allowed". Without it the
        // notification is not shown; the call goes on.
        postNotification(text)
      } catch (error) {
        console.warn('[keep-alive] could not show the call notification', error)
      }
    },
    stop() {
      if (!active) return
      active = false
      try {
        if (foregroundService) {
          foregroundService.stop()
          return
        }
        const nm = notificationManager((plusApi as PlusLike).android.runtimeMainActivity()) as { cancel(id: number): void }
        nm.cancel(CALL_NOTIFICATION_ID)
      } catch (error) {
        console.warn('[keep-alive] could not remove the call notification', error)
      }
    },
  }
}

let appKeepAlive: CallKeepAlive | null = null

/** The app's keep-alive over the global `plus` (a no-op outside the Android App). */
export function keepCallAudioAlive(live: boolean, text: CallNotificationText): void {
  const plusApi = typeof plus !== 'undefined' ? (plus as unknown as PlusLike) : undefined
  if (!isAndroid(plusApi)) return
  appKeepAlive ??= createCallKeepAlive(plusApi)
  if (live) appKeepAlive.start(text)
  else appKeepAlive.stop()
}
