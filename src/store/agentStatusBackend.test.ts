/**
 * The seat status on a platform whose SDK has none (the native App; here the simulator in its
 * 'backend' mode): read and set through the token backend (a fake behind the jest-mock
 * uni.request), never through the SDK.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useAgentStore } from '@/store/agent'
import { useCallStore } from '@/store/call'
import { useSessionStore } from '@/store/session'
import { AGENT, PASSWORD, callsOf, installFakeBackend, settle, setupCore, type Core, type FakeBackend } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

vi.mock('@/platform/device', () => ({
  ensureMicrophonePermission: () => Promise.resolve('granted'),
  openMicrophoneSettings: () => undefined,
  keepScreenOn: () => undefined,
}))

let core: Core
let backend: FakeBackend

function statusRequests(): Array<{ path: string; bearer: string | null }> {
  return backend.requests.filter((r) => r.path === '/api/agent/status')
}

beforeEach(async () => {
  core = setupCore({ agentStatusVia: 'backend' })
  backend = installFakeBackend(core.clock)
  backend.seat = { status: 'rest', restReason: 'training' }
  useAgentStore()
  await useSessionStore().signIn(AGENT.userId, PASSWORD)
  await settle()
})

describe('seat status through the backend', () => {
  it('the platform declares it: no SDK seat status, the backend instead', () => {
    expect(core.sdk.capabilities.agentStatus).toBe(false)
    expect(core.sdk.capabilities.agentStatusViaBackend).toBe(true)
    const agent = useAgentStore()
    expect(agent.canSetStatus).toBe(true)
    expect(agent.settableStatuses).toEqual(['free', 'rest', 'busy'])
  })

  it('reads the seat from the backend at sign-in, with the access token', () => {
    const agent = useAgentStore()
    expect(agent.shownStatus).toBe('rest')
    expect(agent.restReason).toBe('training')
    const reads = statusRequests()
    expect(reads).toHaveLength(1)
    expect(reads[0].bearer).toBe(backend.issuedAccessTokens.at(-1))
  })

  it('sets rest with its reason through PUT, never through the SDK', async () => {
    const agent = useAgentStore()
    await expect(agent.setStatus('rest', 'lunch')).resolves.toBe(true)
    expect(backend.statusPuts).toEqual([{ status: 'rest', restReason: 'lunch' }])
    expect(callsOf(core, 'setStatus')).toEqual([])
    expect(agent.shownStatus).toBe('rest')
    expect(agent.restReason).toBe('lunch')
    await expect(agent.setStatus('busy')).resolves.toBe(true)
    expect(backend.statusPuts.at(-1)).toEqual({ status: 'busy' })
    expect(agent.shownStatus).toBe('busy')
    expect(agent.restReason).toBe('')
  })

  it('after-call work is not sent (SetStaffStatus cannot set it) but shown; free afterwards is sent', async () => {
    const agent = useAgentStore()
    await expect(agent.setStatus('arrange')).resolves.toBe(true)
    expect(backend.statusPuts).toEqual([])
    expect(agent.shownStatus).toBe('arrange')
    await agent.setStatus('free')
    expect(backend.statusPuts).toEqual([{ status: 'free' }])
    expect(agent.shownStatus).toBe('free')
  })

  it('a refusal keeps the status and shows the catalogue error for the seat', async () => {
    const agent = useAgentStore()
    backend.failNextStatus(502, { error: { code: 'TCCC_REFUSED', message: 'seat in a call', tcccCode: 'FailedOperation' } })
    await expect(agent.setStatus('free')).resolves.toBe(false)
    expect(agent.shownStatus).toBe('rest')
    expect(agent.error?.symbol).toBe('SEAT_STATUS_REFUSED')
    expect(agent.error?.detail).toContain('FailedOperation')
  })

  it('a malformed answer is an error, never a status', async () => {
    const agent = useAgentStore()
    backend.failNextStatus(200, { status: 'sleeping' })
    await expect(agent.setStatus('free')).resolves.toBe(false)
    expect(agent.error?.symbol).toBe('MALFORMED_RESPONSE')
    expect(agent.shownStatus).toBe('rest')
  })

  it('busy during a call, then read again from the backend when it ends', async () => {
    const agent = useAgentStore()
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    expect(agent.shownStatus).toBe('busy')
    const before = statusRequests().length
    backend.seat = { status: 'arrange' }
    await call.hangUp()
    await settle()
    expect(statusRequests().length).toBe(before + 1)
    expect(agent.shownStatus).toBe('arrange')
  })

  it('refresh follows a change the contact center made; a failed read keeps the last word', async () => {
    const agent = useAgentStore()
    backend.seat = { status: 'free' }
    await agent.refresh()
    expect(agent.shownStatus).toBe('free')
    backend.setReachable(false)
    await agent.refresh()
    expect(agent.shownStatus).toBe('free')
    expect(agent.error).toBeNull()
  })

  it('offline once signed out, and no further backend reads', async () => {
    const agent = useAgentStore()
    await useSessionStore().signOut()
    expect(agent.shownStatus).toBe('offline')
    const before = statusRequests().length
    await agent.refresh()
    expect(statusRequests().length).toBe(before)
  })
})
