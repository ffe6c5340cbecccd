/**
 * The HTTP side of the workspace sync (docs/WORKSPACE_API.md): pull and push with the backend
 * access token. Answers are checked field by field; a wrong shape is a failure, never data.
 * Never log the access token.
 */
import { TcccError } from '@/platform/errors'
import type { LostRecord, PullPage, PushResult, ReconcileAnswer, RemoteChange, WorkspaceTransport } from '@/services/sync'
import { backendRequest, ensureOk, type BackendResponse } from '@/services/tokenClient'

const CHANGES_PATH = '/api/workspace/changes'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isRemoteChange(value: unknown): value is RemoteChange {
  return (
    isRecord(value) &&
    typeof value.kind === 'string' &&
    typeof value.id === 'string' &&
    typeof value.rev === 'string' &&
    typeof value.deleted === 'boolean' &&
    (value.data === null || isRecord(value.data)) &&
    (value.seenRev === undefined || typeof value.seenRev === 'string')
  )
}

function isPullPage(value: unknown): value is PullPage {
  return (
    isRecord(value) &&
    Array.isArray(value.changes) &&
    value.changes.every(isRemoteChange) &&
    typeof value.cursor === 'string' &&
    typeof value.more === 'boolean' &&
    // A full listing names the watermark: without it the phone could not tell what to keep.
    (value.resync === undefined ? value.pruned === undefined : value.resync === true && typeof value.pruned === 'string' && /^\d{1,18}$/.test(value.pruned))
  )
}

function isPushResult(value: unknown): value is PushResult {
  return (
    isRecord(value) &&
    typeof value.changeId === 'string' &&
    (value.status === 'applied' || value.status === 'duplicate' || value.status === 'rejected') &&
    (value.reason === undefined || typeof value.reason === 'string') &&
    (value.quota === undefined || typeof value.quota === 'string')
  )
}

function isLostRecord(value: unknown): value is LostRecord {
  return (
    isRecord(value) &&
    (value.kind === 'number' || value.kind === 'call') &&
    typeof value.id === 'string' &&
    typeof value.rev === 'string' &&
    /^\d{1,18}$/.test(value.rev) &&
    (value.state === 'missing' || value.state === 'alive' || value.state === 'deleted')
  )
}

function isReconcileAnswer(value: unknown): value is ReconcileAnswer {
  return isRecord(value) && Array.isArray(value.lost) && value.lost.every(isLostRecord) && Array.isArray(value.newer) && value.newer.every(isRemoteChange)
}

function checked(response: BackendResponse): void {
  if (response.statusCode === 401) throw new TcccError('SESSION_EXPIRED', 'workspace')
  ensureOk(response)
}

/** A transport that asks for the current token and backend URL on every request. */
export function createWorkspaceTransport(accessToken: () => string | null, baseUrl: () => string): WorkspaceTransport {
  function token(): string {
    const value = accessToken()
    if (!value) throw new TcccError('SESSION_EXPIRED', 'no backend session for sync')
    return value
  }
  return {
    async pull(since, limit) {
      const query = `?since=${encodeURIComponent(since)}&limit=${limit}`
      const response = await backendRequest(baseUrl(), 'GET', CHANGES_PATH + query, undefined, token())
      checked(response)
      if (!isPullPage(response.body)) throw new TcccError('MALFORMED_RESPONSE', 'workspace pull')
      return response.body
    },
    async push(changes) {
      const response = await backendRequest(baseUrl(), 'POST', CHANGES_PATH, { changes }, token())
      checked(response)
      const body = response.body
      if (!isRecord(body) || !Array.isArray(body.results) || !body.results.every(isPushResult)) {
        throw new TcccError('MALFORMED_RESPONSE', 'workspace push')
      }
      return body.results as PushResult[]
    },
    async record(kind, id) {
      const response = await backendRequest(baseUrl(), 'GET', `/api/workspace/${kind}s/${encodeURIComponent(id)}`, undefined, token())
      if (response.statusCode === 404) return null
      checked(response)
      const body = response.body
      if (!isRecord(body) || body.kind !== kind || body.id !== id || typeof body.rev !== 'string' || !isRecord(body.data)) {
        throw new TcccError('MALFORMED_RESPONSE', 'workspace record')
      }
      return { kind, id, rev: body.rev, deleted: false, data: body.data }
    },
    async reconcileFloor(since) {
      const response = await backendRequest(baseUrl(), 'GET', `/api/workspace/reconcile?since=${Math.max(0, Math.floor(since))}`, undefined, token())
      checked(response)
      const body = response.body
      if (!isRecord(body) || !(body.floor === null || (typeof body.floor === 'string' && /^\d{1,18}$/.test(body.floor))) || typeof body.at !== 'number' || !Number.isFinite(body.at)) {
        throw new TcccError('MALFORMED_RESPONSE', 'workspace reconcile floor')
      }
      return { floor: body.floor, at: body.at }
    },
    async reconcile(records) {
      const response = await backendRequest(baseUrl(), 'POST', '/api/workspace/reconcile', { records }, token())
      checked(response)
      if (!isReconcileAnswer(response.body)) throw new TcccError('MALFORMED_RESPONSE', 'workspace reconcile')
      return response.body
    },
  }
}
