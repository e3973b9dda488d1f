import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gunzipSync, gzipSync} from 'node:zlib'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ingestFile} from '../../src/ingest/index.js'
import {ABSENT_PROBES_KEY, QemuLogParser, SKIPPED_MEMOPS_KEY} from '../../src/ingest/qemu-log.js'
import type {CfgAccessRecord, TraceRecord} from '../../src/ingest/records.js'
import {InputError, WarningSink} from '../../src/util/errors.js'
import {IngestContext} from '../../src/ingest/ingest-context.js'
import type {ConfigPathRegion} from '../../src/ingest/sink.js'
import {CollectingSink, feedLines, fixture, newContext, onlyInputErrors, withoutSource} from './helpers.js'

const tmp = mkdtempSync(join(tmpdir(), 'probediff-qemu-log-'))

function parse(text: string | Buffer, opts: {chunks?: number[]; memRegions?: 'pci' | 'all'} = {}) {
  const {sink, warnings, ctx} = newContext('trace.log')
  const parser = new QemuLogParser(ctx, opts.memRegions)
  feedLines(parser, ctx, text, opts.chunks)
  return {records: sink.all, warnings: warnings.warnings, ctx}
}

describe('QEMU log: real QEMU 7.2 capture with TID@ prefixes', () => {
  const text = readFileSync(fixture('qemu-log', 'qemu72-tid-memops.log'), 'latin1')
  const lines = text.split('\n')

  it('emits one record per event line, counted independently with regexes', () => {
    const {records, warnings, ctx} = parse(text, {memRegions: 'all'})
    const count = (re: RegExp) => lines.filter((l) => re.test(l)).length
    const kinds = (k: string) => records.filter((r) => r.kind === k).length
    expect(kinds('cfg')).toBe(count(/^\d+@[\d.]+:pci_cfg_(read|write) /))
    expect(kinds('mapping')).toBe(count(/^\d+@[\d.]+:pci_update_mappings_(add|del) /))
    expect(kinds('mem')).toBe(count(/^\d+@[\d.]+:memory_region_ops_(read|write) /))
    expect(kinds('status')).toBe(count(/:virtio_set_status /))
    expect(kinds('queue_notify')).toBe(count(/:virtio_queue_notify /))
    expect(kinds('cfg')).toBeGreaterThan(40)
    expect(kinds('mapping')).toBeGreaterThan(3)
    expect(warnings).toEqual([])
    expect(ctx.unknownEvents.size).toBe(0)
  })

  it('parses every field of each event kind exactly', () => {
    const {records} = parse(text, {memRegions: 'all'})
    const at = (line: number) => records.find((r) => r.src.line === line)
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1
    expect(at(lineOf('7729@1795565487.002109:pci_cfg_read virtio-blk-pci 00:04.0 @0x0 -> 0x1af4'))).toEqual({
      kind: 'cfg', src: {file: 'trace.log', line: lineOf('7729@1795565487.002109:')}, time: 1795565487.002109,
      op: 'read', dev: 'virtio-blk-pci', bus: 0, slot: 4, func: 0, offset: 0, value: 0x1af4,
    })
    const memLine = lineOf("memory_region_ops_write cpu -1 mr 0x5577350b25e0 addr 0xfee00000 value 0x0 size 4 name 'apic-msi'")
    expect(at(memLine)).toMatchObject({kind: 'mem', op: 'write', cpu: -1, mr: '0x5577350b25e0', addr: 0xfee00000, value: 0, size: 4, name: 'apic-msi'})
    const status = records.filter((r) => r.kind === 'status').map((r) => r.kind === 'status' && r.val)
    expect(status).toContain(15)
    const q = records.find((r) => r.kind === 'queue_notify')
    expect(q).toMatchObject({vdev: '0x557735ec5030', queue: 0})
  })

  it('by default drops non-PCI regions and absent-function probes, keeping every pairing', () => {
    const all = parse(text, {memRegions: 'all'}).records as TraceRecord[]
    const pci = parse(text)
    const kept = pci.records as TraceRecord[]
    const regionKept = all.filter((r) => r.kind !== 'mem' || /^(pci|vir|msi)/.test(r.name))
    // An in-order subsequence of the region-filtered records: nothing invented, nothing reordered.
    let j = 0
    for (const r of kept) {
      while (j < regionKept.length && regionKept[j] !== undefined && regionKept[j]!.src.line !== r.src.line) j++
      expect(regionKept[j]).toEqual(r)
      j++
    }
    // Every non-memory event is there; around every pci_cfg_* its conf-idx and conf-data are kept.
    const keptLines = new Set(kept.map((r) => r.src.line))
    regionKept.forEach((r, i) => {
      if (r.kind !== 'mem') expect(keptLines.has(r.src.line)).toBe(true)
      if (r.kind === 'cfg') {
        // read: idx / pci_cfg_read / data read; write: idx / data write / pci_cfg_write
        const isMem = (m: TraceRecord | undefined, name: string) => m?.kind === 'mem' && m.name === name
        const partners =
          r.op === 'read'
            ? [regionKept[i - 1], regionKept[i + 1]]
            : [regionKept[i - 1], isMem(regionKept[i - 1], 'pci-conf-data') ? regionKept[i - 2] : undefined]
        for (const m of partners) if (isMem(m, 'pci-conf-idx') || isMem(m, 'pci-conf-data')) expect(keptLines.has(m!.src.line)).toBe(true)
      }
    })
    // What was dropped is a probe: no pci_cfg_* right next to it.
    regionKept.forEach((r, i) => {
      if (!keptLines.has(r.src.line)) {
        expect(r.kind).toBe('mem')
        expect([regionKept[i - 1]?.kind, regionKept[i + 1]?.kind]).not.toContain('cfg')
      }
    })
    const counts = Object.fromEntries(pci.ctx.unknownEvents)
    expect(counts[SKIPPED_MEMOPS_KEY]).toBe(all.length - regionKept.length)
    expect(counts[ABSENT_PROBES_KEY]).toBe(regionKept.length - kept.length)
    expect(counts[ABSENT_PROBES_KEY]).toBeGreaterThan(0)
  })

  it('gives the same records for the reproduced 10.1 ISO prefix (times included)', () => {
    const tid = parse(text, {memRegions: 'all'}).records
    const iso = parse(readFileSync(fixture('qemu-log', 'reproduced-qemu101-iso.log')), {memRegions: 'all'}).records
    expect(iso.length).toBe(tid.length)
    for (let i = 0; i < tid.length; i++) {
      const {time: t1, ...a} = tid[i] as TraceRecord
      const {time: t2, ...b} = iso[i] as TraceRecord
      expect(b).toEqual(a)
      expect(Math.abs(t1! - t2!)).toBeLessThan(1e-6)
    }
  })

  it('reads the pre-7.0 format: decimal slot, no bus; mappings with d=%p', () => {
    const old = parse(readFileSync(fixture('qemu-log', 'reproduced-qemu60-pre70.log'))).records
    const now = parse(text).records
    expect(old.length).toBe(now.length)
    const oldCfg = old.filter((r) => r.kind === 'cfg') as CfgAccessRecord[]
    const newCfg = now.filter((r) => r.kind === 'cfg') as CfgAccessRecord[]
    expect(oldCfg.map(({src, busUnknown, ...r}) => r)).toEqual(newCfg.map(({src, ...r}) => r))
    expect(oldCfg.every((r) => r.busUnknown === true)).toBe(true)
    const oldMap = old.find((r) => r.kind === 'mapping')
    expect(oldMap).toMatchObject({dev: '', devPtr: expect.stringMatching(/^0x55d0c1a0/)})
  })

  it('reads gzip input through ingestFile and reports the summary', async () => {
    const path = join(tmp, 'trace.log.gz')
    writeFileSync(path, gzipSync(text))
    const sink = new CollectingSink()
    const summary = await ingestFile(path, sink, {warnings: new WarningSink(), displayName: 'trace.log.gz'})
    expect(summary).toMatchObject({file: 'trace.log.gz', format: 'qemu-log', bytes: Buffer.byteLength(text, 'latin1')})
    expect(summary.records).toBe(sink.all.length)
    expect(withoutSource(sink.all)).toEqual(withoutSource(parse(text).records))
  })

  it('refuses truncated or corrupt gzip with an InputError naming the file', async () => {
    const gz = gzipSync(text)
    const truncated = join(tmp, 'truncated.log.gz')
    writeFileSync(truncated, gz.subarray(0, gz.length >> 1))
    await expect(ingestFile(truncated, new CollectingSink(), {warnings: new WarningSink(), format: 'qemu-log'})).rejects.toBeInstanceOf(InputError)
    await expect(ingestFile(truncated, new CollectingSink(), {warnings: new WarningSink(), format: 'qemu-log'})).rejects.toThrow(/truncated\.log\.gz: corrupt or truncated gzip/)
    const corrupt = join(tmp, 'corrupt.log.gz')
    const bad = Buffer.from(gz)
    for (let i = 20; i < 60; i++) bad[i] = 0x55
    writeFileSync(corrupt, bad)
    await expect(ingestFile(corrupt, new CollectingSink(), {warnings: new WarningSink(), format: 'qemu-log'})).rejects.toThrow(/corrupt\.log\.gz: corrupt or truncated gzip/)
  })
})

