/**
 * Text contrast as the agent sees it (WCAG 2.x): every visible text on the page against the
 * background it is painted on, worked out in the browser from the computed colours. Field agents
 * read the phone outdoors; 4.5:1 for body text, 3:1 for large text (24 px, or 18.66 px bold).
 * Disabled controls are exempt (WCAG 1.4.3), and so is text over an image.
 */
import type { Page } from 'playwright-core'

export interface LowContrast {
  /** The nearest test id, then the element's class: enough to find it in the code. */
  where: string
  text: string
  fg: string
  bg: string
  ratio: number
  needed: number
}

/** Texts under their contrast minimum on the page as it is now. */
export function lowContrastText(page: Page): Promise<LowContrast[]> {
  // Sent as source: a transpiler's helpers (esbuild's `__name`) get a stand-in in the page.
  return page.evaluate(`(() => { const __name = (f) => f; return (${inPage.toString()})() })()`)
}

function inPage(): LowContrast[] {
  {
    type Rgba = [number, number, number, number]
    const parse = (css: string): Rgba | null => {
      const m = css.match(/rgba?\(([^)]+)\)/)
      if (!m) return null
      const parts = m[1].split(/[ ,/]+/).filter(Boolean).map(Number)
      return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1]
    }
    const over = (top: Rgba, under: Rgba): Rgba => {
      const a = top[3] + under[3] * (1 - top[3])
      if (a === 0) return [0, 0, 0, 0]
      const mix = (i: number) => (top[i] * top[3] + under[i] * under[3] * (1 - top[3])) / a
      return [mix(0), mix(1), mix(2), a]
    }
    const luminance = (c: Rgba): number => {
      const lin = (v: number) => {
        const s = v / 255
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
      }
      return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
    }
    const ratioOf = (a: Rgba, b: Rgba): number => {
      const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p)
      return (x + 0.05) / (y + 0.05)
    }
    const hex = (c: Rgba) => '#' + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')

    /** The backgrounds an element's text may sit on: one, or each stop of a gradient. */
    function backgroundsOf(el: Element): Rgba[] | 'image' {
      const layers: Rgba[][] = []
      for (let node: Element | null = el; node; node = node.parentElement) {
        const style = getComputedStyle(node)
        const image = style.backgroundImage
        // A gradient sized to a band (the login page's 320 px header) is not under text below it.
        const band = style.backgroundSize.split(',')[0].trim().split(' ')[1] ?? ''
        const below = band.endsWith('px') && el.getBoundingClientRect().top >= node.getBoundingClientRect().top + parseFloat(band)
        if (image && image !== 'none' && !below) {
          if (!image.includes('gradient')) return 'image'
          const stops = (image.match(/rgba?\([^)]+\)/g) ?? []).map(parse).filter((c): c is Rgba => c !== null)
          layers.push(stops)
          if (stops.every((c) => c[3] === 1)) break
        }
        const colour = parse(style.backgroundColor)
        if (colour && colour[3] > 0) {
          layers.push([colour])
          if (colour[3] === 1) break
        }
      }
      // The page's own background under everything that is not opaque.
      let bases: Rgba[] = [parse(getComputedStyle(document.documentElement).backgroundColor) ?? [255, 255, 255, 1]]
      if (bases[0][3] === 0) bases = [[255, 255, 255, 1]]
      for (const layer of layers.reverse()) bases = layer.flatMap((top) => bases.map((under) => over(top, under)))
      return bases
    }

    const found: Array<{ where: string; text: string; fg: string; bg: string; ratio: number; needed: number }> = []
    const all = document.querySelectorAll('body *')
    for (const el of Array.from(all)) {
      if (el.closest('[disabled], [aria-disabled="true"], .is-disabled')) continue
      const isField = el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement
      const text = isField
        ? (el as HTMLInputElement).value
        : Array.from(el.childNodes)
            .filter((n) => n.nodeType === Node.TEXT_NODE)
            .map((n) => n.textContent ?? '')
            .join('')
            .trim()
      if (!text) continue
      const rect = el.getBoundingClientRect()
      if (rect.width === 0 || rect.height === 0 || rect.bottom < 0 || rect.top > innerHeight) continue
      const style = getComputedStyle(el)
      if (style.visibility !== 'visible') continue
      let hidden = false
      for (let node: Element | null = el; node; node = node.parentElement) {
        const s = getComputedStyle(node)
        if (s.display === 'none' || Number(s.opacity) === 0) hidden = true
      }
      if (hidden) continue
      const fg = parse(style.color)
      if (!fg) continue
      const backgrounds = backgroundsOf(el)
      if (backgrounds === 'image') continue
      const size = parseFloat(style.fontSize)
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700)
      const needed = large ? 3 : 4.5
      for (const bg of backgrounds) {
        const ratio = ratioOf(over(fg, bg), bg)
        if (ratio < needed - 0.005) {
          const testid = el.closest('[data-testid]')?.getAttribute('data-testid') ?? ''
          const cls = typeof el.className === 'string' ? el.className.split(' ')[0] : el.tagName.toLowerCase()
          found.push({ where: `${testid} ${cls}`.trim(), text: text.slice(0, 30), fg: hex(fg), bg: hex(bg), ratio: Math.round(ratio * 100) / 100, needed })
          break
        }
      }
    }
    return found
  }
}
