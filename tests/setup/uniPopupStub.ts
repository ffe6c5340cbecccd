/**
 * Unit tests run without the uni plugin, so easycom does not resolve uni-ui's tags. Tests that
 * mount a sheet or the confirmation dialog register this stand-in for uni-popup
 * (`global: { components: { 'uni-popup': UniPopupStub } }`; not a setup file, so the other test
 * files, and every Stryker run of them, do not load it). Its real contract: nothing rendered
 * until `open()` (by ref), a backdrop whose tap emits `maskClick` and, unless `is-mask-click` is
 * false, closes it with `change` `show: false` (as uni-popup's mask does), `change` with `show: true` on open.
 */
import { defineComponent, h, ref, renderSlot } from 'vue'

export const UniPopupStub = defineComponent({
  name: 'UniPopup',
  props: {
    type: { type: String, default: 'center' },
    backgroundColor: { type: String, default: 'none' },
    maskBackgroundColor: { type: String, default: '' },
    borderRadius: { type: String, default: '' },
    safeArea: { type: Boolean, default: true },
    /** uni-popup's own prop: false leaves the closing to the parent (the mask only says maskClick). */
    isMaskClick: { type: Boolean, default: null },
  },
  emits: ['change', 'maskClick'],
  setup(props, { emit, expose, slots }) {
    const shown = ref(false)
    function open(): void {
      if (shown.value) return
      shown.value = true
      emit('change', { show: true, type: props.type })
    }
    function close(): void {
      shown.value = false
      emit('change', { show: false, type: props.type })
    }
    expose({ open, close })
    return () =>
      shown.value
        ? h('div', { class: 'uni-popup', 'data-popup-type': props.type }, [
            h('div', {
              class: 'uni-popup__mask',
              onClick: () => {
                emit('maskClick')
                if (props.isMaskClick !== false) close()
              },
            }),
            h('div', { class: 'uni-popup__wrapper', style: { backgroundColor: props.backgroundColor } }, [renderSlot(slots, 'default')]),
          ])
        : null
  },
})
