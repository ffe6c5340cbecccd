/**
 * Cold start: the modules that `App.vue` and the first page (login) import statically end up in
 * the chunks loaded before the login page is interactive. The signed-in part (event router, call,
 * numbers and history stores) must stay out of them: it is loaded through `src/store/deferred.ts`;
 * so must the signed-in pages' messages (`@/i18n` adds them; the first paint uses `@/i18n/core`).
 * Walks the static `import ... from` graph (dynamic `import()` and `import type` do not count).
 *
 * uni-h5 itself is cut in two at build time (build/splitUniH5.ts): what the first paint uses of
 * it (built-in components in its templates, `uni.*` APIs) must be in `FIRST_PAINT_EXPORTS`, or
 * the whole deferred half comes back into the first chunk.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { FIRST_PAINT_EXPORTS } from '../../build/splitUniH5'

const ROOT = path.resolve(__dirname, '../..')

/** Deferred on purpose; none may be reachable from the first page by static imports. */
const DEFERRED = [
  'src/store/eventRouter.ts',
  'src/store/call.ts',
  'src/store/numbers.ts',
  'src/store/history.ts',
  'src/store/sync.ts',
  'src/store/wrapup.ts',
  'src/store/workday.ts',
  'src/services/numbers.ts',
  'src/services/sync.ts',
  'src/components/AgentShell.vue',
  // the system-appearance watcher: the theme store loads it once the first page is idle
  'src/platform/themeWatch.ts',
  // the tabs' agreement (one registration per agent per browser): loaded by a sign-in or restore
  'src/services/tabRegistration.ts',
  'src/platform/tabLink.ts',
  // the other tabs' storage writes: heard by the signed-in shell's notice and the sync engine
  'src/platform/storageWatch.ts',
  // the app's live region over modals: installed by the signed-in shell
  'src/components/liveRegion.ts',
  // messages of the signed-in pages
  'src/i18n/index.ts',
  'src/i18n/messages/index.ts',
  ...['shell', 'numbers', 'call', 'history', 'wrapup', 'workday', 'autoAdvance', 'notices'].map((domain) => `src/i18n/messages/${domain}.ts`),
]

/** uni's built-in components as template tags (uni-h5 exports them in PascalCase). */
const BUILT_IN_TAGS = /<(view|text|input|button|textarea|scroll-view|image|picker|picker-view|picker-view-column|switch|slider|checkbox|checkbox-group|radio|radio-group|form|label|navigator|swiper|swiper-item|movable-area|movable-view|progress|rich-text|icon|canvas|video|map|editor|web-view)[\s/>]/g
const pascal = (tag: string): string => tag.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())

