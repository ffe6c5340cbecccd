/**
 * Stand-ins for uni-app's built-in components (`view`, `text`, `input`...) so components mount
 * under @vue/test-utils without the uni compiler. Attributes (data-testid, data-*) fall through
 * to the rendered element, as they do on the uni component's root in the H5 DOM.
 */
import { defineComponent, h } from 'vue'

function passThrough(tag: string) {
  return defineComponent({
    name: `Uni${tag}`,
    setup(_, { slots }) {
      return () => h(tag, slots.default?.())
    },
  })
}

export const uniStubs = {
  view: passThrough('div'),
  text: passThrough('span'),
}
