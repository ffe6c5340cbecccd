/**
 * DEVELOPMENT ONLY. Signs Tencent Cloud API requests (TC3-HMAC-SHA256) with Web Crypto and calls
 * CreateSDKLoginToken directly from the device, so a developer can get a TCCC token without the
 * token backend. It needs the SecretKey on the device: never in a release build (the release
 * check looks for TOKEN_GENERATOR_MARKER), never with production secrets on a shared device.
 * Works wherever `globalThis.crypto.subtle` and `fetch` exist (browsers, Node 20).
 */

/** Unique string the release check (scripts/check-release.mjs) searches the bundles for. */
export const TOKEN_GENERATOR_MARKER = 'TCCC_DEBUG_TOKEN_GENERATOR'

const ALGORITHM = 'TC3-HMAC-SHA256'
const encoder = new TextEncoder()

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (!s) throw new Error('Web Crypto (crypto.subtle) is not available here: use a browser on https or localhost')
  return s
}

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** UTF-8 bytes in a plain ArrayBuffer (what every Web Crypto typing accepts). */
function utf8(text: string): ArrayBuffer {
  const view = encoder.encode(text)
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer
}

async function sha256Hex(message: string): Promise<string> {
  return toHex(await subtle().digest('SHA-256', utf8(message)))
}

async function hmacSha256(key: ArrayBuffer, message: string): Promise<ArrayBuffer> {
  const cryptoKey = await subtle().importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return subtle().sign('HMAC', cryptoKey, utf8(message))
}

/** The UTC date (YYYY-MM-DD) of a unix timestamp, as the credential scope wants it. */
export function utcDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10)
}

export interface Tc3Input {
  secretId: string
  secretKey: string
  /** The product, e.g. 'ccc'. */
  service: string
  /** Host name only (no port): what Tencent Cloud and its SDKs sign. */
  host: string
  /** Unix seconds; also sent as X-TC-Timestamp. */
  timestamp: number
  /** The exact request body. */
  payload: string
  contentType?: string
  method?: 'POST' | 'GET'
  path?: string
  query?: string
}

export interface Tc3Signature {
  authorization: string
  signature: string
  canonicalRequest: string
  stringToSign: string
  credentialScope: string
}

/** TC3-HMAC-SHA256 as documented by Tencent Cloud (signed headers: content-type;host). */
export async function signTc3(input: Tc3Input): Promise<Tc3Signature> {
  const method = input.method ?? 'POST'
  const contentType = input.contentType ?? 'application/json'
  const signedHeaders = 'content-type;host'
  const canonicalHeaders = `content-type:${contentType.toLowerCase()}\nhost:${input.host.toLowerCase()}\n`
  const canonicalRequest = [method, input.path ?? '/', input.query ?? '', canonicalHeaders, signedHeaders, await sha256Hex(input.payload)].join('\n')
  const date = utcDate(input.timestamp)
  const credentialScope = `${date}/${input.service}/tc3_request`
  const stringToSign = [ALGORITHM, String(input.timestamp), credentialScope, await sha256Hex(canonicalRequest)].join('\n')

  const secretDate = await hmacSha256(utf8(`TC3${input.secretKey}`), date)
  const secretService = await hmacSha256(secretDate, input.service)
  const secretSigning = await hmacSha256(secretService, 'tc3_request')
  const signature = toHex(await hmacSha256(secretSigning, stringToSign))
  const authorization = `${ALGORITHM} Credential=${input.secretId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
  return { authorization, signature, canonicalRequest, stringToSign, credentialScope }
}

export interface CreateSdkLoginTokenParams {
  secretId: string
  secretKey: string
  sdkAppId: number
  /** The agent (seat) account, usually an e-mail address. */
  seatUserId: string
  /** Host[:port] of the CCC API; default ccc.tencentcloudapi.com. */
  endpoint?: string
  region?: string
  /** Unix seconds; default now. */
  timestamp?: number
  /** 'https://' unless testing against a local fake. */
  protocol?: 'https://' | 'http://'
  /** Default globalThis.fetch. */
  fetch?: typeof fetch
}

export interface SdkLoginToken {
  token: string
  /** Unix seconds. */
  expiredTime: number
  sdkUrl: string
  requestId: string
}

/** TCCC answered with an error, or could not be reached (code 'NetworkError' / 'HttpError'). */
export class TcccApiError extends Error {
  override name = 'TcccApiError'
  constructor(
    readonly code: string,
    message: string,
    readonly requestId = '',
  ) {
    super(message)
  }
}

interface ApiResponse {
  Response?: {
    Error?: { Code?: string; Message?: string }
    RequestId?: string
    Token?: string
    ExpiredTime?: number
    SdkURL?: string
  }
}

/** Calls ccc 2020-02-10 CreateSDKLoginToken directly (no relay) and returns the token and SdkURL. */
export async function createSdkLoginToken(params: CreateSdkLoginTokenParams): Promise<SdkLoginToken> {
  const endpoint = params.endpoint ?? 'ccc.tencentcloudapi.com'
  const timestamp = params.timestamp ?? Math.floor(Date.now() / 1000)
  const payload = JSON.stringify({ SdkAppId: params.sdkAppId, SeatUserId: params.seatUserId })
  const contentType = 'application/json'
  const { authorization } = await signTc3({
    secretId: params.secretId,
    secretKey: params.secretKey,
    service: 'ccc',
    host: endpoint.replace(/:\d+$/, ''),
    timestamp,
    payload,
    contentType,
  })
  const headers: Record<string, string> = {
    Authorization: authorization,
    'Content-Type': contentType,
    'X-TC-Action': 'CreateSDKLoginToken',
    'X-TC-Version': '2020-02-10',
    'X-TC-Timestamp': String(timestamp),
    'X-TC-RequestClient': TOKEN_GENERATOR_MARKER,
  }
  if (params.region) headers['X-TC-Region'] = params.region

  const doFetch = params.fetch ?? globalThis.fetch
  let response: Response
  try {
    response = await doFetch(`${params.protocol ?? 'https://'}${endpoint}/`, { method: 'POST', headers, body: payload })
  } catch (err) {
    throw new TcccApiError('NetworkError', `Could not reach ${endpoint}: ${(err as Error).message}`)
  }
  if (!response.ok) throw new TcccApiError('HttpError', `${endpoint} answered HTTP ${response.status}`)
  const data = (await response.json()) as ApiResponse
  const result = data.Response
  if (!result) throw new TcccApiError('BadResponse', 'The answer has no "Response" object')
  if (result.Error) throw new TcccApiError(result.Error.Code ?? 'UnknownError', result.Error.Message ?? '', result.RequestId)
  if (typeof result.Token !== 'string' || typeof result.SdkURL !== 'string' || typeof result.ExpiredTime !== 'number') {
    throw new TcccApiError('BadResponse', 'The answer lacks Token, ExpiredTime or SdkURL', result.RequestId)
  }
  return { token: result.Token, expiredTime: result.ExpiredTime, sdkUrl: result.SdkURL, requestId: result.RequestId ?? '' }
}
