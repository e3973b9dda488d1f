/**
 * The replay pipeline: inputs → evidence → (for every function virtio-pci would probe) the model's
 * predicted outcome under one kernel profile → what the traced kernel did → verdict.
 */
import {PCI_DEVICE_ID, PCI_REVISION_ID, PCI_SUBSYSTEM_ID, PCI_SUBSYSTEM_VENDOR_ID, PCI_VENDOR_ID, PCI_VENDOR_ID_REDHAT_QUMRANET} from '../pci/layout.js'
import {type BuildEvidenceOptions, buildEvidence} from '../evidence/build.js'
import type {DeviceEvidence, EvidenceSet} from '../evidence/types.js'
import type {InputFormat} from '../ingest/sniff.js'
import {configReader} from '../model/probe-input.js'
import {linuxVirtioPci} from '../model/driver.js'
import {forceLegacySetOnCmdline} from '../model/kernel-cmdline.js'
import type {KernelProfile} from '../model/profiles.js'
import type {QueueOutcome} from '../model/setup-vq.js'
import {assessDevice, forceLegacyOf, profileOf, resolveKernelOption} from '../outcome/assess.js'
import type {PredictedOutcome, SpecLint} from '../model/types.js'
import type {ObservedOutcome, VerdictKind} from '../outcome/types.js'
import {UsageError} from '../util/errors.js'
import {parseBdf, formatBdf} from '../util/pci-address.js'
import {hexPadded} from '../util/hex.js'
import {formatSource} from '../util/source.js'

export interface ReplayInput {
  readonly path: string
  /** Name used in provenance (file:line); defaults to the path as given. */
  readonly displayName?: string
  readonly format?: InputFormat
}

export interface ReplayOptions {
  /** Profile name or release (`--kernel`); otherwise from dmesg's `Linux version`, else mainline. */
  readonly kernel?: string
  /** `--force-legacy`; otherwise from `virtio_pci.force_legacy=` on the kernel command line. */
  readonly forceLegacy?: boolean
  /** Only this function (`0000:00:03.0` or `00:03.0`). */
  readonly device?: string
  /** Ingest options: CSV column names, the BDF of a loose sysfs config, which memory events to keep. */
  readonly ingest?: Omit<BuildEvidenceOptions, 'warnings'>
}

/** The stable per-device result (`replay --json`). */
export interface PciIds {
  readonly vendorId: string
  readonly deviceId: string
  readonly revision: string
  readonly subsystemVendorId: string
  readonly subsystemId: string
}

export interface DeviceReplay {
  readonly bdf: string
  readonly qemuDevice?: string
  readonly pci: PciIds
  /** Kernel profile name. */
  readonly kernel: string
  readonly predicted: PredictedOutcome
  readonly lints: readonly SpecLint[]
  /** Absent for static dumps: nothing was observed. */
  readonly observed?: ObservedOutcome
  /** setup_vq per queue at driver bind (modern transport, when the trace shows the queue reads). */
  readonly setupVq?: readonly QueueOutcome[]
  readonly verdict: VerdictKind
  readonly verdictReason?: string
}

export interface ForceLegacySetting {
  readonly value: boolean
  readonly source: 'flag' | 'cmdline' | 'default'
  /** file:line of the command line that set it. */
  readonly where?: string
}

export interface ReplaySession {
  readonly evidence: EvidenceSet
  readonly profile: KernelProfile
  /** How the profile was chosen, in words. */
  readonly profileReason: string
  readonly forceLegacy: ForceLegacySetting
  readonly devices: readonly DeviceReplay[]
  /** Functions seen that virtio-pci does not probe (vendor is not 0x1af4). */
  readonly skipped: readonly {readonly bdf: string; readonly qemuDevice?: string; readonly vendorId: string}[]
}

export async function replayInputs(inputs: readonly ReplayInput[], opts: ReplayOptions = {}): Promise<ReplaySession> {
  return replayEvidence(await buildEvidence(inputs, opts.ingest ?? {}), opts)
}

