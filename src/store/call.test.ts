import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { RING_TIMEOUT_MS } from '@/platform/simulated/index'
import { RINGTONE_URL, useCallStore, validateDialNumber, validateSeatAccount, type CallState } from '@/store/call'
import { useConnectionStore } from '@/store/connection'
import { useCallerNumbersStore } from '@/store/callerNumbers'
import { useWrapupStore } from '@/store/wrapup'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSettingsStore } from '@/store/settings'
import { callsOf, loginSdk, methods, settle, setupCore, type Core } from './__tests__/harness'

// The platform selector needs uni's conditional compilation; these tests run over the simulator.
vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

const device = vi.hoisted(() => ({
  permission: 'granted' as 'granted' | 'denied',
  pending: null as Promise<'granted' | 'denied'> | null,
  canOpenSettings: false,
  settingsOpened: 0,
  screenOn: [] as boolean[],
}))
vi.mock('@/platform/device', () => ({
  ensureMicrophonePermission: () => device.pending ?? Promise.resolve(device.permission),
  canOpenMicrophoneSettings: () => device.canOpenSettings,
  openMicrophoneSettings: () => {
    device.settingsOpened += 1
  },
  keepScreenOn: (on: boolean) => device.screenOn.push(on),
}))

let core: Core

/** Every state the call store enters, in order (synchronous subscription). */
function trackStates(): CallState[] {
  const call = useCallStore()
  const seen: CallState[] = [call.state]
  call.$subscribe(
    () => {
      if (seen[seen.length - 1] !== call.state) seen.push(call.state)
    },
    { flush: 'sync' },
  )
  return seen
}

beforeEach(async () => {
  device.permission = 'granted'
  device.pending = null
  device.canOpenSettings = false
  device.settingsOpened = 0
  device.screenOn = []
  core = setupCore()
  await loginSdk(core)
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2026-03-01T10:00:00Z'))
})

afterEach(() => {
  vi.useRealTimers()
})

