import { describe, expect, it, vi } from 'vitest'
import { storage } from '../../tests/setup/uni'
import { agentKeyOf, claimAgentCache, hasStored, storedValue } from './storage'

const isStringList = (data: unknown): data is string[] => Array.isArray(data) && data.every((x) => typeof x === 'string')

describe('storedValue', () => {
  it('round-trips a value under a prefixed, versioned key', () => {
    const list = storedValue('list', { version: 1, fallback: () => [] as string[], validate: isStringList })
    list.save(['a', 'b'])
    expect(JSON.parse(storage.get('tccc.list') as string)).toEqual({ v: 1, data: ['a', 'b'] })
    expect(list.load()).toEqual(['a', 'b'])
  })

  it('returns the fallback when the key is missing', () => {
    expect(storedValue('missing', { version: 1, fallback: () => 42 }).load()).toBe(42)
  })

  it('survives corrupted JSON without touching other keys', () => {
    const good = storedValue('good', { version: 1, fallback: () => 'none' })
    good.save('kept')
    storage.set('tccc.bad', '{"v":1,"data":')
    expect(storedValue('bad', { version: 1, fallback: () => 'fallback' }).load()).toBe('fallback')
    expect(good.load()).toBe('kept')
  })

  it('drops data of another version or the wrong shape', () => {
    storage.set('tccc.list', JSON.stringify({ v: 0, data: ['old'] }))
    expect(storedValue('list', { version: 1, fallback: () => [] as string[] }).load()).toEqual([])
    storage.set('tccc.list', JSON.stringify({ v: 1, data: [1, 2] }))
    expect(storedValue('list', { version: 1, fallback: () => ['x'], validate: isStringList }).load()).toEqual(['x'])
  })

  it('accepts an already-parsed envelope (uni may hand back objects)', () => {
    storage.set('tccc.obj', { v: 2, data: { a: 1 } })
    expect(storedValue('obj', { version: 2, fallback: () => ({ a: 0 }) }).load()).toEqual({ a: 1 })
  })

  it('clears only its own key', () => {
    const a = storedValue('a', { version: 1, fallback: () => 0 })
    const b = storedValue('b', { version: 1, fallback: () => 0 })
    a.save(1)
    b.save(2)
    a.clear()
    expect(a.load()).toBe(0)
    expect(b.load()).toBe(2)
  })

  it('falls back when uni storage itself throws', () => {
    uni.getStorageSync = (() => {
      throw new Error('storage unavailable')
    }) as typeof uni.getStorageSync
    expect(storedValue('any', { version: 1, fallback: () => 'safe' }).load()).toBe('safe')
  })
})

describe('storage (mutation survivors)', () => {
  it('an agent key ignores case and surrounding spaces', () => {
    expect(agentKeyOf(' Agent1@Example.COM ')).toBe('agent1%40example%2Ecom')
  })

  it('hasStored is false for nothing, an empty text, undefined and null, true for anything else', () => {
    expect(hasStored('none')).toBe(false)
    storage.set('tccc.empty', '')
    expect(hasStored('empty')).toBe(false)
    storage.set('tccc.undef', undefined)
    expect(hasStored('undef')).toBe(false)
    storage.set('tccc.nul', null)
    expect(hasStored('nul')).toBe(false)
    storage.set('tccc.junk', '{not json')
    expect(hasStored('junk')).toBe(true)
  })

  it('a missing key gives the fallback without a warning; corrupted JSON warns with the key', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    expect(storedValue('missing', { version: 1, fallback: () => 'none' }).load()).toBe('none')
    expect(warn).not.toHaveBeenCalled()
    storage.set('tccc.bad', '{"v":1')
    expect(storedValue('bad', { version: 1, fallback: () => 'fb' }).load()).toBe('fb')
    expect(warn).toHaveBeenCalledWith('[storage] tccc.bad is not valid JSON; using the default')
    warn.mockRestore()
  })

  it('a stored JSON null gives the fallback', () => {
    storage.set('tccc.nul', 'null')
    expect(storedValue('nul', { version: 1, fallback: () => 'fb' }).load()).toBe('fb')
  })

  it('data of the wrong shape warns with the key', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    storage.set('tccc.list', JSON.stringify({ v: 1, data: [1] }))
    expect(storedValue('list', { version: 1, fallback: () => ['x'], validate: isStringList }).load()).toEqual(['x'])
    expect(warn).toHaveBeenCalledWith('[storage] tccc.list has an unexpected shape; using the default')
    warn.mockRestore()
  })
})

