/**
 * The backend's workspace routes over the mock `uni.request`, one fake workspace per agent token,
 * for store tests that sync (sync.test.ts, syncRefusals.test.ts). Test-only.
 */
import { createPinia, setActivePinia } from 'pinia'
import type { Mock } from 'jest-mock'
import { vi } from 'vitest'
import { storage } from '../../../tests/setup/uni'
import type { CallRecord } from '@/services/callRecord'
import { SyncEngine, setSyncEngine } from '@/services/sync'
import { FakeWorkspaceServer, ManualTimers, settle } from '@/services/__tests__/fakeWorkspace'
import { startEventRouter } from '@/store/eventRouter'
import { useSyncStore } from '@/store/sync'

type RequestOptions = UniNamespace.RequestOptions

export const AGENT1 = 'agent1@example.com'
export const AGENT2 = 'agent2@example.com'

/** Pull, push and `GET /api/workspace/numbers/:id` (404 when none or deleted), by bearer token. */
export function installWorkspaceBackend(servers: Record<string, FakeWorkspaceServer>): void {
  const request = uni.request as unknown as Mock<(options: RequestOptions) => unknown>
  request.mockImplementation((options) => {
    const path = options.url.replace(/^https?:\/\/[^/]+/, '')
    const bearer = ((options.header as Record<string, string>).Authorization ?? '').slice(7)
    const server = servers[bearer]
    const reply = (statusCode: number, data: unknown) => queueMicrotask(() => options.success?.({ statusCode, data: data as string, header: {}, cookies: [] }))
    const single = /^\/api\/workspace\/numbers\/([^/?]+)$/.exec(path)
    if (!server) reply(401, { error: { code: 'UNAUTHORIZED', message: 'no' } })
    else if (options.method === 'GET' && single) {
      const found = server.record('number', decodeURIComponent(single[1]))
      if (!found || found.deleted) reply(404, { error: { code: 'NOT_FOUND', message: 'No such number' } })
      else reply(200, { kind: found.kind, id: found.id, rev: String(found.rev), deleted: false, data: found.data })
    } else if (path.startsWith('/api/workspace/reconcile?')) {
      reply(200, server.reconcileFloor(Number(new URLSearchParams(path.split('?')[1]).get('since'))))
    } else if (path === '/api/workspace/reconcile') {
      reply(200, server.reconcile((options.data as { records: Parameters<FakeWorkspaceServer['reconcile']>[0] }).records))
    } else if (options.method === 'GET') {
      const query = new URLSearchParams(path.split('?')[1])
      reply(200, server.pull(query.get('since') ?? '0', Number(query.get('limit'))))
    } else reply(200, { results: server.push((options.data as { changes: Parameters<FakeWorkspaceServer['push']>[0] }).changes) })
    return { abort: () => undefined }
  })
}

export function callRecord(id: string, number: string): CallRecord {
  return { id, number, direction: 'out', outcome: 'answered', startedAt: 1_767_225_600_000, answeredAt: 1_767_225_605_000, endedAt: 1_767_225_660_000, durationSec: 55, endReason: 'local-bye' }
}

/** A stored value's data (the storage envelope unwrapped), undefined when nothing is stored. */
export function stored(key: string): unknown {
  const raw = storage.get(key)
  return typeof raw === 'string' ? (JSON.parse(raw) as { data: unknown }).data : undefined
}

/** Fresh stores and router, a sync engine on manual timers, and one fake workspace server per agent. */
export function freshWorkspace(): { timers: ManualTimers; servers: Record<string, FakeWorkspaceServer> } {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  vi.spyOn(console, 'info').mockImplementation(() => undefined)
  setActivePinia(createPinia())
  startEventRouter()
  const timers = new ManualTimers()
  setSyncEngine(new SyncEngine(null, timers))
  const servers = { [AGENT1]: new FakeWorkspaceServer(), [AGENT2]: new FakeWorkspaceServer() }
  installWorkspaceBackend(servers)
  return { timers, servers }
}

/** The agent signs in on this phone: their workspace opens and syncs (token = the user id). */
export async function signInWorkspace(userId: string): Promise<void> {
  useSyncStore().open(userId, () => userId, () => '')
  await settle()
}
