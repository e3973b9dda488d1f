/**
 * The CSV record reader against csv-parse itself (differential), on generated inputs: bytes from
 * an alphabet of the characters that matter (quotes, commas, `#`, CR runs, LF, NUL, a BOM, UTF-8
 * and broken UTF-8), rows of randomly quoted fields, and records around the 64 KiB cap; each input
 * cut into chunks at every offset (small inputs) or at random sizes. The reference is csv-parse
 * with the options the ingest always used, on the input with its CR runs before LF left out.
 */
import {parse as csvParse} from 'csv-parse/sync'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {readCsvRecords} from '../../src/ingest/csv.js'
import {CSV_PARSE_OPTIONS, MAX_CSV_RECORD} from '../../src/ingest/csv-records.js'
import {InputError} from '../../src/util/errors.js'

type Outcome = {records: [string[], number][]} | {error: string; line: number | undefined}

function reference(input: Buffer): Outcome {
  const text = Buffer.from(input.toString('latin1').replace(/\r+\n/g, '\n'), 'latin1')
  try {
    const items = csvParse(text, CSV_PARSE_OPTIONS) as unknown as {record: string[]; info: {lines: number}}[]
    return {records: items.map((i) => [i.record, i.info.lines])}
  } catch (error) {
    return {error: `bad CSV: ${(error as Error).message}`, line: (error as {lines?: number}).lines}
  }
}

async function ours(chunks: Buffer[]): Promise<Outcome> {
  const records: [string[], number][] = []
  async function* source() {
    // The reader may be handed a buffer that is reused: give it one overwritten after each chunk.
    for (const c of chunks) {
      const reused = Buffer.from(c)
      yield reused
      reused.fill(0x5a)
    }
  }
  try {
    await readCsvRecords(source(), 'x.csv', (fields, line) => {
      records.push([fields, line])
    })
    return {records}
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    return {error: error.reason, line: error.source?.line}
  }
}

const cut = (b: Buffer, sizes: number[]) => {
  const out: Buffer[] = []
  for (let pos = 0, i = 0; pos < b.length; i++) {
    const n = sizes[i % sizes.length]!
    out.push(b.subarray(pos, pos + n))
    pos += n
  }
  return out
}

/** Bytes that steer the parser; the last ones are UTF-8, a BOM in the middle, and broken UTF-8. */
const UNITS = [..."a0,,\"\"#\r\r\n\n \0"].map((c) => Buffer.from(c, 'latin1')).concat(
  [Buffer.from('\u00e9\u20ac', 'utf8'), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xff]), Buffer.from([0xe2, 0x82])],
)
const unit = fc.constantFrom(...UNITS)
const bytes = (maxLength: number) => fc.array(unit, {maxLength}).map((us) => Buffer.concat(us))
const withBom = (b: fc.Arbitrary<Buffer>) => fc.tuple(fc.constantFrom('', '\ufeff', '\xff\xfe'), b).map(([bom, rest]) => Buffer.concat([Buffer.from(bom, bom === '\ufeff' ? 'utf8' : 'latin1'), rest]))

const field = fc.oneof(
  fc.string({unit: fc.constantFrom('a', '1', ' ', 'x', ':', '.', '\u00e9')}),
  fc.string({unit: fc.constantFrom('a', ',', '""', '\n', '\r\n', '\r', '#', ' ')}).map((s) => `"${s}"`),
  fc.string({unit: fc.constantFrom('a', '"', ',', '#')}),
)
const line = fc.constantFrom('\n', '\r\n', '\r\r\n', '\r')
const rows = (maxRows: number) =>
  fc
  .tuple(fc.array(fc.tuple(fc.array(field, {minLength: 1, maxLength: 4}), line), {maxLength: maxRows}), fc.boolean())
  .map(([rs, lastEnd]) => Buffer.from(rs.map(([fs, nl], i) => fs.join(',') + (i < rs.length - 1 || lastEnd ? nl : '')).join(''), 'utf8'))

describe('CsvRecordReader reads as csv-parse reads (generated inputs)', () => {
  it('at every chunk boundary of small inputs', async () => {
    await fc.assert(
      fc.asyncProperty(withBom(fc.oneof(bytes(24), rows(3))), async (input) => {
        const want = reference(input)
        expect(await ours([input])).toEqual(want)
        for (let at = 0; at <= input.length; at++) expect(await ours([input.subarray(0, at), input.subarray(at)])).toEqual(want)
      }),
      {numRuns: 1500},
    )
  }, 120_000)

  it('in chunks of any sizes', async () => {
    await fc.assert(
      fc.asyncProperty(withBom(fc.oneof(bytes(200), rows(8))), fc.array(fc.integer({min: 1, max: 7}), {minLength: 1, maxLength: 5}), async (input, sizes) => {
        expect(await ours(cut(input, sizes))).toEqual(reference(input))
      }),
      {numRuns: 5000},
    )
  })

  it('around the 64 KiB record cap (fields of ASCII, two-byte characters, quotes, newlines)', async () => {
    const big = fc.tuple(fc.constantFrom('a', '\u00e9', '"', '\n', ','), fc.integer({min: 0, max: 40_000}), fc.boolean())
    const text = fc.array(big, {minLength: 1, maxLength: 3}).map((fs) => fs.map(([u, n, quoted]) => (quoted ? `"${(u === '"' ? '""' : u).repeat(n)}"` : u.repeat(n))).join(','))
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom('', '\n', '\nnext,row\n'), fc.integer({min: 1000, max: 70_000}), async (t, after, chunk) => {
        const input = Buffer.from(`h\n${t}${after}`, 'utf8')
        expect(await ours(cut(input, [chunk]))).toEqual(reference(input))
      }),
      {numRuns: 150},
    )
  })

  it('on lines at exactly the cap and one byte either side', async () => {
    for (const n of [MAX_CSV_RECORD - 1, MAX_CSV_RECORD, MAX_CSV_RECORD + 1, MAX_CSV_RECORD + 2]) {
      for (const body of ['a'.repeat(n), `${'a'.repeat(n - 2)},b`, `"${'a'.repeat(n - 2)}"`]) {
        const input = Buffer.from(`h\n${body}\nx\n`)
        const want = reference(input)
        expect(await ours([input])).toEqual(want)
        expect(await ours(cut(input, [4096]))).toEqual(want)
      }
    }
  })
})
