/** The QEMU trace events a capture enables, as named sets. */

export const EVENT_SETS = {
  /** Everything probediff reads, including the memory events that give config access widths. */
  full: [
    'pci_cfg_read',
    'pci_cfg_write',
    'pci_update_mappings_add',
    'pci_update_mappings_del',
    'virtio_set_status',
    'virtio_queue_notify',
    'virtio_pci_notify_write',
    'virtio_pci_notify_write_pio',
    'memory_region_ops_read',
    'memory_region_ops_write',
  ],
  /** Config space and status only: small, widths must be inferred. */
  cfg: ['pci_cfg_read', 'pci_cfg_write', 'pci_update_mappings_add', 'pci_update_mappings_del', 'virtio_set_status'],
} as const satisfies Record<string, readonly string[]>

export type EventSetName = keyof typeof EVENT_SETS
export const EVENT_SET_NAMES = Object.keys(EVENT_SETS) as EventSetName[]

/** `-trace enable=NAME` for each event. */
export function traceArgs(events: readonly string[]): string[] {
  return events.flatMap((e) => ['-trace', `enable=${e}`])
}
