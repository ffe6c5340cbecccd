/**
 * Two tabs of one browser signed in as the SAME agent: one TCCC registration between them (TCCC
 * keeps one per seat, the later login kicks the earlier). The second tab stands by (`elsewhere`)
 * with "use here"; "use here" moves the registration, never during a call; nothing is signed out
 * or revoked on the way. Each tab is a session store in its own pinia over a fake tab bus; both
 * share this process's storage (one browser) and its one simulated TCCC.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createFakeTabBus, type FakeTabBus } from '@/platform/__tests__/fakeTabLinks'
import type { TabLink } from '@/platform/tabLink'
import { createTabRegistration, useTabRegistration } from '@/services/tabRegistration'
import { agentKeyOf, storedValue } from '@/services/storage'
import { backendSessionStorage, useSessionStore } from '@/store/session'
import { AGENT, PASSWORD, callsOf, closeSyncAndRestore, coreWithWorkspace, type Core, type FakeBackend } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

/** The shared record of which tab holds the seat (as `tabRegistration.ts` keeps it). */
const holderRecord = storedValue<{ seat: string; tabId: string } | null>('tabs.holder', { version: 1, fallback: () => null })

let core: Core
let backend: FakeBackend
let bus: FakeTabBus

beforeEach(() => {
  ;({ core, backend } = coreWithWorkspace())
  bus = createFakeTabBus()
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})

afterEach(() => {
  useTabRegistration(undefined)
  closeSyncAndRestore()
})

/** A tab (or the same tab after a reload, given its link's id): its own pinia and session store. */
function openTab(tabId: string): { session: ReturnType<typeof useSessionStore>; link: TabLink } {
  const link = bus.link(tabId)
  useTabRegistration(createTabRegistration(link, { answerMs: 60, releaseMs: 2_000 }))
  setActivePinia(createPinia())
  const session = useSessionStore()
  return { session, link }
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (check()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`never: ${what}`)
}

const logins = () => callsOf(core, 'login').length
const logouts = () => callsOf(core, 'logout').length
const revoked = () => backend.requests.filter((r) => r.path === '/api/auth/logout')

