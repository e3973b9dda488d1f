/**
 * Model versus kernel code: compares the model's PredictedOutcome with the oracle's result for the
 * same input. Compared: rc, transport, the exact messages (level and text, in order), the mappings
 * that were established (BAR, offset, the maxlen asked for, mapped length, in order), the driver's
 * config reads (offset and width, in order: the model's decision path without the PCI core's
 * enumeration reads, which the harness leaves out too) and, when the probe succeeded, the virtio
 * device id and the config ops; and, when the case gave queue_notify_off values, each queue's notify
 * mapping (vp_modern_map_vq_notify: mapped or not, its established mappings, its messages).
 */
import type {PredictedOutcome} from '../model/types.js'
import type {OracleResult} from './result.js'
import {hex} from '../util/hex.js'
import type {KernelProfile} from '../model/profiles.js'
import type {ProbeInput} from '../model/input.js'
import {ProbeRecorder} from '../model/recorder.js'
import {mapVqNotify} from '../model/setup-vq.js'
import {PCI_SETUP_DEVICE_FN} from '../model/pci-dev.js'
import type {ReadFact} from '../model/types.js'

export type DifferenceKind = 'rc' | 'transport' | 'messages' | 'mappings' | 'reads' | 'virtio-id' | 'config-ops' | 'setup-vq' | 'undetermined'

export interface OracleDifference {
  readonly kind: DifferenceKind
  /** What the model says, rendered. */
  readonly model: string
  /** What the kernel code did, rendered. */
  readonly kernel: string
}

/**
 * agree: same outcome. disagree: see differences. oracle-undetermined: the kernel code read a byte or
 * BAR fact the input lacks while the model decided without it (the oracle cannot confirm or refute).
 */
export type ComparisonVerdict = 'agree' | 'disagree' | 'oracle-undetermined'

export interface OracleComparison {
  readonly verdict: ComparisonVerdict
  readonly differences: readonly OracleDifference[]
}

const renderMessages = (msgs: readonly {level: string; text: string}[]): string =>
  msgs.length === 0 ? '(none)' : msgs.map((m) => `<${m.level}> ${m.text}`).join('\n')

const renderMappings = (maps: readonly {bar: number; offset: number; maxlen: number; length: number}[]): string =>
  maps.length === 0 ? '(none)' : maps.map((m) => `BAR ${m.bar} +${hex(m.offset)} maxlen ${hex(m.maxlen)} len ${hex(m.length)}`).join(', ')

/** A config read as the harness reports it: [offset, width]. */
type Read = readonly [number, number]

/** The harness keeps the first this many reads of a case (MAX_EVENTS in oracle_glue.c). */
export const HARNESS_MAX_READS = 256

const configReads = (reads: readonly ReadFact[]): Read[] =>
  reads.flatMap((r) => (r.offset === undefined || r.width === undefined ? [] : [[Number.parseInt(r.offset, 16), r.width] as const]))

/** The driver's config reads in the model's decision path, in order: the reads pci_setup_device made
 * at enumeration (cached pci_dev fields) are not the driver's, and the harness does not report them. */
export function modelDriverReads(model: PredictedOutcome): Read[] {
  return configReads(model.path.filter((s) => s.fn !== PCI_SETUP_DEVICE_FN).flatMap((s) => s.reads))
}

const renderReads = (reads: readonly Read[]): string => (reads.length === 0 ? '(none)' : reads.map(([o, w]) => `${hex(o)}/${w}`).join(' '))

const num = (hex: string | undefined): number => (hex === undefined ? NaN : Number.parseInt(hex, 16))

/** The model's notify mapping of one queue, as the oracle reports it (`mapped` false on failure). */
export interface ModelQueue {
  readonly index: number
  readonly notifyOff: number
  readonly mapped: boolean | 'undetermined'
  readonly notify?: {readonly bar: number; readonly offset: string}
  readonly messages: readonly {readonly level: string; readonly text: string}[]
  /** The established mappings of this queue's own map (per-queue notify mode), as the harness reports them. */
  readonly mappings: readonly {readonly bar: number; readonly offset: number; readonly maxlen: number; readonly length: number}[]
  /** Its config reads, in order. */
  readonly reads: readonly Read[]
}

const okMappings = (maps: PredictedOutcome['mappings']) =>
  maps.filter((m) => m.ok).map((m) => ({bar: m.bar, offset: num(m.offset), maxlen: num(m.kernelLength ?? '0'), length: num(m.mappedLength)}))

/** The model's mapVqNotify for each queue_notify_off, after a successful modern probe. */
export function modelQueues(input: ProbeInput, profile: KernelProfile, model: PredictedOutcome, notifyOffs: readonly number[]): ModelQueue[] {
  if (model.rc !== '0' || model.transport !== 'modern') return []
  return notifyOffs.map((off, index) => {
    const rec = new ProbeRecorder(input)
    const r = mapVqNotify(rec, profile, model, index, off & 0xffff)
    const messages = rec.messages.map((m) => ({level: m.level, text: m.text}))
    const facts = {messages, mappings: okMappings(rec.mappings), reads: configReads(rec.readsSince(0))}
    if (r === 'undetermined') return {index, notifyOff: off, mapped: 'undetermined', ...facts}
    return {index, notifyOff: off, mapped: r.ok, ...(r.ok ? {notify: r.notify} : {}), ...facts}
  })
}

type QueueFacts = Pick<ModelQueue, 'index' | 'notifyOff' | 'messages' | 'mappings'> & {readonly mapped: boolean | string}

