/**
 * Coverage-guided generation for `regress --coverage --budget N`: when the patch changed lines no
 * known config space reaches, mutate known config spaces (src/oracle/fuzz: cap fields, chain order,
 * BARs, ids, header) and run them through both sides in batches. The gcov counters accumulate over
 * the batches; after each, the patched side's coverage says which target lines are reached yet, and
 * the mutants of a batch that reached new kernel lines join the seeds (guidance at batch granularity:
 * gcov gives no per-case attribution). It stops when every target is reached or the budget is spent.
 * Every generated config space the two sides treat differently is returned, with the known config
 * space it descends from; minimizeDiffering shrinks each to the fewest changes from that seed.
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
import {type ConfigChange, minimizeChanges} from './minimize.js'

export interface GeneratedCase {
  readonly id: string
  /** The known config space it was mutated from (`case bdf`) and the mutations applied. */
  readonly from: string
  readonly ops: readonly string[]
  /** The known config space it descends from, and the generated image. */
  readonly seed: ConfigImage
  readonly image: ConfigImage
  readonly case: OracleCase
  readonly base: OracleResult
  readonly patched: OracleResult
}

/** `--budget`: at most this many generated config spaces, or this much time generating. */
export type Budget = {readonly count: number} | {readonly seconds: number}

export interface GenerationOptions {
  readonly seeds: readonly ConfigSpace[]
  readonly binaries: {readonly base: string; readonly patched: string}
  readonly runs: readonly [CoverageRun, CoverageRun]
  /** Executable changed lines to reach (on the patched side, or removed lines on the base side). */
  readonly targets: readonly ChangedLine[]
  readonly budget: Budget
  readonly batchSize?: number
  readonly seed?: number
  /** Whether a target is reached yet (default: its own line's gcov count; regress counts a
   * continuation line on the line its statement starts on). */
  readonly isReached?: (t: ChangedLine, base: CoverageReport, patched: CoverageReport) => boolean
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
  // Each pool entry keeps the known config space it descends from (root) and the mutations since.
  const pool: {image: ConfigImage; from: string; root: ConfigImage; ops: readonly string[]}[] = opts.seeds.map((s) => {
    const image = imageFromInput(s.input)
    return {image, from: `${s.caseName} ${s.bdf}`, root: image, ops: []}
  })
  const differing: GeneratedCase[] = []
  let [base, patched] = opts.runs.map((r) => r.collect()) as [CoverageReport, CoverageReport]
  const isReached = opts.isReached ?? reached
  let open = opts.targets.filter((t) => !isReached(t, base, patched))
  let generated = 0
  let batches = 0
  const started = process.hrtime.bigint()
  const left = (): number => ('count' in opts.budget ? opts.budget.count - generated : opts.budget.seconds - Number(process.hrtime.bigint() - started) / 1e9)
  while (open.length > 0 && left() > 0 && pool.length > 0) {
    const n = 'count' in opts.budget ? Math.min(batchSize, opts.budget.count - generated) : batchSize
    const batch = Array.from({length: n}, (_, i) => {
      const seed = pool[Math.floor(rng() * pool.length)]!
      const {image, ops} = mutate(seed.image, rng)
      const id = `generated-${generated + i + 1}`
      return {id, from: seed.from, root: seed.root, ops: [...seed.ops, ...ops], image: fillUnknown(image, rng)}
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
      if (opts.differs(results[0]![i]!, results[1]![i]!)) differing.push({id: b.id, from: b.from, ops: b.ops, seed: b.root, image: b.image, case: cases[i]!, base: results[0]![i]!, patched: results[1]![i]!})
    }
    generated += n
    batches++
    const before = patched.lines.hit + base.lines.hit
    ;[base, patched] = opts.runs.map((r) => r.collect()) as [CoverageReport, CoverageReport]
    // A batch that reached kernel lines nothing reached before seeds the next ones.
    if (patched.lines.hit + base.lines.hit > before) for (const b of batch) pool.push({image: b.image, from: b.from, root: b.root, ops: b.ops})
    open = open.filter((t) => !isReached(t, base, patched))
  }
  return {generated, batches, differing, unreached: open, base, patched}
}

export interface MinimizedCase extends GeneratedCase {
  /** The fewest changes from the seed that still differ in the same way, and how many there were. */
  readonly changes: readonly ConfigChange[]
  readonly changesBefore: number
  /** Other generated config spaces that minimized to the same changes. */
  readonly duplicates: number
}

/**
 * Minimizes every differing generated config space (minimize.ts) through one long-lived process per
 * side; those that shrink to the same changes of the same seed are reported once.
 */
export async function minimizeDiffering(
  differing: readonly GeneratedCase[],
  binaries: {readonly base: string; readonly patched: string},
  signature: (a: OracleResult, b: OracleResult) => string | undefined,
  /** Environments of the two processes (a coverage build's GCOV_PREFIX, so counters stay out of the build). */
  envs: readonly [Readonly<Record<string, string>> | undefined, Readonly<Record<string, string>> | undefined] = [undefined, undefined],
): Promise<MinimizedCase[]> {
  if (differing.length === 0) return []
  const procs = [new OracleProcess(binaries.base, envs[0]), new OracleProcess(binaries.patched, envs[1])] as const
  const out = new Map<string, MinimizedCase>()
  let n = 0
  try {
    const run = async (id: string, img: ConfigImage) => {
      const c = caseFor(id, img)
      const [b, p] = await Promise.all(procs.map((x) => x.run(c)))
      return {case: c, base: b!, patched: p!}
    }
    for (const g of differing) {
      const {changes, image, from} = await minimizeChanges(g.seed, g.image, async (img) => {
        const r = await run(`min-${++n}`, img)
        return signature(r.base, r.patched)
      })
      const key = `${g.from}\0${JSON.stringify(changes)}`
      const seen = out.get(key)
      if (seen) {
        out.set(key, {...seen, duplicates: seen.duplicates + 1})
        continue
      }
      const r = await run(g.id, image)
      out.set(key, {...g, image, case: r.case, base: r.base, patched: r.patched, changes, changesBefore: from, duplicates: 0})
    }
  } finally {
    await Promise.all(procs.map((p) => p.close()))
  }
  return [...out.values()]
}
