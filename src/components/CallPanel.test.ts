import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { setLocale, t } from '@/i18n'
import { TcccError } from '@/platform/errors'
import CallPanel from './CallPanel.vue'
import type { CallView } from './callView'

const NOW = 1_700_000_000_000

function makeCall(overrides: Partial<CallView> = {}): CallView {
  return {
    state: 'active',
    direction: 'out',
    peer: '13800138000',
    remark: '',
    answeredAt: NOW - 65_000,
    endedAt: null,
    muted: false,
    audioRoute: 'earpiece',
    dtmfSent: '',
    quality: 2,
    endReason: null,
    error: null,
    busy: false,
    ...overrides,
  }
}

function mountPanel(
  call: CallView,
  extra: { audioRouteSupported?: boolean; canOpenSettings?: boolean; holdSupported?: boolean; transferSupported?: boolean } = {},
) {
  return mount(CallPanel, {
    props: {
      call,
      audioRouteSupported: extra.audioRouteSupported ?? true,
      canOpenSettings: extra.canOpenSettings ?? true,
      holdSupported: extra.holdSupported ?? false,
      transferSupported: extra.transferSupported ?? false,
    },
    
  })
}

const byId = (id: string) => `[data-testid="${id}"]`

describe('CallPanel', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(NOW)
    setLocale('en')
  })
  afterEach(() => {
    vi.useRealTimers()
    setLocale('zh')
  })

  it.each([
    ['dialing', 'Calling…', '通话'],
    ['ringing', 'Ringing, waiting for an answer…', '振铃'],
    ['active', 'In call', '通话中'],
  ] as const)('shows the %s state in words and as data-state', (state, en, zhPart) => {
    const wrapper = mountPanel(makeCall({ state, answeredAt: state === 'active' ? NOW : null }))
    const status = wrapper.find(byId('call-status'))
    expect(status.attributes('data-state')).toBe(state)
    expect(status.text()).toBe(en)
    wrapper.unmount()
    setLocale('zh')
    const zhWrapper = mountPanel(makeCall({ state, answeredAt: state === 'active' ? NOW : null }))
    expect(zhWrapper.find(byId('call-status')).text()).toContain(state === 'dialing' ? '正在呼叫' : zhPart)
  })

  it('shows the remark and the number when the peer has a remark, else only the number', () => {
    const withRemark = mountPanel(makeCall({ remark: '张经理' }))
    expect(withRemark.find(byId('call-peer')).text()).toContain('张经理')
    expect(withRemark.find(byId('call-peer')).text()).toContain('13800138000')
    const plain = mountPanel(makeCall())
    expect(plain.find(byId('call-peer')).text()).toBe('13800138000')
  })

  it('formats the timer as mm:ss from the answer time and counts while active', async () => {
    const wrapper = mountPanel(makeCall({ answeredAt: NOW - 65_000 }))
    expect(wrapper.find(byId('call-timer')).text()).toBe('01:05')
    await vi.advanceTimersByTimeAsync(3_000)
    expect(wrapper.find(byId('call-timer')).text()).toBe('01:08')
  })

  it('shows 00:00 before the call is answered and the final duration once ended', () => {
    expect(mountPanel(makeCall({ state: 'ringing', answeredAt: null })).find(byId('call-timer')).text()).toBe('00:00')
    const ended = mountPanel(makeCall({ state: 'ended', answeredAt: NOW - 200_000, endedAt: NOW - 75_000, endReason: 'remote-bye' }))
    expect(ended.find(byId('call-timer')).text()).toBe('02:05')
  })

  it.each([
    ['local-bye', 'out', true, 'You hung up'],
    ['local-bye', 'out', false, 'You cancelled the call'],
    ['remote-bye', 'out', true, 'The other side hung up'],
    ['rejected', 'out', false, 'The call was rejected'],
    ['rejected', 'in', false, 'You declined the call'],
    ['remote-cancel', 'in', false, 'The caller cancelled'],
    ['timeout', 'out', false, 'No answer (timed out)'],
  ] as const)('says why the call ended: %s (%s, answered %s)', (endReason, direction, answered, words) => {
    const wrapper = mountPanel(
      makeCall({ state: 'ended', direction, endReason, answeredAt: answered ? NOW - 10_000 : null, endedAt: NOW }),
    )
    expect(wrapper.find(byId('call-end-reason')).text()).toBe(words)
    expect(wrapper.find(byId('call-status')).attributes('data-state')).toBe('ended')
    expect(wrapper.find(byId('call-hangup')).exists()).toBe(false)
    expect(wrapper.find(byId('call-close')).exists()).toBe(true)
  })

  it('a call handed on with transfer says where it went, not "you hung up"', () => {
    const wrapper = mountPanel(makeCall({ state: 'ended', endReason: 'local-bye', answeredAt: NOW - 10_000, endedAt: NOW, transferredTo: 'agent2@example.com' }))
    expect(wrapper.find(byId('call-end-reason')).text()).toBe('Transferred to agent2@example.com')
  })

  it('shows a failed call as failed with the catalogue message, never as ringing', () => {
    const wrapper = mountPanel(
      makeCall({ state: 'ended', answeredAt: null, endedAt: NOW, endReason: 'error', error: TcccError.fromCode(402, 'seats full') }),
    )
    expect(wrapper.find(byId('call-status')).text()).toBe('Call failed')
    expect(wrapper.find(byId('call-end-reason')).text()).toBe('The call failed')
    expect(wrapper.find(byId('call-error')).text()).toBe('All agent seats are in use. Ask your administrator to buy or free a seat.')
    // The message already says what to do: no second line repeating it.
    expect(wrapper.find(byId('call-error-action')).exists()).toBe(false)
    expect(wrapper.text()).not.toContain('Ringing')
  })

  it('shows a broken microphone as a device problem with what to check, not as a permission to grant', () => {
    const wrapper = mountPanel(makeCall({ state: 'active', error: TcccError.fromCode(-1302, 'driver') }))
    expect(wrapper.find(byId('call-error')).text()).toBe('Could not open the microphone (device or driver problem).')
    expect(wrapper.find(byId('call-error-action')).attributes('data-action')).toBe('check-audio-device')
    expect(wrapper.text()).not.toContain('Microphone access needed')
  })

  it('shows an SDK device error during the call with its catalogue message and next action', () => {
    const wrapper = mountPanel(makeCall({ state: 'active', error: TcccError.fromCode(-1319, 'mic busy') }))
    expect(wrapper.find(byId('call-status')).attributes('data-state')).toBe('active')
    expect(wrapper.find(byId('call-error')).text()).toBe('The microphone is busy (for example, a phone call is in progress).')
    expect(wrapper.find(byId('call-error')).attributes('data-code')).toBe('-1319')
    const action = wrapper.find(byId('call-error-action'))
    expect(action.attributes('data-action')).toBe('free-microphone')
    expect(action.text()).toBe('End the other call or app that uses the microphone.')
  })

  it('has no hold or transfer control where the platform lacks them', () => {
    const wrapper = mountPanel(makeCall())
    expect(wrapper.find(byId('call-hold')).exists()).toBe(false)
    expect(wrapper.find(byId('call-transfer')).exists()).toBe(false)
  })

  it('offers hold (data-active) and transfer to a seat or a skill group where the platform has them', async () => {
    const wrapper = mountPanel(makeCall({ held: true }), { holdSupported: true, transferSupported: true })
    expect(wrapper.find(byId('call-hold')).attributes('data-active')).toBe('true')
    // Held: resume shows play (it showed the call handset, the call button's icon).
    const holdIcon = () => wrapper.findAllComponents({ name: 'CallControl' }).find((c) => c.find('button').attributes('data-testid') === 'call-hold')?.props('icon')
    expect(holdIcon()).toBe('play')
    // The state line says so too; data-state stays active (CONTRACT.md), data-held says held.
    expect(wrapper.find(byId('call-status')).attributes()).toMatchObject({ 'data-state': 'active', 'data-held': 'true' })
    expect(wrapper.find(byId('call-status')).text()).toBe(t('call.state.held'))
    await wrapper.setProps({ call: makeCall({ held: false }) })
    expect(holdIcon()).toBe('pause')
    expect(wrapper.find(byId('call-status')).attributes('data-held')).toBe('false')
    expect(wrapper.find(byId('call-status')).text()).toBe(t('call.state.active'))
    await wrapper.setProps({ call: makeCall({ held: true }) })
    await wrapper.find(byId('call-hold')).trigger('click')
    expect(wrapper.emitted('toggleHold')).toHaveLength(1)
    await wrapper.find(byId('call-transfer')).trigger('click')
    await wrapper.find(byId('transfer-target')).setValue('agent2@example.com')
    await wrapper.find(byId('transfer-submit')).trigger('click')
    await wrapper.find(byId('call-transfer')).trigger('click')
    await wrapper.find(byId('transfer-kind-group')).trigger('click')
    await wrapper.find(byId('transfer-target')).setValue(' 42 ')
    await wrapper.find(byId('transfer-submit')).trigger('click')
    expect(wrapper.emitted('transfer')).toEqual([[{ userId: 'agent2@example.com' }], [{ skillGroupId: '42' }]])
  })

  it('closes the transfer form on Esc and gives the focus back to the transfer button; the button says whether it is open', async () => {
    const wrapper = mount(CallPanel, {
      props: { call: makeCall(), audioRouteSupported: true, canOpenSettings: true, transferSupported: true },
      attachTo: document.body,
    })
    const transfer = wrapper.find(byId('call-transfer'))
    expect(transfer.attributes('aria-expanded')).toBe('false')
    await transfer.trigger('click')
    expect(transfer.attributes('aria-expanded')).toBe('true')
    const target = wrapper.find(byId('transfer-target'))
    // A name of its own (the placeholder is drawn apart from the field by uni).
    expect(target.attributes('aria-label')).toBe(t('call.transfer.seatPlaceholder'))
    ;(target.element as HTMLElement).focus()
    target.element.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))
    await wrapper.vm.$nextTick()
    expect(wrapper.find(byId('transfer-form')).exists()).toBe(false)
    expect(document.activeElement).toBe(transfer.element)
    wrapper.unmount()
  })

  it('offers signing in again instead of calling again when the SDK refused the call as not signed in', async () => {
    const wrapper = mountPanel(makeCall({ state: 'ended', answeredAt: null, endedAt: NOW, endReason: 'error', error: new TcccError('ERR_SIP_FORBIDDEN') }))
    expect(wrapper.find(byId('call-redial')).exists()).toBe(false)
    const relogin = wrapper.find(byId('call-relogin'))
    expect(relogin.text()).toBe('Sign in again')
    await relogin.trigger('click')
    expect(wrapper.emitted('relogin')).toHaveLength(1)
    // Any other failure keeps "call again".
    const other = mountPanel(makeCall({ state: 'ended', answeredAt: null, endedAt: NOW, endReason: 'error', error: new TcccError('ERR_SIP_REQUESTTIMEOUT') }))
    expect(other.find(byId('call-relogin')).exists()).toBe(false)
    expect(other.find(byId('call-redial')).exists()).toBe(true)
  })

  it('offers the settings button when the microphone was denied', async () => {
    const wrapper = mountPanel(
      makeCall({ state: 'ended', answeredAt: null, endedAt: NOW, endReason: 'error', error: new TcccError('ERR_MIC_NOT_AUTHORIZED') }),
    )
    expect(wrapper.find(byId('mic-help')).exists()).toBe(true)
    // One instruction, the platform's: not the catalogue's "system settings" beside it.
    expect(wrapper.find(byId('call-error')).exists()).toBe(false)
    expect(wrapper.find(byId('mic-help-text')).text()).toBe('Allow this app to use the microphone in system settings, then call again.')
    await wrapper.find(byId('mic-open-settings')).trigger('click')
    expect(wrapper.emitted('openSettings')).toHaveLength(1)
  })

  it('exposes mute and audio route as data attributes and emits the toggles', async () => {
    const wrapper = mountPanel(makeCall({ muted: true, audioRoute: 'speakerphone' }))
    const mute = wrapper.find(byId('call-mute'))
    const speaker = wrapper.find(byId('call-speaker'))
    expect(mute.attributes('data-active')).toBe('true')
    expect(mute.attributes('aria-label')).toBe('Unmute')
    expect(speaker.attributes('data-route')).toBe('speakerphone')
    await mute.trigger('click')
    await speaker.trigger('click')
    expect(wrapper.emitted('toggleMute')).toHaveLength(1)
    expect(wrapper.emitted('toggleSpeaker')).toHaveLength(1)

    await wrapper.setProps({ call: makeCall({ muted: false, audioRoute: 'earpiece' }) })
    expect(wrapper.find(byId('call-mute')).attributes('data-active')).toBe('false')
    expect(wrapper.find(byId('call-speaker')).attributes('data-route')).toBe('earpiece')
  })

  it('disables the speaker with a note where the platform cannot route audio', () => {
    const wrapper = mountPanel(makeCall(), { audioRouteSupported: false })
    expect(wrapper.find(byId('call-speaker')).attributes('disabled')).toBeDefined()
    expect(wrapper.find(byId('call-speaker-note')).text()).toBe('In a browser the system chooses the audio output')
  })

  it('toggles the in-call keypad, emits digits and shows the digits sent', async () => {
    const wrapper = mountPanel(makeCall({ dtmfSent: '' }))
    expect(wrapper.find(byId('dial-key-5')).exists()).toBe(false)
    await wrapper.find(byId('call-keypad')).trigger('click')
    await wrapper.find(byId('dial-key-5')).trigger('click')
    await wrapper.find(byId('dial-key-hash')).trigger('click')
    expect(wrapper.emitted('digit')).toEqual([['5'], ['#']])
    await wrapper.setProps({ call: makeCall({ dtmfSent: '5#' }) })
    expect(wrapper.find(byId('call-dtmf-sent')).text()).toBe('5#')
    await wrapper.find(byId('call-keypad')).trigger('click')
    expect(wrapper.find(byId('dial-key-5')).exists()).toBe(false)
  })

  it('does not offer DTMF before the call is answered', () => {
    const wrapper = mountPanel(makeCall({ state: 'dialing', answeredAt: null }))
    expect(wrapper.find(byId('call-keypad')).attributes('disabled')).toBeDefined()
    expect(wrapper.find(byId('call-hangup')).attributes('aria-label')).toBe('Cancel')
  })

  it('shows the connection as down when the store says so, whatever TRTC reported last', () => {
    const quality = mountPanel(makeCall({ quality: 1, linkQuality: 6 })).find(byId('network-quality'))
    expect(quality.attributes('data-quality')).toBe('6')
    expect(quality.text()).toBe('Down')
  })

  it('shows the network quality level', () => {
    const wrapper = mountPanel(makeCall({ quality: 5 }))
    const quality = wrapper.find(byId('network-quality'))
    expect(quality.attributes('data-quality')).toBe('5')
    expect(quality.text()).toBe('Very poor')
    expect(quality.attributes('aria-label')).toBe('Network: Very poor')
    expect(quality.findAll('.quality__bar.is-lit')).toHaveLength(1)
  })

  it('ignores the second tap of a double tap on call, which lands on hang-up, but not a single tap', async () => {
    const placed = mount(CallPanel, {
      props: { call: makeCall({ state: 'dialing', answeredAt: null }), audioRouteSupported: true, canOpenSettings: true },
      attachTo: document.body,
    })
    const hangup = placed.find(byId('call-hangup'))
    await hangup.trigger('click', { detail: 2 })
    await placed.setProps({ call: makeCall({ state: 'ringing', answeredAt: null }) })
    await hangup.trigger('click', { detail: 2 })
    expect(placed.emitted('hangup')).toBeUndefined()
    // A deliberate tap at once after placing the call cancels it.
    await hangup.trigger('click', { detail: 1 })
    expect(placed.emitted('hangup')).toHaveLength(1)
    // In an answered call every tap counts.
    await placed.setProps({ call: makeCall() })
    await hangup.trigger('click', { detail: 2 })
    expect(placed.emitted('hangup')).toHaveLength(2)
    placed.unmount()
  })

  it('emits hangup, close and redial', async () => {
    const active = mountPanel(makeCall())
    await active.find(byId('call-hangup')).trigger('click')
    expect(active.emitted('hangup')).toHaveLength(1)
    const ended = mountPanel(makeCall({ state: 'ended', endedAt: NOW, endReason: 'remote-bye' }))
    await ended.find(byId('call-close')).trigger('click')
    await ended.find(byId('call-redial')).trigger('click')
    expect(ended.emitted('close')).toHaveLength(1)
    expect(ended.emitted('redial')).toHaveLength(1)
  })
})
