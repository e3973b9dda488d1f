/** The QEMU trace events a capture enables, as named sets of the events ingest reads. */
import {KNOWN_EVENT_NAMES, type KnownEventName} from '../ingest/qemu-log-events.js'

/** Config space, BAR mappings and status: what `cfg` keeps (no memory or notify events). */
const isConfigOrStatusEvent = (e: KnownEventName): boolean => e.startsWith('pci_') || e === 'virtio_set_status'

export const EVENT_SETS = {
  /** Everything probediff reads, including the memory events that give config access widths. */
  full: KNOWN_EVENT_NAMES,
  /** Config space and status only: small, widths must be inferred. */
  cfg: KNOWN_EVENT_NAMES.filter(isConfigOrStatusEvent),
} as const satisfies Record<string, readonly KnownEventName[]>

export type EventSetName = keyof typeof EVENT_SETS
export const EVENT_SET_NAMES = Object.keys(EVENT_SETS) as EventSetName[]

/** `-trace enable=NAME` for each event. */
export function traceArgs(events: readonly string[]): string[] {
  return events.flatMap((e) => ['-trace', `enable=${e}`])
}
