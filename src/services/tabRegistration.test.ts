/**
 * One registration per agent per browser: the tabs' agreement over a fake bus (one storage, as a
 * browser's tabs share one), the session store's answers played by plain handlers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { storage } from '../../tests/setup/uni'
import { createFakeTabBus } from '@/platform/__tests__/fakeTabLinks'
import { createLoneTabLink, type TabLink } from '@/platform/tabLink'
import { storedValue } from '@/services/storage'
import { type RefusalReason, type TabRegistration, type TabRegistrationHandlers } from './tabRegistration'
import { tabRegistrationForTest as createTabRegistration } from './__tests__/endedTabs'

// Tests that take the clock (`vi.useFakeTimers()`) give it back here, whatever they end with.
afterEach(() => {
  vi.useRealTimers()
})

const SEAT = 'agent1%40example%2Ecom'
/** A seat's holder record (its own key), as another tab's write lands in this tab's storage. */
const holderRecordOf = (seat: string) => storedValue<unknown>(`tabs.holder.${seat}`, { version: 1, fallback: () => null })
const TIMING = { answerMs: 40, releaseMs: 200, graceMs: 100 }

interface TabState {
  holds: boolean
  refuse?: RefusalReason
  releasing?: Promise<void>
  /** Standing by for the seat's holder (it may take over one that left). */
  standsBy?: boolean
}

/**
 * Every tab's answers made by `tabOf`: after each test they hold nothing and stand by for nothing,
 * so a tab left running (its look at the holders every `heartbeatMs`, over the one shared storage)
 * never pings, marks left or takes over the holders of a later test.
 */
const tabStates: TabState[] = []
afterEach(() => {
  for (const state of tabStates.splice(0)) {
    state.holds = false
    state.standsBy = false
  }
})

/**
 * A tab's answers: holding `seat` or not, refusing or giving it up; standing by, it takes over a
 * holder that went when told (`holderGone`), as the session store does ("use here", then held).
 */
function tabOf(registration: TabRegistration, state: TabState) {
  const changed: string[] = []
  const signedOut: string[] = []
  const kicked: string[] = []
  const expired: string[] = []
  const holderCalls: Array<[string, boolean]> = []
  const gone: string[] = []
  tabStates.push(state)
  const handlers: TabRegistrationHandlers = {
    holds: (seat) => seat === SEAT && state.holds,
    release: () => {
      if (state.refuse) return { refused: state.refuse }
      state.holds = false
      return { released: state.releasing ?? Promise.resolve() }
    },
    changed: (seat) => changed.push(seat),
    signedOut: (seat) => signedOut.push(seat),
    kicked: (seat) => kicked.push(seat),
    sessionExpired: (seat) => expired.push(seat),
    holderCall: (seat, live) => holderCalls.push([seat, live]),
    standsBy: (seat) => seat === SEAT && state.standsBy === true,
    holderGone: (seat) => {
      gone.push(seat)
      state.standsBy = false
      state.holds = true
      void registration.takeOver(seat).then(() => registration.announce(seat))
    },
  }
  registration.serve(handlers)
  // As the session store says it as it stands by.
  if (state.standsBy) registration.standBy(SEAT)
  return { changed, signedOut, kicked, expired, holderCalls, gone, state }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

/** A tab that holds nothing and answers nothing (its handlers, to spread and override). */
const noAnswers: TabRegistrationHandlers = {
  holds: () => false,
  release: () => ({ released: Promise.resolve() }),
  changed: () => undefined,
  signedOut: () => undefined,
  kicked: () => undefined,
  sessionExpired: () => undefined,
  holderCall: () => undefined,
  standsBy: () => false,
  holderGone: () => undefined,
}


/** A bus with tab A recorded as the seat's holder, answering as `state` says. */
async function busWithHolder(state: TabState) {
  const bus = createFakeTabBus()
  const linkA = bus.link('tab-a')
  const a = createTabRegistration(linkA, TIMING)
  const tabA = tabOf(a, state)
  await a.mayRegister(SEAT)
  return { bus, linkA, a, tabA }
}

describe('mayRegister (a start or a sign-in)', () => {
  it('claims a seat nobody holds, and one this tab holds (its own reload)', async () => {
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    await expect(a.mayRegister(SEAT)).resolves.toBe(true)
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a' })
    const reloaded = createTabRegistration(bus.link('tab-a'), TIMING)
    await expect(reloaded.mayRegister(SEAT)).resolves.toBe(true)
    // Nobody asked; the tabs standing by hear it is back.
    expect(bus.posted.map((p) => (p.message as { kind: string }).kind)).toEqual(['back'])
  })

  it('stands by while the recorded holder lives (it answers the ping)', async () => {
    const { bus, a } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await expect(b.mayRegister(SEAT)).resolves.toBe(false)
    expect(b.holder(SEAT)?.tabId).toBe('tab-a')
    expect(b.heldElsewhere(SEAT)).toBe(true)
    expect(a.heldElsewhere(SEAT)).toBe(false)
  })

  it('claims the seat when the recorded holder does not answer (closed, crashed)', async () => {
    const { bus } = await busWithHolder({ holds: false })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await expect(b.mayRegister(SEAT)).resolves.toBe(true)
    expect(b.holder(SEAT)?.tabId).toBe('tab-b')
  })

  it('claims at once after the holder closed: its page marked the record as left, nobody is asked', async () => {
    const { bus, linkA, a } = await busWithHolder({ holds: true })
    bus.close(linkA)
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a', left: true })
    // Opened afterwards, it never heard "left": the record says it. A wait would take a minute here.
    const c = createTabRegistration(bus.link('tab-c'), { answerMs: 60_000 })
    await expect(c.mayRegister(SEAT)).resolves.toBe(true)
    expect(bus.posted.map((p) => (p.message as { kind: string }).kind)).toEqual(['left'])
    expect(c.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-c' })
  })

  it.each([
    ['a tab that does not hold the seat marks nothing when its page goes', false],
    // B's store says it holds (it is taking the seat), the record still names A.
    ["a page that goes marks only this tab's record left, not another tab's of a seat this tab's store holds", true],
  ])('%s', async (_title, holds) => {
    const { bus, a } = await busWithHolder({ holds: true })
    const linkB = bus.link('tab-b')
    tabOf(createTabRegistration(linkB, TIMING), { holds })
    bus.close(linkB)
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a' })
    expect(bus.posted).toEqual([])
  })

  it("claims another agent's seat without asking: the record is per seat", async () => {
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    tabOf(a, { holds: true })
    await a.mayRegister('agent2%40example%2Ecom')
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await expect(b.mayRegister(SEAT)).resolves.toBe(true)
    expect(bus.posted.filter((p) => p.from === 'tab-b')).toEqual([])
  })
})

describe('two tabs that start at the same moment', () => {
  it('both claim and register: the one whose login landed last (its announce) is recorded, and the other hears it holds elsewhere', async () => {
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const tabA = tabOf(a, { holds: true })
    const tabB = tabOf(b, { holds: true })
    await expect(Promise.all([a.takeOver(SEAT), b.takeOver(SEAT)])).resolves.toEqual([{ kind: 'taken' }, { kind: 'taken' }])
    expect(a.holder(SEAT)?.tabId).toBe('tab-b')
    // B's SDK login came back first, A's later: TCCC keeps A's (and kicks B's).
    b.announce(SEAT)
    a.announce(SEAT)
    await tick()
    expect(a.holder(SEAT)?.tabId).toBe('tab-a')
    expect(b.heldElsewhere(SEAT)).toBe(true)
    expect(a.heldElsewhere(SEAT)).toBe(false)
    expect(tabB.changed).toEqual([SEAT])
    expect(tabA.changed).toEqual([SEAT])
  })
})

describe('two agents in one browser', () => {
  it("another agent's sign-in in a third tab leaves this agent's holder recorded: this agent's next tab still asks it (its live call refuses)", async () => {
    const { bus } = await busWithHolder({ holds: true, refuse: 'call' })
    const other = createTabRegistration(bus.link('tab-b'), TIMING)
    await expect(other.takeOver('agent2%40example%2Ecom')).resolves.toEqual({ kind: 'taken' })
    const c = createTabRegistration(bus.link('tab-c'), TIMING)
    await expect(c.takeOver(SEAT)).resolves.toEqual({ kind: 'refused', reason: 'call' })
    expect(c.holder(SEAT)?.tabId).toBe('tab-a')
    expect(c.holder('agent2%40example%2Ecom')?.tabId).toBe('tab-b')
    // The other agent's sign-out drops only their record.
    other.signOut('agent2%40example%2Ecom')
    expect(c.holder(SEAT)?.tabId).toBe('tab-a')
  })
})

describe('two agents in one browser, without Web Locks: records written at once', () => {
  const OTHER = 'agent2%40example%2Ecom'
  /**
   * Tab B's whole claim of `seat` runs between tab A's read of the holder records and its write
   * (two tabs, one localStorage, no lock over a read and a write), at A's first holder write.
   */
  function claimDuringTheNextHolderWrite(b: TabRegistration, seat: string): { interleaved: () => boolean } {
    const setItem = vi.mocked(uni.setStorageSync)
    const plain = setItem.getMockImplementation()
    let interleaved = false
    setItem.mockImplementation((key: string, value: unknown) => {
      if (!interleaved && key.startsWith('tccc.tabs.holder')) {
        interleaved = true
        void b.mayRegister(seat)
      }
      plain?.(key, value)
    })
    return { interleaved: () => interleaved }
  }

  it("two agents' tabs claiming at once keep each other's holder record", async () => {
    const bus = createFakeTabBus({ locks: false })
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const race = claimDuringTheNextHolderWrite(b, OTHER)
    await a.mayRegister(SEAT)
    expect(race.interleaved()).toBe(true)
    expect(a.holder(SEAT)?.tabId).toBe('tab-a')
    expect(a.holder(OTHER)?.tabId).toBe('tab-b')
  })

  it("a holder's heartbeat written as another agent's tab claims keeps that claim, and the heartbeat", async () => {
    const bus = createFakeTabBus({ locks: false })
    const a = createTabRegistration(bus.link('tab-a'), { ...TIMING, heartbeatMs: 20 })
    const tabA = tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    const beatBefore = a.holder(SEAT)?.beat ?? 0
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const race = claimDuringTheNextHolderWrite(b, OTHER)
    await wait(60)
    expect(race.interleaved()).toBe(true)
    expect(b.holder(OTHER)?.tabId).toBe('tab-b')
    expect(b.holder(SEAT)?.tabId).toBe('tab-a')
    expect(b.holder(SEAT)?.beat ?? 0).toBeGreaterThan(beatBefore)
    // Its heartbeat would go on into the next tests' records.
    tabA.state.holds = false
  })

  it("two agents' sessions ending at once in two tabs keep each other's end", async () => {
    const bus = createFakeTabBus({ locks: false })
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await a.mayRegister(SEAT)
    await b.mayRegister(OTHER)
    const setItem = vi.mocked(uni.setStorageSync)
    const plain = setItem.getMockImplementation()
    let interleaved = false
    setItem.mockImplementation((key: string, value: unknown) => {
      if (!interleaved && key.startsWith('tccc.tabs.ended')) {
        interleaved = true
        b.kickedOut(OTHER)
      }
      plain?.(key, value)
    })
    a.signOut(SEAT)
    expect(interleaved).toBe(true)
    const ended = (seat: string) => storedValue<{ how: string } | null>(`tabs.ended.${seat}`, { version: 1, fallback: () => null }).load()?.how
    expect([ended(SEAT), ended(OTHER)]).toEqual(['signed-out', 'kicked'])
  })

  it("an older version's shared record of a live holder survives the upgrade: asked, kept through another seat's claim, replaced by its own seat's claim, never back after a drop", async () => {
    storage.set('tccc.tabs.holder', JSON.stringify({ v: 2, data: { [SEAT]: { seat: SEAT, tabId: 'tab-a' } } }))
    const bus = createFakeTabBus()
    // Tab A runs the older version: it answers over the same link.
    tabOf(createTabRegistration(bus.link('tab-a'), TIMING), { holds: true, refuse: 'call' })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await expect(b.takeOver(OTHER)).resolves.toEqual({ kind: 'taken' })
    const c = createTabRegistration(bus.link('tab-c'), TIMING)
    await expect(c.takeOver(SEAT)).resolves.toEqual({ kind: 'refused', reason: 'call' })
    expect(c.holder(SEAT)?.tabId).toBe('tab-a')
    const d = createTabRegistration(bus.link('tab-d'), TIMING)
    d.announce(SEAT)
    expect(c.holder(SEAT)?.tabId).toBe('tab-d')
    d.drop(SEAT)
    expect(c.holder(SEAT)).toBeNull()
    expect(c.holder(OTHER)?.tabId).toBe('tab-b')
    expect(storage.has('tccc.tabs.holder')).toBe(false)
  })
})

describe('an older version still open (an upgrade): it reads and writes only the shared map', () => {
  const sharedHolders = (): Record<string, { tabId: string; left?: true }> => {
    const raw = storage.get('tccc.tabs.holder')
    return typeof raw === 'string' ? (JSON.parse(raw) as { data: Record<string, { tabId: string; left?: true }> }).data : {}
  }
  /** Tab A of the older version writes the seat into the shared map as it claims or leaves. */
  const olderWrites = (holder: { seat: string; tabId: string; left?: true }) => storage.set('tccc.tabs.holder', JSON.stringify({ v: 2, data: { ...sharedHolders(), [holder.seat]: holder } }))
  /** Older tab A held the seat (the shared map says so); new tab B took it over. */
  async function newTabTookOverFromOlder() {
    olderWrites({ seat: SEAT, tabId: 'tab-a' })
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    tabOf(a, { holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    tabOf(b, { holds: false })
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    return { bus, a, b }
  }

  it("a new tab that takes the seat over from an older tab is named in the shared map (the older tab, standing by, asks it before \"use here\" and takes over when it leaves), and gone from it at the sign-out", async () => {
    const { b } = await newTabTookOverFromOlder()
    expect(sharedHolders()[SEAT]?.tabId).toBe('tab-b')
    b.callState(SEAT, true)
    expect(sharedHolders()[SEAT]).toMatchObject({ tabId: 'tab-b', call: true })
    b.signOut(SEAT)
    expect(storage.has('tccc.tabs.holder')).toBe(false)
  })

  it("without Web Locks, the new holder's heartbeat alone does not write the shared map again (its read-modify-write would race other agents' tabs)", async () => {
    vi.useFakeTimers()
    olderWrites({ seat: SEAT, tabId: 'tab-a', left: true })
    const bus = createFakeTabBus({ locks: false })
    const b = createTabRegistration(bus.link('tab-b'), { ...TIMING, heartbeatMs: 20, staleMs: 150 })
    tabOf(b, { holds: true })
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    expect(sharedHolders()[SEAT]?.tabId).toBe('tab-b')
    const sharedWrites = () => vi.mocked(uni.setStorageSync).mock.calls.filter(([key]) => key === 'tccc.tabs.holder').length
    const before = sharedWrites()
    const beat = b.holder(SEAT)?.beat ?? 0
    await vi.advanceTimersByTimeAsync(100)
    expect(b.holder(SEAT)?.beat ?? 0).toBeGreaterThan(beat)
    expect(sharedWrites()).toBe(before)
    b.callState(SEAT, true)
    expect(sharedWrites()).toBe(before + 1)
  })

  it('an older tab that claims the seat after a new tab held it is the holder for the new tabs: a new holder yields to it, a kick is no sign-in elsewhere', async () => {
    const { bus, a, b } = await newTabTookOverFromOlder()
    // The older tab's "use here" found no holder it could read (before), claimed and registered.
    olderWrites({ seat: SEAT, tabId: 'tab-a' })
    expect(b.holder(SEAT)?.tabId).toBe('tab-a')
    expect(b.heldElsewhere(SEAT)).toBe(true)
    // A new tab of the seat asks it.
    const c = createTabRegistration(bus.link('tab-c'), TIMING)
    tabOf(c, { holds: false })
    expect(c.holder(SEAT)?.tabId).toBe('tab-a')
    // B claims again: its claim is the newest word, over the older tab's entry.
    b.announce(SEAT)
    expect(c.holder(SEAT)?.tabId).toBe('tab-b')
    expect(sharedHolders()[SEAT]?.tabId).toBe('tab-b')
    for (const tab of [a, b, c]) tab.stop()
  })
})

describe('takeOver ("use here")', () => {
  it('the holder gives the seat up; this tab is recorded only after it released', async () => {
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    let done: () => void = () => undefined
    const releasing = new Promise<void>((resolve) => (done = resolve))
    const tabA = tabOf(a, { holds: true, releasing })
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const taking = b.takeOver(SEAT)
    // Longer than the first answer's wait: the holder said it is releasing, so it is waited for.
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(b.holder(SEAT)?.tabId).toBe('tab-a')
    done()
    await expect(taking).resolves.toEqual({ kind: 'taken' })
    expect(b.holder(SEAT)?.tabId).toBe('tab-b')
    expect(tabA.state.holds).toBe(false)
    expect(bus.posted.map((p) => (p.message as { kind: string }).kind)).toEqual(['request', 'releasing', 'released'])
  })

  it.each(['call', 'busy'] as const)('is refused by a holder that says %s; the record stays the holder\'s', async (reason) => {
    const { bus, tabA } = await busWithHolder({ holds: true, refuse: reason })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'refused', reason })
    expect(b.holder(SEAT)?.tabId).toBe('tab-a')
    expect(tabA.state.holds).toBe(true)
  })

  it('takes the seat of a holder that went away, without asking once it said so', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const tabB = tabOf(b, { holds: false })
    bus.close(linkA)
    await tick()
    expect(tabB.changed).toEqual([SEAT])
    expect(b.holderLeft(SEAT)).toBe(true)
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    expect(bus.posted.map((p) => (p.message as { kind: string }).kind)).toEqual(['left'])
    expect(b.holder(SEAT)?.tabId).toBe('tab-b')
  })

  it('takes the seat when the holder never answers (it crashed without a word)', async () => {
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    expect(b.holder(SEAT)?.tabId).toBe('tab-b')
  })

  it('a holder that reloads says it left, then registers again: the others hear it is back', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    tabOf(b, { holds: false })
    bus.close(linkA)
    await tick()
    expect(b.holderLeft(SEAT)).toBe(true)
    const reloaded = createTabRegistration(bus.link('tab-a'), TIMING)
    tabOf(reloaded, { holds: true })
    await expect(reloaded.mayRegister(SEAT)).resolves.toBe(true)
    reloaded.announce(SEAT)
    await tick()
    expect(b.holderLeft(SEAT)).toBe(false)
    await expect(b.mayRegister(SEAT)).resolves.toBe(false)
  })
})

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const kinds = (bus: ReturnType<typeof createFakeTabBus>, from?: string) => bus.posted.filter((p) => from === undefined || p.from === from).map((p) => (p.message as { kind: string }).kind)

