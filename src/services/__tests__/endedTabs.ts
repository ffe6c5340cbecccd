/**
 * Tabs' agreements that end with the test that opened them: a tab left running (its look at the
 * holders every HEARTBEAT_MS, over the one shared storage) would otherwise take a later test's
 * holder, on another bus and so silent to it, for a dead one, or change its count of timers.
 */
import { afterEach } from 'vitest'
import { createTabRegistration, type TabRegistration } from '@/services/tabRegistration'

const opened: TabRegistration[] = []
afterEach(() => {
  for (const registration of opened.splice(0)) registration.stop()
})

/** `createTabRegistration`, stopped after the current test. */
export function tabRegistrationForTest(...args: Parameters<typeof createTabRegistration>): TabRegistration {
  const registration = createTabRegistration(...args)
  opened.push(registration)
  return registration
}