describe('outbound calls', () => {
  it('dials through the SDK, rings, becomes active when answered and ends on hang-up', async () => {
    const call = useCallStore()
    const states = trackStates()
    await expect(call.placeCall({ to: '13800138000', remark: 'Alice' })).resolves.toBe(true)
    expect(callsOf(core, 'call')).toEqual([[{ to: '13800138000', remark: 'Alice' }]])
    expect(call.state).toBe('ringing')
    expect(call.direction).toBe('out')
    expect(call.peer).toBe('13800138000')
    expect(call.remark).toBe('Alice')
    expect(call.sessionId).toMatch(/^sim-/)
    expect(call.startedAt).toBe(Date.parse('2026-03-01T10:00:00Z'))

    vi.setSystemTime(new Date('2026-03-01T10:00:05Z'))
    expect(core.sim.answerOutbound()).toBe(true)
    expect(call.state).toBe('active')
    expect(call.answeredAt).toBe(Date.parse('2026-03-01T10:00:05Z'))

    vi.setSystemTime(new Date('2026-03-01T10:01:10Z'))
    expect(call.durationAt(Date.now())).toBe(65)
    await expect(call.hangUp()).resolves.toBe(true)
    expect(methods(core)).toContain('terminate')
    expect(call.state).toBe('ended')
    expect(call.endReason).toBe('local-bye')
    expect(call.durationSec).toBe(65)
    expect(states).toEqual(['idle', 'dialing', 'ringing', 'active', 'ended'])

    call.close()
    expect(call.state).toBe('idle')
    expect(call.sessionId).toBeNull()
  })

  it('records the finished call in history and in the numbers list', async () => {
    const numbers = useNumbersStore()
    numbers.add('13800138000', 'Alice')
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    const id = call.sessionId
    core.sim.answerOutbound()
    vi.setSystemTime(new Date('2026-03-01T10:00:30Z'))
    core.sim.remoteHangup()
    expect(call.state).toBe('ended')
    expect(call.endReason).toBe('remote-bye')
    expect(useHistoryStore().records).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        sessionId: id,
        number: '13800138000',
        direction: 'out',
        outcome: 'answered',
        startedAt: Date.parse('2026-03-01T10:00:00Z'),
        answeredAt: Date.parse('2026-03-01T10:00:00Z'),
        endedAt: Date.parse('2026-03-01T10:00:30Z'),
        durationSec: 30,
        endReason: 'remote-bye',
      },
    ])
    const entry = numbers.lookup('13800138000')
    expect(entry?.callCount).toBe(1)
    expect(entry?.lastOutcome).toBe('answered')
  })

  it('a double placeCall never places two calls', async () => {
    const call = useCallStore()
    const first = call.placeCall({ to: '13800138000' })
    const second = call.placeCall({ to: '13800138000' })
    await expect(second).resolves.toBe(false)
    await expect(first).resolves.toBe(true)
    expect(callsOf(core, 'call')).toHaveLength(1)
    expect(call.busy).toBe(false)
  })

  it('refuses placeCall while a call is in progress', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    await expect(call.placeCall({ to: '13900139000' })).resolves.toBe(false)
    expect(callsOf(core, 'call')).toHaveLength(1)
    expect(call.peer).toBe('13800138000')
  })

  it('a failed placeCall goes to ended with the error shown, never to ringing', async () => {
    const call = useCallStore()
    const states = trackStates()
    core.sim.failNext('call', -10004)
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(false)
    expect(states).toEqual(['idle', 'dialing', 'ended'])
    expect(call.error?.symbol).toBe('ERR_NETWORK_CANNOT_RESET')
    expect(call.error?.localized('zh')).toBe('正在通话中，无法发起新的呼叫')
    expect(call.endReason).toBe('error')
    expect(useHistoryStore().records[0]).toMatchObject({ number: '13800138000', outcome: 'failed', errorSymbol: 'ERR_NETWORK_CANNOT_RESET' })
    // No SDK session: the record still gets its own id (sent to the server as is), no session id.
    expect(useHistoryStore().records[0].id).toMatch(/^[0-9a-f-]{36}$/)
    expect(useHistoryStore().records[0].sessionId).toBeUndefined()
  })

  it('asks for the microphone first and never dials when it is denied', async () => {
    device.permission = 'denied'
    const call = useCallStore()
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(false)
    expect(call.state).toBe('ended')
    expect(call.error?.symbol).toBe('ERR_MIC_NOT_AUTHORIZED')
    expect(methods(core)).not.toContain('call')
  })

  it('offers the system microphone settings where the platform can open them', async () => {
    device.permission = 'denied'
    expect(useCallStore().canOpenMicrophoneSettings).toBe(false)
    setupCore() // a fresh pinia, so the store asks the platform again
    device.canOpenSettings = true
    const call = useCallStore()
    expect(call.canOpenMicrophoneSettings).toBe(true)
    await call.placeCall({ to: '13800138000' })
    expect(call.error?.action).toBe('grant-microphone')
    call.openMicrophoneSettings()
    expect(device.settingsOpened).toBe(1)
  })

  it('rejects a number that cannot be dialled without asking the SDK', async () => {
    const call = useCallStore()
    await expect(call.placeCall({ to: '12ab' })).resolves.toBe(false)
    expect(call.state).toBe('ended')
    expect(call.error?.symbol).toBe('INVALID_NUMBER')
    expect(methods(core)).not.toContain('call')
  })

  it('can start the next call from the ended screen', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.rejectOutbound()
    expect(call.state).toBe('ended')
    expect(call.endReason).toBe('rejected')
    await expect(call.placeCall({ to: '13900139000' })).resolves.toBe(true)
    expect(call.state).toBe('ringing')
    expect(call.peer).toBe('13900139000')
    expect(call.endReason).toBeNull()
  })

  it('hanging up while the microphone prompt is open cancels the call before it is placed', async () => {
    let grant: (value: 'granted') => void = () => undefined
    device.pending = new Promise((resolve) => (grant = resolve))
    const call = useCallStore()
    const placing = call.placeCall({ to: '13800138000' })
    expect(call.state).toBe('dialing')
    expect(call.busy).toBe(true)
    await expect(call.hangUp()).resolves.toBe(true)
    expect(call.state).toBe('ended')
    expect(call.endReason).toBe('local-bye')
    grant('granted')
    await expect(placing).resolves.toBe(false)
    expect(methods(core)).not.toContain('call')
    expect(useHistoryStore().records[0]).toMatchObject({ outcome: 'cancelled' })
  })

  it('ends with timeout when nobody answers', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.clock.advance(RING_TIMEOUT_MS)
    expect(call.state).toBe('ended')
    expect(call.endReason).toBe('timeout')
    expect(useHistoryStore().records[0].outcome).toBe('no-answer')
  })
})

