/**
 * Reads the mock login token that the token backend issues in mock mode:
 * `sim.<base64url(JSON {sdkAppId, userId, exp})>.<base64url signature>`.
 * The simulator has no key, so the signature is not checked, only the claims.
 */

export interface MockTokenClaims {
  sdkAppId: number
  userId: string
  /** Expiry, unix seconds. */
  exp: number
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Plain JS decoder: the App's JS engine has no `atob`, and the simulator may run there. */
function base64UrlToBytes(text: string): number[] | null {
  const clean = text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
  if (clean.length % 4 === 1) return null
  const bytes: number[] = []
  let buffer = 0
  let bits = 0
  for (const char of clean) {
    const value = BASE64URL.indexOf(char)
    if (value < 0) return null
    buffer = (buffer << 6) | value
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes.push((buffer >> bits) & 0xff)
    }
  }
  return bytes
}

function utf8Decode(bytes: number[]): string | null {
  try {
    return decodeURIComponent(bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''))
  } catch {
    return null
  }
}

/** The claims of a well-formed mock token, or null when it is not one. */
export function decodeMockToken(token: string): MockTokenClaims | null {
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== 'sim' || !parts[1] || !parts[2]) return null
  const bytes = base64UrlToBytes(parts[1])
  const json = bytes && utf8Decode(bytes)
  if (!json) return null
  let claims: unknown
  try {
    claims = JSON.parse(json)
  } catch {
    return null
  }
  if (typeof claims !== 'object' || claims === null) return null
  const { sdkAppId, userId, exp } = claims as Record<string, unknown>
  if (typeof sdkAppId !== 'number' || typeof userId !== 'string' || typeof exp !== 'number') return null
  return { sdkAppId, userId, exp }
}

/** Build a mock token (tests and the debug tools; the signature is a placeholder). */
export function encodeMockToken(claims: MockTokenClaims, signature = 'unsigned'): string {
  const json = JSON.stringify(claims)
  const bytes = (encodeURIComponent(json).match(/%[0-9A-F]{2}|[^%]/g) ?? []).map((part) =>
    part.length === 3 ? parseInt(part.slice(1), 16) : part.charCodeAt(0),
  )
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 6) {
      bits -= 6
      out += BASE64URL[(buffer >> bits) & 0x3f]
    }
  }
  if (bits > 0) out += BASE64URL[(buffer << (6 - bits)) & 0x3f]
  return `sim.${out}.${signature}`
}
