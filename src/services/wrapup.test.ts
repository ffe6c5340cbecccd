import { describe, expect, it } from 'vitest'
import type { CallRecord } from './callRecord'
import { DEFAULT_OUTCOMES } from './workday'
import {
  checkWrapup,
  clampNote,
  DEFAULT_WRAPUP_SETTING,
  draftFor,
  isWrapupDraft,
  parseCatalogue,
  parseWrapupSetting,
  wrapupRequirementFor,
} from './wrapup'

const NOW = Date.UTC(2026, 2, 10, 7, 30)

function record(extra: Partial<CallRecord> = {}): CallRecord {
  return { id: 's1', number: '13800000001', remark: '张伟', direction: 'out', outcome: 'answered', startedAt: NOW - 60_000, answeredAt: NOW - 50_000, endedAt: NOW, durationSec: 50, endReason: 'local-bye', ...extra }
}

describe('wrap-up requirement', () => {
  it('defaults to required after connected calls and optional after unanswered ones', () => {
    expect(wrapupRequirementFor(record(), DEFAULT_WRAPUP_SETTING)).toBe('required')
    expect(wrapupRequirementFor(record({ outcome: 'no-answer' }), DEFAULT_WRAPUP_SETTING)).toBe('optional')
    expect(wrapupRequirementFor(record({ direction: 'in' }), DEFAULT_WRAPUP_SETTING)).toBe('required')
  })

  it('never asks after a missed inbound call or a dial that failed', () => {
    expect(wrapupRequirementFor(record({ direction: 'in', outcome: 'missed' }), DEFAULT_WRAPUP_SETTING)).toBe('off')
    expect(wrapupRequirementFor(record({ direction: 'in', outcome: 'rejected' }), DEFAULT_WRAPUP_SETTING)).toBe('off')
    expect(wrapupRequirementFor(record({ outcome: 'failed' }), DEFAULT_WRAPUP_SETTING)).toBe('off')
  })

  it("follows the business's setting, and falls back per field when it is malformed", () => {
    const setting = parseWrapupSetting({ connected: 'optional', unanswered: 'off' })
    expect(wrapupRequirementFor(record(), setting)).toBe('optional')
    expect(wrapupRequirementFor(record({ outcome: 'cancelled' }), setting)).toBe('off')
    expect(parseWrapupSetting({ connected: 'sometimes' })).toEqual({ connected: 'required', unanswered: 'optional', afterCallWork: false })
    expect(parseWrapupSetting(null)).toEqual(DEFAULT_WRAPUP_SETTING)
  })

  it('holds agents in after-call work only when the setting says afterCallWork: true (default off)', () => {
    expect(DEFAULT_WRAPUP_SETTING.afterCallWork).toBe(false)
    expect(parseWrapupSetting({ connected: 'required', afterCallWork: true }).afterCallWork).toBe(true)
    for (const value of [false, 'true', 1, null, undefined]) expect(parseWrapupSetting({ afterCallWork: value }).afterCallWork).toBe(false)
  })
})

describe('wrap-up draft', () => {
  it('starts empty for the call and round-trips through storage validation', () => {
    const draft = draftFor(record(), 'required')
    expect(draft).toEqual({ callId: 's1', number: '13800000001', remark: '张伟', connected: true, requirement: 'required', disposition: null, note: '', callbackAt: null })
    expect(isWrapupDraft(JSON.parse(JSON.stringify(draft)))).toBe(true)
    expect(isWrapupDraft({ ...draft, requirement: 'off' })).toBe(false)
    expect(isWrapupDraft({ ...draft, callbackAt: 'soon' })).toBe(false)
  })

  it('needs an outcome from the catalogue', () => {
    const draft = draftFor(record(), 'required')
    expect(checkWrapup(draft, DEFAULT_OUTCOMES, NOW)).toEqual({ ok: false, problem: 'OUTCOME_REQUIRED' })
    expect(checkWrapup({ ...draft, disposition: 'maybe' }, DEFAULT_OUTCOMES, NOW)).toEqual({ ok: false, problem: 'OUTCOME_UNKNOWN' })
    expect(checkWrapup({ ...draft, disposition: 'deal', note: '  signed  ' }, DEFAULT_OUTCOMES, NOW)).toEqual({
      ok: true,
      fields: { disposition: 'deal', note: 'signed', callbackAt: null },
    })
  })

  it('needs a future callback time for callback, and drops a stale one for other outcomes', () => {
    const draft = { ...draftFor(record(), 'required'), disposition: 'callback' }
    expect(checkWrapup(draft, DEFAULT_OUTCOMES, NOW)).toEqual({ ok: false, problem: 'CALLBACK_REQUIRED' })
    expect(checkWrapup({ ...draft, callbackAt: NOW - 1 }, DEFAULT_OUTCOMES, NOW)).toEqual({ ok: false, problem: 'CALLBACK_IN_PAST' })
    expect(checkWrapup({ ...draft, callbackAt: NOW + 3_600_000 }, DEFAULT_OUTCOMES, NOW)).toMatchObject({ ok: true, fields: { callbackAt: NOW + 3_600_000 } })
    expect(checkWrapup({ ...draft, disposition: 'interested', callbackAt: NOW + 1 }, DEFAULT_OUTCOMES, NOW)).toMatchObject({ ok: true, fields: { callbackAt: null } })
  })

  it('keeps notes to 500 characters, counting an emoji once', () => {
    expect(clampNote('a'.repeat(501))).toHaveLength(500)
    const emoji = '👍'.repeat(500)
    expect(clampNote(emoji)).toBe(emoji)
    expect(Array.from(clampNote(emoji + '好'))).toHaveLength(500)
    const draft = { ...draftFor(record(), 'required'), disposition: 'deal', note: 'x'.repeat(501) }
    expect(checkWrapup(draft, DEFAULT_OUTCOMES, NOW)).toEqual({ ok: false, problem: 'NOTE_TOO_LONG' })
  })
})

describe('outcome catalogue', () => {
  it("takes the backend's well-formed outcomes by position, or the built-in ones", () => {
    const synced = [
      { code: 'b', labelZh: '乙', labelEn: 'B', final: true, position: 2 },
      { code: 'a', labelZh: '甲', labelEn: 'A', final: false, position: 1 },
      { code: '', labelZh: 'x', labelEn: 'x', final: false, position: 3 },
    ]
    expect(parseCatalogue(synced, DEFAULT_OUTCOMES).map((o) => o.code)).toEqual(['a', 'b'])
    expect(parseCatalogue([], DEFAULT_OUTCOMES).map((o) => o.code)).toEqual(['interested', 'not-interested', 'callback', 'wrong-number', 'no-answer', 'deal'])
  })
})
