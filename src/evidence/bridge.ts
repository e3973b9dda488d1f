/**
 * A PCI-to-PCI bridge (header type 1) as its config space shows it: bus numbers, the I/O and memory
 * windows it forwards, and whether its command register enables I/O decoding, each from the bytes as
 * last read (a write the bridge did not take, such as a window a root port without I/O space cannot
 * hold, shows as the value read back after it). And the I/O path of a function behind bridges: which
 * bridge on the way forwards no I/O to it.
 */
import {headerLayout} from '../pci/header-layout.js'
import {
  PCI_COMMAND,
  PCI_COMMAND_IO,
  PCI_HEADER_TYPE_BRIDGE,
  PCI_IO_BASE,
  PCI_IO_BASE_UPPER16,
  PCI_IO_LIMIT,
  PCI_IO_LIMIT_UPPER16,
  PCI_MEMORY_BASE,
  PCI_MEMORY_LIMIT,
  PCI_PREF_BASE_UPPER32,
  PCI_PREF_LIMIT_UPPER32,
  PCI_PREF_MEMORY_BASE,
  PCI_PREF_MEMORY_LIMIT,
  PCI_PRIMARY_BUS,
  PCI_SECONDARY_BUS,
  PCI_SUBORDINATE_BUS,
} from '../pci/layout.js'
import {hex} from '../util/hex.js'
import {formatSource, type SourceRef} from '../util/source.js'
import {headerTypeOf} from './config-image.js'
import type {ConfigImageView, DeviceEvidence, EvidenceSet} from './types.js'

/** PCI_IO_RANGE_TYPE_32 / PCI_PREF_RANGE_TYPE_64 in the low nibble of the base register. */
const RANGE_TYPE_WIDE = 0x1
const RANGE_TYPE_MASK = 0x0f

export interface BridgeWindow {
  readonly base: number
  readonly limit: number
  /** base > limit: the bridge forwards nothing of this kind. */
  readonly closed: boolean
  /** The register bytes' sources (last read). */
  readonly sources: readonly SourceRef[]
}

export interface BridgeView {
  readonly primary?: number
  readonly secondary?: number
  readonly subordinate?: number
  readonly io?: BridgeWindow
  readonly mem?: BridgeWindow
  readonly pref?: BridgeWindow
  /** PCI_COMMAND_IO as last read, with the read. */
  readonly ioDecode?: {readonly enabled: boolean; readonly src: SourceRef}
}

function byteAt(image: ConfigImageView, offset: number): {value: number; src: SourceRef} | undefined {
  const b = image.byte(offset)?.current
  return b && b.origin !== 'inferred' ? {value: b.value, src: b.src} : undefined
}

function wordAt(image: ConfigImageView, offset: number): {value: number; src: SourceRef[]} | undefined {
  const lo = byteAt(image, offset)
  const hi = byteAt(image, offset + 1)
  return lo && hi ? {value: lo.value | (hi.value << 8), src: [lo.src, hi.src]} : undefined
}

function dwordAt(image: ConfigImageView, offset: number): {value: number; src: SourceRef[]} | undefined {
  const lo = wordAt(image, offset)
  const hi = wordAt(image, offset + 2)
  return lo && hi ? {value: (lo.value | (hi.value << 16)) >>> 0, src: [...lo.src, ...hi.src]} : undefined
}

function window(base: number, limit: number, sources: SourceRef[]): BridgeWindow {
  const unique = sources.filter((s, i) => sources.findIndex((t) => t.file === s.file && t.line === s.line && t.record === s.record) === i)
  return {base, limit, closed: base > limit, sources: unique}
}

/** I/O window: 4 KiB granularity, upper 16 bits when the bridge decodes 32-bit I/O. */
function ioWindow(image: ConfigImageView): BridgeWindow | undefined {
  const base = byteAt(image, PCI_IO_BASE)
  const limit = byteAt(image, PCI_IO_LIMIT)
  if (!base || !limit) return undefined
  let lo = (base.value & 0xf0) << 8
  let hi = ((limit.value & 0xf0) << 8) | 0xfff
  const sources = [base.src, limit.src]
  if ((base.value & RANGE_TYPE_MASK) === RANGE_TYPE_WIDE) {
    const baseHi = wordAt(image, PCI_IO_BASE_UPPER16)
    const limitHi = wordAt(image, PCI_IO_LIMIT_UPPER16)
    if (!baseHi || !limitHi) return undefined
    lo += baseHi.value * 0x10000
    hi += limitHi.value * 0x10000
    sources.push(...baseHi.src, ...limitHi.src)
  }
  return window(lo, hi, sources)
}

/** Memory windows: 1 MiB granularity; the prefetchable one 64-bit when its type says so. */
function memWindow(image: ConfigImageView, baseOff: number, limitOff: number, upper?: {base: number; limit: number}): BridgeWindow | undefined {
  const base = wordAt(image, baseOff)
  const limit = wordAt(image, limitOff)
  if (!base || !limit) return undefined
  let lo = (base.value & 0xfff0) * 0x10000
  let hi = (limit.value & 0xfff0) * 0x10000 + 0xfffff
  const sources = [...base.src, ...limit.src]
  if (upper && (base.value & RANGE_TYPE_MASK) === RANGE_TYPE_WIDE) {
    const baseHi = dwordAt(image, upper.base)
    const limitHi = dwordAt(image, upper.limit)
    if (!baseHi || !limitHi) return undefined
    lo += baseHi.value * 2 ** 32
    hi += limitHi.value * 2 ** 32
    sources.push(...baseHi.src, ...limitHi.src)
  }
  return window(lo, hi, sources)
}

