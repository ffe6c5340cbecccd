/**
 * Programs the jest-mock `uni.request` of tests/setup/uni.ts for the backend clients' unit tests
 * (tokenClient, agentStatusClient, cccClient): canned answers, network failures, the last request sent.
 * Test-only (nothing in the app imports it).
 */
import type { Mock } from 'jest-mock'
export { rejection } from '@/platform/__tests__/rejection'

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

