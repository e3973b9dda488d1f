/**
 * The model's only window on the device, and its notebook. Every config read and every
 * pci_resource_* fact goes through here with the width the kernel uses, so that each decision step
 * lists what it rested on (value and evidence lines), unknown evidence stops the run with a typed
 * error, and inferred bytes are noticed.
 */
import type {CapabilityFinding, CheckFacts, CheckId, CheckStep, DecisionStep, KernelLogLevel, MappingResult, PredictedMessage, ReadFact} from './types.js'
import {hex} from '../util/hex.js'
import {formatSource, formatSources} from '../util/source.js'
import type {ProbeInput, ResourceFacts} from './input.js'
import {UnknownEvidence} from './unknown.js'

/** The driver name the driver core prints in front of the device name while virtio-pci probes. */
export const DRIVER_NAME = 'virtio-pci'

export type ResourceKind = 'io' | 'mem' | 'none'

type Mutable<T> = {-readonly [K in keyof T]: T[K]}

/** A check that ended a probe attempt: its step, what it tested, and the message it printed. */
export interface FailedCheck<K extends CheckId> {
  readonly fn: string
  readonly rule: string
  readonly detail?: string
  readonly kernelSource?: string
  readonly check: K
  readonly facts: CheckFacts[K]
  /** The reads it rests on; by default the step's own. */
  readonly basis?: readonly ReadFact[]
  /** dev_err/dev_info (`device`: with the driver-core prefix) or a bare printk. */
  readonly message?: {readonly level: KernelLogLevel; readonly text: string; readonly device: boolean}
}

export class ProbeRecorder {
  readonly path: DecisionStep[] = []
  readonly messages: PredictedMessage[] = []
  readonly capabilities: CapabilityFinding[] = []
  readonly mappings: MappingResult[] = []
  usesInferred = false
  private pending: ReadFact[] = []
  /** Every read so far, in order (the path's reads plus the pending ones). */
  private readonly all: ReadFact[] = []
  private readonly values = new Map<number, number>()

  constructor(readonly input: ProbeInput) {}

  get bdf(): string {
    return this.input.bdf
  }

  /** pci_read_config_{byte,word,dword}: little-endian, exactly `width` bytes at `offset`. */
  config(what: string, offset: number, width: 1 | 2 | 4): number {
    const r = this.input.config.read(offset, width)
    if (!r.known) {
      this.note({what, offset: hex(offset), width, value: 'unknown', sources: []})
      throw new UnknownEvidence(what, r.missing, [])
    }
    if (r.inferred) this.usesInferred = true
    const fact: Mutable<ReadFact> = {what, offset: hex(offset), width, value: hex(r.value), sources: formatSources(r.sources)}
    if (r.inferred) fact.inferred = true
    this.note(fact)
    this.values.set(offset, r.value)
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
    this.note({what, value: res.type, sources: res.sources.map(formatSource)})
    return res.type
  }

  /** pci_resource_start(dev, bar). */
  resourceStart(bar: number): number {
    const res = this.resource(bar)
    return this.fact(`pci_resource_start(${bar})`, bar, res, res?.start)
  }

  /** Closes a decision step: the reads made since the previous step are attached to it. */
  step(fn: string, rule: string, result: DecisionStep['result'], detail?: string, kernelSource?: string): void {
    const step: Mutable<DecisionStep> = {fn, rule, result, reads: this.pending}
    if (detail !== undefined) step.detail = detail
    if (kernelSource !== undefined) step.kernelSource = kernelSource
    this.pending = []
    this.path.push(step)
  }

  /** Closes the step of a check that ended the probe attempt, and prints its message if it has one. */
  failCheck<K extends CheckId>(f: FailedCheck<K>): void {
    const reads = this.pending
    this.pending = []
    let message: string | undefined
    if (f.message) {
      message = f.message.device ? `${DRIVER_NAME} ${this.bdf}: ${f.message.text}` : f.message.text
      this.messages.push({level: f.message.level, text: message})
    }
    const step = {
      fn: f.fn,
      rule: f.rule,
      result: 'fail',
      ...(f.detail !== undefined ? {detail: f.detail} : {}),
      reads,
      ...(f.kernelSource !== undefined ? {kernelSource: f.kernelSource} : {}),
      check: f.check,
      facts: f.facts,
      basis: f.basis ?? reads,
      ...(message !== undefined ? {message} : {}),
    } as CheckStep
    this.path.push(step)
  }

  /** A position in the list of reads, to collect what a check rests on (readsSince). */
  mark(): number {
    return this.all.length
  }

  readsSince(mark: number): ReadFact[] {
    return this.all.slice(mark)
  }

  /** The config reads made at `offset` so far. */
  readsAt(offset: number): ReadFact[] {
    return this.all.filter((r) => r.offset === hex(offset))
  }

  /** The value last read at config `offset`, if it was read and known. */
  lastValueAt(offset: number): number | undefined {
    return this.values.get(offset)
  }

  /** dev_err/dev_warn/dev_info on the PCI device while virtio-pci probes it. */
  devMessage(level: KernelLogLevel, text: string): void {
    this.messages.push({level, text: `${DRIVER_NAME} ${this.bdf}: ${text}`})
  }

  /** A message printed without a device prefix (printk, pr_warn). */
  plainMessage(level: KernelLogLevel, text: string): void {
    this.messages.push({level, text})
  }

  private note(fact: ReadFact): void {
    this.pending.push(fact)
    this.all.push(fact)
  }

  private resource(bar: number): ResourceFacts | undefined {
    return bar >= 0 && bar < this.input.resources.length ? this.input.resources[bar] : undefined
  }

  private fact(what: string, bar: number, res: ResourceFacts | undefined, value: number | undefined): number {
    if (value === undefined || res === undefined) return this.unknownResource(what, bar)
    this.note({what, value: hex(value), sources: res.sources.map(formatSource)})
    return value
  }

  private unknownResource(what: string, bar: number): never {
    this.note({what, value: 'unknown', sources: []})
    throw new UnknownEvidence(what, [], [bar])
  }
}
