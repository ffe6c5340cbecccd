/**
 * Database work taken in turns, one agent after another, one job per event-loop turn.
 *
 * The embedded database (PGlite) runs every query on the server's one thread, and a 500-change
 * push keeps that thread for about half a second. Run as they arrive, one agent's burst of pushes
 * filled whole loop turns: another agent's request, which needs several turns (authenticate, read
 * the body, query), waited 25-45 s in an attack. Taken in turns, it waits for at most one job
 * between its own steps. On PostgreSQL the work runs at once (the server does the waiting).
 */
interface Job {
  run: () => Promise<void>
}

export interface FairTurns {
  run<T>(agent: string, work: () => Promise<T>): Promise<T>
  /** Jobs waiting, all agents (for tests). */
  readonly waiting: number
}

export function createFairTurns(): FairTurns {
  const queues = new Map<string, Job[]>() // insertion order = whose turn is next
  /** The agent whose job runs now, with its jobs still to come: back in line when it is done. */
  let current: { agent: string; jobs: Job[] } | null = null
  let waiting = 0

  function next(): void {
    if (current) return
    const first = queues.entries().next()
    if (first.done) return
    const [agent, jobs] = first.value
    queues.delete(agent)
    const job = jobs.shift() as Job
    waiting--
    current = { agent, jobs }
    // A new macrotask per job: whatever else is ready (other requests' steps) runs in between.
    setImmediate(() => {
      void job.run().finally(() => {
        const done = current as { agent: string; jobs: Job[] }
        current = null
        // Behind every agent that asked meanwhile.
        if (done.jobs.length > 0) queues.set(done.agent, done.jobs)
        next()
      })
    })
  }

  return {
    run<T>(agent: string, work: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const job: Job = { run: () => Promise.resolve().then(work).then(resolve, reject) }
        const jobs = current?.agent === agent ? current.jobs : queues.get(agent)
        if (jobs) jobs.push(job)
        else queues.set(agent, [job])
        waiting++
        next()
      })
    },
    get waiting() {
      return waiting
    },
  }
}

/** PostgreSQL: no turns, the work runs at once. */
export const noTurns: FairTurns = {
  run: (_agent, work) => work(),
  waiting: 0,
}
