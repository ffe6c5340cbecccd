/**
 * How a service hands events up without knowing who listens: a typed stream that the store
 * layer's event router subscribes to (`src/store/eventRouter.ts`). Services publish; they never
 * import a store. The workstation publishes `TcccEvent`s; any other service that feeds stores
 * (workspace sync, ...) creates its own channel over its own event union.
 */

export type Unsubscribe = () => void

/** What a service exposes: subscribe / unsubscribe, nothing else. */
export interface EventStream<E> {
  subscribe(listener: (event: E) => void): Unsubscribe
}

/** What the owning service keeps: the stream plus the right to publish on it. */
export interface EventChannel<E extends { type: string }> extends EventStream<E> {
  publish(event: E): void
  readonly listenerCount: number
}

export function createEventChannel<E extends { type: string }>(name: string): EventChannel<E> {
  // Copied on (un)subscribe, never on publish: events are frequent (volume, quality), listeners
  // change rarely, and a listener that unsubscribes during a publish does not skip another.
  let listeners: ReadonlyArray<(event: E) => void> = []
  return {
    subscribe(listener) {
      listeners = [...listeners, listener]
      return () => {
        listeners = listeners.filter((other) => other !== listener)
      }
    },
    publish(event) {
      const current = listeners
      for (let i = 0; i < current.length; i += 1) {
        try {
          current[i](event)
        } catch (error) {
          // One broken listener must not starve the others, nor break the SDK's event loop.
          console.error(`[${name}] a listener failed on ${event.type}`, error)
        }
      }
    },
    get listenerCount() {
      return listeners.length
    },
  }
}
