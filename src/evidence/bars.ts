/**
 * What one function's six BARs are, from every input that says something about them:
 *  - the sizing sequence in a trace (write all-ones, read back the mask, restore),
 *  - the BAR register values the guest read (type bits, address),
 *  - QEMU's pci_update_mappings_add (address and size as mapped),
 *  - a sysfs `resource` file, lspci's `Region N:` lines, dmesg enumeration lines, and the BAR
 *    registers of a static dump.
 * Observations are kept per source; the BarEvidence is derived at the end, and sources that disagree
 * on a fact that cannot change (kind, width, prefetchability, size) produce a warning.
 */
import type {LspciBar} from '../ingest/records.js'
import type {WarningSink} from '../util/errors.js'
import type {SourceRef} from '../util/source.js'
import type {BarEvidence, BarKind} from './types.js'
import {narrowestWidth, type AccessWidth} from './config-image.js'
import {PCI_BASE_ADDRESS_0} from '../pci/layout.js'

export const BAR_COUNT = 6
/** Resource index of the expansion ROM (PCI_ROM_RESOURCE). */
const ROM_INDEX = 6
const ALL_ONES = 0xffffffff

// IORESOURCE_* bits of a sysfs `resource` line (include/linux/ioport.h).
export const IORESOURCE_IO = 0x100
export const IORESOURCE_MEM = 0x200
export const IORESOURCE_PREFETCH = 0x2000
export const IORESOURCE_MEM_64 = 0x00100000

/** A dword read of a BAR register; `inferred` if its upper bytes were only inferred to be 0. */
interface RegisterValue {
  readonly value: number
  readonly inferred: boolean
  readonly src: SourceRef
}

/** A BAR as a kernel or a resource file describes it. */
export interface DescribedBar {
  readonly kind: BarKind
  readonly is64: boolean
  readonly prefetchable: boolean
  readonly size: number
  /** Undefined when the text gives only a size (`[mem size 0x4000]`) or says `disabled`. */
  readonly start?: number
}

interface Mapping {
  readonly addr: number
  readonly size: number
  readonly src: SourceRef
}

interface RegisterObservations {
  /** An all-ones write was seen and not yet followed by a restoring write. */
  sizing: boolean
  sizingMask?: RegisterValue
  /** Last value read outside a sizing sequence: type bits and programmed address. */
  programmed?: RegisterValue
  dumped?: RegisterValue
  mapping?: Mapping
  resource?: {readonly bar: DescribedBar | 'empty'; readonly src: SourceRef}
  /** lspci's BAR line (the kernel's resource as lspci read it from sysfs), or 'empty' for none. */
  lspci?: {readonly bar: LspciBar | 'empty'; readonly src: SourceRef}
  dmesg?: {readonly bar: DescribedBar; readonly src: SourceRef}
}

export interface TypeBits {
  readonly kind: BarKind
  readonly is64: boolean
  readonly prefetchable: boolean
}

export function typeBitsOf(register: number): TypeBits {
  if (register & 1) return {kind: 'io', is64: false, prefetchable: false}
  return {kind: 'mem', is64: ((register >>> 1) & 3) === 2, prefetchable: (register & 8) !== 0}
}

function addressBitsOf(register: number, kind: BarKind): number {
  return kind === 'io' ? (register & ~3) >>> 0 : (register & ~0xf) >>> 0
}

function lowestSetBit(value: number): number {
  return (value & -value) >>> 0
}

/** `0x1_0000_0000 * hi + lo` for a 64-bit BAR. */
function combine(lo: number, hi: number): number {
  return hi * 2 ** 32 + lo
}

/** The BAR index a dword register offset belongs to, or undefined. */
export function barIndexOfOffset(offset: number): number | undefined {
  if (offset < PCI_BASE_ADDRESS_0 || offset >= PCI_BASE_ADDRESS_0 + 4 * BAR_COUNT || offset % 4 !== 0) return undefined
  return (offset - PCI_BASE_ADDRESS_0) / 4
}

/** Decodes the flags of a sysfs `resource` line; all-zero means an empty resource. */
export function describeResource(start: number, end: number, flags: number): DescribedBar | 'empty' {
  if (flags === 0 && start === 0 && end === 0) return 'empty'
  const kind: BarKind | undefined = flags & IORESOURCE_IO ? 'io' : flags & IORESOURCE_MEM ? 'mem' : undefined
  if (!kind) return 'empty'
  return {
    kind,
    is64: (flags & IORESOURCE_MEM_64) !== 0,
    prefetchable: (flags & IORESOURCE_PREFETCH) !== 0,
    size: end >= start ? end - start + 1 : 0,
    start,
  }
}

