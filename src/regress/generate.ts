/**
 * Coverage-guided generation for `regress --coverage --budget N`: when the patch changed lines no
 * known config space reaches, mutate known config spaces (src/oracle/fuzz: cap fields, chain order,
 * BARs, ids, header) and run them through both sides in batches. The gcov counters accumulate over
 * the batches; after each, the patched side's coverage says which target lines are reached yet, and
 * the mutants of a batch that reached new kernel lines join the seeds (guidance at batch granularity:
 * gcov gives no per-case attribution). It stops when every target is reached or the budget is spent.
 * Every generated config space the two sides treat differently is returned. Not done yet: minimizing
 * those and saving them as fault cases (--save-cases).
 */
import type {CoverageReport, CoverageRun} from '../oracle/coverage.js'
import {type OracleCase} from '../oracle/case-format.js'
import {imageFromInput} from '../oracle/corpus.js'
import {caseFor, fillUnknown} from '../oracle/fuzz/fuzz.js'
import type {ConfigImage} from '../oracle/fuzz/image.js'
import {mutate, rngFrom} from '../oracle/fuzz/mutate.js'
import type {OracleResult} from '../oracle/result.js'
import {OracleProcess} from '../oracle/run.js'
import type {ChangedLine} from './changed-lines.js'
import type {ConfigSpace} from './config-spaces.js'

export interface GeneratedCase {
  readonly id: string
  /** The known config space it was mutated from (`case bdf`) and the mutations applied. */
  readonly from: string
  readonly ops: readonly string[]
  readonly case: OracleCase
  readonly base: OracleResult
  readonly patched: OracleResult
}

export interface GenerationOptions {
  readonly seeds: readonly ConfigSpace[]
  readonly binaries: {readonly base: string; readonly patched: string}
  readonly runs: readonly [CoverageRun, CoverageRun]
  /** Executable changed lines to reach (on the patched side, or removed lines on the base side). */
  readonly targets: readonly ChangedLine[]
  readonly budget: number
  readonly batchSize?: number
  readonly seed?: number
  /** True when the two results differ. */
  readonly differs: (a: OracleResult, b: OracleResult) => boolean
}

export interface GenerationResult {
  readonly generated: number
  readonly batches: number
  readonly differing: readonly GeneratedCase[]
  /** Targets still not reached when generation stopped. */
  readonly unreached: readonly ChangedLine[]
  readonly base: CoverageReport
  readonly patched: CoverageReport
}

const reached = (t: ChangedLine, base: CoverageReport, patched: CoverageReport): boolean =>
  ((t.side === 'base' ? base : patched).perLine.get(t.file)?.get(t.line) ?? 0) > 0

export async function generateForTargets(opts: GenerationOptions): Promise<GenerationResult> {
  const rng = rngFrom(opts.seed ?? 0x5eed)
  const batchSize = opts.batchSize ?? 256
  const pool: {image: ConfigImage; from: string}[] = opts.seeds.map((s) => ({image: imageFromInput(s.input), from: `${s.caseName} ${s.bdf}`}))
  const differing: GeneratedCase[] = []
  let [base, patched] = opts.runs.map((r) => r.collect()) as [CoverageReport, CoverageReport]
  let open = opts.targets.filter((t) => !reached(t, base, patched))
  let generated = 0
  let batches = 0
  while (open.length > 0 && generated < opts.budget && pool.length > 0) {
    const n = Math.min(batchSize, opts.budget - generated)
    const batch = Array.from({length: n}, (_, i) => {
      const seed = pool[Math.floor(rng() * pool.length)]!
      const {image, ops} = mutate(seed.image, rng)
      const id = `generated-${generated + i + 1}`
      return {id, from: seed.from, ops, image: fillUnknown(image, rng)}
    })
    const cases = batch.map((b) => caseFor(b.id, b.image))
    const procs = [new OracleProcess(opts.binaries.base, opts.runs[0].env), new OracleProcess(opts.binaries.patched, opts.runs[1].env)]
    let results: OracleResult[][]
    try {
      results = await Promise.all(procs.map((p) => p.runAll(cases)))
    } finally {
      await Promise.all(procs.map((p) => p.close()))
    }
    for (const [i, b] of batch.entries()) {
      if (opts.differs(results[0]![i]!, results[1]![i]!)) differing.push({id: b.id, from: b.from, ops: b.ops, case: cases[i]!, base: results[0]![i]!, patched: results[1]![i]!})
    }
    generated += n
    batches++
    const before = patched.lines.hit + base.lines.hit
    ;[base, patched] = opts.runs.map((r) => r.collect()) as [CoverageReport, CoverageReport]
    // A batch that reached kernel lines nothing reached before seeds the next ones.
    if (patched.lines.hit + base.lines.hit > before) for (const b of batch) pool.push({image: b.image, from: b.from})
    open = open.filter((t) => !reached(t, base, patched))
  }
  return {generated, batches, differing, unreached: open, base, patched}
}
