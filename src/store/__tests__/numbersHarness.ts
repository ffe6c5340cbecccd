/** Shared by the numbers store's tests: agent1's workspace and what its store saved. */
import { createPinia, setActivePinia } from 'pinia'
import { storage } from '../../../tests/setup/uni'
import { numbersStorageFor, useNumbersStore } from '../numbers'

export const AGENT_KEY = 'agent1'
export const numbersStorage = numbersStorageFor(AGENT_KEY)

/** A new pinia with the agent's workspace open: what a restarted, signed-in app gets. */
export function freshStore() {
  setActivePinia(createPinia())
  const store = useNumbersStore()
  store.open(AGENT_KEY)
  return store
}

/** The saved number list as the app would read it back. */
export function stored(): unknown {
  const raw = storage.get(numbersStorage.key)
  return typeof raw === 'string' ? JSON.parse(raw) : raw
}
