/**
 * The audio route store over the simulated phone: the agent's choice moves the SDK switch and
 * the system route, is kept per agent, and comes back when a call connects or a headset is
 * plugged in; the speaker button and the chooser stay in step.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useAudioRouteStore } from '@/store/audioRoute'
import { useCallStore } from '@/store/call'
import { useSessionStore } from '@/store/session'
import { useSettingsStore } from '@/store/settings'
import { agentAudioOutput } from '@/services/audioPreference'
import type { AudioRouter } from '@/platform/types'
import { AGENT, PASSWORD, callsOf, installFakeBackend, loginSdk, settle, setupCore, type Core } from './__tests__/harness'

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

/** The simulated phone's own audio routes (what the system does without the app). */
function phoneRouter(): AudioRouter {
  const router = core.sdk.audioRouter
  if (!router) throw new Error('the simulated phone has no audio router')
  return router
}

/** The phone's route moves wait until the returned function is called (a slow system switch). */
function holdRouteMoves(): () => void {
  const router = phoneRouter()
  const select = router.select.bind(router)
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  vi.spyOn(router, 'select').mockImplementation(async (output) => {
    await gate
    await select(output)
  })
  return () => release()
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

describe('audio routes before a call', () => {
  it('lists no route until the phone has been asked', () => {
    const routes = useAudioRouteStore()
    expect(routes.available).toEqual([])
    expect(routes.current).toBeNull()
    expect(routes.canChoose).toBe(true)
  })

  it('a choice before a call moves the route and shows what the phone offers', async () => {
    const routes = useAudioRouteStore()
    await expect(routes.choose('speaker')).resolves.toBe(true)
    expect(routes.current).toBe('speaker')
    expect(routes.available).toEqual(['earpiece', 'speaker'])
  })

  it('a saved choice waits until the call connects', async () => {
    agentAudioOutput(AGENT.userId).save('speaker')
    const routes = useAudioRouteStore()
    await settle()
    await useCallStore().placeCall({ to: '13800138000' })
    await settle()
    expect(callsOf(core, 'selectAudioOutput')).toEqual([])
    core.sim.answerOutbound()
    await settle()
    await settle()
    expect(callsOf(core, 'selectAudioOutput')).toEqual([['speaker']])
    expect(routes.current).toBe('speaker')
  })

  it("the speaker button before a call sets the SDK's default only, not the phone's route", async () => {
    const routes = useAudioRouteStore()
    await useCallStore().toggleAudioRoute()
    await settle()
    expect(useCallStore().audioRoute).toBe('speakerphone')
    expect(callsOf(core, 'selectAudioOutput')).toEqual([])
    expect(routes.current).toBeNull()
  })

  it('the choice becomes the speaker/earpiece default for the next call even when the SDK switch was already there', async () => {
    const routes = useAudioRouteStore()
    const settings = useSettingsStore()
    settings.setAudioRoute('speakerphone')
    await routes.choose('earpiece')
    expect(settings.audioRoute).toBe('earpiece')
    await useCallStore().setAudioRoute('speakerphone')
    settings.setAudioRoute('earpiece')
    await routes.choose('speaker')
    expect(settings.audioRoute).toBe('speakerphone')
  })
})

describe('audio routes on a phone without route control', () => {
  it('offers no chooser, refuses a choice without an error and lets the call go on', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    core.sdk.capabilities.audioRoute = false
    const routes = useAudioRouteStore()
    expect(routes.canChoose).toBe(false)
    await expect(routes.choose('speaker')).resolves.toBe(false)
    expect(routes.error).toBeNull()
    const call = await activeCall()
    expect(call.state).toBe('active')
    await settle()
    expect(routes.available).toEqual([])
    expect(callsOf(core, 'selectAudioOutput')).toEqual([])
    expect(warn).not.toHaveBeenCalled()
  })
})

