/**
 * PGlite lets one process open a data directory. `owner.json` in DATA_DIR (mode 0600, created
 * exclusively) says who has it: the backend writes its port and a random admin key there so the
 * business CLIs go through its admin endpoint; a CLI holds it only while it runs.
 */
import { randomUUID } from 'node:crypto'
import { openSync, closeSync, writeFileSync, readFileSync, renameSync, unlinkSync, mkdirSync, statSync } from 'node:fs'
import path from 'node:path'

export interface OwnerInfo {
  pid: number
  /** This claim's own id: a process id comes back (PID 1 in every container start), this does not. */
  claim?: string
  role: 'server' | 'cli'
  /** Server only, once it listens. */
  port?: number
  adminKey?: string
}

const fileOf = (dataDir: string) => path.join(dataDir, 'owner.json')
/** Held while a dead holder's claim is cleared, so two clearers cannot remove a fresh claim. */
const clearingLockOf = (dataDir: string) => path.join(dataDir, 'owner.clearing')
/** A clearing lock this old was left by a process killed while clearing (it takes microseconds). */
const STALE_LOCK_MS = 10_000

/** An unreadable claim file younger than this may be one being written. */
const HALF_WRITTEN_MS = 1_000

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs
  } catch {
    return Infinity
  }
}

/** The claims this process holds now. */
const held = new Set<string>()

function alive(owner: OwnerInfo): boolean {
  // Our own pid on a claim we do not hold: an earlier run whose pid came back (kill -9, restart).
  if (owner.pid === process.pid) return owner.claim !== undefined && held.has(owner.claim)
  try {
    process.kill(owner.pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes the claim file if it is still the dead one that was read; false when someone else is clearing. Exported for its tests. */
export function clearDeadClaim(dataDir: string, dead: OwnerInfo | null): boolean {
  const lock = clearingLockOf(dataDir)
  let fd: number
  try {
    fd = openSync(lock, 'wx', 0o600)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) unlinkSync(lock)
    } catch {
      // gone already
    }
    return false
  }
  try {
    // Only the holder of the lock clears, and only the claim it judged dead: a fresh claim made
    // in between (the file was removed and created again) is left alone.
    const now = readOwner(dataDir)
    const same = now === null ? dead === null && ageMs(fileOf(dataDir)) > HALF_WRITTEN_MS : dead !== null && now.pid === dead.pid && now.claim === dead.claim && !alive(now)
    if (same) {
      try {
        unlinkSync(fileOf(dataDir))
      } catch {
        // already gone
      }
    }
    return true
  } finally {
    closeSync(fd)
    unlinkSync(lock)
  }
}

export function readOwner(dataDir: string): OwnerInfo | null {
  try {
    const info = JSON.parse(readFileSync(fileOf(dataDir), 'utf8')) as OwnerInfo
    return typeof info.pid === 'number' ? info : null
  } catch {
    return null
  }
}

export type Claim = { ok: true; release: () => void; update: (info: Partial<OwnerInfo>) => void } | { ok: false; owner: OwnerInfo }

/** Takes the data directory, or says who holds it (a dead holder's claim is cleared). */
export function claimDataDir(dataDir: string, role: OwnerInfo['role']): Claim {
  mkdirSync(dataDir, { recursive: true })
  const file = fileOf(dataDir)
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600)
      const info: OwnerInfo = { pid: process.pid, claim: randomUUID(), role }
      writeFileSync(fd, JSON.stringify(info))
      closeSync(fd)
      const claim = info.claim as string
      held.add(claim)
      let current = info
      return {
        ok: true,
        update(more) {
          current = { ...current, ...more }
          const temp = `${file}.${process.pid}.tmp`
          writeFileSync(temp, JSON.stringify(current), { mode: 0o600 })
          renameSync(temp, file)
        },
        release() {
          held.delete(claim)
          if (readOwner(dataDir)?.claim === claim) unlinkSync(file)
        },
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const owner = readOwner(dataDir)
    if (owner && alive(owner)) return { ok: false, owner }
    // Unreadable and new: a claimer between creating the file and writing it.
    if (owner === null && ageMs(file) <= HALF_WRITTEN_MS) {
      sleepMs(HALF_WRITTEN_MS / 10)
      continue
    }
    // Left behind by a process that died (kill -9), or unreadable: clear it and try again.
    if (!clearDeadClaim(dataDir, owner)) sleepMs(5 + Math.random() * 20)
  }
  const owner = readOwner(dataDir)
  return { ok: false, owner: owner ?? { pid: 0, role: 'cli' } }
}

/** A short synchronous wait between attempts (the claim is made before anything else runs). */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** Waits (polling) while another CLI holds the directory; returns the claim or the server holding it. */
export async function claimDataDirWaiting(dataDir: string, role: OwnerInfo['role'], timeoutMs = 60_000): Promise<Claim> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const claim = claimDataDir(dataDir, role)
    if (claim.ok || claim.owner.role === 'server' || Date.now() > deadline) return claim
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 100))
  }
}
