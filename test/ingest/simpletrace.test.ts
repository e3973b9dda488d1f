import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ingestFile, sniffFormat} from '../../src/ingest/index.js'
import {SimpletraceParser} from '../../src/ingest/simpletrace.js'
import {InputError, WarningSink} from '../../src/util/errors.js'
import {CollectingSink, newContext, onlyInputErrors} from './helpers.js'
import {generateSimpletrace, xorshift32} from './simpletrace-generator.js'
import {SimpletraceWriter} from './simpletrace-writer.js'

const tmp = mkdtempSync(join(tmpdir(), 'probediff-simpletrace-'))

function parse(data: Buffer, chunk = 1 << 20) {
  const {sink, warnings, ctx} = newContext('trace-4242')
  const p = new SimpletraceParser(ctx)
  for (let i = 0; i < data.length; i += chunk) p.push(Buffer.from(data.subarray(i, i + chunk)))
  p.end()
  return {records: sink.all, warnings: warnings.warnings, ctx}
}

/** A trace like QEMU 7.2 writes for a virtio-net probe (ids are arbitrary, as at run time). */
function sampleTrace(): SimpletraceWriter {
  return new SimpletraceWriter()
    .header()
    .mapping(0, 'pci_cfg_read')
    .mapping(1, 'pci_cfg_write')
    .mapping(2, 'pci_update_mappings_add')
    .mapping(3, 'memory_region_ops_read')
    .mapping(4, 'virtio_set_status')
    .mapping(5, 'virtio_queue_notify')
    .mapping(6, 'virtio_pci_notify_write')
    .mapping(7, 'kvm_run_exit')
    .event(0, 1_000_000_000n, ['virtio-net-pci', 0, 3, 0, 0x0, 0x10001af4])
    .event(1, 1_000_001_000n, ['virtio-net-pci', 0, 3, 0, 0x4, 0x7])
    .event(2, 1_000_002_000n, ['virtio-net-pci', 0, 3, 0, 4, 0xfe000000, 0x4000])
    .event(3, 1_000_003_000n, [-1, 0x5577350b25e0n, 0xcfc, 0xffffffffffffffffn, 4, 'pci-conf-data'])
    .dropped(17, 1_000_004_000n)
    .event(4, 1_000_005_000n, [0x557735ec5030n, 15])
    .event(5, 1_000_006_000n, [0x557735ec5030n, 2, 0x557735ecf9b0n])
    .event(6, 1_000_007_000n, [0xfe003008, 2, 2])
    .event(7, 1_000_008_000n, [0, 2])
}

