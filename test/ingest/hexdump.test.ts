import {readFileSync} from 'node:fs'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {HexDumpParser, type HexDumpAddressOptions} from '../../src/ingest/hexdump.js'
import {classifyHexDumpLine} from '../../src/ingest/hexdump-lines.js'
import {ingestFile, sniffFormat} from '../../src/ingest/index.js'
import type {ConfigDumpRecord} from '../../src/ingest/records.js'
import {sniffText} from '../../src/ingest/sniff.js'
import {InputError, WarningSink} from '../../src/util/errors.js'
import {growth} from '../util/cost-ratio.js'
import {CollectingSink, feedLines, fixture, newContext, onlyInputErrors} from './helpers.js'
import {configLikeBytes} from './hexdump-arbitraries.js'
import {HEX_FORMATS, type HexFormat, renderHexDump} from './hexdump-render.js'

const hexFixture = (name: string) => fixture('hexdump', name)
const host03 = readFileSync(hexFixture('host-0000:00:03.0.config'))
const host02 = readFileSync(hexFixture('host-0000:00:02.0.config'))
const host00 = readFileSync(hexFixture('host-0000:00:00.0.config'))
const traced = readFileSync(fixture('..', '..', '..', 'traces', 'fault-missing-notify', '0000:00:02.0', 'config'))

function parse(text: string | Buffer, address: HexDumpAddressOptions = {}, chunks?: number[]) {
  const {sink, warnings, ctx} = newContext('paste.txt')
  feedLines(new HexDumpParser(ctx, address), ctx, text, chunks)
  return {dumps: sink.all as ConfigDumpRecord[], warnings: warnings.warnings}
}

async function ingest(name: string, opts: {bdf?: string; defaultBdf?: string} = {}) {
  const sink = new CollectingSink()
  const warnings = new WarningSink()
  const summary = await ingestFile(hexFixture(name), sink, {warnings, displayName: name, ...opts})
  return {summary, dumps: sink.of('dump'), warnings: warnings.warnings}
}

