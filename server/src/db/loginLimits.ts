/**
 * Sign-in limits, counted in the database so they hold across instances and restarts, and
 * reserved BEFORE the password check so a burst cannot race past them:
 * - per (username, client address): at most `max` password checks per window; a successful
 *   sign-in gives its slot back, so only failures accumulate;
 * - per address: at most `maxUsernames` DISTINCT usernames with failed attempts in the last
 *   window (an office behind one address is not locked out by one agent's typos, nor by all
 *   its agents signing in at once; spraying is);
 * - per username: at most `maxSuccesses` successful sign-ins per window.
 * A counter's window opens at its first attempt; one atomic upsert bumps or refuses it.
 */
import type { Database, Queryable } from './driver'

export interface LoginLimitPolicy {
  max: number
  maxUsernames: number
  maxSuccesses: number
  windowMs: number
}

export type Reservation = { ok: true } | { ok: false; retryAfterSeconds: number }

/**
 * The client address as the limits count it: an IPv4 address as it is (also when written as
 * IPv6, `::ffff:a.b.c.d`), an IPv6 address by its /64 network, which one home line or phone
 * usually holds whole: counted one by one, 300 guesses from 60 addresses of one /64 met no limit.
 */
export function limitAddress(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)
  if (mapped) return mapped[1]
  if (!ip.includes(':')) return ip
  const [head, tail = ''] = ip.toLowerCase().split('::')
  const headParts = head ? head.split(':') : []
  const tailParts = tail ? tail.split(':') : []
  const missing = ip.includes('::') ? 8 - headParts.length - tailParts.length : 0
  const groups = [...headParts, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailParts]
  return `${groups
    .slice(0, 4)
    .map((g) => (g.replace(/^0+(?=.)/, '') || '0'))
    .join(':')}::/64`
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000))

/** Adds one unless the live window already holds max; the refusal says when it reopens. */
async function bump(db: Queryable, key: string, now: number, policy: LoginLimitPolicy, max: number): Promise<Reservation> {
  const rows = await db.query(
    `INSERT INTO login_counters AS c (key, window_start, count) VALUES ($1, $2, 1)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN c.window_start <= $2 - $3 THEN 1 ELSE c.count + 1 END,
       window_start = CASE WHEN c.window_start <= $2 - $3 THEN $2 ELSE c.window_start END
     WHERE c.window_start <= $2 - $3 OR c.count < $4
     RETURNING count`,
    [key, now, policy.windowMs, max],
  )
  if (rows.length > 0) return { ok: true }
  const [row] = await db.query<{ window_start: number }>('SELECT window_start FROM login_counters WHERE key = $1', [key])
  return { ok: false, retryAfterSeconds: seconds(Number(row?.window_start ?? now) + policy.windowMs - now) }
}

export function createLoginLimiter(db: Database, policy: LoginLimitPolicy) {
  const tryKey = (usernameKey: string, address: string) => `try|${address}|${usernameKey}`

  return {
    /**
     * Reserve one password check; call before scrypt. The address's cap counts usernames whose
     * check FAILED (`failed`), not checks under way: a whole office signing in at once at the
     * start of a shift, right passwords behind one NAT address, is never refused by it. A burst
     * of guesses at new usernames can pass the cap once, bounded by the password-check queue;
     * their failures then close the address.
     */
    async reserve(usernameKey: string, address: string, now: number): Promise<Reservation> {
      const [row] = await db.query<{ member: boolean | null; n: number; oldest: number | null }>(
        `SELECT bool_or(username_key = $2) AS member, count(*)::int AS n, min(last_at) AS oldest
           FROM login_address_users WHERE address = $1 AND last_at > $3`,
        [address, usernameKey, now - policy.windowMs],
      )
      if (!row?.member && Number(row?.n ?? 0) >= policy.maxUsernames) {
        return { ok: false, retryAfterSeconds: seconds(Number(row?.oldest ?? now) + policy.windowMs - now) }
      }
      return bump(db, tryKey(usernameKey, address), now, policy, policy.max)
    },

    /** A wrong password (or unknown username): this username now counts at this address. */
    async failed(usernameKey: string, address: string, now: number): Promise<void> {
      await db.query(
        `INSERT INTO login_address_users (address, username_key, last_at) VALUES ($1, $2, $3)
         ON CONFLICT (address, username_key) DO UPDATE SET last_at = EXCLUDED.last_at`,
        [address, usernameKey, now],
      )
    },

    /** The check never ran (the server was too busy): its slot is given back. */
    async release(usernameKey: string, address: string): Promise<void> {
      await db.query('UPDATE login_counters SET count = count - 1 WHERE key = $1 AND count > 0', [tryKey(usernameKey, address)])
    },

    /** After a right password: give the slot back, and count the success (bounded too). */
    async succeeded(usernameKey: string, address: string, now: number): Promise<Reservation> {
      const [left] = await db.query<{ count: number }>('UPDATE login_counters SET count = count - 1 WHERE key = $1 AND count > 0 RETURNING count', [
        tryKey(usernameKey, address),
      ])
      if (!left || Number(left.count) === 0) {
        await db.query('DELETE FROM login_address_users WHERE address = $1 AND username_key = $2', [address, usernameKey])
      }
      return bump(db, `ok|${usernameKey}`, now, policy, policy.maxSuccesses)
    },

    async prune(now: number): Promise<void> {
      await db.query(`DELETE FROM login_counters WHERE window_start <= $1 AND key NOT LIKE 'rl|%'`, [now - policy.windowMs])
      await db.query('DELETE FROM login_address_users WHERE last_at <= $1', [now - policy.windowMs])
    },
  }
}

export type LoginLimiter = ReturnType<typeof createLoginLimiter>

/**
 * The request limits of the other routes (TCCC tokens, seat status, call detail) as a store for
 * @fastify/rate-limit, counted in the same table as the sign-in limits: every instance on one
 * PostgreSQL shares them (in memory, two instances issued 60 tokens in a window limited to 30).
 * A database that fails does not refuse the request (`skipOnError` in app.ts).
 */
export function sharedRateLimitStore(db: Database, now: () => number) {
  interface Counted {
    current: number
    ttl: number
  }
  class SharedRateLimitStore {
    incr(key: string, callback: (err: Error | null, result?: Counted) => void, timeWindow: number): void {
      const at = now()
      db.query<{ count: number; window_start: number }>(
        `INSERT INTO login_counters AS c (key, window_start, count) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN c.window_start <= $2 - $3 THEN 1 ELSE c.count + 1 END,
           window_start = CASE WHEN c.window_start <= $2 - $3 THEN $2 ELSE c.window_start END
         RETURNING count, window_start`,
        [`rl|${key}`, at, timeWindow],
      ).then(
        ([row]) => callback(null, { current: Number(row.count), ttl: Math.max(0, Number(row.window_start) + timeWindow - at) }),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      )
    }

    child(): SharedRateLimitStore {
      return this
    }
  }
  return SharedRateLimitStore
}

/** Drops the request counters whose longest window has ended. */
export async function pruneRateCounters(db: Queryable, now: number, longestWindowMs: number): Promise<void> {
  await db.query(`DELETE FROM login_counters WHERE key LIKE 'rl|%' AND window_start <= $1`, [now - longestWindowMs])
}
