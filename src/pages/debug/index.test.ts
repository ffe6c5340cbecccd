import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { locale } from '@/i18n'
import DebugPage from './index.vue'

afterEach(() => {
  vi.unstubAllEnvs()
  locale.value = 'zh'
})

async function settle() {
  // The panel arrives through a dynamic import.
  for (let i = 0; i < 20; i++) {
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('debug page', () => {
  it('loads the token generator in a development build', async () => {
    const wrapper = mount(DebugPage)
    await vi.waitFor(async () => {
      await settle()
      expect(wrapper.find('[data-testid="token-generator"]').exists()).toBe(true)
      // The first import of the generator is transformed on demand: seconds on a loaded machine.
    }, { timeout: 12_000 })
    expect(wrapper.find('[data-testid="debug-unavailable"]').exists()).toBe(false)
  })

  it('says the debug tools are not in a release build, in the current language', async () => {
    vi.stubEnv('DEV', false)
    locale.value = 'en'
    const wrapper = mount(DebugPage)
    await settle()
    expect(wrapper.find('[data-testid="token-generator"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="debug-unavailable"]').text()).toBe('The debug tools are not included in this build.')
  })
})
