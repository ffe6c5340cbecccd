import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  formatCsvLine,
  hasExtension,
  importHeader,
  type ImportLine,
  isImportHeader,
  isNumberError,
  mergedRemark,
  NumberError,
  type NumberEntry,
  nationalForm,
  normalizeNumber,
  parseImport,
  samePhoneSpellings,
  searchEntries,
  validateListNumber,
  validateNumber,
  validateRemark,
} from './numbers'

/** A valid stored number: optional `+`, 3-20 digits. */
const validNumber = fc
  .tuple(fc.boolean(), fc.stringMatching(/^[0-9]{3,20}$/))
  .map(([plus, digits]) => (plus ? `+${digits}` : digits))

/** What a person might type for it: separators sprinkled between digits, maybe full-width. */
const typedForm = (number: string) =>
  fc
    .array(fc.constantFrom('', ' ', '-', '.', '(', ')', '\u3000', '\uff0d', '\uff08'), { minLength: number.length, maxLength: number.length })
    .chain((seps) =>
      fc.boolean().map((fullWidth) =>
        number
          .split('')
          .map((ch, i) => (fullWidth && /[0-9]/.test(ch) ? String.fromCharCode(ch.charCodeAt(0) + 0xff10 - 0x30) : ch) + (i > 0 || ch !== '+' ? seps[i] : ''))
          .join(''),
      ),
    )

/** A remark that survives validation unchanged: trimmed, single spaces, 1-50 code points. */
const validRemark = fc
  .string({ unit: fc.constantFrom('a', 'Z', '张', '三', ' ', ',', '，', '"', ';', '\t', '1', '😀', '#', "'"), minLength: 1, maxLength: 50 })
  .map((s) => s.replace(/\s+/g, ' ').trim())
  .filter((s) => s.length > 0)

/**
 * What a person types into the number field: mostly digits (ASCII and full-width), with
 * separators, pluses and the odd letter or sign, 0-34 characters.
 */
const typedChar = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('0', '1', '3', '5', '8', '9') },
  { weight: 2, arbitrary: fc.constantFrom('０', '７', '９') },
  { weight: 3, arbitrary: fc.constantFrom(' ', '-', '.', '(', ')', '\u3000', '\uff0d', '\uff08', '[', '】', '/') },
  { weight: 1, arbitrary: fc.constantFrom('+', '＋') },
  { weight: 1, arbitrary: fc.constantFrom('a', '*', '#', 'x', 'é') },
)
const typedInput = fc
  .oneof(fc.array(typedChar, { maxLength: 16 }), fc.array(typedChar, { minLength: 16, maxLength: 34 }))
  .map((chars) => chars.join(''))

const ORACLE_SEPARATORS = new Set([' ', '-', '.', '(', ')', '\u3000', '\uff0d', '\uff08', '[', '】', '/'])

/**
 * validateNumber's rules written out independently, character by character: separators vanish,
 * full-width digits count as digits, pluses are allowed only before the first other character
 * (any run of them is one), anything else makes the number NOT_DIGITS; then 3-20 digits.
 */
function numberOracle(input: string): { ok: true; value: string } | { ok: false; reason: string } {
  let plus = false
  let started = false
  let digits = ''
  let other = false
  for (const ch of input) {
    if (ORACLE_SEPARATORS.has(ch)) continue
    if (ch === '+' || ch === '＋') {
      if (started) other = true
      else plus = true
      continue
    }
    started = true
    if (ch >= '0' && ch <= '9') digits += ch
    else if (ch >= '０' && ch <= '９') digits += String(ch.charCodeAt(0) - '０'.charCodeAt(0))
    else other = true
  }
  if (!started && !other) return { ok: false, reason: 'NUMBER_EMPTY' }
  if (other) return { ok: false, reason: 'NUMBER_NOT_DIGITS' }
  if (digits.length < 3) return { ok: false, reason: 'NUMBER_TOO_SHORT' }
  if (digits.length > 20) return { ok: false, reason: 'NUMBER_TOO_LONG' }
  return { ok: true, value: (plus ? '+' : '') + digits }
}

