/**
 * One plain-language sentence per failing check: what to change, and on which side (the device, the
 * driver, or the evidence). The sentences name the values the kernel read, taken from the step.
 */
import type {CheckId, DecisionStep, PredictedOutcome, ReadFact} from '../model/types.js'

export type FixSide = 'device' | 'driver' | 'evidence' | 'none' | 'kernel-or-model'

export interface Fix {
  readonly side: FixSide
  readonly sentence: string
}

/** The value of a read whose `what` ends with `suffix` (e.g. `.length`), as a number. */
export function readValue(reads: readonly ReadFact[], suffix: string): number | undefined {
  const r = reads.find((x) => x.what.endsWith(suffix))
  if (!r || r.value === 'unknown' || !r.value.startsWith('0x')) return undefined
  return Number.parseInt(r.value, 16)
}

const structName = (what: string) =>
  ({common: 'COMMON_CFG', isr: 'ISR_CFG', notify: 'NOTIFY_CFG', device: 'DEVICE_CFG'})[what] ?? what

/** `common: length - start < minlen` → `common`. */
const structOf = (step: DecisionStep) => step.rule.split(':')[0] ?? 'capability'

type AdviceFn = (step: DecisionStep, reads: readonly ReadFact[], outcome: PredictedOutcome) => Fix

const ADVICE: Record<CheckId, AdviceFn> = {
  'match.header-type': (step) => ({side: 'device', sentence: `The header type is not one Linux knows (${step.detail?.split(':')[0] ?? '?'}): the PCI core ignores the function, so no driver probes it; use header type 0 for an endpoint.`}),
  'match.vendor': () => ({side: 'none', sentence: 'The vendor id is not 0x1af4, so virtio-pci never probes this function; nothing to fix for virtio.'}),
  'modern.device-id': (step) => ({
    side: 'device',
    sentence: `Device id ${step.detail?.split(':')[0]?.replace('device ', '') ?? ''} is outside 0x1000..0x107f, so virtio-pci declines it silently (-ENODEV); a virtio device must use 0x1000..0x103f (transitional) or 0x1040 + its virtio id, and any other 1af4 device is simply not virtio.`,
  }),
  'modern.no-common': (_step, _reads, outcome) => ({
    side: 'device',
    sentence: `No usable COMMON_CFG capability (cfg_type 1 on a BAR with a length and I/O or memory flags${skippedCommon(outcome)}), so the modern driver leaves the device to the legacy one; ${outcome.transport === 'legacy' ? 'add a usable one if the device is meant to be modern' : 'a device without a legacy interface is then driven by nothing: fix the capability'}.`,
  }),
  'modern.missing-caps': (step) => ({
    side: 'device',
    sentence: `The device has a COMMON_CFG capability but ${missingWhich(step)} is missing or points at an empty BAR (Linux requires ISR_CFG and NOTIFY_CFG; the three numbers in the message are their config offsets, 0 for missing).`,
  }),
  'find.cycle': (step) => ({
    side: 'device',
    sentence: `The capability list loops (${step.rule.replace(/^vendor capability /, 'capability ')}): the kernel's walk never ends and the probe hangs; fix the next pointers so the list ends with 0.`,
  }),
  'map.bar-changed': (step, reads) => ({
    side: 'device',
    sentence: `The ${structName(structOf(step))} capability's bar field reads ${readValue(reads, '.bar') ?? '?'} at map time, which is not a BAR the capability search accepted; keep the bar field constant and below 6.`,
  }),
  'map.len-le-start': (step, reads) => lengthAdvice(step, reads),
  'map.len-below-minlen': (step, reads) => lengthAdvice(step, reads),
  'map.wrap': (step, reads) => ({
    side: 'device',
    sentence: `The ${structName(structOf(step))} capability's offset ${hexOr(readValue(reads, '.offset'))} wraps around 32 bits when the kernel adds its start; use an offset inside the BAR.`,
  }),
  'map.misaligned': (step, reads) => ({
    side: 'device',
    sentence: `The ${structName(structOf(step))} capability's offset ${hexOr(readValue(reads, '.offset'))} is not aligned as Linux requires (${structOf(step) === 'notify' ? 2 : structOf(step) === 'isr' ? 1 : 4} bytes); align the structure in the BAR.`,
  }),
  'map.out-of-range': (step, reads) => ({
    side: 'device',
    sentence: `The ${structName(structOf(step))} structure at offset ${hexOr(readValue(reads, '.offset'))} does not fit in BAR ${readValue(reads, '.bar') ?? '?'} (${step.detail ?? ''}); make the BAR larger or move the structure inside it.`,
  }),
  'map.iomap-null': (step) => ({
    side: 'device',
    sentence: `The kernel could not map the ${structName(structOf(step))} structure (${step.rule.replace(/^[a-z]+: /, '')}); the BAR must have an address and cover the structure's offset.`,
  }),
  'legacy.device-id': () => ({
    side: 'device',
    sentence: 'Device id is outside 0x1000..0x103f, so the legacy driver declines it (-ENODEV); only transitional ids have a legacy interface.',
  }),
  'legacy.revision': (step) => ({
    side: 'device',
    sentence: `The legacy driver requires PCI revision 0 and this device has ${step.detail?.split(':')[0] ?? 'another'}; a transitional device must report revision 0 for Linux (the virtio spec asks drivers to accept any revision, so this is also a driver strictness).`,
  }),
  'legacy.iomap-null': () => ({side: 'device', sentence: 'BAR 0 could not be mapped for the legacy interface; it must be an implemented, assigned I/O (or memory) BAR.'}),
  'evidence.unknown': (_step, _reads, outcome) => ({
    side: 'evidence',
    sentence: `The outcome depends on ${outcome.undeterminedOffsets?.length ? `config bytes ${outcome.undeterminedOffsets.join(', ')}` : `BAR ${outcome.undeterminedBars?.join(', ') ?? '?'} facts`} that no input shows; trace with pci_cfg_* and memory_region_ops_* enabled, or add an lspci -xxx dump or a sysfs device directory.`,
  }),
}

