/**
 * Keyboard and screen-reader access for the H5 DOM, in one place: every tappable control, field
 * name, dialog and menu of the app uses these instead of its own key handling.
 *
 * - `v-press` makes an element a control the keyboard reaches and works: uni's `<button>` renders
 *   as `<uni-button>` (no role, not in the Tab order) and `<view>` chips as `<uni-view>`. It adds
 *   `role="button"` (unless the template names another role: tab, switch, link, radio, option),
 *   `tabindex="0"` (unless the template sets one) and, given a boolean, `aria-disabled`; Enter
 *   (and Space, except for links) clicks it unless it is disabled. It clicks on the key's release,
 *   and only when the key went down on it too: the press that opens a form does not also reach the
 *   form's first field (uni's input confirms on Enter's keyup), and the Enter that closed a
 *   dialog does not click the control the focus returns to.
 * - `v-field` names the real `<input>`/`<textarea>` inside uni's wrapper (uni keeps attributes on
 *   the wrapper and draws the placeholder as a separate element, so the field had no name).
 * - `useModalFocus` takes the focus into a dialog or sheet when it opens, keeps Tab inside it while
 *   it is open (the top one, when they stack), can give Enter and Esc a meaning, and gives the
 *   focus back to the control that opened it when it closes. Meanwhile the page behind the top
 *   one is `inert` and `aria-hidden`, as behind a browser's own modal `<dialog>`.
 * - `useEscape` closes a menu or an inline form with Esc.
 * - The app's live region (`src/components/liveRegion.ts`, `a11y-live`) is never hidden behind a
 *   modal, and hears what is (`onHiddenBehind`), to say what the page's live regions there say.
 *
 * Only where there is a DOM (H5): in the App the logic layer has none (the views are native or in
 * another context), so each of these checks at run time and does nothing there. A runtime check,
 * not `#ifdef`: conditional compilation stays in `src/platform/` (docs/ARCHITECTURE.md).
 */
import { onBeforeUnmount, watch, type ObjectDirective, type Ref, type WatchSource } from 'vue'

/** The element behind a template ref: a DOM element, or a component whose root is one. */
export function domElement(target: unknown): HTMLElement | null {
  if (typeof HTMLElement === 'undefined' || !target) return null
  if (target instanceof HTMLElement) return target
  const root = (target as { $el?: unknown }).$el
  return root instanceof HTMLElement ? root : null
}

const hasDom = (el: unknown): el is HTMLElement => typeof HTMLElement !== 'undefined' && el instanceof HTMLElement

let lastId = 0
/** A document-unique id for `aria-labelledby` / `aria-describedby` (Vue 3.4 has no `useId`). */
export function a11yId(prefix: string): string {
  lastId += 1
  return `${prefix}-${lastId}`
}

// ---- v-press ----------------------------------------------------------------------------------

interface PressState {
  /** The key that went down on the element and has not come up yet. */
  armed: string | null
  disabled: boolean | undefined
  keydown(event: KeyboardEvent): void
  keyup(event: KeyboardEvent): void
  blur(): void
}

const NATIVE_CONTROL = 'button, a[href], input, select, textarea, summary'

const pressStates = new WeakMap<HTMLElement, PressState>()

/** Disabled by the directive's value, uni's `disabled` attribute or `aria-disabled="true"`. */
export function isPressDisabled(el: Element, disabled?: boolean): boolean {
  if (disabled === true) return true
  const attr = el.getAttribute('disabled')
  if (attr !== null && attr !== 'false') return true
  return el.getAttribute('aria-disabled') === 'true'
}

function activatingKey(el: HTMLElement, event: KeyboardEvent): 'Enter' | ' ' | null {
  if (event.key === 'Enter') return 'Enter'
  // A link follows Enter only, as a native one does.
  if ((event.key === ' ' || event.key === 'Spacebar') && el.getAttribute('role') !== 'link') return ' '
  return null
}

function applyDisabled(el: HTMLElement, disabled: boolean | undefined): void {
  if (typeof disabled === 'boolean') el.setAttribute('aria-disabled', String(disabled))
}

/**
 * `v-press` / `v-press="disabled"`: a keyboard-operable control (see the header). The value, when
 * given, is the control's disabled state and becomes its `aria-disabled`.
 */
