import { afterEach, describe, expect, it, vi } from 'vitest'
import { RECORD_ID_PATTERN, newId } from '@/services/ids'

/** A random UUID, version 4 (the 13th hex digit) and the RFC 4122 variant (the 17th: 8, 9, a or b). */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

afterEach(() => {
  vi.unstubAllGlobals()
})

/** A runtime whose `crypto` has `getRandomValues` (filling every byte with `fill(i)`) but no `randomUUID`. */
function cryptoWithRandomValuesOnly(fill: (i: number) => number) {
  const getRandomValues = vi.fn((bytes: Uint8Array) => {
    bytes.forEach((_, i) => (bytes[i] = fill(i)))
    return bytes
  })
  vi.stubGlobal('crypto', { getRandomValues })
  return getRandomValues
}

/**
 * `Math.random` answering these values in turn, then the real one; a draw past 100 000 fails the
 * test instead of letting a runaway loop hang it (every Math.random path goes through this).
 */
function mathRandomAnswering(values: number[] = []) {
  const real = Math.random.bind(Math)
  const random = vi.spyOn(Math, 'random')
  for (const value of values) random.mockReturnValueOnce(value)
  random.mockImplementation(() => {
    if (random.mock.calls.length > 100_000) throw new Error('Math.random drawn without end')
    return real()
  })
  return random
}

/** 2000 ids from the current source of randomness: each a UUID v4, no two alike. */
function expectUniqueUuids(): void {
  const many = Array.from({ length: 2000 }, () => newId())
  for (const id of many) expect(id).toMatch(UUID_V4)
  expect(new Set(many).size).toBe(many.length)
}

describe('newId', () => {
  it('is a random UUID v4, unique over many calls (the runtime crypto.randomUUID)', () => {
    expectUniqueUuids()
  })

  it('uses crypto.randomUUID when the runtime has it, and draws nothing else', () => {
    const getRandomValues = vi.fn()
    vi.stubGlobal('crypto', { randomUUID: () => '0b1c2d3e-4f50-4a61-8b72-c3d4e5f60718', getRandomValues })
    const random = vi.spyOn(Math, 'random')
    expect(newId()).toBe('0b1c2d3e-4f50-4a61-8b72-c3d4e5f60718')
    expect(getRandomValues).not.toHaveBeenCalled()
    expect(random).not.toHaveBeenCalled()
  })

  describe('without crypto.randomUUID (insecure browser context, older runtimes)', () => {
    it('builds the UUID from crypto.getRandomValues, byte by byte in order, with the version and variant bits set', () => {
      const getRandomValues = cryptoWithRandomValuesOnly((i) => i)
      const random = vi.spyOn(Math, 'random')
      expect(newId()).toBe('00010203-0405-4607-8809-0a0b0c0d0e0f')
      expect(getRandomValues).toHaveBeenCalledTimes(1)
      expect(random).not.toHaveBeenCalled()
    })

    it('clears the bits the version and variant replace (all-ones and all-zero random bytes)', () => {
      cryptoWithRandomValuesOnly(() => 0xff)
      expect(newId()).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff')
      cryptoWithRandomValuesOnly(() => 0x00)
      expect(newId()).toBe('00000000-0000-4000-8000-000000000000')
    })

    it('gives unique UUIDs v4 from the real getRandomValues', () => {
      const real = globalThis.crypto
      vi.stubGlobal('crypto', { getRandomValues: (bytes: Uint8Array) => real.getRandomValues(bytes) })
      expectUniqueUuids()
    })
  })

  describe('without getRandomValues either (older App JS engines): Math.random', () => {
    it.each([
      ['no crypto at all', undefined],
      ['a crypto without randomUUID or getRandomValues', {}],
      ['a crypto whose getRandomValues is not a function', { getRandomValues: 'no' }],
    ])('falls back to one Math.random draw per byte (%s)', (_name, crypto) => {
      vi.stubGlobal('crypto', crypto)
      // Draws that floor to 0x00, 0x01, … 0x0f: every byte comes from its own draw, in order.
      mathRandomAnswering(Array.from({ length: 16 }, (_, i) => (i + 0.5) / 256))
      expect(newId()).toBe('00010203-0405-4607-8809-0a0b0c0d0e0f')
    })

    it('scales each draw to a whole byte (draws just under 1 give 0xff)', () => {
      vi.stubGlobal('crypto', undefined)
      mathRandomAnswering(Array.from({ length: 16 }, () => 0.9999))
      expect(newId()).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff')
    })

    it('gives unique UUIDs v4 from the real Math.random', () => {
      vi.stubGlobal('crypto', undefined)
      mathRandomAnswering()
      expectUniqueUuids()
    })
  })
})

describe('RECORD_ID_PATTERN', () => {
  it('accepts what newId makes, on every path', () => {
    expect(newId()).toMatch(RECORD_ID_PATTERN)
    cryptoWithRandomValuesOnly(() => 0xab)
    expect(newId()).toMatch(RECORD_ID_PATTERN)
    vi.stubGlobal('crypto', undefined)
    mathRandomAnswering()
    expect(newId()).toMatch(RECORD_ID_PATTERN)
  })

  it.each(['a', 'Z9', 'call_2026-12-02', 'x'.repeat(64), '-_-'])('accepts the wire contract [A-Za-z0-9_-]{1,64}: %s', (id) => {
    expect(RECORD_ID_PATTERN.test(id)).toBe(true)
  })

  it.each(['', 'x'.repeat(65), 'a b', ' abc', 'abc ', 'abc\n', 'a/b', 'a.b', 'rec:1', '号码', 'ä'])('rejects %j', (id) => {
    expect(RECORD_ID_PATTERN.test(id)).toBe(false)
  })
})
