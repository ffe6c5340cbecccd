// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { createFairTurns } from '../src/fairTurns'

const tick = () => new Promise((r) => setImmediate(r))

describe('database work in turns (PGlite)', () => {
  it("takes agents in turns: one agent's queue of five does not hold another agent's one job", async () => {
    const turns = createFairTurns()
    const order: string[] = []
    const job = (name: string) => async () => {
      order.push(name)
      await tick()
      return name
    }
    const all = [1, 2, 3, 4, 5].map((i) => turns.run('a', job(`a${i}`)))
    all.push(turns.run('b', job('b1')))
    expect(turns.waiting).toBe(5) // the first one is already taken
    expect(await Promise.all(all)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'b1'])
    expect(order).toEqual(['a1', 'b1', 'a2', 'a3', 'a4', 'a5'])
    expect(turns.waiting).toBe(0)
  })

  it('one job at a time, each in its own event-loop turn', async () => {
    const turns = createFairTurns()
    let running = 0
    let most = 0
    const work = async () => {
      running++
      most = Math.max(most, running)
      await tick()
      running--
    }
    await Promise.all(['a', 'b', 'c', 'a', 'b'].map((agent) => turns.run(agent, work)))
    expect(most).toBe(1)
  })

  it('a job that fails (also by throwing before its first await) rejects its caller and the next one still runs', async () => {
    const turns = createFairTurns()
    const failing = turns.run('a', () => {
      throw new Error('bad change')
    })
    const rejecting = turns.run('b', () => Promise.reject(new Error('refused')))
    const fine = turns.run('a', async () => 'ok')
    await expect(failing).rejects.toThrow('bad change')
    await expect(rejecting).rejects.toThrow('refused')
    expect(await fine).toBe('ok')
  })
})
