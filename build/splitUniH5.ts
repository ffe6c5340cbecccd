/**
 * Vite plugin (H5 builds): splits uni-h5's one runtime module in two, so that the parts only the
 * signed-in pages use stop weighing on the first paint.
 *
 * uni-h5 is a single ES module (`@dcloudio/uni-h5/dist/uni-h5.es.js`). Rollup never splits a
 * module, so every built-in component or API that any page uses (scroll-view, textarea, the
 * pickers of uni-datetime-picker, the network and window-resize APIs, ...) ends up in the main
 * chunk that the login page waits for. This plugin cuts the module at top-level declarations:
 *
 * - the core keeps every statement with a side effect, the exports the first page and uni's own
 *   start-up import (`FIRST_PAINT_EXPORTS`, plus the module's imports of itself) and everything
 *   those reach;
 * - the rest moves to a second module (`uni-h5.deferred.es.js`) that imports what it needs from
 *   the core; imports of its exports anywhere in the app are rewritten to point at it, so it is
 *   bundled with the pages that use it.
 *
 * Correctness does not depend on the list: a declaration that the core (or anything it reaches)
 * mentions stays in the core, a moved one that assigns a core variable is pulled back, and a first
 * page that imports a moved export just brings the second module into the first paint again
 * (`checkFirstPaint` below reports that). Namespace imports or `export *` of uni-h5 elsewhere
 * would see moved exports missing: the build fails on them.
 */
import path from 'node:path'
import type { Plugin, Rollup } from 'vite'

/** What the login page, App.vue, main.ts and uni's generated start-up code import from uni-h5. */
export const FIRST_PAINT_EXPORTS = [
  // uni's start-up (main.ts, App.vue, pages.json, manifest.json, uni-i18n)
  'plugin',
  'setupApp',
  'setupPage',
  'setupWindow',
  'PageComponent',
  'useI18n',
  'upx2px',
  'getApp',
  'getCurrentPages',
  'getLocale',
  'UniServiceJSBridge',
  'UniViewJSBridge',
  // the login page and the code it runs before sign-in (storage, token client, i18n, navigation)
  'Input',
  'Button',
  'request',
  'getStorageSync',
  'setStorageSync',
  'removeStorageSync',
  'getStorageInfoSync',
  'getSystemInfoSync',
  'reLaunch',
  'createInnerAudioContext',
  'onThemeChange',
  'offThemeChange',
]

const UNI_H5 = '@dcloudio/uni-h5'
const CORE_FILE = /[\\/]@dcloudio[\\/]uni-h5[\\/]dist[\\/]uni-h5\.es\.js$/
const DEFERRED_FILE = 'uni-h5.deferred.es.js'
/** Name prefix for core bindings that the deferred module imports (never a uni-h5 name). */
const LINK = '__uniCore$'

interface Node {
  type: string
  start: number
  end: number
  [key: string]: unknown
}

interface Unit {
  node: Node
  /** Top-level bindings the statement declares. */
  declares: string[]
  /** Identifiers it mentions (a superset of the top-level bindings it uses). */
  mentions: Set<string>
  /** Identifiers it assigns to. */
  writes: Set<string>
}

export interface Split {
  core: string
  deferred: string
  /** Export names served by the deferred module. */
  moved: Set<string>
}

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && typeof (value as Node).type === 'string'

