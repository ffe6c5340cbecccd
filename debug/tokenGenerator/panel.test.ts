import { flushPromises, mount } from '@vue/test-utils'
import { fn } from 'jest-mock'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { locale } from '@/i18n'
import TokenGeneratorPanel from '../TokenGeneratorPanel.vue'
import { generatorMessages } from './messages'

const realFetch = globalThis.fetch
// happy-dom's window ignores plain assignment to fetch; redefine the property instead.
function setFetch(impl: typeof fetch): void {
  Object.defineProperty(globalThis, 'fetch', { value: impl, configurable: true, writable: true })
}
afterEach(() => {
  setFetch(realFetch)
  locale.value = 'zh'
})

function tcccAnswer(response: Record<string, unknown>) {
  return fn<typeof fetch>(async () => new Response(JSON.stringify({ Response: { RequestId: 'req-1', ...response } }), { status: 200 }))
}

async function fillAndSubmit(wrapper: ReturnType<typeof mount>, values = { id: 'AKIDpanel123', key: 'panel-secret-key', app: '1400000001', seat: 'agent1@example.com' }) {
  await wrapper.get('[data-testid="generator-secret-id"]').setValue(values.id)
  await wrapper.get('[data-testid="generator-secret-key"]').setValue(values.key)
  await wrapper.get('[data-testid="generator-sdk-app-id"]').setValue(values.app)
  await wrapper.get('[data-testid="generator-seat-user-id"]').setValue(values.seat)
  await wrapper.get('[data-testid="generator-submit"]').trigger('click')
  // Web Crypto work is truly asynchronous: wait until the request has finished.
  await vi.waitFor(() => expect(wrapper.get('[data-testid="generator-submit"]').attributes('disabled')).toBeUndefined())
  await flushPromises()
}

describe('TokenGeneratorPanel', () => {
  it('shows the development-only warning in the current language', async () => {
    const wrapper = mount(TokenGeneratorPanel)
    expect(wrapper.get('[data-testid="token-generator-warning"]').text()).toBe(generatorMessages.zh.warning)
    locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('[data-testid="token-generator-warning"]').text()).toContain('Never enter production secrets on a shared device')
  })

  it('calls CreateSDKLoginToken directly with a TC3 signature and shows the token and SdkURL', async () => {
    const fetchMock = tcccAnswer({ Token: 'tok-123', ExpiredTime: 1795290000, SdkURL: 'https://tccc.qcloud.com/sdk.js?x=1' })
    setFetch(fetchMock)
    const wrapper = mount(TokenGeneratorPanel)
    await fillAndSubmit(wrapper)

    expect(fetchMock.mock.calls).toHaveLength(1)
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('https://ccc.tencentcloudapi.com/')
    const headers = init?.headers as Record<string, string>
    expect(headers.Authorization).toMatch(/^TC3-HMAC-SHA256 Credential=AKIDpanel123\/\d{4}-\d{2}-\d{2}\/ccc\/tc3_request, SignedHeaders=content-type;host, Signature=[0-9a-f]{64}$/)
    expect(headers['X-TC-Action']).toBe('CreateSDKLoginToken')
    expect(JSON.parse(String(init?.body))).toEqual({ SdkAppId: 1400000001, SeatUserId: 'agent1@example.com' })
    expect(JSON.stringify(init)).not.toContain('panel-secret-key')

    expect(wrapper.get('[data-testid="generator-token"]').text()).toBe('tok-123')
    expect(wrapper.get('[data-testid="generator-sdk-url"]').text()).toBe('https://tccc.qcloud.com/sdk.js?x=1')
    expect(wrapper.find('[data-testid="generator-error"]').exists()).toBe(false)
  })

  it('shows the TCCC error code and message', async () => {
    setFetch(tcccAnswer({ Error: { Code: 'AuthFailure.SecretIdNotFound', Message: 'The SecretId is not found.' } }))
    const wrapper = mount(TokenGeneratorPanel)
    await fillAndSubmit(wrapper)
    expect(wrapper.get('[data-testid="generator-error"]').text()).toBe('TCCC 返回错误：AuthFailure.SecretIdNotFound The SecretId is not found.')
    expect(wrapper.find('[data-testid="generator-result"]').exists()).toBe(false)
  })

  it('refuses incomplete input without calling the API', async () => {
    const fetchMock = tcccAnswer({})
    setFetch(fetchMock)
    const wrapper = mount(TokenGeneratorPanel)
    await fillAndSubmit(wrapper, { id: 'AKID', key: 'k', app: 'abc', seat: 'a' })
    expect(fetchMock.mock.calls).toHaveLength(0)
    expect(wrapper.get('[data-testid="generator-error"]').text()).toBe(generatorMessages.zh.missingFields)
  })

  it('keeps secrets in memory only: nothing reaches uni storage or web storage', async () => {
    setFetch(tcccAnswer({ Token: 't', ExpiredTime: 1, SdkURL: 'u' }))
    const wrapper = mount(TokenGeneratorPanel)
    await fillAndSubmit(wrapper)
    expect(uni.setStorageSync).not.toHaveBeenCalled()
    expect(localStorage.length).toBe(0)
    expect(sessionStorage.length).toBe(0)
    await wrapper.get('[data-testid="generator-clear"]').trigger('click')
    expect((wrapper.get('[data-testid="generator-secret-key"]').element as HTMLInputElement).value).toBe('')
  })
})
