#!/usr/bin/env node
// Checks that migrating goldens from schema 1 (every decision step with its reads) to schema 2 (the
// claim) lost nothing of the claim: for every golden of REV (schema 1), each claim field is read
// straight from the old file, without probediff's migration code, and compared with the golden of
// the working tree (schema 2, written by `probediff check --update`).
// Usage: node scripts/golden-migration-check.mjs REV   (REV: a commit whose golden/ is schema 1, such
// as the commit before the migration; its goldens' cases must match the working tree's)
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
const rev = process.argv[2]
if (!rev) throw new Error('usage: node scripts/golden-migration-check.mjs REV (a commit whose goldens are schema 1)')
const git = (...args) => execFileSync('git', args, {encoding: 'utf8', maxBuffer: 1 << 30})
const files = git('ls-tree', '--name-only', `${rev}:golden`).split('\n').filter((f) => f.endsWith('.json'))
let devices = 0, compared = 0, bad = 0
const eq = (a, b, what) => { compared++; if (JSON.stringify(a) !== JSON.stringify(b)) { bad++; console.log('DIFF', what, JSON.stringify(a), JSON.stringify(b)) } }
const strip = (o, keys) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)))
const sortk = (v) => Array.isArray(v) ? v.map(sortk) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortk(v[k])])) : v
for (const f of files) {
  const o = JSON.parse(git('show', `${rev}:golden/${f}`)), n = JSON.parse(fs.readFileSync(`golden/${f}`, 'utf8'))
  if (o.header.schema !== 1) throw new Error(`${rev}:golden/${f} is schema ${o.header.schema}, not 1`)
  eq(o.header.traceSha256, n.header.inputs.sha256, `${f} inputs`); eq(o.header.kernelProfile, n.header.kernelProfile, f)
  eq(o.devices.length, n.devices.length, `${f} count`)
  o.devices.forEach((od, i) => {
    const nd = n.devices[i]; devices++; const w = `${f} ${od.bdf}`
    for (const k of ['bdf', 'qemuDevice', 'pci', 'verdict']) eq(od[k], nd[k], `${w} ${k}`)
    eq(od.kernel, nd.kernel.profile, `${w} kernel`); eq(od.predicted.kernel.version, nd.kernel.version, `${w} version`)
    if (od.predicted.kernel.selection) eq(od.predicted.kernel.selection.split(':')[0], nd.kernel.release, `${w} release`)
    eq(od.lints.map((l) => l.code), nd.lints, `${w} lints`)
    const op = od.predicted, np = nd.predicted
    for (const k of ['transport', 'rc', 'virtioDeviceId', 'virtioType', 'virtioDeviceIdUnknownOffsets', 'configOps', 'modernBars', 'driverMatched', 'notify', 'undeterminedOffsets', 'undeterminedBars', 'usesInferred']) eq(op[k], np[k], `${w} ${k}`)
    eq(op.messageDetails, np.messages, `${w} messages`); eq(op.messages, np.messages.map((m) => m.text), `${w} message texts`)
    eq(op.mappings.map((m) => strip(m, ['minlen', 'align', 'size'])), np.mappings.map(sortk), `${w} mappings`)
    eq(op.path.filter((s) => s.check).map((s) => [s.fn, s.check]), np.checks.map((c) => [c.fn, c.check]), `${w} checks`)
    if (od.observed) eq(strip(od.observed, ['transportEvidence', 'acknowledgedEvidence', 'driverFailure']), strip(nd.observed, ['driverFailure']), `${w} observed`)
    if (od.observed?.driverFailure) eq(strip(od.observed.driverFailure, ['source']), nd.observed.driverFailure, `${w} driverFailure`)
    eq((od.setupVq ?? []).map((q) => [q.index, q.rc, q.notify, q.messages, q.path.filter((s) => s.check).map((s) => s.check)]), (nd.setupVq ?? []).map((q) => [q.index, q.rc, q.notify, q.messages, q.checks.map((c) => c.check)]), `${w} setupVq`)
  })
}
console.log(`${files.length} goldens, ${devices} devices, ${compared} fields compared, ${bad} differ`)
process.exit(bad ? 1 : 0)
