import { beforeEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { TcccError } from '@/platform/errors'
import { useCallerNumbersStore } from '@/store/callerNumbers'
import { useSessionStore } from '@/store/session'
import { setupCore } from './__tests__/harness'
import { storage } from '../../tests/setup/uni'

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

const KEY = 'tccc.a.agent1%40example%2Ecom.callerNumber'

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

  it("keeps the choice under the agent's callerNumber key, and clears it for TCCC's default", async () => {
    const callers = useCallerNumbersStore()
    await signInAs('agent1@example.com')
    await callers.load()
    callers.choose('075512345678')
    expect(JSON.parse(storage.get(KEY) as string)).toEqual({ v: 1, data: '075512345678' })
    callers.choose('')
    expect(storage.has(KEY)).toBe(false)
  })

  it('ignores a stored choice that is not a number string', async () => {
    storage.set(KEY, JSON.stringify({ v: 1, data: 2000000000 }))
    const callers = useCallerNumbersStore()
    await signInAs('agent1@example.com')
    expect(callers.chosen).toBe('')
  })

  it('carries the stored choice while the list is not loaded yet, and none where the platform cannot pass it', async () => {
    storage.set(KEY, JSON.stringify({ v: 1, data: '02000000000' }))
    backend.fetchCallerNumbers = () => new Promise<string[]>(() => undefined) // never answers
    const callers = useCallerNumbersStore()
    await signInAs('agent1@example.com')
    expect(callers.numbers).toEqual([])
    expect(callers.effective).toBe('02000000000')
  })

  it('carries no caller number on a platform that cannot pass one, whatever was chosen before', async () => {
    const core = setupCore()
    core.sdk.capabilities.callerNumber = false
    storage.set(KEY, JSON.stringify({ v: 1, data: '02000000000' }))
    const callers = useCallerNumbersStore()
    await signInAs('agent1@example.com')
    expect(callers.chosen).toBe('02000000000')
    expect(callers.effective).toBe('')
    const fetches = vi.fn(() => Promise.resolve(['02000000000']))
    backend.fetchCallerNumbers = fetches
    await callers.load()
    expect(fetches).not.toHaveBeenCalled()
  })

  it('asks the backend once while a load is on its way', async () => {
    const callers = useCallerNumbersStore()
    await signInAs('agent1@example.com')
    await callers.load()
    let answer: (numbers: string[]) => void = () => undefined
    const fetches = vi.fn(() => new Promise<string[]>((resolve) => (answer = resolve)))
    backend.fetchCallerNumbers = fetches
    const first = callers.load()
    expect(callers.loading).toBe(true)
    await callers.load()
    expect(fetches).toHaveBeenCalledTimes(1)
    answer(['075512345678'])
    await first
    expect([callers.loading, callers.numbers]).toEqual([false, ['075512345678']])
  })

  it('forgets the agent and the list once signed out', async () => {
    const callers = useCallerNumbersStore()
    await signInAs('agent1@example.com')
    await callers.load()
    callers.choose('02000000000')
    const fetches = vi.fn(() => Promise.resolve(['02000000000']))
    backend.fetchCallerNumbers = fetches
    useSessionStore().status = 'signed-out'
    await Promise.resolve()
    expect([callers.chosen, callers.numbers]).toEqual(['', []])
    expect(fetches).not.toHaveBeenCalled()
  })

  it('picks up an agent already signed in when the store is first used', async () => {
    storage.set(KEY, JSON.stringify({ v: 1, data: '02000000000' }))
    await signInAs('agent1@example.com')
    const callers = useCallerNumbersStore()
    await Promise.resolve()
    expect(callers.chosen).toBe('02000000000')
    expect(callers.numbers).toEqual(['02000000000', '075512345678'])
  })

  it('logs, and keeps the choice for now, when it cannot be stored', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const callers = useCallerNumbersStore()
    await signInAs('agent1@example.com')
    await callers.load()
    vi.mocked(uni.setStorageSync).mockImplementationOnce(() => {
      throw new Error('quota')
    })
    callers.choose('02000000000')
    expect(callers.chosen).toBe('02000000000')
    expect(warn).toHaveBeenCalledWith('[callerNumbers] could not keep the choice', expect.any(Error))
    warn.mockRestore()
  })
})

describe('caller numbers while signed out (mutation survivors)', () => {
  it("choosing TCCC's default while nobody is signed in stores nothing and warns about nothing", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const callers = useCallerNumbersStore()
    callers.choose('')
    expect(callers.chosen).toBe('')
    expect(warn).not.toHaveBeenCalled()
    warn.mockRestore()
  })

  it('a choice while signed out (the dial page loaded the list) is stored for nobody and warns about nothing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const callers = useCallerNumbersStore()
    await callers.load()
    callers.choose('02000000000')
    expect(callers.chosen).toBe('02000000000')
    expect(storage.has(KEY)).toBe(false)
    expect(warn).not.toHaveBeenCalled()
    warn.mockRestore()
  })
})

describe('caller numbers across agents on one phone', () => {
  it("drops a list still on its way at sign-out: the next agent loads their own and never sees the previous agent's", async () => {
    const answers: Array<(numbers: string[]) => void> = []
    const fetches = vi.fn(() => new Promise<string[]>((resolve) => answers.push(resolve)))
    backend.fetchCallerNumbers = fetches
    const callers = useCallerNumbersStore()
    await signInAs('agent1@example.com')
    expect(callers.loading).toBe(true)
    useSessionStore().status = 'signed-out'
    await Promise.resolve()
    expect(callers.loading).toBe(false)

    await signInAs('agent2@example.com')
    // agent2's sign-in asks again instead of waiting on agent1's request.
    expect(fetches).toHaveBeenCalledTimes(2)
    answers[0](['075500000001'])
    await Promise.resolve()
    await Promise.resolve()
    expect(callers.numbers).toEqual([])
    expect(callers.loading).toBe(true)
    answers[1](['02000000002'])
    await Promise.resolve()
    await Promise.resolve()
    expect([callers.numbers, callers.loading]).toEqual([['02000000002'], false])
  })

  it("drops a failure of the previous agent's request too", async () => {
    let fail: (error: Error) => void = () => undefined
    backend.fetchCallerNumbers = () => new Promise<string[]>((_, reject) => (fail = reject))
    const callers = useCallerNumbersStore()
    await signInAs('agent1@example.com')
    useSessionStore().status = 'signed-out'
    await Promise.resolve()
    backend.fetchCallerNumbers = () => Promise.resolve(['02000000002'])
    await signInAs('agent2@example.com')
    fail(new TcccError('TCCC_REFUSED', 'HTTP 502'))
    await Promise.resolve()
    await Promise.resolve()
    expect([callers.error, callers.numbers, callers.loading]).toEqual([null, ['02000000002'], false])
  })

})
