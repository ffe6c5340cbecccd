/** Words and numbers the call screen and history show, as pure functions (tested alone). */
import type { CallDirection, EndReason, NetworkQuality } from '@/platform/types'
import type { MessageKey } from '@/i18n'

/** `mm:ss` for a call duration; minutes keep counting past 59 (`75:03`), never negative. */
export function formatCallDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const minutes = Math.floor(total / 60)
  const seconds = total % 60
  return `${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`
}

/** Why the call ended, from the agent's side: "you cancelled" is not "you hung up". */
export function endReasonKey(reason: EndReason | null, direction: CallDirection | null, answered: boolean): MessageKey {
  switch (reason) {
    case 'local-bye':
      if (answered) return 'call.end.local-bye'
      return direction === 'in' ? 'call.end.rejected-in' : 'call.end.local-cancel'
    case 'remote-bye':
      return 'call.end.remote-bye'
    case 'rejected':
      return direction === 'in' ? 'call.end.rejected-in' : 'call.end.rejected'
    case 'remote-cancel':
      return 'call.end.remote-cancel'
    case 'timeout':
      return 'call.end.timeout'
    case 'error':
      return 'call.end.error'
    case 'admin':
      return 'call.end.admin'
    default:
      return 'call.end.unknown'
  }
}

/** Bars lit (0..4) for a TRTC quality: 1 excellent .. 6 down; 0 is unknown (no bars). */
export function qualityBars(quality: NetworkQuality): number {
  const bars: Record<NetworkQuality, number> = { 0: 0, 1: 4, 2: 3, 3: 2, 4: 1, 5: 1, 6: 0 }
  return bars[quality]
}

export type QualityTone = 'unknown' | 'good' | 'fair' | 'bad'

export function qualityTone(quality: NetworkQuality): QualityTone {
  if (quality === 0) return 'unknown'
  if (quality <= 2) return 'good'
  if (quality === 3) return 'fair'
  return 'bad'
}
