import { describe, expect, it } from 'vitest'
import { fn, type Mock } from 'jest-mock'
import { TcccError } from '@/platform/errors'
import { createRingtonePlayer, startRingtone } from './ringtone'

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
      const started = player.start('/static/ringtone.wav')
      expect(element.play).toHaveBeenCalledTimes(1)
      expect(context.play).not.toHaveBeenCalled()
      player.stop()
      const aborted = new Error('The play() request was interrupted by a call to pause()')
      aborted.name = 'AbortError' // a DOMException in browsers
      rejectPlay(aborted)
      await expect(started).resolves.toBe('stopped')
      await new Promise((r) => setTimeout(r, 10))
      expect(unhandled).not.toHaveBeenCalled()
      expect(context.destroy).toHaveBeenCalledTimes(1)
    } finally {
      process.off('unhandledRejection', unhandled)
    }
  })
})

/** An H5-like context whose audio element's play() settles as the test says. */
function h5Context(play: () => Promise<void>) {
  const element = { play: fn(play) }
  const context = { src: '', loop: false, play: fn(), stop: fn(), destroy: fn(), _audio: element }
  uni.createInnerAudioContext = fn(() => context) as unknown as typeof uni.createInnerAudioContext
  return { element, context }
}

function domError(name: string, message = name): Error {
  const error = new Error(message)
  error.name = name
  return error
}

describe('ringtone outcomes', () => {
  it('resolves playing once the element plays, and on platforms whose play() returns nothing', async () => {
    h5Context(() => Promise.resolve())
    await expect(createRingtonePlayer().start('/a.wav')).resolves.toBe('playing')
    uni.createInnerAudioContext = fn(() => ({ src: '', loop: false, play: fn(), stop: fn(), destroy: fn() })) as unknown as typeof uni.createInnerAudioContext
    await expect(createRingtonePlayer().start('/a.wav')).resolves.toBe('playing')
  })

  it('swallows only the AbortError of a ring stopped before it started', async () => {
    h5Context(() => Promise.reject(domError('AbortError', 'The play() request was interrupted by a call to pause()')))
    await expect(createRingtonePlayer().start('/a.wav')).resolves.toBe('stopped')
  })

  it('reports a blocked autoplay (NotAllowedError) instead of swallowing it', async () => {
    h5Context(() => Promise.reject(domError('NotAllowedError', "play() failed because the user didn't interact with the document first")))
    const player = createRingtonePlayer()
    await expect(player.start('/a.wav')).resolves.toBe('blocked')
    await expect(startRingtone(player, '/a.wav')).rejects.toMatchObject({ symbol: 'RINGTONE_BLOCKED' })
  })

  it('lets any other playback failure through', async () => {
    const broken = domError('NotSupportedError', 'no supported source')
    h5Context(() => Promise.reject(broken))
    await expect(createRingtonePlayer().start('/missing.wav')).rejects.toBe(broken)
    h5Context(() => {
      throw broken
    })
    await expect(createRingtonePlayer().start('/missing.wav')).rejects.toBe(broken)
    await expect(startRingtone(createRingtonePlayer(), '/missing.wav')).rejects.toBe(broken)
  })

  it('startRingtone resolves when ringing or stopped early', async () => {
    for (const outcome of ['playing', 'stopped'] as const) {
      await expect(startRingtone({ start: fn(() => Promise.resolve(outcome)), stop: fn() }, '/a.wav')).resolves.toBeUndefined()
    }
    const blocked = await startRingtone({ start: fn(() => Promise.resolve('blocked' as const)), stop: fn() }, '/a.wav').catch((e: unknown) => e)
    expect(blocked).toBeInstanceOf(TcccError)
    expect((blocked as TcccError).detail).toBe('/a.wav')
  })
})

describe('ringtone outcomes for odd rejections', () => {
  it('lets a rejection without an error object through unchanged (a bare string is not an AbortError)', async () => {
    h5Context(() => Promise.reject(null))
    await expect(createRingtonePlayer().start('/a.wav')).rejects.toBeNull()
    h5Context(() => Promise.reject(undefined))
    await expect(createRingtonePlayer().start('/a.wav')).rejects.toBeUndefined()
    h5Context(() => Promise.reject('AbortError'))
    await expect(createRingtonePlayer().start('/a.wav')).rejects.toBe('AbortError')
    h5Context(() => Promise.reject({ name: 'NotAllowedError' }))
    await expect(createRingtonePlayer().start('/a.wav')).resolves.toBe('blocked')
  })

  it("uses the context's own play() where there is no audio element, and starts each ring on a fresh context", async () => {
    const play = fn(() => undefined)
    const made: unknown[] = []
    uni.createInnerAudioContext = fn(() => {
      const context = { src: '', loop: false, play, stop: fn(), destroy: fn(), _audio: { play: 'not a function' } }
      made.push(context)
      return context
    }) as unknown as typeof uni.createInnerAudioContext
    const player = createRingtonePlayer()
    await expect(player.start('/a.wav')).resolves.toBe('playing')
    expect(play).toHaveBeenCalledTimes(1)
    await player.start('/b.wav')
    expect(made).toHaveLength(2)
    expect(made[1]).toMatchObject({ src: '/b.wav', loop: true })
  })
})
