/**
 * Agent preferences that outlive a session: the preferred audio route (applied at every call
 * start, remembered when the agent switches during a call) and an optional token backend URL.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AudioRoute } from '@/platform/types'
import { storedValue } from '@/services/storage'

export const DEFAULT_AUDIO_ROUTE: AudioRoute = 'earpiece'

function isAudioRoute(value: unknown): value is AudioRoute {
  return value === 'earpiece' || value === 'speakerphone'
}

/** '' (same origin) or an absolute http(s) URL without a trailing slash. */
export function normaliseBackendUrl(raw: string): string | null {
  const url = raw.trim().replace(/\/+$/, '')
  if (url === '') return ''
  return /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i.test(url) ? url : null
}

function isBackendUrl(value: unknown): value is string {
  return typeof value === 'string' && normaliseBackendUrl(value) === value
}

const audioRouteStorage = storedValue<AudioRoute>('settings.audioRoute', {
  version: 1,
  fallback: () => DEFAULT_AUDIO_ROUTE,
  validate: isAudioRoute,
})

const backendUrlStorage = storedValue<string>('settings.backendUrl', {
  version: 1,
  fallback: () => '',
  validate: isBackendUrl,
})

export const useSettingsStore = defineStore('settings', () => {
  // state
  const audioRoute = ref<AudioRoute>(audioRouteStorage.load())
  const backendUrl = ref<string>(backendUrlStorage.load())

  // actions
  function setAudioRoute(route: AudioRoute): void {
    if (!isAudioRoute(route)) return
    audioRoute.value = route
    audioRouteStorage.save(route)
  }

  /** Returns false (and keeps the old value) when the URL is not '' or an http(s) URL. */
  function setBackendUrl(url: string): boolean {
    const normalised = normaliseBackendUrl(url)
    if (normalised === null) return false
    backendUrl.value = normalised
    if (normalised === '') backendUrlStorage.clear()
    else backendUrlStorage.save(normalised)
    return true
  }

  return { audioRoute, backendUrl, setAudioRoute, setBackendUrl }
})
