/**
 * The model's only window on the device, and its notebook. Every config read and every
 * pci_resource_* fact goes through here with the width the kernel uses, so that each decision step
 * lists what it rested on (value and evidence lines), unknown evidence stops the run with a typed
 * error, and inferred bytes are noticed.
 */
import type {CapabilityFinding, CheckId, DecisionStep, KernelLogLevel, MappingResult, PredictedMessage, ReadFact} from './types.js'
import {formatSource, formatSources} from '../util/source.js'
import type {ProbeInput, ResourceFacts} from './input.js'
import {UnknownEvidence} from './unknown.js'

export const hex = (n: number): string => `0x${n.toString(16)}`

/** The driver name the driver core prints in front of the device name while virtio-pci probes. */
export const DRIVER_NAME = 'virtio-pci'

export type ResourceKind = 'io' | 'mem' | 'none'

type Mutable<T> = {-readonly [K in keyof T]: T[K]}

export class ProbeRecorder {
  readonly path: DecisionStep[] = []
  readonly messages: PredictedMessage[] = []
  readonly capabilities: CapabilityFinding[] = []
  readonly mappings: MappingResult[] = []
  usesInferred = false
  private pending: ReadFact[] = []

  constructor(readonly input: ProbeInput) {}

  get bdf(): string {
    return this.input.bdf
  }

  /** pci_read_config_{byte,word,dword}: little-endian, exactly `width` bytes at `offset`. */
  config(what: string, offset: number, width: 1 | 2 | 4): number {
    const r = this.input.config.read(offset, width)
    if (!r.known) {
      this.pending.push({what, offset: hex(offset), width, value: 'unknown', sources: []})
      throw new UnknownEvidence(what, r.missing, [])
    }
    if (r.inferred) this.usesInferred = true
    const fact: Mutable<ReadFact> = {what, offset: hex(offset), width, value: hex(r.value), sources: formatSources(r.sources)}
    if (r.inferred) fact.inferred = true
    this.pending.push(fact)
    return r.value
  }

  /** pci_resource_len(dev, bar). */
  resourceLen(bar: number): number {
    const res = this.resource(bar)
    return this.fact(`pci_resource_len(${bar})`, bar, res, res?.len)
  }

  /** pci_resource_flags(dev, bar), reduced to what the probe tests: IORESOURCE_IO / IORESOURCE_MEM. */
  resourceKind(bar: number): ResourceKind {
    const res = this.resource(bar)
    const what = `pci_resource_flags(${bar})`
    if (res?.type === undefined) return this.unknownResource(what, bar)
    this.pending.push({what, value: res.type, sources: res.sources.map(formatSource)})
    return res.type
  }

  /** pci_resource_start(dev, bar). */
  resourceStart(bar: number): number {
    const res = this.resource(bar)
    return this.fact(`pci_resource_start(${bar})`, bar, res, res?.start)
  }

  /** Closes a decision step: the reads made since the previous step are attached to it. */
  step(fn: string, rule: string, result: DecisionStep['result'], detail?: string, kernelSource?: string, check?: CheckId): void {
    const step: Mutable<DecisionStep> = {fn, rule, result, reads: this.pending}
    if (detail !== undefined) step.detail = detail
    if (kernelSource !== undefined) step.kernelSource = kernelSource
    if (check !== undefined) step.check = check
    this.pending = []
    this.path.push(step)
  }

  /** Reads made by a step that did not complete (the run stopped inside it). */
  takePendingReads(): ReadFact[] {
    const reads = this.pending
    this.pending = []
    return reads
  }

  /** dev_err/dev_warn/dev_info on the PCI device while virtio-pci probes it. */
  devMessage(level: KernelLogLevel, text: string): void {
    this.messages.push({level, text: `${DRIVER_NAME} ${this.bdf}: ${text}`})
  }

  /** A message printed without a device prefix (printk, pr_warn). */
  plainMessage(level: KernelLogLevel, text: string): void {
    this.messages.push({level, text})
  }

  private resource(bar: number): ResourceFacts | undefined {
    return bar >= 0 && bar < this.input.resources.length ? this.input.resources[bar] : undefined
  }

  private fact(what: string, bar: number, res: ResourceFacts | undefined, value: number | undefined): number {
    if (value === undefined || res === undefined) return this.unknownResource(what, bar)
    this.pending.push({what, value: hex(value), sources: res.sources.map(formatSource)})
    return value
  }

  private unknownResource(what: string, bar: number): never {
    this.pending.push({what, value: 'unknown', sources: []})
    throw new UnknownEvidence(what, [], [bar])
  }
}
