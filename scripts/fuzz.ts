/**
 * `npm run fuzz`: every input parser on generated inputs in process, then the real CLI as
 * subprocesses on mutated shipped samples. Fails (exit 1) on any crash (an error that is not one
 * clear input error), stack trace, hang (timeout), unescaped control character in what reaches a
 * terminal or a JSON consumer, or an error line that does not name its file.
 *
 * The inputs are generated (mutations of the real captures under traces/ and test/fixtures/ingest),
 * and say so: they test robustness, never outcomes.
 *
 * Simpletrace inputs are generated in QEMU's own layout (test/ingest/simpletrace-generator.ts), then
 * mutated; an unmutated one must read back every event it holds.
 *
 * Endless inputs (`--endless N` runs per format): the CLI reads `-` from a pipe fed forever with a
 * repeated real line or a repeated real sample. Formats with a natural bound (lspci, hex dumps,
 * sysfs-config) must end on their own within a CPU-time budget, with exit 0 or one file:line error;
 * streaming formats (traces, kernel logs, CSV) must keep reading at flat memory until stopped.
 * Budgets are CPU seconds of the child, so a loaded machine does not fail a run.
 *
 *   npm run fuzz                                              # 100,000 inputs per parser, 1,000 CLI runs, 2 endless runs per format
 *   npm run fuzz -- --in-process 2000 --cli 40 --endless 1 --endless-cpu 3    # the CI slice
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'
import {EvidenceBuilder} from '../src/evidence/builder.js'
import {KERNEL_SERIES} from '../src/model/series.js'
import {type FileFormat, ingestBuffer} from '../src/ingest/index.js'
import {evidenceToJson, renderIngest} from '../src/report/ingest-report.js'
import {IngestContext} from '../src/ingest/ingest-context.js'
import {SimpletraceParser} from '../src/ingest/simpletrace.js'
import {InputError, WarningSink} from '../src/util/errors.js'
import {jsonForTerminal} from '../src/util/terminal.js'
import {type GeneratedSimpletrace, generateSimpletrace, xorshift32} from '../test/ingest/simpletrace-generator.js'

const args = process.argv.slice(2)
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const IN_PROCESS = option('--in-process', 100_000)
const CLI_RUNS = option('--cli', 1_000)
const SEED = option('--seed', 1)
const CLI_TIMEOUT_MS = option('--timeout', 30_000)
const ENDLESS_RUNS = option('--endless', 2)
/** CPU seconds a streaming format is watched for on an endless input. */
const STREAMING_CPU_S = option('--endless-cpu', 15)
/** `--formats csv,lspci`: only these parsers, in process and on endless inputs (default: all). */
const ONLY = args.includes('--formats') ? new Set(args[args.indexOf('--formats') + 1]!.split(',')) : undefined
/** One in-process input taking longer than this is a hang (a failure); longer than SLOW_MS, reported as slow. */
const HANG_MS = 10_000
const SLOW_MS = 1_000
const slow: string[] = []

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

/** xorshift32: the same inputs for the same --seed. */
const rand = xorshift32(SEED)
const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!

// ---- seeds: the shipped real inputs, by format ----

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* walk(path)
    else yield path
  }
}

function seedsByFormat(): Map<FileFormat, Buffer[]> {
  const seeds = new Map<FileFormat, Buffer[]>()
  const add = (f: FileFormat, b: Buffer) => seeds.set(f, [...(seeds.get(f) ?? []), b])
  for (const path of [...walk('traces'), ...walk('test/fixtures/ingest')]) {
    let bytes = readFileSync(path)
    if (path.endsWith('.gz')) bytes = gunzipSync(bytes)
    const name = path.split('/').pop()!
    if (name === 'config') add('sysfs-config', bytes)
    else if (path.includes('/csv/') || name.endsWith('.csv')) add('csv', bytes)
    else if (path.includes('/hexdump/')) add('hex-dump', bytes)
    else if (name.startsWith('lspci') || path.includes('/lspci/')) add('lspci', bytes)
    else if (name.startsWith('dmesg') || path.includes('/dmesg/')) add('dmesg', bytes)
    else if (name.startsWith('trace.log') || path.includes('/qemu-log/')) add('qemu-log', bytes)
  }
  // No simpletrace capture is shipped (Debian's QEMU has the log backend only): its inputs are generated.
  return seeds
}

