#!/usr/bin/env node
// Rebuilds the hand-made fault cases traces/fault-*/ from the real seed config spaces in
// traces/fault-seeds/6.1/ (sysfs config + resource of a modern-only virtio-net and a transitional
// virtio-blk, copied out of a Debian 6.1 guest by `probediff capture --sysfs-dump`).
// Each case = one seed + a small documented mutation; every `from` value is checked against the seed
// before it is replaced, so a changed seed cannot silently produce a different case.
// Each case.json also records what the kernel-source oracle (src/oracle, the kernel's own virtio-pci
// code built from Debian sources) said about the case, from make-fault-cases.oracle.json.
// Usage: node scripts/make-fault-cases.mjs [--check] [--oracle]
//   --check   fail if a case on disk differs from what the seed and mutation give
//   --oracle  run every case through the cached oracle builds (needs `npm run build` and
//             `probediff oracle build --debian 5.10|6.1|6.12`) and refresh make-fault-cases.oracle.json
import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const seedDir = join(root, 'traces', 'fault-seeds', '6.1')
const capture = JSON.parse(readFileSync(join(seedDir, 'capture.json'), 'utf8'))
const oracleFile = join(root, 'scripts', 'make-fault-cases.oracle.json')
const readOracle = () => (existsSync(oracleFile) ? JSON.parse(readFileSync(oracleFile, 'utf8')) : {})

const MODERN = '0000:00:02.0' // virtio-net-pci,disable-legacy=on: 1af4:1041 rev 1, caps on BAR 4 (16 KiB)
const TRANSITIONAL = '0000:00:03.0' // virtio-blk-pci: 1af4:1001 rev 0, I/O BAR 0 + the same caps on BAR 4
const SEED_ARGS = {
  [MODERN]: 'virtio-net-pci,disable-legacy=on',
  [TRANSITIONAL]: 'virtio-blk-pci,drive=d0',
}

const SRC = {
  '5.10': 'Debian linux-source-5.10 5.10.223-1',
  '6.1': 'Debian linux-source-6.1 6.1.192-2',
  '6.12': 'Debian linux-source-6.12 6.12.117-1',
}
const MODERN_C = {
  '5.10': 'drivers/virtio/virtio_pci_modern.c',
  '6.1': 'drivers/virtio/virtio_pci_modern_dev.c',
  '6.12': 'drivers/virtio/virtio_pci_modern_dev.c',
}

/** Config mutation: little-endian `width` bytes at `offset`. */
const cfg = (offset, width, from, to, why) => ({file: 'config', offset, width, from, to, why})
/** resource mutation: one whole line (1-based) of the sysfs resource file. */
const res = (line, from, to, why) => ({file: 'resource', line, from, to, why})

const ZERO_RES = '0x0000000000000000 0x0000000000000000 0x0000000000000000'

