import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import AppIcon from './AppIcon.vue'
import SvgIcon from './SvgIcon.vue'
import { UniIconsStub } from '../../tests/setup/uniUiStubs'
import { SVG_ONLY_ICONS, UNI_ICON_TYPES, type IconName } from './icons'

const icon = (props: { name: IconName; size?: number; color?: string }) => mount(AppIcon, { props, global: { components: { 'uni-icons': UniIconsStub } } })

describe('AppIcon', () => {
  it('paints uni-icons where it has the icon, in the given size and colour (theme variables pass through)', () => {
    const trash = icon({ name: 'trash', size: 18, color: 'var(--c-danger)' })
    const glyph = trash.findComponent(UniIconsStub)
    expect(glyph.props()).toEqual({ type: 'trash', size: 18, color: 'var(--c-danger)' })
    expect(trash.findComponent(SvgIcon).exists()).toBe(false)
    expect(trash.attributes('style')).toContain('width: 18px')
    expect(trash.attributes('style')).toContain('height: 18px')
    expect(trash.attributes('aria-hidden')).toBe('true')
  })

  it('inherits the text colour by default, as the SVG masks did', () => {
    expect(icon({ name: 'edit' }).findComponent(UniIconsStub).props()).toEqual({ type: 'compose', size: 22, color: 'currentColor' })
  })

  it('keeps the bundled SVG for the icons uni-icons lacks', () => {
    const hangUp = icon({ name: 'phone-down', size: 30, color: '#fff' })
    expect(hangUp.findComponent(UniIconsStub).exists()).toBe(false)
    const svg = hangUp.findComponent(SvgIcon)
    expect(svg.props()).toEqual({ name: 'phone-down', size: 30, color: '#fff' })
  })

  it('maps every icon one way or the other, never both', () => {
    const mapped = Object.keys(UNI_ICON_TYPES) as IconName[]
    expect(mapped.filter((name) => SVG_ONLY_ICONS.includes(name))).toEqual([])
    expect(mapped.length + SVG_ONLY_ICONS.length).toBe(37)
    for (const name of SVG_ONLY_ICONS) expect(icon({ name }).findComponent(SvgIcon).exists()).toBe(true)
  })
})
