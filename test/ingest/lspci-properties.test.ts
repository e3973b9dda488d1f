/**
 * Properties of the lspci text parser over GENERATED inputs (fast-check, 10,000 runs each): these
 * inputs are made up by the generators below, not captured; the real outputs are in lspci-text.test.ts.
 */
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {LspciParser} from '../../src/ingest/lspci.js'
import {type BarLine, parseBarDescription, resolveUnnumberedBars} from '../../src/ingest/lspci-bars.js'
import type {LspciBar} from '../../src/ingest/records.js'
import {feedLines, newContext, onlyInputErrors} from './helpers.js'

const RUNS = 10_000
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0')

/** pciutils show_size: the largest unit of bytes/K/M/G/T that divides the size. */
function showSize(size: number): string {
  const suffix = ['', 'K', 'M', 'G', 'T']
  let x = size
  let i = 0
  while (i < suffix.length - 1 && x % 1024 === 0) {
    x /= 1024
    i++
  }
  return ` [size=${x}${suffix[i]}]`
}

/** A BAR line as show_bases prints it (-vv form without the `Region N: ` prefix). */
function showBar(bar: LspciBar): string {
  const flags = `${bar.virtual ? ' [virtual]' : bar.disabled ? ' [disabled]' : ''}${bar.size ? showSize(bar.size) : ''}`
  if (bar.kind === 'io') return `I/O ports at ${bar.start === undefined ? '<unassigned>' : hex(bar.start, 4)}${flags}`
  return `Memory at ${bar.start === undefined ? '<unassigned>' : hex(bar.start, 8)} (${bar.is64 ? '64-bit' : '32-bit'}, ${bar.prefetchable ? '' : 'non-'}prefetchable)${flags}`
}

const barArb: fc.Arbitrary<LspciBar> = fc
  .record({
    kind: fc.constantFrom('io' as const, 'mem' as const),
    is64: fc.boolean(),
    prefetchable: fc.boolean(),
    startPages: fc.option(fc.integer({min: 0, max: 2 ** 28}), {nil: undefined}),
    sizeLog: fc.option(fc.integer({min: 2, max: 42}), {nil: undefined}),
    flag: fc.constantFrom(undefined, 'disabled' as const, 'virtual' as const),
  })
  .map(({kind, is64, prefetchable, startPages, sizeLog, flag}) => {
    const io = kind === 'io'
    const bar: {-readonly [K in keyof LspciBar]: LspciBar[K]} = {kind, is64: io ? false : is64, prefetchable: io ? false : prefetchable}
    if (startPages !== undefined) bar.start = io ? (startPages & 0x3fff) * 4 : startPages * 4096
    if (sizeLog !== undefined) bar.size = 2 ** (io ? Math.min(sizeLog, 16) : sizeLog)
    if (flag === 'disabled') bar.disabled = true
    if (flag === 'virtual') bar.virtual = true
    return bar
  })

