/**
 * The one error catalogue: every code in the TCCC SDK error table plus the app's own failures,
 * each with a Chinese and English message and the next action the agent should take.
 * A leaf module (no imports) in the lowest layer, so the platform adapters throw `TcccError`
 * and services, stores and i18n import it downwards.
 */

export type ErrorAction =
  | 'retry' // try the same thing again
  | 'relogin' // sign in again
  | 'check-network' // check Wi-Fi / mobile data, then retry
  | 'grant-microphone' // allow microphone access in system settings
  | 'free-microphone' // end the other call / app that holds the microphone
  | 'check-audio-device' // the microphone or speaker itself failed (device, driver): check it, restart
  | 'end-current-call' // finish the current call first
  | 'contact-admin' // needs the TCCC administrator (configuration, account)
  | 'buy-seats' // seat licences are full
  | 'install-sdk' // App build without the native plugin: install tccc-sdk-uniapp, custom base
  | 'use-supported-browser'
  | 'use-https' // the browser refuses the microphone on a plain-HTTP page
  | 'fix-input'
  | 'none'

export interface ErrorEntry {
  /** The SDK's numeric code, when the error comes from the SDK. */
  code?: number
  zh: string
  en: string
  action: ErrorAction
  /** The SDK's message says why (its guide says to read it): shown after the catalogue text. */
  withSdkMessage?: true
}

