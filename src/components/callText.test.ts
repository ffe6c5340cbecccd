import { describe, expect, it } from 'vitest'
import { endReasonKey, formatCallDuration, qualityBars, qualityTone } from './callText'

describe('formatCallDuration', () => {
  it.each([
    [0, '00:00'],
    [999, '00:00'],
    [1_000, '00:01'],
    [59_999, '00:59'],
    [60_000, '01:00'],
    [3_599_000, '59:59'],
    [4_503_000, '75:03'],
    [-5_000, '00:00'],
  ])('%i ms -> %s', (ms, text) => {
    expect(formatCallDuration(ms)).toBe(text)
  })
})

describe('endReasonKey', () => {
  it('tells hanging up from cancelling and declining', () => {
    expect(endReasonKey('local-bye', 'out', true)).toBe('call.end.local-bye')
    expect(endReasonKey('local-bye', 'out', false)).toBe('call.end.local-cancel')
    expect(endReasonKey('local-bye', 'in', false)).toBe('call.end.rejected-in')
    expect(endReasonKey('rejected', 'out', false)).toBe('call.end.rejected')
    expect(endReasonKey(null, null, false)).toBe('call.end.unknown')
  })
})

describe('network quality', () => {
  it('lights fewer bars as quality worsens and none when unknown or down', () => {
    expect([1, 2, 3, 4, 5, 6, 0].map((q) => qualityBars(q as 0))).toEqual([4, 3, 2, 1, 1, 0, 0])
    expect(qualityTone(0)).toBe('unknown')
    expect(qualityTone(2)).toBe('good')
    expect(qualityTone(3)).toBe('fair')
    expect(qualityTone(6)).toBe('bad')
  })
})
