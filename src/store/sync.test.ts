import { beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import type { Mock } from 'jest-mock'
import { storage } from '../../tests/setup/uni'
import { DEBOUNCE_MS } from '@/services/sync'
import { FakeWorkspaceServer, ManualTimers, settle } from '@/services/__tests__/fakeWorkspace'
import { useHistoryStore } from './history'
import { useNumbersStore } from './numbers'
import { useSyncStore } from './sync'
import { AGENT1, AGENT2, callRecord, freshWorkspace, signInWorkspace, installWorkspaceBackend, stored } from './__tests__/workspaceBackend'

type RequestOptions = UniNamespace.RequestOptions

const KEY1 = 'agent1%40example%2Ecom'

describe('the agent workspace (sync store + numbers/history caches)', () => {
  let timers: ManualTimers
  let servers: Record<string, FakeWorkspaceServer>

  beforeEach(() => {
    ;({ timers, servers } = freshWorkspace())
  })

  const signIn = signInWorkspace

  it('keeps each agent\'s numbers and history under their own keys; another agent sees none of it', async () => {
    await signIn(AGENT1)
    useNumbersStore().add('13800138000', 'Zhang')
    useHistoryStore().record(callRecord('c1', '13800138000'))
    expect(stored(`tccc.a.${KEY1}.numbers`)).toEqual([expect.objectContaining({ number: '13800138000', source: 'own' })])
    expect(storage.has('tccc.numbers')).toBe(false)

    useSyncStore().close()
    expect(useNumbersStore().entries).toEqual([])
    expect(useHistoryStore().records).toEqual([])
    await signIn(AGENT2)
    expect(useNumbersStore().entries).toEqual([])
    expect(useHistoryStore().records).toEqual([])

    useSyncStore().close()
    await signIn(AGENT1)
    expect(useNumbersStore().entries.map((e) => e.number)).toEqual(['13800138000'])
    expect(useHistoryStore().records.map((r) => r.id)).toEqual(['c1'])
  })

  it('sends every list change and finished call to the server, debounced', async () => {
    await signIn(AGENT1)
    const numbers = useNumbersStore()
    numbers.add('13800138000', 'Zhang')
    numbers.importText('13900139000,Li\n13700137000,Wang')
    numbers.update('13800138000', '13800138001', 'Zhang San')
    numbers.remove('13700137000')
    useHistoryStore().record(callRecord('c1', '13800138001'))
    expect(useSyncStore().pending).toBe(6)
    expect(useSyncStore().state).toBe('pending')
    await timers.advance(DEBOUNCE_MS)
    const server = servers[AGENT1]
    expect(server.pushes).toHaveLength(1)
    expect(server.live('number').map((r) => r.data)).toEqual(
      expect.arrayContaining([
        { number: '13800138001', remark: 'Zhang San', source: 'own', createdAt: expect.any(Number) },
        { number: '13900139000', remark: 'Li', source: 'own', createdAt: expect.any(Number) },
      ]),
    )
    expect(server.live('number')).toHaveLength(2)
    expect(server.live('call')[0].data).toMatchObject({ number: '13800138001', outcome: 'answered', durationSec: 55 })
    expect(server.live('call')[0].data).not.toHaveProperty('id')
    expect(useSyncStore().pending).toBe(0)
    expect(useSyncStore().state).toBe('synced')
  })

  it('changes made signed out of the network are kept and sent at the agent\'s next sign-in on this phone', async () => {
    await signIn(AGENT1)
    useNumbersStore().add('13800138000', 'Zhang')
    useSyncStore().close() // "sign out anyway" before the debounce fired
    expect(servers[AGENT1].pushes).toHaveLength(0)
    await signIn(AGENT2)
    await timers.advance(DEBOUNCE_MS)
    expect(servers[AGENT2].pushes).toHaveLength(0)
    useSyncStore().close()
    await signIn(AGENT1)
    expect(servers[AGENT1].live('number').map((r) => r.data.number)).toEqual(['13800138000'])
  })

  it('migrates the device-global lists once, to the first agent who signs in, and removes them', async () => {
    storage.set('tccc.numbers', JSON.stringify({ v: 1, data: [{ number: '13800138000', remark: 'Old', createdAt: 1_700_000_000_000, callCount: 2 }] }))
    const legacyCall = { ...callRecord('sess-123', '13800138000') }
    storage.set('tccc.history', JSON.stringify({ v: 1, data: [legacyCall] }))
    await signIn(AGENT1)
    expect(storage.has('tccc.numbers')).toBe(false)
    expect(storage.has('tccc.history')).toBe(false)
    const [entry] = useNumbersStore().entries
    expect(entry).toMatchObject({ number: '13800138000', remark: 'Old', source: 'own', callCount: 2 })
    expect(entry.id).toMatch(/^[0-9a-f-]{36}$/)
    const [call] = useHistoryStore().records
    expect(call.sessionId).toBe('sess-123')
    await timers.advance(DEBOUNCE_MS)
    expect(servers[AGENT1].live('number').map((r) => r.id)).toEqual([entry.id])
    expect(servers[AGENT1].live('call').map((r) => r.id)).toEqual([call.id])

    useSyncStore().close()
    await signIn(AGENT2)
    expect(useNumbersStore().entries).toEqual([])
    expect(useHistoryStore().records).toEqual([])
  })

  it('applies pulled numbers and calls: assigned ones marked, remote edits and deletes win', async () => {
    const server = servers[AGENT1]
    const assignedId = server.assign('13900139000', 'Lead A')
    server.put('call', 'other-phone-call', callRecord('x', '13900139000') as unknown as Record<string, unknown>)
    await signIn(AGENT1)
    const numbers = useNumbersStore()
    expect(numbers.entries).toEqual([expect.objectContaining({ id: assignedId, number: '13900139000', remark: 'Lead A', source: 'assigned' })])
    expect(useHistoryStore().records.map((r) => r.id)).toEqual(['other-phone-call'])

    server.put('number', assignedId, { number: '13900139000', remark: 'Lead A (VIP)', source: 'assigned', createdAt: 1_767_225_600_000 })
    useSyncStore().onForeground()
    await settle()
    expect(numbers.entries[0].remark).toBe('Lead A (VIP)')

    server.remove('number', assignedId)
    useSyncStore().onForeground()
    await settle()
    expect(numbers.entries).toEqual([])
    expect(stored(`tccc.a.${KEY1}.cursor`)).toBe('4')
  })

  it('pulled numbers the phone has no room to save stay shown, keep the cursor back (nothing lost on a restart), and are saved at the retry', async () => {
    for (const n of ['13900139001', '13900139002', '13900139003']) servers[AGENT1].assign(n, `Lead ${n}`)
    const setItem = uni.setStorageSync as unknown as Mock<(key: string, value: unknown) => void>
    const write = setItem.getMockImplementation()!
    onTestFinished(() => void setItem.mockImplementation(write))
    let full = true
    setItem.mockImplementation((key, value) => {
      if (full && key === `tccc.a.${KEY1}.numbers`) throw new Error('quota exceeded')
      write(key, value)
    })
    await signIn(AGENT1)
    const sync = useSyncStore()
    expect(useNumbersStore().entries.map((e) => e.number).sort()).toEqual(['13900139001', '13900139002', '13900139003'])
    // Neither list nor cursor stored: an app closed now pulls the three again from the start.
    expect(stored(`tccc.a.${KEY1}.numbers`)).toBeUndefined()
    expect(stored(`tccc.a.${KEY1}.cursor`)).toBeUndefined()
    expect(sync.state).toBe('error')
    expect(sync.storageFull).toBe(true)
    expect(console.warn).toHaveBeenCalledWith('[numbers] could not save pulled numbers', 'SAVE_FAILED: quota exceeded')

    full = false
    await timers.advance(1000)
    expect((stored(`tccc.a.${KEY1}.numbers`) as Array<{ number: string }>).map((e) => e.number).sort()).toEqual(['13900139001', '13900139002', '13900139003'])
    expect(stored(`tccc.a.${KEY1}.cursor`)).toBe('3')
    expect(sync.state).toBe('synced')
    expect(sync.storageFull).toBe(false)
  })

  it('an assigned number keeps its number; only its remark is sent', async () => {
    const assignedId = servers[AGENT1].assign('13900139000', 'Lead A')
    await signIn(AGENT1)
    const numbers = useNumbersStore()
    expect(() => numbers.update('13900139000', '13900139001', 'x')).toThrow(expect.objectContaining({ symbol: 'ASSIGNED_READONLY' }))
    numbers.update('13900139000', '13900139000', 'Met at the fair')
    await timers.advance(DEBOUNCE_MS)
    expect(servers[AGENT1].pushes[0]).toEqual([expect.objectContaining({ id: assignedId, data: { remark: 'Met at the fair' } })])
    expect(servers[AGENT1].record('number', assignedId)?.data).toMatchObject({ number: '13900139000', source: 'assigned', remark: 'Met at the fair' })
  })

  it('DUPLICATE_NUMBER: the local copy is dropped and the server\'s record, with the copy\'s remark kept in it, takes its place', async () => {
    await signIn(AGENT1)
    const serverId = servers[AGENT1].assign('13900139000', 'Lead A')
    useNumbersStore().add('13900139000', 'my copy')
    await timers.advance(DEBOUNCE_MS)
    expect(useNumbersStore().entries).toEqual([expect.objectContaining({ id: serverId, remark: 'Lead A | my copy', source: 'assigned' })])
    // The server merged the remark: nothing of the change was lost, so it is not a refusal.
    expect(useSyncStore().rejectedCount).toBe(0)
    expect(useSyncStore().pending).toBe(0)
  })

  it('a local change still waiting wins over the pulled version of the same record', async () => {
    const server = servers[AGENT1]
    await signIn(AGENT1)
    const mine = useNumbersStore().add('13800138000', 'mine')
    server.put('number', mine.id, { number: '13800138000', remark: 'theirs', source: 'own', createdAt: 1 })
    useNumbersStore().applyRemote(server.pull('0', 1000).changes, new Set([mine.id]))
    expect(useNumbersStore().entries[0].remark).toBe('mine')
    await timers.advance(DEBOUNCE_MS)
    expect(server.record('number', mine.id)?.data.remark).toBe('mine')
    expect(useNumbersStore().entries[0].remark).toBe('mine')
  })

  it('shows offline with the unsent count while the backend cannot be reached', async () => {
    await signIn(AGENT1)
    ;(uni.request as unknown as Mock<(o: RequestOptions) => unknown>).mockImplementation((options) => {
      queueMicrotask(() => options.fail?.({ errMsg: 'request:fail net::ERR_INTERNET_DISCONNECTED' }))
      return { abort: () => undefined }
    })
    useNumbersStore().add('13800138000', 'Zhang')
    useHistoryStore().record(callRecord('c1', '13800138000'))
    await timers.advance(DEBOUNCE_MS)
    expect(useSyncStore().state).toBe('offline')
    expect(useSyncStore().pending).toBe(2)
    installWorkspaceBackend(servers)
    await timers.advance(1000)
    expect(useSyncStore().state).toBe('synced')
    expect(servers[AGENT1].live('call')).toHaveLength(1)
  })
})

describe('the sync store alone', () => {
  let servers: Record<string, FakeWorkspaceServer>

  beforeEach(() => {
    ;({ servers } = freshWorkspace())
  })

  const requests = () => (uni.request as unknown as Mock<(o: RequestOptions) => unknown>).mock.calls.length

  it('follows the network while an agent is signed in, and stops listening at sign-out', async () => {
    const sync = useSyncStore()
    sync.open(AGENT1, () => AGENT1, () => '')
    await settle()
    window.dispatchEvent(new Event('offline'))
    expect(sync.state).toBe('offline')
    window.dispatchEvent(new Event('online'))
    await settle()
    expect(sync.state).toBe('synced')
    sync.close()
    const before = requests()
    window.dispatchEvent(new Event('offline'))
    window.dispatchEvent(new Event('online'))
    await settle()
    expect(requests()).toBe(before)
    expect(sync.agentKey).toBeNull()
  })

  it('sends the agent\'s access token and the configured backend on every request', async () => {
    useSyncStore().open(AGENT1, () => AGENT1, () => 'https://backend.example')
    await settle()
    const calls = (uni.request as unknown as Mock<(o: RequestOptions) => unknown>).mock.calls
    expect(calls.length).toBeGreaterThan(0)
    for (const [options] of calls) {
      expect(options.url.startsWith('https://backend.example/')).toBe(true)
      expect((options.header as Record<string, string>).Authorization).toBe(`Bearer ${AGENT1}`)
    }
  })

  it('opening the same agent again only syncs (counts and caches stay); another agent starts from zero', async () => {
    const sync = useSyncStore()
    sync.open(AGENT1, () => AGENT1, () => '')
    await settle()
    sync.noteRejected()
    useNumbersStore().add('13800138000', 'Zhang')
    const before = requests()
    sync.open(AGENT1, () => AGENT1, () => '')
    await settle()
    expect(requests()).toBeGreaterThan(before)
    expect(sync.rejectedCount).toBe(1)
    expect(sync.agentKey).toBe(KEY1)
    expect(useNumbersStore().entries.map((e) => e.number)).toEqual(['13800138000'])
    sync.open(AGENT2, () => AGENT2, () => '')
    await settle()
    expect(sync.rejectedCount).toBe(0)
    expect(useNumbersStore().entries).toEqual([])
    sync.noteRejected()
    sync.close()
    expect(sync.rejectedCount).toBe(0)
  })

  it('onForeground syncs only with an agent signed in', async () => {
    const sync = useSyncStore()
    sync.onForeground()
    await settle()
    expect(requests()).toBe(0)
    sync.open(AGENT1, () => AGENT1, () => '')
    await settle()
    const before = requests()
    sync.onForeground()
    await settle()
    expect(requests()).toBeGreaterThan(before)
  })

  it('drain: without an agent, true only when nothing is pending; with one, flushes and says whether all went', async () => {
    const sync = useSyncStore()
    await expect(sync.drain()).resolves.toBe(true)
    sync.applyStatus('pending', 2)
    await expect(sync.drain()).resolves.toBe(false)
    expect(requests()).toBe(0)
    sync.open(AGENT1, () => AGENT1, () => '')
    await settle()
    useNumbersStore().add('13800138000', 'Zhang')
    expect(sync.pending).toBe(1)
    await expect(sync.drain()).resolves.toBe(true)
    expect(servers[AGENT1].live('number')).toHaveLength(1)
    expect(sync.pending).toBe(0)
  })
})
