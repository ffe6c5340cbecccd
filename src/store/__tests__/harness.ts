/**
 * Test harness for the workstation and the C stores: a fresh pinia, the simulated TCCC on a
 * manual clock as the platform, and a fake token backend behind the jest-mock `uni.request`.
 * Test-only (nothing in the app imports it).
 */
import { vi } from 'vitest'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { Mock } from 'jest-mock'
import { createManualClock, createSimulatedTccc, encodeMockToken, type ManualClock, type SimulatedTccc, type SimulatedTcccOptions } from '@/platform/simulated/index'
import { getWorkstation, setWorkstationPlatform } from '@/services/workstation'
import { FakeWorkspaceServer } from '@/services/__tests__/fakeWorkspace'
import { startEventRouter } from '@/store/eventRouter'
import { useCallStore } from '@/store/call'
import { useSessionStore } from '@/store/session'
import { useSyncStore } from '@/store/sync'

export const AGENT = { userId: 'agent1@example.com', sdkAppId: 1400000001 } as const
export const PASSWORD = 'agent1-pass'

export interface Core {
  pinia: Pinia
  clock: ManualClock
  sdk: SimulatedTccc
  sim: SimulatedTccc['sim']
}

export function setupCore(options: Omit<SimulatedTcccOptions, 'clock'> = {}): Core {
  const pinia = createPinia()
  setActivePinia(pinia)
  startEventRouter()
  const clock = createManualClock()
  const sdk = createSimulatedTccc({ ...options, clock })
  setWorkstationPlatform(sdk)
  return { pinia, clock, sdk, sim: sdk.sim }
}

/** A valid mock TCCC token for the simulator's clock. */
export function tcccTokenFor(clock: ManualClock, userId: string = AGENT.userId, lifetimeSec = 600): string {
  return encodeMockToken({ sdkAppId: AGENT.sdkAppId, userId, exp: Math.floor(clock.now() / 1000) + lifetimeSec })
}

/** Logs the agent into the simulator directly (call-store tests need no session). */
export async function loginSdk(core: Core): Promise<void> {
  await getWorkstation().login({ ...AGENT, token: tcccTokenFor(core.clock) })
}

/**
 * Signed in through the session store (install the fake backend first), then on an outbound
 * call the far end answered.
 */
export async function signedInOnCall(core: Core, to = '13800138000') {
  const session = useSessionStore()
  await session.signIn(AGENT.userId, PASSWORD)
  const call = useCallStore()
  await call.placeCall({ to })
  core.sim.answerOutbound()
  return { session, call }
}

/** The SDK method names the app called, in order. */
export function methods(core: Core): string[] {
  return core.sim.log().map((entry) => entry.method)
}

export function callsOf(core: Core, method: string): unknown[][] {
  return core.sim
    .log()
    .filter((entry) => entry.method === method)
    .map((entry) => entry.args)
}

/** Lets every queued microtask (simulator events, awaited commands) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve()
}

// ---- a fake token backend over the mock uni.request -----------------------------------------

type RequestOptions = UniNamespace.RequestOptions

export interface FakeBackend {
  /** Every request: path and whether it carried a Bearer token (never the token itself). */
  readonly requests: Array<{ path: string; bearer: string | null }>
  /** Revoke every access token: /api/tccc/token answers 401 from now on. */
  expireSessions(): void
  /** Network down: every request fails like uni.request does. */
  setReachable(reachable: boolean): void
  /** The next /api/tccc/token answers this status and body. */
  failNextToken(statusCode: number, body: unknown): void
  readonly issuedAccessTokens: string[]
  readonly issuedTcccTokens: string[]
  /** The agent's workspace on this fake backend (docs/WORKSPACE_API.md). */
  readonly workspace: FakeWorkspaceServer
  /** The seat status the fake backend holds (GET/PUT /api/agent/status, as TCCC would). */
  seat: { status: string; restReason?: string }
  /** The next /api/agent/status answers this status and body. */
  failNextStatus(statusCode: number, body: unknown): void
  /** Bodies of every PUT /api/agent/status. */
  readonly statusPuts: unknown[]
  /** The workspace id the sign-in answers with (none, like a backend before it had one, when null). */
  workspaceId: string | null
  /** The `sdkUrl` /api/tccc/token answers with (the Web SDK's script; '' as a mock backend for the simulator). */
  sdkUrl: string
  /** The seat's workspace set aside (its agent removed) and a new, empty one for the next agent. */
  newWorkspace(): void
  /**
   * As the backend counts them: the agent's wrong passwords since the report the app last
   * confirmed, told (with the report's `id`) by every sign-in's `signInFailures` until the app
   * confirms it as told (`/api/auth/sign-in-failures/ack`), which resets it and starts the next
   * report; `locked` says a limit held the username.
   */
  failures: { failures: number; lastFailureAt: number | null; locked: boolean }
  /** The bodies of the confirmations the app sent. */
  acks: unknown[]
  /** The next sign-in is processed (a session, the report told) but its answer never arrives. */
  loseNextLoginAnswer(): void
  /** The next confirmation is answered 503. */
  failNextAck(): void
}

