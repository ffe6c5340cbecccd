// @vitest-environment node
import path from 'node:path'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

// The project's own ESLint config over fixture files with deliberate violations: proves each
// layering rule fails `npm run lint` (the normal run ignores tests/fixtures/).
const root = path.resolve(__dirname, '../..')
const fixtures = path.join(root, 'tests/fixtures/layering')

type Found = Record<string, Array<{ ruleId: string | null; message: string }>>
let found: Found

beforeAll(async () => {
  const eslint = new ESLint({ cwd: fixtures, overrideConfigFile: path.join(root, 'eslint.config.mjs'), ignore: false })
  const results = await eslint.lintFiles(['src/**/*.ts'])
  found = Object.fromEntries(
    results.map((result) => [
      path.relative(fixtures, result.filePath).split(path.sep).join('/'),
      result.messages.map(({ ruleId, message }) => ({ ruleId, message })),
    ]),
  )
}, 60_000)

describe('layering lint (eslint.config.mjs)', () => {
  it('lints every fixture', () => {
    expect(Object.keys(found).sort()).toEqual([
      'src/platform/base.ts',
      'src/platform/upward.ts',
      'src/platform/upwardAlias.ts',
      'src/services/clean.ts',
      'src/services/upward.ts',
      'src/store/clean.ts',
      'src/store/cycleA.ts',
      'src/store/cycleB.ts',
      'src/store/typeCycleA.ts',
      'src/store/typeCycleB.ts',
    ])
  })

  it('platform -> services fails (relative path)', () => {
    expect(found['src/platform/upward.ts']).toEqual([
      { ruleId: '@typescript-eslint/no-restricted-imports', message: expect.stringContaining('The platform layer imports nothing above it') },
    ])
  })

  it('platform -> store fails through the @/ alias, even for a type', () => {
    expect(found['src/platform/upwardAlias.ts']).toEqual([
      { ruleId: '@typescript-eslint/no-restricted-imports', message: expect.stringContaining('The platform layer imports nothing above it') },
    ])
  })

  it('services -> store fails', () => {
    expect(found['src/services/upward.ts']).toEqual([
      { ruleId: '@typescript-eslint/no-restricted-imports', message: expect.stringContaining('Services never import stores') },
    ])
  })

  it('a two-file cycle fails in both files, naming the whole circle', () => {
    expect(found['src/store/cycleA.ts']).toEqual([
      { ruleId: 'layering/no-import-cycle', message: 'Import cycle: src/store/cycleA.ts -> src/store/cycleB.ts -> src/store/cycleA.ts' },
    ])
    expect(found['src/store/cycleB.ts']).toEqual([
      { ruleId: 'layering/no-import-cycle', message: 'Import cycle: src/store/cycleB.ts -> src/store/cycleA.ts -> src/store/cycleB.ts' },
    ])
  })

  it('downward imports and a circle closed only by `import type` pass', () => {
    for (const file of ['src/platform/base.ts', 'src/services/clean.ts', 'src/store/clean.ts', 'src/store/typeCycleA.ts', 'src/store/typeCycleB.ts']) {
      expect({ file, messages: found[file] }).toEqual({ file, messages: [] })
    }
  })
})
