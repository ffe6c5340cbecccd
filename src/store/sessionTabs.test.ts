/**
 * Two browser tabs share one storage, so one stored backend session: after another tab signed in
 * as someone else, this tab's agent must not work with that session's token (their changes would
 * land in the other agent's workspace), nor end it (sign-out, kick), nor register with it over
 * this agent's open cache (offline). `sessionBelongsTo` decides; the session store asks it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { sessionBelongsTo } from '@/services/backendSession'
import { useAgentStore } from '@/store/agent'
import { useNumbersStore } from '@/store/numbers'
import { useSettingsStore } from '@/store/settings'
import { useSyncStore } from '@/store/sync'
import { backendSessionStorage, RESTORE_RETRY_MS, useSessionStore } from '@/store/session'
import { AGENT, PASSWORD, callsOf, closeSyncAndRestore, coreWithWorkspace, installFakeBackend, settle, setupCore, type Core, type FakeBackend } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

let core: Core
let backend: FakeBackend

beforeEach(() => {
  ;({ core, backend } = coreWithWorkspace())
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})

afterEach(closeSyncAndRestore)

const OTHER_TOKEN = 'acc-other-tab'

/** Another tab of this browser signs in: as another agent, or as this seat's next holder. */
function anotherTabSignsIn(who: { userId: string; workspaceId: string }): void {
  backendSessionStorage.save({ accessToken: OTHER_TOKEN, expiresAt: Date.now() + 3_600_000, userId: who.userId, sdkAppId: AGENT.sdkAppId, workspaceId: who.workspaceId })
}

const usedOtherToken = () => backend.requests.filter((r) => r.bearer === OTHER_TOKEN).map((r) => r.path)
/** The token this tab signed in with went to the backend's sign-out. */
const revokedOwnToken = () => backend.requests.some((r) => r.path === '/api/auth/logout' && r.bearer === backend.issuedAccessTokens[0])

describe('sessionBelongsTo', () => {
  const stored = { accessToken: 't', expiresAt: 1, userId: 'Agent1@Example.com', workspaceId: 'ws-1' }
  it('matches the agent (seats without case) and the workspace; a session stored before it named them is believed', () => {
    expect(sessionBelongsTo(stored, { userId: 'agent1@example.com', workspaceId: 'ws-1' })).toBe(true)
    expect(sessionBelongsTo(stored, { userId: 'agent1@example.com' })).toBe(true)
    expect(sessionBelongsTo(stored, { userId: 'agent2@example.com', workspaceId: 'ws-1' })).toBe(false)
    expect(sessionBelongsTo(stored, { userId: 'agent1@example.com', workspaceId: 'ws-2' })).toBe(false)
    expect(sessionBelongsTo({ accessToken: 't', expiresAt: 1 }, { userId: 'anyone', workspaceId: 'ws-9' })).toBe(true)
  })
})

describe('another tab signed in as someone else', () => {
  it("this tab's changes never go out with the other agent's token: it signs out, the changes kept for its agent, the other session untouched", async () => {
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    anotherTabSignsIn({ userId: 'agent2@example.com', workspaceId: 'ws-2' })
    expect(session.backendAccessToken()).toBeNull()
    useNumbersStore().add('13800138000', 'Ms Wang')
    await useSyncStore().drain()
    await settle()
    expect(usedOtherToken()).toEqual([])
    expect(backend.workspace.live('number')).toHaveLength(0)
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('session-expired')
    expect(backendSessionStorage.load()?.accessToken).toBe(OTHER_TOKEN)
    // The change waits in this agent's own outbox for their next sign-in.
    const again = useSyncStore()
    again.open(AGENT.userId, () => null, () => '')
    expect(again.pending).toBe(1)
  })

  it("signing out here leaves the other tab's session alone (neither cleared nor revoked)", async () => {
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    anotherTabSignsIn({ userId: 'agent2@example.com', workspaceId: 'ws-2' })
    await session.signOut()
    expect(session.status).toBe('signed-out')
    expect(backendSessionStorage.load()?.accessToken).toBe(OTHER_TOKEN)
    expect(usedOtherToken()).toEqual([])
    // This agent's own token, no longer stored, is still revoked.
    expect(revokedOwnToken()).toBe(true)
  })

  it('never sends this agent\'s token to a backend other than the one that issued it', async () => {
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    // The address changed here (the settings forget the stored session), then another tab signed in.
    expect(useSettingsStore().setBackendUrl('https://other.example.com')).toBe(true)
    anotherTabSignsIn({ userId: 'agent2@example.com', workspaceId: 'ws-2' })
    const before = backend.requests.length
    await session.signOut()
    expect(backend.requests.slice(before).filter((r) => r.bearer === backend.issuedAccessTokens[0])).toEqual([])
    expect(backendSessionStorage.load()?.accessToken).toBe(OTHER_TOKEN)
  })

  it("a kick here ends this agent's session only", async () => {
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    anotherTabSignsIn({ userId: 'agent2@example.com', workspaceId: 'ws-2' })
    session.onKicked()
    await settle()
    expect(session.signOutReason).toBe('kicked')
    expect(backendSessionStorage.load()?.accessToken).toBe(OTHER_TOKEN)
    expect(usedOtherToken()).toEqual([])
    expect(revokedOwnToken()).toBe(true)
  })

  it('the seat status (through the backend) is never set with the other agent\'s token', async () => {
    core = setupCore({ agentStatusVia: 'backend' })
    backend = installFakeBackend(core.clock)
    backend.workspaceId = 'ws-1'
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    anotherTabSignsIn({ userId: 'agent2@example.com', workspaceId: 'ws-2' })
    await useAgentStore()
      .setStatus('rest', 'lunch')
      .catch(() => undefined)
    await settle()
    expect(usedOtherToken()).toEqual([])
    expect(backend.statusPuts).toEqual([])
  })

  it("offline from the cache, a retry never registers with the seat's next holder's session over this agent's cache", async () => {
    const session = useSessionStore()
    await expect(session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    useNumbersStore().add('13800138000', 'Ms Wang')
    await expect(useSyncStore().drain()).resolves.toBe(true)
    setActivePinia(createPinia())
    backend.setReachable(false)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const restarted = useSessionStore()
    await restarted.restore()
    expect(restarted.status).toBe('offline')
    const loginsBefore = callsOf(core, 'login').length
    // The seat went to someone else, who signed in in another tab; the network is back.
    anotherTabSignsIn({ userId: AGENT.userId, workspaceId: 'ws-2' })
    backend.setReachable(true)
    await vi.advanceTimersByTimeAsync(RESTORE_RETRY_MS[0])
    await settle()
    expect(restarted.status).toBe('signed-out')
    expect(restarted.signOutReason).toBe('session-expired')
    expect(callsOf(core, 'login')).toHaveLength(loginsBefore)
    expect(usedOtherToken()).toEqual([])
    expect(backendSessionStorage.load()?.accessToken).toBe(OTHER_TOKEN)
  })
})
