// @vitest-environment node
/**
 * Mutation testing of server/src/db/workspace.ts lines 331-394 (the end of assignNumbers, the CSV
 * export), issue 13: docs/mutation/dbws3.md. Stryker's run left no mutant to kill there; this file
 * kills a hand-made one its regex mutator does not make: a carriage return alone must quote a CSV
 * field, or a spreadsheet splits the call's row in two. One PGlite database for the file, driven
 * through exportCalls as GET /api/admin/calls and the export-calls CLI call it.
 */
import { describe, expect, it } from 'vitest'
import { exportCalls, pushChanges } from '../src/db/workspace'
import { answeredCallData, databasePerFile } from './helpers'

const A = 'agent1@example.com'

describe('CSV export, each special character alone (mutation testing)', () => {
  const db = databasePerFile()
  const t0 = Date.UTC(2026, 10, 20, 9, 0, 0)
  const now = t0 + 86_400_000

  it('quotes a field holding only a carriage return, only a comma or only a quote, and leaves a plain one alone', async () => {
    const call = (changeId: string, id: string, over: Record<string, unknown>) => ({
      changeId,
      kind: 'call',
      op: 'upsert',
      id,
      data: answeredCallData(now, { startedAt: t0, answeredAt: null, endedAt: t0 + 1_000, durationSec: 1, ...over }),
    })
    const results = await pushChanges(
      db,
      A,
      [
        call('c1', 'cr', { note: 'first\rsecond', remark: 'plain' }),
        call('c2', 'comma', { startedAt: t0 + 1, note: 'a,b' }),
        call('c3', 'quote', { startedAt: t0 + 2, note: 'say "hi"', endReason: 'x"y' }),
      ],
      now,
    )
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied'])
    expect((await exportCalls(db, { agent: A })).slice(1)).toEqual([
      `cr,${A},13800138000,plain,out,2026-11-20T09:00:00.000Z,,2026-11-20T09:00:01.000Z,1,local-hangup,,"first\rsecond",`,
      `comma,${A},13800138000,,out,2026-11-20T09:00:00.001Z,,2026-11-20T09:00:01.000Z,1,local-hangup,,"a,b",`,
      `quote,${A},13800138000,,out,2026-11-20T09:00:00.002Z,,2026-11-20T09:00:01.000Z,1,"x""y",,"say ""hi""",`,
    ])
  })

  // OWASP's CSV-injection list: a cell starting with = + - @, a tab or a carriage return is
  // prefixed with ' so a spreadsheet shows it as text. A leading sign and digit stays bare only
  // when the whole text is a phone number or amount; `-2+3+cmd|…` is a formula, not a number.
  it('prefixes a formula that starts like a number, a leading tab or carriage return; numbers stay bare', async () => {
    const call = (changeId: string, id: string, ms: number, note: string) => ({
      changeId,
      kind: 'call',
      op: 'upsert',
      id,
      data: answeredCallData(now, { startedAt: t0 + ms, answeredAt: null, endedAt: t0 + 1_000, durationSec: 1, note }),
    })
    await pushChanges(
      db,
      'agent2@example.com',
      [
        call('f1', 'f1', 0, "-2+3+cmd|' /C calc'!A0"),
        call('f2', 'f2', 1, '+1+1'),
        call('f3', 'f3', 2, '\t=1+2'),
        call('f4', 'f4', 3, '\r=1+2'),
        call('f5', 'f5', 4, '+86 138-0013-8000'),
        call('f6', 'f6', 5, '-12.5'),
      ],
      now,
    )
    const notes = (await exportCalls(db, { agent: 'agent2@example.com' })).slice(1).map((line) => line.split(',').slice(11).join(','))
    expect(notes).toEqual([`'-2+3+cmd|' /C calc'!A0,`, `'+1+1,`, `'\t=1+2,`, `"'\r=1+2",`, '+86 138-0013-8000,', '-12.5,'])
  })
})
