/**
 * Cold start: the login page must not wait for code it does not use. The event router and the
 * stores it feeds (call, and through it numbers and history) load in chunks of their own:
 * App.vue starts the router once the first page is up (`whenStartupIdle`), and joins it to every
 * sign-in (`session.joinSignIn(startEventRouting)`), so the SDK login awaits it and events of a
 * signed-in agent always reach the stores. The session store does not import this module: the
 * router imports the session store, and a lazy import back would close a circle. Before that login the SDK only publishes connection
 * events and the 403 kick, which the stores ignore while nobody is signed in.
 *
 * The workstation itself (and with it the simulator's `window.__tcccSim`) stays in the first
 * chunk: it is created at launch, before the agent signs in (CONTRACT.md).
 */
let routing: Promise<void> | undefined
let preloading: Promise<number> | undefined

/** Loads the event router and starts it; once (a failed load is tried again next time). */
export function startEventRouting(): Promise<void> {
  // Stryker disable next-line StringLiteral: Vite fails to transform `import('')` (it reads the project folder), which crashes every test run
  routing ??= import('@/store/eventRouter').then(
    ({ startEventRouter }) => startEventRouter(),
    (error: unknown) => {
      routing = undefined
      throw error
    },
  )
  return routing
}

/**
 * Runs `task` when the app has nothing more urgent to do: in a browser once the first page has
 * been laid out and painted (idle callback), elsewhere on the next turn of the event loop.
 */
export function whenStartupIdle(task: () => void): void {
  const idle = (globalThis as { requestIdleCallback?: (cb: () => void, options?: { timeout: number }) => number }).requestIdleCallback
  if (typeof idle === 'function') idle(task, { timeout: 300 })
  else setTimeout(task, 0)
}

/**
 * Joined to every sign-in: the pages of a signed-in agent's day are fetched ahead in the
 * background (once), so they open without the network later. The sign-in does not wait for it.
 */
export function preloadSignedInPages(): Promise<void> {
  // A chunk of its own: uni's page preloading is not part of the login page's code.
  // Stryker disable next-line StringLiteral: Vite fails to transform `import('')`
  preloading ??= import('@/platform/pagePreload')
    .then(({ preloadPages, SIGNED_IN_PAGES }) => preloadPages(SIGNED_IN_PAGES))
    .then(
      (loaded) => {
        // Not one came (offline at sign-in): try again at the next sign-in.
        if (loaded === 0) preloading = undefined
        return loaded
      },
      () => {
        preloading = undefined
        return 0
      },
    )
  return Promise.resolve()
}
