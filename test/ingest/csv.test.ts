import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ingestCsvChunks, withoutCrBeforeLf} from '../../src/ingest/csv.js'
import {ingestFile, sniffFormat} from '../../src/ingest/index.js'
import type {CfgAccessRecord, TraceRecord} from '../../src/ingest/records.js'
import {InputError, WarningSink} from '../../src/util/errors.js'
import {costRatio} from '../util/cost-ratio.js'
import {CollectingSink, fixture, newContext} from './helpers.js'

async function parse(text: string, mapping?: Record<string, string>, chunk = 1 << 20) {
  const {sink, warnings, ctx} = newContext('accesses.csv')
  async function* chunks() {
    const buf = Buffer.from(text, 'utf8')
    for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk)
  }
  await ingestCsvChunks(chunks(), ctx, mapping)
  return {records: sink.all as CfgAccessRecord[], warnings: warnings.warnings}
}

describe('CSV config accesses', () => {
  it('reads the default columns (derived from the real QEMU 7.2 trace)', async () => {
    const sink = new CollectingSink()
    const path = fixture('csv', 'from-qemu72-trace.csv')
    expect(await sniffFormat(path)).toBe('csv')
    const summary = await ingestFile(path, sink, {warnings: new WarningSink(), displayName: 'a.csv'})
    expect(summary.format).toBe('csv')
    const rows = readFileSync(path, 'utf8').trim().split('\n').length - 1
    expect(sink.all).toHaveLength(rows)
    expect(sink.all[0]).toEqual({kind: 'cfg', src: {file: 'a.csv', line: 2}, time: 1795565487.002056, op: 'read', dev: '', bus: 0, slot: 2, func: 0, domain: 0, offset: 0xa, value: 0x300, size: 2})
  })

  it('maps other header names with csvColumns: same records from the analyzer-style export', async () => {
    const a = new CollectingSink()
    const b = new CollectingSink()
    await ingestFile(fixture('csv', 'from-qemu72-trace.csv'), a, {warnings: new WarningSink()})
    const w = new WarningSink()
    await ingestFile(fixture('csv', 'analyzer-style.csv'), b, {
      warnings: w,
      format: 'csv',
      csvColumns: {time: 'Timestamp', bdf: 'Device', op: 'Type', offset: 'Address', size: 'Length', value: 'Data'},
    })
    expect(w.warnings).toEqual([])
    const strip = (rs: unknown[]) => (rs as TraceRecord[]).map(({src, ...r}) => r)
    expect(strip(b.all)).toEqual(strip(a.all))
  })

  it('refuses a header without the needed columns, naming them', async () => {
    await expect(parse('Timestamp,Device,Type,Address,Data\n1,00:03.0,R,0,0x1af4\n')).rejects.toThrow(/accesses\.csv:1: CSV header lacks column\(s\) bdf, op, offset, value/)
    await expect(parse('')).rejects.toBeInstanceOf(InputError)
  })

  it('skips bad rows with one warning each kind, keeps good ones', async () => {
    const {records, warnings} = await parse('bdf,op,offset,size,value\n00:03.0,rd,0x0,2,0x1af4\n00:03.0,xx,0x0,2,0x1af4\n00:03.0,W,4,4,0x7\nzz,R,0,1,1\n00:03.0,R,0,2,0x10000\n0000:00:03.0,wr,0x3c,1,11\n')
    expect(records.map((r) => [r.op, r.offset, r.size, r.value])).toEqual([
      ['read', 0, 2, 0x1af4],
      ['write', 4, 4, 7],
      ['write', 0x3c, 1, 11],
    ])
    expect(warnings).toEqual([expect.objectContaining({code: 'csv-bad-row', count: 3, source: {file: 'accesses.csv', line: 3}})])
  })

  it('an op cell naming an Object prototype member (constructor, toString, __proto__) is a bad op, not a record', async () => {
    const {records, warnings} = await parse('bdf,op,offset,value\n00:03.0,constructor,0,1\n00:03.0,toString,0,1\n00:03.0,__proto__,0,1\n00:03.0,hasOwnProperty,0,1\n00:03.0,r,0,1\n')
    expect(records.map((r) => [r.op, r.src.line])).toEqual([['read', 6]])
    expect(warnings).toEqual([expect.objectContaining({code: 'csv-bad-row', count: 4, source: {file: 'accesses.csv', line: 2}})])
  })

  it('reads CR CR LF line ends (a CRLF file converted again) as one line end each, lines as grep -n counts them', async () => {
    const lf = 'bdf,op,offset,value\n00:03.0,R,0,0x1af4\n\n00:03.0,W,4,7\n'
    const {records, warnings} = await parse(lf.replaceAll('\n', '\r\r\n'), undefined, 3)
    expect(warnings).toEqual([])
    expect(records).toEqual((await parse(lf)).records)
    expect(records.map((r) => r.src.line)).toEqual([2, 4])
  })

  it('costs no more on CR CR LF line ends than on LF (csv-parse builds an error object per ragged record)', async () => {
    const rows = 'time,bdf,op,offset,size,value\n' + '0.5,0000:00:03.0,read,0x0,4,0x10011af4\n'.repeat(10_000)
    const run = (text: string) => parse(text, undefined, 64 * 1024)
    const crcrlf = rows.replaceAll('\n', '\r\r\n')
    // Both compiled before they are timed (a run takes milliseconds; tier-up takes longer on a loaded machine).
    for (let i = 0; i < 5; i++) await Promise.all([run(crcrlf), run(rows)])
    // Before CRs were left out: each row came with a one-field record, ~10 times a row's cost.
    expect(await costRatio(run, crcrlf, rows)).toBeLessThan(3)
  })

  it('tells a CSV with a UTF-8 BOM (a spreadsheet export) by its header, and reads it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csv-bom-'))
    const path = join(dir, 'export.csv')
    writeFileSync(path, '\ufeffbdf,op,offset,size,value\r\n00:03.0,R,0,2,0x1af4\r\n')
    expect(await sniffFormat(path)).toBe('csv')
    const sink = new CollectingSink()
    await ingestFile(path, sink, {warnings: new WarningSink()})
    expect(sink.all).toEqual([expect.objectContaining({kind: 'cfg', op: 'read', slot: 3, offset: 0, size: 2, value: 0x1af4, src: {file: path, line: 2}})])
  })

  it('reports an unterminated quote as an InputError with its line', async () => {
    await expect(parse('bdf,op,offset,value\n00:03.0,R,0,"1\n')).rejects.toBeInstanceOf(InputError)
  })
})

