import { describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount } from '@vue/test-utils'
import FilterTabs, { type FilterTab } from './FilterTabs.vue'

// uni-badge as easycom would resolve it, reduced to what FilterTabs passes.
const UniBadgeStub = defineComponent({
  name: 'UniBadge',
  props: { text: { type: String, default: '' }, type: { type: String, default: 'info' }, maxNum: { type: Number, default: 99 }, customStyle: { type: Object, default: () => ({}) } },
  setup: (props) => () => h('span', { class: 'badge', 'data-type': props.type }, props.text),
})

const byId = (id: string) => `[data-testid="${id}"]`
const TABS: FilterTab[] = [
  { key: 'all', label: 'All', count: 12 },
  { key: 'in-progress', label: 'In progress', count: 0 },
  { key: 'missed', label: 'Missed', count: 3, tone: 'error' },
]

function mountTabs(props: Partial<{ tabs: FilterTab[]; selected: string; testidPrefix: string; label: string }> = {}) {
  return mount(FilterTabs, {
    props: { tabs: TABS, selected: 'all', testidPrefix: 'numbers-filter', label: 'Filter by status', ...props },
    global: { components: { 'uni-badge': UniBadgeStub } },
  })
}

describe('FilterTabs', () => {
  it('renders one tab per filter with its label, count badge and contract attributes', () => {
    const wrapper = mountTabs()
    const list = wrapper.find('[role="tablist"]')
    expect(list.attributes('aria-label')).toBe('Filter by status')
    const tabs = wrapper.findAll('[role="tab"]')
    expect(tabs.map((t) => t.attributes('data-testid'))).toEqual(['numbers-filter-all', 'numbers-filter-in-progress', 'numbers-filter-missed'])
    expect(tabs.map((t) => t.attributes('data-count'))).toEqual(['12', '0', '3'])
    expect(tabs.map((t) => t.find('.badge').text())).toEqual(['12', '0', '3'])
    expect(tabs.map((t) => t.text())).toEqual(['All12', 'In progress0', 'Missed3'])
    expect(wrapper.findComponent({ name: 'UniBadge' }).props('maxNum')).toBe(999)
  })

  it('marks exactly the selected tab (data-selected, aria-selected, style) and follows the prop', async () => {
    const wrapper = mountTabs({ selected: 'in-progress' })
    const state = () =>
      wrapper.findAll('[role="tab"]').map((t) => [t.attributes('data-selected'), t.attributes('aria-selected'), t.classes().includes('is-selected')].join(','))
    expect(state()).toEqual(['false,false,false', 'true,true,true', 'false,false,false'])
    await wrapper.setProps({ selected: 'missed' })
    expect(state()).toEqual(['false,false,false', 'false,false,false', 'true,true,true'])
    // The badge on the selected (brand) chip is white with the chip's colour; the others take the
    // palette's badge grey (uni-badge's own grey carries white at 3.08:1).
    const badges = wrapper.findAllComponents({ name: 'UniBadge' })
    expect(badges[2].props('customStyle')).toEqual({ backgroundColor: '#fff', color: 'var(--c-brand-fill, #0a60e8)' })
    expect(badges[0].props('customStyle')).toEqual({ backgroundColor: 'var(--c-badge, #5b6b82)' })
  })

  it('emits select with the tapped key and leaves the selection to the parent', async () => {
    const wrapper = mountTabs({ testidPrefix: 'history-filter' })
    await wrapper.find(byId('history-filter-missed')).trigger('click')
    await wrapper.find(byId('history-filter-all')).trigger('click')
    expect(wrapper.emitted('select')).toEqual([['missed'], ['all']])
    expect(wrapper.find(byId('history-filter-all')).attributes('data-selected')).toBe('true')
    expect(wrapper.find(byId('history-filter-missed')).attributes('data-selected')).toBe('false')
  })

  it('paints an error-toned count red only while it is above 0', async () => {
    const wrapper = mountTabs()
    const types = () => wrapper.findAll('.badge').map((b) => b.attributes('data-type'))
    expect(types()).toEqual(['info', 'info', 'error'])
    const styles = () => wrapper.findAllComponents({ name: 'UniBadge' }).map((b) => b.props('customStyle'))
    expect(styles()[2]).toEqual({ backgroundColor: 'var(--c-danger-fill, #c62828)' })
    await wrapper.setProps({ tabs: TABS.map((t) => ({ ...t, count: 0 })) })
    expect(types()).toEqual(['info', 'info', 'info'])
    expect(styles()[2]).toEqual({ backgroundColor: 'var(--c-badge, #5b6b82)' })
  })

  it('is one Tab stop (the selected chip); arrows, Home and End move along, Enter and Space select', async () => {
    const wrapper = mount(FilterTabs, {
      props: { tabs: TABS, selected: 'in-progress', testidPrefix: 'numbers-filter', label: 'Filter by status' },
      global: { components: { 'uni-badge': UniBadgeStub } },
      attachTo: document.body,
    })
    const tabs = () => wrapper.findAll('[role="tab"]').map((t) => t.element as HTMLElement)
    expect(tabs().map((t) => t.getAttribute('tabindex'))).toEqual(['-1', '0', '-1'])
    const key = (el: Element, k: string) => {
      el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }))
      el.dispatchEvent(new KeyboardEvent('keyup', { key: k, bubbles: true, cancelable: true }))
    }
    tabs()[1].focus()
    key(tabs()[1], 'ArrowRight')
    expect(document.activeElement).toBe(tabs()[2])
    key(tabs()[2], 'ArrowRight')
    expect(document.activeElement).toBe(tabs()[0])
    key(tabs()[0], 'ArrowLeft')
    expect(document.activeElement).toBe(tabs()[2])
    key(tabs()[2], 'Home')
    expect(document.activeElement).toBe(tabs()[0])
    key(tabs()[0], 'End')
    expect(document.activeElement).toBe(tabs()[2])
    // Moving does not select; Enter or Space does.
    expect(wrapper.emitted('select')).toBeUndefined()
    key(tabs()[2], 'Enter')
    key(tabs()[0], ' ')
    expect(wrapper.emitted('select')).toEqual([['missed'], ['all']])
    // A selection the chips do not have leaves the first one in the Tab order.
    await wrapper.setProps({ selected: 'gone' })
    expect(tabs().map((t) => t.getAttribute('tabindex'))).toEqual(['0', '-1', '-1'])
    wrapper.unmount()
  })
})
