/** The backend's one error type: answered as `{error:{code,message,...extra}}` with its status. */
export type ErrorCode =
  | 'BAD_REQUEST'
  /** A JSON body with a key that could reach an object's prototype (`__proto__`, `constructor.prototype`). */
  | 'FORBIDDEN_KEY'
  | 'BAD_CREDENTIALS'
  | 'RATE_LIMITED'
  | 'UNAUTHORIZED'
  | 'SESSION_EXPIRED'
  | 'TCCC_REFUSED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'REQUEST_TIMEOUT'
  | 'SERVER_BUSY'
  | 'INTERNAL'

/** An error answered as `{error:{code,message,...extra}}` with its HTTP status. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message)
  }
}