describe("takeOver: the seat's session ends while this tab asks", () => {
  const endOf = (registration: TabRegistration, how: 'signed-out' | 'kicked' | 'expired') =>
    how === 'signed-out' ? registration.signOut(SEAT) : how === 'kicked' ? registration.kickedOut(SEAT) : registration.sessionExpired(SEAT)
  const endRecord = storedValue<{ how: string } | null>(`tabs.ended.${SEAT}`, { version: 1, fallback: () => null })

  it.each(['signed-out', 'kicked', 'expired'] as const)("the holder's %s, before it answered: ended at once, nothing claimed, the end stays recorded, the next tab asks nobody", async (how) => {
    // The holder is slow to answer (a loaded machine): no store answers for it yet.
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    await a.mayRegister(SEAT)
    // B waits long for an answer: it ends on the word, not at the wait's end.
    const b = createTabRegistration(bus.link('tab-b'), { ...TIMING, answerMs: 60_000 })
    const taking = b.takeOver(SEAT)
    await tick()
    endOf(a, how)
    await expect(taking).resolves.toEqual({ kind: 'ended', how })
    expect(b.holder(SEAT)).toBeNull()
    expect(endRecord.load()?.how).toBe(how)
    const c = createTabRegistration(bus.link('tab-c'), TIMING)
    await expect(c.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    expect(kinds(bus, 'tab-c')).toEqual([])
  })

  it('a sign-out in a third tab while the holder releases (its logout not done): ended, nothing claimed', async () => {
    const { bus } = await busWithHolder({ holds: true, releasing: new Promise<void>(() => undefined) })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const taking = b.takeOver(SEAT)
    await tick()
    expect(kinds(bus, 'tab-a')).toEqual(['releasing'])
    createTabRegistration(bus.link('tab-c'), TIMING).signOut(SEAT)
    await expect(taking).resolves.toEqual({ kind: 'ended', how: 'signed-out' })
    expect(b.holder(SEAT)).toBeNull()
  })

  it("another seat's end, or a holder's call, is not an end of this one: the seat is taken as before", async () => {
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const taking = b.takeOver(SEAT)
    await tick()
    createTabRegistration(bus.link('tab-c'), TIMING).signOut('agent2%40example%2Ecom')
    a.callState(SEAT, false)
    await expect(taking).resolves.toEqual({ kind: 'taken' })
    expect(b.holder(SEAT)?.tabId).toBe('tab-b')
  })
})


describe('a holder that went: a tab standing by takes over by itself after the grace', () => {
  it('one tab standing by: not during the grace (a reload would be back), then it takes over and says held', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    bus.close(linkA)
    await wait(TIMING.graceMs / 2)
    expect(tabB.gone).toEqual([])
    expect(kinds(bus, 'tab-b')).toEqual(['candidate'])
    await wait(TIMING.graceMs)
    expect(tabB.gone).toEqual([SEAT])
    await tick()
    expect(b.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-b' })
    expect(kinds(bus, 'tab-b')).toEqual(['candidate', 'held'])
  })

  it('a holder that reloads claims the record back at its start, within the grace: nobody takes over, before or after its held', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    bus.close(linkA)
    await tick()
    const reloaded = createTabRegistration(bus.link('tab-a'), TIMING)
    tabOf(reloaded, { holds: true })
    // Its start claims (its own record: nobody asked); its TCCC login, and held, come later.
    await expect(reloaded.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
    expect(reloaded.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a' })
    reloaded.announce(SEAT)
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
  })

  it("the holder's left mark not yet in this tab's storage when its left arrives (another tab's write can come after the channel's message): the message starts the wait, and the tab takes over", async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    bus.close(linkA)
    // Before the message is delivered, the record reads as it did before A's page went.
    holderRecordOf(SEAT).save({ seat: SEAT, tabId: 'tab-a' })
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([SEAT])
  })

  it('a reloaded holder says back: nobody takes over, even with its left mark never seen in the record', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    bus.close(linkA)
    holderRecordOf(SEAT).save({ seat: SEAT, tabId: 'tab-a' })
    await tick()
    const reloaded = createTabRegistration(bus.link('tab-a'), TIMING)
    await expect(reloaded.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    expect(kinds(bus, 'tab-a')).toEqual(['left', 'back'])
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
  })

  it('a reload slower than the grace comes back as the newest tab: it asks the tab that took over', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    bus.close(linkA)
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([SEAT])
    tabB.state.refuse = 'call'
    const reloaded = createTabRegistration(bus.link('tab-a'), TIMING)
    await expect(reloaded.takeOver(SEAT)).resolves.toEqual({ kind: 'refused', reason: 'call' })
    expect(reloaded.holder(SEAT)?.tabId).toBe('tab-b')
  })

  it('several standing by: exactly one takes over, the lowest tab id of all, whoever heard left first', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    // Opened in another order than their ids.
    const tabs = ['tab-d', 'tab-b', 'tab-c'].map((id) => ({ id, tab: tabOf(createTabRegistration(bus.link(id), TIMING), { holds: false, standsBy: true }) }))
    bus.close(linkA)
    await wait(TIMING.graceMs + TIMING.answerMs * 4)
    expect(tabs.map(({ id, tab }) => [id, tab.gone.length])).toEqual([
      ['tab-d', 0],
      ['tab-b', 1],
      ['tab-c', 0],
    ])
    expect(kinds(bus).filter((k) => k === 'held')).toHaveLength(1)
    expect(createTabRegistration(bus.link('tab-x'), TIMING).holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-b' })
  })

  /** A holds and its page goes; B (chosen, the lower id) and C stand by. */
  async function holderClosedBAndCStandingBy() {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const linkB = bus.link('tab-b')
    const tabB = tabOf(createTabRegistration(linkB, TIMING), { holds: false, standsBy: true })
    const tabC = tabOf(createTabRegistration(bus.link('tab-c'), TIMING), { holds: false, standsBy: true })
    bus.close(linkA)
    await tick()
    return { bus, linkB, tabB, tabC }
  }

  it('the chosen tab went too during the grace: the next lowest takes over once its claim did not come (ANSWER_MS later)', async () => {
    const { bus, linkB, tabB, tabC } = await holderClosedBAndCStandingBy()
    // B's page goes (it holds nothing: it marks nothing); in a browser its timers go with it.
    tabB.state.standsBy = false
    bus.close(linkB)
    await wait(TIMING.graceMs + TIMING.answerMs / 2)
    expect(tabC.gone).toEqual([])
    await wait(TIMING.answerMs * 2)
    expect(tabC.gone).toEqual([SEAT])
    expect(tabB.gone).toEqual([])
  })

  it('the chosen tab could not register and said so at once (a fast refusal, within ANSWER_MS of the others\' choice): the next lowest takes over after the grace', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    // B, chosen, claims and fails at once: signed out, it hands the seat on (abandon).
    b.serve({
      ...noAnswers,
      standsBy: (seat) => seat === SEAT && tabB.state.standsBy === true,
      holderGone: (seat) => {
        tabB.state.standsBy = false
        void b.takeOver(seat).then(() => b.abandon(seat, 'ERR_SIP_FORBIDDEN'))
      },
    })
    // C's wait ends first (B's timer fires later: a background tab's timers are throttled), so C
    // waits ANSWER_MS for B's claim, and B's failure comes within it.
    const tabC = tabOf(createTabRegistration(bus.link('tab-c'), { ...TIMING, graceMs: TIMING.graceMs - TIMING.answerMs / 2 }), { holds: false, standsBy: true })
    bus.close(linkA)
    const closedAt = Date.now()
    while (!kinds(bus, 'tab-b').includes('left') && Date.now() - closedAt < TIMING.graceMs * 3) await tick()
    expect(kinds(bus, 'tab-b')).toContain('left')
    expect(tabC.gone).toEqual([])
    await wait(TIMING.graceMs + TIMING.answerMs * 3)
    expect(tabC.gone).toEqual([SEAT])
  })

  it("the chosen tab could not register, its left heard before its claim's write reached this tab: the next lowest still takes over after the grace", async () => {
    const { linkB, tabB, tabC } = await holderClosedBAndCStandingBy()
    // B stops standing by (it is the chosen one, as its page decides); C then waits ANSWER_MS for its claim.
    tabB.state.standsBy = false
    await wait(TIMING.graceMs + TIMING.answerMs / 4)
    expect(tabC.gone).toEqual([])
    // B's failure: its left comes first, its record's write (it claimed, then marked it left) after.
    linkB.post({ kind: 'left', seat: SEAT, from: 'tab-b', failed: 'ERR_SIP_FORBIDDEN' })
    await tick()
    holderRecordOf(SEAT).save({ seat: SEAT, tabId: 'tab-b', left: true, failed: 'ERR_SIP_FORBIDDEN' })
    await wait(TIMING.answerMs + TIMING.graceMs + TIMING.answerMs * 2)
    expect(tabC.gone).toEqual([SEAT])
  })

  it('a tab opened during the grace claims at its start: nobody standing by takes over', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    bus.close(linkA)
    await tick()
    const c = createTabRegistration(bus.link('tab-c'), TIMING)
    await expect(c.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
    expect(c.holder(SEAT)?.tabId).toBe('tab-c')
  })

  it('"use here" in the grace takes over at once; the grace then ends in nothing', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    bus.close(linkA)
    await tick()
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
  })

  it('a tab not standing by (registered, signed out, another agent) says nothing and never takes over', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false })
    bus.close(linkA)
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
    expect(kinds(bus)).toEqual(['left'])
  })

  it('a holder that reloads twice: the wait starts again at its second left, the first one ended by its back', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    bus.close(linkA)
    await wait(TIMING.graceMs * 0.3)
    const linkA2 = bus.link('tab-a')
    const reloaded = createTabRegistration(linkA2, TIMING)
    tabOf(reloaded, { holds: true })
    await expect(reloaded.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    expect(kinds(bus, 'tab-a')).toEqual(['left', 'back'])
    // Its page goes again before its TCCC login (held): a second left.
    await wait(TIMING.graceMs * 0.2)
    bus.close(linkA2)
    // The first wait would have ended by now: it ended with the back.
    await wait(TIMING.graceMs * 0.6)
    expect(tabB.gone).toEqual([])
    await wait(TIMING.graceMs)
    expect(tabB.gone).toEqual([SEAT])
  })

  it('a tab that stops standing by during the grace (its own session ended) does not take over when it ends', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    bus.close(linkA)
    await tick()
    expect(kinds(bus, 'tab-b')).toEqual(['candidate'])
    tabB.state.standsBy = false
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
    expect(kinds(bus, 'tab-b')).toEqual(['candidate'])
  })

  it('the record gone during the grace (the agent signed out meanwhile): nothing is taken over, and nothing fails', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    bus.close(linkA)
    await tick()
    holderRecordOf(SEAT).clear()
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
  })

  it('a left for a seat with no record (its write not seen yet, or dropped since) starts nothing, and nothing fails', async () => {
    const bus = createFakeTabBus()
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    bus.link('tab-z').post({ kind: 'left', seat: SEAT, from: 'tab-z' })
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
    expect(tabB.changed).toEqual([SEAT])
    expect(kinds(bus, 'tab-b')).toEqual([])
  })

  it('a left from a tab the record does not name (not the holder) starts nothing', async () => {
    const { bus } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    bus.link('tab-z').post({ kind: 'left', seat: SEAT, from: 'tab-z' })
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
    expect(kinds(bus, 'tab-b')).toEqual([])
  })
})

