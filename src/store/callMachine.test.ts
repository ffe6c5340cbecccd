import { describe, expect, it } from 'vitest'
import { CALL_INPUTS, CALL_STATES, isLiveState, transition, type CallInput, type CallState } from '@/store/callMachine'

/** The legal moves, written out independently of the implementation's table. */
const LEGAL: ReadonlyArray<[CallState, CallInput, CallState]> = [
  ['idle', 'dial', 'dialing'],
  ['idle', 'incomingSession', 'incoming'],
  ['dialing', 'outgoingSession', 'ringing'],
  ['dialing', 'dialFailed', 'ended'],
  ['dialing', 'ended', 'ended'],
  ['ringing', 'accepted', 'active'],
  ['ringing', 'ended', 'ended'],
  ['incoming', 'accepted', 'active'],
  ['incoming', 'ended', 'ended'],
  ['active', 'ended', 'ended'],
  ['ended', 'close', 'idle'],
  ['ended', 'dial', 'dialing'],
  ['ended', 'incomingSession', 'incoming'],
]

const legalKey = new Set(LEGAL.map(([from, input]) => `${from}|${input}`))
const ILLEGAL: Array<[CallState, CallInput]> = CALL_STATES.flatMap((from) =>
  CALL_INPUTS.filter((input) => !legalKey.has(`${from}|${input}`)).map((input): [CallState, CallInput] => [from, input]),
)

describe('call state machine: transition(from, input)', () => {
  it('covers every (state, input) pair exactly once', () => {
    expect(CALL_STATES).toHaveLength(6)
    expect(CALL_INPUTS).toHaveLength(7)
    expect(LEGAL.length + ILLEGAL.length).toBe(CALL_STATES.length * CALL_INPUTS.length)
  })

  it.each(LEGAL)('%s --%s--> %s', (from, input, to) => {
    expect(transition(from, input)).toBe(to)
  })

  it.each(ILLEGAL)('%s --%s--> rejected (null)', (from, input) => {
    expect(transition(from, input)).toBeNull()
  })

  it('never goes from dialing straight to active (a failed or unanswered dial cannot ring)', () => {
    expect(transition('dialing', 'accepted')).toBeNull()
    expect(transition('dialing', 'dialFailed')).toBe('ended')
  })
})

describe('isLiveState', () => {
  it.each(CALL_STATES.map((state): [CallState, boolean] => [state, ['dialing', 'ringing', 'incoming', 'active'].includes(state)]))(
    '%s -> %s',
    (state, live) => {
      expect(isLiveState(state)).toBe(live)
    },
  )
})
