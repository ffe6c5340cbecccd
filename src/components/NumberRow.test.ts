import { afterEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { setLocale } from '@/i18n'
import type { NumberEntry } from '@/services/numbers'
import NumberRow from './NumberRow.vue'

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

  it('keeps delete away from call: delete, edit, then call', () => {
    const row = mount(NumberRow, { props: { entry: entry('13800000003', 'Li') } })
    const order = row.findAll('button').map((b) => b.attributes('data-testid'))
    expect(order).toEqual(['number-delete', 'number-edit', 'number-call'])
  })
})