// ---- mutations ----

const NASTY = [
  '\u009b[2J', '\u001b]0;title\u0007', '\u007f', '\u0000', '\r', '\t', 'é', '\u2028', '\ufeff', '\\x41',
  '0xffffffffffffffff', '-1', '99999999999999999999', 'nan', ' @0x', ' -> 0x', ':', '[', ']', '\n\n',
].map((s) => Buffer.from(s, 'utf8'))
const INVALID = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc2, 0x9b])]

/** A slice of the seed (a few KiB from a line start) with a few mutations. */
function mutate(seed: Buffer, maxBytes: number): Buffer {
  let start = rand(Math.max(1, seed.length))
  const nl = seed.lastIndexOf(10, start)
  start = rand(4) === 0 ? 0 : nl + 1
  let bytes = Buffer.from(seed.subarray(start, start + 256 + rand(maxBytes)))
  const edits = rand(6)
  for (let e = 0; e < edits && bytes.length > 0; e++) {
    const at = rand(bytes.length + 1)
    switch (rand(8)) {
      case 0: // flip a byte
        if (at < bytes.length) bytes[at] = rand(256)
        break
      case 1: // insert something nasty
        bytes = Buffer.concat([bytes.subarray(0, at), pick([...NASTY, ...INVALID]), bytes.subarray(at)])
        break
      case 2: // cut
        bytes = bytes.subarray(0, at)
        break
      case 3: {
        // duplicate a line
        const a = bytes.lastIndexOf(10, at)
        const b = bytes.indexOf(10, at)
        if (b > a) bytes = Buffer.concat([bytes.subarray(0, b + 1), bytes.subarray(a + 1, b + 1), bytes.subarray(b + 1)])
        break
      }
      case 4: // replace a digit run by another number
        if (at < bytes.length && bytes[at]! >= 0x30 && bytes[at]! <= 0x39) bytes[at] = 0x30 + rand(10)
        else if (at < bytes.length) bytes[at] = pick([0x30, 0x66, 0x78, 0x20, 0x3a])
        break
      case 5: // delete a span
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + rand(64)))])
        break
      case 6: // a long run
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.alloc(rand(4) === 0 ? 70_000 : rand(300), pick([0, 0x20, 0x41, 0xff, 0x0a])), bytes.subarray(at)])
        break
      default: // swap in another seed's line ending style
        bytes = Buffer.from(bytes.toString('latin1').replaceAll('\n', rand(2) ? '\r\n' : '\n'), 'latin1')
    }
  }
  return bytes
}

/** A generated simpletrace file with `edits` binary mutations, aimed at record boundaries and fields. */
function mutateSimpletrace(trace: GeneratedSimpletrace, edits: number): Buffer {
  let bytes = Buffer.from(trace.bytes)
  const record = () => trace.offsets[rand(trace.offsets.length)]!
  for (let e = 0; e < edits && bytes.length > 0; e++) {
    const at = rand(bytes.length)
    switch (rand(7)) {
      case 0: // flip a byte
        bytes[at] = rand(256)
        break
      case 1: // cut, at a record start or anywhere
        bytes = bytes.subarray(0, rand(2) ? record() : at)
        break
      case 2: {
        // a record's type, id, length or string length field set to an edge value
        const field = Math.min(bytes.length - 4, record() + pick([0, 8, 16, 24, 32]))
        if (field >= 0) bytes.writeUInt32LE(pick([0, 1, 23, 24, 0xffff, 0x10000, 0xffffffff, rand(2 ** 32)]), field)
        break
      }
      case 3: {
        // a span of records duplicated (a mapping again, an event twice)
        const a = record()
        const b = Math.min(bytes.length, a + rand(400))
        bytes = Buffer.concat([bytes.subarray(0, b), bytes.subarray(a, b), bytes.subarray(b)])
        break
      }
      case 4: // random bytes inserted
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(Array.from({length: 1 + rand(40)}, () => rand(256))), bytes.subarray(at)])
        break
      case 5: // a long run
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.alloc(rand(4) === 0 ? 70_000 : rand(300), pick([0, 0xff, 1])), bytes.subarray(at)])
        break
      default: // a span deleted
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + rand(64)))])
    }
  }
  return bytes
}

