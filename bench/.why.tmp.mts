import { readFileSync } from 'node:fs'
import { parse } from 'acorn'
import { FIRST_PAINT_EXPORTS } from '../build/splitUniH5'
const code = readFileSync('node_modules/@dcloudio/uni-h5/dist/uni-h5.es.js', 'utf8')
const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'module' }) as any
const mentionsOf = (n: any, out = new Set<string>()): Set<string> => {
  if (Array.isArray(n)) { n.forEach((x) => mentionsOf(x, out)); return out }
  if (!n || typeof n.type !== 'string') return out
  if (n.type === 'IfStatement' && n.test?.type === 'Literal' && typeof n.test.value === 'boolean') return mentionsOf(n.test.value ? n.consequent : n.alternate, out)
  if (n.type === 'Identifier') { out.add(n.name); return out }
  if (n.type === 'MemberExpression') { mentionsOf(n.object, out); if (n.computed) mentionsOf(n.property, out); return out }
  if (n.type === 'Property' || n.type === 'MethodDefinition' || n.type === 'PropertyDefinition') { if (n.computed || n.shorthand) mentionsOf(n.key, out); mentionsOf(n.value, out); return out }
  for (const [k, v] of Object.entries(n)) if (k !== 'type' && k !== 'start' && k !== 'end') mentionsOf(v, out)
  return out
}
const names = (p: any, out: string[] = []): string[] => { if (!p) return out; if (p.type === 'Identifier') out.push(p.name); else if (p.type === 'ObjectPattern') p.properties.forEach((q: any) => names(q.type === 'RestElement' ? q.argument : q.value, out)); else if (p.type === 'ArrayPattern') p.elements.forEach((q: any) => names(q, out)); else if (p.type === 'RestElement') names(p.argument, out); else if (p.type === 'AssignmentPattern') names(p.left, out); return out }
const units: any[] = []; const unitOf = new Map<string, any>(); const exported = new Map<string, string>()
for (const node of ast.body) {
  if (node.type === 'ImportDeclaration') continue
  if (node.type === 'ExportNamedDeclaration') { for (const s of node.specifiers) exported.set(s.exported.name, s.local.name); continue }
  const declares = node.type === 'VariableDeclaration' ? node.declarations.flatMap((d: any) => names(d.id)) : node.id ? [node.id.name] : []
  const u = { node, declares, mentions: mentionsOf(node), label: declares[0] ?? code.slice(node.start, node.start + 60).replace(/\s+/g, ' ') }
  units.push(u); for (const d of declares) unitOf.set(d, u)
}
const parent = new Map<any, any>(); const queue: any[] = []
const keep = (u: any, from: any) => { if (u && !parent.has(u)) { parent.set(u, from); queue.push(u) } }
for (const u of units) if (u.declares.length === 0) keep(u, 'side-effect')
for (const n of FIRST_PAINT_EXPORTS) keep(unitOf.get(exported.get(n) ?? n), 'export ' + n)
while (queue.length) { const u = queue.shift(); for (const m of u.mentions) keep(unitOf.get(m), u) }
for (const target of process.argv.slice(2)) {
  let u = unitOf.get(target); const chain = []
  while (u && typeof u !== 'string') { chain.push(u.label); u = parent.get(u) }
  chain.push(u)
  console.log(target, ':', chain.join(' <- '))
}
