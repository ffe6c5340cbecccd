/**
 * The call and session stores against what the SDK documents (seeds 000/003, tccc-sdk.md) where
 * the simulator alone would not show it: hold and the microphone, the SDK's own reason for an
 * error end, `onError` codes outside the call screen's set, a kick the app did not see, a repeated
 * `onNewSession`, and a colleague calling this seat.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useCallStore } from '@/store/call'
import { useHistoryStore } from '@/store/history'
import { useNumbersStore } from '@/store/numbers'
import { useSessionStore } from '@/store/session'
import { useSyncStore } from '@/store/sync'
import { startEventRouter, stopEventRouter } from '@/store/eventRouter'
import { AGENT, PASSWORD, callsOf, installFakeBackend, loginSdk, methods, settle, setupCore, signedInOnCall, type Core } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))

let core: Core

beforeEach(() => {
  core = setupCore()
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})

async function activeCall(): Promise<ReturnType<typeof useCallStore>> {
  await loginSdk(core)
  const call = useCallStore()
  await call.placeCall({ to: '13800138000' })
  core.sim.answerOutbound()
  expect(call.state).toBe('active')
  return call
}

const micCommands = (): string[] => methods(core).filter((m) => m === 'mute' || m === 'unmute' || m === 'hold' || m === 'unhold')

describe('the microphone through hold (seed 000: hold mutes the agent, unhold "坐席取消静音")', () => {
  it('an agent who muted before the hold is muted again after the unhold', async () => {
    const call = await activeCall()
    await call.toggleMute()
    await call.toggleHold()
    await call.toggleHold()
    expect(call.muted).toBe(true)
    expect(micCommands()).toEqual(['mute', 'hold', 'unhold', 'mute'])
  })

  it('mute tapped on hold waits for the unhold; unmute tapped on hold leaves the microphone to the unhold', async () => {
    const call = await activeCall()
    await call.toggleHold()
    await expect(call.toggleMute()).resolves.toBe(true)
    expect(call.muted).toBe(true)
    expect(micCommands()).toEqual(['hold'])
    await call.toggleHold()
    expect(micCommands()).toEqual(['hold', 'unhold', 'mute'])
    await call.toggleHold()
    await call.toggleMute()
    await call.toggleHold()
    expect(call.muted).toBe(false)
    expect(micCommands()).toEqual(['hold', 'unhold', 'mute', 'hold', 'unhold'])
  })

  it('a mute the SDK refuses after the unhold shows the microphone open, with the error', async () => {
    const call = await activeCall()
    await call.toggleMute()
    await call.toggleHold()
    core.sim.failNext('mute', -1320)
    await expect(call.toggleHold()).resolves.toBe(true)
    expect(call.held).toBe(false)
    expect(call.muted).toBe(false)
    expect(call.error?.code).toBe(-1320)
  })

  it('mute tapped while the outbound call rings is applied when it is answered (the Web SDK refuses it before)', async () => {
    await loginSdk(core)
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    expect(call.state).toBe('ringing')
    await expect(call.toggleMute()).resolves.toBe(true)
    expect(call.muted).toBe(true)
    expect(callsOf(core, 'mute')).toHaveLength(0)
    core.sim.answerOutbound()
    await settle()
    expect(callsOf(core, 'mute')).toHaveLength(1)
    expect(call.muted).toBe(true)
    // Ended muted: the SDK's microphone is opened for the next call.
    core.sim.remoteHangup()
    await settle()
    expect(methods(core).at(-1)).toBe('unmute')
  })

  it('muted and unmuted again while it rang: nothing reaches the SDK, at the answer or the end', async () => {
    await loginSdk(core)
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    await call.toggleMute()
    await call.toggleMute()
    core.sim.answerOutbound()
    await settle()
    core.sim.remoteHangup()
    await settle()
    expect(callsOf(core, 'mute')).toHaveLength(0)
    expect(callsOf(core, 'unmute')).toHaveLength(0)
  })
})

describe('why a call ended with an error', () => {
  it("shows the SDK's reason message (seed 003: \"系统异常\" + reasonMessage)", async () => {
    const call = await activeCall()
    call.eventSink.apply({ type: 'ended', sessionId: call.sessionId as string, reason: 'error', message: 'trtc enter room failed' })
    expect(call.state).toBe('ended')
    expect(call.error?.localized('en')).toContain('trtc enter room failed')
    expect(call.error?.localized('zh')).toContain('trtc enter room failed')
  })

  it('an onError of the call just before a wordless error end explains it (487: the network broke)', async () => {
    const call = await activeCall()
    core.sim.deviceError(487, 'request terminated')
    // Not on screen while the call goes on.
    expect(call.error).toBeNull()
    call.eventSink.apply({ type: 'ended', sessionId: call.sessionId as string, reason: 'error', message: '' })
    expect(call.error?.code).toBe(487)
    expect(call.error?.action).toBe('check-network')
  })

  it('an onError long before the end is not taken as its cause', async () => {
    const call = await activeCall()
    core.sim.deviceError(487, 'request terminated')
    const later = Date.now() + 11_000
    vi.spyOn(Date, 'now').mockReturnValue(later)
    call.eventSink.apply({ type: 'ended', sessionId: call.sessionId as string, reason: 'error', message: '' })
    expect(call.error?.symbol).toBe('UNKNOWN')
    expect(call.error?.code).toBeUndefined()
  })

  it("the next call does not inherit the last call's onError", async () => {
    const call = await activeCall()
    core.sim.deviceError(487, 'request terminated')
    core.sim.remoteHangup()
    await settle()
    call.close()
    await call.placeCall({ to: '13900139000' })
    core.sim.answerOutbound()
    call.eventSink.apply({ type: 'ended', sessionId: call.sessionId as string, reason: 'error', message: '' })
    expect(call.error?.symbol).toBe('UNKNOWN')
  })
})

describe("a command's notice is not the call's failure", () => {
  const lastRecord = () => useHistoryStore().records[0]

  it('a hold refused once and then done clears its notice; the call the customer hung up is not "failed"', async () => {
    const call = await activeCall()
    core.sim.failNext('hold', 503)
    await expect(call.toggleHold()).resolves.toBe(false)
    expect(call.error?.code).toBe(503)
    await expect(call.toggleHold()).resolves.toBe(true)
    expect(call.error).toBeNull()
    core.sim.failNext('sendDTMF', 408)
    await expect(call.sendDigit('1')).resolves.toBe(false)
    expect(call.error?.code).toBe(408)
    core.sim.remoteHangup()
    expect([call.state, call.endReason, call.error]).toEqual(['ended', 'remote-bye', null])
    expect(lastRecord()).toMatchObject({ outcome: 'answered', endReason: 'remote-bye' })
    expect(lastRecord()).not.toHaveProperty('errorSymbol')
  })

  it("a microphone error the SDK reported is not cleared by another command's success", async () => {
    const call = await activeCall()
    core.sim.deviceError(-1302, 'mic occupied')
    expect(call.error?.code).toBe(-1302)
    await expect(call.toggleHold()).resolves.toBe(true)
    expect(call.error?.code).toBe(-1302)
  })

  it('an error end after a notice is explained by its own cause, not by the notice', async () => {
    const call = await activeCall()
    core.sim.failNext('sendDTMF', 503)
    await call.sendDigit('5')
    call.eventSink.apply({ type: 'ended', sessionId: call.sessionId as string, reason: 'error', message: 'trtc enter room failed' })
    expect(call.error?.localized('en')).toContain('trtc enter room failed')
    expect(lastRecord().errorSymbol).toBe(call.error?.symbol)
  })
})

describe('onError codes that say the login is gone (-10005, 400, 401, 407)', () => {
  it.each([-10005, 400, 401, 407])('%i while signed in and idle: checkLogin, then a silent re-login', async (code) => {
    installFakeBackend(core.clock)
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    core.sim.clearLog()
    await getLoggedOut()
    core.sim.deviceError(code, 'logged out')
    await vi.waitFor(() => expect(methods(core)).toEqual(['checkLogin', 'login']))
    expect(session.status).toBe('signed-in')
  })

  it('during a call the check waits for the call to end', async () => {
    installFakeBackend(core.clock)
    const { call } = await signedInOnCall(core)
    core.sim.clearLog()
    core.sim.deviceError(-10005, 'logged out')
    await settle()
    expect(methods(core)).not.toContain('checkLogin')
    await call.hangUp()
    await vi.waitFor(() => expect(methods(core)).toContain('checkLogin'))
  })
})

/** The SDK lost its login behind the app's back (what the codes above report). */
async function getLoggedOut(): Promise<void> {
  stopEventRouter()
  core.sim.kick()
  startEventRouter()
  // A kick answers checkLogin 403; an SDK that only lost its login answers -10005.
  core.sim.failNext('checkLogin', -10005)
}

