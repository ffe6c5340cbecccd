import { onMounted, ref, type CSSProperties, type Ref } from 'vue'

/**
 * The app's icon names and which of them uni-ui's `uni-icons` font has (as its `type`).
 * Picked by looking at both side by side; where uni-icons has no glyph that means the same
 * thing, the bundled SVG (static/icons/<name>.svg) stays.
 */
export type IconName =
  | 'alert' | 'arrow-in' | 'arrow-out' | 'audio-output' | 'backspace' | 'bluetooth' | 'check' | 'clear' | 'close' | 'dial'
  | 'earpiece' | 'edit' | 'empty' | 'eye' | 'eye-off' | 'forward' | 'globe' | 'headphones' | 'history' | 'import' | 'lock'
  | 'logout' | 'mic' | 'mic-off' | 'numbers' | 'pause' | 'phone' | 'phone-down' | 'play' | 'plus' | 'refresh'
  | 'search' | 'settings' | 'speaker' | 'trash' | 'user' | 'wifi-off'

/** App icon → uni-icons `type`, for the icons uni-icons has. */
export const UNI_ICON_TYPES: Partial<Record<IconName, string>> = {
  check: 'checkmarkempty',
  clear: 'closeempty',
  close: 'closeempty',
  edit: 'compose',
  eye: 'eye',
  'eye-off': 'eye-slash',
  forward: 'redo',
  headphones: 'headphones',
  import: 'download',
  lock: 'locked',
  mic: 'mic',
  'mic-off': 'micoff',
  numbers: 'staff',
  phone: 'phone',
  plus: 'plusempty',
  refresh: 'refreshempty',
  search: 'search',
  settings: 'gear',
  speaker: 'sound',
  trash: 'trash',
  user: 'person',
}

/**
 * uni-icons has nothing for these (no warning triangle, call-direction arrows, audio output
 * choice, backspace key, Bluetooth, keypad, earpiece, empty state, globe, clock, sign-out door,
 * pause bars, play (resume), hang-up handset or no-signal wifi): they stay SVGs.
 */
export const SVG_ONLY_ICONS: IconName[] = [
  'alert', 'arrow-in', 'arrow-out', 'audio-output', 'backspace', 'bluetooth', 'dial', 'earpiece', 'empty', 'globe', 'history',
  'logout', 'pause', 'phone-down', 'play', 'wifi-off',
]

/**
 * Size, colour and mask of a bundled SVG icon (SvgIcon, and the login page's plain elements).
 * The SVG is a CSS mask over the colour, so one file serves every state. The login page sets
 * this on a plain element instead of mounting SvgIcon: a component instance per icon was a
 * measurable part of the cold start (issue 11).
 */
export function svgIconStyle(name: IconName, size = 22, color = 'currentColor'): CSSProperties {
  const url = `url("/static/icons/${name}.svg")`
  return { width: `${size}px`, height: `${size}px`, backgroundColor: color, maskImage: url, WebkitMaskImage: url }
}

/**
 * `svgIconStyle` for the first page's decorative icons: until `shown`, the box keeps its size (no
 * layout shift) but paints nothing and requests no image. On a cold start the six SVG requests,
 * made in the style pass that first lays the page out, kept the sign-in button from being usable
 * ~25 ms longer (issue 11: cold start median 1.49x against 1.65x in ten alternating bench
 * pairs); the icons arrive after their fetch either way, now one frame later.
 */
export function firstPaintIconStyle(name: IconName, size: number, color: string | undefined, shown: boolean): CSSProperties {
  const style = svgIconStyle(name, size, color)
  return shown ? style : { width: style.width, height: style.height }
}

/**
 * False until the first animation frame after mount. The layout at mount (when the sign-in
 * button becomes usable) has no icon images; they are asked for in that frame's style pass,
 * before it paints (so a cold start's first paint still shows the boxes empty: the fetch is
 * not back yet).
 */
export function useShownAfterFirstFrame(): Ref<boolean> {
  const shown = ref(false)
  onMounted(() => requestAnimationFrame(() => (shown.value = true)))
  return shown
}

