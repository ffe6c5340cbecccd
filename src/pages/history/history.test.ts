import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { mount } from '@vue/test-utils'
import { createTestingPinia } from '@pinia/testing'
import { setLocale } from '@/i18n'
import type { CallRecord } from '@/services/callRecord'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useWrapupStore } from '@/store/wrapup'
import HistoryPage from './index.vue'
import { dayLabel } from './format'
import { useNumbersStore } from '@/store/numbers'
import { UniPopupStub } from '../../../tests/setup/uniPopupStub'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

const byId = (id: string) => `[data-testid="${id}"]`
const NOW = Date.now()

const records: CallRecord[] = [
  { id: 'b', number: '13912345678', remark: 'Ms Wang', direction: 'in', outcome: 'missed', startedAt: NOW - 60_000, endedAt: NOW - 50_000, durationSec: 0, endReason: 'remote-cancel' },
  { id: 'a', number: '13800138000', direction: 'out', outcome: 'answered', startedAt: NOW - 600_000, answeredAt: NOW - 590_000, endedAt: NOW - 515_000, durationSec: 75, endReason: 'local-bye' },
]

function mountHistory(rows: CallRecord[]) {
  const pinia = createTestingPinia({
    createSpy: fn,
    stubActions: false,
    initialState: { session: { status: 'signed-in', agent: { userId: 'agent1@example.com', sdkAppId: 1 } }, history: { records: rows } },
  })
  return mount(HistoryPage, { global: { plugins: [pinia], components: { 'uni-popup': UniPopupStub } } })
}

