// @vitest-environment node
/**
 * Every way the app writes a call record, pushed to the backend's real workspace rules
 * (server/src/db/workspace.ts over an in-memory PGlite): a phone may create a call and then
 * change only its wrap-up, send it again unchanged, or fill in the end of a waiting caller it
 * recorded missed (docs/WORKSPACE_API.md "Call records"). None of these may be refused: a refusal
 * would leave the phone and the business's export telling two stories, and the agent a
 * "refused" line they can do nothing about.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Mock } from 'jest-mock'
import { RING_TIMEOUT_MS } from '@/platform/simulated/index'
import { backendSessionStorage } from '@/services/backendSession'
import { agentKeyOf } from '@/services/storage'
import { getSync } from '@/services/sync'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useRemindersStore } from '@/store/reminders'
import { useSessionStore } from '@/store/session'
import { useSyncStore } from '@/store/sync'
import { useWrapupStore } from '@/store/wrapup'
import { storage } from '../../tests/setup/uni'
import type { Database } from '../../server/src/db/driver'
import { pgliteDatabase } from '../../server/src/db/driver'
import { migrate } from '../../server/src/db/migrations'
import { attachCallDetail, DEFAULT_WORKSPACE_CAPS, getRecord, pullChangesJson, pushChanges, type WorkspaceCaps } from '../../server/src/db/workspace'
import { AGENT, PASSWORD, installFakeBackend, settle, setupCore, type Core } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

type RequestOptions = UniNamespace.RequestOptions

/** What a call was (the fields the backend keeps fixed once the record exists), and its wrap-up. */
const CALL_FIELDS = ['number', 'remark', 'direction', 'outcome', 'startedAt', 'answeredAt', 'endedAt', 'durationSec', 'endReason', 'sessionId', 'disposition', 'note', 'callbackAt', 'callbackHandled'] as const

let db: Database
let core: Core
/** Every push result the backend gave, in order. */
let results: Array<{ changeId: string; status: string; reason?: string }>
/** Every change pushed, as the backend received it. */
let pushedChanges: Array<{ kind: string; op: string; id: string; data?: Record<string, unknown> }>
/** What the agent may store (the backend's WORKSPACE_NUMBERS_MAX / WORKSPACE_RECORDS_MAX). */
let caps: WorkspaceCaps = DEFAULT_WORKSPACE_CAPS

beforeAll(async () => {
  const { PGlite } = await import('@electric-sql/pglite')
  db = pgliteDatabase(await PGlite.create())
  await migrate(db)
}, 120_000)
afterAll(async () => {
  await db?.close()
})

/**
 * The fake token backend (sign-in, TCCC tokens) with its workspace routes answered by the real
 * data layer, as the agent's own: push, pull, one record; call detail is not looked up here.
 */
function routeWorkspaceToRealRules(): void {
  const request = uni.request as unknown as Mock<(options: RequestOptions) => unknown>
  const fake = request.getMockImplementation()!
  request.mockImplementation((options) => {
    const path = options.url.replace(/^https?:\/\/[^/]+/, '')
    if (!path.startsWith('/api/workspace/')) return fake(options)
    const answer = async (): Promise<[number, unknown]> => {
      if (path.startsWith('/api/workspace/changes') && options.method === 'GET') {
        const query = new URLSearchParams(path.split('?')[1] ?? '')
        return [200, JSON.parse(await pullChangesJson(db, AGENT.userId, BigInt(query.get('since') ?? '0'), Number(query.get('limit') ?? 1000)))]
      }
      if (path === '/api/workspace/changes') {
        // As it travels: JSON drops what is undefined.
        const { changes } = JSON.parse(JSON.stringify(options.data)) as { changes: typeof pushedChanges }
        pushedChanges.push(...changes)
        const pushed = await pushChanges(db, AGENT.userId, changes, Date.now(), undefined, caps)
        results.push(...pushed)
        return [200, { results: pushed }]
      }
      const single = /^\/api\/workspace\/(numbers|calls)\/([^/]+)$/.exec(path)
      const record = single ? await getRecord(db, AGENT.userId, single[1] === 'calls' ? 'call' : 'number', decodeURIComponent(single[2])) : null
      return record ? [200, record] : [404, { error: { code: 'NOT_FOUND', message: 'No such record' } }]
    }
    void answer().then(([statusCode, data]) => options.success?.({ statusCode, data: data as string, header: {}, cookies: [] }))
    return { abort: () => undefined }
  })
}