describe('audio route, mute and DTMF', () => {
  async function activeCall(core: Core) {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    return call
  }

  it('applies the preferred route from the settings store at call start', async () => {
    useSettingsStore().setAudioRoute('speakerphone')
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    const log = methods(core)
    expect(log.indexOf('setAudioRoute')).toBeGreaterThan(log.indexOf('call'))
    expect(callsOf(core, 'setAudioRoute')).toEqual([['speakerphone']])
    expect(call.audioRoute).toBe('speakerphone')
  })

  it('switches the route only after the SDK accepted, and remembers it', async () => {
    const call = await activeCall(core)
    expect(call.audioRoute).toBe('earpiece')
    await expect(call.toggleAudioRoute()).resolves.toBe(true)
    expect(callsOf(core, 'setAudioRoute').at(-1)).toEqual(['speakerphone'])
    expect(call.audioRoute).toBe('speakerphone')
    expect(useSettingsStore().audioRoute).toBe('speakerphone')

    core.sim.failNext('setAudioRoute', -1321)
    await expect(call.toggleAudioRoute()).resolves.toBe(false)
    expect(call.audioRoute).toBe('speakerphone')
    expect(useSettingsStore().audioRoute).toBe('speakerphone')
    expect(call.error?.symbol).toBe('ERR_SPEAKER_START_FAIL')
  })

  it('outside a call only the preference changes (no SDK call)', async () => {
    const call = useCallStore()
    await expect(call.setAudioRoute('speakerphone')).resolves.toBe(true)
    expect(useSettingsStore().audioRoute).toBe('speakerphone')
    expect(methods(core)).not.toContain('setAudioRoute')
  })

  it('mutes only after the SDK accepted', async () => {
    const call = await activeCall(core)
    core.sim.failNext('mute', -1320)
    await expect(call.toggleMute()).resolves.toBe(false)
    expect(call.muted).toBe(false)
    await expect(call.toggleMute()).resolves.toBe(true)
    expect(call.muted).toBe(true)
    await expect(call.toggleMute()).resolves.toBe(true)
    expect(call.muted).toBe(false)
    expect(methods(core).filter((m) => m === 'mute' || m === 'unmute')).toEqual(['mute', 'mute', 'unmute'])
  })

  it('unmutes the SDK when a muted call ends', async () => {
    const call = await activeCall(core)
    await call.toggleMute()
    core.sim.remoteHangup()
    await settle()
    expect(methods(core).at(-1)).toBe('unmute')
    // The next call starts unmuted.
    await call.placeCall({ to: '13900139000' })
    expect(call.muted).toBe(false)
  })

  it('sends DTMF digits and remembers what was sent', async () => {
    const call = await activeCall(core)
    await call.sendDigit('1')
    await call.sendDigit('#')
    expect(callsOf(core, 'sendDTMF')).toEqual([['1'], ['#']])
    expect(call.dtmfSent).toBe('1#')
    await expect(call.sendDigit('x')).resolves.toBe(false)
    expect(call.error?.symbol).toBe('INVALID_DTMF')
    expect(callsOf(core, 'sendDTMF')).toHaveLength(2)
  })

  it('refuses DTMF when no call is active', async () => {
    const call = useCallStore()
    await expect(call.sendDigit('1')).resolves.toBe(false)
    expect(call.error?.symbol).toBe('NO_ACTIVE_CALL')
    expect(methods(core)).not.toContain('sendDTMF')
  })

  it('shows network quality and volume reported during the call', async () => {
    const call = await activeCall(core)
    core.sim.setNetworkQuality(4)
    expect(call.quality).toBe(4)
    core.clock.advance(2000)
    expect(call.peerVolume).toBeGreaterThan(0)
  })
})

