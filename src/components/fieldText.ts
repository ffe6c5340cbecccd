/**
 * uni's H5 `<input>` hands typing to `v-model` at most every 100 ms (the last change trails), so
 * a button tapped right after typing could read the text from before. A tap first takes the
 * focus off the field, and uni's blur event carries the field's current text: forms take it
 * from there (`@blur="text = blurredText($event, text)"`).
 */
export function blurredText(event: { detail?: unknown }, current: string): string {
  // uni's blur event: `detail: { value }`; a plain DOM FocusEvent has a numeric detail.
  const detail = event.detail
  const value = typeof detail === 'object' && detail !== null ? (detail as { value?: unknown }).value : undefined
  return typeof value === 'string' ? value : current
}
