/**
 * A bounded queue for expensive work (scrypt password checks): at most `concurrency` jobs run,
 * at most `maxQueued` wait, and anything beyond that is refused at once. Without it a burst of
 * sign-ins piles unbounded work (and memory) onto libuv's thread pool and every caller waits.
 */

/** The queue is full: answered as 503 SERVER_BUSY with Retry-After. */
export class QueueFullError extends Error {
  override name = 'QueueFullError'
}

export interface WorkQueue {
  /** Runs `job` when a slot is free; rejects with QueueFullError when too many already wait. */
  run<T>(job: () => Promise<T>): Promise<T>
  readonly running: number
  readonly queued: number
}

export function createWorkQueue(limits: { concurrency: number; maxQueued: number }): WorkQueue {
  let running = 0
  const waiting: Array<() => void> = []

  function release(): void {
    const next = waiting.shift()
    if (next) next()
    else running -= 1
  }

  return {
    get running() {
      return running
    },
    get queued() {
      return waiting.length
    },
    async run<T>(job: () => Promise<T>): Promise<T> {
      if (running < limits.concurrency) {
        running += 1
      } else {
        if (waiting.length >= limits.maxQueued) throw new QueueFullError('Too many password checks are waiting')
        // The slot is handed over by release(): `running` stays the same.
        await new Promise<void>((resolve) => waiting.push(resolve))
      }
      try {
        return await job()
      } finally {
        release()
      }
    },
  }
}
