import { describe, expect, it } from 'vitest'
import { validateRemark } from './numbers'
import { dropUnstorableText, hasUnstorableText, MAX_TEXT_DEPTH } from './text'

describe('text the workspace database cannot keep', () => {
  it('drops U+0000 and lone surrogate halves, keeps whole pairs and everything else', () => {
    expect(dropUnstorableText('Zhang\u0000San')).toBe('ZhangSan')
    expect(dropUnstorableText('a\ud83db')).toBe('ab')
    expect(dropUnstorableText('a\ude00b')).toBe('ab')
    expect(dropUnstorableText('end\ud83d')).toBe('end')
    expect(dropUnstorableText('\ude00\ud83d\ude00\ud83d')).toBe('\ud83d\ude00')
    const fine = '张伟 😀 \t tab \u0001 ctrl'
    expect(dropUnstorableText(fine)).toBe(fine)
  })

  it('finds it anywhere in a parsed JSON value, keys included', () => {
    expect(hasUnstorableText({ a: [1, { b: 'x\u0000' }] })).toBe(true)
    expect(hasUnstorableText({ ['k\ud800']: 1 })).toBe(true)
    expect(hasUnstorableText({ a: ['😀', 2, null, true], b: { c: '张伟' } })).toBe(false)
    expect(hasUnstorableText(undefined)).toBe(false)
  })

  it('refuses nesting deeper than any record has, without walking it (objects and arrays)', () => {
    const nest = (levels: number, inner: unknown, asArray = false): unknown => {
      let value = inner
      for (let i = 0; i < levels; i++) value = asArray ? [value] : { a: value }
      return value
    }
    // The innermost object sits at depth `levels - 1`: 65 levels put one at MAX_TEXT_DEPTH exactly.
    expect(hasUnstorableText(nest(MAX_TEXT_DEPTH + 1, 'clean'))).toBe(false)
    expect(hasUnstorableText(nest(MAX_TEXT_DEPTH + 2, 'clean'))).toBe(true)
    expect(hasUnstorableText(nest(MAX_TEXT_DEPTH + 1, 'clean', true))).toBe(false)
    expect(hasUnstorableText(nest(MAX_TEXT_DEPTH + 2, 'clean', true))).toBe(true)
    expect(hasUnstorableText(nest(100_000, 'clean'))).toBe(true)
  })

  it('a pasted remark loses such characters before it is stored or sent', () => {
    expect(validateRemark('Li\u0000 Na\ud83d', '13800138000')).toEqual({ ok: true, value: 'Li Na' })
    expect(validateRemark('\u0000', '13800138000')).toEqual({ ok: true, value: '13800138000' })
  })
})
