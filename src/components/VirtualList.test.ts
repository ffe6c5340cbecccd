import { describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { mount } from '@vue/test-utils'
import VirtualList from './VirtualList.vue'

// uni's built-ins are not registered under happy-dom (`view` compiles to a plain element there);
// `scroll-view` gets a stand-in with the same prop and event.
const ScrollView = defineComponent({
  name: 'scroll-view',
  props: { scrollTop: { type: Number, default: 0 }, scrollY: { type: Boolean, default: false } },
  emits: ['scroll'],
  setup: (props, { slots }) => () => h('div', { 'data-scroll-top': props.scrollTop }, slots.default?.()),
})

interface Row {
  id: number
  label: string
}

const ROW = 72
const rowsOf = (n: number): Row[] => Array.from({ length: n }, (_, id) => ({ id, label: `row ${id}` }))

function mountList(items: Row[], height = 844, recycleRows = false) {
  return mount(VirtualList, {
    // The generic component mounts with T = unknown; the rows are `Row`s.
    props: { items, itemHeight: ROW, itemKey: (r: unknown) => (r as Row).id, height, recycleRows },
    slots: { default: ({ item }: { item: unknown }) => h('span', { class: 'label', 'data-id': (item as Row).id }, (item as Row).label) },
    global: { components: { 'scroll-view': ScrollView } },
  })
}

function renderedIds(wrapper: ReturnType<typeof mountList>): number[] {
  return wrapper.findAll('.label').map((el) => Number(el.attributes('data-id')))
}

async function scrollTo(wrapper: ReturnType<typeof mountList>, top: number) {
  wrapper.findComponent(ScrollView).vm.$emit('scroll', { detail: { scrollTop: top } })
  await nextTick()
}

describe('VirtualList', () => {
  it('renders at most 60 rows for 10,000 entries, starting at the top', () => {
    const wrapper = mountList(rowsOf(10_000))
    const ids = renderedIds(wrapper)
    expect(ids.length).toBeLessThanOrEqual(60)
    expect(ids.length).toBeGreaterThanOrEqual(Math.ceil(844 / ROW))
    expect(ids[0]).toBe(0)
    expect(wrapper.attributes('data-rendered')).toBe(String(ids.length))
    expect(wrapper.attributes('data-total')).toBe('10000')
    expect((wrapper.vm as unknown as { renderedCount: number }).renderedCount).toBe(ids.length)
  })

  it('makes the spacer as tall as the whole list', () => {
    const wrapper = mountList(rowsOf(10_000))
    expect(wrapper.find('.virtual-list__spacer').attributes('style')).toContain(`height: ${10_000 * ROW}px`)
  })

  it('renders the rows around the scroll position, positioned under it', async () => {
    const wrapper = mountList(rowsOf(10_000))
    await scrollTo(wrapper, 5000 * ROW + 10)
    const ids = renderedIds(wrapper)
    expect(ids).toContain(5000)
    expect(ids).toContain(5000 + Math.floor(844 / ROW))
    expect(ids.length).toBeLessThanOrEqual(60)
    expect(ids[0]).toBeGreaterThan(4980)
    expect(wrapper.find('.virtual-list__window').attributes('style')).toContain(`translateY(${ids[0] * ROW}px)`)
  })

  it('shows the end of the list when scrolled to the bottom', async () => {
    const wrapper = mountList(rowsOf(10_000))
    await scrollTo(wrapper, 10_000 * ROW - 844)
    const ids = renderedIds(wrapper)
    expect(ids[ids.length - 1]).toBe(9999)
  })

  it('clamps to the end when the list shrinks under the scroll position', async () => {
    const wrapper = mountList(rowsOf(10_000))
    await scrollTo(wrapper, 8000 * ROW)
    await wrapper.setProps({ items: rowsOf(30) })
    const ids = renderedIds(wrapper)
    expect(ids).toContain(29)
    expect(ids).toContain(29 - Math.floor(844 / ROW) + 1)
  })

  it('renders every row of a short list', () => {
    expect(renderedIds(mountList(rowsOf(5)))).toEqual([0, 1, 2, 3, 4])
    expect(renderedIds(mountList([]))).toEqual([])
  })

  it('scrolls back to the top on request', async () => {
    const wrapper = mountList(rowsOf(10_000))
    await scrollTo(wrapper, 3000 * ROW)
    ;(wrapper.vm as unknown as { scrollToTop(): void }).scrollToTop()
    await nextTick()
    expect(renderedIds(wrapper)[0]).toBe(0)
    await nextTick()
    expect(wrapper.find('[data-scroll-top]').attributes('data-scroll-top')).toBe('0')
  })

  it('recycles row elements while scrolling when asked, still showing the right rows', async () => {
    const wrapper = mountList(rowsOf(10_000), 844, true)
    await scrollTo(wrapper, 100 * ROW)
    const before = wrapper.findAll('.virtual-list__row').map((w) => w.element)
    await scrollTo(wrapper, 101 * ROW)
    const after = wrapper.findAll('.virtual-list__row').map((w) => w.element)
    const ids = renderedIds(wrapper)
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => ids[0] + i))
    expect(ids[0]).toBe(101 - 6)
    expect(after).toHaveLength(before.length)
    // Every element is reused: the one that left the top now shows the row entering at the bottom.
    expect(new Set(after)).toEqual(new Set(before))
    expect(after[after.length - 1]).toBe(before[0])
  })
})
