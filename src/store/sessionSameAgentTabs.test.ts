/**
 * Two tabs of one browser signed in as the SAME agent: one TCCC registration between them (TCCC
 * keeps one per seat, the later login kicks the earlier). The newest tab takes it: the holder
 * hands over and stands by (`elsewhere`, its workspace open, no calls), unless it has a live call
 * or is still signing in, then the new tab stands by and says why. "Use here" moves it back;
 * nothing is signed out or revoked on the way; a sign-out in either tab signs out both. Each tab
 * is a session store in its own pinia over a fake tab bus; both share this process's storage
 * (one browser) and its one simulated TCCC.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { watch } from 'vue'
import { createFakeTabBus, type FakeTabBus } from '@/platform/__tests__/fakeTabLinks'
import type { TabLink } from '@/platform/tabLink'
import { useTabRegistration } from '@/services/tabRegistration'
import { tabRegistrationForTest as registrationOf } from '@/services/__tests__/endedTabs'
import { agentKeyOf, storedValue } from '@/services/storage'
import { backendSessionStorage, useSessionStore } from '@/store/session'
import { useAgentStore } from '@/store/agent'
import { useCallStore } from '@/store/call'
import { useSyncStore } from '@/store/sync'
import { AGENT, PASSWORD, callsOf, closeSyncAndRestore, coreWithWorkspace, type Core, type FakeBackend } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

/** The record of which tab holds the agent's seat (its own key, as `tabRegistration.ts` keeps it). */
const holderRecord = storedValue<{ seat: string; tabId: string } | null>(`tabs.holder.${agentKeyOf(AGENT.userId)}`, { version: 1, fallback: () => null })

let core: Core
let backend: FakeBackend
let bus: FakeTabBus
/** The tabs' waits, short: a holder that left is taken over after `graceMs`. */
const TIMING = { answerMs: 250, releaseMs: 2_000, graceMs: 400 }
const pastGrace = () => new Promise((resolve) => setTimeout(resolve, TIMING.graceMs + TIMING.answerMs * 3))

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
function openTab(tabId: string, timing: Parameters<typeof registrationOf>[1] = TIMING): { session: ReturnType<typeof useSessionStore>; link: TabLink; pinia: ReturnType<typeof createPinia> } {
  const link = bus.link(tabId)
  useTabRegistration(registrationOf(link, timing))
  const pinia = createPinia()
  setActivePinia(pinia)
  const session = useSessionStore()
  return { session, link, pinia }
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (check()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`never: ${what}`)
}

/**
 * Every value `read` takes, in order: a state that lasts only the grace (150 ms here) can pass
 * between two polls of `until` on a loaded machine.
 */
function seen<T>(read: () => T): T[] {
  const values = [read()]
  watch(read, (value) => values.push(value), { flush: 'sync' })
  return values
}

const logins = () => callsOf(core, 'login').length
const logouts = () => callsOf(core, 'logout').length
const revoked = () => backend.requests.filter((r) => r.path === '/api/auth/logout')

const sdk = () => core.sim.log().map((e) => e.method).filter((m) => m === 'login' || m === 'logout')

