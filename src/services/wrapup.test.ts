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
    // A pasted NUL or half an emoji would make the backend refuse the call record's change.
    expect(checkWrapup({ ...draft, disposition: 'deal', note: 'sig\u0000ned \ud83d' }, DEFAULT_OUTCOMES, NOW)).toEqual({
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

describe('wrap-up rules at their edges', () => {
  it('reads each setting field on its own; anything but the three words falls back', () => {
    expect(parseWrapupSetting({ connected: 'off', unanswered: 'required' })).toEqual({ connected: 'off', unanswered: 'required', afterCallWork: false })
    expect(parseWrapupSetting({ connected: 'optional', unanswered: 7 })).toEqual({ connected: 'optional', unanswered: 'optional', afterCallWork: false })
    expect(parseWrapupSetting({ connected: 1, unanswered: 'off' })).toEqual({ connected: 'required', unanswered: 'off', afterCallWork: false })
    expect(parseWrapupSetting('required')).toEqual({ connected: 'required', unanswered: 'optional', afterCallWork: false })
    const copy = parseWrapupSetting(undefined)
    copy.connected = 'off'
    expect(DEFAULT_WRAPUP_SETTING.connected).toBe('required')
  })

  it('an unanswered outbound call follows the unanswered setting; an answered inbound one the connected setting', () => {
    const setting = { connected: 'off', unanswered: 'required', afterCallWork: false } as const
    expect(wrapupRequirementFor(record({ outcome: 'no-answer' }), setting)).toBe('required')
    expect(wrapupRequirementFor(record({ outcome: 'rejected' }), setting)).toBe('required')
    expect(wrapupRequirementFor(record({ direction: 'in' }), setting)).toBe('off')
    expect(wrapupRequirementFor(record({ direction: 'in' }), { connected: 'optional', unanswered: 'required', afterCallWork: false })).toBe('optional')
    expect(wrapupRequirementFor(record({ direction: 'in', outcome: 'missed' }), { connected: 'required', unanswered: 'required', afterCallWork: false })).toBe('off')
  })

  it('a draft of an unanswered call without a remark', () => {
    const { remark: _r, ...bare } = record({ outcome: 'no-answer' })
    expect(draftFor(bare, 'optional')).toMatchObject({ remark: '', connected: false, requirement: 'optional' })
  })

  it.each<[string, unknown]>([
    ['callId', 1],
    ['number', null],
    ['remark', undefined],
    ['connected', 'yes'],
    ['requirement', undefined],
    ['disposition', 3],
    ['disposition', undefined],
    ['note', null],
    ['callbackAt', undefined],
    ['callbackAt', Number.NaN],
    ['callbackAt', Number.POSITIVE_INFINITY],
  ])('a stored draft with %s = %s is not a draft', (field, value) => {
    const draft = { ...draftFor(record(), 'required'), disposition: 'deal', callbackAt: NOW }
    expect(isWrapupDraft(draft)).toBe(true)
    expect(isWrapupDraft({ ...draftFor(record(), 'optional'), disposition: null, callbackAt: null })).toBe(true)
    expect(isWrapupDraft({ ...draft, [field]: value })).toBe(false)
  })

  it('a stored draft that is no object is not a draft', () => {
    for (const value of [null, 'draft', 3]) expect(isWrapupDraft(value)).toBe(false)
  })

  it('a note of exactly 500 characters (after trimming) is fine; the clamp leaves short notes alone', () => {
    const draft = { ...draftFor(record(), 'required'), disposition: 'deal', note: ` ${'x'.repeat(500)} ` }
    expect(checkWrapup(draft, DEFAULT_OUTCOMES, NOW)).toEqual({ ok: true, fields: { disposition: 'deal', note: 'x'.repeat(500), callbackAt: null } })
    expect(clampNote('x'.repeat(500))).toBe('x'.repeat(500))
    expect(clampNote('short')).toBe('short')
    expect(clampNote('好'.repeat(600))).toBe('好'.repeat(500))
  })

  it.each<[string, unknown]>([
    ['code', 5],
    ['labelZh', undefined],
    ['labelEn', 1],
    ['final', 'yes'],
    ['position', '1'],
  ])('skips a synced outcome whose %s is %s', (field, value) => {
    const good = { code: 'g', labelZh: '好', labelEn: 'Good', final: true, position: 1 }
    expect(parseCatalogue([good, { ...good, code: 'bad', [field]: value }], DEFAULT_OUTCOMES).map((o) => o.code)).toEqual(['g'])
  })

  it('skips what is no object and falls back when nothing is left', () => {
    expect(parseCatalogue([null, 'x', 3], DEFAULT_OUTCOMES)).toEqual(DEFAULT_OUTCOMES)
    expect(parseCatalogue([], DEFAULT_OUTCOMES)).not.toBe(DEFAULT_OUTCOMES)
  })
})