describe('CSV properties (10,000 runs each)', () => {
  const row = fc.record({
    time: fc.option(fc.integer({min: 0, max: 1e9}), {nil: undefined}),
    domain: fc.nat(0xffff),
    bus: fc.nat(255),
    slot: fc.nat(31),
    func: fc.nat(7),
    op: fc.constantFrom('read', 'write', 'rd', 'wr', 'R', 'W'),
    offset: fc.nat(0xfff),
    size: fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
    value: fc.nat(0xff),
    hex: fc.boolean(),
  })

  it('round-trips generated rows, LF or CRLF, any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, {minLength: 1, maxLength: 5}), fc.boolean(), fc.integer({min: 1, max: 64}), async (rows, crlf, chunk) => {
        const nl = crlf ? '\r\n' : '\n'
        const num = (n: number, hex: boolean) => (hex ? `0x${n.toString(16)}` : String(n))
        const text =
          ['time,bdf,op,offset,size,value', ...rows.map((r) => `${r.time ?? ''},${r.domain.toString(16).padStart(4, '0')}:${r.bus.toString(16).padStart(2, '0')}:${r.slot.toString(16).padStart(2, '0')}.${r.func},${r.op},${num(r.offset, r.hex)},${r.size},${num(r.value, !r.hex)}`)].join(nl) + nl
        const {records} = await parse(text, undefined, chunk)
        expect(records.map(({src, ...r}) => r)).toEqual(
          rows.map((r) => ({
            kind: 'cfg', ...(r.time === undefined ? {} : {time: r.time}), op: r.op.toLowerCase().startsWith('r') ? 'read' : 'write', dev: '',
            bus: r.bus, slot: r.slot, func: r.func, domain: r.domain, offset: r.offset, value: r.value, size: r.size,
          })),
        )
      }),
      {numRuns: 10_000},
    )
  })

  it('leaves out exactly the CR runs before an LF, however the input is chunked', async () => {
    const text = fc.string({unit: fc.constantFrom('\r', '\n', 'a', ','), maxLength: 40})
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.integer({min: 1, max: 5}), {minLength: 1}), async (s, sizes) => {
        const buf = Buffer.from(s, 'latin1')
        async function* chunks() {
          for (let pos = 0, i = 0; pos < buf.length; pos += sizes[i++ % sizes.length]!) yield buf.subarray(pos, pos + sizes[i % sizes.length]!)
        }
        const out: Buffer[] = []
        for await (const c of withoutCrBeforeLf(chunks())) out.push(c)
        expect(Buffer.concat(out).toString('latin1')).toBe(s.replace(/\r+\n/g, '\n'))
      }),
      {numRuns: 10_000},
    )
  })

  it('never throws anything but InputError on arbitrary text', async () => {
    const cell = fc.string({unit: fc.constantFrom(...'0x1f:.,"\n\r ab'.split(''))})
    await fc.assert(
      fc.asyncProperty(fc.oneof(cell.map((s) => `bdf,op,offset,value\n${s}`), fc.uint8Array({maxLength: 200}).map((a) => Buffer.from(a).toString('latin1'))), async (text) => {
        try {
          await parse(text, undefined, 7)
        } catch (error) {
          if (!(error instanceof InputError)) throw error
        }
      }),
      {numRuns: 10_000},
    )
  })
})