export function installFakeBackend(clock: ManualClock): FakeBackend {
  const live = new Set<string>()
  const requests: FakeBackend['requests'] = []
  const issuedAccessTokens: string[] = []
  const issuedTcccTokens: string[] = []
  let reachable = true
  let nextTokenFailure: { statusCode: number; body: unknown } | null = null
  let counter = 0
  let workspace = new FakeWorkspaceServer()
  const statusPuts: unknown[] = []
  let nextStatusFailure: { statusCode: number; body: unknown } | null = null
  let reportId = 1
  let loseLoginAnswer = false
  let ackFailure = false
  const acks: unknown[] = []

  const request = uni.request as unknown as Mock<(options: RequestOptions) => unknown>
  request.mockImplementation((options) => {
    const path = options.url.replace(/^https?:\/\/[^/]+/, '')
    const auth = (options.header as Record<string, string> | undefined)?.Authorization ?? ''
    const bearer = auth.startsWith('Bearer ') ? auth.slice(7) : null
    requests.push({ path, bearer })
    const reply = (statusCode: number, data: unknown) =>
      queueMicrotask(() => options.success?.({ statusCode, data: data as string, header: {}, cookies: [] }))
    if (!reachable) {
      queueMicrotask(() => options.fail?.({ errMsg: 'request:fail net::ERR_CONNECTION_REFUSED' }))
      return { abort: () => undefined }
    }
    if (path === '/api/auth/login') {
      const body = options.data as { username?: string; password?: string }
      if (body.username !== AGENT.userId || body.password !== PASSWORD) {
        if (body.username === AGENT.userId) fake.failures = { ...fake.failures, failures: fake.failures.failures + 1, lastFailureAt: clock.now() }
        reply(401, { error: { code: 'BAD_CREDENTIALS', message: 'Wrong username or password' } })
      } else {
        const accessToken = `acc-${++counter}`
        live.add(accessToken)
        issuedAccessTokens.push(accessToken)
        const { failures, locked } = fake.failures
        const signInFailures = failures > 0 || locked ? { ...fake.failures, id: String(reportId) } : fake.failures
        if (loseLoginAnswer) {
          loseLoginAnswer = false
          queueMicrotask(() => options.fail?.({ errMsg: 'request:fail timeout' }))
          return { abort: () => undefined }
        }
        reply(200, { accessToken, expiresIn: 3600, agent: { ...AGENT, ...(fake.workspaceId ? { workspaceId: fake.workspaceId } : {}) }, signInFailures })
      }
    } else if (path === '/api/auth/sign-in-failures/ack') {
      const told = options.data as { id?: string; failures?: number; locked?: boolean }
      acks.push(told)
      if (ackFailure) {
        ackFailure = false
        reply(503, { error: { code: 'SERVER_BUSY', message: 'busy' } })
      } else if (!bearer || !live.has(bearer)) reply(401, { error: { code: 'SESSION_EXPIRED', message: 'Session expired' } })
      else {
        if (told.id === String(reportId) && told.failures === fake.failures.failures && told.locked === fake.failures.locked) {
          fake.failures = { failures: 0, lastFailureAt: null, locked: false }
          reportId += 1
        }
        reply(204, '')
      }
    } else if (path === '/api/tccc/token') {
      if (nextTokenFailure) {
        reply(nextTokenFailure.statusCode, nextTokenFailure.body)
        nextTokenFailure = null
      } else if (!bearer || !live.has(bearer)) {
        reply(401, { error: { code: 'SESSION_EXPIRED', message: 'Session expired' } })
      } else {
        const token = tcccTokenFor(clock)
        issuedTcccTokens.push(token)
        reply(200, { ...AGENT, token, expiresAt: Math.floor(clock.now() / 1000) + 600, sdkUrl: fake.sdkUrl })
      }
    } else if (path.startsWith('/api/workspace/changes')) {
      if (!bearer || !live.has(bearer)) reply(401, { error: { code: 'SESSION_EXPIRED', message: 'Session expired' } })
      else if (options.method === 'GET') {
        const query = new URLSearchParams(path.split('?')[1] ?? '')
        reply(200, workspace.pull(query.get('since') ?? '0', Number(query.get('limit') ?? 1000)))
      } else reply(200, { results: workspace.push((options.data as { changes: Parameters<FakeWorkspaceServer['push']>[0] }).changes) })
    } else if (path.startsWith('/api/workspace/reconcile?')) {
      if (!bearer || !live.has(bearer)) reply(401, { error: { code: 'SESSION_EXPIRED', message: 'Session expired' } })
      else reply(200, workspace.reconcileFloor(Number(new URLSearchParams(path.split('?')[1]).get('since'))))
    } else if (path === '/api/workspace/reconcile') {
      if (!bearer || !live.has(bearer)) reply(401, { error: { code: 'SESSION_EXPIRED', message: 'Session expired' } })
      else reply(200, workspace.reconcile((options.data as { records: Parameters<FakeWorkspaceServer['reconcile']>[0] }).records))
    } else if (path === '/api/agent/status') {
      if (nextStatusFailure) {
        reply(nextStatusFailure.statusCode, nextStatusFailure.body)
        nextStatusFailure = null
      } else if (!bearer || !live.has(bearer)) reply(401, { error: { code: 'SESSION_EXPIRED', message: 'Session expired' } })
      else if (options.method === 'PUT') {
        statusPuts.push(options.data)
        fake.seat = { ...(options.data as { status: string; restReason?: string }) }
        reply(200, fake.seat)
      } else reply(200, fake.seat)
    } else if (path === '/api/auth/logout') {
      if (bearer) live.delete(bearer)
      reply(204, '')
    } else {
      reply(404, { error: { code: 'NOT_FOUND', message: 'no route' } })
    }
    return { abort: () => undefined }
  })

  const fake: FakeBackend = {
    seat: { status: 'free' },
    statusPuts,
    failNextStatus: (statusCode, body) => {
      nextStatusFailure = { statusCode, body }
    },
    requests,
    get workspace() {
      return workspace
    },
    newWorkspace: () => {
      workspace = new FakeWorkspaceServer()
    },
    issuedAccessTokens,
    issuedTcccTokens,
    expireSessions: () => live.clear(),
    setReachable: (value) => {
      reachable = value
    },
    failNextToken: (statusCode, body) => {
      nextTokenFailure = { statusCode, body }
    },
    workspaceId: null,
    sdkUrl: '',
    failures: { failures: 0, lastFailureAt: null, locked: false },
    acks,
    loseNextLoginAnswer: () => {
      loseLoginAnswer = true
    },
    failNextAck: () => {
      ackFailure = true
    },
  }
  return fake
}

/**
 * The session tests' start (offline start, browser tabs): the simulated core and a fake backend
 * whose sign-in names the workspace `ws-1`, so the session can open the agent's cache.
 */
export function coreWithWorkspace(): { core: Core; backend: FakeBackend } {
  const core = setupCore()
  const backend = installFakeBackend(core.clock)
  backend.workspaceId = 'ws-1'
  return { core, backend }
}

/** After such a test: the sync engine is one per app, so the next test must not find this one's agent open. */
export function closeSyncAndRestore(): void {
  useSyncStore().close()
  vi.useRealTimers()
  vi.restoreAllMocks()
}
