import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { h, nextTick } from 'vue'
import { mount, flushPromises } from '@vue/test-utils'
import { createTestingPinia } from '@pinia/testing'
import { setLocale, t, type MessageKey } from '@/i18n'
import { TcccError } from '@/platform/errors'
import { useCallStore } from '@/store/call'
import { useConnectionStore } from '@/store/connection'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useSettingsStore } from '@/store/settings'
import { useSyncStore } from '@/store/sync'
import { useMissedStore } from '@/store/missed'
import { useSignInNoticeStore } from '@/store/signInNotice'
import AgentShell from './AgentShell.vue'
import BottomSheet from './BottomSheet.vue'
import { UniPopupStub } from '../../tests/setup/uniPopupStub'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
const device = vi.hoisted(() => ({ canOpenSettings: false }))
vi.mock('@/platform/device', () => ({
  ensureMicrophonePermission: () => Promise.resolve('granted'),
  openMicrophoneSettings: () => undefined,
  canOpenMicrophoneSettings: () => device.canOpenSettings,
  keepScreenOn: () => undefined,
}))

const byId = (id: string) => `[data-testid="${id}"]`
type PagesGlobal = { getCurrentPages?: () => Array<{ route: string }> }

function mountShell(initialState: Record<string, unknown> = {}) {
  const pinia = createTestingPinia({
    createSpy: fn,
    initialState: {
      session: { status: 'signed-in', agent: { userId: 'agent1@example.com', sdkAppId: 1400000001 } },
      ...initialState,
    },
  })
  const wrapper = mount(AgentShell, {
    props: { title: 'Dial' },
    slots: { default: '<p class="content">page content</p>' },
    global: { plugins: [pinia], components: { 'uni-popup': UniPopupStub } },
    attachTo: document.body,
  })
  return { wrapper, pinia }
}

function reLaunchUrls(): string[] {
  return (uni.reLaunch as unknown as ReturnType<typeof fn>).mock.calls.map((c) => (c[0] as { url: string }).url)
}