/** A fresh phone process (pinia, SDK, sync engine) over the same storage; the backend stays. */
function startApp(): Core {
  getSync().close()
  const started = setupCore()
  installFakeBackend(started.clock)
  routeWorkspaceToRealRules()
  return started
}

beforeEach(async () => {
  storage.clear()
  results = []
  pushedChanges = []
  caps = DEFAULT_WORKSPACE_CAPS
  await db.exec(`DELETE FROM workspace_records WHERE agent <> ''; TRUNCATE workspace_changes`)
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  vi.spyOn(console, 'error').mockImplementation(() => undefined)
  vi.spyOn(console, 'info').mockImplementation(() => undefined)
  core = startApp()
})

async function signIn(): Promise<ReturnType<typeof useSessionStore>> {
  const session = useSessionStore()
  await session.signIn(AGENT.userId, PASSWORD)
  await synced()
  return session
}

/** Everything queued is on the server and the phone has pulled. */
async function synced(): Promise<void> {
  await settle()
  expect(await getSync().drain()).toBe(true)
  await settle()
}

async function answeredCall(to = '13800138000') {
  const call = useCallStore()
  await call.placeCall({ to })
  core.sim.answerOutbound()
  expect(call.state).toBe('active')
  return call
}

/** The server's call record as the phone should hold it: what the call was and its wrap-up. */
async function onServer(id: string): Promise<Record<string, unknown> | undefined> {
  const data = (await getRecord(db, AGENT.userId, 'call', id))?.data
  return data ? pick(data) : undefined
}
const pick = (record: object): Record<string, unknown> =>
  Object.fromEntries(CALL_FIELDS.flatMap((f) => ((record as Record<string, unknown>)[f] === undefined ? [] : [[f, (record as Record<string, unknown>)[f]]])))

/** No change was refused, and the server holds every call as the phone shows it. */
async function expectPhoneAndServerAgree(): Promise<void> {
  expect(results.filter((r) => r.status === 'rejected')).toEqual([])
  expect(getSync().rejectedChanges()).toEqual([])
  expect(useSyncStore().refused).toBe(0)
  const records = useHistoryStore().records
  expect(records.length).toBeGreaterThan(0)
  for (const record of records) expect(await onServer(record.id), record.id).toEqual(pick(record))
}

/** The ended call's wrap-up saved as a callback tomorrow with the note "after six". */
function savedCallbackWrapup(): ReturnType<typeof useWrapupStore> {
  const wrapup = useWrapupStore()
  wrapup.choose('callback')
  wrapup.setNote('after six')
  wrapup.pickCallbackTomorrow()
  expect(wrapup.save()).toBe(true)
  return wrapup
}

