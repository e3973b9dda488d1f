/**
 * One plain-language sentence per failing check: what to change, and on which side (the device, the
 * driver, or the evidence). The sentences name the values the kernel tested, taken from the check's
 * typed facts (never from its text).
 */
import {PCI_STATUS_CAP_LIST} from '../pci/layout.js'
import {iomapFailureText} from '../model/pci-iomap.js'
import type {CheckId, CheckStep, MapStruct, PredictedOutcome} from '../model/types.js'
import {hex} from '../util/hex.js'

export type FixSide = 'device' | 'driver' | 'evidence' | 'none' | 'kernel-or-model'

export interface Fix {
  readonly side: FixSide
  readonly sentence: string
}

const STRUCT_NAME: Readonly<Record<MapStruct, string>> = {common: 'COMMON_CFG', isr: 'ISR_CFG', notify: 'NOTIFY_CFG', device: 'DEVICE_CFG'}

type AdviceFn<K extends CheckId> = (step: CheckStep<K>, outcome: PredictedOutcome) => Fix

const ADVICE: {readonly [K in CheckId]: AdviceFn<K>} = {
  'match.header-type': ({facts}) => ({side: 'device', sentence: `The header type is not one Linux knows (header type ${facts.hdrType}): the PCI core ignores the function, so no driver probes it; use header type 0 for an endpoint.`}),
  'match.vendor': () => ({side: 'none', sentence: 'The vendor id is not 0x1af4, so virtio-pci never probes this function; nothing to fix for virtio.'}),
  'modern.device-id': ({facts}) => ({
    side: 'device',
    sentence: `Device id ${hex(facts.device)} is outside 0x1000..0x107f, so virtio-pci declines it silently (-ENODEV); a virtio device must use 0x1000..0x103f (transitional) or 0x1040 + its virtio id, and any other 1af4 device is simply not virtio.`,
  }),
  'modern.no-common': (step, outcome) => ({
    side: 'device',
    sentence: `No usable COMMON_CFG capability (cfg_type 1 on a BAR with a length and I/O or memory flags${skippedCommon(step, outcome)}), so the modern driver leaves the device to the legacy one; ${outcome.transport === 'legacy' ? 'add a usable one if the device is meant to be modern' : 'a device without a legacy interface is then driven by nothing: fix the capability'}.`,
  }),
  'modern.missing-caps': ({facts}) => ({
    side: 'device',
    sentence: `The device has a COMMON_CFG capability but ${missingWhich(facts)} is missing or points at an empty BAR (Linux requires ISR_CFG and NOTIFY_CFG; the three numbers in the message are their config offsets, 0 for missing).`,
  }),
  'find.cycle': ({facts}) => ({
    side: 'device',
    sentence: `The capability list loops (capability ${hex(facts.cycle[facts.cycle.length - 1] ?? 0)} reached again: the walk never ends): the kernel's walk never ends and the probe hangs; fix the next pointers so the list ends with 0.`,
  }),
  'map.bar-changed': ({facts}) => ({
    side: 'device',
    sentence: `The ${STRUCT_NAME[facts.struct]} capability's bar field reads ${facts.bar} at map time, which is not a BAR the capability search accepted; keep the bar field constant and below 6.`,
  }),
  'map.len-le-start': ({facts}) => lengthAdvice(facts.struct, facts.length, `>${facts.start}`),
  'map.len-below-minlen': ({facts}) => lengthAdvice(facts.struct, facts.length, `>=${facts.minlen}`),
  'map.wrap': ({facts}) => ({
    side: 'device',
    sentence: `The ${STRUCT_NAME[facts.struct]} capability's offset ${hex(facts.offset)} wraps around 32 bits when the kernel adds its start; use an offset inside the BAR.`,
  }),
  'map.misaligned': ({facts}) => ({
    side: 'device',
    sentence: `The ${STRUCT_NAME[facts.struct]} capability's offset ${hex(facts.offset)} is not aligned as Linux requires (${facts.align} bytes); align the structure in the BAR.`,
  }),
  'map.out-of-range': (step) => ({
    side: 'device',
    sentence: `The ${STRUCT_NAME[step.facts.struct]} structure at offset ${hex(step.facts.offset)} does not fit in BAR ${step.facts.bar} (${step.detail ?? ''}); make the BAR larger or move the structure inside it.`,
  }),
  'map.iomap-null': ({facts}) => ({
    side: 'device',
    sentence: `The kernel could not map the ${STRUCT_NAME[facts.struct]} structure (pci_iomap_range returns NULL (${iomapFailureText(facts.why, facts.bar)})); the BAR must have an address and cover the structure's offset.`,
  }),
  'legacy.device-id': () => ({
    side: 'device',
    sentence: 'Device id is outside 0x1000..0x103f, so the legacy driver declines it (-ENODEV); only transitional ids have a legacy interface.',
  }),
  'legacy.revision': ({facts}) => ({
    side: 'device',
    sentence: `The legacy driver requires PCI revision ${facts.expected} and this device has revision ${facts.revision}; a transitional device must report revision ${facts.expected} for Linux (the virtio spec asks drivers to accept any revision, so this is also a driver strictness).`,
  }),
  'legacy.iomap-null': () => ({side: 'device', sentence: 'BAR 0 could not be mapped for the legacy interface; it must be an implemented, assigned I/O (or memory) BAR.'}),
  'evidence.unknown': ({facts}) => ({
    side: 'evidence',
    sentence: `The outcome depends on ${facts.offsets.length > 0 ? `config bytes ${facts.offsets.map(hex).join(', ')}` : `BAR ${facts.bars.length > 0 ? facts.bars.join(', ') : '?'} facts`} that no input shows (triage names, for each, the inputs that give it: missing-evidence.ts).`,
  }),
}

