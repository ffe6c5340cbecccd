/**
 * The agent's sign-in: username/password -> token backend access token -> TCCC login token ->
 * SDK login. The backend access token (and its expiry) is persisted so a restart signs in
 * without the password until it expires; the TCCC token is fetched fresh each time and never
 * persisted. The password is never stored or logged.
 *
 *   restoring ──► signed-in | signed-out          (app start: `restore()`)
 *   signed-out ──► signing-in ──► signed-in | signed-out
 *   signed-in ──► signed-out                       (signOut, kicked, token/session expired)
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { TcccError, toTcccError } from '@/platform/errors'
import { backendSessionStorage, type StoredBackendSession } from '@/services/backendSession'
import { storedValue } from '@/services/storage'
import { fetchTcccToken, signInToBackend, signOutOfBackend } from '@/services/tokenClient'
import { getWorkstation } from '@/services/workstation'
import { useConnectionStore } from '@/store/connection'
import { startEventRouting } from '@/store/deferred'
import { useSettingsStore } from '@/store/settings'

export type SessionStatus = 'restoring' | 'signed-out' | 'signing-in' | 'signed-in'
export type SignOutReason = 'kicked' | 'token-expired' | 'session-expired' | 'logged-out'

export interface SessionAgent {
  userId: string
  sdkAppId: number
}


/**
 * A store that owns something a sign-out must end first (the call store: hang up a live call,
 * close the ended one). It joins the sign-out, so the session never imports it (no circle).
 */
export interface SignOutParticipant {
  /** Before the SDK logout; awaited. */
  beforeLogout(): Promise<void>
  /** After the SDK and backend logouts, before the agent is signed out. */
  afterLogout(): void
}

/** Treat the access token as expired a little early, so it does not lapse mid-request. */
export const ACCESS_TOKEN_MARGIN_MS = 30_000
/** A second -10002 this soon after a silent re-login means renewing does not help. */
export const TOKEN_RENEWAL_WINDOW_MS = 60_000

export { backendSessionStorage, type StoredBackendSession }

export const lastUsernameStorage = storedValue<string>('session.lastUsername', {
  version: 1,
  fallback: () => '',
  validate: (value): value is string => typeof value === 'string',
})

/** The stored backend session if it is still usable; an expired one is removed. */
function usableBackendSession(): StoredBackendSession | null {
  const stored = backendSessionStorage.load()
  if (!stored) return null
  if (stored.expiresAt - ACCESS_TOKEN_MARGIN_MS <= Date.now()) {
    backendSessionStorage.clear()
    return null
  }
  return stored
}

function revokeQuietly(accessToken: string, baseUrl: string): void {
  signOutOfBackend(accessToken, baseUrl).catch((e: unknown) => console.warn('[session] backend sign-out failed', toTcccError(e).symbol))
}

