import { beforeEach, describe, expect, it, vi } from 'vitest'
import { watch } from 'vue'
import { useAgentStore } from '@/store/agent'
import { useCallStore } from '@/store/call'
import { useSessionStore } from '@/store/session'
import { useWrapupStore } from '@/store/wrapup'
import { AGENT, PASSWORD, callsOf, installFakeBackend, settle, setupCore, type Core } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

let core: Core

beforeEach(async () => {
  core = setupCore()
  installFakeBackend(core.clock)
  await useSessionStore().signIn(AGENT.userId, PASSWORD)
  await settle()
})

describe('agent status', () => {
  it('follows the SDK: free after sign-in, busy during a call, free after it, offline once signed out', async () => {
    const agent = useAgentStore()
    expect(agent.shownStatus).toBe('free')
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    expect(agent.shownStatus).toBe('busy')
    await call.hangUp()
    await settle()
    expect(agent.shownStatus).toBe('free')
    await useSessionStore().signOut()
    expect(agent.shownStatus).toBe('offline')
  })

  it('sets rest with its reason through the SDK (logged as setStatus) and shows it', async () => {
    const agent = useAgentStore()
    await expect(agent.setStatus('rest', 'lunch')).resolves.toBe(true)
    expect(callsOf(core, 'setStatus')).toEqual([[{ status: 'rest', restReason: 'lunch' }]])
    expect(agent.shownStatus).toBe('rest')
    expect(agent.restReason).toBe('lunch')
  })

  it('an expired TCCC token (-10002) is renewed silently and the choice sent once more', async () => {
    const agent = useAgentStore()
    core.sim.expireToken()
    await expect(agent.setStatus('rest', 'lunch')).resolves.toBe(true)
    expect(callsOf(core, 'setStatus')).toEqual([[{ status: 'rest', restReason: 'lunch' }], [{ status: 'rest', restReason: 'lunch' }]])
    expect(callsOf(core, 'login')).toHaveLength(2)
    expect(agent.shownStatus).toBe('rest')
    expect(agent.error).toBeNull()
    expect(useSessionStore().status).toBe('signed-in')
  })

  it('a renewal the backend refuses leaves the status and signs out with the reason', async () => {
    const agent = useAgentStore()
    core.sim.expireToken()
    core.sim.failNext('login', -10002)
    await expect(agent.setStatus('rest')).resolves.toBe(false)
    expect(agent.error?.code).toBe(-10002)
    expect(useSessionStore().status).toBe('signed-out')
  })

  it('keeps the status and shows the catalogue error when the SDK refuses', async () => {
    const agent = useAgentStore()
    core.sim.failNext('setStatus', 503)
    await expect(agent.setStatus('arrange')).resolves.toBe(false)
    expect(agent.shownStatus).toBe('free')
    expect(agent.error?.symbol).toBe('ERR_SIP_SERVICE_UNAVAILABLE')
  })

  it('the contact center changing the status reaches the shell', () => {
    core.sim.setAgentStatus('arrange')
    expect(useAgentStore().shownStatus).toBe('arrange')
  })

  it('offers after-call work in the chooser when the SDK holds the seat', () => {
    expect(useAgentStore().settableStatuses).toEqual(['free', 'rest', 'arrange', 'busy'])
  })

  it('sends a reason only with rest', async () => {
    const agent = useAgentStore()
    await expect(agent.setStatus('busy', 'lunch')).resolves.toBe(true)
    expect(callsOf(core, 'setStatus')).toEqual([[{ status: 'busy' }]])
    expect(agent.restReason).toBe('')
  })

  it('a rest the contact center sets without a reason shows no reason', () => {
    const agent = useAgentStore()
    expect(agent.restReason).toBe('')
    core.sim.setAgentStatus('rest')
    expect(agent.shownStatus).toBe('rest')
    expect(agent.restReason).toBe('')
  })

  it('refuses a second choice while the first is on its way; the first goes through', async () => {
    const agent = useAgentStore()
    const first = agent.setStatus('rest', 'lunch')
    expect(agent.changing).toBe(true)
    await expect(agent.setStatus('busy')).resolves.toBe(false)
    await expect(first).resolves.toBe(true)
    expect(agent.changing).toBe(false)
    expect(callsOf(core, 'setStatus')).toEqual([[{ status: 'rest', restReason: 'lunch' }]])
    expect(agent.shownStatus).toBe('rest')
  })
})

describe('hold and transfer', () => {
  async function activeCall(): Promise<ReturnType<typeof useCallStore>> {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    return call
  }

  it('holds and resumes the active call', async () => {
    const call = await activeCall()
    expect(call.canHold).toBe(true)
    await expect(call.toggleHold()).resolves.toBe(true)
    expect(call.held).toBe(true)
    await expect(call.toggleHold()).resolves.toBe(true)
    expect(call.held).toBe(false)
    expect(callsOf(core, 'hold')).toHaveLength(1)
    expect(callsOf(core, 'unhold')).toHaveLength(1)
  })

  it('transfers to a colleague; the SDK ends the call here and history keeps it as answered', async () => {
    const call = await activeCall()
    await expect(call.transferCall({ userId: ' agent2@example.com ' })).resolves.toBe(true)
    await settle()
    expect(callsOf(core, 'transfer')).toEqual([[{ userId: 'agent2@example.com' }]])
    expect(call.state).toBe('ended')
    expect(call.endReason).toBe('local-bye')
    expect(call.transferredTo).toBe('agent2@example.com')
    // The next call starts without it.
    call.close()
    await call.placeCall({ to: '13900139000' })
    expect(call.transferredTo).toBeNull()
  })

  it('refuses an empty target without calling the SDK, and nothing when no call is active', async () => {
    const call = useCallStore()
    await expect(call.toggleHold()).resolves.toBe(false)
    await activeCall()
    await expect(call.transferCall({ skillGroupId: '  ' })).resolves.toBe(false)
    expect(call.error?.symbol).toBe('INVALID_NUMBER')
    expect(callsOf(core, 'transfer')).toEqual([])
  })
})

