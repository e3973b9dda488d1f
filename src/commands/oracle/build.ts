import {statSync} from 'node:fs'
import {Flags} from '@oclif/core'
import {buildOracle} from '../../oracle/build.js'
import {DEBIAN_SERIES, ensureDebianTree} from '../../oracle/debian.js'
import {OracleBuildError} from '../../oracle/recipe.js'
import {UsageError} from '../../util/errors.js'
import {BaseCommand} from '../base.js'

export default class OracleBuild extends BaseCommand {
  static override summary = "Compile a kernel tree's own virtio-pci probe code into the oracle harness"
  static override description = `Lifts virtio_pci_probe, the modern and legacy probes, the PCI core's capability walk and region
requests and pci_iomap_range out of a kernel tree (never edited, never copied into probediff), compiles them with gcc
against probediff's stub kernel, and caches the harness under a sha256 of the sources. --debian fetches Debian's
linux-source-X package by name (apt-get download) into $PROBEDIFF_CACHE/oracle/. Prints the harness path.`
  static override examples = [
    '<%= config.bin %> oracle build --debian 6.1',
    '<%= config.bin %> oracle build --kernel-source ~/src/linux --out /tmp/my-oracle',
  ]
  static override flags = {
    'kernel-source': Flags.string({description: 'a kernel source tree', helpValue: 'DIR', exactlyOne: ['kernel-source', 'debian']}),
    debian: Flags.option({options: DEBIAN_SERIES, description: "Debian's linux-source package of this series"})(),
    out: Flags.string({description: 'build directory (default: a cached one under $PROBEDIFF_CACHE/oracle/builds)', helpValue: 'DIR'}),
  }

  async run(): Promise<{binary: string; kernelVersion: string; cached: boolean; buildSeconds: number; source: string}> {
    const {flags} = await this.parse(OracleBuild)
    const given = flags['kernel-source']
    if (given !== undefined && !statSync(given, {throwIfNoEntry: false})?.isDirectory()) throw new UsageError(`--kernel-source ${given}: not a directory`)
    try {
      let source = flags['kernel-source']
      let label: string | undefined
      if (flags.debian) {
        const tree = ensureDebianTree(flags.debian)
        source = tree.dir
        label = `debian-${flags.debian} ${tree.packageVersion}`
      }
      const started = Date.now()
      const r = buildOracle({kernelSource: source!, outDir: flags.out, label})
      const seconds = (Date.now() - started) / 1000
      this.log(`${r.cached ? 'cached' : `built in ${seconds.toFixed(1)} s`}: Linux ${r.manifest.kernelVersion}${label ? ` (${label})` : ''} -> ${r.binary}`)
      return {binary: r.binary, kernelVersion: r.manifest.kernelVersion, cached: r.cached, buildSeconds: r.manifest.buildSeconds, source: source!}
    } catch (err) {
      if (err instanceof OracleBuildError) {
        const where = [err.file, err.symbol].filter(Boolean).join(', ')
        return this.fail({code: 'oracle-build', message: `oracle build: ${err.message}${where && !err.message.includes(where) ? ` [${where}]` : ''}`, exit: 1})
      }
      throw err
    }
  }
}
