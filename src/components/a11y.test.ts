import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick, ref, withDirectives, type Ref } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import { announce, installLiveRegion } from './liveRegion'
import { a11yId, MODAL_LAYER, modalOpen, rovingTarget, tabStops, useEscape, useModalFocus, vField, vPress, type ModalFocusOptions } from './a11y'

const mounted: VueWrapper[] = []
function attach<T extends VueWrapper>(wrapper: T): T {
  mounted.push(wrapper)
  return wrapper
}
afterEach(() => {
  for (const wrapper of mounted.splice(0)) wrapper.unmount()
  document.body.innerHTML = ''
})

/** A key as the browser sends it: down, then up, on the focused element. */
function press(el: Element, key: string, init: KeyboardEventInit = {}): { down: KeyboardEvent; up: KeyboardEvent } {
  const down = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init })
  el.dispatchEvent(down)
  const up = new KeyboardEvent('keyup', { key, bubbles: true, cancelable: true, ...init })
  el.dispatchEvent(up)
  return { down, up }
}

/** A uni `<view>`/`<uni-button>` stand-in with `v-press` (uni renders custom elements, not `<button>`). */
function mountPressable(attrs: Record<string, unknown> = {}, disabled: Ref<boolean | undefined> = ref(undefined)) {
  const onClick = vi.fn()
  const wrapper = attach(
    mount(
      defineComponent({
        setup: () => () => withDirectives(h('uni-button', { 'data-testid': 'target', onClick, ...attrs }, [h('span', { class: 'inner' }, 'Add')]), [[vPress, disabled.value]]),
      }),
      { attachTo: document.body },
    ),
  )
  return { wrapper, el: wrapper.get('[data-testid="target"]').element as HTMLElement, onClick }
}

describe('v-press', () => {
  it('makes a uni element a button in the Tab order', () => {
    const { el } = mountPressable()
    expect(el.getAttribute('role')).toBe('button')
    expect(el.getAttribute('tabindex')).toBe('0')
    expect(el.tabIndex).toBe(0)
    // No value: no aria-disabled of its own.
    expect(el.hasAttribute('aria-disabled')).toBe(false)
  })

  it('keeps the role and tabindex the template gives (tab, switch, link; a roving tabindex)', () => {
    const { el } = mountPressable({ role: 'tab', tabindex: '-1' })
    expect(el.getAttribute('role')).toBe('tab')
    expect(el.getAttribute('tabindex')).toBe('-1')
  })

  it('Enter and Space click it once each, on the key going up', () => {
    const { el, onClick } = mountPressable()
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }))
    expect(onClick).not.toHaveBeenCalled()
    el.dispatchEvent(new KeyboardEvent('keyup', { key: 'Enter', bubbles: true, cancelable: true }))
    expect(onClick).toHaveBeenCalledTimes(1)
    const { down } = press(el, ' ')
    // Space does not scroll the page, and a dialog's own Enter handling sees the key as taken.
    expect(down.defaultPrevented).toBe(true)
    expect(onClick).toHaveBeenCalledTimes(2)
  })

  it('ignores a key that went down elsewhere, auto-repeat, other keys and keys on its children', () => {
    const { el, onClick } = mountPressable()
    // The Enter that closed a dialog comes up on the control the focus went back to.
    el.dispatchEvent(new KeyboardEvent('keyup', { key: 'Enter', bubbles: true }))
    // A held key repeats keydown only.
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, repeat: true }))
    el.dispatchEvent(new KeyboardEvent('keyup', { key: 'Enter', bubbles: true }))
    press(el, 'a')
    press(el.querySelector('.inner') as Element, 'Enter')
    // Down, then the focus leaves before the key comes up.
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
    el.dispatchEvent(new FocusEvent('blur'))
    el.dispatchEvent(new KeyboardEvent('keyup', { key: 'Enter', bubbles: true }))
    expect(onClick).not.toHaveBeenCalled()
  })

  it('a link follows Enter, not Space', () => {
    const { el, onClick } = mountPressable({ role: 'link' })
    press(el, ' ')
    expect(onClick).not.toHaveBeenCalled()
    press(el, 'Enter')
    expect(onClick).toHaveBeenCalledTimes(1)
  })

  it('a disabled control says so and does not activate, by value, disabled attribute or aria-disabled', async () => {
    const disabled = ref<boolean | undefined>(true)
    const { el, onClick } = mountPressable({}, disabled)
    expect(el.getAttribute('aria-disabled')).toBe('true')
    press(el, 'Enter')
    press(el, ' ')
    expect(onClick).not.toHaveBeenCalled()
    disabled.value = false
    await nextTick()
    expect(el.getAttribute('aria-disabled')).toBe('false')
    press(el, 'Enter')
    expect(onClick).toHaveBeenCalledTimes(1)

    const byAttribute = mountPressable({ disabled: 'true' })
    press(byAttribute.el, 'Enter')
    const byAria = mountPressable({ 'aria-disabled': 'true' })
    press(byAria.el, 'Enter')
    expect(byAttribute.onClick).not.toHaveBeenCalled()
    expect(byAria.onClick).not.toHaveBeenCalled()
  })

  it('leaves a native button to the browser (no second click), only mirroring aria-disabled', () => {
    const onClick = vi.fn()
    const wrapper = attach(mount(defineComponent({ setup: () => () => withDirectives(h('button', { onClick }, 'x'), [[vPress, false]]) })))
    const el = wrapper.get('button').element
    expect(el.hasAttribute('role')).toBe(false)
    expect(el.getAttribute('aria-disabled')).toBe('false')
    press(el, 'Enter')
    expect(onClick).not.toHaveBeenCalled()
  })

  it('stops listening when unmounted', () => {
    const { wrapper, el, onClick } = mountPressable()
    wrapper.unmount()
    mounted.splice(mounted.indexOf(wrapper), 1)
    press(el, 'Enter')
    expect(onClick).not.toHaveBeenCalled()
  })
})

