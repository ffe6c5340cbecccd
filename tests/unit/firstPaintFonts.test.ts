/**
 * Cold start (issue 11): during the first layout Chromium asks the browser process, synchronously,
 * for every family of the root font stack it lacks, once per text style (size × weight) on the
 * page. A nine-family stack cost 36 such calls per cold start (docs/BENCHMARKS.md, "Cold start, tenth pass").
 * These checks keep the two rules that fixed it: the root stack names no font family (generic
 * keywords only; WebKit gets `-apple-system` behind an `@supports` that other engines drop
 * unparsed), and the login page's first-paint text keeps to its six styles.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(__dirname, '../..')
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8')
const GENERIC = new Set(['sans-serif', 'serif', 'monospace', 'system-ui', 'cursive', 'fantasy'])

/** The `<style>` blocks of a single-file component, comments removed. */
function styles(sfc: string): string {
  return [...sfc.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map((m) => m[1].replace(/\/\*[\s\S]*?\*\//g, '')).join('\n')
}

/** Removes `@supports (...) { ... }` blocks (one level of nested rules). */
function withoutSupports(css: string): { rest: string; supports: Array<{ condition: string; body: string }> } {
  const supports: Array<{ condition: string; body: string }> = []
  const rest = css.replace(/@supports\s*([^{]+)\{((?:[^{}]*\{[^{}]*\})*\s*)\}/g, (_, condition: string, body: string) => {
    supports.push({ condition: condition.trim(), body })
    return ''
  })
  return { rest, supports }
}

const families = (css: string): string[][] =>
  [...css.matchAll(/font-family:\s*([^;}]+)/g)].map((m) => m[1].split(',').map((f) => f.trim().replace(/^['"]|['"]$/g, '')))

/** The declarations of the rule whose selector is exactly `selector`. */
function rule(css: string, selector: string): Record<string, string> {
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const match = new RegExp(`(?:^|})\\s*${escaped}\\s*\\{([^}]*)\\}`).exec(css)
  if (!match) throw new Error(`no rule ${selector}`)
  return Object.fromEntries(
    match[1]
      .split(';')
      .map((d) => d.split(':').map((part) => part.trim()))
      .filter((d) => d.length === 2 && d[0])
      .map(([k, v]) => [k, v]),
  )
}

describe('first-paint fonts', () => {
  const app = styles(read('App.vue'))
  const { rest, supports } = withoutSupports(app)

  it('the root stack names generic families only, outside @supports', () => {
    const stacks = families(rest)
    expect(stacks.length).toBeGreaterThan(0)
    for (const stack of stacks) expect(stack.filter((f) => !GENERIC.has(f))).toEqual([])
  })

  it('WebKit alone gets its system font, behind a condition other engines drop', () => {
    expect(supports.map((s) => s.condition)).toContain('(font: -apple-system-body)')
    const webkit = supports.find((s) => s.condition === '(font: -apple-system-body)')!
    expect(families(webkit.body)).toEqual([['-apple-system', 'sans-serif']])
  })

  it('the login page paints its first text in six styles: 13/16/20/28 px at weights 400/600', () => {
    const login = styles(read('src/pages/login/index.vue'))
    // What is on screen before any interaction (the server panel and messages come later).
    const firstPaint = ['.login__lang', '.login__lang-option.is-active', '.login__title', '.login__subtitle', '.login__heading', '.field__label', '.field__input', '.login__submit', '.server__toggle']
    const styleOf = (selector: string): string => {
      const decl = rule(login, selector)
      return `${decl['font-size'] ?? 'inherit'}/${decl['font-weight'] ?? '400'}`
    }
    const used = new Set(firstPaint.map(styleOf))
    // The active language option inherits its 13 px from the switch.
    expect([...used].sort()).toEqual(['13px/400', '13px/600', '16px/400', '16px/600', '20px/600', '28px/600', 'inherit/600'])
    expect(styleOf('.login__title')).toBe('28px/600')
    expect(styleOf('.login__submit')).toBe('16px/600')
  })
})