function ok(lines: ImportLine[]): Array<{ number: string; remark: string }> {
  return lines.flatMap((l) => (l.ok ? [{ number: l.number, remark: l.remark }] : []))
}

describe('NumberError', () => {
  it('carries its symbol, and the detail in its message', () => {
    const bare = new NumberError('NUMBER_DUPLICATE')
    expect([bare.name, bare.symbol, bare.message]).toEqual(['NumberError', 'NUMBER_DUPLICATE', 'NUMBER_DUPLICATE'])
    const detailed = new NumberError('SAVE_FAILED', 'disk full')
    expect([detailed.symbol, detailed.message]).toEqual(['SAVE_FAILED', 'SAVE_FAILED: disk full'])
    expect(detailed).toBeInstanceOf(Error)
  })

  it('is told apart from other errors', () => {
    expect(isNumberError(new NumberError('NUMBER_EMPTY'))).toBe(true)
    expect(isNumberError(Object.assign(new Error('NUMBER_EMPTY'), { symbol: 'NUMBER_EMPTY' }))).toBe(false)
    expect(isNumberError(undefined)).toBe(false)
  })
})

describe('normalizeNumber', () => {
  it('strips spaces, dashes, dots and brackets and keeps one leading +', () => {
    expect(normalizeNumber(' +86 (138) 0013-8000 ')).toBe('+8613800138000')
    expect(normalizeNumber('010.6666.8888')).toBe('01066668888')
    expect(normalizeNumber('++86 138')).toBe('+86138')
    expect(normalizeNumber('[021] 5555\u00a01234')).toBe('02155551234')
  })

  it('turns full-width digits, plus, dashes and brackets into ASCII', () => {
    expect(normalizeNumber('＋８６　１３８－００１３（８０００）')).toBe('+8613800138000')
  })

  it('keeps letters and inner pluses so validation can refuse them', () => {
    expect(normalizeNumber('138abc')).toBe('138abc')
    expect(normalizeNumber('1+2')).toBe('1+2')
  })

  it('is idempotent', () => {
    fc.assert(fc.property(fc.string(), (s) => normalizeNumber(normalizeNumber(s)) === normalizeNumber(s)))
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('+', '＋', '1', '９', ' ', '-', '(', ')', '.', 'a') }), (s) => normalizeNumber(normalizeNumber(s)) === normalizeNumber(s)))
  })

  it('agrees with the full normalisation on any string, already normalised or not', () => {
    // The four replaces as they were before the fast path for canonical numbers.
    const full = (input: string): string =>
      input
        .replace(/[\uff10-\uff19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30))
        .replace(/\uff0b/g, '+')
        .replace(/[\s\u00a0\u3000\-\u2010-\u2015\u2212\uff0d.\uff0e\u3002()\uff08\uff09[\]\u3010\u3011{}/]/g, '')
        .replace(/^\++/, '+')
    const unit = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('0', '1', '8', '9') }, { weight: 1, arbitrary: fc.constantFrom('+', '＋', '９', ' ', '-', 'a', '\n') })
    fc.assert(fc.property(fc.string({ unit, maxLength: 24 }), (s) => normalizeNumber(s) === full(s)), { numRuns: 2000 })
    for (const s of ['13800138000', '+8613800138000', '++86', '+', '', '1+2', '\n138', '138\n']) expect(normalizeNumber(s)).toBe(full(s))
  })

  it('gives back the stored form of anything typed for a valid number', () => {
    fc.assert(fc.property(validNumber.chain((n) => typedForm(n).map((typed) => [n, typed] as const)), ([n, typed]) => normalizeNumber(typed) === n))
  })
})

