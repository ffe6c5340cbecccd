/**
 * Network reachability as the platform reports it. Only a hint: a request can still fail while
 * "online", and the sync engine backs off on its own.
 *
 * In a browser, uni-h5's `onNetworkStatusChange` listens to `navigator.connection` changes, which
 * Chromium does not fire when the connection drops; the window's online/offline events do.
 * In the App, `uni.onNetworkStatusChange` reports the system's connectivity.
 */
export type NetworkListener = (online: boolean) => void

/** Calls `listener` on every change, and once with the current state; returns the unsubscribe. */
export function watchNetwork(listener: NetworkListener): () => void {
  // #ifdef H5
  if (typeof window !== 'undefined' && typeof window.addEventListener === 'function') return watchBrowser(listener)
  // #endif
  return watchUni(listener)
}

function watchBrowser(listener: NetworkListener): () => void {
  const online = () => listener(true)
  const offline = () => listener(false)
  window.addEventListener('online', online)
  window.addEventListener('offline', offline)
  // The state now: the network may have changed while nobody listened (e.g. signed out).
  listener(typeof navigator === 'undefined' || navigator.onLine !== false)
  return () => {
    window.removeEventListener('online', online)
    window.removeEventListener('offline', offline)
  }
}

function watchUni(listener: NetworkListener): () => void {
  if (typeof uni === 'undefined' || typeof uni.onNetworkStatusChange !== 'function') return () => undefined
  const onChange = (result: { isConnected: boolean }) => listener(result.isConnected)
  uni.onNetworkStatusChange(onChange)
  try {
    uni.getNetworkType({
      success: (result) => listener(result.networkType !== 'none'),
      fail: () => undefined,
    })
  } catch {
    // unknown: stay with what the caller assumed
  }
  return () => {
    try {
      uni.offNetworkStatusChange(onChange)
    } catch {
      // older runtimes cannot unsubscribe; the listener then only sees a closed workspace
    }
  }
}
