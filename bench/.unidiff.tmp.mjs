import { readFileSync } from 'node:fs'
import { TraceMap, eachMapping } from '@jridgewell/trace-mapping'
function lines(dir, files) {
  const bytes = new Map()
  for (const f of files) {
    const code = readFileSync(`${dir}/${f}`, 'utf8').split('\n')
    const map = new TraceMap(readFileSync(`${dir}/${f}.map`, 'utf8'))
    const segs = []; eachMapping(map, (m) => segs.push(m))
    for (let i = 0; i < segs.length; i++) {
      const m = segs[i], n = segs[i + 1]
      if (!m.source || !m.source.includes('uni-h5/dist/uni-h5.es.js')) continue
      const len = n && n.generatedLine === m.generatedLine ? n.generatedColumn - m.generatedColumn : (code[m.generatedLine - 1]?.length ?? 0) - m.generatedColumn
      bytes.set(m.originalLine, (bytes.get(m.originalLine) ?? 0) + len)
    }
  }
  return bytes
}
const app = lines('/tmp/h5-minsm/assets', process.argv[2].split(','))
const min = lines('/tmp/min-sm/assets', process.argv[3].split(','))
const src = readFileSync('node_modules/@dcloudio/uni-h5/dist/uni-h5.es.js', 'utf8').split('\n')
// top-level declaration containing each line
const decl = []
let cur = '?'
for (let i = 0; i < src.length; i++) { const m = /^(?:export )?(?:async )?(?:function\*? ?|const |let |var |class )([\w$]+)/.exec(src[i]); if (m) cur = m[1]; decl[i + 1] = cur }
const extra = new Map()
for (const [line, b] of app) if (!min.has(line)) extra.set(decl[line], (extra.get(decl[line]) ?? 0) + b)
const rows = [...extra].sort((a, b) => b[1] - a[1])
console.log('extra bytes', rows.reduce((a, r) => a + r[1], 0))
for (const [k, v] of rows.slice(0, 60)) console.log(String(v).padStart(6), k)