describe('validateNumber', () => {
  it('accepts 3 to 20 digits with an optional leading +', () => {
    expect(validateNumber('110')).toEqual({ ok: true, value: '110' })
    expect(validateNumber('+86 138 0013 8000')).toEqual({ ok: true, value: '+8613800138000' })
    expect(validateNumber('1'.repeat(20))).toEqual({ ok: true, value: '1'.repeat(20) })
  })

  it('names why a number is refused', () => {
    expect(validateNumber('')).toEqual({ ok: false, reason: 'NUMBER_EMPTY' })
    expect(validateNumber(' - ')).toEqual({ ok: false, reason: 'NUMBER_EMPTY' })
    expect(validateNumber('+')).toEqual({ ok: false, reason: 'NUMBER_EMPTY' })
    expect(validateNumber('12')).toEqual({ ok: false, reason: 'NUMBER_TOO_SHORT' })
    expect(validateNumber('+12')).toEqual({ ok: false, reason: 'NUMBER_TOO_SHORT' })
    expect(validateNumber('1'.repeat(21))).toEqual({ ok: false, reason: 'NUMBER_TOO_LONG' })
    expect(validateNumber('138abc0000')).toEqual({ ok: false, reason: 'NUMBER_NOT_DIGITS' })
    expect(validateNumber('138*0000')).toEqual({ ok: false, reason: 'NUMBER_NOT_DIGITS' })
    expect(validateNumber('1+38000')).toEqual({ ok: false, reason: 'NUMBER_NOT_DIGITS' })
  })

  it('agrees with an independent oracle on every generated input', () => {
    const seen = new Map<string, number>()
    fc.assert(
      fc.property(typedInput, (input) => {
        const expected = numberOracle(input)
        // Asserted on every case, valid or not, against an oracle that shares no code with numbers.ts.
        expect(validateNumber(input)).toEqual(expected)
        const outcome = expected.ok ? 'ok' : expected.reason
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1)
      }),
      { numRuns: 2000 },
    )
    // Not vacuous: every outcome turned up, valid numbers in a good share of the cases.
    expect([...seen.keys()].sort()).toEqual(['NUMBER_EMPTY', 'NUMBER_NOT_DIGITS', 'NUMBER_TOO_LONG', 'NUMBER_TOO_SHORT', 'ok'])
    expect(seen.get('ok')).toBeGreaterThan(100)
  })

  it('the oracle itself knows the documented examples', () => {
    expect(numberOracle(' +86 (138) 0013-8000 ')).toEqual({ ok: true, value: '+8613800138000' })
    expect(numberOracle('＋８６　１３８')).toEqual({ ok: true, value: '+86138' })
    expect(numberOracle('++86 138')).toEqual({ ok: true, value: '+86138' })
    expect(numberOracle('1+38000')).toEqual({ ok: false, reason: 'NUMBER_NOT_DIGITS' })
    expect(numberOracle(' + ')).toEqual({ ok: false, reason: 'NUMBER_EMPTY' })
    expect(numberOracle('12')).toEqual({ ok: false, reason: 'NUMBER_TOO_SHORT' })
    expect(numberOracle('1'.repeat(21))).toEqual({ ok: false, reason: 'NUMBER_TOO_LONG' })
  })
})

describe('validateRemark', () => {
  it('trims, collapses whitespace and defaults to the number', () => {
    expect(validateRemark('  Zhang \t San \n', '110')).toEqual({ ok: true, value: 'Zhang San' })
    expect(validateRemark('   ', '110')).toEqual({ ok: true, value: '110' })
    expect(validateRemark(undefined, '110')).toEqual({ ok: true, value: '110' })
  })

  it('allows 50 characters, counting an emoji once, and refuses 51', () => {
    expect(validateRemark('张'.repeat(50), '110').ok).toBe(true)
    expect(validateRemark('😀'.repeat(50), '110').ok).toBe(true)
    expect(validateRemark('a'.repeat(51), '110')).toEqual({ ok: false, reason: 'REMARK_TOO_LONG' })
  })

  it('agrees with folding every remark, already folded or not', () => {
    // The remark rule as it was before folding and counting were skipped for remarks already in form.
    const full = (input: string, number: string) => {
      const remark = input.replace(/\s+/g, ' ').trim()
      if (remark === '') return { ok: true, value: number }
      return Array.from(remark).length > 50 ? { ok: false, reason: 'REMARK_TOO_LONG' } : { ok: true, value: remark }
    }
    const unit = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('a', '张', '😀', '1') }, { weight: 3, arbitrary: fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u3000', '\ufeff', '\u2028') })
    fc.assert(fc.property(fc.string({ unit, maxLength: 60 }), (s) => {
      expect(validateRemark(s, '110')).toEqual(full(s, '110'))
    }), { numRuns: 3000 })
    for (const s of ['a  b', ' a', 'a ', '\u3000a', 'a\u00a0b', 'a\tb', '😀'.repeat(26), '😀'.repeat(51), `${'a'.repeat(50)} `, ` ${'a'.repeat(50)}`]) {
      expect(validateRemark(s, '110')).toEqual(full(s, '110'))
    }
    expect(validateRemark('😀'.repeat(26), '110')).toEqual({ ok: true, value: '😀'.repeat(26) })
  })
})

