import { afterEach, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Plugin } from 'vite'
import type { TcccSdkModule } from '../../src/platform/native'
import {
  TCCC_SDK_STUB_ID,
  TCCC_SDK_STUB_MESSAGE,
  isTcccSdkInstalled,
  refuseSimulatedRelease,
  tcccSdkResolver,
} from '../../build/tcccSdkResolver'

const dirs: string[] = []

function project(withPackage: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'tccc-resolver-'))
  dirs.push(root)
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'app', private: true }))
  if (withPackage) {
    const pkg = join(root, 'node_modules', 'tccc-sdk-uniapp')
    mkdirSync(pkg, { recursive: true })
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'tccc-sdk-uniapp', version: '1.12.13', main: 'index.js' }))
    writeFileSync(join(pkg, 'index.js'), 'module.exports = {}')
  }
  return root
}

/** Call a plugin hook that may be a function or `{ handler }`, with `this` unused. */
function hook<T>(h: unknown, ...args: unknown[]): T {
  const handler = typeof h === 'function' ? h : (h as { handler: (...a: unknown[]) => unknown }).handler
  return handler.call({}, ...args) as T
}

function resolve(plugin: Plugin, source: string): unknown {
  return hook(plugin.resolveId, source, '/work/app/src/platform/native/sdkModule.ts', {})
}

/**
 * Write the stub where the test runner can import it (it refuses files outside the project)
 * and import it as the bundle would.
 */
async function importStub(source: string): Promise<Record<string, unknown>> {
  const dir = join(process.cwd(), 'node_modules', '.cache', 'tccc-resolver-test')
  mkdirSync(dir, { recursive: true })
  const file = join(mkdtempSync(join(dir, 'stub-')), 'stub.mjs')
  dirs.push(dirname(file))
  writeFileSync(file, source)
  return (await import(/* @vite-ignore */ file)) as Record<string, unknown>
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('tcccSdkResolver', () => {
  it('steps aside when the package resolves from the project root', () => {
    const root = project(true)
    expect(isTcccSdkInstalled(root)).toBe(true)
    const plugin = tcccSdkResolver({ root })
    expect(resolve(plugin, 'tccc-sdk-uniapp')).toBeNull()
  })

  it('finds an installed ESM-only package that require.resolve cannot', () => {
    const root = project(true)
    writeFileSync(
      join(root, 'node_modules', 'tccc-sdk-uniapp', 'package.json'),
      JSON.stringify({ name: 'tccc-sdk-uniapp', type: 'module', exports: { '.': { import: './index.js' } } }),
    )
    expect(isTcccSdkInstalled(root)).toBe(true)
  })

  it('uses Vite’s resolved root when none is given', () => {
    const plugin = tcccSdkResolver()
    hook(plugin.configResolved, { root: project(true) })
    expect(resolve(plugin, 'tccc-sdk-uniapp')).toBeNull()
  })

  it('ignores every other import', () => {
    const plugin = tcccSdkResolver({ root: project(false) })
    expect(resolve(plugin, 'vue')).toBeNull()
    expect(resolve(plugin, 'tccc-sdk-uniapp/sub')).toBeNull()
    expect(hook(plugin.load, '/some/file.ts')).toBeNull()
  })

  it('serves a stub that builds but fails at run time when the package is missing', async () => {
    const root = project(false)
    expect(isTcccSdkInstalled(root)).toBe(false)
    const plugin = tcccSdkResolver({ root })
    expect(resolve(plugin, 'tccc-sdk-uniapp')).toBe(TCCC_SDK_STUB_ID)
    const source = hook<string>(plugin.load, TCCC_SDK_STUB_ID)
    const stub = await importStub(source)
    expect(Object.keys(stub).sort()).toEqual(
      ['TCCCAudioRoute', 'TCCCEndReason', 'TCCCLoginType', 'TCCCSessionDirection', 'TCCC_SDK_NOT_INSTALLED', 'TcccErrorCode', 'TcccWorkstation', 'default'].sort(),
    )
    const workstation = stub.TcccWorkstation as { sharedInstance(): unknown }
    expect(() => workstation.sharedInstance()).toThrow(TCCC_SDK_STUB_MESSAGE)
  })

  it('the stub makes the native platform reject SDK_NOT_INSTALLED', async () => {
    const root = project(false)
    const stub = await importStub(hook<string>(tcccSdkResolver({ root }).load, TCCC_SDK_STUB_ID))
    const { createNativeTccc } = await import('../../src/platform/native')
    const platform = createNativeTccc(stub as unknown as TcccSdkModule)
    await expect(platform.login({ sdkAppId: 1, userId: 'u', token: 't' })).rejects.toMatchObject({
      symbol: 'SDK_NOT_INSTALLED',
      detail: TCCC_SDK_STUB_MESSAGE,
    })
  })
})

describe('tcccSdkResolver platform define', () => {
  const saved = process.env.VITE_TCCC_PLATFORM

  afterEach(() => {
    if (saved === undefined) delete process.env.VITE_TCCC_PLATFORM
    else process.env.VITE_TCCC_PLATFORM = saved
  })

  function defineFor(root: string): Record<string, string> {
    const result = hook<{ define: Record<string, string> }>(tcccSdkResolver().config, { root }, { mode: 'production', command: 'build' })
    return result.define
  }

  it('refuses a release App build on the simulator unless a demo is meant; development and H5 builds may use it', () => {
    const app = { UNI_PLATFORM: 'app' }
    expect(() => refuseSimulatedRelease('simulated', 'production', app)).toThrow('VITE_TCCC_PLATFORM=simulated in a release App build would ship the simulator instead of TCCC')
    expect(() => refuseSimulatedRelease('simulated', 'production', { UNI_PLATFORM: 'app-plus' })).toThrow()
    expect(() => refuseSimulatedRelease('simulated', 'production', { ...app, TCCC_ALLOW_SIMULATED_APP: '1' })).not.toThrow()
    expect(() => refuseSimulatedRelease('simulated', 'development', app)).not.toThrow()
    expect(() => refuseSimulatedRelease('simulated', 'production', { UNI_PLATFORM: 'h5' })).not.toThrow()
    expect(() => refuseSimulatedRelease('', 'production', app)).not.toThrow()
  })

  it('pins an unset VITE_TCCC_PLATFORM to an empty literal so the choice folds', () => {
    delete process.env.VITE_TCCC_PLATFORM
    expect(defineFor(project(false))).toEqual({ 'import.meta.env.VITE_TCCC_PLATFORM': '""' })
  })

  it('takes the value from the environment, else from the .env files', () => {
    const root = project(false)
    writeFileSync(join(root, '.env.production'), 'VITE_TCCC_PLATFORM=web\n')
    delete process.env.VITE_TCCC_PLATFORM
    expect(defineFor(root)).toEqual({ 'import.meta.env.VITE_TCCC_PLATFORM': '"web"' })
    process.env.VITE_TCCC_PLATFORM = 'simulated'
    expect(defineFor(root)).toEqual({ 'import.meta.env.VITE_TCCC_PLATFORM': '"simulated"' })
  })
})