describe("the agent's choice during a call", () => {
  it('a wired headset carrying the call is shown as a headset in use', async () => {
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'wired'])
    const routes = useAudioRouteStore()
    await activeCall()
    expect(routes.current).toBe('wired')
    expect(routes.headsetInUse).toBe(true)
  })

  it('choosing a headset after the speaker puts the SDK back on the earpiece', async () => {
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'wired'])
    const routes = useAudioRouteStore()
    const call = await activeCall()
    await routes.choose('speaker')
    await expect(routes.choose('wired')).resolves.toBe(true)
    expect(callsOf(core, 'setAudioRoute').at(-1)).toEqual(['earpiece'])
    expect(call.audioRoute).toBe('earpiece')
    expect(routes.current).toBe('wired')
  })

  it("moving between routes behind the SDK's earpiece switch leaves the SDK alone", async () => {
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'bluetooth'])
    const routes = useAudioRouteStore()
    await activeCall()
    const sdkCalls = callsOf(core, 'setAudioRoute').length
    await expect(routes.choose('earpiece')).resolves.toBe(true)
    expect(callsOf(core, 'setAudioRoute')).toHaveLength(sdkCalls)
    expect(callsOf(core, 'selectAudioOutput').at(-1)).toEqual(['earpiece'])
  })

  it('a refused headset move leaves the SDK switch untouched', async () => {
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'bluetooth'])
    const routes = useAudioRouteStore()
    await activeCall()
    const sdkCalls = callsOf(core, 'setAudioRoute').length
    core.sim.failNext('selectAudioOutput', -1)
    await expect(routes.choose('earpiece')).resolves.toBe(false)
    expect(callsOf(core, 'setAudioRoute')).toHaveLength(sdkCalls)
    expect(routes.current).toBe('bluetooth')
  })

  it('a second choice while the first is still moving is refused', async () => {
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'bluetooth'])
    const routes = useAudioRouteStore()
    await activeCall()
    const release = holdRouteMoves()
    const first = routes.choose('speaker')
    await expect(routes.choose('earpiece')).resolves.toBe(false)
    expect(routes.changing).toBe(true)
    release()
    await expect(first).resolves.toBe(true)
    expect(callsOf(core, 'selectAudioOutput')).toEqual([['speaker']])
    expect(routes.current).toBe('speaker')
  })

  it('applying the saved choice while a choice is moving changes nothing', async () => {
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'wired'])
    agentAudioOutput(AGENT.userId).save('earpiece')
    const routes = useAudioRouteStore()
    const release = holdRouteMoves()
    const chosen = routes.choose('speaker')
    const applied = routes.applyPreference()
    release()
    await applied
    await expect(chosen).resolves.toBe(true)
    await settle()
    expect(callsOf(core, 'selectAudioOutput')).toEqual([['speaker']])
    expect(routes.current).toBe('speaker')
  })
})

describe('audio routes without a signed-in agent', () => {
  beforeEach(async () => {
    await useSessionStore().signOut()
    await settle()
  })

  it('a choice still moves the route and is kept for nobody', async () => {
    const routes = useAudioRouteStore()
    await expect(routes.choose('speaker')).resolves.toBe(true)
    expect(routes.error).toBeNull()
    expect(routes.current).toBe('speaker')
    expect(agentAudioOutput(AGENT.userId).load()).toBeNull()
  })

  it("applying the saved choice leaves the phone's route quietly", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const routes = useAudioRouteStore()
    await routes.applyPreference()
    expect(warn).not.toHaveBeenCalled()
    expect(routes.current).toBe('earpiece')
    expect(callsOf(core, 'selectAudioOutput')).toEqual([])
  })

  it('the speaker button during a call still moves the route', async () => {
    await loginSdk(core)
    const routes = useAudioRouteStore()
    const call = await activeCall()
    await call.toggleAudioRoute()
    await settle()
    expect(routes.current).toBe('speaker')
    expect(routes.error).toBeNull()
  })
})

