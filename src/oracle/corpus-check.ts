/**
 * The corpus through the kernel code: every shipped virtio-pci function runs on the oracle of its
 * series and is compared with the model, and optionally with a second oracle (a patched tree against
 * the stock one: which devices change).
 */
import {predict} from '../model/virtio-pci-probe.js'
import {compareWithModel, type OracleComparison} from './compare.js'
import {type CorpusDevice, loadCorpus} from './corpus.js'
import {OraclePool} from './pool.js'
import type {OracleResult} from './result.js'

export interface CorpusDeviceCheck {
  readonly device: Omit<CorpusDevice, 'input'>
  /** The release the oracle was built from (its profile name): what the model and `against` ran at. */
  readonly release?: string
  /** Undefined when no oracle was found for the device's series. */
  readonly kernel?: OracleResult
  readonly model?: OracleComparison
  /** With `against`: the other oracle's result, and whether it differs from `kernel`. */
  readonly against?: OracleResult
  readonly changed?: boolean
}

export interface CorpusCheckOptions {
  readonly tracesDir: string
  /** Harness path, build directory or `auto`. */
  readonly oracle: string
  readonly against?: string
  /** Only cases whose name matches (exactly or as a glob). */
  readonly filter?: string
  /** Told about each case that cannot be used. */
  readonly onSkip?: (caseName: string, reason: string) => void
}

const outcomeKey = (r: OracleResult): string =>
  JSON.stringify([r.rc, r.transport, r.virtioDeviceId, r.configOps, r.messages, r.mappings.filter((m) => m.ok).map((m) => [m.bar, m.offset, m.length])])

export async function checkCorpus(opts: CorpusCheckOptions): Promise<CorpusDeviceCheck[]> {
  const devices = await loadCorpus(opts.tracesDir, {filter: opts.filter, onSkip: opts.onSkip})
  const pool = new OraclePool(opts.oracle)
  const other = opts.against ? new OraclePool(opts.against) : undefined
  try {
    const out: CorpusDeviceCheck[] = []
    for (const d of devices) {
      const {input, ...device} = d
      const id = `${d.caseName}/${d.bdf}`
      // Like with like: the model, and `against`, run at the release the oracle was built from (a
      // 5.10 capture's config space through a 6.1 build is compared with the 6.1 model).
      const release = pool.releaseFor(d.series)
      const kernel = release ? await pool.run(d.series, {id, input}) : undefined
      const model = kernel && release ? compareWithModel(kernel, predict(input, release)) : undefined
      const against = other && release ? await other.run(release.name, {id, input}) : undefined
      out.push({
        device,
        ...(release ? {release: release.name} : {}),
        ...(kernel ? {kernel} : {}),
        ...(model ? {model} : {}),
        ...(against ? {against, changed: kernel ? outcomeKey(kernel) !== outcomeKey(against) : true} : {}),
      })
    }
    return out
  } finally {
    await pool.close()
    await other?.close()
  }
}