describe('AgentShell', () => {
  beforeEach(() => {
    setLocale('en')
    ;(globalThis as PagesGlobal).getCurrentPages = () => [{ route: 'src/pages/dial/index' }]
  })
  afterEach(() => {
    setLocale('zh')
    delete (globalThis as PagesGlobal).getCurrentPages
  })

  it('shows the title, the signed-in agent, the page content and the current nav item', () => {
    const { wrapper } = mountShell()
    expect(wrapper.text()).toContain('Dial')
    expect(wrapper.find(byId('agent-status')).text()).toBe('agent1@example.com')
    expect(wrapper.find('.content').text()).toBe('page content')
    expect(wrapper.find(byId('nav-dial')).classes()).toContain('is-active')
    expect(wrapper.find(byId('nav-numbers')).classes()).not.toContain('is-active')
    expect(reLaunchUrls()).toEqual([])
  })

  it('navigates with reLaunch to the other pages, not to the current one', async () => {
    const { wrapper } = mountShell()
    await wrapper.find(byId('nav-history')).trigger('click')
    await wrapper.find(byId('nav-numbers')).trigger('click')
    await wrapper.find(byId('nav-dial')).trigger('click')
    expect(reLaunchUrls()).toEqual(['/src/pages/history/index', '/src/pages/numbers/index'])
  })

  it('sends a signed-out agent to the login page', async () => {
    const { wrapper } = mountShell({ session: { status: 'signed-out', agent: null } })
    expect(reLaunchUrls()).toEqual(['/src/pages/login/index'])
    wrapper.unmount()
    ;(uni.reLaunch as unknown as ReturnType<typeof fn>).mockClear()
    const second = mountShell()
    useSessionStore().status = 'signed-out'
    await second.wrapper.vm.$nextTick()
    expect(reLaunchUrls()).toEqual(['/src/pages/login/index'])
  })

  it('signs out through the session store', async () => {
    const { wrapper } = mountShell()
    await wrapper.find(byId('logout')).trigger('click')
    expect(useSessionStore().signOut).toHaveBeenCalledTimes(1)
  })

  it('switches the language from the header through the settings store, naming the other language', async () => {
    const { wrapper } = mountShell()
    const button = wrapper.find(byId('shell-language'))
    expect(button.attributes('data-locale')).toBe('en')
    expect(button.text()).toBe('中')
    expect(button.attributes('aria-label')).toBe('Switch to 中文')
    await button.trigger('click')
    expect(useSettingsStore().setLocale).toHaveBeenCalledWith('zh')
    setLocale('zh')
    await wrapper.vm.$nextTick()
    expect(button.text()).toBe('EN')
    expect(button.attributes('aria-label')).toBe('切换到 English')
    await button.trigger('click')
    expect(useSettingsStore().setLocale).toHaveBeenLastCalledWith('en')
  })

  it('shows the connection banner for lost, reconnecting and recovered, and nothing when ok', async () => {
    const { wrapper } = mountShell()
    expect(wrapper.find(byId('connection-banner')).exists()).toBe(false)
    const connection = useConnectionStore()
    for (const [state, words] of [
      ['lost', 'Connection to the call server lost'],
      ['reconnecting', 'Reconnecting'],
      ['recovered', 'Connection restored'],
    ] as const) {
      connection.state = state
      await wrapper.vm.$nextTick()
      const banner = wrapper.find(byId('connection-banner'))
      expect(banner.attributes('data-state')).toBe(state)
      expect(banner.text()).toContain(words)
    }
    connection.state = 'ok'
    await wrapper.vm.$nextTick()
    expect(wrapper.find(byId('connection-banner')).exists()).toBe(false)
  })

  it('offline from the cache: stays on the page, says calls are unavailable and it is retrying, seat and link offline', async () => {
    const { wrapper } = mountShell({ session: { status: 'offline', agent: { userId: 'agent1@example.com', sdkAppId: 1400000001 } } })
    expect(reLaunchUrls()).toEqual([])
    expect(wrapper.find(byId('agent-status')).text()).toBe('agent1@example.com')
    const banner = wrapper.find(byId('session-offline'))
    expect(banner.attributes('role')).toBe('status')
    expect(banner.text()).toBe('Offline: not connected to the contact center, so calls cannot be made or taken. Numbers, history and notes work as usual and sync once connected. Retrying automatically…')
    expect(wrapper.find(byId('connection-banner')).exists()).toBe(false)
    expect(wrapper.find(byId('connection-dot')).attributes('data-state')).toBe('offline')
    expect(wrapper.find(byId('agent-state')).attributes('data-state')).toBe('offline')
    setLocale('zh')
    await wrapper.vm.$nextTick()
    expect(wrapper.find(byId('session-offline')).text()).toContain('离线：未连接联络中心')
    // Registered: the banner goes.
    useSessionStore().status = 'signed-in'
    await wrapper.vm.$nextTick()
    expect(wrapper.find(byId('session-offline')).exists()).toBe(false)
  })

  it('another tab of this browser holds the registration: an "active in another tab" banner with "use here" above the page, which stays usable with its navigation and sign-out', async () => {
    const { wrapper } = mountShell({ session: { status: 'elsewhere', agent: { userId: 'agent1@example.com', sdkAppId: 1400000001 }, elsewhereAgent: 'agent1@example.com', holderLeft: false, takingOver: false } })
    expect(reLaunchUrls()).toEqual([])
    const banner = wrapper.find(byId('tab-elsewhere'))
    expect(banner.attributes('role')).toBe('status')
    expect(banner.attributes('data-left')).toBe('false')
    expect(banner.text()).toContain('Active in another tab')
    expect(banner.text()).toContain('agent1@example.com is taking calls in another tab of this browser.')
    expect(banner.text()).toContain('numbers, history and wrap-ups work here, calls do not')
    expect(wrapper.find(byId('agent-status')).text()).toBe('agent1@example.com')
    // A banner, not in place of the page: the page, the navigation, sign-out and the chips stay.
    expect(wrapper.find('.content').exists()).toBe(true)
    expect(banner.find('.content').exists()).toBe(false)
    for (const id of ['nav-numbers', 'nav-dial', 'nav-history', 'logout', 'agent-state', 'sync-status']) expect(wrapper.find(byId(id)).exists(), id).toBe(true)
    // Not registered here: the seat reads offline.
    expect(wrapper.find(byId('agent-state')).attributes('data-state')).toBe('offline')
    const useHere = wrapper.find(byId('tab-use-here'))
    expect(useHere.text()).toBe('Use here')
    await useHere.trigger('click')
    expect(useSessionStore().useHere).toHaveBeenCalledTimes(1)
    // Sign-out works standing by too (it signs the agent out of this browser).
    await wrapper.find(byId('logout')).trigger('click')
    await flushPromises()
    expect(useSessionStore().signOut).toHaveBeenCalledTimes(1)
    setLocale('zh')
    await wrapper.vm.$nextTick()
    expect(wrapper.find(byId('tab-elsewhere')).text()).toContain('已在另一个标签页中使用')
    expect(wrapper.find(byId('tab-use-here')).text()).toBe('在此使用')
  })

  it('a holder that could not register (a take-over or its renewal) is said with why, instead of "closed"', async () => {
    const { wrapper } = mountShell({ session: { status: 'elsewhere', agent: { userId: 'agent1@example.com', sdkAppId: 1400000001 }, elsewhereAgent: 'agent1@example.com', holderLeft: true, holderFailure: new TcccError('TCCC_REFUSED'), takingOver: false } })
    expect(wrapper.find(byId('tab-elsewhere')).attributes('data-left')).toBe('true')
    const failed = wrapper.find(byId('tab-holder-failed'))
    expect(failed.text()).toContain('The other tab could not connect to the contact center:')
    expect(failed.text()).toContain('refused to issue a login token')
    expect(wrapper.find(byId('tab-elsewhere')).text()).not.toContain('The other tab was closed.')
    // Another tab registered since: nothing failed to say.
    useSessionStore().$patch({ holderLeft: false, holderFailure: null })
    await wrapper.vm.$nextTick()
    expect(wrapper.find(byId('tab-holder-failed')).exists()).toBe(false)
  })

  it('"use here" refused during the other tab\'s call says why; a closed holder is said; a move under way disables the button', async () => {
    const { wrapper } = mountShell({ session: { status: 'elsewhere', agent: { userId: 'agent1@example.com', sdkAppId: 1400000001 }, elsewhereAgent: 'agent1@example.com', holderLeft: true, takingOver: true, error: new TcccError('TAB_IN_CALL') } })
    expect(wrapper.find(byId('tab-elsewhere')).attributes('data-left')).toBe('true')
    expect(wrapper.find(byId('tab-elsewhere')).text()).toContain('The other tab was closed.')
    expect(wrapper.find(byId('tab-elsewhere-error')).text()).toContain('The other tab is on a call.')
    const useHere = wrapper.find(byId('tab-use-here'))
    expect(useHere.attributes('data-busy')).toBe('true')
    expect(useHere.attributes('disabled')).toBeDefined()
    expect(useHere.text()).toBe('Moving to this tab…')
    // Registered here: the banner goes, the page stays.
    useSessionStore().$patch({ status: 'signed-in' })
    await wrapper.vm.$nextTick()
    expect(wrapper.find(byId('tab-elsewhere')).exists()).toBe(false)
    expect(wrapper.find('.content').exists()).toBe(true)
    expect(wrapper.find(byId('logout')).exists()).toBe(true)
  })

  it('offers a way back to a call running while another page is shown', async () => {
    ;(globalThis as PagesGlobal).getCurrentPages = () => [{ route: 'src/pages/history/index' }]
    const { wrapper } = mountShell({ call: { state: 'active', peer: '13800138000' } })
    const bar = wrapper.find(byId('shell-call-bar'))
    expect(bar.text()).toContain('13800138000')
    await bar.trigger('click')
    expect(reLaunchUrls()).toEqual(['/src/pages/dial/index'])
  })

  describe('failed sign-ins at the account', () => {
    const year = new Date().getFullYear()
    const at = new Date(year, 0, 2, 9, 5).getTime()
    const told = { failures: 2, lastFailureAt: at, locked: false, reportedAt: new Date(year, 0, 2, 9, 30).getTime(), dismissed: false }

    it('shows the notice until dismissed, with the count and when the last one was', async () => {
      const { wrapper } = mountShell({ signInNotice: { last: told } })
      const notice = wrapper.find(byId('signin-failures'))
      expect(notice.attributes()).toMatchObject({ 'data-count': '2', 'data-locked': 'false', 'data-at': String(at), role: 'status' })
      expect(notice.text()).toContain('2 failed sign-in attempts on your account since you last signed in, the last at 01-02 09:05. If it was not you, tell your administrator.')
      await wrapper.find(byId('signin-failures-dismiss')).trigger('click')
      expect(useSignInNoticeStore().dismiss).toHaveBeenCalledTimes(1)
      wrapper.unmount()
    })

    it('says one attempt, and the lock, in English and Chinese', async () => {
      const { wrapper } = mountShell({ signInNotice: { last: { ...told, failures: 1, locked: true } } })
      expect(wrapper.find(byId('signin-failures')).text()).toContain(
        '1 failed sign-in attempt on your account since you last signed in, at 01-02 09:05. After too many attempts, signing in to your account was paused for a while.',
      )
      setLocale('zh')
      await wrapper.vm.$nextTick()
      expect(wrapper.find(byId('signin-failures')).text()).toContain('自您上次登录以来，您的账号有 1 次登录失败，最近一次在 01-02 09:05。因尝试次数过多，您的账号登录曾被暂时锁定。如果不是您本人，请告知管理员。')
      expect(wrapper.find(byId('signin-failures-dismiss')).text()).toBe('知道了')
      wrapper.unmount()
    })

    it('a dismissed notice is not shown; a tap on who is signed in shows the last one again', async () => {
      const { wrapper } = mountShell({ signInNotice: { last: { ...told, dismissed: true } } })
      expect(wrapper.find(byId('signin-failures')).exists()).toBe(false)
      const account = wrapper.find(byId('shell-account'))
      // The button's name is all a screen reader hears of it (its content is presentational): the
      // connection state its dot shows must be in it, as it was before the dot sat in a button.
      expect(account.attributes()).toMatchObject({ role: 'button', 'aria-expanded': 'false', 'aria-label': `agent1@example.com (${t(`notices.connection.${account.find(byId('connection-dot')).attributes('data-state')}` as MessageKey)}): sign-in activity` })
      expect(account.find(byId('agent-status')).text()).toBe('agent1@example.com')
      await account.trigger('click')
      const last = wrapper.find(byId('signin-failures-last'))
      expect(last.attributes()).toMatchObject({ 'data-count': '2', 'data-at': String(at) })
      expect(last.text()).toContain('At your sign-in on 01-02 09:30:')
      expect(last.text()).toContain('2 failed sign-in attempts')
      expect(account.attributes('aria-expanded')).toBe('true')
      await account.trigger('click')
      expect(wrapper.find(byId('shell-account-panel')).exists()).toBe(false)
      wrapper.unmount()
    })

    it('with none kept, the account panel says so', async () => {
      const { wrapper } = mountShell()
      expect(wrapper.find(byId('signin-failures')).exists()).toBe(false)
      await wrapper.find(byId('shell-account')).trigger('click')
      expect(wrapper.find(byId('signin-failures-last')).exists()).toBe(false)
      expect(wrapper.find(byId('signin-failures-none')).text()).toBe('No failed sign-ins have been reported on this phone')
      // Esc closes it as it does the seat status chooser.
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))
      await wrapper.vm.$nextTick()
      expect(wrapper.find(byId('shell-account-panel')).exists()).toBe(false)
      wrapper.unmount()
    })
  })

})