describe('QEMU log: no prefix, interleaved with firmware and the serial console', () => {
  const text = readFileSync(fixture('qemu-log', 'qemu72-noprefix-console.log'), 'latin1')

  it('finds every event, including one glued to the SeaBIOS banner', () => {
    const {records} = parse(text)
    const events = text.match(/pci_cfg_(read|write) /g)!.length
    expect(records.filter((r) => r.kind === 'cfg')).toHaveLength(events)
    const gluedLine = text.split('\n').findIndex((l) => l.startsWith('\x1bc\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version')) + 1
    expect(gluedLine).toBeGreaterThan(0)
    expect(records.filter((r) => r.src.line === gluedLine)).toEqual([
      {kind: 'cfg', src: {file: 'trace.log', line: gluedLine}, time: undefined, op: 'read', dev: 'piix3-ide', bus: 0, slot: 1, func: 1, offset: 0x3c, value: 0},
    ])
  })

  it('emits the kernel console lines as kmsg records, and nothing for other output', () => {
    const {records} = parse(text)
    const kmsg = records.filter((r) => r.kind === 'kmsg')
    expect(kmsg.length).toBe(text.split('\n').filter((l) => /\[ *\d+\.\d{6}\] /.test(l)).length)
    expect(kmsg.find((r) => r.kind === 'kmsg' && r.tag === 'linux-version')).toMatchObject({kernelTime: 0, text: expect.stringMatching(/^Linux version 6\.1\.0-50-amd64 /)})
    expect(kmsg.some((r) => r.kind === 'kmsg' && r.text.includes('busybox shell output'))).toBe(false)
  })
})