describe('hex dumps of real config files (xxd, hexdump, od run on this host and on traces/)', () => {
  it.each([
    ['host03-xxd.prompt.txt', host03],
    ['host03-xxd-e.txt', host03],
    ['host03-xxd-indented.txt', host03],
    ['host03-hexdump-C.txt', host03],
    ['host03-hexdump-C-quoted.txt', host03],
    ['host03-hexdump-C-crlf.txt', host03],
    ['host03-hexdump.txt', host03],
    ['host03-od-x.txt', host03],
    ['host03-od-tx1.txt', host03],
    ['host03-od-Ax-tx1.txt', host03],
    ['host03-od-Ax-tx1z.txt', host03],
    ...['xxd-c32', 'xxd-g1', 'xxd-g4', 'xxd-u', 'xxd-a', 'hexdump-x', 'hd', 'od-tx4', 'od-Ad-tx1', 'od-Ax-tx2'].map((v): [string, Buffer] => [`host03-${v}.txt`, host03]),
    ['host03-xxd-nonroot-64.txt', host03.subarray(0, 64)],
    ['host00-hexdump-C-4096.prompt.txt', host00],
    ['host00-xxd-4096.txt', host00],
    ['host00-od-x-4096.txt', host00],
    ['trace-fault-missing-notify-xxd.txt', traced],
    ['trace-fault-missing-notify-hexdump.txt', traced],
    ['trace-fault-missing-notify-od-x.txt', traced],
  ])('%s: sniffed, and every byte is the config file\'s', async (name, config) => {
    expect(await sniffFormat(hexFixture(name))).toBe('hex-dump')
    const {summary, dumps, warnings} = await ingest(name, name.includes('prompt') ? {} : {bdf: '00:03.0'})
    expect(summary.format).toBe('hex-dump')
    expect(warnings).toEqual([])
    expect(dumps).toHaveLength(1)
    const dump = dumps[0]!
    expect(dump.bytes.length).toBe(config.length)
    for (let i = 0; i < config.length; i++) expect(dump.bytes[i], `byte 0x${i.toString(16)}`).toBe(config[i])
    expect(dump.rowSources).toHaveLength(config.length / 16)
  })

  it('takes the device from a pasted command line naming a sysfs path, with its line as the source', async () => {
    const {dumps, warnings} = await ingest('host03-xxd.prompt.txt')
    expect(warnings).toEqual([])
    expect(dumps[0]).toMatchObject({domain: 0, bus: 0, slot: 3, func: 0, src: {file: 'host03-xxd.prompt.txt', line: 1}, title: 'xxd /sys/bus/pci/devices/0000:00:03.0/config'})
    // Row 0x10 is on line 3 (line 1 is the command).
    expect(dumps[0]!.rowSources[1]).toEqual({file: 'host03-xxd.prompt.txt', line: 3})
    const big = await ingest('host00-hexdump-C-4096.prompt.txt')
    expect(big.dumps[0]).toMatchObject({slot: 0, src: {line: 1}})
    // The rows `*` left out name the `*` line.
    expect(big.dumps[0]!.rowSources[0x80]).toEqual({file: 'host00-hexdump-C-4096.prompt.txt', line: 4})
  })

  it('--bdf wins over the command line (with a warning); --device only names a dump that names nothing', async () => {
    const forced = await ingest('host03-xxd.prompt.txt', {bdf: '0000:00:05.0'})
    expect(forced.dumps[0]).toMatchObject({slot: 5})
    expect(forced.warnings).toEqual([expect.objectContaining({code: 'hexdump-bdf-differs', source: {file: 'host03-xxd.prompt.txt', line: 1}})])
    const selected = await ingest('host03-xxd.prompt.txt', {defaultBdf: '00:04.0'})
    expect(selected.dumps[0]).toMatchObject({slot: 3})
    const bare = await ingest('host03-hexdump.txt', {defaultBdf: '00:04.0'})
    expect(bare.dumps[0]).toMatchObject({slot: 4})
    expect(bare.warnings).toEqual([])
    const nothing = await ingest('host03-hexdump.txt')
    expect(nothing.dumps[0]).toMatchObject({slot: 0})
    expect(nothing.warnings).toEqual([expect.objectContaining({code: 'hexdump-no-bdf'})])
    await expect(ingest('host03-hexdump.txt', {bdf: 'nonsense'})).rejects.toThrow(/host03-hexdump\.txt: not a PCI address: nonsense/)
  })

  it('two pasted commands in one file give two devices', async () => {
    const {dumps, warnings} = await ingest('host03-host02-two-dumps.prompt.txt')
    expect(warnings).toEqual([])
    expect(dumps.map((d) => [d.slot, d.src.line, d.title])).toEqual([
      [3, 1, 'xxd /sys/bus/pci/devices/0000:00:03.0/config'],
      [2, 18, 'od -x /sys/bus/pci/devices/0000:00:02.0/config'],
    ])
    expect(Buffer.from(dumps[0]!.bytes)).toEqual(host03)
    expect(Buffer.from(dumps[1]!.bytes)).toEqual(host02)
  })

  it('a dump cut off after `*` ends before the rows it left out; the rest is unknown', async () => {
    const {dumps, warnings} = await ingest('host03-hexdump-C-cut-after-star.txt', {bdf: '00:03.0'})
    expect(Buffer.from(dumps[0]!.bytes)).toEqual(host03.subarray(0, 0xc0))
    expect(warnings).toEqual([expect.objectContaining({code: 'hexdump-cut', source: {file: 'host03-hexdump-C-cut-after-star.txt', line: 13}})])
  })

  it('a dump that does not start at offset 0 (xxd -s 64) is refused: bytes are known from 0', async () => {
    await expect(sniffFormat(hexFixture('host03-xxd-s64.txt'))).rejects.toThrow(/host03-xxd-s64\.txt:1: cannot tell the format .*; accepted formats: qemu-log, .*hex-dump/)
    const forced = ingestFile(hexFixture('host03-xxd-s64.txt'), new CollectingSink(), {warnings: new WarningSink(), displayName: 'host03-xxd-s64.txt', format: 'hex-dump'})
    await expect(forced).rejects.toThrow(/^host03-xxd-s64\.txt: no hex dump of a config file found/)
    const {dumps, warnings} = parse(readFileSync(hexFixture('host03-xxd-s64.txt')))
    expect(dumps).toEqual([])
    expect(warnings).toEqual([expect.objectContaining({code: 'hexdump-not-from-zero', source: {file: 'paste.txt', line: 1}})])
  })

  it('od -x of 256 zero bytes: hex, octal and decimal offsets all fit, so only the bytes they agree on are known', () => {
    const text = readFileSync(hexFixture('zeros256-od-x.txt'))
    const bare = parse(text, {bdf: '00:03.0'})
    // 0000400 is 256 (octal), 1024 (hex, capped at 4096 in config) or 400 (decimal, not whole rows).
    expect(bare.dumps[0]!.bytes.length).toBe(256)
    expect(bare.warnings).toEqual([expect.objectContaining({code: 'hexdump-radix-ambiguous'})])
    const told = parse(Buffer.concat([Buffer.from('$ od -x config\n'), text]), {bdf: '00:03.0'})
    expect(told.dumps[0]!.bytes).toEqual(new Uint8Array(256))
    expect(told.warnings).toEqual([])
  })

  it('a row that does not follow the one before ends the known bytes there', () => {
    const rows = readFileSync(hexFixture('host03-od-Ax-tx1.txt'), 'latin1').split('\n')
    const {dumps, warnings} = parse([rows[0], rows[1], rows[3], rows[4]].join('\n'), {bdf: '00:03.0'})
    expect(Buffer.from(dumps[0]!.bytes)).toEqual(host03.subarray(0, 32))
    expect(warnings).toEqual([expect.objectContaining({code: 'hexdump-row-gap', source: {file: 'paste.txt', line: 3}})])
  })

  it('sniffing: lspci rows and kernel lines are not hex dumps, and a hex dump is not dmesg', () => {
    expect(sniffText(readFileSync(fixture('lspci', 'lspci-xxx.txt')))).toBe('lspci')
    expect(sniffText(readFileSync(fixture('dmesg', 'busybox-dmesg-6.1.txt')))).toBe('dmesg')
    expect(sniffText(readFileSync(hexFixture('host03-xxd.prompt.txt')))).toBe('hex-dump')
  })
})