export const vPress: ObjectDirective<HTMLElement, boolean | undefined> = {
  mounted(el, binding) {
    if (!hasDom(el)) return
    applyDisabled(el, binding.value)
    // A native control (unit tests render `<button>` as one) has all of this already.
    if (el.matches(NATIVE_CONTROL)) return
    if (!el.hasAttribute('role')) el.setAttribute('role', 'button')
    if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '0')
    const state: PressState = {
      armed: null,
      disabled: binding.value,
      keydown(event) {
        if (event.target !== el) return
        const key = activatingKey(el, event)
        if (!key) return
        // Handled here: no page scroll on Space, and a dialog's own Enter leaves it alone.
        event.preventDefault()
        if (!event.repeat) state.armed = key
      },
      keyup(event) {
        if (event.target !== el) return
        const key = activatingKey(el, event)
        if (!key) return
        event.preventDefault()
        const armed = state.armed === key
        state.armed = null
        if (armed && !isPressDisabled(el, state.disabled)) el.click()
      },
      blur() {
        state.armed = null
      },
    }
    pressStates.set(el, state)
    el.addEventListener('keydown', state.keydown)
    el.addEventListener('keyup', state.keyup)
    el.addEventListener('blur', state.blur)
  },
  updated(el, binding) {
    if (!hasDom(el)) return
    applyDisabled(el, binding.value)
    const state = pressStates.get(el)
    if (state) state.disabled = binding.value
  },
  beforeUnmount(el) {
    const state = hasDom(el) ? pressStates.get(el) : undefined
    if (!state) return
    el.removeEventListener('keydown', state.keydown)
    el.removeEventListener('keyup', state.keyup)
    el.removeEventListener('blur', state.blur)
    pressStates.delete(el)
  },
}

// ---- a row of choices ---------------------------------------------------------------------------

type RovingMove = (index: number, count: number) => number
const next: RovingMove = (i, n) => (i + 1) % n
const previous: RovingMove = (i, n) => (i - 1 + n) % n
const ROVING_MOVES = new Map<string, RovingMove>([
  ['ArrowRight', next],
  ['ArrowDown', next],
  ['ArrowLeft', previous],
  ['ArrowUp', previous],
  ['Home', () => 0],
  ['End', (_, n) => n - 1],
])

/**
 * One Tab stop for a row of choices (a tab list, a radio group; a roving tabindex): where the
 * arrow keys (round the ends), Home or End go from `index` of `count`; null for any other key.
 */
export function rovingTarget(key: string, index: number, count: number): number | null {
  const move = ROVING_MOVES.get(key)
  return move && count > 0 ? move(index, count) : null
}

// ---- v-field ----------------------------------------------------------------------------------

export interface FieldNames {
  /** The field's name, when no visible label carries it. */
  label?: string
  /** The id of the visible label. */
  labelledby?: string
  /** The id of a message about the field (an error), while there is one. */
  describedby?: string
  invalid?: boolean
}

/** The real input inside uni's `<input>`/`<textarea>` wrapper (or the element itself). */
function realField(el: HTMLElement): HTMLElement | null {
  if (el.matches('input, textarea')) return el
  return el.querySelector<HTMLElement>('input, textarea')
}

function setOrRemove(el: HTMLElement, name: string, value: string | undefined): void {
  if (value === undefined || value === '') el.removeAttribute(name)
  else if (el.getAttribute(name) !== value) el.setAttribute(name, value)
}

function nameField(el: HTMLElement, names: FieldNames | undefined): void {
  if (!hasDom(el)) return
  const field = realField(el)
  if (!field) return
  setOrRemove(field, 'aria-label', names?.label)
  setOrRemove(field, 'aria-labelledby', names?.labelledby)
  setOrRemove(field, 'aria-describedby', names?.describedby)
  setOrRemove(field, 'aria-invalid', names?.invalid === undefined ? undefined : String(names.invalid))
}

/** `v-field="{ labelledby, describedby, invalid }"` on uni's `<input>` or `<textarea>`. */
export const vField: ObjectDirective<HTMLElement, FieldNames | undefined> = {
  mounted: (el, binding) => nameField(el, binding.value),
  // uni re-renders its wrapper (and may replace the input, e.g. a password shown) on updates.
  updated: (el, binding) => nameField(el, binding.value),
}