describe('a holder that dies without a word (crashed, killed, discarded: no left)', () => {
  /** The tabs look at the holder often, and take a heartbeat for stale soon. */
  const LIVE = { ...TIMING, heartbeatMs: 20, staleMs: 150 }

  it('with Web Locks: the browser lets its lock go; a tab standing by asks it, hears nothing, says it left, and takes over after the grace', async () => {
    const bus = createFakeTabBus()
    const linkA = bus.link('tab-a')
    const a = createTabRegistration(linkA, LIVE)
    const tabA = tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), LIVE)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    await wait(LIVE.heartbeatMs * 3)
    tabA.state.holds = false
    const crashedAt = Date.now()
    bus.crash(linkA)
    while (!b.holderLeft(SEAT) && Date.now() - crashedAt < LIVE.staleMs) await tick()
    // At once (no heartbeat to wait for): the time to ask.
    expect(b.holderLeft(SEAT)).toBe(true)
    expect(tabB.changed).toEqual([SEAT])
    expect(b.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a', left: true })
    expect(tabB.gone).toEqual([])
    await wait(LIVE.graceMs + LIVE.answerMs * 2)
    expect(tabB.gone).toEqual([SEAT])
  })

  it('with Web Locks: a live holder, hidden for long (its timers throttled), keeps its lock: it is never asked, never taken over', async () => {
    const bus = createFakeTabBus()
    // Its own timers run once in a long while, as in a hidden tab.
    const a = createTabRegistration(bus.link('tab-a'), { ...LIVE, heartbeatMs: 60_000 })
    tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), LIVE)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    await wait(LIVE.staleMs + LIVE.graceMs * 2)
    expect(tabB.gone).toEqual([])
    expect(b.holderLeft(SEAT)).toBe(false)
    expect(kinds(bus, 'tab-b')).not.toContain('ping')
  })

  it('with Web Locks: a holder whose lock went with its page but which is back at once (a discarded tab reloaded as the agent looks at it): the tab standing by that asked meanwhile hears it back, and never takes it for gone', async () => {
    const bus = createFakeTabBus()
    const linkA = bus.link('tab-a')
    const a = createTabRegistration(linkA, LIVE)
    tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), LIVE)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    a.announce(SEAT)
    await wait(LIVE.heartbeatMs * 3)
    bus.crash(linkA)
    await wait(LIVE.answerMs / 4)
    expect(kinds(bus, 'tab-b')).toContain('ping')
    const reloaded = createTabRegistration(bus.link('tab-a'), LIVE)
    const reloadedTab = tabOf(reloaded, { holds: false })
    await reloaded.takeOver(SEAT)
    reloadedTab.state.holds = true
    await wait(LIVE.graceMs * 3)
    expect(tabB.gone).toEqual([])
    expect(b.holderLeft(SEAT)).toBe(false)
    expect(reloaded.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a' })
  })

  it('without Web Locks: the holder writes a heartbeat; once it is stale a tab standing by asks, hears nothing, and takes over after the grace', async () => {
    const bus = createFakeTabBus({ locks: false })
    const linkA = bus.link('tab-a')
    const a = createTabRegistration(linkA, LIVE)
    const tabA = tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    expect(typeof a.holder(SEAT)?.beat).toBe('number')
    const b = createTabRegistration(bus.link('tab-b'), LIVE)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    // Alive, it beats: never stale, never taken over.
    await wait(LIVE.staleMs * 2)
    expect(tabB.gone).toEqual([])
    expect(Date.now() - (a.holder(SEAT)?.beat ?? 0)).toBeLessThan(LIVE.staleMs)
    tabA.state.holds = false
    const crashedAt = Date.now()
    bus.crash(linkA)
    await wait(LIVE.staleMs / 2)
    expect(b.holderLeft(SEAT)).toBe(false)
    while (!b.holderLeft(SEAT) && Date.now() - crashedAt < LIVE.staleMs * 4) await tick()
    expect(b.holderLeft(SEAT)).toBe(true)
    // Asked only once its heartbeat was stale.
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(LIVE.staleMs - LIVE.heartbeatMs)
    expect(tabB.gone).toEqual([])
    await wait(LIVE.graceMs + LIVE.answerMs * 2)
    expect(tabB.gone).toEqual([SEAT])
  })

  it('without Web Locks: a live holder whose heartbeat is stale (a hidden tab\'s timers throttled to once a minute) answers the ping and is never taken over', async () => {
    const bus = createFakeTabBus({ locks: false })
    const linkA = bus.link('tab-a')
    // Its own heartbeat runs once in a long while, as in a hidden tab.
    const a = createTabRegistration(linkA, { ...LIVE, heartbeatMs: 60_000 })
    tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), LIVE)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    await wait(LIVE.staleMs * 2 + LIVE.graceMs * 2)
    expect(Date.now() - (a.holder(SEAT)?.beat ?? 0)).toBeGreaterThan(LIVE.staleMs)
    expect(tabB.gone).toEqual([])
    expect(b.holderLeft(SEAT)).toBe(false)
    expect(kinds(bus, 'tab-a')).toContain('holding')
  })
})