describe('parseImport', () => {
  it('reads number,remark lines and reports invalid ones with their line number', () => {
    const result = parseImport('13800138000,Zhang San\n\n12,too short\n139-0000-1111,李四\nabc,nope\n')
    expect(result).toEqual([
      { line: 1, text: '13800138000,Zhang San', ok: true, number: '13800138000', remark: 'Zhang San' },
      { line: 3, text: '12,too short', ok: false, reason: 'NUMBER_TOO_SHORT' },
      { line: 4, text: '139-0000-1111,李四', ok: true, number: '13900001111', remark: '李四' },
      { line: 5, text: 'abc,nope', ok: false, reason: 'NUMBER_NOT_DIGITS' },
    ])
  })

  it('skips a header line in English or Chinese', () => {
    // The whole result, not only the accepted lines: a header read as data would be an error line.
    expect(parseImport('number,remark\n110,Police')).toEqual([{ line: 2, text: '110,Police', ok: true, number: '110', remark: 'Police' }])
    expect(parseImport('号码,备注\r\n110,报警')).toEqual([{ line: 2, text: '110,报警', ok: true, number: '110', remark: '报警' }])
    expect(parseImport('\ufeff\n"Phone Number";"Remark"\n110;x')).toEqual([{ line: 3, text: '110;x', ok: true, number: '110', remark: 'x' }])
    expect(parseImport('\ufeffTel\n110')).toEqual([{ line: 2, text: '110', ok: true, number: '110', remark: '110' }])
    // Spaces, underscores, dashes, quotes and # are ignored in a header word; other signs are not.
    expect(parseImport("#'Phone_Number-'\n110")).toEqual([{ line: 2, text: '110', ok: true, number: '110', remark: '110' }])
    expect(parseImport('Phone*Number\n110')).toHaveLength(2)
    expect(parseImport('Phones\n110')).toHaveLength(2)
    // Only the first line can be a header.
    expect(parseImport('110,a\nnumber,remark')[1]).toMatchObject({ ok: false, reason: 'NUMBER_NOT_DIGITS' })
  })

  it('accepts Chinese commas, tabs and semicolons', () => {
    expect(ok(parseImport('110，报警\n120\t急救\n119;火警\n122；交通'))).toEqual([
      { number: '110', remark: '报警' },
      { number: '120', remark: '急救' },
      { number: '119', remark: '火警' },
      { number: '122', remark: '交通' },
    ])
  })

  it('reads quoted CSV fields with commas and doubled quotes', () => {
    expect(ok(parseImport('"138 0013 8000","Zhang, ""Boss"" San"'))).toEqual([{ number: '13800138000', remark: 'Zhang, "Boss" San' }])
    // An unquoted remark keeps everything after the first separator.
    expect(ok(parseImport('110,Police, Beijing'))).toEqual([{ number: '110', remark: 'Police, Beijing' }])
  })

  it('uses the number as remark when there is none, and splits "number remark" without a separator', () => {
    expect(ok(parseImport('110\n120,\n138 0013 8000 Zhang San'))).toEqual([
      { number: '110', remark: '110' },
      { number: '120', remark: '120' },
      { number: '13800138000', remark: 'Zhang San' },
    ])
  })

  it('reads a quoted number with text after its closing quote, and a lone quoted number', () => {
    expect(parseImport('"138" 0013 8000,Zhang')).toEqual([{ line: 1, text: '"138" 0013 8000,Zhang', ok: true, number: '13800138000', remark: 'Zhang' }])
    expect(parseImport('"110"')).toEqual([{ line: 1, text: '"110"', ok: true, number: '110', remark: '110' }])
    expect(parseImport('"110"\t急救')).toEqual([{ line: 1, text: '"110"\t急救', ok: true, number: '110', remark: '急救' }])
  })

  it('takes the rest of the line when a quote is never closed', () => {
    expect(parseImport('"138 0013 8000')).toEqual([{ line: 1, text: '"138 0013 8000', ok: true, number: '13800138000', remark: '13800138000' }])
    expect(ok(parseImport('110,"Zhang, San'))).toEqual([{ number: '110', remark: 'Zhang, San' }])
  })

  it('unquotes a remark after spaces, keeps text after its closing quote, and keeps the quotes of an unquoted remark', () => {
    expect(ok(parseImport('110, "Zhang, San"'))).toEqual([{ number: '110', remark: 'Zhang, San' }])
    expect(ok(parseImport('110,"Zhang" San'))).toEqual([{ number: '110', remark: 'Zhang San' }])
    expect(ok(parseImport('110,"Zhang"San'))).toEqual([{ number: '110', remark: 'ZhangSan' }])
    expect(ok(parseImport('110,Zhang "Boss"'))).toEqual([{ number: '110', remark: 'Zhang "Boss"' }])
  })

  it('trims each line, skips whitespace-only lines, and reports the trimmed text', () => {
    expect(parseImport('  110,Police  \n \t \u3000\n  12 , x')).toEqual([
      { line: 1, text: '110,Police', ok: true, number: '110', remark: 'Police' },
      { line: 3, text: '12 , x', ok: false, reason: 'NUMBER_TOO_SHORT' },
    ])
  })

  it('drops only a leading byte-order mark; one inside a remark is whitespace like any other', () => {
    expect(ok(parseImport('110,a\ufeffb'))).toEqual([{ number: '110', remark: 'a b' }])
  })

  it('refuses an over-long remark', () => {
    expect(parseImport(`110,${'x'.repeat(51)}`)[0]).toMatchObject({ ok: false, reason: 'REMARK_TOO_LONG', line: 1 })
  })

  it('writes a CSV line, quoting the remark only when it holds a separator, a quote or an edge space', () => {
    expect(formatCsvLine({ number: '110', remark: 'Zhang San' })).toBe('110,Zhang San')
    expect(formatCsvLine({ number: '+86110', remark: 'Police' })).toBe('+86110,Police')
    expect(formatCsvLine({ number: '110', remark: ' x' })).toBe('110," x"')
    expect(formatCsvLine({ number: '110', remark: 'x ' })).toBe('110,"x "')
    expect(formatCsvLine({ number: '110', remark: 'a,b' })).toBe('110,"a,b"')
    expect(formatCsvLine({ number: '110', remark: 'a；b' })).toBe('110,"a；b"')
    expect(formatCsvLine({ number: '110', remark: 'say "hi" now' })).toBe('110,"say ""hi"" now"')
  })

  it('round-trips any valid entry through a CSV line (a bare 86 before a mainland mobile reads as +86)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ number: validNumber, remark: validRemark }), { maxLength: 20 }), (entries) => {
        const text = entries.map(formatCsvLine).join('\n')
        const listed = entries.map((e) => ({ ...e, number: /^861[3-9]\d{9}$/.test(e.number) ? `+${e.number}` : e.number }))
        expect(ok(parseImport(text))).toEqual(listed)
      }),
    )
    // The case the generator rarely draws (it made this test fail about once in 40 runs).
    expect(ok(parseImport('8613000000000,a'))).toEqual([{ number: '+8613000000000', remark: 'a' }])
  })

  it('accepts a line exactly when the oracle accepts its number, on every generated line', () => {
    let accepted = 0
    fc.assert(
      fc.property(fc.array(fc.tuple(typedInput, validRemark), { minLength: 1, maxLength: 10 }), (rows) => {
        const lines = parseImport(rows.map(([number, remark]) => formatCsvLine({ number, remark })).join('\n'))
        // Every row has a separator and a remark, so none is blank and none reads as a header.
        expect(lines).toHaveLength(rows.length)
        lines.forEach((line, i) => {
          const [typed, remark] = rows[i]
          const expected = numberOracle(typed)
          expect(line.line).toBe(i + 1)
          // A list's own rules on top (validateListNumber, tested above): extensions refused,
          // a bare 86 before a mainland mobile taken as +86.
          if (hasExtension(typed)) {
            expect(line).toMatchObject({ ok: false, reason: 'NUMBER_HAS_EXTENSION' })
          } else if (expected.ok) {
            accepted++
            expect(line).toMatchObject({ ok: true, number: /^861[3-9]\d{9}$/.test(expected.value) ? `+${expected.value}` : expected.value, remark })
          } else {
            expect(line).toMatchObject({ ok: false, reason: expected.reason })
          }
        })
      }),
      { numRuns: 300 },
    )
    expect(accepted).toBeGreaterThan(50)
  })
})

