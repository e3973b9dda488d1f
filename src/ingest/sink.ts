import type {ConfigDumpRecord, DeviceFactRecord, KernelMessageRecord, ResourceRecord, TraceRecord} from './records.js'

/** Receives records synchronously, in input order. */
export interface RecordSink {
  trace(r: TraceRecord): void
  kmsg(r: KernelMessageRecord): void
  dump(r: ConfigDumpRecord): void
  resource(r: ResourceRecord): void
  /** lspci's decoded BARs, config bytes and kernel driver. */
  deviceFact(r: DeviceFactRecord): void
  /**
   * Optional fast path for the bulk of a QEMU trace: a config-mechanism memory access (memory_region_ops
   * on pci-conf-idx, pci-conf-data or the MMCONFIG window) as plain numbers, in place of a `mem` record
   * (which a sink without this method gets). It counts as a record; its source is only its line number (same input).
   */
  configPathAccess?(op: 'read' | 'write', region: ConfigPathRegion, addr: number, value: number, size: number, line: number): void
}

/** `index`: pci-conf-idx (0xcf8); `data`: pci-conf-data (0xcfc..0xcff); `mmcfg`: pcie-mmcfg* (MMCONFIG). */
export type ConfigPathRegion = 'index' | 'data' | 'mmcfg'
