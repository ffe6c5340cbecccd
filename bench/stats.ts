/** Small helpers the browser benches share. */
import { readFileSync } from 'node:fs'

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Busy and total jiffies of all CPUs so far (Linux; zeros elsewhere). */
function cpuTimes(): { busy: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    const total = fields.reduce((a, b) => a + b, 0)
    return { busy: total - fields[3] - fields[4], total }
  } catch {
    return { busy: 0, total: 0 }
  }
}

/**
 * Waits (at most ~20 s) until the machine's CPUs were mostly idle for 400 ms, so a sample is
 * not taken while another job (a build, a test run) holds the 2 cores. Cold start is CPU-bound.
 */
export async function cpuQuiet(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const before = cpuTimes()
    await new Promise((resolve) => setTimeout(resolve, 400))
    const after = cpuTimes()
    if (after.total === before.total || (after.busy - before.busy) / (after.total - before.total) < 0.15) return
  }
}
