/**
 * Evidence from a list of input files (traces, dmesg logs, dumps), all streamed into one builder in
 * the order given, so a dmesg file is simply one more input.
 */
import {ingestFile, type IngestOptions} from '../ingest/index.js'
import {WarningSink} from '../util/errors.js'
import {EvidenceBuilder} from './builder.js'
import type {EvidenceSet} from './types.js'

export interface EvidenceInput {
  readonly path: string
  readonly format?: IngestOptions['format']
  /** Name used in provenance (file:line), e.g. relative to a case directory. */
  readonly displayName?: string
}

export type BuildEvidenceOptions = Omit<IngestOptions, 'format' | 'warnings'> & {readonly warnings?: WarningSink}

export async function buildEvidence(inputs: readonly EvidenceInput[], opts: BuildEvidenceOptions): Promise<EvidenceSet> {
  const {warnings = new WarningSink(), ...ingestOptions} = opts
  const builder = new EvidenceBuilder(warnings)
  for (const input of inputs) {
    const summary = await ingestFile(input.path, builder, {...ingestOptions, format: input.format, warnings, ...(input.displayName ? {displayName: input.displayName} : {})} as IngestOptions)
    builder.endInput(summary)
  }
  return builder.finish()
}