const renderQueues = (qs: readonly QueueFacts[]): string =>
  qs.length === 0
    ? '(none)'
    : qs
        .map((q) => {
          const mapped = q.mapped === true ? 'mapped' : q.mapped === false ? 'not mapped' : q.mapped
          return `queue ${q.index} notify_off ${q.notifyOff}: ${mapped}${q.mappings.length ? ` (${renderMappings(q.mappings)})` : ''}${q.messages.length ? `; ${renderMessages(q.messages)}` : ''}`
        })
        .join('\n')

export interface CompareOptions {
  /** Compare the config reads (default true); false for a recorded kernel outcome that did not keep them. */
  readonly reads?: boolean
}

export function compareWithModel(kernel: OracleResult, model: PredictedOutcome, queues?: readonly ModelQueue[], opts: CompareOptions = {}): OracleComparison {
  const kernelUndetermined = kernel.rc === 'undetermined'
  const modelUndetermined = model.rc === 'undetermined'
  // Both stopped for missing evidence. Which fact each names is not compared: the harness tries the
  // enumeration header fields value by value and names the first unknown byte the driver's own code
  // reads, and it stops on a modern BAR's start in pci_request_selected_regions, which the model
  // assumes free; the model names the first unknown it reads in kernel order.
  if (kernelUndetermined && modelUndetermined) return {verdict: 'agree', differences: []}
  if (kernelUndetermined) {
    const what = [
      kernel.undeterminedOffsets?.length ? `config bytes ${kernel.undeterminedOffsets.map(hex).join(' ')}` : '',
      kernel.undeterminedBars?.length ? `BAR ${kernel.undeterminedBars.join(', ')} facts` : '',
    ].filter(Boolean)
    return {
      verdict: 'oracle-undetermined',
      differences: [{kind: 'undetermined', model: `rc ${model.rc}`, kernel: `undetermined: needs ${what.join(' and ') || 'unknown evidence'}`}],
    }
  }
  const diffs: OracleDifference[] = []
  if (modelUndetermined) {
    const offs = model.undeterminedOffsets?.join(' ') ?? ''
    const bars = model.undeterminedBars?.join(', ') ?? ''
    diffs.push({kind: 'undetermined', model: `undetermined (offsets ${offs || '-'}; BARs ${bars || '-'})`, kernel: `rc ${kernel.rc} without reading them`})
    return {verdict: 'disagree', differences: diffs}
  }
  if (kernel.rc !== model.rc) diffs.push({kind: 'rc', model: model.rc, kernel: kernel.rc})
  if (kernel.transport !== model.transport) diffs.push({kind: 'transport', model: model.transport, kernel: kernel.transport})

  const modelMsgs = model.messageDetails.map((m) => ({level: m.level, text: m.text}))
  const kernelMsgs = kernel.messages.map((m) => ({level: m.level, text: m.text}))
  if (renderMessages(modelMsgs) !== renderMessages(kernelMsgs)) {
    diffs.push({kind: 'messages', model: renderMessages(modelMsgs), kernel: renderMessages(kernelMsgs)})
  }

  const modelMaps = okMappings(model.mappings)
  const kernelMaps = kernel.mappings.filter((m) => m.ok)
  if (renderMappings(modelMaps) !== renderMappings(kernelMaps)) {
    diffs.push({kind: 'mappings', model: renderMappings(modelMaps), kernel: renderMappings(kernelMaps)})
  }

  if (opts.reads !== false) {
    // The harness runs the queues' maps after the probe, on the same list of reads.
    const modelReads = [...modelDriverReads(model), ...(kernel.queues && queues ? queues.flatMap((q) => q.reads) : [])]
    // A hang: the kernel loops until the harness's budget, the model stops at the first repeated
    // capability; the model's reads must be how the kernel's began.
    const n = kernel.rc === 'hang' ? Math.min(modelReads.length, kernel.reads.length) : Math.min(modelReads.length, HARNESS_MAX_READS)
    const [m, k] = [renderReads(modelReads.slice(0, n)), renderReads(kernel.rc === 'hang' ? kernel.reads.slice(0, n) : kernel.reads)]
    if (m !== k) diffs.push({kind: 'reads', model: m, kernel: k})
  }

  // Only where the kernel ran the per-queue mapping (the case gave queues, the tree has the function).
  const kernelQueues = kernel.queues?.map((q) => ({...q, mappings: q.mappings.filter((m) => m.ok)}))
  if (kernelQueues && queues && renderQueues(kernelQueues) !== renderQueues(queues)) {
    diffs.push({kind: 'setup-vq', model: renderQueues(queues), kernel: renderQueues(kernelQueues)})
  }
  if (kernel.rc === '0' && model.rc === '0') {
    // A model id hidden by unknown subsystem bytes is not compared; a missing one is a difference.
    const modelId = model.virtioDeviceId ?? (model.virtioDeviceIdUnknownOffsets ? undefined : '(none)')
    if (kernel.virtioDeviceId !== undefined && modelId !== undefined && kernel.virtioDeviceId !== num(modelId)) {
      diffs.push({kind: 'virtio-id', model: modelId, kernel: hex(kernel.virtioDeviceId)})
    }
    if (kernel.configOps && kernel.configOps !== model.configOps) {
      diffs.push({kind: 'config-ops', model: model.configOps ?? '(none)', kernel: kernel.configOps})
    }
  }
  return {verdict: diffs.length ? 'disagree' : 'agree', differences: diffs}
}

/** The differences as text, one block per kind (for reports and test failures). */
export function formatDifferences(diffs: readonly OracleDifference[]): string {
  return diffs.map((d) => `${d.kind}:\n  model:  ${d.model.replaceAll('\n', '\n          ')}\n  kernel: ${d.kernel.replaceAll('\n', '\n          ')}`).join('\n')
}
