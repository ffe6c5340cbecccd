// @vitest-environment node
/**
 * scripts/check-release.mjs in-process (the CLI runs are in debug/tokenGenerator/releaseGuard.test.ts):
 * the default build list, the bundle scan and the debug/ import finder with every path spelling.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fn } from 'jest-mock'
// @ts-expect-error -- a plain .mjs script without type declarations
import { checkRelease, defaultDirs, findDebugImports, resolveSpecifier, scanFolder } from '../../scripts/check-release.mjs'

type Finding = { file: string; line: number; column: number; label: string; pattern: string; excerpt: string }
const scan = scanFolder as (dir: string) => { findings: Finding[]; scanned: number }
const check = checkRelease as (dirs: string[], log: (m: string) => void, error: (m: string) => void) => number
const debugImports = findDebugImports as (files: string[], root: string, read?: (file: string) => string) => string[]

function tree(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'release-unit-'))
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), content)
  }
  return dir
}

describe('defaultDirs', () => {
  it('lists every folder under dist/build, sorted, and no plain files', () => {
    const project = tree({ 'dist/build/h5/index.html': 'x', 'dist/build/h5-web/index.html': 'x', 'dist/build/app/app.js': 'x', 'dist/build/mp-weixin/a.js': 'x', 'dist/build/notes.txt': 'x' })
    expect(defaultDirs(project)).toEqual(['app', 'h5', 'h5-web', 'mp-weixin'].map((b) => path.join(project, 'dist', 'build', b)))
  })

  it("adds HBuilderX's release output (unpackage/dist/build) after the CLI builds", () => {
    const project = tree({ 'dist/build/h5/index.html': 'x', 'unpackage/dist/build/app/app-service.js': 'x', 'unpackage/dist/dev/app/app-service.js': 'x' })
    expect(defaultDirs(project)).toEqual([path.join(project, 'dist', 'build', 'h5'), path.join(project, 'unpackage', 'dist', 'build', 'app')])
  })

  it('is empty without a dist/build folder', () => {
    expect(defaultDirs(tree({ 'README.md': 'x' }))).toEqual([])
  })
})

describe('scanFolder', () => {
  it('reports each occurrence with line, column and an excerpt, and skips binary files', () => {
    const dir = tree({
      'a.js': 'ok();\nconst k = "SecretKey"; const j = "SecretKey"\n',
      'nested/deep/b.js': 'TC3-HMAC-SHA256',
      'bin.wav': Buffer.concat([Buffer.from([0x52, 0, 0x46]), Buffer.from('SecretKey')]),
    })
    const { findings, scanned } = scan(dir)
    expect(scanned).toBe(2)
    const summary = findings.map((f) => `${path.relative(dir, f.file)}:${f.line}:${f.column} ${f.label} ${f.pattern}`).sort()
    expect(summary).toEqual([
      'a.js:2:12 Tencent Cloud secret key SecretKey',
      'a.js:2:35 Tencent Cloud secret key SecretKey',
      `${path.join('nested', 'deep', 'b.js')}:1:1 TC3 request signing TC3-HMAC-SHA256`,
    ])
    const first = findings.find((f) => f.column === 12)
    expect(first?.excerpt).toBe('ok(); const k = "SecretKey"; const j = "SecretKey" ')
  })

  it('finds the simulator in an App bundle only (an H5 build on the simulated platform carries it by design)', () => {
    const files = { 'app-service.js': 'window.__tcccSim = sim' }
    const project = tree({ ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`app/${k}`, v])), ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`h5/${k}`, v])) })
    expect(scan(path.join(project, 'app')).findings.map((f) => f.label)).toEqual(['simulated TCCC (VITE_TCCC_PLATFORM=simulated)'])
    expect(scan(path.join(project, 'h5')).findings).toEqual([])
  })

  it('finds a pattern only once per place and the lower-case secretKey separately', () => {
    const { findings } = scan(tree({ 'x.js': '{secretKey:1}' }))
    expect(findings.map((f) => f.pattern)).toEqual(['secretKey'])
  })

  it('cuts the excerpt to 40 characters either side, whitespace runs as one space', () => {
    const { findings } = scan(tree({ 'x.js': `${'a'.repeat(100)}createSdkLoginToken${'b'.repeat(100)}` }))
    expect(findings[0].excerpt).toBe(`${'a'.repeat(40)}createSdkLoginToken${'b'.repeat(40)}`)
    const spaced = scan(tree({ 'y.js': 'x =\n\n    "SecretKey"\t\t;' })).findings
    expect(spaced[0].excerpt).toBe('x = "SecretKey" ;')
  })

  it('follows no symbolic links (a link to a folder is neither scanned nor an error)', () => {
    const dir = tree({ 'a.js': 'ok' })
    const elsewhere = tree({ 'secret.js': 'SecretKey' })
    symlinkSync(elsewhere, path.join(dir, 'linked'), 'dir')
    expect(scan(dir)).toEqual({ findings: [], scanned: 1 })
  })
})

describe('checkRelease', () => {
  it('passes clean folders and says so', () => {
    const log = fn<(m: string) => void>()
    const error = fn<(m: string) => void>()
    const dir = tree({ 'index.html': '<html></html>' })
    expect(check([dir], log, error)).toBe(0)
    expect(error).not.toHaveBeenCalled()
    expect(log.mock.calls.map((c) => c[0])).toEqual([`clean  ${dir} (1 text files)`, 'Release check passed: no debug token generator or secret-key code in the bundles.'])
  })

  it('fails on a trace in any one of several folders, naming the file', () => {
    const log = fn<(m: string) => void>()
    const error = fn<(m: string) => void>()
    const dirty = tree({ 'assets/x.js': 'var m="TCCC_DEBUG_TOKEN_GENERATOR"' })
    expect(check([tree({ 'a.js': 'ok' }), dirty], log, error)).toBe(1)
    const errors = error.mock.calls.map((c) => c[0])
    expect(errors[0]).toMatch(/^FOUND token generator marker "TCCC_DEBUG_TOKEN_GENERATOR" in .*assets\/x\.js:1:8 /)
    expect(errors.at(-1)).toContain('Release check FAILED')
  })

  it('fails when there is no folder, a missing one or an empty one', () => {
    for (const dirs of [[], [path.join(tmpdir(), 'no-such-release-dir')], [mkdtempSync(path.join(tmpdir(), 'release-empty-'))]]) {
      const log = fn<(m: string) => void>()
      const error = fn<(m: string) => void>()
      expect(check(dirs, log, error)).toBe(1)
      expect(error.mock.calls[0][0]).toMatch(/^(MISSING|EMPTY) /)
      expect(log).not.toHaveBeenCalled()
    }
  })

  it('treats a file given as a folder as missing', () => {
    const file = path.join(tree({ 'a.js': 'x' }), 'a.js')
    const error = fn<(m: string) => void>()
    expect(check([file], () => undefined, error)).toBe(1)
    expect(error.mock.calls[0][0]).toBe(`MISSING ${file}: build it first (npm run build:h5 / npm run build:app)`)
  })
})

describe('findDebugImports', () => {
  const root = path.join(tmpdir(), 'project')
  const at = (rel: string) => path.join(root, rel)
  function offenders(rel: string, code: string): string[] {
    return debugImports([at(rel)], root, () => code)
  }

  it.each([
    ['the @/ alias', "import { x } from '@/../debug/tokenGenerator/tc3'"],
    ['a relative path', "import { x } from '../../debug/tokenGenerator/tc3'"],
    ['a dynamic import', "const m = await import( '../../debug/TokenGeneratorPanel.vue')"],
    ['a side-effect import', "import '@/../debug/setup'"],
    ['a re-export', "export * from '@/../debug/tokenGenerator/tc3'"],
    ['a root-absolute path', "import p from '/debug/TokenGeneratorPanel.vue'"],
    ['a bare debug/ path', "import p from 'debug/tokenGenerator/tc3'"],
    ['backslashes', "import p from '..\\\\..\\\\debug\\\\tokenGenerator\\\\tc3'"],
    ['a query suffix', "import raw from '@/../debug/tokenGenerator/tc3.ts?raw'"],
    ['require()', "const t = require('../../debug/tokenGenerator/tc3')"],
    ['import.meta.glob', "const all = import.meta.glob('@/../debug/**/*.ts')"],
    ['new URL()', "const u = new URL('../../debug/x.ts', import.meta.url)"],
    ['the folder itself', "import d from '@/../debug'"],
    ['a template literal', 'const m = await import(`../../debug/tokenGenerator/tc3`)'],
  ])('catches %s', (_label, code) => {
    const found = offenders('src/store/session.ts', code)
    expect(found).toHaveLength(1)
    expect(found[0].startsWith(`${path.join('src', 'store', 'session.ts')}: `)).toBe(true)
    expect(code).toContain(found[0].slice(found[0].indexOf(': ') + 2))
  })

  it.each([
    ['the npm debug package', "import createDebug from 'debug'"],
    ['the debug page folder', "import Panel from './Panel.vue'"],
    ['src/pages/debug through the alias', "import Panel from '@/pages/debug/Panel.vue'"],
    ['a folder merely named like it', "import x from '@/../debugger/x'"],
  ])('leaves %s alone', (_label, code) => {
    expect(offenders('src/pages/debug/index.vue', code)).toEqual([])
  })

  it('allows the debug page only inside its import.meta.env.DEV branch', () => {
    const inside = "if (import.meta.env.DEV) {\n  void import('../../../debug/TokenGeneratorPanel.vue')\n}"
    expect(offenders('src/pages/debug/index.vue', inside)).toEqual([])
    const after = "if (import.meta.env.DEV) {\n  run()\n}\nvoid import('../../../debug/TokenGeneratorPanel.vue')"
    expect(offenders('src/pages/debug/index.vue', after)).toHaveLength(1)
    const noBranch = "void import('../../../debug/TokenGeneratorPanel.vue')"
    expect(offenders('src/pages/debug/index.vue', noBranch)).toHaveLength(1)
    // The same code anywhere else is not allowed, branch or not.
    expect(offenders('src/pages/dial/index.vue', inside.replace('../../../', '@/../'))).toHaveLength(1)
  })

  it('reads the files it is given from disk by default', () => {
    const project = tree({ 'src/a.ts': "import '@/../debug/x'", 'src/b.ts': "import '@/store/session'" })
    expect(debugImports([path.join(project, 'src/a.ts'), path.join(project, 'src/b.ts')], project)).toEqual([`${path.join('src', 'a.ts')}: import '@/../debug/x'`])
  })
})

describe('resolveSpecifier', () => {
  it('maps @/ to src/, / to the root, relative paths to the importing folder, packages to themselves', () => {
    const resolve = resolveSpecifier as (spec: string, from: string, root: string) => string
    const root = path.join(tmpdir(), 'p')
    const from = path.join(root, 'src', 'store', 'a.ts')
    expect(resolve('@/services/x', from, root)).toBe(path.join(root, 'src', 'services', 'x'))
    expect(resolve('/static/a.wav', from, root)).toBe(path.join(root, 'static', 'a.wav'))
    expect(resolve('./b#frag', from, root)).toBe(path.join(root, 'src', 'store', 'b'))
    expect(resolve('pinia', from, root)).toBe('pinia')
  })
})
