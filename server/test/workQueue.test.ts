// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { createWorkQueue, QueueFullError } from '../src/workQueue'

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

describe('createWorkQueue', () => {
  it('runs at most `concurrency` jobs, queues up to `maxQueued`, refuses the rest, then drains in order', async () => {
    const queue = createWorkQueue({ concurrency: 2, maxQueued: 1 })
    const gates = [deferred(), deferred(), deferred()]
    const started: number[] = []
    const jobs = gates.map((gate, i) =>
      queue.run(async () => {
        started.push(i)
        await gate.promise
        return i
      }),
    )
    await Promise.resolve()
    expect(started).toEqual([0, 1])
    expect({ running: queue.running, queued: queue.queued }).toEqual({ running: 2, queued: 1 })
    await expect(queue.run(async () => 99)).rejects.toBeInstanceOf(QueueFullError)

    gates[0].resolve()
    expect(await jobs[0]).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(started).toEqual([0, 1, 2])
    expect({ running: queue.running, queued: queue.queued }).toEqual({ running: 2, queued: 0 })
    gates[1].resolve()
    gates[2].resolve()
    expect(await Promise.all(jobs)).toEqual([0, 1, 2])
    expect({ running: queue.running, queued: queue.queued }).toEqual({ running: 0, queued: 0 })
  })

  it('frees the slot when a job fails', async () => {
    const queue = createWorkQueue({ concurrency: 1, maxQueued: 0 })
    await expect(queue.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await queue.run(async () => 'ok')).toBe('ok')
    expect(queue.running).toBe(0)
  })
})
