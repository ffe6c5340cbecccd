/**
 * The audio route store over the simulated phone: the agent's choice moves the SDK switch and
 * the system route, is kept per agent, and comes back when a call connects or a headset is
 * plugged in; the speaker button and the chooser stay in step.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useAudioRouteStore } from '@/store/audioRoute'
import { useCallStore } from '@/store/call'
import { useSessionStore } from '@/store/session'
import { agentAudioOutput } from '@/services/audioPreference'
import { AGENT, PASSWORD, callsOf, installFakeBackend, settle, setupCore, type Core } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

let core: Core

async function activeCall(): Promise<ReturnType<typeof useCallStore>> {
  const call = useCallStore()
  await call.placeCall({ to: '13800138000' })
  core.sim.answerOutbound()
  await settle()
  return call
}

async function endCall(): Promise<void> {
  await useCallStore().hangUp()
  await settle()
}

beforeEach(async () => {
  core = setupCore()
  installFakeBackend(core.clock)
  await useSessionStore().signIn(AGENT.userId, PASSWORD)
  await settle()
})

describe('audio routes', () => {
  it('shows what the phone offers and what carries the call', async () => {
    const routes = useAudioRouteStore()
    await activeCall()
    expect(routes.canChoose).toBe(true)
    expect(routes.available).toEqual(['earpiece', 'speaker'])
    expect(routes.current).toBe('earpiece')
    expect(routes.headsetInUse).toBe(false)
  })

  it('a headset plugged during a call carries it and is shown as in use', async () => {
    const routes = useAudioRouteStore()
    await activeCall()
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'bluetooth'])
    await settle()
    expect(routes.available).toEqual(['earpiece', 'speaker', 'bluetooth'])
    expect(routes.current).toBe('bluetooth')
    expect(routes.headsetInUse).toBe(true)
  })

  it("the agent's choice switches the SDK first, then the system route, and is kept for this agent", async () => {
    const routes = useAudioRouteStore()
    const call = await activeCall()
    await expect(routes.choose('speaker')).resolves.toBe(true)
    expect(routes.current).toBe('speaker')
    expect(call.audioRoute).toBe('speakerphone')
    const log = core.sim.log().map((e) => e.method)
    expect(log.lastIndexOf('setAudioRoute')).toBeLessThan(log.lastIndexOf('selectAudioOutput'))
    expect(callsOf(core, 'setAudioRoute').at(-1)).toEqual(['speakerphone'])
    expect(callsOf(core, 'selectAudioOutput').at(-1)).toEqual(['speaker'])
    expect(agentAudioOutput(AGENT.userId).load()).toBe('speaker')
    expect(agentAudioOutput('agent2@example.com').load()).toBeNull()
  })

  it('re-applies the last choice when the next call connects', async () => {
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'wired'])
    agentAudioOutput(AGENT.userId).save('speaker')
    const routes = useAudioRouteStore()
    const call = await activeCall()
    await settle()
    expect(routes.current).toBe('speaker')
    expect(call.audioRoute).toBe('speakerphone')
  })

  it('re-applies the choice when its headset comes back; a vanished headset leaves the phone\'s fallback', async () => {
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'bluetooth'])
    const routes = useAudioRouteStore()
    await activeCall()
    await routes.choose('bluetooth')
    core.sim.setAudioRoutes(['earpiece', 'speaker'])
    await settle()
    expect(routes.current).toBe('earpiece')
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'wired'])
    await settle()
    expect(routes.current).toBe('wired')
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'wired', 'bluetooth'])
    await settle()
    expect(routes.current).toBe('bluetooth')
    expect(agentAudioOutput(AGENT.userId).load()).toBe('bluetooth')
  })

  it('a speaker choice comes back after a headset is plugged in', async () => {
    const routes = useAudioRouteStore()
    await activeCall()
    await routes.choose('speaker')
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'wired'])
    await settle()
    expect(routes.current).toBe('speaker')
  })

  it('the speaker button moves the route too, and back to the headset', async () => {
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'bluetooth'])
    const routes = useAudioRouteStore()
    const call = await activeCall()
    await routes.choose('bluetooth')
    await call.toggleAudioRoute()
    await settle()
    expect(routes.current).toBe('speaker')
    await call.toggleAudioRoute()
    await settle()
    expect(routes.current).toBe('bluetooth')
  })

  it('a refused move keeps the route and shows the catalogue error', async () => {
    const routes = useAudioRouteStore()
    await activeCall()
    core.sim.failNext('selectAudioOutput', -1)
    await expect(routes.choose('speaker')).resolves.toBe(false)
    expect(routes.error).not.toBeNull()
    await settle()
    expect(routes.current).toBe('earpiece')
    expect(useCallStore().audioRoute).toBe('earpiece')
    expect(agentAudioOutput(AGENT.userId).load()).toBeNull()
  })

  it('stops following the routes once the call ended', async () => {
    const routes = useAudioRouteStore()
    await activeCall()
    await endCall()
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'wired'])
    await settle()
    expect(routes.available).toEqual(['earpiece', 'speaker'])
  })
})