describe('hex dump lines', () => {
  it('command lines: a prompt, sudo with options, one pipe, each optional, then the tool', () => {
    expect(classifyHexDumpLine('root@vm:~# sudo -E xxd -g1 /sys/bus/pci/devices/0000:00:03.0/config  \t')).toEqual({
      kind: 'command', tool: 'xxd', args: '-g1 /sys/bus/pci/devices/0000:00:03.0/config', address: {domain: 0, bus: 0, slot: 3, func: 0},
    })
    expect(classifyHexDumpLine('> $ cat config | hexdump -C')).toEqual({kind: 'command', tool: 'hexdump', args: '-C'})
    expect(classifyHexDumpLine('hd# xxd config')).toEqual({kind: 'command', tool: 'xxd', args: 'config'})
    expect(classifyHexDumpLine('odd | od')).toEqual({kind: 'command', tool: 'od', args: ''})
    expect(classifyHexDumpLine('$ xxdiff a b')).toBeUndefined()
    expect(classifyHexDumpLine('00000010: 0400 1000 \t ')).toEqual({kind: 'row', offset: '00000010', colon: true, tokens: ['0400', '1000']})
  })

  it('classifying a line costs time linear in its length, blank runs included (a regex ending in [ \\t]+$ was quadratic)', async () => {
    const lines: Record<string, (n: number) => string> = {
      'blanks inside a row': (n) => `00000000: ${' \t'.repeat(n / 2)}x`,
      'blanks after a prompt, then a pipe': (n) => `$ ${'\t'.repeat(n)}|`,
      'groups without end': (n) => `0000000 ${'00 '.repeat(n / 3)}|`,
      'quote marks': (n) => `${'> '.repeat(n / 2)}x`,
      'one word, then a pipe': (n) => `${'x'.repeat(n)}|`,
    }
    for (const [name, make] of Object.entries(lines)) {
      // 8 lines of 4 KiB against one of 32 KiB: ~1 when linear, ~8 when quadratic.
      expect(await growth(classifyHexDumpLine, make, 4096), name).toBeLessThan(3)
    }
  })
})

