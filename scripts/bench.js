#!/usr/bin/env node
/**
 * `npm run bench`: probediff's speed and memory against the machine's own tools, measured as whole
 * processes (/usr/bin/time: elapsed, user+sys CPU, peak RSS), alternating with the baseline so that
 * each ratio pairs two runs taken at the same moment; the median of the pairs is printed. A benchmark,
 * not a test: it reports (and says which goals are missed), it never fails on a figure.
 *
 * Inputs are built under $BENCH_DIR (default: the system temp dir, probediff-bench/), never in the repo:
 *  - dense: a shipped capture (traces/<case>/trace.log.gz, filtered to PCI and virtio regions, so most
 *    lines are records) concatenated to 35 MB, 350 MB and 1 GB; its .gz twin is the capture's gzip
 *    concatenated (a multi-member gzip inflating to the same bytes);
 *  - formats: the dense capture's config accesses as simpletrace v4 and as CSV (generated from its events);
 *  - unfiltered: the dense case's boot traced with every memory_region_ops event (`-trace
 *    'memory_region_ops_*'`, as a user traces it): `capture --unfiltered-trace` run once under
 *    $BENCH_DIR/unfiltered when QEMU is installed, or $BENCH_UNFILTERED; concatenated to 350 MB and 1 GB;
 * Environment: BENCH_SIZES (MB, default 35,350,1000), BENCH_ROUNDS (default 3), BENCH_ROOT (the
 * probediff checkout to measure, default this one), BENCH_SKIP (comma list of sections to skip:
 * ingest,gz,formats,unfiltered,startup,check,regress).
 * Last, `regress` (a minlen x128 patch to Debian's 6.1 tree against its base, over the whole corpus,
 * after the builds), when that tree is cached (`probediff oracle build --debian 6.1`).
 */
import {spawnSync} from 'node:child_process'
import {closeSync, cpSync, linkSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync} from 'node:fs'
import {availableParallelism, homedir, loadavg, tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync} from 'node:zlib'

const here = dirname(dirname(fileURLToPath(import.meta.url)))
const root = process.env.BENCH_ROOT ?? here
const run = join(root, 'bin/run.js')
const sizes = (process.env.BENCH_SIZES ?? '35,350,1000').split(',').map(Number)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean))
const dir = process.env.BENCH_DIR ?? join(tmpdir(), 'probediff-bench')
const DENSE_SOURCE = join(here, 'traces/k6.1-pc-transitional/trace.log.gz')
mkdirSync(dir, {recursive: true})

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Runs `argv` with stdout to `out` (a file: GNU grep stops early on /dev/null); whole-process figures. */
function measure(argv, out = join(dir, 'out')) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', 'sh', '-c', 'exec "$@" > "$OUT"', 'sh', ...argv], {
    encoding: 'utf8',
    env: {...process.env, OUT: out},
  })
  const lines = r.stderr.trim().split('\n')
  const [wall, user, sys, rssKb] = lines.pop().split(' ').map(Number)
  if (r.status !== 0 && r.status !== 1) throw new Error(`${argv.join(' ')} failed (${r.status}): ${lines.slice(-3).join(' | ')}`)
  return {wall, cpu: user + sys, rssMb: rssKb / 1024}
}

/** Alternates A and B `rounds` times; medians of A, and of the A/B ratios pair by pair. */
function paired(a, b, by = 'wall') {
  const as = []
  const ratios = []
  const cpuRatios = []
  for (let i = 0; i < rounds; i++) {
    const rb = measure(b)
    const ra = measure(a)
    as.push(ra)
    ratios.push(ra[by] / rb[by])
    cpuRatios.push(ra.cpu / rb.cpu)
  }
  return {
    wall: median(as.map((r) => r.wall)),
    cpu: median(as.map((r) => r.cpu)),
    rssMb: Math.max(...as.map((r) => r.rssMb)),
    ratio: median(ratios),
    cpuRatio: median(cpuRatios),
  }
}