describe('claimAgentCache: whose cache of a seat this is', () => {
  const SEAT = agentKeyOf('seat7@corp.example')
  const put = (key: string, data: unknown) => storage.set(`tccc.a.${key}`, JSON.stringify({ v: 1, data }))
  const keys = () => [...storage.keys()].sort()
  const owner = (agentKey: string) => JSON.parse(storage.get(`tccc.a.${agentKey}.owner`) as string).data

  it('adopts a cache kept before owners were recorded, and keeps it for the same workspace after', () => {
    put(`${SEAT}.numbers`, ['13800000001'])
    expect(claimAgentCache(SEAT, 'ws-x')).toEqual({ kind: 'adopted' })
    expect(owner(SEAT)).toBe('ws-x')
    expect(claimAgentCache(SEAT, 'ws-x')).toEqual({ kind: 'kept' })
    expect(storage.has(`tccc.a.${SEAT}.numbers`)).toBe(true)
  })

  it("drops another agent's cache of the seat, with their unsent changes, and nothing of other seats", () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    put(`${SEAT}.owner`, 'ws-x')
    put(`${SEAT}.numbers`, ['13855550001'])
    put(`${SEAT}.outbox`, [{ changeId: 'c1' }, { changeId: 'c2' }])
    put(`${SEAT}.cursor`, '20066')
    const longer = agentKeyOf('seat7@corp.example2')
    put(`${longer}.numbers`, ['13900000000'])
    storage.set('tccc.settings', '{"v":1,"data":{}}')
    expect(claimAgentCache(SEAT, 'ws-y')).toEqual({ kind: 'cleared', droppedChanges: 2 })
    expect(keys()).toEqual([`tccc.a.${SEAT}.owner`, `tccc.a.${longer}.numbers`, 'tccc.settings'].sort())
    expect(owner(SEAT)).toBe('ws-y')
  })

  it('brings the agent\'s own cache along when they changed seats; not over a cache the new seat already has', () => {
    const OLD = agentKeyOf('seat8@corp.example')
    put(`${OLD}.owner`, 'ws-x')
    put(`${OLD}.outbox`, [{ changeId: 'c9' }])
    put(`${OLD}.cursor`, '41')
    expect(claimAgentCache(SEAT, 'ws-x')).toEqual({ kind: 'moved', from: OLD })
    expect(keys()).toEqual([`tccc.a.${SEAT}.cursor`, `tccc.a.${SEAT}.outbox`, `tccc.a.${SEAT}.owner`])
    expect(JSON.parse(storage.get(`tccc.a.${SEAT}.outbox`) as string).data).toEqual([{ changeId: 'c9' }])
    expect(owner(SEAT)).toBe('ws-x')

    storage.clear()
    put(`${OLD}.owner`, 'ws-x')
    put(`${OLD}.cursor`, '41')
    put(`${SEAT}.numbers`, ['13800000001'])
    expect(claimAgentCache(SEAT, 'ws-x')).toEqual({ kind: 'adopted' })
    expect(storage.has(`tccc.a.${OLD}.cursor`)).toBe(true)
  })

  it("moves only the cache whose owner is this workspace, and nothing of any other seat", () => {
    const OTHER = agentKeyOf('seat9@corp.example')
    const OLD = agentKeyOf('seat8@corp.example')
    put(`${OTHER}.owner`, 'ws-someone-else')
    put(`${OTHER}.numbers`, ['13900000009'])
    put(`${OLD}.owner`, 'ws-x')
    put(`${OLD}.numbers`, ['13800000008'])
    storage.set('tccc.settings', '{"v":1,"data":{}}')
    expect(claimAgentCache(SEAT, 'ws-x')).toEqual({ kind: 'moved', from: OLD })
    expect(keys()).toEqual([`tccc.a.${OTHER}.numbers`, `tccc.a.${OTHER}.owner`, `tccc.a.${SEAT}.numbers`, `tccc.a.${SEAT}.owner`, 'tccc.settings'].sort())
    expect(JSON.parse(storage.get(`tccc.a.${SEAT}.numbers`) as string).data).toEqual(['13800000008'])
  })

  it('drops another agent\'s cache that never queued a change, counting none', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    put(`${SEAT}.owner`, 'ws-x')
    put(`${SEAT}.numbers`, ['13855550001'])
    expect(claimAgentCache(SEAT, 'ws-y')).toEqual({ kind: 'cleared', droppedChanges: 0 })
    expect(keys()).toEqual([`tccc.a.${SEAT}.owner`])
  })
})
