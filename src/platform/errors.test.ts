import { describe, expect, it } from 'vitest'
import { APP_ERRORS, SDK_ERRORS, TcccError, entryFor, isTcccError, symbolForCode, toTcccError, type ErrorSymbol } from './errors'

/** Every row of the SDK error table in shared/reference/tccc-sdk.md (uni-app + Android/iOS). */
const REFERENCE_TABLE: Array<[string, number]> = [
  ['ERR_HTTP_REQUEST_FAILURE', -10001],
  ['ERR_HTTP_TOKEN_ERROR', -10002],
  ['ERR_HTTP_GETSIPINFO_ERROR', -10003],
  ['ERR_NETWORK_CANNOT_RESET', -10004],
  ['ERR_HAD_LOGGEDOUT', -10005],
  ['ERR_UNRIGIST_FAILURE', 20001],
  ['ERR_ANSWER_FAILURE', 20002],
  ['ERR_SIPURI_WRONGFORMAT', 20003],
  ['ERR_SIP_BAD_REQUEST', 400],
  ['ERR_SIP_UNAUTHORIZED', 401],
  ['ERR_SIP_PAYMENTREQUIRED', 402],
  ['ERR_SIP_FORBIDDEN', 403],
  ['ERR_SIP_AUTHENTICATION_REQUIRED', 407],
  ['ERR_SIP_REQUESTTIMEOUT', 408],
  ['ERR_SIP_REQUEST_TERMINATED', 487],
  ['ERR_SIP_SERVICE_UNAVAILABLE', 503],
  ['ERR_SIP_SERVER_TIMEOUT', 504],
  ['ERR_MIC_START_FAIL', -1302],
  ['ERR_UNSUPPORTED_SAMPLERATE', -1306],
  ['ERR_MIC_NOT_AUTHORIZED', -1317],
  ['ERR_MIC_SET_PARAM_FAIL', -1318],
  ['ERR_MIC_OCCUPY', -1319],
  ['ERR_MIC_STOP_FAIL', -1320],
  ['ERR_SPEAKER_START_FAIL', -1321],
  ['ERR_SPEAKER_SET_PARAM_FAIL', -1322],
  ['ERR_SPEAKER_STOP_FAIL', -1323],
  ['ERR_RTC_ENTER_ROOM_FAILED', -3301],
  ['ERR_RTC_REQUEST_IP_TIMEOUT', -3307],
  ['ERR_RTC_CONNECT_SERVER_TIMEOUT', -3308],
  ['ERR_RTC_ENTER_ROOM_REFUSED', -3340],
]

describe('error catalogue', () => {
  it.each(REFERENCE_TABLE)('%s (%i) has its code, zh and en text and an action', (symbol, code) => {
    expect(symbolForCode(code)).toBe(symbol)
    const entry = entryFor(symbol as ErrorSymbol)
    expect(entry.code).toBe(code)
    expect(entry.zh).toMatch(/[\u4e00-\u9fff]/)
    expect(entry.en).toMatch(/^[A-Z].*\.$/)
    expect(entry.action).not.toBe('none')
  })

  it('has no SDK code outside the reference table and no duplicate codes', () => {
    const codes = Object.values(SDK_ERRORS).map((e) => e.code)
    expect(new Set(codes).size).toBe(codes.length)
    expect(codes.sort()).toEqual(REFERENCE_TABLE.map(([, c]) => c).sort())
  })

  it('gives every app error both languages', () => {
    for (const entry of Object.values(APP_ERRORS)) {
      expect(entry.zh.length).toBeGreaterThan(0)
      expect(entry.en.length).toBeGreaterThan(0)
    }
  })

  it('maps the telephony-critical codes to the right next action', () => {
    expect(TcccError.fromCode(-10002).action).toBe('relogin')
    expect(TcccError.fromCode(402).action).toBe('buy-seats')
    expect(TcccError.fromCode(-1317).action).toBe('grant-microphone')
    expect(TcccError.fromCode(-10004).action).toBe('end-current-call')
    expect(TcccError.fromCode(-10001).action).toBe('check-network')
    expect(TcccError.fromCode(503).action).toBe('retry')
  })

  it('sends device failures to the device, configuration to the administrator (the SDK guide per code)', () => {
    // -1302 is a device or driver failure (denied permission is -1317): settings would not help.
    expect(TcccError.fromCode(-1302).action).toBe('check-audio-device')
    expect(TcccError.fromCode(-1321).action).toBe('check-audio-device')
    // -10003: the seat's configuration could not be read; "contact us" in the guide.
    expect(TcccError.fromCode(-10003).action).toBe('contact-admin')
    // -3340: a repeated enterRoom for the same room, not something an administrator changes.
    expect(TcccError.fromCode(-3340).action).toBe('retry')
    expect(new TcccError('INSECURE_CONTEXT').action).toBe('use-https')
  })
})