describe('every way the app writes a call is accepted by the backend', () => {
  it('a call pushed when it ends, its wrap-up, and a correction of the wrap-up from history', async () => {
    await signIn()
    const call = await answeredCall()
    await call.hangUp()
    const wrapup = savedCallbackWrapup()
    await synced()
    const [record] = useHistoryStore().records
    expect(await onServer(record.id)).toMatchObject({ disposition: 'callback', note: 'after six' })
    expect(wrapup.correct(record.id)).toBe(true)
    wrapup.choose('deal')
    expect(wrapup.save()).toBe(true)
    await synced()
    expect(await onServer(record.id)).toMatchObject({ disposition: 'deal' })
    await expectPhoneAndServerAgree()
  })

  it('a second caller recorded missed when our call ended, then replaced by its own end (the same record id)', async () => {
    await signIn()
    const call = await answeredCall()
    const other = core.sim.incomingCall({ from: '13700137000' })
    await call.hangUp()
    await synced()
    const missed = useHistoryStore().records.find((r) => r.sessionId === other)
    expect(await onServer(missed!.id)).toMatchObject({ outcome: 'missed', endReason: 'unknown' })
    core.clock.advance(RING_TIMEOUT_MS)
    await synced()
    expect(await onServer(missed!.id)).toMatchObject({ outcome: 'missed', endReason: 'timeout' })
    await expectPhoneAndServerAgree()
  })

  it('a second caller recorded missed and then answered elsewhere stays missed: its end is filled in, no talk time added', async () => {
    await signIn()
    const call = await answeredCall()
    const other = core.sim.incomingCall({ from: '13700137000' })
    await call.hangUp()
    await synced()
    call.applyEvent({ type: 'accepted', sessionId: other })
    call.applyEvent({ type: 'ended', sessionId: other, reason: 'remote-bye', message: '' })
    await synced()
    const record = useHistoryStore().records.find((r) => r.sessionId === other)
    expect(record).toMatchObject({ outcome: 'missed', durationSec: 0, endReason: 'remote-bye' })
    expect(record).not.toHaveProperty('answeredAt')
    await expectPhoneAndServerAgree()
  })

  it('the first record and its replacement queued together (the end came before the push) both apply', async () => {
    await signIn()
    const call = await answeredCall()
    const other = core.sim.incomingCall({ from: '13700137000' })
    await call.hangUp()
    call.applyEvent({ type: 'ended', sessionId: other, reason: 'remote-cancel', message: '' })
    await synced()
    expect(useHistoryStore().records.find((r) => r.sessionId === other)).toMatchObject({ outcome: 'missed', endReason: 'remote-cancel' })
    await expectPhoneAndServerAgree()
  })

  it('a call the outbox could not take (storage full) goes in full with its wrap-up, and again at the next sign-in when its id could not be forgotten', async () => {
    const session = await signIn()
    const call = await answeredCall()
    const set = uni.setStorageSync as unknown as Mock<(key: string, value: unknown) => void>
    const remove = uni.removeStorageSync as unknown as Mock<(key: string) => void>
    const realSet = set.getMockImplementation()!
    const realRemove = remove.getMockImplementation()!
    set.mockImplementation((key, value) => {
      if (key.endsWith('.outbox')) throw new Error('setStorageSync:fail exceed storage limit')
      realSet(key, value)
    })
    await call.hangUp()
    const [record] = useHistoryStore().records
    expect(storage.get(`tccc.a.${agentKeyOf(AGENT.userId)}.history-unqueued`)).toContain(record.id)
    set.mockImplementation(realSet)
    // The list of unqueued ids cannot be removed once: it names the call again at the next sign-in.
    remove.mockImplementationOnce((key) => {
      if (key.endsWith('.history-unqueued')) throw new Error('removeStorageSync:fail')
      realRemove(key)
    })
    const wrapup = useWrapupStore()
    wrapup.choose('interested')
    expect(wrapup.save()).toBe(true)
    await synced()
    expect(await onServer(record.id)).toMatchObject({ disposition: 'interested' })
    // One full upsert: the call with its wrap-up.
    expect(pushedChanges).toEqual([expect.objectContaining({ kind: 'call', op: 'upsert', id: record.id, data: expect.objectContaining({ endedAt: record.endedAt, disposition: 'interested' }) })])
    await session.signOut()
    await signIn()
    // Sent in full once more (the call and its wrap-up as stored): applied, not refused.
    expect(pushedChanges.map(({ kind, op, id, data }) => ({ kind, op, id, data }))).toEqual([0, 1].map(() => ({ kind: 'call', op: 'upsert', id: record.id, data: pushedChanges[0].data })))
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied'])
    await expectPhoneAndServerAgree()
  })

  it('a call the app lost mid-way, and the caller waiting during it, are recorded at the next sign-in, and its wrap-up saved', async () => {
    await signIn()
    await answeredCall()
    const waiting = core.sim.incomingCall({ from: '13700137000' })
    // The app is killed with the call on: a new process (its call store up, as App.vue has it) signs in again.
    // (This fake token backend forgets its sessions with the process: the agent signs in again.)
    backendSessionStorage.clear()
    core = startApp()
    useCallStore()
    await signIn()
    const record = useHistoryStore().records.find((r) => r.number === '13800138000')!
    expect(record).toMatchObject({ endReason: 'unknown', outcome: 'answered' })
    expect(useHistoryStore().records.find((r) => r.sessionId === waiting)).toMatchObject({ number: '13700137000', outcome: 'missed', endReason: 'unknown' })
    const wrapup = useWrapupStore()
    wrapup.choose('interested')
    expect(wrapup.save()).toBe(true)
    await synced()
    expect(await onServer(record.id)).toMatchObject({ disposition: 'interested' })
    await expectPhoneAndServerAgree()
  })

  it('a call whose detail the backend attached (pulled into history) still takes a wrap-up correction', async () => {
    await signIn()
    const call = await answeredCall()
    await call.hangUp()
    const wrapup = useWrapupStore()
    wrapup.choose('interested')
    expect(wrapup.save()).toBe(true)
    await synced()
    const [record] = useHistoryStore().records
    const detail = { tcccDurationSec: 42, recordingUrl: 'https://rec.example.com/1.wav', tcccEndStatus: 'ok' }
    expect(await attachCallDetail(db, AGENT.userId, record.id, record.sessionId!, detail, Date.now())).not.toBeNull()
    getSync().kick()
    await synced()
    expect(useHistoryStore().records[0]).toMatchObject({ tcccDurationSec: 42, recordingUrl: detail.recordingUrl })
    expect(wrapup.correct(record.id)).toBe(true)
    wrapup.choose('deal')
    expect(wrapup.save()).toBe(true)
    await synced()
    expect((await getRecord(db, AGENT.userId, 'call', record.id))?.data).toMatchObject({ disposition: 'deal', ...detail })
    await expectPhoneAndServerAgree()
  })

  it("a callback reminder dismissed on one phone: the record's callbackHandled is accepted, and the agent's next phone never shows it", async () => {
    await signIn()
    useNumbersStore().add('13800138000', 'Qian')
    const call = await answeredCall()
    await call.hangUp()
    const wrapup = useWrapupStore()
    wrapup.choose('callback')
    wrapup.pickCallbackInOneHour()
    expect(wrapup.save()).toBe(true)
    await synced()
    const [record] = useHistoryStore().records
    const at = record.callbackAt as number
    const reminders = useRemindersStore()
    reminders.useClock(core.clock)
    reminders.start()
    core.clock.advance(at - core.clock.now())
    await settle()
    expect(reminders.due.map((r) => r.key)).toEqual([`${record.id}@${at}`])
    reminders.dismiss(reminders.due[0].key)
    await synced()
    expect(await onServer(record.id)).toMatchObject({ callbackHandled: at })
    await expectPhoneAndServerAgree()
    reminders.stop()

    // The agent's other phone (its own storage), at the same time: the pull brings it handled.
    storage.clear()
    core = startApp()
    core.clock.advance(at - core.clock.now())
    await signIn()
    const other = useRemindersStore()
    other.useClock(core.clock)
    other.start()
    await settle()
    expect(useHistoryStore().records.find((r) => r.id === record.id)?.callbackHandled).toBe(at)
    expect(other.due).toEqual([])
    other.stop()
  })
})

