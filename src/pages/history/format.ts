/** How history names a call's time and day (local time). */

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** `14:05` in the device's local time (the day is in the group header). */
export function formatClock(ts: number): string {
  const d = new Date(ts)
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A callback time: `12-05 10:00`, with the year when it is not this year's (`2027-01-04 10:00`). */
export function formatCallbackTime(ts: number, now: number): string {
  const d = new Date(ts)
  const day = `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClock(ts)}`
  return d.getFullYear() === new Date(now).getFullYear() ? day : `${d.getFullYear()}-${day}`
}

/** A day header: 今天 / 昨天 / `3月8日` (this year) / `2025年3月8日`, or the English words. */
export function dayLabel(
  group: { day: string; relative: 'today' | 'yesterday' | 'date' },
  now: number,
  words: { today: string; yesterday: string; thisYear: (m: number, d: number) => string; otherYear: (y: number, m: number, d: number) => string },
): string {
  if (group.relative === 'today') return words.today
  if (group.relative === 'yesterday') return words.yesterday
  const [y, m, d] = group.day.split('-').map(Number)
  return y === new Date(now).getFullYear() ? words.thisYear(m, d) : words.otherYear(y, m, d)
}