describe('TcccError', () => {
  it('keeps the SDK code, symbol and verbatim detail', () => {
    const error = TcccError.fromCode(402, 'seats full')
    expect(error).toBeInstanceOf(Error)
    expect(error.symbol).toBe('ERR_SIP_PAYMENTREQUIRED')
    expect(error.code).toBe(402)
    expect(error.detail).toBe('seats full')
    expect(error.message).toContain('(402)')
    expect(error.localized('zh')).toBe(SDK_ERRORS.ERR_SIP_PAYMENTREQUIRED.zh)
    expect(error.localized('en')).toBe(SDK_ERRORS.ERR_SIP_PAYMENTREQUIRED.en)
  })

  it('keeps an unknown code visible to the agent', () => {
    const error = TcccError.fromCode(-99999, 'odd')
    expect(error.symbol).toBe('UNKNOWN')
    expect(error.code).toBe(-99999)
    expect(error.localized('en')).toBe(`${APP_ERRORS.UNKNOWN.en} (error code -99999)`)
  })

  it("shows the SDK's own words with a failure it gave no code for (the Web SDK's errorMsg), on one short line", () => {
    const error = TcccError.fromSdkMessage('line\nbusy')
    expect(error.symbol).toBe('UNKNOWN')
    expect(error.localized('zh')).toBe(`${APP_ERRORS.UNKNOWN.zh}（联络中心：line busy）`)
    expect(error.localized('en')).toBe(`${APP_ERRORS.UNKNOWN.en} (contact center: line busy)`)
    expect(TcccError.fromSdkMessage('x'.repeat(300)).sdkMessage).toHaveLength(100)
    // Anything else thrown keeps its words for the logs only.
    expect(toTcccError(new Error('Cannot read properties of undefined')).localized('en')).toBe(APP_ERRORS.UNKNOWN.en)
  })

  it('wraps anything thrown', () => {
    const original = new TcccError('KICKED')
    expect(toTcccError(original)).toBe(original)
    const wrapped = toTcccError(new Error('boom'))
    expect(wrapped.symbol).toBe('UNKNOWN')
    expect(wrapped.detail).toBe('boom')
    expect(toTcccError('text').detail).toBe('text')
  })
})

describe('TcccError details (mutation-tested)', () => {
  it('names itself and spells the log message as symbol (code): English text [detail]', () => {
    const sdk = TcccError.fromCode(-10002, 'expired at 12:00')
    expect(sdk.name).toBe('TcccError')
    expect(sdk.message).toBe(`ERR_HTTP_TOKEN_ERROR (-10002): ${SDK_ERRORS.ERR_HTTP_TOKEN_ERROR.en} [expired at 12:00]`)
    // App errors have no code and an empty detail adds no brackets.
    const app = new TcccError('KICKED')
    expect(app.message).toBe(`KICKED: ${APP_ERRORS.KICKED.en}`)
    expect(app.code).toBeUndefined()
    expect(app.detail).toBe('')
    expect(app.action).toBe('relogin')
    expect(TcccError.fromCode(20003).detail).toBe('')
  })

  it('finds app entries as well as SDK entries, and SDK codes only', () => {
    expect(entryFor('KICKED')).toBe(APP_ERRORS.KICKED)
    expect(entryFor('ERR_SIP_FORBIDDEN')).toBe(SDK_ERRORS.ERR_SIP_FORBIDDEN)
    expect(symbolForCode(404)).toBeUndefined()
    expect(symbolForCode(-3340)).toBe('ERR_RTC_ENTER_ROOM_REFUSED')
  })

  it('adds a code to the localized text only for an UNKNOWN error that has one', () => {
    expect(new TcccError('UNKNOWN').localized('zh')).toBe(APP_ERRORS.UNKNOWN.zh)
    expect(new TcccError('UNKNOWN', '', 7).localized('zh')).toBe(`${APP_ERRORS.UNKNOWN.zh}（错误码 7）`)
    expect(new TcccError('KICKED', '', 7).localized('en')).toBe(APP_ERRORS.KICKED.en)
    expect(new TcccError('KICKED', '', 7).code).toBe(7)
    expect(TcccError.fromCode(-99999).message).toBe(`UNKNOWN (-99999): ${APP_ERRORS.UNKNOWN.en}`)
  })

  it('wraps a non-Error value by its string form', () => {
    expect(toTcccError(42).detail).toBe('42')
    expect(toTcccError(undefined).detail).toBe('undefined')
    expect(toTcccError({ message: 'not an Error' }).detail).toBe('[object Object]')
    expect(isTcccError(new TcccError('KICKED'))).toBe(true)
    expect(isTcccError(new Error('KICKED'))).toBe(false)
  })
})

describe('SDK messages that carry the reason', () => {
  it('-3301 shows the msg its onError gives (seed 003: "请查看 onError 中的 -3301 对应的 msg 提示确认失败原因")', () => {
    const failure = TcccError.fromCode(-3301, 'enter room refused: room full')
    expect(failure.localized('en')).toBe('Could not join the media session. Try again. (enter room refused: room full)')
    expect(failure.localized('zh')).toBe('进入媒体房间失败，请重试（enter room refused: room full）')
    expect(TcccError.fromCode(-3301).localized('en')).toBe('Could not join the media session. Try again.')
  })

  it('other known codes keep the catalogue text alone (the SDK message goes to the detail for logs)', () => {
    const failure = TcccError.fromCode(-1317, 'NotAllowedError: permission denied')
    expect(failure.localized('en')).toBe('Microphone access is denied. Allow it in system settings.')
    expect(failure.detail).toBe('NotAllowedError: permission denied')
  })

  it('the microphone or speaker that cannot be configured mid-call points at the device, not at trying again', () => {
    expect(TcccError.fromCode(-1318).action).toBe('check-audio-device')
    expect(TcccError.fromCode(-1322).action).toBe('check-audio-device')
  })
})
