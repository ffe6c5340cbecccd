// @vitest-environment node
/**
 * `npm ci --omit=dev` then `npm run server` must work: the script's runner and every package the
 * backend imports at run time (following its relative and `@/` imports into shared app code) are
 * production dependencies. Type-only imports are erased and do not count.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>
  dependencies: Record<string, string>
}

/** Value imports of a TypeScript file (`import type` and `export type` left out). */
export function valueImports(source: string): string[] {
  const found: string[] = []
  const pattern = /(?:^|\n)\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/g
  for (const match of source.matchAll(pattern)) found.push(match[1])
  for (const match of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1])
  return found
}

function resolveLocal(from: string, specifier: string): string | undefined {
  const base = specifier.startsWith('@/') ? path.join(ROOT, 'src', specifier.slice(2)) : path.resolve(path.dirname(from), specifier)
  for (const candidate of [base, `${base}.ts`, `${base}.mjs`, `${base}.js`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && !candidate.endsWith('/')) {
      try {
        readFileSync(candidate)
        return candidate
      } catch {
        // a directory: try the next candidate
      }
    }
  }
  return undefined
}

function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** Every package reached from the server's entry points, with the file that imports it. */
function runtimePackages(entries: string[]): Map<string, string> {
  const packages = new Map<string, string>()
  const seen = new Set<string>()
  const queue = [...entries]
  while (queue.length > 0) {
    const file = queue.pop() as string
    if (seen.has(file)) continue
    seen.add(file)
    for (const specifier of valueImports(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.') || specifier.startsWith('@/')) {
        const target = resolveLocal(file, specifier)
        if (target) queue.push(target)
        continue
      }
      const name = specifier.replace(/^node:/, '')
      if (builtinModules.includes(name) || builtinModules.includes(name.split('/')[0])) continue
      packages.set(packageName(specifier), path.relative(ROOT, file))
    }
  }
  return packages
}

const serverEntries = readdirSync(path.join(ROOT, 'server/src'))
  .filter((f) => f === 'main.ts' || f === 'cli.ts')
  .map((f) => path.join(ROOT, 'server/src', f))

describe('production install (npm ci --omit=dev) runs the backend', () => {
  it('runs npm run server with a runner that is a production dependency', () => {
    const runner = pkg.scripts.server.split(/\s+/)[0]
    expect(runner).toBe('tsx')
    expect(pkg.dependencies).toHaveProperty('tsx')
  })

  it('imports at run time only production dependencies (server and the app code it shares)', () => {
    expect(serverEntries.length).toBe(2)
    const reached = runtimePackages(serverEntries)
    // The walk really reaches the backend's own packages.
    expect([...reached.keys()]).toEqual(expect.arrayContaining(['fastify', '@electric-sql/pglite', 'pg']))
    const missing = [...reached].filter(([name]) => !(name in pkg.dependencies)).map(([name, file]) => `${name} (imported by ${file})`)
    expect(missing).toEqual([])
  })

  it('the import reader skips type-only imports and sees dynamic ones', () => {
    const source = "import type { A } from 'vitest'\nimport { b } from 'fastify'\nexport type { C } from 'vite'\nconst d = await import('pg')\n"
    expect(valueImports(source)).toEqual(['fastify', 'pg'])
  })
})
