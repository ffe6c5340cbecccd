/**
 * The agent's seat status in TCCC, for the App (whose SDK has no seat status): read with
 * DescribeStaffStatusMetrics, set with SetStaffStatus (ccc 2020-02-10), always for ONE seat, the
 * signed-in agent's. Mock mode keeps a status per agent in memory instead.
 *
 * API facts (tencentcloud-sdk-nodejs ccc_models.d.ts; docs cloud.tencent.com/document/api/679/60007
 * and /679/124802):
 * - DescribeStaffStatusMetrics { SdkAppId, StaffList?: string[] } → { Metrics: [{ Email, Status,
 *   Reason, ... }] }, Status one of free | busy | rest | notReady | afterCallWork | offline.
 * - SetStaffStatus { SdkAppId, StaffStatusList: [{ StaffUserId, Status, Reason? }] } with Status
 *   free (示闲) | notReady (示忙) | rest (小休) only → { StaffStatusList: [{ StaffUserId,
 *   ErrorCode, ErrorMessage, Status, Reason, PreviousStatus, PreviousReason }] }.
 *   After-call work (afterCallWork) is entered by TCCC itself when a call ends; it cannot be set.
 */
import type { TcccCredentials } from './config'
import { refusalOf, sanitiseTcccMessage, TcccRefusedError } from './tccc'

/** The app's words (src/platform/types.ts AgentStatus). */
export type SeatStatus = 'free' | 'busy' | 'rest' | 'arrange' | 'offline'
/** What an agent may ask for through SetStaffStatus ('busy' is TCCC's notReady, 示忙). */
export type SettableSeatStatus = 'free' | 'rest' | 'busy'
export const SETTABLE_SEAT_STATUSES: readonly SettableSeatStatus[] = ['free', 'rest', 'busy']

export interface SeatStatusView {
  status: SeatStatus
  /** Only for rest: the reason the agent gave (TCCC `Reason`). */
  restReason?: string
}

export interface StaffStatusService {
  read(userId: string): Promise<SeatStatusView>
  set(userId: string, status: SettableSeatStatus, restReason?: string): Promise<SeatStatusView>
}

const FROM_TCCC: Record<string, SeatStatus> = {
  free: 'free',
  busy: 'busy',
  notReady: 'busy',
  rest: 'rest',
  afterCallWork: 'arrange',
  offline: 'offline',
}

/** Own keys only: a status such as "constructor" must not find Object's prototype. */
function fromTccc(status: unknown): SeatStatus | undefined {
  return typeof status === 'string' && Object.prototype.hasOwnProperty.call(FROM_TCCC, status) ? FROM_TCCC[status] : undefined
}

const TO_TCCC: Record<SettableSeatStatus, string> = { free: 'free', rest: 'rest', busy: 'notReady' }

function view(status: SeatStatus, reason: unknown): SeatStatusView {
  return status === 'rest' && typeof reason === 'string' && reason ? { status, restReason: reason } : { status }
}

// ---------------------------------------------------------------------------------------------
// Mock mode

/** One status per agent, in memory: a new process starts every seat free again. */
export function createMockStaffStatus(): StaffStatusService {
  const seats = new Map<string, SeatStatusView>()
  return {
    async read(userId) {
      return seats.get(userId) ?? { status: 'free' }
    },
    async set(userId, status, restReason) {
      const next = view(status, restReason)
      seats.set(userId, next)
      return next
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Real mode

interface MetricsResponse {
  Metrics?: Array<{ Email?: string; Status?: string; Reason?: string }>
  RequestId?: string
}
interface SetResponse {
  StaffStatusList?: Array<{ StaffUserId?: string; ErrorCode?: string; ErrorMessage?: string; Status?: string; Reason?: string }>
  RequestId?: string
}
/** The two CCC actions used here (the shared tencentcloud-sdk-nodejs client has them). */
export interface CccStatusClient {
  DescribeStaffStatusMetrics(req: { SdkAppId: number; StaffList: string[] }): Promise<MetricsResponse>
  SetStaffStatus(req: { SdkAppId: number; StaffStatusList: Array<{ StaffUserId: string; Status: string; Reason?: string }> }): Promise<SetResponse>
}

export function createRealStaffStatus(options: { client: CccStatusClient; credentials: TcccCredentials; sdkAppId: number }): StaffStatusService {
  const { client, credentials, sdkAppId } = options
  const secrets = [credentials.secretKey, credentials.secretId]

  async function call<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action()
    } catch (err) {
      throw refusalOf(err, credentials)
    }
  }

  return {
    async read(userId) {
      const response = await call(() => client.DescribeStaffStatusMetrics({ SdkAppId: sdkAppId, StaffList: [userId] }))
      if (!Array.isArray(response.Metrics)) throw new TcccRefusedError('TCCC returned an incomplete DescribeStaffStatusMetrics response', undefined, response.RequestId)
      // The filter is TCCC's; the check is ours: never hand an agent another seat's line.
      const own = response.Metrics.find((m) => m.Email === userId)
      if (!own) return { status: 'offline' }
      const status = fromTccc(own.Status)
      if (!status) throw new TcccRefusedError(`TCCC reported an unknown seat status "${String(own.Status).slice(0, 40)}"`, undefined, response.RequestId)
      return view(status, own.Reason)
    },
    async set(userId, status, restReason) {
      const item = { StaffUserId: userId, Status: TO_TCCC[status], ...(status === 'rest' && restReason ? { Reason: restReason } : {}) }
      const response = await call(() => client.SetStaffStatus({ SdkAppId: sdkAppId, StaffStatusList: [item] }))
      const answer = response.StaffStatusList?.find((r) => r.StaffUserId === userId)
      if (!answer) throw new TcccRefusedError('TCCC returned an incomplete SetStaffStatus response', undefined, response.RequestId)
      // Per-seat failures come inside a successful response.
      if (answer.ErrorCode) throw new TcccRefusedError(sanitiseTcccMessage(answer.ErrorMessage, secrets), answer.ErrorCode, response.RequestId)
      const now = fromTccc(answer.Status)
      return now ? view(now, answer.Reason ?? restReason) : view(status, restReason)
    },
  }
}
