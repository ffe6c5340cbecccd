/**
 * Where the call's sound goes on the phone (earpiece, speaker, wired or Bluetooth headset) and
 * the agent's choice of it, kept per agent. The platform's `audioRouter` (src/platform/
 * audioRoutes.ts) reads and moves the system route; the SDK's own speaker/earpiece switch
 * (`setAudioRoute`) is set first so TRTC and the system agree.
 *
 * - When a call connects, the agent's last choice is applied if the phone offers it.
 * - While a call is live the routes are watched: a headset plugged or unplugged re-applies it
 *   (a route that vanished leaves the call where the phone put it).
 * - The speaker button (`call-speaker`, the call store's SDK switch) and this chooser stay in
 *   step: speaker on moves the route to the speaker, off back to the preferred other route.
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { AudioOutput, AudioOutputs, AudioRouter, Unsubscribe } from '@/platform/types'
import { TcccError, toTcccError } from '@/platform/errors'
import { getWorkstation } from '@/services/workstation'
import { agentAudioOutput } from '@/services/audioPreference'
import { useCallStore } from '@/store/call'
import { useSessionStore } from '@/store/session'
import { useSettingsStore } from '@/store/settings'

/** Without a stored choice, a headset the phone offers is used before the earpiece. */
const NON_SPEAKER_ORDER: readonly AudioOutput[] = ['bluetooth', 'wired', 'earpiece']

export const useAudioRouteStore = defineStore('audioRoute', () => {
  const available = ref<AudioOutput[]>([])
  const current = ref<AudioOutput | null>(null)
  const error = ref<TcccError | null>(null)
  const changing = ref(false)

  function router(): AudioRouter | null {
    const workstation = getWorkstation()
    return workstation.capabilities.audioRoute ? workstation.audioRouter : null
  }
  const canChoose = computed(() => router() !== null)
  const headsetInUse = computed(() => current.value === 'wired' || current.value === 'bluetooth')

  function preferenceFor(): ReturnType<typeof agentAudioOutput> | null {
    const userId = useSessionStore().agent?.userId
    return userId ? agentAudioOutput(userId) : null
  }
  const preferred = (): AudioOutput | null => preferenceFor()?.load() ?? null

  function show(outputs: AudioOutputs): void {
    available.value = [...outputs.available]
    current.value = outputs.current
  }

  /** The SDK's switch first (TRTC keeps its own route), then the system's route. */
  async function moveTo(r: AudioRouter, output: AudioOutput): Promise<void> {
    const sdkRoute = output === 'speaker' ? 'speakerphone' : 'earpiece'
    const call = useCallStore()
    const before = call.audioRoute
    if (before !== sdkRoute) await call.setAudioRoute(sdkRoute)
    try {
      await r.select(output)
    } catch (e) {
      // The system refused: the SDK's switch goes back, so the two never disagree.
      if (before !== sdkRoute) await call.setAudioRoute(before)
      throw e
    } finally {
      show(r.read())
    }
  }

  /** The agent's choice from the chooser: moved, shown and remembered for this agent. */
  async function choose(output: AudioOutput): Promise<boolean> {
    const r = router()
    if (!r || changing.value) return false
    changing.value = true
    error.value = null
    try {
      await moveTo(r, output)
      preferenceFor()?.save(output)
      useSettingsStore().setAudioRoute(output === 'speaker' ? 'speakerphone' : 'earpiece')
      return true
    } catch (e) {
      error.value = toTcccError(e)
      return false
    } finally {
      changing.value = false
    }
  }

  /** The agent's last choice where the phone offers it; otherwise leave what the phone chose. */
  async function applyPreference(): Promise<void> {
    const r = router()
    if (!r || changing.value) return
    changing.value = true
    try {
      const now = r.read()
      show(now)
      const want = preferred()
      if (want && want !== now.current && now.available.includes(want)) await moveTo(r, want)
    } catch (e) {
      console.warn('[audio-route] could not apply the preferred route', toTcccError(e).symbol)
    } finally {
      changing.value = false
    }
  }

  // ---- following the call ------------------------------------------------------------------
  let unwatch: Unsubscribe | null = null
  function startWatching(r: AudioRouter): void {
    if (unwatch) return
    show(r.read())
    unwatch = r.watch((outputs) => {
      const before = available.value.join()
      show(outputs)
      // A headset came or went: the agent's choice again, if the phone offers it now.
      if (outputs.available.join() !== before) void applyPreference()
    })
  }
  function stopWatching(): void {
    unwatch?.()
    unwatch = null
  }

  const call = useCallStore()
  watch(
    () => call.state,
    (state, was) => {
      const r = router()
      if (!r) return
      if (call.isLive) startWatching(r)
      else stopWatching()
      if (state === 'active' && was !== 'active') void applyPreference()
    },
    { immediate: true },
  )

  // The speaker button switches the SDK only: bring the system route along.
  watch(
    () => call.audioRoute,
    (route) => {
      const r = router()
      if (!r || !call.isLive || changing.value) return
      const speakerOn = route === 'speakerphone'
      if (speakerOn === (current.value === 'speaker')) return
      const now = r.read()
      const want = speakerOn ? 'speaker' : ([preferred(), ...NON_SPEAKER_ORDER].find((o) => o && o !== 'speaker' && now.available.includes(o)) ?? 'earpiece')
      void (async () => {
        changing.value = true
        try {
          await r.select(want)
          show(r.read())
          preferenceFor()?.save(want)
        } catch (e) {
          error.value = toTcccError(e)
        } finally {
          changing.value = false
        }
      })()
    },
  )

  return { available, current, error, changing, canChoose, headsetInUse, choose, applyPreference }
})
