import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { mount } from '@vue/test-utils'
import { createTestingPinia } from '@pinia/testing'
import { setLocale } from '@/i18n'
import type { CallRecord } from '@/services/callRecord'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import HistoryPage from './index.vue'
import { formatCallTime } from './format'

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
  return mount(HistoryPage, { global: { plugins: [pinia] } })
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

  it('calls a number back and opens the call screen', async () => {
    const wrapper = mountHistory(records)
    const call = useCallStore()
    call.placeCall = fn(async () => true) as unknown as typeof call.placeCall
    await wrapper.findAll(byId('history-call'))[0].trigger('click')
    expect(call.placeCall).toHaveBeenCalledWith({ to: '13912345678', remark: 'Ms Wang' })
    expect((uni.reLaunch as unknown as ReturnType<typeof fn>).mock.calls.map((c) => (c[0] as { url: string }).url)).toEqual(['/src/pages/dial/index'])
  })
})

describe('formatCallTime', () => {
  const now = new Date(2026, 2, 10, 15, 30).getTime()
  it('shows the time today, "yesterday" before that, then the date', () => {
    const words = { yesterday: 'Yesterday' }
    expect(formatCallTime(new Date(2026, 2, 10, 9, 5).getTime(), now, words)).toBe('09:05')
    expect(formatCallTime(new Date(2026, 2, 9, 23, 59).getTime(), now, words)).toBe('Yesterday 23:59')
    expect(formatCallTime(new Date(2026, 0, 2, 8, 0).getTime(), now, words)).toBe('01-02 08:00')
    expect(formatCallTime(new Date(2025, 11, 31, 8, 0).getTime(), now, words)).toBe('2025-12-31')
  })
})
