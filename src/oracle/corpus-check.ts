/**
 * The corpus through the kernel code: every shipped virtio-pci function runs on the oracle of its
 * series and is compared with the model, and optionally with a second oracle (a patched tree against
 * the stock one: which devices change).
 */
import {predict} from '../model/virtio-pci-probe.js'
import {profileByName} from '../model/profiles.js'
import {compareWithModel, type OracleComparison} from './compare.js'
import {type CorpusDevice, loadCorpus} from './corpus.js'
import {OraclePool} from './pool.js'
import type {OracleResult} from './result.js'

export interface CorpusDeviceCheck {
  readonly device: Omit<CorpusDevice, 'input'>
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
  /** Only cases whose name contains this. */
  readonly filter?: string
}

const outcomeKey = (r: OracleResult): string =>
  JSON.stringify([r.rc, r.transport, r.virtioDeviceId, r.configOps, r.messages, r.mappings.filter((m) => m.ok).map((m) => [m.bar, m.offset, m.length])])

export async function checkCorpus(opts: CorpusCheckOptions): Promise<CorpusDeviceCheck[]> {
  const devices = await loadCorpus(opts.tracesDir, opts.filter)
  const pool = new OraclePool(opts.oracle)
  const other = opts.against ? new OraclePool(opts.against) : undefined
  try {
    const out: CorpusDeviceCheck[] = []
    for (const d of devices) {
      const {input, ...device} = d
      const kernel = await pool.run(d.series, {id: `${d.caseName}/${d.bdf}`, input})
      const profile = profileByName(d.series)
      const model = kernel && profile ? compareWithModel(kernel, predict(input, profile)) : undefined
      const against = other ? await other.run(d.series, {id: `${d.caseName}/${d.bdf}`, input}) : undefined
      out.push({
        device,
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
