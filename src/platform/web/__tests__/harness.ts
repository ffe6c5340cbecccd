/**
 * The fake Web SDK on a loopback server, and the adapter made over it, shared by web.test.ts and
 * the mutation-survivor test files next to it. Call setUpWebAdapter() once at the top of a test
 * file; sdk/events/origin are live bindings.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { fn } from 'jest-mock'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { encodeMockToken } from '@/platform/simulated/mockToken'
import type { LoginParams, TcccAgentSdk, TcccEvent } from '@/platform/types'
import type { RingtoneOutcome } from '../../ringtone'
import { createWebTcccAdapter, SDK_SCRIPT_MARKER, type WebTcccOptions, type WebTimers } from '../adapter'
import { DEFAULT_TCCC_SDK_HOSTS, type SdkUrlPolicy } from '../sdkUrl'
import type { TcccWebSdk } from '../webSdk'

// vitest runs from the repository root (import.meta.url is not a file: URL under happy-dom).
export const FAKE_SDK_PATH = resolve(process.cwd(), 'debug/fake-tccc-web-sdk.js')
export const SDK_APP_ID = 1400000001
export const AGENT = 'agent1@example.com'

export interface FakeSessionState {
  sessionId: string
  direction: 'in' | 'out'
  peer: string
  remark?: string
  uui?: string
  state: 'ringing' | 'active'
  muted: boolean
  dtmf: string
}

/** `window.__tcccWebFake`, as documented at the top of the fake. */
export interface WebFakeControls {
  answerOutbound(): string | null
  rejectOutbound(): string | null
  remoteHangup(): string | null
  adminHangup(mainReason?: string, subReason?: string): string | null
  timerHangup(): string | null
  incomingCall(options: { from: string; remark?: string; timeout?: number }): string | null
  autoTransfer(): string | null
  autoAnswerMs(ms: number | null): void
  expireToken(): void
  failNext(method: string, errorMsg?: string, code?: number): void
  ignoreNextMute(): void
  setMicMutedShape(shape: 'boolean' | 'response' | 'response-data'): void
  setBrowserSupported(supported: boolean): void
  setPayloadShape(shape: 'flat' | 'wrapped'): void
  emitRaw(event: string, payload: unknown): void
  log(): Array<{ method: string; args: unknown[] }>
  clearLog(): void
  listenerCount(event?: string): number
  state(): {
    loads: number
    ready: boolean
    tokenExpired: boolean
    status: string
    userId: string | null
    sdkAppId: number | null
    sessions: FakeSessionState[]
    listenerCount: number
  }
}

export type TestWindow = Window & {
  tccc?: TcccWebSdk
  __tcccWebFakeOptions?: Record<string, unknown>
  __tcccWebFake?: WebFakeControls
  __tcccWebFakeShared?: unknown
}
export const page = window as TestWindow

export let server: Server
export let origin = ''

export function tokenFor(userId = AGENT, expInSeconds = 600): string {
  return encodeMockToken({ sdkAppId: SDK_APP_ID, userId, exp: Math.floor(Date.now() / 1000) + expInSeconds })
}

/** What the token backend returns in mock mode, plus optional fake switches. */
export function loginParams(options: { userId?: string; token?: string; query?: string } = {}): LoginParams {
  const userId = options.userId ?? AGENT
  const token = options.token ?? tokenFor(userId)
  const query = options.query ? `&${options.query}` : ''
  return { sdkAppId: SDK_APP_ID, userId, token, sdkUrl: `${origin}/mock/tccc-sdk.js?token=${encodeURIComponent(token)}${query}` }
}

export function fake(): WebFakeControls {
  const controls = page.__tcccWebFake
  if (!controls) throw new Error('fake Web SDK not loaded')
  return controls
}

export function sdkScripts(): Element[] {
  return Array.from(document.querySelectorAll(`script[${SDK_SCRIPT_MARKER}]`))
}

/** Poll until `check` holds (events caused by SDK calls arrive a moment later, like the real SDK's). */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`timed out waiting for ${what}`)
}

export function sdkCalls(method: string): unknown[][] {
  return fake()
    .log()
    .filter((entry) => entry.method === method)
    .map((entry) => entry.args)
}

/** A timer the test fires by hand, so no test depends on how long anything takes. */
export function manualTimers(): WebTimers & { delays: number[]; fire(): void } {
  let pending: Array<() => void> = []
  const delays: number[] = []
  return {
    delays,
    setTimeout(run, ms) {
      pending.push(run)
      delays.push(ms)
      return pending.length
    },
    clearTimeout() {
      pending = []
    },
    fire() {
      const due = pending
      pending = []
      for (const run of due) run()
    },
  }
}

export let sdk: TcccAgentSdk
export let events: TcccEvent[]
export const ringtone = { start: fn<(url: string) => Promise<RingtoneOutcome>>(() => Promise.resolve('playing')), stop: fn<() => void>() }

/** The fake SDK on the test server's origin, as a mock backend's origin is in the app. */
export const testPolicy = (): SdkUrlPolicy => ({ hosts: DEFAULT_TCCC_SDK_HOSTS, mockOrigins: [origin] })

/** The adapter over the test server's fake SDK (create: the factory under test, default the adapter's own). */
export function makeSdk(options: WebTcccOptions = {}, create: (options: WebTcccOptions) => TcccAgentSdk = createWebTcccAdapter): TcccAgentSdk {
  sdk = create({ ringtone, sdkUrlPolicy: testPolicy(), ...options })
  events = []
  sdk.subscribe((event) => events.push(event))
  return sdk
}

export function eventsOf<T extends TcccEvent['type']>(type: T): Array<Extract<TcccEvent, { type: T }>> {
  return events.filter((e): e is Extract<TcccEvent, { type: T }> => e.type === type)
}

export async function signedIn(options: WebTcccOptions = {}): Promise<TcccAgentSdk> {
  makeSdk(options)
  await sdk.login(loginParams())
  fake().clearLog()
  return sdk
}

export async function outboundCall(to = '13800000000'): Promise<string> {
  await sdk.call({ to })
  const started = eventsOf('newSession').at(-1)
  if (!started) throw new Error('no newSession')
  return started.sessionId
}

export async function activeOutboundCall(): Promise<string> {
  const sessionId = await outboundCall()
  fake().answerOutbound()
  return sessionId
}

/** The test server that serves the fake SDK, and a clean page and ringtone before each test. */
export function setUpWebAdapter(): void {
  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      // Variants on the fake SDK's own path: the only path on this origin the allowlist lets in.
      const variant = url.searchParams.get('variant')
      if (url.pathname === '/mock/tccc-sdk.js' && !variant) {
        res.writeHead(200, { 'content-type': 'application/javascript' })
        res.end(readFileSync(FAKE_SDK_PATH, 'utf8'))
      } else if (variant === 'no-global') {
        res.writeHead(200, { 'content-type': 'application/javascript' })
        res.end('window.somethingElse = 1')
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' })
        res.end('not found')
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  beforeEach(() => {
    for (const script of sdkScripts()) script.remove()
    delete page.tccc
    delete page.__tcccWebFake
    delete page.__tcccWebFakeShared
    delete page.__tcccWebFakeOptions
    ringtone.start.mockClear()
    ringtone.stop.mockClear()
  })
  afterEach(() => {
    sdk?.dispose()
  })
}
