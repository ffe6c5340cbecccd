/**
 * The call state machine, pure: states, inputs and the one `transition` function. The call
 * store (`./call`) runs it and owns every effect (SDK commands, ringing, history).
 *
 * ```
 *            dial              outgoingSession             accepted
 *   idle ──────────► dialing ─────────────────► ringing ────────────► active
 *    │ ▲                │ dialFailed | ended       │ ended               │ ended
 *    │ │ close          ▼                          ▼                     ▼
 *    │ └──────────── ended ◄─────────────────────────────────────────────┘
 *    │                ▲  │ dial -> dialing, incomingSession -> incoming
 *    │ incomingSession│  │ (the next call may start from the ended screen)
 *    ▼                │
 *  incoming ── ended ─┘      incoming ── accepted ──► active
 * ```
 * Every other (state, input) pair is illegal: `transition` returns null and the store logs it
 * and changes nothing.
 */

export type CallState = 'idle' | 'dialing' | 'ringing' | 'incoming' | 'active' | 'ended'

/**
 * - dial: the agent placed a call; dialFailed: the SDK (or the permission check) refused it
 * - outgoingSession / incomingSession: the SDK reported the session (`newSession`)
 * - accepted: the peer (outbound) or the agent (incoming) answered
 * - ended: the session ended, for any reason; close: the agent left the ended call
 */
export type CallInput = 'dial' | 'dialFailed' | 'outgoingSession' | 'incomingSession' | 'accepted' | 'ended' | 'close'

export const CALL_STATES: readonly CallState[] = ['idle', 'dialing', 'ringing', 'incoming', 'active', 'ended']
export const CALL_INPUTS: readonly CallInput[] = ['dial', 'dialFailed', 'outgoingSession', 'incomingSession', 'accepted', 'ended', 'close']

const TRANSITIONS: Readonly<Record<CallState, Partial<Record<CallInput, CallState>>>> = {
  idle: { dial: 'dialing', incomingSession: 'incoming' },
  dialing: { outgoingSession: 'ringing', dialFailed: 'ended', ended: 'ended' },
  ringing: { accepted: 'active', ended: 'ended' },
  incoming: { accepted: 'active', ended: 'ended' },
  active: { ended: 'ended' },
  ended: { close: 'idle', dial: 'dialing', incomingSession: 'incoming' },
}

/** The next state, or null when the input is illegal in `from`. Pure. */
export function transition(from: CallState, input: CallInput): CallState | null {
  return TRANSITIONS[from][input] ?? null
}

const LIVE_STATES: ReadonlySet<CallState> = new Set(['dialing', 'ringing', 'incoming', 'active'])

/** A call is in progress (the screen stays on, sign-out hangs up first). */
export function isLiveState(state: CallState): boolean {
  return LIVE_STATES.has(state)
}