/** Every identifier name in `node`, except property keys, member names and labels; and the assigned ones. */
function identifiers(node: Node): { mentions: Set<string>; writes: Set<string> } {
  const mentions = new Set<string>()
  const writes = new Set<string>()
  const target = (n: unknown): void => {
    if (!isNode(n)) return
    if (n.type === 'Identifier') writes.add(n.name as string)
    else if (n.type === 'MemberExpression') return
    else for (const value of Object.values(n)) if (Array.isArray(value)) value.forEach(target)
    else target(value)
  }
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit)
    if (!isNode(n)) return
    switch (n.type) {
      case 'IfStatement':
      case 'ConditionalExpression':
        // uni's feature flags are replaced by literals before this runs; rollup drops the dead branch.
        if (isNode(n.test) && n.test.type === 'Literal' && typeof n.test.value === 'boolean') return visit(n.test.value ? n.consequent : n.alternate)
        break
      case 'Identifier':
        mentions.add(n.name as string)
        return
      case 'MemberExpression':
        visit(n.object)
        if (n.computed) visit(n.property)
        return
      case 'Property':
      case 'MethodDefinition':
      case 'PropertyDefinition':
        if (n.computed) visit(n.key)
        if (n.shorthand) visit(n.key)
        visit(n.value)
        return
      case 'LabeledStatement':
        visit(n.body)
        return
      case 'BreakStatement':
      case 'ContinueStatement':
        return
      case 'AssignmentExpression':
        target(n.left)
        break
      case 'UpdateExpression':
        target(n.argument)
        break
    }
    for (const [key, value] of Object.entries(n)) if (key !== 'type' && key !== 'start' && key !== 'end' && key !== 'loc' && key !== 'range') visit(value)
  }
  visit(node)
  return { mentions, writes }
}

function declaredNames(pattern: unknown, out: string[]): string[] {
  if (!isNode(pattern)) return out
  if (pattern.type === 'Identifier') out.push(pattern.name as string)
  else if (pattern.type === 'ObjectPattern') for (const p of pattern.properties as Node[]) declaredNames(p.type === 'RestElement' ? p.argument : p.value, out)
  else if (pattern.type === 'ArrayPattern') for (const p of pattern.elements as Node[]) declaredNames(p, out)
  else if (pattern.type === 'RestElement') declaredNames(pattern.argument, out)
  else if (pattern.type === 'AssignmentPattern') declaredNames(pattern.left, out)
  return out
}