describe('validateListNumber: extensions and a bare 86', () => {
  it.each([
    ['13800138000-123', 'a mobile, a dash and an extension'],
    ['13800138000 ext 12', 'ext'],
    ['13800138000 ext.12', 'ext.'],
    ['13800138000x12', 'x'],
    ['13800138000转8', '转'],
    ['021-5555 1234 分机 203', '分机 after a landline'],
    ['13800138000#22', '#'],
    ['+86 138 0013 8000-99', 'a +86 mobile then an extension'],
    ['１３８００１３８０００－１２３', 'full-width'],
  ])('refuses %s (%s) as an extension, with its own reason', (input) => {
    expect(hasExtension(input)).toBe(true)
    expect(validateListNumber(input)).toEqual({ ok: false, reason: 'NUMBER_HAS_EXTENSION' })
  })

  it.each([
    ['138-0013-8000', '13800138000'],
    ['+86 138 0013 8000', '+8613800138000'],
    ['021-5555-1234', '02155551234'],
    ['(021) 5555 1234', '02155551234'],
    ['10086', '10086'],
    ['400-800-1234', '4008001234'],
  ])('keeps %s as a number (%s): separators inside a number are no extension', (input, value) => {
    expect(hasExtension(input)).toBe(false)
    expect(validateListNumber(input)).toEqual({ ok: true, value })
  })

  it('takes 86 typed bare before a mainland mobile as +86, and nothing else', () => {
    expect(validateListNumber('8613800138000')).toEqual({ ok: true, value: '+8613800138000' })
    expect(validateListNumber('86 138 0013 8000')).toEqual({ ok: true, value: '+8613800138000' })
    expect(validateListNumber('862155551234')).toEqual({ ok: true, value: '862155551234' })
    expect(validateListNumber('8612800138000')).toEqual({ ok: true, value: '8612800138000' })
    // The plain check, used for stored and pulled numbers and calls, changes nothing.
    expect(validateNumber('8613800138000')).toEqual({ ok: true, value: '8613800138000' })
  })

  it('an import names the extension line and lists a bare 86 mobile as the same phone', () => {
    const lines = parseImport('13900139007-22,dash ext\n8613800138000,no plus')
    expect(lines.map((l) => (l.ok ? l.number : l.reason))).toEqual(['NUMBER_HAS_EXTENSION', '+8613800138000'])
  })
})

