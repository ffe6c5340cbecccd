/**
 * What the app reads from TCCC through the backend (server/README.md): the business's outbound
 * caller numbers and a finished call's detail record. The sync store connects it to the signed-in
 * agent's backend session (`connectBackend`) and disconnects it at sign-out. Never logs the token.
 */
import { TcccError } from '@/platform/errors'
import type { RemoteChange } from '@/services/sync'
import { backendRequest, ensureOk, type BackendResponse } from '@/services/tokenClient'

let accessToken: (() => string | null) | null = null
let baseUrl: (() => string) | null = null

/** The signed-in agent's backend session (null: signed out, every read fails SESSION_EXPIRED). */
export function connectBackend(token: (() => string | null) | null, url: (() => string) | null = null): void {
  accessToken = token
  baseUrl = url
}

function session(): { token: string; url: string } {
  const token = accessToken?.()
  if (!token || !baseUrl) throw new TcccError('SESSION_EXPIRED', 'no backend session')
  return { token, url: baseUrl() }
}

function checked(response: BackendResponse): void {
  if (response.statusCode === 401) throw new TcccError('SESSION_EXPIRED', 'backend read')
  ensureOk(response)
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** `GET /api/numbers/callers`: the numbers a customer may see (TCCC `DescribeNumbers`). */
export async function fetchCallerNumbers(): Promise<string[]> {
  const { token, url } = session()
  const response = await backendRequest(url, 'GET', '/api/numbers/callers', undefined, token)
  checked(response)
  const body = response.body
  if (!isRecord(body) || !Array.isArray(body.numbers) || !body.numbers.every((n) => typeof n === 'string')) {
    throw new TcccError('MALFORMED_RESPONSE', 'caller numbers')
  }
  return body.numbers as string[]
}

/**
 * `POST /api/workspace/calls/:id/detail`: the backend attaches TCCC's detail record (duration,
 * recording link) to the call and answers the updated record; null when TCCC has none (yet).
 */
export async function fetchCallDetail(id: string): Promise<RemoteChange | null> {
  const { token, url } = session()
  const response = await backendRequest(url, 'POST', `/api/workspace/calls/${encodeURIComponent(id)}/detail`, undefined, token)
  if (response.statusCode === 404) return null
  checked(response)
  const body = response.body
  if (!isRecord(body) || body.kind !== 'call' || body.id !== id || typeof body.rev !== 'string' || !isRecord(body.data)) {
    throw new TcccError('MALFORMED_RESPONSE', 'call detail')
  }
  return { kind: 'call', id, rev: body.rev, deleted: false, data: body.data }
}
