/**
 * What the model of the Linux probe may look at: config space reads and pci_resource_* facts.
 * The model never touches evidence directly; it reads through this interface so that every value it
 * uses is recorded with its provenance, and any byte the evidence lacks makes the outcome undetermined.
 */
import type {SourceRef} from '../util/source.js'

export type ConfigRead =
  | {readonly known: true; readonly value: number; readonly sources: readonly SourceRef[]; readonly inferred: boolean}
  | {readonly known: false; readonly missing: readonly number[]}

export interface ConfigSpaceReader {
  /** Little-endian read of `width` bytes at `offset` (pci_read_config_{byte,word,dword}). */
  read(offset: number, width: 1 | 2 | 4): ConfigRead
}

/** What pci_resource_{start,len,flags}(dev, bar) return, or undefined where the evidence cannot say. */
export interface ResourceFacts {
  readonly index: number
  readonly len?: number
  /** IORESOURCE_IO / IORESOURCE_MEM as the kernel would have set them; 'none' for an empty resource. */
  readonly type?: 'io' | 'mem' | 'none'
  readonly start?: number
  readonly sources: readonly SourceRef[]
}

export interface ProbeInput {
  readonly bdf: string
  readonly config: ConfigSpaceReader
  /** Six entries, BAR 0..5. */
  readonly resources: readonly ResourceFacts[]
  /** virtio_pci.force_legacy module parameter. */
  readonly forceLegacy: boolean
}
