import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ingestFile, sniffFormat} from '../../src/ingest/index.js'
import {LspciParser} from '../../src/ingest/lspci.js'
import type {ConfigDumpRecord, ResourceRecord} from '../../src/ingest/records.js'
import {ingestConfigBytes, ingestResourceText} from '../../src/ingest/sysfs.js'
import {InputError, WarningSink} from '../../src/util/errors.js'
import {CollectingSink, feedLines, fixture, newContext, onlyInputErrors} from './helpers.js'

const tmp = mkdtempSync(join(tmpdir(), 'probediff-lspci-'))

function lspci(text: string | Buffer, chunks?: number[]) {
  const {sink, warnings, ctx} = newContext('lspci.txt')
  feedLines(new LspciParser(ctx), ctx, text, chunks)
  return {dumps: sink.of('dump'), warnings: warnings.warnings}
}

const sysfsConfig = (bdf: string) => readFileSync(fixture('sysfs', bdf, 'config'))

describe('lspci (real pciutils 3.9 output from a QEMU 7.2 guest)', () => {
  it('-xxx: one dump of 256 bytes per device, equal to the sysfs config of the same boot', () => {
    const {dumps, warnings} = lspci(readFileSync(fixture('lspci', 'lspci-xxx.txt')))
    expect(warnings).toEqual([])
    expect(dumps.map((d) => `${d.bus}:${d.slot}.${d.func}`)).toEqual(['0:0.0', '0:1.0', '0:1.1', '0:1.3', '0:2.0', '0:3.0', '0:4.0', '0:5.0'])
    expect(dumps.every((d) => d.bytes.length === 256 && d.rowSources.length === 16)).toBe(true)
    const d4 = dumps.find((d) => d.slot === 4)!
    expect(Buffer.from(d4.bytes)).toEqual(sysfsConfig('0000:00:04.0'))
    expect(d4.title).toBe('Class 0100: Device 1af4:1042 (rev 01)')
    expect(d4.rowSources[1]).toEqual({file: 'lspci.txt', line: d4.src.line! + 2})
  })

  it('-x: only 64 bytes are known', () => {
    const {dumps} = lspci(readFileSync(fixture('lspci', 'lspci-x.txt')))
    expect(dumps).toHaveLength(8)
    expect(dumps.every((d) => d.bytes.length === 64)).toBe(true)
    expect(Buffer.from(dumps[5]!.bytes)).toEqual(sysfsConfig('0000:00:03.0').subarray(0, 64))
  })

  it('-D -vvv -xxx: the domain is read and the decoded lines do not change the dumps', () => {
    const {dumps} = lspci(readFileSync(fixture('lspci', 'lspci-D-vvv-xxx.txt')))
    const plain = lspci(readFileSync(fixture('lspci', 'lspci-xxx.txt'))).dumps
    expect(dumps.map((d) => d.bytes)).toEqual(plain.map((d) => d.bytes))
    expect(dumps.every((d) => d.domain === 0)).toBe(true)
  })

  it('reads 4096-byte dumps with 3-digit row offsets, and warns on gaps', () => {
    const rows = Array.from({length: 256}, (_, r) => `${(r * 16).toString(16).padStart(2, '0')}: ${Array.from({length: 16}, (_, i) => ((r + i) & 0xff).toString(16).padStart(2, '0')).join(' ')}`)
    const {dumps} = lspci(`0000:01:00.0 Ethernet controller: Red Hat, Inc. Virtio 1.0 network device (rev 01)\n${rows.join('\n')}\n`)
    expect(dumps[0]!.bytes.length).toBe(4096)
    expect(dumps[0]!.bytes[0x100]).toBe(16)
    const gap = lspci(`00:03.0 x\n${rows[0]}\n${rows[2]}\n`)
    expect(gap.dumps[0]!.bytes.length).toBe(16)
    expect(gap.warnings).toEqual([expect.objectContaining({code: 'lspci-row-gap', source: {file: 'lspci.txt', line: 3}})])
  })

  it('is sniffed; names only is a warning, no device line at all an error', async () => {
    expect(await sniffFormat(fixture('lspci', 'lspci-xxxx.txt'))).toBe('lspci')
    const path = join(tmp, 'no-dump.txt')
    writeFileSync(path, '00:03.0 Ethernet controller: Red Hat, Inc. Virtio network device\n')
    const warnings = new WarningSink()
    await ingestFile(path, new CollectingSink(), {warnings, format: 'lspci'})
    expect(warnings.warnings).toEqual([expect.objectContaining({code: 'lspci-adds-nothing', source: {file: path}})])
    const none = join(tmp, 'no-device.txt')
    writeFileSync(none, 'total 0\n')
    await expect(ingestFile(none, new CollectingSink(), {warnings: new WarningSink(), format: 'lspci'})).rejects.toThrow(/no-device.txt: no lspci device line found/)
  })
})

