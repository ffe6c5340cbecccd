import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { mount } from '@vue/test-utils'
import { createTestingPinia } from '@pinia/testing'
import { setLocale } from '@/i18n'
import { TcccError } from '@/platform/errors'
import { useSessionStore } from '@/store/session'
import { useCallStore } from '@/store/call'
import { useNumbersStore } from '@/store/numbers'
import { useCallerNumbersStore } from '@/store/callerNumbers'
import DialPage from './index.vue'
import { UniPopupStub } from '../../../tests/setup/uniPopupStub'

vi.mock('@dcloudio/uni-app', () => ({ onLoad: () => undefined, onShow: (hook: () => void) => hook() }))
vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

// An App, where the system settings page can be opened.
vi.mock('@/platform/device', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/platform/device')>()),
  canOpenMicrophoneSettings: () => true,
}))

const byId = (id: string) => `[data-testid="${id}"]`

function mountDial(call: Record<string, unknown> = {}, callerNumbers: Record<string, unknown> = {}) {
  const pinia = createTestingPinia({
    createSpy: fn,
    initialState: { session: { status: 'signed-in', agent: { userId: 'agent1@example.com', sdkAppId: 1 } }, call, callerNumbers },
  })
  return mount(DialPage, { global: { plugins: [pinia], components: { 'uni-popup': UniPopupStub } } })
}

async function press(wrapper: ReturnType<typeof mountDial>, keys: string): Promise<void> {
  const ids: Record<string, string> = { '*': 'star', '#': 'hash' }
  for (const key of keys) await wrapper.find(byId(`dial-key-${ids[key] ?? key}`)).trigger('click')
}

