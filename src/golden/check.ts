/**
 * `probediff check`: replay every case, compare with its golden and with what the traced kernel did.
 * This module decides statuses and writes goldens; rendering lives in src/report/check-report.ts.
 */
import {rm} from 'node:fs/promises'
import type {VerdictKind} from '../outcome/types.js'
import {InputError, UsageError} from '../util/errors.js'
import {
  type CorpusPaths,
  goldenPath,
  listCases,
  listGoldenFiles,
  pendingPath,
  validateCaseName,
} from '../corpus/corpus.js'
import {type GoldenDocument, readGolden, renderGolden, writeGolden} from './golden-file.js'
import {goldenDiff} from './diff.js'
import {type Shard, selectShard} from './shard.js'
import type {UpdateMode} from './update-mode.js'

export interface DeviceVerdict {
  readonly bdf: string
  readonly qemuDevice?: string
  readonly verdict: VerdictKind
  readonly reason?: string
  /** Three-way check with the kernel-source oracle, when requested. */
  readonly oracle?: {readonly agree: boolean; readonly differences: readonly string[]}
}

export interface CaseReplayResult {
  readonly doc: GoldenDocument
  readonly devices: readonly DeviceVerdict[]
  readonly warnings: readonly string[]
}

/**
 * Replays cases and compares each with its golden (compareCase) where it was replayed, so that only
 * the report, never the golden document, is kept or crosses threads. A case whose inputs cannot be
 * replayed gives `error`; a golden that cannot be read or written gives `fatal` (it ends the run).
 */
export type CaseReplayer = (
  names: readonly string[],
  compare: CompareOptions,
  onDone: (name: string) => void,
) => Promise<Map<string, CaseReport | {error: string; exitCode: number; fatal?: boolean}>>

/** What comparing a replayed case with its golden needs (plain data: it goes to worker threads). */
export interface CompareOptions {
  readonly paths: CorpusPaths
  readonly update: UpdateMode
  readonly color: boolean
  /** Fail on any oracle difference (set when --oracle is given). */
  readonly oracle?: boolean
}

export type GoldenStatus = 'match' | 'changed' | 'new' | 'stale' | 'error'
export type KernelStatus = VerdictKind | 'mixed' | 'n/a'

export interface CaseReport {
  readonly case: string
  readonly devices: number
  readonly golden: GoldenStatus
  readonly kernel: KernelStatus
  readonly deviceVerdicts: readonly DeviceVerdict[]
  /** Unified diff against the accepted golden (changed / stale). */
  readonly diff?: string
  /** What this run wrote for the case. */
  readonly wrote?: 'golden' | 'pending'
  readonly error?: string
  readonly warnings: readonly string[]
  /** False if this case makes the run fail. */
  readonly ok: boolean
}

export interface CheckOptions {
  readonly paths: CorpusPaths
  readonly cases?: readonly string[]
  readonly update: UpdateMode
  readonly ci: boolean
  readonly shard?: Shard
  readonly color: boolean
  readonly replay: CaseReplayer
  readonly onStart?: (caseCount: number) => void
  readonly onCaseDone?: (name: string) => void
  /** Fail on any oracle difference (set when --oracle is given). */
  readonly oracle?: boolean
}

export interface CheckResult {
  readonly cases: readonly CaseReport[]
  /** Goldens (and pending files) whose case no longer exists. */
  readonly obsolete: readonly string[]
  readonly update: UpdateMode
  readonly ci: boolean
  readonly exitCode: 0 | 1 | 2
}

export async function runCheck(opts: CheckOptions): Promise<CheckResult> {
  const all = await listCases(opts.paths)
  let names: string[]
  if (opts.cases && opts.cases.length > 0) {
    names = opts.cases.map(validateCaseName)
    const missing = names.filter((n) => !all.includes(n))
    if (missing.length > 0) throw new UsageError(`no such case: ${missing.join(', ')} (cases live in traces/<case>/case.json)`)
  } else {
    names = all
  }
  names = selectShard(names, opts.shard)

  opts.onStart?.(names.length)
  const compare: CompareOptions = {paths: opts.paths, update: opts.update, color: opts.color, oracle: opts.oracle}
  const results = await opts.replay(names, compare, (n) => opts.onCaseDone?.(n))
  const reports: CaseReport[] = []
  for (const name of names) {
    const result = results.get(name)
    if (result && 'fatal' in result && result.fatal) throw new InputError(result.error)
    reports.push(!result || 'error' in result ? errorReport(name, result?.error ?? 'no result') : result)
  }

  // Obsolete goldens are judged on a whole-corpus run only (in shard 1 when sharded).
  const wholeCorpus = !opts.cases?.length && (!opts.shard || opts.shard.index === 1)
  const obsolete = wholeCorpus ? await findObsolete(opts.paths, all) : []

  const inputError = reports.some((r) => r.golden === 'error')
  const failed = reports.some((r) => !r.ok) || (opts.ci && obsolete.length > 0)
  return {cases: reports, obsolete, update: opts.update, ci: opts.ci, exitCode: inputError ? 2 : failed ? 1 : 0}
}

export async function compareCase(name: string, result: CaseReplayResult, opts: CompareOptions): Promise<CaseReport> {
  const {paths} = opts
  const newText = renderGolden(result.doc)
  const existing = await readGolden(goldenPath(paths, name))
  let golden: GoldenStatus
  let diff: string | undefined
  if (!existing) golden = 'new'
  else if (existing.text === newText) golden = 'match'
  else {
    golden = existing.doc.header.traceSha256 === result.doc.header.traceSha256 ? 'changed' : 'stale'
    diff = goldenDiff(name, existing.text, newText, opts.color)
  }

  let wrote: CaseReport['wrote']
  if (golden === 'match') {
    // A pending file for a case that matches again is leftover: nothing to review.
    await rm(pendingPath(paths, name), {force: true})
  } else if (opts.update === 'all') {
    await writeGolden(goldenPath(paths, name), result.doc)
    await rm(pendingPath(paths, name), {force: true})
    wrote = 'golden'
  } else if (opts.update === 'new') {
    await writeGolden(pendingPath(paths, name), result.doc)
    wrote = 'pending'
  }

  const kernel = kernelStatus(result.devices)
  const oracleFailed = opts.oracle === true && result.devices.some((d) => d.oracle && !d.oracle.agree)
  const goldenOk = golden === 'match' || wrote === 'golden'
  return {
    case: name,
    devices: result.devices.length,
    golden,
    kernel,
    deviceVerdicts: result.devices,
    diff,
    wrote,
    warnings: result.warnings,
    ok: goldenOk && kernel !== 'disagree' && !oracleFailed,
  }
}

/** One word for a case: agree only if every device agrees; disagree if any does. */
export function kernelStatus(devices: readonly DeviceVerdict[]): KernelStatus {
  if (devices.length === 0) return 'n/a'
  if (devices.some((d) => d.verdict === 'disagree')) return 'disagree'
  if (devices.every((d) => d.verdict === 'agree')) return 'agree'
  if (devices.every((d) => d.verdict === 'undetermined')) return 'undetermined'
  return 'mixed'
}

function errorReport(name: string, error: string): CaseReport {
  return {case: name, devices: 0, golden: 'error', kernel: 'n/a', deviceVerdicts: [], error, warnings: [], ok: false}
}

async function findObsolete(paths: CorpusPaths, cases: readonly string[]): Promise<string[]> {
  const {goldens, pending} = await listGoldenFiles(paths)
  const live = new Set(cases)
  return [...new Set([...goldens, ...pending])].filter((n) => !live.has(n)).sort()
}