describe('a holder that answers a ping too late (without Web Locks, frozen past ANSWER_MS)', () => {
  const SLOW = { ...TIMING, heartbeatMs: 20, staleMs: 150 }
  /** A tab that hears everything `late.ms` late (frozen, its page throttled); it speaks at once when it does. */
  const hearingLate = (link: TabLink, late: { ms: number }): TabLink => ({ ...link, listen: (listener) => link.listen((message) => setTimeout(() => listener(message), late.ms)) })

  /** A holds, without a heartbeat since its claim (its timers throttled); B stands by and, A's beat stale, asks it. */
  async function frozenHolder(lateMs: number) {
    const bus = createFakeTabBus({ locks: false })
    const late = { ms: lateMs }
    const a = createTabRegistration(hearingLate(bus.link('tab-a'), late), { ...SLOW, heartbeatMs: 600_000 })
    const tabA = tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), SLOW)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    return { bus, late, a, tabA, b, tabB }
  }

  it('taken over before its answer: it learns at that answer that it lost the seat (its store stands by), before the new holder\'s held reaches it', async () => {
    vi.useFakeTimers()
    const { bus, a, tabA, tabB } = await frozenHolder(300)
    // B asks (stale beat), hears nothing within ANSWER_MS, waits the grace and takes over.
    await vi.advanceTimersByTimeAsync(SLOW.staleMs + SLOW.heartbeatMs + SLOW.answerMs + SLOW.graceMs + 20)
    expect(tabB.gone).toEqual([SEAT])
    expect(a.holder(SEAT)?.tabId).toBe('tab-b')
    const heldAt = bus.posted.findIndex((p) => p.from === 'tab-b' && (p.message as { kind: string }).kind === 'held')
    expect(heldAt).toBeGreaterThan(-1)
    expect(tabA.changed).toEqual([])
    // A hears the ping now (B's held is still on its way to it) and answers it.
    while (!kinds(bus, 'tab-a').includes('holding')) await vi.advanceTimersByTimeAsync(5)
    expect(tabA.changed).toEqual([SEAT])
    expect(a.holder(SEAT)?.tabId).toBe('tab-b')
    tabA.state.holds = false
  })

  it('marked gone, nobody claimed yet (the grace): its late answer claims the seat again and says held, so nobody takes over', async () => {
    vi.useFakeTimers()
    const { bus, late, a, tabA, tabB } = await frozenHolder(SLOW.answerMs + SLOW.graceMs / 2)
    a.callState(SEAT, true)
    while (!a.holder(SEAT)?.left) await vi.advanceTimersByTimeAsync(5)
    expect(tabB.gone).toEqual([])
    while (!kinds(bus, 'tab-a').includes('holding')) await vi.advanceTimersByTimeAsync(5)
    // Thawed: it hears B's next pings at once.
    late.ms = 0
    await vi.advanceTimersByTimeAsync(SLOW.graceMs * 3)
    expect(tabB.gone).toEqual([])
    expect(a.holder(SEAT)).toMatchObject({ tabId: 'tab-a', call: true })
    expect(a.holder(SEAT)?.left).toBeUndefined()
    expect(kinds(bus, 'tab-a')).toEqual(expect.arrayContaining(['holding', 'held']))
    tabA.state.holds = false
    tabB.state.standsBy = false
  })
})

describe('the look at holders every HEARTBEAT_MS: only while this tab holds or stands by', () => {
  const LOOK = { ...TIMING, heartbeatMs: 20, staleMs: 150 }
  const storageCalls = () => vi.mocked(uni.getStorageSync).mock.calls.length + vi.mocked(uni.getStorageInfoSync).mock.calls.length + vi.mocked(uni.setStorageSync).mock.calls.length

  it('signed out, the timer stops: no storage read or written on a timer; holding again, it beats again', async () => {
    vi.useFakeTimers()
    const a = createTabRegistration(createFakeTabBus({ locks: false }).link('tab-a'), LOOK)
    const tabA = tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    const claimedBeat = a.holder(SEAT)?.beat ?? 0
    vi.advanceTimersByTime(LOOK.heartbeatMs * 3)
    expect(a.holder(SEAT)?.beat).toBeGreaterThan(claimedBeat)
    // The agent signs out: the store no longer holds (nor stands by), the record is dropped.
    tabA.state.holds = false
    a.signOut(SEAT)
    const calls = storageCalls()
    vi.advanceTimersByTime(60_000)
    expect(storageCalls()).toBe(calls)
    expect(vi.getTimerCount()).toBe(0)
    // Signed in again: it beats again.
    tabA.state.holds = true
    await a.mayRegister(SEAT)
    const again = a.holder(SEAT)?.beat ?? 0
    vi.advanceTimersByTime(LOOK.heartbeatMs * 3)
    expect(a.holder(SEAT)?.beat).toBeGreaterThan(again)
    tabA.state.holds = false
  })

  it('a tab that stands by after its timer stopped (it signed out, then stood by) looks again: a holder gone silent is asked', async () => {
    vi.useFakeTimers()
    const bus = createFakeTabBus({ locks: false })
    const a = createTabRegistration(bus.link('tab-a'), LOOK)
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), LOOK)
    const tabB = tabOf(b, { holds: false })
    vi.advanceTimersByTime(60_000)
    expect(kinds(bus, 'tab-b')).toEqual([])
    tabB.state.standsBy = true
    b.standBy(SEAT)
    // A writes no heartbeat (no store answers for it): stale after staleMs, then B asks it.
    vi.advanceTimersByTime(LOOK.staleMs + LOOK.heartbeatMs * 2)
    expect(kinds(bus, 'tab-b')).toContain('ping')
    tabB.state.standsBy = false
  })
})

describe('stop: a tab whose agreement ended', () => {
  it('runs no timer on (holding or waiting to take over), hears nothing, and its lock goes', async () => {
    vi.useFakeTimers()
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), { ...TIMING, heartbeatMs: 20, staleMs: 150 })
    const tabA = tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), { ...TIMING, heartbeatMs: 20, staleMs: 150 })
    const tabB = tabOf(b, { holds: false, standsBy: true })
    b.standBy(SEAT)
    expect(vi.getTimerCount()).toBeGreaterThan(0)
    a.stop()
    b.stop()
    expect(vi.getTimerCount()).toBe(0)
    // A third tab signs out: the stopped tabs are told nothing (their stores would sign out).
    createTabRegistration(bus.link('tab-c')).signOut(SEAT)
    await vi.advanceTimersByTimeAsync(1_000)
    expect([tabA.signedOut, tabA.changed, tabB.signedOut, tabB.changed]).toEqual([[], [], [], []])
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('the look at holders every HEARTBEAT_MS', () => {
  it.each([true, false])('reads only the seats this tab holds or stands by for, never lists the storage (H5: that reads every stored value) (Web Locks: %s)', async (locks) => {
    vi.useFakeTimers()
    const bus = createFakeTabBus({ locks })
    const timing = { ...TIMING, heartbeatMs: 20, staleMs: 150 }
    const a = createTabRegistration(bus.link('tab-a'), timing)
    tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    a.announce(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), timing)
    tabOf(b, { holds: false, standsBy: true })
    await vi.advanceTimersByTimeAsync(10)
    const listings = vi.mocked(uni.getStorageInfoSync).mock.calls.length
    await vi.advanceTimersByTimeAsync(100)
    expect(vi.mocked(uni.getStorageInfoSync).mock.calls.length).toBe(listings)
    // Still looked at: the holder's heartbeat goes on (no Web Locks), B still waits on A.
    if (!locks) expect((a.holder(SEAT)?.beat ?? 0) > Date.now() - 50).toBe(true)
    for (const tab of [a, b]) tab.stop()
  })
})

describe('stop, then the page goes', () => {
  it('a stopped tab that was retrying by itself marks nothing left and says nothing as its page goes or comes back', async () => {
    const bus = createFakeTabBus()
    const linkA = bus.link('tab-a')
    const a = createTabRegistration(linkA, TIMING)
    tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    a.drop(SEAT, true)
    a.stop()
    bus.hide(linkA)
    bus.back(linkA)
    bus.close(linkA)
    await tick()
    expect(bus.posted).toEqual([])
    expect(holderRecordOf(SEAT).load()).toBeNull()
  })
})

describe('the App (one lone tab: no other tab ever answers)', () => {
  it('runs no heartbeat and no look at holders: nothing is read or written on a timer while it holds', async () => {
    vi.useFakeTimers()
    const a = createTabRegistration(createLoneTabLink(), { ...TIMING, heartbeatMs: 20, staleMs: 150 })
    tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    a.announce(SEAT)
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: a.tabId })
    expect(vi.getTimerCount()).toBe(0)
    const writes = vi.mocked(uni.setStorageSync).mock.calls.length
    const reads = vi.mocked(uni.getStorageSync).mock.calls.length
    vi.advanceTimersByTime(60_000)
    expect(vi.mocked(uni.setStorageSync).mock.calls.length).toBe(writes)
    expect(vi.mocked(uni.getStorageSync).mock.calls.length).toBe(reads)
  })
})