describe('incoming calls', () => {
  it('rings, shows the remark from the numbers list, and answers', async () => {
    useNumbersStore().add('13700137000', 'Bob')
    const call = useCallStore()
    const id = core.sim.incomingCall({ from: '13700137000' })
    expect(call.state).toBe('incoming')
    expect(call.sessionId).toBe(id)
    expect(call.direction).toBe('in')
    expect(call.remark).toBe('Bob')
    await settle()
    expect(callsOf(core, 'startRinging')).toEqual([[RINGTONE_URL]])

    await expect(call.answerIncoming()).resolves.toBe(true)
    expect(call.state).toBe('active')
    const log = methods(core)
    expect(log.indexOf('stopRinging')).toBeLessThan(log.indexOf('answer'))
    expect(log.indexOf('setAudioRoute')).toBeGreaterThan(log.indexOf('answer'))
    expect(call.answeredAt).not.toBeNull()
  })

  it('rejecting stops the ringtone, ends the call and records it as rejected', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000', remark: 'From SDK' })
    expect(call.remark).toBe('From SDK')
    await expect(call.rejectIncoming()).resolves.toBe(true)
    expect(call.state).toBe('ended')
    // The SDK reports the agent's own reject as a local hang-up; history still says rejected.
    expect(call.endReason).toBe('local-bye')
    expect(methods(core)).toEqual(expect.arrayContaining(['startRinging', 'stopRinging', 'terminate']))
    expect(useHistoryStore().records[0]).toMatchObject({ direction: 'in', outcome: 'rejected', number: '13700137000' })
  })

  it('a caller who gives up is a missed call and the ringtone stops', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    await settle()
    core.sim.remoteHangup()
    await settle()
    expect(call.state).toBe('ended')
    expect(call.endReason).toBe('remote-cancel')
    expect(methods(core).at(-1)).toBe('stopRinging')
    expect(useHistoryStore().records[0].outcome).toBe('missed')
  })

  it('an answer failure keeps the call ringing with the error shown, until a retry connects the caller', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    core.sim.failNext('answer', 20002)
    await expect(call.answerIncoming()).resolves.toBe(false)
    expect(call.state).toBe('incoming')
    expect(call.error?.symbol).toBe('ERR_ANSWER_FAILURE')
    expect(methods(core).filter((m) => m === 'startRinging')).toHaveLength(2)
    // Answered on the second try: the first try's message does not stay on the connected call.
    await expect(call.answerIncoming()).resolves.toBe(true)
    expect(call.state).toBe('active')
    expect(call.error).toBeNull()
  })

  /** The browser refuses play() without a user gesture while `blocked.value` is true. */
  function browserAutoplay(blocked: { value: boolean }): void {
    const refused = () => Object.assign(new Error("play() failed because the user didn't interact with the document first"), { name: 'NotAllowedError' })
    uni.createInnerAudioContext = fn(() => ({
      src: '',
      loop: false,
      play: fn(),
      stop: fn(),
      destroy: fn(),
      _audio: { play: () => (blocked.value ? Promise.reject(refused()) : Promise.resolve()) },
    })) as unknown as typeof uni.createInnerAudioContext
  }

  it('a blocked ringtone is reported to the agent and rings on the next tap', async () => {
    const blocked = { value: true }
    browserAutoplay(blocked)
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    await settle()
    expect(call.state).toBe('incoming')
    expect(call.ringtoneError?.symbol).toBe('RINGTONE_BLOCKED')
    expect(call.ringtoneError?.localized('en')).toBe('The browser blocked the ringtone: tap anywhere on the screen to hear it.')

    // A tap while the browser still refuses: tried again, still reported.
    call.retryRingtone()
    await settle()
    expect(callsOf(core, 'startRinging')).toEqual([[RINGTONE_URL], [RINGTONE_URL]])
    expect(call.ringtoneError?.symbol).toBe('RINGTONE_BLOCKED')

    blocked.value = false
    call.retryRingtone()
    await settle()
    expect(callsOf(core, 'startRinging')).toHaveLength(3)
    expect(call.ringtoneError).toBeNull()
    // Ringing now: further taps change nothing.
    call.retryRingtone()
    await settle()
    expect(callsOf(core, 'startRinging')).toHaveLength(3)
  })

  it('the blocked-ringtone notice goes when the call stops ringing, and a late tap does not ring', async () => {
    browserAutoplay({ value: true })
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    await settle()
    expect(call.ringtoneError).not.toBeNull()
    await expect(call.rejectIncoming()).resolves.toBe(true)
    expect(call.ringtoneError).toBeNull()
    call.retryRingtone()
    await settle()
    expect(callsOf(core, 'startRinging')).toHaveLength(1)
  })

  it('other ringtone failures are logged, not shown as a blocked ringtone', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const call = useCallStore()
    core.sim.failNext('startRinging', -1321)
    core.sim.incomingCall({ from: '13700137000' })
    await settle()
    expect(call.ringtoneError).toBeNull()
    expect(warn).toHaveBeenCalledWith('[call] startRinging failed', 'ERR_SPEAKER_START_FAIL')
  })

  it('an incoming call during an active call never disturbs it and is recorded as missed', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    const currentId = call.sessionId
    const otherId = core.sim.incomingCall({ from: '13700137000' })
    expect(call.state).toBe('active')
    expect(call.sessionId).toBe(currentId)
    expect(call.peer).toBe('13800138000')
    core.clock.advance(RING_TIMEOUT_MS)
    expect(call.state).toBe('active')
    expect(methods(core)).not.toContain('startRinging')
    expect(useHistoryStore().records).toEqual([
      expect.objectContaining({ sessionId: otherId, number: '13700137000', direction: 'in', outcome: 'missed', endReason: 'timeout' }),
    ])
    await call.hangUp()
    expect(useHistoryStore().records[0]).toMatchObject({ sessionId: currentId, outcome: 'answered' })
  })

  it('shows a second caller as waiting during the call, and records them as missed when our call ends first', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    const otherId = core.sim.incomingCall({ from: '13700137000' })
    expect(call.waiting).toEqual([{ sessionId: otherId, number: '13700137000', remark: '' }])
    expect(useHistoryStore().records).toHaveLength(0)
    await call.hangUp()
    expect(call.waiting).toEqual([])
    // Our call and the second caller, missed, are both in history at once.
    const missed = useHistoryStore().records.find((r) => r.sessionId === otherId)
    expect(missed).toMatchObject({ number: '13700137000', direction: 'in', outcome: 'missed' })
    // Its own end later replaces the record (same id), still missed, with the real reason.
    core.clock.advance(RING_TIMEOUT_MS)
    const after = useHistoryStore().records.filter((r) => r.sessionId === otherId)
    expect(after).toEqual([expect.objectContaining({ id: missed?.id, outcome: 'missed', endReason: 'timeout' })])
  })

  it('shows the quality as down while the connection is lost or reconnecting, as the banner does', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    core.sim.setNetworkQuality(1)
    expect(call.linkQuality).toBe(1)
    core.sim.dropConnection()
    expect(useConnectionStore().state).toBe('lost')
    expect(call.linkQuality).toBe(6)
    core.sim.startReconnect()
    expect(call.linkQuality).toBe(6)
    core.sim.restoreConnection()
    expect(call.linkQuality).toBe(1)
  })

  it('does not ask the SDK to call while the connection is lost or reconnecting, and says why', async () => {
    const call = useCallStore()
    core.sim.dropConnection()
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(false)
    expect(call.state).toBe('ended')
    expect(call.error?.symbol).toBe('CONNECTION_LOST')
    expect(call.error?.localized('zh')).toBe('与联络中心的连接已断开，恢复后再拨')
    expect(call.error?.action).toBe('check-network')
    core.sim.startReconnect()
    call.close()
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(false)
    expect(callsOf(core, 'call')).toHaveLength(0)
    core.sim.restoreConnection()
    call.close()
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(true)
    expect(callsOf(core, 'call')).toHaveLength(1)
  })

  it('late events of a finished session do not touch the next call', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    const first = call.sessionId as string
    core.sim.rejectOutbound()
    await call.placeCall({ to: '13900139000' })
    call.applyEvent({ type: 'ended', sessionId: first, reason: 'remote-bye', message: 'late' })
    call.applyEvent({ type: 'accepted', sessionId: first })
    expect(call.state).toBe('ringing')
    expect(call.peer).toBe('13900139000')
  })
})

