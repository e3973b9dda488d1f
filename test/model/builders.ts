/**
 * Hand-built devices for the model tests: a config space with capabilities at chosen offsets, BARs,
 * ids; unknown, inferred and changing bytes on request. `qemuModern()` / `qemuTransitional()` lay a
 * device out the way QEMU 7.2 does (caps from 0x40 up, chain newest to oldest, modern BAR 4).
 */
import type {ConfigRead, ConfigSpaceReader, ProbeInput, ResourceFacts} from '../../src/model/input.js'

export const BDF = '0000:00:03.0'
const FILE = 'config.txt'

export interface VirtioCapSpec {
  cfgType: number
  bar: number
  offset: number
  length: number
  capLen?: number
  /** notify_off_multiplier (notify caps). */
  mult?: number
}

export class ConfigBuilder {
  private readonly bytes: (number | undefined)[] = new Array(256).fill(0)
  private readonly inferred = new Set<number>()
  private readonly changes = new Map<number, number[]>()
  /** Every (offset, width) read, in order: lets a test check the widths the model uses. */
  readonly reads: {offset: number; width: number}[] = []

  set(offset: number, width: 1 | 2 | 4, value: number): this {
    for (let i = 0; i < width; i++) this.bytes[offset + i] = (value >>> (8 * i)) & 0xff
    return this
  }

  ids(o: {vendor?: number; device?: number; revision?: number; subsystemVendor?: number; subsystem?: number; hdrType?: number; capList?: boolean}): this {
    this.set(0x00, 2, o.vendor ?? 0x1af4)
    this.set(0x02, 2, o.device ?? 0x1041)
    this.set(0x08, 1, o.revision ?? 1)
    this.set(0x0e, 1, o.hdrType ?? 0)
    this.set(0x2c, 2, o.subsystemVendor ?? 0x1af4)
    this.set(0x2e, 2, o.subsystem ?? 0x1100)
    this.set(0x06, 2, o.capList === false ? 0 : 0x10)
    return this
  }

  /** A generic capability header at `at` (next pointer set by chain()). */
  cap(at: number, id: number, capLen = 0): this {
    this.set(at, 1, id)
    this.set(at + 2, 1, capLen)
    return this
  }

  virtioCap(at: number, c: VirtioCapSpec): this {
    this.cap(at, 0x09, c.capLen ?? (c.mult !== undefined ? 20 : 16))
    this.set(at + 3, 1, c.cfgType)
    this.set(at + 4, 1, c.bar)
    this.set(at + 8, 4, c.offset)
    this.set(at + 12, 4, c.length)
    if (c.mult !== undefined) this.set(at + 16, 4, c.mult)
    return this
  }

  /** The list head at 0x34 and each cap's next pointer, in the order given; the last points to 0. */
  chain(...offsets: number[]): this {
    this.set(0x34, 1, offsets[0] ?? 0)
    offsets.forEach((at, i) => this.set(at + 1, 1, offsets[i + 1] ?? 0))
    return this
  }

  unknown(...offsets: number[]): this {
    for (const o of offsets) this.bytes[o] = undefined
    return this
  }

  markInferred(...offsets: number[]): this {
    for (const o of offsets) this.inferred.add(o)
    return this
  }

  /** Successive reads of the byte at `offset` see these values (after the first, current value). */
  changesTo(offset: number, ...later: number[]): this {
    this.changes.set(offset, later)
    return this
  }

  reader(): ConfigSpaceReader {
    const seenOnce = new Set<number>()
    return {
      read: (offset: number, width: 1 | 2 | 4): ConfigRead => {
        this.reads.push({offset, width})
        const missing: number[] = []
        let value = 0
        let inferred = false
        for (let i = width - 1; i >= 0; i--) {
          const at = offset + i
          let b = this.bytes[at]
          const later = this.changes.get(at)
          if (later && seenOnce.has(at) && later.length > 0) {
            b = later.shift()
            this.bytes[at] = b
          }
          seenOnce.add(at)
          if (b === undefined) missing.unshift(at)
          else value = value * 256 + b
          if (this.inferred.has(at)) inferred = true
        }
        if (missing.length > 0) return {known: false, missing}
        return {known: true, value: value >>> 0, sources: [{file: FILE, line: offset + 1}], inferred}
      },
    }
  }
}

export interface BarSpec {
  type?: 'io' | 'mem' | 'none'
  len?: number
  start?: number
}

/** Six resources; unlisted BARs are empty (len 0, no flags). `undefined` fields stay unknown. */
export function resources(bars: Partial<Record<number, BarSpec | 'unknown'>>): ResourceFacts[] {
  return [0, 1, 2, 3, 4, 5].map((index) => {
    const b = bars[index]
    const sources = [{file: 'resource', line: index + 1}]
    if (b === 'unknown') return {index, sources}
    if (!b) return {index, len: 0, type: 'none' as const, start: 0, sources}
    return {index, ...b, sources}
  })
}

export const MODERN_BAR4: BarSpec = {type: 'mem', len: 0x4000, start: 0xfebf4000}
export const MSIX_BAR1: BarSpec = {type: 'mem', len: 0x1000, start: 0xfebc0000}
export const LEGACY_BAR0: BarSpec = {type: 'io', len: 0x40, start: 0xc000}

/** QEMU's modern capabilities: common 0x40, isr 0x50, device 0x60, notify 0x70, PCI_CFG 0x84, MSI-X 0x98. */
export function qemuModern(o: {device?: number; revision?: number; subsystem?: number; mult?: number} = {}): ConfigBuilder {
  return new ConfigBuilder()
    .ids({device: o.device ?? 0x1041, revision: o.revision ?? 1, subsystem: o.subsystem ?? 0x1100})
    .virtioCap(0x40, {cfgType: 1, bar: 4, offset: 0x0, length: 0x1000})
    .virtioCap(0x50, {cfgType: 3, bar: 4, offset: 0x1000, length: 0x1000})
    .virtioCap(0x60, {cfgType: 4, bar: 4, offset: 0x2000, length: 0x1000})
    .virtioCap(0x70, {cfgType: 2, bar: 4, offset: 0x3000, length: 0x1000, mult: o.mult ?? 4})
    .virtioCap(0x84, {cfgType: 5, bar: 0, offset: 0, length: 0, capLen: 20})
    .cap(0x98, 0x11, 12)
    .chain(0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
}

/** A transitional device (0x1000 + n, revision 0, subsystem = virtio id) with QEMU's modern caps. */
export function qemuTransitional(o: {device?: number; subsystem?: number; revision?: number} = {}): ConfigBuilder {
  return qemuModern({device: o.device ?? 0x1000, revision: o.revision ?? 0, subsystem: o.subsystem ?? 1})
}

export const TRANSITIONAL_BARS = {0: LEGACY_BAR0, 1: MSIX_BAR1, 4: MODERN_BAR4}
export const MODERN_BARS = {1: MSIX_BAR1, 4: MODERN_BAR4}

export function input(config: ConfigBuilder, bars: Partial<Record<number, BarSpec | 'unknown'>>, forceLegacy = false): ProbeInput {
  return {bdf: BDF, config: config.reader(), resources: resources(bars), forceLegacy}
}
