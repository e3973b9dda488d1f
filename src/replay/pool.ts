/**
 * Runs case replays, in parallel on worker threads when compiled (one per core, at most one per case),
 * or in this thread (--jobs 1, and when running from TypeScript sources under a test runner).
 */
import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'
import type {CaseReplayResult, CaseReplayer} from '../golden/check.js'
import type {CorpusPaths} from '../golden/corpus.js'
import {replayCase, type CaseReplayOptions} from './case.js'

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
    if (jobs === 1 || !compiled) return replayInThread(paths, names, replayOpts, onDone)
    return replayInWorkers(paths, names, replayOpts, jobs, onDone)
  }
}

async function replayInThread(
  paths: CorpusPaths,
  names: readonly string[],
  opts: CaseReplayOptions,
  onDone: (name: string) => void,
): Promise<Map<string, CaseOutcome>> {
  const results = new Map<string, CaseOutcome>()
  for (const name of names) {
    results.set(name, await replayCaseSafely(paths, name, opts))
    onDone(name)
  }
  return results
}

/** Replays one case; input problems become a per-case error, never an exception. */
export async function replayCaseSafely(paths: CorpusPaths, name: string, opts: CaseReplayOptions): Promise<CaseOutcome> {
  try {
    return await replayCase(paths, name, opts)
  } catch (error) {
    const e = error as Error & {exitCode?: number}
    if (typeof e.exitCode === 'number') return {error: e.message, exitCode: e.exitCode}
    return {error: `internal error: ${e.stack ?? e.message}`, exitCode: 1}
  }
}

function replayInWorkers(
  paths: CorpusPaths,
  names: readonly string[],
  opts: CaseReplayOptions,
  jobs: number,
  onDone: (name: string) => void,
): Promise<Map<string, CaseOutcome>> {
  const results = new Map<string, CaseOutcome>()
  const queue = [...names]
  return new Promise((resolve, reject) => {
    let running = jobs
    for (let i = 0; i < jobs; i++) {
      const worker = new Worker(new URL('./case-worker.js', import.meta.url))
      const next = () => {
        const name = queue.shift()
        if (name === undefined) {
          void worker.terminate()
          if (--running === 0) resolve(results)
          return
        }
        const request: WorkerRequest = {root: paths.root, name, opts}
        worker.postMessage(request)
      }
      worker.on('message', (msg: {name: string; outcome: CaseOutcome}) => {
        results.set(msg.name, msg.outcome)
        onDone(msg.name)
        next()
      })
      worker.on('error', reject)
      next()
    }
  })
}