describe('history page', () => {
  beforeEach(() => setLocale('en'))
  afterEach(() => setLocale('zh'))

  it("shows TCCC's duration and a recording button when the call detail came; a tap opens it", async () => {
    const opened: string[] = []
    vi.stubGlobal('open', (url: string) => opened.push(url))
    const withDetail: CallRecord = { ...records[1], id: 'c', tcccDurationSec: 73, recordingUrl: 'https://rec.example/c.mp3' }
    const unrecorded: CallRecord = { ...records[1], id: 'd', startedAt: NOW - 900_000, endedAt: NOW - 800_000, tcccDurationSec: 0, recordingUrl: null }
    const wrapper = mountHistory([withDetail, records[0], unrecorded, records[1]])
    expect(wrapper.findAll(byId('history-tccc-duration')).map((d) => [d.text(), d.attributes('data-seconds')])).toEqual([
      ['Contact center: 01:13', '73'],
      ['Contact center: 00:00', '0'],
    ])
    const recordings = wrapper.findAll(byId('history-recording'))
    expect(recordings.map((r) => r.attributes('data-url'))).toEqual(['https://rec.example/c.mp3'])
    await recordings[0].trigger('click')
    expect(opened).toEqual(['https://rec.example/c.mp3'])
    vi.unstubAllGlobals()
  })

  it('lists calls newest first with number, direction, outcome and duration', () => {
    const wrapper = mountHistory(records)
    const items = wrapper.findAll(byId('history-item'))
    expect(items.map((i) => [i.attributes('data-number'), i.attributes('data-direction'), i.attributes('data-outcome')])).toEqual([
      ['13912345678', 'in', 'missed'],
      ['13800138000', 'out', 'answered'],
    ])
    expect(items[0].text()).toContain('Ms Wang')
    expect(items[0].text()).toContain('Missed')
    expect(items[1].text()).toContain('Outgoing')
    expect(items[1].text()).toContain('Answered')
    expect(items[1].text()).toContain('01:15')
  })

  it('shows the empty state without calls', () => {
    const wrapper = mountHistory([])
    expect(wrapper.find(byId('history-empty')).text()).toContain('No calls yet')
    expect(wrapper.find(byId('history-clear')).exists()).toBe(false)
    expect(wrapper.find(byId('history-search')).exists()).toBe(true)
  })

  it('clears only after confirmation', async () => {
    const wrapper = mountHistory(records)
    await wrapper.find(byId('history-clear')).trigger('click')
    await wrapper.find(byId('confirm-cancel')).trigger('click')
    expect(wrapper.findAll(byId('history-item'))).toHaveLength(2)
    await wrapper.find(byId('history-clear')).trigger('click')
    await wrapper.find(byId('confirm-ok')).trigger('click')
    expect(useHistoryStore().records).toEqual([])
    expect(wrapper.find(byId('history-empty')).exists()).toBe(true)
  })

  it('a clear the storage refuses closes the dialog and leaves the list as it was', async () => {
    const wrapper = mountHistory(records)
    const history = useHistoryStore()
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    history.clear = fn(() => {
      throw new Error('quota')
    })
    await wrapper.find(byId('history-clear')).trigger('click')
    await wrapper.find(byId('confirm-ok')).trigger('click')
    // Was: the error left the click handler and the dialog stayed open.
    expect(wrapper.find(byId('confirm-dialog')).exists()).toBe(false)
    expect(wrapper.findAll(byId('history-item'))).toHaveLength(2)
  })

  it('says before clearing which calls stay because the server does not have them yet (en, zh); with all of them waiting it says only that', async () => {
    const wrapper = mountHistory(records)
    const history = useHistoryStore()
    history.keptByClear = fn(() => 1)
    await wrapper.find(byId('history-clear')).trigger('click')
    expect(wrapper.find(byId('confirm-dialog')).text()).toContain('1 call record will be deleted. This cannot be undone. 1 call is not on the server yet and stays until it is synced.')
    await wrapper.find(byId('confirm-cancel')).trigger('click')
    setLocale('zh')
    history.keptByClear = fn(() => 2)
    await wrapper.find(byId('history-clear')).trigger('click')
    const text = wrapper.find(byId('confirm-dialog')).text()
    expect(text).toContain('2 条通话尚未同步到服务器，将保留到同步之后。')
    expect(text).not.toContain('将删除')
    await wrapper.find(byId('confirm-cancel')).trigger('click')
    history.keptByClear = fn(() => 0)
    await wrapper.find(byId('history-clear')).trigger('click')
    expect(wrapper.find(byId('confirm-dialog')).text()).toContain('将删除全部 2 条通话记录，且无法恢复。')
  })

  it('calls a number back and opens the call screen', async () => {
    const wrapper = mountHistory(records)
    const call = useCallStore()
    call.placeCall = fn(async () => true) as unknown as typeof call.placeCall
    await wrapper.findAll(byId('history-call'))[0].trigger('click')
    expect(call.placeCall).toHaveBeenCalledWith({ to: '13912345678', remark: 'Ms Wang' })
    expect((uni.reLaunch as unknown as ReturnType<typeof fn>).mock.calls.map((c) => (c[0] as { url: string }).url)).toEqual(['/src/pages/dial/index'])
  })
  it("reopens a call's wrap-up from its row, named for screen readers; not while a call is live", async () => {
    const wrapper = mountHistory([{ ...records[0], disposition: 'interested', note: 'likes the plan' }, records[1]])
    const buttons = wrapper.findAll(byId('history-wrapup'))
    expect(buttons.map((b) => b.attributes('aria-label'))).toEqual(['Edit the wrap-up of the call with Ms Wang', 'Wrap up the call with 13800138000'])
    await buttons[0].trigger('click')
    const wrapup = useWrapupStore()
    expect(wrapup.draft).toMatchObject({ callId: 'b', disposition: 'interested', note: 'likes the plan', correction: { callbackAt: null } })
    expect(wrapup.isSheetShown).toBe(true)
    useCallStore().state = 'active'
    await wrapper.vm.$nextTick()
    expect(wrapper.findAll(byId('history-wrapup')).map((b) => b.attributes('aria-disabled'))).toEqual(['true', 'true'])
  })
})