/**
 * `el.focus()`, through the prototype: a template's `:focus` prop (uni's "focus this field") lands
 * on a plain `<input>` as a DOM property where uni's input is not registered (unit tests).
 */
function focusOn(el: HTMLElement, options?: FocusOptions): void {
  HTMLElement.prototype.focus.call(el, options)
}

/** Puts the keyboard in the field behind `target` (uni's input wrapper or a real input). */
export function focusField(target: unknown): void {
  const el = domElement(target)
  const field = el ? realField(el) : null
  if (field) focusOn(field)
}

// ---- focus ------------------------------------------------------------------------------------

const FOCUSABLE = [
  'input:not([disabled]):not([type="hidden"])',
  'textarea:not([disabled])',
  'select:not([disabled])',
  'button:not([disabled])',
  'a[href]',
  '[tabindex]:not([tabindex="-1"])',
].join(',')

function isShown(el: HTMLElement): boolean {
  if (el.closest('[hidden], [aria-hidden="true"], [inert]')) return false
  for (let node: HTMLElement | null = el; node; node = node.parentElement) {
    const style = getComputedStyle(node)
    if (style.display === 'none' || style.visibility === 'hidden') return false
  }
  return true
}

/** In the Tab order: a tabindex of 0 or more, or none on a native control (read from the attribute: not every DOM fills `tabIndex` in). */
function inTabOrder(el: HTMLElement): boolean {
  const attr = el.getAttribute('tabindex')
  return attr === null ? el.matches(FOCUSABLE) : Number(attr) >= 0
}

/** The elements Tab stops at inside `root`, in document order. */
export function tabStops(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll(FOCUSABLE)).filter((el): el is HTMLElement => el instanceof HTMLElement && inTabOrder(el) && isShown(el))
}

/**
 * Focuses what `find` returns, now or over the next frames (about a second) while an opening
 * animation still hides it (uni-popup fills its panel a tick after opening, then fades it in).
 */
function focusSoon(find: () => HTMLElement | null, stillWanted: () => boolean, frames = 60): void {
  // Also the first time: a modal that opened under another (the incoming call) takes nothing.
  if (!stillWanted()) return
  const el = find()
  if (el) focusOn(el)
  if ((el && document.activeElement === el) || frames <= 0 || typeof requestAnimationFrame === 'undefined') return
  requestAnimationFrame(() => {
    if (stillWanted()) focusSoon(find, stillWanted, frames - 1)
  })
}

export interface ModalFocusOptions {
  /** A selector (the panel or inside it) for what takes the focus on open; default its first field, else its first Tab stop. */
  initial?: string
  /** Enter that no control inside handled (a confirmation's "OK"); fields keep their Enter. */
  onEnter?: () => void
  /** Esc (for panels that are not a uni-popup, which closes itself on Esc). */
  onEscape?: () => void
  /**
   * false: only the focus in on open and back on close, for a question inside a modal that is
   * already one (the sheet keeps Tab, and a tap back into its fields stays allowed, so nothing
   * of the sheet is hidden either).
   */
  contain?: boolean
  /**
   * The modal's whole element, backdrop included (uni-popup's root around the panel), when it is
   * more than the panel: everything outside it is hidden while the modal is on top. Default: the
   * panel.
   */
  root?: Ref<unknown>
  /**
   * How high the modal is drawn (`MODAL_LAYER`, its CSS z-index; default 0): one that opens while
   * a higher one is open goes under it in the stack, as it is drawn, not on top. Last opened on top
   * had made the one drawn over it inert, a tap on it going through to the one under it: answer
   * and decline under a sheet filled a tick after the call rang; a number form under the wrap-up
   * that opened as the call ended, its Save tapping the wrap-up's "save and call next".
   */
  layer?: number
}

/** The modals' CSS z-index, for `layer`: the wrap-up sheet, uni-popup's sheets and dialogs, the incoming call. */
export const MODAL_LAYER = { wrapup: 50, popup: 99, incomingCall: 1000 } as const

