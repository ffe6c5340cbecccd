/**
 * The incoming-call ringtone for platforms whose SDK cannot play it (simulated, web):
 * a looping `uni.createInnerAudioContext`. The native platform rings through the SDK's
 * `startPlayMusic` instead.
 */

export interface RingtonePlayer {
  /** Start looping `url` (a bundled file such as '/static/ringtone.wav'); restarts if ringing. */
  start(url: string): void
  /** Stop and release the audio context; a no-op when silent. */
  stop(): void
}

/**
 * uni-h5's InnerAudioContext.play() drops the promise of HTMLAudioElement.play(), so a ring
 * stopped before it started surfaces as an unhandled AbortError. Where the element is reachable
 * (H5), play it directly and swallow that rejection; elsewhere use the context's play().
 */
function playQuietly(context: UniApp.InnerAudioContext): void {
  const element = (context as unknown as { _audio?: { play?: () => Promise<void> | void } })._audio
  const result = typeof element?.play === 'function' ? element.play() : context.play()
  if (result && typeof (result as Promise<void>).catch === 'function') (result as Promise<void>).catch(() => undefined)
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
      playQuietly(next)
      audio = next
    },
    stop,
  }
}
