/**
 * The three-way differential: every device of a replay also runs through the kernel's own probe code
 * (the oracle harness of its profile's series), and the model's outcome is compared with it.
 */
import {toProbeInput} from '../model/probe-input.js'
import {predict} from '../model/virtio-pci-probe.js'
import {compareWithModel, formatDifferences} from '../oracle/compare.js'
import {OraclePool} from '../oracle/pool.js'
import type {OracleComparison} from '../oracle/compare.js'
import {PROFILE_NAMES} from '../model/profiles.js'
import type {ReplaySession} from './replay.js'

export interface DeviceOracleCheck {
  readonly bdf: string
  /** Which harness ran (kernel version of the build), or undefined when none could be found. */
  readonly kernelVersion?: string
  /** Set when the oracle's release is not the replay's profile: the model profile it was compared with. */
  readonly modelProfile?: string
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
        const how = PROFILE_NAMES.includes(series)
          ? `run \`probediff oracle build --debian ${series}\``
          : `Debian ships no ${series} source; build one from a ${series} tree with \`probediff oracle build --kernel-source DIR --out DIR\` and pass --oracle DIR`
        out.push({bdf: d.bdf, agree: false, differences: [`no oracle build for kernel ${series}: ${how}`]})
        continue
      }
      const input = toProbeInput(dev, {forceLegacy: session.forceLegacy.value})
      const result = await pool.run(series, input)
      // Like with like: an oracle of another release (an explicit PATH) is compared with the model at
      // that release, not with this replay's profile.
      const release = pool.releaseFor(series)
      const predicted = release && release.name !== series ? predict(input, release) : d.predicted
      const comparison = compareWithModel(result!, predicted)
      out.push({
        bdf: d.bdf,
        ...(oracle.manifest?.kernelVersion ? {kernelVersion: oracle.manifest.kernelVersion} : {}),
        ...(release && release.name !== series ? {modelProfile: release.name} : {}),
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