interface ModalTrap {
  panel: HTMLElement
  /** The panel, or the element around it given as `root` (with the backdrop, which stays tappable). */
  root: HTMLElement
  options: ModalFocusOptions
  /** What takes the focus when it opens (`initial`, else its first field or control). */
  first: () => HTMLElement | null
}

/** Open modals, the top one last: only it takes keys. */
const modalStack: ModalTrap[] = []

/** The open modal on top, skipping any whose panel has left the document without closing. */
function topModal(): ModalTrap | undefined {
  for (let i = modalStack.length - 1; i >= 0; i--) if (modalStack[i].panel.isConnected) return modalStack[i]
  return undefined
}

/** True while a modal (dialog, sheet, incoming call) holds the focus. */
export function modalOpen(): boolean {
  return topModal() !== undefined
}

const isTop = (trap: ModalTrap) => topModal() === trap

function onModalKeydown(event: KeyboardEvent): void {
  const trap = topModal()
  if (!trap || event.defaultPrevented) return
  const { panel, options } = trap
  const active = document.activeElement instanceof HTMLElement ? document.activeElement : null
  if (event.key === 'Tab') {
    const stops = tabStops(panel)
    const first = stops[0]
    const last = stops[stops.length - 1]
    const inside = !!active && panel.contains(active)
    if (!first || !last) {
      event.preventDefault()
      return
    }
    if (!inside || (event.shiftKey ? active === first : active === last)) {
      event.preventDefault()
      focusOn(event.shiftKey ? last : first)
    }
    return
  }
  if (event.key === 'Escape' || event.key === 'Esc') {
    if (options.onEscape) {
      event.preventDefault()
      options.onEscape()
    }
    return
  }
  if (event.key === 'Enter' && options.onEnter && !event.repeat) {
    const target = event.target instanceof HTMLElement ? event.target : null
    if (target && !panel.contains(target) && target !== document.body) return
    // A focused control (a button, a field) does its own thing with Enter: Enter on "Cancel" cancels.
    if (target && target !== panel && (target.matches(FOCUSABLE) || target.closest('input, textarea'))) return
    event.preventDefault()
    options.onEnter()
  }
}

/** Focus that leaves the top modal (a click behind it, a browser Tab we did not see) comes back. */
function onModalFocusIn(event: FocusEvent): void {
  const trap = topModal()
  const target = event.target
  if (!trap || !(target instanceof Node) || trap.panel.contains(target)) return
  // Another open modal (an incoming call over a sheet) keeps what it was given.
  if (modalStack.some((other) => other.panel.isConnected && other.panel.contains(target))) return
  const first = tabStops(trap.panel)[0]
  if (first) focusOn(first)
}

function listen(on: boolean): void {
  if (on) {
    document.addEventListener('keydown', onModalKeydown)
    document.addEventListener('focusin', onModalFocusIn)
  } else {
    document.removeEventListener('keydown', onModalKeydown)
    document.removeEventListener('focusin', onModalFocusIn)
  }
}

// ---- the page behind the top modal ---------------------------------------------------------------

/** What an element had before a modal hid it: whether it was inert, its aria-hidden (null: none). */
interface HiddenBefore {
  inert: boolean
  ariaHidden: string | null
}

/** The elements hidden behind the top modal now, with what they had before. */
const hiddenBehind = new Map<HTMLElement, HiddenBefore>()

/** Not drawn: nothing to hide. */
const NOT_DRAWN = new Set(['SCRIPT', 'STYLE', 'LINK', 'META', 'TEMPLATE', 'NOSCRIPT'])

/** Everything outside `root`: the siblings of it and of each of its ancestors up to `<body>`. */
function outside(root: HTMLElement): Set<HTMLElement> {
  const found = new Set<HTMLElement>()
  for (let node = root; node !== document.body && node.parentElement; node = node.parentElement) {
    for (const sibling of Array.from(node.parentElement.children)) {
      // The app's live region is never behind anything: what it says must be heard over any modal.
      if (sibling !== node && sibling instanceof HTMLElement && !NOT_DRAWN.has(sibling.tagName) && !sibling.hasAttribute(LIVE_REGION_ATTR)) found.add(sibling)
    }
  }
  return found
}