describe('QEMU log: config-space probe holdback', () => {
  const idx = (n: number, v: string) => `9@1.${String(n).padStart(6, '0')}:memory_region_ops_write cpu 0 mr 0x55aa addr 0xcf8 value ${v} size 4 name 'pci-conf-idx'`
  const data = (n: number, op: 'read' | 'write', v: string, size = 4) =>
    `9@1.${String(n).padStart(6, '0')}:memory_region_ops_${op} cpu 0 mr 0x55bb addr 0xcfc value ${v} size ${size} name 'pci-conf-data'`
  const lines = [
    idx(1, '0x80001800'), // absent function 00:03.0: dropped
    data(2, 'read', '0xffffffff'),
    idx(3, '0x80002000'), // config read of 00:04.0: kept
    '9@1.000004:pci_cfg_read virtio-blk-pci 00:04.0 @0x0 -> 0x10011af4',
    data(5, 'read', '0x10011af4'),
    idx(6, '0x80002004'), // config write: kept
    data(7, 'write', '0x7', 2),
    '9@1.000008:pci_cfg_write virtio-blk-pci 00:04.0 @0x4 <- 0x7',
    idx(9, '0x80002800'), // held, then another record comes: replayed before it
    '9@1.000010:virtio_set_status vdev 0x55cc val 0',
    idx(11, '0x80003000'), // left at the end: dropped
  ]

  it('drops probes of absent functions, keeps the accesses around pci_cfg_*, in order, whatever the chunking', () => {
    for (const chunks of [[1 << 20], [1], [7, 50], [129]]) {
      const {records, ctx} = parse(lines.join('\n') + '\n', {chunks})
      expect(records.map((r) => r.src.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10])
      expect(records.map((r) => r.kind)).toEqual(['mem', 'cfg', 'mem', 'mem', 'mem', 'cfg', 'mem', 'status'])
      expect(records[0]).toMatchObject({name: 'pci-conf-idx', value: 0x80002000, time: 1.000003})
      expect(ctx.unknownEvents.get(ABSENT_PROBES_KEY)).toBe(3)
    }
  })

  it("keeps everything with memRegions 'all'", () => {
    expect(parse(lines.join('\n'), {memRegions: 'all'}).records).toHaveLength(lines.length)
  })
})