describe('IncomingCallOverlay (in the shell)', () => {
  beforeEach(() => {
    setLocale('en')
    device.canOpenSettings = false
    ;(globalThis as PagesGlobal).getCurrentPages = () => [{ route: 'src/pages/numbers/index' }]
  })
  afterEach(() => {
    setLocale('zh')
    delete (globalThis as PagesGlobal).getCurrentPages
  })

  it('appears only while a call is incoming and names the caller with the listed remark', async () => {
    const { wrapper } = mountShell()
    expect(wrapper.find(byId('incoming-call')).exists()).toBe(false)
    const numbers = useNumbersStore()
    ;(numbers.lookup as unknown as ReturnType<typeof fn>).mockImplementation((n: unknown) =>
      n === '13912345678' ? { number: '13912345678', remark: 'Ms Wang', createdAt: 0, callCount: 0 } : undefined,
    )
    const call = useCallStore()
    call.state = 'incoming'
    call.peer = '13912345678'
    await wrapper.vm.$nextTick()
    const caller = wrapper.find(byId('incoming-caller'))
    expect(caller.text()).toContain('Ms Wang')
    expect(caller.text()).toContain('13912345678')
    call.state = 'ended' // the caller gave up
    await wrapper.vm.$nextTick()
    expect(wrapper.find(byId('incoming-call')).exists()).toBe(false)
  })

  it('says when the browser blocked the ringtone, in Chinese and English, and a tap retries it', async () => {
    const { wrapper } = mountShell({ call: { state: 'incoming', peer: '13912345678' } })
    expect(wrapper.find(byId('incoming-ringtone-blocked')).exists()).toBe(false)
    const call = useCallStore()
    call.ringtoneError = new TcccError('RINGTONE_BLOCKED')
    await wrapper.vm.$nextTick()
    expect(wrapper.find(byId('incoming-ringtone-blocked')).text()).toBe('The browser blocked the ringtone: tap anywhere on the screen to hear it.')
    setLocale('zh')
    await wrapper.vm.$nextTick()
    expect(wrapper.find(byId('incoming-ringtone-blocked')).text()).toBe('浏览器阻止了来电铃声：点按屏幕任意处即可响铃')
    await wrapper.find(byId('incoming-caller')).trigger('click')
    expect(call.retryRingtone).toHaveBeenCalledTimes(1)
  })

  it('answers through the call store and opens the call screen', async () => {
    const { wrapper } = mountShell({ call: { state: 'incoming', peer: '13912345678' } })
    const call = useCallStore()
    ;(call.answerIncoming as unknown as ReturnType<typeof fn>).mockImplementation(async () => {
      call.state = 'active'
      return true
    })
    // Icon-only round buttons: their label text sits outside them, so they carry their own name.
    expect(wrapper.find(byId('incoming-answer')).attributes('aria-label')).toBe('Answer')
    expect(wrapper.find(byId('incoming-reject')).attributes('aria-label')).toBe('Decline')
    await wrapper.find(byId('incoming-answer')).trigger('click')
    await flushPromises()
    expect(call.answerIncoming).toHaveBeenCalledTimes(1)
    expect(reLaunchUrls()).toEqual(['/src/pages/dial/index'])
    expect(wrapper.find(byId('incoming-call')).exists()).toBe(false)
  })

  it('keeps ringing with the reason when answering is refused', async () => {
    const { wrapper } = mountShell({ call: { state: 'incoming', peer: '13912345678' } })
    const call = useCallStore()
    ;(call.answerIncoming as unknown as ReturnType<typeof fn>).mockImplementation(async () => {
      call.error = new TcccError('ERR_ANSWER_FAILURE')
      return false
    })
    await wrapper.find(byId('incoming-answer')).trigger('click')
    await flushPromises()
    expect(reLaunchUrls()).toEqual([])
    expect(wrapper.find(byId('incoming-error')).text()).toBe('Could not answer the call (media connection failed). Try again.')
  })

  it('opens the microphone settings through the call store when answering was refused for it', async () => {
    device.canOpenSettings = true
    const { wrapper } = mountShell({ call: { state: 'incoming', peer: '13912345678', error: new TcccError('ERR_MIC_NOT_AUTHORIZED') } })
    // The caller still waits: answer again, not call again.
    expect(wrapper.find(byId('mic-help-text')).text()).toBe('Allow this app to use the microphone in system settings, then answer again.')
    await wrapper.find(byId('mic-open-settings')).trigger('click')
    expect(useCallStore().openMicrophoneSettings).toHaveBeenCalledTimes(1)
  })

  it('a sheet the page opens while the call rings (its panel filled after the overlay) goes under it: answer and decline stay reachable and keep the focus', async () => {
    // Earlier shells of this file stay attached: only this one's call rings.
    document.body.innerHTML = ''
    const pinia = createTestingPinia({
      createSpy: fn,
      initialState: { session: { status: 'signed-in', agent: { userId: 'agent1@example.com', sdkAppId: 1400000001 } }, call: { state: 'incoming', peer: '13912345678' } },
    })
    const wrapper = mount(AgentShell, {
      props: { title: 'Numbers' },
      // The number form reopened from its kept draft as the page mounts.
      slots: { default: () => h(BottomSheet, { testid: 'number-form', label: 'Add number' }, () => h('input', { class: 'field' })) },
      global: { plugins: [pinia], components: { 'uni-popup': UniPopupStub } },
      attachTo: document.body,
    })
    for (let i = 0; i < 4; i += 1) await nextTick()
    const hidden = (id: string) => wrapper.find(byId(id)).element.closest('[inert], [aria-hidden="true"]') !== null
    // Was: the sheet on top, answer and decline inert (a tap went through them) and aria-hidden.
    expect([hidden('incoming-answer'), hidden('incoming-reject'), hidden('number-form')]).toEqual([false, false, true])
    expect(wrapper.find(byId('incoming-call')).element.contains(document.activeElement)).toBe(true)
    wrapper.unmount()
  })

  it('declines through the call store', async () => {
    const { wrapper } = mountShell({ call: { state: 'incoming', peer: '13912345678' } })
    await wrapper.find(byId('incoming-reject')).trigger('click')
    expect(useCallStore().rejectIncoming).toHaveBeenCalledTimes(1)
  })

  it('shows the sync state and the unsent count, in the current language', async () => {
    const { wrapper } = mountShell({ sync: { state: 'synced', pending: 0 } })
    const status = () => wrapper.find(byId('sync-status'))
    expect(status().attributes()).toMatchObject({ 'data-state': 'synced', 'data-pending': '0' })
    expect(status().text()).toBe('Synced')
    useSyncStore().state = 'offline'
    useSyncStore().pending = 3
    await flushPromises()
    expect(status().attributes()).toMatchObject({ 'data-state': 'offline', 'data-pending': '3' })
    expect(status().text()).toBe('Offline · 3 to sync')
    setLocale('zh')
    await flushPromises()
    expect(status().text()).toBe('离线 · 3 条待同步')
    useSyncStore().pending = 0
    await flushPromises()
    expect(status().text()).toBe('离线') // nothing waiting: not "0 条待同步"
    useSyncStore().pending = 3
    useSyncStore().state = 'error'
    await flushPromises()
    expect(status().text()).toBe('同步失败 · 3 条待同步')
    // A pull the phone had no room to save: the same contract state, the reason in words.
    useSyncStore().storageFull = true
    await flushPromises()
    expect(status().attributes()).toMatchObject({ 'data-state': 'error' })
    expect(status().text()).toBe('存储空间已满，同步数据未保存 · 3 条待同步')
    setLocale('en')
    await flushPromises()
    expect(status().text()).toBe('Storage full: synced data not saved · 3 to sync')
  })

  it('counts down a long sync, says how to retry a failed one, and retries at once on a tap', async () => {
    const { wrapper } = mountShell({ sync: { state: 'syncing', pending: 2500 } })
    const status = () => wrapper.find(byId('sync-status'))
    expect(status().text()).toBe('Syncing · 2500 left')
    useSyncStore().pending = 0
    await flushPromises()
    expect(status().text()).toBe('Syncing…')
    useSyncStore().state = 'error'
    useSyncStore().pending = 1
    await flushPromises()
    expect(status().attributes('aria-label')).toBe('Sync failed: check the connection, then tap here to retry now (it also retries by itself)')
    expect(status().attributes('role')).toBe('button')
    await status().trigger('click')
    expect(useSyncStore().onForeground).toHaveBeenCalledTimes(1)
  })

  it('changes the server refused show once nothing else is under way, naming the phone clock when that is why', async () => {
    const { wrapper } = mountShell({ sync: { state: 'synced', pending: 0 } })
    const status = () => wrapper.find(byId('sync-status'))
    useSyncStore().refused = 2
    await flushPromises()
    expect(status().text()).toBe('2 refused')
    expect(status().attributes()).toMatchObject({ 'data-state': 'synced', 'data-refused': '2', 'aria-label': 'The server refused 2 changes (the records stay on this phone)' })
    expect(status().classes()).toContain('is-refused')
    useSyncStore().clockRefused = true
    setLocale('zh')
    await flushPromises()
    expect(status().text()).toBe('手机时间不准 · 2 项被拒收')
    expect(status().attributes('aria-label')).toBe('手机时间不准确，服务器拒收了 2 项更改：请在系统设置中校准时间')
    // Work under way says so first; the refusals come back after.
    useSyncStore().state = 'syncing'
    await flushPromises()
    expect(status().text()).toBe('同步中…')
    expect(status().attributes('aria-label')).toBeUndefined()
    expect(status().classes()).not.toContain('is-refused')
  })

  it('changes refused over a cap of the agent\'s on the server say which and what to do (delete numbers, or ask the business)', async () => {
    const { wrapper } = mountShell({ sync: { state: 'synced', pending: 0 } })
    const status = () => wrapper.find(byId('sync-status'))
    useSyncStore().refused = 1
    useSyncStore().quotaRefused = 'numbers'
    await flushPromises()
    expect(status().text()).toBe('Number limit reached · 1 refused')
    expect(status().attributes('aria-label')).toBe('Your list is at its limit of numbers, so the server refused 1 change (it stays on this phone): delete numbers you no longer need, or ask the business to raise the limit')
    setLocale('zh')
    await flushPromises()
    expect(status().text()).toBe('号码已达上限 · 1 项被拒收')
    expect(status().attributes('aria-label')).toBe('号码数量已达账号上限，服务器拒收了 1 项更改（记录保留在本机）：请删除不再需要的号码，或请管理员提高上限')
    useSyncStore().refused = 3
    useSyncStore().quotaRefused = 'records'
    await flushPromises()
    expect(status().text()).toBe('存储已达上限 · 3 项被拒收')
    expect(status().attributes('aria-label')).toBe('账号在服务器上的记录已达上限，服务器拒收了 3 项更改（记录保留在本机）：请联系管理员提高上限')
    setLocale('en')
    await flushPromises()
    expect(status().text()).toBe('Storage limit reached · 3 refused')
    expect(status().attributes('aria-label')).toBe('Your account is at its storage limit on the server, so the server refused 3 changes (they stay on this phone): ask the business to raise the limit')
    expect(status().classes()).toContain('is-refused')
  })

  it('changes waiting over a cap can be sent again from the sync line (the business raised it); not while other work is under way, nor for other refusals', async () => {
    const { wrapper } = mountShell({ sync: { state: 'synced', pending: 0 } })
    const retry = () => wrapper.find(byId('sync-retry-refused'))
    useSyncStore().refused = 2
    await flushPromises()
    expect(retry().exists()).toBe(false)
    useSyncStore().quotaRefused = 'records'
    await flushPromises()
    expect(retry().attributes('aria-label')).toBe('Send the refused changes again')
    await retry().trigger('click')
    expect(useSyncStore().retryRefused).toHaveBeenCalledTimes(1)
    useSyncStore().state = 'syncing'
    await flushPromises()
    expect(retry().exists()).toBe(false)
    useSyncStore().state = 'synced'
    useSyncStore().quotaRefused = 'numbers'
    setLocale('zh')
    await flushPromises()
    expect(retry().attributes('aria-label')).toBe('重新发送被拒收的更改')
  })

  it('signing out with unsent changes asks first: "wait" syncs and stays, "sign out anyway" signs out', async () => {
    const { wrapper } = mountShell({ sync: { state: 'offline', pending: 2 } })
    await wrapper.find(byId('logout')).trigger('click')
    expect(useSessionStore().signOut).not.toHaveBeenCalled()
    expect(wrapper.find(byId('confirm-dialog')).text()).toContain('2 changes have not reached the server')
    await wrapper.find(byId('confirm-cancel')).trigger('click')
    expect(useSyncStore().drain).toHaveBeenCalledTimes(1)
    expect(wrapper.find(byId('confirm-dialog')).exists()).toBe(false)
    expect(useSessionStore().signOut).not.toHaveBeenCalled()

    await wrapper.find(byId('logout')).trigger('click')
    await wrapper.find(byId('confirm-ok')).trigger('click')
    await flushPromises()
    expect(useSessionStore().signOut).toHaveBeenCalledTimes(1)
  })

  it('"wait" signs out once everything is sent; the dialog also gives way by itself when the changes go out', async () => {
    const { wrapper } = mountShell({ sync: { state: 'pending', pending: 1 } })
    const sync = useSyncStore()
    ;(sync.drain as unknown as ReturnType<typeof fn>).mockImplementation(async () => true)
    await wrapper.find(byId('logout')).trigger('click')
    await wrapper.find(byId('confirm-cancel')).trigger('click')
    await flushPromises()
    expect(useSessionStore().signOut).toHaveBeenCalledTimes(1)

    // "Hang up and sign out": the call's record is pending when the dialog opens, then goes out.
    const again = mountShell({ sync: { state: 'pending', pending: 1 } }).wrapper
    await again.find(byId('logout')).trigger('click')
    expect(again.find(byId('confirm-dialog')).exists()).toBe(true)
    useSyncStore().pending = 0
    await flushPromises()
    expect(useSessionStore().signOut).toHaveBeenCalledTimes(1) // the new pinia's store
  })

  it('signs out at once when everything is synced', async () => {
    const { wrapper } = mountShell({ sync: { state: 'synced', pending: 0 } })
    await wrapper.find(byId('logout')).trigger('click')
    await flushPromises()
    expect(wrapper.find(byId('confirm-dialog')).exists()).toBe(false)
    expect(useSessionStore().signOut).toHaveBeenCalledTimes(1)
  })

  it('asks before signing out during a live call: "stay" keeps the call, "hang up and sign out" ends it first', async () => {
    const { wrapper } = mountShell({ call: { state: 'active', peer: '13800000001', remark: '张伟' }, sync: { state: 'synced', pending: 0 } })
    const call = useCallStore()
    ;(call.hangUp as unknown as ReturnType<typeof fn>).mockImplementation(async () => true)
    await wrapper.find(byId('logout')).trigger('click')
    expect(wrapper.find(byId('confirm-dialog')).text()).toContain('hangs up the call with 张伟')
    await wrapper.find(byId('confirm-cancel')).trigger('click')
    expect(wrapper.find(byId('confirm-dialog')).exists()).toBe(false)
    expect(call.hangUp).not.toHaveBeenCalled()
    expect(useSessionStore().signOut).not.toHaveBeenCalled()

    await wrapper.find(byId('logout')).trigger('click')
    await wrapper.find(byId('confirm-ok')).trigger('click')
    await flushPromises()
    expect(call.hangUp).toHaveBeenCalledTimes(1)
    expect(useSessionStore().signOut).toHaveBeenCalledTimes(1)
  })

  it('standing by while the holding tab has a live call, asks before signing out (that tab signs out too, hanging up): "stay" keeps it, "hang up and sign out" signs out', async () => {
    const standing = { status: 'elsewhere', agent: { userId: 'agent1@example.com', sdkAppId: 1400000001 }, elsewhereAgent: 'agent1@example.com', holderLeft: false, takingOver: false, holderOnCall: true }
    const { wrapper } = mountShell({ session: standing, sync: { state: 'synced', pending: 0 } })
    expect(wrapper.find(byId('tab-elsewhere')).attributes('data-holder-call')).toBe('true')
    await wrapper.find(byId('logout')).trigger('click')
    const dialog = wrapper.find(byId('confirm-dialog'))
    expect(dialog.attributes('data-kind')).toBe('logout-holder-call')
    expect(dialog.text()).toContain('The other tab is on a call')
    expect(dialog.text()).toContain('hangs up the call in the other tab')
    expect(wrapper.find(byId('confirm-ok')).text()).toBe('Hang up and sign out')
    expect(wrapper.find(byId('confirm-cancel')).text()).toBe('Stay on the call')
    await wrapper.find(byId('confirm-cancel')).trigger('click')
    expect(wrapper.find(byId('confirm-dialog')).exists()).toBe(false)
    expect(useSessionStore().signOut).not.toHaveBeenCalled()
    // This tab has no call to hang up: the other tab does, as it signs out.
    expect(useCallStore().hangUp).not.toHaveBeenCalled()

    setLocale('zh')
    await wrapper.find(byId('logout')).trigger('click')
    expect(wrapper.find(byId('confirm-dialog')).text()).toContain('另一个标签页正在通话')
    expect(wrapper.find(byId('confirm-ok')).text()).toBe('挂断并退出')
    await wrapper.find(byId('confirm-ok')).trigger('click')
    await flushPromises()
    expect(useSessionStore().signOut).toHaveBeenCalledTimes(1)
    expect(useCallStore().hangUp).not.toHaveBeenCalled()
  })

  it('standing by with no call in the holding tab, or once it was closed, signs out without asking', async () => {
    const { wrapper } = mountShell({ session: { status: 'elsewhere', agent: { userId: 'agent1@example.com', sdkAppId: 1400000001 }, elsewhereAgent: 'agent1@example.com', holderLeft: true, holderOnCall: false }, sync: { state: 'synced', pending: 0 } })
    expect(wrapper.find(byId('tab-elsewhere')).attributes('data-holder-call')).toBe('false')
    await wrapper.find(byId('logout')).trigger('click')
    await flushPromises()
    expect(wrapper.find(byId('confirm-dialog')).exists()).toBe(false)
    expect(useSessionStore().signOut).toHaveBeenCalledTimes(1)
  })

  it('stays signed in, and says so, when the call cannot be hung up', async () => {
    const { wrapper } = mountShell({ call: { state: 'active', peer: '13800000001' } })
    ;(useCallStore().hangUp as unknown as ReturnType<typeof fn>).mockImplementation(async () => false)
    await wrapper.find(byId('logout')).trigger('click')
    await wrapper.find(byId('confirm-ok')).trigger('click')
    await flushPromises()
    expect(useSessionStore().signOut).not.toHaveBeenCalled()
    expect(wrapper.find(byId('logout-error')).text()).toBe('Could not hang up; still signed in')
  })

  it('the header dot agrees with the banner: green only while connected', async () => {
    const { wrapper } = mountShell()
    const dot = () => wrapper.find(byId('connection-dot'))
    expect(dot().attributes('data-state')).toBe('online')
    expect(dot().classes()).toContain('is-online')
    const connection = useConnectionStore()
    for (const state of ['lost', 'reconnecting'] as const) {
      connection.state = state
      await flushPromises()
      expect(dot().attributes('data-state')).toBe(state)
      expect(dot().classes()).not.toContain('is-online')
    }
    connection.state = 'ok'
    await flushPromises()
    expect(dot().attributes('data-state')).toBe('online')
  })

  it('shows a second caller during a call as call-waiting, with the number', async () => {
    const { wrapper } = mountShell({ call: { state: 'active', peer: '13800000001', waiting: [{ sessionId: 's2', number: '13700137000', remark: '' }] } })
    const notice = wrapper.find(byId('call-waiting'))
    expect(notice.attributes('data-number')).toBe('13700137000')
    expect(notice.text()).toContain('13700137000 is calling')
    useCallStore().state = 'ended'
    await flushPromises()
    expect(wrapper.find(byId('call-waiting')).exists()).toBe(false)
  })

  const missedCall = (number: string, startedAt: number) => ({
    id: `r-${number}`,
    number,
    direction: 'in',
    outcome: 'missed',
    startedAt,
    endedAt: startedAt + 1000,
    durationSec: 0,
    endReason: 'remote-cancel',
  })

  it('shows unseen missed calls as a notice and a count on the history tab; dismissing marks them seen', async () => {
    const { wrapper } = mountShell({
      history: { records: [missedCall('13700000002', 2000), missedCall('13700000001', 1000)] },
      missed: { seenAt: 500 },
    })
    expect(wrapper.find(byId('missed-notice')).text()).toContain('2 missed calls, the latest from 13700000002')
    expect(wrapper.find(byId('nav-history-badge')).attributes('data-count')).toBe('2')
    expect(wrapper.find(byId('nav-history-badge')).text()).toBe('2')
    await wrapper.find(byId('missed-dismiss')).trigger('click')
    expect(useMissedStore().markSeen).toHaveBeenCalledTimes(1)
    await wrapper.find(byId('missed-open')).trigger('click')
    expect(reLaunchUrls()).toEqual(['/src/pages/history/index'])
  })

  it('counts missed calls as seen while history is on screen', () => {
    ;(globalThis as PagesGlobal).getCurrentPages = () => [{ route: 'src/pages/history/index' }]
    const { wrapper } = mountShell({ history: { records: [missedCall('13700000001', 1000)] }, missed: { seenAt: 500 } })
    expect(useMissedStore().markSeen).toHaveBeenCalled()
    expect(wrapper.find(byId('missed-notice')).exists()).toBe(false)
  })

})

