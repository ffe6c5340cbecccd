/**
 * The wrap-up's custom callback time from the keyboard: uni's picker field becomes a named button
 * (a Tab stop) that opens a panel of three spin buttons; Enter sets the time, Esc leaves it, and
 * the focus goes back to the field. A tap still opens uni's own picker, as before.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { nextTick } from 'vue'
import { setLocale } from '@/i18n'
import { DatetimePickerStub } from '../../tests/setup/uniUiStubs'
import CallbackPicker from './CallbackPicker.vue'

/** 2026-12-05 09:58 local time. */
const NOW = new Date(2026, 11, 5, 9, 58, 30).getTime()
/** The latest time offered: a year less a day ahead, as the workday store gives it. */
const END = NOW + 365 * 86_400_000
const at = (y: number, mo: number, d: number, h: number, mi: number) => new Date(y, mo - 1, d, h, mi).getTime()

const mounted: VueWrapper[] = []
function picker(value: number | null = null) {
  const host = document.createElement('div')
  document.body.append(host)
  const wrapper = mount(CallbackPicker, { props: { value, start: NOW, end: END, placeholder: 'Pick date and time' }, global: { stubs: { 'uni-datetime-picker': DatetimePickerStub } }, attachTo: host })
  mounted.push(wrapper)
  const field = () => wrapper.find('.uni-date-editor').element as HTMLElement
  const byId = (id: string) => wrapper.find(`[data-testid="${id}"]`)
  const key = async (target: Element, k: string) => {
    target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }))
    target.dispatchEvent(new KeyboardEvent('keyup', { key: k, bubbles: true, cancelable: true }))
    await nextTick()
    await nextTick()
  }
  const focused = () => (document.activeElement as HTMLElement | null)?.getAttribute('data-testid') ?? document.activeElement?.className ?? ''
  const changes = () => (wrapper.emitted('change') ?? []).map(([v]) => v)
  return { wrapper, field, byId, key, focused, changes }
}

beforeEach(() => setLocale('en'))
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
  document.body.innerHTML = ''
  setLocale('zh')
})