/** Tab A signs in; tab B opens afterwards in the same browser (its start restores the session). */
async function twoTabs() {
  const a = openTab('tab-a')
  await expect(a.session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
  const b = openTab('tab-b')
  await expect(b.session.restore()).resolves.toBe(false)
  return { a, b }
}

describe('a second tab of the same agent', () => {
  it('does not register on its own: it stands by (elsewhere), the first tab keeps its registration', async () => {
    const { a, b } = await twoTabs()
    expect(a.session.status).toBe('signed-in')
    expect(b.session.status).toBe('elsewhere')
    expect(b.session.elsewhereAgent).toBe(AGENT.userId)
    expect(b.session.agent).toBeNull()
    expect(b.session.holderLeft).toBe(false)
    expect(logins()).toBe(1)
    expect(logouts()).toBe(0)
    // Nothing signed out, nothing revoked: the stored session is still the agent's.
    expect(backendSessionStorage.load()?.accessToken).toBe(backend.issuedAccessTokens[0])
    expect(revoked()).toEqual([])
  })

  it('a sign-in with the password in the second tab stands by too (the other tab keeps the registration)', async () => {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    const b = openTab('tab-b')
    b.session.$patch({ status: 'signed-out' })
    await expect(b.session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(false)
    expect(b.session.status).toBe('elsewhere')
    expect(a.session.status).toBe('signed-in')
    expect(logins()).toBe(1)
    expect(revoked()).toEqual([])
  })
})

describe('"use here"', () => {
  it('moves the registration: the first tab logs out of TCCC and stands by, the second registers; and back again', async () => {
    const { a, b } = await twoTabs()
    await expect(b.session.useHere()).resolves.toBe(true)
    expect(b.session.status).toBe('signed-in')
    expect(b.session.agent?.userId).toBe(AGENT.userId)
    expect(a.session.status).toBe('elsewhere')
    expect(a.session.agent).toBeNull()
    expect(a.session.signOutReason).toBeNull()
    // The holder's SDK logout came before the new login.
    expect(core.sim.log().map((e) => e.method).filter((m) => m === 'login' || m === 'logout')).toEqual(['login', 'logout', 'login'])
    // Back to the first tab with its own "use here".
    await expect(a.session.useHere()).resolves.toBe(true)
    expect(a.session.status).toBe('signed-in')
    await until(() => b.session.status === 'elsewhere', 'B stands by')
    expect(logins()).toBe(3)
    // No sign-out anywhere: the same stored session, never revoked.
    expect(backendSessionStorage.load()?.accessToken).toBe(backend.issuedAccessTokens[0])
    expect(revoked()).toEqual([])
  })

  it('is refused while the holding tab has a live call: the call tab keeps its registration, the other says why', async () => {
    const { a, b } = await twoTabs()
    a.session.setCallLive(true)
    await expect(b.session.useHere()).resolves.toBe(false)
    expect(b.session.status).toBe('elsewhere')
    expect(b.session.error?.symbol).toBe('TAB_IN_CALL')
    expect(a.session.status).toBe('signed-in')
    expect(logouts()).toBe(0)
    expect(logins()).toBe(1)
    // Once the call is over, "use here" works.
    a.session.setCallLive(false)
    await expect(b.session.useHere()).resolves.toBe(true)
    expect(b.session.error).toBeNull()
    expect(a.session.status).toBe('elsewhere')
  })

  it('after the holding tab closed, takes over at once (no answer to wait for), when the agent asks', async () => {
    const { a, b } = await twoTabs()
    bus.close(a.link)
    await until(() => b.session.holderLeft, 'B hears A left')
    // Not automatically: a reload of the holder also says it left.
    expect(b.session.status).toBe('elsewhere')
    await expect(b.session.useHere()).resolves.toBe(true)
    expect(b.session.status).toBe('signed-in')
    expect(logins()).toBe(2)
  })

  it('after the other tab signed the agent out, goes to the login page as session-expired', async () => {
    const { a, b } = await twoTabs()
    await a.session.signOut()
    await expect(b.session.useHere()).resolves.toBe(false)
    expect(b.session.status).toBe('signed-out')
    expect(b.session.signOutReason).toBe('session-expired')
  })
})

describe('"use here" after another tab signed in as someone else', () => {
  it("never registers with the other agent's session: signed out as session-expired, the other session untouched", async () => {
    const { b } = await twoTabs()
    backendSessionStorage.save({ accessToken: 'acc-agent2', expiresAt: Date.now() + 3_600_000, userId: 'agent2@example.com', sdkAppId: AGENT.sdkAppId, workspaceId: 'ws-2' })
    const loginsBefore = logins()
    await expect(b.session.useHere()).resolves.toBe(false)
    expect(b.session.status).toBe('signed-out')
    expect(b.session.signOutReason).toBe('session-expired')
    expect(logins()).toBe(loginsBefore)
    expect(backend.requests.filter((r) => r.bearer === 'acc-agent2')).toEqual([])
    expect(backendSessionStorage.load()?.accessToken).toBe('acc-agent2')
  })
})

describe('reloads', () => {
  it('the holding tab reloaded registers again; the standing-by tab reloaded stands by again', async () => {
    const { a, b } = await twoTabs()
    bus.close(a.link)
    const aAgain = openTab('tab-a')
    await expect(aAgain.session.restore()).resolves.toBe(true)
    expect(aAgain.session.status).toBe('signed-in')
    await until(() => !b.session.holderLeft, 'B hears A is back')
    expect(b.session.status).toBe('elsewhere')
    bus.close(b.link)
    const bAgain = openTab('tab-b')
    await expect(bAgain.session.restore()).resolves.toBe(false)
    expect(bAgain.session.status).toBe('elsewhere')
  })

  it('a tab that opens after the holder closed registers by itself at its start', async () => {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    bus.close(a.link)
    const c = openTab('tab-c')
    await expect(c.session.restore()).resolves.toBe(true)
    expect(c.session.status).toBe('signed-in')
  })
})

describe('kicks', () => {
  it('from another browser or device (this tab is the recorded holder): signed out as kicked, as before', async () => {
    const { a, b } = await twoTabs()
    a.session.onKicked()
    expect(a.session.status).toBe('signed-out')
    expect(a.session.signOutReason).toBe('kicked')
    expect(backendSessionStorage.load()).toBeNull()
    await until(() => revoked().length === 1, 'the token revoked')
    expect(b.session.status).toBe('elsewhere')
  })

  it("from another tab of this browser that registered without asking: this tab stands by, the session kept", async () => {
    const { a, b } = await twoTabs()
    // Tab A's answers are lost (it hears nothing more); tab B takes the seat without them and
    // registers: TCCC kicks tab A.
    bus.close(a.link)
    await expect(b.session.useHere()).resolves.toBe(true)
    expect(a.session.status).toBe('signed-in')
    a.session.onKicked()
    expect(a.session.status).toBe('elsewhere')
    expect(a.session.signOutReason).toBeNull()
    expect(backendSessionStorage.load()?.accessToken).toBe(backend.issuedAccessTokens[0])
    expect(revoked()).toEqual([])
    expect(b.session.status).toBe('signed-in')
  })
})

describe('two tabs that start at once', () => {
  /** Another tab claimed the seat at the same moment (the record's last writer) and registered. */
  async function anotherTabRegisteredMeanwhile(): Promise<void> {
    holderRecord.save({ seat: agentKeyOf(AGENT.userId), tabId: 'tab-b' })
    createTabRegistration(bus.link('tab-b')).announce(agentKeyOf(AGENT.userId))
    await new Promise((resolve) => setTimeout(resolve, 20))
  }

  it('both registered: the one the record does not name stands by and leaves TCCC when it hears the other', async () => {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    await anotherTabRegisteredMeanwhile()
    expect(a.session.status).toBe('elsewhere')
    expect(logouts()).toBe(1)
    expect(revoked()).toEqual([])
  })

  it('not while a call is live there: the call goes on', async () => {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    a.session.setCallLive(true)
    await anotherTabRegisteredMeanwhile()
    expect(a.session.status).toBe('signed-in')
    expect(logouts()).toBe(0)
  })

  it('the tab the record names keeps its registration when it hears the other', async () => {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    createTabRegistration(bus.link('tab-b')).announce(agentKeyOf(AGENT.userId))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(a.session.status).toBe('signed-in')
  })
})
