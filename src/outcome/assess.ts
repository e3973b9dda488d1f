/**
 * One call per device for the replay command: the kernel profile from the evidence (or --kernel),
 * force_legacy from the kernel command line (or --force-legacy), the model's prediction and lints,
 * the observed side, and the verdict.
 */
import {toProbeInput} from '../model/probe-input.js'
import type {DeviceEvidence, EvidenceSet} from '../evidence/types.js'
import {forceLegacyFromCmdline} from '../model/kernel-cmdline.js'
import {type KernelProfile, PROFILE_NAMES, type ProfileRules, ReleaseOutOfRange, describeModelledRange, profileFor, resolveRelease} from '../model/profiles.js'
import type {Driver} from '../model/driver.js'
import type {QueueOutcome} from '../model/setup-vq.js'
import {InputError, UsageError} from '../util/errors.js'
import {observe} from './observed.js'
import {interruptFacts, kernelQueues} from './queue-facts.js'
import type {ProbeResult} from '../model/types.js'
import type {ObservedOutcome, Verdict} from './types.js'
import {verdict} from './verdict.js'

export interface Assessment {
  readonly result: ProbeResult
  /** Absent for a static dump without a kernel log: nothing was observed. */
  readonly observed?: ObservedOutcome
  /** setup_vq per queue, when the probe succeeded on the modern transport and the trace shows the
   * queue registers the kernel read. */
  readonly setupVq?: readonly QueueOutcome[]
  readonly verdict: Verdict
}

/**
 * The profile to model: `--kernel` if given, else the one the `Linux version` line maps to.
 * Undefined when neither says (the caller asks for --kernel).
 */
export function profileOf(set: EvidenceSet, kernelOption?: string): KernelProfile | undefined {
  if (kernelOption !== undefined) return resolveKernelOption(kernelOption)
  if (!set.kernel) return undefined
  try {
    return profileFor(set.kernel.release, set.kernel.banner)
  } catch (e) {
    if (e instanceof ReleaseOutOfRange) throw new InputError(e.message, set.kernel.src)
    throw e
  }
}

/** The rules of the kernel the log is from, or undefined when the log names no release of the
 * modelled range (the observed side then decides less). */
function loggedKernelRules(set: EvidenceSet): ProfileRules | undefined {
  if (!set.kernel) return undefined
  try {
    return profileFor(set.kernel.release, set.kernel.banner)?.rules
  } catch (e) {
    if (e instanceof ReleaseOutOfRange) return undefined
    throw e
  }
}

/** `--kernel V`: a profile name or a release; anything else is a usage error. */
export function resolveKernelOption(spec: string): KernelProfile {
  let profile: KernelProfile | undefined
  try {
    profile = resolveRelease(spec)
  } catch (e) {
    if (e instanceof ReleaseOutOfRange) throw new UsageError(`--kernel ${e.message.replace(/^kernel /, '')}`)
    throw e
  }
  if (!profile) throw new UsageError(`--kernel ${spec}: not a kernel profile (${PROFILE_NAMES.join(', ')}) or release (${describeModelledRange()})`)
  return profile
}

/** virtio_pci.force_legacy: `--force-legacy` if given, else the kernel command line in the log. */
export function forceLegacyOf(set: EvidenceSet, forceLegacyOption?: boolean): boolean {
  return forceLegacyOption ?? forceLegacyFromCmdline(set.cmdline?.text ?? '')
}

export function assessDevice(set: EvidenceSet, dev: DeviceEvidence, driver: Driver, forceLegacy: boolean): Assessment {
  const input = toProbeInput(dev, {forceLegacy})
  const result = driver.probe(input)
  const kernelLog = set.kernel !== undefined || set.inputs.some((i) => i.format === 'dmesg')
  if (!dev.traced && !kernelLog && dev.kernelDriver === undefined) return {result, verdict: verdict(result.predicted, undefined)}
  const logged = loggedKernelRules(set)
  const observed = observe(dev, {
    kernelLog,
    otherMessages: set.otherMessages,
    statusTraced: set.devices.some((d) => d.status.length > 0),
    evidence: set,
    // What the logged kernel prints, not the profile asked for: the log is that kernel's.
    legacyAbiMessage: logged?.legacyAbiMessage ?? false,
    ...(logged ? {legacyIomapErrno: logged.legacyIomapErrno} : {}),
  })
  const queues = result.predicted.transport === 'modern' ? kernelQueues(dev) : undefined
  const setupVq = queues && driver.setupQueues ? driver.setupQueues(input, result.predicted, queues.numQueues, queues.queues, interruptFacts(dev)) : undefined
  const setupVqMessages = (setupVq ?? []).flatMap((q) => q.messages.map((m) => m.text))
  return {result, observed, ...(setupVq ? {setupVq} : {}), verdict: verdict(result.predicted, observed, {setupVqMessages})}
}
