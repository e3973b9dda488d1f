/**
 * memory_region_ops_* fires for every MMIO/PIO access of the whole machine (serial port, timers, ...).
 * Only the regions probediff reads are kept: config mechanism #1 ports, PCIe MMCONFIG, the virtio-pci
 * BAR regions (including the legacy "virtio-pci" I/O BAR) and MSI-X. Every other line is kept as is.
 */
const KEPT_REGION = /^(pci-conf-idx|pci-conf-data|pcie-mmcfg.*|virtio-pci.*|msix-.*)$/
export const KEPT_REGION_DESCRIPTION = 'pci-conf-idx, pci-conf-data, pcie-mmcfg*, virtio-pci*, msix-*'

const MEMORY_EVENT = /(?:^|[\s:])memory_region_ops_(?:read|write) /
const REGION_NAME = / name '([^']*)'\s*$/

export function keepTraceLine(line: string): boolean {
  if (!MEMORY_EVENT.test(line)) return true
  const name = REGION_NAME.exec(line)?.[1]
  return name !== undefined && KEPT_REGION.test(name)
}

export interface FilterCounts {
  kept: number
  dropped: number
  keptBytes: number
}