describe('after-call work (wrap-up setting afterCallWork)', () => {
  async function finishedCall(answered: boolean): Promise<void> {
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    if (answered) core.sim.answerOutbound()
    await call.hangUp()
    await settle()
  }
  const statusCalls = () => callsOf(core, 'setStatus').map(([options]) => (options as { status: string }).status)

  it('holds the seat in arrange while the wrap-up is open and frees it when saved', async () => {
    const agent = useAgentStore()
    const wrapup = useWrapupStore()
    wrapup.applySetting({ connected: 'required', unanswered: 'optional', afterCallWork: true })
    await finishedCall(true)
    expect(wrapup.isOpen).toBe(true)
    expect(agent.shownStatus).toBe('arrange')
    expect(agent.afterCallWork).toBe(true)
    wrapup.choose('interested')
    expect(wrapup.save()).toBe(true)
    await settle()
    expect(agent.shownStatus).toBe('free')
    expect(statusCalls()).toEqual(['arrange', 'free'])
  })

  it('frees the seat when an optional wrap-up is skipped', async () => {
    const agent = useAgentStore()
    const wrapup = useWrapupStore()
    wrapup.applySetting({ connected: 'required', unanswered: 'optional', afterCallWork: true })
    await finishedCall(false)
    expect(agent.shownStatus).toBe('arrange')
    expect(wrapup.skip()).toBe(true)
    await settle()
    expect(agent.shownStatus).toBe('free')
  })

  it('is off by default: the seat goes back to free at the end of the call', async () => {
    const agent = useAgentStore()
    expect(useWrapupStore().setting.afterCallWork).toBe(false)
    await finishedCall(true)
    expect(useWrapupStore().isOpen).toBe(true)
    expect(agent.shownStatus).toBe('free')
    expect(statusCalls()).toEqual([])
  })

  it('leaves a break the agent took during the wrap-up alone', async () => {
    const agent = useAgentStore()
    const wrapup = useWrapupStore()
    wrapup.applySetting({ connected: 'required', unanswered: 'optional', afterCallWork: true })
    await finishedCall(true)
    await agent.setStatus('rest', 'lunch')
    wrapup.choose('deal')
    wrapup.save()
    await settle()
    expect(agent.shownStatus).toBe('rest')
    expect(statusCalls()).toEqual(['arrange', 'rest'])
  })

  it('leaves a break the contact center set during the call alone: no after-call work when the wrap-up opens, and the seat is not freed when it closes', async () => {
    const agent = useAgentStore()
    const wrapup = useWrapupStore()
    wrapup.applySetting({ connected: 'required', unanswered: 'optional', afterCallWork: true })
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    core.sim.setAgentStatus('rest', 'meeting')
    await call.hangUp()
    await settle()
    expect(wrapup.isOpen).toBe(true)
    expect(agent.afterCallWork).toBe(false)
    expect(agent.shownStatus).toBe('rest')
    expect(agent.restReason).toBe('meeting')
    expect(statusCalls()).toEqual([])
    // The agent then chooses after-call work themselves: closing the wrap-up leaves that choice.
    await agent.setStatus('arrange')
    wrapup.choose('interested')
    expect(wrapup.save()).toBe(true)
    await settle()
    expect(agent.shownStatus).toBe('arrange')
    expect(statusCalls()).toEqual(['arrange'])
  })

  it('a wrap-up still open from before a sign-out holds the seat in after-call work once the agent signs in again', async () => {
    const agent = useAgentStore()
    const wrapup = useWrapupStore()
    wrapup.applyRemote([{ kind: 'setting', id: 'wrapup', deleted: false, data: { connected: 'required', unanswered: 'optional', afterCallWork: true } }])
    await finishedCall(true)
    expect(agent.shownStatus).toBe('arrange')
    await useSessionStore().signOut()
    await settle()
    expect(agent.afterCallWork).toBe(false)
    expect(statusCalls()).toEqual(['arrange'])
    // Not before the sign-in is complete: the session says signed-in when the seat is held.
    const sessionWhenHeld: string[] = []
    const stop = watch(
      () => agent.afterCallWork,
      (held) => {
        if (held) sessionWhenHeld.push(useSessionStore().status)
      },
      { flush: 'sync' },
    )
    await useSessionStore().signIn(AGENT.userId, PASSWORD)
    await settle()
    stop()
    expect(sessionWhenHeld).toEqual(['signed-in'])
    expect(wrapup.isOpen).toBe(true)
    expect(agent.afterCallWork).toBe(true)
    expect(agent.shownStatus).toBe('arrange')
    expect(statusCalls()).toEqual(['arrange', 'arrange'])
    wrapup.choose('interested')
    expect(wrapup.save()).toBe(true)
    await settle()
    expect(agent.shownStatus).toBe('free')
    expect(statusCalls()).toEqual(['arrange', 'arrange', 'free'])
  })
})
