/**
 * Disagreements already reported against the model and not yet fixed, as classes a finding can be
 * matched to (each has a minimized regression case in test/oracle/regressions/). The fuzzer reports
 * them apart from new disagreements; remove a class once the model is fixed.
 */
import type {FuzzFinding} from './fuzz.js'

export interface KnownOpenClass {
  readonly id: string
  /** The regression case that pins it down. */
  readonly regression: string
  readonly summary: string
  readonly matches: (f: FuzzFinding) => boolean
}

/**
 * Empty: the two classes found so far are fixed in the model (regressions/cardbus-header-without-
 * cardbus-class.json, regressions/unknown-class-byte.json).
 */
export const KNOWN_OPEN: readonly KnownOpenClass[] = []

export function knownOpenClassOf(f: FuzzFinding): KnownOpenClass | undefined {
  return KNOWN_OPEN.find((k) => k.matches(f))
}
