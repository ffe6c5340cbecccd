/**
 * Writes to the shared storage by the other tabs of this browser: the window's `storage` event,
 * which fires in every tab but the one that wrote (uni-h5's storage is `localStorage`, one key per
 * uni key). Stores and services re-read a key another tab changed instead of showing what they
 * read before. The App has one instance over its storage, so nothing ever arrives there.
 */

/** The key another tab wrote or removed (`tccc.a.<agentKey>.<name>`); null: it cleared the storage. */
export type StorageChangeListener = (key: string | null) => void

/** Subscribes `listener` to the other tabs' writes; returns the unsubscribe. */
export type StorageWatch = (listener: StorageChangeListener) => () => void

export const watchStorage: StorageWatch = (listener) => {
  // #ifdef H5
  if (typeof window !== 'undefined' && typeof window.addEventListener === 'function') {
    const onStorage = (event: Event) => listener((event as StorageEvent).key ?? null)
    window.addEventListener('storage', onStorage)
    return () => window.removeEventListener('storage', onStorage)
  }
  // #endif
  return () => undefined
}