const CASES = [
  {
    name: 'fault-control-modern',
    seed: MODERN,
    kernel: '6.1',
    notes: 'The unmutated modern-only seed: the baseline every modern fault case differs from.',
    mutation: [],
    check: {
      function: 'vp_modern_probe',
      file: MODERN_C['6.1'],
      rule: 'every check passes: common 0x40, isr 0x50, notify 0x70, device 0x60, all on BAR 4',
      message: null,
      rc: '0 (modern)',
      versions: '5.10, 6.1, 6.12',
      lines: 'virtio_pci_modern_dev.c:215-351',
    },
  },
  {
    name: 'fault-control-transitional',
    seed: TRANSITIONAL,
    kernel: '6.1',
    notes: 'The unmutated transitional seed: modern probe succeeds (the legacy BAR 0 stays unused).',
    mutation: [],
    check: {
      function: 'vp_modern_probe',
      file: MODERN_C['6.1'],
      rule: 'every check passes; device id 0x1001 < 0x1040 so the virtio id is the subsystem id (2, block)',
      message: null,
      rc: '0 (modern)',
      versions: '5.10, 6.1, 6.12',
      lines: 'virtio_pci_modern_dev.c:228-232',
    },
  },
  {
    name: 'fault-missing-notify',
    seed: MODERN,
    kernel: '6.1',
    mutation: [cfg(0x85, 1, 0x70, 0x60, 'next pointer of the PCI_CFG capability at 0x84 skips the NOTIFY_CFG capability at 0x70, unlinking it')],
    check: {
      function: 'vp_modern_probe',
      file: MODERN_C['6.1'],
      rule: '!isr || !notify after virtio_pci_find_capability(NOTIFY_CFG) returned 0',
      message: 'virtio-pci 0000:00:02.0: virtio_pci: missing capabilities 64/80/0',
      rc: '-EINVAL (-22), reported by call_driver_probe: "virtio-pci: probe of 0000:00:02.0 failed with error -22"',
      versions: 'same check and message in 5.10 (virtio_pci_modern_probe), 6.1 and 6.12',
      lines: 'virtio_pci_modern_dev.c:253-261; drivers/base/dd.c:575',
    },
  },
  {
    name: 'fault-short-common',
    seed: MODERN,
    kernel: '5.10',
    mutation: [cfg(0x4c, 4, 0x1000, 0x30, 'COMMON_CFG capability length 48, below sizeof(struct virtio_pci_common_cfg) = 56')],
    check: {
      function: 'map_capability',
      file: MODERN_C['5.10'],
      rule: 'length - start < minlen (minlen 56 for the common map)',
      message: 'virtio-pci 0000:00:02.0: virtio_pci: bad capability len 48 (>=56 expected)',
      rc: '-EINVAL (-22), reported by really_probe: "virtio-pci: probe of 0000:00:02.0 failed with error -22"',
      versions: '5.10 map_capability; the same check in vp_modern_map_capability of 6.1 and 6.12 (after the 5.19 bar re-check)',
      lines: 'virtio_pci_modern.c:91-96, 746-751; drivers/base/dd.c:655',
    },
  },
  {
    name: 'fault-misaligned-offset',
    seed: MODERN,
    kernel: '6.1',
    mutation: [cfg(0x48, 4, 0x0, 0x2, 'COMMON_CFG offset 2 in BAR 4: not 4-byte aligned')],
    check: {
      function: 'vp_modern_map_capability',
      file: MODERN_C['6.1'],
      rule: 'offset & (align - 1) (align 4 for the common map)',
      message: 'virtio-pci 0000:00:02.0: virtio_pci: offset 2 not aligned to 4',
      rc: '-EINVAL (-22), "virtio-pci: probe of 0000:00:02.0 failed with error -22"',
      versions: '5.10, 6.1, 6.12',
      lines: 'virtio_pci_modern_dev.c:71-76; drivers/base/dd.c:575',
    },
  },
  {
    name: 'fault-notify-out-of-bar',
    seed: MODERN,
    kernel: '6.12',
    mutation: [cfg(0x78, 4, 0x3000, 0x4000, 'NOTIFY_CFG offset 0x4000 = the end of the 16 KiB BAR 4: minlen 2 + offset > BAR length')],
    check: {
      function: 'vp_modern_map_capability',
      file: MODERN_C['6.12'],
      rule: 'minlen + offset > pci_resource_len(dev, bar) (notify length 0x1000 + 0x4000 % PAGE_SIZE <= PAGE_SIZE, so it is mapped whole at probe time)',
      message: 'virtio-pci 0000:00:02.0: virtio_pci: map virtio 2@16384 out of range on bar 4 length 16384',
      rc: '-EINVAL (-22), from 6.9 reported by dev_err: "virtio-pci 0000:00:02.0: probe with driver virtio-pci failed with error -22"',
      versions: '5.10, 6.1, 6.12 (only the dd.c report differs)',
      lines: 'virtio_pci_modern_dev.c:84-92, 333-340 (6.12); drivers/base/dd.c:655 (6.12)',
    },
  },
  {
    name: 'fault-bar-field-6',
    seed: MODERN,
    kernel: '6.1',
    mutation: [cfg(0x44, 1, 0x4, 0x6, 'COMMON_CFG bar field 6: a reserved BAR value')],
    check: {
      function: 'virtio_pci_find_capability',
      file: MODERN_C['6.1'],
      rule: 'bar >= PCI_STD_NUM_BARS: the capability is ignored; no other COMMON_CFG, so vp_modern_probe leaves the device to the legacy driver, whose device-id check (0x1041 > 0x103f) declines it',
      message: 'virtio-pci 0000:00:02.0: virtio_pci: leaving for legacy driver',
      rc: '-ENODEV, not printed at the default log level (dd.c pr_debug "rejects match")',
      versions: '5.10 spells it bar > 0x5; same effect in 6.1 and 6.12',
      lines: 'virtio_pci_modern_dev.c:130-132, 243-246; virtio_pci_legacy_dev.c:22; drivers/base/dd.c:568-572',
    },
  },
  {
    name: 'fault-first-cap-empty-bar',
    seed: MODERN,
    kernel: '6.1',
    mutation: [cfg(0x87, 1, 0x5, 0x1, 'the PCI_CFG capability at 0x84 (bar 0) becomes a second COMMON_CFG; it comes first in the walk and BAR 0 of this device is not implemented')],
    check: {
      function: 'virtio_pci_find_capability',
      file: MODERN_C['6.1'],
      rule: 'type matches but pci_resource_len(dev, 0) == 0: the walk goes on and the COMMON_CFG at 0x40 on BAR 4 is chosen',
      message: null,
      rc: '0 (modern)',
      versions: '5.10, 6.1, 6.12',
      lines: 'virtio_pci_modern_dev.c:134-140',
    },
  },
  {
    name: 'fault-cyclic-caplist',
    seed: MODERN,
    kernel: '6.1',
    mutation: [cfg(0x61, 1, 0x50, 0x70, 'next pointer of the DEVICE_CFG capability at 0x60 points back to 0x70: 0x84 -> 0x70 -> 0x60 -> 0x70 ..., COMMON_CFG (0x40) is no longer reachable')],
    check: {
      function: 'virtio_pci_find_capability',
      file: MODERN_C['6.1'],
      rule: 'the loop over pci_find_next_capability(dev, pos, PCI_CAP_ID_VNDR) has no bound of its own (each call has a fresh TTL of 48 in __pci_find_next_cap_ttl); with no COMMON_CFG on the cycle it never ends',
      message: null,
      rc: 'hang (the probe never returns)',
      versions: '5.10, 6.1, 6.12',
      lines: 'virtio_pci_modern_dev.c:119-142; drivers/pci/pci.c:421-443, 453-457',
    },
  },
  {
    name: 'fault-caplist-bit-clear',
    seed: TRANSITIONAL,
    kernel: '6.1',
    mutation: [cfg(0x6, 1, 0x10, 0x0, 'PCI_STATUS without PCI_STATUS_CAP_LIST: the capability list is not walked at all')],
    check: {
      function: 'virtio_pci_find_capability',
      file: MODERN_C['6.1'],
      rule: '__pci_bus_find_cap_start returns 0 without PCI_STATUS_CAP_LIST, so no COMMON_CFG is found: "leaving for legacy driver", -ENODEV, and the legacy probe takes the transitional device (id 0x1001, revision 0, I/O BAR 0)',
      message: 'virtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver',
      rc: '0 (legacy)',
      versions: '5.10, 6.1, 6.12',
      lines: 'drivers/pci/pci.c:460-478; virtio_pci_modern_dev.c:240-246; virtio_pci_common.c:554-557; virtio_pci_legacy_dev.c:22-26',
    },
  },
  {
    name: 'fault-device-id-out-of-range',
    seed: MODERN,
    kernel: '6.1',
    mutation: [cfg(0x2, 2, 0x1041, 0x1080, 'device id 0x1080, one past the virtio range 0x1000..0x107f')],
    check: {
      function: 'vp_modern_probe',
      file: MODERN_C['6.1'],
      rule: 'pci_dev->device > 0x107f: -ENODEV before anything is printed; the legacy probe then declines it too (> 0x103f)',
      message: null,
      rc: '-ENODEV, silent (dd.c pr_debug only)',
      versions: '5.10, 6.1; in 6.12 the same check sits in the else branch of mdev->device_id_check, which virtio_pci does not set',
      lines: 'virtio_pci_modern_dev.c:224-226; virtio_pci_legacy_dev.c:21-23; drivers/base/dd.c:568-572',
    },
  },
  {
    name: 'fault-legacy-revision-5.10',
    seed: TRANSITIONAL,
    kernel: '5.10',
    mutation: [
      cfg(0x6, 1, 0x10, 0x0, 'PCI_STATUS without PCI_STATUS_CAP_LIST, so the modern probe leaves the device to the legacy one'),
      cfg(0x8, 1, 0x0, 0x1, 'PCI revision 1: not the legacy ABI version 0'),
    ],
    check: {
      function: 'virtio_pci_legacy_probe',
      file: 'drivers/virtio/virtio_pci_legacy.c',
      rule: 'pci_dev->revision != VIRTIO_PCI_ABI_VERSION (0)',
      message: 'virtio_pci: expected ABI version 0, got 1 (printk KERN_ERR, no device prefix), after "virtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver"',
      rc: '-ENODEV, not reported by dd.c',
      versions: 'printed up to 5.15; silent in vp_legacy_probe (virtio_pci_legacy_dev.c, 5.16+: checked in 6.1.192 and 6.12.117)',
      lines: 'virtio_pci_legacy.c:221-225 (5.10); virtio_pci_modern.c:702-709 (5.10)',
    },
  },
  {
    name: 'fault-legacy-revision-6.1',
    seed: TRANSITIONAL,
    kernel: '6.1',
    mutation: [
      cfg(0x6, 1, 0x10, 0x0, 'PCI_STATUS without PCI_STATUS_CAP_LIST, so the modern probe leaves the device to the legacy one'),
      cfg(0x8, 1, 0x0, 0x1, 'PCI revision 1: not the legacy ABI version 0'),
    ],
    check: {
      function: 'vp_legacy_probe',
      file: 'drivers/virtio/virtio_pci_legacy_dev.c',
      rule: 'pci_dev->revision != VIRTIO_PCI_ABI_VERSION (0): return -ENODEV without a message',
      message: 'only "virtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver" (from the modern probe)',
      rc: '-ENODEV, not reported by dd.c',
      versions: 'silent in 6.1.192 and 6.12.117; 5.10 prints "virtio_pci: expected ABI version 0, got 1" (see fault-legacy-revision-5.10)',
      lines: 'virtio_pci_legacy_dev.c:25-26; virtio_pci_modern_dev.c:243-246',
    },
  },
  {
    name: 'fault-force-legacy-revision',
    seed: TRANSITIONAL,
    kernel: '5.10',
    forceLegacy: true,
    mutation: [cfg(0x8, 1, 0x0, 0x1, 'PCI revision 1 on a transitional device, with virtio_pci.force_legacy=1')],
    check: {
      function: 'virtio_pci_probe',
      file: 'drivers/virtio/virtio_pci_common.c',
      rule: 'force_legacy: the legacy probe fails the revision check with -ENODEV, so the modern probe is tried and succeeds',
      message: 'virtio_pci: expected ABI version 0, got 1',
      rc: '0 (modern)',
      versions: '5.10 prints the message; 6.1 and 6.12 are silent; the fallback is the same',
      lines: 'virtio_pci_common.c:536-541 (5.10); virtio_pci_legacy.c:221-225 (5.10)',
    },
  },
  {
    name: 'fault-notify-crosses-page',
    seed: MODERN,
    kernel: '6.1',
    mutation: [cfg(0x78, 4, 0x3000, 0x3800, 'NOTIFY_CFG offset 0x3800 with length 0x1000: the structure crosses a page boundary')],
    check: {
      function: 'vp_modern_probe',
      file: MODERN_C['6.1'],
      rule: 'notify_length + notify_offset % PAGE_SIZE > PAGE_SIZE: the notify structure is not mapped at probe time (notify_map_cap is kept, each queue is mapped at setup_vq)',
      message: null,
      rc: '0 (modern, per-queue notify mapping)',
      versions: '5.10, 6.1, 6.12',
      lines: 'virtio_pci_modern_dev.c:311-325',
    },
  },
  {
    name: 'fault-resource-bar4-empty',
    seed: MODERN,
    kernel: '6.1',
    mutation: [res(5, '0x00000000febf8000 0x00000000febfbfff 0x000000000014220c', ZERO_RES, 'BAR 4 resource empty (as when the PCI core could not assign it): every virtio capability points at a BAR of length 0')],
    check: {
      function: 'virtio_pci_find_capability',
      file: MODERN_C['6.1'],
      rule: 'pci_resource_len(dev, 4) == 0 for every capability: no COMMON_CFG found, "leaving for legacy driver"; the legacy probe declines device 0x1041',
      message: 'virtio-pci 0000:00:02.0: virtio_pci: leaving for legacy driver',
      rc: '-ENODEV, not reported by dd.c',
      versions: '5.10, 6.1, 6.12',
      lines: 'virtio_pci_modern_dev.c:134-140, 243-246; virtio_pci_legacy_dev.c:22',
    },
  },
  {
    name: 'fault-isr-len-zero',
    seed: MODERN,
    kernel: '6.1',
    mutation: [cfg(0x5c, 4, 0x1000, 0x0, 'ISR_CFG capability length 0')],
    check: {
      function: 'vp_modern_map_capability',
      file: MODERN_C['6.1'],
      rule: 'length <= start (start 0) when mapping the ISR structure, after the common map succeeded',
      message: 'virtio-pci 0000:00:02.0: virtio_pci: bad capability len 0 (>0 expected)',
      rc: '-EINVAL (-22), "virtio-pci: probe of 0000:00:02.0 failed with error -22"',
      versions: '5.10, 6.1, 6.12',
      lines: 'virtio_pci_modern_dev.c:46-51, 289-293; drivers/base/dd.c:575',
    },
  },
]

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex')
const hex = (n) => `0x${n.toString(16)}`

