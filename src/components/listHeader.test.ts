import { describe, expect, it } from 'vitest'
import { FOLD_AFTER, FOLD_MIN_OVERFLOW, foldedAfterScroll } from './listHeader'

describe('foldedAfterScroll', () => {
  it('folds once the list is scrolled past FOLD_AFTER, and unfolds only at the top', () => {
    expect(foldedAfterScroll(false, FOLD_AFTER, 2000)).toBe(false)
    expect(foldedAfterScroll(false, FOLD_AFTER + 1, 2000)).toBe(true)
    // Scrolling back up stays folded until the very top.
    expect(foldedAfterScroll(true, 1, 2000)).toBe(true)
    expect(foldedAfterScroll(true, 0, 2000)).toBe(false)
  })

  it('does not fold a list that would then fit (its scroll would drop to the top and unfold it again)', () => {
    expect(foldedAfterScroll(false, 200, FOLD_MIN_OVERFLOW - 1)).toBe(false)
    expect(foldedAfterScroll(false, 200, FOLD_MIN_OVERFLOW)).toBe(true)
  })
})