export function replayEvidence(evidence: EvidenceSet, opts: ReplayOptions = {}): ReplaySession {
  const {profile, reason} = chooseProfile(evidence, opts.kernel)
  const forceLegacy = chooseForceLegacy(evidence, opts.forceLegacy)
  const devices: DeviceReplay[] = []
  const skipped: ReplaySession['skipped'][number][] = []
  for (const dev of selectDevices(evidence, opts.device)) {
    const vendor = configReader(dev.config).read(PCI_VENDOR_ID, 2)
    if (vendor.known && vendor.value !== PCI_VENDOR_ID_REDHAT_QUMRANET) {
      skipped.push({bdf: dev.bdf, qemuDevice: dev.qemuDevice, vendorId: hexPadded(vendor.value, 4)})
      continue
    }
    devices.push(replayDevice(dev, profile, forceLegacy.value, evidence))
  }
  return {evidence, profile, profileReason: reason, forceLegacy, devices, skipped}
}

export function replayDevice(dev: DeviceEvidence, profile: KernelProfile, forceLegacy: boolean, evidence: EvidenceSet): DeviceReplay {
  const {result, observed, setupVq, verdict} = assessDevice(evidence, dev, linuxVirtioPci(profile), forceLegacy)
  return {
    bdf: dev.bdf,
    ...(dev.qemuDevice ? {qemuDevice: dev.qemuDevice} : {}),
    pci: pciIds(dev),
    kernel: profile.name,
    predicted: result.predicted,
    lints: result.lints,
    ...(observed ? {observed} : {}),
    ...(setupVq ? {setupVq} : {}),
    verdict: verdict.kind,
    ...(verdict.reason ? {verdictReason: verdict.reason} : {}),
  }
}

function pciIds(dev: DeviceEvidence): PciIds {
  const reader = configReader(dev.config)
  const field = (offset: number, width: 1 | 2) => {
    const r = reader.read(offset, width)
    return r.known ? hexPadded(r.value, width * 2) : 'unknown'
  }
  return {
    vendorId: field(PCI_VENDOR_ID, 2),
    deviceId: field(PCI_DEVICE_ID, 2),
    revision: field(PCI_REVISION_ID, 1),
    subsystemVendorId: field(PCI_SUBSYSTEM_VENDOR_ID, 2),
    subsystemId: field(PCI_SUBSYSTEM_ID, 2),
  }
}


function selectDevices(evidence: EvidenceSet, device: string | undefined): readonly DeviceEvidence[] {
  if (device === undefined) return evidence.devices
  const addr = parseBdf(device)
  if (!addr) throw new UsageError(`--device ${device}: not a PCI address (use 0000:00:03.0 or 00:03.0)`)
  const bdf = formatBdf(addr)
  const found = evidence.devices.filter((d) => d.bdf === bdf)
  if (found.length === 0) {
    const known = evidence.devices.map((d) => d.bdf).join(', ') || 'none'
    throw new UsageError(`--device ${bdf}: no such function in the inputs (functions: ${known})`)
  }
  return found
}

/** The profile assess.ts would choose (--kernel, else the `Linux version` line), with the reason in words;
 * mainline when neither says. */
function chooseProfile(evidence: EvidenceSet, kernel: string | undefined): {profile: KernelProfile; reason: string} {
  const profile = profileOf(evidence, kernel)
  if (!profile) return {profile: resolveKernelOption('mainline'), reason: 'no `Linux version` line in the inputs and no --kernel: mainline'}
  if (kernel !== undefined) return {profile, reason: `--kernel ${kernel}${profile.selection ? ` (${profile.selection})` : ''}`}
  return {profile, reason: `${profile.selection ?? profile.name} (from ${formatSource(evidence.kernel!.src)})`}
}

/** force_legacy as assess.ts decides it, and where the setting came from. */
function chooseForceLegacy(evidence: EvidenceSet, flag: boolean | undefined): ForceLegacySetting {
  const value = forceLegacyOf(evidence, flag)
  if (flag !== undefined) return {value, source: 'flag'}
  const cmdline = evidence.cmdline
  if (!cmdline || forceLegacySetOnCmdline(cmdline.text) === undefined) return {value, source: 'default'}
  return {value, source: 'cmdline', where: formatSource(cmdline.src)}
}