/** Reads an unmutated generated trace back: every event it holds, no other warning. */
function checkRoundTrip(trace: GeneratedSimpletrace, what: string): void {
  let records = 0
  const sink = {trace: () => void records++, kmsg() {}, dump() {}, resource() {}, deviceFact() {}}
  const warnings = new WarningSink()
  const ctx = new IngestContext('generated', sink, warnings)
  const parser = new SimpletraceParser(ctx)
  parser.push(trace.bytes)
  parser.end()
  const unknown = [...ctx.unknownEvents.values()].reduce((a, b) => a + b, 0)
  const others = warnings.warnings.filter((w) => !w.code.startsWith('dropped-events'))
  if (records !== trace.records.length || unknown !== trace.unknown || others.length > 0) {
    fail(what, `generated trace read back as ${records} records (${trace.records.length} written), ${unknown} skipped (${trace.unknown}), warnings ${JSON.stringify(others)}`, trace.bytes)
  }
}

/** The first line of a CSV seed: most generated CSV inputs keep it, so rows get parsed. */
const csvHeader = (seed: Buffer) => seed.subarray(0, seed.indexOf(10) + 1)

/** A generated input of `format`: a mutated slice of a seed, or a mutated generated simpletrace. */
function generatedInput(format: FileFormat, seeds: Buffer[], maxBytes: number, what: string): Buffer {
  if (format === 'simpletrace') {
    const trace = generateSimpletrace(rand, 'generated')
    const edits = rand(4) === 0 ? 0 : 1 + rand(4)
    if (edits === 0) checkRoundTrip(trace, what)
    return mutateSimpletrace(trace, edits)
  }
  const seed = pick(seeds)
  const bytes = mutate(seed, maxBytes)
  if (format === 'csv' && rand(4) !== 0 && !bytes.subarray(0, 64).includes(csvHeader(seed).subarray(0, 16))) return Buffer.concat([csvHeader(seed), bytes])
  return bytes
}

// ---- checks ----

const failures: string[] = []
function fail(what: string, detail: string, input?: Buffer): void {
  let saved = ''
  if (input) {
    const dir = mkdtempSync(join(tmpdir(), 'probediff-fuzz-fail-'))
    writeFileSync(join(dir, 'input'), input)
    saved = ` (input saved: ${join(dir, 'input')})`
  }
  failures.push(`${what}: ${detail.split('\n').slice(0, 3).join(' | ')}${saved}`)
  if (failures.length <= 20) console.error(`FAIL ${what}: ${detail.split('\n')[0]}${saved}`)
}