describe('v-field', () => {
  it('names the real input inside uni’s wrapper and follows the error', async () => {
    const error = ref(false)
    const wrapper = attach(
      mount(
        defineComponent({
          setup: () => () =>
            withDirectives(h('uni-input', { 'data-testid': 'field' }, [h('div', [h('input')])]), [
              [vField, { labelledby: 'label-1', describedby: error.value ? 'error-1' : undefined, invalid: error.value }],
            ]),
        }),
      ),
    )
    const input = wrapper.get('input').element
    expect(input.getAttribute('aria-labelledby')).toBe('label-1')
    expect(input.hasAttribute('aria-describedby')).toBe(false)
    expect(input.getAttribute('aria-invalid')).toBe('false')
    error.value = true
    await nextTick()
    expect(input.getAttribute('aria-describedby')).toBe('error-1')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    // The wrapper itself gets nothing: uni keeps it out of the accessibility tree's name.
    expect(wrapper.get('[data-testid="field"]').attributes('aria-labelledby')).toBeUndefined()
  })

  it('takes a plain name, and works on a real input too', () => {
    const wrapper = attach(mount(defineComponent({ setup: () => () => withDirectives(h('input'), [[vField, { label: 'Account' }]]) })))
    expect(wrapper.get('input').attributes('aria-label')).toBe('Account')
  })
})

describe('rovingTarget', () => {
  it('moves along a row of choices and round its ends; other keys and an empty row give null', () => {
    expect([rovingTarget('ArrowRight', 0, 3), rovingTarget('ArrowDown', 2, 3)]).toEqual([1, 0])
    expect([rovingTarget('ArrowLeft', 0, 3), rovingTarget('ArrowUp', 2, 3)]).toEqual([2, 1])
    expect([rovingTarget('Home', 2, 3), rovingTarget('End', 0, 3)]).toEqual([0, 2])
    expect([rovingTarget('Enter', 1, 3), rovingTarget('toString', 1, 3), rovingTarget('ArrowRight', 0, 0)]).toEqual([null, null, null])
  })
})

describe('a11yId', () => {
  it('gives a new id each time', () => {
    const a = a11yId('x')
    expect(a).toMatch(/^x-\d+$/)
    expect(a11yId('x')).not.toBe(a)
  })
})