/** TcccErrorCode symbols (uni-app / Android / iOS tables) with their documented values. */
export const SDK_ERRORS = {
  ERR_HTTP_REQUEST_FAILURE: { code: -10001, zh: '网络请求失败，请检查网络后重试', en: 'Network request failed. Check your connection and try again.', action: 'check-network' },
  ERR_HTTP_TOKEN_ERROR: { code: -10002, zh: '登录凭证无效或已过期，请重新登录', en: 'The login token is invalid or has expired. Please sign in again.', action: 'relogin' },
  ERR_HTTP_GETSIPINFO_ERROR: { code: -10003, zh: '获取座席配置失败，请联系管理员', en: 'Could not load the agent configuration. Contact your administrator.', action: 'contact-admin' },
  ERR_NETWORK_CANNOT_RESET: { code: -10004, zh: '正在通话中，无法发起新的呼叫', en: 'A call is in progress: finish it before starting another.', action: 'end-current-call' },
  ERR_HAD_LOGGEDOUT: { code: -10005, zh: '已退出登录，请重新登录', en: 'You are signed out. Please sign in again.', action: 'relogin' },
  ERR_UNRIGIST_FAILURE: { code: 20001, zh: '呼叫服务器登录或注销失败，请重试', en: 'Signing in to or out of the call server failed. Try again.', action: 'retry' },
  ERR_ANSWER_FAILURE: { code: 20002, zh: '接听失败（进入媒体房间失败），请重试', en: 'Could not answer the call (media connection failed). Try again.', action: 'retry' },
  ERR_SIPURI_WRONGFORMAT: { code: 20003, zh: '号码格式不正确', en: 'The number format is not valid.', action: 'fix-input' },
  ERR_SIP_BAD_REQUEST: { code: 400, zh: '请求无效，通常是尚未登录，请重新登录', en: 'Bad request, usually because you are not signed in. Please sign in again.', action: 'relogin' },
  ERR_SIP_UNAUTHORIZED: { code: 401, zh: '未授权，请重新登录', en: 'Not authorised. Please sign in again.', action: 'relogin' },
  ERR_SIP_PAYMENTREQUIRED: { code: 402, zh: '座席席位已满，请联系管理员购买或释放席位', en: 'All agent seats are in use. Ask your administrator to buy or free a seat.', action: 'buy-seats' },
  ERR_SIP_FORBIDDEN: { code: 403, zh: '账号已在其他设备登录，或密码错误，请重新登录', en: 'Signed in on another device, or the credentials were refused. Please sign in again.', action: 'relogin' },
  ERR_SIP_AUTHENTICATION_REQUIRED: { code: 407, zh: '需要认证，请先登录', en: 'Authentication required: please sign in first.', action: 'relogin' },
  ERR_SIP_REQUESTTIMEOUT: { code: 408, zh: '请求超时，请检查网络后重试', en: 'The request timed out. Check your connection and try again.', action: 'check-network' },
  ERR_SIP_REQUEST_TERMINATED: { code: 487, zh: '请求被终止（网络中断），请检查网络', en: 'The request was terminated (network broken). Check your connection.', action: 'check-network' },
  ERR_SIP_SERVICE_UNAVAILABLE: { code: 503, zh: '服务暂不可用，请稍后重试', en: 'The service is unavailable. Try again shortly.', action: 'retry' },
  ERR_SIP_SERVER_TIMEOUT: { code: 504, zh: '服务器超时，请稍后重试', en: 'The server timed out. Try again shortly.', action: 'retry' },
  ERR_MIC_START_FAIL: { code: -1302, zh: '无法打开麦克风（设备或驱动异常）', en: 'Could not open the microphone (device or driver problem).', action: 'check-audio-device' },
  ERR_UNSUPPORTED_SAMPLERATE: { code: -1306, zh: '设备不支持该音频采样率', en: 'This device does not support the audio sample rate.', action: 'check-audio-device' },
  ERR_MIC_NOT_AUTHORIZED: { code: -1317, zh: '没有麦克风权限，请在系统设置中允许', en: 'Microphone access is denied. Allow it in system settings.', action: 'grant-microphone' },
  // Mid-call there is nothing to try again: the device is what to check (-1318, -1322).
  ERR_MIC_SET_PARAM_FAIL: { code: -1318, zh: '麦克风参数设置失败，请检查麦克风', en: 'Could not configure the microphone. Check it.', action: 'check-audio-device' },
  ERR_MIC_OCCUPY: { code: -1319, zh: '麦克风被占用（例如正在进行系统通话）', en: 'The microphone is busy (for example, a phone call is in progress).', action: 'free-microphone' },
  ERR_MIC_STOP_FAIL: { code: -1320, zh: '关闭麦克风失败', en: 'Could not stop the microphone.', action: 'check-audio-device' },
  ERR_SPEAKER_START_FAIL: { code: -1321, zh: '无法打开扬声器', en: 'Could not open the speaker.', action: 'check-audio-device' },
  ERR_SPEAKER_SET_PARAM_FAIL: { code: -1322, zh: '扬声器参数设置失败，请检查扬声器或耳机', en: 'Could not configure the speaker. Check it or the headset.', action: 'check-audio-device' },
  ERR_SPEAKER_STOP_FAIL: { code: -1323, zh: '关闭扬声器失败', en: 'Could not stop the speaker.', action: 'check-audio-device' },
  // The guide: the reason for -3301 is in onError's msg, so it is shown with the message.
  ERR_RTC_ENTER_ROOM_FAILED: { code: -3301, zh: '进入媒体房间失败，请重试', en: 'Could not join the media session. Try again.', action: 'retry', withSdkMessage: true },
  ERR_RTC_REQUEST_IP_TIMEOUT: { code: -3307, zh: '请求媒体服务器超时，请检查防火墙和 UDP 网络', en: 'Media server request timed out. Check firewall and UDP access.', action: 'check-network' },
  ERR_RTC_CONNECT_SERVER_TIMEOUT: { code: -3308, zh: '连接媒体服务器超时，请检查网络或 VPN', en: 'Connecting to the media server timed out. Check your network or VPN.', action: 'check-network' },
  ERR_RTC_ENTER_ROOM_REFUSED: { code: -3340, zh: '进入媒体房间被拒绝，请重试', en: 'Joining the media session was refused. Try again.', action: 'retry' },
} as const satisfies Record<string, ErrorEntry & { code: number }>

