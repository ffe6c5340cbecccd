import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { firstPageFiles, firstPagePath } from '../../build/preloadFirstPage'

function chunk(fileName: string, facadeModuleId: string | null, imports: string[], css: string[] = [], isEntry = false) {
  return { type: 'chunk', fileName, isEntry, facadeModuleId, imports, viteMetadata: { importedCss: new Set(css) } }
}

describe('preloadFirstPage', () => {
  it('reads the first page of pages.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pages-'))
    writeFileSync(join(dir, 'pages.json'), '{\n  // start here\n  "pages": [{ "path": "src/pages/login/index" }, { "path": "src/pages/numbers/index" }]\n}')
    expect(firstPagePath(dir)).toBe('src/pages/login/index')
    expect(firstPagePath(join(dir, 'missing'))).toBeNull()
  })

  it("lists the page chunk, its static imports except the entry, and their stylesheets", () => {
    const bundle = {
      'assets/index.js': chunk('assets/index.js', '/app/main.ts', [], ['assets/index.css'], true),
      'assets/login.js': chunk('assets/login.js', '/app/src/pages/login/index.vue', ['assets/index.js', 'assets/nav.js', 'assets/helper.js'], ['assets/login.css']),
      'assets/nav.js': chunk('assets/nav.js', null, ['assets/helper.js'], ['assets/nav.css']),
      'assets/helper.js': chunk('assets/helper.js', null, []),
      'assets/numbers.js': chunk('assets/numbers.js', '/app/src/pages/numbers/index.vue', ['assets/nav.js'], ['assets/numbers.css']),
      'assets/login.css': { type: 'asset' },
    }
    expect(firstPageFiles(bundle, 'src/pages/login/index')).toEqual({
      scripts: ['assets/login.js', 'assets/nav.js', 'assets/helper.js'],
      styles: ['assets/login.css', 'assets/nav.css'],
    })
    expect(firstPageFiles(bundle, 'src/pages/missing/index')).toEqual({ scripts: [], styles: [] })
  })
})