// ---- what is hidden, told to the app's live region (src/components/liveRegion.ts) ----------------

/** Marks the app's live region: never behind a modal, so what it says is heard over any. */
export const LIVE_REGION_ATTR = 'data-a11y-live'

/**
 * Told what lies behind the top modal whenever that changes (an empty set: none open), and what
 * appeared beside its way up. Set by the live region, loaded with the signed-in shell: a hook, so
 * the first page's bundle does not carry it.
 */
export interface HiddenBehindListener {
  hidden(behind: ReadonlySet<HTMLElement>): void
  appeared(records: MutationRecord[]): void
}
let hiddenListener: HiddenBehindListener | null = null

export function onHiddenBehind(listener: HiddenBehindListener | null): void {
  hiddenListener = listener
}

/** Watches the top modal's way up for new elements beside it (a reminder banner, a notice). */
let pathWatcher: MutationObserver | null = null

function watchPath(root: HTMLElement | null): void {
  pathWatcher?.disconnect()
  if (!root || typeof MutationObserver === 'undefined') return
  pathWatcher ??= new MutationObserver((records) => {
    // Taken before hiding, which watches the way up anew (and so drops what was still queued).
    const all = [...records, ...(pathWatcher?.takeRecords() ?? [])]
    hideBehindTopModal()
    // A notice that appeared beside the way up is hidden now: what it says goes to the app's region.
    hiddenListener?.appeared(all)
  })
  for (let node = root; node !== document.body && node.parentElement; node = node.parentElement) pathWatcher.observe(node.parentElement, { childList: true })
}

/**
 * Hides the page behind the top modal from the pointer, the keyboard and screen readers (`inert`
 * and `aria-hidden`: uni's views are no `<dialog>`, so `aria-modal` alone left the list behind a
 * sheet readable and reachable) and gives everything else back exactly what it had: an element
 * that was inert or aria-hidden already stays so. Worked out anew whenever a modal opens or
 * closes, so a dialog over a sheet hides the sheet too, and whichever closes first, what is
 * hidden is always what lies behind the one on top; and when something appears beside it meanwhile.
 */
function hideBehindTopModal(): void {
  const top = topModal()
  watchPath(top?.root ?? null)
  const behind = top ? outside(top.root) : new Set<HTMLElement>()
  for (const [el, before] of hiddenBehind) {
    if (behind.has(el)) continue
    hiddenBehind.delete(el)
    if (!before.inert) el.removeAttribute('inert')
    if (before.ariaHidden === null) el.removeAttribute('aria-hidden')
    else el.setAttribute('aria-hidden', before.ariaHidden)
  }
  for (const el of behind) {
    if (hiddenBehind.has(el)) continue
    hiddenBehind.set(el, { inert: el.hasAttribute('inert'), ariaHidden: el.getAttribute('aria-hidden') })
    el.setAttribute('inert', '')
    el.setAttribute('aria-hidden', 'true')
  }
  hiddenListener?.hidden(behind)
}

/**
 * Makes the element behind `panel` (a template ref, inside the component calling this) a modal
 * for the keyboard from the moment it is in the DOM until it leaves it or the component unmounts,
 * and, unless `contain` is false, the page behind it inert while it is the top one.
 */
