/**
 * The three-way differential: every device of a replay also runs through the kernel's own probe code
 * (the oracle harness of its profile's series), and the model's outcome is compared with it.
 */
import {toProbeInput} from '../model/probe-input.js'
import {predict} from '../model/virtio-pci-probe.js'
import {compareWithModel, formatDifferences, modelQueues} from '../oracle/compare.js'
import {kernelQueues} from '../outcome/queue-facts.js'
import {MAX_CASE_QUEUES} from '../oracle/case-format.js'
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

/** queue_notify_off of queues 0, 1, ... as far as the trace shows them without a gap (the first
 * MAX_CASE_QUEUES: the harness's limit). */
function leadingNotifyOffs(dev: Parameters<typeof kernelQueues>[0]): number[] {
  const byIndex = new Map((kernelQueues(dev)?.queues ?? []).map((q) => [q.index, q.notifyOff]))
  const out: number[] = []
  for (let i = 0; i < MAX_CASE_QUEUES && byIndex.get(i) !== undefined; i++) out.push(byIndex.get(i)!)
  return out
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
      // The queue_notify_off values the trace shows for queues 0, 1, ...: the harness maps each with
      // the kernel's vp_modern_map_vq_notify, compared with the model's for the same values.
      const notifyOffs = leadingNotifyOffs(dev)
      const result = await pool.run(series, notifyOffs.length ? {id: `o-${d.bdf}`, input, queueNotifyOffs: notifyOffs} : input)
      // Like with like: an oracle of another release (an explicit PATH) is compared with the model at
      // that release, not with this replay's profile.
      const release = pool.releaseFor(series)
      const predicted = release && release.name !== series ? predict(input, release) : d.predicted
      const queues = notifyOffs.length ? modelQueues(input, release ?? session.profile, predicted, notifyOffs) : undefined
      const comparison = compareWithModel(result!, predicted, queues)
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