describe('audio routes when a call connects', () => {
  it('with no saved choice the call stays where the phone put it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const routes = useAudioRouteStore()
    await activeCall()
    await settle()
    expect(callsOf(core, 'selectAudioOutput')).toEqual([])
    expect(warn).not.toHaveBeenCalled()
    expect(routes.current).toBe('earpiece')
  })

  it('a saved choice the phone already uses is not selected again', async () => {
    agentAudioOutput(AGENT.userId).save('earpiece')
    const routes = useAudioRouteStore()
    await activeCall()
    await settle()
    expect(callsOf(core, 'selectAudioOutput')).toEqual([])
    expect(routes.current).toBe('earpiece')
  })

  it('a refused saved choice is logged and the SDK switch goes back', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    agentAudioOutput(AGENT.userId).save('speaker')
    const routes = useAudioRouteStore()
    core.sim.failNext('selectAudioOutput', -1)
    const call = await activeCall()
    await settle()
    expect(warn).toHaveBeenCalledWith('[audio-route] could not apply the preferred route', expect.any(String))
    expect(routes.current).toBe('earpiece')
    expect(call.audioRoute).toBe('earpiece')
  })

  it('the chooser is busy while the saved choice is being applied', async () => {
    agentAudioOutput(AGENT.userId).save('speaker')
    const routes = useAudioRouteStore()
    const release = holdRouteMoves()
    await activeCall()
    expect(routes.changing).toBe(true)
    const second = routes.choose('earpiece')
    release()
    await expect(second).resolves.toBe(false)
    await settle()
    expect(routes.current).toBe('speaker')
    expect(routes.changing).toBe(false)
  })

  it('a store first used during a call follows that call at once', async () => {
    await activeCall()
    const routes = useAudioRouteStore()
    expect(routes.available).toEqual(['earpiece', 'speaker'])
    core.sim.setAudioRoutes(['earpiece', 'speaker', 'wired'])
    await settle()
    expect(routes.current).toBe('wired')
  })
})

describe('audio routes while a call is live', () => {
  it('the phone moving the call to a route it already offered is left there', async () => {
    agentAudioOutput(AGENT.userId).save('speaker')
    const routes = useAudioRouteStore()
    await activeCall()
    await settle()
    expect(routes.current).toBe('speaker')
    await phoneRouter().select('earpiece')
    await settle()
    expect(routes.current).toBe('earpiece')
    expect(callsOf(core, 'selectAudioOutput')).toEqual([['speaker'], ['earpiece']])
  })

  it('the speaker button leaves the route alone when the phone already uses the speaker', async () => {
    const routes = useAudioRouteStore()
    const call = await activeCall()
    await phoneRouter().select('speaker')
    await settle()
    await call.toggleAudioRoute()
    await settle()
    expect(call.audioRoute).toBe('speakerphone')
    expect(callsOf(core, 'selectAudioOutput')).toEqual([['speaker']])
    expect(routes.current).toBe('speaker')
    expect(agentAudioOutput(AGENT.userId).load()).toBeNull()
  })

  it('with only a speaker, the speaker button off asks the phone for the earpiece and shows the refusal', async () => {
    core.sim.setAudioRoutes(['speaker'])
    const routes = useAudioRouteStore()
    const call = await activeCall()
    await call.toggleAudioRoute()
    await settle()
    expect(routes.error).toBeNull()
    await call.toggleAudioRoute()
    await settle()
    expect(callsOf(core, 'selectAudioOutput').at(-1)).toEqual(['earpiece'])
    expect(routes.error).not.toBeNull()
    expect(routes.current).toBe('speaker')
  })

  it('the chooser is busy while the speaker button moves the route', async () => {
    const routes = useAudioRouteStore()
    const call = await activeCall()
    const release = holdRouteMoves()
    await call.toggleAudioRoute()
    await settle()
    expect(routes.changing).toBe(true)
    const chosen = routes.choose('earpiece')
    release()
    await expect(chosen).resolves.toBe(false)
    await settle()
    expect(routes.current).toBe('speaker')
    expect(routes.changing).toBe(false)
  })
})