describe('the back-forward cache', () => {
  it('a holder gone into it is taken over after the grace (no calls reach a page there); back, it is told another tab holds the seat', async () => {
    const { bus, linkA, a, tabA } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    bus.hide(linkA)
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([SEAT])
    bus.back(linkA)
    await tick()
    expect(tabA.changed).toEqual([SEAT])
    expect(a.heldElsewhere(SEAT)).toBe(true)
  })

  it('a tab standing by that was in it when the holder left (not heard) takes over once back, after the grace', async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const linkB = bus.link('tab-b')
    const tabB = tabOf(createTabRegistration(linkB, TIMING), { holds: false, standsBy: true })
    bus.hide(linkB)
    bus.close(linkA)
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
    bus.back(linkB)
    expect(tabB.changed).toEqual([SEAT])
    await wait(TIMING.graceMs / 2)
    expect(tabB.gone).toEqual([])
    await wait(TIMING.graceMs)
    expect(tabB.gone).toEqual([SEAT])
  })

  it("a tab standing by that went into it during the grace, while the holder reloaded (its back not heard): back, it never takes over from the live holder, and its 'use here' asks it", async () => {
    const { bus, linkA } = await busWithHolder({ holds: true })
    const linkB = bus.link('tab-b')
    const b = createTabRegistration(linkB, TIMING)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    bus.close(linkA)
    await tick()
    expect(b.holderLeft(SEAT)).toBe(true)
    bus.hide(linkB)
    const reloaded = createTabRegistration(bus.link('tab-a'), TIMING)
    tabOf(reloaded, { holds: true, refuse: 'call' })
    await expect(reloaded.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    reloaded.announce(SEAT)
    await wait(TIMING.graceMs * 2)
    bus.back(linkB)
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
    expect(b.holderLeft(SEAT)).toBe(false)
    expect(tabB.changed).toEqual([SEAT, SEAT])
    // Asked, its live call refuses: never registered over it.
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'refused', reason: 'call' })
  })

  it('back while the holder holds (its record not left), or while not standing by: nothing to take over', async () => {
    const { bus } = await busWithHolder({ holds: true })
    const linkB = bus.link('tab-b')
    const tabB = tabOf(createTabRegistration(linkB, TIMING), { holds: false, standsBy: true })
    bus.hide(linkB)
    bus.back(linkB)
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
    expect(tabB.changed).toEqual([])
    expect(bus.posted).toEqual([])
  })

  it.each([
    ['kickedOut', 'kicked'],
    ['signOut', 'signedOut'],
    ['sessionExpired', 'expired'],
  ] as const)('a tab standing by that was in it when the holder ended the session (%s, not heard) is told once back, as if it heard it; not for an end before it went, nor once a tab claimed the seat since', async (end, heard) => {
    const { bus, linkA, a } = await busWithHolder({ holds: true })
    const linkB = bus.link('tab-b')
    const tabB = tabOf(createTabRegistration(linkB, TIMING), { holds: false, standsBy: true })
    bus.hide(linkB)
    a[end](SEAT)
    await tick()
    expect(tabB[heard]).toEqual([])
    bus.back(linkB)
    expect(tabB[heard]).toEqual([SEAT])
    // Heard (or told) already: back again, nothing new.
    bus.hide(linkB)
    bus.back(linkB)
    expect(tabB[heard]).toEqual([SEAT])
    // A tab claimed the seat since the end: nothing to tell about it.
    bus.hide(linkB)
    a[end](SEAT)
    await createTabRegistration(bus.link('tab-c'), TIMING).mayRegister(SEAT)
    bus.back(linkB)
    expect(tabB[heard]).toEqual([SEAT])
    bus.close(linkA)
  })

  it('a holder back from it holds again: a tab opened afterwards asks it (its live call refuses) instead of claiming at once', async () => {
    const { bus, linkA, a, tabA } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    tabOf(b, { holds: false })
    // The agent went to another site in the holder's tab and came back (its page kept, still registered).
    bus.hide(linkA)
    bus.back(linkA)
    await tick()
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a' })
    expect(b.holderLeft(SEAT)).toBe(false)
    // A call there now: a new tab of the agent must not register over it.
    tabA.state.refuse = 'call'
    const c = createTabRegistration(bus.link('tab-c'), TIMING)
    await expect(c.takeOver(SEAT)).resolves.toEqual({ kind: 'refused', reason: 'call' })
    expect(c.holder(SEAT)?.tabId).toBe('tab-a')
  })

  it('a holder back from it after another tab took the seat meanwhile is told so (it stands by), the record stays the other\'s', async () => {
    const { bus, linkA, a, tabA } = await busWithHolder({ holds: true })
    bus.hide(linkA)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    b.announce(SEAT)
    // Not heard in the cache.
    await tick()
    expect(tabA.changed).toEqual([])
    bus.back(linkA)
    await tick()
    expect(tabA.changed).toEqual([SEAT])
    expect(a.holder(SEAT)?.tabId).toBe('tab-b')
    expect(a.heldElsewhere(SEAT)).toBe(true)
  })

  it('a holder back from it after the agent signed out in another tab meanwhile (not heard in the cache) signs out too, never holding again', async () => {
    const { bus, linkA, a, tabA } = await busWithHolder({ holds: true })
    bus.hide(linkA)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    b.signOut(SEAT)
    await tick()
    bus.back(linkA)
    await tick()
    expect(tabA.signedOut).toEqual([SEAT])
    expect(a.holder(SEAT)).toBeNull()
    expect(bus.posted.filter((p) => p.from === 'tab-a').map((p) => (p.message as { kind: string }).kind)).toEqual(['left'])
  })
})

describe('the twenty-fifth session\'s survivors: a page that goes, a release that never ends, no holder at all', () => {
  it('a tab whose own record names it but that no longer holds (signed out, its drop not written) says nothing as its page goes', async () => {
    const { bus, linkA, a } = await busWithHolder({ holds: false })
    bus.close(linkA)
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a' })
    expect(bus.posted).toEqual([])
  })

  it('a tab no store serves yet, recorded as a holder, goes without failing; nor does one that hears held, left, back or a sign-out', async () => {
    const { bus, a } = await busWithHolder({ holds: true })
    const linkC = bus.link('tab-c')
    const c = createTabRegistration(linkC, TIMING)
    await c.mayRegister('agent2%40example%2Ecom')
    a.announce(SEAT)
    const z = bus.link('tab-z')
    for (const kind of ['left', 'back'] as const) z.post({ kind, seat: SEAT, from: 'tab-z' })
    a.signOut(SEAT)
    await tick()
    bus.close(linkC)
    expect(c.holder('agent2%40example%2Ecom')).toEqual({ seat: 'agent2%40example%2Ecom', tabId: 'tab-c' })
    expect(kinds(bus, 'tab-c')).toEqual([])
  })

  it("a holder that says it is releasing and never says released: the seat is taken after RELEASE_MS (the timing's releaseMs)", async () => {
    const { bus } = await busWithHolder({ holds: true, releasing: new Promise<void>(() => undefined) })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const started = Date.now()
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMING.releaseMs - 5)
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it("'use here' takes only a refusal or a release for its answer: the holder's call going live meanwhile is not one", async () => {
    const { bus, a } = await busWithHolder({ holds: true, refuse: 'call' })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const taking = b.takeOver(SEAT)
    // A's call goes live as B asks: its call message reaches B before its refusal.
    a.callState(SEAT, true)
    await expect(taking).resolves.toEqual({ kind: 'refused', reason: 'call' })
    expect(b.holder(SEAT)?.tabId).toBe('tab-a')
  })

  it('a holder that never answers is taken for gone after ANSWER_MS, without waiting for a release too', async () => {
    const bus = createFakeTabBus()
    await createTabRegistration(bus.link('tab-a'), TIMING).mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), { answerMs: 40, releaseMs: 60_000 })
    const started = Date.now()
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('with no record of the seat, no holder left and none is on a call', () => {
    const bus = createFakeTabBus()
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    expect(b.holderLeft(SEAT)).toBe(false)
    expect(b.heldElsewhere(SEAT)).toBe(false)
    expect(b.holderOnCall(SEAT)).toBe(false)
  })
})

describe('the back-forward cache: tabs that neither stand by nor hold', () => {
  it('a tab not standing by (signed out, another agent) back from it is told nothing of the holder: not its call, not that it left', async () => {
    const { bus, linkA, a } = await busWithHolder({ holds: true })
    const linkB = bus.link('tab-b')
    const tabB = tabOf(createTabRegistration(linkB, TIMING), { holds: false })
    bus.hide(linkB)
    a.callState(SEAT, true)
    bus.back(linkB)
    expect(tabB.holderCalls).toEqual([])
    expect(tabB.changed).toEqual([])
    bus.hide(linkB)
    bus.close(linkA)
    // Its left is not heard in the cache.
    await tick()
    bus.back(linkB)
    await wait(TIMING.graceMs * 2)
    expect(tabB.changed).toEqual([])
    expect(tabB.gone).toEqual([])
    expect(kinds(bus, 'tab-b')).toEqual([])
  })

  it('a holder back from it that no longer holds (its store let the seat go meanwhile) claims nothing and says nothing', async () => {
    const { bus, linkA, a, tabA } = await busWithHolder({ holds: true })
    bus.hide(linkA)
    tabA.state.holds = false
    bus.back(linkA)
    await tick()
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a', left: true })
    expect(kinds(bus, 'tab-a')).toEqual(['left'])
    expect(tabA.changed).toEqual([])
    expect(tabA.signedOut).toEqual([])
  })

  it('a tab no store serves yet hears a kick and comes back from it without failing, and changes nothing', async () => {
    const { bus, a } = await busWithHolder({ holds: true })
    const linkB = bus.link('tab-b')
    const b = createTabRegistration(linkB, TIMING)
    a.callState(SEAT, true)
    bus.hide(linkB)
    bus.back(linkB)
    a.kickedOut(SEAT)
    await tick()
    expect(b.holder(SEAT)).toBeNull()
    expect(kinds(bus, 'tab-b')).toEqual([])
  })
})

describe('signOut (the agent signed out in a tab)', () => {
  it('drops the seat\'s record whichever tab it names and tells every other tab of the browser', async () => {
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const c = createTabRegistration(bus.link('tab-c'), TIMING)
    const tabA = tabOf(a, { holds: true })
    const tabB = tabOf(b, { holds: false })
    const tabC = tabOf(c, { holds: false })
    await a.mayRegister(SEAT)
    b.signOut(SEAT)
    expect(a.holder(SEAT)).toBeNull()
    await tick()
    expect(tabA.signedOut).toEqual([SEAT])
    expect(tabC.signedOut).toEqual([SEAT])
    // Never to itself.
    expect(tabB.signedOut).toEqual([])
  })
})

describe('kickedOut (the holder was kicked by a sign-in on another browser or device)', () => {
  it("drops this tab's record and tells every other tab of the browser at once, never itself", async () => {
    const { bus, a, tabA } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const c = createTabRegistration(bus.link('tab-c'), TIMING)
    const tabB = tabOf(b, { holds: false })
    const tabC = tabOf(c, { holds: false })
    a.kickedOut(SEAT)
    expect(b.holder(SEAT)).toBeNull()
    await tick()
    expect(tabB.kicked).toEqual([SEAT])
    expect(tabC.kicked).toEqual([SEAT])
    expect(tabA.kicked).toEqual([])
    // Not a sign-out by the agent.
    expect(tabB.signedOut).toEqual([])
  })

  it('with no record left (dropped already) still tells the other tabs', async () => {
    const { bus, a } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false })
    a.drop(SEAT)
    a.kickedOut(SEAT)
    await tick()
    expect(tabB.kicked).toEqual([SEAT])
    expect(a.holder(SEAT)).toBeNull()
  })

  it("leaves a record that names another tab (it registered since) and another agent's", async () => {
    const { bus, a } = await busWithHolder({ holds: true })
    await a.mayRegister('agent2%40example%2Ecom')
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await b.takeOver(SEAT)
    a.kickedOut(SEAT)
    expect(b.holder(SEAT)?.tabId).toBe('tab-b')
    b.kickedOut(SEAT)
    expect(b.holder(SEAT)).toBeNull()
    expect(b.holder('agent2%40example%2Ecom')?.tabId).toBe('tab-a')
  })
})

describe('sessionExpired (the holder found the agent\'s session refused)', () => {
  it("drops this tab's record and tells every other tab of the browser at once, never itself", async () => {
    const { bus, a, tabA } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    a.sessionExpired(SEAT)
    expect(a.holder(SEAT)).toBeNull()
    await tick()
    expect(tabB.expired).toEqual([SEAT])
    expect(tabA.expired).toEqual([])
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([])
  })
})

