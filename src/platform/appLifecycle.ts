/**
 * The app leaving the foreground: the home button, another app, the screen locked, or (H5) the
 * tab hidden, closed or reloaded, where uni fires `onAppHide` on `visibilitychange` before the
 * page goes. What must survive a kill or a reload is written here, not only on a timer.
 */
export function onAppHidden(listener: () => void): () => void {
  if (typeof uni === 'undefined' || typeof uni.onAppHide !== 'function') return () => undefined
  uni.onAppHide(listener)
  return () => {
    if (typeof uni.offAppHide === 'function') uni.offAppHide(listener)
  }
}
