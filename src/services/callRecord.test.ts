import { describe, expect, it } from 'vitest'
import type { CallDirection, EndReason } from '@/platform/types'
import { callDetailOf, callWireData, outcomeOf, type CallOutcome } from './callRecord'

describe('outcomeOf', () => {
  it('calls any answered call answered, whatever ended it', () => {
    for (const reason of ['local-bye', 'remote-bye', 'error', 'admin', 'timeout'] as EndReason[]) {
      expect(outcomeOf('out', true, reason)).toBe('answered')
      expect(outcomeOf('in', true, reason)).toBe('answered')
    }
  })

  const unanswered: Array<[CallDirection, EndReason, CallOutcome]> = [
    ['out', 'rejected', 'rejected'],
    ['in', 'rejected', 'rejected'],
    ['out', 'remote-cancel', 'cancelled'],
    ['in', 'remote-cancel', 'missed'],
    ['out', 'local-bye', 'cancelled'],
    ['in', 'local-bye', 'rejected'],
    ['out', 'timeout', 'no-answer'],
    ['in', 'timeout', 'missed'],
    ['out', 'error', 'failed'],
    ['in', 'error', 'failed'],
    ['out', 'admin', 'no-answer'],
    ['in', 'unknown', 'missed'],
  ]
  it.each(unanswered)('an unanswered %s call ended by %s is %s', (direction, reason, outcome) => {
    expect(outcomeOf(direction, false, reason)).toBe(outcome)
  })
})

describe('callDetailOf (the backend\'s TCCC detail of a call)', () => {
  it('takes a whole, non-negative duration and an http(s) recording link', () => {
    expect(callDetailOf({ tcccDurationSec: 42.6, recordingUrl: 'https://rec.example/a.mp3' })).toEqual({ tcccDurationSec: 43, recordingUrl: 'https://rec.example/a.mp3' })
    expect(callDetailOf({ tcccDurationSec: 0, recordingUrl: 'http://rec.example/b.mp3' })).toEqual({ tcccDurationSec: 0, recordingUrl: 'http://rec.example/b.mp3' })
  })

  it('drops a link that is not http(s) or not a string, keeping the duration', () => {
    for (const recordingUrl of ['javascript:alert(1)', 'ftp://x/y', 'see https://x', '', 5, null, undefined, ['https://rec.example/a.mp3']]) {
      expect(callDetailOf({ tcccDurationSec: 7, recordingUrl })).toEqual({ tcccDurationSec: 7, recordingUrl: null })
    }
  })

  it('is nothing without a usable duration', () => {
    for (const tcccDurationSec of [undefined, '7', -1, Number.NaN, Number.POSITIVE_INFINITY, null]) {
      expect(callDetailOf({ tcccDurationSec, recordingUrl: 'https://rec.example/a.mp3' })).toBeNull()
    }
  })

  it('the wire data of a call leaves out the id and the phone-only and backend-only fields', () => {
    const record = { id: 'r1', sessionId: 's1', number: '1', direction: 'out', outcome: 'failed', startedAt: 1, endedAt: 2, durationSec: 0, endReason: 'error', errorSymbol: 'NETWORK', tcccDurationSec: 3, recordingUrl: 'https://x' } as const
    expect(callWireData(record)).toEqual({ sessionId: 's1', number: '1', direction: 'out', outcome: 'failed', startedAt: 1, endedAt: 2, durationSec: 0, endReason: 'error' })
  })
})
