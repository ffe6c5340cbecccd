// `node scripts/mutation-summary.mjs <group> [mutation.json|--events [dir]]`: the committed per-group summary of
// a Stryker run (reports/mutation-summary.<group>.json): totals, per-file counts and every
// survivor / uncovered mutant with its line, so the score can be reviewed without the HTML report
// (reports/mutation/ is not committed). scripts/mutate.mjs calls it after a group's run.
import { execSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const group = process.argv[2]
const fromEvents = process.argv[3] === '--events'
const input = fromEvents ? (process.argv[4] ?? `reports/mutation/events-${group}`) : (process.argv[3] ?? `reports/mutation/${group}.json`)
if (!group || !input.split(',').every((p) => existsSync(p))) {
  console.error(`usage: mutation-summary.mjs <group> [<mutation.json>|--events] (${input} not found)`)
  process.exit(2)
}
/** A stopped run: rebuild the report's files from the event recorder's onMutantTested events. */
// Several runs (comma-separated directories) combine; a mutant tested in more than one run
// (same file, place and replacement) counts once, with the result of the last directory given.
function reportFromEvents(dirs) {
  const byKey = new Map()
  for (const dir of dirs.split(',')) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith('-onMutantTested.json')).sort()) {
      const m = JSON.parse(readFileSync(path.join(dir, name), 'utf8'))
      byKey.set(JSON.stringify([m.fileName, m.location, m.mutatorName, m.replacement]), m)
    }
  }
  const files = {}
  for (const mutant of byKey.values()) (files[mutant.fileName] ??= { mutants: [] }).mutants.push(mutant)
  // How many mutants each file had in the run's plan: what a stopped run did not reach.
  for (const dir of dirs.split(',')) {
    const plan = readdirSync(dir).find((n) => n.endsWith('-onMutationTestingPlanReady.json'))
    if (!plan) continue
    for (const { mutant } of JSON.parse(readFileSync(path.join(dir, plan), 'utf8')).mutantPlans) {
      const entry = (files[mutant.fileName] ??= { mutants: [] })
      entry.planned = Math.max(entry.planned ?? 0, (entry.plannedIn?.[dir] ?? 0) + 1)
      entry.plannedIn = { ...entry.plannedIn, [dir]: (entry.plannedIn?.[dir] ?? 0) + 1 }
    }
  }
  const cwd = process.cwd() + path.sep
  return { files: Object.fromEntries(Object.entries(files).map(([file, v]) => [file.startsWith(cwd) ? file.slice(cwd.length) : file, v])) }
}
const report = fromEvents ? reportFromEvents(input) : JSON.parse(readFileSync(input, 'utf8'))

const KEYS = ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError', 'RuntimeError', 'Ignored']
const empty = () => Object.fromEntries(KEYS.map((k) => [k, 0]))
const totals = empty()
const files = {}
const left = []
for (const [file, { mutants, planned }] of Object.entries(report.files)) {
  const counts = (files[file] = empty())
  if (planned !== undefined) counts.planned = planned
  for (const m of mutants) {
    counts[m.status] = (counts[m.status] ?? 0) + 1
    totals[m.status] = (totals[m.status] ?? 0) + 1
    if (m.status === 'Survived' || m.status === 'NoCoverage') {
      const { line, column } = m.location.start
      left.push({ file, line, column, status: m.status, mutator: m.mutatorName, replacement: m.replacement })
    }
  }
}
// Stryker's score: detected / (valid mutants); "covered" leaves out the uncovered ones.
const detected = totals.Killed + totals.Timeout
const valid = detected + totals.Survived + totals.NoCoverage
const score = (n, d) => (d ? Math.round((1000 * n) / d) / 10 : null)
let commit = 'unknown'
try {
  commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim()
} catch {
  // not a git checkout: the summary is still useful without the commit
}
const summary = {
  group,
  // A stopped run covers only the mutants tested before it stopped.
  complete: !fromEvents,
  commit,
  date: new Date().toISOString(),
  mutants: valid,
  ...totals,
  score: score(detected, valid),
  scoreCovered: score(detected, valid - totals.NoCoverage),
  files,
  left: left.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line),
}
writeFileSync(`reports/mutation-summary.${group}.json`, JSON.stringify(summary, null, 1) + '\n')
console.log(`${group}: ${summary.score}% (${detected}/${valid}, ${totals.Survived} survived, ${totals.NoCoverage} no coverage) -> reports/mutation-summary.${group}.json`)
