/**
 * Vite plugin: keeps the App build working when `tccc-sdk-uniapp` is not installed.
 *
 * The package is an optional peer dependency that the npm registry these machines reach does
 * not have. When it resolves from the project root, this plugin steps aside (`resolveId` returns
 * null) and the real package is used unchanged. Otherwise `import ... from 'tccc-sdk-uniapp'`
 * gets a virtual stub with the same exports whose `TcccWorkstation.sharedInstance()` throws: the
 * build succeeds and the native platform reports SDK_NOT_INSTALLED at run time.
 *
 * It also pins `import.meta.env.VITE_TCCC_PLATFORM` to a literal (uni otherwise turns an unset
 * key into `{}.VITE_TCCC_PLATFORM`), so `src/platform/index.ts`'s choice folds at build time
 * and the bundle carries only the chosen platform.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { loadEnv, type Plugin } from 'vite'

export const TCCC_SDK_PACKAGE = 'tccc-sdk-uniapp'
/** `\0` prefix: the Rollup convention for virtual modules other plugins must not touch. */
export const TCCC_SDK_STUB_ID = '\0tccc-sdk-uniapp-not-installed'

export const PLATFORM_ENV_KEY = 'import.meta.env.VITE_TCCC_PLATFORM'

export const TCCC_SDK_STUB_MESSAGE =
  'tccc-sdk-uniapp is not installed: run `npm i tccc-sdk-uniapp` and build the App with a custom base that includes the TCCC native plugin.'

/** The stub's source: the package's export names, nothing that works. */
export const TCCC_SDK_STUB_SOURCE = `
const message = ${JSON.stringify(TCCC_SDK_STUB_MESSAGE)};
function notInstalled() {
  const error = new Error(message);
  error.name = 'TcccSdkNotInstalled';
  throw error;
}
export const TCCC_SDK_NOT_INSTALLED = true;
export const TcccWorkstation = Object.freeze({ sharedInstance: notInstalled, destroyInstance: notInstalled, getSDKVersion: () => '' });
export const TCCCLoginType = Object.freeze({});
export const TCCCAudioRoute = Object.freeze({});
export const TCCCEndReason = Object.freeze({});
export const TCCCSessionDirection = Object.freeze({});
export const TcccErrorCode = Object.freeze({});
export default { TCCC_SDK_NOT_INSTALLED, TcccWorkstation, TCCCLoginType, TCCCAudioRoute, TCCCEndReason, TCCCSessionDirection, TcccErrorCode };
`

/** Does the package resolve from `root` the way a bundler would find it? */
export function isTcccSdkInstalled(root: string): boolean {
  const require = createRequire(join(root, 'package.json'))
  try {
    require.resolve(TCCC_SDK_PACKAGE)
    return true
  } catch {
    // An ESM-only package (no "require" export condition) fails require.resolve although it is
    // installed: look for its folder on node's lookup path instead.
    const lookup = require.resolve.paths(TCCC_SDK_PACKAGE) ?? []
    return lookup.some((dir) => existsSync(join(dir, TCCC_SDK_PACKAGE, 'package.json')))
  }
}

export interface TcccSdkResolverOptions {
  /** Project root to resolve from; defaults to Vite's resolved `root`. */
  root?: string
}

/**
 * A release App build on the simulator (a stray `VITE_TCCC_PLATFORM=simulated` in the shell or a
 * `.env.production`) would hand agents a phone that calls nobody while it writes call records to
 * the real backend: refused, unless `TCCC_ALLOW_SIMULATED_APP=1` says a demo build is meant.
 */
export function refuseSimulatedRelease(requested: string, mode: string, env: NodeJS.ProcessEnv = process.env): void {
  const app = env.UNI_PLATFORM === 'app' || env.UNI_PLATFORM === 'app-plus'
  if (!app || mode !== 'production' || requested !== 'simulated' || env.TCCC_ALLOW_SIMULATED_APP === '1') return
  throw new Error(
    'VITE_TCCC_PLATFORM=simulated in a release App build would ship the simulator instead of TCCC. ' +
      'Unset it (check .env.production / .env.local), or set TCCC_ALLOW_SIMULATED_APP=1 for a demo build.',
  )
}

export function tcccSdkResolver(options: TcccSdkResolverOptions = {}): Plugin {
  let root = options.root ?? process.cwd()
  let installed: boolean | undefined
  return {
    name: 'tccc-sdk-resolver',
    enforce: 'pre',
    config(userConfig, { mode }) {
      const envDir = userConfig.envDir ?? userConfig.root ?? process.cwd()
      const requested = process.env.VITE_TCCC_PLATFORM ?? loadEnv(mode, envDir, 'VITE_').VITE_TCCC_PLATFORM ?? ''
      refuseSimulatedRelease(requested, mode)
      return { define: { [PLATFORM_ENV_KEY]: JSON.stringify(requested) } }
    },
    configResolved(config) {
      if (!options.root) root = config.root
      installed = undefined
    },
    resolveId(source) {
      if (source !== TCCC_SDK_PACKAGE) return null
      installed ??= isTcccSdkInstalled(root)
      return installed ? null : TCCC_SDK_STUB_ID
    },
    load(id) {
      return id === TCCC_SDK_STUB_ID ? TCCC_SDK_STUB_SOURCE : null
    },
  }
}
