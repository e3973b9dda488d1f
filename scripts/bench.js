#!/usr/bin/env node
/**
 * `npm run bench`: ingest throughput against `grep -c pci_cfg_` on the same big file; then check and
 * regress over the shipped corpus.
 *
 * Builds bench-data/trace-<N>mb.log (gitignored, default N = 300) by concatenating a real capture:
 * $BENCH_SOURCE, else /tmp/probediff-samples/full/trace.log, else the first traces/<case>/trace.log.gz.
 * Then runs, alternating, `grep -c pci_cfg_ FILE` and each contender below in a child process
 * (so peak RSS is the contender's own), and prints MB/s, the ratio to grep and peak RSS. The ratio
 * compares whole processes (Node's own start-up included); the in-process time is printed too.
 * A benchmark, not a test: it reports, it does not fail on a missed target.
 */
import {spawnSync} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, statSync, writeFileSync, writeSync} from 'node:fs'
import {loadavg} from 'node:os'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync} from 'node:zlib'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const targetMb = Number(process.env.BENCH_MB ?? 300)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)

/**
 * What is measured against grep. Each runs as `node -e CODE FILE` and prints one JSON line
 * {records, bytes, inProcessSeconds?}. The lead extends this list with the full `probediff ingest` pipeline.
 */
const contenders = [
  {
    name: 'probediff ingest FILE --json (the whole command, as a user runs it)',
    command: [process.execPath, join(root, 'bin/run.js'), 'ingest', '--json'],
  },
  {
    name: 'ingest parsers (ingestFile, counting sink)',
    code: `
      const {ingestFile} = await import(${JSON.stringify(join(root, 'dist/ingest/index.js'))})
      const {WarningSink} = await import(${JSON.stringify(join(root, 'dist/util/errors.js'))})
      let records = 0
      const count = () => { records++ }
      const t0 = performance.now()
      const summary = await ingestFile(process.argv[1], {trace: count, kmsg: count, dump: count, resource: count}, {warnings: new WarningSink()})
      console.log(JSON.stringify({records, bytes: summary.bytes, inProcessSeconds: (performance.now() - t0) / 1000}))
    `,
  },
]

function findSource() {
  if (process.env.BENCH_SOURCE) return {path: process.env.BENCH_SOURCE, gz: process.env.BENCH_SOURCE.endsWith('.gz')}
  const samples = '/tmp/probediff-samples/full/trace.log'
  if (existsSync(samples)) return {path: samples, gz: false}
  const traces = join(root, 'traces')
  if (existsSync(traces)) {
    for (const c of readdirSync(traces).sort()) {
      const p = join(traces, c, 'trace.log.gz')
      if (existsSync(p)) return {path: p, gz: true}
    }
  }
  return undefined
}

function buildInput() {
  const source = findSource()
  if (!source) {
    console.error('bench: no real capture found (set BENCH_SOURCE, or add traces/<case>/trace.log.gz)')
    process.exit(2)
  }
  const data = source.gz ? gunzipSync(readFileSync(source.path)) : readFileSync(source.path)
  if (data.length === 0) {
    console.error(`bench: ${source.path} is empty`)
    process.exit(2)
  }
  const copies = Math.ceil((targetMb * 1e6) / data.length)
  const dir = join(root, 'bench-data')
  mkdirSync(dir, {recursive: true})
  const file = join(dir, `trace-${targetMb}mb.log`)
  const stamp = JSON.stringify({source: source.path, size: data.length, mtime: statSync(source.path).mtimeMs, copies})
  const stampFile = `${file}.json`
  if (!(existsSync(file) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp)) {
    const fd = openSync(file, 'w')
    for (let i = 0; i < copies; i++) writeSync(fd, data)
    closeSync(fd)
    writeFileSync(stampFile, stamp)
  }
  return {file, source: source.path, copies, bytes: statSync(file).size}
}

/** Reads the file once so every contender starts with it in the page cache. */
function warm(file) {
  const fd = openSync(file, 'r')
  const buf = Buffer.allocUnsafe(1 << 20)
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  closeSync(fd)
}

