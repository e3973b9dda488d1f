/**
 * The PCI and virtio-pci register layout, with the kernel's names (include/uapi/linux/pci_regs.h,
 * include/uapi/linux/virtio_pci.h, include/linux/pci_ids.h): the one place every layer takes an
 * offset, a field or an id from. test/pci/layout.test.ts checks them against the uapi headers.
 */

// Type 0 configuration header
export const PCI_VENDOR_ID = 0x00
export const PCI_DEVICE_ID = 0x02
export const PCI_COMMAND = 0x04
export const PCI_COMMAND_IO = 0x1
export const PCI_COMMAND_MASTER = 0x4
export const PCI_STATUS = 0x06
export const PCI_STATUS_CAP_LIST = 0x10
export const PCI_REVISION_ID = 0x08
export const PCI_CLASS_PROG = 0x09
export const PCI_CLASS_DEVICE = 0x0a
export const PCI_BASE_ADDRESS_0 = 0x10
/** BAR register bits: bit 0 set for I/O; for memory, bits 2..1 the type (64-bit: 2) and bit 3
 * prefetchable; the address above bit 1 (I/O) or bit 3 (memory). */
export const PCI_BASE_ADDRESS_SPACE_IO = 0x01
export const PCI_BASE_ADDRESS_MEM_TYPE_MASK = 0x06
export const PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x04
export const PCI_BASE_ADDRESS_MEM_PREFETCH = 0x08
/** (~0x03UL) and (~0x0fUL), as the 32 bits of one register. */
export const PCI_BASE_ADDRESS_IO_MASK = 0xfffffffc
export const PCI_BASE_ADDRESS_MEM_MASK = 0xfffffff0
export const PCI_HEADER_TYPE = 0x0e
export const PCI_HEADER_TYPE_MASK = 0x7f
/** Type 0: the CardBus CIS pointer, read-only (a bridge has its prefetchable upper base here). */
export const PCI_CARDBUS_CIS = 0x28
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c
export const PCI_SUBSYSTEM_ID = 0x2e
/** Type 0 expansion ROM register; bits 31..11 the address, bit 0 the enable. */
export const PCI_ROM_ADDRESS = 0x30
export const PCI_ROM_ADDRESS_ENABLE = 0x01
/** PCI_ROM_ADDRESS_MASK, (~0x7ffU): the address bits a ROM sizing write sets. */
export const PCI_ROM_ADDRESS_MASK = 0xfffff800
export const PCI_CAPABILITY_LIST = 0x34
export const PCI_INTERRUPT_LINE = 0x3c
/** 0 none, 1..4 INTA..INTD; at 0x3d in all three header types. */
export const PCI_INTERRUPT_PIN = 0x3d
/** The standard header's size: capabilities live at or above it. */
export const PCI_STD_HEADER_SIZEOF = 0x40
export const PCI_STD_NUM_BARS = 6

export const PCI_HEADER_TYPE_NORMAL = 0
export const PCI_HEADER_TYPE_BRIDGE = 1
export const PCI_HEADER_TYPE_CARDBUS = 2
export const PCI_CLASS_BRIDGE_PCI = 0x0604
export const PCI_CLASS_BRIDGE_CARDBUS = 0x0607
// Type 1 header (PCI-to-PCI bridge): BARs 0 and 1 only, then bus numbers and windows.
export const PCI_PRIMARY_BUS = 0x18
export const PCI_SECONDARY_BUS = 0x19
export const PCI_SUBORDINATE_BUS = 0x1a
export const PCI_IO_BASE = 0x1c
export const PCI_IO_LIMIT = 0x1d
export const PCI_MEMORY_BASE = 0x20
export const PCI_MEMORY_LIMIT = 0x22
export const PCI_PREF_MEMORY_BASE = 0x24
export const PCI_PREF_MEMORY_LIMIT = 0x26
export const PCI_PREF_BASE_UPPER32 = 0x28
export const PCI_PREF_LIMIT_UPPER32 = 0x2c
export const PCI_IO_BASE_UPPER16 = 0x30
export const PCI_IO_LIMIT_UPPER16 = 0x32
/** The bridge's expansion ROM register (same layout as PCI_ROM_ADDRESS). */
export const PCI_ROM_ADDRESS1 = 0x38
// Type 2 header (CardBus bridge): BAR 0 only (the socket registers), no expansion ROM.
export const PCI_CB_CAPABILITY_LIST = 0x14
export const PCI_CB_SUBSYSTEM_VENDOR_ID = 0x40
export const PCI_CB_SUBSYSTEM_ID = 0x42