describe('sysfs config and device directories (real copies)', () => {
  it('a device directory gives the config dump and one resource per line', async () => {
    const sink = new CollectingSink()
    const w = new WarningSink()
    const dir = fixture('sysfs', '0000:00:04.0')
    expect(await sniffFormat(dir)).toBe('sysfs-dir')
    const summary = await ingestFile(dir, sink, {warnings: w, displayName: '0000:00:04.0'})
    expect(w.warnings).toEqual([])
    const [dump] = sink.of('dump')
    expect(dump).toMatchObject({domain: 0, bus: 0, slot: 4, func: 0, src: {file: '0000:00:04.0/config', record: 0}})
    expect(dump!.bytes.length).toBe(256)
    const res = sink.of('resource') as ResourceRecord[]
    expect(res).toHaveLength(13)
    expect(res[4]).toEqual({kind: 'resource', src: {file: '0000:00:04.0/resource', line: 5}, domain: 0, bus: 0, slot: 4, func: 0, index: 4, start: 0xfe004000, end: 0xfe007fff, flags: 0x14220c})
    expect(summary.records).toBe(14)
  })

  it('a config file alone takes its BDF from the directory name, or warns', async () => {
    const sink = new CollectingSink()
    await ingestFile(fixture('sysfs', '0000:00:03.0', 'config'), sink, {warnings: new WarningSink()})
    expect(sink.of('dump')[0]).toMatchObject({slot: 3})
    const loose = join(tmp, 'virtio-net.cfg')
    writeFileSync(loose, sysfsConfig('0000:00:03.0').subarray(0, 64))
    expect(await sniffFormat(loose)).toBe('sysfs-config')
    const w = new WarningSink()
    const s2 = new CollectingSink()
    await ingestFile(loose, s2, {warnings: w})
    expect(s2.of('dump')[0]).toMatchObject({slot: 0, bytes: new Uint8Array(sysfsConfig('0000:00:03.0').subarray(0, 64))})
    expect(w.warnings.map((x) => x.code)).toEqual(['sysfs-no-bdf'])
    const s3 = new CollectingSink()
    await ingestFile(loose, s3, {warnings: new WarningSink(), bdf: '0000:00:05.0'})
    expect(s3.of('dump')[0]).toMatchObject({slot: 5})
  })

  it('refuses directories that are not sysfs devices, empty files, and says which', async () => {
    const notDev = join(tmp, 'not-a-device')
    mkdirSync(notDev)
    writeFileSync(join(notDev, 'resource'), '')
    await expect(ingestFile(notDev, new CollectingSink(), {warnings: new WarningSink()})).rejects.toThrow(/not-a-device: a directory that is not a sysfs PCI device/)
    await expect(ingestFile(notDev, new CollectingSink(), {warnings: new WarningSink(), format: 'sysfs-dir'})).rejects.toThrow(/not a sysfs PCI device directory/)
    const empty = join(tmp, 'config')
    writeFileSync(empty, '')
    await expect(ingestFile(empty, new CollectingSink(), {warnings: new WarningSink()})).rejects.toThrow(/config: empty file/)
    await expect(ingestFile(join(tmp, 'missing'), new CollectingSink(), {warnings: new WarningSink()})).rejects.toThrow(/missing: cannot read: no such file/)
  })
})

describe('lspci and sysfs properties (10,000 runs each)', () => {
  const toLspci = (bytes: Uint8Array) =>
    Array.from({length: Math.ceil(bytes.length / 16)}, (_, r) => `${(r * 16).toString(16).padStart(2, '0')}: ${Array.from(bytes.subarray(r * 16, r * 16 + 16), (b) => b.toString(16).padStart(2, '0')).join(' ')}`).join('\n')

  it('lspci: generated dumps round-trip (LF or CRLF, any chunking)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(255), fc.nat(31), fc.nat(7), fc.constantFrom(64, 256), fc.uint8Array({minLength: 256, maxLength: 256})), {minLength: 1, maxLength: 3}), fc.boolean(), fc.integer({min: 1, max: 200}), (devs, crlf, chunk) => {
        const text = devs.map(([b, s, f, n, bytes]) => `${b.toString(16).padStart(2, '0')}:${s.toString(16).padStart(2, '0')}.${f} Unclassified device\n${toLspci(bytes.subarray(0, n))}\n`).join('\n')
        const {dumps} = lspci(crlf ? text.replace(/\n/g, '\r\n') : text, [chunk])
        expect(dumps.map((d) => [d.bus, d.slot, d.func, Buffer.from(d.bytes)])).toEqual(devs.map(([b, s, f, n, bytes]) => [b, s, f, Buffer.from(bytes.subarray(0, n))]))
      }),
      {numRuns: 10_000},
    )
  })

  it('lspci, config and resource parsers never throw anything but InputError on garbage', () => {
    const lineish = fc.string({unit: fc.constantFrom(...'0123456789abcdef: .\n\r0x xx 00:03.0 '.split(''))})
    fc.assert(
      fc.property(fc.oneof(lineish, fc.uint8Array({maxLength: 300}).map((a) => Buffer.from(a).toString('latin1'))), fc.uint8Array({maxLength: 5000}), (text, bytes) => {
        const {ctx} = newContext('x')
        expect(onlyInputErrors(() => lspci(text, [3]))).toBe(true)
        expect(onlyInputErrors(() => ingestConfigBytes(Buffer.from(bytes), ctx, {domain: 0, bus: 0, slot: 3, func: 0}, 'x'))).toBe(true)
        expect(onlyInputErrors(() => ingestResourceText(text, ctx, {domain: 0, bus: 0, slot: 3, func: 0}))).toBe(true)
      }),
      {numRuns: 10_000},
    )
  })
})