function applyConfig(bytes, m, name) {
  const have = bytes.readUIntLE(m.offset, m.width)
  if (have !== m.from) throw new Error(`${name}: config ${hex(m.offset)} is ${hex(have)} in the seed, the mutation expects ${hex(m.from)}`)
  bytes.writeUIntLE(m.to, m.offset, m.width)
}

function applyResource(lines, m, name) {
  if (lines[m.line - 1] !== m.from) throw new Error(`${name}: resource line ${m.line} is ${JSON.stringify(lines[m.line - 1])}, the mutation expects ${JSON.stringify(m.from)}`)
  lines[m.line - 1] = m.to
}

function buildCase(c, oracle) {
  const config = readFileSync(join(seedDir, c.seed, 'config'))
  const resource = readFileSync(join(seedDir, c.seed, 'resource'), 'latin1')
  const seedSha = {config: sha256(config), resource: sha256(Buffer.from(resource, 'latin1'))}
  const lines = resource.split('\n')
  for (const m of c.mutation) {
    if (m.file === 'config') applyConfig(config, m, c.name)
    else applyResource(lines, m, c.name)
  }
  const meta = {
    name: c.name,
    kind: 'fault',
    ...(c.notes ? {notes: c.notes} : {}),
    inputs: [c.seed],
    replay: {kernel: c.kernel, ...(c.forceLegacy ? {forceLegacy: true} : {})},
    seed: {
      from: `traces/fault-seeds/6.1/${c.seed}`,
      capture: 'traces/fault-seeds/6.1/capture.json',
      how: capture.reproduce,
      kernelPackage: `${capture.kernel.package.name} ${capture.kernel.package.version}`,
      qemu: capture.qemu.package ?? capture.qemu.version,
      machine: capture.machine,
      device: SEED_ARGS[c.seed],
      deviceArgs: capture.devices.map((d) => d.spec),
      bdf: c.seed,
      sha256: seedSha,
    },
    mutation: c.mutation.map((m) =>
      m.file === 'config'
        ? {file: 'config', offset: hex(m.offset), width: m.width, from: hex(m.from), to: hex(m.to), why: m.why}
        : {file: 'resource', line: m.line, from: m.from, to: m.to, why: m.why},
    ),
    kernelCheck: {
      function: c.check.function,
      file: c.check.file,
      rule: c.check.rule,
      message: c.check.message,
      rc: c.check.rc,
      versions: c.check.versions,
      checkedAgainst: `${SRC[c.kernel]} ${c.check.file} ${c.check.function} (${c.check.lines})`,
    },
    ...(oracle[c.name] ? {oracle: oracle[c.name]} : {}),
    reproduce: 'node scripts/make-fault-cases.mjs',
  }
  return {meta, config, resource: lines.join('\n')}
}

