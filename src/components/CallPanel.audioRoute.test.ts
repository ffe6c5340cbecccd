import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { setLocale } from '@/i18n'
import type { AudioOutput } from '@/platform/types'
import { TcccError } from '@/platform/errors'
import CallControl from './CallControl.vue'
import CallPanel from './CallPanel.vue'
import type { CallView } from './callView'

function activeCall(): CallView {
  return {
    state: 'active',
    direction: 'out',
    peer: '13800138000',
    remark: '',
    answeredAt: Date.now() - 5_000,
    endedAt: null,
    muted: false,
    audioRoute: 'earpiece',
    dtmfSent: '',
    quality: 2,
    endReason: null,
    error: null,
    busy: false,
  }
}

function mountPanel(audioOutputs: AudioOutput[] | undefined, audioOutput: AudioOutput | null) {
  return mount(CallPanel, { props: { call: activeCall(), audioRouteSupported: true, canOpenSettings: true, audioOutputs, audioOutput } })
}
const byId = (id: string) => `[data-testid="${id}"]`

describe('the audio route chooser on the call screen', () => {
  beforeEach(() => setLocale('en'))
  afterEach(() => setLocale('zh'))

  it('is absent where the platform has no routes (browser)', () => {
    expect(mountPanel(undefined, null).find(byId('call-audio-route')).exists()).toBe(false)
    expect(mountPanel([], null).find(byId('call-audio-route')).exists()).toBe(false)
  })

  it('shows the route in use; a headset carrying the call is said in words', () => {
    const panel = mountPanel(['earpiece', 'speaker', 'bluetooth'], 'bluetooth')
    const button = panel.find(byId('call-audio-route'))
    expect(button.attributes('data-route')).toBe('bluetooth')
    expect(button.attributes('data-headset')).toBe('true')
    expect(button.attributes('data-routes')).toBe('earpiece,speaker,bluetooth')
    expect(panel.text()).toContain('Bluetooth headset')
    expect(panel.find(byId('call-headset')).text()).toBe('Call audio: Bluetooth headset')
    setLocale('zh')
    const zh = mountPanel(['speaker', 'wired'], 'wired')
    expect(zh.find(byId('call-headset')).text()).toBe('通话声音：有线耳机')
  })

  it('no headset note on the earpiece', () => {
    const panel = mountPanel(['earpiece', 'speaker'], 'earpiece')
    expect(panel.find(byId('call-audio-route')).attributes('data-headset')).toBe('false')
    expect(panel.find(byId('call-headset')).exists()).toBe(false)
    // Not a second "Earpiece" button beside the speaker toggle: it names what it opens.
    expect(panel.find(byId('call-audio-route')).attributes('aria-label')).toBe('Audio output')
    expect(panel.find(byId('call-speaker')).attributes('aria-label')).toBe('Earpiece')
  })

  it("gives the chooser an icon of its own, never the speaker toggle's: the headset in use, else the chooser's", () => {
    const icons = (outputs: AudioOutput[], now: AudioOutput) =>
      Object.fromEntries(mountPanel(outputs, now).findAllComponents(CallControl).map((c) => [c.find('button').attributes('data-testid'), c.props('icon')]))
    expect(icons(['earpiece', 'speaker'], 'earpiece')).toMatchObject({ 'call-speaker': 'earpiece', 'call-audio-route': 'audio-output' })
    expect(icons(['earpiece', 'speaker'], 'speaker')).toMatchObject({ 'call-audio-route': 'audio-output' })
    expect(icons(['speaker', 'bluetooth'], 'bluetooth')).toMatchObject({ 'call-audio-route': 'bluetooth' })
    expect(icons(['speaker', 'wired'], 'wired')).toMatchObject({ 'call-audio-route': 'headphones' })
  })

  it('lists every route the phone offers and emits the one chosen', async () => {
    const panel = mountPanel(['earpiece', 'speaker', 'wired', 'bluetooth'].filter((r) => r !== 'earpiece') as AudioOutput[], 'wired')
    await panel.find(byId('call-audio-route')).trigger('click')
    const options = panel.findAll(byId('call-audio-route-option'))
    expect(options.map((o) => [o.attributes('data-route'), o.attributes('data-selected'), o.text()])).toEqual([
      ['speaker', 'false', 'Speaker'],
      ['wired', 'true', 'Wired headset'],
      ['bluetooth', 'false', 'Bluetooth headset'],
    ])
    await options[2].trigger('click')
    expect(panel.emitted('chooseAudioOutput')).toEqual([['bluetooth']])
    expect(panel.find(byId('call-audio-route-menu')).exists()).toBe(false)
  })

  it('shows why a route change failed, in the catalogue words', () => {
    const panel = mount(CallPanel, {
      props: { call: activeCall(), audioRouteSupported: true, canOpenSettings: true, audioOutputs: ['earpiece', 'speaker'], audioOutput: 'earpiece', audioRouteError: new TcccError('UNSUPPORTED_ON_PLATFORM', 'bluetooth') },
    })
    expect(panel.find(byId('call-audio-route-error')).text()).toBe('This is not supported on this platform.')
  })

  it('choosing the route already in use emits nothing', async () => {
    const panel = mountPanel(['earpiece', 'speaker'], 'earpiece')
    await panel.find(byId('call-audio-route')).trigger('click')
    await panel.findAll(byId('call-audio-route-option'))[0].trigger('click')
    expect(panel.emitted('chooseAudioOutput')).toBeUndefined()
  })
})
