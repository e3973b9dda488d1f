/**
 * `npm run fuzz`: every input parser on generated inputs in process, then the real CLI as
 * subprocesses on mutated shipped samples. Fails (exit 1) on any crash (an error that is not one
 * clear input error), stack trace, hang (timeout), unescaped control character in what reaches a
 * terminal or a JSON consumer, or an error line that does not name its file.
 *
 * The inputs are generated (mutations of the real captures under traces/ and test/fixtures/ingest),
 * and say so: they test robustness, never outcomes.
 *
 *   npm run fuzz                                   # 100,000 inputs per parser, 1,000 CLI runs
 *   npm run fuzz -- --in-process 2000 --cli 40     # the CI slice
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
import {InputError, WarningSink} from '../src/util/errors.js'
import {jsonForTerminal} from '../src/util/terminal.js'

const args = process.argv.slice(2)
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const IN_PROCESS = option('--in-process', 100_000)
const CLI_RUNS = option('--cli', 1_000)
const SEED = option('--seed', 1)
const CLI_TIMEOUT_MS = option('--timeout', 30_000)
/** `--formats csv,lspci`: only these parsers in process (default: all). */
const ONLY = args.includes('--formats') ? new Set(args[args.indexOf('--formats') + 1]!.split(',')) : undefined
/** One in-process input taking longer than this is a hang (a failure); longer than SLOW_MS, reported as slow. */
const HANG_MS = 10_000
const SLOW_MS = 1_000
const slow: string[] = []

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

/** xorshift32: the same inputs for the same --seed. */
let state = SEED >>> 0 || 1
function rand(n: number): number {
  state ^= state << 13
  state >>>= 0
  state ^= state >>> 17
  state ^= state << 5
  state >>>= 0
  return state % n
}
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
  // No simpletrace capture is shipped: its seeds are the other traces' bytes after a valid header.
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

function simpletraceOf(body: Buffer): Buffer {
  // Header: HEADER_EVENT_ID (~0), magic 0xf2b177cb0aa429b4, version 4 (QEMU scripts/simpletrace.py).
  const header = Buffer.alloc(24)
  header.writeBigUInt64LE(0xffffffffffffffffn, 0)
  header.writeBigUInt64LE(0xf2b177cb0aa429b4n, 8)
  header.writeBigUInt64LE(4n, 16)
  return Buffer.concat([header, body])
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
    let bytes = mutate(pick(seeds), format === 'sysfs-config' ? 4096 : 6000)
    if (format === 'simpletrace') bytes = simpletraceOf(bytes)
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
      const bytes = mutate(pick(seeds.get(format)!), 20_000)
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

// ---- main ----

const seeds = seedsByFormat()
seeds.set('simpletrace', seeds.get('qemu-log')!)
const started = Date.now()
console.log(`fuzz: seed ${SEED}; ${IN_PROCESS} generated inputs per parser in process, ${CLI_RUNS} CLI runs (timeout ${CLI_TIMEOUT_MS} ms)`)
for (const [format, list] of seeds) {
  if (ONLY && !ONLY.has(format)) continue
  const t = Date.now()
  const r = await inProcess(format, list, IN_PROCESS)
  console.log(`  ${format.padEnd(12)} ${IN_PROCESS} inputs from ${list.length} seeds: ${r.ok} accepted, ${r.inputErrors} input errors (file:line), ${((Date.now() - t) / 1000).toFixed(1)} s`)
}
if (CLI_RUNS > 0) {
  const t = Date.now()
  // No simpletrace file to mutate on disk: the CLI runs take the shipped text and binary captures.
  const codes = await cliRuns(new Map([...seeds].filter(([f]) => f !== 'simpletrace')), CLI_RUNS)
  console.log(`  cli          ${CLI_RUNS} runs: exit codes ${JSON.stringify(codes)}, ${((Date.now() - t) / 1000).toFixed(1)} s`)
}
if (slow.length > 0) console.log(`  slow (over ${SLOW_MS} ms, not failures): ${slow.length}, e.g. ${slow.slice(0, 3).join('; ')}`)
console.log(`fuzz: ${failures.length} failures in ${((Date.now() - started) / 1000).toFixed(0)} s`)
process.exit(failures.length === 0 ? 0 : 1)