async function inProcess(format: FileFormat, seeds: Buffer[], runs: number): Promise<{ok: number; inputErrors: number}> {
  let inputErrors = 0
  let ok = 0
  const name = 'fuzz-input'
  for (let i = 0; i < runs; i++) {
    const bytes = generatedInput(format, seeds, format === 'sysfs-config' ? 4096 : 6000, `${format} #${i}`)
    const warnings = new WarningSink()
    const builder = new EvidenceBuilder(warnings)
    const started = performance.now()
    try {
      const n = await ingestBuffer(bytes, format, builder, {displayName: name, warnings})
      builder.endInput({file: name, format, bytes: n, records: 0, unknownEvents: {}})
      const evidence = builder.finish()
      ok++
      // Every 10th: what a terminal and a JSON consumer would get.
      if (i % 10 === 0) {
        const text = renderIngest(evidence)
        if (RAW_CONTROL.test(text.replace(/\n/g, ''))) fail(`${format} #${i}`, 'raw control character in text output', bytes)
        const json = jsonForTerminal(evidenceToJson(evidence))
        if (RAW_CONTROL.test(json.replace(/\n/g, ''))) fail(`${format} #${i}`, 'raw control character in JSON output', bytes)
      }
    } catch (error) {
      if (!(error instanceof InputError)) fail(`${format} #${i}`, `crash: ${(error as Error)?.stack ?? String(error)}`, bytes)
      // file:line, or file#record for binary formats
      else if (!error.message.startsWith(`${name}:`) && !error.message.startsWith(`${name}#`)) fail(`${format} #${i}`, `error without file: ${error.message}`, bytes)
      else inputErrors++
    }
    const ms = performance.now() - started
    if (ms > HANG_MS) fail(`${format} #${i}`, `took ${Math.round(ms)} ms`, bytes)
    else if (ms > SLOW_MS) slow.push(`${format} #${i}: ${Math.round(ms)} ms, ${bytes.length} bytes`)
  }
  return {ok, inputErrors}
}

// ---- CLI subprocesses ----

interface Run {
  code: number | null
  stdout: string
  stderr: string
  timedOut: boolean
}

function runCli(argv: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/run.js', ...argv], {env: {...process.env, NO_COLOR: '1', CI: ''}, stdio: ['ignore', 'pipe', 'pipe']})
    const out: Buffer[] = []
    const err: Buffer[] = []
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, CLI_TIMEOUT_MS)
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut})
    })
  })
}

async function cliRuns(seeds: Map<FileFormat, Buffer[]>, runs: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'probediff-fuzz-'))
  const formats = [...seeds.keys()]
  const codes: Record<string, number> = {}
  let next = 0
  const worker = async () => {
    for (;;) {
      const i = next++
      if (i >= runs) return
      const format = pick(formats)
      const bytes = generatedInput(format, seeds.get(format)!, 20_000, `cli #${i}`)
      const file = join(dir, `input-${i}`)
      writeFileSync(file, bytes)
      const command = pick(['ingest', 'replay'])
      const argv = [command, file, ...(rand(2) ? ['--format', format] : []), ...(rand(2) ? ['--json'] : []), ...(command === 'replay' ? ['--kernel', pick(KERNEL_SERIES)] : [])]
      const r = await runCli(argv)
      const what = `cli #${i} ${argv.join(' ')}`
      codes[String(r.code)] = (codes[String(r.code)] ?? 0) + 1
      if (r.timedOut) fail(what, `no answer in ${CLI_TIMEOUT_MS} ms`, bytes)
      else if (r.code !== 0 && r.code !== 2) fail(what, `exit ${r.code}: ${r.stderr}`, bytes)
      else if (/\n\s+at .+\(.*:\d+:\d+\)|^\s+at /m.test(r.stderr)) fail(what, `stack trace: ${r.stderr}`, bytes)
      else if (RAW_CONTROL.test((r.stdout + r.stderr).replace(/\n/g, ''))) fail(what, 'raw control character in output', bytes)
      else if (r.code === 2) {
        const errors = r.stderr.split('\n').filter((l) => l.startsWith('probediff: ') && !l.startsWith('probediff: warning: '))
        if (errors.length !== 1) fail(what, `expected one error line, got ${errors.length}: ${r.stderr}`, bytes)
        else if (!errors[0]!.startsWith(`probediff: ${file}:`) && !errors[0]!.startsWith(`probediff: ${file}#`)) fail(what, `error line without file: ${errors[0]}`, bytes)
      }
      rmSync(file, {force: true})
    }
  }
  await Promise.all([worker(), worker()])
  rmSync(dir, {recursive: true, force: true})
  return codes
}

// ---- endless inputs ----

/** Formats whose input has a natural bound: an endless one must end on its own. */
const BOUNDED: ReadonlySet<FileFormat> = new Set(['lspci', 'hex-dump', 'sysfs-config'])
/** CPU seconds a bounded format may take to end on an endless input. */
const BOUNDED_CPU_S = 60
/** RSS a streaming run may gain after its first third: flat memory, with room for the GC. */
const MAX_RSS_GROWTH_MIB = 64
const WALL_LIMIT_MS = 10 * 60_000
const CLOCK_TICKS = 100