/** Cuts uni-h5's module text in two (see the file comment). `coreId` is how the deferred module imports the core. */
export function splitModule(code: string, ast: { body: Node[] }, coreId: string, deferredRequest: string, firstPaint: readonly string[] = FIRST_PAINT_EXPORTS): Split {
  const imports: Node[] = []
  const units: Unit[] = []
  const exported = new Map<string, string>() // exported name -> local name
  let exportList: Node | undefined
  // uni's API injection makes the module import itself (`uni.showToast` -> `import { showToast } from '@dcloudio/uni-h5'`).
  const selfImports: Node[] = []
  const selfAlias = new Map<string, string>() // local name -> export name
  for (const node of ast.body) {
    if (node.type === 'ImportDeclaration') {
      if ((node.source as { value: string }).value !== UNI_H5) imports.push(node)
      else {
        selfImports.push(node)
        for (const s of node.specifiers as Node[]) if (s.type === 'ImportSpecifier') selfAlias.set((s.local as { name: string }).name, (s.imported as { name: string }).name)
        else throw new Error(`split-uni-h5: unexpected ${s.type} of uni-h5 in uni-h5`)
      }
      continue
    }
    if (node.type === 'ExportNamedDeclaration' && !node.source && !node.declaration && !exportList) {
      exportList = node
      for (const s of node.specifiers as Node[]) exported.set((s.exported as { name: string }).name, (s.local as { name: string }).name)
      continue
    }
    if (node.type.startsWith('Export')) throw new Error(`split-uni-h5: unexpected ${node.type} in uni-h5 (the split expects one export list)`)
    const declares =
      node.type === 'VariableDeclaration'
        ? (node.declarations as Node[]).flatMap((d) => declaredNames(d.id, []))
        : node.type === 'FunctionDeclaration' || node.type === 'ClassDeclaration'
          ? [(node.id as { name: string }).name]
          : []
    units.push({ node, declares, ...identifiers(node) })
  }
  if (!exportList) throw new Error('split-uni-h5: no export list in uni-h5')

  const unitOf = new Map<string, Unit>()
  for (const unit of units) for (const name of unit.declares) unitOf.set(name, unit)
  const localOf = (name: string): string => exported.get(name) ?? name
  // A self-import's local name stands for the declaration behind that export.
  for (const [alias, name] of selfAlias) {
    const unit = unitOf.get(localOf(name))
    if (unit) unitOf.set(alias, unit)
  }

  // The core: statements with effects, the first paint's exports, the self-imports, and their reach.
  const core = new Set<Unit>()
  const queue: Unit[] = []
  const keep = (unit: Unit | undefined): void => {
    if (unit && !core.has(unit)) {
      core.add(unit)
      queue.push(unit)
    }
  }
  for (const unit of units) if (unit.declares.length === 0) keep(unit)
  for (const name of firstPaint) keep(unitOf.get(localOf(name)))
  for (;;) {
    while (queue.length > 0) for (const name of (queue.pop() as Unit).mentions) keep(unitOf.get(name))
    // A moved statement may not assign a core binding (imports are read-only): it stays too.
    const pulled = units.filter((u) => !core.has(u) && [...u.writes].some((name) => unitOf.has(name) && core.has(unitOf.get(name) as Unit)))
    if (pulled.length === 0) break
    pulled.forEach(keep)
  }

  const movedUnits = units.filter((u) => !core.has(u))
  const movedLocals = new Set(movedUnits.flatMap((u) => u.declares))
  const moved = new Set([...exported].filter(([, local]) => movedLocals.has(local)).map(([name]) => name))
  // Core bindings the moved statements mention: the core exports them under a private name.
  const links = [...new Set(movedUnits.flatMap((u) => [...u.mentions]))].filter((name) => unitOf.has(name) && !selfAlias.has(name) && !movedLocals.has(name)).sort()
  /** The self-imports split by where their export now lives (`from` the core or the deferred module itself). */
  const selfImportText = (wantMoved: boolean, from: string): string[] =>
    selfImports.flatMap((node) => {
      const list = (node.specifiers as Node[]).filter((s) => moved.has((s.imported as { name: string }).name) === wantMoved)
      return list.length > 0 ? [`import { ${list.map((s) => code.slice(s.start, s.end)).join(', ')} } from ${JSON.stringify(from)};`] : []
    })

  const keptExports = [...exported].filter(([name]) => !moved.has(name))
  const exportText = `export {\n${[...keptExports.map(([name, local]) => (name === local ? `  ${name}` : `  ${local} as ${name}`)), ...links.map((l) => `  ${l} as ${LINK}${l}`)].join(',\n')}\n};`
  const cut = [...movedUnits.map((u) => u.node), ...selfImports, exportList].sort((a, b) => a.start - b.start)
  let coreText = ''
  let at = 0
  for (const node of cut) {
    // The core's self-imports keep only what the core still exports (the core never mentions a moved one).
    const replacement = node === exportList ? exportText : node === selfImports[0] ? selfImportText(false, UNI_H5).join('\n') : ''
    coreText += code.slice(at, node.start) + replacement
    at = node.end
  }
  coreText += code.slice(at)

  const deferredText = [
    ...imports.map((node) => code.slice(node.start, node.end)),
    ...selfImportText(false, UNI_H5),
    ...selfImportText(true, deferredRequest),
    links.length > 0 ? `import { ${links.map((l) => `${LINK}${l} as ${l}`).join(', ')} } from ${JSON.stringify(coreId)};` : '',
    ...movedUnits.map((u) => code.slice(u.node.start, u.node.end)),
    `export {\n${[...exported].filter(([name]) => moved.has(name)).map(([name, local]) => (name === local ? `  ${name}` : `  ${local} as ${name}`)).join(',\n')}\n};`,
  ].join('\n')
  return { core: coreText, deferred: deferredText, moved }
}

