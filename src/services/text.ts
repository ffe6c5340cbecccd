/**
 * Text the workspace database cannot keep: U+0000 (PostgreSQL refuses it in text and jsonb) and
 * half of a surrogate pair (not Unicode, so not valid UTF-8 either). A paste can bring either into
 * a remark or a note; one such change used to fail a whole push, and the outbox kept resending it.
 * Shared by the app (which drops them from what the agent typed) and the backend (which refuses
 * a change that still holds one).
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this finds
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g')

export function dropUnstorableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE_ALL, '') : text
}

/** Deeper than any record the workspace keeps (its fields are flat): refused unread. */
export const MAX_TEXT_DEPTH = 64

/**
 * Whether a parsed JSON value cannot be stored as it is: a string (or key) holds such text, or it
 * nests deeper than `MAX_TEXT_DEPTH` (no record does; the check stays a short recursion).
 */
export function hasUnstorableText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value)
  if (typeof value !== 'object' || value === null) return false
  if (depth > MAX_TEXT_DEPTH) return true
  // Arrays too: their keys are indexes.
  for (const [key, item] of Object.entries(value)) if (UNSTORABLE.test(key) || hasUnstorableText(item, depth + 1)) return true
  return false
}
