#!/usr/bin/env node
/**
 * Writes static/ringtone.wav: a bundled incoming-call ring (the app never streams it from the
 * web). A classic double ring: two bursts of 400 Hz + 450 Hz mixed, then a pause, 3 s in all,
 * so it loops naturally. 16-bit PCM mono at 8 kHz (telephone band) keeps it under 50 KB.
 *
 *   node scripts/make-ringtone.mjs [output path]
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const SAMPLE_RATE = 8000
const TONES_HZ = [400, 450]
const AMPLITUDE = 0.45 // of full scale, per the sum of both tones
const FADE_S = 0.012 // short ramps so the bursts do not click
/** [seconds on, seconds off] ... one 3 s cycle. */
const PATTERN = [
  [0.4, 0.2],
  [0.4, 2.0],
]

function samples() {
  const out = []
  for (const [on, off] of PATTERN) {
    const onCount = Math.round(on * SAMPLE_RATE)
    const fade = Math.round(FADE_S * SAMPLE_RATE)
    for (let i = 0; i < onCount; i++) {
      const t = i / SAMPLE_RATE
      const envelope = Math.min(1, i / fade, (onCount - 1 - i) / fade)
      const mixed = TONES_HZ.reduce((sum, hz) => sum + Math.sin(2 * Math.PI * hz * t), 0) / TONES_HZ.length
      out.push(Math.round(mixed * envelope * AMPLITUDE * 32767))
    }
    for (let i = 0; i < Math.round(off * SAMPLE_RATE); i++) out.push(0)
  }
  return out
}

export function ringtoneWav() {
  const pcm = samples()
  const dataBytes = pcm.length * 2
  const buffer = Buffer.alloc(44 + dataBytes)
  buffer.write('RIFF', 0, 'ascii')
  buffer.writeUInt32LE(36 + dataBytes, 4)
  buffer.write('WAVE', 8, 'ascii')
  buffer.write('fmt ', 12, 'ascii')
  buffer.writeUInt32LE(16, 16) // fmt chunk size
  buffer.writeUInt16LE(1, 20) // PCM
  buffer.writeUInt16LE(1, 22) // mono
  buffer.writeUInt32LE(SAMPLE_RATE, 24)
  buffer.writeUInt32LE(SAMPLE_RATE * 2, 28) // byte rate
  buffer.writeUInt16LE(2, 32) // block align
  buffer.writeUInt16LE(16, 34) // bits per sample
  buffer.write('data', 36, 'ascii')
  buffer.writeUInt32LE(dataBytes, 40)
  pcm.forEach((value, i) => buffer.writeInt16LE(value, 44 + i * 2))
  return buffer
}

const isMain = !!process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  const target = process.argv[2] ?? fileURLToPath(new URL('../static/ringtone.wav', import.meta.url))
  const wav = ringtoneWav()
  writeFileSync(target, wav)
  console.info(`wrote ${target} (${wav.length} bytes)`)
}