describe('a kick the app did not see (in the background), then the check on show', () => {
  it('signs out as kicked and never logs in over the other device', async () => {
    installFakeBackend(core.clock)
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    stopEventRouter()
    core.sim.kick()
    startEventRouter()
    await session.recheck()
    await settle()
    expect(callsOf(core, 'login')).toHaveLength(1)
    expect(session.status).toBe('signed-out')
    expect(session.signOutReason).toBe('kicked')
  })
})

describe('sessions the SDK announces twice', () => {
  it('a repeated onNewSession of the ringing call is not a second caller nor a second record', async () => {
    await loginSdk(core)
    const call = useCallStore()
    const id = core.sim.incomingCall({ from: '13900139000' })
    expect(call.state).toBe('incoming')
    call.eventSink.apply({ type: 'newSession', sessionId: id, direction: 'in', peer: '13900139000' })
    expect(call.waiting).toEqual([])
    core.sim.remoteHangup()
    await settle()
    expect(useHistoryStore().records.filter((r) => r.number === '13900139000')).toHaveLength(1)
  })

  it('a repeat of a waiting caller or of a finished call changes nothing', async () => {
    const call = await activeCall()
    call.eventSink.apply({ type: 'newSession', sessionId: 'side-1', direction: 'in', peer: '13700137000' })
    call.eventSink.apply({ type: 'newSession', sessionId: 'side-1', direction: 'in', peer: '13700137000' })
    expect(call.waiting).toHaveLength(1)
    const finished = call.sessionId as string
    core.sim.remoteHangup()
    await settle()
    call.close()
    call.eventSink.apply({ type: 'newSession', sessionId: finished, direction: 'in', peer: '13800138000' })
    expect(call.state).toBe('idle')
  })
})

