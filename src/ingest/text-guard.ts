/**
 * Stops a text parser on input that is not text (`/dev/zero --format qemu-log`, `/dev/urandom
 * --format lspci`), which would otherwise run forever at flat memory: a run of binary data or a
 * "line" with no end, both far beyond any real line (lines are capped at 64 KiB), is refused with
 * one InputError at the line where it starts. Chunks are judged from a few samples, so the cost on
 * a real trace is a few KiB looked at per MiB.
 */
import {InputError} from '../util/errors.js'

/** Binary bytes in a row after which a text input is refused. */
const MAX_BINARY_RUN = 1 << 20
/** Bytes without a line end after which a text input is refused. */
const MAX_UNENDED_LINE = 16 << 20

const SAMPLE = 512
const SAMPLES = 8
/** A sample with at least this share of control bytes is binary (random bytes: ~11%; text: ~0). */
const BINARY_SHARE = 0.05

export class TextGuard {
  private binaryRun = 0
  private binaryFrom = 0
  private unended = 0
  private unendedFrom = 0

  constructor(
    private readonly file: string,
    private readonly format: string,
  ) {}

  /** Checks the next chunk; `line` is the number of the line the chunk starts in. */
  check(chunk: Buffer, line: number): void {
    const lastNewline = chunk.lastIndexOf(10)
    if (lastNewline < 0) {
      if (this.unended === 0) this.unendedFrom = line
      this.unended += chunk.length
      if (this.unended > MAX_UNENDED_LINE) {
        throw new InputError(`not ${this.format} text: no line end in ${MAX_UNENDED_LINE >> 20} MiB (binary data?)`, {file: this.file, line: this.unendedFrom})
      }
    } else this.unended = chunk.length - lastNewline - 1
    if (!isBinaryChunk(chunk)) {
      this.binaryRun = 0
      return
    }
    if (this.binaryRun === 0) this.binaryFrom = line
    this.binaryRun += chunk.length
    if (this.binaryRun > MAX_BINARY_RUN) {
      throw new InputError(`not ${this.format} text: binary data (${MAX_BINARY_RUN >> 20} MiB of NUL or control bytes from here)`, {file: this.file, line: this.binaryFrom})
    }
  }
}

/** Every sample of the chunk is mostly control bytes (other than tab, LF, CR, ESC, FF, BS, BEL). */
export function isBinaryChunk(chunk: Buffer): boolean {
  const samples = Math.min(SAMPLES, Math.ceil(chunk.length / SAMPLE))
  const step = samples > 1 ? Math.floor((chunk.length - SAMPLE) / (samples - 1)) : 0
  for (let s = 0; s < samples; s++) {
    const start = s * step
    const end = Math.min(chunk.length, start + SAMPLE)
    let odd = 0
    for (let i = start; i < end; i++) {
      const b = chunk[i]!
      if ((b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 27 && b !== 12 && b !== 8 && b !== 7) || b === 0x7f) odd++
    }
    if (odd < (end - start) * BINARY_SHARE) return false
  }
  return samples > 0
}
