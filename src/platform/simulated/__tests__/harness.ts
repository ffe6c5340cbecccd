/**
 * The simulated TCCC set up for each test (a manual clock, the events it sends), shared by
 * simulated.test.ts and the mutation-survivor test files next to it. Call setUpSimulated() once
 * at the top of a test file; clock/sdk/events/seats are live bindings renewed before each test.
 */
import { beforeEach } from 'vitest'
import type { Mock } from 'jest-mock'
import type { TcccEvent } from '../../types'
import { createManualClock, createSimulatedTccc, encodeMockToken, type ManualClock, type SimulatedTccc } from '../index'

export const SDK_APP_ID = 1400000001
export const USER = 'agent1@example.com'

export let clock: ManualClock
export let sdk: SimulatedTccc
export let events: TcccEvent[]

export function tokenFor(over: Partial<{ sdkAppId: number; userId: string; exp: number }> = {}): string {
  return encodeMockToken({ sdkAppId: SDK_APP_ID, userId: USER, exp: Math.floor(clock.now() / 1000) + 3600, ...over })
}

export async function signIn(): Promise<void> {
  await sdk.login({ sdkAppId: SDK_APP_ID, userId: USER, token: tokenFor() })
}

export interface FakeAudio {
  src: string
  loop: boolean
  play: Mock
  stop: Mock
  destroy: Mock
}

/** The audio contexts the ringtone player created (tests/setup/uni.ts mocks the factory). */
export function audioContexts(): FakeAudio[] {
  const factory = uni.createInnerAudioContext as unknown as Mock<() => FakeAudio>
  return factory.mock.results.map((r) => r.value as FakeAudio)
}

export function types(): string[] {
  return events.map((e) => e.type)
}

export function ended(): Extract<TcccEvent, { type: 'ended' }>[] {
  return events.filter((e): e is Extract<TcccEvent, { type: 'ended' }> => e.type === 'ended')
}

/** Seat status changes, kept apart so the call tests read only call events. */
export let seats: Array<Extract<TcccEvent, { type: 'agentStatus' }>>

export function setUpSimulated(): void {
  beforeEach(() => {
    clock = createManualClock()
    sdk = createSimulatedTccc({ clock })
    events = []
    seats = []
    sdk.subscribe((e) => (e.type === 'agentStatus' ? seats.push(e) : events.push(e)))
  })
}
