import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { mount } from '@vue/test-utils'
import { setLocale } from '@/i18n'
import NumberForm from './NumberForm.vue'
import { tabStops } from './a11y'
import { UniPopupStub } from '../../tests/setup/uniPopupStub'

const byId = (id: string) => `[data-testid="${id}"]`

describe('NumberForm for screen readers and the keyboard', () => {
  beforeEach(() => setLocale('en'))
  afterEach(() => {
    setLocale('zh')
    document.body.innerHTML = ''
  })

  function mountForm(props: Record<string, unknown> = {}) {
    return mount(NumberForm, { props: { mode: 'add', ...props }, global: { components: { 'uni-popup': UniPopupStub } }, attachTo: document.body })
  }
  const labelOf = (wrapper: ReturnType<typeof mountForm>, id: string) => {
    const input = wrapper.find(byId(id))
    return wrapper.find(`#${input.attributes('aria-labelledby')}`).text()
  }

  it('names the sheet by its title and each field by its visible label', async () => {
    const wrapper = mountForm()
    await nextTick()
    expect(wrapper.find(byId('number-form')).attributes('aria-label')).toBe('Add number')
    expect(labelOf(wrapper, 'number-form-number')).toBe('Number')
    expect(labelOf(wrapper, 'number-form-remark')).toBe('Remark')
    await wrapper.setProps({ mode: 'edit' })
    expect(wrapper.find(byId('number-form')).attributes('aria-label')).toBe('Edit number')
    wrapper.unmount()
  })

  it('ties the error to the field it is about', async () => {
    const wrapper = mountForm({ error: 'A number has at least 3 digits', errorField: 'number' })
    await nextTick()
    const errorId = wrapper.find(byId('number-form-error')).attributes('id')
    expect(errorId).toBeTruthy()
    expect(wrapper.find(byId('number-form-number')).attributes('aria-describedby')).toBe(errorId)
    expect(wrapper.find(byId('number-form-number')).attributes('aria-invalid')).toBe('true')
    expect(wrapper.find(byId('number-form-remark')).attributes('aria-describedby')).toBeUndefined()
    await wrapper.setProps({ errorField: 'remark' })
    expect(wrapper.find(byId('number-form-remark')).attributes('aria-describedby')).toBe(errorId)
    // A new error takes the keyboard to the field it is about.
    await wrapper.setProps({ error: 'Too long', errorField: 'remark' })
    expect(document.activeElement?.getAttribute('data-testid')).toBe('number-form-remark')
    expect(wrapper.find(byId('number-form-number')).attributes('aria-describedby')).toBeUndefined()
    await wrapper.setProps({ error: '' })
    expect(wrapper.find(byId('number-form-remark')).attributes('aria-describedby')).toBeUndefined()
    wrapper.unmount()
  })

  it('puts the fields, Cancel and Save in the sheet’s Tab order and the focus in the first field', async () => {
    const wrapper = mountForm()
    await nextTick()
    await nextTick()
    const panel = wrapper.find(byId('number-form')).element as HTMLElement
    expect(tabStops(panel).map((el) => el.getAttribute('data-testid'))).toEqual(['number-form-number', 'number-form-remark', 'number-form-cancel', 'number-form-save'])
    expect(document.activeElement?.getAttribute('data-testid')).toBe('number-form-number')
    wrapper.unmount()
  })

  it('starts in the remark when the number is locked (an assigned number)', async () => {
    const wrapper = mountForm({ mode: 'edit', number: '13800000001', remark: 'x', numberLocked: true })
    await nextTick()
    await nextTick()
    expect(document.activeElement?.getAttribute('data-testid')).toBe('number-form-remark')
    wrapper.unmount()
  })

  it('Enter in the remark saves what the field holds, ahead of uni’s trailing v-model', async () => {
    const wrapper = mountForm()
    await nextTick()
    await wrapper.find(byId('number-form-number')).setValue('13800000001')
    await wrapper.find(byId('number-form-remark')).setValue('Zhang')
    await wrapper.find(byId('number-form-remark')).trigger('confirm', { detail: { value: 'Zhang Wei' } })
    expect(wrapper.emitted('save')).toEqual([[{ number: '13800000001', remark: 'Zhang Wei' }]])
    wrapper.unmount()
  })
})
