import { afterEach, describe, expect, it, vi } from 'vitest'
import { storage } from '../../tests/setup/uni'
import { agentAudioOutput } from '@/services/audioPreference'

const KEY = 'tccc.a.agent1%40example%2Ecom.audioOutput'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('agentAudioOutput', () => {
  it("keeps each agent's choice under the agent's own workspace key", () => {
    agentAudioOutput('Agent1@example.com').save('bluetooth')
    expect(JSON.parse(storage.get(KEY) as string)).toEqual({ v: 1, data: 'bluetooth' })
    expect(agentAudioOutput('agent1@example.com').load()).toBe('bluetooth')
    expect(agentAudioOutput('agent2@example.com').load()).toBeNull()
  })

  it.each(['earpiece', 'speaker', 'wired', 'bluetooth'])('reads a stored %s back', (output) => {
    storage.set(KEY, JSON.stringify({ v: 1, data: output }))
    expect(agentAudioOutput('agent1@example.com').load()).toBe(output)
  })

  it('reads a stored null as no choice, without a warning', () => {
    const warn = vi.spyOn(console, 'warn')
    agentAudioOutput('agent1@example.com').save(null)
    expect(agentAudioOutput('agent1@example.com').load()).toBeNull()
    expect(warn).not.toHaveBeenCalled()
  })

  it.each([
    ['an unknown output', 'headphones'],
    ['an empty name', ''],
    ['a number', 1],
    ['a list', ['speaker']],
  ])('reads %s as no choice (and warns)', (_name, data) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    storage.set(KEY, JSON.stringify({ v: 1, data }))
    expect(agentAudioOutput('agent1@example.com').load()).toBeNull()
    expect(warn).toHaveBeenCalledWith(`[storage] ${KEY} has an unexpected shape; using the default`)
  })
})