describe('CallbackPicker', () => {
  it("makes uni's field a named button in the Tab order, and a tap still opens uni's own picker", async () => {
    const { field, byId } = picker(at(2026, 12, 6, 10, 0))
    await nextTick()
    expect(field().getAttribute('role')).toBe('button')
    expect(field().getAttribute('tabindex')).toBe('0')
    expect(field().getAttribute('aria-haspopup')).toBe('dialog')
    expect(field().getAttribute('aria-expanded')).toBe('false')
    expect(field().getAttribute('aria-label')).toBe('Custom callback time: 2026-12-06 10:00')
    field().click()
    expect(field().getAttribute('data-opened')).toBe('1')
    expect(byId('wrapup-callback-keys').exists()).toBe(false)
  })

  it('names the field in Chinese, and says when no time is set', async () => {
    setLocale('zh')
    const { field } = picker(null)
    await nextTick()
    expect(field().getAttribute('aria-label')).toBe('自定义回拨时间：未选择')
  })

  it.each(['Enter', ' ', 'ArrowDown'])('%j on the field opens the keyboard panel (not uni\'s popup) on the date, an hour from now on a 5-minute mark', async (k) => {
    const { field, byId, key, focused } = picker(null)
    field().focus()
    await key(field(), k)
    const panel = byId('wrapup-callback-keys')
    expect(panel.attributes('role')).toBe('dialog')
    expect(panel.attributes('aria-label')).toBe('Choose the callback time with the keyboard')
    expect(document.getElementById(panel.attributes('aria-describedby')!)?.textContent).toBe('Up and down change it (Page Up and Page Down in bigger steps), left and right move between date, hour and minute, Enter sets it, Esc cancels')
    expect(field().getAttribute('aria-expanded')).toBe('true')
    expect(field().getAttribute('aria-controls')).toBe(panel.attributes('id'))
    expect(field().getAttribute('data-opened')).toBe('0')
    await nextTick()
    expect(focused()).toBe('wrapup-callback-day')
    const [day, hour, minute] = ['day', 'hour', 'minute'].map((p) => byId(`wrapup-callback-${p}`))
    expect([day, hour, minute].map((s) => [s.attributes('role'), s.attributes('aria-label'), s.attributes('tabindex')])).toEqual([
      ['spinbutton', 'Date', '0'],
      ['spinbutton', 'Hour', '0'],
      ['spinbutton', 'Minute', '0'],
    ])
    expect(day.attributes('aria-valuetext')).toBe('2026-12-05 Sat')
    expect([day.attributes('aria-valuenow'), hour.attributes('aria-valuenow'), minute.attributes('aria-valuenow')]).toEqual(['0', '11', '0'])
  })

  it('the arrows change the part in focus and move between parts; Enter sets the time and gives the focus back to the field', async () => {
    const { field, byId, key, focused, changes } = picker(null)
    field().focus()
    await key(field(), 'Enter')
    await nextTick()
    const day = byId('wrapup-callback-day').element
    await key(day, 'ArrowUp') // tomorrow
    await key(day, 'ArrowRight')
    expect(focused()).toBe('wrapup-callback-hour')
    const hour = byId('wrapup-callback-hour').element
    await key(hour, 'ArrowDown')
    await key(hour, 'ArrowDown') // 11 -> 9
    await key(hour, 'ArrowRight')
    expect(focused()).toBe('wrapup-callback-minute')
    const minute = byId('wrapup-callback-minute').element
    await key(minute, 'ArrowDown') // 00 -> 55, within the hour
    await key(minute, 'ArrowRight') // the last part: stays
    expect(focused()).toBe('wrapup-callback-minute')
    expect(byId('wrapup-callback-day').attributes('aria-valuetext')).toBe('2026-12-06 Sun')
    expect(byId('wrapup-callback-minute').attributes('aria-valuetext')).toBe('55')
    expect(changes()).toEqual([])
    await key(minute, 'Enter')
    expect(changes()).toEqual([at(2026, 12, 6, 9, 55)])
    expect(byId('wrapup-callback-keys').exists()).toBe(false)
    await nextTick()
    expect(document.activeElement).toBe(field())
    expect(field().getAttribute('aria-expanded')).toBe('false')
  })

  it('Esc leaves the time as it was; the panel opens on the time already chosen', async () => {
    const { wrapper, field, byId, key, changes } = picker(at(2026, 12, 7, 14, 20))
    field().focus()
    await key(field(), 'Enter')
    expect(byId('wrapup-callback-day').attributes('aria-valuetext')).toBe('2026-12-07 Mon')
    expect(byId('wrapup-callback-day').attributes('aria-valuenow')).toBe('2')
    expect(byId('wrapup-callback-hour').text()).toBe('14')
    expect(byId('wrapup-callback-minute').text()).toBe('20')
    await key(byId('wrapup-callback-hour').element, 'ArrowUp')
    const escape = new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true })
    byId('wrapup-callback-hour').element.dispatchEvent(escape)
    await nextTick()
    // Handled here: the sheet around it sees a handled Esc and stays open.
    expect(escape.defaultPrevented).toBe(true)
    expect(changes()).toEqual([])
    expect(byId('wrapup-callback-keys').exists()).toBe(false)
    await nextTick()
    expect(document.activeElement).toBe(field())
    void wrapper
  })

  it('the date never goes before today; PageUp/PageDown move a week, Home goes back to today; hour and minute wrap, Home and End', async () => {
    const { field, byId, key } = picker(null)
    field().focus()
    await key(field(), 'Enter')
    const day = byId('wrapup-callback-day')
    await key(day.element, 'ArrowDown')
    expect(day.attributes('aria-valuenow')).toBe('0')
    await key(day.element, 'PageUp')
    expect(day.attributes('aria-valuetext')).toBe('2026-12-12 Sat')
    await key(day.element, 'PageDown')
    await key(day.element, 'PageDown')
    expect(day.attributes('aria-valuenow')).toBe('0')
    await key(day.element, 'PageUp')
    await key(day.element, 'Home')
    expect(day.attributes('aria-valuenow')).toBe('0')
    const hour = byId('wrapup-callback-hour')
    await key(hour.element, 'End')
    expect(hour.text()).toBe('23')
    await key(hour.element, 'ArrowUp')
    // Wrapped to 00 on the same day, which is past today: the first time offered (10:00).
    expect(hour.text()).toBe('10')
    // The date stays when the hour wraps.
    expect(day.attributes('aria-valuenow')).toBe('0')
    const minute = byId('wrapup-callback-minute')
    await key(minute.element, 'End')
    expect(minute.text()).toBe('55')
    await key(minute.element, 'ArrowUp')
    expect(minute.text()).toBe('00')
    await key(minute.element, 'Home')
    expect(minute.text()).toBe('00')
    // PageUp/PageDown: 15 minutes and 3 hours, wrapping like the arrows.
    await key(minute.element, 'PageUp')
    expect(minute.text()).toBe('15')
    await key(minute.element, 'PageDown')
    await key(minute.element, 'PageDown')
    expect(minute.text()).toBe('45')
    await key(hour.element, 'PageUp')
    expect(hour.text()).toBe('13')
    await key(hour.element, 'End')
    await key(hour.element, 'PageDown')
    expect(hour.text()).toBe('20')
  })

  it('the date never goes past the last day the save accepts: End goes there, ArrowUp and PageUp stop there, and uni\'s picker gets the same end', async () => {
    const { field, byId, key, changes } = picker(null)
    expect(field().getAttribute('data-end')).toBe(String(END))
    field().focus()
    await key(field(), 'Enter')
    const day = byId('wrapup-callback-day')
    expect(day.attributes('aria-valuemax')).toBe('365')
    await key(day.element, 'End')
    expect(day.attributes('aria-valuenow')).toBe('365')
    expect(day.attributes('aria-valuetext')).toBe('2027-12-05 Sun')
    await key(day.element, 'ArrowUp')
    await key(day.element, 'PageUp')
    expect(day.attributes('aria-valuenow')).toBe('365')
    await key(day.element, 'PageDown')
    expect(day.attributes('aria-valuenow')).toBe('358')
    await key(day.element, 'End')
    await key(day.element, 'Enter')
    // An hour from now, on the last day: inside the year the save accepts.
    expect(changes()).toEqual([at(2027, 12, 5, 11, 0)])
  })

  it('hour and minute never go before now on the first day: Home, a wrap or the arrows stop at the first 5-minute mark after now, as uni\'s picker offers (the save refuses a past time)', async () => {
    const { field, byId, key, changes } = picker(null)
    field().focus()
    await key(field(), 'Enter')
    const hour = byId('wrapup-callback-hour')
    const minute = byId('wrapup-callback-minute')
    await key(hour.element, 'Home') // 00:00 today is past: the first time offered
    expect([hour.text(), minute.text()]).toEqual(['10', '00'])
    await key(hour.element, 'ArrowDown') // 09:00 today is past
    expect([hour.text(), minute.text()]).toEqual(['10', '00'])
    await key(minute.element, 'Enter')
    expect(changes()).toEqual([at(2026, 12, 5, 10, 0)])
    // Tomorrow is all offered.
    await key(field(), 'Enter')
    await key(byId('wrapup-callback-day').element, 'ArrowUp')
    await key(byId('wrapup-callback-hour').element, 'Home')
    expect(byId('wrapup-callback-hour').text()).toBe('00')
  })

  it('the panel\'s buttons: Set takes the time, Cancel leaves it (by click and by Enter on them)', async () => {
    const { field, byId, key, changes } = picker(at(2026, 12, 6, 10, 0))
    field().focus()
    await key(field(), 'Enter')
    await key(byId('wrapup-callback-hour').element, 'ArrowUp')
    await byId('wrapup-callback-cancel').trigger('click')
    expect(changes()).toEqual([])
    expect(byId('wrapup-callback-keys').exists()).toBe(false)
    await key(field(), 'Enter')
    await key(byId('wrapup-callback-hour').element, 'ArrowUp')
    // Enter on a button is that button, never the panel's "set" (here a native button: the browser clicks it).
    await key(byId('wrapup-callback-cancel').element, 'Enter')
    expect(changes()).toEqual([])
    expect(byId('wrapup-callback-keys').exists()).toBe(true)
    await byId('wrapup-callback-set').trigger('click')
    expect(changes()).toEqual([at(2026, 12, 6, 11, 0)])
  })

  it("keys from inside uni's own popup never open the panel, nor other keys on the field", async () => {
    const { field, byId, key } = picker(null)
    const inner = field().querySelector('.uni-date__x-input')!
    await key(inner, 'Enter')
    await key(field(), 'a')
    await key(field(), 'Tab')
    expect(byId('wrapup-callback-keys').exists()).toBe(false)
  })
})
