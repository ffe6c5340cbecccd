/**
 * The agent's sign-in: username/password -> token backend access token -> TCCC login token ->
 * SDK login. The backend access token (its expiry, and whose it is: userId, sdkAppId,
 * workspaceId) is persisted so a restart signs in without the password until it expires; the
 * TCCC token is fetched fresh each time and never persisted. The password is never stored or logged.
 *
 *   restoring ──► signed-in | signed-out | offline (app start: `restore()`)
 *   signed-out ──► signing-in ──► signed-in | signed-out
 *   signed-in ──► signed-out                       (signOut, kicked, token/session expired)
 *   offline ──► signed-in                          (a retry of the silent sign-in registered)
 *   offline ──► signed-out                         (signOut, session refused or expired (a
 *                                                   timer at its expiry), a failure that will not pass)
 *   restoring | signing-in ──► elsewhere           (the tab holding the agent's registration
 *                                                   refused to hand it over: a live call there, or
 *                                                   it is still signing in)
 *   signed-in | offline ──► elsewhere              (a newer tab's start or sign-in, or another
 *                                                   tab's "use here", took it; a kick when this
 *                                                   browser's record names another tab)
 *   elsewhere ──► restoring ──► …                  (`useHere`: the holder gave it up, or is gone;
 *                                                   or the holder went, and this tab, chosen among
 *                                                   those standing by, takes over after the grace)
 *   elsewhere ──► signed-out                       (useHere found the session signed out or
 *                                                   another agent's; a sync refused with no
 *                                                   usable session left; signOut; the holding
 *                                                   tab kicked (`kicked`, told over the tab link)
 *                                                   or its session refused (`expired`, told so))
 *   signed-in | offline | elsewhere ──► signed-out (other-tab: the agent signed out in another tab)
 *
 * `offline`: the start's silent sign-in met a passing failure (`isPassing`: unreachable, timed
 * out, busy) while the stored session is valid, names its agent and workspace, and this phone
 * holds that workspace's cache (`isAgentCacheOf`). The agent's workspace is open from the cache
 * (numbers, history, wrap-ups and notes go to the outbox) but the SDK is NOT registered: calls
 * and the seat status are refused (`TCCC_OFFLINE`), and the retry (RESTORE_RETRY_MS) goes on
 * until it registers. Only a start opens it (`mayOpenOffline`); a renewal that fails later
 * still goes to the login page, retrying there.
 *
 * `elsewhere`: one TCCC registration per agent per browser (`src/services/tabRegistration.ts`),
 * the newest tab's: a tab that starts or signs in as an agent takes it from the tab holding it,
 * which logs out of TCCC and stands by, unless that tab has a live call or is still signing in
 * (`TAB_IN_CALL` / `TAB_BUSY`: then the new tab stands by). Standing by, nothing is signed out or
 * revoked and, as `offline`, the agent's workspace is open (agent set, sync open): calls and the
 * seat status are refused (`TAB_ELSEWHERE`), "use here" moves the registration back; when the
 * holding tab goes (closed, not a reload), one tab standing by takes it over by itself after the
 * grace (`TAKEOVER_GRACE_MS`, the rule in tabRegistration.ts). A sign-out in any tab signs the
 * agent's other tabs of this browser out (`other-tab`).
 */
import { defineStore, getActivePinia } from 'pinia'
import { nextTick, ref, watch } from 'vue'
import { entryFor, SDK_ERRORS, TcccError, toTcccError, type ErrorSymbol } from '@/platform/errors'
import { backendSessionStorage, sessionBelongsTo, type StoredBackendSession } from '@/services/backendSession'
import { keepSignInFailures } from '@/services/signInFailures'
import { agentKeyOf, claimAgentCache, isAgentCacheOf, storedValue } from '@/services/storage'
import type { RefusalReason, SessionEnd, TabRegistration, TabRegistrationHandlers } from '@/services/tabRegistration'
import { confirmSignInFailures, fetchTcccToken, signInToBackend, signOutOfBackend, type BackendSession } from '@/services/tokenClient'
import { getWorkstation } from '@/services/workstation'
import { useConnectionStore } from '@/store/connection'
import { useSettingsStore } from '@/store/settings'

/**
 * The sync store brings the number and history stores, which the login page does not need
 * (cold start): it is loaded during the first sign-in, before the SDK login, then used directly.
 */
type SyncStoreModule = typeof import('@/store/sync')
let syncStoreModule: SyncStoreModule | undefined
async function loadSyncStore(): Promise<SyncStoreModule> {
  // Stryker disable next-line StringLiteral: Vite fails to transform `import('')` (it reads the project folder), which crashes every test run
  syncStoreModule ??= await import('@/store/sync')
  return syncStoreModule
}

/**
 * The tabs' agreement (tabRegistration and its TabLink) is not needed before a sign-in or a
 * restore starts (cold start: the login page never loads it); loaded then, used directly after.
 */
type TabRegistrationModule = typeof import('@/services/tabRegistration')
let tabRegistrationModule: TabRegistrationModule | undefined
async function loadTabRegistration(): Promise<TabRegistrationModule | null> {
  try {
    // Stryker disable next-line StringLiteral: Vite fails to transform `import('')`
    tabRegistrationModule ??= await import('@/services/tabRegistration')
    return tabRegistrationModule
  } catch (e) {
    // The chunk did not load: this tab registers on its own, as a lone tab (the App) does.
    console.warn('[session] the tab agreement did not load', e instanceof Error ? e.message : e)
    return null
  }
}

/** Another tab's failure as it told it (an error symbol); one this version does not know is shown as unknown. */
function failureFromTab(symbol: string | null): TcccError | null {
  if (symbol === null) return null
  return entryFor(symbol as ErrorSymbol) ? new TcccError(symbol as ErrorSymbol) : new TcccError('UNKNOWN', symbol)
}

/** A holder's refusal, as this tab says it (`tab-elsewhere-error`). */
function refusalError(reason: RefusalReason): TcccError {
  return new TcccError(reason === 'call' ? 'TAB_IN_CALL' : 'TAB_BUSY')
}

