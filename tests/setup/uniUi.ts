/**
 * Unit tests run without the uni plugin, so easycom does not resolve uni-ui's tags. uni-popup
 * (the sheets and the confirmation dialog) gets a small stand-in with its real contract: nothing
 * rendered until `open()` (by ref), a backdrop whose tap closes it and emits `change` with
 * `show: false` (as uni-popup's mask does), `change` with `show: true` on open.
 */
import { config } from '@vue/test-utils'
import { defineComponent, h, ref, renderSlot } from 'vue'

export const UniPopupStub = defineComponent({
  name: 'UniPopup',
  props: {
    type: { type: String, default: 'center' },
    backgroundColor: { type: String, default: 'none' },
    maskBackgroundColor: { type: String, default: '' },
    borderRadius: { type: String, default: '' },
    safeArea: { type: Boolean, default: true },
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
                close()
              },
            }),
            h('div', { class: 'uni-popup__wrapper', style: { backgroundColor: props.backgroundColor } }, [renderSlot(slots, 'default')]),
          ])
        : null
  },
})

config.global.components = { ...config.global.components, 'uni-popup': UniPopupStub }