describe('a call over the records cap (only the business can raise it)', () => {
  /** The sync line: how many refused, and which cap it names. */
  const line = () => ({ refused: useSyncStore().refused, quota: useSyncStore().quotaRefused })

  for (const when of ['queued with the call (before its push)', 'after the call was refused'] as const) {
    it(`its wrap-up, saved ${when}, waits with it: not refused on its own, the line counts the call once, and the retry after the cap is raised brings both in`, async () => {
      await signIn()
      caps = { ...DEFAULT_WORKSPACE_CAPS, records: 0 }
      const call = await answeredCall()
      await call.hangUp()
      if (when === 'after the call was refused') await synced()
      savedCallbackWrapup()
      await synced()
      const [record] = useHistoryStore().records
      // Was: the wrap-up alone (no call to apply it to) refused INVALID_NUMBER, counted on the
      // line beside the call, and still counted once the call went in.
      expect(results.filter((r) => r.status === 'rejected').map((r) => r.reason)).toEqual(results.filter((r) => r.status === 'rejected').map(() => 'QUOTA_EXCEEDED'))
      expect(line()).toEqual({ refused: 1, quota: 'records' })
      expect(getSync().overCapRecords()).toEqual([{ kind: 'call', id: record.id, quota: 'records' }])

      caps = DEFAULT_WORKSPACE_CAPS
      useSyncStore().retryRefused()
      await synced()
      expect(await onServer(record.id)).toEqual(pick(record))
      expect(await onServer(record.id)).toMatchObject({ disposition: 'callback', note: 'after six' })
      expect(line()).toEqual({ refused: 0, quota: null })
    })
  }
})