/** `head` then `copies` of `data` into `file` (kept between runs when the stamp matches). */
function concatenated(file, data, copies, head = Buffer.alloc(0)) {
  const stamp = `${file}.stamp`
  const want = JSON.stringify({bytes: data.length, copies, ...(head.length > 0 ? {head: head.length} : {})})
  if (existsSync(file) && existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return file
  const fd = openSync(`${file}.tmp`, 'w')
  writeSync(fd, head)
  for (let i = 0; i < copies; i++) writeSync(fd, data)
  closeSync(fd)
  renameSync(`${file}.tmp`, file)
  writeFileSync(stamp, want)
  return file
}

/**
 * The pci_cfg_* and memory_region_ops_* events of a QEMU log (`TID@SECONDS.MICROS:` prefixes) as a
 * simpletrace v4 file ({head, events}: the header and id mappings, then the event records) and as
 * CSV rows ({head, rows}).
 */
function otherFormats(log) {
  const ids = ['pci_cfg_read', 'pci_cfg_write', 'memory_region_ops_read', 'memory_region_ops_write']
  const u64 = (v) => {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)))
    return b
  }
  const u32 = (v) => {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(v)
    return b
  }
  const str = (t) => Buffer.concat([u32(Buffer.byteLength(t, 'latin1')), Buffer.from(t, 'latin1')])
  const head = [u64(-1n), u64(0xf2b177cb0aa429b4n), u64(4)]
  ids.forEach((name, id) => head.push(u64(0), u64(id), str(name)))
  const events = []
  const csvRows = []
  let pendingRead
  let lastDataWriteSize
  const cfgLine = /^(\d+)@(\d+)\.(\d+):pci_cfg_(read|write) (\S+) ([0-9a-f]+):([0-9a-f]+)\.([0-7]) @0x([0-9a-f]+) (?:->|<-) 0x([0-9a-f]+)$/
  const memLine = /^(\d+)@(\d+)\.(\d+):memory_region_ops_(read|write) cpu (-?\d+) mr 0x([0-9a-f]+) addr 0x([0-9a-f]+) value 0x([0-9a-f]+) size (\d+) name '([^']*)'$/
  const csvRow = (r, size) => `${r.time},0000:${r.bus}:${r.slot}.${r.func},${r.op},0x${r.offset},${size ?? ''},0x${r.value}`
  for (const line of log.toString('latin1').split('\n')) {
    let m
    if ((m = cfgLine.exec(line))) {
      const [, pid, sec, usec, op, dev, bus, slot, func, offset, value] = m
      const args = Buffer.concat([str(dev), ...[bus, slot, func, offset, value].map((h) => u64(BigInt(`0x${h}`)))])
      events.push(u64(1), u64(ids.indexOf(`pci_cfg_${op}`)), u64(BigInt(sec) * 1_000_000_000n + BigInt(usec) * 1000n), u32(24 + args.length), u32(Number(pid)), args)
      const r = {time: `${sec}.${usec}`, bus, slot, func, op, offset, value}
      if (pendingRead) csvRows.push(csvRow(pendingRead))
      pendingRead = undefined
      if (op === 'read') pendingRead = r
      else csvRows.push(csvRow(r, lastDataWriteSize))
      lastDataWriteSize = undefined
    } else if ((m = memLine.exec(line))) {
      const [, pid, sec, usec, op, cpu, mr, addr, value, size, name] = m
      const args = Buffer.concat([u64(Number(cpu)), u64(BigInt(`0x${mr}`)), u64(BigInt(`0x${addr}`)), u64(BigInt(`0x${value}`)), u64(Number(size)), str(name)])
      events.push(u64(1), u64(ids.indexOf(`memory_region_ops_${op}`)), u64(BigInt(sec) * 1_000_000_000n + BigInt(usec) * 1000n), u32(24 + args.length), u32(Number(pid)), args)
      if (name !== 'pci-conf-data') continue
      if (op === 'read' && pendingRead) {
        csvRows.push(csvRow(pendingRead, size))
        pendingRead = undefined
      } else if (op === 'write') lastDataWriteSize = size
    }
  }
  if (pendingRead) csvRows.push(csvRow(pendingRead))
  return {
    simpletrace: {head: Buffer.concat(head), events: Buffer.concat(events)},
    csv: {head: Buffer.from('time,bdf,op,offset,size,value\n'), rows: Buffer.from(`${csvRows.join('\n')}\n`)},
  }
}