describe('SDK device errors (onError) during a call', () => {
  async function activeCall(): Promise<ReturnType<typeof useCallStore>> {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    expect(call.state).toBe('active')
    return call
  }

  it.each([
    [-1302, 'ERR_MIC_START_FAIL', 'check-audio-device'],
    [-1317, 'ERR_MIC_NOT_AUTHORIZED', 'grant-microphone'],
    [-1319, 'ERR_MIC_OCCUPY', 'free-microphone'],
    [-1321, 'ERR_SPEAKER_START_FAIL', 'check-audio-device'],
  ])('audio device code %i shows on the call and the call stays as the SDK keeps it', async (code, symbol, action) => {
    const call = await activeCall()
    core.sim.deviceError(code)
    expect(call.error).toMatchObject({ code, symbol, action })
    expect(call.state).toBe('active')
    expect(methods(core)).not.toContain('terminate')
  })

  it.each([
    [-3301, 'ERR_RTC_ENTER_ROOM_FAILED'],
    [-3307, 'ERR_RTC_REQUEST_IP_TIMEOUT'],
    [-3308, 'ERR_RTC_CONNECT_SERVER_TIMEOUT'],
  ])('media code %i: the SDK ends the call; the ended call explains why', async (code, symbol) => {
    const call = await activeCall()
    core.sim.deviceError(code)
    expect(call.state).toBe('ended')
    expect(call.endReason).toBe('error')
    expect(call.error?.symbol).toBe(symbol)
    expect(useHistoryStore().records[0]).toMatchObject({ outcome: 'answered', endReason: 'error', errorSymbol: symbol })
  })

  it('a media error that follows the SDK ending the call replaces the unknown cause', async () => {
    const call = await activeCall()
    call.applyEvent({ type: 'ended', sessionId: call.sessionId as string, reason: 'error', message: 'media' })
    expect(call.error?.symbol).toBe('UNKNOWN')
    expect(call.reportSdkError(-3308, 'late')).toBe(true)
    expect(call.error?.symbol).toBe('ERR_RTC_CONNECT_SERVER_TIMEOUT')
  })

  it('other codes and codes with no call do not touch the call screen', async () => {
    const call = useCallStore()
    expect(call.reportSdkError(-1317, 'idle')).toBe(false)
    expect(call.error).toBeNull()
    await activeCall()
    expect(call.reportSdkError(-1320, 'microphone stop')).toBe(false)
    expect(call.error).toBeNull()
  })

  it.each([-1306, -1318, -1322, -3340])('%i (the microphone or speaker cannot be set up, the media session refused) goes on the live call screen', async (code) => {
    const call = await activeCall()
    expect(call.reportSdkError(code, 'media')).toBe(true)
    expect(call.error?.code).toBe(code)
    expect(call.state).toBe('active')
  })
})

