/**
 * Goals of a benchmark run. Each check prints its verdict next to the ratio as before; a missed
 * goal also sets a non-zero exit code, so `npm run bench` fails (e.g. a search gone quadratic).
 * Goals are ratios against a baseline measured in the same run, never absolute times.
 */
const missed: string[] = []

/** Records whether `name` met its goal and returns `met`, for the caller's own verdict text. */
export function goal(name: string, met: boolean): boolean {
  if (!met) {
    missed.push(name)
    process.exitCode = 1
  }
  return met
}

/** The last line of a bench: every missed goal, or that all were met. */
export function reportGoals(): void {
  if (missed.length > 0) console.log(`\nGOALS MISSED (${missed.length}): ${missed.join('; ')}`)
  else console.log('\nall goals met')
}