/** The child's CPU seconds and RSS (MiB), from /proc. */
function usage(pid: number): {cpu: number; rss: number} | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))
    return {cpu: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, rss: rss ? Number(rss[1]) / 1024 : 0}
  } catch {
    return undefined
  }
}

/** What an endless input repeats: one real line, or a whole real sample (a simpletrace: its events). */
function endlessUnit(format: FileFormat, seeds: Buffer[]): {head: Buffer; unit: Buffer; what: string} {
  if (format === 'simpletrace') {
    const trace = generateSimpletrace(rand, 'generated', 50 + rand(100))
    return {head: trace.bytes.subarray(0, trace.eventsAt), unit: trace.bytes.subarray(trace.eventsAt), what: 'generated simpletrace events, repeated'}
  }
  // Samples small enough to repeat quickly; CSV with the default columns, so rows get read.
  const fit = seeds.filter((b) => b.length <= 16_384 && (format !== 'csv' || /\bbdf\b/i.test(csvHeader(b).toString('latin1'))))
  const seed = pick(fit.length > 0 ? fit : seeds)
  if (format === 'sysfs-config' || rand(2) === 0) {
    // CSV: the header once, then the rest of the sample again and again.
    const head = format === 'csv' ? csvHeader(seed) : Buffer.alloc(0)
    return {head, unit: seed.subarray(head.length), what: 'a real sample, repeated'}
  }
  const lines = seed.toString('latin1').split('\n').filter((l) => l.trim() !== '')
  const line = pick(lines.length > 0 ? lines : ['x'])
  return {head: format === 'csv' ? csvHeader(seed) : Buffer.alloc(0), unit: Buffer.from(`${line}\n`, 'latin1'), what: `a real line, repeated: ${JSON.stringify(line.slice(0, 60))}`}
}

/** One endless run: `ingest - --format F` on a pipe fed forever; returns a summary line. */
function endlessRun(format: FileFormat, seeds: Buffer[], i: number): Promise<string> {
  const {head, unit, what} = endlessUnit(format, seeds)
  const block = Buffer.concat(Array.from({length: Math.max(1, Math.ceil(65_536 / Math.max(1, unit.length)))}, () => unit))
  const bounded = BOUNDED.has(format)
  const budget = bounded ? BOUNDED_CPU_S : STREAMING_CPU_S
  const label = `endless ${format} #${i} (${what})`
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/run.js', 'ingest', '-', '--format', format], {env: {...process.env, NO_COLOR: '1', CI: ''}, stdio: ['pipe', 'ignore', 'pipe']})
    const err: Buffer[] = []
    child.stderr.on('data', (c: Buffer) => err.push(c))
    let fed = 0
    let fedAtThird = -1
    let rssAtThird = 0
    let peak = 0
    let last = {cpu: 0, rss: 0}
    let stopped = false
    const started = Date.now()
    const feed = () => {
      while (!stopped && child.stdin.writable) {
        fed += block.length
        if (!child.stdin.write(block)) return void child.stdin.once('drain', feed)
      }
    }
    child.stdin.on('error', () => {}) // EPIPE once the child has ended
    child.stdin.write(head)
    feed()
    const timer = setInterval(() => {
      const u = usage(child.pid!)
      // An ended child (a zombie until reaped) has no RSS left to tell.
      if (!u || u.rss === 0) return
      last = u
      peak = Math.max(peak, u.rss)
      if (fedAtThird < 0 && u.cpu >= budget / 3) {
        fedAtThird = fed
        rssAtThird = u.rss
      }
      if (u.cpu >= budget || Date.now() - started > WALL_LIMIT_MS) {
        stopped = true
        child.kill('SIGKILL')
      }
    }, 250)
    child.on('close', (code) => {
      clearInterval(timer)
      stopped = true
      const stderr = Buffer.concat(err).toString('utf8')
      const mib = (fed / 2 ** 20).toFixed(0)
      const summary = `${label}: ${code === null ? 'stopped' : `exit ${code}`} after ${last.cpu.toFixed(1)} CPU s, ${mib} MiB fed, RSS ${rssAtThird.toFixed(0)} -> ${last.rss.toFixed(0)} MiB (peak ${peak.toFixed(0)})`
      const errors = stderr.split('\n').filter((l) => l.startsWith('probediff: ') && !l.startsWith('probediff: warning: '))
      if (/\n\s+at .+\(.*:\d+:\d+\)|^\s+at /m.test(stderr)) fail(label, `stack trace: ${stderr}`)
      else if (code !== null && code !== 0 && code !== 2) fail(label, `exit ${code}: ${stderr}`)
      else if (code === 2 && (errors.length !== 1 || !/^probediff: <stdin>[:#]/.test(errors[0]!))) fail(label, `expected one <stdin>:line error, got: ${stderr}`)
      else if (bounded && code === null) fail(label, `did not end within ${budget} CPU s: ${summary}`)
      else if (!bounded && code === null && fedAtThird >= 0 && fed <= fedAtThird) fail(label, `no progress after the first third: ${summary}`)
      else if (!bounded && code === null && last.rss - rssAtThird > MAX_RSS_GROWTH_MIB) fail(label, `memory not flat: ${summary}`)
      resolve(code === 2 ? `${summary}: ${errors[0]}` : summary)
    })
  })
}

async function endlessRuns(seeds: Map<FileFormat, Buffer[]>, perFormat: number): Promise<string[]> {
  const jobs = [...seeds].filter(([format]) => !ONLY || ONLY.has(format)).flatMap(([format, list]) => Array.from({length: perFormat}, (_, i) => () => endlessRun(format, list, i)))
  const lines: string[] = []
  const worker = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) lines.push(await job())
  }
  await Promise.all([worker(), worker()])
  return lines
}