const rows = []
function row(what, bytes, r, goal) {
  const mb = bytes / 1e6
  // Judged on CPU time: the machine may be shared, and wall time then measures the neighbours.
  const met = goal === undefined ? '' : r.cpuRatio <= goal.ratio && (goal.rssMb === undefined || r.rssMb <= goal.rssMb) ? 'met' : 'MISSED'
  // A baseline too short for /usr/bin/time's 10 ms resolution gives no ratio.
  const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a')
  rows.push([what, bytes ? mb.toFixed(0) : '', r.wall.toFixed(3), r.cpu.toFixed(3), bytes ? (mb / r.wall).toFixed(0) : '', bytes ? (mb / r.cpu).toFixed(0) : '', times(r.ratio), times(r.cpuRatio), r.rssMb.toFixed(0), goal?.text ?? '', met, load()])
  console.error(`  ${what}: ${r.wall.toFixed(3)} s, ${r.ratio.toFixed(2)}x, ${r.rssMb.toFixed(0)} MB`)
}

const grep = (file) => ['grep', '-c', 'pci_cfg_', file]
const node = process.execPath
console.log(`probediff bench: ${root}; ${availableParallelism()} cores; ${rounds} rounds; load average at start ${load()}`)

const denseGz = readFileSync(DENSE_SOURCE)
const dense = gunzipSync(denseGz)
if (!skip.has('ingest')) {
  for (const mb of sizes) {
    const file = concatenated(join(dir, `dense-${mb}mb.log`), dense, Math.ceil((mb * 1e6) / dense.length))
    const bytes = statSync(file).size
    const goalRss = {rssMb: 100}
    row(`ingest --json, dense ${mb} MB`, bytes, paired([node, run, 'ingest', file, '--json'], grep(file)), {ratio: 4, ...goalRss, text: '<= 4x grep, <= 100 MB'})
    row(`replay --json, dense ${mb} MB`, bytes, paired([node, run, 'replay', file, '--kernel', '6.1', '--json'], grep(file)), {ratio: Infinity, ...goalRss, text: '<= 100 MB'})
  }
}
if (!skip.has('gz')) {
  const mb = Math.max(...sizes.filter((s) => s <= 350), sizes[0])
  const copies = Math.ceil((mb * 1e6) / dense.length)
  const plain = concatenated(join(dir, `dense-${mb}mb.log`), dense, copies)
  const gz = concatenated(join(dir, `dense-${mb}mb.log.gz`), denseGz, copies)
  row(`ingest --json, dense ${mb} MB as .gz (vs plain)`, statSync(plain).size, paired([node, run, 'ingest', gz, '--json'], [node, run, 'ingest', plain, '--json']), {ratio: 1.5, text: '<= 1.5x plain'})
}
if (!skip.has('formats')) {
  // The dense capture's config accesses re-encoded (generated inputs, from the real events): as
  // simpletrace v4 (pci_cfg_* and memory_region_ops_* records, as QEMU's trace/simple.c writes
  // them) and as CSV in the default columns (each width from its pci-conf-data access).
  const mb = sizes[0]
  const {simpletrace, csv} = otherFormats(dense)
  const st = simpletrace.events
  const stFile = concatenated(join(dir, `dense-${mb}mb.simpletrace`), st, Math.ceil((mb * 1e6) / st.length), simpletrace.head)
  row(`ingest --json, simpletrace ${mb} MB`, statSync(stFile).size, paired([node, run, 'ingest', stFile, '--json'], grep(stFile)), undefined)
  const csvFile = concatenated(join(dir, `dense-${mb}mb.csv`), csv.rows, Math.ceil((mb * 1e6) / csv.rows.length), csv.head)
  row(`ingest --json, CSV ${mb} MB`, statSync(csvFile).size, paired([node, run, 'ingest', csvFile, '--json'], grep(csvFile)), undefined)
}
/**
 * The unfiltered trace: $BENCH_UNFILTERED, else the dense case's own boot captured again under
 * $BENCH_DIR/unfiltered (its recorded `reproduce` command with `--unfiltered-trace`), once, when QEMU
 * and the kernel are there (scripts/setup-qemu.sh); kept between runs.
 */
