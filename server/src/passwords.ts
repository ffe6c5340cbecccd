/**
 * Password hashing with node's scrypt. Stored form: `scrypt$N$r$p$<salt b64url>$<hash b64url>`,
 * so the cost can be raised later without breaking existing hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const KEY_LENGTH = 32
const DEFAULT_COST = { N: 16384, r: 8, p: 1 }

function deriveKey(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r }
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await deriveKey(password, salt, DEFAULT_COST)
  const { N, r, p } = DEFAULT_COST
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

interface ParsedHash {
  cost: { N: number; r: number; p: number }
  salt: Buffer
  key: Buffer
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null
  const [N, r, p] = parts.slice(1, 4).map(Number)
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || (N & (N - 1)) !== 0) return null
  const salt = Buffer.from(parts[4], 'base64url')
  const key = Buffer.from(parts[5], 'base64url')
  if (salt.length < 8 || key.length !== KEY_LENGTH) return null
  return { cost: { N, r, p }, salt, key }
}

export function isPasswordHash(stored: string): boolean {
  return parseHash(stored) !== null
}

/** Constant-time check of a password against a stored hash; false for malformed hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored)
  if (!parsed) return false
  const candidate = await deriveKey(password, parsed.salt, parsed.cost)
  return timingSafeEqual(candidate, parsed.key)
}

/**
 * A valid hash of a random, discarded password with the default cost. Checked against when the
 * username is unknown, so "no such user" takes as long as "wrong password".
 */
export const DUMMY_PASSWORD_HASH =
  'scrypt$16384$8$1$3pS0W3m1gq0Ck6r3r2a9Hw$Q3o0bJdF0p7VQ2kNn3lD8bq2H1l0b0j8c1o2s8b7a3A'
