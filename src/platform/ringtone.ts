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
      next.play()
      audio = next
    },
    stop,
  }
}
