import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createTestingPinia } from '@pinia/testing'
import { fn } from 'jest-mock'
import { setLocale } from '@/i18n'
import { TcccError } from '@/platform/errors'
import { dialThenTimeOut } from '../../../tests/setup/callFailures'
import { useCallStore } from '@/store/call'
import { useNumbersStore } from '@/store/numbers'
import { useNumberDraftsStore } from '@/store/numberDrafts'
import NumbersPage from './index.vue'
import NumberForm from '@/components/NumberForm.vue'
import { UniPopupStub } from '../../../tests/setup/uniPopupStub'
import NumberRow from '@/components/NumberRow.vue'
import { SwipeActionItemStub, uniSwipeComponents } from '../../../tests/setup/uniUiStubs'

// The real call store (C) pulls in the platform and the native SDK package; the page needs only
// its command and flags, so a small store with the same shape stands in.
vi.mock('@/store/call', async () => {
  const { defineStore } = await import('pinia')
  const { ref } = await import('vue')
  const { fn: mockFn } = await import('jest-mock')
  return {
    useCallStore: defineStore('call', () => {
      const state = ref('idle')
      const busy = ref(false)
      const isLive = ref(false)
      const error = ref(null)
      const placeCall = mockFn(async (_params: { to: string; remark?: string }) => false)
      return { state, busy, isLive, error, placeCall }
    }),
  }
})

// The shell (E2) is covered by its own tests and signs in through the platform: here it only
// frames the page.
vi.mock('@/components/AgentShell.vue', async () => {
  const { defineComponent: define, h: render } = await import('vue')
  return { default: define({ name: 'AgentShell', setup: (_, { slots }) => () => render('div', slots.default?.()) }) }
})
const ScrollViewStub = defineComponent({ name: 'scroll-view', emits: ['scroll'], setup: (_, { slots }) => () => h('div', slots.default?.()) })

const byId = (id: string) => `[data-testid="${id}"]`

function mountPage(before?: () => void) {
  const pinia = createTestingPinia({ createSpy: fn, stubActions: false })
  before?.()
  const wrapper = mount(NumbersPage, {
    global: {
      plugins: [pinia],
      components: { 'scroll-view': ScrollViewStub, 'uni-popup': UniPopupStub, ...uniSwipeComponents },
    },
  })
  return { wrapper, numbers: useNumbersStore(), call: useCallStore() }
}

