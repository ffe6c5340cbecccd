/**
 * Programs the jest-mock `uni.request` of tests/setup/uni.ts for the backend clients' unit tests
 * (tokenClient, agentStatusClient, cccClient): canned answers, network failures, the last request sent.
 * Test-only (nothing in the app imports it).
 */
import { expect } from 'vitest'
import type { Mock } from 'jest-mock'
import { TcccError } from '@/platform/errors'

export type RequestOptions = UniNamespace.RequestOptions

export function requestMock(): Mock<(options: RequestOptions) => unknown> {
  return uni.request as unknown as Mock<(options: RequestOptions) => unknown>
}

/** Programs the mock `uni.request` to answer every call with this status and body. */
export function respond(statusCode: number, data: unknown): void {
  requestMock().mockImplementation((options) => {
    options.success?.({ statusCode, data: data as string, header: {}, cookies: [] })
    return { abort: () => undefined }
  })
}

export function failWith(errMsg: string): void {
  requestMock().mockImplementation((options) => {
    options.fail?.({ errMsg })
    return { abort: () => undefined }
  })
}

export function lastRequest(): RequestOptions {
  const calls = requestMock().mock.calls
  return calls[calls.length - 1][0]
}

/** The TcccError the promise rejects with (fails the test if it resolves or throws anything else). */
export async function rejection(promise: Promise<unknown>): Promise<TcccError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(TcccError)
    return error as TcccError
  }
  throw new Error('expected a rejection')
}
