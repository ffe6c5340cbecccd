import { describe, expect, it } from 'vitest'
import { blurredText } from './fieldText'

describe('blurredText', () => {
  it("takes the text from uni's blur event", () => {
    expect(blurredText({ detail: { value: '13800138000' } }, '1380')).toBe('13800138000')
    expect(blurredText({ detail: { value: '' } }, 'old')).toBe('')
  })

  it('keeps the current text for events without it', () => {
    expect(blurredText({ detail: 0 }, 'kept')).toBe('kept')
    expect(blurredText({ detail: {} }, 'kept')).toBe('kept')
    expect(blurredText({}, 'kept')).toBe('kept')
    expect(blurredText({ detail: { value: 42 } }, 'kept')).toBe('kept')
  })
})