describe('searchEntries', () => {
  const entry = (number: string, remark: string): NumberEntry => ({ id: number, source: 'own', number, remark, createdAt: 0, callCount: 0 })
  const list = [entry('13800138000', 'Zhang San'), entry('+8613900001111', '李四 VIP'), entry('110', 'Police')]

  it('returns everything for an empty query', () => {
    expect(searchEntries(list, '  ')).toBe(list)
  })

  it('matches number or remark, ignoring case and width', () => {
    expect(searchEntries(list, 'zhang').map((e) => e.number)).toEqual(['13800138000'])
    expect(searchEntries(list, 'ＶＩＰ').map((e) => e.number)).toEqual(['+8613900001111'])
    expect(searchEntries(list, '0013').map((e) => e.number)).toEqual(['13800138000'])
    expect(searchEntries(list, 'nobody')).toEqual([])
  })

  it('matches a number typed with separators', () => {
    expect(searchEntries(list, '138 0013-8').map((e) => e.number)).toEqual(['13800138000'])
    expect(searchEntries(list, '(139) 0000').map((e) => e.number)).toEqual(['+8613900001111'])
    expect(searchEntries(list, '86 139').map((e) => e.number)).toEqual(['+8613900001111'])
  })

  it('matches a number typed with any separator the number form accepts (slash, brackets, full stop)', () => {
    const shanghai = [entry('02155551234', 'Office'), entry('110', 'Police')]
    // The form saves `021/5555 1234` as 02155551234, so searching the way it was typed finds it.
    expect(validateNumber('021/5555 1234')).toEqual({ ok: true, value: '02155551234' })
    expect(searchEntries(shanghai, '021/5555').map((e) => e.number)).toEqual(['02155551234'])
    expect(searchEntries(shanghai, '【021】5555').map((e) => e.number)).toEqual(['02155551234'])
    expect(searchEntries(shanghai, '{021}[5555]').map((e) => e.number)).toEqual(['02155551234'])
    expect(searchEntries(shanghai, '021。5555').map((e) => e.number)).toEqual(['02155551234'])
    expect(searchEntries(shanghai, '021\u20135555').map((e) => e.number)).toEqual(['02155551234'])
    // A slash in a remark is still plain text: no digits are stripped out of a word.
    expect(searchEntries([entry('120', 'shift 2024/5')], '2024/5').map((e) => e.number)).toEqual(['120'])
    expect(searchEntries([entry('120', 'a/b')], 'a/b').map((e) => e.number)).toEqual(['120'])
    expect(searchEntries(shanghai, '021/x')).toEqual([])
  })

  it('finds a number stored without + from a query with +, but does not ignore an inner +', () => {
    const plain = [entry('8613900001111', 'a'), entry('110', 'b')]
    expect(searchEntries(plain, '+86 139').map((e) => e.number)).toEqual(['8613900001111'])
    expect(searchEntries(plain, '1+10')).toEqual([])
  })

  it('finds a phone typed with +86 or 0086 however it is stored, as adding and history search do', () => {
    expect(searchEntries(list, '+86 138 0013 8000').map((e) => e.number)).toEqual(['13800138000'])
    expect(searchEntries(list, '0086 13800138000').map((e) => e.number)).toEqual(['13800138000'])
    expect(searchEntries(list, '+8613900001111').map((e) => e.number)).toEqual(['+8613900001111'])
    expect(searchEntries(list, '0086 139 0000').map((e) => e.number)).toEqual(['+8613900001111'])
    // The country code alone is not a phone: nothing is stripped to an empty needle.
    expect(searchEntries(list, '0086')).toEqual([])
  })

  it('finds nothing for a query of separators only', () => {
    expect(searchEntries(list, '-')).toEqual([])
    expect(searchEntries(list, '( )')).toEqual([])
    expect(searchEntries(list, '+').map((e) => e.number)).toEqual(['+8613900001111'])
  })

  it('does not match across the number and the remark', () => {
    expect(searchEntries([entry('110', 'abc')], '0a')).toEqual([])
  })

  it('sees entries replaced in the same array', () => {
    const mutable = [entry('110', 'Police')]
    expect(searchEntries(mutable, 'police')).toHaveLength(1)
    mutable[0] = entry('120', 'Ambulance')
    expect(searchEntries(mutable, 'police')).toHaveLength(0)
    expect(searchEntries(mutable, 'ambul')).toHaveLength(1)
  })

  it('agrees with a naive filter', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ number: validNumber, remark: validRemark }), { maxLength: 30 }),
        fc.string({ unit: fc.constantFrom('1', '3', '8', 'a', 'z', '张', ' '), maxLength: 4 }),
        (rows, query) => {
          const entries = rows.map((r) => entry(r.number, r.remark))
          const q = query.trim().toLowerCase()
          const naive = q === '' ? entries : entries.filter((e) => e.number.includes(q) || e.remark.toLowerCase().includes(q) || (/^[0-9 ]+$/.test(q) && e.number.includes(q.replace(/ /g, ''))))
          expect(searchEntries(entries, query)).toEqual(naive)
        },
      ),
    )
  })
})

