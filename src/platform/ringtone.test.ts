import { describe, expect, it } from 'vitest'
import { fn, type Mock } from 'jest-mock'
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

describe('createRingtonePlayer on H5', () => {
  it('plays the audio element itself and swallows the AbortError of a ring stopped early', async () => {
    let rejectPlay: (e: unknown) => void = () => undefined
    const element = { play: fn(() => new Promise<void>((_resolve, reject) => (rejectPlay = reject))) }
    const context = { src: '', loop: false, play: fn(), stop: fn(), destroy: fn(), _audio: element }
    uni.createInnerAudioContext = fn(() => context) as unknown as typeof uni.createInnerAudioContext
    const unhandled = fn()
    process.on('unhandledRejection', unhandled)
    try {
      const player = createRingtonePlayer()
      player.start('/static/ringtone.wav')
      expect(element.play).toHaveBeenCalledTimes(1)
      expect(context.play).not.toHaveBeenCalled()
      player.stop()
      rejectPlay(new Error('The play() request was interrupted by a call to pause()'))
      await new Promise((r) => setTimeout(r, 10))
      expect(unhandled).not.toHaveBeenCalled()
      expect(context.destroy).toHaveBeenCalledTimes(1)
    } finally {
      process.off('unhandledRejection', unhandled)
    }
  })
})
