/**
 * For an undetermined outcome: each fact the evidence lacks, and the input that gives it, leaving out
 * inputs the user already gave for this device (a 256-byte dump given means "-xxx" is no advice for
 * bytes below 0x100).
 */
import type {DeviceEvidence} from '../evidence/types.js'
import type {PredictedOutcome} from '../model/types.js'
import type {Fix} from './advice.js'

const CONVENTIONAL = 0x100
const HEADER = 0x40

/** How far the static dumps of this device reach (64, 256, 4096), 0 without one. */
function dumpedBytes(evidence: DeviceEvidence): number {
  let last = -1
  for (let off = 0; off < evidence.config.size; off++) {
    const b = evidence.config.byte(off)
    if (b && (b.current.origin === 'dump' || b.history?.some((h) => h.origin === 'dump'))) last = off
  }
  return last < 0 ? 0 : last < HEADER ? HEADER : last < CONVENTIONAL ? CONVENTIONAL : 4096
}

/** The BAR facts the model needs and the evidence lacks, in words: `size`, `type`, `address`. */
function missingBarFacts(evidence: DeviceEvidence, index: number): string[] {
  const bar = evidence.bars[index]
  if (!bar) return ['all facts']
  return [
    ...(bar.kind === undefined ? ['type'] : []),
    ...(bar.size === undefined ? ['size'] : []),
    ...(bar.addr === undefined && bar.size !== 0 ? ['address'] : []),
  ]
}

function configAdvice(offsets: readonly number[], evidence: DeviceEvidence): string {
  const highest = Math.max(...offsets)
  const dumped = dumpedBytes(evidence)
  // The probe goes on past the first unknown byte into the capability list (0x40..0xff), so a
  // 64-byte dump is never enough advice.
  const needs = highest >= CONVENTIONAL ? 4096 : CONVENTIONAL
  const ways: string[] = []
  if (needs === 4096) ways.push('`lspci -xxxx` run as root', 'the sysfs `config` file read as root (4096 bytes)')
  else ways.push('`lspci -xxx` run as root', 'the sysfs `config` file read as root')
  const given = dumped > 0 ? ` (the dump given has ${dumped} bytes${dumped < needs ? ': a non-root read, or a shorter -x form' : ''})` : ''
  if (evidence.traced) ways.push('a trace with pci_cfg_* events from the boot on')
  return `${ways.join(', or ')}${given}`
}

function barAdvice(evidence: DeviceEvidence, logGiven: boolean): string {
  const hows = new Set(evidence.bars.flatMap((b) => b.how))
  const ways: string[] = []
  if (!hows.has('resource')) ways.push('the sysfs `resource` file (or the whole device directory)')
  if (![...hows].some((h) => h.includes('lspci'))) ways.push('`lspci -vv` output run as root (its Region lines carry [size=...])')
  if (!logGiven) ways.push("the guest's dmesg from boot (the PCI enumeration lines)")
  if (!evidence.traced) ways.push('a trace with pci_cfg_* and pci_update_mappings events')
  return ways.length > 0 ? ways.join(', or ') : 'an input that states the BAR (none of the inputs given does)'
}

/** One sentence: which facts are missing and which inputs give them. */
export function missingEvidenceFix(outcome: PredictedOutcome, evidence: DeviceEvidence, logGiven: boolean): Fix {
  const parts: string[] = []
  const offsets = (outcome.undeterminedOffsets ?? []).map((o) => Number.parseInt(o, 16))
  if (offsets.length > 0) parts.push(`Config bytes ${outcome.undeterminedOffsets!.join(', ')}: add ${configAdvice(offsets, evidence)}`)
  for (const index of outcome.undeterminedBars ?? []) {
    parts.push(`BAR ${index} ${missingBarFacts(evidence, index).join(' and ') || 'facts'}: add ${barAdvice(evidence, logGiven)}`)
  }
  if (parts.length === 0) return {side: 'evidence', sentence: 'The outcome depends on facts no input shows (see the decision path).'}
  return {side: 'evidence', sentence: `The outcome depends on facts no input shows. ${parts.join('. ')}.`}
}