describe('QEMU log: config-path accesses as numbers (RecordSink.configPathAccess)', () => {
  /** A sink taking config-path accesses as numbers, turned back into the fields of a mem record. */
  class NumbersSink extends CollectingSink {
    configPathAccess(op: 'read' | 'write', region: ConfigPathRegion, addr: number, value: number, size: number, line: number) {
      this.all.push({kind: 'config-path', op, region, addr, value, size, line} as never)
    }
  }
  const asNumbers = (r: TraceRecord) =>
    r.kind === 'mem' && /^(pci-conf-|pcie-mmcfg)/.test(r.name) && r.value64 === undefined
      ? {kind: 'config-path', op: r.op, region: r.name === 'pci-conf-idx' ? 'index' : r.name === 'pci-conf-data' ? 'data' : 'mmcfg', addr: r.addr, value: r.value, size: r.size, line: r.src.line}
      : r
  function both(text: Buffer | string, chunks: number[]) {
    const plain = parse(text, {chunks})
    const sink = new NumbersSink()
    const warnings = new WarningSink()
    const ctx = new IngestContext('trace.log', sink, warnings)
    feedLines(new QemuLogParser(ctx), ctx, text, chunks)
    return {plain, numbers: sink.all, ctx, warnings: warnings.warnings}
  }

  it('gives the same accesses, lines and counts as the records, on real captures whatever the chunking', () => {
    for (const trace of ['k6.1-pc-transitional', 'k6.12-q35-root-port-qemu10']) {
      const text = gunzipSync(readFileSync(join(fixture('..', '..', '..', 'traces', trace), 'trace.log.gz')))
      for (const chunks of [[1 << 20], [4093, 1], [129, 77]]) {
        const {plain, numbers, ctx, warnings} = both(text, chunks)
        expect(numbers.length).toBeGreaterThan(1000)
        expect(numbers).toEqual((plain.records as TraceRecord[]).map(asNumbers))
        expect(ctx.records).toBe(plain.ctx.records)
        expect([...ctx.unknownEvents]).toEqual([...plain.ctx.unknownEvents])
        expect(warnings).toEqual(plain.warnings)
      }
    }
  })

  it('leaves to the full parser what numbers cannot hold or what does not parse: a value beyond 2^53, a broken line', () => {
    const lines = [
      "5@1.000001:memory_region_ops_write cpu 0 mr 0x55aa addr 0xcf8 value 0x80002000 size 4 name 'pci-conf-idx'",
      '5@1.000002:pci_cfg_read virtio-blk-pci 00:04.0 @0x0 -> 0x10011af4',
      "5@1.000003:memory_region_ops_read cpu 0 mr 0x55bb addr 0xe0020000 value 0xffffffffffffffff size 8 name 'pcie-mmcfg-mmio'",
      "5@1.000004:memory_region_ops_write cpu 0 mr 0x55aa addr 0xcf8 value 0x80002000 size 4 name 'pci-conf-idx'",
      '5@1.000005:pci_cfg_read virtio-blk-pci 00:04.0 @0x0 -> 0x10011af4',
      "5@1.000006:memory_region_ops_read cpu 0 mr 0x55bb addr 0xcfc value size 4 name 'pci-conf-data'",
    ]
    for (const chunks of [[1 << 20], [1], [50]]) {
      const {numbers, warnings} = both(`${lines.join('\n')}\n`, chunks)
      expect(numbers.map((r) => r.kind)).toEqual(['config-path', 'cfg', 'mem', 'config-path', 'cfg'])
      expect(numbers[2]).toMatchObject({kind: 'mem', name: 'pcie-mmcfg-mmio', value64: 0xffffffffffffffffn, src: {line: 3}})
      expect(warnings).toEqual([expect.objectContaining({code: 'malformed-event', source: {file: 'trace.log', line: 6}})])
    }
  })
})