describe('simpletrace v4', () => {
  it('decodes each known event from its mapping, with record indexes and ns times', () => {
    const {records, warnings, ctx} = parse(sampleTrace().toBuffer())
    expect(records).toEqual([
      {kind: 'cfg', src: {file: 'trace-4242', record: 8}, time: 1, op: 'read', dev: 'virtio-net-pci', bus: 0, slot: 3, func: 0, offset: 0, value: 0x10001af4},
      {kind: 'cfg', src: {file: 'trace-4242', record: 9}, time: 1.000001, op: 'write', dev: 'virtio-net-pci', bus: 0, slot: 3, func: 0, offset: 4, value: 7},
      {kind: 'mapping', src: {file: 'trace-4242', record: 10}, time: 1.000002, op: 'add', dev: 'virtio-net-pci', bus: 0, slot: 3, func: 0, bar: 4, addr: 0xfe000000, size: 0x4000},
      {
        kind: 'mem', src: {file: 'trace-4242', record: 11}, time: 1.000003, op: 'read', cpu: -1, mr: '0x5577350b25e0', addr: 0xcfc,
        value: Number.NaN, value64: 0xffffffffffffffffn, size: 4, name: 'pci-conf-data',
      },
      {kind: 'status', src: {file: 'trace-4242', record: 13}, time: 1.000005, vdev: '0x557735ec5030', val: 15},
      {kind: 'queue_notify', src: {file: 'trace-4242', record: 14}, time: 1.000006, vdev: '0x557735ec5030', queue: 2, vq: '0x557735ecf9b0'},
      {kind: 'notify_write', src: {file: 'trace-4242', record: 15}, time: 1.000007, pio: false, addr: 0xfe003008, value: 2, size: 2},
    ])
    expect(Object.fromEntries(ctx.unknownEvents)).toEqual({kvm_run_exit: 1})
    expect(warnings).toEqual([
      expect.objectContaining({code: 'dropped-events', source: {file: 'trace-4242', record: 12}, message: expect.stringMatching(/dropped 17 events/)}),
      expect.objectContaining({code: 'dropped-events-total'}),
    ])
  })

  it('reads the pre-7.0 argument lists (no bus; device pointer in mappings)', () => {
    const data = new SimpletraceWriter()
      .header()
      .mapping(10, 'pci_cfg_read')
      .mapping(11, 'pci_update_mappings_del')
      .event(10, 5n, ['e1000', 3, 0, 0xe, 0])
      .event(11, 6n, [0x55d0c1a01000n, 0, 3, 0, 1, 0xc080, 0x40])
      .toBuffer()
    expect(parse(data).records).toEqual([
      {kind: 'cfg', src: {file: 'trace-4242', record: 2}, time: 5e-9, op: 'read', dev: 'e1000', bus: 0, slot: 3, func: 0, offset: 0xe, value: 0, busUnknown: true},
      {kind: 'mapping', src: {file: 'trace-4242', record: 3}, time: 6e-9, op: 'del', dev: '', devPtr: '0x55d0c1a01000', bus: 0, slot: 3, func: 0, bar: 1, addr: 0xc080, size: 0x40},
    ])
  })

  it('skips a record whose bus, device or function no PCI address holds, with a warning naming it', () => {
    const one = (id: number, args: (number | string)[]) =>
      parse(new SimpletraceWriter().header().mapping(0, 'pci_cfg_read').mapping(1, 'pci_update_mappings_add').event(id, 1n, args).toBuffer())
    const bad: [number, (number | string)[]][] = [
      [0, ['virtio-net-pci', 0, 32, 0, 0x0, 0x10001af4]],
      [0, ['virtio-net-pci', 256, 3, 0, 0x0, 0x10001af4]],
      [0, ['virtio-net-pci', 0, 3, 8, 0x0, 0x10001af4]],
      [0, ['e1000', 40, 0, 0x0, 0]],
      [1, ['virtio-net-pci', 0, 3, 9, 4, 0xfe000000, 0x4000]],
    ]
    for (const [id, args] of bad) {
      const {records, warnings} = one(id, args)
      expect(records).toEqual([])
      const event = id === 0 ? 'pci_cfg_read' : 'pci_update_mappings_add'
      expect(warnings).toEqual([{code: 'malformed-event', source: {file: 'trace-4242', record: 2}, message: `${event} record names no PCI function (bus, device or function out of range); skipped`, count: 1}])
    }
    // The highest address there is: kept.
    expect(one(0, ['virtio-net-pci', 0xff, 0x1f, 7, 0x0, 0x10001af4])).toMatchObject({records: [{bus: 0xff, slot: 0x1f, func: 7}], warnings: []})
  })

  it('keeps what precedes a truncation and warns with the record index', () => {
    const full = sampleTrace().toBuffer()
    // Cut inside the last record (kvm_run_exit, record 16) and inside the notify write (record 15).
    const lastCut = parse(full.subarray(0, full.length - 5))
    expect(lastCut.records).toHaveLength(7)
    expect(lastCut.warnings).toContainEqual(expect.objectContaining({code: 'truncated-trace', source: {file: 'trace-4242', record: 16}}))
    const earlierCut = parse(full.subarray(0, full.length - 48 - 5))
    expect(earlierCut.records).toHaveLength(6)
    expect(earlierCut.warnings).toContainEqual(expect.objectContaining({code: 'truncated-trace', source: {file: 'trace-4242', record: 15}}))
  })

  it('refuses files that are not simpletrace v4', () => {
    expect(() => parse(Buffer.from('pci_cfg_read x 00:03.0 @0x0 -> 0x0\n'.repeat(3)))).toThrow(InputError)
    expect(() => parse(new SimpletraceWriter().header(3n).toBuffer())).toThrow(/version 3 is not supported/)
    expect(() => parse(Buffer.alloc(10))).toThrow(/shorter than its 24-byte header/)
    const badType = new SimpletraceWriter().header().raw(Buffer.from([7, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])).toBuffer()
    expect(() => parse(badType)).toThrow(/trace-4242#0: corrupt simpletrace: record type 7/)
  })

  it('warns about event ids without a mapping', () => {
    const {records, warnings, ctx} = parse(new SimpletraceWriter().header().event(99, 1n, [1, 2]).toBuffer())
    expect(records).toEqual([])
    expect(warnings).toEqual([expect.objectContaining({code: 'unmapped-event', source: {file: 'trace-4242', record: 0}})])
    expect(Object.fromEntries(ctx.unknownEvents)).toEqual({'#99': 1})
  })

  it('is sniffed by its magic and read through ingestFile', async () => {
    const path = join(tmp, 'trace-4242')
    writeFileSync(path, sampleTrace().toBuffer())
    expect(await sniffFormat(path)).toBe('simpletrace')
    const sink = new CollectingSink()
    const summary = await ingestFile(path, sink, {warnings: new WarningSink()})
    expect(summary).toMatchObject({format: 'simpletrace', records: 7, unknownEvents: {kvm_run_exit: 1}})
  })
})

describe('simpletrace files as QEMU lays them out', () => {
  it('reads back every event of generated traces laid out as QEMU writes them (all decoded events, 7.0+ and older argument lists, drops, skipped events; 1,000 generated traces)', () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 2 ** 31}), fc.integer({min: 1, max: 4096}), (seed, chunk) => {
        const trace = generateSimpletrace(xorshift32(seed), 'trace-4242')
        const {records, ctx, warnings} = parse(trace.bytes, chunk)
        expect(records).toEqual(trace.records)
        expect([...ctx.unknownEvents.values()].reduce((a, b) => a + b, 0)).toBe(trace.unknown)
        expect(warnings.filter((w) => w.code !== 'dropped-events' && w.code !== 'dropped-events-total')).toEqual([])
      }),
      {numRuns: 1_000},
    )
  })
})

