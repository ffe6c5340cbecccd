/**
 * Device services the call screen needs besides the SDK: microphone permission, the system
 * settings page for it, and keeping the screen on during a call.
 *
 * Asked BEFORE the first call (the official demo asks after dialing, so the first call starts
 * without audio). Which platform runs is decided by `platformKind` and conditional compilation.
 */
import { callPermissions, type PlusLike } from '@/platform/callKeepAlive'
import { platformKind } from '@/platform/index'

export type MicrophonePermission = 'granted' | 'denied'

const ANDROID_RECORD_AUDIO = 'android.permission.RECORD_AUDIO'
/** AVAudioSessionRecordPermission values are FourCC codes: 'undt', 'deny', 'grnt'. */
const IOS_RECORD_UNDETERMINED = 0x756e6474
const IOS_RECORD_DENIED = 0x64656e79
const IOS_RECORD_GRANTED = 0x67726e74
/** How long to wait for the agent to answer the iOS system prompt. */
const IOS_PROMPT_WAIT_MS = 60_000
const IOS_PROMPT_POLL_MS = 300

export async function ensureMicrophonePermission(): Promise<MicrophonePermission> {
  // The simulator has no real audio: nothing to ask.
  if (platformKind === 'simulated') return 'granted'
  // #ifdef APP-PLUS
  if (typeof plus !== 'undefined' && plus.os) {
    return plus.os.name === 'iOS' ? requestIosMicrophone() : requestAndroidMicrophone()
  }
  // #endif
  return probeBrowserMicrophone()
}

/** Opens the place where the agent can allow the microphone again after denying it. */
export function openMicrophoneSettings(): void {
  // #ifdef APP-PLUS
  if (typeof plus !== 'undefined' && plus.os) {
    openAppSettings()
    return
  }
  // #endif
  // A web page cannot open browser settings; the UI explains where the site permission lives.
}

/** True where `openMicrophoneSettings` can really open something (the App, not a browser). */
export function canOpenMicrophoneSettings(): boolean {
  // #ifdef APP-PLUS
  if (typeof plus !== 'undefined' && plus.os) return true
  // #endif
  return false
}

/** Keeps the display awake during a call (Android mutes a backgrounded app's microphone). */
export function keepScreenOn(on: boolean): void {
  try {
    if (typeof uni === 'undefined' || typeof uni.setKeepScreenOn !== 'function') return
    uni.setKeepScreenOn({
      keepScreenOn: on,
      // Not supported everywhere (e.g. a browser without the Wake Lock API): nothing to do.
      fail: () => undefined,
    })
  } catch (error) {
    // Unsupported is handled above; a throw here is a real fault worth a line in the log.
    console.warn('[device] setKeepScreenOn threw', error)
  }
}

async function probeBrowserMicrophone(): Promise<MicrophonePermission> {
  const media = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined
  // Missing outside a secure context (HTTPS or localhost) or in very old browsers.
  if (!media || typeof media.getUserMedia !== 'function') return 'denied'
  try {
    const stream = await media.getUserMedia({ audio: true })
    // Only a probe: release the microphone at once so the SDK can take it.
    stream.getTracks().forEach((track) => track.stop())
    return 'granted'
  } catch (error) {
    const name = error instanceof Error ? error.name : ''
    // No microphone or it is busy: permission itself is not the problem, let the SDK report it.
    if (name === 'NotFoundError' || name === 'NotReadableError' || name === 'AbortError') return 'granted'
    return 'denied'
  }
}

// #ifdef APP-PLUS
/**
 * Android run-time permission (API 23+); older systems grant at install and report granted.
 * BLUETOOTH_CONNECT is asked with it on Android 12+ (a headset needs it; refusing it does not
 * stop the call).
 */
function requestAndroidMicrophone(): Promise<MicrophonePermission> {
  return new Promise((resolve) => {
    try {
      plus.android.requestPermissions(
        callPermissions(plus as unknown as PlusLike, ANDROID_RECORD_AUDIO),
        (result: { granted?: string[]; deniedPresent?: string[]; deniedAlways?: string[] }) => {
          resolve(result.granted?.includes(ANDROID_RECORD_AUDIO) ? 'granted' : 'denied')
        },
        (error: unknown) => {
          console.warn('[device] RECORD_AUDIO request failed', error)
          resolve('denied')
        },
      )
    } catch (error) {
      console.warn('[device] RECORD_AUDIO request threw', error)
      resolve('denied')
    }
  })
}

