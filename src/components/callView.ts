import type { AudioRoute, CallDirection, EndReason, NetworkQuality } from '@/platform/types'
import type { TcccError } from '@/platform/errors'

export type CallViewState = 'idle' | 'dialing' | 'ringing' | 'incoming' | 'active' | 'ended'

/** The part of the call store the call screen shows (the store itself satisfies it). */
export interface CallView {
  state: CallViewState
  direction: CallDirection | null
  peer: string
  remark: string
  answeredAt: number | null
  endedAt: number | null
  muted: boolean
  /** A call to a colleague's seat (platforms with the `internalCall` capability). */
  internal?: boolean
  /** On hold (platforms with the `hold` capability). */
  held?: boolean
  audioRoute: AudioRoute
  dtmfSent: string
  quality: NetworkQuality
  /** What the indicator shows: `quality`, or 6 (down) while the connection is lost (the store's getter). */
  linkQuality?: NetworkQuality
  endReason: EndReason | null
  /** Handed on with `transfer` (a colleague's account or a skill group): the call ended so. */
  transferredTo?: string | null
  error: TcccError | null
  busy: boolean
}
