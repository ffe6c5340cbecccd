// @vitest-environment node
/**
 * The DATA_DIR claim (server/src/db/owner.ts) under the two ways it used to fail: a restart whose
 * process id is the dead holder's (PID 1 in every container start), and several processes clearing
 * the same dead claim at once (two of them used to end up "owning" one PGlite folder).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { claimDataDir, clearDeadClaim, readOwner } from '../src/db/owner'
import { root as repoRoot } from './processes'

const DEAD_PID = 2_000_000_000 // above any pid_max: process.kill answers ESRCH

describe('DATA_DIR claim', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'owner-race-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('a claim naming our own pid that we do not hold is an earlier run of ours: cleared and taken', () => {
    writeFileSync(path.join(dir, 'owner.json'), JSON.stringify({ pid: process.pid, claim: 'the-run-before-kill-9', role: 'server', port: 8787 }))
    const claim = claimDataDir(dir, 'server')
    expect(claim.ok).toBe(true)
    expect(readOwner(dir)?.claim).not.toBe('the-run-before-kill-9')
    if (claim.ok) claim.release()
    // A file from before claims had ids, with our pid: the same.
    writeFileSync(path.join(dir, 'owner.json'), JSON.stringify({ pid: process.pid, role: 'server' }))
    expect(claimDataDir(dir, 'server').ok).toBe(true)
  })

  it('a clearer that read the dead claim before another cleared it and claimed leaves the fresh claim alone', () => {
    // The interleaving the six processes below rarely hit on a quiet machine, step by step.
    writeFileSync(path.join(dir, 'owner.json'), JSON.stringify({ pid: DEAD_PID, claim: 'dead', role: 'server', port: 1 }))
    const readByLateClearer = readOwner(dir)
    const fresh = claimDataDir(dir, 'cli') // clears the dead claim and takes the folder
    expect(fresh.ok).toBe(true)
    const claimId = readOwner(dir)?.claim
    expect(claimId).not.toBe('dead')
    expect(clearDeadClaim(dir, readByLateClearer)).toBe(true)
    expect(readOwner(dir)?.claim).toBe(claimId)
    // An unreadable claim judged dead is not a readable fresh one either.
    expect(clearDeadClaim(dir, null)).toBe(true)
    expect(readOwner(dir)?.claim).toBe(claimId)
    if (fresh.ok) fresh.release()
    expect(readOwner(dir)).toBeNull()
  })

  it('six processes clearing one dead claim at the same instant: exactly one gets the folder (three rounds)', async () => {
    const child = path.join(dir, 'claim.ts')
    writeFileSync(
      child,
      `import { claimDataDir } from ${JSON.stringify(path.join(repoRoot, 'server/src/db/owner.ts'))}
const [dataDir, at] = process.argv.slice(2)
while (Date.now() < Number(at)) {} // all start together
const claim = claimDataDir(dataDir, 'cli')
process.stdout.write(claim.ok ? 'ok' : 'refused')
setInterval(() => {}, 1000) // hold it until the test has every answer (a slow starter must meet a live holder)
`,
    )
    for (let round = 0; round < 3; round++) {
      const dataDir = path.join(dir, `data-${round}`)
      mkdirSync(dataDir)
      writeFileSync(path.join(dataDir, 'owner.json'), JSON.stringify({ pid: DEAD_PID, role: 'server', port: 1 }))
      const at = String(Date.now() + 2500)
      // Each holds what it got until all six have answered: before, the winner left after 1.5 s
      // without releasing, and a child that started later than that (a loaded machine) found a
      // dead claim and rightly took it, a second "ok" that was not a race.
      const procs = Array.from({ length: 6 }, () => spawn(process.execPath, ['--import', 'tsx', child, dataDir, at], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] }))
      const exited = procs.map((proc) => new Promise<void>((resolve) => proc.on('exit', () => resolve())))
      let answers: string[]
      try {
        answers = await Promise.all(
          procs.map((proc) => {
            let out = ''
            return new Promise<string>((resolve, reject) => {
              proc.stdout.on('data', (d: Buffer) => {
                out += d.toString()
                if (out === 'ok' || out === 'refused') resolve(out)
              })
              proc.on('exit', () => reject(new Error(`a claimer exited first, having written "${out}"`)))
            })
          }),
        )
      } finally {
        for (const proc of procs) proc.kill('SIGKILL')
        await Promise.all(exited)
      }
      expect(answers.sort(), `round ${round}`).toEqual(['ok', 'refused', 'refused', 'refused', 'refused', 'refused'])
    }
  }, 60_000)
})
