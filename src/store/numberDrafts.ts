/**
 * What the agent is typing on the numbers page and has not saved yet: the add / edit form and the
 * import box. Kept per agent (`tccc.a.<agentKey>.numberDrafts`) on every change, so a reload, an
 * app killed in the background or a crash puts the sheet back as it was instead of losing a
 * half-typed number or a 300-line paste. Saving, cancelling or closing the sheet drops it.
 */
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { agentKeyOf, workspaceValue, type StoredValue } from '@/services/storage'
import { useSessionStore } from '@/store/session'

export interface NumberFormDraft {
  mode: 'add' | 'edit'
  /** The listed number being edited (edit mode); '' when adding. */
  original: string
  number: string
  remark: string
  /** An assigned number: the business's, only its remark can change. */
  locked: boolean
}

interface StoredDrafts {
  form: NumberFormDraft | null
  /** The import box's text while the import sheet is open; null when it is closed. */
  importText: string | null
}

function isFormDraft(value: unknown): value is NumberFormDraft {
  if (typeof value !== 'object' || value === null) return false
  const d = value as Record<string, unknown>
  return (
    (d.mode === 'add' || d.mode === 'edit') &&
    typeof d.original === 'string' &&
    typeof d.number === 'string' &&
    typeof d.remark === 'string' &&
    typeof d.locked === 'boolean'
  )
}

function isStoredDrafts(value: unknown): value is StoredDrafts {
  if (typeof value !== 'object' || value === null) return false
  const d = value as Record<string, unknown>
  return (d.form === null || isFormDraft(d.form)) && (d.importText === null || typeof d.importText === 'string')
}

function draftsStorage(userId: string): StoredValue<StoredDrafts> {
  return workspaceValue(agentKeyOf(userId), 'numberDrafts', {
    version: 1,
    fallback: () => ({ form: null, importText: null }),
    validate: isStoredDrafts,
  })
}

export const useNumberDraftsStore = defineStore('numberDrafts', () => {
  const session = useSessionStore()
  /** The open add / edit form with what is typed in it; null when no form is open. */
  const form = ref<NumberFormDraft | null>(null)
  /** The open import sheet's text; null when the sheet is closed. */
  const importText = ref<string | null>(null)
  let storage: StoredValue<StoredDrafts> | null = null

  function persist(): void {
    if (!storage) return
    try {
      storage.save({ form: form.value, importText: importText.value })
    } catch (e) {
      // Storage full: the sheet still works, only a restart would lose the typing.
      console.warn('[numberDrafts] could not keep the draft', e)
    }
  }

  // Each agent's own drafts: loaded at sign-in, forgotten (kept stored) at sign-out.
  watch(
    () => session.agent?.userId ?? null,
    (userId) => {
      storage = userId ? draftsStorage(userId) : null
      const stored = storage ? storage.load() : { form: null, importText: null }
      form.value = stored.form
      importText.value = stored.importText
    },
    { immediate: true },
  )

  function openAdd(): void {
    form.value = { mode: 'add', original: '', number: '', remark: '', locked: false }
    persist()
  }

  /** Opens the form on a listed entry; an unset remark (stored as the number) shows empty. */
  function openEdit(entry: { number: string; remark: string; source: 'own' | 'assigned' }): void {
    form.value = {
      mode: 'edit',
      original: entry.number,
      number: entry.number,
      remark: entry.remark === entry.number ? '' : entry.remark,
      locked: entry.source === 'assigned',
    }
    persist()
  }

  /** What the form's fields hold now (called as the agent types). */
  function editForm(input: { number: string; remark: string }): void {
    const current = form.value
    if (!current || (current.number === input.number && current.remark === input.remark)) return
    form.value = { ...current, number: input.number, remark: input.remark }
    persist()
  }

  function closeForm(): void {
    if (form.value === null) return
    form.value = null
    persist()
  }

  function openImport(): void {
    importText.value = ''
    persist()
  }

  function editImport(text: string): void {
    if (importText.value === null || importText.value === text) return
    importText.value = text
    persist()
  }

  function closeImport(): void {
    if (importText.value === null) return
    importText.value = null
    persist()
  }

  return { form, importText, openAdd, openEdit, editForm, closeForm, openImport, editImport, closeImport }
})
