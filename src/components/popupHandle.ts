/**
 * The part of uni-popup's instance the sheet and the dialog use. uni-popup opens by ref, while
 * the parents show a sheet with `v-if`, so both open it on mount; `change` with `show: false`
 * is uni-popup closing itself (a tap on the backdrop, Esc in a browser).
 */
export interface PopupHandle {
  open(): void
}

export interface PopupChange {
  show: boolean
}

/** Opens the popup now that it is mounted; a no-op where no uni-popup is registered (unit tests). */
export function openPopup(popup: PopupHandle | null): void {
  if (popup && typeof popup.open === 'function') popup.open()
}