describe('history search, filters and days', () => {
  beforeEach(() => setLocale('en'))
  afterEach(() => setLocale('zh'))

  const at = (d: Date) => d.getTime()
  const today = new Date()
  today.setHours(12, 0, 0, 0)
  const yesterday = new Date(today.getTime() - 86_400_000)
  const older = new Date(2024, 2, 8, 9, 30)
  const rows: CallRecord[] = [
    { id: 't1', number: '13912345678', remark: '张伟', direction: 'out', outcome: 'answered', startedAt: at(today) - 90_000, endedAt: at(today), durationSec: 60, endReason: 'local-bye', disposition: 'deal', note: 'Wants the Pro plan' },
    { id: 'y1', number: '13700001111', direction: 'in', outcome: 'missed', startedAt: at(yesterday) - 9_000, endedAt: at(yesterday), durationSec: 0, endReason: 'remote-cancel' },
    { id: 'o1', number: '13600003333', direction: 'in', outcome: 'answered', startedAt: at(older) - 60_000, endedAt: at(older), durationSec: 40, endReason: 'remote-bye', disposition: 'callback' },
  ]
  const numbersOf = (wrapper: ReturnType<typeof mountHistory>) => wrapper.findAll(byId('history-item')).map((i) => i.attributes('data-number'))

  it('groups by day with Today / Yesterday / date headers', () => {
    const wrapper = mountHistory(rows)
    const days = wrapper.findAll(byId('history-day'))
    expect(days.map((d) => d.attributes('data-day'))).toEqual([
      `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`,
      `${yesterday.getFullYear()}-${String(yesterday.getMonth() + 1).padStart(2, '0')}-${String(yesterday.getDate()).padStart(2, '0')}`,
      '2024-03-08',
    ])
    expect(days.map((d) => d.text())).toEqual(['Today1 call', 'Yesterday1 call', '2024-3-81 call'])
  })

  it('shows the callback time a wrap-up set, with the year only when it is another year', () => {
    const tomorrow10 = new Date(today.getTime() + 86_400_000)
    tomorrow10.setHours(10, 0, 0, 0)
    const nextYear = new Date(today.getFullYear() + 1, 0, 4, 9, 5)
    const wrapper = mountHistory([
      { ...rows[0], id: 'c1', disposition: 'callback', callbackAt: tomorrow10.getTime() },
      { ...rows[0], id: 'c2', number: '13912345679', disposition: 'callback', callbackAt: nextYear.getTime() },
      rows[1],
    ])
    const shown = wrapper.findAll(byId('history-callback'))
    const pad = (n: number) => String(n).padStart(2, '0')
    expect(shown.map((c) => c.text())).toEqual([
      `Call back ${tomorrow10.getFullYear() === new Date().getFullYear() ? '' : `${tomorrow10.getFullYear()}-`}${pad(tomorrow10.getMonth() + 1)}-${pad(tomorrow10.getDate())} 10:00`,
      `Call back ${nextYear.getFullYear()}-01-04 09:05`,
    ])
    expect(shown[0].attributes('data-at')).toBe(String(tomorrow10.getTime()))
  })

  it('names the days in Chinese', async () => {
    setLocale('zh')
    const wrapper = mountHistory(rows)
    expect(wrapper.findAll(byId('history-day')).map((d) => d.text().replace(/\d+ 通$/, ''))).toEqual(['今天', '昨天', '2024年3月8日'])
  })

  it('searches by number, remark and note', async () => {
    const wrapper = mountHistory(rows)
    const input = wrapper.find(byId('history-search'))
    await input.setValue('pro plan')
    expect(numbersOf(wrapper)).toEqual(['13912345678'])
    await input.setValue('张伟')
    expect(numbersOf(wrapper)).toEqual(['13912345678'])
    await input.setValue('1111')
    expect(numbersOf(wrapper)).toEqual(['13700001111'])
    await input.setValue('nobody')
    expect(wrapper.findAll(byId('history-item'))).toHaveLength(0)
    expect(wrapper.find(byId('history-no-match')).text()).toContain('No calls match “nobody”')
  })

  it('filters by direction, missed and outcome, with counts and data-selected', async () => {
    const wrapper = mountHistory(rows)
    expect(['all', 'in', 'out', 'missed'].map((k) => wrapper.find(byId(`history-filter-${k}`)).attributes('data-count'))).toEqual(['3', '2', '1', '1'])
    await wrapper.find(byId('history-filter-in')).trigger('click')
    expect(wrapper.find(byId('history-filter-in')).attributes('data-selected')).toBe('true')
    expect(wrapper.find(byId('history-filter-all')).attributes('data-selected')).toBe('false')
    expect(numbersOf(wrapper)).toEqual(['13700001111', '13600003333'])
    await wrapper.find(byId('history-filter-missed')).trigger('click')
    expect(numbersOf(wrapper)).toEqual(['13700001111'])
    await wrapper.find(byId('history-filter-all')).trigger('click')
    await wrapper.find(byId('history-filter-outcome-callback')).trigger('click')
    expect(wrapper.find(byId('history-filter-outcome-callback')).attributes('data-selected')).toBe('true')
    expect(numbersOf(wrapper)).toEqual(['13600003333'])
    expect(wrapper.find(byId('history-count')).text()).toBe('1 of 3')
    await wrapper.find(byId('history-filter-outcome-callback')).trigger('click')
    expect(numbersOf(wrapper)).toHaveLength(3)
  })

  it('offers to save only numbers not on the list, and saves them through the numbers store', async () => {
    const wrapper = mountHistory(rows)
    const numbers = useNumbersStore()
    numbers.add('13912345678', '张伟')
    await wrapper.vm.$nextTick()
    const offered = wrapper.findAll(byId('history-item')).filter((i) => i.find(byId('history-save-number')).exists())
    expect(offered.map((i) => i.attributes('data-number'))).toEqual(['13700001111', '13600003333'])
    await offered[0].find(byId('history-save-number')).trigger('click')
    const numberField = wrapper.find(`${byId('number-form-number')}`)
    expect((numberField.element as HTMLInputElement).value).toBe('13700001111')
    await wrapper.find(`${byId('number-form-remark')}`).setValue('New lead')
    await wrapper.find(byId('number-form-save')).trigger('click')
    expect(numbers.lookup('13700001111')?.remark).toBe('New lead')
    expect(wrapper.find(byId('number-form-save')).exists()).toBe(false)
    expect(wrapper.findAll(byId('history-save-number'))).toHaveLength(1)
  })

  it('names the customer on the row buttons for screen readers', () => {
    const wrapper = mountHistory(rows)
    expect(wrapper.findAll(byId('history-call')).map((b) => b.attributes('aria-label'))).toEqual(['Call back 张伟', 'Call back 13700001111', 'Call back 13600003333'])
    expect(wrapper.findAll(byId('history-save-number'))[0].attributes('aria-label')).toBe('Save 张伟 to the number list')
  })
})

describe('dayLabel', () => {
  const words = { today: 'T', yesterday: 'Y', thisYear: (m: number, d: number) => `${m}/${d}`, otherYear: (y: number, m: number, d: number) => `${y}-${m}-${d}` }
  const now = new Date(2026, 2, 10, 15, 30).getTime()
  it('names today and yesterday, and dates otherwise (the year only when not this year)', () => {
    expect(dayLabel({ day: '2026-03-10', relative: 'today' }, now, words)).toBe('T')
    expect(dayLabel({ day: '2026-03-09', relative: 'yesterday' }, now, words)).toBe('Y')
    expect(dayLabel({ day: '2026-01-02', relative: 'date' }, now, words)).toBe('1/2')
    expect(dayLabel({ day: '2025-12-31', relative: 'date' }, now, words)).toBe('2025-12-31')
  })
})
