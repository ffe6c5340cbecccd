import { readFileSync } from 'node:fs'
import { parse } from 'acorn'
const code = readFileSync('node_modules/@dcloudio/uni-h5/dist/uni-h5.es.js', 'utf8')
const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'module' }) as any
for (const node of ast.body) {
  if (node.type === 'VariableDeclaration' || node.type === 'FunctionDeclaration' || node.type === 'ClassDeclaration' || node.type.startsWith('Import') || node.type.startsWith('Export')) continue
  const text = code.slice(node.start, node.end)
  console.log(String(text.length).padStart(6), text.slice(0, 150).replace(/\s+/g, ' '))
}
