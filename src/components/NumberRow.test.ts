import { afterEach, describe, expect, it } from 'vitest'
import { mount as mountBare } from '@vue/test-utils'
import { setLocale } from '@/i18n'
import type { NumberEntry } from '@/services/numbers'
import { SwipeActionItemStub, uniSwipeComponents } from '../../tests/setup/uniUiStubs'
import NumberRow from './NumberRow.vue'

type RowProps = { entry: NumberEntry; callDisabled?: boolean; open?: boolean; status?: string; callbackAt?: number; now?: number }
const mount = (_component: typeof NumberRow, options: { props: RowProps; attachTo?: HTMLElement }) =>
  mountBare(NumberRow, { ...options, global: { components: uniSwipeComponents } })

const byId = (id: string) => `[data-testid="${id}"]`
const entry = (number: string, remark = number): NumberEntry => ({ id: `id-${number}`, source: 'own', number, remark, createdAt: 0, callCount: 0 })

describe('number row (defect 7)', () => {
  afterEach(() => setLocale('zh'))

  it('names the customer on every button for screen readers, in Chinese and English', () => {
    setLocale('zh')
    const zh = mount(NumberRow, { props: { entry: entry('13800000001', '张伟') } })
    expect(['number-call', 'number-edit', 'number-delete'].map((id) => zh.find(byId(id)).attributes('aria-label'))).toEqual(['呼叫 张伟', '编辑 张伟', '删除 张伟'])
    setLocale('en')
    const en = mount(NumberRow, { props: { entry: entry('13800000001', '张伟') } })
    expect(en.find(byId('number-call')).attributes('aria-label')).toBe('Call 张伟')
    expect(en.find(byId('number-delete')).attributes('aria-label')).toBe('Delete 张伟')
  })

  it('names the number when there is no remark', () => {
    setLocale('en')
    const row = mount(NumberRow, { props: { entry: entry('13800000002') } })
    expect(row.find(byId('number-call')).attributes('aria-label')).toBe('Call 13800000002')
  })

  it('keeps delete away from call: call on the row, then edit and delete in the swipe\'s right slot', () => {
    const row = mount(NumberRow, { props: { entry: entry('13800000003', 'Li') } })
    const order = row.findAll('button').map((b) => b.attributes('data-testid'))
    expect(order).toEqual(['number-call', 'number-edit', 'number-delete'])
    expect(row.find('.stub-center').find(byId('number-call')).exists()).toBe(true)
    expect(row.find('.stub-right').findAll('button').map((b) => b.attributes('data-testid'))).toEqual(['number-edit', 'number-delete'])
  })
})

describe('number row status', () => {
  afterEach(() => setLocale('zh'))
  const NOW = new Date(2026, 2, 10, 22, 40).getTime()

  it('a callback says when it is due, not only that one waits (the last call\'s time stands beside it)', () => {
    setLocale('zh')
    const due = new Date(2026, 2, 10, 23, 33).getTime()
    const row = mount(NumberRow, { props: { entry: entry('13800000020', '孙丽'), status: 'callback', callbackAt: due, now: NOW } })
    expect(row.find(byId('number-status')).text()).toBe('回拨 23:33')
    expect(row.find(byId('number-status')).attributes('data-callback-at')).toBe(String(due))
    setLocale('en')
    const tomorrow = new Date(2026, 2, 11, 10, 0).getTime()
    const en = mount(NumberRow, { props: { entry: entry('13800000020', '孙丽'), status: 'callback', callbackAt: tomorrow, now: NOW } })
    expect(en.find(byId('number-status')).text()).toBe('Call back 03-11 10:00')
  })

  it('other statuses keep their word; a new number shows none and says it was not dialled yet', () => {
    setLocale('zh')
    expect(mount(NumberRow, { props: { entry: entry('13800000021'), status: 'in-progress' } }).find(byId('number-status')).text()).toBe('跟进中')
    const fresh = mount(NumberRow, { props: { entry: entry('13800000022'), status: 'new' } })
    expect(fresh.find(byId('number-status')).exists()).toBe(false)
    expect(fresh.find(byId('number-last-call')).text()).toBe('未拨打')
  })
})

describe('number row swipe actions (uni-swipe-action-item)', () => {
  const swipe = (row: ReturnType<typeof mount>) => row.findComponent(SwipeActionItemStub)

  it('is closed unless the page opens it, and follows the page', async () => {
    const row = mount(NumberRow, { props: { entry: entry('13800000010', '张伟') } })
    expect(swipe(row).props('show')).toBe('none')
    expect(row.find(byId('number-item')).attributes('data-open')).toBe('false')
    await row.setProps({ open: true })
    expect(swipe(row).props('show')).toBe('right')
    expect(row.find(byId('number-item')).attributes('data-open')).toBe('true')
  })

  it('tells the page when the finger opens or closes it, and only on a real change', async () => {
    const row = mount(NumberRow, { props: { entry: entry('13800000011') } })
    swipe(row).vm.$emit('change', 'right')
    expect(row.emitted('update:open')).toEqual([[true]])
    await row.setProps({ open: true })
    swipe(row).vm.$emit('change', 'right')
    swipe(row).vm.$emit('change', 'none')
    expect(row.emitted('update:open')).toEqual([[true], [false]])
  })

  it('emits edit, delete and call from its buttons; edit and delete also close the open row', async () => {
    const row = mount(NumberRow, { props: { entry: entry('13800000012'), open: true } })
    await row.find(byId('number-edit')).trigger('click')
    expect(row.emitted('edit')).toHaveLength(1)
    expect(row.emitted('update:open')).toEqual([[false]])
    await row.find(byId('number-delete')).trigger('click')
    expect(row.emitted('delete')).toHaveLength(1)
    await row.find(byId('number-call')).trigger('click')
    expect(row.emitted('call')).toHaveLength(1)
    expect(row.emitted('delete')).toHaveLength(1)
    expect(row.emitted('edit')).toHaveLength(1)
  })

  it('closes when the virtual list recycles it for another number', async () => {
    const row = mount(NumberRow, { props: { entry: entry('13800000013'), open: true } })
    await row.setProps({ entry: entry('13800000014') })
    expect(row.emitted('update:open')).toEqual([[false]])
  })

  it('undoes a browser scroll that revealed the buttons (a focus or a plain click) once used or closed', async () => {
    const row = mount(NumberRow, { props: { entry: entry('13800000015') }, attachTo: document.body })
    const clip = row.find('.uni-swipe').element as HTMLElement
    clip.scrollLeft = 144
    await row.find(byId('number-delete')).trigger('click')
    expect(clip.scrollLeft).toBe(0)
    clip.scrollLeft = 144
    await row.setProps({ open: true })
    await row.setProps({ open: false })
    expect(clip.scrollLeft).toBe(0)
    clip.scrollLeft = 144
    await row.setProps({ entry: entry('13800000016') })
    expect(clip.scrollLeft).toBe(0)
    row.unmount()
  })
})
