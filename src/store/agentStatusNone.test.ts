/**
 * The seat status on a platform whose SDK has none and whose backend cannot set it either (no
 * shipped platform today: the simulator in its 'backend' mode with that capability taken away).
 * The shell must still show what sign-in and the call say, and refuse a change with a message.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useAgentStore } from '@/store/agent'
import { useCallStore } from '@/store/call'
import { useSessionStore } from '@/store/session'
import { useWrapupStore } from '@/store/wrapup'
import { AGENT, PASSWORD, callsOf, installFakeBackend, settle, setupCore, type Core } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

let core: Core

beforeEach(async () => {
  core = setupCore({ agentStatusVia: 'backend' })
  core.sdk.capabilities.agentStatusViaBackend = false
  installFakeBackend(core.clock)
  await useSessionStore().signIn(AGENT.userId, PASSWORD)
  await settle()
})

describe('seat status on a platform with neither', () => {
  it('cannot set the status: refused with the catalogue error, nothing sent', async () => {
    const agent = useAgentStore()
    expect(agent.canSetStatus).toBe(false)
    await expect(agent.setStatus('rest', 'lunch')).resolves.toBe(false)
    expect(agent.error?.symbol).toBe('UNSUPPORTED_ON_PLATFORM')
    expect(agent.error?.detail).toBe('agent status')
    expect(agent.changing).toBe(false)
    expect(callsOf(core, 'setStatus')).toEqual([])
    expect(agent.shownStatus).toBe('free')
  })

  it('shows free when signed in, busy in a call, arrange during after-call work, then free', async () => {
    const agent = useAgentStore()
    const wrapup = useWrapupStore()
    wrapup.applySetting({ connected: 'required', unanswered: 'optional', afterCallWork: true })
    expect(agent.shownStatus).toBe('free')
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    expect(agent.shownStatus).toBe('busy')
    await call.hangUp()
    await settle()
    expect(agent.shownStatus).toBe('arrange')
    wrapup.choose('interested')
    wrapup.save()
    await settle()
    expect(agent.shownStatus).toBe('free')
    expect(callsOf(core, 'setStatus')).toEqual([])
  })

  it('after-call work on a platform that cannot set the seat is only shown: no attempt to set it, no error', async () => {
    const agent = useAgentStore()
    const wrapup = useWrapupStore()
    wrapup.applySetting({ connected: 'required', unanswered: 'optional', afterCallWork: true })
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    await call.hangUp()
    await settle()
    expect(agent.shownStatus).toBe('arrange')
    expect(agent.error).toBeNull()
    expect(agent.changing).toBe(false)
  })

  it('a status word reaching the store on a platform with neither is not shown: sign-in and the call decide', () => {
    const agent = useAgentStore()
    agent.applyStatus('rest', 'lunch')
    expect(agent.shownStatus).toBe('free')
  })
})