/** A page with an opener button, and a modal panel with two fields and two buttons. */
function mountModal(options: ModalFocusOptions = {}, panelAttrs: Record<string, unknown> = {}) {
  const open = ref(false)
  const Modal = defineComponent({
    setup() {
      const panel = ref<HTMLElement | null>(null)
      useModalFocus(panel, options)
      return () =>
        h('div', { ref: panel, class: 'panel', role: 'dialog', ...panelAttrs }, [
          h('p', { class: 'message' }, 'Text'),
          h('input', { class: 'first' }),
          h('textarea', { class: 'second' }),
          h('button', { class: 'cancel' }, 'Cancel'),
          h('button', { class: 'ok' }, 'OK'),
        ])
    },
  })
  const wrapper = attach(
    mount(
      defineComponent({
        setup: () => () => h('main', [h('button', { class: 'opener' }, 'Open'), h('input', { class: 'behind' }), open.value ? h(Modal) : null]),
      }),
      { attachTo: document.body },
    ),
  )
  const $ = (selector: string) => document.querySelector(selector) as HTMLElement
  return { wrapper, open, $ }
}

describe('useModalFocus', () => {
  it('focuses the first field on open and gives the focus back to the opener on close', async () => {
    const { open, $ } = mountModal()
    $('.opener').focus()
    open.value = true
    await nextTick()
    await nextTick()
    expect(document.activeElement).toBe($('.first'))
    expect(modalOpen()).toBe(true)
    open.value = false
    await nextTick()
    expect(document.activeElement).toBe($('.opener'))
    expect(modalOpen()).toBe(false)
  })

  it('focuses the named element when asked (a confirmation’s cancel)', async () => {
    const { open, $ } = mountModal({ initial: '.cancel' })
    open.value = true
    await nextTick()
    await nextTick()
    expect(document.activeElement).toBe($('.cancel'))
  })

  it('keeps Tab inside: past the last stop to the first, Shift+Tab before the first to the last', async () => {
    const { open, $ } = mountModal()
    open.value = true
    await nextTick()
    await nextTick()
    expect(tabStops($('.panel')).map((el) => el.className)).toEqual(['first', 'second', 'cancel', 'ok'])
    $('.ok').focus()
    const forward = new KeyboardEvent('keydown', { key: 'Tab', bubbles: true, cancelable: true })
    $('.ok').dispatchEvent(forward)
    expect(forward.defaultPrevented).toBe(true)
    expect(document.activeElement).toBe($('.first'))
    const back = new KeyboardEvent('keydown', { key: 'Tab', shiftKey: true, bubbles: true, cancelable: true })
    $('.first').dispatchEvent(back)
    expect(document.activeElement).toBe($('.ok'))
    // In the middle the browser moves on by itself.
    $('.second').focus()
    const middle = new KeyboardEvent('keydown', { key: 'Tab', bubbles: true, cancelable: true })
    $('.second').dispatchEvent(middle)
    expect(middle.defaultPrevented).toBe(false)
  })

  it('brings back focus that lands behind the modal', async () => {
    const { open, $ } = mountModal()
    open.value = true
    await nextTick()
    await nextTick()
    $('.behind').focus()
    expect(document.activeElement).toBe($('.first'))
  })

  it('Enter on the panel runs onEnter; Enter in a field or on a button is theirs; Esc runs onEscape', async () => {
    const onEnter = vi.fn()
    const onEscape = vi.fn()
    const { open, $ } = mountModal({ initial: '.cancel', onEnter, onEscape }, { tabindex: '-1' })
    open.value = true
    await nextTick()
    await nextTick()
    press($('.cancel'), 'Enter')
    press($('.first'), 'Enter')
    press($('.second'), 'Enter')
    expect(onEnter).not.toHaveBeenCalled()
    $('.panel').focus()
    press($('.panel'), 'Enter')
    press($('.message'), 'Enter')
    expect(onEnter).toHaveBeenCalledTimes(2)
    press($('.cancel'), 'Escape')
    expect(onEscape).toHaveBeenCalledTimes(1)
  })

  it('takes no keys once closed, and only the top one of two takes them', async () => {
    const first = mountModal({ onEscape: vi.fn() })
    first.open.value = true
    await nextTick()
    await nextTick()
    const second = mountModal({ onEscape: vi.fn() })
    second.open.value = true
    await nextTick()
    await nextTick()
    const panels = document.querySelectorAll<HTMLElement>('.panel')
    expect(document.activeElement).toBe(panels[1].querySelector('.first'))
    press(panels[1], 'Escape')
    second.open.value = false
    await nextTick()
    // Back to the first modal's field (the second one's opener).
    expect(document.activeElement).toBe(panels[0].querySelector('.first'))
    first.open.value = false
    await nextTick()
    expect(modalOpen()).toBe(false)
    const tab = new KeyboardEvent('keydown', { key: 'Tab', bubbles: true, cancelable: true })
    document.body.dispatchEvent(tab)
    expect(tab.defaultPrevented).toBe(false)
  })

  it('when the opener went with the dialog’s action (a deleted row), focuses the next control near it', async () => {
    const rows = ref(['a', 'b'])
    const confirming = ref(false)
    const Dialog = defineComponent({
      setup() {
        const panel = ref<HTMLElement | null>(null)
        useModalFocus(panel)
        return () => h('div', { ref: panel }, [h('button', { class: 'ok' }, 'OK')])
      },
    })
    attach(
      mount(
        defineComponent({
          setup: () => () =>
            h('main', [
              h('button', { class: 'top' }, 'Add'),
              h('ul', { class: 'list' }, rows.value.map((row) => h('li', { key: row }, [h('button', { class: `delete-${row}` }, 'Delete')]))),
              confirming.value ? h(Dialog) : null,
            ]),
        }),
        { attachTo: document.body },
      ),
    )
    ;(document.querySelector('.delete-a') as HTMLElement).focus()
    confirming.value = true
    await nextTick()
    await nextTick()
    rows.value = ['b']
    confirming.value = false
    await nextTick()
    expect(document.activeElement?.className).toBe('delete-b')
  })

  it('never pulls the focus back from where the agent moved it meanwhile', async () => {
    const { open, $ } = mountModal()
    $('.opener').focus()
    open.value = true
    await nextTick()
    await nextTick()
    // e.g. an incoming call took it: its own modal is not this one.
    const elsewhere = document.createElement('input')
    document.body.append(elsewhere)
    open.value = false
    await nextTick()
    elsewhere.focus()
    expect(document.activeElement).toBe(elsewhere)
  })
})

