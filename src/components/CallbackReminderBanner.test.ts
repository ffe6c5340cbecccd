import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { flushPromises, mount } from '@vue/test-utils'
import { createTestingPinia } from '@pinia/testing'
import { dialThenTimeOut } from '../../tests/setup/callFailures'
import { setLocale } from '@/i18n'
import { useCallStore } from '@/store/call'
import { useRemindersStore } from '@/store/reminders'
import CallbackReminderBanner from './CallbackReminderBanner.vue'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

const byId = (id: string) => `[data-testid="${id}"]`
const AT = new Date(2026, 2, 10, 16, 5).getTime()
const due = [
  { key: 'r1@1', number: '13800000001', remark: '张伟', at: AT },
  { key: 'r2@1', number: '13800000002', at: AT },
]

function mountBanner(call: Record<string, unknown> = {}) {
  const pinia = createTestingPinia({ createSpy: fn, initialState: { reminders: { due }, call } })
  return mount(CallbackReminderBanner, { global: { plugins: [pinia] } })
}

describe('callback reminder banner', () => {
  beforeEach(() => setLocale('en'))
  afterEach(() => setLocale('zh'))

  it('starts the reminders and shows the first due callback with its time and how many more', () => {
    const wrapper = mountBanner()
    expect(useRemindersStore().start).toHaveBeenCalledTimes(1)
    const banner = wrapper.find(byId('callback-reminder'))
    expect(banner.attributes('data-number')).toBe('13800000001')
    expect(banner.text()).toContain('Time to call back 张伟')
    expect(banner.text()).toContain('Due 16:05 · 1 more callback due')
    expect(wrapper.find(byId('callback-reminder-call')).attributes('aria-label')).toBe('Call 张伟')
    expect(wrapper.find(byId('callback-reminder-dismiss')).attributes('aria-label')).toBe('Dismiss the reminder for 张伟')
  })

  it('calls now (and opens the call screen once dialing), or dismisses', async () => {
    const wrapper = mountBanner()
    const reminders = useRemindersStore()
    const call = useCallStore()
    ;(reminders.callNow as unknown as ReturnType<typeof fn>).mockImplementation(async () => {
      call.state = 'dialing'
      return true
    })
    await wrapper.find(byId('callback-reminder-dismiss')).trigger('click')
    expect(reminders.dismiss).toHaveBeenCalledWith('r1@1')
    await wrapper.find(byId('callback-reminder-call')).trigger('click')
    expect(reminders.callNow).toHaveBeenCalledWith('r1@1')
    expect((uni.reLaunch as unknown as ReturnType<typeof fn>).mock.calls.map((c) => (c[0] as { url: string }).url)).toEqual(['/src/pages/dial/index'])
  })

  it('a callback that fails once the call screen is open is explained there, not in a toast as well', async () => {
    const wrapper = mountBanner()
    const reminders = useRemindersStore()
    const call = useCallStore()
    const toast = uni.showToast as unknown as ReturnType<typeof fn>
    toast.mockClear()
    ;(reminders.callNow as unknown as ReturnType<typeof fn>).mockImplementation(() => dialThenTimeOut(call))
    await wrapper.find(byId('callback-reminder-call')).trigger('click')
    await flushPromises()
    expect(toast).not.toHaveBeenCalled()
  })

  it('stays out of a live call', () => {
    const wrapper = mountBanner({ state: 'active' })
    expect(wrapper.find(byId('callback-reminder')).exists()).toBe(false)
  })
})
