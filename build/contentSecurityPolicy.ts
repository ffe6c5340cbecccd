/**
 * Vite plugin (H5 builds for the TCCC Web SDK, `VITE_TCCC_PLATFORM=web`): a
 * Content-Security-Policy `<meta>` in the built index.html. The page holds the agent's tokens and
 * injects the SDK script the backend names, so scripts and connections are limited to the app's
 * own origin, its token backend (`VITE_TOKEN_BACKEND_URL`, when not same-origin) and the TCCC SDK
 * hosts (`VITE_TCCC_SDK_HOSTS`, the same list src/platform/web/sdkUrl.ts checks sdkUrl against).
 * Build only: `npm run dev` keeps Vite's HMR client (inline scripts, websockets) working.
 */
import { loadEnv, type Plugin } from 'vite'
import { sdkHostsFromBuild } from '../src/platform/web/sdkUrl'

export interface CspInputs {
  /** TCCC SDK host names (https/wss only). */
  sdkHosts: readonly string[]
  /** The build's backend URL ('' = same origin, already covered by 'self'). */
  backendUrl: string
}

function originOf(url: string): string | null {
  try {
    return /^https?:\/\//i.test(url) ? new URL(url).origin : null
  } catch {
    return null
  }
}

/** The policy text; each directive lists 'self' plus only what the app needs. */
export function contentSecurityPolicy({ sdkHosts, backendUrl }: CspInputs): string {
  const https = sdkHosts.map((host) => `https://${host}`)
  const wss = sdkHosts.map((host) => `wss://${host}`)
  const backend = originOf(backendUrl)
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'", ...https]],
    // uni-h5 and Vue set inline styles; styles cannot carry script.
    ['style-src', ["'self'", "'unsafe-inline'", ...https]],
    ['img-src', ["'self'", 'data:', 'blob:', ...https]],
    ['font-src', ["'self'", 'data:', ...https]],
    ['media-src', ["'self'", 'data:', 'blob:', ...https]],
    ['connect-src', ["'self'", ...(backend ? [backend] : []), ...https, ...wss]],
    ['frame-src', ["'self'", ...https]],
    ['worker-src', ["'self'", 'blob:']],
    ['object-src', ["'none'"]],
    ['base-uri', ["'self'"]],
    ['form-action', ["'self'"]],
  ]
  return directives.map(([name, sources]) => `${name} ${[...new Set(sources)].join(' ')}`).join('; ')
}

export function contentSecurityPolicyPlugin(): Plugin {
  let inputs: CspInputs | null = null
  return {
    name: 'tccc:content-security-policy',
    apply: 'build',
    configResolved(config) {
      const env = { ...loadEnv(config.mode, config.envDir ?? config.root, 'VITE_'), ...pickViteEnv(process.env) }
      inputs = env.VITE_TCCC_PLATFORM === 'web' ? { sdkHosts: sdkHostsFromBuild(env.VITE_TCCC_SDK_HOSTS), backendUrl: (env.VITE_TOKEN_BACKEND_URL ?? '').trim() } : null
    },
    transformIndexHtml: {
      order: 'post',
      handler() {
        if (!inputs) return
        return [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy(inputs) }, injectTo: 'head-prepend' }]
      },
    },
  }
}

function pickViteEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) if (key.startsWith('VITE_') && value !== undefined) picked[key] = value
  return picked
}
