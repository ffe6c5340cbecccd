/**
 * The simulator's mock TCCC token (mutation survivors, issue 13): `sim.<base64url(JSON claims)>.<signature>`.
 * The token backend mints it with Node's Buffer (server/src/tccc.ts mintMockToken); the decoder also reads
 * standard base64 with padding. Tokens "from elsewhere" are made here with Buffer, not with encodeMockToken.
 */
import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { rejection } from '../__tests__/rejection'
import { decodeMockToken, encodeMockToken, type MockTokenClaims } from './mockToken'
import { clock, sdk, SDK_APP_ID, setUpSimulated, USER } from './__tests__/harness'

setUpSimulated()

const EXP = 1767225600

function claimsOf(userId: string, exp = EXP): MockTokenClaims {
  return { sdkAppId: SDK_APP_ID, userId, exp }
}

function payloadOf(json: string, encoding: 'base64' | 'base64url' = 'base64url'): string {
  return Buffer.from(json).toString(encoding)
}

function bytesOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value))
}

/** Claims whose JSON is 3n, 3n + 1 and 3n + 2 bytes long: base64 of no, two and one `=` of padding. */
const BY_LENGTH: Array<[number, MockTokenClaims]> = [
  [0, claimsOf('agent1@example.co')],
  [1, claimsOf('agent1@example.com')],
  [2, claimsOf('agent1@example.c')],
]
const WHOLE_GROUPS = claimsOf('agent1@example.co')
const WHOLE_PAYLOAD = payloadOf(JSON.stringify(WHOLE_GROUPS))

describe('decodeMockToken: tokens from the token backend and from Node (mutation survivors)', () => {
  it.each(BY_LENGTH)('reads a base64url token whose JSON is 3n + %i bytes long', (residue, claims) => {
    expect(bytesOf(claims) % 3).toBe(residue)
    expect(decodeMockToken(`sim.${payloadOf(JSON.stringify(claims))}.sig`)).toEqual(claims)
  })

  it("reads standard base64 with '+', '/' and '==' padding (Node's Buffer base64) as the same claims", () => {
    const claims = claimsOf('一号?>?@example.com')
    const payload = payloadOf(JSON.stringify(claims), 'base64')
    expect(payload).toMatch(/\+.*\/.*[^=]==$/)
    expect(decodeMockToken(`sim.${payload}.sig`)).toEqual(claims)
  })

  it('reads JSON with spaces and line breaks (pretty-printed claims)', () => {
    const claims = claimsOf(USER)
    expect(decodeMockToken(`sim.${payloadOf(JSON.stringify(claims, null, 2))}.sig`)).toEqual(claims)
  })
})

describe('decodeMockToken: what it refuses (mutation survivors)', () => {
  it.each([
    ['another prefix', `jwt.${WHOLE_PAYLOAD}.sig`],
    ['no signature', `sim.${WHOLE_PAYLOAD}.`],
    ['two parts', `sim.${WHOLE_PAYLOAD}`],
    ['four parts', `sim.${WHOLE_PAYLOAD}.sig.more`],
    ['no payload', 'sim..sig'],
  ])('refuses a token with %s (only sim.<payload>.<signature>)', (_label, token) => {
    expect(decodeMockToken(`sim.${WHOLE_PAYLOAD}.sig`)).toEqual(WHOLE_GROUPS)
    expect(decodeMockToken(token)).toBeNull()
  })

  it.each([
    ['= inside it (only trailing padding is dropped)', `${WHOLE_PAYLOAD.slice(0, 8)}=${WHOLE_PAYLOAD.slice(8)}`],
    ['== inside it', `${WHOLE_PAYLOAD.slice(0, 8)}==${WHOLE_PAYLOAD.slice(8)}`],
    ['one character too many (4n + 1 characters)', `${WHOLE_PAYLOAD}A`],
    ['a character outside base64', `${WHOLE_PAYLOAD.slice(0, 8)}*${WHOLE_PAYLOAD.slice(9)}`],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')],
    ['text that is not JSON', payloadOf('agent1@example.com')],
  ])('refuses a payload with %s', (_label, payload) => {
    expect(decodeMockToken(`sim.${payload}.sig`)).toBeNull()
  })

  it.each([
    ['null', null],
    ['a number', 1400000001],
    ['a text', USER],
    ['no sdkAppId', { userId: USER, exp: EXP }],
    ['sdkAppId as text', { sdkAppId: String(SDK_APP_ID), userId: USER, exp: EXP }],
    ['userId as a number', { sdkAppId: SDK_APP_ID, userId: 1, exp: EXP }],
    ['no userId', { sdkAppId: SDK_APP_ID, exp: EXP }],
    ['exp as text', { sdkAppId: SDK_APP_ID, userId: USER, exp: String(EXP) }],
    ['no exp', { sdkAppId: SDK_APP_ID, userId: USER }],
  ])('refuses claims that are %s', (_label, claims) => {
    expect(decodeMockToken(`sim.${payloadOf(JSON.stringify(claims))}.sig`)).toBeNull()
  })
})

describe('the simulator signs in with tokens from Node (mutation survivors)', () => {
  function login(token: string): Promise<void> {
    return sdk.login({ sdkAppId: SDK_APP_ID, userId: USER, token })
  }

  it("accepts the token backend's base64url token and a padded standard base64 one", async () => {
    const claims = claimsOf(USER, Math.floor(clock.now() / 1000) + 3600)
    await expect(login(`sim.${payloadOf(JSON.stringify(claims))}.sig`)).resolves.toBeUndefined()
    await expect(login(`sim.${payloadOf(JSON.stringify(claims), 'base64')}.sig`)).resolves.toBeUndefined()
  })

  it('refuses claims of the wrong types as a malformed token (-10002), not as another agent', async () => {
    const claims = { sdkAppId: String(SDK_APP_ID), userId: USER, exp: Math.floor(clock.now() / 1000) + 3600 }
    const err = await rejection(login(`sim.${payloadOf(JSON.stringify(claims))}.sig`))
    expect(err.code).toBe(-10002)
    expect(err.detail).toBe('malformed token')
  })
})

describe('encodeMockToken (mutation survivors)', () => {
  it.each([...BY_LENGTH, [1, claimsOf('一号?>?@example.com')] as [number, MockTokenClaims]])(
    'writes the JSON claims (3n + %i bytes) as unpadded base64url, as the token backend does',
    (residue, claims) => {
      expect(bytesOf(claims) % 3).toBe(residue)
      expect(encodeMockToken(claims)).toBe(`sim.${payloadOf(JSON.stringify(claims))}.unsigned`)
      expect(decodeMockToken(encodeMockToken(claims, 'abc'))).toEqual(claims)
    },
  )
})