/** The advice for one failed check (the correlated lookup TypeScript cannot follow by itself). */
const adviceOf = <K extends CheckId>(step: CheckStep<K>, outcome: PredictedOutcome): Fix => (ADVICE[step.check] as AdviceFn<K>)(step, outcome)

/** `: the one at 0x40 was skipped (reserved BAR value 6)`, or how the walk came up empty. */
function skippedCommon(step: CheckStep<'modern.no-common'>, outcome: PredictedOutcome): string {
  const common = outcome.capabilities.filter((c) => c.lookup === 'common')
  const skipped = common.filter((c) => c.decision === 'skipped')
  if (skipped.length > 0) return `: ${skipped.map((c) => `the one at ${c.offset} was skipped (${c.reason ?? 'unusable'})`).join('; ')}`
  if (common.length > 0) return ': there is none in the list'
  const status = step.facts.pciStatus
  if (status !== undefined && (status & PCI_STATUS_CAP_LIST) === 0) {
    return `: PCI_STATUS ${hex(status)} has PCI_STATUS_CAP_LIST (${hex(PCI_STATUS_CAP_LIST)}) clear, so the capability list is not walked at all`
  }
  return ': the capability list holds no vendor-specific (0x09) capability'
}

function missingWhich(facts: {readonly isr: number; readonly notify: number}): string {
  const missing = [facts.isr === 0 ? 'ISR_CFG' : '', facts.notify === 0 ? 'NOTIFY_CFG' : ''].filter(Boolean)
  return missing.join(' and ') || 'ISR_CFG or NOTIFY_CFG'
}

function lengthAdvice(struct: MapStruct, length: number, needed: string): Fix {
  return {
    side: 'device',
    sentence: `The ${STRUCT_NAME[struct]} capability's length field is ${length} bytes and Linux needs ${needed}; set it to the size of the structure${struct === 'common' ? ' (56 bytes for struct virtio_pci_common_cfg, more with newer fields)' : ''}.`,
  }
}

export function adviceFor(failure: CheckStep | undefined, outcome: PredictedOutcome, fallbacks: readonly CheckStep[] = []): Fix {
  if (outcome.rc === '0') {
    const fallback = fallbacks[fallbacks.length - 1]
    const after = fallback ? ` It got there by a fallback: ${adviceOf(fallback, outcome).sentence}` : ''
    return {side: 'none', sentence: `Nothing to fix for Linux: the probe succeeds with the ${outcome.transport} transport.${after}`}
  }
  if (!failure) {
    return {side: 'none', sentence: `The probe ends with ${outcome.rc}; no single check explains it (see the decision path).`}
  }
  return adviceOf(failure, outcome)
}
