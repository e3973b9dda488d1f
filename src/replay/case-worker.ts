/** Worker thread body: replays the cases it is sent, one at a time. */
import {parentPort} from 'node:worker_threads'
import {corpusPaths} from '../corpus/corpus.js'
import {replayCaseSafely, type WorkerRequest} from './pool.js'

parentPort?.on('message', async (req: WorkerRequest) => {
  const outcome = await replayCaseSafely(corpusPaths(req.root), req.name, req.opts, req.compare)
  parentPort?.postMessage({name: req.name, outcome})
})
