/**
 * The PCI and virtio-pci register layout, with the kernel's names (include/uapi/linux/pci_regs.h,
 * include/uapi/linux/virtio_pci.h, include/linux/pci_ids.h): the one place every layer takes an
 * offset, a field or an id from. test/pci/layout.test.ts checks them against the uapi headers.
 */

// Type 0 configuration header
export const PCI_VENDOR_ID = 0x00
export const PCI_DEVICE_ID = 0x02
export const PCI_STATUS = 0x06
export const PCI_STATUS_CAP_LIST = 0x10
export const PCI_REVISION_ID = 0x08
export const PCI_CLASS_PROG = 0x09
export const PCI_CLASS_DEVICE = 0x0a
export const PCI_BASE_ADDRESS_0 = 0x10
export const PCI_HEADER_TYPE = 0x0e
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c
export const PCI_SUBSYSTEM_ID = 0x2e
export const PCI_CAPABILITY_LIST = 0x34
/** The standard header's size: capabilities live at or above it. */
export const PCI_STD_HEADER_SIZEOF = 0x40
export const PCI_STD_NUM_BARS = 6

export const PCI_HEADER_TYPE_NORMAL = 0
export const PCI_HEADER_TYPE_BRIDGE = 1
export const PCI_HEADER_TYPE_CARDBUS = 2
export const PCI_CLASS_BRIDGE_PCI = 0x0604
export const PCI_CLASS_BRIDGE_CARDBUS = 0x0607
/** CardBus header: the capability pointer and the subsystem device id. */
export const PCI_CB_CAPABILITY_LIST = 0x14
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
/** MSI-X capability: table and PBA offset/BIR dwords, the BIR in the low 3 bits. */
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
export const VIRTIO_PCI_COMMON_Q_ENABLE = 28
export const VIRTIO_PCI_COMMON_Q_NOFF = 30
/** Legacy I/O BAR: the device status register (VIRTIO_PCI_STATUS). */
export const VIRTIO_PCI_STATUS = 18
/** Revision a legacy (virtio 0.9.5) device must have (VIRTIO_PCI_ABI_VERSION). */
export const VIRTIO_PCI_ABI_VERSION = 0
