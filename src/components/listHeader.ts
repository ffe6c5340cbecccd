/**
 * When the controls above a long list fold into a compact bar (the numbers page): once the agent
 * has scrolled into the list, and back when the list is at its top again. A pure rule, so the
 * page, its tests and the journeys agree on it without a DOM.
 */

/** px of list scrolled past before the controls fold. */
export const FOLD_AFTER = 48

/**
 * The list must still scroll by at least this much with the controls folded, or folding would
 * give the list room to show everything, its scroll position would drop to the top and the
 * controls unfold again: a flicker on every scroll of a list just longer than the screen. More
 * than the tallest fold (the controls minus the compact bar: about 250 px on a phone) + FOLD_AFTER.
 */
export const FOLD_MIN_OVERFLOW = 320

/**
 * Whether the controls are folded after the list scrolled to `scrollTop` (its furthest scroll
 * being `maxScrollTop`), given whether they were folded before.
 */
export function foldedAfterScroll(folded: boolean, scrollTop: number, maxScrollTop: number): boolean {
  if (scrollTop <= 0) return false
  if (folded) return true
  return scrollTop > FOLD_AFTER && maxScrollTop >= FOLD_MIN_OVERFLOW
}