describe('a colleague calling this seat (internal session)', () => {
  it('rings and can be answered, and leaves no history row, number status or wrap-up', async () => {
    await loginSdk(core)
    const call = useCallStore()
    call.eventSink.apply({ type: 'newSession', sessionId: 'int-1', direction: 'in', peer: 'agent2@example.com', internal: true })
    expect(call.state).toBe('incoming')
    expect(call.peer).toBe('agent2@example.com')
    expect(call.internal).toBe(true)
    call.eventSink.apply({ type: 'accepted', sessionId: 'int-1' })
    call.eventSink.apply({ type: 'ended', sessionId: 'int-1', reason: 'remote-bye', message: '' })
    expect(call.state).toBe('ended')
    expect(useHistoryStore().records).toEqual([])
  })

  it('one ringing while the agent is on a customer call is shown, and not recorded as missed', async () => {
    const call = await activeCall()
    call.eventSink.apply({ type: 'newSession', sessionId: 'int-2', direction: 'in', peer: 'agent2@example.com', internal: true })
    expect(call.waiting.map((w) => w.number)).toEqual(['agent2@example.com'])
    core.sim.remoteHangup()
    await settle()
    call.eventSink.apply({ type: 'ended', sessionId: 'int-2', reason: 'timeout', message: '' })
    expect(useHistoryStore().records.map((r) => r.number)).toEqual(['13800138000'])
  })
})

describe('the backend ending the session behind the sync (a restart with a new signing key)', () => {
  it('a 401 on the workspace signs the agent out as session-expired; the unsent number goes out after the next sign-in', async () => {
    const backend = installFakeBackend(core.clock)
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    await vi.waitFor(() => expect(useSyncStore().state).toBe('synced'), { timeout: 5_000 })
    backend.expireSessions()
    const added = useNumbersStore().add('13800138123', '重启时加的')
    await vi.waitFor(() => expect(session.status).toBe('signed-out'), { timeout: 5_000 })
    expect(session.signOutReason).toBe('session-expired')
    expect(session.error?.symbol).toBe('SESSION_EXPIRED')
    expect(backend.workspace.record('number', added.id)).toBeUndefined()
    await session.signIn(AGENT.userId, PASSWORD)
    await vi.waitFor(() => expect(backend.workspace.record('number', added.id)?.data.number).toBe('13800138123'), { timeout: 5_000 })
  })

  it('during a call it waits for the call to end', async () => {
    const backend = installFakeBackend(core.clock)
    const session = useSessionStore()
    await session.signIn(AGENT.userId, PASSWORD)
    await vi.waitFor(() => expect(useSyncStore().state).toBe('synced'), { timeout: 5_000 })
    const call = useCallStore()
    await call.placeCall({ to: '13800138000' })
    core.sim.answerOutbound()
    backend.expireSessions()
    useNumbersStore().add('13800138124', '')
    await vi.waitFor(() => expect(useSyncStore().state).toBe('error'), { timeout: 5_000 })
    expect(session.status).toBe('signed-in')
    await call.hangUp()
    await vi.waitFor(() => expect(session.status).toBe('signed-out'), { timeout: 5_000 })
    expect(session.signOutReason).toBe('session-expired')
  })
})