describe('a call the SDK never confirms', () => {
  it('fails as SDK_NO_RESPONSE and ends the session if the SDK reports it later', async () => {
    const call = useCallStore()
    core.sim.neverAnswer('call')
    const placing = call.placeCall({ to: '13800138000' })
    await settle()
    expect(call.state).toBe('dialing')
    core.clock.advance(15_000)
    await expect(placing).resolves.toBe(false)
    expect(call.state).toBe('ended')
    expect(call.error?.symbol).toBe('SDK_NO_RESPONSE')
    call.applyEvent({ type: 'newSession', sessionId: 'late-1', direction: 'out', peer: '13800138000' })
    await settle()
    expect(methods(core).at(-1)).toBe('terminate')
    expect(call.state).toBe('ended')
  })
})

describe('a caller who rings while a dial hangs', () => {
  it('is offered as the incoming call once the dial fails without a session, not recorded as missed', async () => {
    const call = useCallStore()
    core.sim.neverAnswer('call')
    const placing = call.placeCall({ to: '13800138000' })
    await settle()
    const caller = core.sim.incomingCall({ from: '13900139111' })
    expect(call.waiting.map((w) => w.number)).toEqual(['13900139111'])
    core.clock.advance(15_000)
    await expect(placing).resolves.toBe(false)
    expect([call.state, call.direction, call.peer, call.sessionId]).toEqual(['incoming', 'in', '13900139111', caller])
    expect(call.waiting).toEqual([])
    expect(methods(core).at(-1)).toBe('startRinging')
    await expect(call.answerIncoming()).resolves.toBe(true)
    expect(call.state).toBe('active')
    // The failed dial is in history; the caller is not there as missed.
    expect(useHistoryStore().records.map((r) => [r.number, r.outcome])).toEqual([['13800138000', 'failed']])
  })
})

