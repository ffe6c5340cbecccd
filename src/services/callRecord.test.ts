import { describe, expect, it } from 'vitest'
import type { CallDirection, EndReason } from '@/platform/types'
import { outcomeOf, type CallOutcome } from './callRecord'

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