describe('numbers page', () => {
  beforeEach(() => setLocale('en'))
  afterEach(() => setLocale('zh'))

  it('starts empty, refuses an invalid number with a message and adds a valid one', async () => {
    const { wrapper } = mountPage()
    // The import button may show only its icon (narrow phones): the hint does not name a label.
    expect(wrapper.find(byId('numbers-empty')).text()).toBe('No numbers yet. Tap “Add”, or the import button beside it, to start.')

    await wrapper.find(byId('numbers-add')).trigger('click')
    await wrapper.find(byId('number-form-number')).setValue('12')
    await wrapper.find(byId('number-form-save')).trigger('click')
    expect(wrapper.find(byId('number-form-error')).text()).toBe('A number has at least 3 digits')

    await wrapper.find(byId('number-form-number')).setValue('+86 138-0013-8000')
    await wrapper.find(byId('number-form-remark')).setValue('Zhang San')
    await wrapper.find(byId('number-form-save')).trigger('click')
    expect(wrapper.find(byId('number-form-number')).exists()).toBe(false)
    const row = wrapper.find(byId('number-item'))
    expect(row.attributes('data-number')).toBe('+8613800138000')
    expect(row.text()).toContain('Zhang San')
    expect(row.text()).toContain('Not called yet')
    expect(wrapper.find(byId('numbers-empty')).exists()).toBe(false)
  })

  it('puts back the form and the import box as they were typed before a restart', async () => {
    const { wrapper, numbers } = mountPage(() => {
      useNumberDraftsStore().form = { mode: 'add', original: '', number: '13800', remark: 'Half typed', locked: false }
    })
    const drafts = useNumberDraftsStore()
    await flushPromises()
    expect((wrapper.find(byId('number-form-number')).element as HTMLInputElement).value).toBe('13800')
    expect((wrapper.find(byId('number-form-remark')).element as HTMLInputElement).value).toBe('Half typed')
    // Typing goes on into the draft; saving lists the number and drops the draft.
    await wrapper.find(byId('number-form-number')).setValue('13800138000')
    expect(drafts.form).toMatchObject({ number: '13800138000', remark: 'Half typed' })
    await wrapper.find(byId('number-form-save')).trigger('click')
    expect(numbers.lookup('13800138000')?.remark).toBe('Half typed')
    expect(drafts.form).toBeNull()
    expect(wrapper.find(byId('number-form')).exists()).toBe(false)

    await wrapper.find(byId('numbers-import')).trigger('click')
    await wrapper.find(byId('import-text')).setValue('13900000001,A\n12')
    expect(drafts.importText).toBe('13900000001,A\n12')
    await wrapper.find(byId('import-submit')).trigger('click')
    // The box keeps the refused line, and so does the draft.
    await nextTick()
    expect(drafts.importText).toBe('12')
    await wrapper.find(byId('import-close')).trigger('click')
    expect(drafts.importText).toBeNull()
    expect(wrapper.find(byId('import-panel')).exists()).toBe(false)
  })

  it('reopens a kept import box with its text', async () => {
    const { wrapper } = mountPage(() => {
      useNumberDraftsStore().importText = '13900000001,A'
    })
    await flushPromises()
    expect((wrapper.find(byId('import-text')).element as HTMLTextAreaElement).value).toBe('13900000001,A')
  })

  it('refuses a duplicate in the form and edits a remark', async () => {
    const { wrapper, numbers } = mountPage()
    numbers.add('110', 'Police')
    numbers.add('120', 'Ambulance')
    await nextTick()
    await wrapper.find(byId('numbers-add')).trigger('click')
    await wrapper.find(byId('number-form-number')).setValue('1-1-0')
    await wrapper.find(byId('number-form-save')).trigger('click')
    expect(wrapper.find(byId('number-form-error')).text()).toBe('This number is already in the list')
    await wrapper.find(byId('number-form-cancel')).trigger('click')

    const police = wrapper.find(`${byId('number-item')}[data-number="110"]`)
    await police.find(byId('number-edit')).trigger('click')
    expect((wrapper.find(byId('number-form-number')).element as HTMLInputElement).value).toBe('110')
    await wrapper.find(byId('number-form-remark')).setValue('Police HQ')
    await wrapper.find(byId('number-form-save')).trigger('click')
    expect(numbers.lookup('110')?.remark).toBe('Police HQ')
    expect(wrapper.find(`${byId('number-item')}[data-number="110"]`).text()).toContain('Police HQ')
  })

  it('marks assigned numbers and locks their number in the edit form; own numbers stay editable', async () => {
    const { wrapper, numbers } = mountPage()
    numbers.add('120', 'Ambulance')
    numbers.applyRemote(
      [{ kind: 'number', id: 'srv-1', rev: '1', deleted: false, data: { number: '110', remark: 'Police', source: 'assigned', createdAt: 1 } }],
      new Set(),
    )
    await nextTick()
    const assigned = wrapper.find(`${byId('number-item')}[data-number="110"]`)
    expect(assigned.attributes('data-source')).toBe('assigned')
    expect(assigned.find(byId('number-assigned')).text()).toBe('Assigned')
    const own = wrapper.find(`${byId('number-item')}[data-number="120"]`)
    expect(own.attributes('data-source')).toBe('own')
    expect(own.find(byId('number-assigned')).exists()).toBe(false)

    await assigned.find(byId('number-edit')).trigger('click')
    const input = wrapper.find(byId('number-form-number'))
    expect(input.attributes('data-locked')).toBe('true')
    expect((input.element as HTMLInputElement).disabled).toBe(true)
    // Why the field will not respond.
    expect(wrapper.find(byId('number-form-locked-hint')).text()).toBe('Assigned numbers cannot be changed; only the remark can')
    await wrapper.find(byId('number-form-remark')).setValue('Police HQ')
    await wrapper.find(byId('number-form-save')).trigger('click')
    expect(numbers.lookup('110')).toMatchObject({ remark: 'Police HQ', source: 'assigned', id: 'srv-1' })

    await own.find(byId('number-edit')).trigger('click')
    expect(wrapper.find(byId('number-form-number')).attributes('data-locked')).toBe('false')
    expect(wrapper.find(byId('number-form-locked-hint')).exists()).toBe(false)
  })

  it('refuses a number with an extension with its own reason, and names an empty list on "call next"', async () => {
    const { wrapper } = mountPage()
    expect(wrapper.find(byId('numbers-call-next')).attributes('aria-label')).toBe('The list is empty: add or import numbers first')
    await wrapper.find(byId('numbers-add')).trigger('click')
    await wrapper.find(byId('number-form-number')).setValue('13800138000-123')
    await wrapper.find(byId('number-form-save')).trigger('click')
    expect(wrapper.find(byId('number-form-error')).text()).toBe('Extensions cannot be dialled: enter the main number, and put the extension in the remark')
  })

  it('imports pasted lines and reports added, duplicate and invalid lines with reasons', async () => {
    const { wrapper, numbers } = mountPage()
    numbers.add('110')
    await nextTick()
    await wrapper.find(byId('numbers-import')).trigger('click')
    await wrapper.find(byId('import-text')).setValue('number,remark\n120,Ambulance\n110,dup\n12,bad\n119;Fire')
    await wrapper.find(byId('import-submit')).trigger('click')
    const result = wrapper.find(byId('import-result'))
    expect(result.text()).toContain('Added: 2 · duplicates: 1 · invalid lines: 1')
    // Line 1 of the box, which now holds only this line (line 4 of the paste).
    expect(result.text()).toContain('Line 1 “12,bad”: A number has at least 3 digits')
    expect(result.text()).toContain('“110,dup”: already in the list')
    expect(result.text()).not.toContain('Line 3')
    expect(result.attributes('data-added')).toBe('2')
    expect(wrapper.findAll(byId('number-item')).map((r) => r.attributes('data-number'))).toEqual(['120', '119', '110'])
    // Only the refused line stays in the box, to be fixed; importing again adds nothing twice.
    expect((wrapper.find(byId('import-text')).element as HTMLTextAreaElement).value).toBe('12,bad')
    expect(wrapper.find(byId('import-kept')).text()).toBe('The invalid lines are left in the box: correct them and import again.')
    await wrapper.find(byId('import-text')).setValue('112,fixed')
    await wrapper.find(byId('import-submit')).trigger('click')
    expect(wrapper.find(byId('import-result')).attributes('data-added')).toBe('1')
    expect(wrapper.find(byId('import-result')).text()).toContain('duplicates: 0')
    expect((wrapper.find(byId('import-text')).element as HTMLTextAreaElement).value).toBe('')
    expect(wrapper.find(byId('import-kept')).exists()).toBe(false)
  })

  it('names refused lines by their line in the box, after a first and a second import', async () => {
    const { wrapper, numbers } = mountPage()
    numbers.add('110')
    await nextTick()
    const box = () => (wrapper.find(byId('import-text')).element as HTMLTextAreaElement).value
    /** Every "Line n “text”" in the report is line n of the box as the agent sees it now. */
    const expectReportMatchesBox = () => {
      const reported = [...wrapper.find(byId('import-result')).text().matchAll(/Line (\d+) “([^”]*)”/g)]
      expect(reported.length).toBeGreaterThan(0)
      const lines = box().split('\n')
      for (const [, n, text] of reported) expect(lines[Number(n) - 1], `line ${n}`).toBe(text)
    }
    await wrapper.find(byId('numbers-import')).trigger('click')
    await wrapper.find(byId('import-text')).setValue('120,Ambulance\n110,dup\n12,bad\n\n119,Fire\nabc,letters\n1,x')
    await wrapper.find(byId('import-submit')).trigger('click')
    expect(box()).toBe('12,bad\nabc,letters\n1,x')
    expect(wrapper.find(byId('import-result')).text()).toContain('Line 2 “abc,letters”')
    expectReportMatchesBox()
    // The agent fixes the first line in the box and imports again: the two still refused are
    // lines 1 and 2 of the box that is left, not 2 and 3 of the box that was imported.
    await wrapper.find(byId('import-text')).setValue('112,fixed\nabc,letters\n1,x')
    await wrapper.find(byId('import-submit')).trigger('click')
    expect(wrapper.find(byId('import-result')).attributes('data-added')).toBe('1')
    expect(box()).toBe('abc,letters\n1,x')
    expect(wrapper.find(byId('import-result')).text()).toContain('Line 1 “abc,letters”')
    expect(wrapper.find(byId('import-result')).text()).toContain('Line 2 “1,x”')
    expectReportMatchesBox()
  })

  it.each([
    ['en', 'number,remark', 'Line 2 “phone,Zhang”'],
    ['zh', '号码,备注', '第 2 行“phone,Zhang”'],
  ] as const)('a refused line that reads as a header stays in the box behind a header (%s) and is refused again', async (locale, header, named) => {
    setLocale(locale)
    const { wrapper } = mountPage()
    const box = () => (wrapper.find(byId('import-text')).element as HTMLTextAreaElement).value
    await wrapper.find(byId('numbers-import')).trigger('click')
    await wrapper.find(byId('import-text')).setValue('120,Ambulance\nphone,Zhang')
    await wrapper.find(byId('import-submit')).trigger('click')
    expect(box()).toBe(`${header}\nphone,Zhang`)
    expect(wrapper.find(byId('import-result')).text()).toContain(named)
    await wrapper.find(byId('import-submit')).trigger('click')
    expect(wrapper.find(byId('import-result')).attributes('data-invalid')).toBe('1')
    expect(wrapper.find(byId('import-result')).text()).toContain(named)
    expect(box()).toBe(`${header}\nphone,Zhang`)
  })

  it('filters as the agent types and shows a no-match state', async () => {
    const { wrapper, numbers } = mountPage()
    numbers.importText('13800138000,Zhang San\n13900001111,Li Si\n110,Police')
    await nextTick()
    await wrapper.find(byId('numbers-search')).setValue('139 0000')
    expect(wrapper.findAll(byId('number-item')).map((r) => r.attributes('data-number'))).toEqual(['13900001111'])
    await wrapper.find(byId('numbers-search')).setValue('nobody')
    expect(wrapper.find(byId('numbers-empty')).text()).toContain('nobody')
    expect(wrapper.find(byId('numbers-empty')).attributes('data-reason')).toBe('no-match')
  })

  it('counts and explains an empty list by the search and the status chip together', async () => {
    const { wrapper, numbers } = mountPage()
    numbers.importText('13800138000,Zhang San\n13900001111,Li Si\n110,Police')
    await nextTick()
    await wrapper.find(byId('numbers-search')).setValue('139')
    expect(wrapper.find(byId('numbers-count')).text()).toBe('1 of 3 numbers')
    await wrapper.find(byId('numbers-filter-done')).trigger('click')
    expect(wrapper.find(byId('numbers-count')).text()).toBe('0 of 3 numbers')
    expect(wrapper.find(byId('numbers-empty')).text()).toBe('No number under “Done” matches “139”')
    await wrapper.find(byId('numbers-search')).setValue('')
    expect(wrapper.find(byId('numbers-empty')).text()).toBe('No numbers under “Done”')
    await wrapper.find(byId('numbers-filter-new')).trigger('click')
    expect(wrapper.find(byId('numbers-count')).text()).toBe('3 of 3 numbers')
  })

  it('shows a number added or imported under a status chip: the chip goes back to all', async () => {
    const { wrapper, numbers } = mountPage()
    numbers.importText('13800138000,Zhang San')
    await nextTick()
    await wrapper.find(byId('numbers-filter-done')).trigger('click')
    await wrapper.find(byId('numbers-add')).trigger('click')
    await wrapper.find(byId('number-form-number')).setValue('13366668888')
    await wrapper.find(byId('number-form-save')).trigger('click')
    await nextTick()
    expect(wrapper.find(byId('numbers-count')).text()).toBe('2 numbers')
    expect(wrapper.findAll(byId('number-item')).map((r) => r.attributes('data-number'))).toContain('13366668888')

    await wrapper.find(byId('numbers-filter-done')).trigger('click')
    await wrapper.find(byId('numbers-import')).trigger('click')
    await wrapper.find(byId('import-text')).setValue('13377779999,Wang')
    await wrapper.find(byId('import-submit')).trigger('click')
    await nextTick()
    expect(wrapper.find(byId('numbers-count')).text()).toBe('3 numbers')
  })

  it('a tap beside the form or the import box asks before throwing typed work away; untouched, it just closes', async () => {
    const { wrapper } = mountPage()
    const drafts = useNumberDraftsStore()
    await wrapper.find(byId('numbers-add')).trigger('click')
    await wrapper.find('.uni-popup__mask').trigger('click')
    expect(wrapper.find(byId('number-form')).exists()).toBe(false)

    await wrapper.find(byId('numbers-add')).trigger('click')
    await wrapper.find(byId('number-form-number')).setValue('13955556666')
    await wrapper.find(byId('number-form-remark')).setValue('important lead')
    await wrapper.find('.uni-popup__mask').trigger('click')
    expect(wrapper.find(byId('number-form')).exists()).toBe(true)
    expect(wrapper.find(byId('discard-question')).text()).toContain('Discard what you typed?')
    await wrapper.find(byId('discard-keep')).trigger('click')
    expect(wrapper.find(byId('discard-question')).exists()).toBe(false)
    expect((wrapper.find(byId('number-form-number')).element as HTMLInputElement).value).toBe('13955556666')
    await wrapper.find('.uni-popup__mask').trigger('click')
    await wrapper.find(byId('discard-ok')).trigger('click')
    expect(wrapper.find(byId('number-form')).exists()).toBe(false)
    expect(drafts.form).toBeNull()

    await wrapper.find(byId('numbers-import')).trigger('click')
    await wrapper.find(byId('import-text')).setValue('13900000001,A\n13900000002,B')
    await wrapper.find('.uni-popup__mask').trigger('click')
    expect(wrapper.find(byId('import-panel')).exists()).toBe(true)
    expect(wrapper.find(byId('discard-question')).exists()).toBe(true)
    expect(drafts.importText).toBe('13900000001,A\n13900000002,B')
  })

  it('a draft restored after a restart is typed work too: a tap beside it asks', async () => {
    const { wrapper } = mountPage(() => {
      useNumberDraftsStore().form = { mode: 'add', original: '', number: '13800', remark: 'Half typed', locked: false }
    })
    await flushPromises()
    await wrapper.find('.uni-popup__mask').trigger('click')
    expect(wrapper.find(byId('discard-question')).exists()).toBe(true)
  })

  it('an edit left as it was closes on a tap beside it', async () => {
    const { wrapper, numbers } = mountPage()
    numbers.importText('13800138000,Zhang San')
    await nextTick()
    await wrapper.find(byId('number-edit')).trigger('click')
    await wrapper.find('.uni-popup__mask').trigger('click')
    expect(wrapper.find(byId('number-form')).exists()).toBe(false)
  })

  it('deletes only after confirmation', async () => {
    const { wrapper, numbers } = mountPage()
    numbers.add('110', 'Police')
    await nextTick()
    await wrapper.find(byId('number-delete')).trigger('click')
    expect(wrapper.find(byId('confirm-ok')).exists()).toBe(true)
    await wrapper.find(byId('confirm-cancel')).trigger('click')
    expect(numbers.entries).toHaveLength(1)
    await wrapper.find(byId('number-delete')).trigger('click')
    await wrapper.find(byId('confirm-ok')).trigger('click')
    expect(numbers.entries).toHaveLength(0)
    expect(wrapper.find(byId('confirm-ok')).exists()).toBe(false)
    expect(wrapper.find(byId('numbers-empty')).exists()).toBe(true)
  })

  it('folds the controls above a long list into a compact bar while it is scrolled, and brings them back', async () => {
    const { wrapper, numbers } = mountPage()
    numbers.importText(Array.from({ length: 40 }, (_, i) => `1390014${1000 + i},Customer ${i}`).join('\n'))
    await nextTick()
    const page = () => wrapper.find(byId('numbers-page'))
    /** A scroll of the list; by default the agent's own (a finger on it first). */
    const scroll = async (top: number, gesture: 'touch' | 'wheel' | 'key' | 'none' = 'touch') => {
      if (gesture === 'touch') await wrapper.find('.numbers__list').trigger('touchmove')
      if (gesture === 'wheel') await page().trigger('wheel')
      if (gesture === 'key') await page().trigger('keydown', { key: 'PageDown' })
      wrapper.findComponent({ name: 'VirtualList' }).findComponent(ScrollViewStub).vm.$emit('scroll', { detail: { scrollTop: top } })
      await nextTick()
    }
    expect(page().attributes('data-folded')).toBe('false')
    expect(wrapper.find(byId('numbers-unfold')).exists()).toBe(false)
    // A scroll the agent did not make (a row brought into view for a focus or a click) folds nothing.
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      await page().trigger('keydown', { key: 'a' })
      await scroll(400, 'none')
      expect(page().attributes('data-folded')).toBe('false')
      await scroll(410, 'key')
      expect(page().attributes('data-folded')).toBe('true')
      await scroll(0, 'none')
      expect(page().attributes('data-folded')).toBe('false')
      // The mouse wheel is not a finger: a pointer could not reach the folded controls.
      vi.advanceTimersByTime(1_000)
      await scroll(400, 'wheel')
      expect(page().attributes('data-folded')).toBe('false')
      await scroll(0, 'none')
      // A finger on a row (its swipe item stops the touchmove there): heard on its way down.
      await wrapper.find(byId('number-item')).element.dispatchEvent(new Event('touchmove'))
      await scroll(400, 'none')
      expect(page().attributes('data-folded')).toBe('true')
      await scroll(0, 'none')
      // The gesture counts for a second (a fling goes on after the finger leaves), not longer.
      vi.advanceTimersByTime(1_000)
      await scroll(400, 'none')
      expect(page().attributes('data-folded')).toBe('false')
    } finally {
      vi.useRealTimers()
    }
    await scroll(30)
    expect(page().attributes('data-folded')).toBe('false')
    await scroll(400)
    expect(page().attributes('data-folded')).toBe('true')
    expect(page().classes()).toContain('is-folded')
    // Folded, nothing is gone: every control is still there for Tab and a screen reader.
    for (const id of ['numbers-search', 'numbers-add', 'numbers-import', 'today-stats', 'numbers-filter-all', 'numbers-count', 'autoadvance-toggle', 'numbers-call-next']) {
      expect(wrapper.find(byId(id)).exists(), id).toBe(true)
    }
    expect(wrapper.find(byId('numbers-unfold')).text()).toBe('Search & filters')
    expect(wrapper.find(byId('numbers-unfold')).attributes('aria-expanded')).toBe('false')
    // Back up, but not at the top: still folded; at the top: unfolded.
    await scroll(10)
    expect(page().attributes('data-folded')).toBe('true')
    await scroll(0)
    expect(page().attributes('data-folded')).toBe('false')
    // The bar's button unfolds where the list is.
    await scroll(400)
    await wrapper.find(byId('numbers-unfold')).trigger('click')
    expect(page().attributes('data-folded')).toBe('false')
    // The keyboard reaching a folded control unfolds (Tab from the list back up to the toggle).
    await scroll(500)
    expect(page().attributes('data-folded')).toBe('true')
    await wrapper.find(byId('numbers-call-next')).trigger('focusin')
    expect(page().attributes('data-folded')).toBe('true')
    await wrapper.find(byId('autoadvance-toggle')).trigger('focusin')
    expect(page().attributes('data-folded')).toBe('false')
    await scroll(500)
    await wrapper.find(byId('numbers-search')).trigger('focusin')
    expect(page().attributes('data-folded')).toBe('false')
    // A list with nothing to show unfolds (no list left to scroll back up).
    await scroll(500)
    expect(page().attributes('data-folded')).toBe('true')
    await wrapper.find(byId('numbers-filter-done')).trigger('click')
    expect(wrapper.find(byId('numbers-empty')).exists()).toBe(true)
    expect(page().attributes('data-folded')).toBe('false')
  })

  it('does not fold a list only a little longer than its box', async () => {
    const { wrapper, numbers } = mountPage()
    numbers.importText(Array.from({ length: 3 }, (_, i) => `1390014${1000 + i},Customer ${i}`).join('\n'))
    await nextTick()
    wrapper.findComponent({ name: 'VirtualList' }).findComponent(ScrollViewStub).vm.$emit('scroll', { detail: { scrollTop: 100 } })
    await nextTick()
    expect(wrapper.find(byId('numbers-page')).attributes('data-folded')).toBe('false')
  })

  it('keeps one row swiped open at a time and closes it when the list scrolls', async () => {
    const { wrapper, numbers } = mountPage()
    numbers.add('13800000001', 'A')
    numbers.add('13800000002', 'B')
    await nextTick()
    const rows = () => wrapper.findAllComponents(NumberRow)
    const shown = () => wrapper.findAllComponents(SwipeActionItemStub).map((item) => item.props('show'))
    rows()[0].findComponent(SwipeActionItemStub).vm.$emit('change', 'right')
    await nextTick()
    expect(shown()).toEqual(['right', 'none'])
    rows()[1].findComponent(SwipeActionItemStub).vm.$emit('change', 'right')
    await nextTick()
    expect(shown()).toEqual(['none', 'right'])
    // The first row's own close event after it was told to close changes nothing.
    rows()[0].findComponent(SwipeActionItemStub).vm.$emit('change', 'none')
    await nextTick()
    expect(shown()).toEqual(['none', 'right'])
    wrapper.findComponent({ name: 'VirtualList' }).findComponent(ScrollViewStub).vm.$emit('scroll', { detail: { scrollTop: 40 } })
    await nextTick()
    expect(shown()).toEqual(['none', 'none'])
    // Deleting from an open row closes it as the dialog opens.
    rows()[1].findComponent(SwipeActionItemStub).vm.$emit('change', 'right')
    await nextTick()
    await rows()[1].find(byId('number-delete')).trigger('click')
    expect(shown()).toEqual(['none', 'none'])
    expect(wrapper.find(byId('confirm-ok')).exists()).toBe(true)
  })

  it('places one call for a double tap and opens the dial page', async () => {
    const { wrapper, numbers, call } = mountPage()
    numbers.add('13800138000', 'Zhang San')
    await nextTick()
    let finish: (placed: boolean) => void = () => {}
    const placeCall = fn(() => new Promise<boolean>((resolve) => (finish = resolve)))
    ;(call as unknown as { placeCall: typeof placeCall }).placeCall = placeCall
    const button = wrapper.find(byId('number-call'))
    await button.trigger('click')
    await button.trigger('click')
    expect(placeCall).toHaveBeenCalledTimes(1)
    expect(placeCall).toHaveBeenCalledWith({ to: '13800138000', remark: 'Zhang San' })
    expect(button.attributes('aria-disabled')).toBe('true')
    finish(true)
    await flushPromises()
    expect(uni.reLaunch).toHaveBeenCalledWith({ url: '/src/pages/dial/index' })
    expect(wrapper.find(byId('number-call')).attributes('aria-disabled')).toBe('false')
  })

  it('"call next" that fails on the call screen says so there only; one refused before the screen opened gets a toast', async () => {
    const { wrapper, numbers, call } = mountPage()
    numbers.add('13800000001', 'A')
    await nextTick()
    const store = call as unknown as { state: string; error: unknown; placeCall: ReturnType<typeof fn> }
    const toast = uni.showToast as unknown as ReturnType<typeof fn>
    toast.mockClear()
    store.placeCall.mockImplementation(() => dialThenTimeOut(store))
    await wrapper.find(byId('numbers-call-next')).trigger('click')
    await flushPromises()
    expect(uni.reLaunch).toHaveBeenCalledWith({ url: '/src/pages/dial/index' })
    expect(toast).not.toHaveBeenCalled()
    store.state = 'idle'
    store.placeCall.mockImplementation(async () => {
      store.error = new TcccError('ERR_MIC_NOT_AUTHORIZED')
      return false
    })
    await wrapper.find(byId('numbers-call-next')).trigger('click')
    await flushPromises()
    expect(toast.mock.calls.map((c) => (c[0] as { title: string }).title)).toEqual(['Microphone access is denied. Allow it in system settings.'])
  })

  it('disables every row call button and "call next" during a live call, and says why', async () => {
    const { wrapper, numbers, call } = mountPage()
    numbers.add('13800000001', 'A')
    numbers.add('13800000002', 'B')
    await nextTick()
    expect(wrapper.find(byId('numbers-call-blocked')).exists()).toBe(false)
    ;(call as unknown as { isLive: boolean }).isLive = true
    await nextTick()
    expect(wrapper.find(byId('numbers-call-blocked')).text()).toBe('On a call: end it before calling another number')
    const buttons = wrapper.findAll(byId('number-call'))
    expect(buttons.length).toBeGreaterThan(0)
    for (const button of buttons) expect(button.attributes('disabled')).toBeDefined()
    expect(wrapper.find(byId('numbers-call-next')).attributes('disabled')).toBeDefined()
    await buttons[0].trigger('click')
    expect(call.placeCall).not.toHaveBeenCalled()
  })

  it('stops the remark at its limit while typing, counting, and marks the field at fault', async () => {
    const { wrapper } = mountPage()
    await wrapper.find(byId('numbers-add')).trigger('click')
    const remark = wrapper.find(byId('number-form-remark'))
    expect(remark.attributes('maxlength')).toBe('50')
    await remark.setValue('好'.repeat(60))
    await nextTick()
    expect((remark.element as HTMLInputElement).value).toHaveLength(50)
    expect(wrapper.find(byId('number-form-remark-count')).text()).toBe('50/50')

    const form = mount(NumberForm, { props: { mode: 'add', error: 'A remark has at most 50 characters', errorField: 'remark' }, global: { components: { 'uni-popup': UniPopupStub } } })
    await nextTick() // the sheet (uni-popup) renders its content once opened on mount
    expect(form.find(byId('number-form-remark')).attributes('data-invalid')).toBe('true')
    expect(form.find(byId('number-form-remark')).attributes('aria-invalid')).toBe('true')
    expect(form.find(byId('number-form-number')).attributes('data-invalid')).toBe('false')
    expect(form.find(byId('number-form-number')).classes()).not.toContain('is-invalid')
  })
})
