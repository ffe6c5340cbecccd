/**
 * The TcccError a promise rejects with (fails the test if it resolves or throws anything else).
 * Test-only; at the platform layer so platform and services tests share it without an upward import.
 */
import { expect } from 'vitest'
import { TcccError } from '@/platform/errors'

export async function rejection(promise: Promise<unknown>): Promise<TcccError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(TcccError)
    return error as TcccError
  }
  throw new Error('expected the promise to reject')
}
