import { describe, expect, it } from 'vitest'
import type { Mock } from 'jest-mock'
import { createRingtonePlayer } from './ringtone'

interface FakeAudio {
  src: string
  loop: boolean
  play: Mock
  stop: Mock
  destroy: Mock
}

function audioContexts(): FakeAudio[] {
  const factory = uni.createInnerAudioContext as unknown as Mock<() => FakeAudio>
  return factory.mock.results.map((r) => r.value as FakeAudio)
}

describe('createRingtonePlayer', () => {
  it('loops the given file until stopped', () => {
    const player = createRingtonePlayer()
    player.start('/static/ringtone.wav')
    const [audio] = audioContexts()
    expect(audio).toMatchObject({ src: '/static/ringtone.wav', loop: true })
    expect(audio.play).toHaveBeenCalledTimes(1)
    player.stop()
    expect(audio.stop).toHaveBeenCalledTimes(1)
    expect(audio.destroy).toHaveBeenCalledTimes(1)
  })

  it('restarting releases the previous context, and stop when silent is a no-op', () => {
    const player = createRingtonePlayer()
    player.stop()
    player.start('/a.wav')
    player.start('/b.wav')
    const [first, second] = audioContexts()
    expect(first.destroy).toHaveBeenCalledTimes(1)
    expect(second).toMatchObject({ src: '/b.wav' })
    expect(second.destroy).not.toHaveBeenCalled()
    player.stop()
    player.stop()
    expect(second.destroy).toHaveBeenCalledTimes(1)
  })
})
