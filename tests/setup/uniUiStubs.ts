/**
 * Stand-ins for uni-ui components in unit tests (vitest runs without the uni plugin,
 * so easycom does not resolve them). Same slots, `show` prop and `change` event as
 * `uni-swipe-action-item`; a test plays the finger with `vm.$emit('change', 'right')`.
 */
import { defineComponent, h } from 'vue'

export const SwipeActionItemStub = defineComponent({
  name: 'uni-swipe-action-item',
  props: { show: { type: String, default: 'none' }, threshold: { type: Number, default: 20 } },
  emits: ['change'],
  setup: (props, { slots }) => () =>
    h('div', { class: 'uni-swipe', 'data-show': props.show }, [h('div', { class: 'stub-center' }, slots.default?.()), h('div', { class: 'stub-right' }, slots.right?.())]),
})

/** `uni-icons`' props; renders the type so a test can read which glyph was asked for. */
export const UniIconsStub = defineComponent({
  name: 'uni-icons',
  props: { type: { type: String, default: '' }, size: { type: [Number, String], default: 16 }, color: { type: String, default: '#333333' } },
  setup: (props) => () => h('span', { class: 'uni-icons', 'data-type': props.type }),
})

export const SwipeActionStub = defineComponent({ name: 'uni-swipe-action', setup: (_, { slots }) => () => h('div', slots.default?.()) })

export const uniSwipeComponents = { 'uni-swipe-action-item': SwipeActionItemStub, 'uni-swipe-action': SwipeActionStub }

/**
 * `uni-datetime-picker` as far as the app touches it: the field (`.uni-date-editor`, a tap opens
 * the picker's own popup, counted in `data-opened`), its props and the `change` event.
 */
export const DatetimePickerStub = defineComponent({
  name: 'uni-datetime-picker',
  props: { modelValue: { type: [Number, String], default: '' }, start: { type: [Number, String], default: '' }, end: { type: [Number, String], default: '' }, placeholder: { type: String, default: '' } },
  emits: ['change'],
  setup(props) {
    let opened = 0
    return () =>
      h('div', { class: 'uni-date' }, [
        h(
          'div',
          {
            class: 'uni-date-editor',
            'data-opened': String(opened),
            'data-end': String(props.end),
            onClick: (event: MouseEvent) => {
              opened += 1
              ;(event.currentTarget as HTMLElement).setAttribute('data-opened', String(opened))
            },
          },
          [h('div', { class: 'uni-date__x-input' }, String(props.modelValue || props.placeholder))],
        ),
      ])
  },
})
