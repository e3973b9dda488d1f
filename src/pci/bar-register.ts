/**
 * A BAR register's bits (include/uapi/linux/pci_regs.h PCI_BASE_ADDRESS_*) and a sysfs `resource`
 * line's flags (include/linux/ioport.h IORESOURCE_*): the one decoder of both, for the BAR evidence
 * and for lspci's BAR lines checked against the registers.
 */
import {
  PCI_BASE_ADDRESS_IO_MASK,
  PCI_BASE_ADDRESS_MEM_MASK,
  PCI_BASE_ADDRESS_MEM_PREFETCH,
  PCI_BASE_ADDRESS_MEM_TYPE_64,
  PCI_BASE_ADDRESS_MEM_TYPE_MASK,
  PCI_BASE_ADDRESS_SPACE_IO,
} from './layout.js'

// IORESOURCE_* bits (include/linux/ioport.h): not uapi, so not in layout.ts.
export const IORESOURCE_IO = 0x00000100
export const IORESOURCE_MEM = 0x00000200
export const IORESOURCE_PREFETCH = 0x00002000
export const IORESOURCE_MEM_64 = 0x00100000

export interface BarTypeBits {
  readonly kind: 'io' | 'mem'
  readonly is64: boolean
  readonly prefetchable: boolean
}

/** The type bits of a BAR register value (the low byte). */
export function barTypeBits(register: number): BarTypeBits {
  if (register & PCI_BASE_ADDRESS_SPACE_IO) return {kind: 'io', is64: false, prefetchable: false}
  return {
    kind: 'mem',
    is64: (register & PCI_BASE_ADDRESS_MEM_TYPE_MASK) === PCI_BASE_ADDRESS_MEM_TYPE_64,
    prefetchable: (register & PCI_BASE_ADDRESS_MEM_PREFETCH) !== 0,
  }
}

/** The address bits of a BAR register value (the low 32 bits of the address). */
export function barAddressBits(register: number, kind: 'io' | 'mem'): number {
  return (register & (kind === 'io' ? PCI_BASE_ADDRESS_IO_MASK : PCI_BASE_ADDRESS_MEM_MASK)) >>> 0
}

/** The type a sysfs `resource` line's flags give: undefined for neither I/O nor memory. */
export function resourceTypeBits(flags: number): BarTypeBits | undefined {
  const kind = flags & IORESOURCE_IO ? 'io' : flags & IORESOURCE_MEM ? 'mem' : undefined
  if (!kind) return undefined
  return {kind, is64: (flags & IORESOURCE_MEM_64) !== 0, prefetchable: (flags & IORESOURCE_PREFETCH) !== 0}
}