describe('lspci parser properties (generated inputs)', () => {
  it('BAR lines in every form show_bases prints read back to the same facts', () => {
    fc.assert(
      fc.property(barArb, (bar) => {
        expect(parseBarDescription(showBar(bar), false)).toEqual(bar)
      }),
      {numRuns: RUNS},
    )
  })

  it('-v placement is either the true one or none: never a wrong BAR index', () => {
    // A generated BAR layout: each of the six slots empty, a 32-bit BAR, or the lower half of a 64-bit one.
    const layoutArb = fc.array(fc.tuple(fc.constantFrom('none', 'bar32', 'bar64', 'io'), fc.integer({min: 1, max: 0xfff})), {minLength: 6, maxLength: 6})
    fc.assert(
      fc.property(layoutArb, fc.boolean(), (layout, withHex) => {
        const registers = new Uint8Array(24)
        const lines: BarLine[] = []
        const truth: number[] = []
        for (let i = 0; i < 6; i++) {
          const [what, page] = layout[i]!
          if (what === 'none') continue
          const is64 = what === 'bar64' && i < 5
          const io = what === 'io'
          const start = io ? page * 4 : page * 0x10000
          const reg = io ? start | 1 : start | (is64 ? 4 : 0)
          new DataView(registers.buffer).setUint32(4 * i, reg >>> 0, true)
          lines.push({index: undefined, bar: {kind: io ? 'io' : 'mem', is64, prefetchable: false, start}, src: {file: 'gen', line: i + 1}})
          truth.push(i)
          if (is64) i++ // the upper half: register 0, no line
        }
        const resolved = resolveUnnumberedBars(lines, 6, withHex ? registers : undefined)
        if (resolved) expect(resolved.map((r) => r.index)).toEqual(truth)
        if (withHex) expect(resolved).toBeDefined()
      }),
      {numRuns: RUNS},
    )
  })

  it('never throws anything but InputError and never hangs, on lspci-like line soup in any chunking', () => {
    const bdf = fc.tuple(fc.integer({min: 0, max: 0xffff}), fc.nat(255), fc.nat(40), fc.nat(9)).map(([d, b, s, f]) => `${hex(d, 4)}:${hex(b, 2)}:${hex(s, 2)}.${f}`)
    const hexRow = fc.tuple(fc.nat(0x1100), fc.array(fc.nat(255), {maxLength: 17})).map(([o, v]) => `${hex(o & ~0xf, 2)}: ${v.map((b) => hex(b, 2)).join(' ')}`)
    const num = fc.oneof(fc.nat(0xffffffff).map((n) => hex(n, 8)), fc.string({maxLength: 18}))
    const detail = fc.oneof(
      fc.tuple(fc.nat(9), barArb).map(([n, bar]) => `\tRegion ${n}: ${showBar(bar)}`),
      barArb.map((bar) => `\t${showBar(bar)}`),
      fc.tuple(num, fc.string({maxLength: 12})).map(([a, f]) => `\tExpansion ROM at ${a}${f}`),
      fc.tuple(fc.nat(0x1ff), fc.constantFrom('CommonCfg', 'Notify', 'ISR', 'DeviceCfg', 'SharedMemory', '<unknown>', '')).map(
        ([o, t]) => `\tCapabilities: [${hex(o, 2)}] Vendor Specific Information: VirtIO: ${t}`,
      ),
      fc.tuple(fc.nat(300), num, num, fc.option(num)).map(([b, o, s, m]) => `\t\tBAR=${b} offset=${o} size=${s}${m === null ? '' : ` multiplier=${m}`}`),
      fc.tuple(fc.nat(300), fc.nat(2 ** 52), fc.nat(2 ** 52), fc.nat(300)).map(([b, o, s, i]) => `\t\tBAR=${b} offset=${hex(o, 16)} size=${hex(s, 16)} id=${i}`),
      fc.tuple(fc.nat(0xff), fc.constantFrom('MSI-X: Enable+ Count=2 Masked-', 'Vendor Specific Information: Len=14 <?>', 'Null', 'Express (v2) Endpoint, MSI 00')).map(
        ([o, t]) => `\tCapabilities: [${hex(o, 2)}] ${t}`,
      ),
      fc.tuple(fc.constantFrom('Vector table', 'PBA'), fc.nat(9), num).map(([w, b, o]) => `\t\t${w}: BAR=${b} offset=${o}`),
      fc.string({maxLength: 20}).map((s) => `\tSubsystem: ${s} [1af4:${s.slice(0, 4)}]`),
      fc.constantFrom('\tControl: I/O+ Mem+', '\tFlags: bus master', '\tBus: primary=00', '\t!!! Unknown header type 7f', '\tKernel driver in use: virtio-pci', '\tKernel modules: a, b,', '\tKernel driver in use: '),
    )
    const line = fc.oneof(
      fc.tuple(bdf, fc.string({maxLength: 60}), fc.option(fc.nat(255))).map(([a, t, r]) => `${a} ${t || 'x'}${r === null ? '' : ` (rev ${hex(r, 2)})`}`),
      fc.tuple(bdf, fc.nat(0xffff), fc.nat(0xffff)).map(([a, v, d]) => `${a} Class 0200: Device ${hex(v, 4)}:${hex(d, 4)}`),
      hexRow,
      detail,
      fc.string({maxLength: 40, unit: 'binary'}),
      fc.constantFrom('', 'root@host:~# lspci -vv', '\x1b[?2004l\r', 'lspci: Unable to load libkmod resources: error -2', '00:03.0 x\u2028y', '\x1b[?2004l\r00:04.0 Class 0200: Device 1af4:1041'),
    )
    fc.assert(
      fc.property(fc.array(line, {maxLength: 40}), fc.boolean(), fc.integer({min: 1, max: 97}), (lines, crlf, chunk) => {
        const {ctx} = newContext('soup.txt')
        const text = lines.join(crlf ? '\r\n' : '\n')
        expect(onlyInputErrors(() => feedLines(new LspciParser(ctx), ctx, Buffer.from(text, 'utf8'), [chunk]))).toBe(true)
      }),
      {numRuns: RUNS},
    )
  }, 120_000)

  it('long generated lines of repeated lspci fragments are read in linear time (no regex backtracking)', () => {
    const units = [' (prog-if 01 [', ' (rev 0', ': 1234:', ' [1af4:', ' [a]', ' ', '\t', 'BAR=1 ', 'Memory at ', ' (64-bit, prefetchable)', ', ']
    const prefixes = ['00:03.0 x', '\tKernel modules: a', '\tRegion 0: Memory at 1 (32-bit, prefetchable)', '\tSubsystem: Device', '\tCapabilities: [40] Vendor Specific Information: VirtIO: ', '\t\tBAR=0 offset=', '\tMemory at ', '\tExpansion ROM at 1', '00: 00']
    const lines: string[] = []
    for (const p of prefixes) for (const u of units) lines.push(p + u.repeat(Math.floor(60_000 / u.length)) + 'x')
    const {ctx} = newContext('long.txt')
    const started = performance.now()
    feedLines(new LspciParser(ctx), ctx, Buffer.from(lines.join('\n'), 'latin1'))
    // ~100 lines of 60 KB: linear regexes take milliseconds; the backtracking this guards against took seconds per line.
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})
