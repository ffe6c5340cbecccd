/**
 * Backend access tokens: `at1.<base64url(JSON {sub, jti, exp})>.<base64url(HMAC-SHA256)>`.
 * The signature and expiry are checked here; whether the session (jti) is still live is the
 * database's answer (server/src/db/sessions.ts, through db/sessionCache.ts), so logout holds on
 * every instance.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'

const PREFIX = 'at1'

export interface AccessClaims {
  /** The agent's TCCC userId. */
  sub: string
  jti: string
  /** Unix seconds. */
  exp: number
}

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' }

export interface AccessTokenService {
  issue(userId: string): { token: string; claims: AccessClaims }
  verify(token: string): VerifyResult
}

export function createAccessTokenService(options: { key: string; ttlSeconds: number; now: () => number }): AccessTokenService {
  const nowSeconds = () => Math.floor(options.now() / 1000)

  const mac = (data: string) => createHmac('sha256', options.key).update(`${PREFIX}.${data}`).digest()

  return {
    issue(userId) {
      const claims: AccessClaims = { sub: userId, jti: randomUUID(), exp: nowSeconds() + options.ttlSeconds }
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
      return { token: `${PREFIX}.${payload}.${mac(payload).toString('base64url')}`, claims }
    },
    verify(token) {
      const parts = token.split('.')
      if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) return { ok: false, reason: 'malformed' }
      const given = Buffer.from(parts[2], 'base64url')
      const expected = mac(parts[1])
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' }
      let claims: AccessClaims
      try {
        claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as AccessClaims
      } catch {
        return { ok: false, reason: 'malformed' }
      }
      if (typeof claims.sub !== 'string' || typeof claims.jti !== 'string' || typeof claims.exp !== 'number') {
        return { ok: false, reason: 'malformed' }
      }
      if (claims.exp <= nowSeconds()) return { ok: false, reason: 'expired' }
      return { ok: true, claims }
    },
  }
}
