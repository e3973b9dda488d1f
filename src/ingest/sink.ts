import type {ConfigDumpRecord, DeviceFactRecord, KernelMessageRecord, ResourceRecord, TraceRecord} from './records.js'

/** Receives records synchronously, in input order. */
export interface RecordSink {
  trace(r: TraceRecord): void
  kmsg(r: KernelMessageRecord): void
  dump(r: ConfigDumpRecord): void
  resource(r: ResourceRecord): void
  /** lspci's decoded BARs, config bytes and kernel driver. */
  deviceFact(r: DeviceFactRecord): void
}
