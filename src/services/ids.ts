/**
 * Record and change ids: random UUIDs (v4). The wire contract allows `[A-Za-z0-9_-]{1,64}`.
 * `crypto.randomUUID` exists only in secure browser contexts and recent runtimes, so fall back to
 * `getRandomValues`, and to `Math.random` where even that is missing (older App JS engines):
 * these ids only need to be unique, not secret.
 */
export function newId(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  const bytes = new Uint8Array(16)
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes)
  else for (let i = 0; i < 16; i += 1) bytes[i] = Math.floor(Math.random() * 256)
  bytes[6] = (bytes[6] & 0x0f) | 0x40
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** What the server accepts as a record id. */
export const RECORD_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
