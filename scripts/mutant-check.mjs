// Applies one mutant by hand, runs the given test files, restores the source, and says whether
// the tests caught it. How the surviving mutants of issue 13 were decided (docs/mutation/*.md):
//   node scripts/mutant-check.mjs <source> <line> <old text> <new text> <test file>...
// Replaces the first <old text> on <line> (1-based) of <source> with <new text>, runs
// `npx vitest run <test files>`, restores the file whatever happens, and prints KILLED (a test
// failed) or SURVIVED (all passed) with the failing tests' lines. Exit 2: <old text> is not on
// that line (the file moved on since the mutant's run).
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

const [source, lineArg, oldText, newText, ...tests] = process.argv.slice(2)
const line = Number(lineArg)
if (!source || !Number.isInteger(line) || line < 1 || oldText === undefined || newText === undefined || tests.length === 0) {
  console.error('usage: node scripts/mutant-check.mjs <source> <line> <old text> <new text> <test file>...')
  process.exit(2)
}
const original = readFileSync(source, 'utf8')
const lines = original.split('\n')
if (!lines[line - 1]?.includes(oldText)) {
  console.error(`NOT FOUND: ${JSON.stringify(oldText)} is not on line ${line}: ${JSON.stringify(lines[line - 1] ?? '')}`)
  process.exit(2)
}
lines[line - 1] = lines[line - 1].replace(oldText, () => newText)
let result
try {
  writeFileSync(source, lines.join('\n'))
  result = spawnSync('npx', ['vitest', 'run', ...tests], { encoding: 'utf8' })
} finally {
  writeFileSync(source, original)
}
const output = `${result.stdout}${result.stderr}`
console.log(result.status === 0 ? 'SURVIVED' : 'KILLED')
for (const failed of output.split('\n').filter((l) => / FAIL |×/.test(l)).slice(0, 8)) console.log(`    ${failed.trim().slice(0, 200)}`)
