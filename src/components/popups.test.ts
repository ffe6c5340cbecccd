import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { mount } from '@vue/test-utils'
import { setLocale } from '@/i18n'
import BottomSheet from './BottomSheet.vue'
import ConfirmDialog from './ConfirmDialog.vue'
import { UniPopupStub } from '../../tests/setup/uniPopupStub'

// uni-popup is the stand-in from tests/setup/uniPopupStub.ts: nothing until open(), a mask that closes.
const global = { components: { 'uni-popup': UniPopupStub } }
const byId = (id: string) => `[data-testid="${id}"]`

describe('BottomSheet (uni-popup, bottom)', () => {
  it('opens itself on mount as a bottom popup with the panel, its test id and dialog roles', async () => {
    const wrapper = mount(BottomSheet, { props: { testid: 'number-form' }, slots: { default: () => h('p', { class: 'content' }, 'form') }, global })
    await nextTick()
    const popup = wrapper.find('.uni-popup')
    expect(popup.attributes('data-popup-type')).toBe('bottom')
    const panel = wrapper.find(byId('number-form'))
    expect(panel.attributes('role')).toBe('dialog')
    expect(panel.attributes('aria-modal')).toBe('true')
    expect(panel.find('.content').text()).toBe('form')
    // The dark theme's card colour, not uni-popup's default (none / white).
    const props = wrapper.findComponent({ name: 'UniPopup' }).props()
    expect(props.backgroundColor).toBe('var(--c-card, #fff)')
    // Bottom padding is the panel's env(safe-area-inset-bottom), not uni's (0 in a browser) on top.
    expect(props.safeArea).toBe(false)
  })

  it('a tap on the backdrop dismisses; opening and taps inside do not', async () => {
    const wrapper = mount(BottomSheet, { props: { testid: 'import-panel' }, slots: { default: () => h('button', { class: 'inside' }, 'x') }, global })
    await nextTick()
    await wrapper.find('.inside').trigger('click')
    expect(wrapper.emitted('dismiss')).toBeUndefined()
    await wrapper.find('.uni-popup__mask').trigger('click')
    expect(wrapper.emitted('dismiss')).toHaveLength(1)
  })

  it('shows and goes with the parent’s v-if, opening each time', async () => {
    const Parent = defineComponent({
      setup: () => {
        const open = ref(true)
        return () => h('div', [open.value ? h(BottomSheet, { testid: 'sheet', onDismiss: () => (open.value = false) }, () => 'content') : null])
      },
    })
    const wrapper = mount(Parent, { global })
    await nextTick()
    expect(wrapper.find(byId('sheet')).exists()).toBe(true)
    await wrapper.find('.uni-popup__mask').trigger('click')
    expect(wrapper.find(byId('sheet')).exists()).toBe(false)
  })
})

describe('ConfirmDialog (uni-popup, center)', () => {
  beforeEach(() => setLocale('en'))
  afterEach(() => setLocale('zh'))

  const mountDialog = (props: Record<string, unknown> = {}) =>
    mount(ConfirmDialog, { props: { title: 'Delete 张伟?', message: '13800000001 leaves the list.', ...props }, global })

  it('opens itself centred with the title, message, default button texts and alertdialog roles', async () => {
    const wrapper = mountDialog()
    await nextTick()
    expect(wrapper.find('.uni-popup').attributes('data-popup-type')).toBe('center')
    const box = wrapper.find(byId('confirm-dialog'))
    expect(box.attributes('role')).toBe('alertdialog')
    expect(box.attributes('aria-modal')).toBe('true')
    expect(box.text()).toContain('Delete 张伟?')
    expect(box.text()).toContain('13800000001 leaves the list.')
    expect(wrapper.find(byId('confirm-ok')).text()).toBe('OK')
    expect(wrapper.find(byId('confirm-cancel')).text()).toBe('Cancel')
    expect(wrapper.find(byId('confirm-ok')).classes()).not.toContain('is-danger')
  })

  it('uses the given button texts and paints a destructive confirm red', async () => {
    const wrapper = mountDialog({ confirmText: 'Delete', cancelText: 'Keep', danger: true })
    await nextTick()
    expect(wrapper.find(byId('confirm-ok')).text()).toBe('Delete')
    expect(wrapper.find(byId('confirm-cancel')).text()).toBe('Keep')
    expect(wrapper.find(byId('confirm-ok')).classes()).toContain('is-danger')
  })

  it('OK confirms, Cancel cancels, the backdrop cancels; each once', async () => {
    const wrapper = mountDialog()
    await nextTick()
    await wrapper.find(byId('confirm-ok')).trigger('click')
    expect(wrapper.emitted('confirm')).toHaveLength(1)
    expect(wrapper.emitted('cancel')).toBeUndefined()
    await wrapper.find(byId('confirm-cancel')).trigger('click')
    expect(wrapper.emitted('cancel')).toHaveLength(1)

    const other = mountDialog()
    await nextTick()
    await other.find('.uni-popup__mask').trigger('click')
    expect(other.emitted('cancel')).toHaveLength(1)
    expect(other.emitted('confirm')).toBeUndefined()
  })
})