describe('dial page', () => {
  beforeEach(() => setLocale('en'))
  afterEach(() => setLocale('zh'))

  it('types with the pad, deletes with backspace and dials the normalised number', async () => {
    const wrapper = mountDial()
    await press(wrapper, '1380013800*')
    await wrapper.find(byId('dial-backspace')).trigger('click')
    await press(wrapper, '0')
    const input = wrapper.find(byId('dial-input')).element as HTMLInputElement
    expect(input.value).toBe('13800138000')
    await wrapper.find(byId('dial-call')).trigger('click')
    expect(useCallStore().placeCall).toHaveBeenCalledWith({ to: '13800138000' })
  })

  it('passes the remark of a listed number and shows whom the agent is calling', async () => {
    const wrapper = mountDial()
    ;(useNumbersStore().lookup as unknown as ReturnType<typeof fn>).mockImplementation((n: unknown) =>
      n === '13800138000' ? { number: '13800138000', remark: 'Alice', createdAt: 0, callCount: 0 } : undefined,
    )
    await wrapper.find(byId('dial-input')).setValue('138 0013 8000')
    expect(wrapper.find(byId('dial-match')).text()).toBe('In your numbers: Alice')
    await wrapper.find(byId('dial-call')).trigger('click')
    expect(useCallStore().placeCall).toHaveBeenCalledWith({ to: '13800138000', remark: 'Alice' })
  })

  it('refuses an invalid number with a reason instead of dialling', async () => {
    const wrapper = mountDial()
    await wrapper.find(byId('dial-call')).trigger('click')
    expect(wrapper.find(byId('dial-error')).text()).toBe('Enter a number')
    await wrapper.find(byId('dial-input')).setValue('12a45')
    await wrapper.find(byId('dial-call')).trigger('click')
    expect(wrapper.find(byId('dial-error')).text()).toBe('Use digits only (one leading + is allowed)')
    expect(useCallStore().placeCall).not.toHaveBeenCalled()
  })

  it('stops taking digits at 20 and says why at the 21st', async () => {
    const wrapper = mountDial()
    await press(wrapper, '12345678901234567890')
    expect(wrapper.find(byId('dial-error')).exists()).toBe(false)
    await press(wrapper, '1')
    const input = wrapper.find(byId('dial-input')).element as HTMLInputElement
    expect(input.value).toBe('12345678901234567890')
    expect(wrapper.find(byId('dial-error')).text()).toBe('A number has at most 20 digits')
    await press(wrapper, '#')
    expect(input.value).toBe('12345678901234567890#')
  })

  it('disables the call button while the call store is busy', () => {
    const wrapper = mountDial({ busy: true })
    expect(wrapper.find(byId('dial-call')).attributes('disabled')).toBeDefined()
  })

  it('shows the call screen instead of the pad while a call exists, and leaves it on close', async () => {
    const wrapper = mountDial({ state: 'ended', direction: 'out', peer: '13800138000', endReason: 'timeout', endedAt: 1 })
    expect(wrapper.find(byId('dial-input')).exists()).toBe(false)
    expect(wrapper.find(byId('call-status')).attributes('data-state')).toBe('ended')
    expect(wrapper.find(byId('call-end-reason')).text()).toBe('No answer (timed out)')
    await wrapper.find(byId('call-close')).trigger('click')
    expect(useCallStore().close).toHaveBeenCalledTimes(1)
  })

  it('signs out through the session store when the ended call asks to sign in again', async () => {
    const wrapper = mountDial({ state: 'ended', direction: 'out', peer: '13800138000', endReason: 'error', endedAt: 1, error: new TcccError('ERR_SIP_BAD_REQUEST') })
    await wrapper.find(byId('call-relogin')).trigger('click')
    expect(useSessionStore().signOut).toHaveBeenCalledTimes(1)
  })

  it('offers the microphone settings through the call store after the microphone was denied', async () => {
    const wrapper = mountDial({ state: 'ended', direction: 'out', peer: '13800138000', endReason: 'error', endedAt: 1, error: new TcccError('ERR_MIC_NOT_AUTHORIZED') })
    await wrapper.find(byId('mic-open-settings')).trigger('click')
    expect(useCallStore().openMicrophoneSettings).toHaveBeenCalledTimes(1)
  })

  it('sends in-call keys through the call store', async () => {
    const wrapper = mountDial({ state: 'active', direction: 'out', peer: '13800138000', answeredAt: Date.now() })
    await wrapper.find(byId('call-keypad')).trigger('click')
    await press(wrapper, '5#')
    const call = useCallStore()
    expect((call.sendDigit as unknown as ReturnType<typeof fn>).mock.calls).toEqual([['5'], ['#']])
    await wrapper.find(byId('call-keypad')).trigger('click') // back to the controls
    await wrapper.find(byId('call-mute')).trigger('click')
    await wrapper.find(byId('call-hangup')).trigger('click')
    expect(call.toggleMute).toHaveBeenCalledTimes(1)
    expect(call.hangUp).toHaveBeenCalledTimes(1)
    wrapper.unmount()
  })

  it('offers to save an ended call\'s unknown caller, prefilled, and hides the offer for a listed number', async () => {
    const wrapper = mountDial({ state: 'ended', direction: 'in', peer: '13912345678', remark: 'Walk-in', endReason: 'remote-bye', endedAt: 1 })
    const numbers = useNumbersStore()
    ;(numbers.add as unknown as ReturnType<typeof fn>).mockImplementation((number: unknown, remark: unknown) => ({ number, remark, createdAt: 0, callCount: 0 }))
    const save = wrapper.find(byId('call-save-number'))
    expect(save.attributes('aria-label')).toBe('Save Walk-in to the number list')
    await save.trigger('click')
    expect((wrapper.find(byId('number-form-number')).element as HTMLInputElement).value).toBe('13912345678')
    expect((wrapper.find(byId('number-form-remark')).element as HTMLInputElement).value).toBe('Walk-in')
    await wrapper.find(byId('number-form-save')).trigger('click')
    expect(numbers.add).toHaveBeenCalledWith('13912345678', 'Walk-in')
    expect(wrapper.find(byId('number-form-save')).exists()).toBe(false)

    const pinia = createTestingPinia({
      createSpy: fn,
      stubActions: false,
      initialState: {
        session: { status: 'signed-in', agent: { userId: 'agent1@example.com', sdkAppId: 1 } },
        call: { state: 'ended', direction: 'in', peer: '13912345678', endReason: 'remote-bye', endedAt: 1 },
        numbers: { entries: [{ id: 'n1', source: 'own', number: '13912345678', remark: 'Walk-in', createdAt: 0, callCount: 1 }] },
      },
    })
    const listed = mount(DialPage, { global: { plugins: [pinia], components: { 'uni-popup': UniPopupStub } } })
    expect(listed.find(byId('call-save-number')).exists()).toBe(false)
  })

  it('calls a colleague in the seat mode (dial-internal); refuses what cannot be a seat account', async () => {
    const wrapper = mountDial()
    expect(wrapper.find(byId('dial-internal-target')).exists()).toBe(false)
    await wrapper.find(byId('dial-internal')).trigger('click')
    expect(wrapper.find(byId('dial-internal')).attributes('data-selected')).toBe('true')
    expect(wrapper.find(byId('dial-key-5')).exists()).toBe(false)
    await wrapper.find(byId('dial-internal-target')).setValue('two words')
    await wrapper.find(byId('dial-call')).trigger('click')
    expect(wrapper.find(byId('dial-error')).text()).toBe("Enter a colleague's seat account (e.g. an e-mail address)")
    expect(useCallStore().placeSeatCall).not.toHaveBeenCalled()
    await wrapper.find(byId('dial-internal-target')).setValue(' agent2@example.com ')
    await wrapper.find(byId('dial-call')).trigger('click')
    expect(useCallStore().placeSeatCall).toHaveBeenCalledWith('agent2@example.com')
    expect(useCallStore().placeCall).not.toHaveBeenCalled()
    await wrapper.find(byId('dial-mode-phone')).trigger('click')
    expect(wrapper.find(byId('dial-input')).exists()).toBe(true)
  })

  it('loads the caller numbers when shown and offers them, the choice marked; a tap chooses', async () => {
    const wrapper = mountDial({}, { numbers: ['02000000000', '075512345678'], chosen: '075512345678' })
    const callers = useCallerNumbersStore()
    expect(callers.load).toHaveBeenCalled()
    const picker = wrapper.find(byId('dial-caller-number'))
    expect(picker.attributes('data-value')).toBe('075512345678')
    const options = wrapper.findAll(byId('dial-caller-option'))
    expect(options.map((o) => [o.attributes('data-number'), o.attributes('data-selected'), o.text()])).toEqual([
      ['', 'false', 'Default'],
      ['02000000000', 'false', '02000000000'],
      ['075512345678', 'true', '075512345678'],
    ])
    await options[1].trigger('click')
    expect(callers.choose).toHaveBeenCalledWith('02000000000')
  })

  it('shows no caller picker while the business has no numbers', () => {
    const wrapper = mountDial()
    expect(wrapper.find(byId('dial-caller-number')).exists()).toBe(false)
  })
})