/** What `file` uses of uni-h5: built-in tags of its template, `uni.*` calls and uni's globals. */
function uniH5Uses(file: string): string[] {
  const source = readFileSync(file, 'utf8')
  const template = file.endsWith('.vue') ? (/<template>([\s\S]*)<\/template>/.exec(source)?.[1] ?? '') : ''
  const code = file.endsWith('.vue') ? [...source.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n') : source
  const uses = [...template.matchAll(BUILT_IN_TAGS)].map((m) => pascal(m[1]))
  // Comments mention APIs too; drop them before looking for calls.
  const calls = code.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
  uses.push(...[...calls.matchAll(/\buni\.(\w+)/g)].map((m) => m[1]))
  uses.push(...[...calls.matchAll(/(?<![.\w])(getCurrentPages|getApp)\(/g)].map((m) => m[1]))
  return uses
}

/** The uni-ui (easycom) tags in `file`'s template. */
function uniUiTags(file: string): string[] {
  if (!file.endsWith('.vue')) return []
  const template = /<template>([\s\S]*)<\/template>/.exec(readFileSync(file, 'utf8'))?.[1] ?? ''
  return [...new Set([...template.matchAll(/<(uni-[a-z-]+)[\s/>]/g)].map((m) => m[1]))]
}

const STATIC_IMPORT = /^\s*import\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm

function resolveImport(from: string, specifier: string): string | null {
  let base: string
  if (specifier.startsWith('@/')) base = path.join(ROOT, 'src', specifier.slice(2))
  else if (specifier.startsWith('.')) base = path.resolve(path.dirname(from), specifier)
  else return null // a package
  const candidates = [base, `${base}.ts`, `${base}.vue`, path.join(base, 'index.ts')]
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile()) ?? null
}

/** Every file reachable from `entries` through static imports, with the path that reached it. */
function staticImports(entries: string[]): Map<string, string[]> {
  const reached = new Map<string, string[]>()
  const queue: Array<[string, string[]]> = entries.map((entry) => [path.join(ROOT, entry), [entry]])
  while (queue.length > 0) {
    const [file, via] = queue.shift() as [string, string[]]
    if (reached.has(file)) continue
    reached.set(file, via)
    const source = readFileSync(file, 'utf8')
    // In .vue files only the scripts import.
    const code = file.endsWith('.vue') ? [...source.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n') : source
    for (const match of code.matchAll(STATIC_IMPORT)) {
      const target = resolveImport(file, match[1])
      if (target && !reached.has(target)) queue.push([target, [...via, path.relative(ROOT, target)]])
    }
  }
  return reached
}

describe('first-paint imports', () => {
  const reached = staticImports(['App.vue', 'main.ts', 'src/pages/login/index.vue'])

  it('reaches the stores the login page uses (the walk works)', () => {
    expect(reached.has(path.join(ROOT, 'src/store/session.ts'))).toBe(true)
    expect(reached.has(path.join(ROOT, 'src/store/settings.ts'))).toBe(true)
    expect(reached.has(path.join(ROOT, 'src/services/workstation.ts'))).toBe(true)
  })

  it.each(DEFERRED)('does not reach %s (loaded after the first page)', (file) => {
    const via = reached.get(path.join(ROOT, file))
    expect(via, via ? `imported statically via ${via.join(' -> ')}` : '').toBeUndefined()
  })

  it('uses only the uni-h5 exports the first chunk keeps (FIRST_PAINT_EXPORTS in build/splitUniH5.ts)', () => {
    const missing = [...reached.keys()].flatMap((file) => uniH5Uses(file).filter((name) => !FIRST_PAINT_EXPORTS.includes(name)).map((name) => `${path.relative(ROOT, file)}: ${name}`))
    expect([...new Set(missing)]).toEqual([])
  })

  // uni-ui components come in through easycom (a `<uni-…>` tag, no import to follow): AppIcon's
  // `<uni-icons>` would bring the icon font's CSS and its glyph map into the first chunk.
  it('uses no uni-ui component (uni-icons included), no AppIcon and no SvgIcon: the login page paints SVG masks on plain elements', () => {
    const uniUi = [...reached.keys()].flatMap((file) => uniUiTags(file).map((tag) => `${path.relative(ROOT, file)}: <${tag}>`))
    expect(uniUi).toEqual([])
    expect(reached.has(path.join(ROOT, 'src/components/AppIcon.vue'))).toBe(false)
    expect(reached.has(path.join(ROOT, 'src/components/SvgIcon.vue'))).toBe(false)
    expect(reached.has(path.join(ROOT, 'src/components/icons.ts'))).toBe(true)
  })

  // On H5 each uni `<view>`/`<text>` mounts a component; `div`/`span` are plain elements (in the
  // App's webview view layer too). On the login page those components were 33 of 44 and most
  // of its cold start over a minimal page (issue 11).
  it('mounts no uni view/text component on the first page: its templates use div and span', () => {
    const vueFiles = [...reached.keys()].filter((file) => file.endsWith('.vue'))
    expect(vueFiles).toContain(path.join(ROOT, 'src/pages/login/index.vue'))
    const found = vueFiles.flatMap((file) => {
      const template = /<template>([\s\S]*)<\/template>/.exec(readFileSync(file, 'utf8'))?.[1] ?? ''
      return [...template.matchAll(/<(view|text)[\s/>]/g)].map((m) => `${path.relative(ROOT, file)}: <${m[1]}>`)
    })
    expect(found).toEqual([])
    expect(FIRST_PAINT_EXPORTS).not.toContain('View')
    expect(FIRST_PAINT_EXPORTS).not.toContain('Text')
  })

  it('sees uni-ui tags where a signed-in component uses them (the scan works)', () => {
    expect(uniUiTags(path.join(ROOT, 'src/components/AppIcon.vue'))).toEqual(['uni-icons'])
    expect(uniUiTags(path.join(ROOT, 'src/components/NumberRow.vue'))).toEqual(['uni-swipe-action-item'])
  })

  it('sees what a signed-in page uses of uni-h5 (the scan works)', () => {
    expect(uniH5Uses(path.join(ROOT, 'src/components/VirtualList.vue'))).toEqual(expect.arrayContaining(['ScrollView', 'createSelectorQuery', 'onWindowResize']))
    expect(uniH5Uses(path.join(ROOT, 'src/components/WrapupSheet.vue'))).toContain('Textarea')
  })

  it('finds a deferred store when something imports it statically', () => {
    const withShell = staticImports(['src/pages/numbers/index.vue'])
    expect(withShell.has(path.join(ROOT, 'src/store/numbers.ts'))).toBe(true)
  })
})