/** `offline`: signed in from this phone's cache, not registered with TCCC (header comment). */
/** `elsewhere`: another tab of this browser holds the agent's TCCC registration (header comment). */
export type SessionStatus = 'restoring' | 'signed-out' | 'signing-in' | 'signed-in' | 'offline' | 'elsewhere'
/** `other-tab`: the agent signed out in another tab of this browser (told over the tab link). */
export type SignOutReason = 'kicked' | 'token-expired' | 'session-expired' | 'logged-out' | 'other-tab'

export interface SessionAgent {
  userId: string
  sdkAppId: number
}


/**
 * A store that owns something a sign-out must end first (the call store: hang up a live call,
 * close the ended one). It joins the sign-out, so the session never imports it (no circle).
 */
export interface SignOutParticipant {
  /** Before the SDK logout of the agent's own sign-out; awaited. */
  beforeLogout(): Promise<void>
  /**
   * Every way out (sign-out, kicked, a token or session that could not be renewed), while the
   * agent's stores are still theirs: whatever is left of the agent's call is recorded and closed,
   * so the next agent on this phone never sees it.
   */
  signedOut(why: TcccError | null): void
}

/** Treat the access token as expired a little early, so it does not lapse mid-request. */
export const ACCESS_TOKEN_MARGIN_MS = 30_000
/** A second -10002 this soon after a silent re-login means renewing does not help. */
export const TOKEN_RENEWAL_WINDOW_MS = 60_000
/**
 * App start with a valid session while the backend or TCCC is out of reach or busy: the silent
 * sign-in is tried again on its own after these waits (the last one repeats), so an agent whose
 * phone started in a lift or during a server restart is not left on the login page.
 */
export const RESTORE_RETRY_MS: readonly number[] = [2_000, 5_000, 15_000, 30_000, 60_000]
/** setTimeout's longest wait (2^31 - 1 ms, ~24.8 days); a longer one would fire at once. */
const LONGEST_TIMER_MS = 2_147_483_647

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

const IN_A_CALL_CODE = SDK_ERRORS.ERR_NETWORK_CANNOT_RESET.code

/**
 * checkLogin failures that say nothing about the registration: the network or the SDK did not
 * answer (the connection banner tells the agent). Re-login would fail the same way and then
 * sign a possibly registered agent out, so the check is simply tried again next time.
 */
function isUnanswered(failure: TcccError): boolean {
  if (failure.symbol === 'ERR_SIP_SERVICE_UNAVAILABLE' || failure.symbol === 'ERR_SIP_SERVER_TIMEOUT') return true
  return failure.action === 'check-network' && failure.symbol !== 'ERR_HTTP_TOKEN_ERROR'
}

function revokeQuietly(accessToken: string, baseUrl: string): void {
  signOutOfBackend(accessToken, baseUrl).catch((e: unknown) => console.warn('[session] backend sign-out failed', toTcccError(e).symbol))
}

/**
 * The seat's cache on this phone must be the signing-in agent's workspace: another agent's (the
 * seat's previous holder) is dropped before any store reads it (`claimAgentCache`).
 */
function claimCache(userId: string, workspaceId: string): void {
  try {
    const claim = claimAgentCache(agentKeyOf(userId), workspaceId)
    if (claim.kind === 'cleared') console.warn(`[session] the seat's cache on this phone was another agent's: removed (${claim.droppedChanges} change(s) never sent)`)
    if (claim.kind === 'moved') console.info('[session] the agent changed seats: their cache on this phone moved with them')
  } catch (e) {
    console.warn('[session] could not check whose cache this is', e instanceof Error ? e.message : e)
  }
}