export const useSessionStore = defineStore('session', () => {
  // ---- state ------------------------------------------------------------------------------
  const status = ref<SessionStatus>(usableBackendSession() ? 'restoring' : 'signed-out')
  const agent = ref<SessionAgent | null>(null)
  const lastUsername = ref(lastUsernameStorage.load())
  const error = ref<TcccError | null>(null)
  const signOutReason = ref<SignOutReason | null>(null)

  let restoring: Promise<boolean> | null = null
  let rechecking: Promise<void> | null = null
  let renewing: Promise<boolean> | null = null
  let lastSilentRenewalAt: number | null = null
  const signOutParticipants = new Set<SignOutParticipant>()

  // ---- helpers ----------------------------------------------------------------------------
  /** The token backend to ask, read at each request (the agent may change it on the login page). */
  function backendUrl(): string {
    return useSettingsStore().effectiveBackendUrl
  }

  /** New TCCC token from the backend, then the SDK login. Throws TcccError. */
  async function registerWithTccc(accessToken: string): Promise<void> {
    const tccc = await fetchTcccToken(accessToken, backendUrl())
    // The router loads after the first page (see deferred.ts); the agent's events need it.
    await startEventRouting()
    await getWorkstation().login({
      sdkAppId: tccc.sdkAppId,
      userId: tccc.userId,
      token: tccc.token,
      ...(tccc.sdkUrl ? { sdkUrl: tccc.sdkUrl } : {}),
    })
    agent.value = { userId: tccc.userId, sdkAppId: tccc.sdkAppId }
  }

  function becomeSignedIn(): void {
    status.value = 'signed-in'
    error.value = null
    signOutReason.value = null
    useConnectionStore().reset()
  }

  function becomeSignedOut(reason: SignOutReason | null, why: TcccError | null): void {
    status.value = 'signed-out'
    agent.value = null
    signOutReason.value = reason
    error.value = why
    useConnectionStore().reset()
  }

  /** Re-register with the stored access token; on failure the agent is signed out. */
  async function silentRelogin(fallbackReason: SignOutReason): Promise<boolean> {
    const stored = usableBackendSession()
    if (!stored) {
      becomeSignedOut('session-expired', new TcccError('SESSION_EXPIRED'))
      return false
    }
    return signInWithStoredSession(stored.accessToken, fallbackReason)
  }

  /**
   * Register with TCCC using the stored backend access token. A refused access token is dropped
   * (signed out as session-expired); any other failure keeps it, so a later try can succeed.
   */
  async function signInWithStoredSession(accessToken: string, otherwise: SignOutReason | null): Promise<boolean> {
    try {
      await registerWithTccc(accessToken)
      becomeSignedIn()
      return true
    } catch (e) {
      const failure = toTcccError(e)
      if (failure.symbol === 'SESSION_EXPIRED') {
        backendSessionStorage.clear()
        becomeSignedOut('session-expired', failure)
      } else {
        becomeSignedOut(otherwise, failure)
      }
      return false
    }
  }

  // ---- actions ----------------------------------------------------------------------------
  async function signIn(username: string, password: string): Promise<boolean> {
    if (status.value === 'signing-in' || status.value === 'restoring') return false
    if (status.value === 'signed-in') {
      console.warn('[session] signIn ignored: already signed in')
      return false
    }
    const name = username.trim()
    if (name === '' || password === '') {
      error.value = new TcccError('BAD_CREDENTIALS', 'empty username or password')
      return false
    }
    status.value = 'signing-in'
    error.value = null
    signOutReason.value = null
    let accessToken: string
    try {
      const backend = await signInToBackend(name, password, backendUrl())
      accessToken = backend.accessToken
      backendSessionStorage.save({ accessToken, expiresAt: Date.now() + backend.expiresIn * 1000 })
    } catch (e) {
      becomeSignedOut(null, toTcccError(e))
      return false
    }
    lastUsername.value = name
    lastUsernameStorage.save(name)
    try {
      await registerWithTccc(accessToken)
    } catch (e) {
      // Do not keep a backend session whose agent could not register (e.g. no seat).
      backendSessionStorage.clear()
      revokeQuietly(accessToken, backendUrl())
      becomeSignedOut(null, toTcccError(e))
      return false
    }
    lastSilentRenewalAt = null
    becomeSignedIn()
    return true
  }

  /** App start: sign in silently with the stored access token. */
  function restore(): Promise<boolean> {
    if (status.value === 'signed-in') return Promise.resolve(true)
    if (status.value === 'signing-in') return Promise.resolve(false)
    if (restoring) return restoring
    // Create the platform at launch, so its events (and the simulator's controls) exist
    // before the agent signs in.
    getWorkstation()
    restoring = (async () => {
      const stored = usableBackendSession()
      if (!stored) {
        becomeSignedOut(null, null)
        return false
      }
      status.value = 'restoring'
      const signedIn = await signInWithStoredSession(stored.accessToken, null)
      if (signedIn) lastSilentRenewalAt = null
      return signedIn
    })().finally(() => {
      restoring = null
    })
    return restoring
  }

  /** App shown again: is the SDK registration alive? If not, re-register silently. */
  function recheck(): Promise<void> {
    if (status.value !== 'signed-in') return Promise.resolve()
    if (rechecking) return rechecking
    rechecking = (async () => {
      try {
        await getWorkstation().checkLogin()
        return
      } catch (e) {
        const failure = toTcccError(e)
        if (failure.symbol === 'ERR_SIP_FORBIDDEN') {
          onKicked()
          return
        }
      }
      if (status.value !== 'signed-in') return
      await silentRelogin('token-expired')
    })().finally(() => {
      rechecking = null
    })
    return rechecking
  }

  /** SDK error 403: this account signed in elsewhere. Do not fight back with a silent login. */
  function onKicked(): void {
    if (status.value !== 'signed-in') return
    const stored = backendSessionStorage.load()
    backendSessionStorage.clear()
    if (stored) revokeQuietly(stored.accessToken, backendUrl())
    becomeSignedOut('kicked', new TcccError('KICKED'))
  }

  /** SDK -10002: renew the TCCC token once; if it comes straight back, sign out. */
  function onTokenExpired(): Promise<boolean> {
    if (status.value !== 'signed-in') return Promise.resolve(false)
    if (renewing) return renewing
    const now = Date.now()
    if (lastSilentRenewalAt !== null && now - lastSilentRenewalAt < TOKEN_RENEWAL_WINDOW_MS) {
      becomeSignedOut('token-expired', new TcccError('ERR_HTTP_TOKEN_ERROR'))
      return Promise.resolve(false)
    }
    lastSilentRenewalAt = now
    renewing = silentRelogin('token-expired').finally(() => {
      renewing = null
    })
    return renewing
  }

  /** See `SignOutParticipant`; returns the way to leave again. */
  function joinSignOut(participant: SignOutParticipant): () => void {
    signOutParticipants.add(participant)
    return () => {
      signOutParticipants.delete(participant)
    }
  }

  async function signOut(): Promise<void> {
    for (const participant of [...signOutParticipants]) await participant.beforeLogout()
    const stored = backendSessionStorage.load()
    // Cleared first, so nothing can restore this session while we wait for the network.
    backendSessionStorage.clear()
    try {
      await getWorkstation().logout()
    } catch (e) {
      console.warn('[session] SDK logout failed', toTcccError(e).symbol)
    }
    if (stored) {
      try {
        await signOutOfBackend(stored.accessToken, backendUrl())
      } catch (e) {
        console.warn('[session] backend sign-out failed', toTcccError(e).symbol)
      }
    }
    for (const participant of [...signOutParticipants]) participant.afterLogout()
    lastSilentRenewalAt = null
    becomeSignedOut('logged-out', null)
  }

  return {
    // state
    status,
    agent,
    lastUsername,
    error,
    signOutReason,
    // actions
    signIn,
    restore,
    recheck,
    signOut,
    joinSignOut,
    // from the event router (SDK events)
    onKicked,
    onTokenExpired,
  }
})