/** Rewrites `import { A, B } from '@dcloudio/uni-h5'` so moved exports come from `deferredId`; null when nothing moves. */
export function redirectImports(code: string, ast: { body: Node[] }, moved: ReadonlySet<string>, deferredId: string, where: string): string | null {
  const edits: Array<{ start: number; end: number; text: string }> = []
  for (const node of ast.body) {
    const source = (node.source as { value?: unknown } | undefined)?.value
    if (source !== UNI_H5) continue
    if (node.type !== 'ImportDeclaration') throw new Error(`split-uni-h5: ${node.type} of uni-h5 in ${where} would miss the moved exports`)
    const specifiers = node.specifiers as Node[]
    if (specifiers.some((s) => s.type !== 'ImportSpecifier')) throw new Error(`split-uni-h5: a namespace or default import of uni-h5 in ${where} would miss the moved exports`)
    const name = (s: Node): string => (s.imported as { name: string }).name
    const away = specifiers.filter((s) => moved.has(name(s)))
    if (away.length === 0) continue
    const text = (list: Node[], from: string): string => `import { ${list.map((s) => code.slice(s.start, s.end)).join(', ')} } from ${JSON.stringify(from)};`
    const stay = specifiers.filter((s) => !moved.has(name(s)))
    edits.push({ start: node.start, end: node.end, text: (stay.length > 0 ? text(stay, UNI_H5) : '') + text(away, deferredId) })
  }
  if (edits.length === 0) return null
  let out = ''
  let at = 0
  for (const edit of edits) {
    out += code.slice(at, edit.start) + edit.text
    at = edit.end
  }
  return out + code.slice(at)
}

const DEFERRED_REQUEST = 'virtual:uni-h5-deferred'

export function splitUniH5(): Plugin {
  let coreId: string | undefined
  let split: Split | undefined

  async function ensureSplit(ctx: Rollup.PluginContext, importer: string): Promise<{ coreId: string; split: Split }> {
    if (!coreId) coreId = (await ctx.resolve(UNI_H5, importer))?.id
    if (!coreId || !CORE_FILE.test(coreId)) throw new Error(`split-uni-h5: ${UNI_H5} resolved to ${coreId ?? 'nothing'}`)
    if (!split) await ctx.load({ id: coreId })
    if (!split) throw new Error('split-uni-h5: uni-h5 was not transformed')
    return { coreId, split }
  }

  return {
    name: 'tccc:split-uni-h5',
    apply: (_config, env) => env.command === 'build' && process.env.UNI_PLATFORM === 'h5',
    enforce: 'post',
    resolveId(source) {
      if (source === DEFERRED_REQUEST && coreId) return path.join(path.dirname(coreId), DEFERRED_FILE)
      return null
    },
    async load(id) {
      if (!id.endsWith(`${path.sep}${DEFERRED_FILE}`) || !coreId || id !== path.join(path.dirname(coreId), DEFERRED_FILE)) return null
      return { code: (await ensureSplit(this, id)).split.deferred, moduleSideEffects: false }
    },
    async transform(code, id) {
      if (CORE_FILE.test(id)) {
        coreId = id
        split = splitModule(code, this.parse(code) as unknown as { body: Node[] }, id, DEFERRED_REQUEST)
        return { code: split.core, map: null }
      }
      if (!code.includes(UNI_H5) || id.endsWith(DEFERRED_FILE)) return null
      let ast: { body: Node[] }
      try {
        ast = this.parse(code) as unknown as { body: Node[] }
      } catch {
        return null // not JavaScript (a style block); a missed import would fail the build loudly
      }
      if (!ast.body.some((node) => (node.source as { value?: unknown } | undefined)?.value === UNI_H5)) return null
      const { split: result } = await ensureSplit(this, id)
      const out = redirectImports(code, ast, result.moved, DEFERRED_REQUEST, id)
      return out === null ? null : { code: out, map: null }
    },
  }
}