export const useSessionStore = defineStore('session', () => {
  /** This store's pinia, for the stores used after an await (the sync store). */
  const pinia = getActivePinia()
  // ---- state ------------------------------------------------------------------------------
  const status = ref<SessionStatus>(usableBackendSession() ? 'restoring' : 'signed-out')
  const agent = ref<SessionAgent | null>(null)
  const lastUsername = ref(lastUsernameStorage.load())
  const error = ref<TcccError | null>(null)
  const signOutReason = ref<SignOutReason | null>(null)

  let restoring: Promise<boolean> | null = null
  /** The start's silent sign-in failed on the network or a busy server and will be tried again. */
  const restoreRetrying = ref(false)
  /** The workspace and access token of the session this store signed in (or opened offline) with. */
  let heldWorkspace: string | undefined
  let heldToken: string | undefined
  let heldBackend: string | undefined
  /** Until the first sign-in or sign-out: only the start's restore may open the cache offline. */
  let mayOpenOffline = true
  /**
   * Sign-outs so far (by the agent, or the access token running out offline): a silent sign-in
   * that outlived one ends quietly.
   */
  let leaves = 0
  let restoreRetryTimer: ReturnType<typeof setTimeout> | null = null
  /** Offline: fires when the stored access token stops being usable (`watchOfflineExpiry`). */
  let offlineExpiryTimer: ReturnType<typeof setTimeout> | null = null
  let restoreAttempts = 0
  let rechecking: Promise<void> | null = null
  let renewing: Promise<boolean> | null = null
  let lastSilentRenewalAt: number | null = null
  const signOutParticipants = new Set<SignOutParticipant>()
  const signInPreparations = new Set<() => Promise<void>>()
  /** The app came back during a call: check the registration once the call is over. */
  const recheckAfterCall = ref(false)
  /** A -10002 met during a call: the token is renewed once the call is over. */
  const renewAfterCall = ref(false)
  /** A call is live (the call store says so through `setCallLive`; no import of it here). */
  const callLive = ref(false)
  /** `elsewhere`: the agent whose registration another tab of this browser holds. */
  const elsewhereAgent = ref<string | null>(null)
  /** `elsewhere`: the holding tab went away (closed or reloading); "use here" need not ask it. */
  const holderLeft = ref(false)
  /**
   * `elsewhere`, the holding tab gone: it could not register (a take-over, a sign-in or its
   * renewal) and signed out, for this reason (shown instead of "the other tab was closed").
   */
  const holderFailure = ref<TcccError | null>(null)
  /** `elsewhere`: "use here" is under way. */
  const takingOver = ref(false)
  /**
   * `elsewhere`: the holding tab has a live call (its refusal said so, or its word since). A
   * sign-out here signs that tab out too, hanging the call up: the shell asks first.
   */
  const holderOnCall = ref(false)
  /**
   * The tabs of this browser agree which one holds the agent's registration: loaded on the first
   * sign-in or restore (`tabAgreement`), null before that and where it could not load.
   */
  let tabs: TabRegistration | null = null
  /** The seat whose registration this tab holds (or is taking), as recorded for the other tabs. */
  let holdsSeat: string | null = null

  // ---- helpers ----------------------------------------------------------------------------
  /** The token backend to ask, read at each request (the agent may change it on the login page). */
  function backendUrl(): string {
    return useSettingsStore().effectiveBackendUrl
  }

  /**
   * The stored session while it is this store's agent's; null once another browser tab signed in
   * as someone else (`sessionBelongsTo`), or when no agent is signed in.
   */
  function ownStoredSession(): StoredBackendSession | null {
    const stored = backendSessionStorage.load()
    const who = agent.value
    if (!stored || !who) return null
    return sessionBelongsTo(stored, { userId: who.userId, workspaceId: heldWorkspace }) ? stored : null
  }

  /**
   * This agent's own access token when another tab's sign-in replaced it in storage, for the
   * revoke at sign-out. Only then, and only at the backend that issued it: a session cleared
   * (the backend address changed, another tab signed this agent out) has nothing to revoke here.
   */
  function replacedOwnToken(): string | undefined {
    const stored = backendSessionStorage.load()
    if (!stored || stored.accessToken === heldToken || heldBackend !== backendUrl()) return undefined
    return heldToken
  }

  /** The backend access token for this agent's requests (sync, TCCC reads, seat status). */
  function backendAccessToken(): string | null {
    return ownStoredSession()?.accessToken ?? null
  }

  /** New TCCC token from the backend, then the SDK login; the agent it registered. Throws TcccError. */
  async function registerWithTccc(accessToken: string): Promise<SessionAgent> {
    const tccc = await fetchTcccToken(accessToken, backendUrl())
    await loadSyncStore()
    // What must be ready before the SDK can publish the agent's events (App.vue joins the
    // deferred event router here; see deferred.ts): joined, not imported, so no import circle.
    for (const prepare of [...signInPreparations]) await prepare()
    await getWorkstation().login({
      sdkAppId: tccc.sdkAppId,
      userId: tccc.userId,
      token: tccc.token,
      ...(tccc.sdkUrl ? { sdkUrl: tccc.sdkUrl } : {}),
    })
    return { userId: tccc.userId, sdkAppId: tccc.sdkAppId }
  }

  /**
   * Whose session it is, before the status says signed in (or offline): the per-agent stores
   * (wrap-up queue, live-call snapshot) open their keys on `agent` first, so what the status
   * change brings (an interrupted call's wrap-up) lands in the agent's own, loaded state.
   */
  async function identify(who: SessionAgent, held: { workspaceId: string | undefined; accessToken: string }): Promise<void> {
    heldWorkspace = held.workspaceId
    heldToken = held.accessToken
    heldBackend = backendUrl()
    agent.value = who
    await nextTick()
  }

  function becomeSignedIn(): void {
    mayOpenOffline = false
    renewAfterCall.value = false
    status.value = 'signed-in'
    error.value = null
    signOutReason.value = null
    holderLeft.value = false
    holderFailure.value = null
    holderOnCall.value = false
    useConnectionStore().reset()
    // The other tabs of this agent stand by (a start that raced this one, a stale "left").
    if (holdsSeat) tabs?.announce(holdsSeat)
    // The agent's own cache and sync; another agent's data is never in memory at the same time.
    if (agent.value) syncStoreModule?.useSyncStore(pinia).open(agent.value.userId, backendAccessToken, backendUrl)
  }

  function becomeSignedOut(reason: SignOutReason | null, why: TcccError | null): void {
    if (reason !== null) mayOpenOffline = false
    for (const participant of [...signOutParticipants]) participant.signedOut(why)
    recheckAfterCall.value = false
    renewAfterCall.value = false
    status.value = 'signed-out'
    agent.value = null
    signOutReason.value = reason
    error.value = why
    useConnectionStore().reset()
    syncStoreModule?.useSyncStore(pinia).close()
    if (holdsSeat) handOn(holdsSeat, reason, why)
    holdsSeat = null
    elsewhereAgent.value = null
    holderLeft.value = false
    holderFailure.value = null
    holderOnCall.value = false
  }

  /**
   * This tab held `seat` and is signed out: the tabs standing by must not wait for it. Its own
   * failure (a renewal, a sign-in or a take-over that could not register) is handed on: one
   * standing by takes over after the grace, told why (`abandon`); a refused session is every tab's
   * (one stored session), so all go to the login page saying so. A passing failure with the
   * session usable is retried here (the retry claims again; this page closed before then hands
   * it on as a holder's does); the agent's sign-out and a kick told the others already.
   */
  function handOn(seat: string, reason: SignOutReason | null, why: TcccError | null): void {
    const byFailure = why !== null && reason !== 'kicked' && reason !== 'logged-out' && reason !== 'other-tab'
    if (!byFailure) tabs?.drop(seat)
    else if (why.symbol === 'SESSION_EXPIRED') tabs?.sessionExpired(seat)
    else if (isPassing(why) && usableBackendSession()) tabs?.drop(seat, true)
    else tabs?.abandon(seat, why.symbol)
  }

  /**
   * Another tab of this browser holds `userId`'s registration: this tab stands by. Not a sign-out:
   * the stored session stays (it is the other tab's too), nothing is revoked, and the agent's
   * workspace stays open as it does `offline` (numbers, history, wrap-ups, sync); only what needs
   * TCCC is refused (`TAB_ELSEWHERE`). `why`: the holder's refusal when this tab asked for the
   * registration (a live call there), shown with "use here".
   */
  function becomeElsewhere(userId: string, why: TcccError | null = null): void {
    stopRestoreRetry()
    recheckAfterCall.value = false
    renewAfterCall.value = false
    holdsSeat = null
    elsewhereAgent.value = userId
    holderLeft.value = tabs?.holderLeft(agentKeyOf(userId)) ?? false
    holderFailure.value = failureFromTab(tabs?.holderFailure(agentKeyOf(userId)) ?? null)
    // As last heard (a refusal for a call, the call's end since) or recorded; a tab that registered
    // just now has none.
    holderOnCall.value = tabs ? tabs.holderOnCall(agentKeyOf(userId)) : why?.symbol === 'TAB_IN_CALL'
    status.value = 'elsewhere'
    // The holder is looked at from now on (its lock or heartbeat: a crash is found out).
    tabs?.standBy(agentKeyOf(userId))
    signOutReason.value = null
    // Refused for a call that ended meanwhile, or by a tab that registered (or went) meanwhile: "the
    // other tab is on a call / still signing in" would no longer be true.
    const over = (why?.symbol === 'TAB_IN_CALL' && !holderOnCall.value) || (why?.symbol === 'TAB_BUSY' && tabs !== null && !tabs.holderBusy(agentKeyOf(userId)))
    error.value = over ? null : why
    useConnectionStore().reset()
    // The workspace is the agent's (open already when this tab held the registration).
    if (agent.value?.userId === userId) syncStoreModule?.useSyncStore(pinia).open(userId, backendAccessToken, backendUrl)
  }

  /**
   * A sign-in or start whose holder refused to hand over (a live call, or still signing in): the
   * agent's workspace opens without TCCC, standing by. `from`: the status this try is in; a
   * sign-out meanwhile ends it quietly.
   */
  async function standBy(who: SessionAgent, held: { workspaceId: string | undefined; accessToken: string }, why: TcccError, from: SessionStatus): Promise<void> {
    let workspace = true
    try {
      await loadSyncStore()
      for (const prepare of [...signInPreparations]) await prepare()
    } catch (e) {
      console.warn('[session] the workspace could not be opened standing by', e instanceof Error ? e.message : e)
      workspace = false
    }
    if (status.value !== from) return
    if (workspace) await identify(who, held)
    if (status.value !== from) return
    becomeElsewhere(who.userId, why)
  }

  /**
   * Another tab's sign-in or "use here" (the newest tab wins): this tab stands by, then leaves
   * TCCC (awaited: the other tab registers after this logout). A retry of the offline start
   * under way ends quietly.
   */
  async function yieldRegistration(): Promise<void> {
    const userId = agent.value?.userId ?? elsewhereAgent.value
    if (!userId) return
    const registered = status.value === 'signed-in'
    leaves += 1
    becomeElsewhere(userId)
    if (!registered) return
    await getWorkstation()
      .logout()
      .catch((e: unknown) => console.warn('[session] SDK logout failed', toTcccError(e).symbol))
  }

  /**
   * The agent signed out in another tab of this browser (its session is cleared and revoked):
   * this tab goes to the login page too, saying so, instead of running on with a revoked token.
   * Registered here, it leaves TCCC first (a live call is ended as at a sign-out).
   */
  async function signedOutElsewhere(how?: 'kicked' | 'expired'): Promise<void> {
    const registered = status.value === 'signed-in'
    leaves += 1
    stopRestoreRetry()
    if (registered) {
      for (const participant of [...signOutParticipants]) await participant.beforeLogout()
      await getWorkstation()
        .logout()
        .catch((e: unknown) => console.warn('[session] SDK logout failed', toTcccError(e).symbol))
    }
    if (status.value === 'signed-out') return
    lastSilentRenewalAt = null
    becomeEndedElsewhere(how ?? 'signed-out')
  }

  /** The agent's session ended in another tab of this browser: signed out here, saying how. */
  function becomeEndedElsewhere(how: SessionEnd): void {
    if (how === 'kicked') becomeSignedOut('kicked', new TcccError('KICKED'))
    else if (how === 'expired') becomeSignedOut('session-expired', new TcccError('SESSION_EXPIRED'))
    else becomeSignedOut('other-tab', null)
  }

  /**
   * Whether `seat` is this tab's agent's (signed in, offline or standing by), or the seat this tab
   * claimed and registers with now (a start or sign-in whose agent is not identified yet).
   */
  function isOwnSeat(seat: string): boolean {
    if (holdsSeat === seat) return true
    const userId = agent.value?.userId ?? elsewhereAgent.value
    return !!userId && agentKeyOf(userId) === seat
  }

  const tabHandlers: TabRegistrationHandlers = {
    holds: (seat) => holdsSeat === seat,
    release() {
      // A live call here is never lost to another tab: refused, the agent ends the call first.
      if (callLive.value) return { refused: 'call' }
      if (status.value !== 'signed-in' && status.value !== 'offline') return { refused: 'busy' }
      return { released: yieldRegistration() }
    },
    changed(seat) {
      if (status.value === 'elsewhere') {
        if (elsewhereAgent.value && agentKeyOf(elsewhereAgent.value) === seat) {
          holderLeft.value = tabs?.holderLeft(seat) ?? false
          holderFailure.value = failureFromTab(tabs?.holderFailure(seat) ?? null)
          // Its call went with its page.
          if (holderLeft.value) holderOnCall.value = false
          // "Still signing in" is over once it registered or went (a reload slower than the grace).
          if (error.value?.symbol === 'TAB_BUSY' && !tabs?.holderBusy(seat)) error.value = null
        }
        return
      }
      // Two tabs that started at once both registered: the one the record names keeps it (the
      // later announce, as TCCC keeps the later login and kicks this one), unless a call is live here.
      // Offline (back from the back-forward cache, taken over meanwhile): its retry would register
      // over the tab that took over, which would take the 403 for a sign-in elsewhere.
      if (holdsSeat === seat && (status.value === 'signed-in' || status.value === 'offline') && tabs?.heldElsewhere(seat) && !callLive.value) void yieldRegistration()
    },
    signedOut(seat, how) {
      if (status.value === 'signed-out' || !isOwnSeat(seat)) return
      void signedOutElsewhere(how)
    },
    kicked(seat) {
      // Standing by, the holder's session (this tab's too) is revoked: this tab shows what the
      // holder shows. A registered tab has its own registration, kicked or not.
      if (status.value !== 'elsewhere' || !isOwnSeat(seat)) return
      becomeSignedOut('kicked', new TcccError('KICKED'))
    },
    sessionExpired(seat) {
      // As for a kick: the refused session is this tab's too.
      if (status.value !== 'elsewhere' || !isOwnSeat(seat)) return
      becomeSignedOut('session-expired', new TcccError('SESSION_EXPIRED'))
    },
    holderCall(seat, live) {
      if (status.value !== 'elsewhere' || !isOwnSeat(seat)) return
      holderOnCall.value = live
      // "The other tab is on a call" (why this tab stands by) is over with it.
      if (!live && error.value?.symbol === 'TAB_IN_CALL') error.value = null
    },
    standsBy: (seat) => status.value === 'elsewhere' && isOwnSeat(seat),
    holderGone(seat) {
      // The holding tab was closed (or went into the back-forward cache) and did not come back
      // within the grace: this tab, chosen among those standing by, takes over, so that incoming
      // calls keep reaching the agent. As "use here" would: a backend out of reach opens offline.
      if (status.value === 'elsewhere' && isOwnSeat(seat)) void useHere()
    },
  }

  /** This tab's agreement with the others (loaded at the first sign-in or restore). */
  async function tabAgreement(): Promise<TabRegistration | null> {
    if (tabs) return tabs
    const module = await loadTabRegistration()
    if (!module) return null
    if (!tabs) {
      tabs = module.tabRegistration()
      tabs.serve(tabHandlers)
    }
    return tabs
  }

  /**
   * The start could not register (a passing failure): open the agent's workspace from this
   * phone's cache, when the stored session says whose it is and the cache is that workspace's.
   * False when it cannot (an older session, another agent's cache, the stores did not load).
   */
  async function openOffline(stored: StoredBackendSession): Promise<boolean> {
    const { userId, sdkAppId, workspaceId } = stored
    if (!mayOpenOffline || !userId || sdkAppId === undefined || !workspaceId) return false
    if (!isAgentCacheOf(agentKeyOf(userId), workspaceId)) return false
    try {
      await loadSyncStore()
      for (const prepare of [...signInPreparations]) await prepare()
    } catch (e) {
      console.warn('[session] the workspace could not be opened offline', e instanceof Error ? e.message : e)
      return false
    }
    // Signed out meanwhile.
    if (status.value !== 'restoring') return false
    await identify({ userId, sdkAppId }, { workspaceId, accessToken: stored.accessToken })
    if (status.value !== 'restoring') return false
    status.value = 'offline'
    signOutReason.value = null
    useConnectionStore().reset()
    syncStoreModule?.useSyncStore(pinia).open(userId, backendAccessToken, backendUrl)
    watchOfflineExpiry()
    return true
  }

  /**
   * Offline, the access token's end is noticed when it comes, not at the next retry (up to a
   * minute later): a timer at the moment `usableBackendSession` stops taking it. Cleared when
   * the status leaves `offline`, whichever way (the watch below).
   */
  function watchOfflineExpiry(): void {
    stopOfflineExpiry()
    const stored = backendSessionStorage.load()
    if (!stored) return
    const wait = Math.min(Math.max(0, stored.expiresAt - ACCESS_TOKEN_MARGIN_MS - Date.now()), LONGEST_TIMER_MS)
    offlineExpiryTimer = setTimeout(() => {
      offlineExpiryTimer = null
      if (status.value !== 'offline') return
      // Still usable (a timer capped at its longest, or another tab of this agent signed in
      // anew): wait for that token's end instead.
      if (usableBackendSession() && ownStoredSession()) {
        watchOfflineExpiry()
        return
      }
      // As the next retry would (restore): signed out, told why. A retry under way ends quietly.
      leaves += 1
      stopRestoreRetry()
      becomeSignedOut('session-expired', new TcccError('SESSION_EXPIRED'))
    }, wait)
  }

  function stopOfflineExpiry(): void {
    if (offlineExpiryTimer) clearTimeout(offlineExpiryTimer)
    offlineExpiryTimer = null
  }

  // Every way out of `offline` (registered, signed out, expired, a sign-in by hand) ends the timer.
  watch(
    status,
    (next) => {
      if (next !== 'offline') stopOfflineExpiry()
    },
    { flush: 'sync' },
  )

  /** Re-register with the stored access token; on failure the agent is signed out. */
  async function silentRelogin(fallbackReason: SignOutReason): Promise<boolean> {
    const stored = usableBackendSession()
    // None, or another tab's agent's now: this one is over here (the other's session is left alone).
    if (!stored || !ownStoredSession()) {
      becomeSignedOut('session-expired', new TcccError('SESSION_EXPIRED'))
      return false
    }
    const signedIn = await signInWithStoredSession(stored, fallbackReason)
    // The backend was out of reach for a moment: the stored session is still good, so the login
    // page tries again by itself (as at app start) instead of waiting for the agent's password.
    if (!signedIn && status.value === 'signed-out' && error.value && isPassing(error.value) && usableBackendSession()) {
      lastSilentRenewalAt = null
      scheduleRestoreRetry()
    }
    return signedIn
  }

  /**
   * Register with TCCC using the stored backend access token. A refused access token is dropped
   * (signed out as session-expired); any other failure keeps it, so a later try can succeed. A
   * passing failure at the start opens the cache offline (`openOffline`), and keeps it open.
   */
  async function signInWithStoredSession(stored: StoredBackendSession, otherwise: SignOutReason | null): Promise<boolean> {
    const { accessToken } = stored
    const leavesBefore = leaves
    let registered: SessionAgent
    try {
      registered = await registerWithTccc(accessToken)
    } catch (e) {
      const failure = toTcccError(e)
      // The agent signed out while offline and this try was under way: nothing left to end.
      if (leaves !== leavesBefore) return false
      if (failure.symbol === 'SESSION_EXPIRED') {
        backendSessionStorage.clear()
        becomeSignedOut('session-expired', failure)
      } else if (status.value === 'signed-in' && callLive.value && isPassing(failure)) {
        // A renewal during a call (to take the customer off hold) that could not reach the
        // backend: signing out now would cut the customer off. Tried again when the call is over.
        lastSilentRenewalAt = null
        renewAfterCall.value = true
      } else if (isPassing(failure) && (status.value === 'offline' || (status.value === 'restoring' && (await openOffline(stored))))) {
        // Offline from the cache; the retry goes on.
        error.value = failure
      } else if (leaves === leavesBefore) {
        // (Signed out while the cache was being opened: the reason on screen stays.)
        becomeSignedOut(otherwise, failure)
      }
      return false
    }
    if (leaves === leavesBefore) await identify(registered, { workspaceId: stored.workspaceId, accessToken })
    if (leaves !== leavesBefore) {
      // Registered after the agent signed out offline: leave TCCC again, awaited, so a sign-in
      // that waits for this try (`signIn`) logs in after this logout, never before it.
      await getWorkstation()
        .logout()
        .catch((e: unknown) => console.warn('[session] SDK logout failed', toTcccError(e).symbol))
      return false
    }
    becomeSignedIn()
    return true
  }

  // ---- actions ----------------------------------------------------------------------------
  async function signIn(username: string, password: string): Promise<boolean> {
    if (status.value === 'signing-in' || status.value === 'restoring') return false
    if (status.value === 'signed-in' || status.value === 'elsewhere') {
      console.warn('[session] signIn ignored: already signed in')
      return false
    }
    const name = username.trim()
    if (name === '' || password === '') {
      error.value = new TcccError('BAD_CREDENTIALS', 'empty username or password')
      return false
    }
    stopRestoreRetry()
    mayOpenOffline = false
    status.value = 'signing-in'
    error.value = null
    signOutReason.value = null
    // A retry of the offline start that outlived a sign-out ends quietly, logging the SDK out if
    // its login got through: this sign-in's SDK login must come after that logout, not before.
    if (restoring) await restoring.catch(() => false)
    let accessToken: string
    let backend: BackendSession
    try {
      backend = await signInToBackend(name, password, backendUrl())
      accessToken = backend.accessToken
      const { userId, sdkAppId, workspaceId } = backend.agent
      backendSessionStorage.save({ accessToken, expiresAt: Date.now() + backend.expiresIn * 1000, userId, sdkAppId, ...(workspaceId ? { workspaceId } : {}) })
    } catch (e) {
      becomeSignedOut(null, toTcccError(e))
      return false
    }
    lastUsername.value = name
    lastUsernameStorage.save(name)
    if (backend.agent.workspaceId) claimCache(backend.agent.userId, backend.agent.workspaceId)
    // After the claim (the seat's cache is this agent's): kept until the agent dismisses the notice,
    // then confirmed, so the backend stops telling it (unconfirmed, the next sign-in is told it again).
    const report = backend.signInFailures
    if (report && keepSignInFailures(backend.agent.userId, report, Date.now()) && report.id !== undefined) {
      confirmSignInFailures(accessToken, { ...report, id: report.id }, backendUrl()).catch((e: unknown) => console.warn('[session] sign-in failures not confirmed', toTcccError(e).symbol))
    }
    // The newest tab of this agent takes the registration from another of this browser, unless
    // that one is on a call or still signing in: then this one stands by, its workspace open.
    const seat = agentKeyOf(backend.agent.userId)
    const agreement = await tabAgreement()
    const answer = agreement ? await agreement.takeOver(seat) : { kind: 'taken' as const }
    if (status.value !== 'signing-in') return false
    if (answer.kind === 'ended') {
      // The holder's sign-out or kick cleared and revoked the stored session, this sign-in's (one
      // per browser): nothing registers with it. Still stored (not the holder's workspace), it goes.
      if (backendSessionStorage.load()?.accessToken === accessToken) {
        backendSessionStorage.clear()
        revokeQuietly(accessToken, backendUrl())
      }
      becomeEndedElsewhere(answer.how)
      return false
    }
    if (answer.kind === 'refused') {
      await standBy({ userId: backend.agent.userId, sdkAppId: backend.agent.sdkAppId }, { workspaceId: backend.agent.workspaceId, accessToken }, refusalError(answer.reason), 'signing-in')
      return false
    }
    holdsSeat = seat
    const leavesBefore = leaves
    let registered: SessionAgent
    try {
      registered = await registerWithTccc(accessToken)
    } catch (e) {
      // Signed out in another tab meanwhile (its session revoked): the reason on screen stays.
      if (leaves !== leavesBefore) return false
      // Do not keep a backend session whose agent could not register (e.g. no seat).
      backendSessionStorage.clear()
      revokeQuietly(accessToken, backendUrl())
      becomeSignedOut(null, toTcccError(e))
      return false
    }
    if (leaves !== leavesBefore) {
      // Registered after the agent signed out in another tab (the session revoked): out of TCCC again.
      await getWorkstation()
        .logout()
        .catch((e: unknown) => console.warn('[session] SDK logout failed', toTcccError(e).symbol))
      return false
    }
    await identify(registered, { workspaceId: backend.agent.workspaceId, accessToken })
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
      // Offline, the stored session must still be this agent's: another tab may have signed in as
      // someone else meanwhile, whose token must not register this tab over this agent's cache.
      const standingBy = status.value === 'elsewhere'
      // From "use here": the session must still be this agent's (another tab may have signed out,
      // or in as someone else).
      const notStandbyAgents = standingBy && !!stored && !sessionBelongsTo(stored, { userId: elsewhereAgent.value ?? '' })
      if (!stored || (status.value === 'offline' && !ownStoredSession()) || notStandbyAgents) {
        if (status.value === 'offline' || standingBy) {
          // The access token ran out while offline (or is another agent's now): the agent signs
          // in again, told why.
          stopRestoreRetry()
          becomeSignedOut('session-expired', new TcccError('SESSION_EXPIRED'))
        } else {
          becomeSignedOut(null, null)
        }
        return false
      }
      // Offline, the retry runs behind the open workspace.
      if (status.value !== 'offline') status.value = 'restoring'
      // One registration per agent per browser, the newest tab's: another tab of this agent hands
      // it over, unless it is on a call or still signing in (this one stands by). "Use here" asked
      // already (`holdsSeat`).
      if (status.value === 'restoring' && stored.userId && holdsSeat !== agentKeyOf(stored.userId)) {
        const seat = agentKeyOf(stored.userId)
        const agreement = await tabAgreement()
        const answer = agreement ? await agreement.takeOver(seat) : { kind: 'taken' as const }
        if (status.value !== 'restoring') return false
        if (answer.kind === 'ended') {
          // Signed out, kicked or refused in another tab while this one asked: the stored session is over.
          stopRestoreRetry()
          becomeEndedElsewhere(answer.how)
          return false
        }
        if (answer.kind === 'refused') {
          if (stored.workspaceId) claimCache(stored.userId, stored.workspaceId)
          await standBy({ userId: stored.userId, sdkAppId: stored.sdkAppId ?? 0 }, { workspaceId: stored.workspaceId, accessToken: stored.accessToken }, refusalError(answer.reason), 'restoring')
          return false
        }
        holdsSeat = seat
      }
      const signedIn = await signInWithStoredSession(stored, null)
      if (signedIn) {
        lastSilentRenewalAt = null
        stopRestoreRetry()
      } else if (error.value && isPassing(error.value) && usableBackendSession()) {
        scheduleRestoreRetry()
      } else {
        stopRestoreRetry()
      }
      return signedIn
    })().finally(() => {
      restoring = null
    })
    return restoring
  }

  /**
   * Out of reach, timed out or busy: the same sign-in can work a moment later. (A refused
   * session is not among them: it was dropped, so `usableBackendSession()` stops the retry.)
   */
  function isPassing(failure: TcccError): boolean {
    return failure.action === 'check-network' || failure.action === 'retry'
  }

  function scheduleRestoreRetry(): void {
    if (restoreRetryTimer) clearTimeout(restoreRetryTimer)
    const delay = RESTORE_RETRY_MS[Math.min(restoreAttempts, RESTORE_RETRY_MS.length - 1)]
    restoreAttempts += 1
    restoreRetrying.value = true
    restoreRetryTimer = setTimeout(() => {
      restoreRetryTimer = null
      // The agent may have signed in by hand meanwhile, or be doing so now.
      if (status.value === 'signed-out' || status.value === 'offline') void restore()
    }, delay)
  }

  function stopRestoreRetry(): void {
    if (restoreRetryTimer) clearTimeout(restoreRetryTimer)
    restoreRetryTimer = null
    restoreAttempts = 0
    restoreRetrying.value = false
  }

  /**
   * App shown again: is the SDK registration alive? If not, re-register silently (offline: the
   * retry of the start's silent sign-in runs now instead of at its next turn). Never while a
   * call is live (or the SDK answers -10004, "in a call"): a re-login or sign-out would cut the
   * customer off, so the check waits for the call to end.
   */
  function recheck(): Promise<void> {
    // Offline from the cache, the app shown again (out of the lift): try to register now.
    if (status.value === 'offline') return restore().then(() => undefined)
    if (status.value !== 'signed-in') return Promise.resolve()
    if (callLive.value) {
      recheckAfterCall.value = true
      return Promise.resolve()
    }
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
        if (failure.code === IN_A_CALL_CODE || callLive.value) {
          recheckAfterCall.value = true
          return
        }
        if (isUnanswered(failure)) {
          console.warn('[session] checkLogin got no answer; checking again next time', failure.symbol)
          return
        }
      }
      if (status.value !== 'signed-in') return
      if (callLive.value) {
        recheckAfterCall.value = true
        return
      }
      await silentRelogin('token-expired')
    })().finally(() => {
      rechecking = null
    })
    return rechecking
  }

  /**
   * From the call store: whether a call is live. The deferred check runs as soon as the call is
   * over (ended or closed).
   */
  function setCallLive(live: boolean): void {
    // The tabs standing by ask before a sign-out there hangs this call up.
    if (holdsSeat && live !== callLive.value) tabs?.callState(holdsSeat, live)
    callLive.value = live
  }
  watch(callLive, (live) => {
    if (live) return
    if (renewAfterCall.value) {
      // The renewal re-registers anyway: no separate check.
      renewAfterCall.value = false
      recheckAfterCall.value = false
      void onTokenExpired()
      return
    }
    if (!recheckAfterCall.value) return
    recheckAfterCall.value = false
    void recheck()
  })

  /** SDK error 403: this account signed in elsewhere. Do not fight back with a silent login. */
  function onKicked(): void {
    if (status.value !== 'signed-in') return
    // Another tab of this browser registered this agent (it did not ask, or its answer came too
    // late): not a sign-in elsewhere. This tab stands by; the session is the other tab's too.
    const who = agent.value
    if (who && tabs?.heldElsewhere(agentKeyOf(who.userId))) {
      becomeElsewhere(who.userId)
      return
    }
    // Only this agent's own session is ended: another tab's agent keeps theirs (this agent's own
    // token, no longer stored then, is still revoked).
    const stored = ownStoredSession()
    if (stored) backendSessionStorage.clear()
    const own = stored?.accessToken ?? replacedOwnToken()
    if (own) revokeQuietly(own, backendUrl())
    // The agent's tabs standing by here learn it now, not at their next refused sync.
    if (who) tabs?.kickedOut(agentKeyOf(who.userId))
    becomeSignedOut('kicked', new TcccError('KICKED'))
  }

  /**
   * SDK -10002: renew the TCCC token once; if it comes straight back, sign out. During a call
   * (an SDK error event, or a mute, hold or key press refused) the renewal waits for the call to
   * end, as `recheck` does: a re-login, or a sign-out when the backend is out of reach, would cut
   * the customer off and leave the call unrecorded. `now: true` is for a command that cannot
   * succeed without it and ends or starts the call (dial, answer, hang up): renewed at once.
   */
  function onTokenExpired(options: { now?: boolean } = {}): Promise<boolean> {
    if (status.value !== 'signed-in') return Promise.resolve(false)
    if (renewing) return renewing
    if (callLive.value && !options.now) {
      renewAfterCall.value = true
      return Promise.resolve(false)
    }
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

  /**
   * The backend refused the stored access token outside a sign-in (the workspace sync got 401:
   * a backend restarted with a new signing key, the password changed, the agent removed). Tried
   * again with that token, as a renewal is: refused, the agent is signed out as session-expired
   * with the login page saying so, and the outbox waits for the next sign-in. After the call
   * when one is live.
   */
  function onBackendSessionEnded(): void {
    // Offline, the backend answered the sync: the next try now says whether the session holds.
    if (status.value === 'offline') {
      void restore()
      return
    }
    // Standing by, the holding tab renews the session: once the stored one is gone (that tab was
    // kicked, or its renewal refused) or another agent's, this tab's sync has nothing to send with.
    if (status.value === 'elsewhere') {
      if (!usableBackendSession() || !ownStoredSession()) becomeSignedOut('session-expired', new TcccError('SESSION_EXPIRED'))
      return
    }
    if (status.value !== 'signed-in') return
    if (callLive.value) {
      renewAfterCall.value = true
      return
    }
    renewing ??= silentRelogin('session-expired').finally(() => {
      renewing = null
    })
  }

  /** See `SignOutParticipant`; returns the way to leave again. */
  /** Runs `prepare` before every SDK login (e.g. loading the event router); returns a leave function. */
  function joinSignIn(prepare: () => Promise<void>): () => void {
    signInPreparations.add(prepare)
    return () => {
      signInPreparations.delete(prepare)
    }
  }

  function joinSignOut(participant: SignOutParticipant): () => void {
    signOutParticipants.add(participant)
    return () => {
      signOutParticipants.delete(participant)
    }
  }

  let signingOut: Promise<void> | null = null

  /**
   * Signs out of TCCC and the backend. Signed out already: nothing to do, and the reason on screen
   * (kicked, expired) stays. A second tap while one is under way joins it instead of logging out twice.
   */
  function signOut(): Promise<void> {
    if (status.value === 'signed-out') return Promise.resolve()
    signingOut ??= leave().finally(() => {
      signingOut = null
    })
    return signingOut
  }

  async function leave(): Promise<void> {
    // Offline the SDK is not registered, and the backend is likely out of reach: the revoke is
    // tried in the background, so the sign-out does not wait out a timeout.
    // Standing by (`elsewhere`) this tab is not registered either; the other tab's registration stays.
    const offline = status.value === 'offline' || status.value === 'elsewhere'
    leaves += 1
    stopRestoreRetry()
    for (const participant of [...signOutParticipants]) await participant.beforeLogout()
    // This agent's own session only: one another tab signed in since stays that tab's (this
    // agent's own token, no longer stored then, is still revoked).
    const ownSession = ownStoredSession()
    // Cleared first, so nothing can restore this session while we wait for the network.
    if (ownSession) backendSessionStorage.clear()
    const ownToken = ownSession?.accessToken ?? replacedOwnToken()
    const stored = ownToken ? { accessToken: ownToken } : null
    // The agent's other tabs of this browser go to the login page at once (their token is revoked).
    const userId = agent.value?.userId ?? elsewhereAgent.value
    if (userId) tabs?.signOut(agentKeyOf(userId))
    if (offline) {
      if (stored) revokeQuietly(stored.accessToken, backendUrl())
      becomeSignedOut('logged-out', null)
      return
    }
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
    lastSilentRenewalAt = null
    becomeSignedOut('logged-out', null)
  }

  /**
   * "Use here" (`elsewhere`): the registration moves to this tab. The holding tab gives it up
   * and stands by in turn; one with a live call refuses (`TAB_IN_CALL`, shown here) and keeps it.
   * A holder that went away (closed) does not answer: this tab takes the seat. Resolves whether
   * this tab registered.
   */
  async function useHere(): Promise<boolean> {
    const userId = elsewhereAgent.value
    if (status.value !== 'elsewhere' || !userId || takingOver.value) return false
    takingOver.value = true
    error.value = null
    try {
      const seat = agentKeyOf(userId)
      const agreement = await tabAgreement()
      const answer = agreement ? await agreement.takeOver(seat) : { kind: 'taken' as const }
      // Ended meanwhile (signed out, kicked, refused: the tabs' handlers signed this tab out as it was heard).
      if (status.value !== 'elsewhere') return false
      if (answer.kind === 'ended') {
        becomeEndedElsewhere(answer.how)
        return false
      }
      if (answer.kind === 'refused') {
        error.value = refusalError(answer.reason)
        holderOnCall.value = answer.reason === 'call'
        return false
      }
      holdsSeat = seat
      // The holder gave the registration up: a backend out of reach now opens the workspace offline
      // with the retry, as a start does, instead of the login page (nobody would be registered).
      mayOpenOffline = true
      // Signed out by its own failure, the other tabs standing by are told (`handOn`).
      return await restore()
    } finally {
      takingOver.value = false
    }
  }

  return {
    // state
    status,
    agent,
    lastUsername,
    error,
    signOutReason,
    recheckAfterCall,
    renewAfterCall,
    restoreRetrying,
    elsewhereAgent,
    holderLeft,
    holderFailure,
    takingOver,
    holderOnCall,
    // actions
    useHere,
    backendAccessToken,
    signIn,
    restore,
    recheck,
    signOut,
    joinSignIn,
    joinSignOut,
    setCallLive,
    // from the event router (SDK events)
    onKicked,
    onTokenExpired,
    onBackendSessionEnded,
  }
})
