/**
 * lspci's BAR lines (pciutils lspci.c show_bases / show_rom). The forms:
 *   Memory at <addr|<unassigned>|<ignored>|<broken-64-bit-slot>> (<32-bit|64-bit|low-1M|type 3>, [non-]prefetchable)
 *   I/O ports at <addr|<unassigned>|<ignored>>
 *   Expansion ROM at <addr|<unassigned>|<ignored>>
 * each followed by flags: ` [virtual]`, ` [disabled]`, ` [disabled by cmd]`, ` [enhanced]`, and
 * ` [size=N]` with N in the largest of bytes/K/M/G/T that divides it (show_size; absent for 0).
 * `-vv` numbers them (`Region 4:`); `-v` does not, and skips every BAR with nothing to show.
 */
import {barAddressBits, barTypeBits} from '../pci/bar-register.js'
import type {LspciBar} from './records.js'
import type {SourceRef} from '../util/source.js'

const MEM_RE = /^Memory at (\S+) \((32-bit|64-bit|low-1M|type 3), (non-)?prefetchable\)((?: \[[^\]]*\])*)$/
const IO_RE = /^I\/O ports at (\S+)((?: \[[^\]]*\])*)$/
const ROM_RE = /^Memory at (\S+)((?: \[[^\]]*\])*)$/
const ADDRESS_RE = /^[0-9a-fA-F]{1,13}$/
const SIZE_RE = /^size=(\d{1,10})([KMGT]?)$/
const UNITS: Record<string, number> = {'': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40}
/** Printed instead of an address: the BAR has none lspci could show. */
const NO_ADDRESS = new Set(['<unassigned>', '<ignored>', '<broken-64-bit-slot>'])

/** One BAR line of a block; `index` undefined for -v's unnumbered lines. */
export interface BarLine {
  readonly index: number | undefined
  readonly bar: LspciBar
  readonly src: SourceRef
}

export interface ResolvedBar {
  readonly index: number
  readonly bar: LspciBar | 'empty'
  readonly src: SourceRef
}

/** `description` is the text after `Region N: ` (or the whole -v line); `rom` for `Expansion ROM at`. */
export function parseBarDescription(description: string, rom: boolean): LspciBar | undefined {
  let address: string
  let flags: string
  let kind: 'io' | 'mem' = 'mem'
  let is64 = false
  let prefetchable = false
  const mem = rom ? undefined : MEM_RE.exec(description)
  const io = rom || mem ? undefined : IO_RE.exec(description)
  const romLine = rom ? ROM_RE.exec(description) : undefined
  if (mem) {
    address = mem[1]!
    is64 = mem[2] === '64-bit'
    prefetchable = mem[3] === undefined
    flags = mem[4]!
  } else if (io) {
    kind = 'io'
    address = io[1]!
    flags = io[2]!
  } else if (romLine) {
    address = romLine[1]!
    flags = romLine[2]!
  } else {
    return undefined
  }
  let start: number | undefined
  if (ADDRESS_RE.test(address)) start = Number.parseInt(address, 16)
  else if (!NO_ADDRESS.has(address)) return undefined
  const bar: {-readonly [K in keyof LspciBar]: LspciBar[K]} = {kind, is64, prefetchable}
  if (start !== undefined) bar.start = start
  for (const flag of flags.slice(2, -1).split('] [')) {
    if (flag === '') continue
    if (flag === 'disabled' || flag === 'disabled by cmd') bar.disabled = true
    else if (flag === 'virtual') bar.virtual = true
    else {
      const size = SIZE_RE.exec(flag)
      if (size) bar.size = Number(size[1]) * UNITS[size[2]!]!
      // Other flags (`enhanced`, ones newer pciutils may add) say nothing about the resource.
    }
  }
  return bar
}

/**
 * Indexes for a block's BAR lines. Numbered lines (`Region N:`) are taken as they are. -v's
 * unnumbered lines are in BAR order, each 64-bit BAR taking two slots, but BARs with nothing to
 * show are skipped: an assignment counts only if it is the single one that fits the slots and, when
 * the block's hex shows the BAR registers, agrees with them. Undefined when that is not so.
 */
export function resolveUnnumberedBars(lines: readonly BarLine[], slots: number, registers: Uint8Array | undefined): ResolvedBar[] | undefined {
  const numbered = lines.filter((l) => l.index !== undefined)
  if (numbered.length > 0) return numbered.map((l) => ({index: l.index!, bar: l.bar, src: l.src}))
  const regs = registers ? Array.from({length: slots}, (_, i) => registerValue(registers, i)) : undefined
  const found: number[][] = []
  const place = (k: number, from: number, chosen: number[]): void => {
    if (found.length > 1) return
    if (k === lines.length) {
      if (!regs || fitsRegisters(lines, chosen, regs)) found.push([...chosen])
      return
    }
    const width = lines[k]!.bar.is64 ? 2 : 1
    for (let at = from; at + width <= slots; at++) {
      chosen.push(at)
      place(k + 1, at + width, chosen)
      chosen.pop()
    }
  }
  place(0, 0, [])
  if (found.length !== 1) return undefined
  return lines.map((l, k) => ({index: found[0]![k]!, bar: l.bar, src: l.src}))
}

function registerValue(bytes: Uint8Array, index: number): number {
  const o = 4 * index
  const value = (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) >>> 0
  // lspci treats an all-ones register as 0 (show_bases).
  return value === 0xffffffff ? 0 : value
}

function fitsRegisters(lines: readonly BarLine[], positions: readonly number[], regs: readonly number[]): boolean {
  const covered = new Set<number>()
  for (let k = 0; k < lines.length; k++) {
    const at = positions[k]!
    const bar = lines[k]!.bar
    covered.add(at)
    if (bar.is64) covered.add(at + 1)
    if (!fitsRegister(bar, regs[at]!)) return false
  }
  // A BAR lspci skipped showed nothing: its register is 0 in every backend it reads.
  return regs.every((r, i) => covered.has(i) || r === 0)
}

function fitsRegister(bar: LspciBar, reg: number): boolean {
  if (reg === 0) return bar.virtual === true || bar.start === undefined
  const type = barTypeBits(reg)
  if (type.kind === 'io') return bar.kind === 'io' && (bar.start === undefined || bar.virtual === true || barAddressBits(reg, 'io') === bar.start % 2 ** 32)
  if (bar.kind !== 'mem' || bar.is64 !== type.is64 || bar.prefetchable !== type.prefetchable) return false
  return bar.start === undefined || bar.virtual === true || barAddressBits(reg, 'mem') === bar.start % 2 ** 32
}

/** The resolved lines plus, when lspci knew the sizes, an 'empty' entry for each slot no line covers. */
export function withEmptySlots(resolved: readonly ResolvedBar[], slots: number, emptySrc: SourceRef): ResolvedBar[] {
  const covered = new Set<number>()
  for (const b of resolved) {
    covered.add(b.index)
    if (b.bar !== 'empty' && b.bar.is64) covered.add(b.index + 1)
  }
  const empties: ResolvedBar[] = []
  for (let i = 0; i < slots; i++) if (!covered.has(i)) empties.push({index: i, bar: 'empty', src: emptySrc})
  return [...resolved, ...empties]
}
