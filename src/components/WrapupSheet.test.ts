import { afterEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { CallRecord } from '@/services/callRecord'
import { useHistoryStore } from '@/store/history'
import { useSessionStore } from '@/store/session'
import { useWorkdayStore } from '@/store/workday'
import { useWrapupStore } from '@/store/wrapup'
import { DatetimePickerStub } from '../../tests/setup/uniUiStubs'
import { tabStops } from './a11y'
import WrapupSheet from './WrapupSheet.vue'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

function sheetFor(record: CallRecord, attachTo?: HTMLElement, picker: unknown = true) {
  const pinia = createPinia()
  setActivePinia(pinia)
  useSessionStore().agent = { userId: 'agent1@example.com', sdkAppId: 1400000001 }
  const wrapup = useWrapupStore()
  wrapup.offer(record)
  const wrapper = mount(WrapupSheet, { global: { plugins: [pinia], stubs: { 'uni-datetime-picker': picker as true } }, attachTo })
  return { wrapup, wrapper }
}

/** Sheets mounted in the document (focus needs one), taken out after each test. */
const attached: Array<ReturnType<typeof sheetFor>['wrapper']> = []
function attachedSheetFor(record: CallRecord, picker?: unknown) {
  const host = document.createElement('div')
  document.body.append(host)
  const sheet = sheetFor(record, host, picker)
  attached.push(sheet.wrapper)
  return sheet
}
afterEach(() => {
  for (const wrapper of attached.splice(0)) wrapper.unmount()
  document.body.innerHTML = ''
})

const noAnswer: CallRecord = { id: 'c1', number: '13800000001', remark: 'Zhang', direction: 'out', outcome: 'no-answer', startedAt: 1, endedAt: 2, durationSec: 0, endReason: 'timeout', sessionId: 's1' }
const answered: CallRecord = { ...noAnswer, id: 'c2', outcome: 'answered', answeredAt: 1, durationSec: 1, endReason: 'local-bye' }

describe('WrapupSheet', () => {
  it('an optional wrap-up is not the sheet until opened; a tap beside the opened sheet folds it back with the outcome and note kept', async () => {
    const { wrapup, wrapper } = sheetFor(noAnswer)
    expect(wrapper.find('[data-testid="wrapup-sheet"]').exists()).toBe(false)
    wrapup.expand()
    await wrapper.vm.$nextTick()
    await wrapper.find('[data-testid="wrapup-outcome-interested"]').trigger('click')
    await wrapper.find('[data-testid="wrapup-note"]').setValue('Back Friday, ask for the CFO, budget 20万')
    await wrapper.find('[data-testid="wrapup-backdrop"]').trigger('click')
    expect(wrapper.find('[data-testid="wrapup-sheet"]').exists()).toBe(false)
    expect(wrapup.draft).toMatchObject({ callId: 'c1', disposition: 'interested', note: 'Back Friday, ask for the CFO, budget 20万' })
    wrapup.expand()
    await wrapper.vm.$nextTick()
    expect(wrapper.find('[data-testid="wrapup-outcome-interested"]').attributes('data-selected')).toBe('true')
  })

  it('a required wrap-up stays open on a tap beside it', async () => {
    const { wrapup, wrapper } = sheetFor(answered)
    expect(wrapper.find('[data-testid="wrapup-sheet"]').attributes('data-required')).toBe('true')
    await wrapper.find('[data-testid="wrapup-backdrop"]').trigger('click')
    expect(wrapper.find('[data-testid="wrapup-sheet"]').exists()).toBe(true)
    expect(wrapup.draft?.callId).toBe('c2')
  })

  it('skip on an opened optional wrap-up drops it', async () => {
    const { wrapup, wrapper } = sheetFor(noAnswer)
    wrapup.expand()
    await wrapper.vm.$nextTick()
    await wrapper.find('[data-testid="wrapup-skip"]').trigger('click')
    expect(wrapup.isOpen).toBe(false)
  })

  it('a correction from history is titled as one, cancels instead of skipping, and offers no "call next"', async () => {
    const { wrapup, wrapper } = sheetFor(noAnswer)
    wrapup.skip()
    useHistoryStore().records = [{ ...answered, disposition: 'interested', note: 'wants a demo' }]
    expect(wrapup.correct('c2')).toBe(true)
    await wrapper.vm.$nextTick()
    const sheet = wrapper.find('[data-testid="wrapup-sheet"]')
    expect(sheet.attributes('data-correction')).toBe('true')
    expect(wrapper.find('.wrapup__title').text()).toBe('修改通话小结')
    expect(wrapper.find('[data-testid="wrapup-skip"]').text()).toBe('取消')
    expect(wrapper.find('[data-testid="wrapup-save-next"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="wrapup-outcome-interested"]').attributes('data-selected')).toBe('true')
    expect((wrapper.find('[data-testid="wrapup-note"]').element as HTMLTextAreaElement).value).toBe('wants a demo')
  })

  it('takes the focus to the first outcome, keeps Tab in the sheet, folds on Esc and gives the focus back', async () => {
    const opener = document.createElement('button')
    document.body.append(opener)
    opener.focus()
    const { wrapup, wrapper } = attachedSheetFor(noAnswer)
    wrapup.expand()
    await wrapper.vm.$nextTick()
    await wrapper.vm.$nextTick()
    const panel = wrapper.find('[role="dialog"]')
    expect(wrapper.find(`#${panel.attributes('aria-labelledby')}`).text()).toBe(wrapper.find('.wrapup__title').text())
    // The page behind is inert and hidden from screen readers; the sheet's backdrop is not.
    expect([opener.hasAttribute('inert'), opener.getAttribute('aria-hidden')]).toEqual([true, 'true'])
    expect(wrapper.find('[data-testid="wrapup-backdrop"]').element.closest('[inert]')).toBeNull()
    expect(document.activeElement?.getAttribute('data-testid')).toBe(`wrapup-outcome-${wrapup.catalogue[0].code}`)
    const last = wrapper.find('[data-testid="wrapup-save-next"]').element as HTMLElement
    last.focus()
    last.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', bubbles: true, cancelable: true }))
    // Round to the first control of the sheet (skip, in its head), never the page behind.
    expect(document.activeElement?.getAttribute('data-testid')).toBe('wrapup-skip')
    await wrapper.find('[data-testid="wrapup-outcome-interested"]').trigger('click')
    document.activeElement?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))
    await wrapper.vm.$nextTick()
    expect(wrapper.find('[data-testid="wrapup-sheet"]').exists()).toBe(false)
    expect(wrapup.draft?.disposition).toBe('interested')
    expect(document.activeElement).toBe(opener)
    expect([opener.hasAttribute('inert'), opener.hasAttribute('aria-hidden')]).toEqual([false, false])
  })

  it('the outcomes are one Tab stop, the chosen one; the arrows, Home and End move along them and choose', async () => {
    const { wrapup, wrapper } = attachedSheetFor(answered)
    await wrapper.vm.$nextTick()
    const codes = wrapup.catalogue.map((o) => o.code)
    const chip = (code: string) => wrapper.find(`[data-testid="wrapup-outcome-${code}"]`).element as HTMLElement
    const stops = () => codes.filter((code) => chip(code).getAttribute('tabindex') === '0')
    const press = async (key: string) => {
      ;(document.activeElement as HTMLElement).dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))
      await wrapper.vm.$nextTick()
    }
    expect(stops()).toEqual([codes[0]])
    chip(codes[0]).focus()
    await press('ArrowRight')
    expect(wrapup.draft?.disposition).toBe(codes[1])
    expect(document.activeElement).toBe(chip(codes[1]))
    expect(stops()).toEqual([codes[1]])
    await press('ArrowLeft')
    await press('ArrowLeft')
    // Round the start to the last outcome.
    expect(wrapup.draft?.disposition).toBe(codes[codes.length - 1])
    expect(document.activeElement).toBe(chip(codes[codes.length - 1]))
    await press('Home')
    expect(wrapup.draft?.disposition).toBe(codes[0])
    await press('End')
    expect(wrapup.draft?.disposition).toBe(codes[codes.length - 1])
    await press('ArrowDown')
    expect(wrapup.draft?.disposition).toBe(codes[0])
    // Another key neither chooses nor moves.
    await press('x')
    expect(wrapup.draft?.disposition).toBe(codes[0])
    expect(document.activeElement).toBe(chip(codes[0]))
  })

  it('the custom callback time from the keyboard: Tab reaches the picker field, Enter sets the time, Esc in its panel does not fold the sheet', async () => {
    // (Not a frozen Date: Vue drops an event whose time is not after its handler was attached.)
    const { wrapup, wrapper } = attachedSheetFor(answered, DatetimePickerStub)
    const press = (target: HTMLElement, key: string) => target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))
    const nextFrames = async () => {
      await wrapper.vm.$nextTick()
      await wrapper.vm.$nextTick()
    }
    await wrapper.find('[data-testid="wrapup-outcome-callback"]').trigger('click')
    await nextFrames()
    const field = wrapper.find('[data-testid="wrapup-callback-field"]').element as HTMLElement
    expect(field.getAttribute('role')).toBe('button')
    expect(field.getAttribute('aria-label')).toBe('自定义回拨时间：未选择')
    // In the sheet's Tab order (the sheet keeps Tab inside it).
    expect(tabStops(wrapper.find('[role="dialog"]').element as HTMLElement)).toContain(field)
    field.focus()
    press(field, 'Enter')
    await nextFrames()
    const day = wrapper.find('[data-testid="wrapup-callback-day"]').element as HTMLElement
    expect(document.activeElement).toBe(day)
    press(day, 'ArrowUp')
    await nextFrames()
    // Esc closes the panel only.
    press(day, 'Escape')
    await nextFrames()
    expect(wrapper.find('[data-testid="wrapup-callback-keys"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="wrapup-sheet"]').exists()).toBe(true)
    expect(wrapup.isSheetShown).toBe(true)
    expect(wrapup.draft?.callbackAt).toBeNull()
    expect(document.activeElement).toBe(field)
    // Again, and Enter: tomorrow, an hour from now on a 5-minute mark.
    const expected = new Date(useWorkdayStore().now + 3_600_000)
    expected.setSeconds(0, 0)
    expected.setMinutes(Math.ceil(expected.getMinutes() / 5) * 5)
    expected.setDate(expected.getDate() + 1)
    const shown = `${expected.getFullYear()}-${String(expected.getMonth() + 1).padStart(2, '0')}-${String(expected.getDate()).padStart(2, '0')} ${String(expected.getHours()).padStart(2, '0')}:${String(expected.getMinutes()).padStart(2, '0')}`
    press(field, 'Enter')
    await nextFrames()
    press(wrapper.find('[data-testid="wrapup-callback-day"]').element as HTMLElement, 'ArrowUp')
    await nextFrames()
    press(wrapper.find('[data-testid="wrapup-callback-day"]').element as HTMLElement, 'Enter')
    await nextFrames()
    expect(wrapup.draft?.callbackAt).toBe(expected.getTime())
    expect(wrapper.find('[data-testid="wrapup-callback-at"]').text()).toBe(shown)
    expect(field.getAttribute('aria-label')).toBe(`自定义回拨时间：${shown}`)
    expect(document.activeElement).toBe(field)
  })

  it('Esc in the callback panel of an optional wrap-up (one Esc folds) closes the panel only: the sheet stays open, the focus on the field', async () => {
    const { wrapup, wrapper } = attachedSheetFor(noAnswer, DatetimePickerStub)
    wrapup.expand()
    await wrapper.vm.$nextTick()
    await wrapper.find('[data-testid="wrapup-outcome-callback"]').trigger('click')
    await wrapper.vm.$nextTick()
    await wrapper.vm.$nextTick()
    const field = wrapper.find('[data-testid="wrapup-callback-field"]').element as HTMLElement
    field.focus()
    field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }))
    await wrapper.vm.$nextTick()
    await wrapper.vm.$nextTick()
    const day = wrapper.find('[data-testid="wrapup-callback-day"]').element as HTMLElement
    day.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))
    await wrapper.vm.$nextTick()
    await wrapper.vm.$nextTick()
    expect(wrapper.find('[data-testid="wrapup-callback-keys"]').exists()).toBe(false)
    expect(wrapup.isSheetShown).toBe(true)
    expect(wrapper.find('[data-testid="wrapup-sheet"]').exists()).toBe(true)
    expect(document.activeElement).toBe(field)
    // The same Esc on the field itself folds the optional sheet, as everywhere in it.
    field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))
    await wrapper.vm.$nextTick()
    expect(wrapup.isSheetShown).toBe(false)
  })

  it("the keyboard panel's time is an hour from now, not from when the numbers page last moved the day's clock (a dial-pad call hours later)", async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    useSessionStore().agent = { userId: 'agent1@example.com', sdkAppId: 1400000001 }
    const wrapup = useWrapupStore()
    wrapup.offer(answered)
    // The workday clock ticks only on the numbers page: the agent left it five hours ago.
    useWorkdayStore().now = Date.now() - 5 * 3_600_000
    const host = document.createElement('div')
    document.body.append(host)
    const wrapper = mount(WrapupSheet, { global: { plugins: [pinia], stubs: { 'uni-datetime-picker': DatetimePickerStub } }, attachTo: host })
    attached.push(wrapper)
    const nextFrames = async () => {
      await wrapper.vm.$nextTick()
      await wrapper.vm.$nextTick()
    }
    await wrapper.find('[data-testid="wrapup-outcome-callback"]').trigger('click')
    await nextFrames()
    const field = wrapper.find('[data-testid="wrapup-callback-field"]').element as HTMLElement
    field.focus()
    field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }))
    await nextFrames()
    const day = wrapper.find('[data-testid="wrapup-callback-day"]').element as HTMLElement
    day.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }))
    await nextFrames()
    // Enter without a change sets what the panel offered: a time the save takes.
    expect(wrapup.draft?.callbackAt).toBeGreaterThan(Date.now() + 55 * 60_000)
    // The last day offered is the store's, a year less a day from the clock just moved.
    expect(Number(wrapper.find('.uni-date-editor').attributes('data-end'))).toBe(useWorkdayStore().now + 365 * 86_400_000)
    expect(day.getAttribute('aria-valuemax')).toBe('365')
  })

  it('an outcome already chosen takes the focus when the sheet opens again', async () => {
    const { wrapup, wrapper } = attachedSheetFor(noAnswer)
    wrapup.choose('wrong-number')
    wrapup.expand()
    await wrapper.vm.$nextTick()
    await wrapper.vm.$nextTick()
    expect(document.activeElement?.getAttribute('data-testid')).toBe('wrapup-outcome-wrong-number')
  })
})
