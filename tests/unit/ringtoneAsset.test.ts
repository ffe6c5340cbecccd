import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script without type declarations
import { ringtoneWav } from '../../scripts/make-ringtone.mjs'

// vitest runs from the repository root (import.meta.url is not a file URL under happy-dom)
const committed = readFileSync(path.resolve(process.cwd(), 'static/ringtone.wav'))

describe('bundled ringtone', () => {
  it('is the output of scripts/make-ringtone.mjs (regenerate it after changing the script)', () => {
    expect(Buffer.compare(committed, ringtoneWav() as Buffer)).toBe(0)
  })

  it('is a small 16-bit PCM mono WAV of a few seconds', () => {
    expect(committed.toString('ascii', 0, 4)).toBe('RIFF')
    expect(committed.toString('ascii', 8, 12)).toBe('WAVE')
    expect(committed.readUInt16LE(20)).toBe(1) // PCM
    expect(committed.readUInt16LE(22)).toBe(1) // mono
    expect(committed.readUInt16LE(34)).toBe(16) // bits per sample
    const seconds = committed.readUInt32LE(40) / committed.readUInt32LE(28)
    expect(seconds).toBeGreaterThanOrEqual(2)
    expect(seconds).toBeLessThanOrEqual(6)
    expect(committed.length).toBeLessThan(100_000)
  })
})
