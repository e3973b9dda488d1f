/**
 * What one function's six BARs and its expansion ROM are, from every input that says something about
 * them:
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
import type {BarEvidence, BarKind, ConfigImageView} from './types.js'
import {headerTypeOf, narrowestWidth, type AccessWidth} from './config-image.js'
import {PCI_BASE_ADDRESS_0, PCI_ROM_ADDRESS, PCI_ROM_ADDRESS1, PCI_ROM_ADDRESS_ENABLE, PCI_ROM_ADDRESS_MASK} from '../pci/layout.js'
import {headerLayout, isBarOrRomRegister} from '../pci/header-layout.js'
import {type BarTypeBits, barAddressBits, barTypeBits, resourceTypeBits} from '../pci/bar-register.js'

export const BAR_COUNT = 6
/** Resource index of the expansion ROM (PCI_ROM_RESOURCE). */
const ROM_INDEX = 6
const ALL_ONES = 0xffffffff


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
  /** The mask was read back in the current sizing sequence. */
  maskRead?: boolean
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

/** Whether `offset` is a BAR or the ROM register of this function, by its header type as read. */
export function isSizedRegister(image: ConfigImageView, offset: number): boolean {
  const type = headerTypeOf(image)
  const layout = type === undefined ? undefined : headerLayout(type)
  return layout !== undefined && isBarOrRomRegister(layout, offset)
}

/** Decodes the flags of a sysfs `resource` line; all-zero means an empty resource. */
export function describeResource(start: number, end: number, flags: number): DescribedBar | 'empty' {
  if (flags === 0 && start === 0 && end === 0) return 'empty'
  const type = resourceTypeBits(flags)
  if (!type) return 'empty'
  return {...type, size: end >= start ? end - start + 1 : 0, start}
}

