// @vitest-environment node
/**
 * The debug token generator must never ship: scripts/check-release.mjs finds it in bundles, and
 * no app source outside the debug page's dev-only branch may import debug/.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { TOKEN_GENERATOR_MARKER } from './tc3'
// @ts-expect-error -- a plain .mjs script without type declarations
import { findDebugImports } from '../../scripts/check-release.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const script = path.join(root, 'scripts', 'check-release.mjs')

function checkRelease(...dirs: string[]) {
  const result = spawnSync(process.execPath, [script, ...dirs], { cwd: root, encoding: 'utf8' })
  return { code: result.status, out: result.stdout + result.stderr }
}

/** A bundle-like folder: some JS, a nested chunk, a binary file. */
function fixture(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'release-'))
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), content)
  }
  return dir
}

const CLEAN = {
  'index.html': '<html><script src="assets/index.js"></script></html>',
  'assets/index.js': 'const app = createApp(); app.mount("#app")\n',
  // Binary files are skipped even if their bytes happen to spell a pattern.
  'static/ringtone.wav': Buffer.concat([Buffer.from([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0]), Buffer.from('SecretKey TC3-HMAC-SHA256')]),
}

describe('scripts/check-release.mjs', () => {
  it('passes clean bundles', () => {
    const { code, out } = checkRelease(fixture(CLEAN), fixture(CLEAN))
    expect(out).toContain('Release check passed')
    expect(code).toBe(0)
  })

  it.each([
    ['the generator marker', `var m="${TOKEN_GENERATOR_MARKER}";`, 'token generator marker'],
    ['TC3 signing', 'const a="TC3-HMAC-SHA256";', 'TC3 request signing'],
    ['the generator function', 'export{createSdkLoginToken as c};', 'token generator function'],
    ['a SecretKey field', 'label:"SecretKey"', 'Tencent Cloud secret key'],
    ['a secretKey property', '{secretKey:e.k}', 'Tencent Cloud secret key'],
  ])('fails and says where when a bundle contains %s', (_label, code, label) => {
    const dirty = fixture({ ...CLEAN, 'assets/chunks/debug.js': `// chunk\nfoo();\n  ${code}\n` })
    const result = checkRelease(fixture(CLEAN), dirty)
    expect(result.code).toBe(1)
    expect(result.out).toContain(`FOUND ${label}`)
    expect(result.out).toMatch(/assets\/chunks\/debug\.js:3:\d+/)
    expect(result.out).toContain('Release check FAILED')
  })

  it('finds traces in source maps too', () => {
    const dirty = fixture({ ...CLEAN, 'assets/index.js.map': JSON.stringify({ sourcesContent: ['createSdkLoginToken()'] }) })
    expect(checkRelease(dirty).code).toBe(1)
  })

  it('with no arguments scans every build under dist/build, h5-web included', () => {
    // A project copy whose only dirty bundle is the one deployed to browsers.
    const project = fixture({})
    mkdirSync(path.join(project, 'scripts'))
    copyFileSync(script, path.join(project, 'scripts', 'check-release.mjs'))
    for (const build of ['h5', 'app']) {
      for (const [name, content] of Object.entries(CLEAN)) {
        mkdirSync(path.dirname(path.join(project, 'dist/build', build, name)), { recursive: true })
        writeFileSync(path.join(project, 'dist/build', build, name), content)
      }
    }
    mkdirSync(path.join(project, 'dist/build/h5-web/assets'), { recursive: true })
    writeFileSync(path.join(project, 'dist/build/h5-web/assets/index.js'), 'const form={label:"SecretKey"}\n')
    const result = spawnSync(process.execPath, [path.join(project, 'scripts', 'check-release.mjs')], { cwd: project, encoding: 'utf8' })
    const out = result.stdout + result.stderr
    expect(result.status).toBe(1)
    expect(out).toMatch(/FOUND Tencent Cloud secret key "SecretKey" in dist\/build\/h5-web\/assets\/index\.js:1:/)
    expect(out).toContain(`clean  ${path.join(project, 'dist/build/app')}`)
    expect(out).toContain(`clean  ${path.join(project, 'dist/build/h5')}`)
  })

  it('with no arguments and no build at all, fails', () => {
    const project = fixture({})
    mkdirSync(path.join(project, 'scripts'))
    copyFileSync(script, path.join(project, 'scripts', 'check-release.mjs'))
    const result = spawnSync(process.execPath, [path.join(project, 'scripts', 'check-release.mjs')], { cwd: project, encoding: 'utf8' })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('MISSING dist/build/*')
  })

  it('fails when a bundle folder is missing or empty', () => {
    const missing = checkRelease(fixture(CLEAN), path.join(tmpdir(), 'no-such-bundle-dir'))
    expect(missing.code).toBe(1)
    expect(missing.out).toContain('MISSING')
    const empty = checkRelease(mkdtempSync(path.join(tmpdir(), 'release-empty-')))
    expect(empty.code).toBe(1)
    expect(empty.out).toContain('EMPTY')
  })
})

describe('app sources', () => {
  function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) return sourceFiles(full)
      return /\.(ts|vue|js|mjs)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [full] : []
    })
  }
  it('import debug/ only from the debug page, inside its import.meta.env.DEV branch', () => {
    const files = [...sourceFiles(path.join(root, 'src')), path.join(root, 'main.ts'), path.join(root, 'App.vue')]
    expect(findDebugImports(files, root)).toEqual([])
  })

  it('the debug page does load the generator in its dev branch (so the check above is not vacuous)', () => {
    const page = readFileSync(path.join(root, 'src', 'pages', 'debug', 'index.vue'), 'utf8')
    expect(page).toMatch(/if \(import\.meta\.env\.DEV\) \{\s*void import\('\.\.\/\.\.\/\.\.\/debug\/TokenGeneratorPanel\.vue'\)/)
  })
})
