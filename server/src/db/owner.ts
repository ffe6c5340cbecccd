/**
 * PGlite lets one process open a data directory. `owner.json` in DATA_DIR (mode 0600, created
 * exclusively) says who has it: the backend writes its port and a random admin key there so the
 * business CLIs go through its admin endpoint; a CLI holds it only while it runs.
 */
import { openSync, closeSync, writeFileSync, readFileSync, renameSync, unlinkSync, mkdirSync } from 'node:fs'
import path from 'node:path'

export interface OwnerInfo {
  pid: number
  role: 'server' | 'cli'
  /** Server only, once it listens. */
  port?: number
  adminKey?: string
}

const fileOf = (dataDir: string) => path.join(dataDir, 'owner.json')

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
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
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600)
      const info: OwnerInfo = { pid: process.pid, role }
      writeFileSync(fd, JSON.stringify(info))
      closeSync(fd)
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
          if (readOwner(dataDir)?.pid === process.pid) unlinkSync(file)
        },
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const owner = readOwner(dataDir)
    if (owner && alive(owner.pid)) return { ok: false, owner }
    // Left behind by a process that died (kill -9): set it aside and try again.
    const aside = `${file}.stale.${process.pid}`
    try {
      renameSync(file, aside)
      unlinkSync(aside)
    } catch {
      // someone else cleared it first
    }
  }
  const owner = readOwner(dataDir)
  return { ok: false, owner: owner ?? { pid: 0, role: 'cli' } }
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
