/**
 * Typed stops of a model run. The model never guesses: when the kernel would read a config byte or a
 * resource fact the evidence lacks, the run stops with UnknownEvidence; when the kernel would never
 * return (a capability walk that cycles), it stops with ProbeHangs. probe() turns both into an outcome.
 */
import {hex} from '../util/hex.js'

export class UnknownEvidence extends Error {
  override readonly name = 'UnknownEvidence'
  constructor(
    /** What the kernel was reading, in kernel terms (`cap@0x40.cfg_type`, `pci_resource_len(4)`). */
    readonly what: string,
    /** Config offsets whose bytes are unknown. */
    readonly offsets: readonly number[],
    /** BAR indexes whose resource facts are unknown. */
    readonly bars: readonly number[],
  ) {
    super(`${what}: evidence does not cover it`)
  }
}

export class ProbeHangs extends Error {
  override readonly name = 'ProbeHangs'
  constructor(
    readonly fn: string,
    /** The vendor capabilities the walk keeps returning to, in order. */
    readonly cycle: readonly number[],
  ) {
    super(`${fn}: capability walk cycles through ${cycle.map((o) => hex(o)).join(' -> ')}`)
  }
}