// Capability list
export const PCI_CAP_LIST_ID = 0
export const PCI_CAP_LIST_NEXT = 1
/** The PCI core's bound on a capability walk (drivers/pci/pci.c). */
export const PCI_FIND_CAP_TTL = 48
export const PCI_CAP_ID_MSIX = 0x11
export const PCI_CAP_ID_VNDR = 0x09
export const PCI_CAP_ID_SSVID = 0x0d
/** The SSVID capability's subsystem device id (PCI_SSVID_DEVICE_ID). */
export const PCI_SSVID_DEVICE_ID = 6
/** MSI-X capability: Message Control (enable bit 15, table size - 1 in bits 10..0), table and PBA
 * offset/BIR dwords, the BIR in the low 3 bits. */
export const PCI_MSIX_FLAGS = 2
export const PCI_MSIX_FLAGS_QSIZE = 0x07ff
export const PCI_MSIX_FLAGS_ENABLE = 0x8000
export const PCI_MSIX_TABLE = 4
export const PCI_MSIX_PBA = 8
export const PCI_MSIX_TABLE_BIR = 0x7

// virtio-pci
export const PCI_VENDOR_ID_REDHAT_QUMRANET = 0x1af4
/** struct virtio_pci_cap field offsets. */
export const VIRTIO_PCI_CAP_LEN = 2
export const VIRTIO_PCI_CAP_CFG_TYPE = 3
export const VIRTIO_PCI_CAP_BAR = 4
/** virtio_pci_cap.id: which of several shared memory regions (virtio 1.2). */
export const VIRTIO_PCI_CAP_ID = 5
export const VIRTIO_PCI_CAP_OFFSET = 8
export const VIRTIO_PCI_CAP_LENGTH = 12
/** struct virtio_pci_cap64 (shared memory): the high dwords after the 16-byte virtio_pci_cap. */
export const VIRTIO_PCI_CAP64_OFFSET_HI = 16
export const VIRTIO_PCI_CAP64_LENGTH_HI = 20
/** struct virtio_pci_notify_cap: notify_off_multiplier follows the 16-byte virtio_pci_cap. */
export const VIRTIO_PCI_NOTIFY_CAP_MULT = 16
/** virtio_pci_cap.cfg_type values. */
export const VIRTIO_PCI_CAP_COMMON_CFG = 1
export const VIRTIO_PCI_CAP_NOTIFY_CFG = 2
export const VIRTIO_PCI_CAP_ISR_CFG = 3
export const VIRTIO_PCI_CAP_DEVICE_CFG = 4
export const VIRTIO_PCI_CAP_PCI_CFG = 5
export const VIRTIO_PCI_CAP_SHARED_MEMORY_CFG = 8
export const VIRTIO_PCI_CAP_VENDOR_CFG = 9
/** struct virtio_pci_common_cfg register offsets (VIRTIO_PCI_COMMON_*). */
export const VIRTIO_PCI_COMMON_NUMQ = 18
export const VIRTIO_PCI_COMMON_STATUS = 20
export const VIRTIO_PCI_COMMON_Q_SELECT = 22
export const VIRTIO_PCI_COMMON_Q_SIZE = 24
export const VIRTIO_PCI_COMMON_Q_MSIX = 26
export const VIRTIO_PCI_COMMON_Q_ENABLE = 28
export const VIRTIO_PCI_COMMON_Q_NOFF = 30
/** "No vector": what a device reads back for a vector it did not accept (VIRTIO_MSI_NO_VECTOR). */
export const VIRTIO_MSI_NO_VECTOR = 0xffff
/** Legacy I/O BAR: the device status register (VIRTIO_PCI_STATUS). */
export const VIRTIO_PCI_STATUS = 18
/** Device status bits (include/uapi/linux/virtio_config.h, VIRTIO_CONFIG_S_*). */
export const VIRTIO_CONFIG_S_ACKNOWLEDGE = 1
export const VIRTIO_CONFIG_S_DRIVER = 2
export const VIRTIO_CONFIG_S_DRIVER_OK = 4
export const VIRTIO_CONFIG_S_FEATURES_OK = 8
export const VIRTIO_CONFIG_S_NEEDS_RESET = 0x40
export const VIRTIO_CONFIG_S_FAILED = 0x80
/** Revision a legacy (virtio 0.9.5) device must have (VIRTIO_PCI_ABI_VERSION). */
export const VIRTIO_PCI_ABI_VERSION = 0
