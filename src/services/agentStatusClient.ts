/**
 * The seat status through the token backend, for platforms whose SDK has none (the native App,
 * `capabilities.agentStatusViaBackend`): `GET /api/agent/status` reads the signed-in agent's own
 * seat (DescribeStaffStatusMetrics), `PUT` sets it (SetStaffStatus). server/README.md has the API.
 * The seat is always the session's; nothing here names an agent. Never log the access token.
 */
import type { AgentStatus } from '@/platform/types'
import { TcccError } from '@/platform/errors'
import { backendRequest, ensureOk, type BackendResponse } from '@/services/tokenClient'

export const AGENT_STATUS_PATH = '/api/agent/status'

/** What SetStaffStatus can set (TCCC enters after-call work and offline itself). */
export type BackendSettableStatus = 'free' | 'rest' | 'busy'

export interface SeatStatus {
  status: AgentStatus
  restReason?: string
}

const STATUSES: readonly AgentStatus[] = ['free', 'busy', 'rest', 'arrange', 'offline']

function isSeatStatus(value: unknown): value is SeatStatus {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const v = value as Record<string, unknown>
  return STATUSES.includes(v.status as AgentStatus) && (v.restReason === undefined || typeof v.restReason === 'string')
}

function checked(response: BackendResponse): SeatStatus {
  if (response.statusCode === 401) throw new TcccError('SESSION_EXPIRED', 'agent status')
  try {
    ensureOk(response)
  } catch (error) {
    // The backend's TCCC_REFUSED here is about the seat, not the login token.
    if (error instanceof TcccError && error.symbol === 'TCCC_REFUSED') throw new TcccError('SEAT_STATUS_REFUSED', error.detail)
    throw error
  }
  if (!isSeatStatus(response.body)) throw new TcccError('MALFORMED_RESPONSE', 'agent status')
  const { status, restReason } = response.body
  return status === 'rest' && restReason ? { status, restReason } : { status }
}

export async function fetchSeatStatus(accessToken: string, baseUrl: string): Promise<SeatStatus> {
  return checked(await backendRequest(baseUrl, 'GET', AGENT_STATUS_PATH, undefined, accessToken))
}

export async function putSeatStatus(accessToken: string, baseUrl: string, status: BackendSettableStatus, restReason?: string): Promise<SeatStatus> {
  const body = status === 'rest' && restReason ? { status, restReason } : { status }
  return checked(await backendRequest(baseUrl, 'PUT', AGENT_STATUS_PATH, body, accessToken))
}
