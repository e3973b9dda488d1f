/**
 * Evidence from a list of input files (traces, dmesg logs, dumps), all streamed into one builder in
 * the order given, so a dmesg file is simply one more input.
 *
 * One fact can come too late in that order: a host bridge's I/O window (aarch64 `virt`) is printed by
 * the kernel, i.e. in the dmesg given after the trace whose I/O accesses need it. Then the inputs are
 * streamed a second time with the window known from the start, when they can be read again (regular
 * files); otherwise a warning says to give the dmesg first.
 */
import {stat} from 'node:fs/promises'
import {STDIN_PATH} from '../ingest/byte-source.js'
import {ingestFile, type IngestOptions} from '../ingest/index.js'
import {hex} from '../util/hex.js'
import {WarningSink} from '../util/errors.js'
import {EvidenceBuilder} from './builder.js'
import type {EvidenceSet} from './types.js'
import type {HostBridgeIoWindow} from '../ingest/kmsg-lines.js'

export interface EvidenceInput {
  readonly path: string
  readonly format?: IngestOptions['format']
  /** Name used in provenance (file:line), e.g. relative to a case directory. */
  readonly displayName?: string
}

export type BuildEvidenceOptions = Omit<IngestOptions, 'format' | 'warnings'> & {readonly warnings?: WarningSink}

export async function buildEvidence(inputs: readonly EvidenceInput[], opts: BuildEvidenceOptions): Promise<EvidenceSet> {
  const {warnings = new WarningSink(), ...ingestOptions} = opts
  const firstPass = new WarningSink()
  const first = await onePass(inputs, ingestOptions, firstPass, [])
  const late = first.builder.lateIoWindows
  if (late.length === 0) {
    warnings.absorb(firstPass)
    return {...first.evidence, warnings: warnings.warnings}
  }
  if (!(await allReadableAgain(inputs))) {
    warnings.absorb(firstPass)
    const [{window, src}] = late as [(typeof late)[number]]
    warnings.warn(
      'io-window-late',
      `the host bridge I/O window ${hex(window.cpuStart)}..${hex(window.cpuEnd)} comes after the I/O accesses it covers, and the inputs cannot be read again: give the dmesg before the trace`,
      src,
    )
    return {...first.evidence, warnings: warnings.warnings}
  }
  return (await onePass(inputs, ingestOptions, warnings, late.map((l) => l.window))).evidence
}

async function onePass(
  inputs: readonly EvidenceInput[],
  ingestOptions: Omit<BuildEvidenceOptions, 'warnings'>,
  warnings: WarningSink,
  ioWindows: readonly HostBridgeIoWindow[],
): Promise<{builder: EvidenceBuilder; evidence: EvidenceSet}> {
  const builder = new EvidenceBuilder(warnings, ioWindows)
  for (const input of inputs) {
    const summary = await ingestFile(input.path, builder, {...ingestOptions, format: input.format, warnings, ...(input.displayName ? {displayName: input.displayName} : {})} as IngestOptions)
    builder.endInput(summary)
  }
  return {builder, evidence: builder.finish()}
}

async function allReadableAgain(inputs: readonly EvidenceInput[]): Promise<boolean> {
  for (const input of inputs) {
    if (input.path === STDIN_PATH) return false
    const st = await stat(input.path).catch(() => undefined)
    if (!st || !(st.isFile() || st.isDirectory())) return false
  }
  return true
}