/** The bridge view of a type 1 function; undefined for any other header type or an unknown one. */
export function bridgeView(image: ConfigImageView): BridgeView | undefined {
  // An unknown header type has the layout UNKNOWN_HEADER, which is no bridge.
  if (headerLayout(headerTypeOf(image))?.type !== PCI_HEADER_TYPE_BRIDGE) return undefined
  const primary = byteAt(image, PCI_PRIMARY_BUS)
  const secondary = byteAt(image, PCI_SECONDARY_BUS)
  const subordinate = byteAt(image, PCI_SUBORDINATE_BUS)
  const io = ioWindow(image)
  const mem = memWindow(image, PCI_MEMORY_BASE, PCI_MEMORY_LIMIT)
  const pref = memWindow(image, PCI_PREF_MEMORY_BASE, PCI_PREF_MEMORY_LIMIT, {base: PCI_PREF_BASE_UPPER32, limit: PCI_PREF_LIMIT_UPPER32})
  const command = byteAt(image, PCI_COMMAND)
  return {
    ...(primary ? {primary: primary.value} : {}),
    ...(secondary ? {secondary: secondary.value} : {}),
    ...(subordinate ? {subordinate: subordinate.value} : {}),
    ...(io ? {io} : {}),
    ...(mem ? {mem} : {}),
    ...(pref ? {pref} : {}),
    ...(command ? {ioDecode: {enabled: (command.value & PCI_COMMAND_IO) !== 0, src: command.src}} : {}),
  }
}

/** `I/O 0x1000-0x1fff` / `I/O closed (base 0xf000 > limit 0xfff)`. */
export function describeWindow(name: string, w: BridgeWindow): string {
  return w.closed ? `${name} closed (base ${hex(w.base)} > limit ${hex(w.limit)})` : `${name} ${hex(w.base)}-${hex(w.limit)}`
}

/** The last guest write that set `bits` of a byte which a later read shows without them. */
function lostWrite(image: ConfigImageView, offset: number, bits: number): SourceRef | undefined {
  const history = image.byte(offset)?.history ?? []
  let written: SourceRef | undefined
  let lost: SourceRef | undefined
  let wroteValue = 0
  for (const fact of history) {
    if (fact.origin === 'write') {
      written = (fact.value & bits) !== 0 ? fact.src : undefined
      wroteValue = fact.value
    } else if (written && fact.origin !== 'inferred' && (fact.value & bits) !== (wroteValue & bits)) {
      lost = written
      written = undefined
    }
  }
  return lost
}

/** A bridge on a function's path that forwards no I/O to a port of it. */
export interface IoBlock {
  readonly bridge: string
  readonly port: number
  /** What the bridge's registers show, each with its source. */
  readonly reasons: readonly {readonly text: string; readonly src: SourceRef}[]
}

/**
 * The first bridge above `dev` (same domain, its bus within secondary..subordinate, nearest first)
 * that forwards no I/O to `port`: its I/O decoding off, its I/O window closed, or the port outside
 * the window. Undefined when every bridge on the path forwards it, or the path is not known.
 */
export function ioBlockOf(set: EvidenceSet, dev: DeviceEvidence, port: number): IoBlock | undefined {
  const above = set.devices
    .map((d) => ({d, view: d.address.domain === dev.address.domain ? bridgeView(d.config) : undefined}))
    .filter((x): x is {d: DeviceEvidence; view: BridgeView} => {
      const v = x.view
      return v?.secondary !== undefined && v.subordinate !== undefined && v.secondary <= dev.address.bus && dev.address.bus <= v.subordinate && v.secondary > 0
    })
    .sort((a, b) => b.view.secondary! - a.view.secondary!)
  for (const {d, view} of above) {
    const reasons: {text: string; src: SourceRef}[] = []
    if (view.ioDecode && !view.ioDecode.enabled) {
      const lost = lostWrite(d.config, PCI_COMMAND, PCI_COMMAND_IO)
      reasons.push({text: `its command register has I/O decoding off (PCI_COMMAND_IO clear as read${lost ? `; the write setting it, ${formatSource(lost)}, did not stick` : ''})`, src: view.ioDecode.src})
    }
    if (view.io?.closed) {
      const lost = lostWrite(d.config, PCI_IO_BASE, 0xff)
      reasons.push({text: `its ${describeWindow('I/O window', view.io)} as read${lost ? `; the write of the window, ${formatSource(lost)}, did not stick` : ''}`, src: view.io.sources[0]!})
    }
    else if (view.io && (port < view.io.base || port > view.io.limit)) reasons.push({text: `port ${hex(port)} lies outside its ${describeWindow('I/O window', view.io)}`, src: view.io.sources[0]!})
    if (reasons.length > 0) return {bridge: d.bdf, port, reasons}
  }
  return undefined
}
