/**
 * Deadlines for SDK commands that answer through a callback. The uni-app SDK's `login`,
 * `checkLogin`, `logout`, `call`, `answer` and `sendDTMF` report through `(code, message)`;
 * when that callback never comes (the demo even passes `null` to some, a dead connection, a
 * native bug) the promise would hang the page that awaits it. Each gets a bound instead.
 */
import { TcccError } from './errors'

export type CallbackCommand = 'login' | 'checkLogin' | 'logout' | 'call' | 'answer' | 'sendDTMF'

/**
 * Milliseconds each command may take. login covers the Web SDK's own 15 s ready wait plus the
 * script; logout is short because sign-out must finish even when the SDK is gone.
 */
export const COMMAND_DEADLINE_MS: Readonly<Record<CallbackCommand, number>> = {
  login: 20_000,
  checkLogin: 10_000,
  logout: 5_000,
  call: 15_000,
  answer: 10_000,
  sendDTMF: 5_000,
}

export interface DeadlineTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemTimers: DeadlineTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
}

/** `pending`, or `SDK_NO_RESPONSE` once `ms` passed without it settling. */
export function withDeadline<T>(
  command: CallbackCommand,
  pending: Promise<T>,
  ms: number = COMMAND_DEADLINE_MS[command],
  timers: DeadlineTimers = systemTimers,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = timers.setTimeout(() => reject(new TcccError('SDK_NO_RESPONSE', `${command}: no callback within ${ms} ms`)), ms)
    pending.then(
      (value) => {
        timers.clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        timers.clearTimeout(timer)
        reject(error)
      },
    )
  })
}