describe('AgentShell and the keyboard', () => {
  beforeEach(() => {
    setLocale('en')
    document.body.innerHTML = ''
    ;(globalThis as PagesGlobal).getCurrentPages = () => [{ route: 'src/pages/dial/index' }]
  })
  afterEach(() => {
    setLocale('zh')
    delete (globalThis as PagesGlobal).getCurrentPages
  })

  it('opens the seat status chooser from the keyboard and closes it with Esc, the focus back on the chip', async () => {
    const { wrapper } = mountShell()
    const chip = wrapper.find(byId('agent-state'))
    // A control the keyboard reaches, named with what it shows.
    expect(chip.attributes()).toMatchObject({ role: 'button', tabindex: '0', 'aria-expanded': 'false', 'aria-label': 'Seat status: Offline' })
    expect(wrapper.find(byId('nav-history')).attributes()).toMatchObject({ role: 'link', tabindex: '0' })
    const key = (el: Element, k: string) => {
      el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }))
      el.dispatchEvent(new KeyboardEvent('keyup', { key: k, bubbles: true, cancelable: true }))
    }
    key(chip.element, 'Enter')
    await wrapper.vm.$nextTick()
    expect(wrapper.find(byId('agent-state-menu')).exists()).toBe(true)
    expect(chip.attributes('aria-expanded')).toBe('true')
    const choice = wrapper.find(byId('agent-state-rest')).element as HTMLElement
    choice.focus()
    key(choice, 'Escape')
    await wrapper.vm.$nextTick()
    expect(wrapper.find(byId('agent-state-menu')).exists()).toBe(false)
    expect(document.activeElement).toBe(chip.element)
    wrapper.unmount()
  })
})
