/**
 * The seam between the pipeline and a driver model: one guest driver, at one release, probing one PCI
 * function. Evidence becomes a ProbeInput (config reads and BAR facts, every value with its evidence);
 * the driver returns a ProbeResult (transport, return code, messages, the decision path with typed
 * check facts, spec lints). The Linux virtio-pci probe is the one driver today; see README.md for what
 * another one (SeaBIOS, OVMF, U-Boot, ...) would supply.
 */
import type {ProbeInput} from './input.js'
import {type KernelProfile, PROFILE_NAMES} from './profiles.js'
import {type InterruptFacts, type QueueFacts, type QueueOutcome, setupVqs} from './setup-vq.js'
import type {PredictedOutcome, ProbeResult} from './types.js'
import {probe} from './virtio-pci-probe.js'

export interface Driver {
  /** Which driver is modelled, e.g. `linux-virtio-pci`. */
  readonly name: string
  /** Every release the driver model knows by name. */
  readonly releases: readonly string[]
  /** The release this instance reproduces. */
  readonly release: string
  /** What the driver does with the function. Pure: the same input gives the same result. */
  probe(input: ProbeInput): ProbeResult
  /** Queue setup after a successful probe, for a driver that models it (Linux: setup_vq). */
  setupQueues?(input: ProbeInput, predicted: PredictedOutcome, numQueues: number, queues: readonly QueueFacts[], irq?: InterruptFacts): QueueOutcome[]
}

/** The Linux virtio-pci driver at one kernel profile. */
export function linuxVirtioPci(profile: KernelProfile): Driver {
  return {
    name: 'linux-virtio-pci',
    releases: PROFILE_NAMES,
    release: profile.name,
    probe: (input) => probe(input, profile),
    setupQueues: (input, predicted, numQueues, queues, irq) => setupVqs(input, profile, predicted, numQueues, queues, irq),
  }
}