describe('QEMU log: bad input', () => {
  it('counts unknown events per name and skips them', () => {
    const {records, ctx} = parse('kvm_run_exit cpu_index 0, reason 2\nkvm_run_exit cpu_index 0, reason 2\nqemu_mutex_lock waiting on mutex\npci_cfg_read e1000 00:03.0 @0x0 -> 0x8086\n')
    expect(records).toHaveLength(1)
    expect(Object.fromEntries(ctx.unknownEvents)).toEqual({kvm_run_exit: 2, qemu_mutex_lock: 1})
  })

  it('keeps the QEMU >= 8.0 "empty" events for absent functions', () => {
    const {records} = parse('pci_cfg_read empty 00:0a.4 @0x0 -> 0xffffffff\n')
    expect(records).toEqual([{kind: 'cfg', src: {file: 'trace.log', line: 1}, time: undefined, op: 'read', dev: 'empty', bus: 0, slot: 10, func: 4, offset: 0, value: 0xffffffff}])
  })

  it('warns once, with the first line, about truncated event lines', () => {
    const {records, warnings} = parse('pci_cfg_read virtio-net-pci 00:03.0 @0x0 -> 0x1a\npci_cfg_read virtio-net-pci 00:03.0 @0x\npci_cfg_write virtio-net-pci 00:03.0 @0x4 <-\n')
    expect(records).toHaveLength(1)
    expect(warnings).toEqual([expect.objectContaining({code: 'malformed-event', count: 2, source: {file: 'trace.log', line: 2}})])
  })

  it('skips a line of megabytes with one warning and goes on', () => {
    const huge = 'pci_cfg_read x 00:03.0 @0x0 -> 0x' + 'f'.repeat(3 << 20)
    const {records, warnings} = parse(`${huge}\npci_cfg_read e1000 00:03.0 @0x0 -> 0x8086\n`, {chunks: [65536]})
    expect(records).toHaveLength(1)
    expect(records[0]!.src.line).toBe(2)
    expect(warnings).toEqual([expect.objectContaining({code: 'line-too-long', source: {file: 'trace.log', line: 1}})])
  })

  it('warns when only garbage is there, and never with NUL bytes or binary', () => {
    const garbage = Buffer.alloc(5000)
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 256
    const {records, warnings} = parse(garbage)
    expect(records).toEqual([])
    expect(warnings.map((w) => w.code)).toContain('no-trace-events')
  })

  it('detects two traces of different machines concatenated, with the line', () => {
    const a = readFileSync(fixture('qemu-log', 'qemu72-tid-memops.log'), 'latin1')
    const n = a.split('\n').length - 1
    const {warnings} = parse(a + a, {memRegions: 'all'})
    expect(warnings).toContainEqual(expect.objectContaining({code: 'concatenated-traces', source: {file: 'trace.log', line: n + 1}}))
    // A later run (time goes forward): a new set of thread ids after a silence, or lower ids.
    const shift = (text: string, dTid: number, dSec: number) =>
      text.replace(/^(\d+)@(\d+)\./gm, (_m, tid: string, sec: string) => `${Number(tid) + dTid}@${Number(sec) + dSec}.`)
    for (const [dTid, dSec, why] of [[1000, 60, /new thread id 8727 appears after \d+ s without events/], [-5000, 0, /thread id 2727 is below every thread id so far \(7727\)/]] as const) {
      const later = parse(a + shift(a, dTid, dSec), {memRegions: 'all'}).warnings
      expect(later).toEqual([expect.objectContaining({code: 'concatenated-traces', source: {file: 'trace.log', line: n + 1}, message: expect.stringMatching(why)})])
    }
    expect(parse(a, {memRegions: 'all'}).warnings).toEqual([])
    const noTime = parse('pci_cfg_read virtio-net-pci 00:03.0 @0x0 -> 0x1af4\npci_cfg_read virtio-blk-pci 00:03.0 @0x0 -> 0x1af4\n')
    expect(noTime.warnings).toEqual([expect.objectContaining({code: 'concatenated-traces', source: {file: 'trace.log', line: 2}})])
    expect(noTime.warnings[0]!.message).toMatch(/00:03\.0 was virtio-net-pci, now virtio-blk-pci/)
  })

  it('reads an empty file as nothing; ingestFile says it is empty', async () => {
    expect(parse('')).toMatchObject({records: [], warnings: []})
    const path = join(tmp, 'empty.log')
    writeFileSync(path, '')
    const w = new WarningSink()
    const summary = await ingestFile(path, new CollectingSink(), {warnings: w, format: 'qemu-log', displayName: 'empty.log'})
    expect(summary).toMatchObject({records: 0, bytes: 0})
    expect(w.warnings).toEqual([expect.objectContaining({code: 'empty-input', source: {file: 'empty.log'}})])
  })
})

