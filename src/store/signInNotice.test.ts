import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import { keepSignInFailures, signInNoticeStorage } from '@/services/signInFailures'
import { useSessionStore } from '@/store/session'
import { useSignInNoticeStore } from '@/store/signInNotice'
import { useSyncStore } from '@/store/sync'
import { AGENT, PASSWORD, closeSyncAndRestore, coreWithWorkspace, type Core, type FakeBackend } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

let core: Core
let backend: FakeBackend

beforeEach(() => {
  ;({ core, backend } = coreWithWorkspace())
})
afterEach(() => closeSyncAndRestore())

/** The app started again: a new pinia, the same phone storage, the stored session restored. */
async function restart(): Promise<void> {
  useSyncStore().close()
  setActivePinia(createPinia())
  await useSessionStore().restore()
}

describe('the sign-in failures notice', () => {
  it('two wrong passwords then the right one: the notice says 2 and when, until dismissed, across a restart', async () => {
    const session = useSessionStore()
    expect(await session.signIn(AGENT.userId, 'wrong-1')).toBe(false)
    core.clock.advance(30_000)
    expect(await session.signIn(AGENT.userId, 'wrong-2')).toBe(false)
    const lastAt = core.clock.now()
    expect(await session.signIn(AGENT.userId, PASSWORD)).toBe(true)
    const notice = useSignInNoticeStore()
    expect(notice.shown).toMatchObject({ failures: 2, lastFailureAt: lastAt, locked: false, dismissed: false })

    await restart()
    expect(useSessionStore().status).toBe('signed-in')
    expect(useSignInNoticeStore().shown).toMatchObject({ failures: 2, lastFailureAt: lastAt })
    useSignInNoticeStore().dismiss()
    expect(useSignInNoticeStore().shown).toBeNull()
    // The last one stays to read again.
    expect(useSignInNoticeStore().last).toMatchObject({ failures: 2, dismissed: true })

    await restart()
    expect(useSignInNoticeStore().shown).toBeNull()
    expect(useSignInNoticeStore().last).toMatchObject({ failures: 2, dismissed: true })
  })

  it('a sign-in whose answer never arrived loses nothing: the next one is told it, and confirms it', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, 'wrong-1')
    await session.signIn(AGENT.userId, 'wrong-2')
    backend.loseNextLoginAnswer()
    expect(await session.signIn(AGENT.userId, PASSWORD)).toBe(false)
    expect(backend.acks).toEqual([])
    expect(await session.signIn(AGENT.userId, PASSWORD)).toBe(true)
    expect(useSignInNoticeStore().shown).toMatchObject({ failures: 2 })
    await vi.waitFor(() => expect(backend.acks).toEqual([{ id: '1', failures: 2, locked: false }]))
    expect(backend.failures).toEqual({ failures: 0, lastFailureAt: null, locked: false })
  })

  it('a report told again because its confirmation failed is counted once, and not shown again once dismissed', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, 'wrong-1')
    await session.signIn(AGENT.userId, 'wrong-2')
    backend.failNextAck()
    await session.signIn(AGENT.userId, PASSWORD)
    await vi.waitFor(() => expect(backend.acks).toHaveLength(1))
    const notice = useSignInNoticeStore()
    expect(notice.shown).toMatchObject({ failures: 2 })
    await session.signOut()
    await session.signIn(AGENT.userId, PASSWORD)
    await nextTick()
    expect(notice.shown).toMatchObject({ failures: 2 })
    notice.dismiss()
    // Confirmed this time; told again only had it failed once more, and then not shown again.
    await vi.waitFor(() => expect(backend.acks).toHaveLength(2))
    expect(backend.failures.failures).toBe(0)
    await session.signOut()
    await session.signIn(AGENT.userId, PASSWORD)
    await nextTick()
    expect(notice.shown).toBeNull()
    expect(notice.last).toMatchObject({ failures: 2, dismissed: true })
  })

  it('a confirmation lost after the agent dismissed the notice: the report told again is not shown again', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, 'wrong-1')
    backend.failNextAck()
    await session.signIn(AGENT.userId, PASSWORD)
    await vi.waitFor(() => expect(backend.acks).toHaveLength(1))
    useSignInNoticeStore().dismiss()
    await session.signOut()
    await session.signIn(AGENT.userId, PASSWORD)
    await nextTick()
    expect(useSignInNoticeStore().shown).toBeNull()
    await vi.waitFor(() => expect(backend.acks).toHaveLength(2))
    expect(backend.failures.failures).toBe(0)
  })

  it('a sign-in with nothing to tell leaves the last notice as it was', async () => {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, 'wrong-1')
    await session.signIn(AGENT.userId, PASSWORD)
    const notice = useSignInNoticeStore()
    notice.dismiss()
    await session.signOut()
    expect(notice.last).toBeNull()
    await session.signIn(AGENT.userId, PASSWORD)
    await nextTick()
    expect(notice.shown).toBeNull()
    expect(notice.last).toMatchObject({ failures: 1, dismissed: true })
  })

  it("never shows another agent's notice of the same phone", async () => {
    keepSignInFailures('agent2@example.com', { failures: 7, lastFailureAt: core.clock.now(), locked: true }, core.clock.now())
    const notice = useSignInNoticeStore()
    expect(await useSessionStore().signIn(AGENT.userId, PASSWORD)).toBe(true)
    await nextTick()
    expect(notice.shown).toBeNull()
    expect(notice.last).toBeNull()
  })

  it('a notice not dismissed before sign-out goes with the agent and comes back with them', async () => {
    const session = useSessionStore()
    backend.failures = { failures: 0, lastFailureAt: null, locked: true }
    await session.signIn(AGENT.userId, PASSWORD)
    const notice = useSignInNoticeStore()
    expect(notice.shown).toMatchObject({ failures: 0, locked: true })
    await session.signOut()
    expect(notice.shown).toBeNull()
    await session.signIn(AGENT.userId, PASSWORD)
    await nextTick()
    expect(notice.shown).toMatchObject({ failures: 0, locked: true })
  })

  /** One wrong password, then the right one: the notice shows that one failure. */
  async function signedInAfterOneFailure() {
    const session = useSessionStore()
    await session.signIn(AGENT.userId, 'wrong-1')
    expect(await session.signIn(AGENT.userId, PASSWORD)).toBe(true)
    const notice = useSignInNoticeStore()
    expect(notice.shown).toMatchObject({ failures: 1 })
    return { session, notice, stored: signInNoticeStorage(AGENT.userId) }
  }

  it("follows the agent's other tab of this browser: a dismissal there hides it here, a report kept there shows here, without a reload", async () => {
    const { session, notice, stored } = await signedInAfterOneFailure()
    // The other tab writes the shared storage; the browser tells this tab with a `storage` event.
    const otherTabWrote = (key: string | null) => window.dispatchEvent(new StorageEvent('storage', { key }))
    stored.save({ ...(stored.load() as NonNullable<ReturnType<typeof stored.load>>), dismissed: true })
    otherTabWrote('tccc.a.other%40example%2Ecom.signInNotice')
    // Another key (another agent's notice) is not this one's: nothing read.
    expect(notice.shown).toMatchObject({ failures: 1 })
    otherTabWrote(stored.key)
    // Was: shown until this tab was reloaded.
    expect(notice.shown).toBeNull()
    expect(notice.last).toMatchObject({ failures: 1, dismissed: true })

    keepSignInFailures(AGENT.userId, { failures: 3, lastFailureAt: core.clock.now(), locked: false }, core.clock.now())
    otherTabWrote(stored.key)
    expect(notice.shown).toMatchObject({ failures: 3, dismissed: false })
    // The other tab cleared the storage (a development reset): nothing stays shown from memory.
    stored.clear()
    otherTabWrote(null)
    expect(notice.shown).toBeNull()
    // Signed out here: a write there is no longer heard.
    await session.signOut()
    keepSignInFailures(AGENT.userId, { failures: 5, lastFailureAt: core.clock.now(), locked: false }, core.clock.now())
    otherTabWrote(stored.key)
    expect(notice.last).toBeNull()
  })
  it("a dismissal does not overwrite a newer report another tab kept just before (its storage event not here yet): the newer one is shown instead", async () => {
    const { notice, stored } = await signedInAfterOneFailure()
    // The other tab signs in later and keeps 2 more failures (added to the one not seen yet).
    core.clock.advance(60_000)
    keepSignInFailures(AGENT.userId, { failures: 2, lastFailureAt: core.clock.now(), locked: false }, core.clock.now())
    notice.dismiss()
    // Was: the old report, dismissed, written over the new one: those 2 failures never shown anywhere.
    expect(stored.load()).toMatchObject({ failures: 3, dismissed: false })
    expect(notice.shown).toMatchObject({ failures: 3 })
    // Dismissed now that it is the one shown.
    notice.dismiss()
    expect(stored.load()).toMatchObject({ failures: 3, dismissed: true })
    expect(notice.shown).toBeNull()
  })
})