function typeBitsFrom(reg: RegisterObservations): {bits: TypeBits; src: SourceRef; how: string} | undefined {
  // An implemented BAR never reads 0 after all-ones; a 0 register may be unassigned: no type info.
  // The type bits sit in the lowest byte, which every read certainly covers.
  for (const [obs, how] of [[reg.sizingMask, 'sizing'], [reg.programmed, 'register'], [reg.dumped, 'register']] as const) {
    if (obs && obs.value !== 0) return {bits: typeBitsOf(obs.value), src: obs.src, how}
  }
  if (reg.resource && reg.resource.bar !== 'empty') return {bits: reg.resource.bar, src: reg.resource.src, how: 'resource'}
  if (reg.lspci && reg.lspci.bar !== 'empty') return {bits: reg.lspci.bar, src: reg.lspci.src, how: 'lspci'}
  if (reg.dmesg) return {bits: reg.dmesg.bar, src: reg.dmesg.src, how: 'dmesg'}
  return undefined
}

/** The observations without the plain register reads (the register may not be a BAR). */
function withoutRegisterValues(reg: RegisterObservations): RegisterObservations {
  const {programmed: _programmed, dumped: _dumped, ...rest} = reg
  return rest
}

export class BarTracker {
  private readonly registers: RegisterObservations[] = Array.from({length: BAR_COUNT}, () => ({sizing: false}))
  /** The expansion ROM: only what resource files and lspci say (its register is not a BAR's). */
  private readonly rom: RegisterObservations = {sizing: false}

  onCfgRead(offset: number, value: number, width: AccessWidth | undefined, src: SourceRef): void {
    const reg = this.registerAt(offset, width)
    if (!reg) return
    // Without a width, bytes above the narrowest width are only inferred to be 0.
    const observed: RegisterValue = {value, inferred: width === undefined && narrowestWidth(value) < 4, src}
    if (reg.sizing) reg.sizingMask = observed
    else reg.programmed = observed
  }

  onCfgWrite(offset: number, value: number, width: AccessWidth | undefined): void {
    const reg = this.registerAt(offset, width)
    if (!reg) return
    reg.sizing = value === ALL_ONES
  }

  onMapping(bar: number, op: 'add' | 'del', addr: number, size: number, src: SourceRef): void {
    const reg = this.registers[bar]
    if (!reg || op !== 'add') return
    reg.mapping = {addr, size, src}
  }

  onResource(index: number, start: number, end: number, flags: number, src: SourceRef): void {
    if (index === ROM_INDEX) this.rom.resource = {bar: describeResource(start, end, flags), src}
    const reg = this.registers[index]
    if (reg) reg.resource = {bar: describeResource(start, end, flags), src}
  }

  /** An lspci BAR line; index 6 is the expansion ROM. */
  onLspci(index: number, bar: LspciBar | 'empty', src: SourceRef): void {
    if (index === ROM_INDEX) this.rom.lspci = {bar, src}
    const reg = this.registers[index]
    if (reg) reg.lspci = {bar, src}
  }

  onKernelBar(index: number, bar: DescribedBar, src: SourceRef): void {
    const reg = this.registers[index]
    if (reg) reg.dmesg = {bar, src}
  }

  onDump(bytes: Uint8Array, sourceOf: (offset: number) => SourceRef): void {
    for (let i = 0; i < BAR_COUNT; i++) {
      const off = PCI_BASE_ADDRESS_0 + 4 * i
      if (off + 4 > bytes.length) return
      const value = (bytes[off]! | (bytes[off + 1]! << 8) | (bytes[off + 2]! << 16) | (bytes[off + 3]! << 24)) >>> 0
      this.registers[i]!.dumped = {value, inferred: false, src: sourceOf(off)}
    }
  }

  /** Type of a BAR as far as already known (register reads, dumps, resource, dmesg). */
  kindOf(bar: number): BarKind | undefined {
    const reg = this.registers[bar]
    if (!reg) return undefined
    return typeBitsFrom(reg)?.bits.kind
  }

