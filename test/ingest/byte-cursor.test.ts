/**
 * The byte cursor of the QEMU log hot path against plain definitions (string compare, BigInt), on
 * generated text (property tests: the inputs are generated, not captured) placed at every alignment
 * inside a larger buffer, as a line sits inside a read chunk: literals are compared four bytes at a
 * time and must never read past the line's end.
 */
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ByteCursor, literal} from '../../src/ingest/byte-cursor.js'

/** `text` at offset `pad` of a buffer with bytes after it that must not count (the next line). */
function placed(text: string, pad: number, after = ' value 0x'): {buf: Buffer; start: number; end: number} {
  return {buf: Buffer.from(`${'#'.repeat(pad)}${text}${after}`, 'latin1'), start: pad, end: pad + text.length}
}

const pieces = ['m', 'e', ' ', '0', 'x', 'f', 'F', '9', 'memory_region_ops_', 'read cpu ', 'write cpu ', ' addr 0x', ' value 0x', ' name ']
const textArb = fc.array(fc.constantFrom(...pieces), {maxLength: 8}).map((parts) => parts.join(''))
const literalArb = fc.constantFrom('memory_region_ops_read cpu ', 'memory_region_ops_write cpu ', ' addr 0x', ' value 0x', ' mr ', ' size ', " name '", 'e', ' 0x')

describe('ByteCursor', () => {
  it('lit matches exactly when the line continues with the literal, within the line only', () => {
    fc.assert(
      fc.property(textArb, literalArb, fc.nat({max: 7}), fc.nat({max: 12}), (text, lit, pad, from) => {
        const at = Math.min(from, text.length)
        const {buf, start, end} = placed(text, pad)
        const c = new ByteCursor()
        c.reset(buf, start + at, end)
        const expected = text.startsWith(lit, at)
        expect(c.lit(literal(lit))).toBe(expected)
        expect(c.pos).toBe(start + at + (expected ? lit.length : 0))
      }),
      {numRuns: 10_000},
    )
  })

  it('a literal running past the line end does not match, even when the bytes after it would', () => {
    const {buf, start, end} = placed('memory_region_ops_read cpu', 3, ' 0 mr')
    const c = new ByteCursor()
    c.reset(buf, start, end)
    expect(c.lit(literal('memory_region_ops_read cpu '))).toBe(false)
    c.reset(buf, start, end + 1)
    expect(c.lit(literal('memory_region_ops_read cpu '))).toBe(true)
  })

  it('hex reads what BigInt reads, NaN with `big` set beyond 2^53, NaN for none or more than 16 digits', () => {
    const digitArb = fc.array(fc.constantFrom(...'0123456789abcdefABCDEF'), {maxLength: 18}).map((d) => d.join(''))
    fc.assert(
      fc.property(digitArb, fc.constantFrom('', ' size 4', 'g', "'"), fc.nat({max: 7}), (digits, rest, pad) => {
        const {buf, start, end} = placed(`${digits}${rest}`, pad, '0')
        const c = new ByteCursor()
        c.reset(buf, start, end)
        const v = c.hex()
        if (digits.length === 0 || digits.length > 16) {
          expect(v).toBeNaN()
          expect(c.pos).toBe(start)
          return
        }
        const exact = BigInt(`0x${digits}`)
        expect(c.pos).toBe(start + digits.length)
        if (exact > BigInt(Number.MAX_SAFE_INTEGER)) {
          expect(v).toBeNaN()
          expect(c.big).toBe(exact)
        } else {
          expect(v).toBe(Number(exact))
          expect(c.big).toBeUndefined()
        }
      }),
      {numRuns: 10_000},
    )
  })
})
