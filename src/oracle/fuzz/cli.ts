/**
 * `npm run fuzz:oracle`: differential fuzzing of the model against the kernel code for every profile
 * (default 10,000 inputs each), seeded from QEMU-shaped images and the shipped corpus. Prints the
 * agreement figures; exits 1 if a disagreement not already known (known-open.ts) turns up.
 *   tsx src/oracle/fuzz/cli.ts [--count N | --random N] [--seed S] [--profile P]... [--corpus DIR] [--build] [--show N]
 * --count: inputs in all, the boundary seeds (boundaries.ts) first; --random: every boundary seed and
 * then N generated inputs.
 */
import {parseArgs} from 'node:util'
import {profileByName} from '../../model/profiles.js'
import {KERNEL_SERIES} from '../../model/series.js'
import {buildOracle} from '../build.js'
import {formatDifferences} from '../compare.js'
import {imageFromInput, loadCorpus} from '../corpus.js'
import {ensureDebianTree, type DebianSeries} from '../debian.js'
import {resolveOracle} from '../resolve.js'
import {OracleProcess} from '../run.js'
import {boundaryImages} from './boundaries.js'
import {checkImage, fuzzProfile} from './fuzz.js'
import type {ConfigImage} from './image.js'
import {knownOpenClassOf} from './known-open.js'
import {minimizeImage, toSparse} from './minimize.js'
import {rngFrom} from './mutate.js'

const {values} = parseArgs({
  options: {
    count: {type: 'string', default: '10000'},
    random: {type: 'string'},
    seed: {type: 'string', default: '1'},
    profile: {type: 'string', multiple: true},
    corpus: {type: 'string', default: 'traces'},
    build: {type: 'boolean', default: false},
    show: {type: 'string', default: '3'},
  },
})
const count = values.random === undefined ? Number(values.count) : boundaryImages().length + Number(values.random)
const seed = Number(values.seed)
const profiles = values.profile?.length ? values.profile : KERNEL_SERIES

const corpus = await loadCorpus(values.corpus!).catch(() => [])
let failed = false
for (const name of profiles) {
  const profile = profileByName(name)
  if (!profile) throw new Error(`unknown profile ${name}`)
  let oracle = resolveOracle('auto', name)
  if (!oracle && values.build) {
    const tree = ensureDebianTree(name as DebianSeries)
    const built = buildOracle({kernelSource: tree.dir, label: `debian-${name} ${tree.packageVersion}`})
    oracle = {binary: built.binary, manifest: built.manifest}
  }
  if (!oracle) {
    console.log(`${name}: no oracle build (run: probediff oracle build --debian ${name}, or pass --build)`)
    failed = true
    continue
  }
  const extraSeeds: ConfigImage[] = corpus.filter((d) => d.series === name).map((d) => imageFromInput(d.input))
  const proc = new OracleProcess(oracle.binary)
  const started = Date.now()
  const stats = await fuzzProfile(proc, profile, {count, seed, extraSeeds, maxFindings: 100_000})
  const seconds = (Date.now() - started) / 1000
  const byClass = new Map<string, number>()
  const unexplained = stats.findings.filter((f) => {
    const k = knownOpenClassOf(f)
    if (k) byClass.set(k.id, (byClass.get(k.id) ?? 0) + 1)
    return !k
  })
  const pct = ((100 * stats.agree + 100 * stats.bothUndetermined + 100 * stats.fillInConfirmed) / stats.inputs).toFixed(2)
  console.log(
    `${name} (oracle: Linux ${oracle.manifest?.kernelVersion ?? '?'}): ${stats.inputs} inputs in ${seconds.toFixed(1)} s, ` +
      `agree ${stats.agree} + both undetermined ${stats.bothUndetermined} + confirmed by fill-in ${stats.fillInConfirmed} (${pct}%), ` +
      `disagree ${stats.disagree} (known open: ${[...byClass].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}; new: ${unexplained.length})`,
  )
  console.log(`  kernel rc: ${Object.entries(stats.kernelRc).map(([rc, n]) => `${rc} ${n}`).join(', ')}; ${extraSeeds.length} corpus seeds`)
  console.log(`  kernel messages reached:\n${Object.entries(stats.kernelMessages).sort((a, b) => b[1] - a[1]).map(([t, n]) => `    ${String(n).padStart(6)}  ${t}`).join('\n')}`)
  for (const f of unexplained.slice(0, Number(values.show))) {
    const min = await minimizeImage(proc, profile, f.image, [...new Set(f.differences.map((d) => d.kind))])
    const r = await checkImage(proc, profile, `${f.id}-min`, min, rngFrom(1))
    console.log(`  NEW ${f.id} (${f.ops.join(' ')}), minimized input:\n    ${JSON.stringify(toSparse(min))}`)
    console.log('    ' + formatDifferences(r.differences).replaceAll('\n', '\n    '))
  }
  if (unexplained.length) failed = true
  await proc.close()
}
process.exitCode = failed ? 1 : 0
