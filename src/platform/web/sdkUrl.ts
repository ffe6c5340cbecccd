/**
 * Which `sdkUrl` the web platform will inject as a `<script>`: the script runs in the origin
 * that holds the agent's tokens, so only Tencent Cloud's SDK hosts (over https) qualify, plus
 * the fake SDK that a mock-mode backend serves on the app's own origin (development and the
 * browser journeys). Anything else is refused with `SDK_URL_REFUSED` before a script exists.
 */

/** Where CreateSDKLoginToken's SdkURL points (`https://tccc.qcloud.com/...`). */
export const DEFAULT_TCCC_SDK_HOSTS: readonly string[] = ['tccc.qcloud.com']

/** The fake Web SDK's path on a mock-mode backend (server/src/app.ts). */
export const MOCK_SDK_PATH = '/mock/tccc-sdk.js'

export interface SdkUrlPolicy {
  /** Host names whose https URLs are accepted (exact match). */
  hosts: readonly string[]
  /** Origins (`scheme://host[:port]`) accepted for the fake SDK path only; empty: none. */
  mockOrigins: readonly string[]
}

/** `VITE_TCCC_SDK_HOSTS` (comma-separated host names), else the Tencent Cloud default. */
export function sdkHostsFromBuild(raw: string | undefined): string[] {
  const hosts = (raw ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean)
  return hosts.length > 0 ? hosts : [...DEFAULT_TCCC_SDK_HOSTS]
}

/**
 * The fake SDK on the app's own origin is allowed unless the build turns it off
 * (`VITE_TCCC_MOCK_SDK=off`, for release bundles): a real-mode backend has no such path.
 */
export function mockSdkAllowed(raw: string | undefined): boolean {
  return (raw ?? '').trim().toLowerCase() !== 'off'
}

export function isSdkUrlAllowed(sdkUrl: string, policy: SdkUrlPolicy): boolean {
  let url: URL
  try {
    url = new URL(sdkUrl)
  } catch {
    return false
  }
  if (url.username || url.password) return false
  if (url.protocol === 'https:' && policy.hosts.includes(url.hostname.toLowerCase())) return true
  return url.pathname === MOCK_SDK_PATH && policy.mockOrigins.includes(url.origin)
}
