import { afterEach, describe, expect, it, vi } from 'vitest'
import { startEventRouting } from '@/store/deferred'

afterEach(() => {
  vi.doUnmock('@/store/eventRouter')
})

describe('deferred event routing (mutation survivors)', () => {
  it('a router chunk that failed to load fails that sign-in, and the next sign-in loads it again', async () => {
    vi.doMock('@/store/eventRouter', () => {
      throw new Error('chunk load failed')
    })
    await expect(startEventRouting()).rejects.toThrow()
    const startEventRouter = vi.fn()
    vi.doMock('@/store/eventRouter', () => ({ startEventRouter }))
    await expect(startEventRouting()).resolves.toBeUndefined()
    expect(startEventRouter).toHaveBeenCalledTimes(1)
  })
})