function timed(cmd, args) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, args, {encoding: 'utf8', maxBuffer: 1 << 26})
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.error) throw r.error
  return {seconds, stdout: r.stdout, stderr: r.stderr, status: r.status}
}

function runGrep(file) {
  const r = timed('grep', ['-c', 'pci_cfg_', file])
  return {seconds: r.seconds, count: Number(r.stdout.trim())}
}

function runContender(c, file) {
  if (c.command) {
    const [cmd, ...args] = c.command
    const r = timed('/usr/bin/time', ['-f', '%M', cmd, ...args, file])
    if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`)
    const evidence = JSON.parse(r.stdout)
    const records = evidence.inputs.reduce((n, i) => n + i.records, 0)
    return {seconds: r.seconds, records, maxRssKb: Number(r.stderr.trim().split('\n').pop())}
  }
  // maxRSS is taken inside the child after the work: its peak resident set (KiB on Linux).
  const code = `${c.code}\nconsole.log(JSON.stringify({maxRssKb: process.resourceUsage().maxRSS}))`
  const r = timed(process.execPath, ['--input-type=module', '-e', code, file])
  if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr.trim().split('\n').filter((l) => /Error|error/.test(l)).slice(0, 3).join(' | ')}`)
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
  return {seconds: r.seconds, ...Object.assign({}, ...lines)}
}

const min = (xs) => Math.min(...xs)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const mbps = (bytes, s) => (bytes / 1e6 / s).toFixed(1)

/** The machine may be shared: every figure is printed with the load it was measured under. */
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')

const input = buildInput()
console.log(`load average at start: ${load()}`)
console.log(`file: ${relative(root, input.file)}  ${(input.bytes / 1e6).toFixed(1)} MB  (${input.copies} x ${input.source})`)
warm(input.file)
const grepTimes = []
const results = contenders.map(() => ({times: [], inProcess: [], last: undefined}))
let grepCount = 0
for (let round = 0; round < rounds; round++) {
  const g = runGrep(input.file)
  grepTimes.push(g.seconds)
  grepCount = g.count
  contenders.forEach((c, i) => {
    const r = runContender(c, input.file)
    results[i].times.push(r.seconds)
    if (r.inProcessSeconds !== undefined) results[i].inProcess.push(r.inProcessSeconds)
    results[i].last = r
  })
}
const grepBest = min(grepTimes)
console.log(`grep -c pci_cfg_: ${grepBest.toFixed(3)} s best, ${median(grepTimes).toFixed(3)} s median  (${mbps(input.bytes, grepBest)} MB/s; ${grepCount} lines)`)
contenders.forEach((c, i) => {
  const {times, inProcess, last} = results[i]
  const best = min(times)
  const ratio = best / grepBest
  const rssMb = last.maxRssKb / 1024
  console.log(`${c.name}: ${best.toFixed(3)} s best, ${median(times).toFixed(3)} s median  (${mbps(input.bytes, best)} MB/s; ${last.records} records)`)
  if (inProcess.length > 0) console.log(`  in-process (without Node start-up): ${min(inProcess).toFixed(3)} s best (${mbps(input.bytes, min(inProcess))} MB/s), ratio ${(min(inProcess) / grepBest).toFixed(2)}x`)
  console.log(`  ratio to grep: ${ratio.toFixed(2)}x (target <= 2x: ${ratio <= 2 ? 'met' : 'MISSED'}); peak RSS ${rssMb.toFixed(0)} MB (target < 150 MB: ${rssMb < 150 ? 'met' : 'MISSED'})`)
})

