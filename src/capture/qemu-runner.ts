import {spawn} from 'node:child_process'
import {createInterface} from 'node:readline'
import type {Readable, Writable} from 'node:stream'
import {type FilterCounts, keepTraceLine} from './trace-filter.js'

/**
 * Runs QEMU once: the serial console (stdout) is collected; stderr carries the trace (filtered as it
 * streams) mixed with QEMU's own messages, whose last lines are kept apart for error reports.
 * A guest that does not power off within the timeout is killed.
 */
export interface QemuRun {
  readonly console: string
  /** QEMU's own messages (stderr lines that are not trace records), last few. */
  readonly stderrTail: readonly string[]
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  readonly timedOut: boolean
  /** The user interrupted probediff (SIGINT/SIGTERM); QEMU was killed. */
  readonly interrupted: boolean
  readonly seconds: number
  readonly trace: FilterCounts
}

/** Console beyond this is dropped from the front: the kernel log dump is at the end. */
const CONSOLE_KEEP_BYTES = 32 * 1024 * 1024
const STDERR_TAIL_LINES = 20

/** A trace record as QEMU's log backend prints it with -msg timestamp=on: `TID@SECONDS.MICROS:event ...`. */
const TRACE_RECORD = /^\d+@\d+\.\d+:[a-z0-9_]+ /

export class QemuNotFound extends Error {
  override readonly name = 'QemuNotFound'
}

/** `unfilteredOut`: also gets every stderr line, the memory events of every region included. */
export function runQemu(argv: readonly string[], timeoutSeconds: number, traceOut: Writable, unfilteredOut?: Writable): Promise<QemuRun> {
  const [bin, ...args] = argv
  if (!bin) throw new RangeError('empty QEMU argv')
  const started = process.hrtime.bigint()
  const child = spawn(bin, args, {stdio: ['ignore', 'pipe', 'pipe']})
  // stdio is ['ignore', 'pipe', 'pipe'], so these two are streams.
  const [, stdout, stderr] = child.stdio as unknown as [null, Readable, Readable]
  const consoleChunks = new TailBuffer(CONSOLE_KEEP_BYTES)
  stdout.on('data', (b: Buffer) => consoleChunks.push(b))
  const messages: string[] = []
  const filtering = splitStderr(
    stderr,
    traceOut,
    (line) => {
      messages.push(line)
      if (messages.length > STDERR_TAIL_LINES) messages.shift()
    },
    unfilteredOut,
  )

  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, timeoutSeconds * 1000)
  // While QEMU runs, Ctrl-C stops it and lets the caller clean up instead of exiting mid-write.
  let interrupted = false
  const onSignal = () => {
    interrupted = true
    child.kill('SIGKILL')
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const settle = () => {
    clearTimeout(timer)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }

  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      settle()
      stderr.destroy()
      reject(err.code === 'ENOENT' ? new QemuNotFound(`QEMU not found: ${bin}`) : err)
    })
    child.once('close', (code, signal) => {
      settle()
      resolve({code, signal})
    })
  })

  return Promise.all([exited, filtering]).then(([{code, signal}, trace]) => ({
    console: consoleChunks.text(),
    stderrTail: messages,
    exitCode: code,
    signal,
    timedOut,
    interrupted,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    trace,
  }))
}

/**
 * Every stderr line goes to the trace file (QEMU's messages stay where QEMU put them, as in any
 * real log), memory events of uninteresting regions excepted; non-trace lines are also reported.
 * `unfiltered` (when given) gets every line, as the user's own `-trace` would have left it.
 */
async function splitStderr(input: Readable, output: Writable, onMessage: (line: string) => void, unfiltered?: Writable): Promise<FilterCounts> {
  const counts: FilterCounts = {kept: 0, dropped: 0, keptBytes: 0}
  for await (const line of createInterface({input, crlfDelay: Infinity})) {
    if (!TRACE_RECORD.test(line)) onMessage(line)
    if (unfiltered && !unfiltered.write(`${line}\n`)) await new Promise<void>((resolve) => unfiltered.once('drain', resolve))
    if (!keepTraceLine(line)) {
      counts.dropped++
      continue
    }
    counts.kept++
    counts.keptBytes += line.length + 1
    if (!output.write(`${line}\n`)) await new Promise<void>((resolve) => output.once('drain', resolve))
  }
  return counts
}

/** Keeps the last `limit` bytes of a byte stream. */
class TailBuffer {
  private chunks: Buffer[] = []
  private size = 0
  constructor(private readonly limit: number) {}
  push(b: Buffer): void {
    this.chunks.push(b)
    this.size += b.length
    while (this.chunks.length > 1 && this.size - (this.chunks[0]?.length ?? 0) >= this.limit) {
      this.size -= this.chunks.shift()?.length ?? 0
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}
