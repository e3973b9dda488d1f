/**
 * Runs case replays, in parallel when compiled: this thread plus `jobs - 1` worker threads (at most
 * one runner per case) take cases from one queue; TypeScript sources under a test runner replay in
 * this thread only.
 *
 * Why this thread works too, and why few workers by default: a thread must load the model and warm
 * it up (JIT) before it runs at full speed; on the shipped corpus the first eight trace cases of a
 * thread take ~0.6 s more than they do warm. So an extra thread only pays off with many cases: with
 * 45 cases on an idle 2-core machine two threads were no faster than one (2.04 vs 2.10 s best), and
 * with the machine busy they were much slower (3.7-4.7 vs 2.6-3.4 s).
 */
import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'
import type {CaseReplayResult, CaseReplayer} from '../golden/check.js'
import type {CorpusPaths} from '../corpus/corpus.js'
import type {CaseReplayOptions} from './case.js'

/** Default: one extra thread per this many cases (twice the break-even measured above), up to one per core. */
const CASES_PER_EXTRA_THREAD = 90

export type CaseOutcome = CaseReplayResult | {error: string; exitCode: number}

export interface WorkerRequest {
  readonly root: string
  readonly name: string
  readonly opts: CaseReplayOptions
}

export function createCaseReplayer(paths: CorpusPaths, opts: CaseReplayOptions & {jobs?: number}): CaseReplayer {
  const {jobs: requested, ...replayOpts} = opts
  return async (names, onDone) => {
    const byDefault = Math.min(availableParallelism(), 1 + Math.floor(names.length / CASES_PER_EXTRA_THREAD))
    const jobs = Math.max(1, Math.min(requested ?? byDefault, names.length))
    const compiled = import.meta.url.endsWith('.js')
    return replayAll(paths, names, replayOpts, compiled ? jobs - 1 : 0, onDone)
  }
}

/** Replays one case; input problems become a per-case error, never an exception. */
export async function replayCaseSafely(paths: CorpusPaths, name: string, opts: CaseReplayOptions): Promise<CaseOutcome> {
  try {
    // Loaded on first use: a main thread that only hands out cases never needs the model.
    const {replayCase} = await import('./case.js')
    return await replayCase(paths, name, opts)
  } catch (error) {
    const e = error as Error & {exitCode?: number}
    if (typeof e.exitCode === 'number') return {error: e.message, exitCode: e.exitCode}
    return {error: `internal error: ${e.stack ?? e.message}`, exitCode: 1}
  }
}

async function replayAll(
  paths: CorpusPaths,
  names: readonly string[],
  opts: CaseReplayOptions,
  workers: number,
  onDone: (name: string) => void,
): Promise<Map<string, CaseOutcome>> {
  const results = new Map<string, CaseOutcome>()
  const queue = [...names]
  const done = (name: string, outcome: CaseOutcome) => {
    results.set(name, outcome)
    onDone(name)
  }
  const runners = [replayInThisThread(paths, queue, opts, done)]
  for (let i = 0; i < workers; i++) runners.push(replayInWorker(paths, queue, opts, done))
  await Promise.all(runners)
  return results
}

async function replayInThisThread(
  paths: CorpusPaths,
  queue: string[],
  opts: CaseReplayOptions,
  done: (name: string, outcome: CaseOutcome) => void,
): Promise<void> {
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) done(name, await replayCaseSafely(paths, name, opts))
}

function replayInWorker(
  paths: CorpusPaths,
  queue: string[],
  opts: CaseReplayOptions,
  done: (name: string, outcome: CaseOutcome) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./case-worker.js', import.meta.url))
    const next = () => {
      const name = queue.shift()
      if (name === undefined) {
        void worker.terminate()
        resolve()
        return
      }
      const request: WorkerRequest = {root: paths.root, name, opts}
      worker.postMessage(request)
    }
    worker.on('message', (msg: {name: string; outcome: CaseOutcome}) => {
      done(msg.name, msg.outcome)
      next()
    })
    worker.on('error', reject)
    next()
  })
}
