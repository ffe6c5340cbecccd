import { describe, expect, it } from 'vitest'
import { firstPaintIconStyle, svgIconStyle } from './icons'

describe('svgIconStyle', () => {
  it('masks the bundled SVG over the colour, at the size asked for', () => {
    expect(svgIconStyle('globe', 15, '#fff')).toEqual({
      width: '15px',
      height: '15px',
      backgroundColor: '#fff',
      maskImage: 'url("/static/icons/globe.svg")',
      WebkitMaskImage: 'url("/static/icons/globe.svg")',
    })
  })

  it('defaults to 22 px in the text colour', () => {
    expect(svgIconStyle('alert')).toMatchObject({ width: '22px', height: '22px', backgroundColor: 'currentColor' })
  })
})

describe('firstPaintIconStyle', () => {
  it('keeps the box size but paints and requests nothing until shown', () => {
    expect(firstPaintIconStyle('globe', 15, '#fff', false)).toEqual({ width: '15px', height: '15px' })
  })

  it('is svgIconStyle once shown, with its default colour', () => {
    expect(firstPaintIconStyle('lock', 18, '#fff', true)).toEqual(svgIconStyle('lock', 18, '#fff'))
    expect(firstPaintIconStyle('lock', 18, undefined, true)).toEqual(svgIconStyle('lock', 18))
  })
})

