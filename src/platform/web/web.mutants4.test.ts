/**
 * The Web adapter's seat, hold/transfer and housekeeping commands where the SDK lacks them, and
 * the sdkUrl policy's build switches (issue 13: survivors of the platform-adapter Stryker run,
 * docs/mutation/web-4.md).
 */
import { describe, expect, it } from 'vitest'
import { rejection } from '../__tests__/rejection'
import { createWebTcccAdapter } from './adapter'
import { activeOutboundCall, loginParams, makeSdk, page, sdk, sdkCalls, setUpWebAdapter, signedIn, testPolicy, until } from './__tests__/harness'
import { mockSdkAllowed } from './sdkUrl'

setUpWebAdapter()

/** Takes one command away from the loaded fake SDK, as an older Web SDK without it would be. */
function withoutCommand(area: 'Agent' | 'Call', name: string): void {
  const target = page.tccc?.[area] as Record<string, unknown> | undefined
  if (!target) throw new Error('fake Web SDK not loaded')
  target[name] = undefined
}

describe('web adapter commands the SDK lacks (mutation survivors)', () => {
  it('refuses a seat status change without Agent.setStatus, naming it', async () => {
    await signedIn()
    withoutCommand('Agent', 'setStatus')
    const error = await rejection(sdk.setAgentStatus('free'))
    expect(error.symbol).toBe('UNSUPPORTED_ON_PLATFORM')
    expect(error.detail).toBe('Agent.setStatus missing')
  })

  it('sends a rest reason only with "rest", and no empty one', async () => {
    await signedIn()
    await sdk.setAgentStatus('free', 'lunch')
    await sdk.setAgentStatus('rest', '')
    await sdk.setAgentStatus('rest')
    const sent = sdkCalls('Agent.setStatus').map(([options]) => options as Record<string, unknown>)
    expect(sent.map((options) => Object.keys(options))).toEqual([['status'], ['status'], ['status']])
    expect(sent).toEqual([{ status: 'free' }, { status: 'rest' }, { status: 'rest' }])
  })

  it('refuses hold, unhold and transfer without the SDK command, naming the one missing', async () => {
    await signedIn()
    await activeOutboundCall()
    withoutCommand('Call', 'hold')
    withoutCommand('Call', 'unHold')
    withoutCommand('Call', 'transfer')
    const held = await rejection(sdk.hold())
    const unheld = await rejection(sdk.unhold())
    const transferred = await rejection(sdk.transfer({ skillGroupId: '42' }))
    expect([held.symbol, unheld.symbol, transferred.symbol]).toEqual(['UNSUPPORTED_ON_PLATFORM', 'UNSUPPORTED_ON_PLATFORM', 'UNSUPPORTED_ON_PLATFORM'])
    expect([held.detail, unheld.detail, transferred.detail]).toEqual(['Call.hold missing', 'Call.unHold missing', 'Call.transfer missing'])
  })

  it('says why the audio route cannot be set in a browser', async () => {
    const error = await rejection(makeSdk().setAudioRoute('speakerphone'))
    expect(error.symbol).toBe('UNSUPPORTED_ON_PLATFORM')
    expect(error.detail).toBe('the browser picks the audio output')
  })
})

describe('web adapter housekeeping (mutation survivors)', () => {
  it('stops ringing quietly before any ring, with no ringtone player yet', async () => {
    const adapter = createWebTcccAdapter({ sdkUrlPolicy: testPolicy() })
    await expect(adapter.stopRinging()).resolves.toBeUndefined()
    adapter.dispose()
  })

  it('names the Web SDK version only when the loaded SDK gives a non-empty string', () => {
    makeSdk()
    expect(sdk.version()).toBe('TCCC Web SDK')
    for (const [version, shown] of [
      ['2.1.0', 'TCCC Web SDK 2.1.0'],
      ['', 'TCCC Web SDK'],
      [3, 'TCCC Web SDK'],
    ] as const) {
      page.tccc = { version } as unknown as typeof page.tccc
      expect(sdk.version()).toBe(shown)
    }
  })

  it('rejects a login still waiting for the SDK when the adapter is disposed', async () => {
    makeSdk()
    const login = sdk.login(loginParams({ query: 'neverReady=1' }))
    sdk.dispose()
    const error = await rejection(login)
    expect(error.symbol).toBe('UNKNOWN')
    expect(error.detail).toBe('disposed')
    // Let the script finish loading before the test server closes.
    await until(() => page.tccc !== undefined, 'the fake SDK script')
  })
})

describe('sdkUrl build switches (mutation survivors)', () => {
  it('turns the fake SDK off for "off" in any case and with spaces around it', () => {
    expect(mockSdkAllowed(' OFF ')).toBe(false)
    expect(mockSdkAllowed('off')).toBe(false)
    expect(mockSdkAllowed(undefined)).toBe(true)
    expect(mockSdkAllowed('on')).toBe(true)
  })
})