describe('validateDialNumber', () => {
  it('gives the number placeCall should get, normalised as the numbers list stores it', () => {
    expect(validateDialNumber(' +86 (138) 0013-8000 ')).toEqual({ ok: true, value: '+8613800138000' })
    expect(validateDialNumber('１３８００１３８０００')).toEqual({ ok: true, value: '13800138000' })
  })

  it('says why a text cannot be dialled', () => {
    expect(validateDialNumber('')).toEqual({ ok: false, reason: 'NUMBER_EMPTY' })
    expect(validateDialNumber('12a45')).toEqual({ ok: false, reason: 'NUMBER_NOT_DIGITS' })
    expect(validateDialNumber('12')).toEqual({ ok: false, reason: 'NUMBER_TOO_SHORT' })
    expect(validateDialNumber('1'.repeat(21))).toEqual({ ok: false, reason: 'NUMBER_TOO_LONG' })
  })
})

describe('keeping the screen on', () => {
  it('keeps it on from dialing until the call ended, once, across ringing and active', async () => {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    expect(device.screenOn).toEqual([true])
    core.sim.answerOutbound()
    expect(call.state).toBe('active')
    expect(device.screenOn).toEqual([true])
    await call.hangUp()
    expect(device.screenOn).toEqual([true, false])
    call.close()
    expect(device.screenOn).toEqual([true, false])
  })

  it('keeps it on while an incoming call rings and after it was answered, off when it ends', async () => {
    const call = useCallStore()
    core.sim.incomingCall({ from: '13700137000' })
    expect(device.screenOn).toEqual([true])
    await call.answerIncoming()
    core.sim.remoteHangup()
    expect(call.state).toBe('ended')
    expect(device.screenOn).toEqual([true, false])
  })

  it('lets it go again when a call fails before it was placed', async () => {
    device.permission = 'denied'
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    expect(call.state).toBe('ended')
    expect(device.screenOn).toEqual([true, false])
  })

  it('never asks for it while idle or for a second caller during a call', async () => {
    const call = useCallStore()
    expect(device.screenOn).toEqual([])
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    core.sim.incomingCall({ from: '13700137000' })
    core.clock.advance(RING_TIMEOUT_MS)
    expect(device.screenOn).toEqual([true])
  })
})

