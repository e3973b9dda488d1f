/**
 * The word-at-a-time line classifiers of the QEMU log hot path against byte-by-byte reference
 * definitions, on generated lines (property tests: the inputs are generated, not captured) placed at
 * every alignment inside a larger buffer, as lines sit inside a read chunk.
 */
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {confPortQuote, eventStartFast} from '../../src/ingest/conf-probe-holdback.js'

/** Where the name's quote is if the line ends with ` name 'pci-conf-idx'` or ` name 'pci-conf-data'`. */
function confPortQuoteReference(line: string): number {
  for (const name of ['pci-conf-idx', 'pci-conf-data']) {
    const tail = ` name '${name}'`
    if (line.endsWith(tail)) return line.length - tail.length + 6
  }
  return -1
}

/** After the first `:` (or, in an ISO prefix, the first space) following the first byte; -1 if none. */
function eventStartReference(line: string): number {
  const c0 = line.charCodeAt(0)
  if (c0 >= 97 && c0 <= 122) return 0
  if (!(c0 >= 48 && c0 <= 57)) return -1
  const stop = line[4] === '-' ? ' ' : ':'
  const at = line.indexOf(stop, 1)
  return at < 0 ? -1 : at + 1
}

/** Lines made of the bytes that matter (digits, separators, the tails' pieces) so matches are frequent. */
const pieces = ['1', '7', '@', '.', ':', ' ', '-', 'T', 'Z', 'm', 'x', 'a', "'", ' name ', "pci-conf-idx'", "pci-conf-data'", "'pci-conf-id", 'memory_region_ops_write', '2025-07-21T18:43:28.089797Z ']
const lineArb = fc.array(fc.constantFrom(...pieces), {maxLength: 12}).map((parts) => parts.join(''))

function inChunk(line: string, pad: number): {buf: Buffer; start: number; end: number} {
  const buf = Buffer.from(`${'z:'.repeat(4).slice(0, pad)}${line}\n:x'a`, 'latin1')
  return {buf, start: pad, end: pad + line.length}
}

describe('config-path line classifiers', () => {
  it('confPortQuote finds the same quote as the byte-by-byte definition', () => {
    fc.assert(
      fc.property(lineArb, fc.integer({min: 0, max: 7}), (line, pad) => {
        const {buf, start, end} = inChunk(line, pad)
        const q = confPortQuote(buf, start, end)
        expect(q < 0 ? -1 : q - start).toBe(confPortQuoteReference(line))
      }),
      {numRuns: 3000},
    )
  })

  it('eventStartFast finds the same event start as the byte-by-byte definition', () => {
    fc.assert(
      fc.property(lineArb.filter((l) => l.length > 0), fc.integer({min: 0, max: 7}), (line, pad) => {
        const {buf, start, end} = inChunk(line, pad)
        const p = eventStartFast(buf, start, end)
        expect(p < 0 ? -1 : p - start).toBe(eventStartReference(line))
      }),
      {numRuns: 3000},
    )
  })

  it('classifies the lines of a real trace', () => {
    const idx = "16875@1795566236.255592:memory_region_ops_write cpu 0 mr 0x55d727820760 addr 0xcf8 value 0x8000181c size 4 name 'pci-conf-idx'"
    const data = "2025-07-21T18:43:28.089797Z memory_region_ops_read cpu 0 mr 0x55d727820870 addr 0xcfc value 0xc size 4 name 'pci-conf-data'"
    for (const line of [idx, data]) {
      const buf = Buffer.from(line, 'latin1')
      expect(confPortQuote(buf, 0, buf.length)).toBe(line.lastIndexOf("'", line.length - 2))
      expect(eventStartFast(buf, 0, buf.length)).toBe(line.indexOf('memory_region_ops_'))
    }
  })
})
