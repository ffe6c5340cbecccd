import { beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { TcccError } from '@/platform/errors'
import { useCallerNumbersStore } from '@/store/callerNumbers'
import { useSessionStore } from '@/store/session'
import { setupCore } from './__tests__/harness'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))
const backend = vi.hoisted(() => ({ fetchCallerNumbers: null as unknown as () => Promise<string[]> }))
vi.mock('@/services/cccClient', () => ({ fetchCallerNumbers: () => backend.fetchCallerNumbers(), connectBackend: () => {} }))

beforeEach(() => {
  setupCore()
  backend.fetchCallerNumbers = fn(() => Promise.resolve(['02000000000', '075512345678']))
})

async function signInAs(userId: string): Promise<void> {
  const session = useSessionStore()
  session.agent = { userId, sdkAppId: 1400000001 }
  session.status = 'signed-in'
  await Promise.resolve()
}

describe('caller numbers', () => {
  it('loads the business numbers and keeps each agent own choice across sign-ins', async () => {
    const callers = useCallerNumbersStore()
    await signInAs('agent1@example.com')
    // Loaded at sign-in, without the dial page asking.
    await Promise.resolve()
    expect(callers.numbers).toEqual(['02000000000', '075512345678'])
    callers.choose('075512345678')

    await signInAs('agent2@example.com')
    expect(callers.chosen).toBe('')
    await signInAs('agent1@example.com')
    expect(callers.chosen).toBe('075512345678')
    callers.choose('')
    await signInAs('agent2@example.com')
    await signInAs('agent1@example.com')
    expect(callers.chosen).toBe('')
  })

  it('keeps the load failure to show it, and the choice stays usable', async () => {
    const callers = useCallerNumbersStore()
    await signInAs('agent1@example.com')
    await callers.load()
    callers.choose('02000000000')
    backend.fetchCallerNumbers = () => Promise.reject(new TcccError('TCCC_REFUSED', 'HTTP 502'))
    await callers.load()
    expect(callers.error?.symbol).toBe('TCCC_REFUSED')
    expect(callers.effective).toBe('02000000000')
  })
})