// --- probediff check on the shipped corpus, against decompressing the same corpus (zcat) -------------
const cases = readdirSync(join(root, 'traces')).filter((c) => existsSync(join(root, 'traces', c, 'case.json')))
const gz = cases.flatMap((c) => readdirSync(join(root, 'traces', c)).filter((f) => f.endsWith('.gz')).map((f) => join(root, 'traces', c, f)))
// The default (one thread for a corpus this size, see src/replay/pool.ts) and two threads, alternating.
const checkRuns = [
  {name: 'probediff check', args: []},
  {name: 'probediff check --jobs 2', args: ['--jobs', '2']},
].map((c) => ({...c, times: []}))
const zcatTimes = []
for (let round = 0; round < rounds; round++) {
  zcatTimes.push(timed('sh', ['-c', `zcat ${gz.map((f) => `'${f}'`).join(' ')} > /dev/null`]).seconds)
  for (const c of checkRuns) {
    const r = timed(process.execPath, [join(root, 'bin/run.js'), 'check', '--update=none', ...c.args])
    if (r.status === 2) throw new Error(`check failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`)
    c.times.push(r.seconds)
  }
}
const zcatBest = min(zcatTimes)
console.log(`\ncorpus: ${cases.length} cases in traces/`)
console.log(`zcat of the corpus traces (baseline): ${zcatBest.toFixed(3)} s best`)
for (const c of checkRuns) {
  const best = min(c.times)
  console.log(`${c.name} (whole command): ${best.toFixed(3)} s best, ${median(c.times).toFixed(3)} s median  (${(cases.length / best).toFixed(1)} cases/s)`)
  console.log(`  ratio to zcat: ${(best / zcatBest).toFixed(2)}x; target < 3 s: ${best < 3 ? 'met' : 'MISSED'}`)
}
console.log(`load average at end: ${load()}`)

// --- probediff regress: a patched Debian 6.1 tree against its base over the whole corpus -------------
// After the builds (a first, untimed run builds and caches both oracles), both sides run every config
// space. Needs the Debian 6.1 tree (`probediff oracle build --debian 6.1`) and git; skipped otherwise.
{
  const {mkdtempSync, rmSync, cpSync} = await import('node:fs')
  const {tmpdir, homedir} = await import('node:os')
  const cache = process.env.PROBEDIFF_CACHE ?? join(homedir(), '.cache', 'probediff')
  const stock = join(cache, 'oracle', 'debian', '6.1', 'tree')
  if (!existsSync(join(stock, '.probediff-package'))) {
    console.log('\nregress: skipped (no Debian 6.1 tree: run probediff oracle build --debian 6.1)')
  } else {
    const tree = mkdtempSync(join(tmpdir(), 'probediff-bench-regress-'))
    cpSync(stock, tree, {recursive: true})
    const git = (...args) => spawnSync('git', ['-C', tree, '-c', 'user.name=bench', '-c', 'user.email=bench@probediff', ...args], {encoding: 'utf8'})
    git('init', '-q')
    git('add', '-A')
    git('commit', '-q', '-m', 'stock')
    const file = join(tree, 'drivers/virtio/virtio_pci_modern_dev.c')
    writeFileSync(file, readFileSync(file, 'utf8').replace('if (length - start < minlen) {', 'if (length - start < minlen * 128) {'))
    const args = [join(root, 'bin/run.js'), 'regress', '--kernel-source', tree, '--json']
    const first = timed(process.execPath, args)
    if (first.status === 2) throw new Error(`regress failed: ${first.stderr.trim().split('\n').slice(-3).join(' | ')}`)
    const times = []
    let result
    for (let round = 0; round < rounds; round++) {
      const r = timed(process.execPath, args)
      times.push(r.seconds)
      result = JSON.parse(r.stdout)
    }
    rmSync(tree, {recursive: true, force: true})
    const best = min(times)
    console.log(`\nregress (minlen x128 on Debian 6.1, both sides): ${result.configSpaces.total} config spaces, ${result.configSpaces.changed} changed`)
    console.log(`  first run (builds both oracles): ${first.seconds.toFixed(3)} s`)
    console.log(`  after the builds (whole command): ${best.toFixed(3)} s best, ${median(times).toFixed(3)} s median; in-process oracle runs ${result.seconds.run.toFixed(3)} s, cached builds ${result.seconds.build.toFixed(3)} s`)
    console.log(`  target <= 10 s: ${best <= 10 ? 'met' : 'MISSED'}; load average ${load()}`)
  }
}
