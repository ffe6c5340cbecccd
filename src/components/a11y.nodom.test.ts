// @vitest-environment node
/**
 * The App build: the logic layer has no DOM (the views are native or in another context), so the
 * keyboard and screen-reader mechanism does nothing there: a modal takes no focus and hides no
 * page behind it, and nothing throws for want of `document`.
 */
import { describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { modalOpen, useModalFocus } from './a11y'

describe('a11y without a DOM (the App)', () => {
  it('a modal opened there opens no trap and hides nothing', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    expect(typeof document).toBe('undefined')
    const panel = ref<unknown>({ $el: { tagName: 'VIEW' } })
    const root = ref<unknown>({ $el: { tagName: 'VIEW' } })
    const scope = effectScope()
    expect(() => scope.run(() => useModalFocus(panel, { root }))).not.toThrow()
    await nextTick()
    expect(modalOpen()).toBe(false)
    panel.value = null
    await nextTick()
    scope.stop()
    expect(modalOpen()).toBe(false)
  })
})
