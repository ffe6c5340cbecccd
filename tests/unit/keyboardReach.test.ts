// @vitest-environment node
/**
 * Every control in the app's templates reaches the keyboard and screen readers through the one
 * mechanism (src/components/a11y.ts): uni's `<button>` renders as `<uni-button>`, which has no
 * role and no Tab stop of its own, so a `<button>`, anything with `@click` and anything with a
 * control role carries `v-press`; and every uni `<input>`/`<textarea>` carries `v-field`, since
 * uni keeps attributes (and the placeholder) off the real field. A control added without them
 * fails here, not in a keyboard user's hands.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'vue/compiler-sfc'

const ROOT = path.resolve(__dirname, '../..')

/** Not controls, though they take a tap (by test id or class); each with the reason. */
const NOT_CONTROLS: Record<string, string> = {
  // The dimmed area beside the wrap-up: a tap there folds the sheet, which Esc does for the keyboard.
  'wrapup-backdrop': 'backdrop',
  // A tap anywhere on the incoming call lets a blocked ringtone play; decline and answer are its controls.
  'incoming-call': 'overlay',
  // A sheet's panel: a tap inside clears uni-popup's flag that swallowed the next backdrop tap (BottomSheet).
  sheet__panel: 'panel',
}

const CONTROL_ROLES = new Set(['button', 'tab', 'switch', 'link', 'option', 'radio', 'checkbox', 'menuitem'])

interface TemplateNode {
  type: number
  tag?: string
  loc: { start: { line: number } }
  props?: Array<{ type: number; name: string; value?: { content: string }; arg?: { content?: string } }>
  children?: TemplateNode[]
}

function vueFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return vueFiles(full)
    return entry.name.endsWith('.vue') ? [full] : []
  })
}

/** Each element of each template as `file:line <tag data-testid>`, with what it carries. */
function elements(): Array<{ where: string; tag: string; testid: string; classes: string[]; click: boolean; role: string; press: boolean; field: boolean }> {
  const found: ReturnType<typeof elements> = []
  for (const file of [...vueFiles(path.join(ROOT, 'src')), path.join(ROOT, 'App.vue')]) {
    const ast = parse(readFileSync(file, 'utf8'), { filename: file }).descriptor.template?.ast as TemplateNode | undefined
    const walk = (node: TemplateNode): void => {
      if (node.type === 1 && node.tag) {
        const props = node.props ?? []
        const attr = (name: string) => props.find((p) => p.type === 6 && p.name === name)?.value?.content ?? ''
        const directive = (name: string, arg?: string) => props.some((p) => p.type === 7 && p.name === name && (arg === undefined || p.arg?.content === arg))
        const boundTestid = props.some((p) => p.type === 7 && p.name === 'bind' && p.arg?.content === 'data-testid')
        found.push({
          where: `${path.relative(ROOT, file)}:${node.loc.start.line}`,
          tag: node.tag,
          testid: attr('data-testid') || (boundTestid ? '(bound)' : ''),
          classes: attr('class').split(/\s+/).filter(Boolean),
          click: directive('on', 'click'),
          role: attr('role'),
          press: directive('press'),
          field: directive('field'),
        })
      }
      for (const child of node.children ?? []) walk(child)
    }
    if (ast) walk(ast)
  }
  return found
}

const isNotControl = (el: { testid: string; classes: string[] }) => el.testid in NOT_CONTROLS || el.classes.some((name) => name in NOT_CONTROLS)

// Lower-case tags only: a component (`<CallControl @click>`) passes the listener to its own
// `v-press` control inside.
const isElement = (tag: string) => tag === tag.toLowerCase()

describe('keyboard reach of the templates', () => {
  const all = elements()

  it('finds the templates (the walk works)', () => {
    expect(all.filter((el) => el.tag === 'button').length).toBeGreaterThan(50)
    expect(all.some((el) => el.testid === 'numbers-add' && el.press)).toBe(true)
  })

  it('gives every button, tappable element and control role v-press', () => {
    const missing = all
      .filter((el) => isElement(el.tag) && (el.tag === 'button' || el.click || CONTROL_ROLES.has(el.role)))
      .filter((el) => !el.press && !isNotControl(el))
      .map((el) => `${el.where} <${el.tag} ${el.testid}>`)
    expect(missing).toEqual([])
  })

  it('names every uni input and textarea with v-field', () => {
    const missing = all.filter((el) => (el.tag === 'input' || el.tag === 'textarea') && !el.field).map((el) => `${el.where} <${el.tag} ${el.testid}>`)
    expect(missing).toEqual([])
  })

  it('keeps its list of non-controls true', () => {
    for (const key of Object.keys(NOT_CONTROLS)) {
      const el = all.find((candidate) => candidate.testid === key || candidate.classes.includes(key))
      expect(el?.click, key).toBe(true)
      expect(el?.press, key).toBe(false)
    }
  })
})