// ---- property tests -------------------------------------------------------------------------

const hex = (n: number) => n.toString(16)
const pad2 = (n: number) => n.toString(16).padStart(2, '0')
const devName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
const pointer = fc.bigInt({min: 1n, max: (1n << 48n) - 1n}).map((v) => `0x${v.toString(16)}`)
const prefix = fc.oneof(
  fc.constant({text: '', time: undefined as number | undefined}),
  fc.tuple(fc.integer({min: 1, max: 4_000_000}), fc.integer({min: 1_600_000_000, max: 1_900_000_000}), fc.integer({min: 0, max: 999_999})).map(([tid, s, us]) => ({
    text: `${tid}@${s}.${String(us).padStart(6, '0')}:`,
    time: s + us / 1e6,
  })),
)

/** A random valid event line with the record it must give. */
const eventLine = fc.oneof(
  fc.record({op: fc.constantFrom('read', 'write'), dev: devName, bus: fc.nat(255), slot: fc.nat(31), func: fc.nat(7), offset: fc.nat(0xfff), value: fc.nat(0xffffffff)}).map((e) => ({
    line: `pci_cfg_${e.op} ${e.dev} ${pad2(e.bus)}:${pad2(e.slot)}.${e.func} @0x${hex(e.offset)} ${e.op === 'read' ? '->' : '<-'} 0x${hex(e.value)}`,
    record: {kind: 'cfg', ...e},
  })),
  fc.record({op: fc.constantFrom('add', 'del'), dev: devName, bus: fc.nat(255), slot: fc.nat(31), func: fc.nat(7), bar: fc.nat(6), addr: fc.nat(2 ** 40), size: fc.nat(2 ** 32)}).map((e) => ({
    line: `pci_update_mappings_${e.op} ${e.dev} ${pad2(e.bus)}:${pad2(e.slot)}.${e.func} ${e.bar},0x${hex(e.addr)}+0x${hex(e.size)}`,
    record: {kind: 'mapping', ...e},
  })),
  fc.record({op: fc.constantFrom('read', 'write'), cpu: fc.integer({min: -1, max: 63}), mr: pointer, addr: fc.nat(2 ** 40), value: fc.nat(Number.MAX_SAFE_INTEGER), size: fc.constantFrom(1, 2, 4, 8), name: fc.constantFrom('pci-conf-data', 'pci-conf-idx', 'virtio-pci-common-virtio-net', 'msix-table', "virtio-pci")}).map((e) => ({
    line: `memory_region_ops_${e.op} cpu ${e.cpu} mr ${e.mr} addr 0x${hex(e.addr)} value 0x${hex(e.value)} size ${e.size} name '${e.name}'`,
    record: {kind: 'mem', ...e},
  })),
  fc.record({vdev: pointer, val: fc.nat(255)}).map((e) => ({line: `virtio_set_status vdev ${e.vdev} val ${e.val}`, record: {kind: 'status', ...e}})),
  fc.record({vdev: pointer, queue: fc.nat(1023), vq: pointer}).map((e) => ({line: `virtio_queue_notify vdev ${e.vdev} n ${e.queue} vq ${e.vq}`, record: {kind: 'queue_notify', ...e}})),
  fc.record({pio: fc.boolean(), addr: fc.nat(2 ** 40), value: fc.nat(0xffff), size: fc.constantFrom(1, 2, 4)}).map((e) => ({
    line: `virtio_pci_notify_write${e.pio ? '_pio' : ''} 0x${hex(e.addr)} = 0x${hex(e.value)} (${e.size})`,
    record: {kind: 'notify_write', ...e},
  })),
)