  /**
   * `device` names the function in warnings; `headerType` is config byte 0x0e when known. A bridge
   * (type 1) has two BARs and a CardBus bridge (type 2) one: the registers after them are bus numbers
   * and windows, and Linux leaves resources up to 5 empty.
   */
  evidence(warnings: WarningSink, device: string, headerType: number | undefined): BarEvidence[] {
    const layout = headerType === undefined ? undefined : headerType & 0x7f
    const implemented = layout === 1 ? 2 : layout === 2 ? 1 : BAR_COUNT
    const out: BarEvidence[] = []
    for (let i = 0; i < BAR_COUNT; i++) {
      if (i >= implemented) {
        out.push({index: i, size: 0, sources: [], how: ['header-type']})
        continue
      }
      const lower = out[i - 1]
      if (lower?.is64 === true && lower.upperHalfOf === undefined) {
        out.push(this.upperHalf(i, i - 1))
        continue
      }
      // Unknown header type: registers past BAR 1 may not be BARs, so their plain reads say nothing.
      out.push(this.derive(i, warnings, device, layout !== undefined || i < 2))
    }
    return out
  }

  private registerAt(offset: number, width: AccessWidth | undefined): RegisterObservations | undefined {
    // Linux and SeaBIOS size and read BARs with dword accesses only; narrower ones say nothing here.
    if (width !== undefined && width !== 4) return undefined
    const index = barIndexOfOffset(offset)
    return index === undefined ? undefined : this.registers[index]
  }

  /** The expansion ROM's size and address, when a resource file or lspci gives them. */
  romEvidence(warnings: WarningSink, device: string): BarEvidence | undefined {
    const {resource, lspci} = this.rom
    if (!resource && !lspci) return undefined
    // Only size and address: a ROM has no type bits, and the two sources flag it differently.
    const facts = new BarFacts(ROM_INDEX, `${device} expansion ROM`, warnings)
    if (resource) facts.setSize(resource.bar === 'empty' ? 0 : resource.bar.size, resource.src, 'resource', false)
    const lspciSize = lspci?.bar === 'empty' ? 0 : lspci?.bar.size
    if (lspci && lspciSize !== undefined) facts.setSize(lspciSize, lspci.src, 'lspci', false)
    if (resource && resource.bar !== 'empty' && resource.bar.start !== undefined) facts.setAddr(resource.bar.start, resource.src, 'resource')
    else if (lspci && lspci.bar !== 'empty' && lspci.bar.start !== undefined) facts.setAddr(lspci.bar.start, lspci.src, 'lspci')
    return facts.build()
  }

  private upperHalf(index: number, lower: number): BarEvidence {
    const reg = this.registers[index]!
    const sources = [reg.sizingMask?.src, reg.programmed?.src, reg.resource?.src].filter((s): s is SourceRef => s !== undefined)
    return {index, upperHalfOf: lower, size: 0, sources, how: ['upper-half']}
  }

  private derive(index: number, warnings: WarningSink, device: string, registerIsBar: boolean): BarEvidence {
    const reg = registerIsBar ? this.registers[index]! : withoutRegisterValues(this.registers[index]!)
    const facts = new BarFacts(index, `${device} BAR ${index}`, warnings)
    const type = typeBitsFrom(reg)
    if (type) facts.setType(type.bits, type.src, type.how)

    // Every other source must agree with the type bits.
    if (reg.resource && reg.resource.bar !== 'empty') facts.setType(reg.resource.bar, reg.resource.src, 'resource')
    if (reg.lspci && reg.lspci.bar !== 'empty') facts.setType(reg.lspci.bar, reg.lspci.src, 'lspci')
    if (reg.dmesg) facts.setType(reg.dmesg.bar, reg.dmesg.src, 'dmesg')

    const sizing = this.sizeFromMask(index, facts.is64)
    if (sizing) facts.setSize(sizing.size, sizing.src, 'sizing', sizing.inferred)
    if (reg.mapping) facts.setSize(reg.mapping.size, reg.mapping.src, 'mapping', false)
    if (reg.resource) facts.setSize(reg.resource.bar === 'empty' ? 0 : reg.resource.bar.size, reg.resource.src, 'resource', false)
    const lspciSize = reg.lspci?.bar === 'empty' ? 0 : reg.lspci?.bar.size
    if (reg.lspci && lspciSize !== undefined) facts.setSize(lspciSize, reg.lspci.src, 'lspci', false)
    if (reg.dmesg) facts.setSize(reg.dmesg.bar.size, reg.dmesg.src, 'dmesg', false)

    // Address: what QEMU mapped, then what the kernel reported, then the register itself.
    if (reg.mapping) facts.setAddr(reg.mapping.addr, reg.mapping.src, 'mapping')
    else if (reg.resource && reg.resource.bar !== 'empty' && reg.resource.bar.start !== undefined) facts.setAddr(reg.resource.bar.start, reg.resource.src, 'resource')
    else if (reg.lspci && reg.lspci.bar !== 'empty' && reg.lspci.bar.start !== undefined) facts.setAddr(reg.lspci.bar.start, reg.lspci.src, 'lspci')
    else if (reg.dmesg?.bar.start !== undefined) facts.setAddr(reg.dmesg.bar.start, reg.dmesg.src, 'dmesg')
    else this.addressFromRegister(index, reg, facts)
    return facts.build()
  }