describe('illegal moves', () => {
  it('are logged with console.warn and ignored', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    call.close() // active --close--> is illegal
    expect(call.state).toBe('active')
    expect(warn.mock.calls.some((args) => String(args[0]).includes('illegal move ignored: active --close-->'))).toBe(true)
  })
})

describe('internal calls to a colleague and the caller number', () => {
  it('placeSeatCall runs the same machine, is logged as callSeat, and leaves no history, number status or wrap-up', async () => {
    const call = useCallStore()
    const states = trackStates()
    expect(call.canCallSeat).toBe(true)
    await expect(call.placeSeatCall(' agent2@example.com ')).resolves.toBe(true)
    expect(callsOf(core, 'callSeat')).toEqual([[{ userId: 'agent2@example.com' }]])
    expect(call.internal).toBe(true)
    expect(call.peer).toBe('agent2@example.com')
    core.sim.answerOutbound()
    expect(call.state).toBe('active')
    await call.hangUp()
    expect(states).toEqual(['idle', 'dialing', 'ringing', 'active', 'ended'])
    expect(useHistoryStore().records).toEqual([])
    expect(useWrapupStore().isOpen).toBe(false)
    // The next customer call is an ordinary one again.
    await call.placeCall({ to: '13800138000' })
    expect(call.internal).toBe(false)
  })

  it('refuses a malformed seat account on the call screen, without asking the SDK', async () => {
    const call = useCallStore()
    await expect(call.placeSeatCall('two words')).resolves.toBe(false)
    expect(call.state).toBe('ended')
    expect(call.error?.symbol).toBe('INVALID_NUMBER')
    expect(callsOf(core, 'callSeat')).toEqual([])
    expect(validateSeatAccount('  a.b@c.example ')).toBe('a.b@c.example')
    expect(validateSeatAccount('')).toBeNull()
  })

  it('a seat call the SDK refuses ends with its error and no record', async () => {
    const call = useCallStore()
    core.sim.failNext('callSeat', 402)
    await expect(call.placeSeatCall('agent2@example.com')).resolves.toBe(false)
    expect(call.state).toBe('ended')
    expect(call.error?.code).toBe(402)
    expect(useHistoryStore().records).toEqual([])
  })

  it('every outbound call carries the chosen caller number; none chosen sends none', async () => {
    const call = useCallStore()
    const callers = useCallerNumbersStore()
    callers.numbers = ['02000000000', '075512345678']
    await call.placeCall({ to: '13800138000' })
    await call.hangUp()
    callers.choose('075512345678')
    expect(callers.effective).toBe('075512345678')
    await call.placeCall({ to: '13900139000', remark: 'Bob' })
    await call.hangUp()
    // A number the business no longer has is not sent.
    callers.numbers = ['02000000000']
    await call.placeCall({ to: '13700137000' })
    expect(callsOf(core, 'call')).toEqual([
      [{ to: '13800138000' }],
      [{ to: '13900139000', remark: 'Bob', callerNumber: '075512345678' }],
      [{ to: '13700137000' }],
    ])
    // Only numbers from the list can be chosen.
    callers.choose('01234')
    expect(callers.chosen).toBe('075512345678')
  })
})
