/**
 * The three-way differential: every device of a replay also runs through the kernel's own probe code
 * (the oracle harness of its profile's series), and the model's outcome is compared with it.
 */
import {toProbeInput} from '../model/probe-input.js'
import {compareWithModel, formatDifferences} from '../oracle/compare.js'
import {OraclePool} from '../oracle/pool.js'
import type {OracleComparison} from '../oracle/compare.js'
import type {ReplaySession} from './replay.js'

export interface DeviceOracleCheck {
  readonly bdf: string
  /** Which harness ran (kernel version of the build), or undefined when none could be found. */
  readonly kernelVersion?: string
  readonly comparison?: OracleComparison
  /** Model and kernel code agree (an oracle that cannot decide counts as agreement only if the model is undetermined too). */
  readonly agree: boolean
  /** Human-readable differences (or why no oracle ran). */
  readonly differences: readonly string[]
}

export async function checkWithOracle(session: ReplaySession, spec: string): Promise<DeviceOracleCheck[]> {
  const pool = new OraclePool(spec)
  const series = session.profile.name
  try {
    const out: DeviceOracleCheck[] = []
    for (const d of session.devices) {
      const dev = session.evidence.devices.find((e) => e.bdf === d.bdf)!
      const oracle = pool.oracleFor(series)
      if (!oracle) {
        out.push({bdf: d.bdf, agree: false, differences: [`no oracle build for kernel ${series}: run \`probediff oracle build --debian ${series}\``]})
        continue
      }
      const result = await pool.run(series, toProbeInput(dev, {forceLegacy: session.forceLegacy.value}))
      const comparison = compareWithModel(result!, d.predicted)
      out.push({
        bdf: d.bdf,
        ...(oracle.manifest?.kernelVersion ? {kernelVersion: oracle.manifest.kernelVersion} : {}),
        comparison,
        agree: comparison.verdict === 'agree',
        differences: comparison.differences.length ? formatDifferences(comparison.differences).split('\n') : [],
      })
    }
    return out
  } finally {
    await pool.close()
  }
}