/** Runs each case through the oracle build of its profile; the result as recorded in case.json. */
async function runOracles() {
  const dist = (m) => import(join(root, 'dist', m))
  const {buildEvidence} = await dist('evidence/build.js')
  const {toProbeInput} = await dist('model/probe-input.js')
  const {corpusPaths, caseInputs, readCaseMeta} = await dist('corpus/corpus.js')
  const {profileByName} = await dist('model/profiles.js')
  const {predict} = await dist('model/virtio-pci-probe.js')
  const {compareWithModel, formatDifferences} = await dist('oracle/compare.js')
  const {OracleProcess} = await dist('oracle/run.js')
  const {resolveOracle} = await dist('oracle/resolve.js')
  const paths = corpusPaths(root)
  const out = {}
  for (const c of CASES) {
    const resolved = resolveOracle('auto', c.kernel)
    if (!resolved) throw new Error(`no oracle build for ${c.kernel}: run probediff oracle build --debian ${c.kernel}`)
    const meta = await readCaseMeta(paths, c.name)
    const inputs = await caseInputs(paths, meta)
    const evidence = await buildEvidence(inputs.map((i) => ({path: i.path, displayName: i.displayName})), {})
    const input = toProbeInput(evidence.devices[0], {forceLegacy: c.forceLegacy === true})
    const proc = new OracleProcess(resolved.binary)
    const kernel = await proc.run({id: c.name, input}).finally(() => proc.close())
    const cmp = compareWithModel(kernel, predict(input, profileByName(c.kernel)))
    out[c.name] = {
      build: resolved.manifest?.label ?? dirname(resolved.binary).split('/').pop(),
      rc: kernel.rc,
      transport: kernel.transport,
      attempts: kernel.attempts.map((a) => `${a.probe} ${a.rc}`),
      messages: kernel.messages.map((m) => m.text),
      modelVerdict: cmp.verdict,
      ...(cmp.differences.length ? {differences: formatDifferences(cmp.differences)} : {}),
    }
  }
  return out
}