describe('one phone, several spellings', () => {
  it('drops only a leading +86 or 0086', () => {
    expect(nationalForm('+8613900139003')).toBe('13900139003')
    expect(nationalForm('008613900139003')).toBe('13900139003')
    expect(nationalForm('13900139003')).toBe('13900139003')
    expect(nationalForm('1390086123')).toBe('1390086123')
    expect(nationalForm('+4413900139003')).toBe('+4413900139003')
  })

  it('lists every spelling of the phone once, the number itself first', () => {
    expect(samePhoneSpellings('13900139003')).toEqual(['13900139003', '+8613900139003', '008613900139003'])
    expect(samePhoneSpellings('+8613900139003')).toEqual(['+8613900139003', '13900139003', '008613900139003'])
    expect(samePhoneSpellings('008613900139003')).toEqual(['008613900139003', '13900139003', '+8613900139003'])
  })
})

describe('mergedRemark (a refused duplicate add keeps its remark in the entry that stays)', () => {
  const spellings = samePhoneSpellings('13900139003')
  it.each([
    ['appends after " | "', 'Zhang', 'boss', 'Zhang | boss'],
    ['takes the added remark when the stored one is only the number (any spelling) or empty', '+8613900139003', 'boss', 'boss'],
    ['… or empty', '', 'boss', 'boss'],
    ['keeps the stored one when the added is no remark (the number) ...', 'Zhang', '13900139003', null],
    ['... or is contained already', 'Zhang | boss', 'boss', null],
    ['fills exactly 50 code points', 'a'.repeat(40), 'b'.repeat(7), `${'a'.repeat(40)} | ${'b'.repeat(7)}`],
    ['cuts the added remark with … past 50 (an emoji counts once)', '😀'.repeat(40), 'b'.repeat(8), `${'😀'.repeat(40)} | ${'b'.repeat(6)}…`],
    ['cuts at a space without leaving it before the …', 'a'.repeat(44), 'b cdef', `${'a'.repeat(44)} | b…`],
    ['changes nothing when not one character fits', 'a'.repeat(46), 'boss', null],
    ['keeps one character and the … when just one fits', 'a'.repeat(45), 'boss', `${'a'.repeat(45)} | b…`],
    ['changes nothing for an empty added remark', 'Zhang', '', null],
    ['... even over no remark', '13900139003', '', null],
    ['reads a stored remark that is not text as none', 42, 'boss', 'boss'],
    ['... and a missing one too', undefined, 'boss', 'boss'],
  ])('%s', (_label, stored, added, expected) => {
    const merged = mergedRemark(stored, added, spellings)
    expect(merged).toBe(expected)
    if (merged !== null) expect(validateRemark(merged, '13900139003')).toEqual({ ok: true, value: merged })
  })
})

describe('importHeader, isImportHeader', () => {
  it('name the line parseImport skips as a header: the first non-blank one, when it reads as one', () => {
    expect(['number,remark', '号码,备注', ' "Phone No" ;x', '手机号\t姓名', 'TEL'].map(isImportHeader)).toEqual([true, true, true, true, true])
    expect(['13800138000,Zhang', 'name,phone', 'abc', ''].map(isImportHeader)).toEqual([false, false, false, false])
    expect(importHeader('\ufeff\n  号码,备注 \n120,A')).toBe('号码,备注')
    expect(importHeader('120,A\n号码,备注')).toBeNull()
    expect(importHeader('')).toBeNull()
    // What parseImport does with the same texts.
    expect(parseImport('\ufeff\n  号码,备注 \n120,A').map((l) => l.line)).toEqual([3])
    expect(parseImport('120,A\n号码,备注').map((l) => l.line)).toEqual([1, 2])
  })
})