function typeBitsFrom(reg: RegisterObservations): {bits: BarTypeBits; src: SourceRef; how: string} | undefined {
  // An implemented BAR never reads 0 after all-ones; a 0 register may be unassigned: no type info.
  // The type bits sit in the lowest byte, which every read certainly covers.
  for (const [obs, how] of [[reg.sizingMask, 'sizing'], [reg.programmed, 'register'], [reg.dumped, 'register']] as const) {
    if (obs && obs.value !== 0) return {bits: barTypeBits(obs.value), src: obs.src, how}
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

/** A ROM sizing write sets every address bit (Linux writes l | PCI_ROM_ADDRESS_MASK, SeaBIOS ~1). */
function isRomSizingWrite(value: number): boolean {
  return (value & PCI_ROM_ADDRESS_MASK) >>> 0 === PCI_ROM_ADDRESS_MASK
}

export class BarTracker {
  private readonly registers: RegisterObservations[] = Array.from({length: BAR_COUNT}, () => ({sizing: false}))
  /** The expansion ROM: everything but its register, which sits at PCI_ROM_ADDRESS on an endpoint
   * and PCI_ROM_ADDRESS1 on a bridge; which of the two applies is known only from the header type. */
  private readonly rom: RegisterObservations = {sizing: false}
  private readonly romRegisters = new Map<number, RegisterObservations>([
    [PCI_ROM_ADDRESS, {sizing: false}],
    [PCI_ROM_ADDRESS1, {sizing: false}],
  ])

  onCfgRead(offset: number, value: number, width: AccessWidth | undefined, src: SourceRef): void {
    const reg = this.registerAt(offset, width)
    if (!reg) return
    // Without a width, bytes above the narrowest width are only inferred to be 0.
    const observed: RegisterValue = {value, inferred: width === undefined && narrowestWidth(value) < 4, src}
    if (reg.sizing) {
      reg.sizingMask = observed
      reg.maskRead = true
    } else reg.programmed = observed
  }

  /**
   * A config write. When it ends a sizing sequence by writing back the value read before it (read l,
   * write all-ones, read the mask, write l), the register holds l again: the result says how many of
   * its low bytes are certain (all 4, or only those the read certainly covered when its width was not
   * known). Whether the offset is a BAR or the ROM register of this function's header type is the
   * caller's to check.
   */
  onCfgWrite(offset: number, value: number, width: AccessWidth | undefined): {readonly certainBytes: number} | undefined {
    const reg = this.registerAt(offset, width)
    if (!reg) return undefined
    const before = reg.programmed
    const restores = reg.sizing && reg.maskRead === true && before !== undefined && before.value === value
    reg.sizing = this.romRegisters.has(offset) ? isRomSizingWrite(value) : value === ALL_ONES
    reg.maskRead = false
    if (!restores || reg.sizing) return undefined
    return {certainBytes: before.inferred ? narrowestWidth(value) : 4}
  }

  onMapping(bar: number, op: 'add' | 'del', addr: number, size: number, src: SourceRef): void {
    const reg = bar === ROM_INDEX ? this.rom : this.registers[bar]
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

  /** A dmesg BAR line; index 6 is the expansion ROM (`ROM [mem ...]`, `reg 0x30:`/`reg 0x38:`). */
  onKernelBar(index: number, bar: DescribedBar, src: SourceRef): void {
    const reg = index === ROM_INDEX ? this.rom : this.registers[index]
    if (reg) reg.dmesg = {bar, src}
  }

  onDump(bytes: Uint8Array, sourceOf: (offset: number) => SourceRef): void {
    const dword = (off: number) => (bytes[off]! | (bytes[off + 1]! << 8) | (bytes[off + 2]! << 16) | (bytes[off + 3]! << 24)) >>> 0
    for (const [off, reg] of this.romRegisters) if (off + 4 <= bytes.length) reg.dumped = {value: dword(off), inferred: false, src: sourceOf(off)}
    for (let i = 0; i < BAR_COUNT; i++) {
      const off = PCI_BASE_ADDRESS_0 + 4 * i
      if (off + 4 > bytes.length) return
      this.registers[i]!.dumped = {value: dword(off), inferred: false, src: sourceOf(off)}
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
    const layout = headerType === undefined ? undefined : headerLayout(headerType)
    const implemented = layout?.barCount ?? BAR_COUNT
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
    return index === undefined ? this.romRegisters.get(offset) : this.registers[index]
  }

  /**
   * The expansion ROM's size, address and enable bit: its register (sizing, final value) where the
   * header type says which register it is, QEMU's mapping (made only while the ROM is enabled), the
   * kernel's dmesg line, a resource file, lspci. Undefined when no input says anything about it.
   */
  romEvidence(warnings: WarningSink, device: string, headerType?: number): BarEvidence | undefined {
    const romOffset = headerType === undefined ? undefined : headerLayout(headerType)?.romOffset
    const register = romOffset === undefined ? undefined : this.romRegisters.get(romOffset)
    const {resource, lspci, dmesg, mapping} = this.rom
    const final = register?.programmed ?? register?.dumped
    if (!resource && !lspci && !dmesg && !mapping && !register?.sizingMask && !final) return undefined
    // Only size and address: a ROM has no type bits, and the sources flag it differently.
    const facts = new BarFacts(ROM_INDEX, `${device} expansion ROM`, warnings)
    const mask = register?.sizingMask
    if (mask) {
      const bits = (mask.value & PCI_ROM_ADDRESS_MASK) >>> 0
      facts.setSize(bits === 0 ? 0 : lowestSetBit(bits), mask.src, 'sizing', mask.inferred && bits === 0)
      facts.sizingReply = mask.value
    }
    if (mapping) facts.setSize(mapping.size, mapping.src, 'mapping', false)
    if (resource) facts.setSize(resource.bar === 'empty' ? 0 : resource.bar.size, resource.src, 'resource', false)
    const lspciSize = lspci?.bar === 'empty' ? 0 : lspci?.bar.size
    if (lspci && lspciSize !== undefined) facts.setSize(lspciSize, lspci.src, 'lspci', false)
    if (dmesg) facts.setSize(dmesg.bar.size, dmesg.src, 'dmesg', false)
    // Address: the register's final value (QEMU maps the ROM only while it is enabled, so a mapping
    // may be an earlier, firmware-time address), then what the kernel and lspci report.
    const registerAddr = final === undefined ? 0 : (final.value & PCI_ROM_ADDRESS_MASK) >>> 0
    if (final) facts.romEnabled = (final.value & PCI_ROM_ADDRESS_ENABLE) !== 0
    if (final && registerAddr !== 0) facts.setAddr(registerAddr, final.src, 'register')
    else if (resource && resource.bar !== 'empty' && resource.bar.start !== undefined) facts.setAddr(resource.bar.start, resource.src, 'resource')
    else if (lspci && lspci.bar !== 'empty' && lspci.bar.start !== undefined) facts.setAddr(lspci.bar.start, lspci.src, 'lspci')
    else if (dmesg?.bar.start !== undefined) facts.setAddr(dmesg.bar.start, dmesg.src, 'dmesg')
    else if (mapping) facts.setAddr(mapping.addr, mapping.src, 'mapping')
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
    if (registerIsBar && reg.sizingMask) facts.sizingReply = reg.sizingMask.value
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
    const {kind} = barTypeBits(mask.value)
    const low = barAddressBits(mask.value, kind)
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
    const {kind, is64} = barTypeBits(obs.value)
    let addr = barAddressBits(obs.value, kind)
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
  sizingReply?: number
  romEnabled?: boolean
  private sizeInferred = false
  private readonly sources: SourceRef[] = []
  private readonly how: string[] = []

  constructor(
    private readonly index: number,
    private readonly label: string,
    private readonly warnings: WarningSink,
  ) {}

  setType(bits: BarTypeBits, src: SourceRef, how: string): void {
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
    if (this.sizingReply !== undefined) ev.sizingReply = this.sizingReply
    if (this.romEnabled !== undefined) ev.romEnabled = this.romEnabled
    return ev
  }

  private note(src: SourceRef, how: string): void {
    if (!this.sources.some((s) => s.file === src.file && s.line === src.line && s.record === src.record)) this.sources.push(src)
    if (!this.how.includes(how)) this.how.push(how)
  }
}
