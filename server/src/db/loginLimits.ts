/**
 * Sign-in limits, counted in the database so they hold across instances and restarts, and
 * reserved BEFORE the password check so a burst cannot race past them:
 * - per (username, client address): at most `max` password checks per window; a successful
 *   sign-in gives its slot back, so only failures accumulate;
 * - per address: at most `maxUsernames` DISTINCT usernames with failed attempts in the last
 *   window (an office behind one address is not locked out by one agent's typos, nor by all
 *   its agents signing in at once; spraying is). A username that signed in successfully from the
 *   address in the last KNOWN_ADDRESS_MS is not held by it: one device spraying behind an
 *   office's NAT address must not lock out the colleagues who proved their passwords there
 *   (they keep the per-(username, address) limit; see `reserve`);
 * - per username: at most `maxSuccesses` successful sign-ins per window;
 * - per username across ALL addresses (`perUsername`): at most `max` password checks per its own
 *   (longer) window, so a guess at one agent's password spread over many addresses is capped too.
 *   Like the per-address one a success gives its slot back. An address the agent signed in from
 *   in the last KNOWN_ADDRESS_MS is not held by it (only by its per-address limit): an attacker
 *   burning the cap from elsewhere cannot lock the agent out of their usual phone or office.
 * A counter's window opens at its first attempt; one atomic upsert bumps or refuses it.
 */
import type { Database, Queryable } from './driver'

export interface LoginLimitPolicy {
  max: number
  maxUsernames: number
  maxSuccesses: number
  windowMs: number
  /** Password checks per username across all addresses (none: not capped). */
  perUsername?: { max: number; windowMs: number }
}

/**
 * `usernameSlot`: the check holds a slot of the username's cap across addresses (give it back with
 * the reservation). `fills`: the check took the last slot of a limit of the username (at this
 * address, or across addresses), so if it fails, that limit holds the username: the agent is told
 * at their next sign-in (db/signInFailures.ts), with no database work on the refusals themselves.
 * `scope` of a refusal: the address's cap (usernames failing there), or a limit of the username.
 */
export type Reservation = { ok: true; usernameSlot?: true; fills?: true } | { ok: false; retryAfterSeconds: number; scope: 'address' | 'username' }

type Counted = { ok: true; filled: boolean } | Extract<Reservation, { ok: false }>

/** How long an address the agent signed in from stays one the per-username cap spares. */
export const KNOWN_ADDRESS_MS = 30 * 86_400_000
/** Known addresses kept per username, the newest: someone with the password and many addresses must not grow them. */
export const KNOWN_ADDRESSES_KEPT = 20

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

/**
 * Adds one unless the live window already holds max (`filled`: this one took the last slot); the
 * refusal says when it reopens. Every key is a username's.
 */
async function bump(db: Queryable, key: string, now: number, policy: { windowMs: number }, max: number): Promise<Counted> {
  const rows = await db.query<{ count: number }>(
    `INSERT INTO login_counters AS c (key, window_start, count) VALUES ($1, $2, 1)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN c.window_start <= $2 - $3 THEN 1 ELSE c.count + 1 END,
       window_start = CASE WHEN c.window_start <= $2 - $3 THEN $2 ELSE c.window_start END
     WHERE c.window_start <= $2 - $3 OR c.count < $4
     RETURNING count`,
    [key, now, policy.windowMs, max],
  )
  if (rows.length > 0) return { ok: true, filled: Number(rows[0].count) >= max }
  const [row] = await db.query<{ window_start: number }>('SELECT window_start FROM login_counters WHERE key = $1', [key])
  return { ok: false, scope: 'username', retryAfterSeconds: seconds(Number(row?.window_start ?? now) + policy.windowMs - now) }
}