describe('QEMU log: properties (10,000 runs each)', () => {
  it('round-trips generated event lines, with or without prefixes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(prefix, eventLine), {minLength: 1, maxLength: 5}), (items) => {
        // Times increase so no "concatenated" warning; one device per slot for the same reason.
        const text = items.map(([p, e]) => p.text + e.line).join('\n') + '\n'
        const {records} = parse(text, {memRegions: 'all'})
        expect(records).toHaveLength(items.length)
        records.forEach((r, i) => {
          expect(r).toMatchObject(items[i]![1].record)
          expect((r as TraceRecord).time).toBe(items[i]![0].time)
          expect(r.src.line).toBe(i + 1)
        })
      }),
      {numRuns: 10_000},
    )
  })

  it('gives the same records for CRLF and LF, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(eventLine, {minLength: 1, maxLength: 6}), fc.array(fc.integer({min: 1, max: 40}), {minLength: 1, maxLength: 4}), (events, chunks) => {
        const lf = events.map((e) => e.line).join('\n') + '\n'
        const crlf = events.map((e) => e.line).join('\r\n') + '\r\n'
        expect(parse(crlf, {chunks, memRegions: 'all'}).records).toEqual(parse(lf, {memRegions: 'all'}).records)
      }),
      {numRuns: 10_000},
    )
  })

  it('never throws on arbitrary bytes, event-like text or truncated event lines', () => {
    const eventish = fc.oneof(
      eventLine.chain((e) => fc.nat(e.line.length).map((n) => e.line.slice(0, n))),
      fc.string({unit: fc.constantFrom(...'pci_cfg_read @0x->: 0123456789abcdef.\r\n\x00\x1b['.split(''))}),
    )
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({maxLength: 300}).map((a) => Buffer.from(a)), fc.array(eventish, {maxLength: 6}).map((a) => a.join('\n'))), (data) => {
        expect(onlyInputErrors(() => parse(data, {chunks: [7, 13]}))).toBe(true)
      }),
      {numRuns: 10_000},
    )
  })
})
