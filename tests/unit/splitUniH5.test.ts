/**
 * build/splitUniH5.ts cuts uni-h5's module in two. Checked on a small module with the same
 * shapes (an export list, self-imports, feature-flag branches, a mutable binding): the two halves
 * are written out as real ES modules and run, so a binding missing on either side fails here.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseAst } from 'vite'
import { afterAll, describe, expect, it } from 'vitest'
import { redirectImports, splitModule } from '../../build/splitUniH5'

const CORE_ID = '/abs/uni-h5.es.js'
const DEFERRED = 'virtual:uni-h5-deferred'

const UNI_H5 = `import { shallow } from "vue";
import { showToast as showToast$1 } from "@dcloudio/uni-h5";
let counter = 0;
const registry = [];
function defineComponent(name, render) { return { name, render } }
function helper() { return shallow("helper") }
const View = defineComponent("View", () => helper());
const Spring = { stiffness: 180 };
const ScrollView = defineComponent("ScrollView", () => helper() + ":" + Spring.stiffness);
function bump() { counter++; return counter }
function showToast(text) { return "toast " + text }
const Picker = defineComponent("Picker", () => showToast$1("picked") + " " + bump());
function install() { registry.push(View.name); counter = 10 }
install();
if (false) { registry.push(ScrollView) }
export { View, ScrollView, Picker, showToast, bump, registry };
`

const split = splitModule(UNI_H5, parseAst(UNI_H5) as never, CORE_ID, DEFERRED, ['View'])
const dir = mkdtempSync(path.join(tmpdir(), 'split-uni-h5-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/**
 * Writes both halves as files (the imports pointed at them) and runs `script` on them in plain
 * Node (outside vitest's module loader, as the browser would link them); returns what it prints.
 */
function run(script: string): unknown {
  const url = (file: string): string => JSON.stringify(pathToFileURL(path.join(dir, file)).href)
  const link = (code: string): string =>
    code.replaceAll('"vue"', url('vue.mjs')).replaceAll('"@dcloudio/uni-h5"', url('core.mjs')).replaceAll(JSON.stringify(CORE_ID), url('core.mjs')).replaceAll(JSON.stringify(DEFERRED), url('deferred.mjs'))
  writeFileSync(path.join(dir, 'vue.mjs'), 'export const shallow = (x) => x.toUpperCase()\n')
  writeFileSync(path.join(dir, 'core.mjs'), link(split.core))
  writeFileSync(path.join(dir, 'deferred.mjs'), link(split.deferred))
  writeFileSync(path.join(dir, 'run.mjs'), `import * as core from ${url('core.mjs')}\nimport * as deferred from ${url('deferred.mjs')}\nconsole.log(JSON.stringify((${script})()))\n`)
  const result = spawnSync(process.execPath, [path.join(dir, 'run.mjs')], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(result.stderr)
  return JSON.parse(result.stdout)
}

describe('splitModule', () => {
  it('moves what only later pages use, keeps what the first paint and the side effects reach', () => {
    // bump assigns the core's counter (an import is read-only), so it stays in the core.
    expect([...split.moved].sort()).toEqual(['Picker', 'ScrollView', 'showToast'])
    expect(split.core).toContain('const View =')
    expect(split.core).toContain('function bump()')
    expect(split.core).not.toContain('const ScrollView =')
    expect(split.core).not.toContain('const Spring =')
    expect(split.deferred).toContain('const ScrollView =')
  })

  it('produces two modules that run: the moved code reaches the core, the core its own state', () => {
    const script = `() => [
      core.View.render(), core.registry, 'ScrollView' in core,
      deferred.ScrollView.render(),
      deferred.Picker.render(), core.bump(),
    ]`
    // The deferred half reaches the core's helper and, through its self-import, the moved showToast;
    // bump (core) counts on from the 10 that install() left.
    expect(run(script)).toEqual(['HELPER', ['View'], false, 'HELPER:180', 'toast picked 11', 12])
  })
})

describe('redirectImports', () => {
  it('points imports of moved exports at the deferred module and leaves the rest', () => {
    const code = 'import { View, ScrollView as S } from "@dcloudio/uni-h5";\nimport { ref } from "vue";\nexport default [View, S, ref];\n'
    const out = redirectImports(code, parseAst(code) as never, new Set(['ScrollView']), DEFERRED, 'page.vue')
    expect(out).toContain('import { View } from "@dcloudio/uni-h5";')
    expect(out).toContain(`import { ScrollView as S } from "${DEFERRED}";`)
    expect(out).toContain('import { ref } from "vue";')
  })

  it('changes nothing when no moved export is imported', () => {
    const code = 'import { View } from "@dcloudio/uni-h5";\nexport default View;\n'
    expect(redirectImports(code, parseAst(code) as never, new Set(['ScrollView']), DEFERRED, 'login.vue')).toBeNull()
  })

  it('fails the build on a namespace import or export * (they would miss the moved exports)', () => {
    const namespace = 'import * as uniH5 from "@dcloudio/uni-h5";\nexport default uniH5;\n'
    expect(() => redirectImports(namespace, parseAst(namespace) as never, new Set(['ScrollView']), DEFERRED, 'x.js')).toThrow(/namespace/)
    const all = 'export * from "@dcloudio/uni-h5";\n'
    expect(() => redirectImports(all, parseAst(all) as never, new Set(['ScrollView']), DEFERRED, 'x.js')).toThrow(/ExportAllDeclaration/)
  })
})