/**
 * iOS: `[[AVAudioSession sharedInstance] recordPermission]`; when undetermined,
 * `requestRecordPermission:` shows the system prompt. Native.js cannot be relied on to call back
 * through the Objective-C block, so we also poll the status until the agent decides.
 */
function requestIosMicrophone(): Promise<MicrophonePermission> {
  // plus.ios returns dynamic Objective-C proxies; their methods are not typed.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let sessionClass: any
  try {
    sessionClass = plus.ios.importClass('AVAudioSession')
    const session = sessionClass.sharedInstance()
    const status = (): number => Number(session.recordPermission())
    const initial = status()
    if (initial === IOS_RECORD_GRANTED) return finish('granted')
    if (initial === IOS_RECORD_DENIED) return finish('denied')
    return new Promise((resolve) => {
      let settled = false
      const settle = (value: MicrophonePermission) => {
        if (settled) return
        settled = true
        clearInterval(poll)
        plus.ios.deleteObject(sessionClass)
        resolve(value)
      }
      const startedAt = Date.now()
      const poll = setInterval(() => {
        const current = status()
        if (current === IOS_RECORD_GRANTED) settle('granted')
        else if (current !== IOS_RECORD_UNDETERMINED) settle('denied')
        else if (Date.now() - startedAt > IOS_PROMPT_WAIT_MS) settle('denied')
      }, IOS_PROMPT_POLL_MS)
      try {
        plus.ios.invoke(session, 'requestRecordPermission:', (granted: boolean) => settle(granted ? 'granted' : 'denied'))
      } catch (error) {
        console.warn('[device] requestRecordPermission: threw; waiting for the status instead', error)
      }
    })
  } catch (error) {
    console.warn('[device] AVAudioSession unavailable', error)
    return finish('denied')
  }

  function finish(value: MicrophonePermission): Promise<MicrophonePermission> {
    if (sessionClass) plus.ios.deleteObject(sessionClass)
    return Promise.resolve(value)
  }
}

function openAppSettings(): void {
  // uni.openAppAuthorizeSetting (HBuilderX 3.7+) opens this app's permission page on both systems.
  if (typeof uni.openAppAuthorizeSetting === 'function') {
    uni.openAppAuthorizeSetting({ fail: () => openAppSettingsNative() })
    return
  }
  openAppSettingsNative()
}

function openAppSettingsNative(): void {
  try {
    if (plus.os.name === 'iOS') {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic Objective-C proxies
      const app: any = plus.ios.importClass('UIApplication')
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic Objective-C proxies
      const url: any = plus.ios.importClass('NSURL')
      const settingsUrl = url.URLWithString('app-settings:') // UIApplicationOpenSettingsURLString
      app.sharedApplication().openURL(settingsUrl)
      plus.ios.deleteObject(settingsUrl)
      plus.ios.deleteObject(url)
      plus.ios.deleteObject(app)
      return
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic Java proxies
    const Intent: any = plus.android.importClass('android.content.Intent')
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic Java proxies
    const Settings: any = plus.android.importClass('android.provider.Settings')
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic Java proxies
    const Uri: any = plus.android.importClass('android.net.Uri')
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic Java proxies
    const activity: any = plus.android.runtimeMainActivity()
    const intent = new Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS)
    intent.setData(Uri.fromParts('package', activity.getPackageName(), null))
    activity.startActivity(intent)
  } catch (error) {
    console.warn('[device] could not open the app settings', error)
  }
}
// #endif

/**
 * Opens a link (a call recording) outside the app: the system browser on a phone
 * (`plus.runtime.openURL`), a new tab in a browser. Only http(s) links.
 */
export function openExternalUrl(url: string): boolean {
  if (!/^https?:\/\//.test(url)) return false
  // #ifdef APP-PLUS
  if (typeof plus !== 'undefined' && plus.runtime) {
    plus.runtime.openURL(url)
    return true
  }
  // #endif
  const open = (globalThis as { open?: (url: string, target: string, features: string) => unknown }).open
  if (typeof open !== 'function') return false
  open(url, '_blank', 'noopener')
  return true
}
