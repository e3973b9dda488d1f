/**
 * Replays one corpus case (traces/<case>/) into the golden document it should match, plus the
 * per-device model-vs-kernel verdicts.
 */
import type {CaseReplayResult, DeviceVerdict} from '../golden/check.js'
import {type CorpusPaths, caseDir, caseInputs, hashInputs, readCaseMeta} from '../corpus/corpus.js'
import {goldenDocument} from '../golden/golden-file.js'
import type {InputFormat} from '../ingest/sniff.js'
import {InputError, formatWarning} from '../util/errors.js'
import {checkWithOracle} from './oracle.js'
import {replayInputs} from './replay.js'

export interface CaseReplayOptions {
  /** Kernel-source oracle: a harness path or `auto`. */
  readonly oracle?: string
}

export async function replayCase(paths: CorpusPaths, name: string, opts: CaseReplayOptions = {}): Promise<CaseReplayResult> {
  const meta = await readCaseMeta(paths, name)
  const inputs = await caseInputs(paths, meta)
  const [digests, session] = await Promise.all([
    hashInputs(inputs),
    replayInputs(
      inputs.map((i) => ({path: i.path, displayName: i.displayName, format: i.format as InputFormat | undefined})),
      {kernel: meta.replay?.kernel, forceLegacy: meta.replay?.forceLegacy},
    ),
  ])
  if (session.devices.length === 0) {
    const seen = session.skipped.length > 0 ? ` (functions seen: ${session.skipped.map((d) => `${d.bdf} vendor ${d.vendorId}`).join(', ')})` : ''
    throw new InputError(`case ${name}: no function virtio-pci probes in its inputs${seen}: nothing to claim`, {file: caseDir(paths, name)})
  }
  const doc = goldenDocument({case: name, inputs: digests, kernelProfile: session.profile.name}, session.devices, session.evidence.kernel?.release)
  const oracle = opts.oracle ? await checkWithOracle(session, opts.oracle) : undefined
  const devices: DeviceVerdict[] = session.devices.map((d, i) => ({
    bdf: d.bdf,
    ...(d.qemuDevice ? {qemuDevice: d.qemuDevice} : {}),
    verdict: d.verdict,
    ...(d.verdictReason ? {reason: d.verdictReason} : {}),
    ...(oracle ? {oracle: {agree: oracle[i]!.agree, differences: oracle[i]!.differences}} : {}),
  }))
  const warnings = session.evidence.warnings.map(formatWarning)
  return {doc, devices, warnings}
}