const checkOnly = process.argv.includes('--check')
const withOracle = process.argv.includes('--oracle')
let differing = 0
await writeCases(readOracle())
if (withOracle) {
  const results = await runOracles()
  writeFileSync(oracleFile, `${JSON.stringify(results, null, 2)}\n`)
  await writeCases(results)
}
if (checkOnly && differing > 0) process.exit(1)

async function writeCases(oracle) {
for (const c of CASES) {
  const {meta, config, resource} = buildCase(c, oracle)
  const dir = join(root, 'traces', c.name)
  const files = {
    'case.json': Buffer.from(`${JSON.stringify(meta, null, 2)}\n`),
    [`${c.seed}/config`]: config,
    [`${c.seed}/resource`]: Buffer.from(resource, 'latin1'),
  }
  if (checkOnly) {
    for (const [f, data] of Object.entries(files)) {
      const path = join(dir, f)
      if (!existsSync(path) || !readFileSync(path).equals(data)) {
        console.error(`${c.name}: ${f} differs from what the seed and mutation give`)
        differing++
      }
    }
    continue
  }
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, {recursive: true, force: true})
  for (const [f, data] of Object.entries(files)) {
    mkdirSync(dirname(join(tmp, f)), {recursive: true})
    writeFileSync(join(tmp, f), data)
  }
  rmSync(dir, {recursive: true, force: true})
  renameSync(tmp, dir)
  console.log(`${c.name}: ${c.seed} (${SEED_ARGS[c.seed]}), kernel ${c.kernel}, ${c.mutation.length} change(s)${oracle[c.name] ? `; oracle ${oracle[c.name].rc}, ${oracle[c.name].modelVerdict}` : ''}`)
}
}
