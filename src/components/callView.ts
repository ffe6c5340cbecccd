import type { AudioRoute, CallDirection, EndReason, NetworkQuality } from '@/platform/types'
import type { TcccError } from '@/services/errors'

export type CallViewState = 'idle' | 'dialing' | 'ringing' | 'incoming' | 'active' | 'ended'

/** The part of the call store the call screen shows (the store itself satisfies it). */
export interface CallView {
  state: CallViewState
  direction: CallDirection | null
  peer: string
  remark: string
  /** Epoch ms the call began (the store sets it); optional for views that do not know it. */
  startedAt?: number | null
  answeredAt: number | null
  endedAt: number | null
  muted: boolean
  audioRoute: AudioRoute
  dtmfSent: string
  quality: NetworkQuality
  endReason: EndReason | null
  error: TcccError | null
  busy: boolean
}
