/**
 * ESLint rule: no import cycle through the linted file. Follows the static imports and
 * re-exports of every module it reaches (relative and `@/` paths; `.ts`, `.vue`, `.js`, `.mjs`,
 * folder `index`), reading each file once per lint run. `import type` / `export type` and imports
 * whose every name is a type are left out (erased at build time), and so are dynamic `import()`s
 * (loaded later, they do not order module start-up). Reports the import that closes a cycle,
 * with the whole path.
 *
 * Options: `{ alias: { '@/': 'src/' } }`, prefixes resolved against the working directory.
 */
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const EXTENSIONS = ['.ts', '.vue', '.js', '.mjs', '.tsx']

/** path -> { mtimeMs, imports: string[] (specifiers) } */
const importCache = new Map()

function scriptOf(file, text) {
  if (!file.endsWith('.vue')) return text
  const blocks = [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1])
  return blocks.join('\n')
}

/** The value (not type-only) static import / re-export specifiers of a module's text. */
export function valueImportsOf(file, text) {
  const source = ts.createSourceFile(file, scriptOf(file, text), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const specifiers = []
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause
      if (clause?.isTypeOnly) continue
      const named = clause?.namedBindings
      const onlyTypeNames =
        clause && !clause.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((element) => element.isTypeOnly)
      if (onlyTypeNames) continue
      if (ts.isStringLiteral(statement.moduleSpecifier)) specifiers.push(statement.moduleSpecifier.text)
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      if (statement.isTypeOnly) continue
      const clause = statement.exportClause
      if (clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((element) => element.isTypeOnly)) continue
      specifiers.push(statement.moduleSpecifier.text)
    }
  }
  return specifiers
}

function importsOfFile(file) {
  let stat
  try {
    stat = fs.statSync(file)
  } catch {
    return []
  }
  const cached = importCache.get(file)
  if (cached && cached.mtimeMs === stat.mtimeMs) return cached.imports
  const imports = valueImportsOf(file, fs.readFileSync(file, 'utf8'))
  importCache.set(file, { mtimeMs: stat.mtimeMs, imports })
  return imports
}

function existingFile(candidate) {
  try {
    return fs.statSync(candidate).isFile() ? candidate : undefined
  } catch {
    return undefined
  }
}

/** The file a specifier names, or undefined for packages and anything that does not exist. */
export function resolveSpecifier(specifier, fromFile, aliases, cwd) {
  let base
  if (specifier.startsWith('./') || specifier.startsWith('../')) {
    base = path.resolve(path.dirname(fromFile), specifier)
  } else {
    const prefix = Object.keys(aliases).find((key) => specifier.startsWith(key))
    if (prefix === undefined) return undefined
    base = path.resolve(cwd, aliases[prefix], specifier.slice(prefix.length))
  }
  const found = existingFile(base)
  if (found && EXTENSIONS.includes(path.extname(found))) return found
  for (const extension of EXTENSIONS) {
    const withExtension = existingFile(base + extension)
    if (withExtension) return withExtension
  }
  for (const extension of EXTENSIONS) {
    const index = existingFile(path.join(base, `index${extension}`))
    if (index) return index
  }
  return undefined
}

/** The shortest chain of value imports from `start` back to `target`, or undefined. */
function pathBack(start, target, resolve) {
  const previous = new Map([[start, null]])
  const queue = [start]
  while (queue.length > 0) {
    const file = queue.shift()
    for (const specifier of importsOfFile(file)) {
      const next = resolve(specifier, file)
      if (!next) continue
      if (next === target) {
        const chain = [target]
        for (let at = file; at !== null; at = previous.get(at)) chain.unshift(at)
        return chain
      }
      if (!previous.has(next)) {
        previous.set(next, file)
        queue.push(next)
      }
    }
  }
  return undefined
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow import cycles (value imports; `import type` excluded)' },
    schema: [
      {
        type: 'object',
        properties: { alias: { type: 'object', additionalProperties: { type: 'string' } } },
        additionalProperties: false,
      },
    ],
    messages: { cycle: 'Import cycle: {{chain}}' },
  },
  create(context) {
    const aliases = context.options[0]?.alias ?? {}
    const cwd = context.cwd
    const file = path.resolve(context.filename)
    const resolve = (specifier, from) => resolveSpecifier(specifier, from, aliases, cwd)
    const relative = (at) => path.relative(cwd, at).split(path.sep).join('/')

    function check(node) {
      if (node.importKind === 'type' || node.exportKind === 'type') return
      if (node.type === 'ImportDeclaration' && node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type')) return
      if (node.type === 'ExportNamedDeclaration' && node.specifiers.length > 0 && node.specifiers.every((s) => s.exportKind === 'type')) return
      const target = resolve(node.source.value, file)
      if (!target) return
      const back = target === file ? [file] : pathBack(target, file, resolve)
      if (!back) return
      context.report({ node, messageId: 'cycle', data: { chain: [file, ...back].map(relative).join(' -> ') } })
    }

    return {
      ImportDeclaration: check,
      ExportAllDeclaration: check,
      ExportNamedDeclaration(node) {
        if (node.source) check(node)
      },
    }
  },
}
