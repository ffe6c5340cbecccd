/**
 * The outbound caller number: the business's numbers (from the backend, TCCC `DescribeNumbers`)
 * and the one this agent chose, kept per agent (`tccc.a.<agentKey>.callerNumber`). Only where
 * the platform can pass it (`capabilities.callerNumber`: Web `callerPhoneNumber`, simulated);
 * every outbound call of the call store carries the choice. None chosen: TCCC picks.
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { TcccError, toTcccError } from '@/platform/errors'
import { fetchCallerNumbers } from '@/services/cccClient'
import { agentKeyOf, workspaceValue, type StoredValue } from '@/services/storage'
import { getWorkstation } from '@/services/workstation'
import { useSessionStore } from '@/store/session'

function choiceStorage(userId: string): StoredValue<string> {
  return workspaceValue<string>(agentKeyOf(userId), 'callerNumber', {
    version: 1,
    fallback: () => '',
    validate: (data): data is string => typeof data === 'string',
  })
}

export const useCallerNumbersStore = defineStore('callerNumbers', () => {
  const session = useSessionStore()
  /** The business's numbers, as last loaded. */
  const numbers = ref<string[]>([])
  /** The agent's choice ('' = none: TCCC's default number). */
  const chosen = ref('')
  const loading = ref(false)
  const error = ref<TcccError | null>(null)
  let storage: StoredValue<string> | null = null
  // Bumped at every sign-in and sign-out: a request started for an earlier agent is dropped on
  // arrival, so the next agent on this phone never sees that agent's list (nor waits on it).
  let generation = 0

  const available = computed(() => getWorkstation().capabilities.callerNumber)
  /** What the next call carries: the choice, unless the loaded list no longer has that number. */
  const effective = computed(() => {
    if (!available.value || !chosen.value) return ''
    return numbers.value.length === 0 || numbers.value.includes(chosen.value) ? chosen.value : ''
  })

  // Each agent's choice; the list is loaded once the agent is signed in (and again when the dial page shows).
  watch(
    () => (session.status === 'signed-in' ? (session.agent?.userId ?? null) : null),
    (userId) => {
      generation += 1
      loading.value = false
      storage = userId ? choiceStorage(userId) : null
      chosen.value = storage ? storage.load() : ''
      numbers.value = []
      error.value = null
      if (userId) void load()
    },
    { immediate: true },
  )

  /** Loads the business's numbers (the dial page asks when shown). */
  async function load(): Promise<void> {
    if (!available.value || loading.value) return
    const mine = generation
    loading.value = true
    error.value = null
    try {
      const loaded = await fetchCallerNumbers()
      if (mine === generation) numbers.value = loaded
    } catch (e) {
      if (mine === generation) error.value = toTcccError(e)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  /** The agent picks a number ('' = TCCC's default); kept for this agent on this phone. */
  function choose(number: string): void {
    if (number !== '' && !numbers.value.includes(number)) return
    chosen.value = number
    try {
      if (number) storage?.save(number)
      else storage?.clear()
    } catch (e) {
      console.warn('[callerNumbers] could not keep the choice', e)
    }
  }

  return { numbers, chosen, loading, error, available, effective, load, choose }
})
