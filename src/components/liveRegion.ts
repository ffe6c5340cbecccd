/**
 * The app's live region (`a11y-live`, a child of `<body>`): what `announce` says there is heard
 * whatever modal is open, since `useModalFocus` never hides it (`LIVE_REGION_ATTR`). While a modal
 * is open the page behind it is `aria-hidden`, so its own live regions (the connection banner, the
 * shell's notices) are not heard: what they say meanwhile is said here. Loaded with the signed-in
 * shell (`installLiveRegion`), not by the first page. No DOM (the App's logic layer): nothing.
 */
import { LIVE_REGION_ATTR, onHiddenBehind } from './a11y'

/** What the page marks as spoken when it changes. */
const LIVE = '[role="status"], [role="alert"], [aria-live]:not([aria-live="off"])'

let liveRegion: { polite: HTMLElement; assertive: HTMLElement } | null = null

/** The app's live region, a child of `<body>` made once: a polite and an assertive part, seen by no one. */
function appLiveRegion(): { polite: HTMLElement; assertive: HTMLElement } {
  if (liveRegion?.polite.isConnected) return liveRegion
  const box = document.createElement('div')
  box.setAttribute(LIVE_REGION_ATTR, '')
  box.setAttribute('data-testid', 'a11y-live')
  // Visually hidden, still read (not display: none).
  box.style.cssText = 'position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0'
  const part = (role: 'status' | 'alert') => {
    const el = document.createElement('div')
    el.setAttribute('role', role)
    el.setAttribute('aria-live', role === 'alert' ? 'assertive' : 'polite')
    el.setAttribute('data-testid', `a11y-live-${role === 'alert' ? 'assertive' : 'polite'}`)
    box.appendChild(el)
    return el
  }
  liveRegion = { polite: part('status'), assertive: part('alert') }
  document.body.appendChild(box)
  return liveRegion
}

/**
 * Says `message` to screen readers through the app's live region, heard whatever modal is open.
 * Each message is a new node, so the same words said twice are heard twice. No DOM (the App's
 * logic layer): nothing.
 */
export function announce(message: string, options: { assertive?: boolean } = {}): void {
  const text = message.replace(/\s+/g, ' ').trim()
  if (typeof document === 'undefined' || !document.body || text === '') return
  const region = appLiveRegion()
  const line = document.createElement('div')
  line.textContent = text
  const part = options.assertive ? region.assertive : region.polite
  // Two things said in one moment (two regions behind a modal) are both heard: the second goes
  // beside the first; what was said in an earlier moment is replaced.
  if (saidThisMoment.has(part)) {
    part.appendChild(line)
    return
  }
  part.replaceChildren(line)
  if (saidThisMoment.size === 0) setTimeout(() => saidThisMoment.clear(), 0)
  saidThisMoment.add(part)
}

/** The parts of the live region said into in this task (cleared once it is over). */
const saidThisMoment = new Set<HTMLElement>()

/** Hears the live regions of the page behind the top modal (hidden there), to say what they say. */
let liveMirror: MutationObserver | null = null

function sayHiddenChanges(records: MutationRecord[], addedOnly = false): void {
  const changed = new Set<HTMLElement>()
  for (const record of records) {
    const at = record.target instanceof HTMLElement ? record.target : record.target.parentElement
    const around = addedOnly ? null : at?.closest<HTMLElement>(LIVE)
    if (around) changed.add(around)
    for (const node of Array.from(record.addedNodes)) {
      if (!(node instanceof HTMLElement)) continue
      // A notice that appeared (`v-if`): it, or the live regions inside it.
      if (node.matches(LIVE)) changed.add(node)
      else for (const inner of Array.from(node.querySelectorAll<HTMLElement>(LIVE))) changed.add(inner)
    }
  }
  for (const region of changed) {
    // Gone again, or not behind the modal (the modal's own regions are heard where they are).
    if (!region.isConnected || region.closest('[inert], [aria-hidden="true"]') === null) continue
    const assertive = region.getAttribute('role') === 'alert' || region.getAttribute('aria-live') === 'assertive'
    announce(region.textContent ?? '', { assertive })
  }
}

/** While a modal is open, what the live regions behind it say goes to the app's live region. */
function mirrorLiveRegions(behind: ReadonlySet<HTMLElement>): void {
  // Said before hearing anew: disconnecting drops what is still queued (a change made in the
  // same moment as the one that hides anew), which was never said.
  const queued = liveMirror?.takeRecords() ?? []
  if (queued.length > 0) sayHiddenChanges(queued)
  liveMirror?.disconnect()
  if (behind.size === 0 || typeof MutationObserver === 'undefined') return
  // There before anything changes: a region made as it is first spoken into is not always heard.
  appLiveRegion()
  liveMirror ??= new MutationObserver((records) => sayHiddenChanges(records))
  for (const el of behind) liveMirror.observe(el, { childList: true, subtree: true, characterData: true })
}

/** Hooks the live region to the modals (once; AgentShell at its setup). */
export function installLiveRegion(): void {
  if (typeof document === 'undefined') return
  onHiddenBehind({ hidden: mirrorLiveRegions, appeared: (records) => sayHiddenChanges(records, true) })
}