describe("callState (the holder's call went live or ended)", () => {
  it('the tabs of the seat hear it from the recorded holder only, never from another tab or in a malformed message', async () => {
    const { bus, a } = await busWithHolder({ holds: true })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false })
    a.callState(SEAT, true)
    createTabRegistration(bus.link('tab-c'), TIMING).callState(SEAT, false)
    const forger = bus.link('forger')
    forger.post({ kind: 'call', seat: SEAT, from: 'tab-a' })
    forger.post({ kind: 'call', seat: SEAT, from: 'tab-a', live: 'yes' })
    await tick()
    a.callState(SEAT, false)
    await tick()
    expect(tabB.holderCalls).toEqual([
      [SEAT, true],
      [SEAT, false],
    ])
  })
})

describe('holderBusy (the live holder still signing in, as this tab knows it)', () => {
  it('from its refusal as busy until it says it registered (held) or went (left); its reload (back) does not end it; another tab\'s held does not', async () => {
    for (const end of ['held', 'left'] as const) {
      const { bus, linkA, a } = await busWithHolder({ holds: true, refuse: 'busy' })
      const b = createTabRegistration(bus.link('tab-b'), TIMING)
      expect(b.holderBusy(SEAT)).toBe(false)
      await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'refused', reason: 'busy' })
      expect(b.holderBusy(SEAT)).toBe(true)
      linkA.post({ kind: 'back', seat: SEAT, from: 'tab-a' })
      bus.link('tab-x').post({ kind: 'held', seat: SEAT, from: 'tab-x' })
      await tick()
      expect(b.holderBusy(SEAT)).toBe(true)
      if (end === 'held') a.announce(SEAT)
      else bus.close(linkA)
      await tick()
      expect(b.holderBusy(SEAT), end).toBe(false)
    }
  })
})

describe("callState: what is heard", () => {
  it("a tab's own call with no record of the seat (dropped meanwhile) writes none and is still said", async () => {
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    a.callState(SEAT, true)
    expect(a.holder(SEAT)).toBeNull()
    expect(kinds(bus, 'tab-a')).toEqual(['call'])
  })

  it('a call message for a seat nobody is recorded as holding is ignored, and nothing fails', async () => {
    const bus = createFakeTabBus()
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    bus.link('tab-z').post({ kind: 'call', seat: SEAT, from: 'tab-z', live: true })
    await tick()
    expect(tabB.holderCalls).toEqual([])
  })

  it("what this tab heard of the holder's call wins over a record that lags behind it (another tab's write can come after the message)", async () => {
    const { bus, a } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    tabOf(b, { holds: false, standsBy: true })
    a.callState(SEAT, true)
    await tick()
    expect(b.holderOnCall(SEAT)).toBe(true)
    a.callState(SEAT, false)
    // This tab's storage still shows the call as the end's message arrives.
    holderRecordOf(SEAT).save({ seat: SEAT, tabId: 'tab-a', call: true })
    await tick()
    expect(b.holderOnCall(SEAT)).toBe(false)
  })
})

