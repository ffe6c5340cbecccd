/**
 * A browser loads each page's code the first time the page is opened. An agent who signed in,
 * then lost the network (a lift, a car park) and opened the dial page got "连接服务器超时" and
 * no call screen, while the call they had tapped rang on (the audit of `context.setOffline`). So
 * once signed in, the pages a signed-in agent uses are fetched ahead, one after another. The App
 * carries its pages in the package: nothing to do there.
 */
export const SIGNED_IN_PAGES = ['/src/pages/numbers/index', '/src/pages/dial/index', '/src/pages/history/index'] as const

interface Preloader {
  preloadPage(options: { url: string }): Promise<unknown> | unknown
}

/** Fetches the pages' code one after another; a failure is logged and the next page tried. */
export async function preloadPages(urls: readonly string[], api: Preloader | undefined = uniPreloader()): Promise<number> {
  if (!api) return 0
  let loaded = 0
  for (const url of urls) {
    try {
      await api.preloadPage({ url })
      loaded += 1
    } catch (e) {
      console.warn(`[pages] could not load ${url} ahead`, e instanceof Error ? e.message : String(e))
    }
  }
  return loaded
}

function uniPreloader(): Preloader | undefined {
  // #ifdef H5
  // Called as `uni.preloadPage(…)` in place: uni's build turns that into the API itself, while the
  // `uni` object handed on as a value has no `preloadPage` at run time.
  if (typeof uni !== 'undefined' && typeof uni.preloadPage === 'function') return { preloadPage: (options) => uni.preloadPage(options) }
  // #endif
  return undefined
}
