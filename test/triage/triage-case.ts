/** Triage of one corpus case in process, the way `probediff triage CASE` does it. */
import {caseInputs, corpusPaths, readCaseMeta} from '../../src/corpus/corpus.js'
import type {InputFormat} from '../../src/ingest/index.js'
import {replayInputs} from '../../src/replay/replay.js'
import {type TriageReport, triageSession} from '../../src/triage/triage.js'
import {PROJECT_ROOT} from '../helpers/run-cli.js'

const paths = corpusPaths(PROJECT_ROOT)

/** The report for `device`, or for the case's only virtio-pci function. */
export async function triageCase(name: string, device?: string): Promise<TriageReport> {
  const meta = await readCaseMeta(paths, name)
  const inputs = await caseInputs(paths, meta)
  const session = await replayInputs(
    inputs.map((i) => ({path: i.path, displayName: i.displayName, format: i.format as InputFormat | undefined})),
    {kernel: meta.replay?.kernel, forceLegacy: meta.replay?.forceLegacy, device},
  )
  const reports = triageSession(session)
  if (reports.length !== 1) throw new Error(`${name}: ${reports.length} devices triaged, expected one`)
  return reports[0]!
}
