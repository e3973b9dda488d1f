/**
 * Attributes memory_region_ops events on virtio-pci regions to a PCI function and a register block.
 * Region names do not identify the function (the legacy I/O BAR is `virtio-pci` for every device, and
 * two virtio-net devices share `virtio-pci-common-virtio-net`), so the address decides: it must fall
 * inside a BAR that QEMU currently maps (pci_update_mappings_add, not yet _del).
 */
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
function spaceOf(region: VirtioRegion): BarKind {
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

export class RegionAttributor {
  /** Key: `bdf/bar`. Few entries (a handful of BARs per device), so a linear scan is cheap. */
  private readonly mappings = new Map<string, ActiveMapping>()

  mapped(device: DeviceState, bar: number, op: 'add' | 'del', addr: number, size: number): void {
    if (bar > 5) return // the expansion ROM holds no virtio registers
    const key = `${device.bdf}/${bar}`
    if (op === 'add') this.mappings.set(key, {device, bar, addr, size})
    else if (this.mappings.get(key)?.addr === addr) this.mappings.delete(key)
  }

  attribute(record: MemOpRecord, region: VirtioRegion): Attribution | AttributionFailure {
    const space = spaceOf(region)
    const candidates: ActiveMapping[] = []
    for (const m of this.mappings.values()) {
      if (record.addr < m.addr || record.addr >= m.addr + m.size) continue
      const kind = m.device.bars.kindOf(m.bar)
      if (kind !== undefined && kind !== space) continue
      candidates.push(m)
    }
    const [hit, ...others] = candidates
    if (!hit) return 'unmapped'
    if (others.length > 0) return 'ambiguous'
    const placement = placeRegion(hit.device.image, region, hit.bar)
    const access: RegionAccess = {
      region,
      op: record.op,
      offset: record.addr - hit.addr - placement.offset,
      size: record.size,
      value: record.value,
      src: record.src,
      addr: record.addr,
      bar: hit.bar,
    }
    return {device: hit.device, access}
  }
}
