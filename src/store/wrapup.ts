/**
 * The wrap-up after a call: the draft being filled in (persisted per agent, so a half-filled
 * wrap-up survives an app restart), the outcome catalogue and the business's `wrapup` setting
 * (built-in defaults until sync delivers the backend's). The call store offers every finished
 * call; saving writes the outcome, note and callback time into the call record in history.
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { agentKeyOf, hasStored, storedValue, workspaceValue, type StoredValue, type StoredValueOptions } from '@/services/storage'
import { CALLBACK_OUTCOME, callbackInOneHour, callbackTomorrowAt10, DEFAULT_OUTCOMES, deviceZone, noteLength, WRAPUP_NOTE_MAX_LENGTH, type OutcomeDefinition } from '@/services/workday'

export { WRAPUP_NOTE_MAX_LENGTH }
export type { OutcomeDefinition }
import {
  checkWrapup,
  clampNote,
  correctionDraftFor,
  DEFAULT_WRAPUP_SETTING,
  draftFor,
  isWrapupDraft,
  parseCatalogue,
  parseWrapupSetting,
  wrapupRequirementFor,
  type WrapupDraft,
  type WrapupProblem,
  type WrapupSetting,
} from '@/services/wrapup'
import type { CallRecord } from '@/services/callRecord'
import { useHistoryStore } from '@/store/history'
import { useSessionStore } from '@/store/session'

/**
 * The key part earlier versions used for an agent's wrap-up keys (`tccc.a.<this>.wrapup`); read
 * once after an upgrade and moved to the one per-agent key (`agentKeyOf`), so no draft is lost.
 */
export function legacyAgentStorageKey(userId: string): string {
  return userId.replace(/[^A-Za-z0-9@._-]/g, '_')
}

/**
 * An agent's `name` key under `agentKeyOf` (the key sync and every per-agent cache use). Its
 * first load moves a value still under the legacy key across, then removes the legacy key.
 */
function agentValue<T>(userId: string, name: string, options: StoredValueOptions<T>): StoredValue<T> {
  const current = workspaceValue(agentKeyOf(userId), name, options)
  const legacyKey = `a.${legacyAgentStorageKey(userId)}.${name}`
  if (current.key === `tccc.${legacyKey}` || !hasStored(legacyKey)) return current
  const legacy = storedValue(legacyKey, options)
  try {
    if (!hasStored(current.key.slice('tccc.'.length))) current.save(legacy.load())
    legacy.clear()
  } catch (e) {
    console.warn(`[wrapup] could not move ${name} to the agent's key`, e)
  }
  return current
}

const DRAFT_STORAGE: StoredValueOptions<WrapupDraft[]> = {
  version: 1,
  fallback: () => [],
  validate: (data): data is WrapupDraft[] => Array.isArray(data) && data.every(isWrapupDraft),
}

function draftStorage(userId: string): StoredValue<WrapupDraft[]> {
  return agentValue(userId, 'wrapup', DRAFT_STORAGE)
}

/** The business's outcome records and `wrapup` setting as last pulled (by record id). */
interface BusinessRecords {
  outcomes: Record<string, unknown>
  setting: unknown
}

function businessStorage(userId: string): StoredValue<BusinessRecords> {
  return agentValue<BusinessRecords>(userId, 'business', {
    version: 1,
    fallback: () => ({ outcomes: {}, setting: null }),
    validate: (data): data is BusinessRecords =>
      typeof data === 'object' && data !== null && typeof (data as BusinessRecords).outcomes === 'object' && (data as BusinessRecords).outcomes !== null,
  })
}

/** A pulled workspace record (the sync service's `RemoteChange`). */
export interface RemoteBusinessChange {
  kind: string
  id: string
  deleted: boolean
  data: Record<string, unknown> | null
}

/** Open wrap-ups kept at most; older unfinished ones beyond this are dropped. */
export const WRAPUP_QUEUE_LIMIT = 20