  /** Size from the read-back mask (lower dword, plus the upper one for 64-bit BARs). */
  private sizeFromMask(index: number, is64: boolean | undefined): {size: number; src: SourceRef; inferred: boolean} | undefined {
    const mask = this.registers[index]!.sizingMask
    if (!mask) return undefined
    if (mask.value === 0) return {size: 0, src: mask.src, inferred: mask.inferred}
    const {kind} = typeBitsOf(mask.value)
    const low = addressBitsOf(mask.value, kind)
    // The lowest set bit lies in the bytes the value certainly reached, so this size is exact.
    if (low !== 0) return {size: lowestSetBit(low), src: mask.src, inferred: false}
    if (!is64) return {size: 0, src: mask.src, inferred: mask.inferred}
    const upper = this.registers[index + 1]?.sizingMask
    if (!upper) return undefined
    const size = upper.value === 0 ? 0 : combine(0, lowestSetBit(upper.value))
    return {size, src: upper.src, inferred: mask.inferred || upper.inferred}
  }

  private addressFromRegister(index: number, reg: RegisterObservations, facts: BarFacts): void {
    const obs = reg.programmed ?? reg.dumped
    if (!obs || obs.value === 0) return
    const {kind, is64} = typeBitsOf(obs.value)
    let addr = addressBitsOf(obs.value, kind)
    if (is64) {
      const upperReg = this.registers[index + 1]
      const upper = upperReg?.programmed ?? upperReg?.dumped
      if (!upper) return // the upper dword is unknown, so the address is too
      addr = combine(addr, upper.value)
    }
    if (addr !== 0) facts.setAddr(addr, obs.src, 'register')
  }
}

/** Accumulates one BAR's facts, warning when two sources disagree. */
class BarFacts {
  kind?: BarKind
  is64?: boolean
  prefetchable?: boolean
  size?: number
  addr?: number
  private sizeInferred = false
  private readonly sources: SourceRef[] = []
  private readonly how: string[] = []

  constructor(
    private readonly index: number,
    private readonly label: string,
    private readonly warnings: WarningSink,
  ) {}

  setType(bits: TypeBits, src: SourceRef, how: string): void {
    if (this.kind === undefined) {
      this.kind = bits.kind
      this.is64 = bits.is64
      this.prefetchable = bits.prefetchable
      this.note(src, how)
      return
    }
    if (this.kind !== bits.kind || this.is64 !== bits.is64 || this.prefetchable !== bits.prefetchable) {
      this.warnings.warn('bar-type-conflict', `${this.label}: ${how} disagrees with earlier evidence on its type`, src)
    } else {
      this.note(src, how)
    }
  }

  setSize(size: number, src: SourceRef, how: string, inferred: boolean): void {
    // A size resting on inferred bytes gives way to any certain source.
    if (this.size === undefined || (this.sizeInferred && !inferred)) {
      this.size = size
      this.sizeInferred = inferred
      this.note(src, how)
      return
    }
    if (this.size !== size) {
      if (inferred) return
      this.warnings.warn('bar-size-conflict', `${this.label}: ${how} gives size 0x${size.toString(16)}, earlier evidence 0x${this.size.toString(16)}`, src)
    } else {
      this.note(src, how)
    }
  }

  setAddr(addr: number, src: SourceRef, how: string): void {
    this.addr = addr
    this.note(src, how)
  }

  build(): BarEvidence {
    const ev: {-readonly [K in keyof BarEvidence]: BarEvidence[K]} = {index: this.index, sources: this.sources, how: this.how}
    if (this.kind !== undefined) ev.kind = this.kind
    if (this.is64 !== undefined) ev.is64 = this.is64
    if (this.prefetchable !== undefined) ev.prefetchable = this.prefetchable
    if (this.size !== undefined) ev.size = this.size
    if (this.addr !== undefined) ev.addr = this.addr
    if (this.sizeInferred) ev.inferred = true
    return ev
  }

  private note(src: SourceRef, how: string): void {
    if (!this.sources.some((s) => s.file === src.file && s.line === src.line && s.record === src.record)) this.sources.push(src)
    if (!this.how.includes(how)) this.how.push(how)
  }
}