describe('hex dump properties (generated bytes, rendered as each tool prints them)', () => {
  // Each generated input is one (bytes, format) pair: about 1,100 inputs per format.
  const format = fc.constantFrom(...HEX_FORMATS)
  const renderable = (bytes: Uint8Array, f: HexFormat) => f !== 'xxd -e' || bytes.length % 4 === 0

  it('round trip: bytes -> a format as its tool prints it, under the pasted command line -> parse -> the same bytes (10,000 generated inputs)', {timeout: 120_000}, () => {
    fc.assert(
      fc.property(configLikeBytes, format, fc.constantFrom('', '    ', '> '), fc.boolean(), (bytes, f, indent, crlf) => {
        fc.pre(renderable(bytes, f))
        const lines = [`$ ${f} /sys/bus/pci/devices/0000:00:04.0/config`, ...renderHexDump(bytes, f)]
        const text = lines.map((l) => indent + l).join(crlf ? '\r\n' : '\n')
        const {dumps, warnings} = parse(text, {}, [97])
        expect(dumps).toHaveLength(1)
        expect(dumps[0]!.slot).toBe(4)
        if (!Buffer.from(dumps[0]!.bytes).equals(Buffer.from(bytes.subarray(0, 4096)))) expect.fail(`${f}: ${Buffer.from(bytes).toString('hex')}`)
        expect(warnings.filter((w) => w.code !== 'hexdump-size')).toEqual([])
      }),
      {numRuns: 10_000},
    )
  })

  it('without the command line: the same bytes, or a prefix of them with a warning, never other bytes (10,000 generated inputs)', {timeout: 120_000}, () => {
    fc.assert(
      fc.property(configLikeBytes, format, (bytes, f) => {
        fc.pre(renderable(bytes, f))
        const {dumps, warnings} = parse(renderHexDump(bytes, f).join('\n'), {bdf: '00:03.0'})
        const got = Buffer.from(dumps[0]?.bytes ?? [])
        const expected = Buffer.from(bytes.subarray(0, 4096))
        expect(got.equals(expected.subarray(0, got.length)), f).toBe(true)
        if (got.length < expected.length) {
          expect(warnings.map((w) => w.code).filter((c) => c === 'hexdump-radix-ambiguous' || c === 'hexdump-byte-order'), f).not.toEqual([])
        }
      }),
      {numRuns: 10_000},
    )
  })

  const fragments = fc.constantFrom(
    '00000000: f41a 4110 0604 1000  ..A.....',
    '00000010  04 00 10 00  |....|',
    '0000000 1af4 1041',
    '0000020 0004 0010',
    '000010 04 00 >..<',
    '*',
    '0000400',
    '00001000',
    'ffffffffffffffff',
    '$ od -Ax -tx1 /sys/bus/pci/devices/0000:00:03.0/config',
    '$ xxd /sys/bus/pci/devices/0000:ff:1f.7/config',
    'root@vm:~# hexdump',
    '> > 0000000 0000',
    '00000000: zz',
  )
  const garbage = fc.oneof(
    fc.array(fc.oneof(fragments, fc.string({maxLength: 60})), {maxLength: 60}).map((lines) => lines.join('\n')),
    fc.uint8Array({maxLength: 2000}).map((b) => Buffer.from(b).toString('latin1')),
    fc.array(fc.constantFrom('0', '7', 'f', ' ', ':', '*', '\n', '|', '>', '<', '.', '\r'), {maxLength: 400}).map((c) => c.join('')),
  )

  it('garbage never throws anything but InputError and never hangs (10,000 generated inputs)', {timeout: 120_000}, () => {
    fc.assert(
      fc.property(garbage, fc.integer({min: 1, max: 64}), (text, chunk) => {
        const started = performance.now()
        expect(onlyInputErrors(() => parse(text, {}, [chunk]))).toBe(true)
        expect(onlyInputErrors(() => sniffText(Buffer.from(text, 'latin1')))).toBe(true)
        expect(performance.now() - started).toBeLessThan(2000)
      }),
      {numRuns: 10_000},
    )
  })

  it('a bad --bdf is an InputError', () => {
    expect(() => parse(readFileSync(hexFixture('host03-hexdump.txt')), {bdf: '00:40.0'})).toThrow(InputError)
  })
})
