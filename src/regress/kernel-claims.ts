/**
 * What a booted kernel did with each device, as `regress --vmlinuz` compares it: the facts replay
 * observes (transport, ACKNOWLEDGE, DRIVER_OK, the probe's kernel messages), with null for a fact the
 * evidence does not give. The baseline side comes from the case's golden, the candidate side from
 * replaying the candidate boot's trace and dmesg; both go through claimOf.
 */
import {readGolden} from '../golden/golden-file.js'
import type {ObservedOutcome} from '../outcome/types.js'

export interface KernelClaim {
  readonly bdf: string
  readonly qemuDevice: string | null
  /** null: nothing says which transport the driver used. */
  readonly transport: string | null
  readonly acknowledged: boolean | null
  readonly driverOk: boolean | null
  /** The probe's messages naming the device; null without a kernel log. */
  readonly messages: readonly string[] | null
}

/** The observed facts a claim is made of (a replay's ObservedOutcome and a golden's observed claim both have them). */
type ObservedFacts = Pick<ObservedOutcome, 'transport' | 'acknowledged' | 'driverOk' | 'messages' | 'messagesKnown' | 'acknowledgedKnown' | 'driverOkKnown'>

export function claimOf(bdf: string, qemuDevice: string | undefined, o: ObservedFacts | undefined): KernelClaim {
  return {
    bdf,
    qemuDevice: qemuDevice ?? null,
    transport: !o || o.transport === 'unknown' ? null : o.transport,
    acknowledged: !o || o.acknowledgedKnown === false ? null : o.acknowledged,
    driverOk: !o || o.driverOkKnown === false ? null : o.driverOk,
    messages: !o || o.messagesKnown === false ? null : o.messages,
  }
}

/**
 * The baseline kernel's behaviour as the case's golden records it (what the traced kernel was
 * observed to do), per device; undefined when the case has no golden. The one place regress reads
 * the golden format.
 */
export async function goldenClaims(goldenFile: string): Promise<KernelClaim[] | undefined> {
  const golden = await readGolden(goldenFile)
  if (!golden) return undefined
  return golden.doc.devices.map((d) => claimOf(d.bdf, d.qemuDevice, d.observed))
}