function unfilteredTrace() {
  if (process.env.BENCH_UNFILTERED) return existsSync(process.env.BENCH_UNFILTERED) ? process.env.BENCH_UNFILTERED : undefined
  const caseName = basename(dirname(DENSE_SOURCE))
  const captured = join(dir, 'unfiltered', 'traces', caseName, 'trace-unfiltered.log.gz')
  if (existsSync(captured)) return captured
  const reproduce = JSON.parse(readFileSync(join(dirname(DENSE_SOURCE), 'case.json'), 'utf8')).reproduce
  const words = reproduce.split(' ')
  if (/['"\\]/.test(reproduce) || words[0] !== 'probediff' || words[1] !== 'capture') return undefined
  const dashdash = words.indexOf('--')
  const argv = [...words.slice(2, dashdash), '--root', join(dir, 'unfiltered'), '--force', '--unfiltered-trace', ...words.slice(dashdash)]
  console.error(`  capturing the unfiltered trace: probediff ${['capture', ...argv].join(' ')}`)
  const r = spawnSync(node, [run, 'capture', ...argv], {encoding: 'utf8'})
  if (r.status !== 0) console.log(`unfiltered trace: capture failed (${(r.stderr || r.stdout).trim().split('\n').pop()}); scripts/setup-qemu.sh installs QEMU and the kernels`)
  return existsSync(captured) ? captured : undefined
}
const unfilteredSource = skip.has('unfiltered') ? undefined : unfilteredTrace()
if (unfilteredSource) {
  const data = unfilteredSource.endsWith('.gz') ? gunzipSync(readFileSync(unfilteredSource)) : readFileSync(unfilteredSource)
  for (const mb of sizes.filter((s) => s >= 350)) {
    const file = concatenated(join(dir, `unfiltered-${mb}mb.log`), data, Math.ceil((mb * 1e6) / data.length))
    row(`ingest --json, unfiltered ${mb} MB`, statSync(file).size, paired([node, run, 'ingest', file, '--json'], grep(file)), {ratio: 2, rssMb: 100, text: '<= 2x grep, <= 100 MB'})
  }
} else if (!skip.has('unfiltered')) console.log('unfiltered trace: none (set BENCH_UNFILTERED to a capture traced with every memory_region_ops event, or install QEMU with scripts/setup-qemu.sh)')
if (!skip.has('startup')) {
  // `replay one case` is the bench's shipped case (a 4.8 MB trace: start-up and the ingest of it); the
  // small case (a 0.1 MB trace) and an lspci file are mostly start-up.
  const oneCase = join(here, 'traces/k6.1-pc-modern-only')
  const smallCase = join(here, 'traces/k6.1-virt-legacy-only')
  const nothing = [node, '-e', '0']
  const goal = {ratio: 2.5, text: '<= 2.5x node CPU'}
  row('probediff --version (CPU vs node -e 0)', 0, paired([node, run, '--version'], nothing, 'cpu'), goal)
  row('replay one case (CPU vs node -e 0)', 0, paired([node, run, 'replay', join(oneCase, 'trace.log.gz'), '--dmesg', join(oneCase, 'dmesg.txt')], nothing, 'cpu'), goal)
  row('replay one small case, 0.1 MB trace (CPU vs node -e 0)', 0, paired([node, run, 'replay', join(smallCase, 'trace.log.gz'), '--dmesg', join(smallCase, 'dmesg.txt')], nothing, 'cpu'), goal)
  row('ingest an lspci -vvv -xxx file (CPU vs node -e 0)', 0, paired([node, run, 'ingest', join(oneCase, 'lspci.txt')], nothing, 'cpu'), goal)
}
/**
 * A corpus of `copies` x the shipped cases under BENCH_DIR (inputs linked, goldens copied with the case
 * name in their header changed), so that `check` runs on many cases with every golden matching.
 */
function bigCorpus(copies) {
  const out = join(dir, `corpus-linked-x${copies}`)
  if (existsSync(join(out, 'done'))) return out
  rmSync(out, {recursive: true, force: true})
  for (const c of cases) {
    const golden = readFileSync(join(here, 'golden', `${c}.json`), 'utf8')
    for (let i = 1; i <= copies; i++) {
      const name = `${c}-x${i}`
      const caseDir = join(out, 'traces', name)
      mkdirSync(caseDir, {recursive: true})
      for (const f of readdirSync(join(here, 'traces', c))) {
        const from = join(here, 'traces', c, f)
        if (statSync(from).isDirectory()) cpSync(from, join(caseDir, f), {recursive: true})
        else linkOrCopy(from, join(caseDir, f))
      }
      mkdirSync(join(out, 'golden'), {recursive: true})
      writeFileSync(join(out, 'golden', `${name}.json`), golden.replace(`"case": "${c}"`, `"case": "${name}"`))
    }
  }
  writeFileSync(join(out, 'done'), '')
  return out
}

/** A hard link (check refuses symlinks leading out of a case), a copy across file systems. */
function linkOrCopy(from, to) {
  try {
    linkSync(from, to)
  } catch {
    cpSync(from, to)
  }
}

const cases = readdirSync(join(here, 'traces')).filter((c) => existsSync(join(here, 'traces', c, 'case.json')))
if (!skip.has('check')) {
  // check on the corpus and on copies of it (BENCH_CHECK_COPIES: 10 and 40 give 570 and 2,280 cases):
  // per configuration, per-case wall and CPU (linear cost: the same per case at every size) and peak
  // RSS (<= 200 MB at 2,000 cases and more), with --jobs 1 against --jobs 2 on the same corpus.
  const gzFiles = cases.flatMap((c) => readdirSync(join(here, 'traces', c)).filter((f) => f.endsWith('.gz')).map((f) => join(here, 'traces', c, f)))
  const corpora = [{root: here, count: cases.length, times: 1}]
  for (const copies of (process.env.BENCH_CHECK_COPIES ?? '10,40').split(',').map(Number).filter(Boolean)) {
    corpora.push({root: bigCorpus(copies), count: cases.length * copies, times: copies})
  }
  const perCase = []
  for (const corpus of corpora) {
    const baseline = ['sh', '-c', `for i in $(seq ${corpus.times}); do zcat "$@"; done > /dev/null`, 'sh', ...gzFiles]
    const byJobs = {}
    for (const jobs of [undefined, '1', '2']) {
      const args = [node, run, 'check', '--root', corpus.root, '--update=none', ...(jobs ? ['--jobs', jobs] : [])]
      const goal = corpus.count >= 2000 ? {ratio: Infinity, rssMb: 200, text: '<= 200 MB'} : undefined
      const r = paired(args, baseline)
      byJobs[jobs ?? 'default'] = r
      const ms = (x) => ((1000 * x) / corpus.count).toFixed(1)
      row(`check, ${corpus.count} cases, ${jobs ? `--jobs ${jobs}` : 'default jobs'}: ${ms(r.wall)} ms wall, ${ms(r.cpu)} ms CPU per case (vs zcat of their traces)`, 0, r, goal)
    }
    perCase.push({count: corpus.count, cpu: byJobs['1'].cpu / corpus.count, rssMb: byJobs['1'].rssMb, jobs2: byJobs['2'].wall / byJobs['1'].wall})
  }
  const [small, large] = [perCase[1] ?? perCase[0], perCase.at(-1)]
  console.log(
    `check: CPU per case with --jobs 1 at ${large.count} cases is ${(large.cpu / small.cpu).toFixed(2)}x that at ${small.count} (linear: 1.00x); ` +
      `--jobs 2 wall / --jobs 1 wall: ${perCase.map((p) => `${p.jobs2.toFixed(2)} at ${p.count}`).join(', ')} (faster below 1.00 when a core is free)`,
  )
}

// probediff regress: after the builds (a first, untimed run builds and caches both oracles), both
// sides run every config space, paired with `node -e 0` for the process start-up it includes.
if (!skip.has('regress')) {
  const cache = process.env.PROBEDIFF_CACHE ?? join(homedir(), '.cache', 'probediff')
  const stock = join(cache, 'oracle', 'debian', '6.1', 'tree')
  if (!existsSync(join(stock, '.probediff-package'))) {
    console.log('regress: skipped (no Debian 6.1 tree: run probediff oracle build --debian 6.1)')
  } else {
    const tree = join(dir, 'regress-tree')
    rmSync(tree, {recursive: true, force: true})
    cpSync(stock, tree, {recursive: true})
    const git = (...args) => spawnSync('git', ['-C', tree, '-c', 'user.name=bench', '-c', 'user.email=bench@probediff', ...args], {encoding: 'utf8'})
    git('init', '-q')
    git('add', '-A')
    git('commit', '-q', '-m', 'stock')
    const file = join(tree, 'drivers/virtio/virtio_pci_modern_dev.c')
    writeFileSync(file, readFileSync(file, 'utf8').replace('if (length - start < minlen) {', 'if (length - start < minlen * 128) {'))
    const args = [node, run, 'regress', '--kernel-source', tree, '--json']
    const out = join(dir, 'regress.json')
    measure(args, out)
    const r = paired(args, [node, '-e', '0'])
    const result = JSON.parse(readFileSync(out, 'utf8'))
    row(`regress, ${result.configSpaces.total} config spaces (${result.configSpaces.changed} changed), both sides, after the builds (vs node -e 0)`, 0, r, {ratio: Infinity, text: `<= 10 s: ${r.wall <= 10 ? 'met' : 'MISSED'}`})
    rmSync(tree, {recursive: true, force: true})
  }
}

const header = ['what', 'MB', 'wall s', 'cpu s', 'MB/s', 'MB/cpu-s', 'ratio', 'cpu ratio', 'peak RSS MB', 'goal', '', 'load average']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
console.log(line(header))
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
for (const r of rows) console.log(line(r))
const goldenFiles = readdirSync(join(here, 'golden')).filter((f) => f.endsWith('.json'))
const goldenLines = goldenFiles.reduce((n, f) => n + readFileSync(join(here, 'golden', f), 'utf8').split('\n').length - 1, 0)
const goldenDevices = goldenFiles.reduce((n, f) => n + JSON.parse(readFileSync(join(here, 'golden', f), 'utf8')).devices.length, 0)
console.log(`goldens: ${goldenLines} lines for ${goldenDevices} devices in ${goldenFiles.length} files: ${(goldenLines / goldenDevices).toFixed(1)} lines per device (goal <= 60)`)
console.log(`load average at end: ${load()}; ratios are medians of pairs run back to back (baseline first); 'ratio' is`)
console.log(`of wall time (of CPU time for start-up), 'cpu ratio' of user+sys CPU: on a busy machine the steadier one, and`)
console.log(`the one goals are judged on; MB/cpu-s is throughput per CPU second`)