/** Failures the app itself detects (no SDK code). */
export const APP_ERRORS = {
  SDK_NOT_INSTALLED: { zh: '未安装 TCCC 原生插件（tccc-sdk-uniapp），请使用包含插件的自定义基座', en: 'The TCCC native plugin (tccc-sdk-uniapp) is not installed. Use a custom base that includes it.', action: 'install-sdk' },
  SDK_LOAD_TIMEOUT: { zh: 'TCCC SDK 加载超时，请检查网络后重试', en: 'The TCCC SDK did not load in time. Check your connection and try again.', action: 'check-network' },
  SDK_NO_RESPONSE: { zh: '联络中心 SDK 未及时响应，请检查网络后重试', en: 'The call service did not answer in time. Check your connection and try again.', action: 'check-network' },
  SDK_LOAD_FAILED: { zh: 'TCCC SDK 加载失败，请重试', en: 'The TCCC SDK failed to load. Try again.', action: 'retry' },
  SDK_URL_REFUSED: { zh: '登录服务器返回的 TCCC SDK 地址不在允许的腾讯云地址之列，已拒绝加载，请联系管理员', en: 'The sign-in server sent a TCCC SDK address that is not an allowed Tencent Cloud address, so it was not loaded. Contact your administrator.', action: 'contact-admin' },
  BROWSER_UNSUPPORTED: { zh: '当前浏览器不支持通话，请使用最新版 Chrome 或 Edge', en: 'This browser cannot make calls. Use a recent Chrome or Edge.', action: 'use-supported-browser' },
  INSECURE_CONTEXT: { zh: '通话需要 HTTPS（或 localhost）访问，请使用 HTTPS 地址打开', en: 'Calls need HTTPS (or localhost). Open the app over HTTPS.', action: 'use-https' },
  NOT_SIGNED_IN: { zh: '尚未登录', en: 'You are not signed in.', action: 'relogin' },
  NO_ACTIVE_CALL: { zh: '当前没有通话', en: 'There is no call in progress.', action: 'none' },
  CONNECTION_LOST: { zh: '与联络中心的连接已断开，恢复后再拨', en: 'The connection to the contact center is lost. Call again once it is back.', action: 'check-network' },
  TCCC_OFFLINE: { zh: '离线：尚未连接联络中心，暂时无法拨打、接听或更改状态；正在自动重连', en: 'Offline: not connected to the contact center yet, so calls and status changes are unavailable. Reconnecting automatically.', action: 'none' },
  NO_INCOMING_CALL: { zh: '当前没有来电', en: 'There is no incoming call.', action: 'none' },
  INVALID_DTMF: { zh: '按键只能是 0-9、* 或 #', en: 'Keys must be 0-9, * or #.', action: 'fix-input' },
  INVALID_NUMBER: { zh: '号码无效', en: 'The number is not valid.', action: 'fix-input' },
  UNSUPPORTED_ON_PLATFORM: { zh: '当前平台不支持该操作', en: 'This is not supported on this platform.', action: 'none' },
  BACKEND_UNREACHABLE: { zh: '无法连接登录服务器，请检查网络', en: 'Cannot reach the sign-in server. Check your connection.', action: 'check-network' },
  BACKEND_TIMEOUT: { zh: '登录服务器响应超时，请重试', en: 'The sign-in server did not answer in time. Try again.', action: 'retry' },
  BAD_CREDENTIALS: { zh: '用户名或密码错误', en: 'Wrong username or password.', action: 'fix-input' },
  SESSION_EXPIRED: { zh: '登录已过期，请重新登录', en: 'Your session has expired. Please sign in again.', action: 'relogin' },
  RATE_LIMITED: { zh: '尝试次数过多，请稍后再试', en: 'Too many attempts. Wait a moment and try again.', action: 'retry' },
  BACKEND_BUSY: { zh: '登录服务器繁忙，请稍后重试', en: 'The sign-in server is busy. Try again in a moment.', action: 'retry' },
  BACKEND_ERROR: { zh: '登录服务器出错，请稍后重试', en: 'The sign-in server had a problem. Try again shortly.', action: 'retry' },
  TCCC_REFUSED: { zh: '腾讯云联络中心拒绝签发登录凭证，请联系管理员', en: 'Tencent Cloud Contact Center refused to issue a login token. Contact your administrator.', action: 'contact-admin' },
  SEAT_STATUS_REFUSED: { zh: '腾讯云联络中心未能更改座席状态，请稍后重试', en: 'Tencent Cloud Contact Center did not change your seat status. Try again shortly.', action: 'retry' },
  MALFORMED_RESPONSE: { zh: '服务器返回了无法识别的数据', en: 'The server sent a response the app does not understand.', action: 'retry' },
  TOKEN_RENEWS_AFTER_CALL: { zh: '登录凭证已过期，本次操作未生效；通话结束后将自动续期，无需重新登录', en: 'Your sign-in expired, so this did not go through. It renews by itself when the call ends: no need to sign in again.', action: 'none' },
  KICKED: { zh: '账号已在其他设备登录，您已被下线', en: 'You were signed out because this account signed in on another device.', action: 'relogin' },
  TAB_IN_CALL: { zh: '另一个标签页正在通话中，通话结束后再点“在此使用”', en: 'The other tab is on a call. Tap “Use here” again when the call has ended.', action: 'end-current-call' },
  TAB_ELSEWHERE: { zh: '本标签页暂不接打电话：本坐席正在本浏览器的另一个标签页中连接联络中心。点“在此使用”即可在本页拨打、接听和更改状态', en: 'This tab takes no calls: the seat is connected to the contact center in another tab of this browser. Tap “Use here” to make and take calls and change your status in this tab.', action: 'none' },
  TAB_BUSY: { zh: '另一个标签页正在登录联络中心，请稍后再试', en: 'The other tab is connecting to the contact center. Try again in a moment.', action: 'retry' },
  RINGTONE_BLOCKED: { zh: '浏览器阻止了来电铃声：点按屏幕任意处即可响铃', en: 'The browser blocked the ringtone: tap anywhere on the screen to hear it.', action: 'none' },
  UNKNOWN: { zh: '发生未知错误，请重试', en: 'Something went wrong. Try again.', action: 'retry' },
} as const satisfies Record<string, ErrorEntry>

