import { describe, expect, it } from 'vitest'
import { isContact } from './workday'
import { interruptedCallRecord, isLiveCallSnapshot, type LiveCallSnapshot } from './liveCall'

const T0 = 1_772_360_000_000
const answered: LiveCallSnapshot = { sessionId: 's1', direction: 'out', peer: '13800138000', remark: 'Alice', startedAt: T0, answeredAt: T0 + 5_000, seenAt: T0 + 65_500 }

describe('the live call the phone keeps', () => {
  it('accepts a well-formed snapshot and refuses each malformed field', () => {
    expect(isLiveCallSnapshot(answered)).toBe(true)
    expect(isLiveCallSnapshot({ ...answered, sessionId: null, answeredAt: null, remark: '' })).toBe(true)
    for (const broken of [
      null,
      'call',
      { ...answered, sessionId: 7 },
      { ...answered, direction: 'sideways' },
      { ...answered, peer: '' },
      { ...answered, peer: 138 },
      { ...answered, remark: undefined },
      { ...answered, startedAt: Number.NaN },
      { ...answered, startedAt: -1 },
      { ...answered, answeredAt: 'soon' },
      { ...answered, answeredAt: undefined },
      { ...answered, seenAt: Number.POSITIVE_INFINITY },
    ]) {
      expect(isLiveCallSnapshot(broken), JSON.stringify(broken)).toBe(false)
    }
  })

  it('records an answered call as talked until last seen', () => {
    expect(interruptedCallRecord(answered, 'r1')).toStrictEqual({
      id: 'r1',
      sessionId: 's1',
      number: '13800138000',
      remark: 'Alice',
      direction: 'out',
      outcome: 'answered',
      startedAt: T0,
      answeredAt: T0 + 5_000,
      endedAt: T0 + 65_500,
      durationSec: 60,
      endReason: 'unknown',
    })
  })

  it('records one that was still ringing as unanswered, with no remark when it had none', () => {
    const ringing = { ...answered, remark: '', answeredAt: null }
    expect(interruptedCallRecord(ringing, 'r2')).toStrictEqual({
      id: 'r2',
      number: '13800138000',
      direction: 'out',
      outcome: 'no-answer',
      startedAt: T0,
      endedAt: T0 + 65_500,
      durationSec: 0,
      endReason: 'unknown',
      sessionId: answered.sessionId,
    })
    expect(interruptedCallRecord({ ...ringing, direction: 'in', sessionId: null }, 'r3').outcome).toBe('missed')
  })

  it('records a dial the SDK had given no session yet as failed (it never rang), without a session id', () => {
    const dialling = { ...answered, sessionId: null, remark: '', answeredAt: null }
    const record = interruptedCallRecord(dialling, 'r4')
    expect(record).toMatchObject({ outcome: 'failed', endReason: 'unknown', durationSec: 0 })
    expect(record).not.toHaveProperty('sessionId')
    expect(isContact(record)).toBe(false)
  })

  it('never ends before it started or was answered (a clock set back)', () => {
    expect(interruptedCallRecord({ ...answered, seenAt: T0 - 9_000 }, 'r4')).toMatchObject({ endedAt: T0 + 5_000, durationSec: 0 })
    expect(interruptedCallRecord({ ...answered, answeredAt: null, seenAt: T0 - 9_000 }, 'r5')).toMatchObject({ endedAt: T0, durationSec: 0 })
  })
})
