/**
 * Agent preferences that outlive a session: the preferred audio route (applied at every call
 * start, remembered when the agent switches during a call), an optional token backend URL and
 * the language picked on the login page (without one the app follows the system language,
 * `detectLocale` in src/i18n, which holds the language shown now).
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { setLocale as showLocale, syncDocumentLanguage, type Locale } from '@/i18n/core'
import type { AudioRoute } from '@/platform/types'
import { backendSessionStorage } from '@/services/backendSession'
import { storedValue } from '@/services/storage'
import { backendBaseUrl, buildBackendUrl } from '@/services/tokenClient'

export const DEFAULT_AUDIO_ROUTE: AudioRoute = 'earpiece'

function isAudioRoute(value: unknown): value is AudioRoute {
  return value === 'earpiece' || value === 'speakerphone'
}

/** Why a backend URL is refused: not a URL, plain http, or a user name/password in it. */
export type BackendUrlProblem = 'invalid' | 'insecure' | 'userinfo'

/**
 * Development builds (`npm run dev`) may sign in over plain http to a backend on this machine;
 * release builds never: the password and the access token travel in that request.
 */
export function allowsPlainLocalBackend(): boolean {
  return (import.meta.env as { DEV?: unknown } | undefined)?.DEV === true
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1'])

/** Checks an agent-entered backend URL; `url` is '' (same origin) or https (or dev-local http) without a trailing slash. */
export function checkBackendUrl(raw: string): { url: string } | { problem: BackendUrlProblem } {
  const url = raw.trim().replace(/\/+$/, '')
  if (url === '') return { url: '' }
  const match = /^(https?):\/\/([^\s/?#]+)(\/[^\s?#]*)?$/i.exec(url)
  if (!match) return { problem: 'invalid' }
  const [, scheme, authority] = match
  // `user:pw@host` would send a password in the clear to whoever the URL names, and hide the host.
  if (authority.includes('@')) return { problem: 'userinfo' }
  let hostname: string
  try {
    hostname = new URL(url).hostname
  } catch {
    return { problem: 'invalid' }
  }
  if (scheme.toLowerCase() === 'http' && !(allowsPlainLocalBackend() && LOCAL_HOSTS.has(hostname))) return { problem: 'insecure' }
  return { url }
}

/** '' (same origin) or an accepted absolute URL without a trailing slash; null when refused. */
export function normaliseBackendUrl(raw: string): string | null {
  const checked = checkBackendUrl(raw)
  return 'url' in checked ? checked.url : null
}

/** The `host[:port]` of an absolute URL, '' otherwise. */
export function backendHost(url: string): string {
  try {
    return /^https?:\/\//i.test(url) ? new URL(url).host : ''
  } catch {
    return ''
  }
}

/** Where '' (same origin) points: the page's http(s) origin, or '' where there is none (App). */
export function pageOrigin(): string {
  const origin = typeof location !== 'undefined' ? location.origin : ''
  return typeof origin === 'string' && /^https?:\/\//i.test(origin) ? origin : ''
}

/**
 * Where the backend URL in use comes from: the agent's setting, the build, the page's own origin
 * (H5 behind the same host) or nowhere (an App built without one: sign-in cannot work).
 */
export type BackendUrlSource = 'custom' | 'build' | 'same-origin' | 'none'

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

function isLocale(value: unknown): value is Locale {
  return value === 'zh' || value === 'en'
}

/** Under `tccc.locale` (not `settings.`), where earlier versions kept it, so a choice survives. */
const localeStorage = storedValue<Locale | null>('locale', {
  version: 1,
  fallback: () => null,
  validate: (value): value is Locale | null => value === null || isLocale(value),
})

export const useSettingsStore = defineStore('settings', () => {
  // state
  const audioRoute = ref<AudioRoute>(audioRouteStorage.load())
  const backendUrl = ref<string>(backendUrlStorage.load())
  /** The language the agent picked; null: none yet, the system language is shown. */
  const locale = ref<Locale | null>(localeStorage.load())

  // getters
  /** The base URL requests go to ('' = same origin); what the session hands the token client. */
  const effectiveBackendUrl = computed(() => backendBaseUrl(backendUrl.value))
  /** Where the password goes when the agent set a backend ('' otherwise: the build's default). */
  const customBackendHost = computed(() => (backendUrl.value ? backendHost(backendUrl.value) : ''))
  const backendUrlSource = computed<BackendUrlSource>(() => {
    if (backendUrl.value) return 'custom'
    if (buildBackendUrl()) return 'build'
    return pageOrigin() ? 'same-origin' : 'none'
  })

  // actions
  function setAudioRoute(route: AudioRoute): void {
    if (!isAudioRoute(route)) return
    audioRoute.value = route
    audioRouteStorage.save(route)
  }

  /**
   * Returns false (and keeps the old value) when `checkBackendUrl` refuses the URL. A different
   * backend forgets the stored sign-in: its access token belongs to the old server only.
   */
  function setBackendUrl(url: string): boolean {
    const normalised = normaliseBackendUrl(url)
    if (normalised === null) return false
    if (normalised !== backendUrl.value) backendSessionStorage.clear()
    backendUrl.value = normalised
    if (normalised === '') backendUrlStorage.clear()
    else backendUrlStorage.save(normalised)
    return true
  }

  /** App start: shows the picked language, if any, and tells the document which one shows. */
  function applyLocale(): void {
    if (locale.value) showLocale(locale.value)
    syncDocumentLanguage()
  }

  /** Shows the app in `next` and remembers it across starts. */
  function setLocale(next: Locale): void {
    if (!isLocale(next)) return
    locale.value = next
    localeStorage.save(next)
    applyLocale()
  }

  return { audioRoute, backendUrl, locale, effectiveBackendUrl, customBackendHost, backendUrlSource, setAudioRoute, setBackendUrl, applyLocale, setLocale }
})
