/**
 * A system notification the agent can tap, for callback reminders.
 *
 * - App (`#ifdef APP-PLUS`): a local message in the notification centre through the HTML5+ push
 *   module, `plus.push.createMessage(content, payload, { title, cover: false, sound: 'system' })`;
 *   tapping it starts/returns to the app and raises `plus.push` 'click' with the payload
 *   (DCloud HTML5+ API "push": createMessage, addEventListener('click')). The message is posted
 *   at the reminder's time by the app's own timer, so it needs the app alive (foreground or
 *   recently backgrounded); a killed app shows the due reminder when it starts again.
 * - H5: the browser `Notification`, only where the agent already granted it (asking is the
 *   page's job, on a tap); the in-app banner is the reminder everywhere else.
 * The payload is the number to dial.
 */

export interface LocalNotice {
  title: string
  body: string
  /** What a tap hands back: the number to call. */
  payload: string
}

export interface LocalNotifier {
  /** Shows the notice; false where nothing can be shown (no permission, no API). */
  show(notice: LocalNotice): boolean
  /** Tap handler; returns the unsubscribe. */
  onTap(handler: (payload: string) => void): () => void
}

/** The part of `plus.push` used here. */
export interface PlusPushLike {
  createMessage(content: string, payload?: string, options?: { title?: string; cover?: boolean; sound?: string }): void
  addEventListener(event: 'click', listener: (message: { payload?: unknown }) => void, capture?: boolean): void
}

/** The part of the browser Notification API used here. */
export interface BrowserNotificationLike {
  readonly permission: string
  new (title: string, options?: { body?: string; tag?: string; data?: unknown }): { onclick: ((this: unknown, ev: unknown) => unknown) | null; close(): void }
}

/** A message's payload as `plus` hands it back: a string, or parsed JSON on some ROMs. */
function payloadText(payload: unknown): string {
  if (typeof payload === 'string') return payload
  if (payload && typeof payload === 'object' && typeof (payload as { number?: unknown }).number === 'string') return (payload as { number: string }).number
  return ''
}

export function createPlusNotifier(push: PlusPushLike): LocalNotifier {
  const handlers = new Set<(payload: string) => void>()
  let listening = false
  return {
    show(notice) {
      push.createMessage(notice.body, notice.payload, { title: notice.title, cover: false, sound: 'system' })
      return true
    },
    onTap(handler) {
      handlers.add(handler)
      if (!listening) {
        listening = true
        // plus.push has no removeEventListener: one listener fans out to the current handlers.
        push.addEventListener('click', (message) => {
          const payload = payloadText(message.payload)
          if (payload) for (const h of handlers) h(payload)
        })
      }
      return () => handlers.delete(handler)
    },
  }
}

export function createBrowserNotifier(NotificationApi: BrowserNotificationLike | undefined, focus: () => void = () => undefined): LocalNotifier {
  const handlers = new Set<(payload: string) => void>()
  return {
    show(notice) {
      if (!NotificationApi || NotificationApi.permission !== 'granted') return false
      try {
        const shown = new NotificationApi(notice.title, { body: notice.body, tag: `callback-${notice.payload}` })
        shown.onclick = () => {
          focus()
          shown.close()
          for (const h of handlers) h(notice.payload)
        }
        return true
      } catch {
        // Chrome on Android refuses `new Notification` outside a service worker.
        return false
      }
    },
    onTap(handler) {
      handlers.add(handler)
      return () => handlers.delete(handler)
    },
  }
}

const NONE: LocalNotifier = { show: () => false, onTap: () => () => undefined }

let shared: LocalNotifier | undefined

/** The notifier of the running platform (one per app, so one `plus.push` listener). */
export function localNotifier(): LocalNotifier {
  if (shared) return shared
  // #ifdef APP-PLUS
  if (typeof plus !== 'undefined' && plus.push) {
    shared = createPlusNotifier(plus.push as unknown as PlusPushLike)
    return shared
  }
  // #endif
  // #ifdef H5
  if (typeof window !== 'undefined' && 'Notification' in window) {
    shared = createBrowserNotifier(window.Notification as unknown as BrowserNotificationLike, () => window.focus())
    return shared
  }
  // #endif
  shared = NONE
  return shared
}
