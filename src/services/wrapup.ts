/**
 * Wrap-up after a call, as pure rules: whether the business asks for one (workspace setting
 * `wrapup`), what a draft holds, and what it needs before it can be saved. The wrap-up store
 * keeps the draft; the call store offers the finished call.
 */
import type { CallRecord } from './callRecord'
import { dropUnstorableText } from './text'
import { CALLBACK_OUTCOME, checkCallbackAt, noteLength, WRAPUP_NOTE_MAX_LENGTH, type CallbackProblem, type OutcomeDefinition } from './workday'

export type WrapupRequirement = 'required' | 'optional' | 'off'

/** The business's `wrapup` setting (workspace record kind `setting`, id `wrapup`). */
export interface WrapupSetting {
  connected: WrapupRequirement
  unanswered: WrapupRequirement
  /** Hold the seat in after-call work (`arrange`) while a wrap-up is open; free again when done. */
  afterCallWork: boolean
}

export const DEFAULT_WRAPUP_SETTING: Readonly<WrapupSetting> = Object.freeze({ connected: 'required', unanswered: 'optional', afterCallWork: false })

const REQUIREMENTS: ReadonlySet<string> = new Set(['required', 'optional', 'off'])

/** The setting as synced, or the default for anything malformed. */
export function parseWrapupSetting(value: unknown): WrapupSetting {
  if (typeof value !== 'object' || value === null) return { ...DEFAULT_WRAPUP_SETTING }
  const v = value as Record<string, unknown>
  const pick = (field: unknown, fallback: WrapupRequirement) => (typeof field === 'string' && REQUIREMENTS.has(field) ? (field as WrapupRequirement) : fallback)
  return {
    connected: pick(v.connected, DEFAULT_WRAPUP_SETTING.connected),
    unanswered: pick(v.unanswered, DEFAULT_WRAPUP_SETTING.unanswered),
    // Only a real `true` holds agents: anything else keeps the default (off).
    afterCallWork: v.afterCallWork === true,
  }
}

/**
 * What the setting asks after this call. Only outbound calls and answered inbound calls are
 * wrapped up: a missed or refused inbound call is not a conversation, and a dial the SDK refused
 * never reached anyone.
 */
export function wrapupRequirementFor(record: Pick<CallRecord, 'direction' | 'outcome'>, setting: WrapupSetting): WrapupRequirement {
  const connected = record.outcome === 'answered'
  if (record.direction === 'in' && !connected) return 'off'
  if (record.outcome === 'failed') return 'off'
  return connected ? setting.connected : setting.unanswered
}

/** A wrap-up being filled in; persisted per agent so it survives an app restart. */
export interface WrapupDraft {
  /** The call record it belongs to. */
  callId: string
  number: string
  remark: string
  connected: boolean
  requirement: Exclude<WrapupRequirement, 'off'>
  disposition: string | null
  note: string
  callbackAt: number | null
  /**
   * Set when the agent reopened a saved wrap-up from history to correct it: the callback time it
   * had then, which may stay as it is even once passed (a note fixed a day later must not demand
   * a new callback time).
   */
  correction?: { callbackAt: number | null }
}

export function draftFor(record: CallRecord, requirement: Exclude<WrapupRequirement, 'off'>): WrapupDraft {
  return {
    callId: record.id,
    number: record.number,
    remark: record.remark ?? '',
    connected: record.outcome === 'answered',
    requirement,
    disposition: null,
    note: '',
    callbackAt: null,
  }
}

/** A saved call's wrap-up, reopened from history with what it says now. */
export function correctionDraftFor(record: CallRecord): WrapupDraft {
  const callbackAt = typeof record.callbackAt === 'number' ? record.callbackAt : null
  return {
    ...draftFor(record, 'optional'),
    disposition: record.disposition ?? null,
    note: record.note ?? '',
    callbackAt,
    correction: { callbackAt },
  }
}

function isCorrection(value: unknown): boolean {
  if (value === undefined) return true
  if (typeof value !== 'object' || value === null) return false
  const at = (value as { callbackAt?: unknown }).callbackAt
  return at === null || (typeof at === 'number' && Number.isFinite(at))
}

export function isWrapupDraft(value: unknown): value is WrapupDraft {
  if (typeof value !== 'object' || value === null) return false
  const d = value as Record<string, unknown>
  return (
    typeof d.callId === 'string' &&
    typeof d.number === 'string' &&
    typeof d.remark === 'string' &&
    typeof d.connected === 'boolean' &&
    (d.requirement === 'required' || d.requirement === 'optional') &&
    (d.disposition === null || typeof d.disposition === 'string') &&
    typeof d.note === 'string' &&
    (d.callbackAt === null || (typeof d.callbackAt === 'number' && Number.isFinite(d.callbackAt))) &&
    isCorrection(d.correction)
  )
}

/** Why a wrap-up cannot be saved; `wrapup.error.<symbol>` is its message. */
/** SAVE_FAILED: the store could not write the call record (storage full); the draft stays. */
export type WrapupProblem = 'OUTCOME_REQUIRED' | 'OUTCOME_UNKNOWN' | 'NOTE_TOO_LONG' | 'SAVE_FAILED' | CallbackProblem

/** The note as typed, cut to the limit (code points), so the field can never pass it. */
export function clampNote(note: string): string {
  if (note.length <= WRAPUP_NOTE_MAX_LENGTH) return note
  return noteLength(note) <= WRAPUP_NOTE_MAX_LENGTH ? note : Array.from(note).slice(0, WRAPUP_NOTE_MAX_LENGTH).join('')
}

/** The fields the call record gets, or why not. */
export function checkWrapup(
  draft: WrapupDraft,
  catalogue: readonly OutcomeDefinition[],
  now: number,
): { ok: true; fields: { disposition: string; note: string; callbackAt: number | null } } | { ok: false; problem: WrapupProblem } {
  if (draft.disposition === null) return { ok: false, problem: 'OUTCOME_REQUIRED' }
  if (!catalogue.some((o) => o.code === draft.disposition)) return { ok: false, problem: 'OUTCOME_UNKNOWN' }
  const note = dropUnstorableText(draft.note).trim()
  if (noteLength(note) > WRAPUP_NOTE_MAX_LENGTH) return { ok: false, problem: 'NOTE_TOO_LONG' }
  let callbackAt: number | null = null
  if (draft.disposition === CALLBACK_OUTCOME) {
    const kept = draft.correction !== undefined && draft.callbackAt !== null && draft.callbackAt === draft.correction.callbackAt
    const problem = kept ? null : checkCallbackAt(draft.callbackAt, now)
    if (problem) return { ok: false, problem }
    callbackAt = draft.callbackAt
  }
  return { ok: true, fields: { disposition: draft.disposition, note, callbackAt } }
}

/** Catalogue records as synced: well-formed ones, by position; the built-in list when none. */
export function parseCatalogue(values: readonly unknown[], fallback: readonly OutcomeDefinition[]): OutcomeDefinition[] {
  const parsed = values.filter((v): v is OutcomeDefinition => {
    if (typeof v !== 'object' || v === null) return false
    const o = v as Record<string, unknown>
    return typeof o.code === 'string' && o.code !== '' && typeof o.labelZh === 'string' && typeof o.labelEn === 'string' && typeof o.final === 'boolean' && typeof o.position === 'number'
  })
  if (parsed.length === 0) return [...fallback]
  return [...parsed].sort((a, b) => a.position - b.position)
}
