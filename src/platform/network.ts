/**
 * Network reachability as the platform reports it (`uni.onNetworkStatusChange`: the browser's
 * online/offline events in H5, the system's connectivity in the App). Only a hint: a request can
 * still fail while "online", and the sync engine backs off on its own.
 */
export type NetworkListener = (online: boolean) => void

/** Calls `listener` on every change, and once with the current state; returns the unsubscribe. */
export function watchNetwork(listener: NetworkListener): () => void {
  if (typeof uni === 'undefined') return () => undefined
  const onChange = (result: { isConnected: boolean }) => listener(result.isConnected)
  try {
    uni.onNetworkStatusChange(onChange)
  } catch {
    return () => undefined
  }
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