export const useWrapupStore = defineStore('wrapup', () => {
  const session = useSessionStore()

  const catalogue = ref<OutcomeDefinition[]>([...DEFAULT_OUTCOMES])
  const setting = ref<WrapupSetting>({ ...DEFAULT_WRAPUP_SETTING })
  /**
   * Open wrap-ups, the latest call first: a call that ends while an earlier wrap-up is still
   * open (an inbound call answered over it) queues, never overwrites the half-filled one.
   */
  const queue = ref<WrapupDraft[]>([])
  const draft = computed<WrapupDraft | null>(() => queue.value[0] ?? null)
  const problem = ref<WrapupProblem | null>(null)
  /** The clock callback quick picks and checks use; tests and the e2e clock replace it. */
  let clock: () => number = () => Date.now()

  let storage: StoredValue<WrapupDraft[]> | null = null
  let business: StoredValue<BusinessRecords> | null = null
  let businessRecords: BusinessRecords = { outcomes: {}, setting: null }
  /** The last pulled catalogue could not be saved (`savePulled` tries again). */
  let businessUnsaved = false

  /** Catalogue and setting from the business's records; the built-in defaults until they come. */
  function applyBusiness(): void {
    catalogue.value = parseCatalogue(Object.values(businessRecords.outcomes), DEFAULT_OUTCOMES)
    setting.value = businessRecords.setting === null ? { ...DEFAULT_WRAPUP_SETTING } : parseWrapupSetting(businessRecords.setting)
  }

  // Each agent has their own draft: load it at sign-in, forget it (not delete) at sign-out.
  watch(
    () => session.agent?.userId ?? null,
    (userId) => {
      storage = userId ? draftStorage(userId) : null
      queue.value = storage ? storage.load() : []
      business = userId ? businessStorage(userId) : null
      businessRecords = business ? business.load() : { outcomes: {}, setting: null }
      businessUnsaved = false
      applyBusiness()
      problem.value = null
    },
    { immediate: true },
  )

  /**
   * Outcome and setting records pulled from the workspace. Pulls after the first bring only what
   * changed, so the records are kept per agent and the catalogue rebuilt from all of them.
   */
  function applyRemote(changes: readonly RemoteBusinessChange[]): void {
    let changed = false
    const outcomes = { ...businessRecords.outcomes }
    let settingRecord = businessRecords.setting
    for (const change of changes) {
      if (change.kind === 'outcome') {
        if (change.deleted || change.data === null) delete outcomes[change.id]
        else outcomes[change.id] = change.data
        changed = true
      } else if (change.kind === 'setting' && change.id === 'wrapup') {
        settingRecord = change.deleted ? null : change.data
        changed = true
      }
    }
    if (!changed) return
    businessRecords = { outcomes, setting: settingRecord }
    saveBusiness()
    applyBusiness()
  }

  function saveBusiness(): boolean {
    try {
      business?.save(businessRecords)
      businessUnsaved = false
      return true
    } catch (e) {
      businessUnsaved = true
      console.warn('[wrapup] could not keep the outcome catalogue', e)
      return false
    }
  }

  /**
   * The pull ended: false when the catalogue it brought is still unsaved (tried once more), so
   * the engine keeps its cursor and the next pull brings the records again.
   */
  function savePulled(): boolean {
    return businessUnsaved ? saveBusiness() : true
  }

  function persist(): void {
    if (!storage) return
    try {
      if (queue.value.length === 0) storage.clear()
      else storage.save(queue.value)
    } catch (e) {
      console.warn('[wrapup] could not keep the draft', e)
    }
  }

  function update(change: Partial<WrapupDraft>): void {
    const current = queue.value[0]
    if (!current) return
    queue.value = [{ ...current, ...change }, ...queue.value.slice(1)]
    problem.value = null
    persist()
  }

  const isOpen = computed(() => draft.value !== null)
  /**
   * The optional draft the agent chose to fill in. An optional wrap-up (by default after a call
   * nobody answered) is only offered, in a line of the shell, until then: a sheet over the ended
   * call stood between an agent who dials all day and "leave" / "call next" after every no-answer.
   */
  const expandedCallId = ref<string | null>(null)
  const isSheetShown = computed(() => draft.value !== null && (draft.value.requirement === 'required' || expandedCallId.value === draft.value.callId))
  const isRequired = computed(() => draft.value?.requirement === 'required')
  /** The open draft corrects a saved wrap-up from history (no countdown, no "call next"). */
  const isCorrection = computed(() => draft.value?.correction !== undefined)
  const needsCallbackTime = computed(() => draft.value?.disposition === CALLBACK_OUTCOME)
  /** Characters in the note as the agent counts them (an emoji is one). */
  const noteCount = computed(() => noteLength(draft.value?.note ?? ''))
  const finalCodes = computed(() => new Set(catalogue.value.filter((o) => o.final).map((o) => o.code)))

  function untouchedOptional(d: WrapupDraft): boolean {
  return d.requirement === 'optional' && d.disposition === null && d.note === '' && d.callbackAt === null
}

/** A call just finished: open a wrap-up when the setting asks for one. */
  function offer(record: CallRecord): void {
    const requirement = wrapupRequirementFor(record, setting.value)
    if (requirement === 'off') return
    // An optional draft left untouched while the agent went on to the next call was passed over.
    const others = queue.value.filter((d) => d.callId !== record.id && !untouchedOptional(d))
    queue.value = [draftFor(record, requirement), ...others].slice(0, WRAPUP_QUEUE_LIMIT)
    problem.value = null
    persist()
  }

  function choose(code: string): void {
    if (!catalogue.value.some((o) => o.code === code)) return
    update({ disposition: code })
  }

  function setNote(text: string): void {
    update({ note: clampNote(text) })
  }

  function setCallbackAt(at: number | null): void {
    update({ callbackAt: at })
  }

  function pickCallbackInOneHour(): void {
    setCallbackAt(callbackInOneHour(clock()))
  }

  function pickCallbackTomorrow(): void {
    const now = clock()
    setCallbackAt(callbackTomorrowAt10(now, deviceZone))
  }

  /** Writes the wrap-up into the call record. False (and `problem` set) when it cannot. */
  function save(): boolean {
    const current = draft.value
    if (!current) return false
    const checked = checkWrapup(current, catalogue.value, clock())
    if (!checked.ok) {
      problem.value = checked.problem
      return false
    }
    // A record no longer on this phone takes nothing: the wrap-up closes as before.
    if (useHistoryStore().updateWrapup(current.callId, checked.fields) === 'not-saved') {
      // Storage full: the draft stays, so nothing the agent chose is lost; saving again retries.
      problem.value = 'SAVE_FAILED'
      return false
    }
    queue.value = queue.value.slice(1)
    problem.value = null
    persist()
    return true
  }

  /**
   * Reopens a saved call's wrap-up from history, to correct it: an outcome tapped in a hurry, a
   * note to add, a callback to move. It goes in front of any open draft, which comes back after
   * it; a call whose wrap-up is still open is simply shown. False when the record is no longer
   * on this phone.
   */
  function correct(callId: string): boolean {
    const record = useHistoryStore().records.find((r) => r.id === callId)
    if (!record) return false
    const open = queue.value.find((d) => d.callId === callId) ?? correctionDraftFor(record)
    queue.value = [open, ...queue.value.filter((d) => d.callId !== callId)].slice(0, WRAPUP_QUEUE_LIMIT)
    expandedCallId.value = callId
    problem.value = null
    persist()
    return true
  }

  /** Opens the offered optional wrap-up as the sheet. */
  function expand(): void {
    if (draft.value) expandedCallId.value = draft.value.callId
  }

  /** Back to the offer line, with what was chosen and typed kept (a tap beside the sheet). */
  function collapse(): void {
    expandedCallId.value = null
  }

  /** Closes an optional wrap-up without an outcome (a correction: unchanged); a required one stays. */
  function skip(): boolean {
    if (!draft.value || draft.value.requirement === 'required') return false
    queue.value = queue.value.slice(1)
    problem.value = null
    persist()
    return true
  }

  /** The backend's catalogue as synced (outcome records' data). */
  function applyCatalogue(values: readonly unknown[]): void {
    catalogue.value = parseCatalogue(values, DEFAULT_OUTCOMES)
  }

  /** The backend's `wrapup` setting as synced. */
  function applySetting(value: unknown): void {
    setting.value = parseWrapupSetting(value)
  }

  function useClock(next: () => number): void {
    clock = next
  }

  return {
    catalogue,
    setting,
    queue,
    draft,
    problem,
    isOpen,
    isSheetShown,
    expand,
    collapse,
    isRequired,
    isCorrection,
    correct,
    needsCallbackTime,
    noteCount,
    finalCodes,
    offer,
    choose,
    setNote,
    setCallbackAt,
    pickCallbackInOneHour,
    pickCallbackTomorrow,
    save,
    skip,
    applyCatalogue,
    savePulled,
    applySetting,
    applyRemote,
    useClock,
  }
})
