// Stops a long-running command (`npm run dev`, `npm run server`) when the npm that started it
// is gone. npm (since 10) does not pass SIGTERM on to the script it runs: a test harness that
// stopped `npm run server` with `child.kill()` ended npm alone, and the backend kept its port
// under PID 1. So every second the processes between this one and that npm (the shell npm ran,
// tsx) are checked: if one of them has ended, `stop()` runs once. Started any other way (node
// directly, systemd, nohup), nothing is watched.
import { readFileSync } from 'node:fs'

/** `{ name, parent }` of `pid` from /proc (Linux); null where there is no /proc or no process. */
function processInfo(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // "pid (comm) state ppid …": comm may hold spaces and parentheses.
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    return Number.isInteger(parent) ? { name, parent } : null
  } catch {
    return null
  }
}

/** The processes from this one's parent up to the nearest npm (npm sets its title "npm …"), or [] without one. */
export function processesUpToNpm(parent = process.ppid) {
  const chain = []
  let pid = parent
  while (pid > 1 && chain.length < 16) {
    const info = processInfo(pid)
    if (!info) return []
    chain.push(pid)
    if (info.name === 'npm' || info.name.startsWith('npm ')) return chain
    pid = info.parent
  }
  return []
}

function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code === 'EPERM'
  }
}

/** Calls `stop` once when a process between this one and its npm has ended. Returns the timer, or null. */
export function stopWhenOrphaned(stop, { intervalMs = 1000, chain = processesUpToNpm() } = {}) {
  if (chain.length === 0) return null
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid === parent && chain.every(alive)) return
    clearInterval(timer)
    stop()
  }, intervalMs)
  timer.unref()
  return timer
}
