/**
 * Cold start: the modules that `App.vue` and the first page (login) import statically end up in
 * the chunks loaded before the login page is interactive. The signed-in part (event router, call,
 * numbers and history stores) must stay out of them: it is loaded through `src/store/deferred.ts`.
 * Walks the static `import ... from` graph (dynamic `import()` and `import type` do not count).
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(__dirname, '../..')

/** Deferred on purpose; none may be reachable from the first page by static imports. */
const DEFERRED = ['src/store/eventRouter.ts', 'src/store/call.ts', 'src/store/numbers.ts', 'src/store/history.ts', 'src/services/numbers.ts']

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

  it('finds a deferred store when something imports it statically', () => {
    const withShell = staticImports(['src/pages/numbers/index.vue'])
    expect(withShell.has(path.join(ROOT, 'src/store/numbers.ts'))).toBe(true)
  })
})
