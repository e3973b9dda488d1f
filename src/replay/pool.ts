/**
 * Runs case replays: with one job in this thread; with more, in that many worker threads that take
 * cases from one queue while this thread only hands them out and collects the reports (goldens are
 * compared in the worker; only the report comes back). TypeScript sources under a test runner replay
 * in this thread only.
 *
 * Why few workers by default: a thread must load the model and warm it up (JIT) before it runs at
 * full speed; on the shipped corpus the first eight trace cases of a thread take ~0.6 s more than
 * they do warm. So an extra thread only pays off with many cases: with 45 cases on an idle 2-core
 * machine two threads were no faster than one (2.04 vs 2.10 s best); on 2,250 cases (load average
 * ~20) two threads took half the time of one (124 vs 245 s). So the default is one job per 90 cases
 * (twice that break-even), up to one per core.
 *
 * Why workers only, each with a small young generation: every thread is a V8 heap, and one that
 * replays lets its young generation grow to V8's default 48 MB and its old generation fill with what
 * the long-lived gzip and read buffers of each case leave behind. Measured on this 2-core machine at
 * load average 28-39 (other work: wall times there measure the neighbours, CPU and peak RSS hold),
 * `check --update=none` on the corpus copied 10 and 50 times:
 *   570 cases,   this thread + 1 worker (before): --jobs 1 22.3 s CPU 168 MB, --jobs 2 24.0 s 254 MB;
 *                2 workers, young generation 6 MB: --jobs 2 24.6 s CPU 186 MB;
 *   2,850 cases, this thread + 1 worker (before): --jobs 1 94.6 s CPU 201 MB, --jobs 2 132 s 254 MB;
 *                2 workers, young generation 6 MB: --jobs 2 93.9 s CPU 215 MB (--jobs 1: 104 s, 183 MB).
 * The young generation on 57 cases, --jobs 2: 3 MB 161 MB, 6 MB 167 MB, 12 MB 166 MB, default 186 MB,
 * CPU the same within noise (4.9-5.5 s). A cap on the old generation (32 or 48 MB) gave 143-145 MB on
 * 570 cases for 55-78% more CPU (constant major GCs): not taken.
 */
import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'
import type {CaseReplayer, CaseReport, CompareOptions} from '../golden/check.js'
import type {CorpusPaths} from '../corpus/corpus.js'
import type {CaseReplayOptions} from './case.js'

/** Default: one more job per this many cases (twice the break-even measured above), up to one per core. */
const CASES_PER_EXTRA_THREAD = 90
/** A worker's young generation, MB (V8's default grows to 48): see the measurement above. */
const WORKER_YOUNG_GENERATION_MB = 6

export type CaseOutcome = CaseReport | {error: string; exitCode: number; fatal?: boolean}

export interface WorkerRequest {
  readonly root: string
  readonly name: string
  readonly opts: CaseReplayOptions
  readonly compare: CompareOptions
}

export function createCaseReplayer(paths: CorpusPaths, opts: CaseReplayOptions & {jobs?: number}): CaseReplayer {
  const {jobs: requested, ...replayOpts} = opts
  return async (names, compare, onDone) => {
    const byDefault = Math.min(availableParallelism(), 1 + Math.floor(names.length / CASES_PER_EXTRA_THREAD))
    const jobs = Math.max(1, Math.min(requested ?? byDefault, names.length))
    const compiled = import.meta.url.endsWith('.js')
    return replayAll(paths, names, replayOpts, compare, compiled && jobs > 1 ? jobs : 0, onDone)
  }
}

/**
 * Replays one case and compares it with its golden; input problems become a per-case error, never an
 * exception, and a golden that cannot be read or written a fatal one.
 */
export async function replayCaseSafely(paths: CorpusPaths, name: string, opts: CaseReplayOptions, compare: CompareOptions): Promise<CaseOutcome> {
  // Loaded on first use: a main thread that only hands out cases never needs the model.
  const [{replayCase}, {compareCase}] = await Promise.all([import('./case.js'), import('../golden/check.js')])
  let result
  try {
    result = await replayCase(paths, name, opts)
  } catch (error) {
    return asOutcome(error, false)
  }
  try {
    return await compareCase(name, result, compare)
  } catch (error) {
    return asOutcome(error, true)
  }
}

function asOutcome(error: unknown, fatal: boolean): CaseOutcome {
  const e = error as Error & {exitCode?: number}
  if (typeof e.exitCode === 'number') return {error: e.message, exitCode: e.exitCode, ...(fatal ? {fatal} : {})}
  return {error: `internal error: ${e.stack ?? e.message}`, exitCode: 1, ...(fatal ? {fatal} : {})}
}

async function replayAll(
  paths: CorpusPaths,
  names: readonly string[],
  opts: CaseReplayOptions,
  compare: CompareOptions,
  workers: number,
  onDone: (name: string) => void,
): Promise<Map<string, CaseOutcome>> {
  const results = new Map<string, CaseOutcome>()
  const queue = [...names]
  const done = (name: string, outcome: CaseOutcome) => {
    results.set(name, outcome)
    onDone(name)
  }
  // One runner: this thread. Several: that many workers, and this thread only hands out cases.
  const runners = workers === 0 ? [replayInThisThread(paths, queue, opts, compare, done)] : []
  for (let i = 0; i < workers; i++) runners.push(replayInWorker(paths, queue, opts, compare, done))
  await Promise.all(runners)
  return results
}

async function replayInThisThread(
  paths: CorpusPaths,
  queue: string[],
  opts: CaseReplayOptions,
  compare: CompareOptions,
  done: (name: string, outcome: CaseOutcome) => void,
): Promise<void> {
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) done(name, await replayCaseSafely(paths, name, opts, compare))
}

function replayInWorker(
  paths: CorpusPaths,
  queue: string[],
  opts: CaseReplayOptions,
  compare: CompareOptions,
  done: (name: string, outcome: CaseOutcome) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./case-worker.js', import.meta.url), {resourceLimits: {maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB}})
    let finished = false
    const next = () => {
      const name = queue.shift()
      if (name === undefined) {
        finished = true
        void worker.terminate()
        resolve()
        return
      }
      const request: WorkerRequest = {root: paths.root, name, opts, compare}
      worker.postMessage(request)
    }
    worker.on('message', (msg: {name: string; outcome: CaseOutcome}) => {
      done(msg.name, msg.outcome)
      next()
    })
    worker.on('error', reject)
    worker.on('exit', (code) => {
      if (!finished) reject(new Error(`a case worker stopped (exit code ${code}) before its cases were done`))
    })
    next()
  })
}
