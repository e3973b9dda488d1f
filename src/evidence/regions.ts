/**
 * Attributes memory_region_ops events on virtio-pci regions to a PCI function and a register block.
 * Region names do not identify the function (the legacy I/O BAR is `virtio-pci` for every device, and
 * two virtio-net devices share `virtio-pci-common-virtio-net`), so the address decides: it must fall
 * inside a BAR that QEMU currently maps (pci_update_mappings_add, not yet _del).
 *
 * QEMU prints BAR mappings in PCI bus addresses but region accesses at the CPU address. They are the same
 * on x86 (port I/O and identity-mapped memory), but a host bridge with an I/O window (aarch64 `virt`'s
 * generic ECAM bridge: CPU 0x3eff0000.. reaches PCI I/O 0x0..) puts I/O BARs at another CPU address:
 * an I/O access inside a known window is translated to its bus address before the BAR is looked up.
 */
import type {HostBridgeIoWindow} from '../ingest/kmsg-lines.js'
import type {MemOpRecord} from '../ingest/records.js'
import type {DeviceState} from './device-state.js'
import type {BarKind, RegionAccess, VirtioRegion} from './types.js'
import {placeRegion} from './virtio-layout.js'

const MODERN_PREFIXES: readonly [string, VirtioRegion][] = [
  ['virtio-pci-common-', 'common'],
  ['virtio-pci-isr-', 'isr'],
  ['virtio-pci-device-', 'device'],
  // before 'notify-': both start the same way
  ['virtio-pci-notify-pio-', 'notify-pio'],
  ['virtio-pci-notify-', 'notify'],
]

/** The register block a QEMU region name stands for, or undefined for regions we do not track. */
export function regionOfName(name: string): VirtioRegion | undefined {
  if (name === 'virtio-pci') return 'legacy'
  if (name === 'msix-table') return 'msix-table'
  if (name === 'msix-pba') return 'msix-pba'
  for (const [prefix, region] of MODERN_PREFIXES) if (name.startsWith(prefix)) return region
  return undefined
}

/** Regions that live in an I/O BAR; the others are in memory BARs. */
export function spaceOfRegion(region: VirtioRegion): BarKind {
  return region === 'legacy' || region === 'notify-pio' ? 'io' : 'mem'
}

interface ActiveMapping {
  readonly device: DeviceState
  readonly bar: number
  readonly addr: number
  readonly size: number
}

export interface Attribution {
  readonly device: DeviceState
  readonly access: RegionAccess
}

export type AttributionFailure = 'unmapped' | 'ambiguous'

interface Placed {
  readonly mapping: ActiveMapping
  readonly region: VirtioRegion
  /** Offset of the region inside the BAR. */
  readonly offset: number
  /** Valid while no mapping changed and the device's image learnt nothing new (caps may move it). */
  readonly generation: number
  readonly knownBytes: number
}

export class RegionAttributor {
  /** Key: `bdf/bar`. Few entries (a handful of BARs per device), so a linear scan is cheap. */
  private readonly mappings = new Map<string, ActiveMapping>()
  private readonly ioWindows: HostBridgeIoWindow[] = []
  private generation = 0

  /** A host bridge's I/O window (from the kernel's host-bridge ranges): later I/O accesses go through it. */
  ioWindow(window: HostBridgeIoWindow): void {
    if (this.ioWindows.some((w) => w.cpuStart === window.cpuStart && w.cpuEnd === window.cpuEnd && w.busStart === window.busStart)) return
    this.ioWindows.push(window)
    this.generation++
  }

  /** Whether an I/O access at this CPU address goes through a known window. */
  inIoWindow(addr: number): boolean {
    return this.windowOf(addr) !== undefined
  }
  /** Busy regions (notify, ISR) see many accesses: remember each region instance's placement. */
  private readonly placedByRegion = new Map<string, Map<string, Placed>>()

  mapped(device: DeviceState, bar: number, op: 'add' | 'del', addr: number, size: number): void {
    if (bar > 5) return // the expansion ROM holds no virtio registers
    const key = `${device.bdf}/${bar}`
    this.generation++
    if (op === 'add') this.mappings.set(key, {device, bar, addr, size})
    else if (this.mappings.get(key)?.addr === addr) this.mappings.delete(key)
  }

  attribute(record: MemOpRecord, region: VirtioRegion): Attribution | AttributionFailure {
    // By region instance (pointer) then name, without building a key string per access.
    let byName = this.placedByRegion.get(record.mr)
    let placed = byName?.get(record.name)
    if (!placed || !this.stillValid(placed, record.addr)) {
      const found = this.place(record.addr, region)
      if (typeof found === 'string') return found
      placed = found
      if (record.mr !== '') {
        if (byName === undefined) this.placedByRegion.set(record.mr, (byName = new Map()))
        byName.set(record.name, placed)
      }
    }
    const {mapping} = placed
    const access: RegionAccess = {
      region,
      op: record.op,
      offset: this.busAddress(record.addr, spaceOfRegion(region)) - mapping.addr - placed.offset,
      size: record.size,
      value: record.value,
      src: record.src,
      addr: record.addr,
      bar: mapping.bar,
    }
    return {device: mapping.device, access}
  }

  private stillValid(placed: Placed, cpuAddr: number): boolean {
    const {mapping} = placed
    const addr = this.busAddress(cpuAddr, spaceOfRegion(placed.region))
    return (
      placed.generation === this.generation &&
      placed.knownBytes === mapping.device.image.knownCount &&
      addr >= mapping.addr &&
      addr < mapping.addr + mapping.size
    )
  }

  private windowOf(addr: number): HostBridgeIoWindow | undefined {
    for (const w of this.ioWindows) if (addr >= w.cpuStart && addr <= w.cpuEnd) return w
    return undefined
  }

  /** The PCI bus address of an access: I/O through a host bridge's window is translated, the rest is as printed. */
  private busAddress(cpuAddr: number, space: BarKind): number {
    if (space !== 'io' || this.ioWindows.length === 0) return cpuAddr
    const w = this.windowOf(cpuAddr)
    return w ? cpuAddr - w.cpuStart + w.busStart : cpuAddr
  }

  private place(cpuAddr: number, region: VirtioRegion): Placed | AttributionFailure {
    const space = spaceOfRegion(region)
    const addr = this.busAddress(cpuAddr, space)
    const candidates: ActiveMapping[] = []
    for (const m of this.mappings.values()) {
      if (addr < m.addr || addr >= m.addr + m.size) continue
      const kind = m.device.bars.kindOf(m.bar)
      if (kind !== undefined && kind !== space) continue
      candidates.push(m)
    }
    const [hit, ...others] = candidates
    if (!hit) return 'unmapped'
    if (others.length > 0) return 'ambiguous'
    const {offset} = placeRegion(hit.device.image, region, hit.bar)
    return {mapping: hit, region, offset, generation: this.generation, knownBytes: hit.device.image.knownCount}
  }
}
