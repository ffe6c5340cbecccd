/**
 * What the backend reads from TCCC for its agents besides login tokens: the business's outbound
 * caller numbers (`DescribeNumbers`) and a call's detail record (`DescribeTelCdr` by session id).
 * Real mode goes through the same signed ccc client as CreateSDKLoginToken; mock mode answers
 * from configuration and synthesises a record from the app's own call record.
 */
import type { TcccCredentials } from './config'
import { refusalOf, type CccClient } from './tccc'

/** One call's record in TCCC, as much as the app shows. */
export interface TelCdr {
  sessionId: string
  /** The seat that handled it (`SeatUser.UserId`): checked against the asking agent. */
  seatUserId: string
  /** Seconds talked (`Duration`). */
  durationSec: number
  /** `RecordURL` (or the business's own COS copy, `CustomRecordURL`), null when not recorded. */
  recordingUrl: string | null
  /** `EndStatusString`, e.g. ok, notAnswer, userReject. */
  endStatus: string
}

/** The app's call record fields the lookup needs (time window; the mock's synthesis). */
export interface CallRecordHint {
  sessionId: string
  agent: string
  startedAt: number
  endedAt: number
  durationSec: number
  answered: boolean
}

export interface CccRecords {
  /** Numbers the agents may show to customers (normal state only), in TCCC's order. */
  callerNumbers(): Promise<string[]>
  /** The call's detail record, or null when TCCC has none (yet) for the session. */
  telCdr(call: CallRecordHint): Promise<TelCdr | null>
}

/** DescribeTelCdr's window: the record's start ±1 day (the API wants a range under 90 days). */
const CDR_WINDOW_SECONDS = 86_400
/** DescribeNumbers page size; a business with more numbers than this pages on. */
const NUMBERS_PAGE_SIZE = 100
const NUMBERS_MAX_PAGES = 10
/** `NumberInfo.State` 1 = 正常 (in service); 2, 4, 5 are stopped numbers. */
const NUMBER_IN_SERVICE = 1
/** Caller numbers change rarely: one DescribeNumbers per minute at most. */
const CALLER_CACHE_MS = 60_000

interface TelCdrInfo {
  SessionId?: string
  Duration?: number
  RecordURL?: string
  CustomRecordURL?: string
  EndStatusString?: string
  SeatUser?: { UserId?: string }
}

export function createRealCccRecords(options: { client: CccClient; credentials: TcccCredentials; sdkAppId: number; now: () => number }): CccRecords {
  const { client, credentials, sdkAppId } = options
  let cached: { at: number; numbers: Promise<string[]> } | null = null

  async function describeNumbers(): Promise<string[]> {
    const numbers: string[] = []
    for (let page = 0; page < NUMBERS_MAX_PAGES; page++) {
      let response: { TotalCount?: number; Numbers?: Array<{ Number?: string; State?: number }> }
      try {
        response = await client.DescribeNumbers({ SdkAppId: sdkAppId, PageNumber: page, PageSize: NUMBERS_PAGE_SIZE })
      } catch (err) {
        throw refusalOf(err, credentials)
      }
      const list = response.Numbers ?? []
      for (const entry of list) {
        if (typeof entry.Number === 'string' && entry.Number && (entry.State === undefined || entry.State === NUMBER_IN_SERVICE)) numbers.push(entry.Number)
      }
      if (list.length < NUMBERS_PAGE_SIZE || (page + 1) * NUMBERS_PAGE_SIZE >= (response.TotalCount ?? 0)) break
    }
    return numbers
  }

  return {
    callerNumbers() {
      const now = options.now()
      if (!cached || now - cached.at >= CALLER_CACHE_MS) {
        const numbers = describeNumbers()
        cached = { at: now, numbers }
        // A failure is not remembered: the next request asks TCCC again.
        numbers.catch(() => {
          if (cached?.numbers === numbers) cached = null
        })
      }
      return cached.numbers
    },
    async telCdr(call) {
      const start = Math.floor(call.startedAt / 1000)
      let response: { TelCdrList?: TelCdrInfo[]; TelCdrs?: TelCdrInfo[] }
      try {
        response = await client.DescribeTelCdr({
          SdkAppId: sdkAppId,
          StartTimeStamp: start - CDR_WINDOW_SECONDS,
          EndTimeStamp: start + CDR_WINDOW_SECONDS,
          SessionIds: [call.sessionId],
          PageSize: 1,
          PageNumber: 0,
        })
      } catch (err) {
        throw refusalOf(err, credentials)
      }
      const found = (response.TelCdrList ?? response.TelCdrs ?? []).find((c) => c.SessionId === call.sessionId)
      if (!found) return null
      const recording = [found.CustomRecordURL, found.RecordURL].find((u): u is string => typeof u === 'string' && /^https?:\/\//.test(u))
      return {
        sessionId: call.sessionId,
        seatUserId: found.SeatUser?.UserId ?? '',
        durationSec: typeof found.Duration === 'number' && found.Duration >= 0 ? Math.round(found.Duration) : 0,
        recordingUrl: recording ?? null,
        endStatus: found.EndStatusString ?? '',
      }
    },
  }
}

/**
 * Mock mode: the configured caller numbers, and a record made from the app's own call (its
 * duration; a recording link on this server for answered calls, served as a second of silence).
 */
export function createMockCccRecords(options: { callerNumbers: string[]; recordingBaseUrl: () => string }): CccRecords {
  return {
    async callerNumbers() {
      return [...options.callerNumbers]
    },
    async telCdr(call) {
      return {
        sessionId: call.sessionId,
        seatUserId: call.agent,
        durationSec: call.durationSec,
        recordingUrl: call.answered ? `${options.recordingBaseUrl()}/mock/recordings/${encodeURIComponent(call.sessionId)}.wav` : null,
        endStatus: call.answered ? 'ok' : 'notAnswer',
      }
    },
  }
}

/** One second of 8 kHz 16-bit mono silence: what a mock recording link plays. */
export function silentWav(): Buffer {
  const samples = 8000
  const data = samples * 2
  const wav = Buffer.alloc(44 + data)
  wav.write('RIFF', 0)
  wav.writeUInt32LE(36 + data, 4)
  wav.write('WAVEfmt ', 8)
  wav.writeUInt32LE(16, 16)
  wav.writeUInt16LE(1, 20) // PCM
  wav.writeUInt16LE(1, 22) // mono
  wav.writeUInt32LE(8000, 24)
  wav.writeUInt32LE(16000, 28)
  wav.writeUInt16LE(2, 32)
  wav.writeUInt16LE(16, 34)
  wav.write('data', 36)
  wav.writeUInt32LE(data, 40)
  return wav
}
