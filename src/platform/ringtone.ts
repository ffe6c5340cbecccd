/**
 * The incoming-call ringtone for platforms whose SDK cannot play it (simulated, web):
 * a looping `uni.createInnerAudioContext`. The native platform rings through the SDK's
 * `startPlayMusic` instead.
 */

import { TcccError } from './errors'

/** How a start ended: ringing, refused by the browser's autoplay policy, or stopped first. */
export type RingtoneOutcome = 'playing' | 'blocked' | 'stopped'

export interface RingtonePlayer {
  /**
   * Start looping `url` (a bundled file such as '/static/ringtone.wav'); restarts if ringing.
   * Resolves once playback started or was refused; rejects on any other playback failure.
   */
  start(url: string): Promise<RingtoneOutcome>
  /** Stop and release the audio context; a no-op when silent. */
  stop(): void
}

/**
 * uni-h5's InnerAudioContext.play() drops the promise of HTMLAudioElement.play(), so play the
 * element directly where it is reachable (H5) to learn the outcome; elsewhere use the context's
 * play(). Only the AbortError of a ring stopped before it started is expected and swallowed; a
 * NotAllowedError is a blocked autoplay (no user gesture yet) that the agent must hear about.
 */
function play(context: UniApp.InnerAudioContext): Promise<RingtoneOutcome> {
  const element = (context as unknown as { _audio?: { play?: () => Promise<void> | void } })._audio
  let result: Promise<void> | void
  try {
    result = typeof element?.play === 'function' ? element.play() : context.play()
  } catch (error) {
    result = Promise.reject(error)
  }
  return Promise.resolve(result).then(
    (): RingtoneOutcome => 'playing',
    (error: unknown): RingtoneOutcome => {
      const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined
      if (name === 'AbortError') return 'stopped'
      if (name === 'NotAllowedError') return 'blocked'
      throw error
    },
  )
}

/** `player.start(url)` for an adapter's startRinging: a blocked autoplay becomes RINGTONE_BLOCKED. */
export async function startRingtone(player: RingtonePlayer, url: string): Promise<void> {
  const outcome = await player.start(url)
  if (outcome === 'blocked') throw new TcccError('RINGTONE_BLOCKED', url)
}

export function createRingtonePlayer(): RingtonePlayer {
  let audio: UniApp.InnerAudioContext | null = null

  function stop(): void {
    if (!audio) return
    const playing = audio
    audio = null
    playing.stop()
    playing.destroy()
  }

  return {
    start(url) {
      stop()
      const next = uni.createInnerAudioContext()
      next.src = url
      next.loop = true
      audio = next
      return play(next)
    },
    stop,
  }
}
