/**
 * The seat status on a platform whose SDK has none (the native App; here the simulator in its
 * 'backend' mode): read and set through the token backend (a fake behind the jest-mock
 * uni.request), never through the SDK.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useAgentStore } from '@/store/agent'
import { useCallStore } from '@/store/call'
import { useSessionStore } from '@/store/session'
import type { Mock } from 'jest-mock'
import { backendSessionStorage } from '@/services/backendSession'
import { AGENT, PASSWORD, callsOf, installFakeBackend, settle, setupCore, type Core, type FakeBackend } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

let core: Core
let backend: FakeBackend

function statusRequests(): Array<{ path: string; bearer: string | null }> {
  return backend.requests.filter((r) => r.path === '/api/agent/status')
}

/**
 * Holds the answers to seat-status requests (GET and PUT: the fake backend answers at request
 * time, as it would) until `release`, to order them against other steps.
 */
function holdSeatAnswers(): { release: (method: 'GET' | 'PUT') => Promise<void> } {
  const request = uni.request as unknown as Mock<(options: UniNamespace.RequestOptions) => unknown>
  const answer = request.getMockImplementation()!
  const held: Array<{ method: string; deliver: () => void }> = []
  request.mockImplementation((options) => {
    if (!options.url.endsWith('/api/agent/status')) return answer(options)
    const method = options.method ?? 'GET'
    return answer({
      ...options,
      success: (result) => held.push({ method, deliver: () => options.success?.(result) }),
      fail: (error) => held.push({ method, deliver: () => options.fail?.(error) }),
    })
  })
  return {
    async release(method) {
      await settle()
      for (const entry of held.filter((h) => h.method === method)) {
        held.splice(held.indexOf(entry), 1)
        entry.deliver()
      }
      await settle()
    },
  }
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

  it('does not read the seat when a call starts or while it is live (busy is shown without asking)', async () => {
    const agent = useAgentStore()
    const call = useCallStore()
    const before = statusRequests().length
    await call.placeCall({ to: '13800138000' })
    await settle()
    core.sim.answerOutbound()
    await settle()
    expect(agent.shownStatus).toBe('busy')
    expect(statusRequests()).toHaveLength(before)
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

  it('a failed first read shows free with no reason, and logs why (never a status of its own)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    // A fresh app (new pinia, no stored session) whose first seat read fails.
    backendSessionStorage.clear()
    core = setupCore({ agentStatusVia: 'backend' })
    backend = installFakeBackend(core.clock)
    backend.failNextStatus(502, { error: { code: 'TCCC_UNAVAILABLE', message: 'down' } })
    await useSessionStore().signIn(AGENT.userId, PASSWORD)
    // The shell creates the seat store once signed in; its first read is the one that fails.
    const agent = useAgentStore()
    await settle()
    expect(statusRequests()).toHaveLength(1)
    expect(agent.status).toBe('offline')
    expect(agent.shownStatus).toBe('free')
    expect(agent.restReason).toBe('')
    expect(agent.error).toBeNull()
    expect(warn).toHaveBeenCalledWith('[agent] seat status not read', expect.stringMatching(/^[A-Z_]+$/))
    warn.mockRestore()
  })

  it('without a backend session a change is refused as expired, and nothing is sent', async () => {
    const agent = useAgentStore()
    backendSessionStorage.clear()
    const before = statusRequests().length
    await expect(agent.setStatus('free')).resolves.toBe(false)
    expect(agent.error?.symbol).toBe('SESSION_EXPIRED')
    expect(agent.error?.detail).toBe('no backend session for the seat status')
    expect(statusRequests()).toHaveLength(before)
    expect(agent.shownStatus).toBe('rest')
  })

  it('drops a read that answers after sign-out', async () => {
    const agent = useAgentStore()
    const seat = holdSeatAnswers()
    const read = agent.refresh()
    await useSessionStore().signOut()
    await seat.release('GET')
    await read
    expect(agent.status).toBe('offline')
  })

  it('drops a read that answers while the agent is changing the status', async () => {
    const agent = useAgentStore()
    const seat = holdSeatAnswers()
    backend.seat = { status: 'free' }
    const read = agent.refresh()
    const change = agent.setStatus('busy')
    await seat.release('GET')
    await read
    // The read from before the change (free) does not flicker the chooser; the change wins.
    expect(agent.shownStatus).toBe('rest')
    await seat.release('PUT')
    await expect(change).resolves.toBe(true)
    expect(agent.shownStatus).toBe('busy')
  })

  it('refresh while signed out neither asks the backend nor logs a failure', async () => {
    const agent = useAgentStore()
    await useSessionStore().signOut()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const before = statusRequests().length
    await agent.refresh()
    expect(statusRequests()).toHaveLength(before)
    expect(warn).not.toHaveBeenCalled()
    warn.mockRestore()
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
