/**
 * Runs case replays, in parallel when compiled: this thread plus `jobs - 1` worker threads (at most
 * one runner per case) take cases from one queue; --jobs 1 and TypeScript sources under a test
 * runner replay in this thread only.
 *
 * Why this thread works too: a worker must load and warm up the whole model before its first case
 * (a few hundred ms on a busy 2-core machine), so one worker per core with an idle main thread was
 * slower than --jobs 1 on the shipped corpus; the main thread starts on the first case at once.
 */
import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'
import type {CaseReplayResult, CaseReplayer} from '../golden/check.js'
import type {CorpusPaths} from '../golden/corpus.js'
import type {CaseReplayOptions} from './case.js'

export type CaseOutcome = CaseReplayResult | {error: string; exitCode: number}

export interface WorkerRequest {
  readonly root: string
  readonly name: string
  readonly opts: CaseReplayOptions
}

export function createCaseReplayer(paths: CorpusPaths, opts: CaseReplayOptions & {jobs?: number}): CaseReplayer {
  const {jobs: requested, ...replayOpts} = opts
  return async (names, onDone) => {
    const jobs = Math.max(1, Math.min(requested ?? availableParallelism(), names.length))
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
