import { describe, expect, it } from 'vitest'
import { watchNetwork } from './network'

describe('watchNetwork (browser)', () => {
  it('reports the state now, then the window going offline and back online, until unsubscribed', () => {
    const seen: boolean[] = []
    const stop = watchNetwork((online) => seen.push(online))
    window.dispatchEvent(new Event('offline'))
    window.dispatchEvent(new Event('online'))
    stop()
    window.dispatchEvent(new Event('offline'))
    expect(seen).toEqual([true, false, true])
  })
})