describe("holderOnCall (the live holder's call, as this tab knows it)", () => {
  it('as last heard: a refusal for a call, then its end, whatever this tab answers meanwhile; none once the holder left', async () => {
    const { bus, linkA, a } = await busWithHolder({ holds: true, refuse: 'call' })
    a.callState(SEAT, true)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'refused', reason: 'call' })
    expect(b.holderOnCall(SEAT)).toBe(true)
    a.callState(SEAT, false)
    await tick()
    expect(b.holderOnCall(SEAT)).toBe(false)
    a.callState(SEAT, true)
    await tick()
    expect(b.holderOnCall(SEAT)).toBe(true)
    bus.close(linkA)
    await tick()
    expect(b.holderOnCall(SEAT)).toBe(false)
  })

  it("a refusal for a call says the holder is on one, also unheard (its call message lost, no call mark); a busy refusal does not", async () => {
    const { bus, tabA } = await busWithHolder({ holds: true, refuse: 'call' })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    expect(b.holderOnCall(SEAT)).toBe(false)
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'refused', reason: 'call' })
    expect(b.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a' })
    expect(b.holderOnCall(SEAT)).toBe(true)
    // On a call, not signing in.
    expect(b.holderBusy(SEAT)).toBe(false)
    tabA.state.refuse = 'busy'
    const c = createTabRegistration(bus.link('tab-c'), TIMING)
    await expect(c.takeOver(SEAT)).resolves.toEqual({ kind: 'refused', reason: 'busy' })
    expect(c.holderOnCall(SEAT)).toBe(false)
  })

  it("a tab that claims the seat of a holder that went silent on a call (crashed) does not take its call mark", async () => {
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    await a.mayRegister(SEAT)
    a.callState(SEAT, true)
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a', call: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    // A answers nothing (no store serves it): taken for gone after ANSWER_MS.
    await expect(b.mayRegister(SEAT)).resolves.toBe(true)
    expect(b.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-b' })
  })

  it("in the record while live: a tab back from the back-forward cache, which heard nothing meanwhile, is told its holder's call either way", async () => {
    const { bus, a } = await busWithHolder({ holds: true })
    const linkB = bus.link('tab-b')
    const b = createTabRegistration(linkB, TIMING)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    bus.hide(linkB)
    a.callState(SEAT, true)
    expect(b.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a', call: true })
    await tick()
    expect(tabB.holderCalls).toEqual([])
    bus.back(linkB)
    expect(tabB.holderCalls).toEqual([[SEAT, true]])
    expect(b.holderOnCall(SEAT)).toBe(true)
    bus.hide(linkB)
    a.callState(SEAT, false)
    expect(b.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a' })
    bus.back(linkB)
    expect(tabB.holderCalls).toEqual([
      [SEAT, true],
      [SEAT, false],
    ])
    expect(b.holderOnCall(SEAT)).toBe(false)
  })

  it("a holder's page that goes takes its call's mark with it, its announce (a renewal during the call) does not; a tab that does not hold the seat writes none", async () => {
    const { bus, linkA, a } = await busWithHolder({ holds: true })
    a.callState(SEAT, true)
    a.announce(SEAT)
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a', call: true })
    bus.close(linkA)
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a', left: true })
    const c = createTabRegistration(bus.link('tab-c'), TIMING)
    c.callState(SEAT, true)
    expect(c.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a', left: true })
  })
})

describe('abandon (a take-over that could not register)', () => {
  it('leaves the seat as by a page that went: after the grace a tab standing by takes over; a seat another tab claimed since is left alone', async () => {
    const { bus, a } = await busWithHolder({ holds: false })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    // Its claim went with the sign-out (drop): abandon writes the record again, marked left.
    a.drop(SEAT)
    a.abandon(SEAT)
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a', left: true })
    expect(kinds(bus, 'tab-a')).toEqual(['left'])
    await wait(TIMING.graceMs / 2)
    expect(tabB.gone).toEqual([])
    await wait(TIMING.graceMs)
    expect(tabB.gone).toEqual([SEAT])
    await tick()
    a.abandon(SEAT)
    expect(a.holder(SEAT)?.tabId).toBe('tab-b')
    expect(kinds(bus, 'tab-a')).toEqual(['left'])
  })
})

describe('holderFailure (why the tab that took over could not register)', () => {
  it('as its left says, else as its record does (a tab back from the back-forward cache); none for a page that just went, none once a tab holds again', async () => {
    const { bus, linkA, a, tabA } = await busWithHolder({ holds: false })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    tabOf(b, { holds: false })
    a.abandon(SEAT, 'TCCC_REFUSED')
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a', left: true, failed: 'TCCC_REFUSED' })
    await tick()
    expect(b.holderLeft(SEAT)).toBe(true)
    expect(b.holderFailure(SEAT)).toBe('TCCC_REFUSED')
    // Its record alone says it to a tab that heard nothing.
    const c = createTabRegistration(bus.link('tab-c'), TIMING)
    expect(c.holderFailure(SEAT)).toBe('TCCC_REFUSED')
    // Registered again: no failure.
    a.announce(SEAT)
    await tick()
    expect(b.holderFailure(SEAT)).toBeNull()
    expect(c.holderFailure(SEAT)).toBeNull()
    // A page that goes has no failure to tell.
    tabA.state.holds = true
    bus.close(linkA)
    await tick()
    expect(b.holderLeft(SEAT)).toBe(true)
    expect(b.holderFailure(SEAT)).toBeNull()
  })
})

describe('abandon: the take-over\'s own claim still recorded', () => {
  it('a record that still names this tab is marked left and the others are told, as when its claim was dropped first', async () => {
    const { bus, a } = await busWithHolder({ holds: false })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    a.abandon(SEAT)
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a', left: true })
    expect(kinds(bus, 'tab-a')).toEqual(['left'])
    await wait(TIMING.graceMs * 2)
    expect(tabB.gone).toEqual([SEAT])
  })
})

describe('drop (signed out)', () => {
  it("forgets the record only when it names this tab", async () => {
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await a.mayRegister(SEAT)
    b.drop(SEAT)
    expect(a.holder(SEAT)?.tabId).toBe('tab-a')
    a.drop('another-seat')
    expect(a.holder(SEAT)?.tabId).toBe('tab-a')
    a.drop(SEAT)
    expect(a.holder(SEAT)).toBeNull()
  })

  it('retrying (a passing failure): its page going before it claimed again leaves the seat for a tab standing by; not once another tab claimed it, nor once it claimed again', async () => {
    const { bus, linkA, a } = await busWithHolder({ holds: false })
    const tabB = tabOf(createTabRegistration(bus.link('tab-b'), TIMING), { holds: false, standsBy: true })
    a.drop(SEAT, true)
    expect(a.holder(SEAT)).toBeNull()
    bus.close(linkA)
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a', left: true })
    await wait(TIMING.graceMs + TIMING.answerMs * 2)
    expect(tabB.gone).toEqual([SEAT])

    const linkC = bus.link('tab-c')
    const c = createTabRegistration(linkC, TIMING)
    await c.takeOver(SEAT)
    c.drop(SEAT, true)
    await c.takeOver(SEAT)
    bus.close(linkC)
    expect(kinds(bus, 'tab-c')).not.toContain('left')
    const linkD = bus.link('tab-d')
    const d = createTabRegistration(linkD, TIMING)
    d.drop(SEAT, true)
    await c.takeOver(SEAT)
    bus.close(linkD)
    expect(kinds(bus, 'tab-d')).toEqual([])
    expect(d.holder(SEAT)?.tabId).toBe('tab-c')
  })

  it('ignores what is not a message of this agreement, or meant for another tab', async () => {
    const { bus, tabA } = await busWithHolder({ holds: true })
    const stranger = bus.link('tab-x')
    stranger.post('hello')
    stranger.post({ kind: 'held', seat: 5, from: 'tab-x' })
    stranger.post({ kind: 'request', seat: SEAT, from: 'tab-x', to: 'tab-other' })
    stranger.post({ kind: 'ping', seat: SEAT, from: 'tab-a' })
    await tick()
    expect(tabA.changed).toEqual([])
    expect(tabA.state.holds).toBe(true)
    expect(bus.posted.filter((p) => p.from === 'tab-a')).toEqual([])
  })
})

describe('what a tab takes for an answer', () => {
  /** Tab A recorded as the holder but silent (it answers nothing), tab B asking, and a forger. */
  async function silentHolder() {
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const forger = bus.link('forger')
    return { bus, b, forger }
  }
  const OTHER_SEAT = 'agent2%40example%2Ecom'

  it('a ping is answered only by the holder, for this seat, saying holding: anything else and the silent holder is taken for gone', async () => {
    const { b, forger } = await silentHolder()
    const asked = b.mayRegister(SEAT)
    forger.post(null)
    forger.post('holding')
    forger.post({ kind: 'holding', seat: OTHER_SEAT, from: 'tab-a', to: 'tab-b' })
    forger.post({ kind: 'holding', seat: SEAT, from: 'tab-z', to: 'tab-b' })
    forger.post({ kind: 'holding', seat: SEAT, from: 'tab-a', to: 'tab-c' })
    forger.post({ kind: 'releasing', seat: SEAT, from: 'tab-a', to: 'tab-b' })
    forger.post({ kind: 'holding', seat: 7, from: 'tab-a', to: 'tab-b' })
    forger.post({ kind: 'holding', seat: SEAT, from: 7, to: 'tab-b' })
    forger.post({ kind: 'holdings', seat: SEAT, from: 'tab-a', to: 'tab-b' })
    await expect(asked).resolves.toBe(true)
    expect(b.holder(SEAT)?.tabId).toBe('tab-b')
  })

  it("'use here' hears only the holder's refusal or release for this seat; a release waits for the holder's own 'released'", async () => {
    const { b, forger } = await silentHolder()
    const taking = b.takeOver(SEAT)
    forger.post({ kind: 'refused', seat: OTHER_SEAT, from: 'tab-a', to: 'tab-b', reason: 'call' })
    forger.post({ kind: 'refused', seat: SEAT, from: 'tab-z', to: 'tab-b', reason: 'call' })
    forger.post({ kind: 'holding', seat: SEAT, from: 'tab-a', to: 'tab-b' })
    await expect(taking).resolves.toEqual({ kind: 'taken' })

    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    let release = () => undefined as void
    tabOf(a, { holds: true, releasing: new Promise<void>((resolve) => (release = resolve)) })
    await a.mayRegister(SEAT)
    const c = createTabRegistration(bus.link('tab-c'), { answerMs: 40, releaseMs: 60_000 })
    const fake = bus.link('forger')
    let settled = false
    const moved = c.takeOver(SEAT).then((r) => {
      settled = true
      return r
    })
    await tick()
    await tick()
    fake.post({ kind: 'released', seat: SEAT, from: 'tab-z', to: 'tab-c' })
    fake.post({ kind: 'released', seat: OTHER_SEAT, from: 'tab-a', to: 'tab-c' })
    fake.post({ kind: 'releasing', seat: SEAT, from: 'tab-a', to: 'tab-c' })
    await tick()
    await tick()
    expect(settled).toBe(false)
    release()
    await expect(moved).resolves.toEqual({ kind: 'taken' })
    expect(c.holder(SEAT)?.tabId).toBe('tab-c')
  })

  it.each([
    ['a tab id not text', { [SEAT]: { seat: SEAT, tabId: 5 } }],
    ['a seat not the key', { [SEAT]: { seat: 'agent3', tabId: 'tab-a' } }],
    ['left not true', { [SEAT]: { seat: SEAT, tabId: 'tab-a', left: false } }],
    ['a holder not an object', { [SEAT]: 'tab-a' }],
    ['a null holder', { [SEAT]: null }],
    ['a list', [{ seat: SEAT, tabId: 'tab-a' }]],
    ['a seat not text', { [SEAT]: { seat: 5, tabId: 'tab-a' } }],
  ])("older versions' shared holder record with %s is unreadable: nobody holds, the seat is claimed without asking", async (_what, data) => {
    storage.set('tccc.tabs.holder', JSON.stringify({ v: 2, data }))
    const bus = createFakeTabBus()
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    expect(b.holder(SEAT)).toBeNull()
    await expect(b.mayRegister(SEAT)).resolves.toBe(true)
    expect(bus.posted).toEqual([])
  })

  it.each([
    ["older versions' shared", () => storage.set('tccc.tabs.holder', JSON.stringify({ v: 2, data: { [SEAT]: { seat: SEAT, tabId: 'tab-a' } } }))],
    ["the seat's own", () => holderRecordOf(SEAT).save({ seat: SEAT, tabId: 'tab-a' })],
  ])('a well-formed stored holder record (%s) is read: the recorded holder is asked', async (_where, store) => {
    store()
    const bus = createFakeTabBus()
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    expect(b.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a' })
    await expect(b.mayRegister(SEAT)).resolves.toBe(true)
    expect(bus.posted.map((p) => (p.message as { kind: string }).kind)).toEqual(['ping'])
  })

  it.each([
    ['a tab id not text', { seat: SEAT, tabId: 5 }],
    ['a seat not its key', { seat: 'agent3', tabId: 'tab-a' }],
    ['left not true', { seat: SEAT, tabId: 'tab-a', left: false }],
    ['a beat not a number', { seat: SEAT, tabId: 'tab-a', beat: 'now' }],
    ['a holder not an object', 'tab-a'],
    ['a list', [{ seat: SEAT, tabId: 'tab-a' }]],
  ])("a seat's own holder record with %s is unreadable, whatever the shared map mirrors of it for older versions: nobody holds", async (_what, data) => {
    holderRecordOf(SEAT).save(data)
    storage.set('tccc.tabs.holder', JSON.stringify({ v: 2, data: { [SEAT]: { seat: SEAT, tabId: 'tab-a', mirrored: true } } }))
    const bus = createFakeTabBus()
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    expect(b.holder(SEAT)).toBeNull()
    await expect(b.mayRegister(SEAT)).resolves.toBe(true)
    expect(bus.posted).toEqual([])
  })
})

describe("survivors of the twenty-eighth session's run (the twenty-seventh session's lines): liveness, session ends, a duplicated left", () => {
  const LIVE = { ...TIMING, heartbeatMs: 20, staleMs: 150 }
  const OTHER_SEAT = 'agent2%40example%2Ecom'
  const endRecordOf = (seat: string) => storedValue<{ how: string } | null>(`tabs.ended.${seat}`, { version: 1, fallback: () => null })
  const endWrites = () => vi.mocked(uni.setStorageSync).mock.calls.filter(([key]) => String(key).startsWith('tccc.tabs.ended')).length

  /** Holder A (live), B standing by, both looking at holders every 20 ms. */
  async function holderAndStandingBy(options: { locks?: boolean } = {}) {
    const bus = createFakeTabBus(options)
    const linkA = bus.link('tab-a')
    const a = createTabRegistration(linkA, LIVE)
    const tabA = tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), LIVE)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    await wait(LIVE.heartbeatMs * 3)
    return { bus, linkA, a, tabA, b, tabB }
  }

  /** The holder crashed (no word, no heartbeat) and B, standing by, has just pinged it. */
  async function holderCrashedAndPinged() {
    const tabs = await holderAndStandingBy()
    tabs.tabA.state.holds = false
    tabs.bus.crash(tabs.linkA)
    while (!kinds(tabs.bus, 'tab-b').includes('ping')) await tick()
    return tabs
  }

  /** Runs `body` and answers the promise rejections nobody handled meanwhile. */
  async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
    const failures: unknown[] = []
    const onRejection = (reason: unknown) => failures.push(reason)
    process.on('unhandledRejection', onRejection)
    try {
      await body()
    } finally {
      process.off('unhandledRejection', onRejection)
    }
    return failures
  }

  it('the holder keeps its lock while it holds (its own looks at the holders let go of nothing), and lets it go once another tab holds the seat', async () => {
    const { bus, a, b, tabB } = await holderAndStandingBy()
    let freed = false
    bus.link('watcher').locks?.whenFree(`tccc.tabs.holder:${SEAT}:tab-a`, () => (freed = true))
    await wait(LIVE.heartbeatMs * 4)
    expect(freed).toBe(false)
    // Nobody took it for gone: its lock stayed held.
    expect(kinds(bus, 'tab-b')).not.toContain('ping')
    tabB.state.standsBy = false
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'taken' })
    b.announce(SEAT)
    await tick()
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-b' })
    expect(freed).toBe(true)
  })

  it('without Web Locks, a stale holder is asked once, not at every look while its answer is awaited', async () => {
    const { bus, linkA, tabA, b } = await holderAndStandingBy({ locks: false })
    // Its heartbeat stops (crashed): asked once stale, then taken for gone.
    tabA.state.holds = false
    bus.crash(linkA)
    const crashedAt = Date.now()
    while (!b.holderLeft(SEAT) && Date.now() - crashedAt < LIVE.staleMs * 4) await tick()
    expect(b.holderLeft(SEAT)).toBe(true)
    await wait(LIVE.heartbeatMs * 3)
    expect(kinds(bus, 'tab-b').filter((k) => k === 'ping')).toHaveLength(1)
  })

  it('a holder that signs out while a tab stands by on its lock: the tab asks nobody into a take-over, marks nothing left, and fails nothing', async () => {
    const failures = await unhandledDuring(async () => {
      const { a, b, tabB } = await holderAndStandingBy()
      a.signOut(SEAT)
      await wait(LIVE.answerMs * 2 + LIVE.graceMs * 2)
      expect(tabB.signedOut).toEqual([SEAT])
      expect(b.holder(SEAT)).toBeNull()
      expect(tabB.gone).toEqual([])
    })
    expect(failures).toEqual([])
  })

  it('a tab that claims the seat while a tab standing by asks the silent holder: the record stays the new holder\'s, nothing is marked left', async () => {
    const { bus, b, tabB } = await holderCrashedAndPinged()
    const c = createTabRegistration(bus.link('tab-c'), LIVE)
    tabOf(c, { holds: true })
    c.announce(SEAT)
    await wait(LIVE.answerMs * 2)
    expect(b.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-c' })
    expect(b.holderLeft(SEAT)).toBe(false)
    expect(tabB.changed).toEqual([SEAT])
    await wait(LIVE.graceMs * 2)
    expect(tabB.gone).toEqual([])
  })

  it("a silent holder's ping is answered only by the holder: another tab's 'holding' meanwhile does not keep it", async () => {
    const { bus, b } = await holderCrashedAndPinged()
    bus.link('forger').post({ kind: 'holding', seat: SEAT, from: 'tab-z', to: 'tab-b' })
    await wait(LIVE.answerMs * 2)
    expect(b.holderLeft(SEAT)).toBe(true)
    await wait(LIVE.answerMs * 2)
    // Gone at the first ping's end: not asked a second time.
    expect(kinds(bus, 'tab-b').filter((k) => k === 'ping')).toHaveLength(1)
  })

  it('the agent signs out in a third tab while a tab standing by asks the silent holder: nothing is marked left, nothing fails', async () => {
    const failures = await unhandledDuring(async () => {
      const { bus, b, tabB } = await holderCrashedAndPinged()
      createTabRegistration(bus.link('tab-c'), LIVE).signOut(SEAT)
      await wait(LIVE.answerMs * 2)
      expect(b.holder(SEAT)).toBeNull()
      expect(tabB.changed).toEqual([])
    })
    expect(failures).toEqual([])
  })

  it('a holder whose record another tab dropped (the agent signed out there) lets its lock go at its next look', async () => {
    const { bus } = await holderAndStandingBy()
    let freed = false
    bus.link('watcher').locks?.whenFree(`tccc.tabs.holder:${SEAT}:tab-a`, () => (freed = true))
    holderRecordOf(SEAT).clear()
    await wait(LIVE.heartbeatMs * 3)
    expect(freed).toBe(true)
  })

  it("in a browser (a timer is a number, no unref) a store serving starts the look at the holders without failing", () => {
    const realSetTimeout = globalThis.setTimeout
    vi.stubGlobal('setTimeout', ((handler: () => void, ms?: number) => {
      realSetTimeout(handler, ms)
      return 1
    }) as unknown as typeof setTimeout)
    try {
      const a = createTabRegistration(createFakeTabBus().link('tab-a'), { ...TIMING, heartbeatMs: 60_000 })
      expect(() => a.serve(noAnswers)).not.toThrow()
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('a left from the holder heard twice during the grace: one wait (taken over a grace after the first), one candidate', async () => {
    const SLOW = { ...TIMING, graceMs: 300 }
    const bus = createFakeTabBus()
    const linkA = bus.link('tab-a')
    const a = createTabRegistration(linkA, SLOW)
    tabOf(a, { holds: true })
    await a.mayRegister(SEAT)
    const b = createTabRegistration(bus.link('tab-b'), SLOW)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    bus.close(linkA)
    await wait(SLOW.graceMs / 2)
    bus.link('echo').post({ kind: 'left', seat: SEAT, from: 'tab-a' })
    await wait(SLOW.graceMs / 2 + 60)
    expect(tabB.gone).toEqual([SEAT])
    expect(kinds(bus, 'tab-b').filter((k) => k === 'candidate')).toHaveLength(1)
  })

  it("a left whose failure is not text is not a message: nothing is taken for left, no failure is said", async () => {
    const { bus } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    bus.link('forger').post({ kind: 'left', seat: SEAT, from: 'tab-a', failed: 7 })
    await wait(TIMING.graceMs * 2)
    expect(b.holderLeft(SEAT)).toBe(false)
    expect(b.holderFailure(SEAT)).toBeNull()
    expect(tabB.changed).toEqual([])
    expect(tabB.gone).toEqual([])
  })

  it.each([
    ['an unknown end', { [SEAT]: { how: 'gone', at: Date.now() + 60_000 } }],
    ['a time not a number', { [SEAT]: { how: 'kicked', at: 'now' } }],
    ["another seat's end not an object", { [SEAT]: { how: 'kicked', at: Date.now() + 60_000 }, [OTHER_SEAT]: 'kicked' }],
    ["another seat's null end", { [SEAT]: { how: 'kicked', at: Date.now() + 60_000 }, [OTHER_SEAT]: null }],
    ['null', null],
  ])('stored session ends with %s are unreadable: a tab standing by, back from the back-forward cache, is told none and fails nothing', async (_what, data) => {
    const { bus } = await busWithHolder({ holds: true })
    const linkB = bus.link('tab-b')
    const b = createTabRegistration(linkB, TIMING)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    bus.hide(linkB)
    storage.set('tccc.tabs.ended', JSON.stringify({ v: 1, data }))
    bus.back(linkB)
    await tick()
    expect([tabB.kicked, tabB.expired, tabB.signedOut]).toEqual([[], [], []])
  })

  it("a left heard before the record's failed mark (another tab's write comes later) says why from the message", async () => {
    const { bus } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    tabOf(b, { holds: false, standsBy: true })
    bus.link('forger').post({ kind: 'left', seat: SEAT, from: 'tab-a', failed: 'ERR_SIP_FORBIDDEN' })
    await tick()
    expect(b.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a' })
    expect(b.holderFailure(SEAT)).toBe('ERR_SIP_FORBIDDEN')
  })

  it('with no record of the seat, no failure is said', () => {
    const b = createTabRegistration(createFakeTabBus().link('tab-b'), TIMING)
    expect(b.holderFailure(SEAT)).toBeNull()
  })

  it("a busy holder's left ends 'still signing in' (its reload's back does not bring it back); another tab's left does not end it", async () => {
    const { bus, linkA } = await busWithHolder({ holds: true, refuse: 'busy' })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await expect(b.takeOver(SEAT)).resolves.toEqual({ kind: 'refused', reason: 'busy' })
    bus.link('tab-x').post({ kind: 'left', seat: SEAT, from: 'tab-x' })
    await tick()
    expect(b.holderBusy(SEAT)).toBe(true)
    linkA.post({ kind: 'left', seat: SEAT, from: 'tab-a' })
    await tick()
    linkA.post({ kind: 'back', seat: SEAT, from: 'tab-a' })
    await tick()
    expect(b.holderLeft(SEAT)).toBe(false)
    expect(b.holderBusy(SEAT)).toBe(false)
  })

  it.each([
    ['kicked', 'kicked'],
    ['expired', 'expired'],
    ['signed-out', undefined],
  ] as const)('a holder back from the back-forward cache after the seat, taken over meanwhile, ended as %s says so (or nothing for a sign-out)', async (how, said) => {
    const bus = createFakeTabBus()
    const linkA = bus.link('tab-a')
    const a = createTabRegistration(linkA, TIMING)
    const signedOut: Array<[string, string | undefined]> = []
    a.serve({ ...noAnswers, holds: (seat) => seat === SEAT, signedOut: (seat, ended) => signedOut.push([seat, ended]) })
    await a.mayRegister(SEAT)
    bus.hide(linkA)
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    tabOf(b, { holds: true })
    await b.takeOver(SEAT)
    if (how === 'kicked') b.kickedOut(SEAT)
    else if (how === 'expired') b.sessionExpired(SEAT)
    else b.signOut(SEAT)
    bus.back(linkA)
    expect(signedOut).toEqual([[SEAT, said]])
  })

  it('a holder back from the back-forward cache is not told how an end before it went came about (that session was another)', async () => {
    const bus = createFakeTabBus()
    const linkA = bus.link('tab-a')
    const a = createTabRegistration(linkA, TIMING)
    const signedOut: Array<[string, string | undefined]> = []
    a.serve({ ...noAnswers, holds: (seat) => seat === SEAT, signedOut: (seat, ended) => signedOut.push([seat, ended]) })
    storage.set(`tccc.tabs.ended.${SEAT}`, JSON.stringify({ v: 1, data: { how: 'kicked', at: Date.now() - 60_000 } }))
    // Claimed without clearing it (a claim clears it): as if it came after.
    await a.mayRegister(SEAT)
    storage.set(`tccc.tabs.ended.${SEAT}`, JSON.stringify({ v: 1, data: { how: 'kicked', at: Date.now() - 60_000 } }))
    bus.hide(linkA)
    holderRecordOf(SEAT).clear()
    bus.back(linkA)
    expect(signedOut).toEqual([[SEAT, undefined]])
  })

  it("a tab standing by, back from the back-forward cache, is told only its own seat's end: another agent's kick is not its", async () => {
    const { bus } = await busWithHolder({ holds: true })
    const linkB = bus.link('tab-b')
    const b = createTabRegistration(linkB, TIMING)
    const tabB = tabOf(b, { holds: false, standsBy: true })
    bus.hide(linkB)
    const c = createTabRegistration(bus.link('tab-c'), TIMING)
    await c.mayRegister(OTHER_SEAT)
    c.kickedOut(OTHER_SEAT)
    // Its word not heard in the cache.
    await tick()
    bus.back(linkB)
    await tick()
    expect(tabB.kicked).toEqual([])
  })

  it('a tab no store serves (no Web Locks), recorded as a holder, hears a back, a kick and an expired session and comes back from the back-forward cache over a recorded end without failing', async () => {
    let hear: (message: unknown) => void = () => undefined
    let back: () => void = () => undefined
    const link: TabLink = {
      tabId: 'tab-c',
      post: () => undefined,
      listen: (listener) => ((hear = listener), () => undefined),
      onLeaving: () => () => undefined,
      onBack: (listener) => ((back = listener), () => undefined),
    }
    const c = createTabRegistration(link, TIMING)
    await c.mayRegister(SEAT)
    for (const kind of ['back', 'kicked', 'expired'] as const) expect(() => hear({ kind, seat: SEAT, from: 'tab-z' })).not.toThrow()
    storage.set('tccc.tabs.ended', JSON.stringify({ v: 1, data: { [SEAT]: { how: 'kicked', at: Date.now() + 60_000 } } }))
    expect(() => back()).not.toThrow()
    expect(c.holder(SEAT)).toMatchObject({ seat: SEAT, tabId: 'tab-c' })
  })

  it('a store serving again (a new store replaces the previous one) starts no second look at the holders', () => {
    vi.useFakeTimers()
    const a = createTabRegistration(createFakeTabBus().link('tab-a'), TIMING)
    a.serve(noAnswers)
    a.standBy(SEAT)
    a.serve(noAnswers)
    expect(vi.getTimerCount()).toBe(1)
  })

  it("sessionExpired leaves a record that names another tab (it registered since)", async () => {
    const { bus, a } = await busWithHolder({ holds: true })
    const b = createTabRegistration(bus.link('tab-b'), TIMING)
    await b.takeOver(SEAT)
    a.sessionExpired(SEAT)
    expect(b.holder(SEAT)?.tabId).toBe('tab-b')
  })

  it('a holder going into the back-forward cache lets its lock go (it comes back holding it again)', async () => {
    const { bus, linkA, a } = await busWithHolder({ holds: true })
    let freed = false
    bus.link('watcher').locks?.whenFree(`tccc.tabs.holder:${SEAT}:tab-a`, () => (freed = true))
    await tick()
    expect(freed).toBe(false)
    bus.hide(linkA)
    await tick()
    expect(freed).toBe(true)
    bus.back(linkA)
    expect(a.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a' })
    let freedAgain = false
    bus.link('watcher2').locks?.whenFree(`tccc.tabs.holder:${SEAT}:tab-a`, () => (freedAgain = true))
    await tick()
    expect(freedAgain).toBe(false)
  })

  it('a tab standing by stops watching the holder as its page goes: a holder that reloads meanwhile is not taken for gone by it', async () => {
    const { bus, linkA, tabA } = await holderAndStandingBy()
    const linkB = bus.link('tab-b-away')
    const b = createTabRegistration(linkB, LIVE)
    tabOf(b, { holds: false, standsBy: true })
    await wait(LIVE.heartbeatMs * 3)
    bus.hide(linkB)
    // The holder's tab is discarded and reloaded while this one is away: its lock went, it is back.
    tabA.state.holds = false
    bus.crash(linkA)
    const reloaded = createTabRegistration(bus.link('tab-a'), LIVE)
    tabOf(reloaded, { holds: true })
    await reloaded.mayRegister(SEAT)
    await wait(LIVE.answerMs * 3)
    expect(kinds(bus, 'tab-b-away')).not.toContain('ping')
    expect(reloaded.holder(SEAT)).toEqual({ seat: SEAT, tabId: 'tab-a' })
  })

  it('a holder that dropped the seat for good (signed out, no retry) says nothing and marks nothing as its page goes', async () => {
    const { bus, linkA, a, tabA } = await busWithHolder({ holds: true })
    tabA.state.holds = false
    a.drop(SEAT)
    bus.close(linkA)
    expect(a.holder(SEAT)).toBeNull()
    expect(kinds(bus, 'tab-a')).toEqual([])
  })

  it("a claim keeps another seat's recorded end, and writes no end when none was recorded", async () => {
    const bus = createFakeTabBus()
    const a = createTabRegistration(bus.link('tab-a'), TIMING)
    tabOf(a, { holds: true })
    a.signOut(OTHER_SEAT)
    expect([endRecordOf(OTHER_SEAT).load()?.how, endRecordOf(SEAT).load()]).toEqual(['signed-out', null])
    const before = endWrites()
    await a.mayRegister(SEAT)
    expect(endWrites()).toBe(before)
    expect(endRecordOf(OTHER_SEAT).load()?.how).toBe('signed-out')
    // Claiming the seat that ended takes its end away.
    await a.mayRegister(OTHER_SEAT)
    expect(endRecordOf(OTHER_SEAT).load()).toBeNull()
  })
})
