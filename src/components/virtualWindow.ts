/**
 * The rows a fixed-row-height virtual list renders (VirtualList.vue), as a pure function so the
 * bench and tests can check it without a DOM.
 */
export interface WindowInput {
  count: number
  itemHeight: number
  viewportHeight: number
  scrollTop: number
  /** Rows kept rendered above and below the visible ones. */
  overscan: number
}

/** `[first, last)` row indices to render. A scroll position past the end is clamped to it. */
export function visibleRange({ count, itemHeight, viewportHeight, scrollTop, overscan }: WindowInput): { first: number; last: number } {
  const maxTop = Math.max(0, count * itemHeight - viewportHeight)
  const firstVisible = Math.floor(Math.min(Math.max(0, scrollTop), maxTop) / itemHeight)
  // Rows that fit in the viewport, plus one for a partly shown row at each edge.
  const visibleCount = Math.ceil(viewportHeight / itemHeight) + 1
  return {
    first: Math.max(0, firstVisible - overscan),
    last: Math.min(count, firstVisible + visibleCount + overscan),
  }
}

export const DEFAULT_OVERSCAN = 6

/** Height in px of a row of the numbers page (NumberRow fills it); shared with the bench. */
export const NUMBER_ROW_HEIGHT = 76