/** Tab A signs in; tab B opens afterwards in the same browser (its start restores the session). */
async function twoTabs() {
  const a = openTab('tab-a')
  await expect(a.session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
  const b = openTab('tab-b')
  await expect(b.session.restore()).resolves.toBe(true)
  return { a, b }
}

/** As `twoTabs`, but A was on a call when B opened: B stands by (A's call over since). */
async function secondStandingBy() {
  const a = openTab('tab-a')
  await expect(a.session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
  a.session.setCallLive(true)
  const b = openTab('tab-b')
  await expect(b.session.restore()).resolves.toBe(false)
  a.session.setCallLive(false)
  return { a, b }
}

// These first in the file: the tabs of earlier tests, still running (their timers, their retries),
// would write into their records over the time they run (a standing-by tab of an earlier test
// takes this test's holder for its own gone one and marks it left).
describe('a holder that answers too late', () => {
  it('without Web Locks, a holder that answers the ping too late (frozen past ANSWER_MS, not past the grace) claims the seat again: nobody takes over, it keeps its registration', async () => {
    bus = createFakeTabBus({ locks: false })
    // A's timers throttled (no heartbeat since its sign-in), and it hears everything `late.ms` late.
    const late = { ms: 0 }
    const linkA = bus.link('tab-a')
    useTabRegistration(registrationOf({ ...linkA, listen: (listener) => linkA.listen((message) => setTimeout(() => listener(message), late.ms)) }, { ...TIMING, heartbeatMs: 600_000 }))
    const piniaA = createPinia()
    setActivePinia(piniaA)
    const a = useSessionStore()
    await expect(a.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    a.setCallLive(true)
    // B: a long grace, so that A's late answer (past B's ANSWER_MS) surely comes within it.
    const timingB = { ...TIMING, answerMs: 100, graceMs: 1_000, heartbeatMs: 20, staleMs: 150 }
    const b = openTab('tab-b', timingB)
    await expect(b.session.restore()).resolves.toBe(false)
    a.setCallLive(false)
    const bStatuses: string[] = []
    b.session.$subscribe((_mutation, state) => bStatuses.push(state.status), { flush: 'sync' })
    late.ms = timingB.answerMs + 300
    await until(() => bus.posted.some((p) => p.from === 'tab-a' && (p.message as { kind: string }).kind === 'holding'), 'A answers late')
    late.ms = 0
    await new Promise((resolve) => setTimeout(resolve, timingB.graceMs + timingB.answerMs * 3))
    expect(a.status).toBe('signed-in')
    expect(b.session.status).toBe('elsewhere')
    expect(bStatuses).not.toContain('restoring')
    expect(logins()).toBe(1)
    expect(holderRecord.load()).toMatchObject({ tabId: 'tab-a' })
    // Signed out (both: B hears it), their timers stop: they would write into the next tests' records.
    await a.signOut()
    await until(() => b.session.status === 'signed-out', 'B signed out too')
  })
})

describe("the session ends while this tab asks the holder for the registration (the holder slow to answer)", () => {
  const ENDS = [
    ['signed-out', 'other-tab', undefined],
    ['kicked', 'kicked', 'KICKED'],
    ['expired', 'session-expired', 'SESSION_EXPIRED'],
  ] as const
  /** B waits long for A's answer (a loaded machine must not end the wait before the end is said). */
  const ASKING = { ...TIMING, answerMs: 3_000 }
  /** The holder A, frozen (it hears nothing), then its session ends as `how` says, as B asks it. */
  async function endAsBAsks(how: (typeof ENDS)[number][0], asking: () => Promise<boolean>): Promise<boolean> {
    const seat = agentKeyOf(AGENT.userId)
    const requests = () => bus.posted.filter((p) => p.from === 'tab-b' && (p.message as { kind: string }).kind === 'request').length
    const before = requests()
    const answer = asking()
    await until(() => requests() > before, 'B asks A')
    const holder = registrationOf(bus.link('tab-a'))
    if (how === 'signed-out') holder.signOut(seat)
    else if (how === 'kicked') holder.kickedOut(seat)
    else holder.sessionExpired(seat)
    return answer
  }

  it.each(ENDS)("a start hearing %s: not claimed, not registered, signed out as %s", async (how, reason, symbol) => {
    const a = openTab('tab-a')
    await expect(a.session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    bus.crash(a.link)
    const b = openTab('tab-b', ASKING)
    await expect(endAsBAsks(how, () => b.session.restore())).resolves.toBe(false)
    expect(b.session.status).toBe('signed-out')
    expect(b.session.signOutReason).toBe(reason)
    expect(b.session.error?.symbol).toBe(symbol)
    expect(logins()).toBe(1)
    expect(holderRecord.load()).toBeNull()
  })

  it('a password sign-in hearing the holder kicked: its session (the stored one, cleared) never registers; signed out as kicked', async () => {
    const a = openTab('tab-a')
    await expect(a.session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    bus.crash(a.link)
    const b = openTab('tab-b', ASKING)
    b.session.$patch({ status: 'signed-out' })
    await expect(endAsBAsks('kicked', () => b.session.signIn(AGENT.userId, PASSWORD))).resolves.toBe(false)
    expect(b.session.status).toBe('signed-out')
    expect(b.session.signOutReason).toBe('kicked')
    expect(logins()).toBe(1)
    expect(backendSessionStorage.load()).toBeNull()
    expect(holderRecord.load()).toBeNull()
  })

  it.each(ENDS)('"use here" hearing %s: not claimed, not registered, signed out as %s', async (how, reason, symbol) => {
    // As secondStandingBy, B waiting long for answers.
    const a = openTab('tab-a')
    await expect(a.session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    a.session.setCallLive(true)
    const b = openTab('tab-b', ASKING)
    await expect(b.session.restore()).resolves.toBe(false)
    a.session.setCallLive(false)
    bus.crash(a.link)
    await expect(endAsBAsks(how, () => b.session.useHere())).resolves.toBe(false)
    expect(b.session.status).toBe('signed-out')
    expect(b.session.signOutReason).toBe(reason)
    expect(b.session.error?.symbol).toBe(symbol)
    expect(b.session.takingOver).toBe(false)
    expect(logins()).toBe(1)
    expect(holderRecord.load()).toBeNull()
  })
})

describe('the newest tab of the agent', () => {
  it('takes the registration at its start: the holder logs out of TCCC and stands by, nothing signed out or revoked', async () => {
    const { a, b } = await twoTabs()
    expect(b.session.status).toBe('signed-in')
    expect(b.session.agent?.userId).toBe(AGENT.userId)
    expect(a.session.status).toBe('elsewhere')
    expect(a.session.elsewhereAgent).toBe(AGENT.userId)
    expect(a.session.signOutReason).toBeNull()
    expect(a.session.error).toBeNull()
    // The holder's SDK logout came before the new login.
    expect(sdk()).toEqual(['login', 'logout', 'login'])
    expect(backendSessionStorage.load()?.accessToken).toBe(backend.issuedAccessTokens[0])
    expect(revoked()).toEqual([])
    expect(holderRecord.load()?.tabId).toBe('tab-b')
  })

  it('takes it with a password sign-in too', async () => {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    const b = openTab('tab-b')
    b.session.$patch({ status: 'signed-out' })
    await expect(b.session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    expect(b.session.status).toBe('signed-in')
    await until(() => a.session.status === 'elsewhere', 'A stands by')
    expect(sdk()).toEqual(['login', 'logout', 'login'])
    expect(revoked()).toEqual([])
  })

  it('stands by instead while the holder has a live call, saying why; the call tab keeps its registration', async () => {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    a.session.setCallLive(true)
    const b = openTab('tab-b')
    await expect(b.session.restore()).resolves.toBe(false)
    expect(b.session.status).toBe('elsewhere')
    expect(b.session.error?.symbol).toBe('TAB_IN_CALL')
    expect(a.session.status).toBe('signed-in')
    expect(sdk()).toEqual(['login'])
    // Once the call is over, "use here" works.
    a.session.setCallLive(false)
    await expect(b.session.useHere()).resolves.toBe(true)
    expect(b.session.error).toBeNull()
    expect(a.session.status).toBe('elsewhere')
  })

  it('stands by instead while the holder is still signing in (TAB_BUSY), "use here" then works', async () => {
    const a = openTab('tab-a')
    // A's SDK login waits (a slow SDK script) after A claimed the seat.
    let ready = () => undefined as void
    let preparing = false
    a.session.joinSignIn(() => {
      preparing = true
      return new Promise<void>((resolve) => (ready = resolve))
    })
    const signingIn = a.session.signIn(AGENT.userId, PASSWORD)
    await until(() => preparing, 'A claimed the seat and is logging in')
    expect(a.session.status).toBe('signing-in')
    const b = openTab('tab-b')
    await expect(b.session.restore()).resolves.toBe(false)
    expect(b.session.status).toBe('elsewhere')
    expect(b.session.error?.symbol).toBe('TAB_BUSY')
    ready()
    await expect(signingIn).resolves.toBe(true)
    await expect(b.session.useHere()).resolves.toBe(true)
    await until(() => a.session.status === 'elsewhere', 'A stands by')
  })
})

describe('standing by', () => {
  it("keeps the agent's workspace open (sync included) and refuses only what needs TCCC, naming the fix", async () => {
    const { a } = await twoTabs()
    setActivePinia(a.pinia)
    expect(a.session.agent?.userId).toBe(AGENT.userId)
    expect(useSyncStore().agentKey).toBe(agentKeyOf(AGENT.userId))
    expect(a.session.backendAccessToken()).toBe(backend.issuedAccessTokens[0])
    const loginsBefore = logins()
    const call = useCallStore()
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(false)
    expect(call.error?.symbol).toBe('TAB_ELSEWHERE')
    expect(call.error?.message).toContain('Use here')
    const seat = useAgentStore()
    expect(seat.shownStatus).toBe('offline')
    await expect(seat.setStatus('free')).resolves.toBe(false)
    expect(seat.error?.symbol).toBe('TAB_ELSEWHERE')
    expect(callsOf(core, 'call')).toEqual([])
    expect(logins()).toBe(loginsBefore)
  })
})

describe('"use here"', () => {
  it('moves the registration back and forth, never signing out', async () => {
    const { a, b } = await twoTabs()
    await expect(a.session.useHere()).resolves.toBe(true)
    expect(a.session.status).toBe('signed-in')
    await until(() => b.session.status === 'elsewhere', 'B stands by')
    expect(b.session.agent?.userId).toBe(AGENT.userId)
    await expect(b.session.useHere()).resolves.toBe(true)
    await until(() => a.session.status === 'elsewhere', 'A stands by')
    expect(logins()).toBe(4)
    expect(backendSessionStorage.load()?.accessToken).toBe(backend.issuedAccessTokens[0])
    expect(revoked()).toEqual([])
  })

  it('after the holding tab closed, takes over at once (no answer to wait for, no grace) when the agent asks', async () => {
    const { a, b } = await secondStandingBy()
    bus.close(a.link)
    await until(() => b.session.holderLeft, 'B hears A left')
    expect(b.session.status).toBe('elsewhere')
    await expect(b.session.useHere()).resolves.toBe(true)
    expect(b.session.status).toBe('signed-in')
    await pastGrace()
    expect(logins()).toBe(2)
  })
  it('with the backend out of reach, the tab that held the registration before opens the workspace offline and keeps trying, as a start does; not the login page', async () => {
    const { a, b } = await twoTabs()
    backend.setReachable(false)
    await expect(a.session.useHere()).resolves.toBe(false)
    // B gave the registration up: A holds it now, offline with the retry, not signed out.
    await until(() => b.session.status === 'elsewhere', 'B stands by')
    expect(a.session.status).toBe('offline')
    expect(a.session.signOutReason).toBeNull()
    expect(a.session.agent?.userId).toBe(AGENT.userId)
    expect(holderRecord.load()?.tabId).toBe('tab-a')
    backend.setReachable(true)
    await a.session.restore()
    expect(a.session.status).toBe('signed-in')
    expect(revoked()).toEqual([])
  })
})

describe('the holding tab gone: a standing-by tab takes over by itself', () => {
  it('closed: after the grace the tab standing by registers without a tap, and calls work there', async () => {
    const { a, b } = await twoTabs()
    bus.close(b.link)
    await until(() => a.session.holderLeft, 'A hears B left')
    // Not at once: a reload of B would be back within the grace.
    expect(a.session.status).toBe('elsewhere')
    await until(() => a.session.status === 'signed-in', 'A took over')
    expect(sdk()).toEqual(['login', 'logout', 'login', 'login'])
    expect(holderRecord.load()?.tabId).toBe('tab-a')
    expect(a.session.holderLeft).toBe(false)
    expect(revoked()).toEqual([])
    setActivePinia(a.pinia)
    await expect(useCallStore().placeCall({ to: '13800138000' })).resolves.toBe(true)
  })

  it('reloaded: the holder is back within the grace and keeps the registration; the standing-by tab never takes over', async () => {
    const { a, b } = await twoTabs()
    bus.close(b.link)
    await until(() => a.session.holderLeft, 'A hears B left')
    const bAgain = openTab('tab-b')
    await expect(bAgain.session.restore()).resolves.toBe(true)
    await pastGrace()
    await pastGrace()
    expect(a.session.status).toBe('elsewhere')
    expect(a.session.holderLeft).toBe(false)
    expect(sdk()).toEqual(['login', 'logout', 'login', 'login'])
    expect(holderRecord.load()?.tabId).toBe('tab-b')
  })

  it('reloaded more slowly than the grace: the tab standing by took over, and the reloaded page is the newest tab (it takes the registration back; nothing signed out)', async () => {
    const { a, b } = await twoTabs()
    bus.close(b.link)
    await until(() => a.session.status === 'signed-in', 'A took over')
    const bAgain = openTab('tab-b')
    await expect(bAgain.session.restore()).resolves.toBe(true)
    await until(() => a.session.status === 'elsewhere', 'A stands by again')
    expect(sdk()).toEqual(['login', 'logout', 'login', 'login', 'logout', 'login'])
    expect(revoked()).toEqual([])
  })

  it.each(['registers', 'closes'] as const)('reloaded more slowly than the grace while the tab that took over is still signing in: "the other tab is still signing in" shows until that tab %s', async (end) => {
    const { a, b } = await twoTabs()
    // A takes over slowly: its SDK login waits (a slow SDK script).
    let ready = () => undefined as void
    let preparing = false
    a.session.joinSignIn(() => {
      preparing = true
      return new Promise<void>((resolve) => (ready = resolve))
    })
    bus.close(b.link)
    await until(() => preparing, 'A is taking over')
    const bAgain = openTab('tab-b')
    await expect(bAgain.session.restore()).resolves.toBe(false)
    expect(bAgain.session.error?.symbol).toBe('TAB_BUSY')
    if (end === 'registers') {
      ready()
      await until(() => a.session.status === 'signed-in', 'A registered')
    } else {
      bus.close(a.link)
    }
    await until(() => bAgain.session.error === null, `B no longer says A is signing in once A ${end}`)
    expect(bAgain.session.status).toBe('elsewhere')
    // A's sign-in ends, so nothing of it runs on into the next test.
    ready()
    await until(() => a.session.status === 'signed-in', 'A registered')
  })

  it('several tabs standing by: exactly one takes over (the lowest tab id), the others stand by for it', async () => {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    a.session.setCallLive(true)
    // Opened during A's call, in another order than their ids: both stand by.
    const c = openTab('tab-c')
    await expect(c.session.restore()).resolves.toBe(false)
    const b = openTab('tab-b')
    await expect(b.session.restore()).resolves.toBe(false)
    a.session.setCallLive(false)
    bus.close(a.link)
    await until(() => b.session.status === 'signed-in', 'B took over')
    await pastGrace()
    await pastGrace()
    expect(c.session.status).toBe('elsewhere')
    expect(c.session.holderLeft).toBe(false)
    expect(logins()).toBe(2)
    expect(holderRecord.load()?.tabId).toBe('tab-b')
  })

  /** A holds; B and C stand by (opened during A's call, now over); A's page is then closed. */
  async function twoStandingByHolderClosed() {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    a.session.setCallLive(true)
    const b = openTab('tab-b')
    await expect(b.session.restore()).resolves.toBe(false)
    const c = openTab('tab-c')
    await expect(c.session.restore()).resolves.toBe(false)
    a.session.setCallLive(false)
    bus.close(a.link)
    return { b, c }
  }

  it('the chosen tab cannot register (TCCC refused): it says why on the login page, and the next tab standing by takes over after the grace instead of waiting for it forever', async () => {
    const { b, c } = await twoStandingByHolderClosed()
    const cSaid = seen(() => `${c.session.status} ${c.session.holderFailure?.symbol ?? '-'} ${c.session.holderLeft}`)
    backend.failNextToken(502, { error: { code: 'TCCC_REFUSED', message: 'seat not found' } })
    await until(() => b.session.status === 'signed-out', 'B tried and failed')
    expect(b.session.error?.symbol).toBe('TCCC_REFUSED')
    // C says the take-over failed and why (not that the other tab was closed), standing by, then takes over.
    await until(() => c.session.status === 'signed-in', 'C took over')
    const standingBy = cSaid.slice(0, cSaid.findIndex((said) => !said.startsWith('elsewhere')))
    expect(standingBy).toContain('elsewhere TCCC_REFUSED true')
    expect(logins()).toBe(2)
    expect(holderRecord.load()?.tabId).toBe('tab-c')
    expect(c.session.holderFailure).toBeNull()
  })

  it('the chosen tab finds the session refused: it goes to the login page saying so, and so does the next tab standing by, instead of standing by for nobody', async () => {
    const { b, c } = await twoStandingByHolderClosed()
    backend.expireSessions()
    await until(() => b.session.status === 'signed-out', 'B tried and failed')
    expect(b.session.signOutReason).toBe('session-expired')
    await until(() => c.session.status === 'signed-out', 'C learnt it')
    expect(c.session.signOutReason).toBe('session-expired')
    expect(logins()).toBe(1)
  })

  it("the holder's renewal fails (TCCC refused its token): the tab standing by hears it at once, says why, and takes over after the grace", async () => {
    const { a, b } = await twoTabs()
    const aSaid = seen(() => `${a.session.status} ${a.session.holderFailure?.symbol ?? '-'} ${a.session.holderLeft}`)
    backend.failNextToken(502, { error: { code: 'TCCC_REFUSED', message: 'token service down' } })
    await b.session.onTokenExpired()
    expect(b.session.status).toBe('signed-out')
    expect(b.session.error?.symbol).toBe('TCCC_REFUSED')
    await until(() => a.session.status === 'signed-in', 'A took over')
    expect(aSaid.slice(0, aSaid.findIndex((said) => !said.startsWith('elsewhere')))).toContain('elsewhere TCCC_REFUSED true')
    expect(holderRecord.load()?.tabId).toBe('tab-a')
  })

  it("the holder's session is refused at its renewal (an account problem every tab shares): the tab standing by goes to the login page at once, saying so, without trying", async () => {
    const { a, b } = await twoTabs()
    backend.expireSessions()
    const loginsBefore = logins()
    b.session.onBackendSessionEnded()
    await until(() => b.session.status === 'signed-out', 'B signed out')
    expect(b.session.signOutReason).toBe('session-expired')
    await until(() => a.session.status === 'signed-out', 'A learnt it')
    expect(a.session.signOutReason).toBe('session-expired')
    expect(a.session.error?.symbol).toBe('SESSION_EXPIRED')
    await pastGrace()
    expect(logins()).toBe(loginsBefore)
    expect(holderRecord.load()).toBeNull()
  })

  it("the holder's renewal could not reach the backend (it retries on its login page), then that page is closed: the tab standing by takes over after the grace instead of standing by for nobody", async () => {
    const { a, b } = await twoTabs()
    await until(() => a.session.status === 'elsewhere', 'A stands by')
    backend.setReachable(false)
    await b.session.onTokenExpired()
    expect(b.session.status).toBe('signed-out')
    expect(b.session.restoreRetrying).toBe(true)
    // B retries: nobody takes over meanwhile (a passing failure is not handed on).
    await pastGrace()
    expect(a.session.status).toBe('elsewhere')
    // The agent closes the tab that shows the login page.
    bus.close(b.link)
    await until(() => a.session.holderLeft, 'A hears B is gone')
    await until(() => a.session.status === 'offline', 'A took over (offline: the backend is still out of reach)')
    expect(holderRecord.load()?.tabId).toBe('tab-a')
  })

  // (Without Web Locks, the heartbeat: tabRegistration.test.ts; here a crashed tab's timers would run on.)
  it('crashed or killed (no page event, no left; its Web Lock let go): the tab standing by says it is gone, and takes over after the grace', async () => {
    const live = { ...TIMING, heartbeatMs: 20, staleMs: 200 }
    const a = openTab('tab-a', live)
    await expect(a.session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    const b = openTab('tab-b', live)
    await expect(b.session.restore()).resolves.toBe(true)
    await until(() => a.session.status === 'elsewhere', 'A stands by')
    bus.crash(b.link)
    for (let i = 0; i < 40 && !a.session.holderLeft; i += 1) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(a.session.holderLeft).toBe(true)
    expect(a.session.status).toBe('elsewhere')
    await until(() => a.session.status === 'signed-in', 'A took over')
    expect(holderRecord.load()?.tabId).toBe('tab-a')
  })

  it('in the back-forward cache: taken over after the grace; back, it stands by', async () => {
    const { a, b } = await twoTabs()
    bus.hide(b.link)
    await until(() => a.session.status === 'signed-in', 'A took over')
    bus.back(b.link)
    await until(() => b.session.status === 'elsewhere', 'B stands by')
    expect(b.session.signOutReason).toBeNull()
    expect(sdk()).toEqual(['login', 'logout', 'login', 'login', 'logout'])
  })

  it.each(['kicked', 'expired'] as const)('a holder in the back-forward cache whose seat the tab that took over lost meanwhile (%s) says how once back, not "signed out in another tab"', async (how) => {
    const { a, b } = await twoTabs()
    bus.hide(b.link)
    await until(() => a.session.status === 'signed-in', 'A took over')
    if (how === 'kicked') a.session.onKicked()
    else {
      backend.expireSessions()
      a.session.onBackendSessionEnded()
    }
    await until(() => a.session.status === 'signed-out', 'A signed out')
    bus.back(b.link)
    await until(() => b.session.status === 'signed-out', 'B signed out')
    expect(b.session.signOutReason, how).toBe(how === 'kicked' ? 'kicked' : 'session-expired')
    expect(b.session.error?.symbol, how).toBe(how === 'kicked' ? 'KICKED' : 'SESSION_EXPIRED')
    // It left TCCC as at any sign-out elsewhere.
    expect(sdk().at(-1), how).toBe('logout')
  })

  it('an offline holder (its workspace from the cache, retrying) in the back-forward cache: taken over after the grace; back, it stands by and its retry never registers over the tab that took over', async () => {
    const { a, b } = await twoTabs()
    backend.setReachable(false)
    await expect(a.session.useHere()).resolves.toBe(false)
    expect(a.session.status).toBe('offline')
    await until(() => b.session.status === 'elsewhere', 'B stands by')
    backend.setReachable(true)
    bus.hide(a.link)
    await until(() => b.session.status === 'signed-in', 'B took over')
    const loginsBefore = logins()
    bus.back(a.link)
    await until(() => a.session.status === 'elsewhere', 'A stands by')
    expect(a.session.restoreRetrying).toBe(false)
    // The app shown again (what runs an offline retry at once) finds nothing to do: one registration.
    await a.session.recheck()
    expect(logins()).toBe(loginsBefore)
    expect(b.session.status).toBe('signed-in')
    expect(holderRecord.load()?.tabId).toBe('tab-b')
  })

  it('with the backend out of reach, the tab that takes over opens the workspace offline and keeps trying, not the login page', async () => {
    const { a, b } = await twoTabs()
    backend.setReachable(false)
    bus.close(b.link)
    await until(() => a.session.status === 'offline', 'A took over offline')
    expect(a.session.signOutReason).toBeNull()
    expect(holderRecord.load()?.tabId).toBe('tab-a')
  })
})

describe('signing out in either tab', () => {
  it('in the standing-by tab: the holder learns it at once, leaves TCCC and goes to the login page (other-tab)', async () => {
    const { a, b } = await twoTabs()
    await a.session.signOut()
    expect(a.session.status).toBe('signed-out')
    expect(a.session.signOutReason).toBe('logged-out')
    await until(() => b.session.status === 'signed-out', 'B signed out')
    expect(b.session.signOutReason).toBe('other-tab')
    expect(b.session.agent).toBeNull()
    expect(backendSessionStorage.load()).toBeNull()
    await until(() => revoked().length === 1, 'the token revoked once')
    expect(sdk()).toEqual(['login', 'logout', 'login', 'logout'])
    expect(holderRecord.load()).toBeNull()
  })

  it('in the holding tab: the standing-by tab goes to the login page too, not on with a revoked token', async () => {
    const { a, b } = await twoTabs()
    await b.session.signOut()
    await until(() => a.session.status === 'signed-out', 'A signed out')
    expect(a.session.signOutReason).toBe('other-tab')
    setActivePinia(a.pinia)
    expect(useSyncStore().agentKey).toBeNull()
    expect(revoked()).toHaveLength(1)
  })
})

describe('a sign-out in another tab while this one registers (it took the seat over, its TCCC login under way)', () => {
  type Tab = ReturnType<typeof openTab>
  it.each<[string, (b: Tab) => Promise<boolean>]>([
    ['a start: not left signed in with the revoked session; signed out as other-tab, out of TCCC, the seat not claimed again', (b) => b.session.restore()],
    [
      'a password sign-in: not left signed in with the revoked session; signed out as other-tab, out of TCCC',
      (b) => {
        b.session.$patch({ status: 'signed-out' })
        return b.session.signIn(AGENT.userId, PASSWORD)
      },
    ],
  ])('%s', async (_, begin) => {
    const a = openTab('tab-a')
    await expect(a.session.signIn(AGENT.userId, PASSWORD)).resolves.toBe(true)
    const b = openTab('tab-b')
    let go: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (go = resolve))
    let registering = false
    b.session.joinSignIn(() => {
      registering = true
      return gate
    })
    const registered = begin(b)
    await until(() => registering && a.session.status === 'elsewhere', 'B registers, A stands by')
    await a.session.signOut()
    await new Promise((resolve) => setTimeout(resolve, 50))
    go()
    await expect(registered).resolves.toBe(false)
    expect(b.session.status).toBe('signed-out')
    expect(b.session.signOutReason).toBe('other-tab')
    expect(logins()).toBe(logouts())
    expect(holderRecord.load()).toBeNull()
  })
})

describe("the holder's call, as the standing-by tab knows it (its sign-out would hang that call up)", () => {
  it('heard when the call goes live and when it ends', async () => {
    const { a, b } = await twoTabs()
    expect(a.session.holderOnCall).toBe(false)
    b.session.setCallLive(true)
    await until(() => a.session.holderOnCall, 'A hears the call')
    b.session.setCallLive(false)
    await until(() => !a.session.holderOnCall, 'A hears it ended')
  })

  it('known from the refusal when this tab opened during the call; "use here" refused for it says it too', async () => {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    a.session.setCallLive(true)
    const b = openTab('tab-b')
    await expect(b.session.restore()).resolves.toBe(false)
    expect(b.session.holderOnCall).toBe(true)
    a.session.setCallLive(false)
    await until(() => !b.session.holderOnCall, 'B hears the call ended')
    // Another call, heard this time; "use here" is refused for it.
    a.session.setCallLive(true)
    await until(() => b.session.holderOnCall, 'B hears the new call')
    b.session.$patch({ holderOnCall: false })
    await expect(b.session.useHere()).resolves.toBe(false)
    expect(b.session.holderOnCall).toBe(true)
  })

  it('gone with a holder that closed; only the recorded holder is heard', async () => {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    a.session.setCallLive(true)
    const b = openTab('tab-b')
    await b.session.restore()
    expect(b.session.holderOnCall).toBe(true)
    bus.close(a.link)
    await until(() => b.session.holderLeft, 'B hears A left')
    expect(b.session.holderOnCall).toBe(false)
    await expect(b.session.useHere()).resolves.toBe(true)
    const c = openTab('tab-c')
    await expect(c.session.restore()).resolves.toBe(true)
    await until(() => b.session.status === 'elsewhere', 'B stands by')
    // A tab that is not the holder (one that stood by, or yielded) has no call of the seat to lose.
    registrationOf(bus.link('tab-x')).callState(agentKeyOf(AGENT.userId), true)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(b.session.holderOnCall).toBe(false)
    c.session.setCallLive(true)
    await until(() => b.session.holderOnCall, "B hears the holder's call")
  })

  it('a call that went live while this tab was in the back-forward cache (its word not heard) is known once back: the sign-out asks', async () => {
    const { a, b } = await twoTabs()
    bus.hide(a.link)
    b.session.setCallLive(true)
    await new Promise((resolve) => setTimeout(resolve, 20))
    bus.back(a.link)
    await until(() => a.session.holderOnCall, 'A knows of the call')
    b.session.setCallLive(false)
    await until(() => !a.session.holderOnCall, 'A hears it ended')
    // Ended while this tab was away: back, it no longer asks.
    b.session.setCallLive(true)
    await until(() => a.session.holderOnCall, 'A hears the next call')
    bus.hide(a.link)
    b.session.setCallLive(false)
    await new Promise((resolve) => setTimeout(resolve, 20))
    bus.back(a.link)
    await until(() => !a.session.holderOnCall, 'A knows it ended')
  })

  it('a call refused for that ends while this tab is still opening its workspace to stand by: it stands by knowing the call is over, and does not say the other tab is on a call', async () => {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    a.session.setCallLive(true)
    const b = openTab('tab-b')
    // Between the refusal and standing by (the workspace opening), the holder hangs up.
    b.session.joinSignIn(async () => {
      a.session.setCallLive(false)
      await new Promise((resolve) => setTimeout(resolve, 20))
    })
    await expect(b.session.restore()).resolves.toBe(false)
    expect(b.session.status).toBe('elsewhere')
    expect(b.session.holderOnCall).toBe(false)
    expect(b.session.error).toBeNull()
  })

  it("the refusal's reason goes once the holder's call ended: \"the other tab is on a call\" is no longer said", async () => {
    const { b } = await secondStandingBy()
    await until(() => !b.session.holderOnCall, 'B hears the call ended')
    expect(b.session.error).toBeNull()
  })

  it('confirmed, the sign-out there signs the holder out too, its call hung up', async () => {
    const { a, b } = await twoTabs()
    setActivePinia(b.pinia)
    const call = useCallStore()
    await expect(call.placeCall({ to: '13800138000' })).resolves.toBe(true)
    await until(() => a.session.holderOnCall, 'A hears the call')
    await a.session.signOut()
    await until(() => b.session.status === 'signed-out', 'B signed out')
    expect(b.session.signOutReason).toBe('other-tab')
    expect(callsOf(core, 'terminate')).toHaveLength(1)
    expect(call.state).toBe('idle')
  })
})

describe('"use here" after another tab signed in as someone else', () => {
  it("never registers with the other agent's session: signed out as session-expired, the other session untouched", async () => {
    const { b } = await secondStandingBy()
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
  it('the holding tab reloaded stays the holder (its id survives the reload); the other keeps standing by', async () => {
    const { a, b } = await twoTabs()
    bus.close(b.link)
    const bAgain = openTab('tab-b')
    await expect(bAgain.session.restore()).resolves.toBe(true)
    expect(bAgain.session.status).toBe('signed-in')
    expect(a.session.status).toBe('elsewhere')
    // Only B's own re-login: A never took the registration back.
    expect(sdk()).toEqual(['login', 'logout', 'login', 'login'])
  })

  it('the standing-by tab reloaded is the newest tab: it takes the registration', async () => {
    const { a, b } = await twoTabs()
    bus.close(a.link)
    const aAgain = openTab('tab-a')
    await expect(aAgain.session.restore()).resolves.toBe(true)
    await until(() => b.session.status === 'elsewhere', 'B stands by')
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
  it('from another browser or device (this tab is the recorded holder): signed out as kicked, as before; the standing-by tab learns it at once and shows the same', async () => {
    const { a, b } = await twoTabs()
    const sdkBefore = sdk()
    b.session.onKicked()
    expect(b.session.status).toBe('signed-out')
    expect(b.session.signOutReason).toBe('kicked')
    expect(backendSessionStorage.load()).toBeNull()
    expect(holderRecord.load()).toBeNull()
    // Over the tab link, not at its next sync (none is made here).
    await until(() => a.session.status === 'signed-out', 'A signed out')
    expect(a.session.signOutReason).toBe('kicked')
    expect(a.session.error?.symbol).toBe('KICKED')
    expect(a.session.agent).toBeNull()
    setActivePinia(a.pinia)
    expect(useSyncStore().agentKey).toBeNull()
    // Revoked once (by the holder); A was not registered: no SDK logout, no login.
    await until(() => revoked().length === 1, 'the token revoked')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(revoked()).toHaveLength(1)
    expect(sdk()).toEqual(sdkBefore)
  })

  it("another agent's kick or call in a tab of this browser (another seat) is not this agent's: the standing-by tab stays as it is", async () => {
    const { a } = await twoTabs()
    const other = registrationOf(bus.link('tab-x'))
    other.kickedOut(agentKeyOf('agent2@example.com'))
    other.callState(agentKeyOf('agent2@example.com'), true)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(a.session.status).toBe('elsewhere')
    expect(a.session.holderOnCall).toBe(false)
  })

  it('a registered tab of the seat is not signed out by another tab\'s kick (its own registration is kicked, or not)', async () => {
    const { a } = await twoTabs()
    await expect(a.session.useHere()).resolves.toBe(true)
    registrationOf(bus.link('tab-x')).kickedOut(agentKeyOf(AGENT.userId))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(a.session.status).toBe('signed-in')
  })

  it('the standing-by tab in the back-forward cache when the holder was kicked (its word not heard) goes to the login page as kicked once back, saying the same', async () => {
    const { a, b } = await twoTabs()
    bus.hide(a.link)
    b.session.onKicked()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(a.session.status).toBe('elsewhere')
    bus.back(a.link)
    expect(a.session.status).toBe('signed-out')
    expect(a.session.signOutReason).toBe('kicked')
    expect(a.session.error?.symbol).toBe('KICKED')
  })

  it('the standing-by tab whose sync is refused (401) after the holder was kicked (its word not heard: the tab was in the back-forward cache) goes to the login page as session-expired; not while the session holds', async () => {
    const { a, b } = await twoTabs()
    a.session.onBackendSessionEnded()
    expect(a.session.status).toBe('elsewhere')
    b.session.onKicked()
    a.session.onBackendSessionEnded()
    expect(a.session.status).toBe('signed-out')
    expect(a.session.signOutReason).toBe('session-expired')
  })

  it('from another tab of this browser that registered without asking: this tab stands by, the session and workspace kept', async () => {
    const { a, b } = await secondStandingBy()
    // Tab A's answers are lost (it hears nothing more); tab B takes the seat without them and
    // registers: TCCC kicks tab A.
    bus.close(a.link)
    await expect(b.session.useHere()).resolves.toBe(true)
    expect(a.session.status).toBe('signed-in')
    a.session.onKicked()
    expect(a.session.status).toBe('elsewhere')
    expect(a.session.agent?.userId).toBe(AGENT.userId)
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
    registrationOf(bus.link('tab-b')).announce(agentKeyOf(AGENT.userId))
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

  it('the record named this tab, but the other registered later (TCCC keeps the later login): this one stands by, and a kick then is not a sign-in elsewhere', async () => {
    const a = openTab('tab-a')
    await a.session.signIn(AGENT.userId, PASSWORD)
    expect(holderRecord.load()?.tabId).toBe('tab-a')
    // B claimed before A did, and its login landed after A's.
    registrationOf(bus.link('tab-b')).announce(agentKeyOf(AGENT.userId))
    expect(holderRecord.load()?.tabId).toBe('tab-b')
    // TCCC kicks A's registration (the 403 may come before B's word).
    a.session.onKicked()
    expect(a.session.status).toBe('elsewhere')
    expect(a.session.signOutReason).toBeNull()
    expect(backendSessionStorage.load()?.accessToken).toBe(backend.issuedAccessTokens[0])
    expect(revoked()).toEqual([])
  })
})
