import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import { setLocale } from '@/i18n'
import BottomSheet from './BottomSheet.vue'
import ConfirmDialog from './ConfirmDialog.vue'
import DiscardBar from './DiscardBar.vue'
import { UniPopupStub } from '../../tests/setup/uniPopupStub'

// uni-popup is the stand-in from tests/setup/uniPopupStub.ts: nothing until open(), a mask that closes.
const global = { components: { 'uni-popup': UniPopupStub } }
const byId = (id: string) => `[data-testid="${id}"]`

describe('BottomSheet (uni-popup, bottom)', () => {
  it('opens itself on mount as a bottom popup with the panel, its test id and dialog roles', async () => {
    const wrapper = mount(BottomSheet, { props: { testid: 'number-form', label: 'Add number' }, slots: { default: () => h('p', { class: 'content' }, 'form') }, global })
    await nextTick()
    const popup = wrapper.find('.uni-popup')
    expect(popup.attributes('data-popup-type')).toBe('bottom')
    const panel = wrapper.find(byId('number-form'))
    expect(panel.attributes('role')).toBe('dialog')
    expect(panel.attributes('aria-modal')).toBe('true')
    expect(panel.attributes('aria-label')).toBe('Add number')
    expect(panel.find('.content').text()).toBe('form')
    // The dark theme's card colour, not uni-popup's default (none / white).
    const props = wrapper.findComponent({ name: 'UniPopup' }).props()
    expect(props.backgroundColor).toBe('var(--c-card, #fff)')
    // Bottom padding is the panel's env(safe-area-inset-bottom), not uni's (0 in a browser) on top.
    expect(props.safeArea).toBe(false)
  })

  it('a tap on the backdrop dismisses; opening and taps inside do not', async () => {
    const wrapper = mount(BottomSheet, { props: { testid: 'import-panel', label: 'Import' }, slots: { default: () => h('button', { class: 'inside' }, 'x') }, global })
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
        return () => h('div', [open.value ? h(BottomSheet, { testid: 'sheet', label: 'Sheet', onDismiss: () => (open.value = false) }, () => 'content') : null])
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
    // Named by its title, described by its message.
    expect(wrapper.find(`#${box.attributes('aria-labelledby')}`).text()).toBe('Delete 张伟?')
    expect(wrapper.find(`#${box.attributes('aria-describedby')}`).text()).toBe('13800000001 leaves the list.')
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

/** A key as the browser sends it: down, then up, on the element. */
function press(el: Element, key: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const down = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init })
  el.dispatchEvent(down)
  el.dispatchEvent(new KeyboardEvent('keyup', { key, bubbles: true, cancelable: true, ...init }))
  return down
}

/** A page with the control that opens the popup, so the focus has somewhere to come back to. */
/** A page with an opener (focused) and a field behind; the popup opened from it, settled. */
async function openFromOpener(popup: () => ReturnType<typeof h>) {
  const open = ref(false)
  const wrapper = mount(
    defineComponent({
      setup: () => () => h('main', [h('button', { class: 'opener', onClick: () => (open.value = true) }, 'Open'), h('input', { class: 'behind' }), open.value ? popup() : null]),
    }),
    { global, attachTo: document.body },
  )
  const opener = wrapper.find('.opener').element as HTMLElement
  opener.focus()
  open.value = true
  await nextTick()
  await nextTick()
  return { wrapper, open, opener }
}

const focusedId = () => (document.activeElement as HTMLElement | null)?.closest('[data-testid]')?.getAttribute('data-testid') ?? document.activeElement?.className

describe('the keyboard in a dialog or sheet (H5)', () => {
  beforeEach(() => setLocale('en'))
  const wrappers: VueWrapper[] = []
  afterEach(() => {
    for (const wrapper of wrappers.splice(0)) wrapper.unmount()
    document.body.innerHTML = ''
    setLocale('zh')
  })

  it('a confirmation takes the focus on cancel, keeps Tab in the box and gives the focus back on close', async () => {
    const confirm = vi.fn()
    const cancel = vi.fn()
    const { wrapper, open, opener } = await openFromOpener(() => h(ConfirmDialog, { title: 'Delete?', message: 'Gone.', onConfirm: confirm, onCancel: cancel }))
    wrappers.push(wrapper)
    expect(focusedId()).toBe('confirm-cancel')
    // Tab from the last button comes round to the first, never to the page behind.
    const ok = wrapper.find(byId('confirm-ok')).element as HTMLElement
    ok.focus()
    expect(press(ok, 'Tab').defaultPrevented).toBe(true)
    expect(focusedId()).toBe('confirm-cancel')
    press(document.activeElement as Element, 'Tab', { shiftKey: true })
    expect(focusedId()).toBe('confirm-ok')
    ;(wrapper.find('.behind').element as HTMLElement).focus()
    expect(focusedId()).toBe('confirm-cancel')
    // Enter on cancel is cancel's own (a native button here: the browser clicks it), never a confirm.
    press(wrapper.find(byId('confirm-cancel')).element, 'Enter')
    expect(confirm).not.toHaveBeenCalled()
    // Enter anywhere else in the box confirms.
    press(wrapper.find('.confirm__message').element, 'Enter')
    expect(confirm).toHaveBeenCalledTimes(1)
    press(wrapper.find(byId('confirm-ok')).element, 'Escape')
    expect(cancel).toHaveBeenCalledTimes(1)
    open.value = false
    await nextTick()
    expect(document.activeElement).toBe(opener)
  })

  it('a sheet takes the focus on its first field, keeps Tab inside and gives it back on close', async () => {
    const dismissed = vi.fn()
    const { wrapper, open, opener } = await openFromOpener(() =>
      h(BottomSheet, { testid: 'number-form', label: 'Add number', onDismiss: dismissed }, () => [h('button', { class: 'close' }, 'Close'), h('input', { class: 'field' }), h('button', { class: 'save' }, 'Save')]),
    )
    wrappers.push(wrapper)
    // The first field, not the close button before it.
    expect(document.activeElement?.className).toBe('field')
    const save = wrapper.find('.save').element as HTMLElement
    save.focus()
    press(save, 'Tab')
    expect(document.activeElement?.className).toBe('close')
    press(document.activeElement as Element, 'Tab', { shiftKey: true })
    expect(document.activeElement?.className).toBe('save')
    // Esc is uni-popup's (as a backdrop tap, on keyup): the sheet does not take it twice.
    expect(press(save, 'Escape').defaultPrevented).toBe(false)
    expect(dismissed).not.toHaveBeenCalled()
    open.value = false
    await nextTick()
    expect(document.activeElement).toBe(opener)
  })

  it('a sheet hides the page behind it (inert, aria-hidden) but not uni-popup\'s backdrop; a confirmation over it hides the sheet too; both closed, the page is as it was', async () => {
    const confirming = ref(false)
    const { wrapper, open, opener } = await openFromOpener(() =>
      h('section', { class: 'sheet-host' }, [h(BottomSheet, { testid: 'number-form', label: 'Add number' }, () => [h('input', { class: 'field' }), h('button', { class: 'delete', onClick: () => (confirming.value = true) }, 'Delete')]), confirming.value ? h(ConfirmDialog, { title: 'Delete?', message: 'Gone.' }) : null]),
    )
    wrappers.push(wrapper)
    const hidden = (selector: string) => {
      const el = document.querySelector(selector) as HTMLElement
      return `${el.hasAttribute('inert') ? 'inert' : '-'}/${el.getAttribute('aria-hidden') ?? '-'}`
    }
    expect([hidden('.opener'), hidden('.behind')]).toEqual(['inert/true', 'inert/true'])
    // The sheet's popup (its backdrop with it) and the way down to it stay.
    expect([hidden('.sheet-host'), hidden('.uni-popup'), hidden('.uni-popup__mask'), hidden('[data-testid="number-form"]')]).toEqual(['-/-', '-/-', '-/-', '-/-'])
    confirming.value = true
    await nextTick()
    await nextTick()
    const popups = document.querySelectorAll<HTMLElement>('.uni-popup')
    expect(popups).toHaveLength(2)
    expect([popups[0].hasAttribute('inert'), popups[0].getAttribute('aria-hidden'), popups[1].hasAttribute('inert')]).toEqual([true, 'true', false])
    expect(focusedId()).toBe('confirm-cancel')
    confirming.value = false
    await nextTick()
    expect([hidden('.uni-popup'), hidden('.opener')]).toEqual(['-/-', 'inert/true'])
    open.value = false
    await nextTick()
    expect([hidden('.opener'), hidden('.behind')]).toEqual(['-/-', '-/-'])
    expect(document.activeElement).toBe(opener)
  })

  it('the discard question in a sheet takes the focus on "keep editing" and gives it back to the field, trapping nothing', async () => {
    const asking = ref(false)
    const wrapper = mount(
      defineComponent({
        setup: () => () =>
          h(BottomSheet, { testid: 'number-form', label: 'Add number' }, () => [h('input', { class: 'field' }), asking.value ? h(DiscardBar, { onKeep: () => (asking.value = false) }) : null, h('button', { class: 'save' }, 'Save')]),
      }),
      { global, attachTo: document.body },
    )
    wrappers.push(wrapper)
    await nextTick()
    await nextTick()
    expect(document.activeElement?.className).toBe('field')
    asking.value = true
    await nextTick()
    await nextTick()
    expect(focusedId()).toBe('discard-keep')
    // Nothing of the sheet is hidden by the question.
    expect(Array.from(wrapper.findAll('.field, .save, [data-testid="discard-question"]')).map((w) => w.element.closest('[inert], [aria-hidden="true"]'))).toEqual([null, null, null])
    // Not a trap of its own: Tab goes on round the sheet, and the field can be taken back.
    const save = wrapper.find('.save').element as HTMLElement
    save.focus()
    press(save, 'Tab')
    expect(document.activeElement?.className).toBe('field')
    ;(wrapper.find(byId('discard-keep')).element as HTMLElement).focus()
    await wrapper.find(byId('discard-keep')).trigger('click')
    await nextTick()
    expect(document.activeElement?.className).toBe('field')
  })
})
