/** How history shows when a call happened, relative to now (local time). */

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

function startOfDay(ts: number): number {
  const d = new Date(ts)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}

/** Today: `14:05`; yesterday: `昨天 14:05` / `Yesterday 14:05`; this year: `03-21 14:05`; else `2024-03-21`. */
export function formatCallTime(ts: number, now: number, words: { yesterday: string }): string {
  const d = new Date(ts)
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  const today = startOfDay(now)
  if (ts >= today) return time
  if (ts >= today - 86_400_000) return `${words.yesterday} ${time}`
  if (d.getFullYear() === new Date(now).getFullYear()) return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}
