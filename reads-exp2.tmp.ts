import {profileByName} from './src/model/profiles.js'
import {predict} from './src/model/virtio-pci-probe.js'
import {resolveOracle} from './src/oracle/resolve.js'
import {OracleProcess} from './src/oracle/run.js'
import {caseFor} from './src/oracle/fuzz/fuzz.js'
import {toProbeInput, type ConfigImage} from './src/oracle/fuzz/image.js'
import {mutate, randomImage, rngFrom} from './src/oracle/fuzz/mutate.js'
import {SEEDS, boundaryImages, qemuLikeImage} from './src/oracle/fuzz/seeds.js'
import {ProbeRecorder} from './src/model/recorder.js'
import {mapVqNotify} from './src/model/setup-vq.js'
for (const name of ['5.10', '6.1', '6.12', 'mainline']) {
  const profile = profileByName(name)!
  const oracle = resolveOracle('auto', name)!
  const proc = new OracleProcess(oracle.binary)
  const rng = rngFrom(9)
  const seeds = SEEDS.map(qemuLikeImage)
  const imgs: ConfigImage[] = [...boundaryImages().map((b) => b.image)]
  for (let i = 0; i < 4000; i++) imgs.push(rng() < 0.75 ? mutate(seeds[Math.floor(rng() * seeds.length)]!, rng).image : randomImage(rng))
  const stat: Record<string, number> = {}
  const bump = (k: string) => (stat[k] = (stat[k] ?? 0) + 1)
  const shown: string[] = []
  for (let i = 0; i < imgs.length; i++) {
    const img = imgs[i]!
    const k = await proc.run(caseFor(`r${i}`, img))
    const input = toProbeInput(img)
    const m = predict(input, profile)
    let mr = m.path.filter((s) => s.fn !== 'pci_setup_device').flatMap((s) => s.reads).filter((r) => r.offset !== undefined).map((r) => `${Number.parseInt(r.offset!, 16)}/${r.width}`)
    if (img.queueNotifyOffs && m.rc === '0' && m.transport === 'modern' && k.queues) {
      img.queueNotifyOffs.forEach((off, index) => {
        const rec = new ProbeRecorder(input)
        mapVqNotify(rec, profile, m, index, off & 0xffff)
        mr = [...mr, ...rec.readsSince(0).filter((r) => r.offset !== undefined).map((r) => `${Number.parseInt(r.offset!, 16)}/${r.width}`)]
      })
    }
    const kr = k.reads.map(([o, w]) => `${o}/${w}`)
    const cls = `${k.rc === 'hang' || k.rc === 'undetermined' ? k.rc : 'det'}${m.rc === k.rc || (k.rc !== 'hang' && k.rc !== 'undetermined') ? '' : '/m' + m.rc}${img.queueNotifyOffs ? '+q' : ''}${kr.length >= 256 ? '+trunc' : ''}`
    const n = Math.min(mr.length, kr.length); const eq = k.rc === 'hang' ? kr.slice(0, n).join(' ') === mr.slice(0, n).join(' ') : kr.length >= 256 ? mr.slice(0, 256).join(' ') === kr.join(' ') : mr.join(' ') === kr.join(' ')
    bump(`${cls} ${eq ? 'same' : 'DIFF'}`)
    if (k.rc === 'undetermined' && m.rc === 'undetermined') {
      const ko = (k.undeterminedOffsets ?? []).map((o) => o.toString(16)).join(',') + '|' + (k.undeterminedBars ?? []).join(',')
      const mo = (m.undeterminedOffsets ?? []).map((o) => Number.parseInt(o, 16).toString(16)).join(',') + '|' + (m.undeterminedBars ?? []).join(',')
      bump(`undet-named ${ko === mo ? 'same' : 'DIFF'}`)
      if (ko !== mo && shown.length < 6) shown.push(`undet K ${ko} M ${mo}`)
    }
    if (!eq && k.rc !== 'undetermined' && shown.length < 6) shown.push(`${cls} rc ${k.rc}/${m.rc}\n M ${mr.join(' ')}\n K ${kr.join(' ')}`)
  }
  console.log(name, stat)
  for (const s of shown) console.log(s)
  await proc.close()
}