export function useModalFocus(panel: Ref<unknown>, options: ModalFocusOptions = {}): void {
  let trap: ModalTrap | null = null
  let opener: HTMLElement | null = null
  /** Where the opener sat, nearest first, in case it is gone when the focus goes back. */
  let openerAncestors: HTMLElement[] = []

  function open(el: HTMLElement): void {
    if (trap?.panel === el) return
    close(false)
    const active = document.activeElement
    opener = active instanceof HTMLElement && active !== document.body && !el.contains(active) ? active : null
    openerAncestors = []
    for (let up = opener?.parentElement ?? null; up && up !== document.body; up = up.parentElement) openerAncestors.push(up)
    const root = domElement(options.root?.value)
    const find = () => {
      if (!options.initial) {
        const stops = tabStops(el)
        return stops.find((stop) => stop.matches('input, textarea')) ?? stops[0] ?? null
      }
      const initial = el.matches(options.initial) ? el : el.querySelector<HTMLElement>(options.initial)
      return initial && isShown(initial) ? initial : null
    }
    const mine: ModalTrap = { panel: el, root: root && root.contains(el) ? root : el, options, first: find }
    trap = mine
    if (options.contain !== false) {
      // Under any open modal drawn higher: the top of the stack is the one drawn on top.
      const above = modalStack.findIndex((other) => (other.options.layer ?? 0) > (options.layer ?? 0))
      modalStack.splice(above < 0 ? modalStack.length : above, 0, mine)
      if (modalStack.length === 1) listen(true)
      hideBehindTopModal()
    }
    focusSoon(find, () => trap === mine && (options.contain === false || isTop(mine)) && !el.contains(document.activeElement))
  }

  function close(giveBack: boolean): void {
    if (!trap) return
    const closing = trap
    trap = null
    const index = modalStack.indexOf(closing)
    if (index >= 0) {
      modalStack.splice(index, 1)
      if (modalStack.length === 0) listen(false)
      // Before the focus goes back: an inert opener cannot take it.
      hideBehindTopModal()
    }
    const back = opener
    const around = openerAncestors
    opener = null
    openerAncestors = []
    // Only when the focus is still ours (in the panel, or lost with it); never pull it from elsewhere.
    const active = document.activeElement
    const ours = !active || active === document.body || closing.panel.contains(active)
    if (!giveBack || !ours) return
    // A modal still open that opened under this one (a sheet under the incoming call, the wrap-up
    // under a number form): the opener is behind it, inert; it takes the focus as on opening.
    const top = topModal()
    if (top && (!back || (back.isConnected && !top.panel.contains(back)))) {
      const first = top.first() ?? tabStops(top.panel)[0]
      if (first) focusOn(first, { preventScroll: true })
      return
    }
    if (!back) return
    // Without scrolling: a row's edit or delete sits in the row's clipped box, and scrolling it
    // into view would leave the row drawn half open after a tap on it and Cancel.
    if (back.isConnected) {
      focusOn(back, { preventScroll: true })
      return
    }
    // The opener went with what the dialog did (a deleted row): the first control in the nearest
    // container still there (the next row), not the top of the page.
    const near = around.find((el) => el.isConnected)
    const next = near ? tabStops(near)[0] : undefined
    if (next) focusOn(next, { preventScroll: true })
  }

  watch(
    () => domElement(panel.value),
    (el) => {
      if (typeof document === 'undefined') return
      if (el) open(el)
      else close(true)
    },
    { immediate: true, flush: 'post' },
  )
  onBeforeUnmount(() => {
    if (typeof document !== 'undefined') close(true)
  })
}

/** The element itself when the keyboard can focus it, else the first Tab stop inside it. */
function focusTarget(target: unknown): HTMLElement | null {
  const el = domElement(target)
  if (!el) return null
  return inTabOrder(el) ? el : (tabStops(el)[0] ?? null)
}

export interface EscapeOptions {
  /** What closes (the menu, the form): the focus goes back only when it was inside. */
  region?: Ref<unknown>
  /** Where the focus goes back to (the toggle that opened it). */
  returnTo?: Ref<unknown>
}

/** Esc closes what `isOpen` says is open (a menu, an inline form), unless a modal above takes the key. */
export function useEscape(isOpen: WatchSource<boolean>, close: () => void, options: EscapeOptions = {}): void {
  function onKeydown(event: KeyboardEvent): void {
    if ((event.key !== 'Escape' && event.key !== 'Esc') || event.defaultPrevented || modalOpen()) return
    event.preventDefault()
    const region = domElement(options.region?.value)
    const active = document.activeElement
    const wasInside = !!region && !!active && region.contains(active)
    close()
    const back = wasInside ? focusTarget(options.returnTo?.value) : null
    if (back) focusOn(back)
  }
  let listening = false
  function setListening(on: boolean): void {
    if (on === listening || typeof document === 'undefined') return
    listening = on
    if (on) document.addEventListener('keydown', onKeydown)
    else document.removeEventListener('keydown', onKeydown)
  }
  watch(isOpen, (open) => setListening(open), { immediate: true })
  onBeforeUnmount(() => setListening(false))
}
