import {describe, expect, it} from 'vitest'
import {keepTraceLine} from '../../src/capture/trace-filter.js'

// Lines as QEMU 7.2's log backend printed them in a real capture (-msg timestamp=on).
const mem = (name: string, addr = '0xcfc') =>
  `7976@1795565505.873774:memory_region_ops_read cpu 0 mr 0x558bf75322c0 addr ${addr} value 0x1af4 size 2 name '${name}'`

describe('trace filter', () => {
  it('keeps config-mechanism, MMCONFIG, virtio-pci and MSI-X memory events', () => {
    for (const name of ['pci-conf-idx', 'pci-conf-data', 'pcie-mmcfg-mmio', 'virtio-pci', 'virtio-pci-common-virtio-net', 'virtio-pci-notify-pio-virtio-blk', 'msix-table', 'msix-pba']) {
      expect(keepTraceLine(mem(name)), name).toBe(true)
    }
  })

  it('drops memory events of every other region', () => {
    for (const name of ['serial', 'pit', 'kvm-apic-msi', 'pci-conf-data-x', 'i8042-data', 'virtio']) {
      expect(keepTraceLine(mem(name)), name).toBe(false)
    }
    expect(keepTraceLine('7976@1795565505.1:memory_region_ops_write cpu 0 mr 0x1 addr 0x3f8 value 0x41 size 1 name \'serial\'')).toBe(false)
  })

  it('keeps every non-memory line, including QEMU messages and untimestamped events', () => {
    expect(keepTraceLine('7976@1795565505.873772:pci_cfg_read virtio-net-pci 00:02.0 @0x0 -> 0x1af4')).toBe(true)
    expect(keepTraceLine('7976@1795565505.948503:virtio_set_status vdev 0x558bf80cfb20 val 15')).toBe(true)
    expect(keepTraceLine('2026-11-25T00:11:45.801735Z qemu-system-x86_64: warning: nic virtio-net-pci.0 has no peer')).toBe(true)
    expect(keepTraceLine('')).toBe(true)
  })

  it('handles the untimestamped form and a memory line without a region name', () => {
    expect(keepTraceLine("memory_region_ops_write cpu 0 mr 0x1 addr 0xcf8 value 0x80001000 size 4 name 'pci-conf-idx'")).toBe(true)
    expect(keepTraceLine('memory_region_ops_write cpu 0 mr 0x1 addr 0xcf8 value 0x80001000 size 4')).toBe(false)
  })
})