/** `: the one at 0x40 was skipped (reserved BAR value 6)`, or how the walk came up empty. */
function skippedCommon(outcome: PredictedOutcome): string {
  const common = outcome.capabilities.filter((c) => c.lookup === 'common')
  const skipped = common.filter((c) => c.decision === 'skipped')
  if (skipped.length > 0) return `: ${skipped.map((c) => `the one at ${c.offset} was skipped (${c.reason ?? 'unusable'})`).join('; ')}`
  if (common.length > 0) return ': there is none in the list'
  const status = outcome.path.flatMap((s) => s.reads).find((r) => r.what === 'PCI_STATUS')
  const value = status && status.value.startsWith('0x') ? Number.parseInt(status.value, 16) : undefined
  if (value !== undefined && (value & 0x10) === 0) return `: PCI_STATUS ${status!.value} has PCI_STATUS_CAP_LIST (0x10) clear, so the capability list is not walked at all`
  return ': the capability list holds no vendor-specific (0x09) capability'
}

function missingWhich(step: DecisionStep): string {
  const m = /missing capabilities (\d+)\/(\d+)\/(\d+)/.exec(step.detail ?? '')
  if (!m) return 'ISR_CFG or NOTIFY_CFG'
  const missing = [m[2] === '0' ? 'ISR_CFG' : '', m[3] === '0' ? 'NOTIFY_CFG' : ''].filter(Boolean)
  return missing.join(' and ') || 'ISR_CFG or NOTIFY_CFG'
}

function lengthAdvice(step: DecisionStep, reads: readonly ReadFact[]): Fix {
  const what = structOf(step)
  const needed = /expected\)/.test(step.detail ?? '') ? /\((>=?\d+) expected\)/.exec(step.detail ?? '')?.[1] : undefined
  return {
    side: 'device',
    sentence: `The ${structName(what)} capability's length field is ${readValue(reads, '.length') ?? '?'} bytes and Linux needs ${needed ?? 'more'}; set it to the size of the structure${what === 'common' ? ' (56 bytes for struct virtio_pci_common_cfg, more with newer fields)' : ''}.`,
  }
}

const hexOr = (n: number | undefined) => (n === undefined ? '?' : `0x${n.toString(16)}`)

export function adviceFor(failure: DecisionStep | undefined, reads: readonly ReadFact[], outcome: PredictedOutcome, fallbacks: readonly DecisionStep[] = []): Fix {
  if (outcome.rc === '0') {
    const fallback = fallbacks[fallbacks.length - 1]
    const after = fallback?.check ? ` It got there by a fallback: ${ADVICE[fallback.check](fallback, fallback.reads, outcome).sentence}` : ''
    return {side: 'none', sentence: `Nothing to fix for Linux: the probe succeeds with the ${outcome.transport} transport.${after}`}
  }
  if (!failure?.check) {
    return {side: 'none', sentence: `The probe ends with ${outcome.rc}; no single check explains it (see the decision path).`}
  }
  return ADVICE[failure.check](failure, reads, outcome)
}