describe('useModalFocus: the page behind the top modal', () => {
  /**
   * A page (header, list, a nav already aria-hidden="false", a decoration already inert and
   * aria-hidden), a sheet with its own backdrop around the panel (`root`), a question inside the
   * sheet (`contain: false`), and a dialog, a wrap-up and an overlay elsewhere on the page, each
   * shown by a flag, drawn as the app draws them (`layer`).
   */
  function mountPage() {
    const sheet = ref(false)
    const question = ref(false)
    const dialog = ref(false)
    const wrapup = ref(false)
    const overlay = ref(false)
    const modal = (name: string, options: () => ModalFocusOptions, inner: () => Array<ReturnType<typeof h> | null> = () => []) =>
      defineComponent({
        setup() {
          const panel = ref<HTMLElement | null>(null)
          const root = ref<HTMLElement | null>(null)
          useModalFocus(panel, { ...options(), root })
          return () => h('div', { ref: root, class: `${name}-root` }, [h('div', { class: `${name}-backdrop` }), h('div', { ref: panel, class: name }, [h('button', { class: `${name}-ok` }, 'OK'), ...inner()])])
        },
      })
    const Question = defineComponent({
      setup() {
        const panel = ref<HTMLElement | null>(null)
        useModalFocus(panel, { contain: false })
        return () => h('div', { ref: panel, class: 'question' }, [h('button', { class: 'question-keep' }, 'Keep')])
      },
    })
    const Sheet = modal('sheet', () => ({ layer: MODAL_LAYER.popup }), () => [h('input', { class: 'sheet-field' }), question.value ? h(Question) : null])
    const Dialog = modal('dialog', () => ({ layer: MODAL_LAYER.popup }))
    const Wrapup = modal('wrapup', () => ({ layer: MODAL_LAYER.wrapup }))
    // The incoming call: drawn above every other modal.
    const Overlay = modal('overlay', () => ({ layer: MODAL_LAYER.incomingCall }))
    attach(
      mount(
        defineComponent({
          setup: () => () =>
            h('div', { class: 'app' }, [
              h('header', { class: 'header' }, [h('button', { class: 'opener' }, 'Add')]),
              h('main', { class: 'page' }, [h('ul', { class: 'list' }, [h('li', [h('button', { class: 'row' }, 'Call')])]), sheet.value ? h(Sheet) : null]),
              h('nav', { class: 'nav', 'aria-hidden': 'false' }, 'Numbers'),
              h('div', { class: 'decoration', inert: '', 'aria-hidden': 'true' }),
              dialog.value ? h(Dialog) : null,
              wrapup.value ? h(Wrapup) : null,
              overlay.value ? h(Overlay) : null,
            ]),
        }),
        { attachTo: document.body },
      ),
    )
    const $ = (selector: string) => document.querySelector(selector) as HTMLElement
    /** Each element's inert and aria-hidden, as `class: inert/aria-hidden` ('-' for none). */
    const marks = (...classes: string[]) =>
      Object.fromEntries(classes.map((c) => [c, `${$(`.${c}`).hasAttribute('inert') ? 'inert' : '-'}/${$(`.${c}`).getAttribute('aria-hidden') ?? '-'}`]))
    const settle = async () => {
      await nextTick()
      await nextTick()
    }
    return { sheet, question, dialog, wrapup, overlay, $, marks, settle }
  }

  it('a sheet open: the page behind it is inert and aria-hidden, not the sheet, its backdrop or the way to it; all back as it was on close', async () => {
    const { sheet, $, marks, settle } = mountPage()
    const before = marks('header', 'list', 'nav', 'decoration', 'page')
    expect(before).toEqual({ header: '-/-', list: '-/-', nav: '-/false', decoration: 'inert/true', page: '-/-' })
    $('.opener').focus()
    sheet.value = true
    await settle()
    expect(marks('header', 'list', 'nav', 'decoration', 'page', 'sheet-root', 'sheet-backdrop', 'sheet')).toEqual({
      header: 'inert/true',
      list: 'inert/true',
      nav: 'inert/true',
      decoration: 'inert/true',
      page: '-/-',
      'sheet-root': '-/-',
      'sheet-backdrop': '-/-',
      sheet: '-/-',
    })
    expect(document.activeElement).toBe($('.sheet-field'))
    sheet.value = false
    await settle()
    // Exactly as before: the nav keeps its aria-hidden="false", the decoration its inert.
    expect(marks('header', 'list', 'nav', 'decoration', 'page')).toEqual(before)
    // The focus goes back to the opener, no longer inert.
    expect(document.activeElement).toBe($('.opener'))
  })

  it('what appears behind an open sheet (a reminder banner) is hidden too, and given back as it came when the sheet closes', async () => {
    const { sheet, $, marks, settle } = mountPage()
    sheet.value = true
    await settle()
    const banner = document.createElement('div')
    banner.className = 'banner'
    $('.app').insertBefore(banner, $('.page'))
    // Beside the list, deeper down the sheet's way up, too.
    const notice = document.createElement('p')
    notice.className = 'notice'
    $('.page').prepend(notice)
    // Mutation records come in a later task in happy-dom (a microtask in a browser).
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(marks('banner', 'notice', 'sheet-root')).toEqual({ banner: 'inert/true', notice: 'inert/true', 'sheet-root': '-/-' })
    sheet.value = false
    await settle()
    expect(marks('banner', 'notice', 'header')).toEqual({ banner: '-/-', notice: '-/-', header: '-/-' })
  })

  /** The app's live region: what it says now (polite, assertive), and whether anything hides it. */
  const live = () => {
    const box = document.querySelector<HTMLElement>('[data-testid="a11y-live"]')
    const said = (part: string) => box?.querySelector(`[data-testid="a11y-live-${part}"]`)?.textContent ?? ''
    return { polite: said('polite'), assertive: said('assertive'), hidden: box ? box.closest('[inert], [aria-hidden="true"]') !== null : null }
  }
  const mutationsDelivered = () => new Promise((resolve) => setTimeout(resolve, 0))

  it("the app's live region stays heard over an open sheet: announce() says it there, never under inert or aria-hidden", async () => {
    installLiveRegion()
    const { sheet, marks, settle } = mountPage()
    sheet.value = true
    await settle()
    announce('  Connection lost,\n calls   paused ')
    expect(live()).toEqual({ polite: 'Connection lost, calls paused', assertive: '', hidden: false })
    // Its going in (a new child of <body>) does not hide it behind the sheet.
    await mutationsDelivered()
    expect(live().hidden).toBe(false)
    expect(marks('header', 'sheet')).toEqual({ header: 'inert/true', sheet: '-/-' })
    announce('Call waiting', { assertive: true })
    expect(live()).toMatchObject({ assertive: 'Call waiting' })
    // The same words again are a new node: heard again.
    const before = document.querySelector('[data-testid="a11y-live-assertive"]')?.lastChild
    announce('Call waiting', { assertive: true })
    expect(document.querySelector('[data-testid="a11y-live-assertive"]')?.lastChild).not.toBe(before)
    announce('   ')
    expect(live().polite).toBe('Connection lost, calls paused')
  })

  /** The app's live region, a page with a live region (`role`) in its header, and the sheet open over it. */
  async function sheetOverRegion(role: 'alert' | 'status', text = '') {
    installLiveRegion()
    const page = mountPage()
    const region = document.createElement('p')
    region.setAttribute('role', role)
    region.textContent = text
    page.$('.header').append(region)
    page.sheet.value = true
    await page.settle()
    return { ...page, region }
  }

  it('what the live regions behind an open sheet say (a status appearing, an alert changing) is said in the app\'s live region; nothing once the sheet is closed', async () => {
    const { sheet, $, settle, region: alert } = await sheetOverRegion('alert', 'first')
    // Was: said only behind the sheet, under aria-hidden, so never heard.
    const notice = document.createElement('div')
    notice.innerHTML = '<span role="status"><span>2 missed calls</span></span>'
    $('.page').prepend(notice)
    await mutationsDelivered()
    expect(live()).toMatchObject({ polite: '2 missed calls', hidden: false })
    alert.textContent = 'Connection lost'
    await mutationsDelivered()
    expect(live()).toMatchObject({ assertive: 'Connection lost' })
    // Not a live region: not said.
    $('.list').append(document.createElement('li'))
    ;($('.row') as HTMLElement).textContent = 'Call 138'
    await mutationsDelivered()
    expect(live()).toMatchObject({ polite: '2 missed calls', assertive: 'Connection lost' })
    sheet.value = false
    await settle()
    // Heard in place again: not said twice.
    alert.textContent = 'Connection recovered'
    await mutationsDelivered()
    expect(live().assertive).toBe('Connection lost')
  })

  it('two live regions behind an open sheet that speak at once are both said in the app\'s live region, not only the last', async () => {
    const { $, region: banner } = await sheetOverRegion('status')
    await mutationsDelivered()
    banner.textContent = 'Connection lost'
    const notice = document.createElement('div')
    notice.innerHTML = '<span role="status">2 missed calls</span>'
    $('.page').prepend(notice)
    await mutationsDelivered()
    // Was: the second replaced the first in the same moment, so only "2 missed calls" was heard.
    const lines = Array.from(document.querySelectorAll('[data-testid="a11y-live-polite"] > *')).map((el) => el.textContent)
    expect(lines.sort()).toEqual(['2 missed calls', 'Connection lost'])
    // Said later: it replaces what was said before.
    banner.textContent = 'Connection recovered'
    await mutationsDelivered()
    expect(live().polite).toBe('Connection recovered')
  })

  it('a live region behind an open sheet that speaks as something appears beside the sheet\'s way up is still said', async () => {
    const { $, region: alert } = await sheetOverRegion('alert', 'first')
    await mutationsDelivered()
    // In one moment: the alert behind speaks and a plain element appears beside the way up.
    $('.app').append(document.createElement('div'))
    alert.textContent = 'Connection lost'
    await mutationsDelivered()
    // Was: hiding anew stopped hearing the page behind and dropped the alert's change, unsaid.
    expect(live().assertive).toBe('Connection lost')
  })

  it("the app's live region is seen by no one and read by all: a polite status part and an assertive alert part", async () => {
    installLiveRegion()
    announce('Connected')
    const box = document.querySelector<HTMLElement>('[data-testid="a11y-live"]') as HTMLElement
    expect(box.parentElement).toBe(document.body)
    // Visually hidden, not display: none (which screen readers skip).
    expect(box.style.position).toBe('absolute')
    expect(box.style.overflow).toBe('hidden')
    expect(box.style.display).toBe('')
    const part = (name: string) => box.querySelector(`[data-testid="a11y-live-${name}"]`) as HTMLElement
    expect([part('polite').getAttribute('role'), part('polite').getAttribute('aria-live')]).toEqual(['status', 'polite'])
    expect([part('assertive').getAttribute('role'), part('assertive').getAttribute('aria-live')]).toEqual(['alert', 'assertive'])
  })

  it('a region behind an open sheet marked aria-live="assertive" (no alert role) is said assertively; a text node changed in place (as Vue patches text) is said too', async () => {
    const { $, region: status } = await sheetOverRegion('status', 'idle')
    const urgent = document.createElement('div')
    urgent.setAttribute('aria-live', 'assertive')
    urgent.textContent = 'ok'
    $('.header').append(urgent)
    await mutationsDelivered()
    ;(urgent.firstChild as Text).data = 'Call dropped'
    await mutationsDelivered()
    expect(live()).toMatchObject({ assertive: 'Call dropped' })
    ;(status.firstChild as Text).data = 'Reconnecting'
    await mutationsDelivered()
    expect(live()).toMatchObject({ polite: 'Reconnecting' })
  })

  it('behind an open sheet, a live region that appears is said, a plain element that appears with text is not', async () => {
    const { $ } = await sheetOverRegion('status')
    await mutationsDelivered()
    const plain = document.createElement('li')
    plain.textContent = 'Call 139'
    $('.list').append(plain)
    await mutationsDelivered()
    expect(live().polite).toBe('')
    const status = document.createElement('p')
    status.setAttribute('role', 'status')
    status.textContent = 'Synced'
    $('.page').prepend(status)
    await mutationsDelivered()
    expect(live().polite).toBe('Synced')
  })

  it('announce without a document (the App) says nothing and fails nothing', () => {
    vi.stubGlobal('document', undefined)
    try {
      expect(() => announce('Connected')).not.toThrow()
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('a question inside the sheet (contain: false) hides nothing of the sheet, and its going hides the page no less', async () => {
    const { sheet, question, marks, settle } = mountPage()
    sheet.value = true
    await settle()
    question.value = true
    await settle()
    expect(marks('sheet-field', 'sheet-ok', 'question', 'header', 'list')).toEqual({ 'sheet-field': '-/-', 'sheet-ok': '-/-', question: '-/-', header: 'inert/true', list: 'inert/true' })
    question.value = false
    await settle()
    expect(marks('header', 'list')).toEqual({ header: 'inert/true', list: 'inert/true' })
  })

  it('a sheet that opens while the call rings goes under it: answer and decline stay reachable and focused, and once the call goes the sheet is on top with the focus', async () => {
    const { sheet, dialog, overlay, $, marks, settle } = mountPage()
    overlay.value = true
    await settle()
    expect(document.activeElement).toBe($('.overlay-ok'))
    // A sheet (or a dialog) whose panel appears after the call rang: drawn under the overlay.
    sheet.value = true
    await settle()
    dialog.value = true
    await settle()
    // Was: the last opened on top, the overlay inert under it while drawn over it.
    expect(marks('overlay-root', 'overlay-ok', 'page', 'dialog-root', 'header')).toEqual({ 'overlay-root': '-/-', 'overlay-ok': '-/-', page: 'inert/true', 'dialog-root': 'inert/true', header: 'inert/true' })
    expect(document.activeElement).toBe($('.overlay-ok'))
    expect(tabStops(document.body).map((el) => el.className)).toEqual(['overlay-ok'])
    dialog.value = false
    await settle()
    overlay.value = false
    await settle()
    expect(marks('sheet-root', 'page', 'header', 'list')).toEqual({ 'sheet-root': '-/-', page: '-/-', header: 'inert/true', list: 'inert/true' })
    // As when it opens: its first field.
    expect(document.activeElement).toBe($('.sheet-field'))
    sheet.value = false
    await settle()
    expect(marks('header', 'list', 'nav', 'decoration', 'page')).toEqual({ header: '-/-', list: '-/-', nav: '-/false', decoration: 'inert/true', page: '-/-' })
  })

  it('the wrap-up opening as a call ends goes under a sheet drawn over it: the sheet stays usable, and once it closes the wrap-up is on top with the focus', async () => {
    const { sheet, wrapup, $, marks, settle } = mountPage()
    $('.opener').focus()
    sheet.value = true
    await settle()
    $('.sheet-field').focus()
    wrapup.value = true
    await settle()
    // Was: the wrap-up on top, the sheet drawn over it inert (its Save tapped the wrap-up under it).
    expect(marks('sheet-root', 'sheet-field', 'wrapup-root', 'header')).toEqual({ 'sheet-root': '-/-', 'sheet-field': '-/-', 'wrapup-root': 'inert/true', header: 'inert/true' })
    expect(document.activeElement).toBe($('.sheet-field'))
    sheet.value = false
    await settle()
    expect(marks('wrapup-root', 'page', 'header')).toEqual({ 'wrapup-root': '-/-', page: 'inert/true', header: 'inert/true' })
    expect(document.activeElement).toBe($('.wrapup-ok'))
    wrapup.value = false
    await settle()
    expect(marks('header', 'list', 'nav', 'decoration', 'page')).toEqual({ header: '-/-', list: '-/-', nav: '-/false', decoration: 'inert/true', page: '-/-' })
  })

  it('a dialog over the sheet hides the sheet too; closing either first leaves hidden what lies behind the one still open', async () => {
    const { sheet, dialog, overlay, marks, settle } = mountPage()
    sheet.value = true
    await settle()
    dialog.value = true
    await settle()
    // The sheet sits in the page, which is hidden whole now.
    expect(marks('page', 'sheet-root', 'dialog-root', 'header')).toEqual({ page: 'inert/true', 'sheet-root': '-/-', 'dialog-root': '-/-', header: 'inert/true' })
    expect(tabStops(document.body).map((el) => el.className)).toEqual(['dialog-ok'])
    dialog.value = false
    await settle()
    expect(marks('page', 'sheet-root', 'header', 'list', 'nav')).toEqual({ page: '-/-', 'sheet-root': '-/-', header: 'inert/true', list: 'inert/true', nav: 'inert/true' })
    expect(tabStops(document.body).map((el) => el.className)).toEqual(['sheet-ok', 'sheet-field'])
    // The incoming call over the sheet; the sheet goes first (closed by the app meanwhile).
    overlay.value = true
    await settle()
    expect(marks('page', 'overlay-root', 'header')).toEqual({ page: 'inert/true', 'overlay-root': '-/-', header: 'inert/true' })
    sheet.value = false
    await settle()
    expect(marks('overlay-root', 'header', 'page', 'nav', 'decoration')).toEqual({ 'overlay-root': '-/-', header: 'inert/true', page: 'inert/true', nav: 'inert/true', decoration: 'inert/true' })
    expect(tabStops(document.body).map((el) => el.className)).toEqual(['overlay-ok'])
    overlay.value = false
    await settle()
    expect(marks('header', 'list', 'nav', 'decoration', 'page')).toEqual({ header: '-/-', list: '-/-', nav: '-/false', decoration: 'inert/true', page: '-/-' })
  })
})

describe('useEscape', () => {
  function mountMenu() {
    const open = ref(true)
    const close = vi.fn(() => (open.value = false))
    const wrapper = attach(
      mount(
        defineComponent({
          setup() {
            const toggle = ref<HTMLElement | null>(null)
            const menu = ref<HTMLElement | null>(null)
            useEscape(open, close, { region: menu, returnTo: toggle })
            return () =>
              h('div', [
                h('div', { ref: toggle, class: 'toggle', tabindex: '0' }, 'Status'),
                h('input', { class: 'elsewhere' }),
                open.value ? h('div', { ref: menu, class: 'menu' }, [h('div', { class: 'choice', tabindex: '0' }, 'Free')]) : null,
              ])
          },
        }),
        { attachTo: document.body },
      ),
    )
    return { wrapper, open, close }
  }

  it('Esc closes what is open and brings the focus back to its toggle from inside it', async () => {
    const { close } = mountMenu()
    const choice = document.querySelector('.choice') as HTMLElement
    choice.focus()
    press(choice, 'Escape')
    expect(close).toHaveBeenCalledTimes(1)
    expect(document.activeElement).toBe(document.querySelector('.toggle'))
    await nextTick()
    // Closed: Esc is nobody's business here any more.
    press(document.body, 'Escape')
    expect(close).toHaveBeenCalledTimes(1)
  })

  it('leaves the focus where it was outside, and leaves Esc to an open modal above', async () => {
    const { close, open } = mountMenu()
    const elsewhere = document.querySelector('.elsewhere') as HTMLElement
    elsewhere.focus()
    press(elsewhere, 'Escape')
    expect(close).toHaveBeenCalledTimes(1)
    expect(document.activeElement).toBe(elsewhere)
    open.value = true
    await nextTick()
    const modal = mountModal()
    modal.open.value = true
    await nextTick()
    await nextTick()
    press(document.activeElement as Element, 'Escape')
    expect(close).toHaveBeenCalledTimes(1)
  })
})