export type SdkErrorSymbol = keyof typeof SDK_ERRORS
export type AppErrorSymbol = keyof typeof APP_ERRORS
export type ErrorSymbol = SdkErrorSymbol | AppErrorSymbol

const BY_CODE: ReadonlyMap<number, SdkErrorSymbol> = new Map(
  (Object.keys(SDK_ERRORS) as SdkErrorSymbol[]).map((symbol) => [SDK_ERRORS[symbol].code, symbol]),
)

export function entryFor(symbol: ErrorSymbol): ErrorEntry {
  return (SDK_ERRORS as Record<string, ErrorEntry>)[symbol] ?? (APP_ERRORS as Record<string, ErrorEntry>)[symbol]
}

export function symbolForCode(code: number): SdkErrorSymbol | undefined {
  return BY_CODE.get(code)
}

export type Locale = 'zh' | 'en'

/** A failure with a catalogue entry. `message` stays in English for logs; show `localized()`. */
export class TcccError extends Error {
  readonly symbol: ErrorSymbol
  /** The SDK's numeric code, or undefined for app-detected failures. */
  readonly code: number | undefined
  readonly action: ErrorAction
  /** What the SDK or server said, kept verbatim for diagnostics. */
  readonly detail: string
  /**
   * The SDK's own words, shown with an error the catalogue has no entry for: the Web SDK answers
   * `{ status: 'error', errorMsg }` without a code, and its guide says to show `errorMsg`.
   */
  readonly sdkMessage: string

  constructor(symbol: ErrorSymbol, detail = '', code?: number, sdkMessage = '') {
    const entry = entryFor(symbol)
    const effectiveCode = code ?? entry.code
    super(`${symbol}${effectiveCode !== undefined ? ` (${effectiveCode})` : ''}: ${entry.en}${detail ? ` [${detail}]` : ''}`)
    this.name = 'TcccError'
    this.symbol = symbol
    this.code = effectiveCode
    this.action = entry.action
    this.detail = detail
    // One short line: no control characters, no wall of text on the call screen.
    // eslint-disable-next-line no-control-regex -- control characters are what it removes
    const oneLine = sdkMessage.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
    this.sdkMessage = oneLine.length > 100 ? `${oneLine.slice(0, 99)}…` : oneLine
  }

  /** A failure the SDK described only in words (no code): shown with those words. */
  static fromSdkMessage(message: string): TcccError {
    return new TcccError('UNKNOWN', message, undefined, message)
  }

  /** Error from an SDK `(code, message)` callback; unknown codes keep their number. */
  static fromCode(code: number, sdkMessage = ''): TcccError {
    const symbol = symbolForCode(code)
    if (!symbol) return new TcccError('UNKNOWN', sdkMessage, code)
    return new TcccError(symbol, sdkMessage, undefined, entryFor(symbol).withSdkMessage ? sdkMessage : '')
  }

  localized(locale: Locale): string {
    const entry = entryFor(this.symbol)
    const text = entry[locale]
    if (entry.withSdkMessage && this.sdkMessage) return locale === 'zh' ? `${text}（${this.sdkMessage}）` : `${text} (${this.sdkMessage})`
    if (this.symbol !== 'UNKNOWN') return text
    // An unknown code or the SDK's own words are all support has to go on: show them.
    if (this.code !== undefined) return locale === 'zh' ? `${text}（错误码 ${this.code}）` : `${text} (error code ${this.code})`
    if (this.sdkMessage) return locale === 'zh' ? `${text}（联络中心：${this.sdkMessage}）` : `${text} (contact center: ${this.sdkMessage})`
    return text
  }
}

export function isTcccError(value: unknown): value is TcccError {
  return value instanceof TcccError
}

/** Wrap anything thrown into a TcccError so callers handle one type. */
export function toTcccError(value: unknown): TcccError {
  if (value instanceof TcccError) return value
  const detail = value instanceof Error ? value.message : String(value)
  return new TcccError('UNKNOWN', detail)
}
