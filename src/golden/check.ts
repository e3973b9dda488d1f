/**
 * `probediff check`: replay every case, compare with its golden and with what the traced kernel did.
 * This module decides statuses and writes goldens; rendering lives in src/report/check-report.ts.
 */
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
import {type GoldenDocument, GOLDEN_SCHEMA_VERSION, claimsAsOf, readGolden, renderClaims, renderGolden, writeGolden} from './golden-file.js'
import {type GoldenChange, describeChange} from './diff.js'
import {removeGoldenFile} from './golden-write.js'
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
  /** Show a new golden's whole claim, not only its devices' summary. */
  readonly verbose?: boolean
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
  /** One line per changed device (changed / stale), or per device of a new golden. */
  readonly summary?: readonly string[]
  /** Unified diff of the claims, hunks named by device (changed / stale; new only when verbose). */
  readonly diff?: string
  /** On a match: the claim is the same but the header is not (the inputs changed, an older schema
   * was migrated, another probediff version wrote it). Never a failure. */
  readonly header?: 'inputs-changed' | 'migrated' | 'outdated'
  /** What this run wrote for the case (`header`: the golden, with the same claim, refreshed). */
  readonly wrote?: 'golden' | 'pending' | 'header'
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
  readonly verbose?: boolean
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
  if (all.length === 0) throw new InputError('no cases found (a case is a directory traces/<case>/ with a case.json)', {file: opts.paths.tracesDir})
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
  const compare: CompareOptions = {paths: opts.paths, update: opts.update, verbose: opts.verbose, oracle: opts.oracle}
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

/**
 * Compares a replayed case with its golden on the claim alone; the header (input digests, tool
 * version, schema) only says why a matching golden would be rewritten. Writes only what `update`
 * allows: with `none` (CI's default) nothing in golden/ is written or removed.
 */
export async function compareCase(name: string, result: CaseReplayResult, opts: CompareOptions): Promise<CaseReport> {
  const {paths} = opts
  const fresh = result.doc
  const existing = await readGolden(goldenPath(paths, name))
  let golden: GoldenStatus
  let change: GoldenChange | undefined
  let header: CaseReport['header']
  if (!existing) {
    golden = 'new'
    change = describeChange(name, undefined, fresh.devices, {verbose: opts.verbose})
  } else {
    const comparable = claimsAsOf(existing.schema, fresh.devices)
    const inputsSame = existing.doc.header.inputs.sha256 === fresh.header.inputs.sha256
    if (renderClaims(comparable) === renderClaims(existing.doc.devices)) {
      golden = 'match'
      if (existing.schema !== GOLDEN_SCHEMA_VERSION) header = 'migrated'
      else if (!inputsSame) header = 'inputs-changed'
      else if (existing.text !== renderGolden(fresh)) header = 'outdated'
    } else {
      golden = inputsSame ? 'changed' : 'stale'
      change = describeChange(name, existing.doc.devices, comparable)
    }
  }

  let wrote: CaseReport['wrote']
  if (opts.update !== 'none') {
    if (golden === 'match') {
      if (header) {
        await writeGolden(goldenPath(paths, name), fresh)
        wrote = 'header'
      }
      // A pending file for a case that matches again is leftover: nothing to review.
      await removeGoldenFile(pendingPath(paths, name))
    } else if (opts.update === 'all') {
      await writeGolden(goldenPath(paths, name), fresh)
      await removeGoldenFile(pendingPath(paths, name))
      wrote = 'golden'
    } else {
      await writeGolden(pendingPath(paths, name), fresh)
      wrote = 'pending'
    }
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
    ...(change ? {summary: change.summary, ...(change.diff ? {diff: change.diff} : {})} : {}),
    ...(header ? {header} : {}),
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