describe('simpletrace properties (10,000 runs each)', () => {
  const cfgEvent = fc.record({
    write: fc.boolean(),
    dev: fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/),
    bus: fc.nat(255),
    slot: fc.nat(31),
    func: fc.nat(7),
    offset: fc.nat(0xfff),
    value: fc.nat(0xffffffff),
    ns: fc.bigInt({min: 0n, max: 1n << 50n}),
  })

  it('round-trips generated traces, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(cfgEvent, {maxLength: 8}), fc.integer({min: 1, max: 64}), (events, chunk) => {
        const w = new SimpletraceWriter().header().mapping(1, 'pci_cfg_read').mapping(2, 'pci_cfg_write')
        for (const e of events) w.event(e.write ? 2 : 1, e.ns, [e.dev, e.bus, e.slot, e.func, e.offset, e.value])
        const {records} = parse(w.toBuffer(), chunk)
        expect(records).toEqual(
          events.map((e, i) => ({
            kind: 'cfg', src: {file: 'trace-4242', record: i + 2}, time: Number(e.ns) / 1e9, op: e.write ? 'write' : 'read',
            dev: e.dev, bus: e.bus, slot: e.slot, func: e.func, offset: e.offset, value: e.value,
          })),
        )
      }),
      {numRuns: 10_000},
    )
  })

  it('never throws anything but InputError on truncated, corrupted or random data', () => {
    const base = sampleTrace().toBuffer()
    fc.assert(
      fc.property(
        fc.oneof(
          fc.nat(base.length).map((n) => base.subarray(0, n)),
          fc.tuple(fc.nat(base.length - 1), fc.nat(255)).map(([i, b]) => {
            const c = Buffer.from(base)
            c[i] = b
            return c
          }),
          fc.uint8Array({maxLength: 200}).map((a) => Buffer.concat([base.subarray(0, 24), Buffer.from(a)])),
        ),
        fc.integer({min: 1, max: 50}),
        (data, chunk) => {
          expect(onlyInputErrors(() => parse(data, chunk))).toBe(true)
        },
      ),
      {numRuns: 10_000},
    )
  })
})