export function createLoginLimiter(db: Database, policy: LoginLimitPolicy) {
  const tryKey = (usernameKey: string, address: string) => `try|${address}|${usernameKey}`
  const usernameKeyOf = (usernameKey: string) => `user|${usernameKey}`
  const giveBack = (key: string) => db.query<{ count: number }>('UPDATE login_counters SET count = count - 1 WHERE key = $1 AND count > 0 RETURNING count', [key])
  const knownAddress = async (usernameKey: string, address: string, now: number) =>
    (await db.query('SELECT 1 FROM login_known_addresses WHERE username_key = $1 AND address = $2 AND last_ok_at > $3', [usernameKey, address, now - KNOWN_ADDRESS_MS])).length > 0

  return {
    /**
     * Reserve one password check; call before scrypt. The address's cap counts usernames whose
     * check FAILED (`failed`), not checks under way: a whole office signing in at once at the
     * start of a shift, right passwords behind one NAT address, is never refused by it. A burst
     * of guesses at new usernames can pass the cap once, bounded by the password-check queue;
     * their failures then close the address.
     *
     * A closed address still lets through the usernames that signed in from it before (known
     * addresses): the trade-off is that someone behind the same address can go on guessing at
     * those agents' passwords, held only by the per-(username, address) limit, where before a
     * full address held them too; without it one device spraying behind an office's NAT locked
     * every colleague out for as long as it went on, right passwords included.
     */
    async reserve(usernameKey: string, address: string, now: number): Promise<Reservation> {
      const [row] = await db.query<{ member: boolean | null; n: number; oldest: number | null }>(
        `SELECT bool_or(username_key = $2) AS member, count(*)::int AS n, min(last_at) AS oldest
           FROM login_address_users WHERE address = $1 AND last_at > $3`,
        [address, usernameKey, now - policy.windowMs],
      )
      let known: boolean | undefined
      const isKnown = async () => (known ??= await knownAddress(usernameKey, address, now))
      if (!row?.member && Number(row?.n ?? 0) >= policy.maxUsernames && !(await isKnown())) {
        return { ok: false, scope: 'address', retryAfterSeconds: seconds(Number(row?.oldest ?? now) + policy.windowMs - now) }
      }
      const pair = await bump(db, tryKey(usernameKey, address), now, policy, policy.max)
      if (!pair.ok) return pair
      if (!policy.perUsername || (await isKnown())) return pair.filled ? { ok: true, fills: true } : { ok: true }
      // The username's cap across addresses: its own atomic upsert, so neither a burst nor another
      // instance on the same PostgreSQL gets past it; refused, the address's slot goes back.
      const username = await bump(db, usernameKeyOf(usernameKey), now, policy.perUsername, policy.perUsername.max)
      if (!username.ok) {
        await giveBack(tryKey(usernameKey, address))
        return username
      }
      return pair.filled || username.filled ? { ok: true, usernameSlot: true, fills: true } : { ok: true, usernameSlot: true }
    },

    /** A wrong password (or unknown username): this username now counts at this address. */
    async failed(usernameKey: string, address: string, now: number): Promise<void> {
      await db.query(
        `INSERT INTO login_address_users (address, username_key, last_at) VALUES ($1, $2, $3)
         ON CONFLICT (address, username_key) DO UPDATE SET last_at = EXCLUDED.last_at`,
        [address, usernameKey, now],
      )
    },

    /** The check never ran (the server was too busy): its slots are given back. */
    async release(usernameKey: string, address: string, reservation?: Reservation): Promise<void> {
      await giveBack(tryKey(usernameKey, address))
      if (reservation?.ok && reservation.usernameSlot) await giveBack(usernameKeyOf(usernameKey))
    },

    /**
     * After a right password: give the slots back, count the success (bounded too), and remember
     * the address as one the agent signs in from (the per-username cap, and the address's cap once
     * full, spare it from now on). A success does not reset the username's cap: guesses counted
     * there stay counted.
     */
    async succeeded(usernameKey: string, address: string, now: number, reservation?: Reservation): Promise<Reservation> {
      const [left] = await giveBack(tryKey(usernameKey, address))
      if (!left || Number(left.count) === 0) {
        await db.query('DELETE FROM login_address_users WHERE address = $1 AND username_key = $2', [address, usernameKey])
      }
      if (reservation?.ok && reservation.usernameSlot) await giveBack(usernameKeyOf(usernameKey))
      const counted = await bump(db, `ok|${usernameKey}`, now, policy, policy.maxSuccesses)
      if (!counted.ok) return counted
      await db.query(
        `INSERT INTO login_known_addresses (username_key, address, last_ok_at) VALUES ($1, $2, $3)
         ON CONFLICT (username_key, address) DO UPDATE SET last_ok_at = EXCLUDED.last_ok_at`,
        [usernameKey, address, now],
      )
      await db.query(
        `DELETE FROM login_known_addresses WHERE username_key = $1 AND address NOT IN
           (SELECT address FROM login_known_addresses WHERE username_key = $1 ORDER BY last_ok_at DESC, address LIMIT $2)`,
        [usernameKey, KNOWN_ADDRESSES_KEPT],
      )
      return { ok: true }
    },

    async prune(now: number): Promise<void> {
      await db.query(`DELETE FROM login_counters WHERE window_start <= $1 AND key NOT LIKE 'rl|%' AND key NOT LIKE 'user|%'`, [now - policy.windowMs])
      await db.query('DELETE FROM login_address_users WHERE last_at <= $1', [now - policy.windowMs])
      // The username caps' longer windows, and addresses not signed in from for KNOWN_ADDRESS_MS.
      await db.query(`DELETE FROM login_counters WHERE window_start <= $1 AND key LIKE 'user|%'`, [now - (policy.perUsername?.windowMs ?? policy.windowMs)])
      await db.query('DELETE FROM login_known_addresses WHERE last_ok_at <= $1', [now - KNOWN_ADDRESS_MS])
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