// ---- main ----

const seeds = seedsByFormat()
seeds.set('simpletrace', [])
const started = Date.now()
console.log(`fuzz: seed ${SEED}; ${IN_PROCESS} generated inputs per parser in process, ${CLI_RUNS} CLI runs (timeout ${CLI_TIMEOUT_MS} ms), ${ENDLESS_RUNS} endless runs per format`)
for (const [format, list] of seeds) {
  if (ONLY && !ONLY.has(format)) continue
  const t = Date.now()
  const r = await inProcess(format, list, IN_PROCESS)
  console.log(`  ${format.padEnd(12)} ${IN_PROCESS} inputs from ${format === 'simpletrace' ? 'a generator' : `${list.length} seeds`}: ${r.ok} accepted, ${r.inputErrors} input errors (file:line), ${((Date.now() - t) / 1000).toFixed(1)} s`)
}
if (CLI_RUNS > 0) {
  const t = Date.now()
  const codes = await cliRuns(seeds, CLI_RUNS)
  console.log(`  cli          ${CLI_RUNS} runs: exit codes ${JSON.stringify(codes)}, ${((Date.now() - t) / 1000).toFixed(1)} s`)
}
if (ENDLESS_RUNS > 0) {
  const t = Date.now()
  const lines = await endlessRuns(seeds, ENDLESS_RUNS)
  for (const line of lines.sort()) console.log(`    ${line}`)
  console.log(`  endless      ${lines.length} runs (${ENDLESS_RUNS} per format; bounded formats within ${BOUNDED_CPU_S} CPU s, streaming ones watched for ${STREAMING_CPU_S} CPU s), ${((Date.now() - t) / 1000).toFixed(1)} s`)
}
if (slow.length > 0) console.log(`  slow (over ${SLOW_MS} ms, not failures): ${slow.length}, e.g. ${slow.slice(0, 3).join('; ')}`)
console.log(`fuzz: ${failures.length} failures in ${((Date.now() - started) / 1000).toFixed(0)} s`)
process.exit(failures.length === 0 ? 0 : 1)
