/** Hand-built record streams for evidence tests: each helper makes one record, numbered by line. */
import type {
  CfgAccessRecord,
  KernelMessageRecord,
  MappingRecord,
  MemOpRecord,
  SetStatusRecord,
} from '../../src/ingest/records.js'
import type {SourceRef} from '../../src/util/source.js'

let line = 0
export const FILE = 'hand-built.log'

export function resetLines(): void {
  line = 0
}

export function nextSrc(): SourceRef {
  return {file: FILE, line: ++line}
}

interface Bdf {
  bus?: number
  slot: number
  func?: number
}

export function cfgRead(dev: string, at: Bdf, offset: number, value: number, size?: 1 | 2 | 4): CfgAccessRecord {
  return {kind: 'cfg', op: 'read', src: nextSrc(), dev, bus: at.bus ?? 0, slot: at.slot, func: at.func ?? 0, offset, value, ...(size ? {size} : {})}
}

export function cfgWrite(dev: string, at: Bdf, offset: number, value: number, size?: 1 | 2 | 4): CfgAccessRecord {
  return {kind: 'cfg', op: 'write', src: nextSrc(), dev, bus: at.bus ?? 0, slot: at.slot, func: at.func ?? 0, offset, value, ...(size ? {size} : {})}
}

export function mem(op: 'read' | 'write', name: string, addr: number, value: number, size: number, mr = '0x5555'): MemOpRecord {
  return {kind: 'mem', op, src: nextSrc(), cpu: 0, mr, addr, value, size, name}
}

/** The CF8 index a guest writes before a config access. */
export function cf8(at: Bdf, offset: number): MemOpRecord {
  const value = (0x80000000 | ((at.bus ?? 0) << 16) | (at.slot << 11) | ((at.func ?? 0) << 8) | (offset & 0xfc)) >>> 0
  return mem('write', 'pci-conf-idx', 0xcf8, value, 4, '0xidx')
}

export function confData(op: 'read' | 'write', offset: number, value: number, size: number): MemOpRecord {
  return mem(op, 'pci-conf-data', 0xcfc + (offset & 3), value, size, '0xdata')
}

/** A config read as QEMU traces it with memory events on: idx write, pci_cfg_read, data read. */
export function tracedRead(dev: string, at: Bdf, offset: number, value: number, size: 1 | 2 | 4) {
  return [cf8(at, offset), cfgRead(dev, at, offset, value), confData('read', offset, value, size)]
}

/** A config write as QEMU traces it: idx write, data write, pci_cfg_write. */
export function tracedWrite(dev: string, at: Bdf, offset: number, value: number, size: 1 | 2 | 4) {
  return [cf8(at, offset), confData('write', offset, value, size), cfgWrite(dev, at, offset, value)]
}

export function mapping(op: 'add' | 'del', dev: string, at: Bdf, bar: number, addr: number, size: number): MappingRecord {
  return {kind: 'mapping', op, src: nextSrc(), dev, bus: at.bus ?? 0, slot: at.slot, func: at.func ?? 0, bar, addr, size}
}

export function setStatus(vdev: string, val: number): SetStatusRecord {
  return {kind: 'status', src: nextSrc(), vdev, val}
}

export function kmsg(text: string, bdf?: string): KernelMessageRecord {
  return {kind: 'kmsg', src: nextSrc(), text, ...(bdf ? {bdf} : {})}
}
